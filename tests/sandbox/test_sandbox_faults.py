"""The sandbox fault knobs: off by default, each one plays the fault it names, repeatably."""

from __future__ import annotations

import contextlib
import dataclasses
import time
from datetime import datetime

import pytest
import requests

from hub.sandbox import FaultKnobs, LandFile, generate_scenario
from hub.sandbox.land_files import render_land_file
from tests.sandbox.conftest import approval_token

EPHEMERAL = {"commerce": 0, "approval": 0, "stats": 0}
STATS_AUTH = {"Authorization": "Token sandbox-stats-token"}
COMMERCE_AUTH = {"X-Api-Key": "sandbox-commerce-key"}


@pytest.fixture(scope="module")
def city():
    return generate_scenario(60, 5)


def periods(departments, timeout=5):
    return requests.get(
        departments.urls["stats"] + "/api/fai/periods", headers=STATS_AUTH, timeout=timeout
    )


def projects(departments, **params):
    return requests.get(
        departments.urls["commerce"] + "/api/v1/projects",
        params=params,
        headers=COMMERCE_AUTH,
        timeout=5,
    )


def roster(departments, period, after=None, limit=5):
    params = {"period": period, "limit": limit, **({"after": after} if after else {})}
    return requests.get(
        departments.urls["stats"] + "/api/fai/roster", params=params, headers=STATS_AUTH, timeout=5
    ).json()


def approval_status(departments, token) -> int:
    return requests.get(
        departments.urls["approval"] + "/open/v2/approval-events",
        params={"limit": 1},
        headers={"Authorization": f"Bearer {token}"},
        timeout=5,
    ).status_code


# ----------------------------------------------------------------------------- knobs


def test_knobs_are_off_by_default_and_validated():
    knobs = FaultKnobs()
    off = (
        "error_rate",
        "rate_limit_rate",
        "latency_s",
        "slow_response_rate",
        "truncated_response_rate",
        "approval_token_lifetime_s",
        "commerce_concurrent_updates",
        "stats_revision_bump_after_pages",
        "broken_encoding_rows",
        "late_done_markers",
        "hostile_records",
    )
    assert all(not getattr(knobs, name) for name in off)
    # refinements of a knob, not knobs of their own
    qualifiers = {"commerce_updates_per_drift", "hostile_departments"}
    names = {f.name for f in dataclasses.fields(knobs) if not f.name.endswith(("_limit", "_s"))}
    assert set(off) | {"seed"} >= names - qualifiers
    for bad in (
        {"error_rate": 1.5},
        {"rate_limit_rate": -0.1},
        {"latency_s": -1},
        {"approval_token_lifetime_s": 0},
        {"late_done_markers": -1},
        {"hostile_records": -1},
    ):
        with pytest.raises(ValueError):
            FaultKnobs(**bad)


def test_without_knobs_nothing_misbehaves(city, start):
    departments = start()
    for _ in range(20):
        assert periods(departments).status_code == 200
    assert projects(departments, page_size=500).json()["data"]["items"] == city.commerce_records
    for land_file in city.land_files:
        path = departments.land_dir / land_file.name
        assert path.read_bytes() == render_land_file(land_file.rows)
        assert (departments.land_dir / (land_file.name + ".done")).exists()
    assert departments.fault_counts() == {}
    assert departments.pending_land_markers() == []


# ----------------------------------------------------------------------------- HTTP faults


def test_error_rate_answers_gateway_errors_and_commerce_business_errors(start):
    departments = start(error_rate=1.0, seed=3)
    statuses = {periods(departments).status_code for _ in range(30)}
    assert statuses <= {502, 503, 504} and len(statuses) > 1
    answers = [projects(departments) for _ in range(30)]
    codes = {r.json()["code"] for r in answers if r.status_code == 200}
    assert codes and codes <= set(range(50001, 50100))
    assert all(r.json()["data"] is None for r in answers if r.status_code == 200)
    assert {r.status_code for r in answers} - {200} <= {502, 503, 504}
    counts = departments.fault_counts()
    assert sum(n for kind, n in counts.items() if kind.startswith("stats.http_5")) == 30
    assert counts["commerce.business_error"] == len([r for r in answers if r.status_code == 200])


def test_partial_error_rate_is_seeded_and_repeatable(start):
    def pattern(departments):
        return [periods(departments).status_code for _ in range(40)]

    first, second = pattern(start(error_rate=0.3, seed=8)), pattern(start(error_rate=0.3, seed=8))
    assert first == second
    assert 200 in first and set(first) - {200}
    assert pattern(start(error_rate=0.3, seed=9)) != first


def test_rate_limit_sends_retry_after_and_notes_an_early_retry(start):
    departments = start(rate_limit_rate=1.0, seed=1)
    answers = [periods(departments) for _ in range(12)]
    assert {r.status_code for r in answers} == {429}
    assert {r.headers["Retry-After"] for r in answers} == {"0", "1"}
    counts = departments.fault_counts()
    assert counts["stats.http_429"] == 12
    # some request came less than a second after a "Retry-After: 1"
    assert counts.get("stats.retry_after_ignored", 0) >= 1


def test_latency_delays_every_answer(start):
    departments = start(latency_s=0.15)
    began = time.monotonic()
    assert periods(departments).status_code == 200
    assert time.monotonic() - began >= 0.15


def test_slow_responses_outlast_a_short_read_timeout(start):
    departments = start(slow_response_rate=1.0, slow_response_s=0.4)
    with pytest.raises(requests.exceptions.ReadTimeout):
        periods(departments, timeout=(5, 0.1))
    departments.faults = FaultKnobs(slow_response_rate=0.0)
    assert periods(departments, timeout=(5, 2)).status_code == 200
    assert departments.fault_counts()["stats.slow_response"] == 1


def test_truncated_responses_are_cut_off_both_ways(start):
    departments = start(truncated_response_rate=1.0, seed=2)
    outcomes = set()
    for _ in range(12):
        try:
            response = periods(departments)
        except requests.exceptions.ChunkedEncodingError:
            outcomes.add("short_body")  # Content-Length promised more than was sent
            continue
        assert response.status_code == 200 and "Content-Length" not in response.headers
        with pytest.raises(ValueError):
            response.json()
        outcomes.add("cut_json")
    assert outcomes == {"short_body", "cut_json"}
    counts = departments.fault_counts()
    assert counts["stats.truncated_short_body"] + counts["stats.truncated_cut_json"] == 12


def test_faults_leave_stderr_quiet(start, capfd):
    departments = start(
        truncated_response_rate=0.5,
        error_rate=0.3,
        rate_limit_rate=0.2,
        slow_response_rate=0.3,
        slow_response_s=0.2,
    )
    for _ in range(20):
        with contextlib.suppress(requests.RequestException):
            periods(departments, timeout=(5, 0.05))  # slow answers go to a closed socket
    time.sleep(0.3)
    assert departments.fault_counts()["stats.slow_response"]
    assert capfd.readouterr().err == ""


def test_token_lifetime_is_a_knob_and_can_change_at_run_time(start):
    departments = start(approval_token_lifetime_s=0.2)
    token = approval_token(departments)
    assert approval_status(departments, token) == 200
    time.sleep(0.3)
    assert approval_status(departments, token) == 401
    assert departments.fault_counts()["approval.expired_token_401"] == 1
    assert approval_status(departments, "made-up") == 401
    assert departments.fault_counts()["approval.expired_token_401"] == 1  # unknown ≠ expired

    departments.faults = FaultKnobs(approval_token_lifetime_s=30)
    token = approval_token(departments)
    time.sleep(0.3)
    assert approval_status(departments, token) == 200
    assert departments.fault_counts()["approval.token_issued"] == 2


def test_approval_cursor_position_reads_a_cursor(start):
    departments = start()
    token = approval_token(departments)
    body = requests.get(
        departments.urls["approval"] + "/open/v2/approval-events",
        params={"limit": 7},
        headers={"Authorization": f"Bearer {token}"},
        timeout=5,
    ).json()
    assert departments.approval_cursor_position(body["next_cursor"]) == 7
    assert departments.approval_cursor_position(None) == 0
    with pytest.raises(ValueError):
        departments.approval_cursor_position("not-a-cursor!")


# ----------------------------------------------------------------------------- commerce drift


def test_concurrent_updates_make_a_naive_offset_reader_skip_and_double(city, start):
    departments = start(commerce_concurrent_updates=2, commerce_concurrent_update_limit=3, seed=4)
    seen, page = [], 1
    while True:
        items = projects(departments, page=page, page_size=5).json()["data"]["items"]
        if not items:
            break
        seen.extend(items)
        page += 1
    moved = departments.commerce_concurrently_updated()
    assert len(moved) == 3  # the limit
    keys = [item["project_no"] for item in seen]
    held = departments.commerce_records()
    assert len(held) == len(city.commerce_records)
    assert {r["project_no"] for r in held} - set(keys), "a naive reader skips a record"
    doubled = {key for key in keys if keys.count(key) > 1}
    assert doubled == set(moved), "and reads each moved one twice"
    # the moved records now come last, later than anything else
    assert [r["project_no"] for r in held[-3:]] == moved
    oldest_moved = min(datetime.fromisoformat(r["updated_at"]) for r in held[-3:])
    assert all(datetime.fromisoformat(r["updated_at"]) < oldest_moved for r in held[:-3])
    assert departments.fault_counts()["commerce.concurrent_update"] == 3


# ----------------------------------------------------------------------------- stats bump


def test_a_revision_is_published_after_the_nth_roster_page_of_an_open_period(city, start):
    departments = start(stats_revision_bump_after_pages=1, seed=6)
    before = {p.period: p for p in departments.stats_periods()}
    open_period = next(name for name, p in before.items() if not p.closed and len(p.rows) > 5)
    closed_period = next(name for name, p in before.items() if p.closed and len(p.rows) > 5)

    first = roster(departments, open_period)
    assert first["revision"] == before[open_period].revision
    second = roster(departments, open_period, after=first["next_after"])
    assert second["revision"] == before[open_period].revision + 1
    listed = {p["period"]: p["revision"] for p in periods(departments).json()["periods"]}
    assert listed[open_period] == before[open_period].revision + 1
    assert departments.stats_revisions_bumped() == [(open_period, before[open_period].revision + 1)]
    revised = {p.period: p for p in departments.stats_periods()}[open_period]
    assert revised.rows != before[open_period].rows  # a changed roster
    history = {
        (p.period, p.revision): p for p in departments.stats_periods(include_superseded=True)
    }
    old = history[(open_period, before[open_period].revision)]
    assert not old.current and old.rows == before[open_period].rows

    # once per period (the limit), and a closed period never changes
    assert roster(departments, open_period)["revision"] == revised.revision
    assert roster(departments, closed_period)["revision"] == before[closed_period].revision
    assert departments.fault_counts()["stats.revision_bump"] == 1


# ----------------------------------------------------------------------------- land


def test_broken_rows_are_the_only_undecodable_lines(city, start):
    departments = start(broken_encoding_rows=4, seed=7)
    deliveries = departments.land_deliveries()
    broken = {(d.name, line): data for d in deliveries for line, data in d.broken.items()}
    assert len(broken) == 4
    for delivery in deliveries:
        content = (departments.land_dir / delivery.name).read_bytes()
        assert content == delivery.content
        lines = content.split(b"\r\n")
        for number, line in enumerate(lines[:-1], start=1):
            if (delivery.name, number) in broken:
                assert line == broken[(delivery.name, number)]
                with pytest.raises(UnicodeDecodeError):
                    line.decode("gb18030")
            else:
                line.decode("gb18030")
        assert len(delivery.readable_rows()) == len(delivery.rows) - len(delivery.broken)
    assert departments.fault_counts()["land.broken_row"] == 4


def test_late_markers_appear_after_listings_over_a_completed_file(city, start):
    departments = start(late_done_markers=2, seed=5)
    pending = departments.pending_land_markers()
    assert pending and len(pending) < len(city.land_files)
    by_name = {d.name: d for d in departments.land_deliveries()}
    for name in pending:
        assert not (departments.land_dir / (name + ".done")).exists()
        assert not by_name[name].done
        on_disk = (departments.land_dir / name).read_bytes()
        assert by_name[name].content.startswith(on_disk)  # still being written
    marked = departments.advance_land_markers()
    marked += departments.advance_land_markers()
    assert sorted(marked) == pending and departments.pending_land_markers() == []
    for delivery in departments.land_deliveries():
        assert delivery.done
        assert (departments.land_dir / delivery.name).read_bytes() == delivery.content
        assert (departments.land_dir / (delivery.name + ".done")).exists()


def test_a_late_file_can_be_marked_at_once_and_added_files_follow_the_knobs(city, start):
    departments = start(late_done_markers=3, seed=1)
    departments.faults = FaultKnobs(late_done_markers=3, broken_encoding_rows=1, seed=2)
    rows = [r for f in city.land_files for r in f.rows][:6]
    for day in range(1, 29):  # a seeded draw of 0 listings delivers a file at once
        name = f"land_supply_202507{day:02d}.csv"
        departments.add_land_file(LandFile(name, rows))
        if name in departments.pending_land_markers():
            break
    assert not (departments.land_dir / (name + ".done")).exists()
    departments.mark_land_file_done(name)
    assert name not in departments.pending_land_markers()
    delivery = {d.name: d for d in departments.land_deliveries()}[name]
    assert delivery.done and len(delivery.broken) == 1
    assert (departments.land_dir / name).read_bytes() == delivery.content


def test_a_retrying_client_reads_through_cut_off_answers(start):
    """What the connectors rely on: a body cut short — by a Content-Length it does not meet
    or by a JSON document that stops early — is retried, not taken for a bad answer."""
    from connectors.common.http import HttpClient, RetryPolicy, json_body

    departments = start(truncated_response_rate=0.6, seed=3)
    client = HttpClient(
        "stats",
        departments.urls["stats"],
        policy=RetryPolicy(max_retries=20, backoff_base=0.001),
        sleep=lambda seconds: None,
    )
    for _ in range(10):
        body = client.call("GET", "/api/fai/periods", headers=STATS_AUTH, interpret=json_body)
        assert body["periods"] and len(body["periods"]) == len(departments.stats_periods())
    counts = departments.fault_counts()
    assert counts["stats.truncated_short_body"] and counts["stats.truncated_cut_json"]


@pytest.mark.parametrize(
    ("body", "cut"),
    [
        ("", True),
        ('{"a": 1', True),
        ('{"a": "x}', True),
        ('{"a": tru', True),
        ('{"a": {"b": 1}', True),
        ("[1, 2", True),
        ("<html><body>502 Bad Gateway</body></html>", False),
        ('{"a": 1}}', False),
        ('{"a": 1,}', False),
        ('{"a": 1}', False),
    ],
)
def test_what_counts_as_a_body_cut_short(body, cut):
    from connectors.common.http import _cut_short

    assert _cut_short(body) is cut
