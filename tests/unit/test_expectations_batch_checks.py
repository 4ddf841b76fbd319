"""The batch-level checks' decisions (expectations/batch_checks.py) on hand-made profiles and
histories: which batch is held and why, and when a check has too little to go on. No
database; the integration tests (tests/integration/test_batch_checks.py) run them for real."""

from __future__ import annotations

import pytest

from expectations import batch_checks as bc

COMMERCE = bc.load_config("commerce__projects")
LAND = bc.load_config("land__parcels")
STATS = bc.load_config("stats__roster")


def history(*sizes: int, full: bool = False, nulls: dict | None = None) -> list[dict]:
    return [
        {
            "batch_id": f"b{i}",
            "rows_checked": n,
            "full_reread": full,
            "profile": {"rows": n, "valid_rows": n, "nulls": nulls(n) if nulls else {}},
        }
        for i, n in enumerate(sizes)
    ]


def test_config_merges_defaults_per_source():
    assert COMMERCE["volume"]["surge_factor"] == 10
    assert COMMERCE["duplicate_keys"]["grain"] == ["source_key", "updated_at_text"]
    assert COMMERCE["null_ratio"]["max_rise"] == 0.3  # from the defaults
    assert "duplicate_keys" not in LAND  # within a land file the last row wins, by contract
    assert STATS["volume"]["kind"] == "snapshots"
    assert bc.load_config("orders__lines") == {}  # no block: no batch-level checks


def test_profile_query_counts_the_configured_columns():
    text = bc.profile_query("land__parcels", bc.sql.Identifier("meta", "typed__x")).as_string(None)
    assert '"project_code" is null' in text and '"land_user_uscc" is null' in text
    assert '"file_name"' in text and '"meta"."typed__x"' in text


def test_duplicate_keys_are_gx_unexpected_rows():
    expectation = bc._duplicates(STATS["duplicate_keys"])
    assert expectation["type"] == "unexpected_rows_expectation"
    query = expectation["kwargs"]["unexpected_rows_query"]
    assert query.startswith('select "period", "revision", "source_key" from {batch}')
    assert query.endswith('group by "period", "revision", "source_key" having count(*) > 1')


def test_gx_outcome_of_duplicate_keys():
    expectation = bc._duplicates(COMMERCE["duplicate_keys"])
    failed = bc._from_gx(expectation, gx_result(False, observed_value=2))
    assert failed["status"] == "failed" and failed["observed"] == 2
    assert "2 keys (source_key + updated_at_text)" in failed["detail"]
    assert bc._from_gx(expectation, gx_result(True, observed_value=0))["status"] == "passed"


def gx_result(success: bool, error: str | None = None, **result) -> dict:
    return {
        "success": success,
        "result": result,
        "exception_info": {"raised_exception": error is not None, "exception_message": error},
    }


def test_null_ratio_rise_against_history():
    settings = {**COMMERCE["null_ratio"], "columns": ["project_code"]}
    usual = history(100, 100, 100, nulls=lambda n: {"project_code": n * 7 // 10})  # 70% blank

    def plan(past=usual):
        return bc._null_ratios(settings, past)[0]

    expectation = plan()
    assert expectation["type"] == "expect_column_values_to_not_be_null"
    assert expectation["kwargs"] == {"column": "project_code", "mostly": 0.0}  # 70% + 30 points
    lower = history(100, 100, 100, nulls=lambda n: {"project_code": n // 3})
    expectation = plan(past=lower)
    assert expectation["kwargs"]["mostly"] == pytest.approx(1 - (0.33 + 0.3))
    failed = bc._from_gx(expectation, gx_result(False, element_count=100, unexpected_count=100))
    assert failed["status"] == "failed" and "100%" in failed["detail"] and "33%" in failed["detail"]
    small = bc._from_gx(expectation, gx_result(False, element_count=40, unexpected_count=40))
    assert small["status"] == "skipped"  # batch too small to judge
    assert plan(past=lower[:1])["status"] == "skipped"  # history too short


def test_surge_of_increments_is_a_gx_row_count_bound():
    settings = COMMERCE["volume"]
    past = history(5, 3, 4, 120)
    expectation = bc._surge(settings, past)
    # more than 10 × the median 4.5 and at least surge_min_rows (200) rows: 200 is the first
    assert expectation["type"] == "expect_table_row_count_to_be_between"
    assert expectation["kwargs"]["max_value"] == 199
    assert bc._surge({**settings, "surge_min_rows": 10}, past)["kwargs"]["max_value"] == 45
    failed = bc._from_gx(expectation, gx_result(False, observed_value=250))
    assert failed["status"] == "failed" and "median 4.5" in failed["detail"]
    assert bc._surge(settings, past[:2])["status"] == "skipped"
    # full re-reads and empty batches are not what an increment is compared with
    assert bc._surge(settings, history(0, 0, 5, 5) + history(900, full=True))["status"] == (
        "skipped"
    )


def test_a_check_gx_could_not_evaluate_is_an_error():
    expectation = bc._surge(COMMERCE["volume"], history(5, 3, 4, 120))
    with pytest.raises(RuntimeError, match="could not be evaluated"):
        bc._from_gx(expectation, gx_result(False, error="relation does not exist"))


def test_plan_splits_gx_expectations_from_decided_checks():
    plan = bc.plan_checks(COMMERCE, history(5, 3, 4, 120))
    kinds = [e["type"] for e in plan.expectations]
    assert kinds == ["unexpected_rows_expectation", "expect_table_row_count_to_be_between"]
    assert {c["check"] for c in plan.decided} == {
        "null_ratio:project_code",
        "null_ratio:investor_uscc",
        "null_ratio:project_company_uscc",
    }  # 132 rows of history are too few to know the usual share of blanks
    # a full re-read is judged against the warehouse, not as an increment; land per file
    full = bc.plan_checks(COMMERCE, history(5, 3, 4, 120), full_reread=True)
    assert "expect_table_row_count_to_be_between" not in [e["type"] for e in full.expectations]
    assert [e["meta"]["check"] for e in bc.plan_checks(LAND, []).expectations] == []


def test_file_surges_are_judged_per_file():
    settings = LAND["volume"]
    past = [
        {"rows_checked": 6, "full_reread": False, "profile": {"groups": {f"f{i}": {"rows": 2}}}}
        for i in range(4)
    ]
    profile = {"groups": {"big.csv": {"rows": 300}, "small.csv": {"rows": 3}}}
    (failed,) = bc._file_surges(settings, profile, past)
    assert failed["check"] == "volume:big.csv" and failed["status"] == "failed"
    assert bc._file_surges(settings, {"groups": {"a.csv": {"rows": 30}}}, past)[0]["status"] == (
        "passed"
    )


def test_snapshot_periods_against_what_is_published(monkeypatch):
    monkeypatch.setattr(bc, "_rows", lambda conn, name, params: [{"period": "2024-03", "rows": 40}])
    settings = STATS["volume"]
    groups = {"2024-03": {"valid_rows": 38}, "2024-04": {"valid_rows": 41}}
    checks = {c["check"]: c for c in bc._snapshot_volume(None, settings, {"groups": groups}, None)}
    assert checks["volume:2024-03"]["status"] == "passed"  # a revision of a published period
    assert checks["volume:2024-04"]["status"] == "passed"  # a new period, against 2024-03
    # an emptied roster brings no rows at all: only the changed periods name it
    (emptied,) = bc._snapshot_volume(None, settings, {"groups": {}}, {"2024-03": 3})
    assert emptied["status"] == "failed" and "0 valid rows" in emptied["detail"]
    grown = bc._snapshot_volume(None, settings, {"groups": {"2024-03": {"valid_rows": 121}}}, None)
    assert grown[0]["status"] == "failed"
    early = bc._snapshot_volume(None, settings, {"groups": {"2024-01": {"valid_rows": 5}}}, None)
    assert early[0]["status"] == "skipped"  # nothing published before it


class _Conn:
    """Just enough of a psycopg connection for one count(*)."""

    def __init__(self, known: int) -> None:
        self.known = known

    def cursor(self):
        conn = self

        class Cursor:
            def __enter__(self):
                return self

            def __exit__(self, *exc):
                return False

            def execute(self, *args):
                pass

            def fetchone(self):
                return (conn.known,)

        return Cursor()


def test_full_reread_must_bring_most_of_what_is_known():
    settings = COMMERCE["volume"]
    audit = {"records_received": 400, "full_reread": True}
    assert bc._full_reread(_Conn(500), settings, audit)["status"] == "passed"
    failed = bc._full_reread(_Conn(1000), settings, audit)
    assert failed["status"] == "failed" and "fewer than 50% of the 1000" in failed["detail"]
    assert bc._full_reread(_Conn(10), settings, {"records_received": 0})["status"] == "skipped"


def test_result_holds_on_any_failed_check():
    result = bc.BatchCheckResult(
        "b",
        [
            {"check": "volume", "status": "skipped", "detail": "x"},
            {"check": "duplicate_keys", "status": "failed", "detail": "2 keys"},
        ],
    )
    assert result.held and result.detail == "duplicate_keys: 2 keys"
    assert not bc.BatchCheckResult("b", [{"check": "v", "status": "passed", "detail": ""}]).held
