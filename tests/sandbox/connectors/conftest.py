"""Fixtures for the connector tests: loopback HTTP stubs, a refused port, a no-op sleep."""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator

import pytest
from connector_stubs import Handler, Sleeps, StubServer


@pytest.fixture
def serve() -> Iterator[Callable[[Handler], StubServer]]:
    """``serve(handler)`` starts a stub on 127.0.0.1, an ephemeral port; stopped after the
    test. ``handler(request)`` returns a :class:`Reply` or a JSON-able body (HTTP 200)."""
    started: list[StubServer] = []

    def start(handler: Handler) -> StubServer:
        stub = StubServer(handler).start()
        started.append(stub)
        return stub

    yield start
    for stub in started:
        stub.stop()


@pytest.fixture
def refused_url() -> str:
    """A loopback URL nobody listens on (connection refused)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()
