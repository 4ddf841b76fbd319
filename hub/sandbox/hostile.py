"""Hostile records: valid-looking copies of a department's records carrying one poisonous value.

A real department's feed sometimes carries values that break a naive reader rather than a
validation rule: a NUL that PostgreSQL text cannot store, a lone UTF-16 surrogate, a byte that
is not UTF-8, a number JSON allows but no column holds (``1e309``, ``NaN``, a 5000-digit
integer), a string where a number belongs, a 300,000-character name, a CSV row with a column
too many. The hub must reject such a record alone — with a reason — and keep every other record
of the same page or file.

Each hostile record is a deep copy of a valid record of that department (the *template*),
with a fresh source key that no true project owns and exactly one field made hostile; the
kinds are cycled in a fixed order, so ``hostile_records = len(kinds_for(department))`` plays
every kind once. ``HostileRecord`` is the truth of one: where it is, what kind, and the reject
reason codes the hub must give it.

A hostile value whose exact bytes ``json.dumps`` would not write is carried as ``RawJson`` and
rendered by ``render_json`` verbatim. Land rows are rendered here, to bytes, the way
``land_files.render_land_file`` writes a row, then spoiled where a cell cannot express it.
"""

from __future__ import annotations

import copy
import csv
import io
import json
import random
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from hub.sandbox.land_files import LAND_COLUMNS

#: The departments that can be given hostile records (all four).
HOSTILE_DEPARTMENTS = ("commerce", "approval", "land", "stats")

#: Kinds for the JSON departments, in the order they are cycled through.
JSON_KINDS = (
    "nul_in_text",
    "lone_surrogate",
    "invalid_utf8",
    "control_chars",
    "object_for_string",
    "list_for_number",
    "overflow_number",
    "nan",
    "infinity",
    "huge_integer",
    "long_name",
    "impossible_date",
    "impossible_timestamp",
)
#: Kinds for the land bureau's CSV files, in the order they are cycled through.
LAND_KINDS = (
    "nul_byte",
    "too_few_columns",
    "too_many_columns",
    "not_gb18030",
    "control_chars",
    "long_name",
    "impossible_date",
)

LONG_NAME_CHARS = 300_000
HUGE_INTEGER_DIGITS = 5000
IMPOSSIBLE_DATE = "9999-99-99"
IMPOSSIBLE_TIMESTAMP = "2024-13-45T99:00:00"
#: Never a GB18030 byte, and never valid UTF-8 either.
INVALID_BYTE = b"\xff"

_REASON_BY_KIND = {
    "nul_in_text": "invalid_text",
    "lone_surrogate": "invalid_text",
    "invalid_utf8": "invalid_text",
    "control_chars": "invalid_text",
    "object_for_string": "invalid_type",
    "list_for_number": "invalid_type",
    "overflow_number": "invalid_number",
    "nan": "invalid_number",
    "infinity": "invalid_number",
    "huge_integer": "invalid_number",
    "long_name": "value_too_long",
    "nul_byte": "invalid_text",
    "too_few_columns": "unreadable_line",
    "too_many_columns": "unreadable_line",
    "not_gb18030": "unreadable_line",
    # impossible_date / impossible_timestamp: the department's reason for that field
}
# A row whose cells cannot be told apart reaches the hub without a source key.
_KEYLESS_LAND_KINDS = frozenset({"too_few_columns", "too_many_columns", "not_gb18030"})


@dataclass(frozen=True)
class _Fields:
    """Which field of a department's record each kind spoils, and the suite's date reasons
    (``expectations/suites/<dept>__<entity>.json``). None: the department has no such field,
    so the kind does not apply to it."""

    key: str
    name: str
    amount: str | None
    date: tuple[str, str] | None  # (field, reason)
    timestamp: tuple[str, str] | None  # (field, reason)


_FIELDS = {
    "commerce": _Fields(
        key="project_no",
        name="project_name",
        amount="total_investment",
        date=("signed_on", "invalid_date"),
        timestamp=("updated_at", "invalid_date"),
    ),
    "approval": _Fields(
        key="event_id",
        name="project_name",
        amount="total_investment_wan",
        date=None,  # decided_at is its only date, and it is a timestamp
        timestamp=("decided_at", "invalid_date"),
    ),
    "stats": _Fields(
        key="stat_project_id",
        name="project_name",
        amount="planned_investment_wan",
        date=("start_month", "invalid_month"),  # a month field: the suite says invalid_month
        timestamp=None,
    ),
    "land": _Fields(
        key="宗地编号",
        name="项目名称",
        amount=None,
        date=("合同签订日期", "invalid_date"),
        timestamp=None,
    ),
}


def kinds_for(department: str) -> tuple[str, ...]:
    """The kinds that apply to a department, in the order they are cycled through."""
    if department == "land":
        return LAND_KINDS
    fields = _FIELDS[department]
    return tuple(
        kind
        for kind in JSON_KINDS
        if not (kind == "impossible_date" and fields.date is None)
        and not (kind == "impossible_timestamp" and fields.timestamp is None)
    )


@dataclass(frozen=True)
class RawJson:
    """A JSON value sent as exactly these bytes (``render_json``): tokens ``json.dumps`` cannot
    produce from a Python value — ``1e309``, a 5000-digit integer, a ``\\ud800`` escape amid
    unescaped text, a string holding a byte that is not UTF-8 — and ``NaN`` / ``-Infinity``,
    which it could, pinned to those spellings."""

    token: bytes

    def __repr__(self) -> str:
        shown = self.token if len(self.token) <= 40 else self.token[:40] + b"..."
        return f"RawJson({shown!r})"


@dataclass(frozen=True)
class HostileRecord:
    """One hostile record as served, and what the hub must make of it.

    Attributes:
        source_system: the department.
        source_key: its fresh key (commerce ``project_no``, approval ``event_id``, land
            ``宗地编号``, stats ``stat_project_id``) — None for a land row the hub cannot split
            into cells (wrong column count, undecodable), which it holds without a key.
        kind: what is hostile about it (``JSON_KINDS`` / ``LAND_KINDS``).
        field: the field (land: column) carrying the hostile value; None when the row's
            shape is what is wrong.
        reasons: the reject reason codes the hub gives it.
        copy_of: the key of the valid record it was copied from.
        file, line: land only — the file and the line the row was written on (header = 1).
        period: stats only — the period whose roster serves it.
    """

    source_system: str
    source_key: str | None
    kind: str
    field: str | None
    reasons: tuple[str, ...]
    copy_of: str
    file: str | None = None
    line: int | None = None
    period: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "source_system": self.source_system,
            "source_key": self.source_key,
            "kind": self.kind,
            "field": self.field,
            "reasons": list(self.reasons),
            "copy_of": self.copy_of,
            "file": self.file,
            "line": self.line,
            "period": self.period,
        }


@dataclass(frozen=True)
class HostileJsonRecord:
    """A hostile record for an HTTP department: ``record`` is served next to the record it was
    copied from (``truth.copy_of``); ``RawJson`` values in it are sent verbatim."""

    record: dict[str, Any]
    truth: HostileRecord


@dataclass(frozen=True)
class HostileLandRow:
    """A hostile land row: ``data`` (GB18030 bytes, ``\\r\\n`` included) goes into file
    ``file_index`` of the initial files right after its row ``after_row``; ``truth.line`` is
    filled in once the file is written."""

    file_index: int
    after_row: int
    data: bytes
    truth: HostileRecord


# ----------------------------------------------------------------------------- JSON


def make_json_records(
    department: str,
    templates: Sequence[dict[str, Any]],
    how_many: int,
    rng: random.Random,
    taken_keys: set[str],
) -> list[HostileJsonRecord]:
    """``how_many`` hostile copies of ``templates`` (valid records of ``department``), the kinds
    cycled in order. Fresh keys are added to ``taken_keys``."""
    fields = _FIELDS[department]
    kinds = kinds_for(department)
    made = []
    for index, template in enumerate(_pick_templates(templates, how_many, rng)):
        kind = kinds[index % len(kinds)]
        record = copy.deepcopy(template)
        record[fields.key] = _fresh_key(template[fields.key], taken_keys)
        field, reason = _spoil_json(record, kind, fields, rng)
        # A value that is no number where the amount belongs is also an unreadable amount.
        reasons = (reason, "invalid_amount") if field == fields.amount else (reason,)
        made.append(
            HostileJsonRecord(
                record,
                HostileRecord(
                    source_system=department,
                    source_key=record[fields.key],
                    kind=kind,
                    field=field,
                    reasons=reasons,
                    copy_of=template[fields.key],
                ),
            )
        )
    return made


def _spoil_json(
    record: dict[str, Any], kind: str, fields: _Fields, rng: random.Random
) -> tuple[str, str]:
    """Put the hostile value of ``kind`` into ``record``; returns (field, reason)."""
    dated = {"impossible_date": fields.date, "impossible_timestamp": fields.timestamp}
    if kind in dated:
        field, reason = _applicable(dated[kind], kind)
        record[field] = IMPOSSIBLE_DATE if kind == "impossible_date" else IMPOSSIBLE_TIMESTAMP
        return field, reason
    name = record[fields.name]
    head, tail = name[: len(name) // 2], name[len(name) // 2 :]
    value: Any
    field = fields.name
    if kind == "nul_in_text":
        value = f"{head}\x00{tail}"
    elif kind == "lone_surrogate":
        # json.dumps writes "\ud800" as its escape only with ensure_ascii, which would escape
        # the Chinese too: the escape is spliced between the two halves of the name instead.
        value = RawJson((_json_str(head)[:-1] + "\\ud800" + _json_str(tail)[1:]).encode())
    elif kind == "invalid_utf8":
        value = RawJson(_json_str(head)[:-1].encode() + INVALID_BYTE + _json_str(tail)[1:].encode())
    elif kind == "control_chars":
        value = f"{head}\x01{tail}\x1b"
    elif kind == "object_for_string":
        value = {"zh": name}
    elif kind == "long_name":
        value = _long_text(name)
    else:
        field, _ = _applicable((fields.amount, ""), kind)
        if kind == "list_for_number":
            value = [1, 2]
        elif kind == "overflow_number":
            value = RawJson(b"1e309")
        elif kind == "nan":
            value = RawJson(b"NaN")
        elif kind == "infinity":
            value = RawJson(b"-Infinity")
        elif kind == "huge_integer":
            # Written by hand: Python refuses int <-> str conversions beyond 4300 digits.
            value = RawJson(_digits(HUGE_INTEGER_DIGITS, rng).encode())
        else:
            raise ValueError(f"unknown hostile kind {kind!r}")
    record[field] = value
    return field, _REASON_BY_KIND[kind]


def _applicable(target: tuple[str | None, str] | None, kind: str) -> tuple[str, str]:
    """(field, reason) for a kind that needs that field; ``kinds_for`` leaves out the kinds
    a department has no field for, so meeting one here is a bug."""
    if target is None or target[0] is None:
        raise ValueError(f"hostile kind {kind!r} does not apply to this department")
    return target[0], target[1]


def _json_str(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


# U+E000 (private use) never occurs in the departments' data; json.dumps leaves it unescaped.
_PLACEHOLDER = re.compile('"\ue000raw:([0-9]+)\ue000"'.encode())


def render_json(payload: Any) -> bytes:
    """``payload`` as UTF-8 JSON (as ``json.dumps(..., ensure_ascii=False)``), with every
    ``RawJson`` value written as its exact bytes."""
    tokens: list[bytes] = []

    def placeholder(value: Any) -> str:
        if not isinstance(value, RawJson):
            raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")
        tokens.append(value.token)
        return f"\ue000raw:{len(tokens) - 1}\ue000"

    text = json.dumps(payload, ensure_ascii=False, default=placeholder)
    data, replaced = _PLACEHOLDER.subn(lambda m: tokens[int(m.group(1))], text.encode("utf-8"))
    if replaced != len(tokens):
        raise AssertionError("a RawJson placeholder was not found in the rendered JSON")
    return data


# ----------------------------------------------------------------------------- land


def make_land_rows(
    templates: Sequence[tuple[int, int, dict[str, str]]],
    file_names: Sequence[str],
    how_many: int,
    rng: random.Random,
    taken_keys: set[str],
) -> list[HostileLandRow]:
    """``how_many`` hostile rows, each copied from a template ``(file index, row index, row)``
    and destined for the line after it; the kinds cycled in order. A template's cells must
    hold no comma, quote or line break (its row is written unquoted, so a spoiled row stays
    one physical line and a reader splits it at the commas). Fresh keys join ``taken_keys``."""
    fields = _FIELDS["land"]
    made = []
    for index, (file_index, row_index, template) in enumerate(
        _pick_templates(templates, how_many, rng)
    ):
        kind = LAND_KINDS[index % len(LAND_KINDS)]
        row = dict(template)
        row[fields.key] = _fresh_key(template[fields.key], taken_keys)
        cells = [row.get(column, "") for column in LAND_COLUMNS]
        data, field, reason = _spoil_land_row(cells, kind)
        made.append(
            HostileLandRow(
                file_index=file_index,
                after_row=row_index,
                data=data,
                truth=HostileRecord(
                    source_system="land",
                    source_key=None if kind in _KEYLESS_LAND_KINDS else row[fields.key],
                    kind=kind,
                    field=field,
                    reasons=(reason,),
                    copy_of=template[fields.key],
                    file=file_names[file_index],
                ),
            )
        )
    return made


def _spoil_land_row(cells: list[str], kind: str) -> tuple[bytes, str | None, str]:
    """The bytes of a row (``cells`` in the contract's column order) made hostile by ``kind``;
    returns (bytes, column spoiled or None, reason)."""
    fields = _FIELDS["land"]
    name_at = LAND_COLUMNS.index(fields.name)
    name = cells[name_at]
    head, tail = name[: len(name) // 2], name[len(name) // 2 :]
    field: str | None = fields.name
    reason = _REASON_BY_KIND.get(kind, "")
    if kind == "nul_byte":
        cells[name_at] = f"{head}\x00{tail}"
    elif kind == "control_chars":
        cells[name_at] = f"{head}\x01{tail}\x1b"
    elif kind == "long_name":
        cells[name_at] = _long_text(name)
    elif kind == "impossible_date":
        field, reason = _applicable(fields.date, kind)
        cells[LAND_COLUMNS.index(field)] = IMPOSSIBLE_DATE
    elif kind == "too_few_columns":
        field, cells = None, cells[:-3]
    elif kind == "too_many_columns":
        field, cells = None, [*cells, "备注"]
    elif kind != "not_gb18030":
        raise ValueError(f"unknown hostile land kind {kind!r}")
    data = _csv_line(cells)
    if kind == "not_gb18030":
        # Inside the name cell, as broken_encoding_rows does: the line cannot be decoded.
        start_of_name = data.index(b",") + 1
        data = data[:start_of_name] + INVALID_BYTE + data[start_of_name:]
    return data, field, reason


def land_cells_are_plain(row: dict[str, str]) -> bool:
    """True when no cell needs quoting (see ``make_land_rows``)."""
    return not any(any(ch in value for ch in ',"\r\n') for value in row.values())


def _csv_line(cells: Iterable[str]) -> bytes:
    """One row exactly as ``render_land_file`` writes it (NUL and control characters pass)."""
    buffer = io.StringIO(newline="")
    csv.writer(buffer, lineterminator="\r\n").writerow(cells)
    return buffer.getvalue().encode("gb18030")


# ----------------------------------------------------------------------------- shared


def _pick_templates(templates: Sequence[Any], how_many: int, rng: random.Random) -> list[Any]:
    """Distinct templates while they last (so hostile records are spread out, each next to a
    normal one), then repeats."""
    if not templates or how_many <= 0:
        return []
    picked = rng.sample(list(templates), min(how_many, len(templates)))
    picked += rng.choices(list(templates), k=how_many - len(picked))
    return picked


def _fresh_key(key: str, taken: set[str]) -> str:
    """The template's key with its trailing number moved up to the next one nobody uses:
    the department's own format, and it sorts right next to the template's key."""
    match = re.fullmatch(r"(.*?)([0-9]+)", key)
    if match is None:
        raise ValueError(f"no serial number at the end of key {key!r}")
    prefix, digits = match.groups()
    number = int(digits)
    while True:
        number += 1
        candidate = f"{prefix}{number:0{len(digits)}d}"
        if candidate not in taken:
            taken.add(candidate)
            return candidate


def _long_text(text: str) -> str:
    """``text`` repeated to exactly ``LONG_NAME_CHARS`` characters."""
    return (text * (LONG_NAME_CHARS // max(1, len(text)) + 1))[:LONG_NAME_CHARS]


def _digits(how_many: int, rng: random.Random) -> str:
    return str(rng.randint(1, 9)) + "".join(rng.choices("0123456789", k=how_many - 1))
