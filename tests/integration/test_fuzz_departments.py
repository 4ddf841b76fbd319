"""Property-based fuzzing (issue 16) through the real path: sandbox → connector → raw →
validation → core / rejects, with garbage nobody has seen yet.

Each example plants, in all four departments, a valid record (a copy of a scenario record
under a fresh key) and next to it a few garbage records: the same copy with one field made
hostile (text with NUL, control characters, lone surrogates or bytes that are not UTF-8,
emoji, huge strings, numbers as strings in every shape and numbers no column holds, dates
out of range, nested JSON where a string belongs, JSON nested far deeper than anything
stores, a field missing or one extra); land rows with the wrong number of columns, bytes
that are not GB18030 or a quote never closed. Then one sync, and:

- no department fails and publishing succeeds (garbage never fails a batch);
- every garbage record is accounted for: rejected with readable reasons and its payload
  kept verbatim (shared.rejected_records), or — when its value is in fact acceptable (an
  extra field, a number string that parses) — published in core; a value no contract field
  can hold is always rejected;
- the valid record planted beside it is in core.

The sandbox and the warehouse are shared by the module's examples (a fresh one per example
would cost some 15 s each): each example plants fresh keys and a new land file, and checks
only its own records. The staging SQL parsers are fuzzed on their own, in one connection.
"""

from __future__ import annotations

import base64
import copy
import csv
import dataclasses
import io
import itertools
import json
import threading
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import psycopg
import pytest
from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import strategies as st

from connectors.common.http import loads_verbatim
from connectors.common.records import SourceRecord
from hub.config import Settings
from hub.pipeline import run_sync
from hub.sandbox import SandboxDepartments, generate_scenario
from hub.sandbox.hostile import HostileJsonRecord, HostileRecord, RawJson, render_json
from hub.sandbox.land_files import LAND_COLUMNS
from hub.warehouse import storable
from hub.warehouse.connection import connect

pytestmark = [pytest.mark.integration, pytest.mark.fuzz]

SCENARIO = generate_scenario(size=30, seed=3)
KEY_FIELD = {
    "commerce": "project_no",
    "approval": "event_id",
    "stats": "stat_project_id",
    "land": "宗地编号",
}
FIELDS = {
    "commerce": [f for f in SCENARIO.commerce_records[0] if f != "project_no"],
    "approval": [f for f in SCENARIO.approval_events[0] if f != "event_id"],
    "stats": [f for f in SCENARIO.stats_periods[-1].rows[0] if f != "stat_project_id"],
    "land": [c for c in LAND_COLUMNS if c != "宗地编号"],
}
_serial = itertools.count(1)


def fresh_key(department: str) -> str:
    return f"FZ-{department}-{next(_serial):06d}"


# ----------------------------------------------------------------------------- garbage

# Kinds of hostile value for a field of a JSON record. The first group no contract field
# can hold: such a record must be rejected. The second may or may not be acceptable.
MUST_REJECT = ("bad_text", "not_utf8", "nested", "too_deep", "bad_number", "huge")
MAY_PASS = ("number_text", "date_text", "emoji", "scalar", "missing", "extra")

bad_character = st.sampled_from(["\x00", "\x01", "\x1b", "\x7f", "\ud800", "\udfff", "\udcff"])
text = st.text(st.characters(codec="utf-8"), max_size=12)
NUMBER_SHAPES = ["-0", "  12  ", "1,234.5", "１２３", "1e400", "NaN", "0x1F", "1.2.3", "--5", "²"]
DATE_SHAPES = [
    "0000-01-01",
    "9999-12-31",
    "10000-01-01",
    "2024-02-30",
    "2024-13-45T99:00:00",
    "9999-12-31T23:59:59+08:00",
    "0001-01-01T00:00:00+14:00",
    "9999-12-31T23:59:59-14:00",
    "0001-01-01 00:00:00",
    "20240230",
    "2024年2月30日",
]
json_leaf = st.one_of(st.none(), st.booleans(), st.integers(), text)
nested_json = st.one_of(
    st.lists(json_leaf, min_size=1, max_size=3),
    st.dictionaries(text, json_leaf, min_size=1, max_size=3),
)


def nested_text(depth: int) -> bytes:
    return b'{"k": ' * depth + b'"x"' + b"}" * depth


def json_string_token(value: str) -> RawJson:
    """A JSON string written with \\u escapes (so a lone surrogate is its escape)."""
    return RawJson(json.dumps(value, ensure_ascii=True).encode())


hostile_value = st.one_of(
    st.tuples(
        st.just("bad_text"),
        st.builds(lambda a, bad, b: json_string_token(a + bad + b), text, bad_character, text),
    ),
    st.tuples(
        st.just("not_utf8"),
        st.builds(
            lambda a, raw, b: RawJson(b'"' + a.encode() + raw + b.encode() + b'"'),
            st.text(st.characters(codec="ascii", exclude_characters='"\\'), max_size=5),
            st.sampled_from([b"\xff", b"\x80", b"\xe4\xb8", b"\xc0\xaf", b"\xed\xa0\x80"]),
            st.text(st.characters(codec="ascii", exclude_characters='"\\'), max_size=5),
        ),
    ),
    st.tuples(st.just("nested"), nested_json),
    st.tuples(st.just("too_deep"), st.integers(70, 3000).map(lambda d: RawJson(nested_text(d)))),
    st.tuples(
        st.just("bad_number"),
        st.sampled_from(["NaN", "-Infinity", "1e309", "-1e400", "9" * 5000]).map(
            lambda t: RawJson(t.encode())
        ),
    ),
    st.tuples(st.just("huge"), st.integers(2_001, 50_000).map(lambda n: "项" * n)),
    st.tuples(st.just("number_text"), st.one_of(st.sampled_from(NUMBER_SHAPES), text)),
    st.tuples(st.just("date_text"), st.sampled_from(DATE_SHAPES)),
    st.tuples(st.just("emoji"), st.sampled_from(["😀🏗️", "👨‍👩‍👧", "\U0010ffff", "𠀀𪚥"])),
    st.tuples(st.just("scalar"), st.one_of(st.none(), st.booleans(), st.integers(), st.floats())),
    st.tuples(st.just("missing"), st.none()),
    st.tuples(st.just("extra"), st.one_of(json_leaf, nested_json)),
)


@dataclasses.dataclass
class Planted:
    department: str
    key: str
    kind: str
    field: str
    served: bytes  # the record as the department serves it (JSON) or its CSV line
    line: int | None = None  # land: where the row starts in its file


def spoil(record: dict[str, Any], field: str, kind: str, value: Any) -> None:
    if kind == "missing":
        record.pop(field, None)
    elif kind == "extra":
        record["备注_fuzz"] = value
    elif kind == "scalar" and isinstance(value, float) and value != value:
        record[field] = RawJson(b"NaN")  # json.dumps would write NaN anyway; say so
    else:
        record[field] = value


def garbage_json(department: str, fields: list[str]):
    return st.lists(st.tuples(st.sampled_from(fields), hostile_value), min_size=1, max_size=3)


# Land: rows as cells (csv.writer quotes what needs it) or raw bytes.
land_cell = st.one_of(
    st.text(st.characters(codec="gb18030", exclude_categories=["Cs"]), max_size=12),
    st.sampled_from(NUMBER_SHAPES + DATE_SHAPES + ["\x00", "a\x01b", "😀", "项" * 3000]),
)
land_garbage = st.one_of(
    st.tuples(st.just("cells"), st.sampled_from(FIELDS["land"]), land_cell),
    st.tuples(st.just("width"), st.integers(1, 20).filter(lambda n: n != len(LAND_COLUMNS))),
    st.tuples(st.just("not_gb18030"), st.sampled_from([b"\xff", b"\x80", b"\x81\x30"])),
    st.tuples(st.just("open_quote"), st.just(b'"')),
)


def csv_line(cells: list[str]) -> bytes:
    buffer = io.StringIO(newline="")
    csv.writer(buffer, lineterminator="\r\n").writerow(cells)
    return buffer.getvalue().encode("gb18030")


# ----------------------------------------------------------------------------- the world


@dataclasses.dataclass
class World:
    sandbox: SandboxDepartments
    settings: Settings
    land_days: itertools.count


@pytest.fixture(scope="module")
def world(databases, tmp_path_factory):
    sandbox = SandboxDepartments(
        SCENARIO,
        tmp_path_factory.mktemp("land-fuzz"),
        ports={"commerce": 0, "approval": 0, "stats": 0},
    )
    sandbox.start()
    home = tmp_path_factory.mktemp("home-fuzz")
    env = {**sandbox.env(), "HUB_WAREHOUSE_URL": databases.create(), "HUB_HOME": str(home)}
    hub_settings = Settings.from_env(env)
    first = run_sync(hub_settings)
    assert first.ok, first.failures
    try:
        yield World(sandbox, hub_settings, itertools.count(1))
    finally:
        sandbox.stop()


def plant_json(world: World, department: str, garbage: list[tuple[str, tuple[str, Any]]]):
    """A valid copy of a served record under a fresh key, and the garbage next to it."""
    sandbox = world.sandbox
    key_field = KEY_FIELD[department]
    if department == "commerce":
        template = next(r for r in sandbox.commerce_records() if not r["is_deleted"])
        valid = copy.deepcopy(template) | {key_field: fresh_key(department)}
        valid = sandbox.upsert_commerce_record(valid)
    elif department == "approval":
        template = next(
            e
            for e in sandbox.approval_events()
            if e["decision"] == "准予" and e["supersedes_event_id"] is None
        )
        valid = copy.deepcopy(template) | {key_field: fresh_key(department)}
        sandbox.append_approval_event(valid)
    else:
        latest = sandbox.stats_periods()[-1]
        valid = copy.deepcopy(latest.rows[0]) | {key_field: fresh_key(department)}
    planted = []
    made = []
    for field, (kind, value) in garbage:
        record = copy.deepcopy(valid) | {key_field: fresh_key(department)}
        spoil(record, field, kind, value)
        truth = HostileRecord(department, record[key_field], kind, field, (), valid[key_field])
        made.append(HostileJsonRecord(record, truth))
        planted.append(Planted(department, record[key_field], kind, field, render_json(record)))
    sandbox.serve_hostile_json(department, made)
    if department == "stats":  # a new revision: the connector reads the period again
        latest = sandbox.stats_periods()[-1]
        sandbox.set_stats_period(latest.period, latest.revision + 1, [*latest.rows, valid], False)
    return valid[key_field], planted


def plant_land(world: World, garbage: list[tuple]) -> tuple[str, str, list[Planted]]:
    """A new drop file: header, garbage rows, and a valid row after them (a quote never
    closed must not swallow it)."""
    template = SCENARIO.land_files[-1].rows[0]
    name = f"land_supply_2031{next(world.land_days):04d}.csv"
    content = csv_line(list(LAND_COLUMNS))
    planted = []
    for kind, *args in garbage:
        key = fresh_key("land")
        cells = [template[c] for c in LAND_COLUMNS]
        cells[0] = key
        if kind == "cells":
            field, value = args
            cells[LAND_COLUMNS.index(field)] = value
            row = csv_line(cells)
        elif kind == "width":
            row = csv_line((cells * 2)[: args[0]])
            field = ""
        elif kind == "not_gb18030":
            row = csv_line(cells)
            at = row.index(b",") + 1
            row, field = row[:at] + args[0] + row[at:], LAND_COLUMNS[1]
        else:  # open_quote: a quote that opens a field and never closes
            row, field = csv_line(cells).replace(b",", b',"', 1), LAND_COLUMNS[1]
        line = content.count(b"\n") + 1
        content += row
        planted.append(Planted("land", key, kind, field, row, line=line))
    valid_key = fresh_key("land")
    content += csv_line([valid_key, *(template[c] for c in LAND_COLUMNS[1:])])
    folder = world.settings.land.directory
    (folder / name).write_bytes(content)
    (folder / f"{name}.done").write_bytes(b"")
    return valid_key, name, planted


# ----------------------------------------------------------------------------- checks


def rejects(conn, system: str) -> dict[Any, tuple[list[str], Any, Any]]:
    rows = conn.execute(
        "select source_key, provenance ->> 'file', (provenance ->> 'line')::int, reasons,"
        " payload from shared.rejected_records where source_system = %s",
        (system,),
    ).fetchall()
    found = {}
    for key, file, line, reasons, payload in rows:
        found[key if key is not None else (file, line)] = (reasons, payload, (file, line))
    return found


CORE_KEYS = {
    "commerce": "select project_no from core.commerce_projects",
    "approval": "select event_id from core.approval_events",
    "stats": "select stat_project_id from core.stats_roster",
    "land": "select parcel_id from core.land_parcels",
}


def core_keys(conn, system: str) -> set[str]:
    return {key for (key,) in conn.execute(CORE_KEYS[system])}


def stored_as(served: dict[str, Any]) -> dict[str, Any]:
    """The payload as the hub must keep it: the department's values, made storable the
    documented way (hub/warehouse/storable.py: a NUL, a lone surrogate or a control
    character written as its \\uXXXX escape with backslashes doubled, a number no column
    holds as the string of its token), without the findings the hub adds."""
    record, _ = storable.storable_record(SourceRecord("x", None, served))
    return {k: v for k, v in record.payload.items() if k != storable.FINDINGS_KEY}


def rebuild(value: Any) -> str:
    """The JSON text of a value ``loads_verbatim`` cut (``nested_text`` shaped): its
    objects as written, the part kept as text put back."""
    opened = 0
    while isinstance(value, dict):
        value, opened = value["k"], opened + 1
    leaf = value if value.startswith("{") else json.dumps(value)
    return '{"k": ' * opened + leaf + "}" * opened


def deep_token(item: Planted) -> str:
    depth = item.served.count(b'{"k": ')
    return nested_text(depth).decode()


def exact(value: Any) -> Any:
    """``value`` with its numbers as Decimals: jsonb keeps a number exactly but writes it
    its own way (-3.98e+266 comes back as its 267 digits), so numbers compare by value."""
    if isinstance(value, dict):
        return {k: exact(v) for k, v in value.items()}
    if isinstance(value, list):
        return [exact(v) for v in value]
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    return value


def check_readable(reasons: list[str]) -> None:
    assert reasons, "a reject without a reason"
    for reason in reasons:
        assert reason.strip() and reason.isprintable(), reasons


def check_json(conn, department: str, valid_key: str, planted: list[Planted]) -> None:
    rejected = rejects(conn, department)
    accepted = core_keys(conn, department)
    assert valid_key in accepted, f"{department}: the valid record beside the garbage is lost"
    for item in planted:
        if item.key in rejected:
            reasons, payload, _ = rejected[item.key]
            check_readable(reasons)
            # Verbatim: as the department wrote it, as far as PostgreSQL stores it.
            served = loads_verbatim(item.served.decode("utf-8", "surrogateescape"))
            kept = {k: v for k, v in payload.items() if k != storable.FINDINGS_KEY}
            if item.kind == "too_deep":
                # Cut where the page (not the record alone) is MAX_JSON_DEPTH deep: the
                # part kept as values and the part kept as text together are the original.
                assert rebuild(kept.pop(item.field)) == deep_token(item), item
                served.pop(item.field)
            assert exact(kept) == exact(stored_as(served)), item
        else:
            assert item.kind not in MUST_REJECT, f"not rejected: {item}"
            assert item.key in accepted or item.kind in ("missing", "scalar"), f"lost: {item}"


def check_land(conn, valid_key: str, file: str, planted: list[Planted]) -> None:
    rejected = rejects(conn, "land")
    accepted = core_keys(conn, "land")
    assert valid_key in accepted, "land: the valid row after the garbage is lost"
    for item in planted:
        found = rejected.get(item.key) or rejected.get((file, item.line))
        if found is None:
            assert item.kind == "cells", f"not rejected: {item}"
            assert item.key in accepted, f"lost: {item}"
            continue
        reasons, payload, where = found
        check_readable(reasons)
        assert where == (file, item.line), item
        row = item.served.removesuffix(b"\r\n")
        if "_undecodable_base64" in payload:  # verbatim: the line's own bytes
            assert base64.b64decode(payload["_undecodable_base64"]).startswith(row), item
        elif "_unparseable_line" in payload:  # verbatim: the line's text
            assert payload["_unparseable_line"].startswith(row.decode("gb18030")), item
        else:
            cells = next(csv.reader([row.decode("gb18030")]))
            kept = {k: v for k, v in payload.items() if k != storable.FINDINGS_KEY}
            assert kept == stored_as(dict(zip(LAND_COLUMNS, cells, strict=True))), item


# ----------------------------------------------------------------------------- properties


# No shrinking: every step of it is a sync (minutes for one failure); the example that
# failed is printed as generated, and a found bug is pinned as an @example below.
@settings(
    max_examples=6,
    deadline=None,
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    commerce=garbage_json("commerce", FIELDS["commerce"]),
    approval=garbage_json("approval", FIELDS["approval"]),
    stats=garbage_json("stats", FIELDS["stats"]),
    land=st.lists(land_garbage, min_size=1, max_size=4),
)
# A control character written raw inside a JSON string (JSON wants it escaped): json.loads
# refused the page, so the commerce sync failed — every time, the page being served again.
# Now read (strict=False) and rejected as invalid_text, the rest of the page landed.
# And an updated_at in year 9999: it became the commerce watermark, after which no sync
# ever read an update again. Now not taken as the watermark (it is in the future).
# And 70 levels of nesting: cut where the page is MAX_JSON_DEPTH deep, kept as text.
@example(
    commerce=[
        ("origin_country", ("not_utf8", RawJson(b'"\tG\xff\x10\x05]nv"'))),
        ("updated_at", ("date_text", "9999-12-31T23:59:59+08:00")),
    ],
    approval=[("project_name", ("bad_text", RawJson(b'"a\\u0000b"')))],
    stats=[("project_code", ("too_deep", RawJson(nested_text(70))))],
    # A stray quote closed by a quoted cell two rows later: the rows between were swallowed
    # into one unparseable record (lost from core). Now each is read on its own.
    land=[
        ("open_quote", b'"'),
        ("width", 13),
        ("cells", "合同签订日期", "1,234.5"),
        ("not_gb18030", b"\xff"),
    ],
)
# A timestamp that is 10000 AD or 1 BC in UTC parsed, and the publish loaded it into
# Python: DataError, nothing published for any department. Now invalid_date.
@example(
    commerce=[("updated_at", ("date_text", "9999-12-31T23:59:59-14:00"))],
    approval=[("decided_at", ("date_text", "0001-01-01T00:00:00+14:00"))],
    stats=[("completed_on", ("date_text", "0001-01-01"))],
    land=[("cells", "更新时间", "0001-01-01 00:00:00")],
)
def test_garbage_is_rejected_alone_and_kept_verbatim(world, commerce, approval, stats, land):
    planted = {
        "commerce": plant_json(world, "commerce", commerce),
        "approval": plant_json(world, "approval", approval),
        "stats": plant_json(world, "stats", stats),
    }
    land_valid, land_file, land_planted = plant_land(world, land)

    report = run_sync(world.settings)
    assert not report.failures, report.failures
    assert report.publish_failure is None, report.publish_failure

    with connect(world.settings.warehouse_url) as conn:
        for department, (valid_key, items) in planted.items():
            check_json(conn, department, valid_key, items)
        check_land(conn, land_valid, land_file, land_planted)
        # Nothing later is lost either: the commerce watermark is no garbage instant.
        (watermark,) = conn.execute(
            "select (state ->> 'updated_since')::timestamptz <= now() + interval '1 day'"
            " from meta.source_state where source_system = 'commerce'"
        ).fetchone()
        assert watermark, "the commerce watermark is in the future (FUTURE_TOLERANCE)"


# ----------------------------------------------------------------------------- pages


class _Answer(BaseHTTPRequestHandler):
    """Answers every request with the server's ``answer``: (content type, body)."""

    def _reply(self) -> None:
        content_type, body = self.server.answer  # type: ignore[attr-defined]
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = _reply

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def broken_departments():
    """Two departments that answer 200 with garbage: an HTML page (not JSON at all) and a
    JSON document cut off before its end (with a Content-Length that matches it)."""
    servers = []
    for answer in (
        (
            "text/html; charset=utf-8",
            b"<html><body>\xe7\xbb\xb4\xe6\x8a\xa4\xe4\xb8\xad</body></html>",
        ),
        ("application/json", b'{"periods": [{"period": "2025-06", "revis'),
    ):
        server = ThreadingHTTPServer(("127.0.0.1", 0), _Answer)
        server.answer = answer  # type: ignore[attr-defined]
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
    yield [f"http://127.0.0.1:{s.server_address[1]}" for s in servers]
    for server in servers:
        server.shutdown()
        server.server_close()


def test_a_page_not_json_or_cut_short_fails_its_department_only(world, broken_departments):
    html_url, cut_url = broken_departments
    fast = {"max_retries": 1, "backoff_base": 0.01, "backoff_max": 0.01}
    broken = dataclasses.replace(
        world.settings,
        commerce=dataclasses.replace(world.settings.commerce, base_url=html_url, **fast),
        stats=dataclasses.replace(world.settings.stats, base_url=cut_url, **fast),
    )
    valid_key, _, _ = plant_land(world, [])
    report = run_sync(broken)
    # Not JSON at all: no retry, the department fails with what it sent (an excerpt).
    assert "body is not JSON (text/html" in report.failures["commerce"]
    assert "维护中" in report.failures["commerce"]
    # Cut off in transit: retried, then the department fails saying so.
    assert "cut off in transit" in report.failures["stats"]
    assert "gave up after 2 attempts" in report.failures["stats"]
    # The others are read and published as usual.
    assert set(report.failures) == {"commerce", "stats"}
    assert {r["source_system"] for r in report.ingested} == {"approval", "land"}
    assert report.publish_failure is None
    with connect(world.settings.warehouse_url) as conn:
        assert valid_key in core_keys(conn, "land")
        failed = dict(
            conn.execute(
                "select source_system, last_status from shared.sync_status"
                " where source_system in ('commerce', 'stats')"
            ).fetchall()
        )
    assert failed == {"commerce": "failed", "stats": "failed"}


# ----------------------------------------------------------------------------- staging SQL

PARSERS = (
    "staging.blank_to_null(v)",
    "staging.parse_numeric(v)::float8",  # GX compares amounts as double precision
    "staging.parse_numeric_any(v)::float8",
    "staging.parse_month(v)",
    "staging.parse_date(v)",
    "staging.parse_timestamptz(v)",
    "staging.parse_timestamptz(v, '+08:00')",
    "staging.parse_timestamptz(v, v)",
    "staging.uscc_field_is_valid(v)",
    "staging.name_key(v)",
)
TWINS = (  # 0003's originals and their fast twins: the same result for every input
    ("staging.nullif_blank(v)", "staging.blank_to_null(v)"),
    ("staging.try_date(v)", "staging.parse_date(v)"),
    ("staging.try_month(v)", "staging.parse_month(v)"),
    # … but for an instant outside the years 1–9999 of some time zone, which only the
    # original reads (see parse_timestamptz_any)
    (
        "(select t from staging.try_timestamptz(v, '+08:00') as t"
        " where t between '0001-01-02 00:00:00+00' and '9999-12-30 23:59:59.999999+00')",
        "staging.parse_timestamptz(v, '+08:00')",
    ),
    ("staging.is_valid_uscc(v)", "staging.uscc_is_valid(v)"),
    ("staging.normalize_name(v)", "staging.name_key(v)"),
)
# PostgreSQL text holds no NUL: a NUL never reaches these functions (the lander escapes
# it, hub/warehouse/storable.py), so the fuzzed texts leave it out.
sql_text = st.one_of(
    st.text(st.characters(exclude_characters="\x00"), max_size=30),
    st.sampled_from(NUMBER_SHAPES + DATE_SHAPES),
    st.from_regex(r"\A[ +-]?[0-9,]{0,12}(\.[0-9]{0,4})?([eE][+-]?[0-9]{1,3})?\Z"),
    st.from_regex(r"\A[0-9]{1,5}-[0-9]{1,2}(-[0-9]{1,2}([T ][0-9]{2}:[0-9]{2}:[0-9]{2})?)?\Z"),
    st.from_regex(r"\A[0-9A-Z]{18}\Z"),
    st.integers(1, 300).map(lambda n: "9" * n),
)


@pytest.fixture(scope="module")
def parsing_db(warehouse_url):
    with psycopg.connect(warehouse_url.replace("+psycopg", ""), autocommit=True) as conn:
        yield conn


@settings(max_examples=60, deadline=None)
@given(st.lists(sql_text, min_size=1, max_size=25))
@example(
    ["1e99", "9" * 300, "10000-01-01", "0000-01-01", "2024-02-30", "9999-12-31T23:59:59-14:00"]
)
# parse_timestamptz gave instants outside the years 1–9999 (…+14:00 in year 1, …-14:00 in
# 9999): loading one into Python failed — the publish, in the pipeline. Now NULL.
@example(["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00", "0001-01-01 00:00:00"])
def test_staging_parsers_give_a_value_or_null_for_any_text(parsing_db, values):
    columns = ", ".join(PARSERS)
    rows = parsing_db.execute(
        f"select {columns} from unnest(%s::text[]) as t(v)", (values,)
    ).fetchall()  # loaded into Python as the pipeline would: no DataError (year 1–9999)
    assert len(rows) == len(values)
    twins = " or ".join(f"{a} is distinct from {b}" for a, b in TWINS)
    differ = parsing_db.execute(
        f"select v from unnest(%s::text[]) as t(v) where {twins}", (values,)
    ).fetchall()
    assert differ == []


def test_a_nul_cannot_reach_postgresql_text(parsing_db):
    """Why the lander escapes NUL (and every jsonb \\u0000): PostgreSQL refuses both."""
    with pytest.raises(psycopg.DataError):
        parsing_db.execute("select %s::text", ("a\x00b",))
    with pytest.raises(psycopg.errors.UntranslatableCharacter):
        parsing_db.execute("select '\"a\\u0000b\"'::jsonb")


def test_postgresql_jsonb_nesting_limit_is_far_beyond_what_the_hub_keeps(parsing_db):
    """PostgreSQL's jsonb refuses nesting only past its stack (max_stack_depth, 2MB by
    default: about 50,000 levels here); the hub keeps at most MAX_JSON_DEPTH levels
    as values (connectors/common/http.py), the rest as text, so that limit is never met."""
    from connectors.common.http import MAX_JSON_DEPTH

    deep = 10_000
    assert parsing_db.execute(
        "select jsonb_typeof((repeat('[', %s) || repeat(']', %s))::jsonb)", (deep, deep)
    ).fetchone() == ("array",)
    assert deep > MAX_JSON_DEPTH * 100
    with pytest.raises(psycopg.errors.StatementTooComplex):
        parsing_db.execute("select (repeat('[', 1000000) || repeat(']', 1000000))::jsonb")
