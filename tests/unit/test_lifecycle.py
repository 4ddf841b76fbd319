"""The lifecycle rules of contracts/warehouse.md, one case each."""

import datetime as dt

import pytest

from hub.lifecycle import Evidence, derive_lifecycle

D = dt.date


def ev(milestone, on=None, source="commerce"):
    return Evidence(milestone, on, source)


def test_no_evidence_means_no_stage():
    assert derive_lifecycle([]) is None


def test_furthest_milestone_wins_and_dates_are_earliest():
    lc = derive_lifecycle(
        [
            ev("signed", D(2024, 3, 1)),
            ev("landed", D(2024, 5, 2), "approval"),
            ev("landed", D(2024, 4, 20), "land"),
            ev("landed", None),  # commerce stage, no date
            ev("under_construction", D(2024, 7, 1), "approval"),
        ]
    )
    assert lc.stage == "under_construction"
    assert lc.stage_zh == "在建"
    assert lc.milestone_dates["landed"] == D(2024, 4, 20)
    assert lc.milestone_dates["signed"] == D(2024, 3, 1)
    assert not lc.terminated_overruled


def test_undated_evidence_still_counts():
    lc = derive_lifecycle([ev("landed", None)])
    assert lc.stage == "landed"
    assert lc.milestone_dates == {"landed": None}


@pytest.mark.parametrize("furthest", ["negotiating", "signed"])
def test_terminated_wins_before_landing(furthest):
    lc = derive_lifecycle([ev(furthest, D(2024, 1, 1)), ev("terminated", D(2024, 6, 1))])
    assert lc.stage == "terminated"
    assert lc.terminated_on == D(2024, 6, 1)
    assert not lc.terminated_overruled


def test_terminated_only():
    assert derive_lifecycle([ev("terminated")]).stage == "terminated"


@pytest.mark.parametrize(
    "later", ["landed", "under_construction", "in_statistics", "in_production"]
)
def test_later_evidence_overrules_terminated(later):
    lc = derive_lifecycle(
        [ev("signed"), ev("terminated", D(2024, 6, 1)), ev(later, D(2024, 8, 1), "stats")]
    )
    assert lc.stage == later
    assert lc.terminated_overruled


def test_in_production_is_furthest():
    lc = derive_lifecycle(
        [ev("in_statistics", D(2023, 5, 1), "stats"), ev("in_production", D(2024, 9, 9), "stats")]
    )
    assert lc.stage == "in_production"


def test_unknown_milestone_is_a_bug():
    with pytest.raises(ValueError):
        derive_lifecycle([ev("dreaming")])
