"""Fresh planner statistics after bulk writes (sql/core/views/refresh_statistics.sql).

A plan that depends on row counts must not run on the counts of an emptier table: after a
merge or a rebuild of a core table, in the same transaction, the tables that grew by a fifth
are analysed before anything joins them.
"""

from __future__ import annotations

import logging
from typing import Any

log = logging.getLogger(__name__)


def refresh_statistics_if_grown(conn: Any, *tables: str) -> list[str]:
    """ANALYZE those of ``tables`` (schema-qualified hub tables) that grew since their
    statistics were taken; returns the names analysed. ``conn``: psycopg connection."""
    (analysed,) = conn.execute(
        "select core.refresh_statistics_if_grown(variadic %s::regclass[])", (list(tables),)
    ).fetchone()
    if analysed:
        log.info("statistics refreshed: %s", ", ".join(analysed))
    return analysed
