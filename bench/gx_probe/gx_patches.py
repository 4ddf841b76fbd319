"""Make GX 1.24's unexpected_index_query honour row_condition (SQL engines).

GX renders ``<map_metric>.unexpected_index_query`` with ``_sqlalchemy_map_condition_query``,
which selects from the *source table* (get_sqlalchemy_source_table_and_schema) and so drops
the expectation's row_condition: the query returns rows the expectation never checked (in
the probe: 722 rows for an expectation GX counted 497 failing). The count, the samples and
``unexpected_index_list`` are right: they read ``execution_engine.get_domain_records``, which
applies the row condition. Known upstream ("the unexpected_index_query in the validation
results does not include the row_condition column filter", great_expectations #11319).

``install()`` swaps, in GX's metric registry, every SQL ``*.unexpected_index_query`` provider
that is the stock function for one that renders the same SELECT over
``get_domain_records(...)`` when (and only when) the domain has a row condition. Without a
row condition the stock function runs, so the query text is exactly GX's.

It touches a private registry (``great_expectations.expectations.registry._registered_metrics``),
so it checks what it replaces and raises if GX's layout changed (pin GX; a test should run
an expectation with a row condition and compare the query's rows with unexpected_count).
"""

from __future__ import annotations

_installed = False


def _domain_aware_query(cls, execution_engine, metric_domain_kwargs, metric_value_kwargs, metrics, **kwargs):
    from great_expectations.compatibility.sqlalchemy import sqlalchemy as sa
    from great_expectations.expectations.metrics.map_metric_provider import (
        map_condition_auxilliary_methods as aux,
    )
    from great_expectations.util import get_sqlalchemy_selectable

    unexpected_condition, compute_domain_kwargs, accessor_domain_kwargs = metrics[
        "unexpected_condition"
    ]
    if not compute_domain_kwargs.get("row_condition"):
        return aux._sqlalchemy_map_condition_query(
            cls, execution_engine, metric_domain_kwargs, metric_value_kwargs, metrics, **kwargs
        )
    result_format = metric_value_kwargs["result_format"]
    if result_format.get("return_unexpected_index_query") is False:
        return None
    if "column" in accessor_domain_kwargs:
        domain_columns = [accessor_domain_kwargs["column"]]
    elif "column_list" in accessor_domain_kwargs:
        domain_columns = list(accessor_domain_kwargs["column_list"])
    elif "column_A" in accessor_domain_kwargs:
        domain_columns = [accessor_domain_kwargs["column_A"], accessor_domain_kwargs["column_B"]]
    else:
        domain_columns = []
    table_columns = metrics.get("table.columns", [])
    index_columns = result_format.get("unexpected_index_column_names") or []
    for name in index_columns:
        if name not in table_columns:
            raise ValueError(f"unexpected_index_column {name!r} is not a column of the batch")
    selector = [sa.column(c) for c in [*index_columns, *domain_columns]]
    domain = execution_engine.get_domain_records(
        domain_kwargs=dict(**compute_domain_kwargs, **accessor_domain_kwargs)
    )
    query = sa.select(*selector).where(unexpected_condition).select_from(
        get_sqlalchemy_selectable(domain)
    )
    return aux.sqlalchemy_select_to_sql_string(engine=execution_engine, select_statement=query)


def _pg_select_to_sql_string(engine, select_statement):
    """GX's sqlalchemy_select_to_sql_string, but on PostgreSQL with SQLAlchemy's own literal
    rendering (quotes doubled, dates as '2020-01-01', no %-doubling). GX 1.24 substitutes
    each bound value with Python repr(): O'Brien becomes "O'Brien" (an identifier), a date
    datetime.date(2020, 1, 1), a timestamp datetime.datetime(...): the query fails."""
    from sqlalchemy.dialects.postgresql.psycopg import PGDialect_psycopg
    from sqlalchemy.exc import CompileError

    if getattr(engine, "dialect_name", None) != "postgresql":
        return _ORIGINAL_TO_SQL(engine, select_statement)
    try:
        # paramstyle "named": literal % are not doubled (no DB-API pyformat escaping)
        compiled = select_statement.compile(
            dialect=PGDialect_psycopg(paramstyle="named"), compile_kwargs={"literal_binds": True}
        )
    except CompileError:
        return _ORIGINAL_TO_SQL(engine, select_statement)
    return str(compiled) + ";"


_ORIGINAL_TO_SQL = None


def install_literal_fix() -> int:
    """Swap sqlalchemy_select_to_sql_string in every loaded GX module that imported it."""
    global _ORIGINAL_TO_SQL
    import sys

    from great_expectations.expectations.metrics import util

    if _ORIGINAL_TO_SQL is None:
        _ORIGINAL_TO_SQL = util.sqlalchemy_select_to_sql_string
    swapped = 0
    for name, module in list(sys.modules.items()):
        if name.startswith("great_expectations") and getattr(
            module, "sqlalchemy_select_to_sql_string", None
        ) is _ORIGINAL_TO_SQL:
            module.sqlalchemy_select_to_sql_string = _pg_select_to_sql_string
            swapped += 1
    return swapped


def install() -> int:
    """Patch the registry once; returns how many metrics now use the domain-aware query.
    Also installs the literal-rendering fix (install_literal_fix)."""
    install_literal_fix()
    global _installed
    from great_expectations.expectations import registry
    from great_expectations.expectations.metrics.map_metric_provider import (
        map_condition_auxilliary_methods as aux,
    )

    stock = aux._sqlalchemy_map_condition_query
    _domain_aware_query.metric_fn_type = getattr(stock, "metric_fn_type", None)  # type: ignore[attr-defined]
    patched = 0
    for name, definition in registry._registered_metrics.items():
        if not name.endswith(".unexpected_index_query"):
            continue
        providers = definition.get("providers", {})
        entry = providers.get("SqlAlchemyExecutionEngine")
        if entry is None:
            continue
        metric_class, fn = entry
        if fn is stock:
            providers["SqlAlchemyExecutionEngine"] = (metric_class, _domain_aware_query)
            patched += 1
        elif fn is _domain_aware_query:
            patched += 1
    if patched == 0:
        raise RuntimeError("no stock unexpected_index_query provider found: GX changed, re-check")
    _installed = True
    return patched
