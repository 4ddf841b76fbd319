"""The sync process killed (SIGKILL) in each phase of a sync — fetch, COPY, typing,
validation, merge, resolution, publish — then run again: the rerun completes and the
invariant holds (``tests/faults/invariant.py``).

The kill is deterministic: the sync runs in a child process (as in
tests/integration/test_crash_recovery.py) whose script replaces one function of the phase
with a wrapper that, at a chosen moment of that phase, writes a marker file (what it had
done so far) and sends itself SIGKILL. Each moment lies inside the phase's work, with what
the phase writes half-written in an open transaction where it writes in one:

- fetch: commerce's read generator, right after its first page (10 records) was handed to
  the lander, before the second page is requested; the page lies uncommitted in landing's
  transaction (or committed with its unchanged state, as the cadence decides).
- COPY: the record stream ``land_stream`` consumes, at commerce's 15th record: landing
  commits at every Checkpoint (``commit_every_seconds=0``) and hands every record to the
  server as it is added (``_SEND_BYTES = 1``), so page 1 is committed and 5 records of
  page 2 are in an open COPY.
- typing: ``type_batch`` as the audit calls it (``expectations.runner``; the audit types the
  batch, the merge's ``hub.pipeline.type_batch`` then finds the table typed), after the typed
  table was written, before the audit commits it.
- validation: after GX validated commerce's batch and its rejects were inserted, as the
  audit row is built (``expectations.runner._audit_row``), before the audit commits.
- merge: after the merge SQL and ``resolve_batch_rejects`` ran, before the merge commits.
- resolution: after ``hub.resolve.store.resolve_projects`` wrote the links, before the
  publish transaction goes on.
- publish: after ``hub.pipeline.record_publish``, before the publish commits.

The product code has no hook for this: only the child's monkeypatches.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from hub.config import Settings
from hub.pipeline import run_sync
from hub.warehouse.connection import connect
from tests.faults.invariant import note_fault
from tests.faults.paging import paged

REPO_ROOT = Path(__file__).resolve().parents[2]
#: Hang guard, not a speed check: a child that neither dies nor ends within this fails.
CHILD_WITHIN_S = 300
#: A small city (41 commerce records, 231 raw versions in all): every phase is there, and
#: the invariant's clean sync and comparison stay short (seven of them in this module).
SCENARIO = {"size": 40, "seed": 11}
#: Commerce in pages of 10 (41 records: 5 pages), so there is a first page to kill after.
PAGES = {"commerce": {"page_size": 10}}
KILL_AT_RECORD = 15  # COPY: page 1 (10 records) committed, 5 of page 2 in the open COPY

CHILD = f"""
import dataclasses, json, os, signal, sys
from pathlib import Path

from hub.config import Settings
from hub.pipeline import run_sync

phase, marker = sys.argv[1], Path(sys.argv[2])
settings = Settings.from_env()
settings = dataclasses.replace(
    settings,
    **{{name: dataclasses.replace(getattr(settings, name), **fields)
        for name, fields in {PAGES!r}.items()}},
)


def die(**facts):
    marker.write_text(json.dumps({{"phase": phase, **facts}}))
    os.kill(os.getpid(), signal.SIGKILL)


def after(owner, name, facts=lambda result, *args: {{}}, when=lambda *args: True):
    original = getattr(owner, name)

    def wrapper(*args, **kwargs):
        result = original(*args, **kwargs)
        if when(*args):
            die(**facts(result, *args))
        return result

    setattr(owner, name, wrapper)


if phase == "fetch":
    from connectors.commerce.streams import CommerceConnector
    from connectors.common.records import Checkpoint, SourceRecord

    read = CommerceConnector.read

    def first_page_then_die(self, state, **kwargs):
        records = 0
        for item in read(self, state, **kwargs):
            yield item  # the lander has taken it when the generator resumes
            records += isinstance(item, SourceRecord)
            if isinstance(item, Checkpoint):
                die(department="commerce", records_read=records)

    CommerceConnector.read = first_page_then_die
elif phase == "copy":
    from connectors.common.records import SourceRecord
    from hub import pipeline
    from hub.warehouse import landing

    landing._SEND_BYTES = 1  # every record reaches the server's COPY as it is added
    land_stream = pipeline.land_stream

    def land_then_die(conn, source_system, batch_id, items, **kwargs):
        if source_system != "commerce":
            return land_stream(conn, source_system, batch_id, items, **kwargs)

        def stream():
            records = 0
            for item in items:
                yield item
                records += isinstance(item, SourceRecord)
                if records == {KILL_AT_RECORD}:
                    die(
                        department=source_system,
                        records_streamed=records,
                        transaction=conn.info.transaction_status.name,
                    )

        kwargs["commit_every_seconds"] = 0  # commit at every page's Checkpoint
        return land_stream(conn, source_system, batch_id, stream(), **kwargs)

    pipeline.land_stream = land_then_die
elif phase == "typing":
    from expectations import runner

    after(runner, "type_batch", lambda result, cur, name, batch_id: {{
        "batch_id": batch_id, "typed_table": result[0], "rows": result[1],
        "transaction": cur.connection.info.transaction_status.name}})
elif phase == "validation":
    from expectations import runner

    after(runner, "_audit_row", lambda result, params, *rest: {{
        "batch_id": params["batch_id"], "rows_checked": result["rows_checked"],
        "rows_rejected": result["rows_rejected"]}},
        when=lambda params, rows_checked, *rest: rows_checked > 0)
elif phase == "merge":
    from expectations import runner

    after(runner, "resolve_batch_rejects", lambda result, conn, system, entity, table: {{
        "department": system, "rejects_resolved": result,
        "transaction": conn.info.transaction_status.name}})
elif phase == "resolution":
    from hub.resolve import store

    after(store, "resolve_projects", lambda result, conn, *rest: {{
        "links": len(result.links), "transaction": conn.info.transaction_status.name}})
elif phase == "publish":
    from hub import pipeline

    after(pipeline, "record_publish", lambda result, conn, fingerprints, projects, **kw: {{
        "projects": projects, "transaction": conn.info.transaction_status.name}})
else:
    sys.exit(f"unknown phase {{phase}}")

report = run_sync(settings)
print(json.dumps({{"failures": report.failures, "publish_failure": report.publish_failure}}))
sys.exit(0 if report.ok else 1)
"""

PHASES = ["fetch", "copy", "typing", "validation", "merge", "resolution", "publish"]

#: What a phase's open transaction had written, which must not be visible after the kill
#: (the first sync of an empty warehouse: none of it was there before).
NOT_COMMITTED = {
    "fetch": "select count(*) from meta.source_state where state ? 'updated_since'",
    "copy": "select count(*) - 10 from raw.commerce__projects",  # page 1 only
    "typing": "select count(*) from meta.typed_batches",
    "validation": "select count(*) from meta.rejects",
    "merge": "select count(*) from core.commerce_projects",
    "resolution": "select count(*) from core.project_links",
    "publish": "select count(*) from meta.publishes",
}


def kill_in_phase(phase: str, settings: Settings, sandbox, marker: Path) -> dict:
    """Run the child that kills itself in ``phase``; what it wrote before dying."""
    env = {
        **os.environ,
        **sandbox.env(),
        "HUB_WAREHOUSE_URL": settings.warehouse_url,
        "HUB_HOME": str(settings.home),
        "PYTHONPATH": str(REPO_ROOT),
    }
    child = subprocess.run(
        [sys.executable, "-c", CHILD, phase, str(marker)],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        timeout=CHILD_WITHIN_S,
    )
    output = (child.stdout + child.stderr).decode(errors="replace")[-3000:]
    assert child.returncode == -signal.SIGKILL, f"exit {child.returncode}, not SIGKILL: {output}"
    assert marker.is_file(), f"killed, but not by the {phase} hook: {output}"
    return json.loads(marker.read_text())


@pytest.mark.parametrize("phase", PHASES, ids=PHASES)
def test_a_sync_killed_in_each_phase_is_completed_by_the_rerun(
    phase, sandbox, hub_settings, invariant, tmp_path
):
    settings = paged(hub_settings, PAGES)
    facts = kill_in_phase(phase, settings, sandbox, tmp_path / "killed.json")
    note_fault(f"SIGKILL in {phase}")
    assert facts["phase"] == phase
    if "transaction" in facts:  # the phase's writes were in an open transaction
        assert facts["transaction"] in ("INTRANS", "ACTIVE"), facts

    with connect(settings.warehouse_url) as conn:
        (uncommitted,) = conn.execute(NOT_COMMITTED[phase]).fetchone()
        (commerce_rows,) = conn.execute("select count(*) from raw.commerce__projects").fetchone()
        running = conn.execute(
            "select source_system from meta.batches where status = 'running' order by 1"
        ).fetchall()
    assert uncommitted == 0, f"{phase}: the killed transaction's writes are visible"
    print(f"{phase}: killed with {facts}; raw.commerce__projects: {commerce_rows} rows")
    if phase not in ("resolution", "publish"):  # killed inside commerce's ingest
        assert running == [("commerce",)], running

    report = run_sync(settings)
    assert report.ok, (report.failures, report.publish_failure)
    invariant(settings)
