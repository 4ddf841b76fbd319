"""Shared fixtures: a real PostgreSQL warehouse per test session (created fresh, dropped
after), and sandbox departments serving a small labelled scenario.

The server is HUB_TEST_PG_URL (default: the local cluster on 127.0.0.1:5432, trust auth).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

ADMIN_URL = os.environ.get("HUB_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
REPO_ROOT = Path(__file__).resolve().parents[1]


def _sqlalchemy_url(dbname: str) -> str:
    from sqlalchemy.engine import make_url

    return (
        make_url(ADMIN_URL)
        .set(drivername="postgresql+psycopg", database=dbname)
        .render_as_string(hide_password=False)
    )


class DatabaseFactory:
    """Creates throw-away databases on the test server and drops them all at the end."""

    def __init__(self) -> None:
        self.created: list[str] = []

    def create(self, *, migrated: bool = True) -> str:
        name = f"hubtest_{uuid.uuid4().hex[:10]}"
        with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'create database "{name}"')
        self.created.append(name)
        url = _sqlalchemy_url(name)
        if migrated:
            from hub.config import DEFAULT_REFERENCE_DIR
            from hub.warehouse.migrations import upgrade

            upgrade(url, DEFAULT_REFERENCE_DIR)
        return url

    def drop_all(self) -> None:
        with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
            for name in self.created:
                conn.execute(f'drop database if exists "{name}" with (force)')


@pytest.fixture(scope="session")
def databases() -> Iterator[DatabaseFactory]:
    try:
        psycopg.connect(ADMIN_URL, connect_timeout=5).close()
    except psycopg.OperationalError as error:  # pragma: no cover - environment problem
        pytest.fail(f"test PostgreSQL at {ADMIN_URL} is not answering: {error}")
    factory = DatabaseFactory()
    yield factory
    factory.drop_all()


@pytest.fixture
def fresh_warehouse_url(databases: DatabaseFactory) -> str:
    """A migrated warehouse of this test's own."""
    return databases.create()


@pytest.fixture(scope="session")
def warehouse_url(databases: DatabaseFactory) -> str:
    """A migrated warehouse shared by the session's tests that only read after one sync."""
    return databases.create()


@pytest.fixture(scope="session")
def scenario():
    from hub.sandbox import generate_scenario

    return generate_scenario(size=120, seed=11)


@pytest.fixture(scope="session")
def scenario_truth(scenario):
    return scenario.truth


@pytest.fixture
def sandbox(scenario, tmp_path_factory):
    """Sandbox departments on ephemeral loopback ports, stopped after the test."""
    from hub.sandbox import SandboxDepartments

    land_dir = tmp_path_factory.mktemp("land")
    departments = SandboxDepartments(
        scenario, land_dir, ports={"commerce": 0, "approval": 0, "stats": 0}
    )
    departments.start()
    yield departments
    departments.stop()


@pytest.fixture
def sandbox_env(sandbox) -> dict[str, str]:
    return sandbox.env()


@pytest.fixture
def hub_settings(fresh_warehouse_url, sandbox_env, tmp_path):
    """Settings for a sync from the sandbox into this test's warehouse."""
    from hub.config import Settings

    env = {**sandbox_env, "HUB_WAREHOUSE_URL": fresh_warehouse_url, "HUB_HOME": str(tmp_path)}
    return Settings.from_env(env)


def use_hub_env(monkeypatch, sandbox, settings) -> None:
    """Point `hub` commands run in this test (hub.cli.main) at ``sandbox`` and the
    warehouse and home of ``settings``, through the environment they read."""
    for name, value in {
        **sandbox.env(),
        "HUB_WAREHOUSE_URL": settings.warehouse_url,
        "HUB_HOME": str(settings.home),
    }.items():
        monkeypatch.setenv(name, value)
