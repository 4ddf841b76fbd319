"""``generate_scenario``: the builder that plans every project, lets each department write
about it in a fixed order, hides keys when asked, and keeps the truth."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hub.sandbox.scenario.approval import _ApprovalWriter
from hub.sandbox.scenario.commerce import _CommerceWriter
from hub.sandbox.scenario.land import _LandWriter
from hub.sandbox.scenario.model import _Plan
from hub.sandbox.scenario.planning import _Planner
from hub.sandbox.scenario.reference import load_reference
from hub.sandbox.scenario.stats import _StatsWriter
from hub.sandbox.scenario.truth import (
    _IN_STATS,
    _LANDED_OR_LATER,
    SOURCE_SYSTEMS,
    STAGES,
    GroundTruth,
    Scenario,
    TrueProject,
    _month_label,
)
from hub.sandbox.variation import NAME_VARIATIONS


def generate_scenario(
    size: int,
    seed: int,
    *,
    bad_rate: float = 0.03,
    hard_match_rate: float = 0.0,
    reference_dir: Path | None = None,
    name_variation: str = "none",
) -> Scenario:
    """Generate ``size`` true projects and the four departments' records of them.

    ``bad_rate``: per department, about this fraction of its record count is added as broken
    copies. ``hard_match_rate``: this fraction of commerce, land and stats records loses the
    exact keys (project code, company USCC) that link it — the truth does not change.

    ``name_variation``: ``"none"`` (names as the model decided them, give or take brackets
    and spaces; byte for byte the scenario of before the knob) or ``"realistic"``:

    - names: each department's clerk writes each record's names independently
      (hub/sandbox/variation.py: abbreviations, reordering, qualifiers, the brand dropped
      from a project's name, phase spellings, rare typos, traditional characters, English
      names of foreign investors), on top of the brackets and spaces of ``"none"``.
    - keys, as departments really send them: commerce shows the project company's USCC on
      ~30% of its records (it knows the investor group's USCC, ``investor_uscc``, as at
      ``"none"``) and the national project code on ~13% (only for a project another
      department knows); a third of land parcels carry no project code, and half of those
      no USCC either (so ~1/6 carry neither); stats rows lack the code for ~10% of its
      projects, as at ``"none"``; approval events always carry code and applicant USCC.
    - hard negatives: ~4% of the ``size`` projects are planned in families that look alike
      but are distinct projects, with normal lifecycles (traits ``hard_negative_phase``,
      ``hard_negative_two_districts``, ``hard_negative_shared_company``, and
      ``hard_negative_family:<id>``; the pairs in ``GroundTruth.hard_negative_pairs``).
      A phased project's parcels carry its own phase, not a parcel phase.
    """
    if size < 0:
        raise ValueError("size must be >= 0")
    for name, rate in (("bad_rate", bad_rate), ("hard_match_rate", hard_match_rate)):
        if not 0.0 <= rate <= 1.0:
            raise ValueError(f"{name} must be within [0, 1]")
    if name_variation not in NAME_VARIATIONS:
        raise ValueError(f"name_variation must be one of {NAME_VARIATIONS}, not {name_variation!r}")
    return _ScenarioBuilder(
        size,
        seed,
        bad_rate,
        hard_match_rate,
        load_reference(reference_dir),
        realistic=name_variation == "realistic",
    ).build()


class _ScenarioBuilder(_Planner, _ApprovalWriter, _LandWriter, _StatsWriter, _CommerceWriter):
    """Plans every project, then lets each department write about it.

    Department emission order is fixed (approval, land, stats, then commerce) because
    commerce's record depends on what the others know: a project any other department knows
    gets its project company's USCC on the commerce record.
    """

    # ------------------------------------------------------------------ orchestration

    def build(self) -> Scenario:
        plans = self._plan_projects()
        for plan in plans:
            self._emit_approval(plan)
            self._emit_land(plan)
            self._emit_stats(plan)
        for plan in plans:
            self._emit_commerce(plan)
        self._emit_soft_deleted_duplicates(plans)
        self._add_bad_commerce()
        self._add_bad_approval()
        self._add_bad_land()
        self._add_bad_stats()
        if self.hard_match_rate:
            self._hide_exact_keys()
        approval_events = self._finish_approval()
        truth = GroundTruth(
            size=self.size,
            seed=self.seed,
            projects={plan.pid: self._true_project(plan) for plan in plans},
            record_owner=dict(sorted(self.record_owner.items(), key=_record_key_order)),
            bad_records=dict(sorted(self.bad_records.items(), key=_record_key_order)),
            non_evidence=dict(sorted(self.non_evidence.items(), key=_record_key_order)),
            hard_negative_pairs=sorted(self.hard_negative_pairs),
            name_variations={
                key: kinds
                for key, kinds in sorted(self.name_variations.items(), key=_record_key_order)
                if self.record_owner.get(key)
            },
        )
        return Scenario(
            commerce_records=sorted(
                self.commerce_records, key=lambda r: (r["updated_at"], r["project_no"])
            ),
            approval_events=approval_events,
            land_files=self._finish_land_files(),
            stats_periods=self._finish_stats_periods(),
            truth=truth,
        )

    # ------------------------------------------------------------------ hard matching

    def _hide_exact_keys(self) -> None:
        """Take the linking keys off a fraction of commerce, land and stats records.

        Done last, with its own random stream, so every other draw — and so the truth — is
        the same as without it. Approval keeps its keys: the code and USCC are what it is.
        """
        hidden = self.hard_rng
        rate = self.hard_match_rate
        for record in self.commerce_records:
            is_bad = ("commerce", record["project_no"]) in self.bad_records
            if not is_bad and hidden.random() < rate:
                record["project_company_uscc"] = None
                record["project_code"] = None
        parcels_hidden: dict[str, bool] = {}
        for _, _, row in self.land_rows:
            parcel = row["宗地编号"]
            if ("land", parcel) in self.bad_records:
                continue
            if parcel not in parcels_hidden:
                parcels_hidden[parcel] = hidden.random() < rate
            if parcels_hidden[parcel]:
                row["项目代码"] = row["统一社会信用代码"] = ""
        # The roster's reporting unit becomes a sibling entity, without the project code.
        stand_ins: dict[str, tuple[str, str] | None] = {}
        for rows in self.stats_rows.values():
            for row in rows:
                stat_id = row["stat_project_id"]
                if ("stats", stat_id) in self.bad_records:
                    continue
                if stat_id not in stand_ins:
                    stand_ins[stat_id] = None
                    if hidden.random() < rate:
                        sibling = _sibling_unit(row["legal_unit_name"])
                        stand_ins[stat_id] = (sibling, self._new_uscc(row["district_code"], hidden))
                if stand_ins[stat_id]:
                    row["legal_unit_name"], row["legal_unit_uscc"] = stand_ins[stat_id]
                    row["project_code"] = None

    def _true_project(self, plan: _Plan) -> TrueProject:
        reached = STAGES.index(plan.stage)
        commerce = plan.commerce_known
        if plan.stage in _IN_STATS:
            planned = plan.stats_planned_wan
        elif plan.stage in _LANDED_OR_LATER:
            planned = plan.filed_investment_wan
        else:
            planned = plan.investment_wan
        return TrueProject(
            true_project_id=plan.pid,
            stage=plan.stage,
            commerce_stage=plan.commerce_stage,
            negotiation_started_on=plan.negotiation_on
            if commerce and plan.commerce_negotiation_filled
            else None,
            signed_on=plan.signed_on if commerce and plan.commerce_signed_on_filled else None,
            landed_on=plan.landed_on if plan.stage in _LANDED_OR_LATER else None,
            construction_started_on=(
                plan.construction_on
                if STAGES.index("under_construction") <= reached < STAGES.index("terminated")
                and "commerce_only_construction" not in plan.traits
                else None
            ),
            stats_included_month=_month_label(plan.included_month)
            if plan.stage in _IN_STATS
            else None,
            production_on=plan.production_on,
            terminated_on=plan.terminated_on if plan.stage == "terminated" else None,
            signed_investment_wan=plan.investment_wan if commerce else None,
            planned_investment_wan=planned,
            district_code=plan.district.code,
            project_code=plan.project_code,
            company_name=plan.company_name,
            company_uscc=plan.company_uscc,
            sources=tuple(s for s in SOURCE_SYSTEMS if s in self.served_sources[plan.pid]),
            traits=tuple(sorted(plan.traits)),
        )


def _sibling_unit(name: str) -> str:
    """A sibling entity's name: 海瑞科技（青岛）有限公司 → 海瑞科技（青岛）建设管理有限公司."""
    if "有限公司" in name:
        return name.replace("有限公司", "建设管理有限公司", 1)
    cut = name.rfind("公司")  # a clerk's 公司 for 有限公司 (name_variation="realistic")
    return name[:cut] + "建设管理有限公司" + name[cut + 2 :] if cut >= 0 else name + "建设管理"


def _record_key_order(item: tuple[tuple[str, str], Any]) -> tuple[int, str]:
    (system, key), _ = item
    return SOURCE_SYSTEMS.index(system), key
