"""Keeping the test tiers honest: a guard that makes a forbidden connection fail loudly.

- ``tests/unit``: no database and no server. Every socket connect (``socket.connect``,
  ``connect_ex``, so ``create_connection``, requests, urllib) and every PostgreSQL connect
  (psycopg, which connects through libpq, not Python's sockets) fails.
- ``tests/sandbox``: the sandbox departments and loopback servers, never a database: every
  PostgreSQL connect fails.

A blocked attempt raises ``TierViolation`` where it happens, and the test fails at teardown
even if the code under test caught the error (a command that prints ``hub: error: …`` and
exits 1 would otherwise hide it). A test that needs a server belongs in ``tests/sandbox``;
one that needs PostgreSQL, in ``tests/integration``.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager

import pytest


class TierViolation(AssertionError):
    """A test reached for something its tier does not allow."""


@contextmanager
def forbid(
    monkeypatch: pytest.MonkeyPatch, tier: str, *, sockets: bool, postgres: bool
) -> Iterator[list[str]]:
    """Block socket and/or PostgreSQL connects while the context is open; yields the list of
    attempts, and fails the test at the end if there was any."""
    attempts: list[str] = []

    def refuse(what: str):
        def blocked(*args, **kwargs):
            attempts.append(f"{what}{_describe(args)}")
            raise TierViolation(
                f"{tier} tests must not {what}{_describe(args)}: tests that need a server "
                "belong in tests/sandbox, tests that need PostgreSQL in tests/integration"
            )

        return blocked

    if sockets:
        monkeypatch.setattr(socket.socket, "connect", refuse("connect a socket"))
        monkeypatch.setattr(socket.socket, "connect_ex", refuse("connect a socket"))
    if postgres:
        import psycopg

        connect = refuse("connect to PostgreSQL")
        monkeypatch.setattr(psycopg, "connect", connect)
        monkeypatch.setattr(psycopg.Connection, "connect", classmethod(connect))
        monkeypatch.setattr(psycopg.AsyncConnection, "connect", classmethod(connect))
    yield attempts
    if attempts:
        pytest.fail(f"{tier} tier: tried to {'; '.join(attempts)}", pytrace=False)


def _describe(args: tuple) -> str:
    """`` to ('127.0.0.1', 8101)`` for a socket's address; nothing for a conninfo (it may hold a
    password)."""
    for arg in args:
        if isinstance(arg, tuple):
            return f" to {arg!r}"
    return ""
