"""Run the probe suite with GX (ephemeral context, like expectations/gxcontext.py) and
record every SQL statement GX sends, with its time."""

from __future__ import annotations

import time
from typing import Any

import great_expectations as gx
import sqlalchemy
from great_expectations.data_context.types.base import ProgressBarsConfig

import bench.gx_probe.custom_expectations  # noqa: F401  (registers the custom types)
from bench.gx_probe.common import URL


def context() -> Any:
    ctx = gx.get_context(mode="ephemeral")
    ctx.variables.progress_bars = ProgressBarsConfig(globally=False)
    return ctx


class SqlLog:
    def __init__(self) -> None:
        self.statements: list[tuple[str, float, int]] = []  # (sql, seconds, rows fetched?)
        self._start: dict[int, float] = {}

    def attach(self, engine: Any = None) -> None:
        # GX builds its execution engine's own sqlalchemy.Engine, not datasource.get_engine():
        # listen on the Engine class (every engine in the process) while a validation runs.
        sqlalchemy.event.listen(sqlalchemy.engine.Engine, "before_cursor_execute", self._before)
        sqlalchemy.event.listen(sqlalchemy.engine.Engine, "after_cursor_execute", self._after)

    def detach(self) -> None:
        sqlalchemy.event.remove(sqlalchemy.engine.Engine, "before_cursor_execute", self._before)
        sqlalchemy.event.remove(sqlalchemy.engine.Engine, "after_cursor_execute", self._after)

    def _before(self, conn, cursor, statement, parameters, context, executemany):
        self._start[id(cursor)] = time.perf_counter()

    def _after(self, conn, cursor, statement, parameters, context, executemany):
        took = time.perf_counter() - self._start.pop(id(cursor), time.perf_counter())
        rows = cursor.rowcount if cursor.rowcount is not None else -1
        self.statements.append((statement, took, rows))


def validate(
    suite: dict,
    table: str,
    result_format: dict | str,
    *,
    schema: str = "meta",
    log: SqlLog | None = None,
    checkpoint: bool = False,
) -> tuple[dict, Any, Any]:
    """(result JSON dict in suite order, the GX suite, the validation definition)."""
    ctx = context()
    ds = ctx.data_sources.add_postgres(name="warehouse", connection_string=URL)
    if log is not None:
        log.attach()
    try:
        asset = ds.add_table_asset(name=table, table_name=table, schema_name=schema)
        bd = asset.add_batch_definition_whole_table("batch")
        gx_suite = ctx.suites.add(gx.ExpectationSuite(**suite))
        vd = ctx.validation_definitions.add(
            gx.ValidationDefinition(name=table, data=bd, suite=gx_suite)
        )
        if checkpoint:
            cp = ctx.checkpoints.add(
                gx.Checkpoint(name="cp", validation_definitions=[vd], result_format=result_format)
            )
            cpr = cp.run()
            result = next(iter(cpr.run_results.values())).to_json_dict()
        else:
            result = vd.run(result_format=result_format).to_json_dict()
    finally:
        if log is not None:
            log.detach()
        ds.get_engine().dispose()
    position = {e.id: i for i, e in enumerate(gx_suite.expectations)}
    result["results"].sort(key=lambda r: position[r["expectation_config"]["id"]])
    return result, gx_suite, vd


def index_queries(batch_definition: Any, gx_suite: Any, result_format: dict) -> list[str | None]:
    """GX's unexpected_index_query for every expectation of the suite, WITHOUT validating:
    only the ``<map_metric>.unexpected_index_query`` metrics (and what they depend on: the
    condition, table.columns, a row count per domain) are resolved. None where the
    expectation has no such metric (unexpected_rows_expectation, aggregates, …)."""
    from great_expectations.expectations.expectation import parse_result_format
    from great_expectations.validator.validator import Validator

    batch = batch_definition.get_batch()
    validator = Validator(execution_engine=batch.data.execution_engine, batches=[batch])
    runtime = {"result_format": parse_result_format(result_format)}
    wanted: list[Any] = []
    for expectation in gx_suite.expectations:
        config = expectation.configuration
        config.kwargs["batch_id"] = batch.id
        deps = config.to_domain_obj().get_validation_dependencies(
            execution_engine=validator.execution_engine, runtime_configuration=runtime
        )
        found = [
            m for m in deps.get_metric_configurations()
            if m.metric_name.endswith(".unexpected_index_query")
        ]
        wanted.append(found[0] if found else None)
    metrics, aborted = validator.compute_metrics(
        [m for m in wanted if m is not None],
        runtime_configuration=runtime,
        min_graph_edges_pbar_enable=10**9,  # no progress bars
    )
    if aborted:
        raise RuntimeError(f"GX could not render some unexpected_index_query: {aborted}")
    return [metrics[m.id] if m is not None else None for m in wanted]


def prepare(suite: dict, table: str, schema: str = "meta") -> tuple[Any, Any, Any, Any]:
    """(context, data source, batch definition, GX suite) for the table."""
    ctx = context()
    ds = ctx.data_sources.add_postgres(name="warehouse", connection_string=URL)
    asset = ds.add_table_asset(name=table, table_name=table, schema_name=schema)
    bd = asset.add_batch_definition_whole_table("batch")
    gx_suite = ctx.suites.add(gx.ExpectationSuite(**suite))
    return ctx, ds, bd, gx_suite
