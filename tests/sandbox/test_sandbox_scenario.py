"""The sandbox scenario: deterministic, shaped like the contracts, and with a truth that an
independent reading of the records by the warehouse's lifecycle rules agrees with — while
counting any kind of non-evidence would not."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import re
import subprocess
import sys
from collections import Counter, defaultdict
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path

import pytest
from stdnum.cn import uscc

from hub.sandbox import generate_scenario
from hub.sandbox.scenario import NON_EVIDENCE_REASONS, REASON_CODES, STAGES, load_reference

PROJECT_CODE = re.compile(r"^(19|20)\d{2}-\d{6}-\d{2}-\d{2}-\d{6}$")
REFERENCE = load_reference()
DISTRICT_CODES = {d.code for d in REFERENCE.districts}
DISTRICT_LABELS = {d.name for d in REFERENCE.districts} | {
    a for d in REFERENCE.districts for a in d.aliases
}
MILESTONES = STAGES[:-1]


@pytest.fixture(scope="module")
def city():
    return generate_scenario(200, 7)


@pytest.fixture(scope="module")
def messy_city():
    """Many bad records, so every reason code shows up."""
    return generate_scenario(200, 8, bad_rate=0.25)


def records(scenario):
    """(source_system, source_key, record) for every record, every stats revision included."""
    for record in scenario.commerce_records:
        yield "commerce", record["project_no"], record
    for event in scenario.approval_events:
        yield "approval", event["event_id"], event
    for land_file in scenario.land_files:
        for row in land_file.rows:
            yield "land", row["宗地编号"], row
    for period in scenario.stats_periods:
        for row in period.rows:
            yield "stats", row["stat_project_id"], row


def parse_date(text, formats):
    for fmt in formats:
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


def commerce_date(text):
    return parse_date(text, ("%Y-%m-%d", "%Y/%m/%d", "%Y%m%d"))


def land_date(text):
    return parse_date(text, ("%Y-%m-%d", "%Y年%m月%d日"))


def month_start(text):
    return parse_date(text, ("%Y-%m",))


def reasons_of(source, record):
    """Every contract rule the record breaks, read from the contracts, not from the generator."""
    reasons = set()

    def check_uscc(value):
        if value and not uscc.is_valid(value):
            reasons.add("invalid_uscc")

    def check_code(value):
        if value and not PROJECT_CODE.match(value):
            reasons.add("invalid_project_code")

    def check_date(value, reader):
        if value and reader(value) is None:
            reasons.add("invalid_date")

    def check_amount(value):
        if value is None or value == "":
            return
        try:
            amount = Decimal(str(value).replace(",", ""))
        except InvalidOperation:
            reasons.add("invalid_amount")
            return
        if amount < 0:
            reasons.add("negative_amount")

    def check_timestamp(value):
        try:
            datetime.fromisoformat(value)
        except ValueError:
            reasons.add("invalid_date")

    if source == "commerce":
        check_uscc(record["investor_uscc"])
        check_uscc(record["project_company_uscc"])
        check_code(record["project_code"])
        if record["district_code"] not in DISTRICT_CODES:
            reasons.add("unknown_district")
        check_date(record["negotiation_started_on"], commerce_date)
        check_date(record["signed_on"], commerce_date)
        check_amount(record["total_investment"])
        check_timestamp(record["updated_at"])
    elif source == "approval":
        check_uscc(record["applicant_uscc"])
        check_code(record["project_code"])
        if record["district_code"] not in DISTRICT_CODES:
            reasons.add("unknown_district")
        check_timestamp(record["decided_at"])
        check_amount(record["total_investment_wan"])
    elif source == "land":
        check_uscc(record["统一社会信用代码"])
        check_code(record["项目代码"])
        if record["行政区划"] not in DISTRICT_LABELS:
            reasons.add("unknown_district")
        check_date(record["合同签订日期"], land_date)
        for column in ("供地面积（公顷）", "使用计划指标（亩）", "成交价款（万元）"):
            check_amount(record[column])
    else:
        check_uscc(record["legal_unit_uscc"])
        check_code(record["project_code"])
        if record["district_code"] not in DISTRICT_CODES:
            reasons.add("unknown_district")
        check_date(record["start_month"], month_start)
        check_date(record["included_month"], month_start)
        check_date(record["completed_on"], land_date)
        check_amount(record["planned_investment_wan"])
        check_amount(record["completed_investment_ytd_wan"])
    return reasons


def read_lifecycles(scenario, count=frozenset()):
    """Each project's stage and milestone dates by the warehouse.md lifecycle rules.

    With an empty ``count`` this is the correct reading: it decides on its own what is
    evidence. Each name in ``count`` (a truth non-evidence reason, or ``earlier_land_rows``)
    makes it also count that kind of record, as a careless hub would.
    """
    truth = scenario.truth
    owner, bad, labels = truth.record_owner, truth.bad_records, truth.non_evidence
    dates = defaultdict(lambda: defaultdict(list))
    terminated = set()

    def show(key, milestone, day=None):
        dates[owner[key]][milestone].append(day)

    for record in scenario.commerce_records:
        key = ("commerce", record["project_no"])
        if key in bad or (record["is_deleted"] and "soft_deleted" not in count):
            continue
        stage = record["stage"]
        if stage == "在谈":
            show(key, "negotiating")
        if record["signed_on"]:
            show(key, "signed", commerce_date(record["signed_on"]))
        if stage in ("已签约", "已落地", "已开工"):
            show(key, "signed")
        if stage in ("已落地", "已开工"):
            show(key, "landed")
        if stage == "已开工":
            show(key, "under_construction")
        if stage == "已终止":
            terminated.add(owner[key])

    events = [e for e in scenario.approval_events if ("approval", e["event_id"]) not in bad]
    cancelled = {e["supersedes_event_id"] for e in events if e["supersedes_event_id"]}
    for event in events:
        key = ("approval", event["event_id"])
        effective = event["decision"] == "准予" and event["event_id"] not in cancelled
        if not effective and labels.get(key) not in count:
            continue
        day = datetime.fromisoformat(event["decided_at"]).date()
        if event["matter"] in ("项目备案", "项目核准"):
            show(key, "landed", day)
        elif event["matter"] == "施工许可":
            show(key, "under_construction", day)

    parcel_rows = defaultdict(list)
    for land_file in sorted(scenario.land_files, key=lambda f: f.name):
        for row in land_file.rows:
            parcel_rows[row["宗地编号"]].append(row)
    for parcel, rows in parcel_rows.items():
        key = ("land", parcel)
        if key in bad:
            continue
        for row in rows if "earlier_land_rows" in count else rows[-1:]:
            if row["状态"] == "有效" or "withdrawn" in count:
                show(key, "landed", land_date(row["合同签订日期"]))

    for period in scenario.stats_periods:
        if not period.current and "superseded_revision" not in count:
            continue
        for row in period.rows:
            key = ("stats", row["stat_project_id"])
            if key in bad:
                continue
            show(key, "under_construction", month_start(row["start_month"]))
            show(key, "in_statistics", month_start(row["included_month"]))
            if row["status"] == "全部投产":
                show(key, "in_production", land_date(row["completed_on"]))

    lifecycles = {}
    for pid in truth.projects:
        shown = dates[pid]
        furthest = max(shown, key=MILESTONES.index, default=None)
        landed = MILESTONES.index("landed")
        if pid in terminated and (furthest is None or MILESTONES.index(furthest) < landed):
            stage = "terminated"
        else:
            stage = furthest
        earliest = {m: min((d for d in days if d), default=None) for m, days in shown.items()}
        included = earliest.get("in_statistics")
        lifecycles[pid] = {
            "stage": stage,
            "signed_on": earliest.get("signed"),
            "landed_on": earliest.get("landed"),
            "construction_started_on": earliest.get("under_construction"),
            "stats_included_month": included.strftime("%Y-%m") if included else None,
            "production_on": earliest.get("in_production"),
        }
    return lifecycles


LIFECYCLE_FIELDS = (
    "stage",
    "signed_on",
    "landed_on",
    "construction_started_on",
    "stats_included_month",
    "production_on",
)


def expected_lifecycles(scenario):
    return {
        pid: {field: getattr(project, field) for field in LIFECYCLE_FIELDS}
        for pid, project in scenario.truth.projects.items()
    }


# ----------------------------------------------------------------------------- determinism


def digest(scenario) -> str:
    served = {
        "commerce": scenario.commerce_records,
        "approval": scenario.approval_events,
        "land": [dataclasses.asdict(f) for f in scenario.land_files],
        "stats": [dataclasses.asdict(p) for p in scenario.stats_periods],
        "truth": scenario.truth.to_json(),
    }
    text = json.dumps(served, ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()


def test_same_seed_gives_the_same_scenario_and_another_seed_does_not():
    first, again, other = (
        generate_scenario(60, 5),
        generate_scenario(60, 5),
        generate_scenario(60, 6),
    )
    assert first == again
    assert digest(first) != digest(other)


def test_determinism_does_not_depend_on_the_process_hash_seed():
    program = (
        "from hub.sandbox import generate_scenario; "
        "from tests.sandbox.test_sandbox_scenario import digest; "
        "print(digest(generate_scenario(60, 5)))"
    )
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    result = subprocess.run(
        [sys.executable, "-c", program],
        env=env,
        cwd=Path(__file__).resolve().parents[2],
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.strip() == digest(generate_scenario(60, 5))


# ----------------------------------------------------------------------------- shape of the model


def test_stage_mix_holds_all_seven_stages(city):
    counts = city.truth.stage_counts()
    assert list(counts) == list(STAGES)
    expected = {
        "negotiating": 30,
        "signed": 30,
        "landed": 30,
        "under_construction": 40,
        "in_statistics": 40,
        "in_production": 16,
        "terminated": 14,
    }
    assert counts == expected
    tiny = generate_scenario(20, 1).truth.stage_counts()
    assert all(tiny[stage] >= 1 for stage in STAGES) and sum(tiny.values()) == 20


def test_about_a_tenth_of_landed_projects_are_unknown_to_commerce(city):
    landed = [p for p in city.truth.projects.values() if p.stage in STAGES[2:6]]
    unknown = [p for p in landed if "commerce" not in p.sources]
    assert 0.05 <= len(unknown) / len(landed) <= 0.15
    assert all(p.signed_investment_wan is None and p.signed_on is None for p in unknown)


def test_every_project_has_its_own_company(city):
    projects = city.truth.projects.values()
    assert len({p.company_uscc for p in projects}) == len(projects)
    assert len({p.company_name for p in projects}) == len(projects)


def test_truth_agrees_with_reading_the_evidence_by_the_lifecycle_rules(city):
    read = read_lifecycles(city)
    expected = expected_lifecycles(city)
    wrong = {pid: (read[pid], expected[pid]) for pid in expected if read[pid] != expected[pid]}
    assert not wrong


def test_negotiation_date_is_commerce_own_field(city):
    owner = city.truth.record_owner
    for record in city.commerce_records:
        pid = owner[("commerce", record["project_no"])]
        if pid and not record["is_deleted"]:
            written = record["negotiation_started_on"]
            truth = city.truth.projects[pid].negotiation_started_on
            assert (commerce_date(written) if written else None) == truth


@pytest.mark.parametrize("kind", [*NON_EVIDENCE_REASONS, "earlier_land_rows"])
def test_counting_any_kind_of_non_evidence_gets_some_project_wrong(city, kind):
    expected = expected_lifecycles(city)
    careless = read_lifecycles(city, count=frozenset({kind}))
    assert any(careless[pid] != expected[pid] for pid in expected)


def test_non_evidence_labels_match_the_records(city):
    truth = city.truth
    events = {e["event_id"]: e for e in city.approval_events}
    cancelled_by = {
        e["supersedes_event_id"]: e["decision"] for e in events.values() if e["supersedes_event_id"]
    }
    latest_land = {}
    for land_file in city.land_files:
        for row in land_file.rows:
            latest_land[row["宗地编号"]] = row
    served_stats = {
        row["stat_project_id"] for p in city.stats_periods if p.current for row in p.rows
    }
    expected = {}
    for record in city.commerce_records:
        if record["is_deleted"]:
            expected[("commerce", record["project_no"])] = "soft_deleted"
    for event_id, event in events.items():
        if event["decision"] == "不予":
            expected[("approval", event_id)] = "refused"
        elif event["decision"] == "撤销":
            expected[("approval", event_id)] = "revocation"
        elif event_id in cancelled_by:
            kind = "revoked" if cancelled_by[event_id] == "撤销" else "superseded"
            expected[("approval", event_id)] = kind
    for parcel, row in latest_land.items():
        if row["状态"] == "作废":
            expected[("land", parcel)] = "withdrawn"
    for period in city.stats_periods:
        for row in period.rows:
            if row["stat_project_id"] not in served_stats:
                expected[("stats", row["stat_project_id"])] = "superseded_revision"
    assert truth.non_evidence == expected


def test_a_project_whose_only_filing_is_revoked_has_not_landed(city):
    revoked_only = [p for p in city.truth.projects.values() if "revoked_only_filing" in p.traits]
    assert {p.stage for p in revoked_only} == {"signed", "terminated"}
    assert all(p.landed_on is None and p.project_code for p in revoked_only)


def test_terminated_with_a_granted_filing_counts_as_landed(city):
    cases = [p for p in city.truth.projects.values() if "terminated_with_filing" in p.traits]
    assert cases and all(p.stage == "landed" and p.commerce_stage == "已终止" for p in cases)


def test_commerce_stage_is_never_ahead_of_the_truth(city):
    position = {"在谈": 0, "已签约": 1, "已落地": 2, "已开工": 3}
    for project in city.truth.projects.values():
        if project.commerce_stage in position:
            assert position[project.commerce_stage] <= MILESTONES.index(project.stage)
        elif project.commerce_stage == "已终止":
            assert project.stage in ("terminated", "landed")


# ----------------------------------------------------------------------------- bad input


def test_every_uscc_is_valid_except_in_bad_records(city):
    for source, key, record in records(city):
        fields = {
            "commerce": ("investor_uscc", "project_company_uscc"),
            "approval": ("applicant_uscc",),
            "land": ("统一社会信用代码",),
            "stats": ("legal_unit_uscc",),
        }[source]
        if "invalid_uscc" not in city.truth.bad_records.get((source, key), []):
            assert all(not record[f] or uscc.is_valid(record[f]) for f in fields), (source, key)
    for project in city.truth.projects.values():
        assert uscc.is_valid(project.company_uscc)


def test_every_project_code_is_well_formed_except_in_bad_records(city):
    code_field = {"commerce": "project_code", "approval": "project_code", "land": "项目代码"}
    for source, key, record in records(city):
        value = record[code_field.get(source, "project_code")]
        if value and "invalid_project_code" not in city.truth.bad_records.get((source, key), []):
            assert PROJECT_CODE.match(value), (source, key, value)
    for project in city.truth.projects.values():
        if project.project_code:
            assert project.project_code.split("-")[1] == project.district_code


@pytest.mark.parametrize("scenario_name", ["city", "messy_city"])
def test_records_break_exactly_the_rules_their_truth_says(scenario_name, request):
    scenario = request.getfixturevalue(scenario_name)
    bad = scenario.truth.bad_records
    for source, key, record in records(scenario):
        assert reasons_of(source, record) == set(bad.get((source, key), [])), (source, key)


def test_bad_records_cover_every_source_and_reason(messy_city):
    bad = messy_city.truth.bad_records
    assert {source for source, _ in bad} == {"commerce", "approval", "land", "stats"}
    assert {reason for reasons in bad.values() for reason in reasons} == set(REASON_CODES)
    assert all(messy_city.truth.record_owner[key] is None for key in bad)
    assert all(1 <= len(reasons) <= 2 for reasons in bad.values())


def test_bad_records_are_about_bad_rate_of_each_source(city):
    bad_per_source = Counter(source for source, _ in city.truth.bad_records)
    good_per_source = Counter(
        source for (source, key), owner in city.truth.record_owner.items() if owner
    )
    for source in ("commerce", "approval", "land", "stats"):
        assert abs(bad_per_source[source] - 0.03 * good_per_source[source]) <= 1.5


# ----------------------------------------------------------------------------- linkability


def linking_keys(source, record):
    """(project code, company USCC) as the record carries them."""
    if source == "commerce":
        return record["project_code"], record["project_company_uscc"]
    if source == "approval":
        return record["project_code"], record["applicant_uscc"]
    if source == "land":
        return record["项目代码"], record["统一社会信用代码"]
    return record["project_code"], record["legal_unit_uscc"]


def test_records_of_a_project_known_elsewhere_carry_its_code_or_company_uscc(city):
    truth = city.truth
    for source, key, record in records(city):
        pid = truth.record_owner[(source, key)]
        if pid is None:
            continue
        project = truth.projects[pid]
        known_elsewhere = bool(set(project.sources) - {source})
        code, company = linking_keys(source, record)
        assert code in (None, "", project.project_code), (source, key)
        assert company in (None, "", project.company_uscc), (source, key)
        if source == "approval":
            assert (code, company) == (project.project_code, project.company_uscc)
        elif source == "commerce":
            if known_elsewhere:
                assert company == project.company_uscc, key
        else:
            assert code or company, (source, key)


def test_hard_matching_hides_keys_but_changes_no_truth():
    plain = generate_scenario(120, 9)
    hard = generate_scenario(120, 9, hard_match_rate=0.3)
    assert hard.truth == plain.truth
    unlinked_commerce = sum(
        1
        for record in hard.commerce_records
        if not record["project_company_uscc"] and not record["project_code"]
    )
    baseline = sum(
        1
        for record in plain.commerce_records
        if not record["project_company_uscc"] and not record["project_code"]
    )
    assert unlinked_commerce > baseline
    assert any(
        not row["项目代码"] and not row["统一社会信用代码"]
        for land_file in hard.land_files
        for row in land_file.rows
    )
    hard_stats = {
        (p.period, row["stat_project_id"]): row["legal_unit_uscc"]
        for p in hard.stats_periods
        for row in p.rows
    }
    plain_stats = {
        (p.period, row["stat_project_id"]): row["legal_unit_uscc"]
        for p in plain.stats_periods
        for row in p.rows
    }
    assert hard_stats.keys() == plain_stats.keys() and hard_stats != plain_stats
    assert all(
        uscc.is_valid(value)
        for (_, stat_id), value in hard_stats.items()
        if ("stats", stat_id) not in hard.truth.bad_records
    )


# ----------------------------------------------------------------------------- contract quirks


def test_contract_quirks_are_present(city):
    commerce = [
        r
        for r in city.commerce_records
        if ("commerce", r["project_no"]) not in city.truth.bad_records
    ]
    amounts = [r["total_investment"] for r in commerce]
    assert any(isinstance(a, str) and "," in a for a in amounts)
    assert any(isinstance(a, int | float) for a in amounts)
    assert {r["investment_unit"] for r in commerce} == {"万元", "亿元"}
    signed = [r["signed_on"] for r in commerce if r["signed_on"]]
    assert any("/" in s for s in signed) and any("-" in s for s in signed)
    assert any(re.fullmatch(r"\d{8}", s) for s in signed)
    names = [r["project_company_name"] or "" for r in commerce]
    assert any("（" in n for n in names) and any("(" in n for n in names)
    hong_kong = [r for r in commerce if r["origin_province"] == "香港特别行政区"]
    assert hong_kong and all(
        r["capital_type"] == "外资" and r["origin_country"] == "中国" for r in hong_kong
    )
    assert any(r["total_investment"] and r["investment_unit"] == "亿元" for r in commerce)

    rows = [row for f in city.land_files for row in f.rows]
    assert any(row["行政区划"] == "西海岸新区" for row in rows)
    assert any("年" in row["合同签订日期"] for row in rows) and any(
        "-" in row["合同签订日期"] for row in rows
    )
    assert all(row["成交价款（万元）"] == "" for row in rows if row["供地方式"] == "划拨")
    assert all(
        re.fullmatch(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}", row["更新时间"]) for row in rows
    )
    files_per_parcel = Counter()
    for land_file in city.land_files:
        for parcel in {row["宗地编号"] for row in land_file.rows}:
            files_per_parcel[parcel] += 1
    assert max(files_per_parcel.values()) >= 2  # a parcel re-appears in a later file
    assert any(
        any(count > 1 for count in Counter(json.dumps(r, sort_keys=True) for r in f.rows).values())
        for f in city.land_files
    )  # a verbatim repeat within one file
    assert any(not f.rows for f in city.land_files)  # a file with only its header

    periods = city.stats_periods
    labels = [p.period for p in periods if p.current]
    assert labels[0] == "2023-01" and labels[-1] == "2025-06" and len(labels) == 30
    assert [p.period for p in periods if p.current and not p.closed] == ["2025-05", "2025-06"]
    revised = {p.period for p in periods if p.current and p.revision == 2}
    assert {"2025-05", "2025-06"} <= revised
    for label in revised:
        old, new = (p for p in periods if p.period == label)
        assert not old.current and new.current and old.rows != new.rows


def test_ordering_of_the_served_streams(city):
    keys = [(r["updated_at"], r["project_no"]) for r in city.commerce_records]
    assert keys == sorted(keys)
    good = [
        e for e in city.approval_events if ("approval", e["event_id"]) not in city.truth.bad_records
    ]
    positions = [(datetime.fromisoformat(e["decided_at"]), e["event_id"]) for e in good]
    assert positions == sorted(positions)
    names = [f.name for f in city.land_files]
    assert names == sorted(names) and all(re.fullmatch(r"land_supply_\d{8}\.csv", n) for n in names)
    assert all(
        [r["stat_project_id"] for r in p.rows] == sorted(r["stat_project_id"] for r in p.rows)
        for p in city.stats_periods
    )


def test_nothing_happens_after_the_scenario_today(city):
    today = date(2025, 6, 30)
    for record in city.commerce_records:
        assert datetime.fromisoformat(record["updated_at"]).date() <= today
    for event in city.approval_events:
        if ("approval", event["event_id"]) not in city.truth.bad_records:
            assert datetime.fromisoformat(event["decided_at"]).date() <= today


def test_truth_writes_as_json(city, tmp_path: Path):
    target = tmp_path / "truth.json"
    city.truth.write(target)
    loaded = json.loads(target.read_text(encoding="utf-8"))
    assert loaded["stage_counts"] == city.truth.stage_counts()
    assert len(loaded["projects"]) == 200
    assert len(loaded["record_owner"]) == len(city.truth.record_owner)
    some = next(iter(loaded["projects"].values()))
    assert set(some) >= {
        "stage",
        "landed_on",
        "signed_investment_wan",
        "district_code",
        "project_code",
    }
