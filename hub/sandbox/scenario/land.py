"""The land bureau's share: each project's parcels (withdrawn ones, corrected and repeated
rows), the daily files they are dropped in, and its broken copies."""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import date, datetime, time, timedelta

from hub.sandbox.scenario.base import _BuilderBase
from hub.sandbox.scenario.model import _Plan
from hub.sandbox.scenario.truth import SCENARIO_TODAY, LandFile


class _LandWriter(_BuilderBase):
    """What the land bureau writes about a plan."""

    def _emit_land(self, plan: _Plan) -> None:
        if plan.has_parcels:
            first = plan.landed_on if plan.contract_first else self._after(plan.landed_on, 1, 150)
            self._emit_parcel(plan, first, plot="")
            if self.rng.random() < 0.2:
                self._emit_parcel(plan, self._after(first, 30, 365), plot="（二号地块）")
        if "withdrawn_parcel" in plan.traits:
            if plan.landed_on:  # dated before the true landing: counting it would move landed_on
                contract = self._before(plan.landed_on, 10, 120)
            else:  # a project that never landed: counting it would make it landed
                base = plan.signed_on or plan.negotiation_on
                contract = self._day(
                    base, (plan.terminated_on or SCENARIO_TODAY) - timedelta(days=1)
                )
            self._emit_parcel(plan, contract, plot="", withdrawn=True)

    def _land_keys(self, plan: _Plan) -> tuple[str, str]:
        """(项目代码, 统一社会信用代码): the code on about two thirds of parcels, the USCC
        otherwise; always at least one of them (until ``_hide_exact_keys``). Realistic: half
        the parcels without the code lack the USCC too, so one in six carries neither."""
        with_code = plan.project_code is not None and self.rng.random() < 0.67
        if self.realistic:
            with_uscc = self.rng.random() < 0.5
        else:
            with_uscc = not with_code or self.rng.random() < 0.5
        return (plan.project_code if with_code else "", plan.company_uscc if with_uscc else "")

    def _emit_parcel(
        self, plan: _Plan, contract_on: date, *, plot: str, withdrawn: bool = False
    ) -> None:
        """One parcel of ``plan``. A phase marker names a project (一期 and 二期 are two
        projects), so a parcel carries its project's phase, if any; a second parcel of one
        project is a second plot (``plot``, e.g. （二号地块）), never a second phase."""
        rng = self.rng
        parcel_id = self._new_parcel_id(plan.district.code, contract_on.year)
        code, uscc = self._land_keys(plan)
        if plan.is_manufacturing:
            land_use = self._weighted((("工业用地", 8), ("仓储用地", 2)))
        else:
            land_use = self._weighted((("商服用地", 6), ("科教用地", 3), ("公共设施用地", 1)))
        method = "划拨" if rng.random() < 0.15 else "出让"
        area = round(rng.uniform(1.0, 30.0), 4)
        quota = 0.0 if rng.random() < 0.1 else round(area * 15 * rng.uniform(0.5, 1.0), 1)
        price = "" if method == "划拨" else str(int(area * 15 * rng.uniform(15, 60)))
        if rng.random() < 0.04:
            plot = f"{plot},配套用地"  # a half-width comma: the field must be quoted
        project_name, after_name, company_name = plan.title, plot, plan.company_name
        names = self._names("land")
        if names is not None:
            project_name = names.project(self._title(plan), "")
            company_name = names.company(plan.company_name)
            self._noted("land", parcel_id, names)
        district_label = plan.district.name
        if plan.district.aliases and rng.random() < 0.5:
            district_label = rng.choice(plan.district.aliases)

        def row(
            status: str, updated: datetime, contract: date, area_ha: float, price_wan: str
        ) -> dict[str, str]:
            return {
                "宗地编号": parcel_id,
                "项目名称": self._styled(project_name, "land") + after_name,
                "用地单位": self._styled(company_name, "land"),
                "统一社会信用代码": uscc,
                "项目代码": code,
                "行政区划": district_label,
                "土地用途": land_use,
                "供地方式": method,
                "供地面积（公顷）": f"{area_ha:.4f}",
                "使用计划指标（亩）": f"{quota:.1f}",
                "成交价款（万元）": price_wan,
                "合同签订日期": _land_date(contract, rng),
                "状态": status,
                "更新时间": updated.strftime("%Y-%m-%d %H:%M:%S"),
            }

        first_update = self._at(self._after(contract_on, 0, 10), time(15, 0), time(19, 0))
        if withdrawn:
            self._own("land", parcel_id, plan.pid, non_evidence="withdrawn")
            if rng.random() < 0.5:
                self._add_land_row(
                    first_update, row("作废", first_update, contract_on, area, price)
                )
            else:
                self._add_land_row(
                    first_update, row("有效", first_update, contract_on, area, price)
                )
                later = self._later(first_update, 10, 200)
                self._add_land_row(later, row("作废", later, contract_on, area, price))
            return

        self._own("land", parcel_id, plan.pid)
        roll = rng.random()
        if roll < 0.12:
            # A first row with a wrong (earlier) contract date and area, corrected later — in
            # the same file or a later one. Only the last row of a parcel counts.
            plan.traits.add("land_row_corrected")
            if roll < 0.05:
                draft_update = first_update - timedelta(hours=rng.randint(1, 5))
            else:
                draft_update, first_update = first_update, self._later(first_update, 5, 90)
            wrong_area = round(area * rng.uniform(0.8, 1.2), 4)
            wrong_contract = self._before(contract_on, 5, 60)
            self._add_land_row(
                draft_update, row("有效", draft_update, wrong_contract, wrong_area, price)
            )
        final = row("有效", first_update, contract_on, area, price)
        self._add_land_row(first_update, final)
        if rng.random() < 0.03:
            plan.traits.add("land_row_repeated")
            self._add_land_row(first_update, dict(final))

    def _later(self, moment: datetime, low: int, high: int) -> datetime:
        """A moment ``low``..``high`` days later (same day, later hour, when capped at today)."""
        candidate = self._at(self._after(moment.date(), low, high), time(15, 0), time(19, 0))
        return (
            candidate
            if candidate > moment
            else moment + timedelta(minutes=self.rng.randint(5, 120))
        )

    def _add_land_row(self, updated: datetime, row: dict[str, str]) -> None:
        self.land_rows.append((updated, len(self.land_rows), row))

    def _finish_land_files(self) -> list[LandFile]:
        """One file per day with changes, rows in the order they happened; plus a day whose
        file holds only its header."""
        by_day: dict[date, list[tuple[datetime, int, dict[str, str]]]] = defaultdict(list)
        for entry in self.land_rows:
            by_day[entry[0].date()].append(entry)
        empty_day = date(2024, 1, 1)
        while empty_day in by_day:
            empty_day += timedelta(days=1)
        by_day[empty_day] = []
        return [
            LandFile(
                f"land_supply_{day:%Y%m%d}.csv",
                [row for _, _, row in sorted(by_day[day], key=lambda e: (e[0], e[1]))],
            )
            for day in sorted(by_day)
        ]

    def _add_bad_land(self) -> None:
        sources = [entry for entry in self.land_rows if entry[2]["状态"] == "有效"]
        parcels = len({entry[2]["宗地编号"] for entry in self.land_rows})
        for _ in range(self._bad_count(parcels) if sources else 0):
            updated, _, source = self.rng.choice(sources)
            row = dict(source)
            district_code, year = row["宗地编号"].split("-")[:2]
            row["宗地编号"] = self._new_parcel_id(district_code, int(year))
            reasons = self._pick_reasons()
            for reason in reasons:
                if reason == "invalid_uscc":
                    row["统一社会信用代码"] = self._wrong_check(
                        row["统一社会信用代码"] or self._new_uscc(district_code)
                    )
                elif reason == "invalid_project_code":
                    row["项目代码"] = self._malformed_code(row["项目代码"] or self._sample_code())
                elif reason == "unknown_district":
                    row["行政区划"] = self._unknown_district_label()
                elif reason == "invalid_date":
                    row["合同签订日期"] = self.rng.choice(
                        ("2024年2月30日", "2024-02-30", "2023年13月1日")
                    )
                elif reason == "negative_amount":
                    row["供地面积（公顷）"] = "-" + row["供地面积（公顷）"]
                else:
                    row["成交价款（万元）"] = self.rng.choice(("abc", "待定"))
            self._own("land", row["宗地编号"], None)
            self.bad_records[("land", row["宗地编号"])] = reasons
            self._add_land_row(updated, row)


def _land_date(day: date, rng: random.Random) -> str:
    return day.isoformat() if rng.random() < 0.5 else f"{day.year}年{day.month}月{day.day}日"
