"""`hub sync --dates / --periods` (issue 14, backfill): the flags become re-pull windows, and
misuse is refused before anything is read."""

from __future__ import annotations

import datetime as dt

import pytest

from connectors.common.window import RepullWindow
from hub.cli import _sync_windows, build_parser, main


def windows(*argv: str) -> dict:
    args = build_parser().parse_args(["sync", *argv])
    chosen = tuple(args.source) if args.source else ("commerce", "approval", "land", "stats")
    return _sync_windows(args, chosen)


def test_dates_and_periods_become_windows():
    assert windows("--source", "land", "--dates", "2024-03-01..2024-03-05") == {
        "land": RepullWindow.days(dt.date(2024, 3, 1), dt.date(2024, 3, 5))
    }
    assert windows("--source", "stats", "--periods", "2024-01..2024-03") == {
        "stats": RepullWindow.months("2024-01", "2024-03")
    }
    assert windows("--dates", "20240301", "--periods", "2024-03") == {
        "land": RepullWindow.days(dt.date(2024, 3, 1)),
        "stats": RepullWindow.months("2024-03"),
    }
    assert windows("--source", "commerce") == {}


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        (["--source", "stats", "--dates", "2024-03-01"], "re-pulls land: add --source land"),
        (["--source", "land", "--periods", "2024-03"], "--periods re-pulls stats"),
        (["--full", "--dates", "2024-03-01"], "not both"),
        (["--dates", "2024-03-05..2024-03-01"], "is reversed"),
        (["--periods", "2024-03-01"], "is not a period YYYY-MM"),
    ],
)
def test_misuse_is_refused_with_a_clear_message(argv, says, capsys, monkeypatch):
    monkeypatch.setenv("HUB_WAREHOUSE_URL", "postgresql+psycopg://nobody@127.0.0.1:1/none")
    with pytest.raises(ValueError) as raised:
        windows(*argv)
    assert says in str(raised.value)
    assert main(["sync", "--no-progress", *argv]) == 2
    assert says in capsys.readouterr().err
