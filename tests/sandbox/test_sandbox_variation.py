"""The sandbox's name-variation level: ``"none"`` changes nothing; ``"realistic"`` writes
names and keys as real departments do, plans look-alike projects that must never be linked,
and keeps the truth exact."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import re
from collections import Counter, defaultdict

import pytest

from hub.sandbox import generate_scenario
from hub.sandbox.scenario.model import _BRAND_CHARS
from hub.sandbox.variation import romanized_brand, to_traditional
from tests.sandbox.test_sandbox_scenario import (
    expected_lifecycles,
    read_lifecycles,
    reasons_of,
    records,
)

DEPARTMENTS = ("commerce", "approval", "land", "stats")
# Every kind the realistic clerks make, as GroundTruth.name_variations spells them.
KINDS = (
    "project:abbreviated",
    "project:reordered",
    "project:qualifier",
    "project:brand_dropped",
    "project:phase_respelled",
    "project:typo",
    "company:abbreviated",
    "company:reordered",
    "company:qualifier",
    "company:typo",
    "investor:abbreviated",
    "investor:romanized",
    "traditional",
)
TRADITIONAL_ONLY = set("島業產項發園設區華興達東廣國際電車醫藥裝備開團實錦匯凱聯雲瀾潤誠遠豐啟創總")
FAMILY_KINDS = (
    "hard_negative_phase",
    "hard_negative_two_districts",
    "hard_negative_shared_company",
)


@pytest.fixture(scope="module")
def city():
    return generate_scenario(2000, 11, name_variation="realistic")


def served(scenario):
    return {
        "commerce": scenario.commerce_records,
        "approval": scenario.approval_events,
        "land": [dataclasses.asdict(f) for f in scenario.land_files],
        "stats": [dataclasses.asdict(p) for p in scenario.stats_periods],
    }


def records_digest(scenario) -> str:
    text = json.dumps(served(scenario), ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()


def names_of(source, record):
    """(project name, company name) as the record writes them."""
    if source == "commerce":
        return record["project_name"], record["project_company_name"]
    if source == "approval":
        return record["project_name"], record["applicant_name"]
    if source == "land":
        return record["项目名称"], record["用地单位"]
    return record["project_name"], record["legal_unit_name"]


def company_uscc(source, record):
    field = {
        "commerce": "project_company_uscc",
        "approval": "applicant_uscc",
        "land": "统一社会信用代码",
        "stats": "legal_unit_uscc",
    }[source]
    return record[field]


def brand_of(company_name: str) -> str:
    """The brand: the two characters the model put first (after a leading 青岛)."""
    return company_name.removeprefix("青岛")[:2]


def plain(name: str) -> str:
    """Brackets and spaces as the model writes them (undoes the ``"none"`` styles)."""
    return name.replace(" ", "").replace("(", "（").replace(")", "）")


def valid_records(scenario):
    """(source, key, record, owner) of every record that belongs to a project."""
    owner = scenario.truth.record_owner
    for source, key, record in records(scenario):
        if owner[(source, key)] is not None:
            yield source, key, record, owner[(source, key)]


_PHASE = re.compile(r"([一二三])期|(\d)期|(?<![IV])(I{1,3})期")


def phases_in(name: str) -> set[int]:
    found = set()
    for chinese, digit, roman in _PHASE.findall(name):
        found.add("一二三".index(chinese) + 1 if chinese else int(digit) if digit else len(roman))
    return found


def families(truth):
    """family id → (kind, member projects)."""
    members = defaultdict(list)
    for project in truth.projects.values():
        for trait in project.traits:
            if trait.startswith("hard_negative_family:"):
                members[trait.split(":", 1)[1]].append(project)
    result = {}
    for family_id, projects in members.items():
        kinds = {t for p in projects for t in p.traits if t in FAMILY_KINDS}
        assert len(kinds) == 1, family_id
        result[family_id] = (kinds.pop(), projects)
    return result


def plain_titles(scenario):
    """Each project's title, read off approval events whose project name no clerk varied."""
    variations = scenario.truth.name_variations
    titles = {}
    for event in scenario.approval_events:
        key = ("approval", event["event_id"])
        pid = scenario.truth.record_owner[key]
        kinds = variations.get(key, ())
        if pid and not any(kind.startswith("project:") or kind == "traditional" for kind in kinds):
            titles[pid] = event["project_name"].removesuffix("建设项目")
    return titles


# ----------------------------------------------------------------------------- the knob


def test_none_is_the_default_and_leaks_nothing_of_realistic():
    default, explicit = generate_scenario(60, 5), generate_scenario(60, 5, name_variation="none")
    assert default == explicit and records_digest(default) == records_digest(explicit)
    assert default.truth.hard_negative_pairs == [] and default.truth.name_variations == {}
    for source, _, record, pid in valid_records(default):  # the keys rules of "none"
        if source == "land":
            assert record["项目代码"] or record["统一社会信用代码"]
        elif source == "commerce" and set(default.truth.projects[pid].sources) - {"commerce"}:
            assert record["project_company_uscc"] == default.truth.projects[pid].company_uscc
    written = default.truth.to_json()
    assert written["hard_negative_pairs"] == [] and written["name_variations"] == []
    assert not any(
        t.startswith(("hard_negative", "project_phase"))
        for p in default.truth.projects.values()
        for t in p.traits
    )


def test_an_unknown_level_is_refused():
    with pytest.raises(ValueError, match="name_variation"):
        generate_scenario(10, 1, name_variation="messy")


def test_realistic_is_deterministic_and_differs_from_none():
    first = generate_scenario(300, 4, name_variation="realistic")
    again = generate_scenario(300, 4, name_variation="realistic")
    assert first == again and records_digest(first) == records_digest(again)
    assert records_digest(first) != records_digest(generate_scenario(300, 4))
    other = generate_scenario(300, 5, name_variation="realistic")
    assert records_digest(other) != records_digest(first)


# ----------------------------------------------------------------------------- the truth


@pytest.fixture(scope="module")
def hard_city():
    """Realistic names together with the other knobs."""
    return generate_scenario(400, 12, name_variation="realistic", hard_match_rate=0.3, bad_rate=0.1)


@pytest.mark.parametrize("scenario_name", ["city", "hard_city"])
def test_truth_stays_exact(scenario_name, request):
    city = request.getfixturevalue(scenario_name)
    truth = city.truth
    keys = [(source, key) for source, key, _ in records(city)]
    assert set(keys) == set(truth.record_owner)
    assert {owner for owner in truth.record_owner.values() if owner} <= set(truth.projects)
    assert set(truth.name_variations) <= {k for k, v in truth.record_owner.items() if v}
    for source, key, record in records(city):
        assert reasons_of(source, record) == set(truth.bad_records.get((source, key), [])), key
    read, expected = read_lifecycles(city), expected_lifecycles(city)
    assert not {pid for pid in expected if read[pid] != expected[pid]}


def test_truth_writes_the_pairs_and_variations_as_json(city):
    written = json.loads(json.dumps(city.truth.to_json(), ensure_ascii=False))
    assert [tuple(p) for p in written["hard_negative_pairs"]] == city.truth.hard_negative_pairs
    assert len(written["name_variations"]) == len(city.truth.name_variations)


# ----------------------------------------------------------------------------- names


def test_every_kind_of_variation_occurs(city):
    counts = Counter(kind for kinds in city.truth.name_variations.values() for kind in kinds)
    assert all(counts[kind] > 0 for kind in KINDS), {k: counts[k] for k in KINDS}
    assert set(counts) <= set(KINDS)
    varied = Counter(source for source, _ in city.truth.name_variations)
    owned = Counter(source for (source, _), owner in city.truth.record_owner.items() if owner)
    share = {source: varied[source] / owned[source] for source in DEPARTMENTS}
    assert 0.3 <= share["commerce"] <= 0.8
    assert share["approval"] < share["stats"] < share["commerce"]  # the registered names vary least


def test_departments_vary_one_project_independently(city):
    kinds_per_project = defaultdict(set)
    for (source, key), kinds in city.truth.name_variations.items():
        kinds_per_project[city.truth.record_owner[(source, key)]].add((source, kinds))
    assert any(len({kinds for _, kinds in seen}) > 1 for seen in kinds_per_project.values())


def test_names_show_what_the_clerks_did(city):
    truth, variations = city.truth, city.truth.name_variations
    checked = Counter()
    for source, key, record, pid in valid_records(city):
        kinds = variations.get((source, key), ())
        project_name, company_name = names_of(source, record)
        company = truth.projects[pid].company_name
        brand = brand_of(company)
        brands = (brand, to_traditional(brand))
        if "project:brand_dropped" in kinds:
            assert not any(b in project_name for b in brands), (key, project_name)
            checked["brand_dropped"] += 1
        elif "project:typo" not in kinds:
            assert any(b in project_name for b in brands), (key, project_name)
        written_chars = set(project_name + (company_name or ""))
        if "traditional" in kinds:
            assert written_chars & TRADITIONAL_ONLY, key
            checked["traditional"] += 1
        else:
            assert not written_chars & TRADITIONAL_ONLY, key
        if "project:phase_respelled" in kinds:
            assert re.search(r"\d期|I期|第[一二三]期|（[一二三]期）", plain(project_name)), key
            checked["phase_respelled"] += 1
        if company_name is None:
            continue
        if "company:typo" not in kinds:  # a company keeps its brand
            assert any(b in company_name for b in brands), (key, company_name)
        written = plain(company_name)
        if not {k for k in kinds if k.startswith("company:")} and "traditional" not in kinds:
            assert written == company, (key, written, company)
            checked["company_as_registered"] += 1
        if "company:reordered" in kinds and "traditional" not in kinds:
            moved = (
                "（青岛）" in written if company.startswith("青岛") else written.startswith("青岛")
            )
            assert moved, (key, written, company)
            checked["reordered"] += 1
    assert all(checked[k] for k in ("brand_dropped", "traditional", "phase_respelled", "reordered"))


def test_foreign_investors_are_sometimes_written_in_english(city):
    variations = city.truth.name_variations
    romanized = 0
    for record in city.commerce_records:
        key = ("commerce", record["project_no"])
        owner = city.truth.record_owner[key]
        if owner is None:
            continue
        if "investor:romanized" in variations.get(key, ()):
            romanized += 1
            assert record["capital_type"] == "外资" and record["investor_name"].isascii()
            brand = romanized_brand(brand_of(city.truth.projects[owner].company_name))
            assert record["investor_name"].lower().startswith(brand.lower())
        else:
            assert not record["investor_name"].isascii()
    foreign = sum(1 for r in city.commerce_records if r["capital_type"] == "外资")
    assert 0.2 <= romanized / foreign <= 0.5


def test_every_brand_character_has_a_pinyin():
    assert romanized_brand(_BRAND_CHARS).isalpha()
    assert romanized_brand("海瑞") == "Hairui"


# ----------------------------------------------------------------------------- keys


def test_keys_as_departments_really_send_them(city):
    owned = [(s, k, r) for s, k, r, _ in valid_records(city)]
    commerce = [r for s, _, r in owned if s == "commerce"]
    with_company_uscc = sum(1 for r in commerce if r["project_company_uscc"]) / len(commerce)
    with_code = sum(1 for r in commerce if r["project_code"]) / len(commerce)
    assert 0.2 <= with_company_uscc <= 0.4 and 0.05 <= with_code <= 0.15
    assert all(r["project_code"] and r["applicant_uscc"] for s, _, r in owned if s == "approval")
    latest = {k: r for s, k, r in owned if s == "land"}  # a parcel's last row
    no_code = [r for r in latest.values() if not r["项目代码"]]
    neither = [r for r in no_code if not r["统一社会信用代码"]]
    assert 0.25 <= len(no_code) / len(latest) <= 0.42
    assert 0.35 <= len(neither) / len(no_code) <= 0.65


# ----------------------------------------------------------------------------- hard negatives


def test_hard_negative_families_are_a_few_percent_of_the_projects(city):
    found = families(city.truth)
    members = sum(len(projects) for _, projects in found.values())
    assert 0.03 <= members / len(city.truth.projects) <= 0.05
    assert {kind for kind, _ in found.values()} == set(FAMILY_KINDS)
    assert all(2 <= len(projects) <= 3 for _, projects in found.values())
    pairs = {
        tuple(sorted((a.true_project_id, b.true_project_id)))
        for _, projects in found.values()
        for i, a in enumerate(projects)
        for b in projects[i + 1 :]
    }
    assert set(city.truth.hard_negative_pairs) == pairs
    assert len(city.truth.hard_negative_pairs) == len(pairs)
    assert city.truth.hard_negative_pairs == sorted(city.truth.hard_negative_pairs)
    stages = {p.stage for _, projects in found.values() for p in projects}
    assert len(stages) >= 5  # the usual lifecycles


def test_phase_families(city):
    titles = plain_titles(city)
    compared = 0
    for kind, projects in families(city.truth).values():
        if kind != "hard_negative_phase":
            continue
        assert len({p.district_code for p in projects}) == 1
        phases = sorted(
            int(t.split(":")[1])
            for p in projects
            for t in p.traits
            if t.startswith("project_phase:")
        )
        assert phases == list(range(1, len(projects) + 1))
        same_company = len({p.company_uscc for p in projects}) == 1
        assert same_company or len({brand_of(p.company_name) for p in projects}) == 1
        known = [titles[p.true_project_id] for p in projects if p.true_project_id in titles]
        if len(known) >= 2:
            assert len(set(known)) == len(known)
            assert len({re.sub(r"[一二三]期$", "", t) for t in known}) == 1, known
            compared += 1
    assert compared


def test_parcels_carry_their_project_phase_and_no_other(city):
    phase_of = {
        pid: int(t.split(":")[1])
        for pid, p in city.truth.projects.items()
        for t in p.traits
        if t.startswith("project_phase:")
    }
    seen = 0
    for source, _, record, pid in valid_records(city):
        if source != "land":
            continue
        found = phases_in(record["项目名称"])
        if pid in phase_of:
            assert found == {phase_of[pid]}, record["项目名称"]
            seen += 1
        else:
            assert not found, record["项目名称"]
    assert seen


def test_two_district_families(city):
    investor_usccs = defaultdict(set)
    for source, _, record, pid in valid_records(city):
        if source == "commerce" and record["investor_uscc"]:
            investor_usccs[pid].add(record["investor_uscc"])
    shared_investor = 0
    for kind, projects in families(city.truth).values():
        if kind != "hard_negative_two_districts":
            continue
        assert len({p.district_code for p in projects}) == len(projects)
        assert len({p.company_uscc for p in projects}) == len(projects)
        assert len({brand_of(p.company_name) for p in projects}) == 1
        seen = set().union(*(investor_usccs[p.true_project_id] for p in projects))
        assert len(seen) <= 1
        if sum(1 for p in projects if investor_usccs[p.true_project_id]) >= 2:
            shared_investor += 1
    assert shared_investor


def test_shared_company_families(city):
    titles = plain_titles(city)
    by_project = defaultdict(list)
    for source, _, record, pid in valid_records(city):
        by_project[pid].append((source, record))
    departments_seen = set()
    for kind, projects in families(city.truth).values():
        if kind != "hard_negative_shared_company":
            continue
        assert len({(p.company_name, p.company_uscc, p.district_code) for p in projects}) == 1
        company = projects[0].company_uscc
        for project in projects:
            for source, record in by_project[project.true_project_id]:
                written = company_uscc(source, record)
                assert written in (None, "", company), (source, written)
                if written:
                    departments_seen.add(source)
        known = [titles[p.true_project_id] for p in projects if p.true_project_id in titles]
        assert len(set(known)) == len(known)
    assert departments_seen == set(DEPARTMENTS)


# ----------------------------------------------------------------------------- scale, plumbing


def test_ten_thousand_projects_are_generated_whole():
    # How fast is the benchmark's business (bench/resolution.py), not a test's.
    scenario = generate_scenario(10_000, 3, name_variation="realistic")
    assert len(scenario.truth.projects) == 10_000
    assert scenario.truth.hard_negative_pairs


def test_names_flag_of_demo_and_sandbox_serve(monkeypatch, tmp_path):
    import hub.demo
    import hub.sandbox
    from hub.cli import build_parser, main

    parser = build_parser()
    assert parser.parse_args(["demo"]).names == "none"
    assert parser.parse_args(["sandbox", "serve"]).names == "none"
    with pytest.raises(SystemExit):
        parser.parse_args(["demo", "--names", "messy"])

    calls = {}
    monkeypatch.setattr(hub.demo, "run_demo", lambda settings, **kw: calls.setdefault("demo", kw))
    monkeypatch.setattr(
        hub.sandbox, "serve_forever", lambda *a, **kw: calls.setdefault("serve", kw)
    )
    main(["demo", "--names", "realistic", "--via", "cli"])
    assert calls["demo"]["names"] == "realistic"
    main(["sandbox", "serve", "--names", "realistic", "--land-dir", str(tmp_path)])
    assert calls["serve"]["name_variation"] == "realistic"
    assert calls["serve"]["faults"] is None


def test_realistic_records_keep_their_contract_shape(city):
    import jsonschema

    from hub.config import PROJECT_ROOT
    from hub.sources import department

    bad = city.truth.bad_records
    for source in DEPARTMENTS:
        path = PROJECT_ROOT / "schemas" / source / f"{department(source).entity}.json"
        validator = jsonschema.Draft202012Validator(json.loads(path.read_text(encoding="utf-8")))
        for _, key, record in (r for r in records(city) if r[0] == source):
            if (source, key) not in bad:
                errors = sorted(e.message for e in validator.iter_errors(record))
                assert not errors, (record, errors)
