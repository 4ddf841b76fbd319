"""The builder's state and the helpers every department's share of the scenario uses: whose
record is whose (``_own``), the seeded random helpers, the clerks' names, identifiers, and
what broken copies are made of."""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import date, datetime, time, timedelta
from typing import Any

from hub.sandbox.scenario.model import (
    _BRAND_CHARS,
    _NAME_STYLES,
    _Investor,
    _PendingEvent,
    _Plan,
)
from hub.sandbox.scenario.reference import USCC_ALPHABET, Reference, uscc_check_char
from hub.sandbox.scenario.truth import LOCAL_TZ, REASON_CODES, SCENARIO_TODAY
from hub.sandbox.variation import NameWriter, RecordNames, Title


class _BuilderBase:
    """State and shared helpers of ``_ScenarioBuilder`` (hub/sandbox/scenario/builder.py);
    each department's share is a mixin on top of it, one module each."""

    def __init__(
        self,
        size: int,
        seed: int,
        bad_rate: float,
        hard_match_rate: float,
        reference: Reference,
        *,
        realistic: bool = False,
    ):
        self.size = size
        self.seed = seed
        self.bad_rate = bad_rate
        self.hard_match_rate = hard_match_rate
        self.reference = reference
        self.rng = random.Random(seed)
        # A stream of its own, so that hard matching changes no other draw of the model.
        self.hard_rng = random.Random(f"hard-match:{seed}")
        # name_variation="realistic": the clerks' names, the keys departments really send, and
        # the hard-negative families, each on a stream of its own.
        self.realistic = realistic
        self.writer = NameWriter(seed) if realistic else None
        self.key_rng = random.Random(f"realistic-keys:{seed}")
        self.name_variations: dict[tuple[str, str], tuple[str, ...]] = {}
        self.hard_negative_pairs: list[tuple[str, str]] = []
        self.known_district_codes = {d.code for d in reference.districts}
        self.known_district_labels = {d.name for d in reference.districts} | {
            alias for d in reference.districts for alias in d.aliases
        }
        self.used_company_names: set[str] = set()
        self.used_usccs: set[str] = set()
        self.used_codes: set[str] = set()
        self.investors: list[_Investor] = []
        self.code_serial = self.rng.randint(1000, 9000)
        self.commerce_serial = self.rng.randint(100, 900)
        self.stats_serial = self.rng.randint(1000, 5000)
        self.parcel_serials: dict[tuple[str, int], int] = {}
        self.record_owner: dict[tuple[str, str], str | None] = {}
        self.bad_records: dict[tuple[str, str], list[str]] = {}
        self.non_evidence: dict[tuple[str, str], str] = {}
        self.served_sources: dict[str, set[str]] = defaultdict(set)
        self.known_to: dict[str, set[str]] = defaultdict(set)  # any record, served or not
        self.commerce_records: list[dict[str, Any]] = []
        self.main_commerce_record: dict[str, dict[str, Any]] = {}
        self.pending_events: list[_PendingEvent] = []
        self.land_rows: list[tuple[datetime, int, dict[str, str]]] = []
        self.stats_rows: dict[tuple[str, int], list[dict[str, Any]]] = defaultdict(list)

    def _own(
        self,
        source: str,
        key: str,
        owner: str | None,
        *,
        non_evidence: str | None = None,
        served: bool = True,
    ) -> None:
        if (source, key) in self.record_owner:
            raise AssertionError(f"duplicate source key {source}:{key}")
        self.record_owner[(source, key)] = owner
        if non_evidence:
            self.non_evidence[(source, key)] = non_evidence
        if owner:
            self.known_to[owner].add(source)
            if served:
                self.served_sources[owner].add(source)

    # ------------------------------------------------------------------ small random helpers

    def _weighted(self, options: tuple[tuple[Any, int], ...]) -> Any:
        values, weights = zip(*options, strict=True)
        return self.rng.choices(values, weights)[0]

    def _day(self, low: date, high: date) -> date:
        """A day in [low, high]; low when the window is empty."""
        return low + timedelta(days=self.rng.randint(0, max(0, (high - low).days)))

    def _after(self, day: date, low: int, high: int) -> date:
        """``low``..``high`` days after ``day``, but never after the scenario's today."""
        return min(SCENARIO_TODAY, day + timedelta(days=self.rng.randint(low, high)))

    def _before(self, day: date, low: int, high: int) -> date:
        return day - timedelta(days=self.rng.randint(low, high))

    def _at(self, day: date, earliest: time = time(9, 0), latest: time = time(17, 30)) -> datetime:
        start = earliest.hour * 3600 + earliest.minute * 60
        end = latest.hour * 3600 + latest.minute * 60
        second = self.rng.randint(start, end)
        return datetime.combine(day, time(second // 3600, second // 60 % 60, second % 60), LOCAL_TZ)

    def _count(self, fraction: float, population: int) -> int:
        """Half-up count of a fraction, at least one when anyone is eligible."""
        return min(population, max(1, int(fraction * population + 0.5))) if population else 0

    def _styled(self, name: str, department: str) -> str:
        """The same name as another department writes it: brackets, stray spaces."""
        style = self._weighted(_NAME_STYLES[department])
        if style == "half":
            return name.replace("（", "(").replace("）", ")")
        if style == "spaced":
            if "（" in name and self.rng.random() < 0.5:
                return name.replace("（", " （", 1)
            return self.rng.choice((name + " ", " " + name, name.replace("有限", " 有限", 1)))
        return name

    def _names(self, department: str) -> RecordNames | None:
        """One record's clerk (realistic), or None: names as the model has them."""
        return self.writer.record(department) if self.writer else None

    def _title(self, plan: _Plan, phase: int | None = None) -> Title:
        chain = plan.chain.name if plan.chain else "综合"
        return Title(plan.brand, chain, plan.project_word, phase or plan.phase)

    def _noted(self, source: str, key: str, names: RecordNames | None) -> None:
        if names is not None and names.kinds:
            self.name_variations[(source, key)] = names.kinds

    # ------------------------------------------------------------------ identifiers

    def _brand(self) -> str:
        return "".join(self.rng.sample(_BRAND_CHARS, 2))

    def _new_uscc(self, region: str, rng: random.Random | None = None) -> str:
        rng = rng or self.rng
        while True:
            if rng.random() < 0.6:
                org = "MA" + "".join(rng.choice(USCC_ALPHABET) for _ in range(7))
            else:
                org = "".join(rng.choice("0123456789") for _ in range(8)) + rng.choice(
                    USCC_ALPHABET
                )
            body = "91" + region + org
            uscc = body + uscc_check_char(body)
            if uscc not in self.used_usccs:
                self.used_usccs.add(uscc)
                return uscc

    def _new_project_code(self, plan: _Plan, year: int) -> str:
        self.code_serial += self.rng.randint(1, 40)
        industry = plan.industry_code[1:3]
        project_type = self.rng.choice(("01", "02", "03", "04"))
        # Six digits last ~48,000 coded projects; beyond, the serial wraps (still unique).
        serial = self.code_serial % 1_000_000
        while True:
            code = f"{year}-{plan.district.code}-{industry}-{project_type}-{serial:06d}"
            if code not in self.used_codes:
                self.used_codes.add(code)
                return code
            serial = (serial + 1) % 1_000_000

    def _new_project_no(self, year: int) -> str:
        self.commerce_serial += self.rng.randint(1, 3)
        return f"SW{year}-{self.commerce_serial:06d}"

    def _new_stat_id(self, district_code: str) -> str:
        self.stats_serial += self.rng.randint(1, 5)
        return f"TJ{district_code}{self.stats_serial:07d}"

    def _new_parcel_id(self, district_code: str, year: int) -> str:
        key = (district_code, year)
        if key not in self.parcel_serials:
            self.parcel_serials[key] = self.rng.randint(0, 20)
        self.parcel_serials[key] += self.rng.randint(1, 3)
        return f"{district_code}-{year}-G{self.parcel_serials[key]:03d}"

    # ------------------------------------------------------------------ bad records

    def _bad_count(self, records: int) -> int:
        return int(self.bad_rate * records + 0.5)

    def _pick_reasons(self) -> list[str]:
        """One or two reasons; never both amount reasons, which would break the same field."""
        while True:
            chosen = self.rng.sample(REASON_CODES, 1 if self.rng.random() < 0.7 else 2)
            if not {"negative_amount", "invalid_amount"} <= set(chosen):
                return sorted(chosen, key=REASON_CODES.index)

    def _wrong_check(self, uscc: str) -> str:
        return uscc[:17] + self.rng.choice([c for c in USCC_ALPHABET if c != uscc[17]])

    def _malformed_code(self, code: str) -> str:
        year, district, industry, kind, serial = code.split("-")
        return self.rng.choice(
            (
                f"{year}-{district[:5]}-{industry}-{kind}-{serial}",  # 5-digit division
                f"{year}-{district}-{industry}-{kind}_{serial}",  # wrong separator
                f"{year}{district}{industry}{kind}{serial}",  # dashes lost
                f"{year}-{district}-{industry}-{kind}-{serial[:4]}",  # short serial
            )
        )

    def _unknown_district_code(self) -> str:
        for suffix in range(99, 0, -1):
            candidate = f"3702{suffix:02d}"
            if candidate not in self.known_district_codes:
                return candidate
        raise RuntimeError("no unknown district code left")

    def _unknown_district_label(self) -> str:
        for label in ("海青新区", "红岛区", "鳌山新区", "胶南区"):
            if label not in self.known_district_labels:
                return label
        raise RuntimeError("no unknown district name left")

    def _sample_code(self) -> str:
        return f"2024-{self.reference.districts[0].code}-27-03-{self.rng.randint(0, 999_999):06d}"
