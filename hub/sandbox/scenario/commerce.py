"""The commerce bureau's share: each known project's record (its stage, dates, amounts and
keys as the platform holds them), soft-deleted duplicates, and its broken copies."""

from __future__ import annotations

import copy
import random
from datetime import date, time
from decimal import Decimal
from typing import Any

from hub.sandbox.scenario.base import _BuilderBase
from hub.sandbox.scenario.model import _Plan

_SURNAMES = "张王李赵刘陈杨黄周吴徐孙马朱胡郭何高林罗"
_GIVEN_NAMES = (
    "伟",
    "芳",
    "娜",
    "敏",
    "静",
    "丽",
    "强",
    "磊",
    "军",
    "洋",
    "勇",
    "艳",
    "杰",
    "涛",
    "明",
    "超",
    "霞",
    "刚",
    "建华",
    "志强",
)
# name_variation="realistic": how often commerce shows the keys: the company USCC on this share
# of the records that name the company (~30% of all), the project code on this share of the
# records of a project another department knows (~13% of all).
_COMMERCE_COMPANY_USCC_SHARE = 0.38
_COMMERCE_CODE_SHARE = 0.2


class _CommerceWriter(_BuilderBase):
    """What the commerce bureau writes about a plan (after the other departments: a project
    they know shows its company on the commerce record)."""

    def _emit_commerce(self, plan: _Plan) -> None:
        if not plan.commerce_known:
            return
        rng = self.rng
        known_elsewhere = bool(self.known_to[plan.pid] - {"commerce"})
        registered_share = {"negotiating": 0.2, "signed": 0.6, "terminated": 0.3}.get(
            plan.stage, 0.8
        )
        plan.commerce_shows_company = company_shown = (
            known_elsewhere or rng.random() < registered_share
        )
        investor = plan.investor
        province, city = investor.origin_province, investor.origin_city
        if plan.stage == "negotiating" and investor.capital_type == "内资" and rng.random() < 0.05:
            province = city = None  # not asked yet
        investor_uscc = investor.uscc
        if plan.stage in ("negotiating", "terminated") and rng.random() < 0.5:
            investor_uscc = None
        total, unit = self._commerce_amount(plan.investment_wan)
        foreign_usd = None
        if investor.capital_type == "外资":
            foreign_usd = int(plan.investment_wan / 7.1 * rng.uniform(0.3, 1.0))
        change_day = self._commerce_change_day(plan)
        updated = change_day if plan.commerce_stage == "已终止" else self._after(change_day, 0, 20)
        project_name, investor_name, company_name = (
            f"{plan.title}项目",
            investor.name,
            plan.company_name,
        )
        names = self._names("commerce")
        if names is not None:
            project_name = names.project(self._title(plan), "项目")
            investor_name = names.investor(investor)
            if company_shown:
                company_name = names.company(plan.company_name)
        record = {
            "project_no": self._new_project_no(plan.negotiation_on.year),
            "project_name": self._styled(project_name, "commerce"),
            "investor_name": investor_name,
            "investor_uscc": investor_uscc,
            "project_company_name": self._styled(company_name, "commerce")
            if company_shown
            else None,
            "project_company_uscc": plan.company_uscc if company_shown else None,
            "origin_country": investor.origin_country,
            "origin_province": province,
            "origin_city": city,
            "capital_type": investor.capital_type,
            "industry_category": plan.industry_category,
            "industry_chain": plan.chain.name if plan.chain else None,
            "is_manufacturing": plan.is_manufacturing,
            "total_investment": total,
            "investment_unit": unit,
            "foreign_investment_usd": foreign_usd,
            "district_code": plan.district.code,
            "stage": plan.commerce_stage,
            "negotiation_started_on": _commerce_date(plan.negotiation_on, rng)
            if plan.commerce_negotiation_filled
            else None,
            "signed_on": _commerce_date(plan.signed_on, rng)
            if plan.commerce_signed_on_filled
            else None,
            "project_code": plan.project_code if known_elsewhere and rng.random() < 0.4 else None,
            "contact_person": rng.choice(_SURNAMES) + rng.choice(_GIVEN_NAMES),
            "contact_phone": "1"
            + rng.choice("358")
            + "".join(rng.choice("0123456789") for _ in range(9)),
            "is_deleted": False,
            "updated_at": self._at(updated, time(8, 30), time(19, 0)).isoformat(),
        }
        if self.realistic:
            # Commerce knows the investor group (its USCC as above); the project company's
            # USCC rarely, the national project code late or never.
            if company_shown and self.key_rng.random() >= _COMMERCE_COMPANY_USCC_SHARE:
                record["project_company_uscc"] = None
            record["project_code"] = (
                plan.project_code
                if known_elsewhere and self.key_rng.random() < _COMMERCE_CODE_SHARE
                else None
            )
        self._own("commerce", record["project_no"], plan.pid)
        self._noted("commerce", record["project_no"], names)
        self.commerce_records.append(record)
        self.main_commerce_record[plan.pid] = record

    def _commerce_change_day(self, plan: _Plan) -> date:
        """The day commerce last moved the record (its stage, or the signing it wrote down)."""
        stage = plan.commerce_stage
        if stage == "已终止":
            return plan.terminated_on
        if stage == "已开工":
            return self._after(plan.construction_on or plan.landed_on, 0, 60)
        if stage == "已落地":
            return self._after(plan.landed_on, 0, 60)
        if stage == "已签约" or plan.commerce_signed_on_filled:
            return plan.signed_on
        return plan.negotiation_on

    def _commerce_amount(self, wan: int) -> tuple[Any, str]:
        """The figure as the platform holds it: a number, a string with thousands
        separators, or 亿元 (``"60"``, ``12.5``)."""
        roll = self.rng.random()
        if wan >= 10_000 and roll < 0.25:
            yi = Decimal(wan) / 10_000
            text = format(yi, "f")
            if self.rng.random() < 0.6:
                return text, "亿元"
            return (int(yi) if yi == int(yi) else float(text)), "亿元"
        if roll < 0.6:
            return wan, "万元"
        return f"{wan:,}", "万元"

    def _emit_soft_deleted_duplicates(self, plans: list[_Plan]) -> None:
        """Records entered twice and deleted: linkable by the company USCC, and claiming a
        stage ahead of the truth (or an earlier signing) that must not count."""
        pool = [p for p in plans if p.commerce_shows_company]
        for plan in self.rng.sample(pool, self._count(0.05, len(pool))):
            plan.traits.add("soft_deleted_duplicate")
            duplicate = copy.deepcopy(self.main_commerce_record[plan.pid])
            ahead = {
                "negotiating": ("已签约", "已落地"),
                "signed": ("已落地", "已开工"),
                "landed": ("已开工",),
                "terminated": ("已落地", "已开工"),
            }.get(plan.stage, ("已开工",))
            earlier_signing = self._before(plan.signed_on or plan.negotiation_on, 30, 200)
            duplicate.update(
                project_no=self._new_project_no(plan.negotiation_on.year),
                stage=self.rng.choice(ahead),
                signed_on=_commerce_date(earlier_signing, self.rng),
                is_deleted=True,
                updated_at=self._at(
                    self._after(plan.negotiation_on, 5, 400), time(8, 30), time(19, 0)
                ).isoformat(),
            )
            self._own("commerce", duplicate["project_no"], plan.pid, non_evidence="soft_deleted")
            kinds = self.name_variations.get(
                ("commerce", self.main_commerce_record[plan.pid]["project_no"])
            )
            if kinds:
                self.name_variations[("commerce", duplicate["project_no"])] = kinds
            self.commerce_records.append(duplicate)

    def _add_bad_commerce(self) -> None:
        sources = [r for r in self.commerce_records if not r["is_deleted"]]
        for _ in range(self._bad_count(len(self.commerce_records)) if sources else 0):
            record = copy.deepcopy(self.rng.choice(sources))
            record["project_no"] = self._new_project_no(int(record["updated_at"][:4]))
            reasons = self._pick_reasons()
            for reason in reasons:
                if reason == "invalid_uscc":
                    target = (
                        "project_company_uscc"
                        if record["project_company_uscc"] or not record["investor_uscc"]
                        else "investor_uscc"
                    )
                    record[target] = self._wrong_check(
                        record[target] or self._new_uscc(record["district_code"])
                    )
                elif reason == "invalid_project_code":
                    record["project_code"] = self._malformed_code(
                        record["project_code"] or self._sample_code()
                    )
                elif reason == "unknown_district":
                    record["district_code"] = self._unknown_district_code()
                elif reason == "invalid_date":
                    target = self.rng.choice(("signed_on", "negotiation_started_on"))
                    record[target] = self.rng.choice(
                        ("2024-02-30", "2024/13/01", "20240230", "2023/2/29")
                    )
                elif reason == "negative_amount":
                    record["total_investment"] = -self.rng.randint(10, 3000) * 100
                    record["investment_unit"] = "万元"
                else:
                    record["total_investment"] = self.rng.choice(("abc", "待定"))
            self._own("commerce", record["project_no"], None)
            self.bad_records[("commerce", record["project_no"])] = reasons
            self.commerce_records.append(record)


def _commerce_date(day: date, rng: random.Random) -> str:
    """Any of the platform's three date forms."""
    return rng.choice(
        (day.isoformat(), f"{day.year}/{day.month}/{day.day}", day.strftime("%Y%m%d"))
    )
