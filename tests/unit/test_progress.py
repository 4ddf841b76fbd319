"""`hub sync`'s progress: a block redrawn in place on a terminal, log lines elsewhere, both
driven by an injected clock; the record count while landing; the clock's step hook."""

from __future__ import annotations

import io
import logging
import re

import pytest

from connectors.common.records import Checkpoint, Incident, SourceRecord
from hub.progress import PUBLISH, ProgressReporter, counted, final_phase, shown
from hub.steps import StepClock

UP = "\x1b[{}A"
CLEAR_LINE = "\r\x1b[2K"


class FakeClock:
    def __init__(self, now: float = 100.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def last_block(text: str) -> list[str]:
    """The rows of the block drawn last in ``text`` (a redraw starts by moving up)."""
    drawn = re.split(r"\x1b\[\d+A", text)[-1]
    return [line.removeprefix(CLEAR_LINE) for line in drawn.split("\n") if line]


def terminal(departments=("commerce", "stats"), **kwargs):
    stream, clock = io.StringIO(), FakeClock()
    reporter = ProgressReporter(
        departments, stream, terminal=True, clock=clock, width=kwargs.pop("width", 100), **kwargs
    )
    return reporter, stream, clock


def log_lines(departments=("commerce", "stats"), every=10.0):
    stream, clock = io.StringIO(), FakeClock()
    reporter = ProgressReporter(departments, stream, terminal=False, clock=clock, every=every)
    return reporter, stream, clock


# ------------------------------------------------------------------------------ terminal


def test_the_terminal_block_has_a_row_per_department_and_the_publish():
    reporter, stream, _ = terminal()
    reporter.tick()
    assert stream.getvalue() == "".join(
        f"{CLEAR_LINE}{line}\n"
        for line in ("commerce  waiting", "stats     waiting", "publish   waiting")
    )


def test_the_terminal_block_is_redrawn_in_place_with_records_rate_and_phase():
    reporter, stream, clock = terminal()
    reporter.update("commerce", "land")
    clock.now += 4
    reporter.update("commerce", "land", 2000)
    drawn_before = len(stream.getvalue())
    clock.now += 1  # 5 s of landing at the audit: 2,000 records → 400/s from now on
    reporter.update("commerce", "audit", 2000)
    clock.now += 70
    reporter.tick()

    assert stream.getvalue()[drawn_before:].startswith(UP.format(3))  # over the last block
    rows = last_block(stream.getvalue())
    assert rows[0].split() == ["commerce", "audit", "2,000", "records", "400/s", "1:15"]
    assert rows[1:] == ["stats     waiting", "publish   waiting"]


def test_the_rate_while_landing_counts_from_the_start_of_landing():
    reporter, stream, clock = terminal()
    reporter.update("stats", "land")
    clock.now += 2
    reporter.update("stats", "land", 500)
    assert last_block(stream.getvalue())[1].split() == [
        "stats",
        "land",
        "500",
        "records",
        "250/s",
        "0:02",
    ]


def test_a_finished_department_keeps_its_last_phase():
    reporter, stream, clock = terminal()
    reporter.update("commerce", "merge", 10)
    reporter.update("commerce", "failed")
    reporter.update("commerce", "audit")  # a stale event, relayed late: ignored
    clock.now += 3600 + 61
    reporter.update(PUBLISH, "resolve")
    rows = last_block(stream.getvalue())
    assert rows[0].split() == ["commerce", "failed", "10", "records", "0:00"]
    assert rows[2].split() == ["publish", "resolve", "0:00"]
    clock.now += 3600 + 61
    reporter.close()
    assert last_block(stream.getvalue())[2].split() == ["publish", "resolve", "1:01:01"]


def test_a_row_never_reaches_the_last_column():
    reporter, stream, _ = terminal(("a-department-with-a-very-long-name",), width=30)
    reporter.update("a-department-with-a-very-long-name", "batch_checks", 123456)
    rows = last_block(stream.getvalue())
    assert len(rows) == 2 and all(len(row) <= 29 for row in rows)


def test_a_department_not_announced_gets_a_row_above_the_publish():
    reporter, stream, _ = terminal(("commerce",))
    reporter.update("toy", "land")
    assert [row.split()[0] for row in last_block(stream.getvalue())] == [
        "commerce",
        "toy",
        "publish",
    ]


def test_clearing_takes_the_block_off_and_the_next_draw_starts_below():
    reporter, stream, _ = terminal()
    reporter.update("commerce", "land")
    with reporter.cleared():
        stream.write("a log line\n")
    reporter.update("commerce", "audit")
    text = stream.getvalue()
    cleared, after = text.split("a log line\n")
    assert cleared.endswith(UP.format(3) + "\r\x1b[J")
    assert after.startswith(CLEAR_LINE + "commerce")  # drawn anew, not over the log line


def test_log_records_are_written_above_the_block_while_it_is_shown():
    reporter, stream, _ = terminal()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        with shown(reporter, every=3600):
            reporter.update("commerce", "land")
            logging.getLogger("hub.test").warning("stats FAILED: refused")
            reporter.update("commerce", "audit")
    finally:
        root.removeHandler(handler)
    before, after = stream.getvalue().split("WARNING stats FAILED: refused\n")
    assert before.endswith("\r\x1b[J")
    assert after.startswith(CLEAR_LINE + "commerce")


# ----------------------------------------------------------------------------- log lines


def test_log_lines_at_each_phase_change_and_not_for_record_counts():
    reporter, stream, clock = log_lines()
    reporter.update("commerce", "land")
    clock.now += 1
    reporter.update("commerce", "land", 100)
    clock.now += 1
    reporter.update("commerce", "land", 300)
    reporter.update("commerce", "audit", 300)
    reporter.update("commerce", "done")
    assert stream.getvalue().splitlines() == [
        "hub sync: commerce: land, 0:00",
        "hub sync: commerce: audit, 300 records, 150 records/s, 0:02",
        "hub sync: commerce: done, 300 records, 150 records/s, 0:02",
    ]


def test_log_lines_every_interval_for_each_busy_department():
    reporter, stream, clock = log_lines(every=10)
    reporter.update("commerce", "land")
    reporter.update(PUBLISH, "resolve")
    reporter.update(PUBLISH, "done")
    clock.now += 9
    reporter.update("commerce", "land", 900)
    reporter.tick()
    assert len(stream.getvalue().splitlines()) == 3  # not yet: heard of 9 s ago
    clock.now += 1
    reporter.tick()
    reporter.tick()  # once per interval
    clock.now += 10
    reporter.tick()
    assert stream.getvalue().splitlines()[3:] == [
        "hub sync: commerce: land, 900 records, 90 records/s, 0:10",
        "hub sync: commerce: land, 900 records, 45 records/s, 0:20",
    ]  # stats, still waiting, and the finished publish say nothing


def test_log_lines_never_redraw():
    reporter, stream, _ = log_lines()
    reporter.update("stats", "land", 5)
    reporter.close()
    assert "\x1b" not in stream.getvalue()


# -------------------------------------------------------------------- what feeds the display


def test_counted_tells_the_records_received_at_the_start_every_interval_and_at_the_end():
    clock = FakeClock(0.0)
    told: list[int] = []

    def items():
        for n in range(10):
            clock.now += 0.2
            yield SourceRecord("projects", str(n), {})
            yield Checkpoint({"page": n})
        yield Incident("schema_drift", "x")

    passed = list(counted(items(), SourceRecord, told.append, every=0.5, clock=clock))
    assert len(passed) == 21  # every item passes, counted or not
    assert told[0] == 0 and told[-1] == 10
    assert told == sorted(told) and 2 <= len(told) - 2 <= 4  # a few in between, not each


def test_final_phase():
    assert final_phase(None) == "failed"
    assert final_phase({"status": "held"}) == "held"
    assert final_phase({"status": "ok"}) == "done"


def test_a_step_tells_its_department_or_the_publish():
    told = []
    clock = StepClock(progress=lambda *event: told.append(event))
    with clock.step("land", source_system="stats"):
        clock.tell("stats", "land", 3)
    with clock.step("resolve"):
        pass
    assert told == [("stats", "land", None), ("stats", "land", 3), (PUBLISH, "resolve", None)]


def test_a_failing_display_does_not_fail_the_step(caplog):
    def broken(*event):
        raise OSError("stderr closed")

    clock = StepClock(progress=broken)
    with caplog.at_level(logging.WARNING, logger="hub.steps"), clock.step("land"):
        clock.tell("stats", "land", 1)
    assert [step.succeeded for step in clock.steps] == [True]
    assert caplog.text.count("progress display stopped: OSError") == 1


@pytest.mark.parametrize("text", ["0", "-2", "two"])
def test_sync_jobs_must_be_a_positive_number(text):
    from hub.config import Settings

    with pytest.raises(ValueError, match="HUB_SYNC_JOBS"):
        Settings.from_env({"HUB_SYNC_JOBS": text})
    assert Settings.from_env({"HUB_SYNC_JOBS": "3"}).sync_jobs == 3
    assert Settings.from_env({}).sync_jobs is None


@pytest.mark.parametrize(
    ("cpus", "departments", "jobs"), [(1, 4, 1), (2, 4, 1), (4, 4, 2), (16, 4, 4), (None, 4, 1)]
)
def test_hub_sync_runs_one_ingest_per_two_cpus_by_default(monkeypatch, cpus, departments, jobs):
    from hub.cli import default_sync_jobs

    monkeypatch.setattr("hub.cli.os.cpu_count", lambda: cpus)
    assert default_sync_jobs(departments) == jobs
