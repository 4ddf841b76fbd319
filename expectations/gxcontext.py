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
    """An ephemeral GX context (nothing written to disk), without progress bars."""
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
