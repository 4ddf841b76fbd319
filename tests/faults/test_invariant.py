"""The invariant itself can fail: each of its three parts catches the damage it is for.

One sync, then the warehouse is damaged the way a bug could damage it; the check must raise
InvariantBroken naming what is wrong. (That it holds on an undamaged warehouse, every other
test of this folder shows.)
"""

from __future__ import annotations

import pytest

from hub.pipeline import run_sync
from hub.warehouse.connection import connect
from tests.faults.invariant import InvariantBroken

pytestmark = pytest.mark.slow


@pytest.fixture
def synced(hub_settings):
    assert run_sync(hub_settings).ok
    return hub_settings.warehouse_url


def damage(url: str, statement: str) -> None:
    with connect(url) as conn:
        conn.execute(statement)


def test_a_version_landed_twice_is_caught(synced, invariant):
    # the unique index that stops it in production is dropped, as a careless migration might
    with connect(synced) as conn:
        (index,) = conn.execute(
            "select indexrelid::regclass::text from pg_index"
            " where indrelid = 'raw.approval__events'::regclass and indisunique"
            " and not indisprimary"
        ).fetchone()
        conn.execute(f"drop index {index}")
        conn.execute(
            "insert into raw.approval__events (batch_id, received_at, source_key, content_hash,"
            " payload, context, provenance) select batch_id, received_at, source_key, content_hash,"
            " payload, context, provenance from raw.approval__events limit 1"
        )
    with pytest.raises(InvariantBroken, match=r"raw\.approval__events: 1 versions landed twice"):
        invariant()


def test_a_watermark_ahead_of_its_data_is_caught(synced, invariant):
    damage(
        synced,
        "delete from raw.commerce__projects where source_key ="
        " (select min(source_key) from raw.commerce__projects)",
    )
    with pytest.raises(InvariantBroken, match="served before the watermark, not landed"):
        invariant()


def test_shared_unlike_a_clean_sync_is_caught(synced, invariant):
    damage(synced, "update core.projects set project_name = project_name || '（改）'")
    with pytest.raises(InvariantBroken, match="projects"):
        invariant()
