"""What of a department's record PostgreSQL cannot store, or the hub cannot use, and a form
of it that lands anyway.

A department can send, in valid JSON or a readable CSV row, values that PostgreSQL's text
and jsonb refuse: a NUL character, a lone UTF-16 surrogate (what an invalid UTF-8 byte
becomes when a connector decodes with ``surrogateescape``), NaN and ±Infinity, and numbers
no float holds (``1e309``) or no Python int parses (thousands of digits; the connectors
keep those as ``SourceNumber``). Other values are storable but no field of any contract can
hold them: control characters, an object or a list where a field holds a string or a
number, and texts of hundreds of thousands of characters.

Such a record still lands, kept verbatim in a form PostgreSQL accepts:

- a text with a character PostgreSQL refuses, or a control character, is stored with those
  characters written as ``\\uXXXX`` and its backslashes doubled (the JSON string syntax of
  the original, so nothing is lost);
- a number Python or PostgreSQL cannot hold is stored as a string of its token exactly as
  sent (``"1e309"``, ``"NaN"``);
- everything else is stored as it came;
- ``FINDINGS_KEY`` is added to the payload: ``{reason: [field paths]}``. The staging views
  expose it and every suite rejects such a record with those reasons (``invalid_text``,
  ``invalid_number``, ``invalid_type``, ``value_too_long``, ``unreadable_row``).

``needs_inspection`` decides from the canonical JSON text alone whether a record could hold
any of this, so the clean records (nearly all) are never walked.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from typing import Any

from connectors.common.records import SourceNumber, SourceRecord

FINDINGS_KEY = "_landing_findings"
#: Longer than any field of the contracts holds (names, addresses, remarks) by far.
MAX_TEXT_CHARS = 2000
#: The raw tables' version index holds the key; an index entry must stay under ~2,700 bytes.
MAX_KEY_CHARS = 200

INVALID_TEXT = "invalid_text"
INVALID_NUMBER = "invalid_number"
INVALID_TYPE = "invalid_type"
VALUE_TOO_LONG = "value_too_long"
UNREADABLE_ROW = "unreadable_row"
REASONS = (INVALID_TEXT, INVALID_NUMBER, INVALID_TYPE, VALUE_TOO_LONG, UNREADABLE_ROW)

# NUL and the other C0 controls but tab, line feed and carriage return; DEL; lone surrogates.
_BAD_CHARACTER = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")
_NON_FINITE = {math.inf: "Infinity", -math.inf: "-Infinity"}


def needs_inspection(canonical: str) -> bool:
    """Whether a record whose canonical JSON text (ensure_ascii off, sort_keys) is
    ``canonical`` may hold anything this module finds. False means it is clean: json
    writes NUL and the control characters as ``\\u00XX``, ``\\b`` or ``\\f`` (tab, line feed
    and carriage return, which fields may hold, as ``\\t \\n \\r``), a lone surrogate fails
    to encode before this is asked, an object or list field needs a bracket past the first
    character, and no field is longer than the whole text."""
    # One-character searches first: they cost a twentieth of a two-character one.
    return (
        ("\\" in canonical and ("\\u" in canonical or "\\b" in canonical or "\\f" in canonical))
        or "\x7f" in canonical
        or "[" in canonical
        or canonical.find("{", 1) != -1
        or len(canonical) > MAX_TEXT_CHARS
    )


def key_is_clean(key: object) -> bool:
    """Whether the raw tables' version index can hold ``key`` as it is (the lander's fast
    check; ``storable_record`` makes any other key storable)."""
    return type(key) is not str or (len(key) <= MAX_KEY_CHARS and not has_bad_character(key))


def has_bad_character(text: str) -> bool:
    """Whether ``text`` holds a character PostgreSQL refuses or no field may hold."""
    # isprintable() is False for every such character (and for a few harmless ones, such
    # as a no-break space): a cheap first look for the short texts it is asked about.
    return not text.isprintable() and _BAD_CHARACTER.search(text) is not None


def storable_record(record: SourceRecord) -> tuple[SourceRecord, dict[str, list[str]]]:
    """``record`` in a form PostgreSQL stores, and what was wrong with it ({} when nothing).

    The payload's fields (its top-level values) must be strings, numbers, booleans or null;
    context and provenance, written by the connectors, are only made storable."""
    findings: dict[str, list[str]] = defaultdict(list)
    payload = record.payload
    if isinstance(payload, dict):
        clean = {}
        for name, value in payload.items():
            name = _text(name, escape_text(name), findings)
            clean[name] = _value(value, name, findings, True)
    else:  # a connector wraps every record in an object; this is a bug, kept visible
        findings[UNREADABLE_ROW].append("")
        clean = {"_not_an_object": _value(payload, "", findings, False)}
    context = _value(record.context, "context", findings, False)
    provenance = _value(record.provenance, "provenance", findings, False)
    key = _key(record.source_key, findings)
    if not findings:
        return record, {}
    found = {reason: sorted(set(paths)) for reason, paths in findings.items()}
    clean[FINDINGS_KEY] = found
    return (
        SourceRecord(
            entity=record.entity,
            source_key=key,
            payload=clean,
            context=context,
            provenance=provenance,
        ),
        found,
    )


def escape_text(text: str) -> str:
    """``text`` with backslashes doubled and every character PostgreSQL refuses or no field
    may hold written as ``\\uXXXX``: the body of the JSON string of ``text``, minus the
    escapes JSON would also use for quotes and the allowed whitespace."""
    return _BAD_CHARACTER.sub(lambda m: f"\\u{ord(m.group()):04x}", text.replace("\\", "\\\\"))


def _text(text: str, path: str, findings: dict[str, list[str]]) -> str:
    if _BAD_CHARACTER.search(text) is None:
        return text
    findings[INVALID_TEXT].append(path)
    return escape_text(text)


def _value(value: Any, path: str, findings: dict[str, list[str]], field: bool) -> Any:
    """A storable copy of ``value`` at ``path``; ``field``: a top-level field of a payload."""
    kind = type(value)
    if kind is str:
        if field and len(value) > MAX_TEXT_CHARS:
            findings[VALUE_TOO_LONG].append(path)
        return _text(value, path, findings)
    if value is None or kind is bool or kind is int:
        return value
    if kind is float:
        if math.isfinite(value):
            return value
        findings[INVALID_NUMBER].append(path)
        return _NON_FINITE.get(value, "NaN")
    if kind is SourceNumber:
        findings[INVALID_NUMBER].append(path)
        return _text(value.text, path, findings)
    if kind is dict or kind is list:
        if field:
            findings[INVALID_TYPE].append(path)
        if kind is list:
            return [_value(item, f"{path}[{i}]", findings, False) for i, item in enumerate(value)]
        clean = {}
        for k, v in value.items():
            # The path names the key made storable: a finding's path lands in the payload
            # too, and a raw key's NUL or lone surrogate there failed the whole batch.
            k = _text(str(k), path, findings)
            clean[k] = _value(v, _join(path, k), findings, False)
        return clean
    findings[UNREADABLE_ROW].append(path)
    return _text(repr(value), path, findings)


def _key(key: Any, findings: dict[str, list[str]]) -> str | None:
    """The source key as the raw table's version index can hold it."""
    if type(key) is not str:  # None, or a number the lander stores as psycopg would
        return key
    text = key
    if len(text) > MAX_KEY_CHARS:
        findings[VALUE_TOO_LONG].append("<source key>")
        return None  # the payload keeps it; a NULL key is never taken for another record's
    if _BAD_CHARACTER.search(text) is not None:
        findings[INVALID_TEXT].append("<source key>")
        return escape_text(text)
    return text


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key
