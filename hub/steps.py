"""The time of each step of a run, kept in ``meta.sync_steps`` and shown by `hub status`.

A ``StepClock`` belongs to one run (a `hub sync`, a DAG run, a release). Each step is timed
with ``with clock.step("merge", source_system=..., batch_id=...) as step:`` (set
``step.rows`` where a count applies); a step that raises is kept too, as not succeeded. The
steps are written in a transaction of their own (``save``), so they survive the rollback of
the work they timed, and a failure to write them only logs: timing never fails a sync.

A clock may carry a ``progress`` (hub/progress.py): it is told each step as the step starts,
as that department's phase (a step of no department: the publish's), and whatever else a
sync tells through ``tell``. A failing ``progress`` only logs too.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from hub.progress import PUBLISH, Progress

log = logging.getLogger(__name__)


@dataclass
class Step:
    name: str
    source_system: str | None
    batch_id: str | None
    started_at: dt.datetime
    seconds: float = 0.0
    rows: int | None = None
    succeeded: bool = False


@dataclass
class StepClock:
    run_id: str = field(
        default_factory=lambda: (
            dt.datetime.now(dt.UTC).strftime("run-%Y%m%dT%H%M%SZ-") + uuid.uuid4().hex[:8]
        )
    )
    steps: list[Step] = field(default_factory=list)
    progress: Progress | None = field(default=None, repr=False, compare=False)

    @contextmanager
    def step(
        self, name: str, *, source_system: str | None = None, batch_id: str | None = None
    ) -> Iterator[Step]:
        step = Step(name, source_system, batch_id, dt.datetime.now(dt.UTC))
        self.tell(source_system or PUBLISH, name)
        started = time.perf_counter()
        try:
            yield step
            step.succeeded = True
        finally:
            step.seconds = time.perf_counter() - started
            self.steps.append(step)

    def tell(self, department: str, phase: str, records: int | None = None) -> None:
        """Pass a department's phase (and the records it received so far) to ``progress``."""
        if self.progress is None:
            return
        try:
            self.progress(department, phase, records)
        except Exception as error:  # a display must not fail the sync it shows
            log.warning("progress display stopped: %s", type(error).__name__)
            self.progress = None

    def save(self, warehouse_url: str) -> None:
        """Write the steps not yet written (each once) to meta.sync_steps."""
        from hub.warehouse.connection import connect, sql_statement

        pending, self.steps = self.steps, []
        if not pending:
            return
        try:
            with connect(warehouse_url) as conn:
                statement = sql_statement("warehouse/copy_sync_steps.sql")
                with conn.cursor() as cur, cur.copy(statement) as copy:
                    for step in pending:
                        copy.write_row(
                            (
                                self.run_id,
                                step.source_system,
                                step.batch_id,
                                step.name,
                                step.started_at,
                                round(step.seconds, 3),
                                step.rows,
                                step.succeeded,
                            )
                        )
                conn.commit()
        except Exception as error:  # the run's own outcome matters more than its timing
            log.warning("could not record the run's step times: %s", type(error).__name__)
