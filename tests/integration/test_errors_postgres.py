"""hub.errors against a real PostgreSQL: what a COPY error shows, and what `hub` prints when
the warehouse cannot be reached (tests/unit/test_errors.py has the rest, without a server)."""

from __future__ import annotations

import psycopg
import pytest

from hub.errors import MAX_REASON, one_line
from tests.conftest import ADMIN_URL

pytestmark = pytest.mark.integration

PAYLOAD = '{"project_name": "SECRET-PAYLOAD-' + "x" * 400 + '"}'


def test_a_real_copy_error_shows_its_primary_message_and_sqlstate_never_its_payload():
    with psycopg.connect(ADMIN_URL) as conn:
        conn.execute("create temp table landing (source_key text not null, payload jsonb)")
        conn.commit()
        with (
            pytest.raises(psycopg.Error) as caught,
            conn.cursor() as cur,
            cur.copy("copy landing from stdin") as copy,
        ):
            copy.write_row(("k-1", PAYLOAD[:-1]))  # a JSON document cut short
        error = caught.value
        conn.rollback()
        with pytest.raises(psycopg.Error) as not_null:
            conn.execute("insert into landing values (null, %s)", (PAYLOAD,))
    assert "SECRET-PAYLOAD" in (error.diag.context or "")
    assert one_line(error) == (
        "InvalidTextRepresentation: invalid input syntax for type json [SQLSTATE 22P02]"
    )
    assert "SECRET-PAYLOAD" in (not_null.value.diag.message_detail or "")
    line = one_line(not_null.value)
    assert line.startswith("NotNullViolation: null value in column") and "SECRET" not in line
    assert line.endswith("[SQLSTATE 23502]")


def test_an_unexpected_error_in_any_command_is_one_line_without_traceback(
    monkeypatch, capsys, tmp_path
):
    from hub.cli import main

    # nothing listens on port 1: connecting fails; the URL's password must not show
    monkeypatch.setenv("HUB_WAREHOUSE_URL", "postgresql+psycopg://hub:hunter2@127.0.0.1:1/hub")
    monkeypatch.setenv("HUB_HOME", str(tmp_path))
    assert main(["status"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("hub: error: OperationalError: connection failed:")
    assert err.count("\n") == 1 and len(err) <= len("hub: error: \n") + MAX_REASON
    assert "Traceback" not in err and "hunter2" not in err
