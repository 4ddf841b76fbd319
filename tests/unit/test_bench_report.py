"""The benchmark reports: the landing overlap bound, the typing share, and the end-to-end
table's dlt column."""

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


def _e2e_size(dlt: dict | None) -> dict:
    size = {
        "records": 9463,
        "plain_copy_seconds": 0.5,
        "full": {"seconds": 10.0, "peak_rss_mib": 300.0, "steps": []},
        "nothing_changed": {"seconds": 0.5, "steps": []},
        "one_percent_commerce": {"seconds": 0.4, "steps": [], "shown": 9, "checked": 9},
        "ratios": {
            "full_vs_plain_copy_rate": 0.05,
            "nothing_changed_vs_full": 0.05,
            "one_percent_vs_full": 0.04,
        },
    }
    if dlt is not None:
        size["dlt"] = dlt
        if dlt.get("complete"):
            size["ratios"]["full_vs_dlt_rate"] = round(dlt["seconds"] / 10.0, 4)
    return size


def _e2e_row(dlt: dict | None) -> dict[str, str]:
    from bench import e2e

    lines = e2e.markdown({"sizes": {"10000": _e2e_size(dlt)}}).splitlines()
    header = [cell.strip() for cell in lines[0].strip("|").split("|")]
    assert lines[1].count("|") == lines[0].count("|")  # the alignment row fits the header
    row = [cell.strip() for cell in lines[2].strip("|").split("|")]
    assert len(row) == len(header)
    return dict(zip(header, row, strict=True))


def test_e2e_markdown_shows_the_hub_against_dlt_when_dlt_ran():
    dlt = {"seconds": 25.0, "complete": True, "records_per_s": 378.5}
    assert _e2e_row(dlt)["vs dlt (target ≥ 2×)"] == "25.0 s (**2.5×**)"


def test_e2e_markdown_says_dash_when_dlt_was_skipped_and_flags_a_short_load():
    assert _e2e_row(None)["vs dlt (target ≥ 2×)"] == "–"
    short = {"seconds": 3.0, "complete": False, "records_per_s": 3154.3}
    assert _e2e_row(short)["vs dlt (target ≥ 2×)"] == "3.0 s, incomplete"
    assert _e2e_row({"error": "exit 1: …"})["vs dlt (target ≥ 2×)"] == "failed"
