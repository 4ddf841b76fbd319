"""The BI-ready `shared` (issue 15): the conformed star, the per-grain indicator views, the
flattened sources and `shared.catalog`, on real PostgreSQL.

Two warehouses: one synced from the small sandbox scenario (the star must agree with the
contract views it is built beside), and one whose core.projects rows are written by hand,
so the daily stage snapshot is checked against stages worked out here from known milestone
dates — not by the SQL under test — and the star is checked at tens of thousands of rows.
"""

from __future__ import annotations

import csv
import datetime as dt
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass

import psycopg
import pytest
from sqlalchemy.engine import make_url

from hub.access import grant
from hub.config import DEFAULT_REFERENCE_DIR, Settings
from hub.pipeline import run_sync
from hub.warehouse.connection import connect, libpq_url
from tests.integration.test_shared_catalog import _is_bilingual

pytestmark = pytest.mark.integration

STAGES = [
    ("negotiating", "在谈"),
    ("signed", "已签约"),
    ("landed", "已落地"),
    ("under_construction", "在建"),
    ("in_statistics", "已纳统"),
    ("in_production", "已投产"),
    ("terminated", "已终止"),
]
STAR = [
    "dim_district", "dim_industry_chain", "dim_stage", "dim_date", "fact_project",
    "fact_project_stage_spans", "fact_project_stage_daily", "project_sources",
    "signing_indicators_monthly", "signing_indicators_quarterly", "signing_indicators_ytd",
    "land_quota_usage_monthly", "land_quota_usage_quarterly", "land_quota_usage_ytd", "catalog",
]  # fmt: skip
# fact column → (dimension, its key column)
FACT_KEYS = {
    "district_code": ("dim_district", "district_code"),
    "industry_chain": ("dim_industry_chain", "industry_chain"),
    "stage_key": ("dim_stage", "stage_key"),
    "signed_date_key": ("dim_date", "date_key"),
    "landed_date_key": ("dim_date", "date_key"),
    "construction_started_date_key": ("dim_date", "date_key"),
    "stats_included_date_key": ("dim_date", "date_key"),
    "production_date_key": ("dim_date", "date_key"),
    "terminated_date_key": ("dim_date", "date_key"),
}
PASSWORD = "pw-" + uuid.uuid4().hex[:8]
RUN = uuid.uuid4().hex[:6]


def _reference(name: str) -> list[dict[str, str]]:
    with (DEFAULT_REFERENCE_DIR / name).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _orphans(conn: psycopg.Connection, fact: str, column: str, dim: str, key: str) -> int:
    # names are the constants above
    return conn.execute(
        f"select count(*) from shared.{fact} as f where f.{column} is not null"
        f" and not exists (select 1 from shared.{dim} as d where d.{key} = f.{column})"
    ).fetchone()[0]


@pytest.fixture(scope="module")
def synced_url(databases, scenario, tmp_path_factory) -> str:
    """A warehouse synced from the sandbox scenario."""
    from hub.sandbox import SandboxDepartments

    url = databases.create()
    home = tmp_path_factory.mktemp("bi-star")
    departments = SandboxDepartments(
        scenario, home / "land", ports={"commerce": 0, "approval": 0, "stats": 0}
    )
    departments.start()
    try:
        env = {**departments.env(), "HUB_WAREHOUSE_URL": url, "HUB_HOME": str(home)}
        report = run_sync(Settings.from_env(env))
    finally:
        departments.stop()
    assert report.ok, (report.failures, report.publish_failure)
    return url


@pytest.fixture(scope="module")
def synced(synced_url) -> Iterator[psycopg.Connection]:
    """An admin connection to the synced warehouse, autocommit."""
    with connect(synced_url, autocommit=True) as conn:
        yield conn


# --- hand-built projects ------------------------------------------------------------------

DATE_COLUMNS = (
    "negotiation_started_on", "signed_on", "landed_on", "construction_started_on",
    "stats_included_month", "production_on", "terminated_on",
)  # fmt: skip


@dataclass
class Built:
    conn: psycopg.Connection
    ids: dict[str, int]


def _insert_project(conn, hub_project_id: int, stage: str, district: str, **dates) -> None:
    conn.execute("insert into core.hub_projects (hub_project_id) values (%s)", [hub_project_id])
    conn.execute(
        "insert into core.projects (hub_project_id, district_code, stage, stage_zh, sources,"
        f" {', '.join(DATE_COLUMNS)}) values (%s, %s, %s, %s, '{{commerce}}',"
        f" {', '.join(['%s'] * len(DATE_COLUMNS))})",
        [hub_project_id, district, stage, dict(STAGES)[stage]]
        + [dates.get(c) for c in DATE_COLUMNS],
    )
    # the evidence behind the dates, as a publish writes it (dim_date spans the evidence)
    for column, milestone in zip(DATE_COLUMNS, [s for s, _ in STAGES], strict=True):
        if dates.get(column):
            conn.execute(
                "insert into core.project_milestones"
                " (hub_project_id, milestone, occurred_on, source_system, source_key)"
                " values (%s, %s, %s, 'commerce', %s)",
                [hub_project_id, milestone, dates[column], f"P{hub_project_id}"],
            )


D = dt.date


@pytest.fixture(scope="module")
def built(databases) -> Iterator[Built]:
    url = databases.create()
    ids = {
        # the plain path: each milestone dated, in order
        "in_order": 1,
        # terminated after signing (no landing evidence: terminated is the stage)
        "terminated": 2,
        # the current stage known from undated evidence (commerce 已落地)
        "undated_landed": 3,
        # landing dated after construction started: the stage never goes back
        "late_landing_date": 4,
        # 已终止 with later evidence: the evidence wins, terminated never shows
        "evidence_wins": 5,
        # no dated milestone at all: no interval, no day
        "no_dates": 6,
    }
    with connect(url, autocommit=True) as conn:
        _insert_project(
            conn, 1, "under_construction", "370202",
            negotiation_started_on=D(2024, 1, 10), signed_on=D(2024, 2, 1),
            landed_on=D(2024, 3, 15), construction_started_on=D(2024, 5, 1),
        )  # fmt: skip
        _insert_project(
            conn, 2, "terminated", "370202", signed_on=D(2024, 2, 1), terminated_on=D(2024, 6, 30)
        )
        _insert_project(conn, 3, "landed", "370203", signed_on=D(2024, 2, 1))
        _insert_project(
            conn, 4, "in_production", "370203",
            signed_on=D(2024, 1, 1), construction_started_on=D(2024, 2, 1),
            landed_on=D(2024, 3, 1), production_on=D(2024, 6, 1),
        )  # fmt: skip
        _insert_project(
            conn, 5, "landed", "370211",
            signed_on=D(2024, 1, 1), landed_on=D(2024, 3, 1), terminated_on=D(2024, 4, 1),
        )  # fmt: skip
        _insert_project(conn, 6, "signed", "370211")
        yield Built(conn, ids)


def _stage_on(conn, hub_project_id: int, day: dt.date) -> str | None:
    rows = conn.execute(
        "select stage_key from shared.fact_project_stage_daily"
        " where hub_project_id = %s and snapshot_date = %s",
        [hub_project_id, day],
    ).fetchall()
    assert len(rows) <= 1, f"project {hub_project_id} has {len(rows)} rows on {day}"
    return rows[0][0] if rows else None


@pytest.mark.parametrize(
    ("project", "day", "expected"),
    [
        ("in_order", D(2024, 1, 9), None),  # before its first milestone
        ("in_order", D(2024, 1, 10), "negotiating"),
        ("in_order", D(2024, 1, 31), "negotiating"),
        ("in_order", D(2024, 2, 1), "signed"),
        ("in_order", D(2024, 3, 14), "signed"),
        ("in_order", D(2024, 3, 15), "landed"),
        ("in_order", D(2024, 4, 30), "landed"),
        ("in_order", D(2024, 5, 1), "under_construction"),
        ("in_order", dt.date.today(), "under_construction"),
        ("terminated", D(2024, 6, 29), "signed"),
        ("terminated", D(2024, 6, 30), "terminated"),
        ("terminated", dt.date.today(), "terminated"),
        ("undated_landed", D(2024, 1, 31), None),
        ("undated_landed", D(2024, 2, 1), "landed"),  # from its latest dated milestone
        ("late_landing_date", D(2024, 2, 1), "under_construction"),
        ("late_landing_date", D(2024, 3, 1), "under_construction"),  # never back to landed
        ("late_landing_date", D(2024, 6, 1), "in_production"),
        ("evidence_wins", D(2024, 4, 1), "landed"),
        ("evidence_wins", dt.date.today(), "landed"),
        ("no_dates", dt.date.today(), None),
    ],
)
def test_daily_snapshot_gives_the_stage_of_each_day(built, project, day, expected):
    assert _stage_on(built.conn, built.ids[project], day) == expected


def test_stage_spans_of_a_hand_built_project(built):
    rows = built.conn.execute(
        "select stage_key, valid_from, valid_to, is_current from shared.fact_project_stage_spans"
        " where hub_project_id = 1 order by valid_from"
    ).fetchall()
    assert rows == [
        ("negotiating", D(2024, 1, 10), D(2024, 2, 1), False),
        ("signed", D(2024, 2, 1), D(2024, 3, 15), False),
        ("landed", D(2024, 3, 15), D(2024, 5, 1), False),
        ("under_construction", D(2024, 5, 1), None, True),
    ]
    days = built.conn.execute(
        "select count(*) from shared.fact_project_stage_daily where hub_project_id = 1"
    ).fetchone()[0]
    assert days == (dt.date.today() - D(2024, 1, 10)).days + 1  # first milestone → today


def test_the_star_at_tens_of_thousands_of_projects(databases):
    """30,000 hand-written projects over three years: counts and keys hold at that size, and
    a day's snapshot holds every project whose first milestone is on or before that day."""
    url = databases.create()
    with connect(url, autocommit=True) as conn:
        conn.execute(
            "insert into core.hub_projects (hub_project_id)"
            " select g from generate_series(1, 30000) as g"
        )
        conn.execute(
            """
            insert into core.projects (hub_project_id, district_code, industry_chain, stage,
                stage_zh, signed_on, landed_on, signed_investment_wan, sources)
            select g, d.district_code, c.industry_chain,
                   case when g % 3 = 0 then 'landed' else 'signed' end,
                   case when g % 3 = 0 then '已落地' else '已签约' end,
                   date '2022-01-01' + (g % 1000),
                   case when g % 3 = 0 then date '2022-01-01' + (g % 1000) + 30 end,
                   (g % 50) * 1000, '{commerce,land}'
            from generate_series(1, 30000) as g
            join (select district_code, row_number() over (order by district_code) - 1 as i
                  from ref.districts) as d on d.i = g % 10
            join (select industry_chain, row_number() over (order by industry_chain) - 1 as i
                  from ref.industry_chains) as c
                on c.i = g % (select count(*) from ref.industry_chains)
            """
        )
        conn.execute(
            "insert into core.project_milestones"
            " (hub_project_id, milestone, occurred_on, source_system, source_key)"
            " select hub_project_id, m.milestone, m.occurred_on, 'commerce', 'P' || hub_project_id"
            " from core.projects, lateral (values ('signed', signed_on), ('landed', landed_on))"
            "   as m (milestone, occurred_on) where m.occurred_on is not null"
        )
        assert conn.execute("select count(*) from shared.fact_project").fetchone()[0] == 30000
        for column, (dim, key) in FACT_KEYS.items():
            assert _orphans(conn, "fact_project", column, dim, key) == 0, column
        assert conn.execute("select count(*) from shared.project_sources").fetchone()[0] == 60000
        day = D(2023, 6, 30)
        counts = dict(
            conn.execute(
                "select stage_key, count(*) from shared.fact_project_stage_daily"
                " where snapshot_date = %s group by 1",
                [day],
            ).fetchall()
        )
        signed = landed = 0
        for g in range(1, 30001):
            signed_on = D(2022, 1, 1) + dt.timedelta(days=g % 1000)
            if signed_on > day:
                continue
            if g % 3 == 0 and signed_on + dt.timedelta(days=30) <= day:
                landed += 1
            else:
                signed += 1
        assert counts == {"signed": signed, "landed": landed}
        spans = conn.execute(
            "select count(*), count(*) filter (where is_current)"
            " from shared.fact_project_stage_spans"
        ).fetchone()
        assert spans == (40000, 30000)


# --- the sandbox warehouse ------------------------------------------------------------------


def test_dimensions_are_complete_and_their_keys_unique(synced):
    districts = synced.execute(
        "select district_code, district_name from shared.dim_district order by 1"
    ).fetchall()
    assert districts == sorted(
        (r["district_code"], r["district_name"]) for r in _reference("districts.csv")
    )
    chains = synced.execute(
        "select industry_chain, industry_category, is_manufacturing from shared.dim_industry_chain"
    ).fetchall()
    assert sorted(chains) == sorted(
        (r["industry_chain"], r["industry_category"], r["is_manufacturing"] == "true")
        for r in _reference("industry_chains.csv")
    )
    stages = synced.execute(
        "select stage_key, stage_zh from shared.dim_stage order by sort_order"
    ).fetchall()
    assert stages == STAGES
    for dim, key in (
        ("dim_district", "district_code"),
        ("dim_industry_chain", "industry_chain"),
        ("dim_stage", "stage_key"),
        ("dim_date", "date_key"),
        ("dim_date", "calendar_date"),
    ):
        total, distinct, nulls = synced.execute(
            f"select count(*), count(distinct {key}), count(*) - count({key}) from shared.{dim}"
        ).fetchone()
        assert total == distinct and nulls == 0, (dim, key)


def test_the_calendar_covers_the_data_in_whole_years_and_no_more(synced):
    first, last, days, gaps, bad_keys = synced.execute(
        "select min(calendar_date), max(calendar_date), count(*),"
        " count(*) filter (where calendar_date - prev <> 1),"
        " count(*) filter (where date_key <> to_char(calendar_date, 'YYYYMMDD')::integer)"
        " from (select *, lag(calendar_date) over (order by calendar_date) as prev"
        "       from shared.dim_date) as d"
    ).fetchone()
    assert gaps == 0 and bad_keys == 0 and days == (last - first).days + 1
    low, high = synced.execute(
        "select least(min(occurred_on), current_date), greatest(max(occurred_on), current_date)"
        " from core.project_milestones"
    ).fetchone()
    assert (first.month, first.day, last.month, last.day) == (1, 1, 12, 31)
    assert first.year == low.year and last.year == high.year  # bounded by the data
    labels = synced.execute(
        "select month_label, quarter_label, ytd_label, month_start, quarter_start"
        " from shared.dim_date where calendar_date = %s",
        [D(high.year, 8, 17)],
    ).fetchone()
    y = high.year
    assert labels == (f"{y}-08", f"{y}Q3", f"{y}YTD08", D(y, 8, 1), D(y, 7, 1))


def test_fact_project_is_shared_projects_with_keys_into_every_dimension(synced):
    fact = synced.execute(
        "select hub_project_id, district_code, industry_chain, stage_key, signed_on,"
        " signed_investment_wan from shared.fact_project order by 1"
    ).fetchall()
    projects = synced.execute(
        "select hub_project_id, district_code, industry_chain, stage, signed_on,"
        " signed_investment_wan from shared.projects order by 1"
    ).fetchall()
    assert fact == projects and len(fact) > 50
    for column, (dim, key) in FACT_KEYS.items():
        assert _orphans(synced, "fact_project", column, dim, key) == 0, column
    # the documented nulls: a key is null only where the project has no such value
    nulls = synced.execute(
        "select count(*) filter (where f.signed_date_key is null and p.signed_on is not null),"
        " count(*) filter (where f.stage_key is null)"
        " from shared.fact_project as f join shared.projects as p using (hub_project_id)"
    ).fetchone()
    assert nulls == (0, 0)
    for fact_name in ("fact_project_stage_spans", "fact_project_stage_daily"):
        for column in ("district_code", "stage_key"):
            dim, key = FACT_KEYS[column]
            assert _orphans(synced, fact_name, column, dim, key) == 0, (fact_name, column)


def test_todays_snapshot_agrees_with_the_published_stage(synced):
    disagree = synced.execute(
        "select count(*) from shared.fact_project_stage_daily as d"
        " join shared.fact_project as f using (hub_project_id)"
        " where d.snapshot_date = current_date and d.stage_key <> f.stage_key"
    ).fetchone()[0]
    assert disagree == 0
    today, dated = synced.execute(
        "select (select count(*) from shared.fact_project_stage_daily"
        "        where snapshot_date = current_date),"
        " (select count(*) from core.projects where least(negotiation_started_on, signed_on,"
        "  landed_on, construction_started_on, stats_included_month, production_on,"
        "  terminated_on) <= current_date)"
    ).fetchone()
    assert today == dated > 0


def test_the_daily_snapshot_is_the_stage_spans_expanded_to_days(synced):
    days = [
        r[0]
        for r in synced.execute(
            "select distinct valid_from from shared.fact_project_stage_spans"
            " union select current_date union select min(valid_from) - 1"
            " from shared.fact_project_stage_spans order by 1"
        ).fetchall()
    ]
    days = [*days[:: max(1, len(days) // 12)], dt.date.today()]  # a dozen days and today
    for day in days:
        daily = synced.execute(
            "select hub_project_id, district_code, industry_chain, stage_key"
            " from shared.fact_project_stage_daily where snapshot_date = %s order by 1",
            [day],
        ).fetchall()
        spans = synced.execute(
            "select hub_project_id, district_code, industry_chain, stage_key"
            " from shared.fact_project_stage_spans"
            " where valid_from <= %s and (valid_to is null or valid_to > %s) and %s <= current_date"
            " order by 1",
            [day, day, day],
        ).fetchall()
        assert daily == spans, day


def test_project_sources_is_sources_unnested(synced):
    flat = Counter(synced.execute("select * from shared.project_sources").fetchall())
    unnested = Counter(
        synced.execute(
            "select hub_project_id, s from shared.projects, unnest(sources) as s"
        ).fetchall()
    )
    assert flat == unnested and sum(flat.values()) > 0


@pytest.mark.parametrize("mixed", ["signing_indicators", "land_quota_usage"])
def test_per_grain_views_partition_the_mixed_view_exactly(synced, mixed):
    columns = [
        r[0]
        for r in synced.execute(
            "select column_name from information_schema.columns"
            " where table_schema = 'shared' and table_name = %s and column_name <> 'period_type'"
            " order by ordinal_position",
            [mixed],
        ).fetchall()
    ]
    select = ", ".join(columns)
    whole = Counter(synced.execute(f"select {select} from shared.{mixed}").fetchall())
    parts: Counter = Counter()
    for grain, period_type in (("monthly", "month"), ("quarterly", "quarter"), ("ytd", "ytd")):
        rows = synced.execute(f"select {select} from shared.{mixed}_{grain}").fetchall()
        expected = synced.execute(
            f"select {select} from shared.{mixed} where period_type = %s", [period_type]
        ).fetchall()
        assert Counter(rows) == Counter(expected) and rows, grain
        overlapping = synced.execute(
            f"select count(*) from shared.{mixed}_{grain} as a join shared.{mixed}_{grain} as b"
            " on a.period < b.period and a.period_start <= b.period_end"
            " and b.period_start <= a.period_end"
        ).fetchone()[0]
        if grain != "ytd":  # months and quarters tile time; YTD periods are cumulative
            assert overlapping == 0, grain
        parts.update(rows)
    assert parts == whole
    orphans = synced.execute(
        f"select count(*) from shared.{mixed}_quarterly as q where not exists"
        " (select 1 from shared.dim_date as d where d.date_key = q.period_start_key"
        "  and d.calendar_date = q.period_start and d.quarter_start = q.period_start)"
    ).fetchone()[0]
    assert orphans == 0


def test_a_district_scoped_login_sees_only_its_districts_facts(synced, synced_url):
    url = synced_url
    home, away = (
        r[0]
        for r in synced.execute(
            "select district_code from core.projects group by 1 order by count(*) desc, 1 limit 2"
        ).fetchall()
    )
    login = f"t{RUN}_bi_{home}"
    grant(url, login, "hub_reader", district_code=home, password=PASSWORD)
    target = make_url(libpq_url(url)).set(username=login, password=PASSWORD)
    try:
        with psycopg.connect(target.render_as_string(hide_password=False)) as reader:
            for fact in ("fact_project", "fact_project_stage_spans"):
                seen = reader.execute(f"select distinct district_code from shared.{fact}")
                assert {r[0] for r in seen.fetchall()} == {home}, fact
            seen = reader.execute(
                "select distinct district_code from shared.fact_project_stage_daily"
                " where snapshot_date = current_date"
            ).fetchall()
            assert {r[0] for r in seen} == {home}
            own = synced.execute(
                "select count(*) from core.projects, unnest(sources) where district_code = %s",
                [home],
            ).fetchone()[0]
            assert (
                reader.execute("select count(*) from shared.project_sources").fetchone()[0] == own
            )
            # the dimensions and the catalog are not district data: all of them
            assert reader.execute("select count(*) from shared.dim_district").fetchone()[0] == len(
                _reference("districts.csv")
            )
            assert reader.execute("select count(*) from shared.dim_stage").fetchone()[0] == 7
            assert reader.execute("select count(*) from shared.catalog").fetchone()[0] > 30
            # the reader role may read every new object
            for name in STAR:
                limit = " where snapshot_date = current_date" if name.endswith("_daily") else ""
                reader.execute(f"select * from shared.{name}{limit} limit 1").fetchall()
            assert away not in {
                r[0]
                for r in reader.execute(
                    "select d.district_code from shared.fact_project as f"
                    " join shared.dim_district as d using (district_code)"
                ).fetchall()
            }
    finally:
        synced.execute(f'drop owned by "{login}"')
        synced.execute(f'drop role "{login}"')


def test_the_star_is_documented_in_both_languages_with_its_keys(synced):
    """test_shared_catalog.py checks every object and column of shared for a bilingual
    comment; here, the star's keys must also say what they join to."""
    rows = synced.execute(
        "select c.relname, a.attname, col_description(c.oid, a.attnum)"
        " from pg_class as c join pg_namespace as n on n.oid = c.relnamespace"
        " join pg_attribute as a on a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped"
        " where n.nspname = 'shared' and c.relname = any(%s)",
        [STAR],
    ).fetchall()
    assert {r[0] for r in rows} == set(STAR)
    assert [f"{t}.{c}" for t, c, comment in rows if not _is_bilingual(comment)] == []
    keys = [
        f"{t}.{c}"
        for t, c, comment in rows
        if (c in FACT_KEYS or c.endswith("_key") or c == "hub_project_id")
        and t.startswith(("fact_", "project_sources", "signing_", "land_", "dim_"))
        and "→" not in comment
        and "←" not in comment
    ]
    assert keys == [], "key columns whose comment names no relationship"


# --- the catalog ----------------------------------------------------------------------------


def _shared_objects(conn) -> Counter:
    return Counter(
        r[0]
        for r in conn.execute(
            "select c.relname::text from pg_class as c"
            " join pg_namespace as n on n.oid = c.relnamespace"
            " where n.nspname = 'shared' and c.relkind in ('r', 'v', 'm', 'p', 'f')"
            " union all select distinct p.proname::text from pg_proc as p"
            " join pg_namespace as n on n.oid = p.pronamespace where n.nspname = 'shared'"
        ).fetchall()
    )


def test_the_catalog_has_exactly_one_row_per_shared_object(synced):
    catalog = synced.execute(
        "select object_name, object_type, grain, description_zh, description_en,"
        " owning_department, sharing_class, update_cycle, last_refreshed_at, freshness_source"
        " from shared.catalog"
    ).fetchall()
    listed = Counter(r[0] for r in catalog)
    assert [name for name, n in listed.items() if n > 1] == [], "listed more than once"
    objects = _shared_objects(synced)
    uncatalogued = sorted(set(objects) - set(listed))
    assert uncatalogued == [], (
        f"objects in shared without a row in the catalog seed (300_catalog.sql): {uncatalogued}"
    )
    missing = sorted(set(listed) - set(objects))
    assert missing == [], f"catalogued objects missing from shared: {missing}"
    for row in catalog:
        name, kind, grain, zh, en, department, sharing, cycle, refreshed, source = row
        assert kind in ("view", "table", "materialized view", "function"), name
        assert grain and _is_bilingual(grain), name
        assert _is_bilingual(zh + " " + en) and zh != en, name
        assert department in ("commerce", "land", "approval", "stats", "hub"), name
        assert sharing in ("无条件共享", "有条件共享"), name
        assert cycle, name
        assert refreshed is not None, f"{name}: no freshness from {source} after a sync"
    conditional = {r[0] for r in catalog if r[6] == "有条件共享"}
    assert {"rejected_records", "commerce_contacts"} <= conditional
    assert not conditional & {"projects", "fact_project", "signing_indicators"}
    published = synced.execute(
        "select last_refreshed_at = (select max(published_at) from meta.publishes)"
        " from shared.catalog where object_name = 'fact_project'"
    ).fetchone()[0]
    assert published
