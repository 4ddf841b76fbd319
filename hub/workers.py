"""Departments ingested at once, each in a process of its own, as the Airflow DAG runs one
task per department (``run_sync`` with ``jobs`` > 1).

Processes, not threads: Great Expectations, which the audit runs, is not known to be
thread-safe. They start by 'forkserver' (else 'spawn'): a clean server process forks them,
never this one, whose connections and threads a fork would copy half-alive. Each worker
writes to a pipe of its own, which this process reads: its log records (into this process's
logging), its progress (to ``progress``), and last its result or its failure's one line; a
worker that ends without one fails only its department. The advisory locks keep apart what
must not overlap (``source:<dept>`` around each ingest, ``publish`` around publishing),
exactly as for the DAG's tasks.

Ctrl-C reaches the whole process group, but workers ignore it: the parent stops them with
SIGTERM, which unwinds an ingest as Ctrl-C would (its transaction rolled back, its lock
released, its steps saved; the next sync recovers the batch), and kills a worker that has
not ended after ``STOP_GRACE`` seconds.

A department ``register``\\ ed at run time exists only in the process that registered it: a
worker does not know it (it fails as an unknown department); ingest it with ``jobs`` = 1.
"""

from __future__ import annotations

import logging
import multiprocessing
import signal
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from logging.handlers import QueueHandler
from multiprocessing.connection import Connection, wait
from typing import Any

from hub.config import Settings
from hub.errors import configured_secrets
from hub.progress import Progress, ProgressEvent, final_phase
from hub.steps import StepClock

log = logging.getLogger(__name__)

#: Seconds a stopped worker has to roll back, unlock and save its steps before it is killed.
STOP_GRACE = 10.0
#: Imported once by the fork server instead of by every worker. Not Great Expectations: a
#: worker imports it when its batch has rows to audit (about 3 s), so a sync that brings
#: nothing new never does; preloading it made such a sync take 4.7 s instead of 1.6 s at
#: 93k records (BENCHMARKS.md), for about 3 s saved on a full sync.
PRELOAD = ["hub.pipeline"]


@dataclass(frozen=True)
class Outcome:
    """One department's ingest: ``ingest``'s result, or the one line of why it failed."""

    source_system: str
    result: dict[str, Any] | None = None
    failure: str | None = None


def ingest_one(
    settings: Settings, source_system: str, *, full: bool, clock: StepClock, window: Any = None
) -> Outcome:
    """``ingest``, with a failure logged and kept as its one line as ``run_sync`` promises;
    the department's last phase is told to the clock's progress. ``window``: ``ingest``'s
    re-pull window, passed only when there is one."""
    from hub import pipeline  # at call time: tests replace pipeline.ingest

    repull = {} if window is None else {"window": window}
    try:
        result = pipeline.ingest(settings, source_system, full=full, clock=clock, **repull)
    except Exception as error:
        reason = pipeline._log_failure(source_system, error, configured_secrets(settings))
        clock.tell(source_system, final_phase(None))
        return Outcome(source_system, failure=reason)
    clock.tell(source_system, final_phase(result))
    return Outcome(source_system, result=result)


def ingest_in_processes(
    settings: Settings,
    sources: Sequence[str],
    *,
    full: bool,
    jobs: int,
    run_id: str,
    progress: Progress | None = None,
) -> list[Outcome]:
    """Ingest ``sources``, at most ``jobs`` at a time, each in a worker process whose steps go
    to meta.sync_steps under ``run_id``. The outcomes in the order of ``sources``. Raises
    only what stopped this process (KeyboardInterrupt, SystemExit) or kept it from starting
    a worker, after stopping the workers it started."""
    from hub.pipeline import warehouse_url

    # The embedded warehouse is started here, once, rather than raced for by every worker.
    settings = replace(settings, warehouse_url=warehouse_url(settings))
    context = _context()
    waiting = list(sources)
    running: dict[Connection, tuple[str, multiprocessing.process.BaseProcess]] = {}
    outcomes: dict[str, Outcome] = {}
    try:
        while waiting or running:
            while waiting and len(running) < jobs:
                source_system = waiting.pop(0)
                receiver, sender = context.Pipe(duplex=False)
                worker = context.Process(
                    target=_ingest_in_worker,
                    args=(
                        sender,
                        logging.getLogger().getEffectiveLevel(),
                        settings,
                        source_system,
                        full,
                        run_id,
                        progress is not None,
                    ),
                    name=f"hub-ingest-{source_system}",
                    daemon=True,
                )
                running[receiver] = (source_system, worker)  # before a Ctrl-C can come
                worker.start()
                sender.close()  # the worker's copy is the last: its end reads as EOF here
            for receiver in wait(list(running)):
                source_system, worker = running[receiver]
                try:
                    message = receiver.recv()
                except Exception:  # EOFError: the worker has closed its end, or has ended
                    del running[receiver]
                    receiver.close()
                    outcomes[source_system] = _ended(
                        source_system, worker, outcomes.get(source_system), progress
                    )
                    continue
                if isinstance(message, Outcome):
                    outcomes[source_system] = message
                else:
                    _relay(message, progress)
    except BaseException:
        _stop([worker for _, worker in running.values()])
        raise
    return [outcomes[source_system] for source_system in sources]


def _context() -> multiprocessing.context.BaseContext:
    if "forkserver" in multiprocessing.get_all_start_methods():
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(PRELOAD)
        return context
    return multiprocessing.get_context("spawn")


def _relay(message: Any, progress: Progress | None) -> None:
    """A worker's log record into this process's logging (as far as its levels let it
    through), its progress event to ``progress``."""
    try:
        if isinstance(message, logging.LogRecord):
            logger = logging.getLogger(message.name)
            if logger.isEnabledFor(message.levelno):
                logger.handle(message)
        elif progress is not None:
            progress(*message)
    except Exception as error:  # a display or a log handler must not stop the sync
        log.warning("a worker's message was lost: %s", type(error).__name__)


def _ended(
    source_system: str,
    worker: multiprocessing.process.BaseProcess,
    outcome: Outcome | None,
    progress: Progress | None,
) -> Outcome:
    """The outcome the worker sent, or its failure if it ended without sending one."""
    worker.join(STOP_GRACE)
    if worker.is_alive():  # it has said its last word; whatever keeps it alive is not needed
        worker.kill()
        worker.join()
    if outcome is not None:
        return outcome
    reason = f"its worker process ended without a result (exit code {worker.exitcode})"
    log.error("%s FAILED: %s", source_system, reason)
    if progress is not None:
        _relay(ProgressEvent(source_system, final_phase(None)), progress)
    return Outcome(source_system, failure=reason)


def _stop(workers: list[multiprocessing.process.BaseProcess]) -> None:
    workers = [worker for worker in workers if worker.pid is not None]  # started ones
    for worker in workers:
        worker.terminate()
    deadline = time.monotonic() + STOP_GRACE
    try:
        for worker in workers:
            worker.join(max(deadline - time.monotonic(), 0.0))
    finally:  # a second Ctrl-C ends the waiting, not the stopping
        for worker in workers:
            if worker.is_alive():
                worker.kill()
                worker.join()


class _ToParent:
    """A worker's end of its pipe, for whichever of its threads logs or tells (a queue to
    ``QueueHandler``). A pipe of its own per worker: a worker killed in the middle of a
    message garbles only its own channel, where a shared queue's lock would stay taken."""

    def __init__(self, connection: Connection) -> None:
        self._connection = connection
        self._lock = threading.Lock()

    def put_nowait(self, message: Any) -> None:
        with self._lock:
            self._connection.send(message)


def _ingest_in_worker(
    connection: Connection,
    log_level: int,
    settings: Settings,
    source_system: str,
    full: bool,
    run_id: str,
    with_progress: bool,
) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides what Ctrl-C stops
    signal.signal(signal.SIGTERM, _interrupt)
    parent = _ToParent(connection)
    to_parent = QueueHandler(parent)
    root = logging.getLogger()
    for handler in list(root.handlers):
        root.removeHandler(handler)
    root.addHandler(to_parent)
    root.setLevel(log_level)
    logging.captureWarnings(True)  # to the parent's log too, not to this process's stderr

    def tell(department: str, phase: str, records: int | None) -> None:
        parent.put_nowait(ProgressEvent(department, phase, records))

    clock = StepClock(run_id=run_id, progress=tell if with_progress else None)
    try:
        outcome = ingest_one(settings, source_system, full=full, clock=clock)
    except KeyboardInterrupt:  # stopped by the parent, which no longer reads
        return
    parent.put_nowait(outcome)
    root.removeHandler(to_parent)  # whatever is logged while exiting has nowhere to go
    connection.close()


def _interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt
