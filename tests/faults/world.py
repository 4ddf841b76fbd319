"""Random changes at the sandbox departments that keep part of the city's truth known (the
soak's, tests/faults/test_soak.py, and the restore test's second round of changes): half the
true projects are never touched, every change edits or copies a record of the other half."""

from __future__ import annotations

import copy
import random
from collections import Counter
from datetime import date, datetime, timedelta
from typing import Any

from hub.sandbox import LandFile, SandboxDepartments
from hub.sandbox.scenario import LOCAL_TZ


class World:
    """The random changes. Half the true projects (``frozen``) are never touched, so their
    truth stays known; every change edits or copies a record of a ``mutable`` one."""

    def __init__(self, scenario, departments: SandboxDepartments, rng: random.Random):
        self.departments = departments
        self.rng = rng
        truth = scenario.truth
        projects = sorted(truth.projects)
        self.mutable = set(rng.sample(projects, len(projects) // 2))
        self.frozen = set(projects) - self.mutable
        self.owner = dict(truth.record_owner)
        self.taken = {key for _, key in truth.record_owner}
        self.original_stats = {
            (p.period, row["stat_project_id"])
            for p in departments.stats_periods()
            for row in p.rows
        }
        self.serial = 0
        self.day = date(2026, 1, 1)
        self.moment = datetime(2026, 1, 1, 9, tzinfo=LOCAL_TZ)
        self.unmarked: list[str] = []
        self.revoked: set[str] = set()
        self.applied: Counter[str] = Counter()

    def mutable_key(self, system: str, key: str) -> bool:
        return self.owner.get((system, key)) in self.mutable

    def fresh(self, system: str, key: str, owner_of: str) -> str:
        self.taken.add(key)
        self.owner[(system, key)] = self.owner[(system, owner_of)]
        return key

    def next_serial(self) -> int:
        self.serial += 1
        return self.serial

    def later(self) -> str:
        self.moment += timedelta(hours=self.rng.randint(1, 30))
        return self.moment.isoformat()

    def apply(self, how_many: int) -> None:
        kinds = [
            self.edit_commerce,
            self.toggle_deleted,
            self.add_commerce,
            self.revoke_grant,
            self.file_again,
            self.revise_stats,
            self.drop_land_file,
            self.mark_land_file,
        ]
        for _ in range(how_many):
            self.rng.choice(kinds)()

    # commerce

    def _commerce_template(self) -> dict[str, Any] | None:
        held = [
            r
            for r in self.departments.commerce_records()
            if self.mutable_key("commerce", r["project_no"])
        ]
        return self.rng.choice(held) if held else None

    def edit_commerce(self) -> None:
        record = self._commerce_template()
        if record is None:
            return
        field = self.rng.choice(["total_investment", "stage", "project_name"])
        if field == "total_investment":
            record["total_investment"] = self.rng.randint(1000, 900000)
        elif field == "stage":
            record["stage"] = self.rng.choice(["在谈", "已签约", "已落地", "已开工", "已终止"])
        else:
            record["project_name"] = record["project_name"] + self.rng.choice(["（二期）", "扩建"])
        self.departments.upsert_commerce_record(record)
        self.applied[f"commerce.edit_{field}"] += 1

    def toggle_deleted(self) -> None:
        record = self._commerce_template()
        if record is None:
            return
        record["is_deleted"] = not record["is_deleted"]
        self.departments.upsert_commerce_record(record)
        self.applied["commerce.deleted" if record["is_deleted"] else "commerce.restored"] += 1

    def add_commerce(self) -> None:
        record = self._commerce_template()
        if record is None:
            return
        key = self.fresh("commerce", f"SW2026-{900000 + self.next_serial()}", record["project_no"])
        self.departments.upsert_commerce_record(
            {**record, "project_no": key, "project_code": None, "is_deleted": False}
        )
        self.applied["commerce.added"] += 1

    # approval

    def _grants(self) -> list[dict[str, Any]]:
        events = self.departments.approval_events()
        superseded = {e["supersedes_event_id"] for e in events if e["supersedes_event_id"]}
        return [
            e
            for e in events
            if e["decision"] == "准予"
            and e["event_id"] not in superseded
            and self.mutable_key("approval", e["event_id"])
        ]

    def revoke_grant(self) -> None:
        grants = self._grants()
        if not grants:
            return
        granted = self.rng.choice(grants)
        number = self.next_serial()
        key = self.fresh("approval", f"SP2026{number:07d}", granted["event_id"])
        self.departments.append_approval_event(
            {
                **granted,
                "event_id": key,
                "decision": "撤销",
                "decided_at": self.later(),
                "document_no": f"青审批撤〔2026〕{number}号",
                "supersedes_event_id": granted["event_id"],
            }
        )
        self.revoked.add(granted["event_id"])
        self.applied["approval.revoked"] += 1

    def file_again(self) -> None:
        """A grant filed anew after a revocation (a new 准予 superseding nothing)."""
        events = self.departments.approval_events()
        revoked = [e for e in events if e["event_id"] in self.revoked]
        if not revoked:
            return self.revoke_grant()
        original = self.rng.choice(revoked)
        number = self.next_serial()
        key = self.fresh("approval", f"SP2026{number:07d}", original["event_id"])
        self.departments.append_approval_event(
            {
                **original,
                "event_id": key,
                "decided_at": self.later(),
                "document_no": f"青审批投资备〔2026〕{number}号",
                "supersedes_event_id": None,
            }
        )
        self.applied["approval.filed_again"] += 1

    # stats

    def revise_stats(self) -> None:
        periods = self.departments.stats_periods()
        open_periods = [p for p in periods if not p.closed]
        if not open_periods or self.rng.random() < 0.15:
            return self.publish_period(periods)
        period = self.rng.choice(open_periods)
        rows = copy.deepcopy(period.rows)
        mine = [r for r in rows if self.mutable_key("stats", r["stat_project_id"])]
        for row in self.rng.sample(mine, min(2, len(mine))):
            value = row.get("completed_investment_ytd_wan")
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                row["completed_investment_ytd_wan"] = round(value + self.rng.randint(1, 500), 1)
        if mine and self.rng.random() < 0.3:
            rows.remove(self.rng.choice(mine))
        closed = self.rng.random() < 0.3
        self.departments.set_stats_period(period.period, period.revision + 1, rows, closed)
        self.applied["stats.closed" if closed else "stats.revised"] += 1

    def publish_period(self, periods) -> None:
        latest = max(periods, key=lambda p: p.period)
        year, month = map(int, latest.period.split("-"))
        name = f"{year + month // 12:04d}-{month % 12 + 1:02d}"
        rows = copy.deepcopy(latest.rows)
        self.departments.set_stats_period(name, 1, rows, closed=False)
        self.applied["stats.new_period"] += 1

    # land

    def drop_land_file(self) -> None:
        templates = [
            row
            for delivery in self.departments.land_deliveries()
            for _, row in delivery.readable_rows()
            if self.mutable_key("land", row["宗地编号"])
        ]
        if not templates:
            return
        self.day += timedelta(days=1)
        stamp = f"{self.day.isoformat()} 09:{self.rng.randint(0, 59):02d}:00"
        rows = []
        for template in self.rng.sample(templates, min(len(templates), self.rng.randint(1, 3))):
            row = dict(template, 更新时间=stamp)
            if self.rng.random() < 0.4:
                prefix = template["宗地编号"].rsplit("-", 2)[0]
                key = f"{prefix}-2026-S{self.next_serial():03d}"
                row["宗地编号"] = self.fresh("land", key, template["宗地编号"])
            else:
                row["状态"] = self.rng.choice(["有效", "作废"])
            rows.append(row)
        name = f"land_supply_{self.day:%Y%m%d}.csv"
        marked = self.rng.random() < 0.7
        self.departments.add_land_file(LandFile(name, rows, marked_done=marked))
        if not marked:
            self.unmarked.append(name)
        self.applied["land.file"] += 1

    def mark_land_file(self) -> None:
        if not self.unmarked:
            return self.drop_land_file()
        self.departments.mark_land_file_done(self.unmarked.pop(0))
        self.applied["land.marked"] += 1

    def mark_everything(self) -> None:
        while self.unmarked:
            self.departments.mark_land_file_done(self.unmarked.pop(0))
        for name in self.departments.pending_land_markers():
            self.departments.mark_land_file_done(name)

    def untouched(self) -> set[str]:
        """The frozen projects still as the scenario made them: a mid-pull revision (a fault
        knob) that dropped one of their roster rows touches them too."""
        current = {
            (p.period, row["stat_project_id"])
            for p in self.departments.stats_periods()
            for row in p.rows
        }
        dropped = {self.owner.get(("stats", key)) for period, key in self.original_stats - current}
        return self.frozen - dropped
