"""The sandbox departments serve exactly what the source contracts describe."""

from __future__ import annotations

import csv
import io
import socket
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
import requests

from hub.sandbox import (
    LandFile,
    SandboxCredentials,
    SandboxDepartments,
    generate_scenario,
    write_land_files,
)
from hub.sandbox.land_files import LAND_COLUMNS
from tests.sandbox.conftest import serving_in_a_process

EPHEMERAL = {"commerce": 0, "approval": 0, "stats": 0}
CREDENTIALS = SandboxCredentials(approval_token_lifetime_s=0.5)


@pytest.fixture(scope="module")
def small_city():
    return generate_scenario(80, 3)


@pytest.fixture(scope="module")
def served(small_city, tmp_path_factory):
    """Read-only tests share one running sandbox."""
    with SandboxDepartments(
        small_city, tmp_path_factory.mktemp("land"), ports=EPHEMERAL, credentials=CREDENTIALS
    ) as departments:
        yield departments


@pytest.fixture
def fresh(small_city, tmp_path):
    """A sandbox of the test's own, for tests that change what is served."""
    with SandboxDepartments(
        small_city, tmp_path / "land", ports=EPHEMERAL, credentials=CREDENTIALS
    ) as departments:
        yield departments


def commerce_get(departments, key="sandbox-commerce-key", **params):
    return requests.get(
        departments.urls["commerce"] + "/api/v1/projects",
        params=params,
        headers={"X-Api-Key": key} if key else {},
        timeout=5,
    )


def approval_token(departments) -> str:
    response = requests.post(
        departments.urls["approval"] + "/oauth/token",
        data={
            "grant_type": "client_credentials",
            "client_id": "sandbox-client",
            "client_secret": "sandbox-secret",
        },
        timeout=5,
    )
    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "Bearer" and body["expires_in"] >= 1
    return body["access_token"]


def approval_get(departments, token, **params):
    return requests.get(
        departments.urls["approval"] + "/open/v2/approval-events",
        params=params,
        headers={"Authorization": f"Bearer {token}"},
        timeout=5,
    )


def stats_get(departments, path, token="sandbox-stats-token", **params):
    return requests.get(
        departments.urls["stats"] + path,
        params=params,
        headers={"Authorization": f"Token {token}"},
        timeout=5,
    )


# ----------------------------------------------------------------------------- commerce


def test_every_commerce_page_together_holds_every_record_once(served, small_city):
    seen = []
    page = 1
    while True:
        body = commerce_get(served, page=page, page_size=7).json()
        assert body["code"] == 0 and body["message"] == "success"
        data = body["data"]
        assert (data["page"], data["page_size"]) == (page, 7)
        assert data["total"] == len(small_city.commerce_records)
        if not data["items"]:
            break
        seen.extend(data["items"])
        page += 1
    assert seen == small_city.commerce_records  # same records, same order, each once


def test_commerce_updated_since_is_inclusive_and_honours_the_offset(served, small_city):
    middle = small_city.commerce_records[len(small_city.commerce_records) // 2]
    expected = [
        r["project_no"]
        for r in small_city.commerce_records
        if datetime.fromisoformat(r["updated_at"]) >= datetime.fromisoformat(middle["updated_at"])
    ]
    as_utc = datetime.fromisoformat(middle["updated_at"]).astimezone(UTC).isoformat()
    for since in (middle["updated_at"], as_utc):
        data = commerce_get(served, updated_since=since, page_size=500).json()["data"]
        assert [r["project_no"] for r in data["items"]] == expected
        assert data["total"] == len(expected)


def test_commerce_refuses_bad_keys_and_bad_parameters(served):
    assert commerce_get(served, key=None).status_code == 401
    assert commerce_get(served, key="wrong").status_code == 401
    assert commerce_get(served, page_size=501).status_code == 400
    assert commerce_get(served, page_size=0).status_code == 400
    assert commerce_get(served, page=0).status_code == 400
    assert commerce_get(served, updated_since="2024-03-01T00:00:00").status_code == 400
    assert commerce_get(served, page_size=500).status_code == 200


def test_commerce_json_is_utf8_without_escapes(served):
    response = commerce_get(served, page_size=1)
    assert response.headers["Content-Type"] == "application/json; charset=utf-8"
    assert "项目".encode() in response.content and b"\\u" not in response.content


def test_an_upserted_commerce_record_comes_last_with_a_newer_stamp(fresh, small_city):
    changed = dict(small_city.commerce_records[0], stage="已终止")
    stored = fresh.upsert_commerce_record(changed)
    items = commerce_get(fresh, page_size=500).json()["data"]["items"]
    assert items[-1] == stored and stored["stage"] == "已终止"
    assert len(items) == len(small_city.commerce_records)
    newest_before = max(
        datetime.fromisoformat(r["updated_at"]) for r in small_city.commerce_records
    )
    assert datetime.fromisoformat(stored["updated_at"]) > newest_before
    since = commerce_get(fresh, updated_since=stored["updated_at"]).json()["data"]["items"]
    assert since == [stored]


# ----------------------------------------------------------------------------- approval


def test_approval_token_expires_and_a_fresh_one_works(fresh):
    token = approval_token(fresh)
    assert approval_get(fresh, token, limit=1).status_code == 200
    time.sleep(0.6)
    expired = approval_get(fresh, token, limit=1)
    assert expired.status_code == 401 and "Bearer" in expired.headers["WWW-Authenticate"]
    assert approval_get(fresh, approval_token(fresh), limit=1).status_code == 200
    token = approval_token(fresh)
    fresh.expire_approval_tokens()
    assert approval_get(fresh, token, limit=1).status_code == 401


def test_approval_refuses_bad_credentials_and_parameters(served):
    token_url = served.urls["approval"] + "/oauth/token"
    wrong_secret = {"grant_type": "client_credentials", "client_id": "sandbox-client"}
    assert (
        requests.post(token_url, data={**wrong_secret, "client_secret": "x"}, timeout=5).status_code
        == 401
    )
    assert requests.post(token_url, data={"grant_type": "password"}, timeout=5).status_code == 400
    assert approval_get(served, "unknown-token").status_code == 401
    token = approval_token(served)
    assert approval_get(served, token, limit=1001).status_code == 400
    assert approval_get(served, token, limit=0).status_code == 400
    assert approval_get(served, token, after="not-a-cursor!").status_code == 400


def test_approval_cursor_pages_the_stream_and_a_replay_returns_the_grown_page(fresh, small_city):
    token = approval_token(fresh)
    events, after, last_after = [], None, None
    while True:
        params = {"limit": 37} if after is None else {"limit": 37, "after": after}
        body = approval_get(fresh, token, **params).json()
        events.extend(body["events"])
        last_after = after
        if body["next_cursor"] is None:
            break
        after = body["next_cursor"]
    assert events == small_city.approval_events
    default_page = approval_get(fresh, token).json()["events"]
    assert default_page == events[:200]  # default limit 200

    replay_params = {"limit": 37} if last_after is None else {"limit": 37, "after": last_after}
    before = approval_get(fresh, token, **replay_params).json()
    new_event = dict(small_city.approval_events[-1], event_id="SP20259999999")
    fresh.append_approval_event(new_event)
    grown = approval_get(fresh, token, **replay_params).json()
    assert grown["events"][: len(before["events"])] == before["events"]
    assert grown["events"][len(before["events"])] == new_event


# ----------------------------------------------------------------------------- stats


def test_stats_serves_the_current_revision_of_each_period(served, small_city):
    current = {p.period: p for p in small_city.stats_periods if p.current}
    periods = stats_get(served, "/api/fai/periods").json()["periods"]
    assert periods == [
        {"period": p.period, "revision": p.revision, "closed": p.closed} for p in current.values()
    ]
    rows, after = [], None
    while True:
        params = {"period": "2025-06", "limit": 5}
        if after:
            params["after"] = after
        body = stats_get(served, "/api/fai/roster", **params).json()
        assert (body["period"], body["revision"]) == ("2025-06", 2)
        rows.extend(body["rows"])
        after = body["next_after"]
        if after is None:
            break
    assert rows == current["2025-06"].rows
    older = next(p for p in small_city.stats_periods if p.period == "2025-06" and not p.current)
    assert rows != older.rows


def test_stats_refuses_unknown_periods_bad_tokens_and_limits(served):
    assert stats_get(served, "/api/fai/roster", period="2019-01").status_code == 404
    assert stats_get(served, "/api/fai/periods", token="wrong").status_code == 401
    assert stats_get(served, "/api/fai/roster", period="2025-06", limit=2001).status_code == 400
    assert stats_get(served, "/api/fai/roster", period="2025-06", limit=2000).status_code == 200


def test_a_new_stats_revision_replaces_the_served_one_but_closed_periods_stay(fresh, small_city):
    current = next(p for p in small_city.stats_periods if p.period == "2025-06" and p.current)
    fresh.set_stats_period("2025-06", 3, current.rows[:2], closed=True)
    body = stats_get(fresh, "/api/fai/roster", period="2025-06").json()
    assert body["revision"] == 3 and body["rows"] == current.rows[:2]
    with pytest.raises(ValueError):
        fresh.set_stats_period("2025-06", 4, [], closed=True)
    with pytest.raises(ValueError):
        fresh.set_stats_period("2024-01", 2, [], closed=True)
    fresh.set_stats_period("2025-07", 1, [], closed=False)
    assert stats_get(fresh, "/api/fai/periods").json()["periods"][-1]["period"] == "2025-07"


# ----------------------------------------------------------------------------- land


def test_land_files_are_gb18030_crlf_with_done_markers(served, small_city):
    directory = served.land_dir
    for land_file in small_city.land_files:
        raw = (directory / land_file.name).read_bytes()
        assert (directory / (land_file.name + ".done")).exists()
        text = raw.decode("gb18030")
        assert text.count("\r\n") == text.count("\n") and text.endswith("\r\n")
        parsed = list(csv.reader(io.StringIO(text, newline="")))
        assert tuple(parsed[0]) == LAND_COLUMNS
        assert [dict(zip(LAND_COLUMNS, row, strict=True)) for row in parsed[1:]] == land_file.rows
    sample = next(f for f in small_city.land_files if f.rows)
    with pytest.raises(UnicodeDecodeError):
        (directory / sample.name).read_bytes().decode("utf-8")


def test_a_land_file_dropped_unmarked_is_marked_later(fresh, small_city):
    rows = small_city.land_files[-1].rows
    fresh.add_land_file(LandFile("land_supply_20250701.csv", rows, marked_done=False))
    assert (fresh.land_dir / "land_supply_20250701.csv").exists()
    assert not (fresh.land_dir / "land_supply_20250701.csv.done").exists()
    fresh.mark_land_file_done("land_supply_20250701.csv")
    assert (fresh.land_dir / "land_supply_20250701.csv.done").exists()


def test_writing_land_files_again_changes_nothing(small_city, tmp_path):
    write_land_files(small_city.land_files, tmp_path)
    stamps = {p.name: p.stat().st_mtime_ns for p in tmp_path.iterdir()}
    time.sleep(0.01)
    write_land_files(small_city.land_files, tmp_path)
    assert {p.name: p.stat().st_mtime_ns for p in tmp_path.iterdir()} == stamps


# ----------------------------------------------------------------------------- lifecycle


def test_env_points_the_hub_at_the_departments(served):
    env = served.env()
    assert env["HUB_SOURCE_COMMERCE_URL"] == served.urls["commerce"]
    assert env["HUB_SOURCE_APPROVAL_CLIENT_ID"] == "sandbox-client"
    assert env["HUB_SOURCE_STATS_TOKEN"] == "sandbox-stats-token"
    assert Path(env["HUB_SOURCE_LAND_DIR"]) == served.land_dir.resolve()
    assert len(env) == 8


def test_requests_leave_stderr_quiet(served, capfd):
    commerce_get(served)
    commerce_get(served, key="wrong")
    stats_get(served, "/api/fai/roster", period="1999-01")
    assert capfd.readouterr().err == ""


def test_a_stopped_department_refuses_and_stop_releases_every_port(small_city, tmp_path):
    threads_before = set(threading.enumerate())
    departments = SandboxDepartments(small_city, tmp_path, ports=EPHEMERAL)
    departments.start()
    ports = {name: int(url.rsplit(":", 1)[1]) for name, url in departments.urls.items()}
    departments.stop_department("stats")
    with pytest.raises(requests.ConnectionError):
        stats_get(departments, "/api/fai/periods")
    assert commerce_get(departments).status_code == 200
    departments.stop()
    for port in ports.values():
        with socket.socket() as probe:
            # As a server binds (SO_REUSEADDR): fails only while something still listens there.
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind(("127.0.0.1", port))
    with SandboxDepartments(small_city, tmp_path, ports=ports) as again:
        assert again.urls == departments.urls
    assert set(threading.enumerate()) <= threads_before  # every thread it started is joined


def test_serve_forever_prints_env_writes_truth_and_stops_on_sigterm(tmp_path):
    land, truth = str(tmp_path / "land"), str(tmp_path / "t.json")
    with serving_in_a_process(land, truth) as lines:
        url = next(line for line in lines if "COMMERCE_URL" in line).strip().split("=", 1)[1]
        response = requests.get(
            url + "/api/v1/projects", headers={"X-Api-Key": "sandbox-commerce-key"}, timeout=5
        )
        assert response.status_code == 200
        assert (tmp_path / "t.json").exists()
