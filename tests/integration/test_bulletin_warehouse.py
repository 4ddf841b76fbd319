"""The month's bulletin against a real warehouse: the file's figures are the
shared.signing_indicators rows of the month's periods, and `hub report` writes it.

The projects are test_signing_indicators.py's hand-computed set (2023, 2024-01…03)."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from psycopg.rows import dict_row

from hub.bulletin import draw_bulletin
from hub.cli import main
from hub.config import Settings
from hub.warehouse.connection import connect
from tests.integration.test_signing_indicators import GIVEN_PROJECTS, _insert_projects

pytestmark = pytest.mark.integration


@pytest.fixture
def warehouse(fresh_warehouse_url):
    with connect(fresh_warehouse_url, autocommit=True) as conn:
        _insert_projects(conn, GIVEN_PROJECTS)
        with conn.cursor(row_factory=dict_row) as cur:
            cur.execute("select * from shared.signing_indicators")
            view = {row["period"]: row for row in cur.fetchall()}
            cur.execute("select stage, count(*) as n from shared.projects group by stage")
            stages = {row["stage"]: row["n"] for row in cur.fetchall()}
    return fresh_warehouse_url, view, stages


@pytest.fixture
def settings(warehouse, tmp_path):
    url, _, _ = warehouse
    return Settings.from_env({"HUB_WAREHOUSE_URL": url, "HUB_HOME": str(tmp_path)})


def _as_json(row):
    return {
        key: float(value)
        if isinstance(value, Decimal)
        else value.isoformat()
        if hasattr(value, "isoformat")
        else value
        for key, value in row.items()
    }


@pytest.mark.parametrize(
    ("period", "expected"),
    [
        ("2024-03", {"month": "2024-03", "quarter": "2024Q1", "ytd": "2024YTD03"}),
        ("2024-02", {"month": "2024-02", "quarter": None, "ytd": "2024YTD02"}),
        # 2023-12: no signing that month, but the past year's YTD runs to December
        ("2023-12", {"month": None, "quarter": None, "ytd": "2023YTD12"}),
        ("2024-04", {"month": None, "quarter": None, "ytd": None}),  # beyond the data
    ],
)
def test_the_files_figures_are_the_views_rows(warehouse, settings, period, expected):
    _, view, stages = warehouse
    path = draw_bulletin(settings, period)
    assert path == settings.home / "bulletins" / f"bulletin-{period}.json"
    document = json.loads(path.read_text(encoding="utf-8"))
    assert document["period"] == period
    for kind, view_period in expected.items():
        got = document["indicators"][kind]
        if view_period is None:
            assert got is None, kind
        else:
            assert got == _as_json(view[view_period]), kind
    assert {k: v for k, v in document["projects_per_stage"].items() if v} == stages
    assert document["indicators"]["month"] is None or (
        document["indicators"]["month"]["signed_investment_yi"]
        == float(view[period]["signed_investment_yi"])
    )


def test_march_figures_by_hand(settings):
    document = json.loads(draw_bulletin(settings, "2024-03").read_text(encoding="utf-8"))
    month = document["indicators"]["month"]
    assert month["signed_projects"] == 7
    assert month["signed_investment_yi"] == 86.7  # half up on exact decimals
    assert document["indicators"]["quarter"]["key_region_share_pct"] == 31.3
    assert document["indicators"]["ytd"]["signed_projects"] == 16


def test_hub_report_writes_the_same_file(warehouse, settings, tmp_path, monkeypatch, capsys):
    url, _, _ = warehouse
    monkeypatch.setenv("HUB_WAREHOUSE_URL", url)
    monkeypatch.setenv("HUB_HOME", str(tmp_path))
    out = tmp_path / "elsewhere"
    assert main(["report", "--period", "2024-03", "--out", str(out)]) == 0
    printed = capsys.readouterr().out.strip()
    assert printed == str(out / "bulletin-2024-03.json")
    monkeypatch.setenv("HUB_BULLETIN_DIR", str(tmp_path / "configured"))
    assert main(["report", "--period", "2024-03"]) == 0
    default = tmp_path / "configured" / "bulletin-2024-03.json"
    assert capsys.readouterr().out.strip() == str(default)
    assert default.read_bytes() == (out / "bulletin-2024-03.json").read_bytes()


def test_hub_report_refuses_a_period_that_is_not_a_month(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["report", "--period", "2024Q1"])
    assert exit_.value.code == 2
    assert "YYYY-MM" in capsys.readouterr().err
