"""How far each department of a running `hub sync` has got: its phase, the records landed
and their rate. On a terminal a block redrawn in place (ANSI, no dependency); elsewhere
(Airflow task logs, CI) log lines, one at each phase change and one per busy department
every ``every`` seconds.

A sync tells ``Progress(department, phase, records)``; phases are the ingest's steps (land,
audit, batch_checks, merge), then done, held or failed; the publish's row is ``PUBLISH``,
its phases the publish's steps.
"""

from __future__ import annotations

import logging
import shutil
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import IO, NamedTuple, TypeVar

#: (department, phase, records received so far or None: unchanged).
Progress = Callable[[str, str, int | None], None]

PUBLISH = "publish"
WAITING = "waiting"
#: A department's last phases: whatever is told after one of them is stale, and ignored.
FINISHED = frozenset({"done", "held", "failed"})

_CURSOR_UP = "\x1b[{}A"
_CLEAR_LINE = "\r\x1b[2K"
_CLEAR_BELOW = "\r\x1b[J"

T = TypeVar("T")


class ProgressEvent(NamedTuple):
    """One ``Progress`` call, as sent from a worker process to the parent."""

    department: str
    phase: str
    records: int | None = None


def final_phase(result: dict | None) -> str:
    """The last phase of a department, from ``ingest``'s result (None: it failed)."""
    if result is None:
        return "failed"
    return "held" if result.get("status") == "held" else "done"


@dataclass
class _Row:
    name: str
    phase: str = WAITING
    records: int | None = None
    started: float | None = None
    ended: float | None = None
    landing_since: float | None = None
    landing_until: float | None = None
    last_line: float = 0.0

    def rate(self, now: float) -> float | None:
        if not self.records or self.landing_since is None:
            return None
        seconds = (self.landing_until if self.landing_until is not None else now) - (
            self.landing_since
        )
        return self.records / seconds if seconds > 0 else None

    def elapsed(self, now: float) -> str:
        seconds = int((self.ended if self.ended is not None else now) - (self.started or now))
        hours, rest = divmod(seconds, 3600)
        return (
            f"{hours}:{rest // 60:02}:{rest % 60:02}" if hours else f"{rest // 60}:{rest % 60:02}"
        )


class ProgressReporter:
    """Renders what a sync tells (``update``) as a terminal block or as log lines.

    Thread-safe: a sync tells from its main thread or from the thread relaying its worker
    processes' events, while ``tick`` (from ``shown``) keeps the elapsed times and the
    periodic log lines going when nothing is told. ``clock`` (monotonic seconds) and
    ``width`` (the terminal's columns; None asks the terminal) are for tests.
    """

    def __init__(
        self,
        departments: Sequence[str],
        stream: IO[str],
        *,
        terminal: bool,
        every: float = 10.0,
        clock: Callable[[], float] = time.monotonic,
        width: int | None = None,
    ) -> None:
        self.terminal = terminal
        self._rows = {name: _Row(name) for name in (*departments, PUBLISH)}
        self._stream = stream
        self._every = every
        self._clock = clock
        self._width = width
        self._drawn = 0  # lines of the block now on the terminal
        self._lock = threading.RLock()

    def update(self, department: str, phase: str, records: int | None = None) -> None:
        with self._lock:
            row = self._rows.get(department)
            if row is None:  # not announced (a department registered meanwhile): shown anyway
                row = self._rows[department] = _Row(department)
                self._rows[PUBLISH] = self._rows.pop(PUBLISH)
            if row.phase in FINISHED:
                return
            now = self._clock()
            if row.started is None:
                row.started = now
            if records is not None:
                row.records = records
            changed = phase != row.phase
            if changed:
                if row.phase == "land":
                    row.landing_until = now
                if phase == "land":
                    row.landing_since, row.landing_until = now, None
                if phase in FINISHED:
                    row.ended = now
                row.phase = phase
            if self.terminal:
                self._draw(now)
            elif changed:
                self._log(row, now)

    def tick(self) -> None:
        """Redraw (terminal), or write the line of each busy department not heard of for
        ``every`` seconds (log lines)."""
        with self._lock:
            now = self._clock()
            if self.terminal:
                self._draw(now)
                return
            for row in self._rows.values():
                busy = row.started is not None and row.phase not in FINISHED
                if busy and now - row.last_line >= self._every:
                    self._log(row, now)

    @contextmanager
    def cleared(self) -> Iterator[None]:
        """The block off the terminal while the caller writes (a log record); the next
        ``update`` or ``tick`` draws it again below what was written."""
        with self._lock:
            if self.terminal and self._drawn:
                self._write(_CURSOR_UP.format(self._drawn) + _CLEAR_BELOW)
                self._drawn = 0
            yield

    def close(self) -> None:
        """The block as it ends, left on the terminal (log lines: nothing more to say)."""
        with self._lock:
            if self.terminal:
                self._draw(self._clock())

    def _draw(self, now: float) -> None:
        width = self._width or shutil.get_terminal_size().columns
        names = max(len(name) for name in self._rows)
        # A line as wide as the terminal wraps, and the next redraw would miscount.
        lines = [
            self._block_line(row, now, names)[: max(width - 1, 1)] for row in self._rows.values()
        ]
        up = _CURSOR_UP.format(self._drawn) if self._drawn else ""
        self._write(up + "".join(f"{_CLEAR_LINE}{line}\n" for line in lines))
        self._drawn = len(lines)

    def _block_line(self, row: _Row, now: float, names: int) -> str:
        if row.started is None:
            return f"{row.name:<{names}}  {row.phase}"
        records = "" if row.records is None else f"{row.records:,} records"
        rate = row.rate(now)
        per_second = "" if rate is None else f"{rate:,.0f}/s"
        return (
            f"{row.name:<{names}}  {row.phase:<12}  {records:>15}  {per_second:>9}"
            f"  {row.elapsed(now):>7}"
        ).rstrip()

    def _log(self, row: _Row, now: float) -> None:
        parts = [row.phase]
        if row.records is not None:
            parts.append(f"{row.records:,} records")
        rate = row.rate(now)
        if rate is not None:
            parts.append(f"{rate:,.0f} records/s")
        parts.append(row.elapsed(now))
        self._write(f"hub sync: {row.name}: {', '.join(parts)}\n")
        row.last_line = now

    def _write(self, text: str) -> None:
        self._stream.write(text)
        self._stream.flush()


class _AboveTheBlock(logging.Handler):
    """``handler``, writing each record with the progress block cleared first: else the next
    redraw would start over the record's line instead of below it."""

    def __init__(self, handler: logging.Handler, reporter: ProgressReporter) -> None:
        super().__init__(handler.level)
        self.handler = handler
        self.reporter = reporter

    def emit(self, record: logging.LogRecord) -> None:
        with self.reporter.cleared():
            self.handler.handle(record)


@contextmanager
def shown(reporter: ProgressReporter, *, every: float = 0.5) -> Iterator[ProgressReporter]:
    """``reporter`` ticked every ``every`` seconds by a thread of its own while the block
    runs, and closed after it. On a terminal, log records (root handlers) are written above
    the block."""
    root = logging.getLogger()
    wrapped = (
        [(handler, _AboveTheBlock(handler, reporter)) for handler in root.handlers]
        if reporter.terminal
        else []
    )
    for handler, outer in wrapped:
        root.removeHandler(handler)
        root.addHandler(outer)
    stop = threading.Event()

    def keep_ticking() -> None:
        while not stop.wait(every):
            reporter.tick()

    ticker = threading.Thread(target=keep_ticking, name="hub-progress", daemon=True)
    ticker.start()
    try:
        yield reporter
    finally:
        stop.set()
        ticker.join()
        for handler, outer in wrapped:
            root.removeHandler(outer)
            root.addHandler(handler)
        reporter.close()


def counted(
    items: Iterable[T],
    kind: type,
    tell: Callable[[int], None],
    *,
    every: float = 0.5,
    clock: Callable[[], float] = time.monotonic,
) -> Iterator[T]:
    """``items`` as they come, telling how many of them were ``kind`` so far: at the start,
    at most every ``every`` seconds, and at the end."""
    count = 0
    tell(count)
    due = clock() + every
    for item in items:
        if isinstance(item, kind):
            count += 1
            # a clock read per record is cheap next to landing the record
            if clock() >= due:
                tell(count)
                due = clock() + every
        yield item
    tell(count)
