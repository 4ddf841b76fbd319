"""On the sandbox: shared.lifecycle_funnel equals what the scenario's ground truth implies.

The expected funnel is computed here, in Python, from the answer key only — each true
project's stage, dates, district and signed investment (``scenario.truth``), and its industry
chain from the commerce records the truth says it owns — never from the warehouse. The rules
are the contract's, written again independently: counted = signed_on in the cohort and
signed investment >= 10,000 万元; a stage is reached when the stage is that one or later, or
its date is known; medians over the projects having both dates; percent and 亿元 rounded
half up to one decimal.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal

import pytest
from psycopg.rows import dict_row

from hub.pipeline import run_sync
from hub.warehouse.connection import connect

pytestmark = [pytest.mark.integration, pytest.mark.slow]

ORDER = ["negotiating", "signed", "landed", "under_construction", "in_statistics",
         "in_production"]  # fmt: skip
ONE = Decimal("0.1")


@pytest.fixture(scope="module")
def scenario():
    """Bigger than the session's scenario (120 projects put every project of 1亿 and more
    in a cohort × district × chain of its own): at 1,000, some groups hold two or three
    projects, so counts add up and medians average."""
    from hub.sandbox import generate_scenario

    return generate_scenario(size=1000, seed=11)


def _one_decimal(value) -> Decimal:
    return Decimal(value).quantize(ONE, rounding=ROUND_HALF_UP)


def _reached(project, stage: str, date) -> bool:
    """The stage is ``stage`` or later, or the project has that stage's date."""
    if date is not None:
        return True
    return project.stage in ORDER and ORDER.index(project.stage) >= ORDER.index(stage)


def _median(values: list[int]) -> Decimal | None:
    return _one_decimal(Decimal(str(statistics.median(values)))) if values else None


def _cohorts(day: dt.date) -> list[tuple[str, str]]:
    return [
        ("month", f"{day.year:04d}-{day.month:02d}"),
        ("quarter", f"{day.year:04d}Q{(day.month - 1) // 3 + 1}"),
    ]


def expected_funnel(scenario) -> dict[tuple, dict]:
    truth = scenario.truth
    chains: dict[str, set] = defaultdict(set)
    for record in scenario.commerce_records:
        owner = truth.record_owner.get(("commerce", record["project_no"]))
        if owner is not None and not record.get("is_deleted"):
            chains[owner].add(record["industry_chain"])

    groups: dict[tuple, list] = defaultdict(list)
    for pid, project in truth.projects.items():
        if project.signed_on is None or (project.signed_investment_wan or 0) < 10000:
            continue
        assert len(chains[pid]) == 1, (pid, chains[pid])  # one chain per true project
        (chain,) = chains[pid]
        for cohort_type, cohort in _cohorts(project.signed_on):
            groups[(cohort_type, cohort, project.district_code, chain)].append(project)

    expected = {}
    for key, projects in groups.items():
        signed = len(projects)
        counts = {
            "signed_projects": signed,
            "landed_projects": sum(_reached(p, "landed", p.landed_on) for p in projects),
            "under_construction_projects": sum(
                _reached(p, "under_construction", p.construction_started_on) for p in projects
            ),
            "in_statistics_projects": sum(
                _reached(p, "in_statistics", p.stats_included_month) for p in projects
            ),
            "in_production_projects": sum(
                _reached(p, "in_production", p.production_on) for p in projects
            ),
            "terminated_projects": sum(p.stage == "terminated" for p in projects),
        }
        row = dict(counts)
        for name in ("landed", "under_construction", "in_statistics", "in_production",
                     "terminated"):  # fmt: skip
            row[f"{name}_rate_pct"] = _one_decimal(
                Decimal(100) * counts[f"{name}_projects"] / signed
            )
        row["median_days_signed_to_landed"] = _median(
            [(p.landed_on - p.signed_on).days for p in projects if p.landed_on]
        )
        row["median_days_landed_to_construction"] = _median(
            [
                (p.construction_started_on - p.landed_on).days
                for p in projects
                if p.landed_on and p.construction_started_on
            ]
        )
        row["signed_investment_yi"] = _one_decimal(
            Decimal(sum(p.signed_investment_wan for p in projects)) / 10000
        )
        expected[key] = row
    return expected


def test_funnel_equals_the_scenario_truth(hub_settings, scenario):
    report = run_sync(hub_settings)
    assert report.ok, report.failures
    expected = expected_funnel(scenario)
    assert max(row["signed_projects"] for row in expected.values()) >= 2

    columns = sorted(next(iter(expected.values())))
    with connect(hub_settings.warehouse_url) as conn, conn.cursor(row_factory=dict_row) as cur:
        rows = cur.execute("select * from shared.lifecycle_funnel").fetchall()
    got = {
        (r["cohort_type"], r["cohort"], r["district_code"], r["industry_chain"]): {
            c: r[c] for c in columns
        }
        for r in rows
    }
    assert sorted(got, key=str) == sorted(expected, key=str)
    wrong = {key: (got[key], row) for key, row in expected.items() if got[key] != row}
    assert not wrong, wrong
