"""Memory while a phase runs: resident set growth (sampled) and, optionally, tracemalloc peak.

RSS is sampled by a background thread every ``interval`` seconds; the figure reported is the
peak seen minus the RSS at the start of the phase, i.e. what the phase added to the process.
tracemalloc counts Python allocations exactly but slows allocation-heavy code down a lot, so
it is off unless ``--tracemalloc`` asks for it (the timings of such a run are flagged).
"""

from __future__ import annotations

import threading
import tracemalloc
from dataclasses import dataclass

import psutil

MIB = 1024 * 1024


@dataclass
class MemoryFigures:
    rss_start_mib: float = 0.0
    rss_peak_mib: float = 0.0
    tracemalloc_peak_mib: float | None = None

    @property
    def rss_growth_mib(self) -> float:
        return max(0.0, self.rss_peak_mib - self.rss_start_mib)


class MemoryWatch:
    """``with MemoryWatch() as watch: ...`` then read ``watch.figures``."""

    def __init__(self, *, trace: bool = False, interval: float = 0.02) -> None:
        self.trace = trace
        self.interval = interval
        self.figures = MemoryFigures()
        self._process = psutil.Process()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def _sample(self) -> None:
        while not self._stop.wait(self.interval):
            rss = self._process.memory_info().rss / MIB
            if rss > self.figures.rss_peak_mib:
                self.figures.rss_peak_mib = rss

    def __enter__(self) -> MemoryWatch:
        rss = self._process.memory_info().rss / MIB
        self.figures.rss_start_mib = self.figures.rss_peak_mib = rss
        if self.trace:
            tracemalloc.start()
            tracemalloc.reset_peak()
        self._thread = threading.Thread(target=self._sample, name="rss-sampler", daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        rss = self._process.memory_info().rss / MIB
        self.figures.rss_peak_mib = max(self.figures.rss_peak_mib, rss)
        if self.trace:
            _, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            self.figures.tracemalloc_peak_mib = peak / MIB
