"""Assets the hub's DAGs produce; a consumer DAG schedules on them
(``schedule=[assets.SHARED_PROJECTS]``).

Names, not URIs: ``postgres://`` URIs are rewritten by the postgres provider when it is installed
(stack-notes §2.4), a dotted name is stable everywhere.
"""

from __future__ import annotations

from airflow.sdk import Asset

from hub.sources import source_systems

#: The departments, in the hub's registry order (hub/sources.py): one registered there gets
#: its ingest task and Asset with no edit to a DAG. (An import, no I/O: the registry is code.)
SOURCE_SYSTEMS: tuple[str, ...] = source_systems()

#: ``raw.<dept>__*`` received a new batch for that department.
RAW: dict[str, Asset] = {dept: Asset(f"hub.raw.{dept}") for dept in SOURCE_SYSTEMS}

#: ``shared.projects`` and everything published beside it were refreshed.
SHARED_PROJECTS = Asset("hub.shared.projects")
