"""Lineage: what each hub task reads and writes, sent as OpenLineage datasets.

The one place that says which datasets a task touches. A catalog (Marquez, DataHub, ...) fed
by the OpenLineage provider then draws department → ``raw`` → ``core`` → ``shared`` → bulletin.

* ``ingest_<dept>`` reads the department's system and writes its raw table
  (``raw.<dept>__<entity>``) and its core table: both from the department registry
  (hub/sources.py), so a department registered there gets its lineage with no edit here.
* ``resolve_and_publish`` reads every department's core table and writes the hub's own core
  tables (``PUBLISHED_CORE_TABLES``) and the views of schema ``shared`` (every
  ``create or replace view shared.<name>`` in sql/shared, read when the task runs).
* ``summarize`` and ``draw_bulletin`` read ``shared`` (the bulletin writes a file).
* ``wait_for_done_marker`` reads the land bureau's drop folder.

How it is sent: the TaskFlow tasks call ``emit_task_lineage(settings)`` once, inside the task;
it sends an OpenLineage RUNNING event with the task's inputs and outputs through the provider's
public ``emit_dataset_lineage`` (same run id as the task's START and COMPLETE events, so a
catalog attributes the datasets to that task run). The land sensor, a classic operator, has
``get_openlineage_facets_on_start``, which the provider calls itself. Nothing here is computed
at parse time: the dataset namespaces are the configured locations, resolved in the task from
``hub_settings()`` (the warehouse's ``postgres://host:port`` and database, a department's
``scheme://host:port``), as the OpenLineage naming spec wants, so the same tables read by
another OpenLineage producer join up in the catalog. Only a location's scheme, host and port
are used: no user name, password, path or query string ever reaches an event.

The Assets of hub_airflow/assets.py (``hub.raw.<dept>``, ``hub.shared.projects``) are what
DAGs schedule on; they are not lineage and are left alone.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from hub.config import SQL_DIR
from hub.sources import department, source_systems

if TYPE_CHECKING:
    from hub.config import Settings

log = logging.getLogger(__name__)

#: A department's system, as a dataset "ref": ``department:<source_system>``.
DEPARTMENT = "department:"
#: The bulletin folder (``HUB_BULLETIN_DIR``), as a dataset ref.
BULLETINS = "file:bulletins"
#: The land bureau's drop folder (``HUB_SOURCE_LAND_DIR``), as a dataset ref.
LAND_DROP_FOLDER = "file:land"

#: The hub's own core tables, written by publishing (hub.pipeline.resolve_and_publish: the
#: resolution, milestones, lifecycle, projects, history and discrepancies steps in sql/core).
PUBLISHED_CORE_TABLES = (
    "core.hub_projects",
    "core.project_links",
    "core.match_candidates",
    "core.project_milestones",
    "core.projects",
    "core.projects_history",
    "core.discrepancies",
)

#: The bulletin's reviewed SQL (hub/report/data.py reads the warehouse through these only).
BULLETIN_SQL = "reports/bulletin_*.sql"
_RELATION = re.compile(r"\b((?:shared|ref)\.[a-z_]+)\b")
_SHARED_FUNCTION = re.compile(r"create\s+or\s+replace\s+function\s+(shared\.\w+)", re.IGNORECASE)


@cache
def bulletin_reads() -> tuple[str, ...]:
    """The tables and views the bulletin's SQL names (a shared function is not a dataset)."""
    functions = {
        name.lower()
        for path in (SQL_DIR / "shared").glob("*.sql")
        for name in _SHARED_FUNCTION.findall(path.read_text(encoding="utf-8"))
    }
    named = {
        name
        for path in SQL_DIR.glob(BULLETIN_SQL)
        for name in _RELATION.findall(path.read_text(encoding="utf-8"))
    }
    return tuple(sorted(named - functions))


#: The views publishing refreshes, as sql/shared declares them.
_SHARED_VIEW = re.compile(r"create\s+or\s+replace\s+view\s+(shared\.\w+)", re.IGNORECASE)
SHARED_SQL_DIR = SQL_DIR / "shared"


@dataclass(frozen=True)
class TaskLineage:
    """What one task reads and writes: warehouse relations ``schema.table``, a department
    (``department:<dept>``) or a folder (``file:...``). Empty for a task that touches no data."""

    inputs: tuple[str, ...] = ()
    outputs: tuple[str, ...] = ()


def core_tables() -> tuple[str, ...]:
    """Every department's core table, in registry order."""
    return tuple(f"core.{department(dept).core_table}" for dept in source_systems())


@cache
def shared_views() -> tuple[str, ...]:
    """The views of schema ``shared``, from sql/shared (read once, when a task first asks)."""
    found: list[str] = []
    for path in sorted(SHARED_SQL_DIR.glob("*.sql")):
        found += _SHARED_VIEW.findall(path.read_text(encoding="utf-8"))
    return tuple(dict.fromkeys(found))


def ingest_lineage(source_system: str) -> TaskLineage:
    dept = department(source_system)
    return TaskLineage(
        inputs=(f"{DEPARTMENT}{source_system}",),
        outputs=(dept.raw_table, f"core.{dept.core_table}"),
    )


def publish_lineage() -> TaskLineage:
    return TaskLineage(inputs=core_tables(), outputs=PUBLISHED_CORE_TABLES + shared_views())


#: Tasks by task id (the same id in every DAG that has the task; tasks.py defines each once).
#: A callable so that nothing is read before a task asks.
_BY_TASK_ID = {
    "resolve_and_publish": publish_lineage,
    "summarize": lambda: TaskLineage(inputs=("shared.projects", *core_tables())),
    "draw_bulletin": lambda: TaskLineage(inputs=bulletin_reads(), outputs=(BULLETINS,)),
    "wait_for_done_marker": lambda: TaskLineage(inputs=(LAND_DROP_FOLDER,)),
    # Tasks that touch no data, declared so that a new task is a decision, not an oversight.
    "flag_failed_ingests": TaskLineage,
    "is_first_working_day": TaskLineage,
}


def task_lineage(task_id: str) -> TaskLineage:
    """The lineage of the hub task ``task_id``; KeyError for a task nobody declared."""
    if task_id.startswith("ingest_") and task_id.removeprefix("ingest_") in source_systems():
        return ingest_lineage(task_id.removeprefix("ingest_"))
    if task_id not in _BY_TASK_ID:
        raise KeyError(f"no lineage declared for task {task_id!r} in hub_airflow/lineage.py")
    return _BY_TASK_ID[task_id]()


# --- from refs to OpenLineage datasets, with the configured locations (in a task only) --------


def _authority(location: str) -> str | None:
    """``scheme://host[:port]`` of a URL (no user, password, path or query); None if it has
    no scheme and host (a file path)."""
    parts = urlsplit(location)
    if not parts.scheme or not parts.hostname:
        return None
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{_host(parts.hostname)}{port}"


def _host(host: str) -> str:
    return f"[{host}]" if ":" in host else host  # an IPv6 address keeps its brackets


def warehouse_namespace(settings: Settings) -> tuple[str, str]:
    """(``postgres://host:port``, database) of the configured warehouse; the embedded one
    (no ``HUB_WAREHOUSE_URL``) is ``localhost:<HUB_EMBEDDED_PORT>``, database ``hub``."""
    if not settings.warehouse_url:
        return f"postgres://localhost:{settings.embedded_port}", "hub"
    from sqlalchemy.engine import make_url

    url = make_url(settings.warehouse_url)
    host = _host(url.host or "localhost")
    return f"postgres://{host}:{url.port or 5432}", url.database or "postgres"


def dataset_id(ref: str, settings: Settings) -> tuple[str, str]:
    """(namespace, name) of one ref, as the OpenLineage naming spec has it."""
    if ref.startswith(DEPARTMENT):
        source_system = ref.removeprefix(DEPARTMENT)
        dept = department(source_system)
        location = dept.location(settings)
        authority = _authority(location)
        if authority is not None:
            return authority, dept.name
        return "file", str(Path(location).resolve())
    if ref == BULLETINS:
        return "file", str(Path(settings.bulletin_dir).resolve())
    if ref == LAND_DROP_FOLDER:
        return "file", str(Path(settings.land.directory).resolve())
    namespace, database = warehouse_namespace(settings)
    return namespace, f"{database}.{ref}"


def openlineage_datasets(task_id: str, settings: Settings):
    """(inputs, outputs) of ``task_id`` as OpenLineage ``Dataset``s."""
    from openlineage.client.event_v2 import Dataset

    lineage = task_lineage(task_id)

    def datasets(refs):
        return [Dataset(*dataset_id(ref, settings)) for ref in refs]

    return datasets(lineage.inputs), datasets(lineage.outputs)


def operator_lineage(task_id: str, settings: Settings):
    """``task_id``'s lineage as the provider's ``OperatorLineage``: what a classic operator's
    ``get_openlineage_facets_on_start`` returns (the provider then puts it on the task's START
    and COMPLETE events)."""
    from airflow.providers.openlineage.extractors import OperatorLineage

    inputs, outputs = openlineage_datasets(task_id, settings)
    return OperatorLineage(inputs=inputs, outputs=outputs)


def emit_task_lineage(settings: Settings) -> None:
    """Send the running task's inputs and outputs to OpenLineage (a RUNNING event of the task
    run). Never fails the task: without the provider, or with OpenLineage off, it does nothing."""
    try:
        from airflow.providers.openlineage.api import emit_dataset_lineage, is_openlineage_active
    except ImportError:  # the provider is not installed
        return
    if not is_openlineage_active():
        return
    from airflow.sdk import get_current_context

    try:
        inputs, outputs = openlineage_datasets(get_current_context()["ti"].task_id, settings)
    except Exception as error:  # lineage must never fail a task
        log.warning("no OpenLineage lineage for this task: %s", type(error).__name__)
        return
    if inputs or outputs:
        emit_dataset_lineage(inputs=inputs, outputs=outputs)
