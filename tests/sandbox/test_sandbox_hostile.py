"""The ``hostile_records`` fault knob: valid-looking records with one poisonous value, served
among the normal ones exactly as specified, and listed in the truth with the reject reasons
the hub must give them."""

from __future__ import annotations

import json
import math

import pytest
import requests

from hub.config import PROJECT_ROOT
from hub.sandbox import FaultKnobs, SandboxDepartments, generate_scenario
from hub.sandbox.hostile import (
    HUGE_INTEGER_DIGITS,
    JSON_KINDS,
    LAND_KINDS,
    LONG_NAME_CHARS,
    RawJson,
    kinds_for,
    render_json,
)
from hub.sandbox.land_files import LAND_COLUMNS, render_land_file
from tests.sandbox.conftest import approval_token, serving_in_a_process

EPHEMERAL = {"commerce": 0, "approval": 0, "stats": 0}
COMMERCE_AUTH = {"X-Api-Key": "sandbox-commerce-key"}
STATS_AUTH = {"Authorization": "Token sandbox-stats-token"}
KEYS = {"commerce": "project_no", "approval": "event_id", "stats": "stat_project_id"}
# 13 per department: every kind of each department at least once.
PER_DEPARTMENT = 13

# The reasons the hub gives (the brief shared with the hub's side); date reasons per department.
AMOUNT_KINDS = {"list_for_number", "overflow_number", "nan", "infinity", "huge_integer"}
REASONS = {
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
}
DATE_REASONS = {
    ("commerce", "impossible_date"): "invalid_date",
    ("commerce", "impossible_timestamp"): "invalid_date",
    ("approval", "impossible_timestamp"): "invalid_date",
    ("stats", "impossible_date"): "invalid_month",
    ("land", "impossible_date"): "invalid_date",
}
# The staging column each department's suite checks for the date field spoiled.
SUITE_COLUMNS = {
    ("commerce", "signed_on"): ("commerce__projects", "signed_on_text"),
    ("commerce", "updated_at"): ("commerce__projects", "updated_at_text"),
    ("approval", "decided_at"): ("approval__events", "decided_at_text"),
    ("stats", "start_month"): ("stats__roster", "start_month_text"),
    ("land", "合同签订日期"): ("land__parcels", "contract_on_text"),
}


@pytest.fixture(scope="module")
def city():
    return generate_scenario(60, 5)


@pytest.fixture(scope="module")
def hostile(city, tmp_path_factory):
    """Read-only tests share one sandbox with the knob on for every department."""
    knobs = FaultKnobs(seed=4, hostile_records=PER_DEPARTMENT)
    with SandboxDepartments(
        city, tmp_path_factory.mktemp("land"), ports=EPHEMERAL, faults=knobs
    ) as departments:
        yield departments


@pytest.fixture(scope="module")
def plain(city, tmp_path_factory):
    with SandboxDepartments(city, tmp_path_factory.mktemp("land"), ports=EPHEMERAL) as departments:
        yield departments


# ----------------------------------------------------------------------------- reading


class Token(str):
    """A JSON number token kept as written (no Python number holds it)."""


def lenient_json(body: bytes):
    """Parse a body that may hold what strict JSON readers refuse: a byte that is not UTF-8
    becomes a lone surrogate (U+DCxx), 1e309 / NaN / -Infinity / huge integers stay tokens."""

    def number(text: str):
        value = float(text)
        return Token(text) if math.isinf(value) else value

    return json.loads(
        body.decode("utf-8", "surrogateescape"),
        parse_float=number,
        parse_int=lambda text: Token(text) if len(text) > 30 else int(text),
        parse_constant=Token,
    )


def commerce_pages(departments, page_size=20) -> list[tuple[bytes, list[dict]]]:
    pages, page = [], 1
    while True:
        response = requests.get(
            departments.urls["commerce"] + "/api/v1/projects",
            params={"page": page, "page_size": page_size},
            headers=COMMERCE_AUTH,
            timeout=10,
        )
        items = lenient_json(response.content)["data"]["items"]
        if not items:
            return pages
        pages.append((response.content, items))
        page += 1


def approval_pages(departments, limit=20) -> list[tuple[bytes, list[dict], str | None]]:
    """(body, events, next_cursor) of every page."""
    token, after, pages = approval_token(departments), None, []
    while True:
        response = requests.get(
            departments.urls["approval"] + "/open/v2/approval-events",
            params={"limit": limit, **({"after": after} if after else {})},
            headers={"Authorization": f"Bearer {token}"},
            timeout=10,
        )
        body = lenient_json(response.content)
        pages.append((response.content, body["events"], body["next_cursor"]))
        after = body["next_cursor"]
        if after is None:
            return pages


def stats_pages(departments, period, limit=10) -> list[tuple[bytes, list[dict]]]:
    after, pages = None, []
    while True:
        response = requests.get(
            departments.urls["stats"] + "/api/fai/roster",
            params={"period": period, "limit": limit, **({"after": after} if after else {})},
            headers=STATS_AUTH,
            timeout=10,
        )
        body = lenient_json(response.content)
        pages.append((response.content, body["rows"]))
        after = body["next_after"]
        if after is None:
            return pages


def latest_period(departments) -> str:
    return max(p.period for p in departments.stats_periods())


def served_pages(departments, department) -> list[tuple[bytes, list[dict]]]:
    if department == "commerce":
        return commerce_pages(departments)
    if department == "approval":
        return [(body, events) for body, events, _ in approval_pages(departments)]
    return stats_pages(departments, latest_period(departments))


def held_records(departments, department) -> dict[str, dict]:
    if department == "commerce":
        return {r["project_no"]: r for r in departments.commerce_records()}
    if department == "approval":
        return {e["event_id"]: e for e in departments.approval_events()}
    rows = {p.period: p.rows for p in departments.stats_periods()}[latest_period(departments)]
    return {row["stat_project_id"]: row for row in rows}


def truth_of(departments, department) -> dict:
    return {r.source_key: r for r in departments.hostile_records() if r.source_system == department}


# ----------------------------------------------------------------------------- knobs


def test_the_knob_is_off_by_default_and_validated():
    knobs = FaultKnobs()
    assert knobs.hostile_records == 0
    assert knobs.hostile_departments == ("commerce", "approval", "land", "stats")
    assert FaultKnobs(hostile_departments=["land"]).hostile_departments == ("land",)
    for bad in (
        {"hostile_records": -1},
        {"hostile_departments": ("land", "police")},
        {"hostile_departments": "land"},
    ):
        with pytest.raises(ValueError):
            FaultKnobs(**bad)


def test_kinds_that_apply_to_each_department():
    assert kinds_for("commerce") == JSON_KINDS
    assert "impossible_date" not in kinds_for("approval")  # decided_at is its only date
    assert "impossible_timestamp" not in kinds_for("stats")  # no timestamp field
    assert len(kinds_for("approval")) == len(kinds_for("stats")) == len(JSON_KINDS) - 1
    assert kinds_for("land") == LAND_KINDS


def test_render_json_writes_raw_tokens_verbatim():
    payload = {"a": RawJson(b"1e309"), "b": [RawJson(b"NaN"), "\ue001x"], "c": "中文"}
    assert render_json(payload) == '{"a": 1e309, "b": [NaN, "\ue001x"], "c": "中文"}'.encode()
    with pytest.raises(TypeError):
        render_json({"a": object()})


def test_without_the_knob_no_hostile_record_is_served(plain, city):
    assert plain.hostile_records() == []
    assert not any(kind.endswith("hostile_records") for kind in plain.fault_counts())
    assert all(not delivery.hostile for delivery in plain.land_deliveries())


# ----------------------------------------------------------------------------- truth


def test_the_truth_lists_every_kind_with_its_reason(hostile):
    records = hostile.hostile_records()
    counts = hostile.fault_counts()
    for department in ("commerce", "approval", "land", "stats"):
        mine = [r for r in records if r.source_system == department]
        assert len(mine) == PER_DEPARTMENT == counts[f"{department}.hostile_records"]
        kinds = kinds_for(department)
        assert [r.kind for r in mine] == [kinds[i % len(kinds)] for i in range(PER_DEPARTMENT)]
        for record in mine:
            expected = (DATE_REASONS.get((department, record.kind)) or REASONS[record.kind],)
            if record.kind in AMOUNT_KINDS:  # no number where the amount belongs
                expected += ("invalid_amount",)
            assert record.reasons == expected, record
    assert {r.period for r in records if r.source_system == "stats"} == {latest_period(hostile)}


def test_date_reasons_are_the_department_suites_own(hostile):
    suites = PROJECT_ROOT / "expectations" / "suites"
    dated = [r for r in hostile.hostile_records() if r.kind.startswith("impossible_")]
    assert {(r.source_system, r.field) for r in dated} == set(SUITE_COLUMNS)
    for record in dated:
        suite, column = SUITE_COLUMNS[(record.source_system, record.field)]
        expectations = json.loads((suites / f"{suite}.json").read_text(encoding="utf-8"))
        reasons = {
            e["meta"]["reason"]
            for e in expectations["expectations"]
            # the text that did not parse into its typed column
            if e["type"] == "expect_column_values_to_parse_into" and e["kwargs"]["column"] == column
        }
        assert reasons == set(record.reasons), record


def test_hostile_keys_are_fresh_and_the_truth_of_the_scenario_does_not_move(hostile, city):
    owned = set(city.truth.record_owner)
    keyed = [r for r in hostile.hostile_records() if r.source_key is not None]
    assert len({(r.source_system, r.source_key) for r in keyed}) == len(keyed)
    assert not {(r.source_system, r.source_key) for r in keyed} & owned
    again = generate_scenario(60, 5).truth
    assert city.truth.to_json() == again.to_json()  # nothing was added to the scenario
    assert city.truth.stage_counts() == again.stage_counts()


def test_the_same_seed_plays_the_same_hostile_records(start):
    first = start(seed=2, hostile_records=5)
    second = start(seed=2, hostile_records=5)
    other = start(seed=3, hostile_records=5)
    assert first.hostile_records() == second.hostile_records()
    assert [b for b, _ in commerce_pages(first)] == [b for b, _ in commerce_pages(second)]
    for department in ("commerce", "approval", "land", "stats"):
        mine = [r for r in first.hostile_records() if r.source_system == department]
        theirs = [r for r in other.hostile_records() if r.source_system == department]
        assert mine != theirs


def test_hostile_departments_chooses_who_gets_them(start):
    departments = start(hostile_records=3, hostile_departments=("land", "stats"))
    assert {r.source_system for r in departments.hostile_records()} == {"land", "stats"}
    assert {k for k in departments.fault_counts() if k.endswith("hostile_records")} == {
        "land.hostile_records",
        "stats.hostile_records",
    }


# ----------------------------------------------------------------------------- served JSON


def _field_bytes(field: str, token: bytes) -> bytes:
    return json.dumps(field).encode() + b": " + token


@pytest.mark.parametrize("department", ["commerce", "approval", "stats"])
def test_each_kind_is_served_exactly_as_specified(hostile, department):
    truth = truth_of(hostile, department)
    served = {}
    for body, items in served_pages(hostile, department):
        for item in items:
            if item[KEYS[department]] in truth:
                served[item[KEYS[department]]] = (body, item)
    assert served.keys() == truth.keys()
    for key, record in truth.items():
        body, item = served[key]
        value, field = item[record.field], record.field
        kind = record.kind
        if kind == "nul_in_text":
            assert "\x00" in value and b"\\u0000" in body
        elif kind == "lone_surrogate":
            assert "\ud800" in value and b"\\ud800" in body
        elif kind == "invalid_utf8":
            assert "\udcff" in value and b"\xff" in body
            with pytest.raises(UnicodeDecodeError):
                body.decode("utf-8")
        elif kind == "control_chars":
            assert "\x01" in value and "\x1b" in value
            assert b"\\u0001" in body and b"\\u001b" in body
        elif kind == "object_for_string":
            assert isinstance(value, dict) and set(value) == {"zh"}
        elif kind == "list_for_number":
            assert value == [1, 2] and _field_bytes(field, b"[1, 2]") in body
        elif kind in ("overflow_number", "nan", "infinity"):
            token = {"overflow_number": b"1e309", "nan": b"NaN", "infinity": b"-Infinity"}[kind]
            assert value == token.decode() and _field_bytes(field, token) in body
        elif kind == "huge_integer":
            assert isinstance(value, Token) and len(value) == HUGE_INTEGER_DIGITS
            assert value.isdigit() and _field_bytes(field, value.encode()) in body
        elif kind == "long_name":
            assert len(value) == LONG_NAME_CHARS
        elif kind == "impossible_date":
            assert value == "9999-99-99"
        else:
            assert kind == "impossible_timestamp" and value == "2024-13-45T99:00:00"


@pytest.mark.parametrize("department", ["commerce", "approval", "stats"])
def test_a_hostile_record_is_its_template_but_for_key_and_one_field(hostile, department):
    held = held_records(hostile, department)
    truth = truth_of(hostile, department)
    key = KEYS[department]
    for _, items in served_pages(hostile, department):
        for item in items:
            record = truth.get(item[key])
            if record is None:
                continue
            template = held[record.copy_of]
            assert set(item) == set(template)
            differing = {name for name in item if item[name] != template[name]}
            assert differing == {key, record.field}


@pytest.mark.parametrize("department", ["commerce", "approval", "stats"])
def test_hostile_records_sit_among_normal_ones(hostile, plain, department):
    truth = truth_of(hostile, department)
    held = held_records(hostile, department)
    key = KEYS[department]
    feed = []
    for _, items in served_pages(hostile, department):
        assert any(item[key] not in truth for item in items)  # no page of hostile ones only
        for index, item in enumerate(items):
            if item[key] in truth:
                neighbours = items[max(0, index - 1) : index] + items[index + 1 : index + 2]
                assert any(n[key] not in truth for n in neighbours), item[key]
            else:
                assert item == held[item[key]]  # a normal record, untouched
        feed += [item[key] for item in items]
    positions = [i for i, k in enumerate(feed) if k in truth]
    assert positions != list(range(len(feed) - len(truth), len(feed)))  # not all at the end
    # Without the hostile ones, the feed is the knob-off feed.
    assert [k for k in feed if k not in truth] == [
        item[key] for _, items in served_pages(plain, department) for item in items
    ]
    assert held == held_records(plain, department)


def test_commerce_total_counts_hostile_records(hostile, city):
    response = requests.get(
        hostile.urls["commerce"] + "/api/v1/projects",
        params={"page_size": 1},
        headers=COMMERCE_AUTH,
        timeout=5,
    )
    assert response.json()["data"]["total"] == len(city.commerce_records) + PER_DEPARTMENT


def test_approval_cursor_positions_count_only_the_scenario_events(hostile):
    truth = truth_of(hostile, "approval")
    seen = 0
    for _, events, cursor in approval_pages(hostile):
        seen += sum(event["event_id"] not in truth for event in events)
        if cursor is not None:
            assert hostile.approval_cursor_position(cursor) == seen
    assert seen == len(hostile.approval_events())


def test_stats_hostile_rows_survive_a_new_revision(start):
    departments = start(hostile_records=4, hostile_departments=("stats",))
    period = latest_period(departments)
    current = {p.period: p for p in departments.stats_periods()}[period]
    departments.set_stats_period(period, current.revision + 1, current.rows[:-1], closed=False)
    served = {
        row["stat_project_id"] for _, rows in stats_pages(departments, period) for row in rows
    }
    assert set(truth_of(departments, "stats")) <= served
    assert len(served) == len(current.rows) - 1 + 4


def test_concurrent_updates_never_move_a_hostile_record(start):
    departments = start(
        hostile_records=6,
        hostile_departments=("commerce",),
        commerce_concurrent_updates=1,
        commerce_concurrent_update_limit=10,
        commerce_updates_per_drift=3,
    )
    commerce_pages(departments, page_size=5)
    moved = set(departments.commerce_concurrently_updated())
    assert moved and not moved & set(truth_of(departments, "commerce"))


# ----------------------------------------------------------------------------- land


def test_land_files_hold_the_hostile_rows_where_the_truth_says(hostile, city):
    truth = [r for r in hostile.hostile_records() if r.source_system == "land"]
    deliveries = {d.name: d for d in hostile.land_deliveries()}
    assert sum(len(d.hostile) for d in deliveries.values()) == len(truth)
    columns = len(LAND_COLUMNS)
    name_at, date_at = LAND_COLUMNS.index("项目名称"), LAND_COLUMNS.index("合同签订日期")
    for record in truth:
        delivery = deliveries[record.file]
        content = (hostile.land_dir / record.file).read_bytes()
        assert content == delivery.content
        line = content.split(b"\r\n")[record.line - 1]
        assert line == delivery.hostile[record.line]
        if record.kind == "not_gb18030":
            assert b"\xff" in line and record.source_key is None
            with pytest.raises(UnicodeDecodeError):
                line.decode("gb18030")
            continue
        cells = line.decode("gb18030").split(",")  # written unquoted: one cell per comma
        if record.kind in ("too_few_columns", "too_many_columns"):
            assert record.source_key is None
            assert len(cells) == (columns - 3 if record.kind == "too_few_columns" else columns + 1)
            continue
        assert len(cells) == columns and cells[0] == record.source_key
        if record.kind == "nul_byte":
            assert "\x00" in cells[name_at] and b"\x00" in line
        elif record.kind == "control_chars":
            assert "\x01" in cells[name_at] and "\x1b" in cells[name_at]
        elif record.kind == "long_name":
            assert len(cells[name_at]) == LONG_NAME_CHARS
        else:
            assert record.kind == "impossible_date" and cells[date_at] == "9999-99-99"


def test_land_hostile_rows_follow_their_template_and_change_nothing_else(hostile, city):
    truth = {(r.file, r.line): r for r in hostile.hostile_records() if r.source_system == "land"}
    for delivery in hostile.land_deliveries():
        rows_at = dict(zip(delivery.lines, delivery.rows, strict=True))
        for line in delivery.hostile:
            above = line - 1
            while above in delivery.hostile:
                above -= 1
            assert rows_at[above]["宗地编号"] == truth[(delivery.name, line)].copy_of
        lines = delivery.content.split(b"\r\n")
        kept = [data for number, data in enumerate(lines, 1) if number not in delivery.hostile]
        assert b"\r\n".join(kept) == render_land_file(delivery.rows)  # the knob-off file
    original = {f.name: f.rows for f in city.land_files}
    assert {d.name: d.rows for d in hostile.land_deliveries()} == original


def test_hostile_land_rows_and_broken_rows_are_told_apart(start):
    departments = start(
        seed=1, hostile_records=7, hostile_departments=("land",), broken_encoding_rows=3
    )
    deliveries = departments.land_deliveries()
    broken = {(d.name, line) for d in deliveries for line in d.broken}
    hostile_lines = {(d.name, line) for d in deliveries for line in d.hostile}
    assert len(broken) == 3 and len(hostile_lines) == 7 and not broken & hostile_lines
    truth = {(r.file, r.line) for r in departments.hostile_records()}
    assert truth == hostile_lines
    for delivery in deliveries:
        readable = delivery.readable_rows()
        assert len(readable) == len(delivery.rows) - len(delivery.broken)
        assert not {line for line, _ in readable} & set(delivery.hostile)


# ----------------------------------------------------------------------------- CLI


def test_hostile_flag_of_demo_and_sandbox_serve(monkeypatch, tmp_path):
    import hub.demo
    import hub.sandbox
    from hub.cli import build_parser, main

    parser = build_parser()
    assert parser.parse_args(["demo"]).hostile == 0
    assert parser.parse_args(["sandbox", "serve"]).hostile == 0
    with pytest.raises(SystemExit):
        parser.parse_args(["demo", "--hostile", "-1"])

    calls = {}
    monkeypatch.setattr(hub.demo, "run_demo", lambda settings, **kw: calls.setdefault("demo", kw))
    monkeypatch.setattr(
        hub.sandbox, "serve_forever", lambda *a, **kw: calls.setdefault("serve", kw)
    )
    main(["demo", "--hostile", "3", "--via", "cli"])
    assert calls["demo"]["hostile"] == 3
    main(["sandbox", "serve", "--hostile", "2", "--seed", "9", "--land-dir", str(tmp_path)])
    assert calls["serve"]["faults"] == FaultKnobs(seed=9, hostile_records=2)


def test_serve_forever_writes_the_hostile_records_into_the_truth(tmp_path):
    land, truth = str(tmp_path / "land"), tmp_path / "t.json"
    with serving_in_a_process(land, str(truth), "FaultKnobs(hostile_records=2)"):
        written = json.loads(truth.read_text(encoding="utf-8"))
    assert written["stage_counts"] == generate_scenario(30, 2).truth.stage_counts()
    entries = written["hostile_records"]
    assert len(entries) == 8 and {e["source_system"] for e in entries} == {
        "commerce",
        "approval",
        "land",
        "stats",
    }
    land_entries = [e for e in entries if e["source_system"] == "land"]
    assert all(e["file"] and e["line"] for e in land_entries)
