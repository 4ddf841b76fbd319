"""The whole pipeline at tens of thousands of source records (about 53,000: a scenario of
6,000 projects served over HTTP), asserting results, never times: the scenario's truth is
published, every broken record is rejected, each batch was typed once, and the tables the
publishing joins have statistics of their loaded size (a plan that turns quadratic on stale
statistics passes every small test). How fast it is: `make bench`, BENCHMARKS.md."""

from __future__ import annotations

import pytest

from hub.config import Settings
from hub.lifecycle import STAGES
from hub.pipeline import run_sync, summarize
from hub.sandbox import SandboxDepartments, generate_scenario
from hub.warehouse.connection import connect

pytestmark = pytest.mark.integration

PROJECTS = 6_000


@pytest.fixture(scope="module")
def city():
    return generate_scenario(size=PROJECTS, seed=13)


@pytest.fixture
def city_settings(city, fresh_warehouse_url, tmp_path):
    departments = SandboxDepartments(
        city, tmp_path / "land", ports={"commerce": 0, "approval": 0, "stats": 0}
    )
    departments.start()
    env = {
        **departments.env(),
        "HUB_WAREHOUSE_URL": fresh_warehouse_url,
        "HUB_HOME": str(tmp_path / "home"),
    }
    yield Settings.from_env(env)
    departments.stop()


def test_a_city_sized_sync_publishes_the_truth(city, city_settings):
    served = (
        len(city.commerce_records)
        + len(city.approval_events)
        + sum(len(f.rows) for f in city.land_files)
        + sum(len(p.rows) for p in city.stats_periods)
    )
    assert served > 45_000

    report = run_sync(city_settings)
    assert report.ok, (report.failures, report.publish_failure)
    truth = city.truth
    stages = summarize(city_settings)["projects_per_stage"]
    assert {s: stages.get(s, 0) for s in STAGES} == {s: truth.stage_counts()[s] for s in STAGES}

    url = city_settings.warehouse_url
    with connect(url) as conn:
        rejected = set(
            conn.execute("select source_system, source_key from shared.rejected_records")
        )
        typed = conn.execute(
            "select count(*), max(times_typed), bool_and(dropped_at is not null)"
            " from meta.typed_batches"
        ).fetchone()
        analysed = {
            name
            for (name,) in conn.execute(
                "select schemaname || '.' || relname from pg_stat_user_tables"
                " where last_analyze is not null"
            )
        }
    assert rejected == set(truth.bad_records)
    assert typed == (4, 1, True)  # one batch per department, typed once, then dropped
    assert {
        "core.commerce_projects",
        "core.approval_events",
        "core.stats_roster",
        "core.project_milestones",
        "core.projects",
    } <= analysed

    again = run_sync(city_settings)
    assert again.ok and all(item["records_new"] == 0 for item in again.ingested)
