"""Commerce connector against a loopback simulation of the platform."""

from __future__ import annotations

from datetime import datetime

import pytest
from connector_stubs import Reply, script

from connectors.commerce import CommerceConnector, CommerceSettings, unknown_fields
from connectors.common.http import SourceRequestError
from connectors.common.records import Checkpoint, Incident, SourceRecord, SourceUnavailable

KEY = "test-key"


def row(no: str, updated_at: str, **extra) -> dict:
    return {"project_no": no, "project_name": f"项目{no}", "updated_at": updated_at, **extra}


class Platform:
    """Offset pagination over a live table, ordered by (updated_at, project_no)."""

    def __init__(self, rows, after_page=None):
        self.rows = {r["project_no"]: r for r in rows}
        self.after_page = after_page
        self.pages_served = 0

    def __call__(self, request):
        if request.headers.get("x-api-key") != KEY:
            return Reply(401, {"code": 401, "message": "invalid api key"})
        since = request.query.get("updated_since")
        rows = [
            r
            for r in self.rows.values()
            if since is None
            or datetime.fromisoformat(r["updated_at"]) >= datetime.fromisoformat(since)
        ]
        rows.sort(key=lambda r: (datetime.fromisoformat(r["updated_at"]), r["project_no"]))
        page, size = int(request.query["page"]), int(request.query["page_size"])
        body = {
            "code": 0,
            "message": "success",
            "data": {
                "total": len(rows),
                "page": page,
                "page_size": size,
                "items": [dict(r) for r in rows[(page - 1) * size : page * size]],
            },
        }
        self.pages_served += 1
        if self.after_page:
            self.after_page(self, page)
        return body


def ts(n: int) -> str:
    return f"2024-03-01T10:{n:02d}:00+08:00"


def connector(url, sleeps, **kw) -> CommerceConnector:
    settings = CommerceSettings(base_url=url, api_key=KEY, page_size=2, **kw)
    return CommerceConnector(settings, sleep=sleeps)


def records(items):
    return [i for i in items if isinstance(i, SourceRecord)]


def versions(items):
    return [(r.source_key, r.payload["updated_at"]) for r in records(items)]


def test_reads_all_pages_once_with_key_header_and_checkpoints(serve, sleeps):
    sim = Platform([row(f"SW-{i}", ts(i)) for i in range(1, 6)])
    stub = serve(sim)
    items = list(connector(stub.url, sleeps).read({}))
    assert [r.source_key for r in records(items)] == [f"SW-{i}" for i in range(1, 6)]
    assert all(r.entity == "projects" for r in records(items))
    assert records(items)[0].payload == row("SW-1", ts(1))  # verbatim
    assert sim.pages_served == 3  # one pass: total == distinct project_no read
    checkpoints = [i for i in items if isinstance(i, Checkpoint)]
    assert [c.state for c in checkpoints[:-1]] == [{}, {}, {}]  # per page, unchanged
    assert checkpoints[-1].state == {"updated_since": ts(5)}
    assert isinstance(items[-1], Checkpoint)
    assert "updated_since" not in stub.requests[0].query


def test_incremental_updated_since_is_url_encoded_and_watermark_compares_instants(serve, sleeps):
    old = "2024-03-01T00:00:00+08:00"
    sim = Platform(
        [
            row("SW-0", "2024-02-01T00:00:00+08:00"),  # before the window
            row("SW-1", "2024-03-02T01:00:00+08:00"),
            # later as an instant, although smaller as a string
            row("SW-2", "2024-03-01T20:00:00+00:00"),
        ]
    )
    stub = serve(sim)
    items = list(connector(stub.url, sleeps).read({"updated_since": old}))
    assert "updated_since=2024-03-01T00%3A00%3A00%2B08%3A00" in stub.requests[0].raw_path
    assert stub.requests[0].query["updated_since"] == old
    assert {r.source_key for r in records(items)} == {"SW-1", "SW-2"}
    checkpoints = [i.state for i in items if isinstance(i, Checkpoint)]
    assert all(c == {"updated_since": old} for c in checkpoints[:-1])
    assert checkpoints[-1] == {"updated_since": "2024-03-01T20:00:00+00:00"}


def test_no_new_records_keeps_the_watermark(serve, sleeps):
    stub = serve(Platform([row("SW-1", ts(1))]))
    items = list(connector(stub.url, sleeps).read({"updated_since": ts(30)}))
    assert records(items) == []
    assert items[-1] == Checkpoint(state={"updated_since": ts(30)})


def test_full_resync_ignores_state(serve, sleeps):
    stub = serve(Platform([row("SW-1", ts(1)), row("SW-2", ts(2))]))
    items = list(connector(stub.url, sleeps).read({"updated_since": ts(30)}, full=True))
    assert "updated_since" not in stub.requests[0].query
    assert len(records(items)) == 2
    assert items[-1] == Checkpoint(state={"updated_since": ts(2)})


def test_record_pushed_back_during_paging_is_still_yielded(serve, sleeps):
    # After page 1 (A, B) is served, A is updated and moves to the end; C slides onto
    # page 1 and page 2 starts at D: C is skipped by the first pass.
    def update_a(sim, page):
        if sim.pages_served == 1:
            sim.rows["A"] = row("A", ts(50), stage="已签约")

    sim = Platform([row(n, ts(i)) for i, n in enumerate("ABCDEF", start=1)], update_a)
    stub = serve(sim)
    items = list(connector(stub.url, sleeps).read({}))
    got = versions(items)
    assert ("C", ts(3)) in got
    assert ("A", ts(1)) in got and ("A", ts(50)) in got  # both versions, once each
    assert len(got) == len(set(got)) == 7
    assert sim.pages_served == 6  # the first pass missed C, so the window was read again
    assert items[-1] == Checkpoint(state={"updated_since": ts(50)})


def test_record_seen_twice_is_yielded_once(serve, sleeps):
    # After page 1, a back-dated record lands at the front: B is served again on page 2.
    def insert_front(sim, page):
        if sim.pages_served == 1:
            sim.rows["Z"] = row("Z", ts(0))

    sim = Platform([row(n, ts(i)) for i, n in enumerate("ABCD", start=1)], insert_front)
    stub = serve(sim)
    items = list(connector(stub.url, sleeps).read({}))
    got = versions(items)
    assert got.count(("B", ts(2))) == 1
    assert sorted(k for k, _ in got) == ["A", "B", "C", "D", "Z"]


def test_table_that_never_settles_reports_an_incident_and_keeps_the_watermark(serve, sleeps):
    counter = iter(range(1000))

    def insert_every_page(sim, page):
        n = next(counter)
        sim.rows[f"N{n:03d}"] = row(f"N{n:03d}", "2024-03-01T09:00:00+08:00")

    stub = serve(Platform([row(n, ts(i)) for i, n in enumerate("ABC", start=1)], insert_every_page))
    start = "2024-03-01T00:00:00+08:00"
    items = list(connector(stub.url, sleeps, max_passes=3).read({"updated_since": start}))
    incidents = [i for i in items if isinstance(i, Incident)]
    assert [i.kind for i in incidents] == ["commerce_pagination_unsettled"]
    assert items[-1] == Checkpoint(state={"updated_since": start})


def test_business_error_50001_is_retried(serve, sleeps):
    busy = {"code": 50001, "message": "系统繁忙，请稍后再试", "data": None}
    ok = {
        "code": 0,
        "message": "success",
        "data": {"total": 1, "page": 1, "page_size": 2, "items": [row("SW-1", ts(1))]},
    }
    stub = serve(script(busy, busy, ok))
    items = list(connector(stub.url, sleeps).read({}))
    assert [r.source_key for r in records(items)] == ["SW-1"]
    assert len(sleeps) == 2


def test_business_error_40001_fails_clearly(serve, sleeps):
    stub = serve(script({"code": 40001, "message": "参数错误", "data": None}))
    with pytest.raises(SourceRequestError) as caught:
        list(connector(stub.url, sleeps).read({}))
    assert caught.value.code == 40001
    message = str(caught.value)
    assert "commerce" in message and "40001" in message and "/api/v1/projects" in message
    assert sleeps == []


def test_wrong_key_is_source_unavailable_naming_department_and_url(serve, sleeps):
    stub = serve(Platform([row("SW-1", ts(1))]))
    bad = CommerceConnector(CommerceSettings(base_url=stub.url, api_key="wrong"), sleep=sleeps)
    with pytest.raises(SourceUnavailable) as caught:
        list(bad.read({}))
    assert caught.value.source_system == "commerce"
    assert f"{stub.url}/api/v1/projects" in str(caught.value)
    assert "401" in str(caught.value)


def test_connection_refused_is_source_unavailable(refused_url, sleeps):
    with pytest.raises(SourceUnavailable) as caught:
        list(connector(refused_url, sleeps, max_retries=1).read({}))
    assert "commerce" in str(caught.value) and refused_url in str(caught.value)


def test_429_with_retry_after_mid_sync(serve, sleeps):
    sim = Platform([row(f"SW-{i}", ts(i)) for i in range(1, 4)])
    calls = iter(range(100))
    stub = serve(lambda req: Reply(429, "", {"Retry-After": "2"}) if next(calls) == 1 else sim(req))
    items = list(connector(stub.url, sleeps).read({}))
    assert len(records(items)) == 3
    assert sleeps == [2.0]


def test_unknown_fields_are_kept_and_reported(serve, sleeps):
    stub = serve(Platform([row("SW-1", ts(1), new_field="x")]))
    (record,) = records(connector(stub.url, sleeps).read({}))
    assert record.payload["new_field"] == "x"
    assert unknown_fields(record.payload) == {"new_field"}
    assert CommerceConnector.unknown_fields(record.payload) == {"new_field"}
