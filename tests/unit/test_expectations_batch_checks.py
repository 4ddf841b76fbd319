"""The batch-level checks' decisions (expectations/batch_checks.py) on hand-made profiles and
histories: which batch is held and why, and when a check has too little to go on. No
database; the integration tests (tests/integration/test_batch_checks.py) run them for real."""

from __future__ import annotations

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
    assert "duplicate_keys" not in LAND  # within a land file the last row wins, by contract
    assert STATS["volume"]["kind"] == "snapshots"
    assert bc.load_config("orders__lines") == {}  # no block: no batch-level checks


def test_profile_query_counts_the_configured_columns():
    text = bc.profile_query("land__parcels", bc.sql.Identifier("meta", "audit__x")).as_string(None)
    assert '"project_code" is null' in text and '"land_user_uscc" is null' in text
    assert '"file_name"' in text and '"meta"."audit__x"' in text
    text = bc.profile_query("stats__roster", bc.sql.Identifier("t")).as_string(None)
    assert 'group by "period", "revision", "source_key"' in text


def test_duplicate_keys():
    settings = COMMERCE["duplicate_keys"]
    passed = bc._duplicates(settings, {"duplicate_keys": 0})
    failed = bc._duplicates(settings, {"duplicate_keys": 2, "duplicate_examples": ["K1", "K2"]})
    assert passed["status"] == "passed"
    assert failed["status"] == "failed" and "K1, K2" in failed["detail"]


def test_null_ratio_rise_against_history():
    settings = {**COMMERCE["null_ratio"], "columns": ["project_code"]}
    usual = history(100, 100, 100, nulls=lambda n: {"project_code": n * 7 // 10})  # 70% blank

    def check(blank: int, rows: int = 100, past=usual):
        profile = {"valid_rows": rows, "nulls": {"project_code": blank}}
        return bc._null_ratios(settings, profile, past)[0]

    assert check(95)["status"] == "passed"  # 95% ≤ 70% + 30 points
    assert check(100)["status"] == "passed"
    assert check(10)["status"] == "passed"  # fewer blanks is never suspicious
    lower = history(100, 100, 100, nulls=lambda n: {"project_code": n // 3})
    failed = check(100, past=lower)
    assert failed["status"] == "failed" and "100%" in failed["detail"] and "33%" in failed["detail"]
    assert check(40, rows=40, past=lower)["status"] == "skipped"  # batch too small
    assert check(100, past=lower[:1])["status"] == "skipped"  # history too short


def test_surge_of_increments():
    settings = COMMERCE["volume"]
    past = history(5, 3, 4, 120)
    assert bc._surge(settings, 40, past)["status"] == "passed"
    assert bc._surge(settings, 199, past)["status"] == "passed"  # below surge_min_rows
    failed = bc._surge(settings, 250, past)
    assert failed["status"] == "failed" and "median 4.5" in failed["detail"]
    assert bc._surge(settings, 250, past[:2])["status"] == "skipped"
    # full re-reads and empty batches are not what an increment is compared with
    assert bc._surge(settings, 250, history(0, 0, 5, 5) + history(900, full=True))["status"] == (
        "skipped"
    )


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
