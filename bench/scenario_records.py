"""A sandbox scenario as entity resolution sees it: one ``MatchRecord`` per current record.

For evaluating matchers outside the warehouse (``bench/splink_linker.py``): what each
department serves is parsed as the warehouse's staging and core views would — commerce's
amounts in 万元 or 亿元 (numbers, or strings with thousands separators) and its three date
forms; approval's events one by one; land's file rows, of which only the last row of a
宗地编号 counts, with 行政区划 a district name or alias; stats' current periods, of which
only the latest row of a stat_project_id counts. Broken copies (``truth.bad_records``) are
left out, as the audit would reject them. Pure Python: imports neither Airflow nor a
database driver.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from hub.resolve.records import MatchRecord
from hub.sandbox.scenario import Scenario, load_reference

_BLANK = " \t\r\n\u00a0\u3000"
_NUMBER = re.compile(r"^[+-]?(\d{1,3}(,\d{3})+|\d+)(\.\d+)?$")
_DATE_FORMS = (
    re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$"),
    re.compile(r"^(\d{4})/(\d{1,2})/(\d{1,2})$"),
    re.compile(r"^(\d{4})(\d{2})(\d{2})$"),
    re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日$"),
)
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_UNIT_FACTOR = {"万元": Decimal(1), "亿元": Decimal(10_000)}
# Approval matters whose granted, still effective decision is a lifecycle milestone.
_MILESTONE_MATTERS = ("项目备案", "项目核准", "施工许可")


def text(value: Any) -> str | None:
    """Blank (incl. U+00A0 and U+3000) → None, else the text without surrounding blanks."""
    if value is None:
        return None
    stripped = str(value).strip(_BLANK)
    return stripped or None


def parse_number(value: Any) -> Decimal | None:
    """A JSON number, or a string of digits with optional thousands separators."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int | float | Decimal):
        number = Decimal(str(value))
        return number if number.is_finite() else None
    raw = text(value)
    if raw is None or len(raw) > 100 or not _NUMBER.match(raw):
        return None
    try:
        return Decimal(raw.replace(",", ""))
    except InvalidOperation:  # pragma: no cover - the pattern admits only numbers
        return None


def parse_date(value: Any) -> date | None:
    """2024-03-05, 2024/3/5, 20240305 or 2024年3月5日; an impossible date → None."""
    raw = text(value)
    if raw is None:
        return None
    for form in _DATE_FORMS:
        match = form.match(raw)
        if match:
            try:
                return date(*(int(part) for part in match.groups()))
            except ValueError:
                return None
    return None


def parse_month(value: Any) -> date | None:
    """YYYY-MM → the month's first day."""
    raw = text(value)
    match = _MONTH.match(raw) if raw else None
    if not match:
        return None
    try:
        return date(int(match.group(1)), int(match.group(2)), 1)
    except ValueError:
        return None


def parse_local_day(value: Any) -> date | None:
    """An ISO-8601 instant (approval's decided_at, +08:00) → its local calendar day."""
    raw = text(value)
    if raw is None:
        return None
    try:
        return datetime.fromisoformat(raw).date()
    except ValueError:
        return None


def _wan(amount: Decimal | None) -> float | None:
    return float(amount) if amount is not None and amount >= 0 else None


def commerce_amount_wan(value: Any, unit: Any) -> float | None:
    """total_investment in 万元, whatever unit (万元 / 亿元) the record used."""
    amount = parse_number(value)
    factor = _UNIT_FACTOR.get(text(unit) or "")
    if amount is None or factor is None:
        return None
    return _wan(amount * factor)


def district_codes() -> dict[str, str]:
    """Every label a department may write for a district (code, name, alias) → its code."""
    labels: dict[str, str] = {}
    for district in load_reference().districts:
        labels[district.code] = district.code
        labels[district.name] = district.code
        for alias in district.aliases:
            labels[alias] = district.code
    return labels


def match_records(scenario: Scenario) -> list[MatchRecord]:
    """One MatchRecord per current, valid source record of ``scenario`` (commerce, approval,
    land, stats in that order; each department's in the order it served them)."""
    bad = scenario.truth.bad_records
    return [
        *_commerce(scenario, bad),
        *_approval(scenario, bad),
        *_land(scenario, bad),
        *_stats(scenario, bad),
    ]


def _commerce(scenario: Scenario, bad) -> list[MatchRecord]:
    latest: dict[str, dict[str, Any]] = {}
    for record in scenario.commerce_records:  # the feed's order: a later version wins
        key = text(record.get("project_no"))
        if key and ("commerce", key) not in bad:
            latest[key] = record
    return [
        MatchRecord(
            source_system="commerce",
            source_key=key,
            project_code=text(r.get("project_code")),
            company_uscc=text(r.get("project_company_uscc")),
            company_name=text(r.get("project_company_name")),
            project_name=text(r.get("project_name")),
            investor_name=text(r.get("investor_name")),
            investor_uscc=text(r.get("investor_uscc")),
            district_code=text(r.get("district_code")),
            amount_wan=commerce_amount_wan(r.get("total_investment"), r.get("investment_unit")),
            first_on=parse_date(r.get("signed_on")),
            is_evidence=not r.get("is_deleted"),
        )
        for key, r in latest.items()
    ]


def _approval(scenario: Scenario, bad) -> list[MatchRecord]:
    events = [
        e
        for e in scenario.approval_events
        if text(e.get("event_id")) and ("approval", text(e["event_id"])) not in bad
    ]
    # A grant another event supersedes (a 撤销, or a corrected 准予) is no longer effective.
    replaced = {text(e.get("supersedes_event_id")) for e in events} - {None}
    records = []
    for e in events:
        key = text(e["event_id"])
        records.append(
            MatchRecord(
                source_system="approval",
                source_key=key,
                project_code=text(e.get("project_code")),
                company_uscc=text(e.get("applicant_uscc")),
                company_name=text(e.get("applicant_name")),
                project_name=text(e.get("project_name")),
                investor_name=None,
                investor_uscc=None,
                district_code=text(e.get("district_code")),
                amount_wan=_wan(parse_number(e.get("total_investment_wan"))),
                first_on=parse_local_day(e.get("decided_at")),
                is_evidence=text(e.get("matter")) in _MILESTONE_MATTERS
                and text(e.get("decision")) == "准予"
                and key not in replaced,
            )
        )
    return records


def _land(scenario: Scenario, bad) -> list[MatchRecord]:
    districts = district_codes()
    latest: dict[str, dict[str, str]] = {}
    for land_file in scenario.land_files:  # name (= date) order, rows in file order
        for row in land_file.rows:
            key = text(row.get("宗地编号"))
            if key and ("land", key) not in bad:
                latest[key] = row  # the parcel's last row wins
    return [
        MatchRecord(
            source_system="land",
            source_key=key,
            project_code=text(row.get("项目代码")),
            company_uscc=text(row.get("统一社会信用代码")),
            company_name=text(row.get("用地单位")),
            project_name=text(row.get("项目名称")),
            investor_name=None,
            investor_uscc=None,
            district_code=districts.get(text(row.get("行政区划")) or ""),
            amount_wan=None,
            first_on=parse_date(row.get("合同签订日期")),
            is_evidence=text(row.get("状态")) == "有效",
        )
        for key, row in latest.items()
    ]


def _stats(scenario: Scenario, bad) -> list[MatchRecord]:
    latest: dict[str, dict[str, Any]] = {}
    for period in sorted((p for p in scenario.stats_periods if p.current), key=lambda p: p.period):
        for row in period.rows:
            key = text(row.get("stat_project_id"))
            if key and ("stats", key) not in bad:
                latest[key] = row
    return [
        MatchRecord(
            source_system="stats",
            source_key=key,
            project_code=text(r.get("project_code")),
            company_uscc=text(r.get("legal_unit_uscc")),
            company_name=text(r.get("legal_unit_name")),
            project_name=text(r.get("project_name")),
            investor_name=None,
            investor_uscc=None,
            district_code=text(r.get("district_code")),
            amount_wan=_wan(parse_number(r.get("planned_investment_wan"))),
            first_on=parse_month(r.get("start_month")),
            is_evidence=True,
        )
        for key, r in latest.items()
    ]
