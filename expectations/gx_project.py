"""The file-backed GX project in ``gx/``: what a GX user expects to open.

``gx/great_expectations.yml`` points GX's expectation store at ``expectations/suites/`` (the
suites the audit runs, kept once), and the warehouse data source at ``${HUB_WAREHOUSE_URL}``
(substituted by GX when it runs; no secret is written). Per source entity there is a table
asset on its staging view (every landed batch), a validation definition and a Checkpoint
whose action updates the Data Docs; the core suite has the same on ``core.projects``.

The pipeline does not run these Checkpoints: it audits one batch at a time in an ephemeral
context (``expectations.runner``). They are for a data engineer exploring a suite, e.g.::

    import expectations.custom  # the hub's own expectation types, before GX loads a suite
    import great_expectations as gx
    context = gx.get_context(mode="file", project_root_dir=".")
    context.checkpoints.get("commerce__projects").run()

``python -m expectations.gx_project`` writes the project again (after a department or a suite
was added); GX checks each asset's table, so HUB_WAREHOUSE_URL must name a migrated warehouse.
"""

from __future__ import annotations

import json
from typing import Any

from hub.config import PROJECT_ROOT

ASSET_TABLES = {"core__projects": ("core", "projects")}  # the rest: staging.stg_<name>
WAREHOUSE_URL_VARIABLE = "${HUB_WAREHOUSE_URL}"


def file_context() -> Any:
    """The repo's GX project, with the hub's own expectation types registered."""
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    import expectations.custom  # noqa: F401  (registers them with GX)

    context = gx.get_context(mode="file", project_root_dir=str(PROJECT_ROOT))
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    return context


def write_project() -> list[str]:
    """(Re)write the data source, assets, validation definitions and Checkpoints."""
    import great_expectations as gx
    from great_expectations.checkpoint import UpdateDataDocsAction

    from expectations.suites import SUITES_DIR, suite_names

    # GX saves a suite it is handed, re-serialised (keys reordered, Chinese \u-escaped): the
    # repo's files stay as people wrote them, and must mean what GX wrote.
    as_written = {path: path.read_text(encoding="utf-8") for path in SUITES_DIR.glob("*.json")}
    try:
        return _write_project(gx, UpdateDataDocsAction, suite_names())
    finally:
        for path, text in as_written.items():
            if json.loads(path.read_text(encoding="utf-8"))["id"] != json.loads(text)["id"]:
                raise RuntimeError(f"GX gave suite {path.name} a new id; give it an id first")
            path.write_text(text, encoding="utf-8")


def _write_project(gx: Any, update_data_docs: Any, names: list[str]) -> list[str]:
    context = file_context()
    datasource = context.data_sources.add_or_update_postgres(
        name="warehouse", connection_string=WAREHOUSE_URL_VARIABLE
    )
    written = []
    for name in names:
        schema, table = ASSET_TABLES.get(name, ("staging", f"stg_{name}"))
        if name in datasource.get_asset_names():
            datasource.delete_asset(name)
        asset = datasource.add_table_asset(name=name, table_name=table, schema_name=schema)
        batch = asset.add_batch_definition_whole_table("all_rows")
        definition = context.validation_definitions.add_or_update(
            gx.ValidationDefinition(name=name, data=batch, suite=context.suites.get(name))
        )
        context.checkpoints.add_or_update(
            gx.Checkpoint(
                name=name,
                validation_definitions=[definition],
                actions=[update_data_docs(name="update_data_docs")],
            )
        )
        written.append(f"{name}: {schema}.{table}")
    return written


if __name__ == "__main__":
    for line in write_project():
        print(line)
