"""hub.errors: the one line `hub` prints and shared.sync_status keeps about a failure —
bounded, without a record's payload, a password or a configured secret."""

from __future__ import annotations

import logging

import psycopg
import pytest

from connectors.common.records import SourceUnavailable
from hub.config import Settings
from hub.errors import (
    MAX_REASON,
    HubFailure,
    configured_secrets,
    one_line,
    redact,
    redacted_traceback,
    redacted_url,
    reraise_redacted,
)

PAYLOAD = '{"project_name": "SECRET-PAYLOAD-' + "x" * 400 + '"}'

SECRET_ENV = {
    "HUB_WAREHOUSE_URL": "postgresql+psycopg://hub:wh-pass-123@warehouse:5432/hub",
    "HUB_SOURCE_COMMERCE_KEY": "commerce-key-abc",
    "HUB_SOURCE_APPROVAL_CLIENT_SECRET": "approval/secret+xyz",
    "HUB_SOURCE_STATS_TOKEN": "stats-token-789",
    "HUB_ACCESS_PASSWORD": "new-login-pass",
}
SECRETS = (
    "wh-pass-123",
    "commerce-key-abc",
    "approval/secret+xyz",
    "stats-token-789",
    "new-login-pass",
)


@pytest.fixture
def settings() -> Settings:
    return Settings.from_env(SECRET_ENV)


def test_configured_secrets_are_every_credential_and_the_warehouse_password(settings):
    assert set(configured_secrets(settings)) == set(SECRETS)
    assert configured_secrets(Settings.from_env({})) == ()
    assert configured_secrets(None) == ()


def test_configured_secrets_never_show(settings):
    message = (
        "401 for X-Api-Key commerce-key-abc, token stats-token-789, "
        "form client_secret=approval%2Fsecret%2Bxyz, raw approval/secret+xyz, "
        "dsn host=warehouse password=wh-pass-123, login new-login-pass"
    )
    line = one_line(RuntimeError(message), configured_secrets(settings))
    for secret in SECRETS:
        assert secret not in line
    assert "approval%2Fsecret%2Bxyz" not in line
    assert line.startswith("RuntimeError: 401 for X-Api-Key ***")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("postgresql://user:secret@host:5432/db", "postgresql://user:***@host:5432/db"),
        (
            "could not reach postgresql+psycopg://hub:p%40ss@warehouse/hub: timeout",
            "could not reach postgresql+psycopg://hub:***@warehouse/hub: timeout",
        ),
        ("user=hub password=hunter2 host=db", "user=hub password=*** host=db"),
        ("password='two words' host=db", "password=*** host=db"),
        # no password, nothing to blank
        ("http://127.0.0.1:8104/api/fai/periods", "http://127.0.0.1:8104/api/fai/periods"),
        ("postgresql://user@host/db", "postgresql://user@host/db"),
    ],
)
def test_passwords_in_urls_and_connection_strings_are_blanked(text, expected):
    assert redact(text) == expected


def test_redacted_url_hides_only_the_password():
    assert redacted_url("postgresql+psycopg://hub:s3cret@db:5432/hub") == (
        "postgresql+psycopg://hub:***@db:5432/hub"
    )
    assert redacted_url("postgresql+psycopg://hub@db/hub") == "postgresql+psycopg://hub@db/hub"


def test_settings_repr_and_str_show_no_secret(settings):
    for text in (repr(settings), str(settings)):
        assert "postgresql+psycopg://hub:***@warehouse:5432/hub" in text
        assert not [secret for secret in SECRETS if secret in text]
    assert "warehouse_url=None" in repr(Settings.from_env({}))


def test_a_long_message_is_cut_to_one_bounded_line():
    line = one_line(ValueError("first line\n\tsecond line " + "y" * 1000))
    assert len(line) == MAX_REASON and line.endswith("…")
    assert "\n" not in line and "\t" not in line
    assert line.startswith("ValueError: first line second line yyy")
    assert len(one_line(ValueError("z" * 1000), limit=40)) == 40


def test_an_error_without_a_message_is_named_by_its_type():
    assert one_line(KeyError()) == "KeyError"
    assert one_line(RuntimeError("boom")) == "RuntimeError: boom"


def test_a_source_unavailable_reads_as_written():
    error = SourceUnavailable("stats", "http://127.0.0.1:8104", "connection refused")
    assert one_line(error) == "stats: cannot read http://127.0.0.1:8104: connection refused"


def test_database_detail_context_and_statement_parameters_are_dropped():
    # what psycopg's str() holds for a COPY error, when no diagnostics are at hand
    error = psycopg.errors.InvalidTextRepresentation(
        "invalid input syntax for type json\nDETAIL:  Token is invalid.\n"
        f'CONTEXT:  COPY commerce__projects, line 1, column payload: "{PAYLOAD}"'
    )
    assert one_line(error) == "InvalidTextRepresentation: invalid input syntax for type json"

    import sqlalchemy.exc

    wrapped = sqlalchemy.exc.DataError(
        "insert into raw.x values (%(p)s)", {"p": PAYLOAD}, error, connection_invalidated=False
    )
    assert "SECRET-PAYLOAD" in str(wrapped)  # SQLAlchemy's own text carries the parameters
    assert one_line(wrapped) == "InvalidTextRepresentation: invalid input syntax for type json"

    # the same text quoted inside another library's error
    assert one_line(RuntimeError(f"validation failed: {wrapped}")) == (
        "RuntimeError: validation failed: (psycopg.errors.InvalidTextRepresentation) "
        "invalid input syntax for type json"
    )


def test_the_redacted_traceback_keeps_the_frames_and_drops_the_messages(settings):
    def land():
        raise psycopg.errors.InvalidTextRepresentation(
            f"bad json\nCONTEXT:  COPY x, line 1: {PAYLOAD}"
        )

    try:
        try:
            land()
        except psycopg.Error as error:
            raise RuntimeError("ingest failed for key commerce-key-abc") from error
    except RuntimeError as error:
        text = redacted_traceback(error, configured_secrets(settings))
    assert "SECRET-PAYLOAD" not in text and "commerce-key-abc" not in text
    assert "in land" in text  # the frames are all there
    assert "InvalidTextRepresentation: bad json" in text
    assert text.rstrip().endswith("RuntimeError: ingest failed for key ***")


def test_reraise_redacted_gives_one_safe_line_and_lets_interrupts_pass(settings, caplog):
    with (
        caplog.at_level(logging.ERROR, logger="hub.errors"),
        pytest.raises(HubFailure) as caught,
        reraise_redacted(settings, "stats"),
    ):
        raise RuntimeError(f"stats-token-789 rejected; payload {PAYLOAD}")
    message = str(caught.value)
    assert message.startswith("stats FAILED: RuntimeError: *** rejected; payload")
    assert len(message) <= len("stats FAILED: ") + MAX_REASON
    assert caught.value.__cause__ is None and caught.value.__suppress_context__
    assert "stats-token-789" not in caplog.text
    assert "x" * (MAX_REASON + 10) not in caplog.text

    with pytest.raises(KeyboardInterrupt), reraise_redacted(settings, "stats"):
        raise KeyboardInterrupt


def test_a_failed_core_check_or_data_docs_build_is_logged_redacted(monkeypatch, settings, caplog):
    import sys
    import types

    import hub.pipeline

    def audit_core(engine):  # what GX or SQLAlchemy may say, quoting the URL and a row
        raise RuntimeError(f"cannot validate on {settings.warehouse_url}; row {PAYLOAD}")

    monkeypatch.setitem(
        sys.modules, "expectations.core_audit", types.SimpleNamespace(audit_core=audit_core)
    )
    with caplog.at_level(logging.DEBUG, logger="hub.pipeline"):
        hub.pipeline._check_core_and_build_docs(settings, settings.warehouse_url)
    assert "data-quality checks on core or the Data Docs failed" in caplog.text
    assert "hub:***@warehouse" in caplog.text and "in audit_core" in caplog.text
    assert "wh-pass-123" not in caplog.text and PAYLOAD not in caplog.text
    assert all(record.exc_info is None for record in caplog.records)


# ------------------------------------------------------- run_sync and the CLI, no warehouse


def test_run_sync_reports_any_ingest_failure_and_still_publishes(monkeypatch, settings):
    import hub.pipeline

    def ingest(settings, source_system, *, full=False, clock=None):
        if source_system == "stats":
            raise ZeroDivisionError("stats-token-789")
        return {"source_system": source_system}

    monkeypatch.setattr(hub.pipeline, "ingest", ingest)
    monkeypatch.setattr(
        hub.pipeline, "resolve_and_publish", lambda settings, clock=None: {"projects": 1}
    )
    report = hub.pipeline.run_sync(settings)
    assert report.failures == {"stats": "ZeroDivisionError: ***"}
    assert [item["source_system"] for item in report.ingested] == [
        "commerce",
        "approval",
        "land",
    ]
    assert report.published == {"projects": 1} and not report.ok


def test_run_sync_reports_a_failed_publish(monkeypatch, settings):
    import hub.pipeline

    def publish(settings, clock=None):
        raise RuntimeError("could not reach postgresql://hub:wh-pass-123@warehouse/hub")

    monkeypatch.setattr(hub.pipeline, "ingest", lambda s, system, full=False, clock=None: {})
    monkeypatch.setattr(hub.pipeline, "resolve_and_publish", publish)
    report = hub.pipeline.run_sync(settings)
    assert report.failures == {} and report.published is None and not report.ok
    assert report.publish_failure == (
        "RuntimeError: could not reach postgresql://hub:***@warehouse/hub"
    )


@pytest.mark.parametrize("interrupt", [KeyboardInterrupt, SystemExit])
def test_run_sync_lets_interrupts_through(monkeypatch, settings, interrupt):
    import hub.pipeline

    def ingest(settings, source_system, *, full=False, clock=None):
        raise interrupt

    monkeypatch.setattr(hub.pipeline, "ingest", ingest)
    with pytest.raises(interrupt):
        hub.pipeline.run_sync(settings)


def test_with_v_an_unexpected_error_also_logs_a_redacted_traceback(
    monkeypatch, capsys, caplog, tmp_path
):
    import hub.cli

    def status(settings, args):
        raise RuntimeError(f"X-Api-Key {settings.commerce.api_key} refused; {PAYLOAD}")

    monkeypatch.setattr(hub.cli, "_cmd_status", status)
    for name, value in SECRET_ENV.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("HUB_HOME", str(tmp_path))
    with caplog.at_level(logging.ERROR):
        assert hub.cli.main(["-v", "status"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("hub: error: RuntimeError: X-Api-Key *** refused;")
    assert "Traceback (most recent call last)" in caplog.text and "in status" in caplog.text
    assert "commerce-key-abc" not in caplog.text + err and PAYLOAD not in caplog.text + err


@pytest.mark.parametrize(
    "error",
    [
        psycopg.OperationalError("the connection is lost"),
        psycopg.OperationalError(
            "server closed the connection unexpectedly\n\tThis probably means the server"
            " terminated abnormally"
        ),
        psycopg.OperationalError("consuming input failed: EOF detected"),
    ],
    ids=["lost", "server-closed", "eof"],
)
def test_a_warehouse_session_ended_under_the_hub_says_so(error):
    line = one_line(error)
    assert line.startswith("OperationalError: warehouse connection lost: "), line
    assert "\n" not in line


def test_a_refused_connection_or_another_database_error_is_not_called_lost():
    refused = psycopg.OperationalError(
        'connection failed: connection to server at "127.0.0.1", port 1 failed: Connection refused'
    )
    assert "connection lost" not in one_line(refused)
    assert "connection lost" not in one_line(psycopg.errors.DiskFull("No space left on device"))
