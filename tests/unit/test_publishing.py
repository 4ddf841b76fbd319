"""When a publish may recompute only what changed, and when it must recompute everything."""

from hub.publishing import Fingerprints, full_publish_reason

NOW = Fingerprints(inputs="i2", hub_tables="h1", rules="r1")


def test_a_publish_builds_on_the_last_when_only_department_data_changed():
    last = Fingerprints(inputs="i1", hub_tables="h1", rules="r1")
    assert full_publish_reason(last, NOW) is None


def test_the_first_publish_and_one_after_an_older_hub_are_full():
    assert full_publish_reason(None, NOW) == "no earlier publish to build on"
    before_upgrade = Fingerprints(inputs="i1", hub_tables="", rules="")
    assert full_publish_reason(before_upgrade, NOW) == "no earlier publish to build on"


def test_new_rules_make_a_publish_full():
    last = Fingerprints(inputs="i1", hub_tables="h1", rules="r0")
    assert "code" in full_publish_reason(last, NOW)


def test_a_steward_decision_or_a_hand_edit_makes_a_publish_full():
    last = Fingerprints(inputs="i1", hub_tables="h0", rules="r1")
    assert "steward" in full_publish_reason(last, NOW)
