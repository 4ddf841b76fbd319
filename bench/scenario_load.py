"""Load a sandbox scenario straight into a warehouse: the real lander and merge SQL, no HTTP.

For measuring resolution at sizes where serving over HTTP and the GX audit would dominate
the run (100k+ projects): each department's records land through
``hub.warehouse.landing.land_stream`` exactly as its connector would hand them over
(``bench.payloads.scenario_templates``), and each batch is merged with the department's
merge SQL. The audit is skipped, so generate the scenario with ``bad_rate=0``: a broken
record would be merged, not rejected. Nothing here is a path of the product.
"""

from __future__ import annotations

from collections.abc import Iterator

from bench.payloads import SHAPES, scenario_templates
from connectors.common.records import Checkpoint, SourceRecord, StreamItem
from hub.pipeline import merge_batch, new_batch_id
from hub.sandbox.scenario import Scenario
from hub.sources import source_systems
from hub.warehouse.connection import connect, run_sql_file
from hub.warehouse.landing import land_stream

CHECKPOINT_EVERY = 5_000


def _items(scenario: Scenario, source_system: str) -> Iterator[StreamItem]:
    entity = SHAPES[source_system].entity
    for n, (key, payload, context, provenance) in enumerate(
        scenario_templates(scenario, source_system, served_only=True), start=1
    ):
        yield SourceRecord(entity, key, payload, dict(context), dict(provenance))
        if n % CHECKPOINT_EVERY == 0:
            yield Checkpoint(state={"loaded": n})
    yield Checkpoint(state={"loaded": "all"})


def load_scenario(url: str, scenario: Scenario) -> dict[str, int]:
    """Land and merge every department's records; returns records landed per department."""
    landed: dict[str, int] = {}
    with connect(url) as conn:
        for source_system in source_systems():
            batch_id = new_batch_id(source_system)
            run_sql_file(
                conn, "core/start_batch.sql", {"batch_id": batch_id, "source_system": source_system}
            )
            result = land_stream(conn, source_system, batch_id, _items(scenario, source_system))
            merge_batch(conn, source_system, batch_id)
            run_sql_file(
                conn,
                "core/finish_batch.sql",
                {
                    "batch_id": batch_id,
                    "source_system": source_system,
                    "received": result.records_received,
                    "new": result.records_new,
                    "rejected": 0,
                    "detail": "bench: loaded without audit",
                },
            )
            conn.commit()
            landed[source_system] = result.records_received
        conn.execute("analyze")
        conn.commit()
    return landed
