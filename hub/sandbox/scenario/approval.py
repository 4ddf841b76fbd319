"""The approval bureau's share: each project's events (filings, permits, refusals,
revocations, corrections), the ordered stream with its ids and document numbers, and its
broken copies."""

from __future__ import annotations

import copy
from datetime import date, datetime, timedelta
from typing import Any

from hub.sandbox.scenario.base import _BuilderBase
from hub.sandbox.scenario.model import _PendingEvent, _Plan
from hub.sandbox.scenario.truth import _LANDED_OR_LATER, SCENARIO_TODAY


class _ApprovalWriter(_BuilderBase):
    """What the approval bureau writes about a plan."""

    def _emit_approval(self, plan: _Plan) -> None:
        rng = self.rng
        specs: list[dict[str, Any]] = []  # kept in creation order; ids come after ordering

        def add(day: date, matter: str, decision: str, **extra: Any) -> dict[str, Any]:
            spec = {"day": day, "matter": matter, "decision": decision, **extra}
            specs.append(spec)
            return spec

        filing_matter = "项目核准" if rng.random() < 0.2 else "项目备案"
        if plan.stage in _LANDED_OR_LATER:
            if "corrected_filing" in plan.traits:
                original = add(
                    self._before(plan.filing_on, 10, 60),
                    filing_matter,
                    "准予",
                    investment=max(
                        10, int(plan.filed_investment_wan * rng.uniform(0.6, 0.9)) // 10 * 10
                    ),
                    non_evidence="superseded",
                )
                add(plan.filing_on, filing_matter, "准予", supersedes=original)
            else:
                add(plan.filing_on, filing_matter, "准予")
            building_from = plan.construction_on or SCENARIO_TODAY
            if rng.random() < 0.4:
                add(self._day(plan.filing_on, building_from), "建设用地规划许可", "准予")
            if plan.construction_on and rng.random() < 0.4:
                add(self._day(plan.filing_on, plan.construction_on), "建设工程规划许可", "准予")
            if plan.permit_on:
                add(plan.permit_on, "施工许可", "准予")
            if "refused_construction_permit" in plan.traits:
                add(
                    self._after(plan.filing_on, 20, 200), "施工许可", "不予", non_evidence="refused"
                )
            if "revoked_construction_permit" in plan.traits:
                granted = add(
                    self._after(plan.filing_on, 20, 200), "施工许可", "准予", non_evidence="revoked"
                )
                add(
                    self._after(granted["day"], 5, 90),
                    "施工许可",
                    "撤销",
                    supersedes=granted,
                    non_evidence="revocation",
                )
        if "revoked_only_filing" in plan.traits:
            latest = (plan.terminated_on or SCENARIO_TODAY) - timedelta(days=1)
            granted = add(
                self._day(plan.signed_on + timedelta(days=5), latest),
                filing_matter,
                "准予",
                non_evidence="revoked",
            )
            add(
                self._after(granted["day"], 10, 120),
                filing_matter,
                "撤销",
                supersedes=granted,
                non_evidence="revocation",
            )
        if "refused_filing" in plan.traits:
            add(self._after(plan.signed_on, 10, 150), "项目核准", "不予", non_evidence="refused")
        if not specs:
            return

        self.known_to[plan.pid].add("approval")
        plan.project_code = self._new_project_code(plan, min(spec["day"] for spec in specs).year)
        names = self._names("approval")  # one registration: its names on every event
        if names is not None:
            project_name = names.project(self._title(plan), "建设项目")
            applicant = names.company(plan.company_name)
        else:
            project_name = f"{plan.title}建设项目"
            if "（青岛）" in plan.company_name and rng.random() < 0.5:
                qualified = plan.title.replace(plan.brand, plan.brand + "（青岛）", 1)
                project_name = qualified + "建设项目"
            applicant = plan.company_name
        for spec in specs:
            decided = self._at(spec["day"])
            superseded = spec.get("supersedes")
            if superseded is not None and decided <= superseded["event"].decided:
                decided = superseded["event"].decided + timedelta(minutes=rng.randint(30, 300))
            event = _PendingEvent(
                decided=decided,
                owner=plan.pid,
                document_kind=spec["matter"] if spec["decision"] == "准予" else spec["decision"],
                supersedes=superseded["event"] if superseded else None,
                non_evidence=spec.get("non_evidence"),
                name_kinds=names.kinds if names is not None else (),
                fields={
                    "event_id": None,
                    "project_code": plan.project_code,
                    "project_name": project_name,
                    "applicant_name": self._styled(applicant, "approval"),
                    "applicant_uscc": plan.company_uscc,
                    "district_code": plan.district.code,
                    "matter": spec["matter"],
                    "decision": spec["decision"],
                    "decided_at": decided.isoformat(),
                    "document_no": None,
                    "total_investment_wan": spec.get("investment", plan.filed_investment_wan),
                    "supersedes_event_id": None,
                },
            )
            spec["event"] = event
            self.pending_events.append(event)

    def _finish_approval(self) -> list[dict[str, Any]]:
        """Order the stream, then give ids and document numbers in that order."""
        ordered = sorted(self.pending_events, key=lambda event: event.decided)
        serials: dict[int, int] = {}
        document_numbers: dict[tuple[str, int], int] = {}
        for event in ordered:
            year = event.decided.year
            if year not in serials:
                serials[year] = self.rng.randint(100, 900)
            serials[year] += self.rng.randint(1, 4)
            event.fields["event_id"] = f"SP{year}{serials[year]:07d}"
            document_key = (event.document_kind, year)
            if document_key not in document_numbers:
                document_numbers[document_key] = self.rng.randint(10, 60)
            document_numbers[document_key] += self.rng.randint(1, 6)
            event.fields["document_no"] = _document_no(
                event.document_kind,
                year,
                document_numbers[document_key],
                event.fields["district_code"],
                event.decided,
            )
        for event in ordered:
            if event.supersedes is not None:
                event.fields["supersedes_event_id"] = event.supersedes.fields["event_id"]
            key = event.fields["event_id"]
            if event.bad_reasons is not None:
                self._own("approval", key, None)
                self.bad_records[("approval", key)] = event.bad_reasons
            else:
                self._own("approval", key, event.owner, non_evidence=event.non_evidence)
                if event.name_kinds:
                    self.name_variations[("approval", key)] = event.name_kinds
        return [event.fields for event in ordered]

    def _add_bad_approval(self) -> None:
        sources = [
            e
            for e in self.pending_events
            if e.fields["decision"] == "准予" and e.supersedes is None
        ]
        for _ in range(self._bad_count(len(self.pending_events)) if sources else 0):
            source = self.rng.choice(sources)
            fields = copy.deepcopy(source.fields)
            reasons = self._pick_reasons()
            for reason in reasons:
                if reason == "invalid_uscc":
                    fields["applicant_uscc"] = self._wrong_check(fields["applicant_uscc"])
                elif reason == "invalid_project_code":
                    fields["project_code"] = self._malformed_code(fields["project_code"])
                elif reason == "unknown_district":
                    fields["district_code"] = self._unknown_district_code()
                elif reason == "invalid_date":
                    fields["decided_at"] = (
                        f"{source.decided.year}-02-30T{source.decided:%H:%M:%S}+08:00"
                    )
                elif reason == "negative_amount":
                    fields["total_investment_wan"] = -abs(fields["total_investment_wan"])
                else:
                    fields["total_investment_wan"] = "abc"
            self.pending_events.append(
                _PendingEvent(
                    source.decided, fields, None, source.document_kind, bad_reasons=reasons
                )
            )


def _document_no(kind: str, year: int, number: int, district_code: str, decided: datetime) -> str:
    if kind == "项目备案":
        return f"青审批投资备〔{year}〕{number}号"
    if kind == "项目核准":
        return f"青审批投资核〔{year}〕{number}号"
    if kind == "建设用地规划许可":
        return f"地字第{district_code}{year}{number:05d}号"
    if kind == "建设工程规划许可":
        return f"建字第{district_code}{year}{number:05d}号"
    if kind == "施工许可":
        return f"{district_code}{decided:%Y%m%d}{number:04d}"
    if kind == "不予":
        return f"青审批不予〔{year}〕{number}号"
    return f"青审批撤〔{year}〕{number}号"
