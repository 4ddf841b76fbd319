"""Entity resolution: code groups, scored candidates within blocks, constrained merging,
steward must/cannot-links, review candidates, and stable hub project ids."""

import itertools
from datetime import date

from hub.resolve.evaluation import pairwise_quality
from hub.resolve.ids import assign_project_ids
from hub.resolve.linking import StewardDecision, link_records
from hub.resolve.records import MatchRecord

CODE_A = "2024-370212-27-03-004512"
CODE_B = "2024-370212-27-03-004513"
SHINAN, LAOSHAN = "370202", "370212"


def rec(
    system,
    key,
    code=None,
    uscc=None,
    company=None,
    project=None,
    *,
    district=SHINAN,
    amount=None,
    first_on=None,
    investor=None,
    investor_uscc=None,
    evidence=True,
):
    return MatchRecord(
        system,
        key,
        code,
        uscc,
        company,
        project,
        investor,
        investor_uscc,
        district,
        amount,
        first_on,
        evidence,
    )


def allocator(start=100):
    counter = itertools.count(start)
    return lambda n: [next(counter) for _ in range(n)]


def resolve(records, existing=None, redirects=None, start=100, decisions=()):
    linkage = link_records(records, decisions)
    return assign_project_ids(linkage.clusters, existing or {}, redirects or {}, allocator(start))


def same(resolution, *keys):
    return len({resolution.links[k].hub_project_id for k in keys}) == 1


def test_same_code_is_one_project():
    r = resolve([rec("approval", "E1", CODE_A, "U1"), rec("stats", "S1", CODE_A, "U1")])
    assert same(r, ("approval", "E1"), ("stats", "S1"))
    assert r.links[("stats", "S1")].match_method == "project_code"


def test_codeless_record_joins_by_company_uscc_and_name():
    r = resolve(
        [
            rec(
                "approval", "E1", CODE_A, "U1", "国药生命港（青岛）有限公司", "国药生命港产业园项目"
            ),
            rec("commerce", "C1", None, "U1", "国药生命港(青岛)有限公司", "国药生命港产业园"),
        ]
    )
    link = r.links[("commerce", "C1")]
    assert same(r, ("approval", "E1"), ("commerce", "C1"))
    assert link.match_method == "uscc_name"
    assert 0.99 <= link.match_score <= 1.0


def test_different_codes_never_merge_even_with_the_same_names():
    r = resolve(
        [
            rec("approval", "E1", CODE_A, "U1", "海瑞科技（青岛）有限公司", "海瑞汽车产业园"),
            rec("stats", "S1", CODE_B, "U1", "海瑞科技（青岛）有限公司", "海瑞汽车产业园"),
        ]
    )
    assert not same(r, ("approval", "E1"), ("stats", "S1"))


def test_names_link_records_without_any_shared_key():
    r = resolve(
        [
            rec(
                "approval",
                "E1",
                CODE_A,
                "U1",
                "青岛海瑞新能源科技有限公司",
                "海瑞新能源汽车产业园项目",
                amount=52000,
                first_on=date(2024, 5, 1),
            ),
            rec(
                "commerce",
                "C1",
                None,
                None,
                None,
                "海瑞新能源汽车产业园项目",
                amount=50000,
                first_on=date(2024, 3, 1),
                investor="海瑞控股集团有限公司",
                investor_uscc="G1",
            ),
        ]
    )
    assert same(r, ("approval", "E1"), ("commerce", "C1"))
    assert r.links[("commerce", "C1")].match_method == "probabilistic"


def test_phase_markers_keep_projects_apart():
    r = resolve(
        [
            rec("approval", "E1", CODE_A, "U1", "海瑞科技（青岛）有限公司", "海瑞汽车产业园一期"),
            rec("land", "L2", None, "U1", "海瑞科技（青岛）有限公司", "海瑞汽车产业园二期"),
        ]
    )
    assert not same(r, ("approval", "E1"), ("land", "L2"))


def test_districts_keep_projects_apart():
    r = resolve(
        [
            rec(
                "commerce",
                "C1",
                None,
                None,
                None,
                "海瑞汽车产业园",
                investor_uscc="G1",
                district=SHINAN,
            ),
            rec(
                "commerce",
                "C2",
                None,
                None,
                None,
                "海瑞汽车产业园",
                investor_uscc="G1",
                district=LAOSHAN,
            ),
        ]
    )
    assert not same(r, ("commerce", "C1"), ("commerce", "C2"))


def test_one_company_with_two_projects_is_two_projects():
    company = "青岛海瑞园区运营有限公司"
    r = resolve(
        [
            rec("approval", "E1", CODE_A, "U1", company, "海瑞生物医药研发中心"),
            rec("approval", "E2", CODE_B, "U1", company, "海瑞智能装备制造基地"),
            rec("land", "L1", None, "U1", company, "海瑞智能装备制造基地"),
            rec("stats", "S1", None, "U1", company, "海瑞生物医药研发中心项目"),
        ]
    )
    assert same(r, ("approval", "E2"), ("land", "L1"))
    assert same(r, ("approval", "E1"), ("stats", "S1"))
    assert not same(r, ("approval", "E1"), ("approval", "E2"))


def test_middling_score_becomes_a_review_candidate_not_a_link():
    records = [
        rec("approval", "E1", CODE_A, "U1", "青岛海瑞新能源科技有限公司", "海瑞新能源汽车产业园"),
        rec("commerce", "C1", None, None, None, "海瑞新能源产业园", investor="海瑞集团有限公司"),
    ]
    linkage = link_records(records)
    assert len(linkage.clusters) == 2
    [candidate] = linkage.candidates
    assert {candidate.record, candidate.target} == {("approval", "E1"), ("commerce", "C1")}
    assert 0.6 <= candidate.score < 0.99
    assert "project_name" in candidate.evidence["weights"]


def test_steward_accept_links_and_reject_keeps_apart():
    records = [
        rec("approval", "E1", CODE_A, "U1", "青岛海瑞新能源科技有限公司", "海瑞新能源汽车产业园"),
        rec("commerce", "C1", None, None, None, "海瑞新能源产业园", investor="海瑞集团有限公司"),
    ]
    accepted = resolve(
        records, decisions=[StewardDecision(("commerce", "C1"), ("approval", "E1"), True)]
    )
    assert same(accepted, ("commerce", "C1"), ("approval", "E1"))
    assert accepted.links[("commerce", "C1")].match_method == "steward"
    rejected = link_records(
        records, [StewardDecision(("commerce", "C1"), ("approval", "E1"), False)]
    )
    assert rejected.candidates == [] and len(rejected.clusters) == 2


def test_steward_reject_outweighs_a_confident_score():
    records = [
        rec("approval", "E1", CODE_A, "U1", "海瑞科技（青岛）有限公司", "海瑞汽车产业园"),
        rec("land", "L1", None, "U1", "海瑞科技（青岛）有限公司", "海瑞汽车产业园"),
    ]
    assert same(resolve(records), ("approval", "E1"), ("land", "L1"))
    r = resolve(records, decisions=[StewardDecision(("land", "L1"), ("approval", "E1"), False)])
    assert not same(r, ("approval", "E1"), ("land", "L1"))


def test_one_live_commerce_record_per_project():
    records = [
        rec("approval", "E1", CODE_A, "U1", "海瑞科技（青岛）有限公司", "海瑞汽车产业园"),
        rec("commerce", "C1", None, "U1", "海瑞科技（青岛）有限公司", "海瑞汽车产业园"),
        rec("commerce", "C2", None, "U1", "海瑞科技（青岛）有限公司", "海瑞汽车产业园"),
        rec(
            "commerce",
            "C3",
            None,
            "U1",
            "海瑞科技（青岛）有限公司",
            "海瑞汽车产业园",
            evidence=False,
        ),
    ]
    r = resolve(records)
    commerce_projects = {
        r.links[k].hub_project_id for k in r.links if k[0] == "commerce" and k != ("commerce", "C3")
    }
    assert len(commerce_projects) == 2
    assert ("commerce", "C3") in r.links  # a soft-deleted copy joins, whatever its stage


def test_non_evidence_alone_founds_nothing_but_joins():
    alone = resolve([rec("commerce", "C1", None, "U9", evidence=False)])
    assert alone.links == {}


def test_date_order_counts_against_a_link():
    base = dict(company="海瑞科技（青岛）有限公司", project="海瑞汽车产业园")
    ordered = link_records(
        [
            rec("approval", "E1", CODE_A, "U1", first_on=date(2024, 5, 1), **base),
            rec("commerce", "C1", first_on=date(2024, 1, 1), **base),
        ]
    )
    broken = link_records(
        [
            rec("approval", "E1", CODE_A, "U1", first_on=date(2024, 5, 1), **base),
            rec("commerce", "C1", first_on=date(2025, 1, 1), **base),
        ]
    )
    assert len(ordered.clusters) == 1
    assert len(broken.clusters) == 2


def test_ids_are_stable_across_runs():
    records = [rec("approval", "E1", CODE_A, "U1"), rec("commerce", "C9")]
    first = resolve(records)
    existing = {key: link.hub_project_id for key, link in first.links.items()}
    second = resolve(records, existing, start=500)
    assert {k: v.hub_project_id for k, v in second.links.items()} == existing
    assert second.new_project_ids == []


def test_merge_keeps_smallest_id_and_retires_other():
    existing = {("commerce", "C1"): 1, ("approval", "E1"): 2}
    r = resolve([rec("commerce", "C1", CODE_A), rec("approval", "E1", CODE_A)], existing)
    assert {link.hub_project_id for link in r.links.values()} == {1}
    assert r.retired == {2: 1}


def test_redirects_are_followed():
    r = resolve([rec("approval", "E1", CODE_A)], {("approval", "E1"): 2}, {2: 1})
    assert r.links[("approval", "E1")].hub_project_id == 1


def test_split_keeps_id_with_larger_part():
    existing = {("approval", "E1"): 7, ("stats", "S1"): 7, ("land", "L1"): 7}
    records = [rec("approval", "E1", CODE_A), rec("stats", "S1", CODE_A), rec("land", "L1", CODE_B)]
    r = resolve(records, existing)
    assert r.links[("approval", "E1")].hub_project_id == 7
    assert r.links[("land", "L1")].hub_project_id == 100


def test_linking_ignores_input_order():
    records = [
        rec("approval", "E1", CODE_A, "U1", "海瑞科技（青岛）有限公司", "海瑞汽车产业园"),
        rec("land", "L1", None, "U1", "海瑞科技（青岛）有限公司", "海瑞汽车产业园"),
        rec("commerce", "C1", None, "U2", "德昌电子（青岛）有限公司", "德昌电子研发中心"),
    ]
    a, b = resolve(records), resolve(list(reversed(records)))
    assert {k: v.hub_project_id for k, v in a.links.items()} == {
        k: v.hub_project_id for k, v in b.links.items()
    }


def test_pairwise_quality_counts_pairs_by_department():
    truth = {
        ("commerce", "C1"): "P1",
        ("land", "L1"): "P1",
        ("stats", "S1"): "P1",
        ("land", "L2"): "P2",
        ("land", "BAD"): None,
    }
    predicted = {("commerce", "C1"): 1, ("land", "L1"): 1, ("stats", "S1"): 2, ("land", "L2"): 2}
    quality = pairwise_quality(predicted, truth)
    assert (
        quality["all"].true_positive,
        quality["all"].false_positive,
        quality["all"].false_negative,
    ) == (1, 1, 2)
    assert quality["commerce–land"].recall == 1.0
    assert quality["land–stats"].precision == 0.0
    assert quality["commerce–stats"].recall == 0.0
