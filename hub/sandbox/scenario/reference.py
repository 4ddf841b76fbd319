"""The slice of the city's reference data the generator draws from, and the identifiers it
mints: USCC check characters (GB 32100-2015) and each industry chain's GB/T 4754 class."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import hub

# ----------------------------------------------------------------------------- reference data


@dataclass(frozen=True)
class District:
    code: str
    name: str
    aliases: tuple[str, ...]


@dataclass(frozen=True)
class IndustryChain:
    name: str
    category: str
    is_manufacturing: bool


@dataclass(frozen=True)
class Reference:
    """The slice of ``reference/*.csv`` the generator draws from (another city swaps them)."""

    districts: tuple[District, ...]
    chains: tuple[IndustryChain, ...]


def default_reference_dir() -> Path:
    return Path(hub.__file__).resolve().parents[1] / "reference"


def load_reference(reference_dir: Path | None = None) -> Reference:
    directory = Path(reference_dir) if reference_dir else default_reference_dir()
    with (directory / "districts.csv").open(encoding="utf-8", newline="") as handle:
        districts = tuple(
            District(
                row["district_code"],
                row["district_name"],
                tuple(alias for alias in (row.get("aliases") or "").split("|") if alias),
            )
            for row in csv.DictReader(handle)
        )
    with (directory / "industry_chains.csv").open(encoding="utf-8", newline="") as handle:
        chains = tuple(
            IndustryChain(
                row["industry_chain"],
                row["industry_category"],
                row["is_manufacturing"].strip().lower() == "true",
            )
            for row in csv.DictReader(handle)
        )
    if not districts or not chains:
        raise ValueError(f"reference data in {directory} has no districts or no industry chains")
    return Reference(districts, chains)


# ----------------------------------------------------------------------------- identifiers

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def uscc_check_char(first_17: str) -> str:
    """GB 32100-2015 check character for the first 17 characters of a USCC."""
    total = sum(
        USCC_ALPHABET.index(char) * weight
        for char, weight in zip(first_17, _USCC_WEIGHTS, strict=True)
    )
    return USCC_ALPHABET[(31 - total % 31) % 31]


# GB/T 4754-2017 class used for a chain's stats rows (and, by its 2 digits, its project code).
# Chains missing here (another city's list) fall back on the manufacturing flag.
_INDUSTRY_CODES = {
    "智能家电": "C3851",
    "轨道交通装备": "C3711",
    "新能源汽车": "C3612",
    "船舶海工装备": "C3731",
    "高端化工": "C2614",
    "食品饮料": "C1512",
    "纺织服装": "C1810",
    "集成电路": "C3973",
    "新型显示": "C3974",
    "虚拟现实": "C3969",
    "人工智能": "I6513",
    "生物医药及医疗器械": "C2720",
    "智能制造装备": "C3421",
    "新材料": "C3985",
    "氢能与储能": "C3841",
    "航空航天": "C3741",
    "节能环保": "C3591",
    "现代金融": "J6930",
    "现代物流": "G5920",
    "现代商贸": "F5211",
    "文化旅游": "R9020",
    "软件和信息服务": "I6513",
    "医养健康": "Q8411",
    "会展经济": "L7284",
}
