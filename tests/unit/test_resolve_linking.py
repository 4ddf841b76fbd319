"""Exact-key entity resolution: grouping rules and stable hub project ids."""

import itertools

from hub.resolve.exact import SourceRef, assign_project_ids, group_records
from hub.resolve.names import name_similarity, normalize_name


def ref(system, key, code=None, uscc=None, name=None, evidence=True):
    return SourceRef(system, key, code, uscc, name, evidence)


def allocator(start=100):
    counter = itertools.count(start)
    return lambda n: [next(counter) for _ in range(n)]


def resolve(refs, existing=None, redirects=None, start=100):
    return assign_project_ids(
        group_records(refs), existing or {}, redirects or {}, allocator(start)
    )


CODE_A = "2024-370212-27-03-004512"
CODE_B = "2024-370212-27-03-004513"


def test_same_code_is_one_project():
    r = resolve([ref("approval", "E1", CODE_A, "U1"), ref("stats", "S1", CODE_A, "U1")])
    assert r.links[("approval", "E1")].hub_project_id == r.links[("stats", "S1")].hub_project_id
    assert r.links[("stats", "S1")].match_method == "project_code"


def test_codeless_record_joins_by_company_uscc():
    r = resolve(
        [
            ref("approval", "E1", CODE_A, "U1", "国药生命港（青岛）有限公司"),
            ref("commerce", "C1", None, "U1", "国药生命港(青岛)有限公司"),
        ]
    )
    link = r.links[("commerce", "C1")]
    assert link.hub_project_id == r.links[("approval", "E1")].hub_project_id
    assert link.match_method == "uscc_name"
    assert link.match_score == 1.0


def test_uscc_shared_by_two_codes_is_ambiguous():
    r = resolve(
        [
            ref("approval", "E1", CODE_A, "U1"),
            ref("approval", "E2", CODE_B, "U1"),
            ref("land", "L1", None, "U1"),
        ]
    )
    assert r.links[("land", "L1")].match_method == "new"
    assert len({link.hub_project_id for link in r.links.values()}) == 3


def test_different_codes_never_merge():
    r = resolve([ref("approval", "E1", CODE_A, "U1"), ref("stats", "S1", CODE_B, "U2")])
    assert r.links[("approval", "E1")].hub_project_id != r.links[("stats", "S1")].hub_project_id


def test_codeless_records_group_by_uscc():
    r = resolve([ref("commerce", "C1", None, "U9"), ref("land", "L1", None, "U9")])
    assert r.links[("commerce", "C1")].hub_project_id == r.links[("land", "L1")].hub_project_id


def test_non_evidence_alone_founds_nothing_but_joins():
    alone = resolve([ref("commerce", "C1", None, "U9", evidence=False)])
    assert alone.links == {}
    joined = resolve(
        [ref("commerce", "C1", None, "U9", evidence=False), ref("approval", "E1", CODE_A, "U9")]
    )
    assert ("commerce", "C1") in joined.links


def test_ids_are_stable_across_runs():
    refs = [ref("approval", "E1", CODE_A, "U1"), ref("commerce", "C9", None, None)]
    first = resolve(refs)
    existing = {key: link.hub_project_id for key, link in first.links.items()}
    second = resolve(refs, existing, start=500)
    assert {k: v.hub_project_id for k, v in second.links.items()} == existing
    assert second.new_project_ids == []


def test_merge_keeps_smallest_id_and_retires_other():
    # Commerce first stood alone (id 1), then filled in the code approval knows (id 2).
    existing = {("commerce", "C1"): 1, ("approval", "E1"): 2}
    r = resolve([ref("commerce", "C1", CODE_A), ref("approval", "E1", CODE_A)], existing)
    assert {link.hub_project_id for link in r.links.values()} == {1}
    assert r.retired == {2: 1}


def test_redirects_are_followed():
    r = resolve([ref("approval", "E1", CODE_A)], {("approval", "E1"): 2}, {2: 1})
    assert r.links[("approval", "E1")].hub_project_id == 1


def test_split_keeps_id_with_larger_part():
    existing = {("approval", "E1"): 7, ("stats", "S1"): 7, ("land", "L1"): 7}
    refs = [ref("approval", "E1", CODE_A), ref("stats", "S1", CODE_A), ref("land", "L1", CODE_B)]
    r = resolve(refs, existing)
    assert r.links[("approval", "E1")].hub_project_id == 7
    assert r.links[("land", "L1")].hub_project_id == 100


def test_grouping_ignores_input_order():
    refs = [
        ref("approval", "E1", CODE_A, "U1"),
        ref("land", "L1", None, "U1"),
        ref("commerce", "C1", None, "U2"),
    ]
    a = resolve(refs)
    b = resolve(list(reversed(refs)))
    assert {k: v.hub_project_id for k, v in a.links.items()} == {
        k: v.hub_project_id for k, v in b.links.items()
    }


def test_name_normalisation():
    assert normalize_name("国药生命港（青岛） 有限公司") == "国药生命港(青岛)"
    assert normalize_name("海尔股份有限公司") == "海尔"
    assert normalize_name(None) == ""
    assert name_similarity("青岛港（集团）有限公司", "青岛港(集团)有限责任公司") == 1.0
    assert name_similarity("甲", None) == 0.0
