"""Property-based fuzzing (issue 16) of every Python parser and normaliser that department
input reaches before it is landed, typed and resolved.

The properties: whatever a department sends, each function returns a valid value or its
documented "invalid" outcome (None, ValueError, InvalidResponse / RetryableResponse, an
unparseable ``CsvRecord``) and never raises anything else; and whatever a connector yields,
the lander can store it (``hub.warehouse.storable`` makes it storable, nothing is lost).

Functions fuzzed:

- ``connectors.common.http``: ``loads_verbatim``, ``decode_body``, ``json_body``,
  ``json_object``, ``parse_retry_after``;
- the page interpreters: ``connectors.commerce.client.interpret_envelope``,
  ``connectors.approval.client._interpret_events`` / ``_interpret_token``,
  ``connectors.stats.client._interpret_periods`` / ``_interpret_roster``;
- ``connectors.commerce.streams.parse_instant`` (the commerce watermark);
- ``connectors.land.client.DropFolder.records`` and ``connectors.land.streams
  .LandConnector`` over arbitrary file bytes (GB18030 or not, any column count);
- ``hub.warehouse.storable.storable_record`` / ``escape_text`` and the lander's
  ``hub.warehouse.landing._version`` (what goes into COPY);
- ``hub.resolve.names``: ``name_key``, ``normalize_name``, ``name_similarity``;
- ``connectors.common.window.parse_window``.

The staging SQL parsers (amounts, dates, timestamps, months, USCC, name keys) run in
PostgreSQL: tests/integration/test_fuzz_departments.py fuzzes those.
"""

from __future__ import annotations

import base64
import contextlib
import json
import math
import re
import tempfile
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import requests
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from connectors.approval.client import _interpret_events, _interpret_token
from connectors.commerce.client import interpret_envelope
from connectors.commerce.streams import parse_instant
from connectors.common.http import (
    MAX_JSON_DEPTH,
    InvalidResponse,
    RetryableResponse,
    decode_body,
    json_body,
    loads_verbatim,
    parse_retry_after,
)
from connectors.common.records import SourceNumber, SourceRecord
from connectors.common.window import DAY, MONTH, RepullWindow, parse_window
from connectors.land.client import DropFolder
from connectors.land.settings import LandSettings
from connectors.land.streams import LandConnector
from connectors.stats.client import _interpret_periods, _interpret_roster
from hub.resolve.names import NameKey, name_key, name_similarity, normalize_name
from hub.sandbox.land_files import LAND_COLUMNS
from hub.warehouse import storable
from hub.warehouse.landing import _Inspect, _version, canonical_json

pytestmark = pytest.mark.fuzz

FUZZ = settings(max_examples=150, deadline=None)

# ----------------------------------------------------------------------------- strategies

ODD_CHARACTERS = [
    "\x00",
    "\x01",
    "\x08",
    "\x1b",
    "\x7f",
    "\t",
    "\r",
    "\n",
    "\u2028",
    "\ufeff",
    "\u00a0",
    "\u3000",
    "\ud800",
    "\udfff",
    "\udcff",  # what surrogateescape makes of the byte 0xff
    "😀",
    "\U0010ffff",
    "１",
    "²",
    "٣",
    '"',
    "\\",
    ",",
]
any_character = st.one_of(
    st.characters(),
    st.characters(categories=["Cs"]),  # lone surrogates
    st.characters(categories=["Cc"]),  # NUL and the other control characters
    st.sampled_from(ODD_CHARACTERS),
)
hostile_text = st.text(any_character, max_size=40)
huge_text = st.builds(
    lambda unit, times: unit * times,
    st.text(any_character, min_size=1, max_size=3),
    st.integers(min_value=2_000, max_value=100_000),
)
NUMBER_SHAPES = [
    "1",
    "-0",
    "+12",
    "  12  ",
    "1,234.5",
    "1,23,4",
    "12,345,678.00",
    "１２３",
    "1e400",
    "-1e-400",
    "1E5",
    "NaN",
    "nan",
    "Infinity",
    "-Infinity",
    "0x1F",
    "1_000",
    ".5",
    "5.",
    "1.2.3",
    "--5",
    "²",
    "٣٤",
    "9" * 5000,
    "",
    " ",
]
numeric_text = st.one_of(
    st.sampled_from(NUMBER_SHAPES),
    st.from_regex(r"\A[ +-]?[0-9,]{0,14}(\.[0-9]{0,6})?([eE][+-]?[0-9]{1,4})?\s?\Z"),
    st.floats().map(repr),
    st.floats().map(lambda x: f"{x:,.3f}" if math.isfinite(x) else str(x)),
    st.integers().map(str),
)
DATE_SHAPES = [
    "0000-01-01",
    "0001-01-01",
    "9999-12-31",
    "10000-01-01",
    "2024-02-30",
    "2024-02-29",
    "2023-02-29",
    "2024-13-01",
    "9999-99-99",
    "2024-13-45T99:00:00",
    "2024-03-05T25:00:00+08:00",
    "9999-12-31T23:59:59-23:59",
    "0001-01-01T00:00:00+23:59",
    "2024-03-05T10:00:00+99:99",
    "2024年3月5日",
    "20240305",
    "2024/3/5",
    "2024-03",
    "0000-00",
    "T",
    "",
]
date_text = st.one_of(
    st.sampled_from(DATE_SHAPES),
    st.from_regex(r"\A[0-9]{1,5}-[0-9]{1,2}-[0-9]{1,2}([T ][0-9]{1,2}:[0-9]{2}(:[0-9]{2})?)?\Z"),
    st.datetimes().map(lambda d: d.isoformat()),
)
any_text = st.one_of(hostile_text, numeric_text, date_text)
json_scalar = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(),  # NaN and ±inf included
    st.builds(SourceNumber, st.sampled_from(["1e309", "NaN", "-Infinity", "9" * 5000])),
    any_text,
)
json_value = st.recursive(
    json_scalar,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(hostile_text, inner, max_size=4)
    ),
    max_leaves=12,
)


def nested(depth: int, leaf: Any = "x") -> Any:
    value = leaf
    for level in range(depth):
        value = [value] if level % 2 else {"k": value}
    return value


def nested_text(depth: int, leaf: str = '"x"') -> str:
    """``json.dumps(nested(depth, ...))``, written without recursion."""
    opening = "".join("[" if level % 2 else '{"k": ' for level in reversed(range(depth)))
    closing = "".join("]" if level % 2 else "}" for level in range(depth))
    return opening + leaf + closing


def depth_of(value: Any) -> int:
    """Nesting depth of a parsed JSON value (a scalar: 0), without recursion."""
    deepest, stack = 0, [(value, 0)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict):
            stack.extend((v, level + 1) for v in item.values())
            deepest = max(deepest, level + 1)
        elif isinstance(item, list):
            stack.extend((v, level + 1) for v in item)
            deepest = max(deepest, level + 1)
    return deepest


def response(body: bytes, content_type: str = "application/json; charset=utf-8"):
    """A requests.Response as the HTTP client receives it (no socket involved)."""
    made = requests.Response()
    made.status_code = 200
    made._content = body
    made.headers["Content-Type"] = content_type
    made.url = "http://department.invalid/api"
    return made


_TOKEN = re.compile('"\ue000([^"\ue000]*)\ue000"')


def json_text(value: Any) -> str:
    """``value`` as JSON text, NaN as ``NaN`` and a SourceNumber as its token."""
    text = json.dumps(value, ensure_ascii=False, default=lambda n: f"\ue000{n.text}\ue000")
    return _TOKEN.sub(lambda m: m.group(1), text)


DEEP_PAGE = '{"code": 0, "data": {"items": [{"name": ' + nested_text(5000) + "}]}}"

# ----------------------------------------------------------------------------- JSON pages


@FUZZ
@given(st.one_of(any_text, huge_text, st.builds(json_text, json_value)))
# A document nested deeper than Python's recursion limit (~1000): json.loads raised
# RecursionError, which no caller expects — the whole page, and the department's sync,
# failed. What opens deeper than MAX_JSON_DEPTH is now kept as its JSON text, a string.
@example("[" * 5000 + "]" * 5000)
@example("[" * 5000)  # and unbalanced: a ValueError, as any other text that is not JSON
@example(DEEP_PAGE)
def test_loads_verbatim_returns_json_or_raises_value_error(text):
    try:
        value = loads_verbatim(text)
    except ValueError:
        return
    assert depth_of(value) <= MAX_JSON_DEPTH  # deeper parts are kept as their text


def test_a_value_nested_too_deep_is_kept_as_its_text():
    page = loads_verbatim(DEEP_PAGE)
    record = page["data"]["items"][0]
    assert depth_of(record) == MAX_JSON_DEPTH - 3  # below the page, data and items
    # Verbatim: walking down to the cut, what is left is the department's own JSON text.
    value = record["name"]
    while isinstance(value, (dict, list)):
        value = value["k"] if isinstance(value, dict) else value[0]
    assert value == nested_text(5000 - (MAX_JSON_DEPTH - 4))


def test_a_raw_control_character_in_a_string_is_read():
    """JSON wants control characters escaped; a department that writes one raw made
    json.loads refuse the page, and the department's sync failed every time. It is one
    record's bad value (storable rejects it as invalid_text), not a page that is not JSON."""
    assert loads_verbatim('{"a": "x\x01\ty", "b": 1}') == {"a": "x\x01\ty", "b": 1}
    record = SourceRecord("projects", "P-1", loads_verbatim('{"name": "x\x10y"}'))
    assert assert_lands(record) == {storable.INVALID_TEXT: ["name"]}


CHARSETS = [
    "utf-8",
    "gb18030",
    "gbk",
    "utf-16",
    "utf-7",
    "latin-1",
    "ascii",
    "idna",
    "punycode",
    "unicode_escape",
    "raw_unicode_escape",
    "rot13",
    "base64",
    "zlib",
    "no-such-charset",
    "",
]


@FUZZ
@given(
    body=st.one_of(
        st.binary(max_size=200),
        st.builds(lambda v: json_text(v).encode("utf-8", "surrogatepass"), json_value),
    ),
    charset=st.sampled_from(CHARSETS),
)
# A charset Python knows but whose codec takes no errors= handler (idna, punycode): the
# decode raised UnicodeError, not LookupError, and the page failed with a confusing error.
@example(body=b'{"a": "\xff"}', charset="idna")
@example(body=b"\xff", charset="punycode")
def test_any_body_in_any_charset_decodes_and_json_body_fails_cleanly(body, charset):
    ctype = f"application/json; charset={charset}" if charset else "application/json"
    made = response(body, ctype)
    assert isinstance(decode_body(made), str)
    with contextlib.suppress(InvalidResponse, RetryableResponse):  # the documented failures
        json_body(made)


def page_body(keys: list[str]):
    """A JSON object with some of the page's expected keys, each holding anything."""
    return st.dictionaries(st.sampled_from(keys) | hostile_text, json_value, max_size=5)


INTERPRETERS = {
    "commerce": (interpret_envelope, ["code", "message", "data"]),
    "approval events": (_interpret_events, ["events", "next_cursor"]),
    "approval token": (_interpret_token, ["access_token", "token_type", "expires_in"]),
    "stats periods": (_interpret_periods, ["periods"]),
    "stats roster": (_interpret_roster, ["rows", "revision", "period", "next_after"]),
}


interpreted_body = st.sampled_from(sorted(INTERPRETERS)).flatmap(
    lambda name: st.tuples(st.just(name), st.one_of(page_body(INTERPRETERS[name][1]), json_value))
)


@FUZZ
@given(interpreted_body)
# commerce: a code string that str.isdigit() calls digits but int() cannot read ("²",
# "--5", 5000 digits) raised ValueError out of the interpreter instead of InvalidResponse.
@example(("commerce", {"code": "²", "message": "x"}))
@example(("commerce", {"code": "--5"}))
@example(("commerce", {"code": "9" * 5000}))
def test_page_interpreters_accept_or_refuse_any_body(drawn):
    name, body = drawn
    interpret, _ = INTERPRETERS[name]
    with contextlib.suppress(InvalidResponse, RetryableResponse):  # the documented failures
        interpret(response(json_text(body).encode("utf-8", "surrogatepass")))


@FUZZ
@given(st.one_of(any_text, huge_text, json_value))
@example("9999-12-31T23:59:59-23:59")
@example("0001-01-01T00:00:00+23:59")
def test_parse_instant_gives_an_aware_datetime_or_none(value):
    parsed = parse_instant(value)
    assert parsed is None or (isinstance(parsed, datetime) and parsed.tzinfo is not None)
    if parsed is not None:  # the connector compares instants: that must never overflow
        assert (parsed > parse_instant("2024-01-01T00:00:00+08:00")) in (True, False)


@FUZZ
@given(st.one_of(st.none(), any_text, huge_text))
@example("9" * 400)
@example("Mon, 31 Dec 99999 23:59:59 GMT")
def test_parse_retry_after_gives_seconds_or_none(value):
    seconds = parse_retry_after(value, now=lambda: 1_700_000_000.0)
    assert seconds is None or seconds >= 0


@FUZZ
@given(st.one_of(any_text, huge_text), st.sampled_from([DAY, MONTH]))
def test_parse_window_gives_a_window_or_value_error(text, unit):
    try:
        window = parse_window(text, unit)
    except ValueError:
        return
    assert isinstance(window, RepullWindow) and window.first <= window.last


# ----------------------------------------------------------------------------- land CSV

HEADER = ",".join(LAND_COLUMNS).encode("gb18030") + b"\r\n"


def gb18030_row(cells: list[str]) -> bytes:
    line = ",".join(cells)
    # a lone surrogate has no GB18030 form: "?" (st.binary() brings the undecodable bytes)
    return line.encode("gb18030", "replace") + b"\r\n"


land_line = st.one_of(
    st.binary(max_size=60).map(lambda b: b + b"\r\n"),  # anything, GB18030 or not
    st.lists(hostile_text, max_size=len(LAND_COLUMNS) + 3).map(gb18030_row),  # any width
    st.lists(hostile_text, min_size=len(LAND_COLUMNS), max_size=len(LAND_COLUMNS)).map(gb18030_row),
    st.just(b'"an open quote, never closed\r\n'),
    st.just(b"\x81\x30\r\n"),  # a GB18030 four-byte character cut in half
)


def read_land_file(tmp: Path, content: bytes) -> list[Any]:
    path = tmp / "land_supply_20240305.csv"
    path.write_bytes(content)
    (tmp / "land_supply_20240305.csv.done").write_bytes(b"")
    connector = LandConnector(LandSettings(directory=tmp))
    return list(connector.read({}))


@settings(FUZZ, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(land_line, max_size=8), st.booleans())
def test_any_land_file_is_read_line_by_line_without_losing_a_line(lines, with_header):
    content = (HEADER if with_header else b"") + b"".join(lines)
    with tempfile.TemporaryDirectory() as tmp:
        folder = DropFolder(Path(tmp))
        path = Path(tmp) / "f.csv"
        path.write_bytes(content)
        records = list(folder.records(path))
        items = read_land_file(Path(tmp), content)
    # every byte of the file is in exactly one record (line breaks aside)
    assert b"".join(r.raw for r in records).replace(b"\r", b"").replace(
        b"\n", b""
    ) == content.replace(b"\r", b"").replace(b"\n", b"")
    for record in records:
        assert (record.fields is None) == (record.error is not None)
    for item in (i for i in items if isinstance(i, SourceRecord)):
        undecodable = item.payload.get("_undecodable_base64")
        if undecodable is not None:  # kept verbatim: the bytes of the line, base64
            assert base64.b64decode(undecodable) in content
        assert_lands(item)


def test_a_stray_quote_does_not_swallow_the_rows_after_it(tmp_path):
    """A quote opened on one line and closed by a quoted cell two lines later: the three
    lines made one record that did not parse, so the rows between (valid ones too) were
    lost into its reject. Now the first line is rejected alone and the others read."""
    content = HEADER + b'a,"b,c\r\n' + b"x,y\r\n" + b'"1,2",z\r\n'
    path = tmp_path / "f.csv"
    path.write_bytes(content)
    records = list(DropFolder(tmp_path).records(path))
    assert [(r.line, r.fields) for r in records] == [
        (1, list(LAND_COLUMNS)),
        (2, None),
        (3, ["x", "y"]),
        (4, ["1,2", "z"]),
    ]
    assert records[1].text == 'a,"b,c' and "CSV syntax" in records[1].error


# ----------------------------------------------------------------------------- landing


def assert_lands(record: SourceRecord) -> dict[str, list[str]]:
    """What ``_Lander.add`` does with a record before COPY, minus the database: the record
    lands as it is, or made storable; either way its COPY line is valid UTF-8 PostgreSQL
    text and jsonb accept. Returns the findings (the reject reasons)."""
    findings: dict[str, list[str]] = {}
    try:
        if not storable.key_is_clean(record.source_key):
            raise _Inspect
        _, line = _version(record, "k")
    except _Inspect:
        record, findings = storable.storable_record(record)
        _, line = _version(record, "k", inspected=True)
    line.encode("utf-8")  # no lone surrogate
    assert "\x00" not in line
    # jsonb refuses the escape \u0000 (a NUL in text); a doubled backslash before it is fine
    payload_json = canonical_json(record.payload)
    assert "\\u0000" not in payload_json.replace("\\\\", "")
    assert set(findings) <= set(storable.REASONS)
    assert all(paths for paths in findings.values())
    return findings


payload_field = st.one_of(json_value, huge_text)


@FUZZ
@given(
    key=st.one_of(st.none(), hostile_text, huge_text),
    payload=st.dictionaries(
        st.one_of(hostile_text, st.sampled_from(["project_name"])), payload_field, max_size=5
    ),
    context=st.dictionaries(st.text(max_size=5), json_value, max_size=2),
)
@example(key="P-1", payload={"name": nested(MAX_JSON_DEPTH)}, context={})
# storable: a finding's path named a nested key as sent, so a NUL or a lone surrogate in a
# key inside an object field reached the payload's _landing_findings unescaped — a
# UnicodeEncodeError (or a \u0000 jsonb refuses) that failed the department's batch.
@example(key=None, payload={"name": {"\ud800": SourceNumber("1e309")}}, context={})
@example(key=None, payload={"name": {"\x00": {"\x08": None}}}, context={})
@example(key=None, payload={}, context={"": {"\x00": SourceNumber("1e309")}})
def test_every_record_a_connector_can_yield_lands(key, payload, context):
    record = SourceRecord("projects", key, payload, context, {"file": "f.csv", "line": 1})
    findings = assert_lands(record)
    # A record is flagged exactly when some field holds what no contract field can.
    if any(type(v) in (dict, list) for v in payload.values()):
        assert storable.INVALID_TYPE in findings


@FUZZ
@given(st.one_of(hostile_text, huge_text))
def test_escape_text_keeps_the_text_and_is_storable(text):
    escaped = storable.escape_text(text)
    escaped.encode("utf-8")
    assert "\x00" not in escaped
    # verbatim: the escape is the body of a JSON string of the text
    assert json.loads(f'"{escaped.replace(chr(34), chr(92) + chr(34))}"', strict=False) == text


# ----------------------------------------------------------------------------- names


@FUZZ
@given(st.one_of(st.none(), any_text, huge_text))
# _syllables split a latin word into pinyin by recursion, one level per syllable: a name
# of 2,000 letters "a" (a syllable) raised RecursionError in name_key, failing the publish.
@example("A" * 2000)
@example("hai" * 700)
def test_name_key_and_normalize_name_take_any_text(name):
    key = name_key(name)
    assert isinstance(key, NameKey)
    assert all(isinstance(part, str) for part in (key.text, key.latin, key.block_key))
    assert key.phase is None or isinstance(key.phase, int)
    assert isinstance(normalize_name(name), str)


@FUZZ
@given(st.one_of(st.none(), any_text), st.one_of(st.none(), any_text))
def test_name_similarity_is_a_score(left, right):
    score = name_similarity(left, right)
    assert 0.0 <= score <= 1.0
