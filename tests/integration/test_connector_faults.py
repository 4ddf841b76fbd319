"""Every department misbehaving, one way at a time and all at once: the sync still lands
exactly what the departments hold, never a version twice, and never records state that runs
ahead of the records committed with it.

Each case turns sandbox fault knobs on (``hub.sandbox.FaultKnobs``) and runs
``hub.pipeline.ingest`` for every source, repeating the sync only while a knob legitimately
holds data back (a late ``.done`` marker, a revision published after its pull, a record
updated while it was being read). Checked against the warehouse:

- raw (latest version per key) == what the simulator holds now: commerce records, approval
  events, the roster of each period's current revision, the last readable row per 宗地编号
  across the land files — and every row the sandbox broke on purpose is in ``meta.rejects``
  as ``unreadable_line`` with its file and line, and no other row failed to read;
- no (source_key, content_hash) twice in any raw table;
- after every ingest, meta.source_state claims nothing raw does not hold.

The connectors run with their real retry policy except a small backoff base (so jittered
waits stay in milliseconds; ``Retry-After`` is still honoured, up to 30 s) and small pages
(so the knobs hit many requests).
"""

from __future__ import annotations

import base64
import copy
import dataclasses
from collections import defaultdict
from collections.abc import Callable
from datetime import datetime
from typing import Any

import pytest

from hub.config import Settings
from hub.pipeline import ingest
from hub.sandbox import FaultKnobs, LandFile, SandboxDepartments
from hub.warehouse.connection import connect

pytestmark = pytest.mark.integration

SOURCES = ("commerce", "approval", "land", "stats")
EPHEMERAL = {"commerce": 0, "approval": 0, "stats": 0}
RAW_TABLES = {
    "commerce": "raw.commerce__projects",
    "approval": "raw.approval__events",
    "land": "raw.land__parcels",
    "stats": "raw.stats__roster",
}
#: Incidents that would mean a knob broke the sync rather than being absorbed by it.
BAD_INCIDENTS = ("land_file_redelivered", "commerce_pagination_unsettled", "land_file_bad_header")
MAX_ROUNDS = 6


def fast_settings(departments: SandboxDepartments, url: str, home, **overrides) -> Settings:
    """The hub's settings for this sandbox: small pages, millisecond backoff (see module doc).
    ``overrides``: per department, fields to change, e.g. ``approval={"limit": 3}``."""
    base = Settings.from_env({**departments.env(), "HUB_WAREHOUSE_URL": url, "HUB_HOME": str(home)})
    tuned = {
        "commerce": {"page_size": 10, "backoff_base": 0.01},
        "approval": {"limit": 10, "backoff_base": 0.01},
        "stats": {"limit": 10, "backoff_base": 0.01},
    }
    changes = {
        name: dataclasses.replace(getattr(base, name), **{**fields, **overrides.get(name, {})})
        for name, fields in tuned.items()
    }
    return dataclasses.replace(base, **changes)


# ----------------------------------------------------------------------------- the warehouse


def _rows(url: str, query: str, params: Any = None) -> list[tuple]:
    with connect(url) as conn:
        return conn.execute(query, params).fetchall()


def source_state(url: str, source: str) -> dict[str, Any]:
    rows = _rows(url, "select state from meta.source_state where source_system = %s", (source,))
    return rows[0][0] if rows else {}


def instant(value: str) -> datetime:
    return datetime.fromisoformat(value)


def raw_commerce_versions(url: str) -> dict[str, list[tuple[int, dict]]]:
    versions: dict[str, list[tuple[int, dict]]] = defaultdict(list)
    for key, payload, raw_id in _rows(
        url, "select source_key, payload, raw_id from raw.commerce__projects"
    ):
        versions[key].append((raw_id, payload))
    return versions


def raw_commerce_latest(url: str) -> dict[str, dict]:
    return {
        key: max(found, key=lambda v: (instant(v[1]["updated_at"]), v[0]))[1]
        for key, found in raw_commerce_versions(url).items()
    }


def raw_approval(url: str) -> dict[str, list[dict]]:
    events: dict[str, list[dict]] = defaultdict(list)
    for key, payload in _rows(url, "select source_key, payload from raw.approval__events"):
        events[key].append(payload)
    return events


def raw_stats_snapshots(url: str) -> dict[tuple[str, int], dict[str, dict]]:
    """(period, revision) → {stat_project_id: row} as landed."""
    snapshots: dict[tuple[str, int], dict[str, dict]] = defaultdict(dict)
    for key, payload, context in _rows(
        url, "select source_key, payload, context from raw.stats__roster"
    ):
        snapshot = snapshots[(context["period"], context["revision"])]
        assert key not in snapshot, f"stats {key} twice in {context}"
        snapshot[key] = payload
    return snapshots


def raw_land(url: str) -> list[tuple[str | None, dict, dict]]:
    return _rows(url, "select source_key, payload, provenance from raw.land__parcels")


def raw_land_latest(url: str) -> dict[str, dict]:
    """The last row per 宗地编号 by (file, line) — the contract's "later row wins"."""
    best: dict[str, tuple[tuple[str, int], dict]] = {}
    for key, payload, provenance in raw_land(url):
        if key is None:
            continue
        where = (provenance["file"], provenance["line"])
        if key not in best or where > best[key][0]:
            best[key] = (where, payload)
    return {key: payload for key, (_, payload) in best.items()}


def duplicate_versions(url: str) -> dict[str, list[tuple]]:
    found = {}
    for source, table in RAW_TABLES.items():
        rows = _rows(
            url,
            f"select source_key, content_hash, count(*) from {table}"
            " group by source_key, content_hash having count(*) > 1",
        )
        if rows:
            found[source] = rows
    return found


def incident_kinds(url: str) -> list[str]:
    return [kind for (kind,) in _rows(url, "select kind from meta.incidents")]


# ----------------------------------------------------------------------------- the sandbox


def held_commerce(departments) -> dict[str, dict]:
    return {r["project_no"]: r for r in departments.commerce_records()}


def held_stats(departments, *, include_superseded=False) -> dict[tuple[str, int], dict]:
    return {
        (p.period, p.revision): {row["stat_project_id"]: row for row in p.rows}
        for p in departments.stats_periods(include_superseded=include_superseded)
    }


def held_land_latest(departments) -> dict[str, dict]:
    """Last readable row per 宗地编号 over the files marked done, in name then line order."""
    latest: dict[str, dict] = {}
    for delivery in departments.land_deliveries():
        if delivery.done:
            for _, row in delivery.readable_rows():
                latest[row["宗地编号"]] = row
    return latest


def broken_land_lines(departments) -> dict[tuple[str, int], bytes]:
    return {
        (d.name, line): data
        for d in departments.land_deliveries()
        if d.done
        for line, data in d.broken.items()
    }


# ----------------------------------------------------------------------------- checks


def check_state_not_ahead(url: str, departments: SandboxDepartments, source: str) -> None:
    """The committed state covers only records raw holds."""
    state = source_state(url, source)
    if source == "commerce":
        since = state.get("updated_since")
        if since is None:
            return
        versions = raw_commerce_versions(url)
        newest = max(instant(p["updated_at"]) for found in versions.values() for _, p in found)
        assert instant(since) <= newest, f"commerce watermark {since} past raw's {newest}"
        for key, record in held_commerce(departments).items():
            if instant(record["updated_at"]) <= instant(since):
                landed = [payload for _, payload in versions.get(key, [])]
                assert record in landed, f"commerce {key} at or before {since} not in raw"
    elif source == "approval":
        position = departments.approval_cursor_position(state.get("after"))
        events = departments.approval_events()
        assert position <= len(events)
        landed = raw_approval(url)
        missing = [
            e["event_id"] for e in events[:position] if e not in landed.get(e["event_id"], [])
        ]
        assert not missing, f"approval cursor at {position} but not landed: {missing[:5]}"
    elif source == "stats":
        history = held_stats(departments, include_superseded=True)
        landed = raw_stats_snapshots(url)
        for period, info in (state.get("periods") or {}).items():
            key = (period, info["revision"])
            assert landed.get(key, {}) == history[key], f"stats state claims {key}"
        for key, rows in landed.items():  # committed whole or not at all
            assert rows == history[key], f"stats {key} landed partially or wrongly"
    elif source == "land":
        deliveries = {d.name: d for d in departments.land_deliveries()}
        rows = raw_land(url)
        landed = {(key, _freeze(payload)) for key, payload, _ in rows if key is not None}
        unreadable = {(p["file"], p["line"]) for key, _, p in rows if key is None}
        for name, digest in (state.get("files") or {}).items():
            delivery = deliveries[name]
            assert delivery.done and digest == delivery.sha256, f"land {name} read unfinished"
            for line, row in delivery.readable_rows():
                assert (row["宗地编号"], _freeze(row)) in landed, f"land {name}:{line} missing"
            for line in delivery.broken:
                assert (name, line) in unreadable, f"land {name}:{line} (broken) missing"


def _freeze(payload: dict) -> tuple:
    return tuple(sorted(payload.items()))


def check_converged(url: str, departments: SandboxDepartments) -> None:
    """raw (latest per key) == what the sandbox holds now, for every source."""
    held = held_commerce(departments)
    landed = raw_commerce_latest(url)
    assert landed.keys() == held.keys(), _key_diff("commerce", landed, held)
    assert [k for k in held if landed[k] != held[k]] == [], "commerce: stale latest versions"

    events = departments.approval_events()
    landed_events = raw_approval(url)
    assert dict(landed_events) == {e["event_id"]: [e] for e in events}

    landed_stats = raw_stats_snapshots(url)
    for (period, revision), rows in held_stats(departments).items():
        assert landed_stats.get((period, revision)) == rows, f"stats {period} r{revision}"

    expected_land = held_land_latest(departments)
    landed_land = raw_land_latest(url)
    assert landed_land.keys() == expected_land.keys(), _key_diff("land", landed_land, expected_land)
    assert [k for k in expected_land if landed_land[k] != expected_land[k]] == []
    check_broken_rows_rejected(url, departments)

    assert duplicate_versions(url) == {}
    assert not set(incident_kinds(url)) & set(BAD_INCIDENTS), incident_kinds(url)


def check_broken_rows_rejected(url: str, departments: SandboxDepartments) -> None:
    """Every broken row is an unreadable_line reject with its file, line and bytes; no other
    land row failed to read."""
    broken = broken_land_lines(departments)
    unreadable = {
        (p["file"], p["line"]): payload for key, payload, p in raw_land(url) if key is None
    }
    assert unreadable.keys() == broken.keys()
    rejects = _rows(
        url,
        "select provenance, payload, reasons from meta.rejects"
        " where source_system = 'land' and 'unreadable_line' = any (reasons)",
    )
    rejected = {(p["file"], p["line"]): payload for p, payload, _ in rejects}
    assert rejected.keys() == broken.keys()
    for where, data in broken.items():
        assert base64.b64decode(rejected[where]["_undecodable_base64"]) == data
        assert rejected[where]["_line"] == where[1]


def _key_diff(source: str, landed: dict, held: dict) -> str:
    return (
        f"{source}: missing {sorted(held.keys() - landed.keys())[:5]}, "
        f"extra {sorted(landed.keys() - held.keys())[:5]}"
    )


def check_first_sync_complete(url: str, departments: SandboxDepartments) -> None:
    """One sync is complete on its own, except for what changed while it ran (records a
    concurrent update moved, periods revised after their pull) or was not ready (files whose
    marker is late): those may lag, but are never lost."""
    drifted = set(departments.commerce_concurrently_updated())
    versions = raw_commerce_versions(url)
    for key, record in held_commerce(departments).items():
        landed = [payload for _, payload in versions.get(key, [])]
        if key in drifted:
            assert landed, f"commerce {key} (updated during the sync) never landed"
        else:
            assert record in landed, f"commerce {key} lost by the first sync"

    bumped = {period for period, _ in departments.stats_revisions_bumped()}
    landed_stats = raw_stats_snapshots(url)
    for (period, revision), rows in held_stats(departments).items():
        if period not in bumped:
            assert landed_stats.get((period, revision)) == rows, f"stats {period}"

    landed_land = {(key, _freeze(p)) for key, p, _ in raw_land(url) if key is not None}
    for delivery in departments.land_deliveries():
        if delivery.done:
            for line, row in delivery.readable_rows():
                assert (row["宗地编号"], _freeze(row)) in landed_land, f"{delivery.name}:{line}"


def sync_until_settled(
    settings: Settings, departments: SandboxDepartments, url: str
) -> list[dict[str, int]]:
    """Sync every source, checking the state after each ingest, until a round lands nothing
    and no land marker is pending. Returns records_new per source for each round."""
    rounds = []
    for number in range(MAX_ROUNDS):
        landed = {}
        for source in SOURCES:
            result = ingest(settings, source)
            assert result["status"] in ("ok", "held")  # holding is downstream of raw
            landed[source] = result["records_new"]
            check_state_not_ahead(url, departments, source)
        rounds.append(landed)
        if number == 0:
            check_first_sync_complete(url, departments)
        if departments.pending_land_markers():
            departments.advance_land_markers()  # this round listed the folder once
            continue
        if not any(landed.values()) and number > 0:
            return rounds
    pytest.fail(f"still landing after {MAX_ROUNDS} rounds: {rounds}")


# ----------------------------------------------------------------------------- the cases


def _fired(*kinds: str, absent: tuple[str, ...] = ()) -> Callable[[dict[str, int]], bool]:
    """Each kind (a prefix or suffix pattern of a fault count) was played; none of absent."""

    def played(counts: dict[str, int], pattern: str) -> int:
        return sum(n for name, n in counts.items() if pattern in name)

    def check(counts: dict[str, int]) -> bool:
        return all(played(counts, k) > 0 for k in kinds) and not any(
            played(counts, k) for k in absent
        )

    return check


@dataclasses.dataclass(frozen=True)
class Case:
    knobs: FaultKnobs
    fired: Callable[[dict[str, int]], bool]
    settings: dict[str, dict[str, Any]] = dataclasses.field(default_factory=dict)


CASES = {
    "errors": Case(
        FaultKnobs(error_rate=0.2, seed=1),
        _fired("commerce.http_5", "commerce.business_error", "approval.http_5", "stats.http_5"),
    ),
    "rate_limit": Case(
        FaultKnobs(rate_limit_rate=0.15, seed=2),
        _fired("approval.http_429", "stats.http_429", absent=("ignored",)),
    ),
    "latency": Case(FaultKnobs(latency_s=0.01, seed=3), lambda counts: True),
    "slow_responses": Case(
        # held longer than the connectors' read timeout (shortened here): timeouts, retried
        FaultKnobs(slow_response_rate=0.08, slow_response_s=0.4, seed=12),
        _fired("commerce.slow_response", "approval.slow_response", "stats.slow_response"),
        settings={name: {"timeout": (5, 0.15)} for name in ("commerce", "approval", "stats")},
    ),
    "token_expires_before_client_expects": Case(
        # expires_in says 1 s, the token dies after 0.15 s: the client meets 401s, renews once
        FaultKnobs(approval_token_lifetime_s=0.15, latency_s=0.01, seed=4),
        _fired("approval.expired_token_401"),
    ),
    "token_renewed_before_expiry": Case(
        # an honest 1 s token over a ~1.5 s pull: renewed ahead of time, never refused
        FaultKnobs(approval_token_lifetime_s=1.0, latency_s=0.02, seed=5),
        lambda counts: (
            counts["approval.token_issued"] >= 2 and "approval.expired_token_401" not in counts
        ),
        settings={"approval": {"limit": 3}},
    ),
    "commerce_concurrent_updates": Case(
        FaultKnobs(commerce_concurrent_updates=3, commerce_updates_per_drift=2, seed=6),
        _fired("commerce.concurrent_update"),
    ),
    "stats_revision_mid_pull": Case(
        FaultKnobs(stats_revision_bump_after_pages=2, seed=7),
        _fired("stats.revision_bump"),
    ),
    "truncated_responses": Case(
        FaultKnobs(truncated_response_rate=0.2, seed=8),
        _fired("commerce.truncated", "approval.truncated", "stats.truncated"),
    ),
    "broken_encoding": Case(FaultKnobs(broken_encoding_rows=6, seed=9), _fired("land.broken_row")),
    "late_done_markers": Case(FaultKnobs(late_done_markers=2, seed=10), _fired("land.late_marker")),
    "all_on": Case(
        FaultKnobs(
            seed=11,
            error_rate=0.1,
            rate_limit_rate=0.05,
            latency_s=0.002,
            truncated_response_rate=0.05,
            approval_token_lifetime_s=0.3,
            commerce_concurrent_updates=4,
            stats_revision_bump_after_pages=3,  # after the last page: re-pulled next sync
            broken_encoding_rows=4,
            late_done_markers=2,
        ),
        _fired(
            "http_5",
            "http_429",
            "truncated",
            "commerce.concurrent_update",
            "stats.revision_bump",
            "land.broken_row",
            "land.late_marker",
            absent=("ignored",),
        ),
    ),
}


@pytest.mark.parametrize("name", list(CASES))
def test_every_source_lands_exactly_what_the_department_holds(
    name, scenario, fresh_warehouse_url, tmp_path
):
    case = CASES[name]
    url = fresh_warehouse_url
    with SandboxDepartments(
        scenario, tmp_path / "land", ports=EPHEMERAL, faults=case.knobs
    ) as departments:
        settings = fast_settings(departments, url, tmp_path, **case.settings)
        rounds = sync_until_settled(settings, departments, url)
        counts = departments.fault_counts()
        assert case.fired(counts), f"the knob did not play as meant: {counts}"
        check_converged(url, departments)
    assert sum(rounds[0].values()) > 0


# ----------------------------------------------------------------------------- incremental


def _changes(departments: SandboxDepartments) -> dict[str, int]:
    """Change every department a little; returns how many new versions each now holds."""
    records = departments.commerce_records()
    departments.upsert_commerce_record(dict(records[0], stage="已终止"))
    departments.upsert_commerce_record(
        dict(records[1], project_no="SW2025-990001", project_name="新增测试项目")
    )

    events = departments.approval_events()
    for number, template in enumerate(events[-2:], start=1):
        departments.append_approval_event(
            dict(template, event_id=f"SP2025999000{number}", supersedes_event_id=None)
        )

    open_period = next(p for p in reversed(departments.stats_periods()) if not p.closed)
    rows = copy.deepcopy(open_period.rows[:-1])
    rows[0]["completed_investment_ytd_wan"] = rows[0]["completed_investment_ytd_wan"] + 100
    departments.set_stats_period(open_period.period, open_period.revision + 1, rows, closed=False)

    last_rows = [r for d in departments.land_deliveries() for _, r in d.readable_rows()]
    changed = dict(last_rows[-1], 状态="作废", 更新时间="2025-07-01 09:00:00")
    added = dict(last_rows[-2], 宗地编号="370212-2025-G999", 更新时间="2025-07-01 09:00:00")
    departments.add_land_file(LandFile("land_supply_20250701.csv", [changed, added]))
    return {"commerce": 2, "approval": 2, "stats": len(rows), "land": 2}


def test_a_second_sync_lands_only_the_changes_and_a_full_resync_nothing(
    scenario, fresh_warehouse_url, tmp_path
):
    url = fresh_warehouse_url
    with SandboxDepartments(scenario, tmp_path / "land", ports=EPHEMERAL) as departments:
        settings = fast_settings(departments, url, tmp_path)
        for source in SOURCES:
            ingest(settings, source)
        check_converged(url, departments)
        before = {source: source_state(url, source) for source in SOURCES}
        commerce_at_mark = sum(
            1
            for r in departments.commerce_records()
            if instant(r["updated_at"]) == instant(before["commerce"]["updated_since"])
        )
        approval_from = departments.approval_cursor_position(before["approval"]["after"])

        expected_new = _changes(departments)
        second = {source: ingest(settings, source) for source in SOURCES}
        assert {s: r["records_new"] for s, r in second.items()} == expected_new
        # and only the changes were read, bar what the contracts make a reader re-read:
        # commerce's inclusive watermark, approval's replayed last page
        assert second["commerce"]["records_received"] == 2 + commerce_at_mark
        assert second["approval"]["records_received"] == (
            len(departments.approval_events()) - approval_from
        )
        assert second["stats"]["records_received"] == expected_new["stats"]
        assert second["land"]["records_received"] == 2
        check_converged(url, departments)

        after = {source: source_state(url, source) for source in SOURCES}
        counts = {s: _rows(url, f"select count(*) from {t}")[0][0] for s, t in RAW_TABLES.items()}
        full = {source: ingest(settings, source, full=True) for source in SOURCES}
        assert {s: r["records_new"] for s, r in full.items()} == dict.fromkeys(SOURCES, 0)
        assert all(r["status"] in ("ok", "held") for r in full.values())
        assert full["commerce"]["records_received"] == len(departments.commerce_records())
        assert full["approval"]["records_received"] == len(departments.approval_events())
        assert full["stats"]["records_received"] == sum(
            len(p.rows) for p in departments.stats_periods()
        )
        assert full["land"]["records_received"] == sum(
            len(d.rows) for d in departments.land_deliveries()
        )
        assert {source: source_state(url, source) for source in SOURCES} == after
        assert {
            s: _rows(url, f"select count(*) from {t}")[0][0] for s, t in RAW_TABLES.items()
        } == counts
        check_converged(url, departments)


def test_a_redelivered_land_file_is_an_incident_and_is_not_applied(
    scenario, fresh_warehouse_url, tmp_path
):
    url = fresh_warehouse_url
    with SandboxDepartments(scenario, tmp_path / "land", ports=EPHEMERAL) as departments:
        settings = fast_settings(departments, url, tmp_path)
        ingest(settings, "land")
        before = (source_state(url, "land"), raw_land_latest(url))
        delivered = next(d for d in departments.land_deliveries() if len(d.rows) >= 2)
        altered = [dict(delivered.rows[0], 项目名称="改写后的项目名称"), *delivered.rows[1:]]
        departments.add_land_file(LandFile(delivered.name, altered))  # same name, new bytes

        result = ingest(settings, "land")
        assert result["records_new"] == 0 and result["incidents"] == 1
        kinds_and_details = _rows(url, "select kind, detail from meta.incidents")
        assert [kind for kind, _ in kinds_and_details] == ["land_file_redelivered"]
        assert delivered.name in kinds_and_details[0][1]
        assert (source_state(url, "land"), raw_land_latest(url)) == before
        assert source_state(url, "land")["files"][delivered.name] == delivered.sha256


def test_late_markers_leave_core_land_parcels_with_the_latest_row(
    scenario, fresh_warehouse_url, tmp_path
):
    url = fresh_warehouse_url
    knobs = CASES["late_done_markers"].knobs
    with SandboxDepartments(scenario, tmp_path / "land", ports=EPHEMERAL, faults=knobs) as sb:
        sync_until_settled(fast_settings(sb, url, tmp_path), sb, url)
        expected = held_land_latest(sb)
    core = dict(
        _rows(
            url,
            "select parcel_id, to_char(source_updated_at at time zone 'Asia/Shanghai',"
            " 'YYYY-MM-DD HH24:MI:SS') from core.land_parcels",
        )
    )
    stale = {
        key: (core[key], row["更新时间"])
        for key, row in expected.items()
        if key in core and core[key] != row["更新时间"]
    }
    assert stale == {}
