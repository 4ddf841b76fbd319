"""End to end (issue 14): the four ``ingest_<dept>`` DAGs and then ``resolve_and_publish``, each
run with ``dag.test()`` against the sandbox departments, leave their warehouse exactly as
``hub sync`` of the same scenario leaves another one: every table and view of raw, core and
shared, row for row, but for the columns that only say when, or in which batch, a row was
written."""

from __future__ import annotations

import dataclasses
from datetime import datetime
from pathlib import Path

import pendulum
import pytest

from tests.conftest import use_hub_env
from tests.snapshots import schema_snapshot

pytestmark = [pytest.mark.integration, pytest.mark.slow]

SOURCE_SYSTEMS = ("commerce", "approval", "land", "stats")
INGEST_DAGS = tuple(f"ingest_{dept}" for dept in SOURCE_SYSTEMS)
SCHEMAS = ("raw", "core", "shared")

#: Left out of every relation that has them: each says when, or in which batch, its row was
#: written, so two runs of the same scenario a minute apart differ there and nowhere else (each
#: one, kept alone, makes the relations named beside it differ). Every other column, raw_id,
#: hub_project_id and projects_history.valid_to included, must be equal.
PER_RUN_COLUMNS = (
    "batch_id",  # <dept>-<time>-<random>: raw.*, core's department data, shared.rejected_records
    "received_at",  # raw.*, shared.rejected_records: when the row was landed
    "created_at",  # core.hub_projects (and core.match_candidates): when the publish made it
    "linked_at",  # core.project_links, shared.project_source_links
    "detected_at",  # core.discrepancies, shared.discrepancies
    "updated_at",  # core.projects, core.projects_history and their shared views
    "valid_from",  # core.projects_history, shared.projects_history: the publish's now()
    "last_success_at",  # shared.sync_status: when each department was last read
    "last_attempt_at",
    "last_refreshed_at",  # shared.catalog: when each object was last refreshed
)


def warehouse_snapshot(url: str) -> dict[str, list[str]]:
    return {
        f"{schema}.{name}": rows
        for schema in SCHEMAS
        for name, rows in schema_snapshot(url, schema, drop_columns=PER_RUN_COLUMNS).items()
    }


def last_marked_land_evening(land_dir: Path) -> datetime:
    """18:00 Asia/Shanghai (ingest_land's schedule) on the last day whose land file the sandbox
    marked done: a run for that evening finds its day's marker (``hub_airflow.land.marker_name``)
    at once, and reads every marked file, as `hub sync` does."""
    days = sorted(p.name.removeprefix("land_supply_")[:8] for p in land_dir.glob("*.csv.done"))
    assert days, f"the sandbox marked no land file done in {land_dir}"
    return pendulum.from_format(days[-1], "YYYYMMDD", tz="Asia/Shanghai").replace(hour=18)


def test_department_dags_give_the_warehouse_hub_sync_gives(
    hub_settings, sandbox, databases, monkeypatch, run_dag, load_dagbag, tmp_path
):
    from hub.cli import main as hub_main

    # (A) `hub sync`, as an operator runs it: the CLI, configured by the environment.
    use_hub_env(monkeypatch, sandbox, hub_settings)
    assert hub_main(["sync"]) == 0

    # (B) the per-department DAGs, then resolve_and_publish, into a warehouse of their own.
    via_dags = dataclasses.replace(
        hub_settings, warehouse_url=databases.create(), home=tmp_path / "dags"
    )
    use_hub_env(monkeypatch, sandbox, via_dags)
    bag = load_dagbag()
    assert bag.import_errors == {}
    # The land sensor waits for the marker of its run's day (run_after, in Asia/Shanghai).
    # No logical date: the scenario's days are before the DAGs' start_date, and a run with a
    # logical date before it gets no task instances (run_dag checks every task ran).
    evening = last_marked_land_evening(sandbox.land_dir)
    for dag_id in INGEST_DAGS:
        run_dag(bag.dags[dag_id], run_after=evening, logical_date=None)
    run_dag(bag.dags["resolve_and_publish"])

    synced = warehouse_snapshot(hub_settings.warehouse_url)
    published = warehouse_snapshot(via_dags.warehouse_url)
    # hub sync read every department and published: there is something to compare
    raw = [name for name in synced if name.startswith("raw.")]
    assert len(raw) == len(SOURCE_SYSTEMS) and all(synced[name] for name in raw)
    assert synced["shared.projects"]
    assert published.keys() == synced.keys()
    differing = {
        name: f"{len(set(synced[name]) - set(published[name]))} rows only after hub sync, "
        f"{len(set(published[name]) - set(synced[name]))} only after the DAGs"
        for name in synced
        if published[name] != synced[name]
    }
    assert differing == {}
