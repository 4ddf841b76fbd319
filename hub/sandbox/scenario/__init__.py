"""A generated city with a known answer: what the four departments publish, and the truth.

Why a generative model: the hub's job is to recover each project's lifecycle from four
departments' partial, late and messy records. Computing the expected answer by applying the
lifecycle rules to those same records would only test the rules against themselves. So each
true project's lifecycle is decided first — stage, dates, company, investor, district,
industry, money — and only then does each department emit the records that are evidence of
exactly that lifecycle. Around them the departments emit records that are valid input but
not evidence (soft-deleted commerce records, withdrawn parcels, refused / revoked /
superseded approval events, superseded stats revisions), chosen so that a hub counting them
would get a stage or a date wrong; and broken copies that must be rejected whole.

Conventions of the ground truth (``TrueProject``):

- A date is what the evidence shows: the earliest evidence date of that milestone; None when
  the only evidence carries no date (commerce stage ``已开工`` alone gives no start date) or
  when the project never reached the milestone. ``signed_on`` and ``negotiation_started_on``
  are commerce's own fields (None when commerce left them blank or does not know the project).
- A filing that was corrected (a ``准予`` superseding an earlier ``准予``) counts from the
  correction: the superseded original is not evidence, whatever its date.
- ``terminated_on`` is the day commerce marked the record ``已终止`` (its ``updated_at``).

Everything is deterministic for (size, seed): one ``random.Random(seed)`` drives the model,
no set is ever iterated, and "today" is fixed at 2025-06-30 (+08:00).

``name_variation="realistic"`` (``"none"`` by default, which changes nothing) makes the
departments write names and keys as real ones do (see ``generate_scenario``;
hub/sandbox/variation.py for the name styles) and plans hard-negative families: projects
that look alike but must never be linked (``GroundTruth.hard_negative_pairs``).

The package, one module per concern: ``truth`` (the published shapes, the calendar and the
answer key), ``reference`` (the city's reference data, identifiers), ``model`` (a project's
plan), ``base`` (the builder's state and shared helpers), ``planning`` (stages, dates,
traits, hard negatives), one module per department's share (``approval``, ``land``,
``stats``, ``commerce``: its records, its broken copies) and ``builder`` (the order they
run in, hidden keys, the truth; ``generate_scenario``).
"""

from __future__ import annotations

from hub.sandbox.scenario.builder import generate_scenario
from hub.sandbox.scenario.reference import (
    USCC_ALPHABET,
    District,
    IndustryChain,
    Reference,
    default_reference_dir,
    load_reference,
    uscc_check_char,
)
from hub.sandbox.scenario.truth import (
    FIRST_STATS_PERIOD,
    LAST_STATS_PERIOD,
    LOCAL_TZ,
    NON_EVIDENCE_REASONS,
    REASON_CODES,
    SCENARIO_TODAY,
    SOURCE_SYSTEMS,
    STAGES,
    GroundTruth,
    LandFile,
    Scenario,
    StatsPeriod,
    TrueProject,
)

__all__ = [
    "FIRST_STATS_PERIOD",
    "LAST_STATS_PERIOD",
    "LOCAL_TZ",
    "NON_EVIDENCE_REASONS",
    "REASON_CODES",
    "SCENARIO_TODAY",
    "SOURCE_SYSTEMS",
    "STAGES",
    "USCC_ALPHABET",
    "District",
    "GroundTruth",
    "IndustryChain",
    "LandFile",
    "Reference",
    "Scenario",
    "StatsPeriod",
    "TrueProject",
    "default_reference_dir",
    "generate_scenario",
    "load_reference",
    "uscc_check_char",
]
