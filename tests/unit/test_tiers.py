"""The unit tier's guard (tests/unit/conftest.py): no socket and no PostgreSQL connection."""

from __future__ import annotations

import socket

import psycopg
import pytest
import requests
import sqlalchemy

from tests.tiers import TierViolation


def test_a_socket_connect_fails_loudly(tier_guard):
    with socket.socket() as sock, pytest.raises(TierViolation, match="unit tests must not"):
        sock.connect(("127.0.0.1", 9))
    with pytest.raises(TierViolation):
        socket.create_connection(("127.0.0.1", 9), timeout=1)
    with pytest.raises(TierViolation):  # what the connectors and the sandbox tests use
        requests.get("http://127.0.0.1:9/", timeout=1)
    assert len(tier_guard) == 3 and "('127.0.0.1', 9)" in tier_guard[0]
    tier_guard.clear()  # seen: this test may pass


def test_a_postgresql_connect_fails_loudly_without_showing_the_conninfo(tier_guard):
    secret_url = "postgresql://hub:hunter2@127.0.0.1:5432/hub"
    with pytest.raises(TierViolation) as caught:
        psycopg.connect(secret_url)
    assert "hunter2" not in str(caught.value)
    with pytest.raises(TierViolation):
        psycopg.Connection.connect(secret_url)
    engine = sqlalchemy.create_engine(secret_url.replace("postgresql:", "postgresql+psycopg:"))
    with pytest.raises(TierViolation):  # SQLAlchemy's psycopg dialect
        engine.connect()
    assert len(tier_guard) == 3
    tier_guard.clear()
