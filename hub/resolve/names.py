"""Normalising company and project names so departments' spellings compare equal."""

from __future__ import annotations

import re
import unicodedata

# Longest first: "股份有限公司" must not leave "股份" behind after "有限公司" is cut.
LEGAL_SUFFIXES = ("股份有限公司", "有限责任公司", "有限公司")
_SPACES = re.compile(r"\s+")


def normalize_name(name: str | None) -> str:
    """Full-width → half-width (NFKC), no spaces, brackets unified, legal suffix dropped.

    >>> normalize_name("国药生命港（青岛） 有限公司")
    '国药生命港(青岛)'
    """
    if not name:
        return ""
    text = unicodedata.normalize("NFKC", name)
    text = _SPACES.sub("", text)
    for suffix in LEGAL_SUFFIXES:
        if text.endswith(suffix):
            text = text[: -len(suffix)]
            break
    return text


def name_similarity(left: str | None, right: str | None) -> float:
    """0–1 similarity of two normalised names (rapidfuzz's normalised Indel ratio)."""
    from rapidfuzz import fuzz

    a, b = normalize_name(left), normalize_name(right)
    if not a or not b:
        return 0.0
    return fuzz.ratio(a, b) / 100.0
