"""The GX pieces every validation here shares: an ephemeral context and the warehouse.

Import this module only where GX is about to run: it imports Great Expectations, which
takes seconds (DAG parsing and CLI start-up never pay for it).
"""

from __future__ import annotations

from typing import Any

import great_expectations as gx
import sqlalchemy
from great_expectations.data_context.types.base import ProgressBarsConfig


def gx_context() -> Any:
    """An ephemeral GX context (nothing written to disk), without progress bars, that knows
    the hub's own expectations (``expectations.custom``)."""
    import expectations.custom  # noqa: F401  (registers them with GX)

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    return context


def warehouse_datasource(context: Any, engine: sqlalchemy.Engine, name: str = "warehouse") -> Any:
    """The warehouse as a GX PostgreSQL data source, on the engine's URL.

    GX's URL validation wants a host, so a socket-only URL gets ``localhost`` (libpq still
    uses the socket given in the query string). The caller disposes of
    ``datasource.get_engine()`` when done.
    """
    url = engine.url if engine.url.host else engine.url.set(host="localhost")
    return context.data_sources.add_postgres(
        name=name, connection_string=url.render_as_string(hide_password=False)
    )


def validate_table(
    engine: sqlalchemy.Engine,
    suite: dict[str, Any],
    *,
    schema: str,
    table: str,
    name: str,
    result_format: dict[str, Any],
) -> dict[str, Any]:
    """Run ``suite`` (suite JSON as a dict) on the whole of ``schema.table``, in an ephemeral
    context; the validation result as JSON, its results in the suite's order (GX may
    evaluate in another). ``name`` names the asset and the validation definition."""
    context = gx_context()
    datasource = warehouse_datasource(context, engine)
    try:
        asset = datasource.add_table_asset(name=name, table_name=table, schema_name=schema)
        batch = asset.add_batch_definition_whole_table("batch")
        gx_suite = context.suites.add(gx.ExpectationSuite(**suite))
        if len(gx_suite.expectations) != len(suite["expectations"]):
            # GX drops an expectation type it does not know, logging only (bench/gx_probe)
            known = {e.expectation_type for e in gx_suite.expectations}
            lost = sorted({e["type"] for e in suite["expectations"]} - known)
            raise RuntimeError(f"suite {suite['name']}: GX does not know expectation types {lost}")
        definition = context.validation_definitions.add(
            gx.ValidationDefinition(name=name, data=batch, suite=gx_suite)
        )
        result = definition.run(result_format=result_format).to_json_dict()
    finally:
        datasource.get_engine().dispose()
    position = {expectation.id: i for i, expectation in enumerate(gx_suite.expectations)}
    result["results"].sort(key=lambda r: position[r["expectation_config"]["id"]])
    return result
