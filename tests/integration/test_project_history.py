"""Provenance of the merged project record, its history, and reading it as published earlier.

Given/expect on a real warehouse: source records go straight into core (commerce, approval,
land, stats) with their links, then the real publish runs (hub.pipeline.resolve_and_publish
with entity resolution stubbed out — the links are given here — and without the core
suite/Data Docs step, which is not what is tested). Each publish is one transaction, so one
instant: valid_from/valid_to and updated_at are that transaction's time.
"""

from __future__ import annotations

import datetime as dt
import types
import uuid

import psycopg
import pytest
from psycopg import sql
from psycopg.rows import dict_row
from sqlalchemy.engine import make_url

from hub.access import grant
from hub.config import Settings
from hub.pipeline import resolve_and_publish, run_sync
from hub.warehouse.connection import connect, libpq_url, run_sql_file
from tests.integration.test_signing_indicators import EXPECT, GIVEN_PROJECTS, _insert_projects

pytestmark = pytest.mark.integration

D = dt.date
TZ = dt.timezone(dt.timedelta(hours=8))
#: Attributes the hub derives itself: never an entry in provenance.
HUB_OWN = {"hub_project_id", "sources", "needs_review", "updated_at", "provenance"}


# ---------------------------------------------------------------- given: four projects

COMMERCE = [
    # 101: every department knows it. Commerce has a code and a district, both outranked.
    dict(project_no="SW-101", project_code="C-101", project_name="商务名101",
         investor_name="投资集团101", investor_uscc="91110000MA00000101",
         project_company_name="商务公司101", project_company_uscc="91370200MA00000101",
         origin_country="中国", origin_province="江苏省", origin_city="南京市",
         capital_type="内资", industry_category="优势产业", industry_chain="新能源汽车",
         is_manufacturing=True, total_investment_wan=50000, district_code="370211",
         stage="已签约", negotiation_started_on=D(2024, 1, 10), signed_on=D(2024, 3, 5)),
    # 103: commerce has neither a project code nor a company: land's are used.
    dict(project_no="SW-103", project_code=None, project_name="商务名103",
         capital_type="外资", origin_country="日本", total_investment_wan=20000,
         district_code="370203", stage="已落地", signed_on=D(2024, 2, 1)),
    # 104: commerce only; a chain but no category (looked up), a district not in ref.districts,
    # signed without a date.
    dict(project_no="SW-104", project_name="商务名104", industry_chain="新能源汽车",
         capital_type="内资", total_investment_wan=15000, district_code="999999",
         stage="已签约"),
]  # fmt: skip

APPROVAL = [
    # 101: two granted events; the latest (施工许可) is the one attributes come from.
    dict(event_id="E-101", project_code="A-101", project_name="审批名101",
         applicant_name="审批公司101", applicant_uscc="91370200MA0000A101",
         district_code="370212", matter="项目备案", decision="准予",
         decided_at=dt.datetime(2024, 4, 10, 10, tzinfo=TZ), total_investment_wan=60000),
    dict(event_id="E-102", project_code="A-101", project_name="审批名101",
         applicant_name="审批公司101", applicant_uscc="91370200MA0000A101",
         district_code="370212", matter="施工许可", decision="准予",
         decided_at=dt.datetime(2024, 6, 20, 10, tzinfo=TZ), total_investment_wan=60000),
]  # fmt: skip

LAND = [
    # 101: two valid parcels summed (G2 has no quota), one withdrawn parcel never counted.
    dict(parcel_id="L-101-G1", project_code="L-101", project_name="土地名101",
         land_user_name="土地公司101", district_code="370214", area_ha=2, quota_mu=10,
         contract_on=D(2024, 4, 1), status="有效"),
    dict(parcel_id="L-101-G2", project_code="L-101", project_name="土地名101",
         land_user_name="土地公司101", district_code="370214", area_ha=1, quota_mu=None,
         contract_on=D(2024, 4, 15), status="有效"),
    dict(parcel_id="L-101-G3", project_code="L-101", project_name="土地名101",
         land_user_name="土地公司101", district_code="370214", area_ha=5, quota_mu=5,
         contract_on=D(2024, 3, 1), status="作废"),
    dict(parcel_id="L-102", project_code="L-102", project_name="土地名102",
         land_user_name="土地公司102", land_user_uscc="91370200MA0000L102",
         district_code="370212", area_ha=1.5, quota_mu=3, contract_on=D(2024, 5, 10),
         status="有效"),
    dict(parcel_id="L-103", project_code="L-103", project_name="土地名103",
         land_user_name="土地公司103", land_user_uscc="91370200MA0000L103",
         district_code="370212", area_ha=1, quota_mu=2, contract_on=D(2024, 2, 20),
         status="有效"),
]  # fmt: skip

STATS = [
    # 101: two periods; the latest one is the record used. Same national code as approval.
    dict(period="2024-05", stat_project_id="TJ-101", project_code="A-101",
         project_name="统计名101", legal_unit_name="统计公司101", district_code="370213",
         planned_investment_wan=65000, completed_investment_ytd_wan=1000,
         start_month=D(2024, 5, 1), included_month=D(2024, 5, 1), status="在建"),
    dict(period="2024-06", stat_project_id="TJ-101", project_code="A-101",
         project_name="统计名101", legal_unit_name="统计公司101", district_code="370213",
         planned_investment_wan=70000, completed_investment_ytd_wan=2000,
         start_month=D(2024, 5, 1), included_month=D(2024, 5, 1), status="在建"),
    # 102: stats and land only.
    dict(period="2024-06", stat_project_id="TJ-102", project_code="S-102",
         project_name="统计名102", legal_unit_name="统计公司102",
         legal_unit_uscc="91370200MA0000S102", district_code="370211",
         planned_investment_wan=30000, completed_investment_ytd_wan=500,
         included_month=D(2024, 6, 1), status="在建"),
]  # fmt: skip

LINKS = {
    101: [("commerce", "SW-101"), ("approval", "E-101"), ("approval", "E-102"),
          ("land", "L-101-G1"), ("land", "L-101-G2"), ("land", "L-101-G3"),
          ("stats", "TJ-101")],
    102: [("stats", "TJ-102"), ("land", "L-102")],
    103: [("commerce", "SW-103"), ("land", "L-103")],
    104: [("commerce", "SW-104")],
}  # fmt: skip


def ref(system: str, key: str, **extra: str) -> dict:
    return {"source_system": system, "source_key": key, **extra}


def stats_ref(key: str, period: str) -> dict:
    return ref("stats", key, period=period)


# (project, attribute) → the source record the published value must name
EXPECT_PROVENANCE = {
    # approval › stats › land › commerce; the approval record is the latest effective event
    (101, "project_code"): ref("approval", "E-102"),
    (102, "project_code"): stats_ref("TJ-102", "2024-06"),
    (103, "project_code"): ref("land", "L-103"),  # commerce has none
    # commerce › approval › stats › land
    (101, "project_name"): ref("commerce", "SW-101"),
    (102, "project_name"): stats_ref("TJ-102", "2024-06"),
    (103, "project_name"): ref("commerce", "SW-103"),
    (101, "company_name"): ref("commerce", "SW-101"),
    (102, "company_name"): stats_ref("TJ-102", "2024-06"),
    (103, "company_name"): ref("land", "L-103"),
    (101, "company_uscc"): ref("commerce", "SW-101"),
    (103, "company_uscc"): ref("land", "L-103"),
    # approval › stats › commerce › land; the name is looked up from the code's record
    (101, "district_code"): ref("approval", "E-102"),
    (101, "district_name"): ref("approval", "E-102", via="ref.districts"),
    (102, "district_code"): stats_ref("TJ-102", "2024-06"),
    (103, "district_code"): ref("commerce", "SW-103"),
    # stats › approval › commerce
    (101, "planned_investment_wan"): stats_ref("TJ-101", "2024-06"),
    (103, "planned_investment_wan"): ref("commerce", "SW-103"),
    (101, "signed_investment_wan"): ref("commerce", "SW-101"),
    (101, "completed_investment_ytd_wan"): stats_ref("TJ-101", "2024-06"),
    (101, "latest_stats_period"): stats_ref("TJ-101", "2024-06"),
    (101, "industry_category"): ref("commerce", "SW-101"),
    (104, "industry_category"): ref("commerce", "SW-104", via="ref.industry_chains"),
    (104, "is_manufacturing"): ref("commerce", "SW-104", via="ref.industry_chains"),
    # land totals: the valid parcels summed, withdrawn ones left out
    (101, "land_area_mu"): {
        "source_system": "land", "source_keys": ["L-101-G1", "L-101-G2"], "aggregate": "sum"},
    (101, "land_quota_mu"): {
        "source_system": "land", "source_keys": ["L-101-G1"], "aggregate": "sum"},
    # lifecycle dates: the evidence with the (earliest) date published
    (101, "negotiation_started_on"): ref("commerce", "SW-101"),  # commerce's own field
    (101, "signed_on"): ref("commerce", "SW-101"),
    (101, "landed_on"): ref("land", "L-101-G1"),  # 04-01 before 备案 04-10; G3 is withdrawn
    (101, "construction_started_on"): ref("stats", "TJ-101"),  # 05-01 before 施工许可 06-20
    (101, "stats_included_month"): ref("stats", "TJ-101"),
    (102, "landed_on"): ref("land", "L-102"),
    (103, "signed_on"): ref("commerce", "SW-103"),
    (103, "landed_on"): ref("land", "L-103"),  # commerce's 已落地 has no date
    # the stage: its milestone's evidence, dated first
    (101, "stage"): ref("stats", "TJ-101"),
    (102, "stage"): ref("stats", "TJ-102"),
    (103, "stage"): ref("land", "L-103"),
    (104, "stage"): ref("commerce", "SW-104"),  # undated, the only evidence
    (104, "stage_zh"): ref("commerce", "SW-104"),
}  # fmt: skip

# (project, attribute) that must have no entry: the value is null
EXPECT_NO_PROVENANCE = [
    (104, "district_code"),  # 999999 is not a district: nothing published
    (104, "signed_on"),  # signed without a date
    (102, "signed_investment_wan"),  # no commerce record
]


def _insert(conn: psycopg.Connection, table: str, row: dict, raw_id: int) -> None:
    values = {**row, "raw_id": raw_id, "batch_id": "test"}
    if table == "land_parcels":
        values.setdefault("line_no", raw_id)
    if table == "stats_roster":
        values.setdefault("revision", 1)
    conn.execute(
        sql.SQL("insert into {} ({}) values ({})").format(
            sql.Identifier("core", table),
            sql.SQL(", ").join(map(sql.Identifier, values)),
            sql.SQL(", ").join(sql.Placeholder() * len(values)),
        ),
        list(values.values()),
    )


def _given(url: str) -> None:
    with connect(url) as conn:
        raw_id = 0
        for table, rows in [
            ("commerce_projects", COMMERCE),
            ("approval_events", APPROVAL),
            ("land_parcels", LAND),
            ("stats_roster", STATS),
        ]:
            for row in rows:
                raw_id += 1
                _insert(conn, table, row, raw_id)
        for hub_project_id, links in LINKS.items():
            conn.execute(
                "insert into core.hub_projects (hub_project_id) values (%s)", [hub_project_id]
            )
            for system, key in links:
                conn.execute(
                    "insert into core.project_links"
                    " (source_system, source_key, hub_project_id, match_method)"
                    " values (%s, %s, %s, 'new')",
                    [system, key, hub_project_id],
                )
        conn.commit()


class Warehouse:
    """A warehouse holding the given records, published through the real publish step."""

    def __init__(self, url: str, tmp_path) -> None:
        self.url = url
        self.settings = Settings.from_env({"HUB_WAREHOUSE_URL": url, "HUB_HOME": str(tmp_path)})
        self.first_publish: dt.datetime | None = None

    def publish(self) -> dt.datetime:
        """One publish; returns the latest instant the history records (this publish's,
        when it changed anything)."""
        resolve_and_publish(self.settings)
        with connect(self.url) as conn:
            return conn.execute(
                "select max(greatest(valid_from, valid_to)) from core.projects_history"
            ).fetchone()[0]

    def execute(self, statement: str, params=None) -> None:
        with connect(self.url) as conn:
            conn.execute(statement, params)
            conn.commit()

    def rows(self, query: str, params=None) -> list[dict]:
        with connect(self.url) as conn, conn.cursor(row_factory=dict_row) as cur:
            return cur.execute(query, params).fetchall()

    def history(self, hub_project_id: int) -> list[dict]:
        return self.rows(
            "select * from core.projects_history where hub_project_id = %s order by valid_from",
            [hub_project_id],
        )

    def as_of(self, at: dt.datetime) -> dict[int, dict]:
        rows = self.rows("select * from shared.projects_as_of(%s)", [at])
        return {r["hub_project_id"]: r for r in rows}


@pytest.fixture
def warehouse(fresh_warehouse_url, tmp_path, monkeypatch) -> Warehouse:
    # The links are given: resolution would only re-derive them from the records.
    monkeypatch.setattr(
        "hub.resolve.store.resolve_projects",
        lambda conn, scope: types.SimpleNamespace(new_project_ids=[], retired=[], links=[]),
    )
    monkeypatch.setattr("hub.pipeline._check_core_and_build_docs", lambda settings, url: None)
    _given(fresh_warehouse_url)
    return Warehouse(fresh_warehouse_url, tmp_path)


@pytest.fixture
def published(warehouse) -> Warehouse:
    warehouse.first_publish = warehouse.publish()
    return warehouse


# ---------------------------------------------------------------- provenance


def _provenance(warehouse: Warehouse) -> dict[int, dict]:
    rows = warehouse.rows("select hub_project_id, provenance from core.projects")
    return {r["hub_project_id"]: r["provenance"] for r in rows}


def test_provenance_names_the_record_each_authority_order_chose(published):
    provenance = _provenance(published)
    assert sorted(provenance) == [101, 102, 103, 104]
    wrong = {
        key: provenance[key[0]].get(key[1])
        for key, expected in EXPECT_PROVENANCE.items()
        if provenance[key[0]].get(key[1]) != expected
    }
    assert not wrong, wrong
    missing_expected = [k for k in EXPECT_NO_PROVENANCE if k[1] in provenance[k[0]]]
    assert not missing_expected, missing_expected


def test_every_published_value_and_only_those_have_provenance(published):
    for row in published.rows("select * from core.projects"):
        valued = {k for k, v in row.items() if v is not None and k not in HUB_OWN}
        assert set(row["provenance"]) == valued, row["hub_project_id"]


def test_shared_projects_publishes_provenance(published):
    (row,) = published.rows("select provenance from shared.projects where hub_project_id = 103")
    assert row["provenance"]["project_code"] == ref("land", "L-103")


# ---------------------------------------------------------------- history


def test_first_publish_opens_one_version_per_project(published):
    rows = published.rows("select * from core.projects_history order by hub_project_id")
    assert [r["hub_project_id"] for r in rows] == [101, 102, 103, 104]
    assert {(r["valid_from"], r["valid_to"]) for r in rows} == {(published.first_publish, None)}
    assert all(r["updated_at"] == published.first_publish for r in rows)


def test_republishing_without_a_change_adds_nothing(published):
    before = published.rows("select * from core.projects_history order by hub_project_id")
    published.publish()
    assert published.rows("select * from core.projects_history order by hub_project_id") == before
    updated = {r["updated_at"] for r in published.rows("select updated_at from core.projects")}
    assert updated == {published.first_publish}


def test_a_changed_value_closes_the_old_version_and_opens_a_new_one(published):
    t1 = published.first_publish
    published.execute(
        "update core.commerce_projects set project_name = '新名称101' where project_no = 'SW-101'"
    )
    t2 = published.publish()
    assert t2 > t1

    history = published.history(101)
    assert [(h["project_name"], h["valid_from"], h["valid_to"]) for h in history] == [
        ("商务名101", t1, t2),
        ("新名称101", t2, None),
    ]
    assert history[1]["updated_at"] == t2
    # the other projects did not change: still their one open version
    for other in (102, 103, 104):
        assert [(h["valid_from"], h["valid_to"]) for h in published.history(other)] == [(t1, None)]

    assert published.as_of(t1)[101]["project_name"] == "商务名101"
    assert published.as_of(t2)[101]["project_name"] == "新名称101"
    assert published.as_of(t2 - dt.timedelta(microseconds=1))[101]["project_name"] == "商务名101"
    assert published.as_of(t1 - dt.timedelta(microseconds=1)) == {}
    # now: exactly what shared.projects shows
    now = {r["hub_project_id"]: r for r in published.rows("select * from shared.projects")}
    assert published.as_of(dt.datetime.now(dt.UTC)) == now


def test_provenance_alone_changing_is_a_change(published):
    # Approval's latest event loses its code; stats carries the same national code: the
    # value stays, its source moves to stats.
    published.execute(
        "update core.approval_events set project_code = null where event_id = 'E-102'"
    )
    t2 = published.publish()
    history = published.history(101)
    assert [h["project_code"] for h in history] == ["A-101", "A-101"]
    assert history[0]["provenance"]["project_code"] == ref("approval", "E-102")
    assert history[1]["provenance"]["project_code"] == stats_ref("TJ-101", "2024-06")
    assert history[1]["updated_at"] == t2 and history[0]["valid_to"] == t2


def test_a_removed_project_closes_its_version(published):
    t1 = published.first_publish
    published.execute("delete from core.project_links where hub_project_id = 104")
    t2 = published.publish()
    assert published.rows("select 1 from core.projects where hub_project_id = 104") == []
    assert [(h["valid_from"], h["valid_to"]) for h in published.history(104)] == [(t1, t2)]
    assert 104 in published.as_of(t1)
    assert 104 not in published.as_of(t2)
    # a later publish does not touch the closed version
    published.publish()
    assert [(h["valid_from"], h["valid_to"]) for h in published.history(104)] == [(t1, t2)]


def test_history_holds_every_column_of_the_record(fresh_warehouse_url):
    def columns(table: str) -> list[str]:
        with connect(fresh_warehouse_url) as conn:
            return [
                name
                for (name,) in conn.execute(
                    "select column_name from information_schema.columns"
                    " where table_schema = 'core' and table_name = %s order by ordinal_position",
                    [table],
                )
            ]

    assert columns("projects_history") == [*columns("projects"), "valid_from", "valid_to"]
    with connect(fresh_warehouse_url) as conn:
        shared = conn.execute("select * from shared.projects limit 0").description
        as_of = conn.execute("select * from shared.projects_as_of(now()) limit 0").description
    assert [c.name for c in as_of] == [c.name for c in shared]
    assert "provenance" in [c.name for c in shared]


# ---------------------------------------------------------------- signing indicators as of


def test_signing_indicators_as_of_reproduces_what_was_published(published):
    t1 = published.first_publish
    then = published.rows("select * from shared.signing_indicators")
    assert {r["period"] for r in then} >= {"2024-02", "2024-03"}
    # later: 101 falls below 亿元 and 103 turns out to have signed a month later
    published.execute(
        "update core.commerce_projects set total_investment_wan = 5000 where project_no = 'SW-101'"
    )
    published.execute(
        "update core.commerce_projects set signed_on = '2024-04-02' where project_no = 'SW-103'"
    )
    t2 = published.publish()
    now = published.rows("select * from shared.signing_indicators")
    assert now != then
    assert published.rows("select * from shared.signing_indicators_as_of(%s)", [t1]) == then
    assert published.rows("select * from shared.signing_indicators_as_of(%s)", [t2]) == now


def test_signing_indicators_as_of_is_the_same_definition_as_the_view(fresh_warehouse_url):
    with connect(fresh_warehouse_url, autocommit=True) as conn:
        _insert_projects(conn, GIVEN_PROJECTS)
        with conn.transaction():
            # what a publish recomputed: here, every project
            conn.execute(
                "create temporary table publish_scope on commit drop as"
                " select hub_project_id from core.projects"
            )
            run_sql_file(conn, "core/record_project_history.sql")
        with conn.cursor(row_factory=dict_row) as cur:
            view = cur.execute("select * from shared.signing_indicators").fetchall()
            as_of = cur.execute("select * from shared.signing_indicators_as_of(now())").fetchall()
    assert as_of == view
    by_period = {r["period"]: r for r in as_of}
    for period, expected in EXPECT.items():
        assert by_period[period] == expected


# ---------------------------------------------------------------- district scope


@pytest.fixture
def logins(published):
    created: list[str] = []

    def make(role: str, district: str | None = None) -> psycopg.Connection:
        login = f"t_{role}_{uuid.uuid4().hex[:6]}"
        grant(published.url, login, role, district_code=district, password="pw")
        created.append(login)
        url = make_url(libpq_url(published.url)).set(username=login, password="pw")
        return psycopg.connect(url.render_as_string(hide_password=False), autocommit=True)

    yield make
    with connect(published.url, autocommit=True) as conn:
        for login in created:
            conn.execute(f'drop owned by "{login}"')
            conn.execute(f'drop role "{login}"')


def test_a_scoped_reader_sees_only_its_district_as_of_any_time(published, logins):
    t1 = published.first_publish
    # 102 moves from 370211 to 370202 (stats is its district's authority)
    published.execute(
        "update core.stats_roster set district_code = '370202' where stat_project_id = 'TJ-102'"
    )
    t2 = published.publish()

    scoped = logins("hub_reader", "370211")
    unscoped = logins("hub_reader")

    def as_of(conn: psycopg.Connection, at: dt.datetime) -> dict[int, str | None]:
        return dict(
            conn.execute(
                "select hub_project_id, district_code from shared.projects_as_of(%s)", [at]
            ).fetchall()
        )

    assert as_of(scoped, t1) == {102: "370211"}
    assert as_of(scoped, t2) == {}  # moved away: no longer theirs
    assert as_of(unscoped, t1)[102] == "370211"
    assert as_of(unscoped, t2)[102] == "370202"
    assert set(as_of(unscoped, t2)) == {101, 102, 103, 104}
    assert scoped.execute(
        "select count(*) from shared.projects_history where district_code <> '370211'"
    ).fetchone() == (0,)

    # the indicators as of a time are the scoped reader's too: 102 has no signing, so none
    assert scoped.execute(
        "select count(*) from shared.signing_indicators_as_of(%s)", [t1]
    ).fetchone() == (0,)
    assert (
        unscoped.execute(
            "select count(*) from shared.signing_indicators_as_of(%s)", [t1]
        ).fetchone()[0]
        > 0
    )

    for statement in (
        "select * from core.projects_history",
        "select core.signing_indicators_of(array[]::shared.projects[])",
    ):
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            scoped.execute(statement)


def test_a_scoped_reader_counts_only_its_district_in_indicators(published, logins):
    t1 = published.first_publish
    scoped = logins("hub_reader", "370212")  # 101's district (approval's)
    (count,) = scoped.execute(
        "select signed_projects from shared.signing_indicators_as_of(%s) where period = '2024-03'",
        [t1],
    ).fetchone()
    assert count == 1
    assert scoped.execute(
        "select count(*) from shared.signing_indicators_as_of(%s) where period = '2024-02'", [t1]
    ).fetchone() == (0,)  # 103 signed in February, in 370203
    assert (
        scoped.execute(
            "select * from shared.signing_indicators where period = '2024-03'"
        ).fetchall()
        == scoped.execute(
            "select * from shared.signing_indicators_as_of(now()) where period = '2024-03'"
        ).fetchall()
    )


# ---------------------------------------------------------------- through a real sync


def test_a_sync_records_one_version_per_project_and_a_resync_none(hub_settings):
    assert run_sync(hub_settings).ok
    url = hub_settings.warehouse_url
    with connect(url) as conn:
        first = conn.execute(
            "select count(*), count(distinct valid_from), count(*) filter (where valid_to is null)"
            " from core.projects_history"
        ).fetchone()
        (projects,) = conn.execute("select count(*) from core.projects").fetchone()
    assert first == (projects, 1, projects) and projects > 0

    assert run_sync(hub_settings).ok
    with connect(url) as conn, conn.cursor(row_factory=dict_row) as cur:
        (again,) = conn.execute("select count(*) from core.projects_history").fetchone()
        rows = cur.execute("select * from core.projects").fetchall()
    assert again == projects
    for row in rows:
        valued = {k for k, v in row.items() if v is not None and k not in HUB_OWN}
        assert set(row["provenance"]) == valued, row["hub_project_id"]
