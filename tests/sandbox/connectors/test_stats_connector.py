"""Stats connector against a loopback simulation of the roster API."""

from __future__ import annotations

import pytest
from connector_stubs import Reply

from connectors.common.records import (
    Checkpoint,
    DiscardSinceCheckpoint,
    Incident,
    SourceRecord,
    SourceUnavailable,
)
from connectors.stats import StatsConnector, StatsSettings, unknown_fields


def rows(prefix: str, n: int, **extra) -> list[dict]:
    return [
        {"stat_project_id": f"TJ{prefix}{i:03d}", "project_name": f"项目{i}", **extra}
        for i in range(n)
    ]


class Bureau:
    def __init__(self, periods, on_roster=None):
        # periods: {"2024-01": {"revision": 1, "closed": True, "rows": [...]}}
        self.periods = periods
        self.on_roster = on_roster
        self.roster_calls: list[tuple[str, str | None]] = []

    def __call__(self, request):
        if request.headers.get("authorization") != "Token tk":
            return Reply(401, {"detail": "bad token"})
        if request.path == "/api/fai/periods":
            return {
                "periods": [
                    {"period": p, "revision": v["revision"], "closed": v["closed"]}
                    for p, v in self.periods.items()
                ]
            }
        period = request.query["period"]
        if period not in self.periods:
            return Reply(404, {"detail": "unknown period"})
        after = request.query.get("after")
        self.roster_calls.append((period, after))
        data = self.periods[period]
        ordered = sorted(data["rows"], key=lambda r: r["stat_project_id"])
        rest = [r for r in ordered if after is None or r["stat_project_id"] > after]
        page = rest[: int(request.query["limit"])]
        more = len(rest) > len(page)
        body = {
            "period": period,
            "revision": data["revision"],
            "rows": page,
            "next_after": page[-1]["stat_project_id"] if more else None,
        }
        if self.on_roster:
            self.on_roster(self, period, after)
        return body


def connector(url, sleeps, **kw):
    return StatsConnector(StatsSettings(base_url=url, token="tk", limit=2, **kw), sleep=sleeps)


def test_pulls_each_period_and_checkpoints_after_each(serve, sleeps):
    bureau = Bureau(
        {
            "2024-02": {"revision": 2, "closed": False, "rows": rows("B", 3)},
            "2024-01": {"revision": 1, "closed": True, "rows": rows("A", 2)},
        }
    )
    stub = serve(bureau)
    items = list(connector(stub.url, sleeps).read({}))
    recs = [i for i in items if isinstance(i, SourceRecord)]
    assert [r.source_key for r in recs] == ["TJA000", "TJA001", "TJB000", "TJB001", "TJB002"]
    assert recs[0].entity == "roster"
    assert recs[0].context == {"period": "2024-01", "revision": 1}
    assert recs[-1].context == {"period": "2024-02", "revision": 2}
    assert recs[0].payload == rows("A", 2)[0]
    checkpoints = [(n, i.state) for n, i in enumerate(items) if isinstance(i, Checkpoint)]
    assert checkpoints[0] == (2, {"periods": {"2024-01": {"revision": 1, "closed": True}}})
    assert checkpoints[-1][1] == {
        "periods": {
            "2024-01": {"revision": 1, "closed": True},
            "2024-02": {"revision": 2, "closed": False},
        }
    }
    assert stub.requests[0].headers["authorization"] == "Token tk"


def test_revision_change_mid_pagination_discards_and_restarts_the_period(serve, sleeps):
    def revise(bureau, period, after):
        if after is None and bureau.periods[period]["revision"] == 2:
            bureau.periods[period] = {"revision": 3, "closed": False, "rows": rows("N", 3)}

    bureau = Bureau({"2024-03": {"revision": 2, "closed": False, "rows": rows("O", 5)}}, revise)
    stub = serve(bureau)
    items = list(connector(stub.url, sleeps).read({}))
    kinds = [type(i).__name__ for i in items]
    assert kinds == [
        "SourceRecord",  # TJO000, revision 2, first page
        "SourceRecord",
        "DiscardSinceCheckpoint",  # page 2 shows revision 3
        "SourceRecord",
        "SourceRecord",
        "SourceRecord",
        "Checkpoint",
    ]
    discard = items[2]
    assert isinstance(discard, DiscardSinceCheckpoint) and "2024-03" in discard.reason
    kept = [i for i in items[3:] if isinstance(i, SourceRecord)]
    assert [r.source_key for r in kept] == ["TJN000", "TJN001", "TJN002"]
    assert all(r.context == {"period": "2024-03", "revision": 3} for r in kept)
    assert items[-1].state == {"periods": {"2024-03": {"revision": 3, "closed": False}}}
    assert bureau.roster_calls == [
        ("2024-03", None),
        ("2024-03", "TJO001"),
        ("2024-03", None),
        ("2024-03", "TJN001"),
    ]


def test_a_period_that_never_holds_still_fails_clearly(serve, sleeps):
    def revise_every_time(bureau, period, after):
        bureau.periods[period]["revision"] += 1

    bureau = Bureau(
        {"2024-03": {"revision": 1, "closed": False, "rows": rows("O", 5)}}, revise_every_time
    )
    stub = serve(bureau)
    items = []
    with pytest.raises(SourceUnavailable) as caught:
        for item in connector(stub.url, sleeps, max_restarts=2).read({}):
            items.append(item)
    assert "stats" in str(caught.value) and "2024-03" in str(caught.value)
    assert sum(isinstance(i, DiscardSinceCheckpoint) for i in items) == 3
    assert not any(isinstance(i, Checkpoint) for i in items)


def test_closed_and_unchanged_periods_are_not_pulled_again(serve, sleeps):
    bureau = Bureau(
        {
            "2024-01": {"revision": 4, "closed": True, "rows": rows("A", 2)},  # closed, same
            "2024-02": {"revision": 2, "closed": True, "rows": rows("B", 2)},  # closed since
            "2024-03": {"revision": 3, "closed": False, "rows": rows("C", 1)},  # revised
            "2024-04": {"revision": 1, "closed": False, "rows": rows("D", 1)},  # new
        }
    )
    stub = serve(bureau)
    state = {
        "periods": {
            "2024-01": {"revision": 4, "closed": True},
            "2024-02": {"revision": 2, "closed": False},
            "2024-03": {"revision": 2, "closed": False},
        }
    }
    items = list(connector(stub.url, sleeps).read(state))
    assert {p for p, _ in bureau.roster_calls} == {"2024-03", "2024-04"}
    assert [i.source_key for i in items if isinstance(i, SourceRecord)] == ["TJC000", "TJD000"]
    assert items[-1] == Checkpoint(
        state={
            "periods": {
                "2024-01": {"revision": 4, "closed": True},
                "2024-02": {"revision": 2, "closed": True},
                "2024-03": {"revision": 3, "closed": False},
                "2024-04": {"revision": 1, "closed": False},
            }
        }
    )


def test_full_resync_pulls_closed_periods_too(serve, sleeps):
    bureau = Bureau({"2024-01": {"revision": 4, "closed": True, "rows": rows("A", 1)}})
    stub = serve(bureau)
    state = {"periods": {"2024-01": {"revision": 4, "closed": True}}}
    items = list(connector(stub.url, sleeps).read(state, full=True))
    assert [i.source_key for i in items if isinstance(i, SourceRecord)] == ["TJA000"]


def test_closed_period_with_a_new_revision_is_pulled_and_reported(serve, sleeps):
    bureau = Bureau({"2024-01": {"revision": 5, "closed": True, "rows": rows("A", 1)}})
    stub = serve(bureau)
    state = {"periods": {"2024-01": {"revision": 4, "closed": True}}}
    items = list(connector(stub.url, sleeps).read(state))
    assert [i.kind for i in items if isinstance(i, Incident)] == ["stats_closed_period_revised"]
    assert items[-1].state["periods"]["2024-01"] == {"revision": 5, "closed": True}


def test_empty_roster_is_checkpointed(serve, sleeps):
    bureau = Bureau({"2024-05": {"revision": 1, "closed": False, "rows": []}})
    stub = serve(bureau)
    items = list(connector(stub.url, sleeps).read({}))
    assert not any(isinstance(i, SourceRecord) for i in items)
    assert items[0] == Checkpoint(state={"periods": {"2024-05": {"revision": 1, "closed": False}}})


def test_bad_token_is_source_unavailable(serve, sleeps):
    stub = serve(Bureau({}))
    bad = StatsConnector(StatsSettings(base_url=stub.url, token="nope"), sleep=sleeps)
    with pytest.raises(SourceUnavailable) as caught:
        list(bad.read({}))
    assert "stats" in str(caught.value) and f"{stub.url}/api/fai/periods" in str(caught.value)


def test_503_on_a_roster_page_is_retried(serve, sleeps):
    bureau = Bureau({"2024-01": {"revision": 1, "closed": False, "rows": rows("A", 3)}})
    failures = iter([Reply(503)])

    def flaky(request):
        if request.path == "/api/fai/roster" and request.query.get("after"):
            reply = next(failures, None)
            if reply is not None:
                return reply
        return bureau(request)

    stub = serve(flaky)
    items = list(connector(stub.url, sleeps).read({}))
    assert len([i for i in items if isinstance(i, SourceRecord)]) == 3
    assert len(sleeps) == 1


def test_unknown_fields():
    assert unknown_fields({"stat_project_id": "x", "status": "续建", "新字段": 1}) == {"新字段"}
