"""One typed batch per landed batch (issue 12): the typing statement runs once, the audit and
the merge both read its table, and the table lives exactly until the batch is merged or
released. A table that cannot be trusted (the server started after it was typed, an
upgrade changed the staging views, or it is gone) is typed again, never read."""

from __future__ import annotations

import copy

import pytest

from hub.pipeline import release_batch, run_sync
from hub.warehouse.connection import connect
from hub.warehouse.migrations import upgrade

pytestmark = pytest.mark.integration


def query(url: str, statement: str, *params) -> list[tuple]:
    with connect(url) as conn:
        return conn.execute(statement, params).fetchall()


def typed_tables(url: str) -> set[str]:
    rows = query(url, "select tablename from pg_tables where tablename like 'typed\\_\\_%%'")
    return {name for (name,) in rows}


def hold_a_stats_batch(hub_settings, sandbox, scenario) -> str:
    """Sync everything, then have the stats bureau re-publish its open period with a
    fraction of its roster: the batch check holds that batch."""
    assert run_sync(hub_settings).ok
    period = max(
        (p for p in scenario.stats_periods if p.current and not p.closed), key=lambda p: p.period
    )
    kept = [copy.deepcopy(row) for row in period.rows[:3]]
    sandbox.set_stats_period(period.period, period.revision + 1, kept, closed=False)
    assert run_sync(hub_settings, sources=("stats",)).ok
    ((batch_id, status),) = query(
        hub_settings.warehouse_url,
        "select batch_id, status from meta.batches where source_system = 'stats'"
        " order by started_at desc limit 1",
    )
    assert status == "held"
    return batch_id


def test_each_merged_batch_was_typed_once_and_its_table_is_gone(hub_settings):
    url = hub_settings.warehouse_url
    assert run_sync(hub_settings).ok
    merged = query(url, "select batch_id from meta.batches where status = 'merged'")
    typed = query(
        url,
        "select batch_id, times_typed, row_count, dropped_at is not null from meta.typed_batches",
    )
    assert {batch for (batch,) in merged} == {batch for batch, *_ in typed}
    assert all(times == 1 and dropped for _, times, _, dropped in typed)
    # every row the audit checked is a row of the typed batch
    assert query(
        url,
        "select count(*) from meta.typed_batches t join meta.batch_audits a using (batch_id)"
        " where t.row_count <> a.rows_checked",
    ) == [(0,)]
    assert typed_tables(url) == set()


def test_a_held_batch_keeps_its_typed_table_until_released(hub_settings, sandbox, scenario):
    url = hub_settings.warehouse_url
    batch_id = hold_a_stats_batch(hub_settings, sandbox, scenario)
    ((table, times, dropped_at),) = query(
        url,
        "select table_name, times_typed, dropped_at from meta.typed_batches where batch_id = %s",
        batch_id,
    )
    assert (times, dropped_at) == (1, None) and typed_tables(url) == {table}

    release_batch(hub_settings, batch_id, released_by="qa")
    assert query(
        url,
        "select times_typed, dropped_at is not null from meta.typed_batches where batch_id = %s",
        batch_id,
    ) == [(1, True)]
    assert typed_tables(url) == set()
    assert query(url, "select count(*) from core.stats_roster where batch_id = %s", batch_id) == [
        (3,)
    ]


@pytest.mark.parametrize("distrust", ["server_restarted", "table_gone", "views_upgraded"])
def test_a_typed_batch_that_cannot_be_trusted_is_typed_again(
    hub_settings, sandbox, scenario, distrust
):
    url = hub_settings.warehouse_url
    batch_id = hold_a_stats_batch(hub_settings, sandbox, scenario)
    (table,) = typed_tables(url)
    with connect(url) as conn:
        if distrust == "server_restarted":  # typed before the server (last) started
            conn.execute(
                "update meta.typed_batches set typed_at = pg_postmaster_start_time() - interval"
                " '1 second' where batch_id = %s",
                (batch_id,),
            )
            # what a crash does to an unlogged table: it is there, but empty
            conn.execute(f'truncate meta."{table}"')
        elif distrust == "table_gone":
            conn.execute(f'drop table meta."{table}"')
        else:  # an upgrade that changes a staging view drops every typed batch
            conn.execute(
                "update meta.schema_repeatables set checksum = 'changed'"
                " where name = 'staging/stats.sql'"
            )
        conn.commit()
    if distrust == "views_upgraded":
        upgrade(url, hub_settings.reference_dir)
        assert typed_tables(url) == set()

    release_batch(hub_settings, batch_id, released_by="qa")
    assert query(
        url, "select times_typed from meta.typed_batches where batch_id = %s", batch_id
    ) == [(2,)]
    # merged from the batch typed again, not from the emptied table
    assert query(url, "select count(*) from core.stats_roster where batch_id = %s", batch_id) == [
        (3,)
    ]
    assert typed_tables(url) == set()
