"""The Airflow pool of the tasks that write to the warehouse.

Every ingest task and ``resolve_and_publish`` (``hub_airflow/tasks.py``) runs in
``WAREHOUSE_POOL``. Its slots bound how many of them run at once, whichever DAGs they belong
to: with four ingest DAGs on their own schedules, ``resolve_and_publish`` triggered by their
Assets and ``hub_sync`` on top, more could otherwise pile onto the warehouse than it has cores.
Each such task keeps about one warehouse core busy (a COPY, then set-based SQL), so the slots are
the warehouse's cores: 2 for the compose stack's warehouse; raise it with the warehouse
(``airflow pools set`` again, or the UI's Admin → Pools). A task waiting for a slot is
``queued``, not failed, and its ``execution_timeout`` starts only when it runs.

Airflow does not create a pool a task names: ``docker-compose.yml``'s ``airflow-init`` does,
``airflow pools set <WAREHOUSE_POOL> <WAREHOUSE_POOL_SLOTS> "<WAREHOUSE_POOL_DESCRIPTION>"``
(idempotent; tests/dags/test_task_runtime.py checks it says what this module says).
"""

from __future__ import annotations

WAREHOUSE_POOL = "hub_warehouse"

#: The warehouse's cores (compose's warehouse: 2).
WAREHOUSE_POOL_SLOTS = 2

WAREHOUSE_POOL_DESCRIPTION = "Hub tasks that write to the warehouse: one slot per warehouse core"
