"""Assets the hub's DAGs produce; a consumer DAG schedules on them
(``schedule=[assets.SHARED_PROJECTS]``).

Names, not URIs: ``postgres://`` URIs are rewritten by the postgres provider when it is installed
(stack-notes §2.4), a dotted name is stable everywhere.
"""

from __future__ import annotations

from airflow.sdk import Asset

#: The departments, in the order the hub names them (== hub.config.SOURCE_SYSTEMS; a test in
#: tests/dags checks the two agree). Kept here so that parsing a DAG never imports the hub.
SOURCE_SYSTEMS: tuple[str, ...] = ("commerce", "approval", "land", "stats")

#: ``raw.<dept>__*`` received a new batch for that department.
RAW: dict[str, Asset] = {dept: Asset(f"hub.raw.{dept}") for dept in SOURCE_SYSTEMS}

#: ``shared.projects`` and everything published beside it were refreshed.
SHARED_PROJECTS = Asset("hub.shared.projects")
