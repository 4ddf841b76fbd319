"""Every record-level rule, through the real path: sandbox department → connector → raw →
staging → GX audit → meta.rejects / shared.rejected_records.

For each source, one sync lands the department as the scenario serves it; then the test
changes what the department serves — for every rule one record that breaks it and a passing
twin that differs only in the field under test — and syncs that department again. The
reasons recorded for each new record must be exactly the expected ones, the twins must not
be rejected and must reach core. Then a record fixed at the source and sent again passes,
and its reject is kept as history, marked resolved.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest
from stdnum.cn import uscc

from hub.pipeline import ingest, resolve_and_publish
from hub.sandbox import LandFile
from hub.sandbox.land_files import DONE_SUFFIX, render_land_file
from hub.warehouse.connection import connect

pytestmark = pytest.mark.integration


def valid_uscc(body17: str) -> str:
    return body17 + uscc.calc_check_digit(body17)


GOOD_USCC = valid_uscc("91370212MA3C4Q7N2")
BAD_USCC = GOOD_USCC[:17] + ("0" if GOOD_USCC[17] != "0" else "1")  # check character wrong
GOOD_CODE = "2024-370212-27-03-004512"

# rule → (change that breaks it, the reasons expected, the passing twin's change)
Cases = dict[str, tuple[dict[str, Any], list[str], dict[str, Any]]]


def rejects_of(url: str, batch_id: str) -> dict[str | None, list[list[str]]]:
    """{source_key: [sorted reasons, ...]} of one batch, as shared.rejected_records shows."""
    found: dict[str | None, list[list[str]]] = {}
    with connect(url) as conn:
        for key, reasons in conn.execute(
            "select source_key, reasons from shared.rejected_records where batch_id = %s",
            [batch_id],
        ):
            found.setdefault(key, []).append(sorted(reasons))
    return found


def core_keys(url: str, table: str, column: str) -> set[str]:
    with connect(url) as conn:
        return {key for (key,) in conn.execute(f"select {column} from core.{table}")}


def expand(cases: Cases, make_key) -> tuple[dict[str, tuple[dict, list[str]]], dict[str, dict]]:
    """(bad records by key with their reasons, passing twins by key)."""
    bad, twins = {}, {}
    for n, (_rule, (breaks, reasons, passes)) in enumerate(sorted(cases.items())):
        bad[make_key(2 * n)] = (breaks, reasons)
        twins[make_key(2 * n + 1)] = passes
    return bad, twins


def assert_reasons(url: str, batch_id: str, bad: dict, twins: dict) -> None:
    rejected = rejects_of(url, batch_id)
    assert {key: rejected.get(key) for key in bad} == {
        key: [sorted(reasons)] for key, (_, reasons) in bad.items()
    }
    assert not set(twins) & set(rejected), "a passing twin was rejected"


# ---------------------------------------------------------------------------- commerce

COMMERCE_CASES: Cases = {
    "missing investor_name": ({"investor_name": " "}, ["missing_required:investor_name"], {}),
    "missing stage": ({"stage": None}, ["missing_required:stage"], {"stage": "在谈"}),
    "uscc check": (
        {"investor_uscc": BAD_USCC},
        ["invalid_uscc"],
        {"investor_uscc": GOOD_USCC},
    ),
    "company uscc": (
        {"project_company_uscc": GOOD_USCC.lower()},
        ["invalid_uscc"],
        {"project_company_uscc": GOOD_USCC},
    ),
    "project code": (
        {"project_code": "2024-37021-27-03-004512"},
        ["invalid_project_code"],
        {"project_code": GOOD_CODE},
    ),
    "district": ({"district_code": "370299"}, ["unknown_district"], {"district_code": "370212"}),
    "date": ({"signed_on": "2023-02-29"}, ["invalid_date"], {"signed_on": "2024-02-29"}),
    "date form": (
        {"negotiation_started_on": "2024.3.5"},
        ["invalid_date"],
        {"negotiation_started_on": "2024年3月5日"},
    ),
    "amount": ({"total_investment": "待定"}, ["invalid_amount"], {"total_investment": "120,000"}),
    "negative": (
        {"total_investment": "-100", "investment_unit": "万元"},
        ["negative_amount"],
        {"total_investment": "100", "investment_unit": "万元"},
    ),
    "foreign negative": (
        {"foreign_investment_usd": -1},
        ["negative_amount"],
        {"foreign_investment_usd": 0},
    ),
    "yuan entered as wan": (
        {"total_investment": "6,000,000,000", "investment_unit": "万元"},
        ["implausible_amount"],
        {"total_investment": "50,000,000", "investment_unit": "万元"},
    ),
    "yi entered as wan": (
        {"total_investment": "6", "investment_unit": "万元"},
        ["implausible_amount"],
        {"total_investment": "10", "investment_unit": "万元"},
    ),
    "wan entered as yi": (
        {"total_investment": "60000", "investment_unit": "亿元"},
        ["implausible_amount"],
        {"total_investment": "5000", "investment_unit": "亿元"},
    ),
    "stage enum": ({"stage": "签约中"}, ["invalid_enum:stage"], {"stage": "已终止"}),
    "capital enum": (
        {"capital_type": "合资"},
        ["invalid_enum:capital_type"],
        {"capital_type": "外资"},
    ),
    "category enum": (
        {"industry_category": "制造业"},
        ["invalid_enum:industry_category"],
        {"industry_category": "其他"},
    ),
    "unit enum": (
        {"investment_unit": "元"},
        ["invalid_enum:investment_unit"],
        {"investment_unit": "亿元", "total_investment": "12.5"},
    ),
    "two at once": (
        {"district_code": "1", "stage": "?"},
        ["invalid_enum:stage", "unknown_district"],
        {"district_code": "370211", "stage": "已开工"},
    ),
}


def commerce_base(scenario) -> dict[str, Any]:
    bad = {key for system, key in scenario.truth.bad_records if system == "commerce"}
    return next(
        r
        for r in scenario.commerce_records
        if r["project_no"] not in bad and not r["is_deleted"] and r["investor_uscc"]
    )


def test_commerce_rules(hub_settings, sandbox, scenario):
    url = hub_settings.warehouse_url
    ingest(hub_settings, "commerce")
    base = commerce_base(scenario)
    bad, twins = expand(COMMERCE_CASES, lambda n: f"SW2099-{n:06d}")
    for key, (change, _) in bad.items():
        sandbox.upsert_commerce_record({**copy.deepcopy(base), **change, "project_no": key})
    for key, change in twins.items():
        sandbox.upsert_commerce_record({**copy.deepcopy(base), **change, "project_no": key})

    result = ingest(hub_settings, "commerce")

    assert result["status"] == "ok"
    assert result["rejected"] == len(bad)
    assert_reasons(url, result["batch_id"], bad, twins)
    in_core = core_keys(url, "commerce_projects", "project_no")
    assert set(twins) <= in_core and not set(bad) & in_core


def test_fixed_record_sent_again_replaces_its_reject(hub_settings, sandbox, scenario):
    """Bad at the source → rejected; fixed at the source and sent again → the new version
    passes, reaches core and shared, and the reject stays as history, marked resolved."""
    url = hub_settings.warehouse_url
    base = commerce_base(scenario)
    broken = {
        **copy.deepcopy(base),
        "project_no": "SW2099-900001",
        "investor_uscc": BAD_USCC,
        "signed_on": "2024-02-30",
    }
    sandbox.upsert_commerce_record(broken)
    first = ingest(hub_settings, "commerce")
    resolve_and_publish(hub_settings)
    assert rejects_of(url, first["batch_id"])["SW2099-900001"] == [["invalid_date", "invalid_uscc"]]

    sandbox.upsert_commerce_record(
        {**broken, "investor_uscc": GOOD_USCC, "signed_on": "2024-02-29"}
    )
    second = ingest(hub_settings, "commerce")
    resolve_and_publish(hub_settings)

    assert second["status"] == "ok" and second["rejected"] == 0
    with connect(url) as conn:
        history = conn.execute(
            "select reasons, is_resolved, resolved_at is not null from shared.rejected_records"
            " where source_system = 'commerce' and source_key = 'SW2099-900001'"
        ).fetchall()
        linked = conn.execute(
            "select hub_project_id from shared.project_source_links"
            " where source_system = 'commerce' and source_key = 'SW2099-900001'"
        ).fetchall()
        core = conn.execute(
            "select investor_uscc, signed_on::text from core.commerce_projects"
            " where project_no = 'SW2099-900001'"
        ).fetchall()
    assert history == [(["invalid_date", "invalid_uscc"], True, True)]
    assert core == [(GOOD_USCC, "2024-02-29")]
    assert len(linked) == 1


# ---------------------------------------------------------------------------- approval

APPROVAL_CASES: Cases = {
    "missing applicant": ({"applicant_name": ""}, ["missing_required:applicant_name"], {}),
    "missing decision": ({"decision": None}, ["missing_required:decision"], {"decision": "不予"}),
    "missing amount": (
        {"total_investment_wan": None},
        ["missing_required:total_investment_wan"],
        {"total_investment_wan": 0},
    ),
    "uscc check": ({"applicant_uscc": BAD_USCC}, ["invalid_uscc"], {"applicant_uscc": GOOD_USCC}),
    "project code": (
        {"project_code": "2024-370212-27-03_004512"},
        ["invalid_project_code"],
        {"project_code": GOOD_CODE},
    ),
    "district": ({"district_code": "370299"}, ["unknown_district"], {"district_code": "370213"}),
    "date": (
        {"decided_at": "2024-02-30T10:00:00+08:00"},
        ["invalid_date"],
        {"decided_at": "2024-02-29T10:00:00+08:00"},
    ),
    "amount": (
        {"total_investment_wan": "abc"},
        ["invalid_amount"],
        {"total_investment_wan": "600,000"},
    ),
    "negative": ({"total_investment_wan": -1}, ["negative_amount"], {"total_investment_wan": 1000}),
    "implausible": (
        {"total_investment_wan": 9.5},
        ["implausible_amount"],
        {"total_investment_wan": 10},
    ),
    "matter enum": ({"matter": "竣工验收"}, ["invalid_enum:matter"], {"matter": "施工许可"}),
    "decision enum": ({"decision": "同意"}, ["invalid_enum:decision"], {"decision": "撤销"}),
}


def test_approval_rules(hub_settings, sandbox, scenario):
    url = hub_settings.warehouse_url
    ingest(hub_settings, "approval")
    bad_keys = {key for system, key in scenario.truth.bad_records if system == "approval"}
    base = next(
        e
        for e in scenario.approval_events
        if e["event_id"] not in bad_keys
        and e["decision"] == "准予"
        and not e["supersedes_event_id"]
    )
    bad, twins = expand(APPROVAL_CASES, lambda n: f"SP2099{n:07d}")
    for key, (change, _) in bad.items():
        sandbox.append_approval_event({**copy.deepcopy(base), **change, "event_id": key})
    for key, change in twins.items():
        sandbox.append_approval_event({**copy.deepcopy(base), **change, "event_id": key})

    result = ingest(hub_settings, "approval")

    assert result["status"] == "ok"
    assert_reasons(url, result["batch_id"], bad, twins)
    in_core = core_keys(url, "approval_events", "event_id")
    assert set(twins) <= in_core and not set(bad) & in_core


# ---------------------------------------------------------------------------- land

LAND_CASES: Cases = {
    "missing name": ({"项目名称": ""}, ["missing_required:项目名称"], {"项目名称": "某产业园一期"}),
    "missing area": (
        {"供地面积（公顷）": " "},
        ["missing_required:供地面积（公顷）"],
        {"供地面积（公顷）": "0.5"},
    ),
    "uscc check": (
        {"统一社会信用代码": BAD_USCC},
        ["invalid_uscc"],
        {"统一社会信用代码": GOOD_USCC},
    ),
    "project code": (
        {"项目代码": "2024-370212-27-3-004512"},
        ["invalid_project_code"],
        {"项目代码": ""},
    ),
    "district": ({"行政区划": "火星区"}, ["unknown_district"], {"行政区划": "西海岸新区"}),
    "date": (
        {"合同签订日期": "2023年2月29日"},
        ["invalid_date"],
        {"合同签订日期": "2024年2月29日"},
    ),
    "update time": (
        {"更新时间": "2024-05-20 25:00:00"},
        ["invalid_date"],
        {"更新时间": "2024-05-20 23:59:59"},
    ),
    "amount": ({"成交价款（万元）": "待定"}, ["invalid_amount"], {"成交价款（万元）": "9,856"}),
    "negative": ({"供地面积（公顷）": "-1.5"}, ["negative_amount"], {"供地面积（公顷）": "1.5"}),
    "status enum": ({"状态": "暂停"}, ["invalid_enum:状态"], {"状态": "作废"}),
    "supply enum": (
        {"供地方式": "租赁"},
        ["invalid_enum:供地方式"],
        {"供地方式": "划拨", "成交价款（万元）": ""},
    ),
}


def test_land_rules(hub_settings, sandbox, scenario):
    url = hub_settings.warehouse_url
    ingest(hub_settings, "land")
    bad_keys = {key for system, key in scenario.truth.bad_records if system == "land"}
    base = next(
        row
        for f in scenario.land_files
        for row in f.rows
        if row["宗地编号"] not in bad_keys and row["状态"] == "有效"
    )
    bad, twins = expand(LAND_CASES, lambda n: f"370212-2099-T{n:03d}")
    rows = [{**base, **change, "宗地编号": key} for key, (change, _) in bad.items()]
    rows += [{**base, **change, "宗地编号": key} for key, change in twins.items()]
    sandbox.add_land_file(LandFile("land_supply_20990101.csv", rows))

    # a file with lines that cannot be read: one not GB18030, one with a column missing
    good = {**base, "宗地编号": "370212-2099-U001"}
    content = render_land_file([good]).split(b"\r\n")
    header, good_line = content[0], content[1]
    undecodable = good_line.replace("有效".encode("gb18030"), b"\xff\xfe")
    unparseable = b"370212-2099-U003,only,three"
    name = "land_supply_20990102.csv"
    (sandbox.land_dir / name).write_bytes(
        b"\r\n".join([header, good_line, undecodable, unparseable]) + b"\r\n"
    )
    (sandbox.land_dir / (name + DONE_SUFFIX)).touch()

    result = ingest(hub_settings, "land")

    assert result["status"] == "ok"
    assert_reasons(url, result["batch_id"], bad, twins)
    rejected = rejects_of(url, result["batch_id"])
    assert rejected[None] == [["unreadable_line"], ["unreadable_line"]]
    with connect(url) as conn:
        lines = sorted(
            line
            for (line,) in conn.execute(
                "select (provenance ->> 'line')::int from shared.rejected_records"
                " where batch_id = %s and source_key is null and provenance ->> 'file' = %s",
                [result["batch_id"], name],
            )
        )
    assert lines == [3, 4]
    in_core = core_keys(url, "land_parcels", "parcel_id")
    assert {*twins, "370212-2099-U001"} <= in_core and not set(bad) & in_core


# ---------------------------------------------------------------------------- stats

STATS_CASES: Cases = {
    "missing unit": ({"legal_unit_name": None}, ["missing_required:legal_unit_name"], {}),
    "missing start": (
        {"start_month": ""},
        ["missing_required:start_month"],
        {"start_month": "2024-01"},
    ),
    "uscc check": ({"legal_unit_uscc": BAD_USCC}, ["invalid_uscc"], {"legal_unit_uscc": GOOD_USCC}),
    "project code": (
        {"project_code": "24-370212-27-03-004512"},
        ["invalid_project_code"],
        {"project_code": None},
    ),
    "district": ({"district_code": "3702"}, ["unknown_district"], {"district_code": "370202"}),
    "start month": ({"start_month": "2024-13"}, ["invalid_month"], {"start_month": "2024-12"}),
    "included month": (
        {"included_month": "2024/04"},
        ["invalid_month"],
        {"included_month": "2024-04"},
    ),
    "completion date": (
        {"status": "全部投产", "completed_on": "2024-06-31"},
        ["invalid_date"],
        {"status": "全部投产", "completed_on": "2024-06-30"},
    ),
    "amount": (
        {"planned_investment_wan": "abc"},
        ["invalid_amount"],
        {"planned_investment_wan": "600,000"},
    ),
    "negative": (
        {"completed_investment_ytd_wan": -1},
        ["negative_amount"],
        {"completed_investment_ytd_wan": 0},
    ),
    "implausible": (
        {"planned_investment_wan": 60_000_001},
        ["implausible_amount"],
        {"planned_investment_wan": 50_000_000},
    ),
    "status enum": ({"status": "在建"}, ["invalid_enum:status"], {"status": "停缓建"}),
}


def test_stats_rules(hub_settings, sandbox, scenario):
    url = hub_settings.warehouse_url
    ingest(hub_settings, "stats")
    period = max(
        (p for p in scenario.stats_periods if p.current and not p.closed), key=lambda p: p.period
    )
    bad_keys = {key for system, key in scenario.truth.bad_records if system == "stats"}
    base = next(row for row in period.rows if row["stat_project_id"] not in bad_keys)
    bad, twins = expand(STATS_CASES, lambda n: f"TJ3702129999{n:03d}")
    rows = [copy.deepcopy(row) for row in period.rows]
    rows += [{**base, **change, "stat_project_id": key} for key, (change, _) in bad.items()]
    rows += [{**base, **change, "stat_project_id": key} for key, change in twins.items()]
    sandbox.set_stats_period(period.period, period.revision + 1, rows, closed=False)

    result = ingest(hub_settings, "stats")

    assert result["status"] == "ok"
    assert_reasons(url, result["batch_id"], bad, twins)
    with connect(url) as conn:
        in_core = {
            key
            for (key,) in conn.execute(
                "select stat_project_id from core.stats_roster where period = %s and revision = %s",
                [period.period, period.revision + 1],
            )
        }
    assert set(twins) <= in_core and not set(bad) & in_core
