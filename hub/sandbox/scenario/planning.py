"""Planning the true projects: stages, identities, hard-negative families (realistic),
traits, the true dates, and which department shows which milestone (commerce's view
included: its stage lags the truth, never leads it)."""

from __future__ import annotations

import random
from datetime import date, timedelta

from hub.sandbox.scenario.base import _BuilderBase
from hub.sandbox.scenario.model import (
    _BRAND_CHARS,
    _COMPANY_LABELS,
    _PROJECT_WORDS,
    _Investor,
    _Plan,
)
from hub.sandbox.scenario.reference import _INDUSTRY_CODES
from hub.sandbox.scenario.truth import (
    _IN_STATS,
    _LANDED_OR_LATER,
    _STAGE_MIX,
    LAST_STATS_PERIOD,
    SCENARIO_TODAY,
    STAGES,
    _month_index,
    _month_start,
)

# (province, city, registration region) of domestic investors, with weights.
_DOMESTIC_ORIGINS = (
    (("北京市", "北京市", "110105"), 8),
    (("上海市", "上海市", "310115"), 7),
    (("天津市", "天津市", "120116"), 3),
    (("河北省", "石家庄市", "130102"), 2),
    (("江苏省", "南京市", "320106"), 4),
    (("江苏省", "苏州市", "320505"), 4),
    (("浙江省", "杭州市", "330106"), 5),
    (("浙江省", "宁波市", "330212"), 3),
    (("安徽省", "合肥市", "340104"), 3),
    (("广东省", "深圳市", "440305"), 6),
    (("广东省", "广州市", "440106"), 3),
    (("广东省", "汕头市", "440507"), 1),
    (("广东省", None, "440000"), 1),
    (("山东省", "济南市", "370102"), 6),
    (("山东省", "青岛市", "370212"), 8),
    (("山东省", "烟台市", "370602"), 3),
    (("山东省", "潍坊市", "370702"), 3),
    (("四川省", "成都市", "510107"), 2),
    (("湖北省", "武汉市", "420106"), 2),
    (("福建省", "厦门市", "350203"), 2),
)
# Hong Kong, Macao and Taiwan capital: origin_country 中国, capital_type 外资.
_HMT_ORIGINS = (
    ("香港特别行政区", "（香港）投资有限公司"),
    ("澳门特别行政区", "（澳门）发展有限公司"),
    ("台湾省", "企业股份有限公司"),
)
_FOREIGN_ORIGINS = (
    ("日本", "日本{}株式会社"),
    ("韩国", "韩国{}株式会社"),
    ("新加坡", "新加坡{}私人有限公司"),
    ("德国", "德国{}集团"),
    ("美国", "美国{}公司"),
)
_COMMERCE_STAGE_ORDER = ("在谈", "已签约", "已落地", "已开工")
# name_variation="realistic": what share of the projects are planned in hard-negative families
# (weights of the three kinds, and how often a family has three members, not two) ...
_HARD_NEGATIVE_SHARE = 0.04
_FAMILY_KINDS = (("phase", 4), ("two_districts", 3), ("shared_company", 3))
_FAMILY_OF_THREE = {"phase": 0.2, "two_districts": 0.2, "shared_company": 0.4}

# The commerce stage that says as much as the true stage (the furthest commerce can say).
_COMMERCE_EQUIVALENT = {
    "signed": "已签约",
    "landed": "已落地",
    "under_construction": "已开工",
    "in_statistics": "已开工",
    "in_production": "已开工",
}


class _Planner(_BuilderBase):
    """Decides every true project before any department writes about it."""

    def _plan_projects(self) -> list[_Plan]:
        stages = self._stage_list()
        plans = [
            self._plan_identity(f"TP{index:05d}", stage)
            for index, stage in enumerate(stages, start=1)
        ]
        if self.realistic:
            self._plan_hard_negatives(plans)
        self._assign_traits(plans)
        for plan in plans:
            self._plan_timeline(plan)
            self._plan_evidence(plan)
        return plans

    def _stage_list(self) -> list[str]:
        """Exact quotas by largest remainder, shuffled: small scenarios still hold every stage."""
        raw = {stage: share * self.size for stage, share in _STAGE_MIX.items()}
        counts = {stage: int(value) for stage, value in raw.items()}
        by_remainder = sorted(
            STAGES, key=lambda stage: (-(raw[stage] - counts[stage]), STAGES.index(stage))
        )
        for stage in by_remainder[: self.size - sum(counts.values())]:
            counts[stage] += 1
        stages = [stage for stage in STAGES for _ in range(counts[stage])]
        self.rng.shuffle(stages)
        return stages

    def _new_investor(self) -> _Investor:
        brand = self._brand()
        roll = self.rng.random()
        if roll < 0.75:
            province, city, region = self._weighted(_DOMESTIC_ORIGINS)
            suffix = self.rng.choice(
                ("集团有限公司", "控股集团有限公司", "科技股份有限公司", "实业有限公司")
            )
            return _Investor(
                brand, brand + suffix, self._new_uscc(region), "中国", province, city, "内资"
            )
        if roll < 0.85:
            province, suffix = self.rng.choice(_HMT_ORIGINS)
            prefix = "台湾" if province == "台湾省" else ""
            return _Investor(brand, prefix + brand + suffix, None, "中国", province, None, "外资")
        country, pattern = self.rng.choice(_FOREIGN_ORIGINS)
        return _Investor(brand, pattern.format(brand), None, country, None, None, "外资")

    def _plan_identity(self, pid: str, stage: str) -> _Plan:
        rng = self.rng
        if self.investors and rng.random() < 0.15:
            investor = rng.choice(self.investors)
        else:
            investor = self._new_investor()
            self.investors.append(investor)
        district = rng.choice(self.reference.districts)
        if rng.random() < 0.05:
            chain, category, manufacturing = None, "其他", rng.random() < 0.5
        else:
            chain = rng.choice(self.reference.chains)
            category, manufacturing = chain.category, chain.is_manufacturing
            if rng.random() < 0.03:  # commerce's own classification wins over the chain default
                manufacturing = not manufacturing
        industry_code = _INDUSTRY_CODES.get(
            chain.name if chain else "", "C3990" if manufacturing else "L7299"
        )
        brand, company = self._company_name(investor.brand, rng)
        investment = self._draw_investment_wan()
        filed = investment
        if rng.random() < 0.05:  # a figure more than 20% apart between departments
            filed = int(investment * rng.uniform(1.3, 1.6)) // 10 * 10
        elif rng.random() < 0.6:
            filed = int(investment * rng.uniform(0.9, 1.1)) // 10 * 10
        stats_planned = (
            filed if rng.random() < 0.8 else int(filed * rng.uniform(0.9, 1.1)) // 10 * 10
        )
        company_uscc = self._new_uscc(district.code)
        word = rng.choice(_PROJECT_WORDS)
        return _Plan(
            pid=pid,
            stage=stage,
            district=district,
            chain=chain,
            industry_category=category,
            is_manufacturing=manufacturing,
            industry_code=industry_code,
            investor=investor,
            brand=brand,
            company_name=company,
            company_uscc=company_uscc,
            title=f"{brand}{chain.name if chain else '综合'}{word}",
            investment_wan=investment,
            filed_investment_wan=max(filed, 10),
            stats_planned_wan=max(stats_planned, 10),
            project_word=word,
        )

    def _company_name(self, brand: str, rng: random.Random) -> tuple[str, str]:
        """(brand, name) of a new local project company; another brand if the investor's has
        run out of names — a three-character one once two-character brands are scarce (beyond
        ~40,000 projects; smaller scenarios never get there)."""
        for attempt in range(250):
            if attempt == 25:
                brand = "".join(rng.sample(_BRAND_CHARS, 2))
            elif attempt >= 50 and attempt % 10 == 0:
                brand = "".join(rng.sample(_BRAND_CHARS, 3))
            label = rng.choice(_COMPANY_LABELS)
            form = rng.randrange(3)
            if form == 0:
                company = f"{brand}{label}（青岛）有限公司"
            elif form == 1:
                company = f"青岛{brand}{label}有限公司"
            else:
                company = f"{brand}{label}（青岛）股份有限公司"
            if company not in self.used_company_names:
                break
        else:
            raise RuntimeError("ran out of company names")
        self.used_company_names.add(company)
        return brand, company

    # ------------------------------------------------------------------ hard negatives

    def _plan_hard_negatives(self, plans: list[_Plan]) -> None:
        """Families of distinct projects that look alike (realistic): a hub that links two of
        them merges two projects. About ``_HARD_NEGATIVE_SHARE`` of the projects, in families
        of two or three, reshaped on a stream of their own; stages, money and everything the
        lifecycle draws stay as drawn.

        - phase: one investor's 一期 and 二期 (sometimes 三期) in one district, titles equal
          but for the phase (trait ``project_phase:<n>``); half the families share the
          project company (name and USCC), in the others each phase has its own company of
          the same brand.
        - two_districts: one domestic investor (so one investor USCC at commerce) with a
          project in each of two or three districts: same brand and chain, the same title or
          another project word; each its own company.
        - shared_company: two or three projects of one local project company (the same name
          and USCC in every department), in its district, with different titles.
        """
        rng = random.Random(f"hard-negatives:{self.seed}")
        target = int(_HARD_NEGATIVE_SHARE * len(plans) + 0.5)
        free = list(plans)
        rng.shuffle(free)
        kinds, weights = zip(*_FAMILY_KINDS, strict=True)
        members = families = 0
        while members < target and len(free) >= 2:
            kind = rng.choices(kinds, weights)[0]
            size = 3 if rng.random() < _FAMILY_OF_THREE[kind] else 2
            first = 0
            if kind == "two_districts":  # a domestic investor: one investor USCC at commerce
                size = min(size, len(self.reference.districts))
                first = next((i for i, plan in enumerate(free) if plan.investor.uscc), -1)
                if first < 0 or size < 2:
                    kind, first, size = "phase", 0, 2
            family = [free.pop(first), *free[: size - 1]]
            del free[: size - 1]
            {
                "phase": self._phase_family,
                "two_districts": self._two_district_family,
                "shared_company": self._shared_company_family,
            }[kind](family, rng)
            families += 1
            family_id = f"HN{families:05d}"
            for plan in family:
                plan.traits.update((f"hard_negative_{kind}", f"hard_negative_family:{family_id}"))
                if plan.phase:
                    plan.traits.add(f"project_phase:{plan.phase}")
                plan.title = self._title(plan).plain()
            self.hard_negative_pairs.extend(
                (a.pid, b.pid) if a.pid < b.pid else (b.pid, a.pid)
                for index, a in enumerate(family)
                for b in family[index + 1 :]
            )
            members += len(family)

    def _like(self, plan: _Plan, base: _Plan) -> None:
        """``plan`` becomes a project of ``base``'s investor, brand, chain and project word."""
        plan.investor, plan.brand = base.investor, base.brand
        plan.chain, plan.industry_category = base.chain, base.industry_category
        plan.is_manufacturing, plan.industry_code = base.is_manufacturing, base.industry_code
        plan.project_word = base.project_word

    def _own_company(self, plan: _Plan, rng: random.Random) -> None:
        plan.company_name = self._company_name(plan.brand, rng)[1]
        plan.company_uscc = self._new_uscc(plan.district.code, rng)

    def _phase_family(self, family: list[_Plan], rng: random.Random) -> None:
        base = family[0]
        share_company = rng.random() < 0.5
        for phase, plan in enumerate(family, start=1):
            plan.phase = phase
            if plan is base:
                continue
            self._like(plan, base)
            plan.district = base.district
            if share_company:
                plan.company_name, plan.company_uscc = base.company_name, base.company_uscc
            else:
                self._own_company(plan, rng)

    def _two_district_family(self, family: list[_Plan], rng: random.Random) -> None:
        base = family[0]
        elsewhere = [d for d in self.reference.districts if d.code != base.district.code]
        for plan, district in zip(family[1:], rng.sample(elsewhere, len(family) - 1), strict=True):
            self._like(plan, base)
            if rng.random() < 0.5:
                plan.project_word = rng.choice(
                    [word for word in _PROJECT_WORDS if word != base.project_word]
                )
            plan.district = district
            self._own_company(plan, rng)

    def _shared_company_family(self, family: list[_Plan], rng: random.Random) -> None:
        base = family[0]
        titles = [self._title(base).plain()]
        for plan in family[1:]:
            plan.investor, plan.brand, plan.district = base.investor, base.brand, base.district
            plan.company_name, plan.company_uscc = base.company_name, base.company_uscc
            while self._title(plan).plain() in titles:
                plan.project_word = rng.choice(_PROJECT_WORDS)
            titles.append(self._title(plan).plain())

    def _draw_investment_wan(self) -> int:
        """Mostly 亿元以上 (>= 10,000 万元), some 30亿+ and 50亿+; whole hundreds of 万元 so a
        figure written in 亿元 has at most two decimals."""
        roll = self.rng.random()
        if roll < 0.08:
            low, high = 1_000, 9_900
        elif roll < 0.78:
            low, high = 10_000, 299_900
        elif roll < 0.92:
            low, high = 300_000, 499_900
        else:
            low, high = 500_000, 2_000_000
        return self.rng.randint(low // 100, high // 100) * 100

    def _assign_traits(self, plans: list[_Plan]) -> None:
        """The special cases: each is a trap a hub falls into if it counts what is not evidence,
        or a gap it must bridge (no commerce record, no dated start)."""

        def give(
            trait: str, fraction: float, stages: tuple[str, ...], *, exclude: tuple[str, ...] = ()
        ) -> None:
            pool = [p for p in plans if p.stage in stages and not p.traits.intersection(exclude)]
            for plan in self.rng.sample(pool, self._count(fraction, len(pool))):
                plan.traits.add(trait)

        give("terminated_with_filing", 0.06, ("landed",))
        give("commerce_unknown", 0.10, _LANDED_OR_LATER, exclude=("terminated_with_filing",))
        give(
            "commerce_only_construction",
            0.10,
            ("under_construction",),
            exclude=("commerce_unknown",),
        )
        give(
            "premature_stats_inclusion",
            0.0,
            ("under_construction",),
            exclude=("commerce_only_construction",),
        )
        give("stats_only_construction", 0.10, _IN_STATS)
        give("suspended", 0.05, ("in_statistics",))
        give("added_in_revision_2", 0.0, ("in_statistics",), exclude=("suspended",))
        give(
            "premature_production",
            0.0,
            ("in_statistics",),
            exclude=("suspended", "added_in_revision_2"),
        )
        give("revoked_only_filing", 0.07, ("signed",))
        give("revoked_only_filing", 0.10, ("terminated",))
        give("refused_filing", 0.05, ("signed",), exclude=("revoked_only_filing",))
        give("refused_construction_permit", 0.08, ("landed",))
        give(
            "revoked_construction_permit",
            0.08,
            ("landed",),
            exclude=("refused_construction_permit",),
        )
        give("corrected_filing", 0.06, _LANDED_OR_LATER)
        give("withdrawn_parcel", 0.05, _LANDED_OR_LATER)
        give("withdrawn_parcel", 0.05, ("signed", "terminated"))
        give("stats_without_code", 0.10, _IN_STATS)

    def _plan_timeline(self, plan: _Plan) -> None:
        """The true dates: anchor the furthest milestone reached, then walk back in time."""
        rng, traits = self.rng, plan.traits
        if plan.stage == "negotiating":
            plan.negotiation_on = self._day(date(2024, 7, 1), SCENARIO_TODAY - timedelta(days=3))
            return
        if plan.stage == "terminated":
            plan.terminated_on = self._day(date(2023, 6, 1), SCENARIO_TODAY - timedelta(days=1))
            if "revoked_only_filing" in traits or rng.random() < 0.45:
                plan.signed_on = self._before(plan.terminated_on, 60, 400)
            plan.negotiation_on = self._before(plan.signed_on or plan.terminated_on, 20, 300)
            return
        if plan.stage == "in_production":
            plan.production_on = self._day(date(2023, 3, 1), SCENARIO_TODAY - timedelta(days=2))
            production_month = _month_index(plan.production_on)
            plan.included_month = max(
                production_month - rng.randint(1, 24), _month_index(date(2021, 7, 1))
            )
            plan.start_month = plan.included_month - rng.randint(0, 5)
            plan.build_months = production_month - plan.start_month + 1
        elif plan.stage == "in_statistics":
            if "added_in_revision_2" in traits:
                plan.included_month = LAST_STATS_PERIOD - 1
            else:
                plan.included_month = rng.randint(_month_index(date(2022, 6, 1)), LAST_STATS_PERIOD)
            plan.start_month = plan.included_month - rng.randint(0, 5)
            plan.build_months = rng.randint(12, 48)
            if "suspended" in traits:
                plan.suspended_from = rng.randint(plan.included_month, LAST_STATS_PERIOD)
        elif plan.stage == "under_construction":
            plan.construction_on = self._day(date(2023, 6, 1), SCENARIO_TODAY - timedelta(days=2))
        elif plan.stage == "landed":
            latest = SCENARIO_TODAY - timedelta(
                days=40 if "terminated_with_filing" in traits else 2
            )
            plan.landed_on = self._day(date(2023, 3, 1), latest)
        else:  # signed
            plan.signed_on = self._day(date(2023, 1, 1), SCENARIO_TODAY - timedelta(days=30))
        if plan.start_month is not None:
            plan.construction_on = _month_start(plan.start_month)
        if plan.construction_on:
            plan.landed_on = self._before(plan.construction_on, 25, 300)
        if plan.landed_on:
            plan.signed_on = self._before(plan.landed_on, 15, 240)
        plan.negotiation_on = self._before(plan.signed_on, 20, 300)
        if "terminated_with_filing" in traits:
            plan.terminated_on = self._after(plan.landed_on, 10, 200)

    def _plan_evidence(self, plan: _Plan) -> None:
        """Which departments show which milestone, and on which day."""
        rng = self.rng
        if plan.stage in _LANDED_OR_LATER:
            plan.filing_on = plan.landed_on
            plan.has_parcels = rng.random() < 0.6
            latest_filing = min(
                SCENARIO_TODAY, (plan.construction_on or SCENARIO_TODAY) - timedelta(days=1)
            )
            if (
                plan.has_parcels
                and "corrected_filing" not in plan.traits
                and rng.random() < 0.3
                and (latest_filing - plan.landed_on).days >= 5
            ):
                plan.contract_first = True
                plan.filing_on = plan.landed_on + timedelta(
                    days=rng.randint(5, min(60, (latest_filing - plan.landed_on).days))
                )
        if plan.stage == "under_construction" and "commerce_only_construction" not in plan.traits:
            plan.permit_on = plan.construction_on
        elif plan.stage in _IN_STATS and "stats_only_construction" not in plan.traits:
            plan.permit_on = min(
                SCENARIO_TODAY, plan.construction_on + timedelta(days=rng.randint(0, 27))
            )
        if not plan.commerce_known:
            return
        plan.commerce_stage, plan.commerce_signed_on_filled = self._commerce_view(plan)
        plan.commerce_negotiation_filled = rng.random() < 0.9

    def _commerce_view(self, plan: _Plan) -> tuple[str, bool]:
        """Commerce's stage (often behind the truth, never ahead); whether it filled signed_on."""
        if plan.stage == "terminated" or "terminated_with_filing" in plan.traits:
            return "已终止", plan.signed_on is not None
        if plan.stage == "negotiating":
            return "在谈", False
        if plan.stage == "signed":
            roll = self.rng.random()
            if roll < 0.10:
                plan.traits.add("commerce_stage_lags")
                return "在谈", True  # signed_on filled in, stage never moved on
            return "已签约", roll < 0.95
        if "commerce_only_construction" in plan.traits:
            stage = "已开工"
        elif plan.stage == "landed":
            stage = self._weighted((("已落地", 6), ("已签约", 4)))
        else:
            stage = self._weighted((("已开工", 5), ("已落地", 3), ("已签约", 2)))
        if _COMMERCE_STAGE_ORDER.index(stage) < _COMMERCE_STAGE_ORDER.index(
            _COMMERCE_EQUIVALENT[plan.stage]
        ):
            plan.traits.add("commerce_stage_lags")
        return stage, self.rng.random() < 0.95
