"""The statistics bureau's share: each project's monthly roster rows (revisions, suspensions,
premature inclusions), the periods they are published in, and its broken copies."""

from __future__ import annotations

from datetime import date
from typing import Any

from hub.sandbox.scenario.base import _BuilderBase
from hub.sandbox.scenario.model import _Plan
from hub.sandbox.scenario.truth import (
    _CURRENT_REVISION,
    _FIRST_OPEN_PERIOD,
    _IN_STATS,
    FIRST_STATS_PERIOD,
    LAST_STATS_PERIOD,
    SCENARIO_TODAY,
    StatsPeriod,
    _month_index,
    _month_label,
)


class _StatsWriter(_BuilderBase):
    """What the statistics bureau writes about a plan."""

    def _stats_identity(self, plan: _Plan) -> dict[str, Any]:
        stat_id = self._new_stat_id(plan.district.code)
        names = self._names("stats")  # the roster keeps a project's names month after month
        project_name, company_name = f"{plan.title}项目", plan.company_name
        if names is not None:
            project_name = names.project(self._title(plan), "项目")
            company_name = names.company(plan.company_name)
            self._noted("stats", stat_id, names)
        return {
            "stat_project_id": stat_id,
            "project_code": None if "stats_without_code" in plan.traits else plan.project_code,
            "project_name": self._styled(project_name, "stats"),
            "legal_unit_name": self._styled(company_name, "stats"),
            "legal_unit_uscc": plan.company_uscc,
            "district_code": plan.district.code,
            "industry_code": plan.industry_code,
            "planned_investment_wan": plan.stats_planned_wan,
        }

    def _cumulative_investment(self, plan: _Plan, month: int) -> float:
        if month < plan.start_month:
            return 0.0
        progress = min(1.0, (month - plan.start_month + 1) / plan.build_months)
        if plan.suspended_from is not None and month >= plan.suspended_from:
            progress = min(
                progress, (plan.suspended_from - plan.start_month + 1) / plan.build_months
            )
        return plan.stats_planned_wan * progress

    def _emit_stats(self, plan: _Plan) -> None:
        if "premature_stats_inclusion" in plan.traits:
            # Counted in a revision the bureau replaced before anyone should have used it.
            identity = self._stats_identity(plan)
            month = _month_index(plan.construction_on)
            self._own(
                "stats",
                identity["stat_project_id"],
                plan.pid,
                non_evidence="superseded_revision",
                served=False,
            )
            self.stats_rows[(_month_label(LAST_STATS_PERIOD), 1)].append(
                {
                    **identity,
                    "completed_investment_ytd_wan": round(plan.stats_planned_wan * 0.05, 1),
                    "start_month": _month_label(month),
                    "included_month": _month_label(LAST_STATS_PERIOD),
                    "status": "新开工",
                    "completed_on": None,
                }
            )
        if plan.stage not in _IN_STATS:
            return
        identity = self._stats_identity(plan)
        self._own("stats", identity["stat_project_id"], plan.pid)
        last = LAST_STATS_PERIOD
        production_month = None
        if plan.production_on:
            production_month = _month_index(plan.production_on)
            last = min(last, (plan.production_on.year * 12) + 11)  # dropped the January after
        for month in range(max(plan.included_month, FIRST_STATS_PERIOD), last + 1):
            label = _month_label(month)
            year_start = month - month % 12
            ytd = self._cumulative_investment(plan, month) - self._cumulative_investment(
                plan, year_start - 1
            )
            status, completed_on = ("新开工" if plan.start_month >= year_start else "续建"), None
            if production_month is not None and month >= production_month:
                status, completed_on = "全部投产", plan.production_on.isoformat()
            elif plan.suspended_from is not None and month >= plan.suspended_from:
                status = "停缓建"
            row = {
                **identity,
                "completed_investment_ytd_wan": round(ytd, 1),
                "start_month": _month_label(plan.start_month),
                "included_month": _month_label(plan.included_month),
                "status": status,
                "completed_on": completed_on,
            }
            current = _CURRENT_REVISION.get(label, 1)
            self.stats_rows[(label, current)].append(row)
            if current == 1 or (
                "added_in_revision_2" in plan.traits and month == plan.included_month
            ):
                continue
            older = {**row, "completed_investment_ytd_wan": round(ytd * 0.97, 1)}
            if "premature_production" in plan.traits and month == LAST_STATS_PERIOD:
                older.update(
                    status="全部投产",
                    completed_on=self._day(date(2025, 6, 1), SCENARIO_TODAY).isoformat(),
                )
            self.stats_rows[(label, 1)].append(older)

    def _finish_stats_periods(self) -> list[StatsPeriod]:
        periods = []
        for month in range(FIRST_STATS_PERIOD, LAST_STATS_PERIOD + 1):
            label = _month_label(month)
            current = _CURRENT_REVISION.get(label, 1)
            for revision in range(1, current + 1):
                rows = sorted(
                    self.stats_rows.get((label, revision), []), key=lambda r: r["stat_project_id"]
                )
                is_current = revision == current
                closed = is_current and month < _FIRST_OPEN_PERIOD
                periods.append(StatsPeriod(label, revision, closed, rows, current=is_current))
        return periods

    def _add_bad_stats(self) -> None:
        owned = {
            key for (system, key), owner in self.record_owner.items() if system == "stats" and owner
        }
        served = [
            (label, revision, row)
            for (label, revision), rows in self.stats_rows.items()
            if revision == _CURRENT_REVISION.get(label, 1)
            for row in rows
            if row["stat_project_id"] in owned
        ]
        served.sort(key=lambda entry: (entry[0], entry[2]["stat_project_id"]))
        for _ in range(self._bad_count(len(owned)) if served else 0):
            label, revision, source = self.rng.choice(served)
            row = dict(source)
            row["stat_project_id"] = self._new_stat_id(row["district_code"])
            reasons = self._pick_reasons()
            for reason in reasons:
                if reason == "invalid_uscc":
                    row["legal_unit_uscc"] = self._wrong_check(row["legal_unit_uscc"])
                elif reason == "invalid_project_code":
                    row["project_code"] = self._malformed_code(
                        row["project_code"] or self._sample_code()
                    )
                elif reason == "unknown_district":
                    row["district_code"] = self._unknown_district_code()
                elif reason == "invalid_date":
                    target, value = self.rng.choice(
                        (
                            ("start_month", "2024-13"),
                            ("included_month", "2024-00"),
                            ("completed_on", "2024-02-30"),
                        )
                    )
                    row[target] = value
                elif reason == "negative_amount":
                    row["planned_investment_wan"] = -abs(row["planned_investment_wan"])
                else:
                    row["completed_investment_ytd_wan"] = "abc"
            self._own("stats", row["stat_project_id"], None)
            self.bad_records[("stats", row["stat_project_id"])] = reasons
            self.stats_rows[(label, revision)].append(row)

    # ------------------------------------------------------------------ truth
