"""Re-pull windows (issue 14, backfill): parsing, and what the land and stats connectors read
and checkpoint with one."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest

from connectors.common.records import Checkpoint, Incident, SourceRecord
from connectors.common.window import DAY, MONTH, RepullWindow, parse_window
from connectors.land import LandConnector, LandSettings
from connectors.land.settings import COLUMNS
from connectors.stats.client import Period, RosterPage
from connectors.stats.streams import StatsConnector

D = dt.date

# ----------------------------------------------------------------------------- parsing


@pytest.mark.parametrize(
    ("text", "first", "last"),
    [
        ("2024-03-01..2024-03-05", D(2024, 3, 1), D(2024, 3, 5)),
        ("20240301..20240305", D(2024, 3, 1), D(2024, 3, 5)),
        ("20240301..2024-03-05", D(2024, 3, 1), D(2024, 3, 5)),
        (" 2024-03-01 .. 2024-03-05 ", D(2024, 3, 1), D(2024, 3, 5)),
        ("2024-02-29", D(2024, 2, 29), D(2024, 2, 29)),
        ("20240229", D(2024, 2, 29), D(2024, 2, 29)),
        ("2024-03-05..2024-03-05", D(2024, 3, 5), D(2024, 3, 5)),
    ],
)
def test_day_windows_parse(text, first, last):
    assert parse_window(text, DAY) == RepullWindow(DAY, first, last)


@pytest.mark.parametrize(
    ("text", "first", "last"),
    [
        ("2024-01..2024-03", D(2024, 1, 1), D(2024, 3, 1)),
        ("2023-11..2024-02", D(2023, 11, 1), D(2024, 2, 1)),
        ("2024-03", D(2024, 3, 1), D(2024, 3, 1)),
    ],
)
def test_month_windows_parse(text, first, last):
    assert parse_window(text, MONTH) == RepullWindow(MONTH, first, last)


@pytest.mark.parametrize(
    ("text", "unit", "says"),
    [
        ("", DAY, "empty re-pull window"),
        ("   ", MONTH, "empty re-pull window"),
        ("2024-03-05..2024-03-01", DAY, "is reversed"),
        ("2024-03..2024-01", MONTH, "is reversed"),
        ("2024-02-30", DAY, "is not a date YYYY-MM-DD or YYYYMMDD"),
        ("20241301", DAY, "is not a date"),
        ("2024-03", DAY, "'2024-03' is not a date YYYY-MM-DD or YYYYMMDD"),
        ("2024-03-01", MONTH, "'2024-03-01' is not a period YYYY-MM"),
        ("2024-13", MONTH, "is not a period YYYY-MM"),
        ("202403", MONTH, "is not a period YYYY-MM"),
        ("2024-03-01..", DAY, "'' is not a date"),
        ("..2024-03", MONTH, "'' is not a period"),
        ("2024-01..2024-02..2024-03", MONTH, "more than one '..'"),
        ("2024-03-01-2024-03-05", DAY, "is not a date"),
        ("march", MONTH, "'march' is not a period YYYY-MM"),
    ],
)
def test_malformed_windows_say_what_was_expected(text, unit, says):
    with pytest.raises(ValueError, match="re-pull window") as raised:
        parse_window(text, unit)
    assert says in str(raised.value)


def test_a_window_knows_what_it_covers_and_shows_itself():
    days = parse_window("20240228..20240301", DAY)
    assert str(days) == "2024-02-28..2024-03-01"
    assert days.covers_file_date("20240229") and days.covers_file_date("20240301")
    assert not days.covers_file_date("20240227") and not days.covers_file_date("20240302")
    assert not days.covers_file_date("20240230")  # no such day: never in a window
    months = parse_window("2023-12..2024-01", MONTH)
    assert str(months) == "2023-12..2024-01"
    assert months.covers_period("2023-12") and months.covers_period("2024-01")
    assert not months.covers_period("2024-02") and not months.covers_period("2023-11")
    assert not months.covers_period("garbage")
    assert str(RepullWindow.months("2024-03")) == "2024-03"


def test_a_window_refuses_reversed_or_ragged_ends():
    with pytest.raises(ValueError, match="reversed"):
        RepullWindow.days(D(2024, 3, 5), D(2024, 3, 1))
    with pytest.raises(ValueError, match="first days of months"):
        RepullWindow(MONTH, D(2024, 3, 2), D(2024, 3, 2))
    with pytest.raises(ValueError, match="unknown window unit"):
        parse_window("2024-03", "week")  # type: ignore[arg-type]


# ----------------------------------------------------------------------------- land

HEADER = ",".join(COLUMNS)


def _row(parcel: str, name: str) -> str:
    return (
        f"{parcel},{name},青岛某公司,,,崂山区,工业用地,出让,1.5,22.5,900,2024-03-01,有效,"
        "2024-03-01 17:20:00"
    )


def _drop(folder, day: str, rows: list[str]) -> str:
    data = "".join(f"{line}\r\n" for line in [HEADER, *rows]).encode("gb18030")
    name = f"land_supply_{day}.csv"
    (folder / name).write_bytes(data)
    (folder / f"{name}.done").write_bytes(b"")
    return hashlib.sha256(data).hexdigest()


def _land(folder, state, **kw):
    return list(LandConnector(LandSettings(directory=folder)).read(state, **kw))


def _last_state(items):
    return [i for i in items if isinstance(i, Checkpoint)][-1].state


def test_a_land_window_rereads_exactly_its_files_and_keeps_every_other_entry(tmp_path):
    digests = {
        f"land_supply_{day}.csv": _drop(tmp_path, day, [_row(f"P-{day}", "项目")])
        for day in ("20240301", "20240302")
    }
    state = {"files": {**digests, "land_supply_20230101.csv": "gone-from-the-folder"}}
    _drop(tmp_path, "20240303", [_row("P-new", "新")])  # new, but outside the window

    items = _land(tmp_path, state, window=parse_window("2024-03-02", DAY))

    assert [r.provenance["file"] for r in items if isinstance(r, SourceRecord)] == [
        "land_supply_20240302.csv"
    ]
    assert not [i for i in items if isinstance(i, Incident)]
    assert _last_state(items) == state  # the same digest: nothing moved, nothing dropped


def test_a_land_window_applies_a_redelivered_file_that_a_normal_read_refuses(tmp_path):
    old = _drop(tmp_path, "20240301", [_row("P-1", "旧名")])
    state = {"files": {"land_supply_20240301.csv": old}}
    new = _drop(tmp_path, "20240301", [_row("P-1", "新名")])

    normal = _land(tmp_path, state)
    assert [i.kind for i in normal if isinstance(i, Incident)] == ["land_file_redelivered"]
    assert not [i for i in normal if isinstance(i, SourceRecord)]

    items = _land(tmp_path, state, window=parse_window("20240301..20240331", DAY))
    assert [i.kind for i in items if isinstance(i, Incident)] == ["land_file_redelivered_applied"]
    assert [r.payload["项目名称"] for r in items if isinstance(r, SourceRecord)] == ["新名"]
    assert _last_state(items) == {"files": {"land_supply_20240301.csv": new}}


def test_land_refuses_a_month_window_or_a_window_with_full(tmp_path):
    with pytest.raises(ValueError, match="file dates, not of months"):
        _land(tmp_path, {}, window=parse_window("2024-03", MONTH))
    with pytest.raises(ValueError, match="no window"):
        _land(tmp_path, {}, full=True, window=parse_window("2024-03-01", DAY))


# ----------------------------------------------------------------------------- stats


class FakeStatsClient:
    """The bureau: {period: (revision, closed, rows)}; records the rosters read."""

    def __init__(self, periods: dict[str, tuple[int, bool, list[dict]]]) -> None:
        self.data = periods
        self.read: list[str] = []

    def periods(self) -> list[Period]:
        return [Period(p, rev, closed) for p, (rev, closed, _) in sorted(self.data.items())]

    def roster_page(self, period: str, after: str | None) -> RosterPage:
        self.read.append(period)
        revision, _, rows = self.data[period]
        return RosterPage(period, revision, rows, None)

    def close(self) -> None:
        pass


def _stats(client: FakeStatsClient, state, **kw):
    connector = StatsConnector.__new__(StatsConnector)
    connector.settings = None
    connector.client = client
    return list(connector.read(state, **kw))


def _roster(*ids: str) -> list[dict]:
    return [{"stat_project_id": i} for i in ids]


def test_a_stats_window_repulls_its_periods_at_their_current_revision_only(tmp_path):
    client = FakeStatsClient(
        {
            "2024-01": (1, True, _roster("A", "B")),
            "2024-02": (3, False, _roster("A")),  # revised since: outside the window, waits
            "2024-03": (2, False, _roster("C")),
            "2024-04": (1, False, _roster("D")),  # new, outside the window
        }
    )
    state = {
        "periods": {
            "2023-12": {"revision": 5, "closed": True},  # no longer published: kept
            "2024-01": {"revision": 1, "closed": True},
            "2024-02": {"revision": 2, "closed": False},
            "2024-03": {"revision": 1, "closed": False},  # revised: picked up
        }
    }

    items = _stats(client, state, window=parse_window("2023-12..2024-01", MONTH))
    assert client.read == ["2024-01"]
    assert [(r.source_key, r.context) for r in items if isinstance(r, SourceRecord)] == [
        ("A", {"period": "2024-01", "revision": 1}),
        ("B", {"period": "2024-01", "revision": 1}),
    ]
    assert not [i for i in items if isinstance(i, Incident)]
    assert _last_state(items) == state

    client.read.clear()
    items = _stats(client, state, window=parse_window("2024-03", MONTH))
    assert client.read == ["2024-03"]
    after = _last_state(items)
    assert after == {"periods": {**state["periods"], "2024-03": {"revision": 2, "closed": False}}}


def test_a_stats_window_still_reports_a_closed_period_revised():
    client = FakeStatsClient({"2024-01": (2, True, _roster("A"))})
    state = {"periods": {"2024-01": {"revision": 1, "closed": True}}}
    items = _stats(client, state, window=parse_window("2024-01", MONTH))
    assert [i.kind for i in items if isinstance(i, Incident)] == ["stats_closed_period_revised"]
    assert _last_state(items) == {"periods": {"2024-01": {"revision": 2, "closed": True}}}


def test_stats_refuses_a_day_window_or_a_window_with_full():
    client = FakeStatsClient({})
    with pytest.raises(ValueError, match="periods, not days"):
        _stats(client, {}, window=parse_window("2024-03-01", DAY))
    with pytest.raises(ValueError, match="no window"):
        _stats(client, {}, full=True, window=parse_window("2024-03", MONTH))
