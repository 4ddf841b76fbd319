"""`hub demo`: the whole path on a fresh machine, against sandbox departments.

Generates a labelled scenario, serves it on loopback, migrates the warehouse (embedded
unless HUB_WAREHOUSE_URL is set), runs one sync — through Airflow's ``dags test`` or the
CLI path — and prints the summary next to the scenario's own ground truth.
"""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
from pathlib import Path

from hub.config import PROJECT_ROOT, Settings
from hub.lifecycle import STAGES


def run_demo(settings: Settings, *, size: int, seed: int, via: str) -> int:
    from hub.cli import print_summary
    from hub.pipeline import run_sync, summarize, warehouse_url
    from hub.sandbox import SandboxDepartments, generate_scenario
    from hub.warehouse.migrations import upgrade

    url = warehouse_url(settings)
    print(f"warehouse: {_redacted(url)}")
    upgrade(url, settings.reference_dir)

    scenario = generate_scenario(size=size, seed=seed)
    land_dir = settings.home / "demo" / f"land-{size}-{seed}"
    departments = SandboxDepartments(
        scenario, land_dir, ports={"commerce": 0, "approval": 0, "stats": 0}
    )
    departments.start()
    try:
        env = {
            **os.environ,
            **departments.env(),
            "HUB_WAREHOUSE_URL": url,
            "HUB_HOME": str(settings.home),
        }
        demo_settings = Settings.from_env(env)
        print(f"sandbox: {size} true projects (seed {seed}); syncing via {via}")
        if via == "airflow":
            ok = _sync_through_airflow(env, settings.home)
        else:
            ok = run_sync(demo_settings).ok
    finally:
        departments.stop()

    summary = summarize(dataclasses.replace(settings, warehouse_url=url))
    print_summary(summary)
    truth = scenario.truth.stage_counts()
    hub_counts = {stage: summary["projects_per_stage"].get(stage, 0) for stage in STAGES}
    if hub_counts == {stage: truth.get(stage, 0) for stage in STAGES}:
        print("Stage counts equal the scenario's ground truth.")
        return 0 if ok else 1
    print("Stage counts differ from the scenario's ground truth:")
    for stage in STAGES:
        if hub_counts[stage] != truth.get(stage, 0):
            print(f"  {stage:<20} hub {hub_counts[stage]:>5}  truth {truth.get(stage, 0):>5}")
    return 1


def _sync_through_airflow(env: dict[str, str], home: Path) -> bool:
    """`airflow dags test hub_sync` against a throw-away SQLite metadata DB."""
    airflow_home = home / "airflow"
    airflow_home.mkdir(parents=True, exist_ok=True)
    airflow_env = {
        **env,
        "AIRFLOW_HOME": str(airflow_home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(PROJECT_ROOT / "dags"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{airflow_home / 'airflow.db'}",
        "HUB_AIRFLOW_TASK_RETRIES": "0",
    }
    airflow = [sys.executable, "-m", "airflow"]
    subprocess.run([*airflow, "db", "migrate"], env=airflow_env, check=True, capture_output=True)
    result = subprocess.run(
        [*airflow, "dags", "test", "hub_sync"], env=airflow_env, capture_output=True, text=True
    )
    if result.returncode != 0:
        sys.stderr.write(result.stdout[-4000:] + result.stderr[-4000:])
    return result.returncode == 0


def _redacted(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)
