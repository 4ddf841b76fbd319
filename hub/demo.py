"""`hub demo`: the whole path on a fresh machine, against sandbox departments.

Generates a labelled scenario, serves it on loopback, migrates the warehouse (embedded
unless HUB_WAREHOUSE_URL is set), runs one sync — through Airflow's ``dags test`` or the
CLI path — and prints the summary next to the scenario's own ground truth. ``--hostile N``
mixes N hostile records into each department's feed (``FaultKnobs.hostile_records``): they
belong to no project, so the stage counts must still equal the truth's. ``--names realistic``
serves a scenario whose departments write names and keys as real clerks do
(``generate_scenario(name_variation=...)``).
"""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
from pathlib import Path

from hub.config import PROJECT_ROOT, Settings
from hub.lifecycle import STAGES


def run_demo(
    settings: Settings, *, size: int, seed: int, via: str, hostile: int = 0, names: str = "none"
) -> int:
    from hub.components import require_sandbox

    require_sandbox("hub demo")  # before any work: the production image has no sandbox
    from hub.errors import redacted_url
    from hub.pipeline import run_sync, summarize, warehouse_url
    from hub.sandbox import FaultKnobs, SandboxDepartments, generate_scenario
    from hub.summary import print_summary
    from hub.warehouse.migrations import upgrade

    url = warehouse_url(settings)
    print(f"warehouse: {redacted_url(url)}")
    upgrade(url, settings.reference_dir)

    scenario = generate_scenario(size=size, seed=seed, name_variation=names)
    # Files with hostile rows (or other names) differ from those without: a folder of their
    # own, so a later run never re-delivers a file under the same name with different content.
    folder = f"land-{size}-{seed}-hostile{hostile}" if hostile else f"land-{size}-{seed}"
    if names != "none":
        folder += f"-names-{names}"
    land_dir = settings.home / "demo" / folder
    departments = SandboxDepartments(
        scenario,
        land_dir,
        ports={"commerce": 0, "approval": 0, "stats": 0},
        faults=FaultKnobs(seed=seed, hostile_records=hostile),
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
        mixed_in = f", {len(departments.hostile_records())} hostile records" if hostile else ""
        named = f", names {names}" if names != "none" else ""
        print(f"sandbox: {size} true projects (seed {seed}){mixed_in}{named}; syncing via {via}")
        if via == "airflow":
            ok = _sync_through_airflow(env, settings.home)
        else:
            ok = run_sync(demo_settings).ok
    finally:
        departments.stop()

    summary = summarize(dataclasses.replace(settings, warehouse_url=url))
    print_summary(summary)
    if hostile:
        missed = _hostile_not_rejected(url, departments.hostile_records())
        total = len(departments.hostile_records())
        print(f"Hostile records rejected with their reasons: {total - len(missed)} of {total}.")
        for record in missed:
            print(f"  not as expected: {record.source_system} {record.kind} {record.reasons}")
        ok = ok and not missed
    queue, wrong = review_queue_and_stage_errors(url, scenario.truth)
    print(
        f"Review queue: {queue['candidates']} open match candidates, "
        f"{queue['projects_in_review']} of {queue['projects']} projects awaiting a steward."
    )
    settled = queue["projects"] - queue["projects_in_review"]
    print(
        f"Stage equals the ground truth for {settled - len(wrong)} of the {settled} projects "
        "not awaiting review."
    )
    for hub_project_id, detail in wrong[:10]:
        print(f"  hub project {hub_project_id}: {detail}")
    ok = ok and not wrong
    truth = scenario.truth.stage_counts()
    hub_counts = {stage: summary["projects_per_stage"].get(stage, 0) for stage in STAGES}
    if hub_counts == {stage: truth.get(stage, 0) for stage in STAGES}:
        print("Stage counts equal the scenario's ground truth.")
        return 0 if ok else 1
    if queue["candidates"]:
        print("Stage counts differ from the ground truth while candidates await review:")
        for stage in STAGES:
            print(f"  {stage:<20} hub {hub_counts[stage]:>5}  truth {truth.get(stage, 0):>5}")
        return 0 if ok else 1
    print("Stage counts differ from the scenario's ground truth:")
    for stage in STAGES:
        if hub_counts[stage] != truth.get(stage, 0):
            print(f"  {stage:<20} hub {hub_counts[stage]:>5}  truth {truth.get(stage, 0):>5}")
    return 1


def review_queue_and_stage_errors(url: str, truth) -> tuple[dict, list[tuple[int, str]]]:
    """The review queue's size, and every project not awaiting review whose stage is not
    its true project's (or whose records belong to several true projects, or to none)."""
    from collections import defaultdict

    from hub.warehouse.connection import connect, fetch_dicts

    with connect(url) as conn:
        [queue] = fetch_dicts(conn, "reports/review_queue_size.sql")
        rows = fetch_dicts(conn, "reports/project_stage_links.sql")
    owners: dict[int, set] = defaultdict(set)
    stages: dict[int, tuple[str, bool]] = {}
    for row in rows:
        stages[row["hub_project_id"]] = (row["stage"], row["needs_review"])
        owner = truth.record_owner.get((row["source_system"], row["source_key"]))
        if owner:
            owners[row["hub_project_id"]].add(owner)
    wrong = []
    for hub_project_id, (stage, needs_review) in sorted(stages.items()):
        if needs_review:
            continue
        found = owners.get(hub_project_id, set())
        if len(found) != 1:
            wrong.append((hub_project_id, f"records of true projects {sorted(found)}"))
        elif truth.projects[next(iter(found))].stage != stage:
            true_id = next(iter(found))
            wrong.append(
                (
                    hub_project_id,
                    f"stage {stage}, truth {truth.projects[true_id].stage} ({true_id})",
                )
            )
    return queue, wrong


def _hostile_not_rejected(url: str, hostile: list) -> list:
    """The sandbox's hostile records that are not open rejects with exactly their reasons."""
    from hub.warehouse.connection import connect, fetch_dicts

    with connect(url) as conn:
        rows = fetch_dicts(conn, "reports/open_reject_reasons.sql")
    found = {}
    for row in rows:
        reasons = sorted(row["reasons"])
        found[(row["source_system"], row["source_key"])] = reasons
        found[(row["source_system"], row["file_name"], row["line_no"])] = reasons
    return [
        record
        for record in hostile
        if found.get(
            (record.source_system, record.source_key)
            if record.source_key is not None
            else (record.source_system, record.file, record.line)
        )
        != sorted(record.reasons)
    ]


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
