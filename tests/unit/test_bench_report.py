"""The benchmark report's derived columns: the landing overlap bound and the typing share."""

from __future__ import annotations

from pathlib import Path

from bench import report


def _phase(python_cpu: float, server_cpu: float | None) -> dict:
    return {"python_cpu_s": python_cpu, "server_cpu_s": server_cpu}


def test_overlap_bound_divides_plain_time_by_the_busier_process():
    landing = [_phase(2.0, 3.0), _phase(2.2, 2.8), _phase(1.8, 3.2)]  # medians 2.0 and 3.0
    assert report._overlap_bound(1.5, landing) == "50%"
    python_bound = [_phase(4.0, 1.0), _phase(4.0, 1.0)]
    assert report._overlap_bound(1.0, python_bound) == "25%"


def test_overlap_bound_is_unknown_without_server_cpu():
    assert report._overlap_bound(1.0, [_phase(2.0, None), _phase(2.0, 3.0)]) == "–"


def test_typing_cell_sums_the_typing_statement_and_relates_it_to_landing():
    audit = {
        "landing_seconds": 4.0,
        "runner_steps": [
            {
                "seconds": 1.0,
                "statement": "select table_name, row_count from staging.type_batch(…",
            },
            {
                "seconds": 0.5,
                "statement": "insert into audit_failures (check_no, raw_id, reason) …",
            },
        ],
    }
    assert report._typing_cell(audit) == "1.00 (25%)"
    assert report._typing_cell({"landing_seconds": 4.0, "runner_steps": []}) == "–"


def test_kept_runs_print_as_markdown(capsys):
    kept = Path(__file__).resolve().parents[2] / "bench" / "results" / "s3-head.json"
    assert report.main([str(kept)]) == 0
    out = capsys.readouterr().out
    # commerce at 100k: best plain 1.41 s against a median 2.35 s of server CPU while landing
    assert "| 2.31 + 2.35 | 61% | 60% |" in out
    assert "| 1.22 (37%) |" in out  # typing the commerce batch, 100k
    assert report.main([]) == 2
