"""expectations.runner.audit_batch against PostgreSQL: raw rows in, meta.rejects out.

For every source, one batch holds a passing and a failing record per rule; each record's
reasons in meta.rejects must be exactly the expected ones. Also: more than 1000 failing rows
are all found (GX itself lists only the first ``partial_unexpected_count`` failing values), a
fixed record in a later batch resolves its earlier reject, and a re-audit records nothing new.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import psycopg
import pytest
import sqlalchemy
from psycopg import sql
from psycopg.types.json import Jsonb
from stdnum.cn import uscc

from expectations import runner
from expectations.runner import audit_batch
from hub.warehouse.typed_batches import type_batch

pytestmark = pytest.mark.integration


def make_uscc(body17: str) -> str:
    return body17 + uscc.calc_check_digit(body17)


USCC_A = make_uscc("91110000MA01K7T2X")
USCC_B = make_uscc("91370212MA3C4Q7N2")
BAD_USCC = USCC_A[:17] + ("0" if USCC_A[17] != "0" else "1")  # wrong check character
CODE = "2024-370212-27-03-004512"


# ---------------------------------------------------------------------------- fixtures


@dataclass
class Warehouse:
    conninfo: str
    engine: sqlalchemy.Engine

    def land(self, entity: str, rows: dict[str, Raw]) -> tuple[str, dict[str, int]]:
        """Insert rows into raw.<entity> as one new batch; (batch_id, {label: raw_id})."""
        source = entity.split("__")[0]
        batch_id = f"{source}-20240301T000000Z-{uuid.uuid4().hex[:8]}"
        query = sql.SQL(
            "insert into {} (batch_id, received_at, source_key, content_hash, payload, context,"
            " provenance) values (%s, now(), %s, %s, %s, %s, %s) returning raw_id"
        ).format(sql.Identifier("raw", entity))
        params = [
            (
                batch_id,
                raw.key(label),
                raw.content_hash(),
                Jsonb(raw.payload),
                Jsonb(raw.context),
                Jsonb(raw.provenance),
            )
            for label, raw in rows.items()
        ]
        with psycopg.connect(self.conninfo) as conn, conn.cursor() as cur:
            cur.executemany(query, params, returning=True)
            raw_ids = []
            while True:
                raw_ids.append(cur.fetchone()[0])
                if not cur.nextset():
                    break
        return batch_id, dict(zip(rows, raw_ids, strict=True))

    def rejects(self, source_system: str) -> dict[int, tuple[list[str], bool]]:
        """{raw_id: (reasons, resolved)} of one source."""
        with psycopg.connect(self.conninfo) as conn:
            rows = conn.execute(
                "select raw_id, reasons, resolved_at is not null from meta.rejects"
                " where source_system = %s",
                [source_system],
            ).fetchall()
        return {raw_id: (reasons, resolved) for raw_id, reasons, resolved in rows}

    def query(self, statement: str, *params: Any) -> list[tuple]:
        with psycopg.connect(self.conninfo) as conn:
            return conn.execute(statement, params).fetchall()


@dataclass
class Raw:
    payload: dict[str, Any]
    keyed: bool = True  # source_key is the case label; False: no key (unreadable line)
    context: dict[str, Any] = field(default_factory=dict)
    provenance: dict[str, Any] = field(default_factory=dict)

    def key(self, label: str) -> str | None:
        return label if self.keyed else None

    def content_hash(self) -> str:
        text = json.dumps([self.payload, self.context], sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(text.encode()).hexdigest()


@pytest.fixture(scope="module")
def warehouse(databases) -> Iterator[Warehouse]:
    """A throw-away warehouse (hub db upgrade: migrations, staging views, reference data)."""
    url = databases.create()
    conninfo = sqlalchemy.make_url(url).set(drivername="postgresql").render_as_string(False)
    engine = sqlalchemy.create_engine(url)
    try:
        yield Warehouse(conninfo, engine)
    finally:
        engine.dispose()


def audit_cases(
    warehouse: Warehouse, entity: str, cases: dict[str, tuple[Raw, list[str]]]
) -> runner.AuditResult:
    """Land the cases as one batch, audit it, and check every row's reasons exactly."""
    source_system, _, name = entity.partition("__")
    batch_id, raw_ids = warehouse.land(entity, {label: raw for label, (raw, _) in cases.items()})
    result = audit_batch(warehouse.engine, source_system, name, batch_id)

    rejects = warehouse.rejects(source_system)
    actual = {label: rejects[raw_id][0] for label, raw_id in raw_ids.items() if raw_id in rejects}
    expected = {label: sorted(reasons) for label, (_, reasons) in cases.items() if reasons}
    assert actual == expected
    assert result.rows_checked == len(cases)
    assert result.rows_rejected == len(expected)
    assert result.reasons_count == dict(
        sorted(Counter(r for reasons in expected.values() for r in set(reasons)).items())
    )
    assert result.success is False
    assert result.validation_result_json["statistics"]["unsuccessful_expectations"] > 0
    return result


def variants(
    base: dict[str, Any],
    passing: dict[str, dict[str, Any]],
    failing: dict[str, tuple[dict[str, Any], list[str]]],
    **raw: Any,
) -> dict[str, tuple[Raw, list[str]]]:
    """Cases from a valid base record: passing changes (no reason) and failing ones."""
    cases = {label: (Raw({**base, **change}, **raw), []) for label, change in passing.items()}
    for label, (change, reasons) in failing.items():
        cases[label] = (Raw({**base, **change}, **raw), reasons)
    return cases


def missing(fields: dict[str, str], blank: Any = "") -> dict[str, tuple[dict, list[str]]]:
    """One failing case per required field: {payload field: reason field}."""
    return {
        f"missing {field}": ({field: blank if i % 2 else None}, [f"missing_required:{reason}"])
        for i, (field, reason) in enumerate(fields.items())
    }


# ---------------------------------------------------------------------------- one per rule

COMMERCE = {
    "project_no": "SW2024-000031",
    "project_name": "国药生命港项目",
    "investor_name": "中国医药集团有限公司",
    "investor_uscc": USCC_A,
    "project_company_name": None,
    "project_company_uscc": None,
    "origin_country": "中国",
    "origin_province": "北京市",
    "origin_city": "北京市",
    "capital_type": "内资",
    "industry_category": "新兴产业",
    "industry_chain": "生物医药及医疗器械",
    "is_manufacturing": True,
    "total_investment": "60",
    "investment_unit": "亿元",
    "foreign_investment_usd": None,
    "district_code": "370212",
    "stage": "已签约",
    "negotiation_started_on": "2023-11-02",
    "signed_on": "2024/2/26",
    "project_code": None,
    "contact_person": "张伟",
    "contact_phone": "13800000000",
    "is_deleted": False,
    "updated_at": "2024-02-26T16:05:11+08:00",
}


def test_commerce_reasons(warehouse):
    required = [
        "project_no",
        "project_name",
        "investor_name",
        "capital_type",
        "industry_category",
        "stage",
        "district_code",
        "total_investment",
        "investment_unit",
        "is_deleted",
        "updated_at",
    ]
    cases = variants(
        COMMERCE,
        passing={
            "ok": {},
            "ok thousands": {"total_investment": "120,000", "investment_unit": "万元"},
            "ok json number": {"total_investment": 600000, "investment_unit": "万元"},
            "ok plausible bounds": {"total_investment": "5000", "investment_unit": "亿元"},
            "ok small project": {"total_investment": "10", "investment_unit": "万元"},
            "ok blank optional": {
                "investor_uscc": "",
                "project_code": "  ",
                "negotiation_started_on": None,
                "signed_on": "",
                "foreign_investment_usd": None,
                "origin_province": None,
            },
            "ok filled optional": {
                "project_company_uscc": USCC_B,
                "project_code": CODE,
                "capital_type": "外资",
                "foreign_investment_usd": 1500.5,
                "negotiation_started_on": "20231102",
                "signed_on": "2024-02-26",
            },
            "ok soft deleted": {"is_deleted": True, "stage": "已终止"},
        },
        failing={
            **missing({f: f for f in required}),
            "bad investor uscc": ({"investor_uscc": BAD_USCC}, ["invalid_uscc"]),
            "bad company uscc": ({"project_company_uscc": USCC_B.lower()}, ["invalid_uscc"]),
            "bad project code": ({"project_code": CODE[:-1]}, ["invalid_project_code"]),
            "unknown district": ({"district_code": "370299"}, ["unknown_district"]),
            "impossible date": ({"signed_on": "2024-02-30"}, ["invalid_date"]),
            "unparseable date": ({"negotiation_started_on": "2024.3.5"}, ["invalid_date"]),
            "bad updated_at": ({"updated_at": "26/02/2024 16:05"}, ["invalid_date"]),
            "bad amount": ({"total_investment": "六十"}, ["invalid_amount"]),
            "bad foreign amount": ({"foreign_investment_usd": "n/a"}, ["invalid_amount"]),
            "negative amount": ({"total_investment": "-60"}, ["negative_amount"]),
            "yuan as wan": (
                {"total_investment": "6,000,000,000", "investment_unit": "万元"},
                ["implausible_amount"],
            ),
            "wan as yi": (
                {"total_investment": "60000", "investment_unit": "亿元"},
                ["implausible_amount"],
            ),
            "yi as wan": (
                {"total_investment": "6", "investment_unit": "万元"},
                ["implausible_amount"],
            ),
            "negative foreign": ({"foreign_investment_usd": -1}, ["negative_amount"]),
            "bad stage": ({"stage": "签约中"}, ["invalid_enum:stage"]),
            "bad capital": ({"capital_type": "合资"}, ["invalid_enum:capital_type"]),
            "bad category": ({"industry_category": "制造业"}, ["invalid_enum:industry_category"]),
            "bad unit": ({"investment_unit": "元"}, ["invalid_enum:investment_unit"]),
            "negative in bad unit": (
                {"total_investment": "-1", "investment_unit": "美元"},
                ["invalid_enum:investment_unit", "negative_amount"],
            ),
            "many at once": (
                {
                    "investor_uscc": "123",
                    "signed_on": "2024/2/30",
                    "district_code": "999999",
                    "stage": " ",
                    "total_investment": "-1",
                },
                [
                    "invalid_uscc",
                    "invalid_date",
                    "unknown_district",
                    "missing_required:stage",
                    "negative_amount",
                ],
            ),
        },
    )
    audit_cases(warehouse, "commerce__projects", cases)


APPROVAL = {
    "event_id": "SP20240000871",
    "project_code": CODE,
    "project_name": "国药生命港（青岛）产业园建设项目",
    "applicant_name": "国药生命港（青岛）有限公司",
    "applicant_uscc": USCC_B,
    "district_code": "370212",
    "matter": "项目备案",
    "decision": "准予",
    "decided_at": "2024-04-18T10:31:00+08:00",
    "document_no": "青审批投资备〔2024〕118号",
    "total_investment_wan": 600000,
    "supersedes_event_id": None,
}


def test_approval_reasons(warehouse):
    required = {
        f: f
        for f in [
            "event_id",
            "project_code",
            "project_name",
            "applicant_name",
            "applicant_uscc",
            "district_code",
            "matter",
            "decision",
            "decided_at",
            "total_investment_wan",
        ]
    }
    cases = variants(
        APPROVAL,
        passing={
            "ok": {},
            "ok revoked": {"decision": "撤销", "supersedes_event_id": "SP20240000870"},
            "ok refused": {"decision": "不予", "matter": "施工许可", "document_no": None},
            "ok amount as text": {"total_investment_wan": "600,000.5"},
            "ok zero amount": {"total_investment_wan": 0, "decided_at": "2024-04-18T02:31:00Z"},
            "ok largest plausible": {"total_investment_wan": 50_000_000},
        },
        failing={
            **missing(required),
            "bad uscc": ({"applicant_uscc": BAD_USCC}, ["invalid_uscc"]),
            "bad project code": (
                {"project_code": "2024-37021-27-03-004512"},
                ["invalid_project_code"],
            ),
            "unknown district": ({"district_code": "110101"}, ["unknown_district"]),
            "impossible decided_at": (
                {"decided_at": "2024-04-31T10:00:00+08:00"},
                ["invalid_date"],
            ),
            "bad amount": ({"total_investment_wan": "约60亿"}, ["invalid_amount"]),
            "negative amount": ({"total_investment_wan": -1}, ["negative_amount"]),
            "implausible amount": ({"total_investment_wan": 9.5}, ["implausible_amount"]),
            "bad matter": ({"matter": "竣工验收"}, ["invalid_enum:matter"]),
            "bad decision": ({"decision": "同意"}, ["invalid_enum:decision"]),
        },
    )
    audit_cases(warehouse, "approval__events", cases)


LAND = {
    "宗地编号": "370212-2024-G007",
    "项目名称": "国药生命港一期",
    "用地单位": "国药生命港（青岛）有限公司",
    "统一社会信用代码": "",
    "项目代码": CODE,
    "行政区划": "崂山区",
    "土地用途": "工业用地",
    "供地方式": "出让",
    "供地面积（公顷）": "8.2136",
    "使用计划指标（亩）": "123.2",
    "成交价款（万元）": "9856",
    "合同签订日期": "2024年5月20日",
    "状态": "有效",
    "更新时间": "2024-05-20 17:20:00",
}


def test_land_reasons(warehouse):
    required = {
        "宗地编号": "宗地编号",
        "项目名称": "项目名称",
        "用地单位": "用地单位",
        "行政区划": "行政区划",
        "供地方式": "供地方式",
        "供地面积（公顷）": "供地面积（公顷）",
        "合同签订日期": "合同签订日期",
        "状态": "状态",
    }
    provenance = {"file": "land_supply_20240520.csv", "line": 2}
    cases = variants(
        LAND,
        passing={
            "ok": {},
            "ok alias": {"行政区划": "西海岸新区"},
            "ok allocated": {"供地方式": "划拨", "成交价款（万元）": ""},
            "ok withdrawn": {"状态": "作废", "使用计划指标（亩）": "0"},
            "ok optional filled": {
                "统一社会信用代码": USCC_B,
                "项目代码": "",
                "合同签订日期": "2024-05-20",
            },
        },
        failing={
            **missing(required),
            "bad uscc": ({"统一社会信用代码": BAD_USCC}, ["invalid_uscc"]),
            "bad project code": ({"项目代码": "2024-370212-27-3-004512"}, ["invalid_project_code"]),
            "unknown district": ({"行政区划": "火星区"}, ["unknown_district"]),
            "impossible contract date": ({"合同签订日期": "2024年2月30日"}, ["invalid_date"]),
            "bad update time": ({"更新时间": "2024-05-20 25:00:00"}, ["invalid_date"]),
            "bad area": ({"供地面积（公顷）": "8.2公顷"}, ["invalid_amount"]),
            "bad quota": ({"使用计划指标（亩）": "abc"}, ["invalid_amount"]),
            "negative price": ({"成交价款（万元）": "-1"}, ["negative_amount"]),
            "negative area": ({"供地面积（公顷）": "-0.5"}, ["negative_amount"]),
            "bad status": ({"状态": "暂停"}, ["invalid_enum:状态"]),
            "bad supply method": ({"供地方式": "租赁"}, ["invalid_enum:供地方式"]),
        },
        provenance=provenance,
    )
    cases["undecodable line"] = (
        Raw({"_undecodable_base64": "1tC5+g==", "_line": 7}, keyed=False, provenance=provenance),
        ["unreadable_line"],
    )
    cases["unparseable line"] = (
        Raw(
            {"_unparseable_line": '"370212,国药', "_line": 8},
            keyed=False,
            provenance=provenance,
        ),
        ["unreadable_line"],
    )
    audit_cases(warehouse, "land__parcels", cases)


STATS = {
    "stat_project_id": "TJ3702120000456",
    "project_code": CODE,
    "project_name": "国药生命港(青岛)产业园项目",
    "legal_unit_name": "国药生命港（青岛）有限公司",
    "legal_unit_uscc": USCC_B,
    "district_code": "370212",
    "industry_code": "C2720",
    "planned_investment_wan": 600000,
    "completed_investment_ytd_wan": 12000.5,
    "start_month": "2024-03",
    "included_month": "2024-04",
    "status": "新开工",
    "completed_on": None,
}


def test_stats_reasons(warehouse):
    required = {
        f: f
        for f in [
            "stat_project_id",
            "project_name",
            "legal_unit_name",
            "legal_unit_uscc",
            "district_code",
            "planned_investment_wan",
            "completed_investment_ytd_wan",
            "included_month",
            "status",
            "start_month",
        ]
    }
    cases = variants(
        STATS,
        passing={
            "ok": {},
            "ok no project code": {"project_code": None, "industry_code": ""},
            "ok in production": {"status": "全部投产", "completed_on": "2024/6/30"},
            "ok amounts as text": {
                "planned_investment_wan": "600,000",
                "completed_investment_ytd_wan": "0",
            },
        },
        failing={
            **missing(required),
            "bad uscc": ({"legal_unit_uscc": USCC_B[:-1]}, ["invalid_uscc"]),
            "bad project code": (
                {"project_code": "24-370212-27-03-004512"},
                ["invalid_project_code"],
            ),
            "unknown district": ({"district_code": "3702"}, ["unknown_district"]),
            "bad start month": ({"start_month": "2024-13"}, ["invalid_month"]),
            "bad included month": ({"included_month": "2024/04"}, ["invalid_month"]),
            "impossible completion": ({"completed_on": "2024-06-31"}, ["invalid_date"]),
            "bad planned": ({"planned_investment_wan": "abc"}, ["invalid_amount"]),
            "bad ytd": ({"completed_investment_ytd_wan": "1,2"}, ["invalid_amount"]),
            "negative planned": ({"planned_investment_wan": -5}, ["negative_amount"]),
            "implausible planned": ({"planned_investment_wan": 60_000_001}, ["implausible_amount"]),
            "negative ytd": ({"completed_investment_ytd_wan": -0.01}, ["negative_amount"]),
            "bad status": ({"status": "在建"}, ["invalid_enum:status"]),
        },
        context={"period": "2024-04", "revision": 2},
    )
    audit_cases(warehouse, "stats__roster", cases)


# ---------------------------------------------------------------------------- mechanics


def test_all_failing_rows_are_found_beyond_gx_truncation(warehouse):
    rows, expected = {}, {}
    for i in range(3000):
        change, reasons = {}, []
        if i % 2 == 0:
            change["investor_uscc"], reasons = BAD_USCC, [*reasons, "invalid_uscc"]
        if i % 3 != 0:
            change["stage"], reasons = "洽谈中", [*reasons, "invalid_enum:stage"]
        rows[f"P{i:05d}"] = Raw({**COMMERCE, **change})
        if reasons:
            expected[f"P{i:05d}"] = sorted(reasons)
    batch_id, raw_ids = warehouse.land("commerce__projects", rows)

    result = audit_batch(warehouse.engine, "commerce", "projects", batch_id)

    rejects = warehouse.rejects("commerce")
    found = {label: rejects[raw_id][0] for label, raw_id in raw_ids.items() if raw_id in rejects}
    assert found == expected
    assert result.reasons_count == {"invalid_enum:stage": 2000, "invalid_uscc": 1500}
    assert result.rows_rejected == len(expected) == 2500
    # the trap this avoids: GX's own list of failing values stops far short of the 2000 failures
    stage = next(
        r["result"]
        for r in result.validation_result_json["results"]
        if r["expectation_config"]["meta"]["reason"] == "invalid_enum:stage"
    )
    assert stage["unexpected_count"] == 2000
    assert len(stage["partial_unexpected_list"]) < 2000


def test_later_fixed_record_resolves_its_reject(warehouse, tmp_path):
    first, first_ids = warehouse.land(
        "commerce__projects",
        {
            "K1": Raw({**COMMERCE, "project_no": "K1", "investor_uscc": BAD_USCC}),
            "K2": Raw({**COMMERCE, "project_no": "K2", "stage": "?"}),
            "K3": Raw({**COMMERCE, "project_no": "K3"}),
        },
    )
    audit_batch(warehouse.engine, "commerce", "projects", first)
    second, second_ids = warehouse.land(
        "commerce__projects",
        {
            "K1": Raw({**COMMERCE, "project_no": "K1"}),  # fixed
            "K2": Raw({**COMMERCE, "project_no": "K2", "signed_on": "2024-02-30"}),  # still bad
            "K4": Raw({**COMMERCE, "project_no": "K4", "district_code": "1"}),
        },
    )
    result = audit_batch(
        warehouse.engine, "commerce", "projects", second, data_docs_dir=tmp_path / "docs"
    )
    # an audit alone resolves nothing (the batch may yet be held); merging it does
    assert warehouse.rejects("commerce")[first_ids["K1"]] == (["invalid_uscc"], False)
    with psycopg.connect(warehouse.conninfo) as conn:
        typed, _ = type_batch(conn, "commerce__projects", second)  # the audit's, still there
        # K1's reject (fixed) and K2's first (replaced by a version rejected in its turn:
        # only the newest version's reject stays open, as after one clean sync — issue 16)
        assert runner.resolve_batch_rejects(conn, "commerce", "projects", typed) == 2

    rejects = warehouse.rejects("commerce")
    assert rejects[first_ids["K1"]] == (["invalid_uscc"], True)
    assert rejects[first_ids["K2"]] == (["invalid_enum:stage"], True)
    assert rejects[second_ids["K2"]] == (["invalid_date"], False)
    assert rejects[second_ids["K4"]] == (["unknown_district"], False)
    assert second_ids["K1"] not in rejects
    assert (tmp_path / "docs" / "index.html").is_file()
    assert list((tmp_path / "docs" / "validations").rglob("*.html"))

    # auditing the same batch again, and resolving again, records nothing new and changes nothing
    before = warehouse.query("select reject_id, resolved_at from meta.rejects order by 1")
    again = audit_batch(warehouse.engine, "commerce", "projects", second)
    with psycopg.connect(warehouse.conninfo) as conn:
        runner.resolve_batch_rejects(conn, "commerce", "projects", typed)
    assert warehouse.query("select reject_id, resolved_at from meta.rejects order by 1") == before
    assert (again.rows_checked, again.rows_rejected, again.reasons_count) == (
        result.rows_checked,
        result.rows_rejected,
        result.reasons_count,
    )


def test_clean_batch_succeeds(warehouse):
    batch_id, _ = warehouse.land("approval__events", {"E1": Raw(APPROVAL)})
    result = audit_batch(warehouse.engine, "approval", "events", batch_id)
    assert (result.success, result.rows_checked, result.rows_rejected) == (True, 1, 0)
    assert result.reasons_count == {}


def test_disagreement_with_gx_fails_and_records_nothing(warehouse, monkeypatch):
    batch_id, _ = warehouse.land("stats__roster", {"S1": Raw({**STATS, "status": "?"})})
    monkeypatch.setattr(runner, "_collect_failures", lambda *args: None)  # names no row
    with pytest.raises(RuntimeError, match="differ between GX"):
        audit_batch(warehouse.engine, "stats", "roster", batch_id)
    assert warehouse.query("select 1 from meta.rejects where batch_id = %s", batch_id) == []


@pytest.mark.parametrize(
    ("expectation", "bad", "good"),
    [
        (  # a built-in map expectation the old hand-written translator refused
            {
                "type": "expect_column_value_lengths_to_be_between",
                "kwargs": {"column": "project_name", "min_value": 2, "max_value": 40},
            },
            {"project_name": "甲"},
            {"project_name": "青岛新能源产业园项目"},
        ),
        (  # one with a row condition, whose index query GX renders without it (#11319)
            {
                "type": "expect_column_values_to_not_match_regex",
                "kwargs": {
                    "column": "project_name",
                    "regex": "测试",
                    "row_condition": {
                        "type": "comparison",
                        "column": {"name": "decision"},
                        "operator": "==",
                        "parameter": "准予",
                    },
                },
            },
            {"project_name": "测试项目", "decision": "准予"},
            {"project_name": "测试项目", "decision": "不予"},
        ),
    ],
    ids=["value_lengths", "row_condition"],
)
def test_any_gx_expectation_added_to_a_suite_rejects_its_failing_rows(
    warehouse, monkeypatch, expectation, bad, good
):
    suite = runner.load_suite("approval__events")
    reason = "invalid_enum:project_name"  # any reason code the hub knows
    suite["expectations"].append({**expectation, "meta": {"reason": reason, "description": "x"}})
    monkeypatch.setattr(runner, "load_suite", lambda name: suite)
    batch_id, _ = warehouse.land(
        "approval__events",
        {
            "EBAD": Raw({**APPROVAL, "event_id": "EBAD", **bad}),
            "EGOOD": Raw({**APPROVAL, "event_id": "EGOOD", **good}),
        },
    )
    result = audit_batch(warehouse.engine, "approval", "events", batch_id)
    assert result.reasons_count.get(reason) == 1
    rejected = warehouse.query(
        "select source_key, reasons from meta.rejects where batch_id = %s", batch_id
    )
    assert [(key, reason in reasons) for key, reasons in rejected] == [("EBAD", True)]


def test_an_expectation_type_gx_does_not_know_is_an_error(warehouse, monkeypatch):
    suite = runner.load_suite("approval__events")
    suite["expectations"].append(
        {
            "type": "expect_column_values_to_be_shiny",
            "kwargs": {"column": "event_id"},
            "meta": {"reason": "invalid_enum:event_id", "description": "x / x"},
        }
    )  # GX itself only logs and drops it
    monkeypatch.setattr(runner, "load_suite", lambda name: suite)
    batch_id, _ = warehouse.land("approval__events", {"E3": Raw(APPROVAL)})
    with pytest.raises(RuntimeError, match="does not know expectation types"):
        audit_batch(warehouse.engine, "approval", "events", batch_id)


def test_expectation_that_cannot_run_is_an_error(warehouse, monkeypatch):
    suite = runner.load_suite("approval__events")
    suite["expectations"][0]["kwargs"]["column"] = "no_such_column"
    monkeypatch.setattr(runner, "load_suite", lambda name: suite)
    batch_id, _ = warehouse.land("approval__events", {"E2": Raw(APPROVAL)})
    with pytest.raises(RuntimeError, match="could not be evaluated"):
        audit_batch(warehouse.engine, "approval", "events", batch_id)


@pytest.mark.parametrize(
    ("source", "entity", "batch_id", "error"),
    [
        (
            "commerce",
            "projects",
            "commerce-2024'; drop table raw.commerce__projects; --",
            ValueError,
        ),
        ("commerce", "projects", "Commerce-20240301T000000Z-ab", ValueError),
        ("commerce", "Projects", "commerce-20240301T000000Z-ab", ValueError),
        ("commerce", "orders", "commerce-20240301T000000Z-ab", KeyError),
    ],
)
def test_bad_arguments_are_refused_before_any_work(warehouse, source, entity, batch_id, error):
    with pytest.raises(error):
        audit_batch(warehouse.engine, source, entity, batch_id)


# ---------------------------------------------------------------------------- staging views

VIEW_COLUMNS = {
    "stg_commerce__projects": (
        "raw_id batch_id received_at source_key project_no project_name investor_name"
        " investor_uscc project_company_name project_company_uscc origin_country origin_province"
        " origin_city capital_type industry_category industry_chain is_manufacturing"
        " total_investment_text investment_unit total_investment_wan foreign_investment_usd_wan"
        " district_code stage negotiation_started_on_text negotiation_started_on signed_on_text"
        " signed_on project_code contact_person contact_phone is_deleted updated_at_text"
        " source_updated_at foreign_investment_usd_text is_deleted_text total_investment_number"
        " findings_invalid_text findings_invalid_number findings_invalid_type"
        " findings_value_too_long findings_unreadable_row"
    ),
    "stg_approval__events": (
        "raw_id batch_id received_at source_key event_id project_code project_name applicant_name"
        " applicant_uscc district_code matter decision decided_at_text decided_at document_no"
        " total_investment_text total_investment_wan supersedes_event_id"
        " findings_invalid_text findings_invalid_number findings_invalid_type"
        " findings_value_too_long findings_unreadable_row"
    ),
    "stg_land__parcels": (
        "raw_id batch_id received_at source_key parcel_id project_name land_user_name"
        " land_user_uscc project_code district_text district_code land_use supply_method"
        " area_ha_text area_ha quota_mu_text quota_mu price_text price_wan contract_on_text"
        " contract_on status updated_at_text source_updated_at file_name line_no is_unreadable"
        " findings_invalid_text findings_invalid_number findings_invalid_type"
        " findings_value_too_long findings_unreadable_row"
    ),
    "stg_stats__roster": (
        "raw_id batch_id received_at source_key period revision stat_project_id project_code"
        " project_name legal_unit_name legal_unit_uscc district_code industry_code"
        " planned_investment_text planned_investment_wan completed_ytd_text"
        " completed_investment_ytd_wan start_month_text start_month included_month_text"
        " included_month status completed_on_text completed_on"
        " findings_invalid_text findings_invalid_number findings_invalid_type"
        " findings_value_too_long findings_unreadable_row"
    ),
}


@pytest.mark.parametrize("view", sorted(VIEW_COLUMNS))
def test_staging_view_columns(warehouse, view):
    columns = warehouse.query(
        "select column_name from information_schema.columns"
        " where table_schema = 'staging' and table_name = %s order by ordinal_position",
        view,
    )
    assert [c for (c,) in columns] == VIEW_COLUMNS[view].split()


def test_staging_views_type_values(warehouse):
    _, commerce = warehouse.land(
        "commerce__projects",
        {
            "T1": Raw({**COMMERCE, "project_no": " T1 ", "foreign_investment_usd": "1,500"}),
            "T2": Raw({**COMMERCE, "total_investment": " 120,000 ", "investment_unit": "万元"}),
        },
    )
    rows = warehouse.query(
        "select project_no, total_investment_wan, foreign_investment_usd_wan, signed_on,"
        " source_updated_at, is_manufacturing, is_deleted, project_code"
        " from staging.stg_commerce__projects where raw_id = any(%s) order by raw_id",
        list(commerce.values()),
    )
    updated = datetime(2024, 2, 26, 8, 5, 11, tzinfo=UTC)
    assert rows == [
        ("T1", Decimal(600000), Decimal(1500), date(2024, 2, 26), updated, True, False, None),
        ("SW2024-000031", Decimal(120000), None, date(2024, 2, 26), updated, True, False, None),
    ]

    _, land = warehouse.land(
        "land__parcels",
        {"L1": Raw({**LAND, "行政区划": " 西海岸新区 "}, provenance={"file": "f.csv", "line": 9})},
    )
    assert warehouse.query(
        "select district_text, district_code, area_ha, contract_on, source_updated_at, file_name,"
        " line_no, is_unreadable, land_user_uscc from staging.stg_land__parcels where raw_id = %s",
        land["L1"],
    ) == [
        (
            "西海岸新区",
            "370211",
            Decimal("8.2136"),
            date(2024, 5, 20),
            datetime(2024, 5, 20, 9, 20, tzinfo=UTC),
            "f.csv",
            9,
            False,
            None,
        )
    ]

    _, stats = warehouse.land(
        "stats__roster", {"R1": Raw(STATS, context={"period": "2024-04", "revision": 3})}
    )
    assert warehouse.query(
        "select period, revision, start_month, included_month, planned_investment_wan"
        " from staging.stg_stats__roster where raw_id = %s",
        stats["R1"],
    ) == [("2024-04", 3, date(2024, 3, 1), date(2024, 4, 1), Decimal(600000))]


def test_empty_batch_passes_without_running_gx(warehouse):
    result = audit_batch(warehouse.engine, "land", "parcels", "land-20240301T000000Z-00")
    assert (result.success, result.rows_checked, result.rows_rejected) == (True, 0, 0)
