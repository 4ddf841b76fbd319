"""The four departments serving one scenario (``SandboxDepartments``), the HTTP plumbing
that hands each request to its department, and ``serve_forever`` (``hub sandbox serve``)."""

from __future__ import annotations

import dataclasses
import logging
import shlex
import signal
import sys
import threading
from collections.abc import Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from hub.sandbox.hostile import (
    HOSTILE_DEPARTMENTS,
    HostileJsonRecord,
    HostileLandRow,
    HostileRecord,
    land_cells_are_plain,
    make_json_records,
    make_land_rows,
)
from hub.sandbox.scenario import LandFile, Scenario, StatsPeriod, generate_scenario
from hub.sandbox.servers.approval import _ApprovalDepartment, _decode_cursor
from hub.sandbox.servers.commerce import _CommerceDepartment
from hub.sandbox.servers.credentials import SandboxCredentials
from hub.sandbox.servers.faults import NO_FAULTS, FaultKnobs, _FaultInjector
from hub.sandbox.servers.land import LandDelivery, _LandDepartment
from hub.sandbox.servers.protocol import _json_bytes, _RequestError
from hub.sandbox.servers.stats import _StatsDepartment

# The name this logger always had (the handlers lived in hub/sandbox/servers.py).
logger = logging.getLogger("hub.sandbox.servers")

DEFAULT_PORTS = {"commerce": 8101, "approval": 8102, "stats": 8104}
HTTP_DEPARTMENTS = tuple(DEFAULT_PORTS)


class _JsonHandler(BaseHTTPRequestHandler):
    """Hands each request to the server's department and writes its JSON answer.

    HTTP/1.0 (one request per connection) keeps shutdown prompt: no idle keep-alive
    connection holds a handler thread open.
    """

    server: _DepartmentServer
    timeout = 10

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def _dispatch(self, method: str) -> None:
        url = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        faults = self.server.faults
        fault = faults.before(self.server.name)
        if fault is not None:
            self._send(fault.status, fault.body, fault.content_type, fault.headers)
            return
        try:
            status, payload, headers = self.server.department.handle(
                method, url.path, parse_qs(url.query, keep_blank_values=True), self.headers, body
            )
        except _RequestError as error:
            status, payload, headers = error.response
        except Exception:
            logger.exception("sandbox %s failed on %s %s", self.server.name, method, self.path)
            status, payload, headers = 500, {"error": "internal error"}, {}
        data = _json_bytes(payload)
        cut = faults.truncation(self.server.name) if 200 <= status < 300 else None
        self._send(status, data, "application/json; charset=utf-8", headers, cut=cut)

    def _send(
        self,
        status: int,
        data: bytes,
        content_type: str,
        headers: Mapping[str, str],
        *,
        cut: str | None = None,
    ) -> None:
        """Write one answer; ``cut`` sends only part of it (``short_body``: the full
        Content-Length is announced; ``cut_json``: no length) and closes the connection."""
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        if cut != "cut_json":
            self.send_header("Content-Length", str(len(data)))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        if cut is not None:
            data = data[: max(1, len(data) // 2)]
            self.close_connection = True
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: no line on stderr per request."""


class _DepartmentServer(ThreadingHTTPServer):
    """One department on one port. Handler threads are joined on close."""

    daemon_threads = False
    block_on_close = True

    def __init__(
        self,
        name: str,
        address: tuple[str, int],
        department: Any,
        faults: _FaultInjector | None = None,
    ):
        self.name = name
        self.department = department
        self.faults = faults or _FaultInjector(NO_FAULTS)
        super().__init__(address, _JsonHandler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client hanging up mid-response is its business; keep stderr quiet.
        logger.debug("sandbox %s: error serving %s", self.name, client_address, exc_info=True)


class SandboxDepartments:
    """The four departments serving one scenario; a context manager.

    ``ports`` override the contract's defaults (commerce 8101, approval 8102, stats 8104);
    port 0 picks a free one. ``urls`` holds each department's base URL once started (and
    keeps it after ``stop_department``, so a client sees a refused connection).
    ``faults`` (see ``FaultKnobs``) can be given here or assigned later to ``faults``.
    """

    def __init__(
        self,
        scenario: Scenario,
        land_dir: Path | str,
        *,
        host: str = "127.0.0.1",
        ports: Mapping[str, int] | None = None,
        credentials: SandboxCredentials = SandboxCredentials(),  # noqa: B008 (frozen: safe to share)
        faults: FaultKnobs = NO_FAULTS,  # frozen: safe to share
    ):
        unknown = set(ports or {}) - set(HTTP_DEPARTMENTS)
        if unknown:
            raise ValueError(f"no such HTTP department: {sorted(unknown)}")
        self.land_dir = Path(land_dir)
        self.host = host
        self.credentials = credentials
        self._ports = {**DEFAULT_PORTS, **(ports or {})}
        self._faults = _FaultInjector(faults)
        self._truth = scenario.truth
        self._hostile: dict[str, list[HostileRecord]] | None = None  # planted at first start
        self._hostile_land_rows: list[HostileLandRow] = []
        self._land = _LandDepartment(self.land_dir, list(scenario.land_files), self._faults)
        self._commerce = _CommerceDepartment(
            scenario.commerce_records, credentials.commerce_key, self._faults
        )
        self._approval = _ApprovalDepartment(scenario.approval_events, credentials, self._faults)
        self._stats = _StatsDepartment(
            scenario.stats_periods, credentials.stats_token, self._faults
        )
        self._departments = {
            "commerce": self._commerce,
            "approval": self._approval,
            "stats": self._stats,
        }
        self._servers: dict[str, tuple[_DepartmentServer, threading.Thread]] = {}
        self.urls: dict[str, str] = {}

    def __enter__(self) -> SandboxDepartments:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def start(self) -> None:
        """Write the land files, then open every HTTP department (all or none)."""
        if self._servers:
            raise RuntimeError("sandbox departments already started")
        if self._hostile is None:
            self._hostile = self._plant_hostile_records()
        lines = self._land.start(self._hostile_land_rows)
        if self._hostile_land_rows:
            self._hostile["land"] = [
                dataclasses.replace(row.truth, line=line)
                for row, line in zip(self._hostile_land_rows, lines, strict=True)
            ]
        try:
            for name in HTTP_DEPARTMENTS:
                server = _DepartmentServer(
                    name, (self.host, self._ports[name]), self._departments[name], self._faults
                )
                thread = threading.Thread(
                    target=server.serve_forever,
                    kwargs={"poll_interval": 0.1},
                    name=f"sandbox-{name}",
                    daemon=True,
                )
                thread.start()
                self._servers[name] = (server, thread)
                self.urls[name] = f"http://{self.host}:{server.server_address[1]}"
        except BaseException:
            self.stop()
            raise

    def stop(self) -> None:
        """Stop every department still running: threads joined, ports released."""
        for name in list(self._servers):
            self.stop_department(name)

    def stop_department(self, name: str) -> None:
        """Stop one HTTP department (a test's "source unavailable"); its URL stays in ``urls``."""
        server, thread = self._servers.pop(name)
        server.shutdown()
        server.server_close()
        thread.join()

    def env(self) -> dict[str, str]:
        """The HUB_SOURCE_* variables pointing the hub at these departments."""
        if set(self.urls) != set(HTTP_DEPARTMENTS):
            raise RuntimeError("start() the sandbox departments before asking for their env")
        credentials = self.credentials
        return {
            "HUB_SOURCE_COMMERCE_URL": self.urls["commerce"],
            "HUB_SOURCE_COMMERCE_KEY": credentials.commerce_key,
            "HUB_SOURCE_APPROVAL_URL": self.urls["approval"],
            "HUB_SOURCE_APPROVAL_CLIENT_ID": credentials.approval_client_id,
            "HUB_SOURCE_APPROVAL_CLIENT_SECRET": credentials.approval_client_secret,
            "HUB_SOURCE_STATS_URL": self.urls["stats"],
            "HUB_SOURCE_STATS_TOKEN": credentials.stats_token,
            "HUB_SOURCE_LAND_DIR": str(self.land_dir.resolve()),
        }

    # ------------------------------------------------------------------ faults

    @property
    def faults(self) -> FaultKnobs:
        """The fault knobs in force (all off unless set)."""
        return self._faults.knobs

    @faults.setter
    def faults(self, knobs: FaultKnobs) -> None:
        """Change the knobs now (reseeds the fault generators, resets per-setting limits)."""
        self._faults.configure(knobs)

    def fault_counts(self) -> dict[str, int]:
        """What the knobs actually did so far, e.g. ``{"commerce.http_503": 2,
        "approval.expired_token_401": 1, "stats.revision_bump": 1, "land.broken_row": 3,
        "stats.hostile_records": 12}``."""
        return self._faults.counts()

    def hostile_records(self) -> list[HostileRecord]:
        """Every hostile record served (``FaultKnobs.hostile_records``): department by
        department (commerce, approval, land, stats), in the order the kinds were cycled.
        Each says its key (land: also file and line; None for a row without readable cells),
        its kind, the field made hostile and the reject reasons the hub must give it.
        Empty until ``start()``."""
        planted = self._hostile or {}
        return [record for name in HOSTILE_DEPARTMENTS for record in planted.get(name, [])]

    def _plant_hostile_records(self) -> dict[str, list[HostileRecord]]:
        """Make the hostile records the knobs ask for and hand them to the departments (land
        rows wait for ``_land.start``, which learns their lines)."""
        knobs = self.faults
        if knobs.hostile_records <= 0:
            return {}
        planters = {
            "commerce": self._plant_hostile_commerce,
            "approval": self._plant_hostile_approval,
            "land": self._plant_hostile_land,
            "stats": self._plant_hostile_stats,
        }
        planted = {}
        for name in knobs.hostile_departments:
            # Fresh keys avoid every key the scenario ever gave, served or not.
            taken = {key for system, key in self._truth.record_owner if system == name}
            planted[name] = planters[name](knobs.hostile_records, taken)
            self._faults.count(f"{name}.hostile_records", len(planted[name]))
        return planted

    # Templates are valid records that could be evidence: never one of the scenario's broken
    # copies, so the one hostile value is the only thing wrong with a hostile record.

    def _is_bad(self, name: str, key: str) -> bool:
        return (name, key) in self._truth.bad_records

    def _plant_hostile_commerce(self, how_many: int, taken: set[str]) -> list[HostileRecord]:
        held = self._commerce.records()
        taken |= {r["project_no"] for r in held}
        templates = [
            r for r in held if not r["is_deleted"] and not self._is_bad("commerce", r["project_no"])
        ]
        with self._faults.rng("hostile:commerce") as rng:
            made = make_json_records("commerce", templates, how_many, rng, taken)
        self._commerce.add_hostile(made)
        return [item.truth for item in made]

    def _plant_hostile_approval(self, how_many: int, taken: set[str]) -> list[HostileRecord]:
        held = self._approval.events()
        taken |= {e["event_id"] for e in held}
        templates = [
            e
            for e in held
            if e["decision"] == "准予"
            and e["supersedes_event_id"] is None
            and not self._is_bad("approval", e["event_id"])
        ]
        with self._faults.rng("hostile:approval") as rng:
            made = make_json_records("approval", templates, how_many, rng, taken)
        self._approval.add_hostile(made)
        return [item.truth for item in made]

    def _plant_hostile_stats(self, how_many: int, taken: set[str]) -> list[HostileRecord]:
        latest = self._stats.latest_period()
        if latest is None:
            return []
        taken |= {
            row["stat_project_id"]
            for period in self._stats.periods(include_superseded=True)
            for row in period.rows
        }
        templates = [
            row for row in latest.rows if not self._is_bad("stats", row["stat_project_id"])
        ]
        with self._faults.rng("hostile:stats") as rng:
            made = make_json_records("stats", templates, how_many, rng, taken)
        self._stats.add_hostile(latest.period, made)
        return [dataclasses.replace(item.truth, period=latest.period) for item in made]

    def _plant_hostile_land(self, how_many: int, taken: set[str]) -> list[HostileRecord]:
        files = self._land.initial_files()
        taken |= {row["宗地编号"] for land_file in files for row in land_file.rows}
        templates = [
            (file_index, row_index, row)
            for file_index, land_file in enumerate(files)
            for row_index, row in enumerate(land_file.rows)
            if row["状态"] == "有效"
            and not self._is_bad("land", row["宗地编号"])
            and land_cells_are_plain(row)
        ]
        # Most daily files hold a row or two: prefer templates with a row after them, so that
        # a hostile row sits between two normal ones — unless too few, then spread them out.
        followed = [(f, r, row) for f, r, row in templates if r + 1 < len(files[f].rows)]
        if len(followed) >= how_many:
            templates = followed
        with self._faults.rng("hostile:land") as rng:
            self._hostile_land_rows = make_land_rows(
                templates,
                [land_file.name for land_file in files],
                how_many,
                rng,
                taken,
            )
        # lines still unknown: start() replaces these once the files are written
        return [row.truth for row in self._hostile_land_rows]

    def advance_land_markers(self, listings: int = 1) -> list[str]:
        """The hub listed the land folder ``listings`` more times (the sandbox cannot see a
        directory being read, so the caller says so): files whose late marker is due now are
        completed and marked. Returns their names."""
        return self._land.advance(listings)

    def pending_land_markers(self) -> list[str]:
        """Files dropped but not marked done yet because of ``late_done_markers``."""
        return self._land.pending()

    # ------------------------------------------------------------------ what is served

    def commerce_records(self) -> list[dict[str, Any]]:
        """Every commerce record as served now (latest version of each), in feed order;
        hostile records (``hostile_records()``) left out, here and in the other views."""
        return self._commerce.records()

    def commerce_concurrently_updated(self) -> list[str]:
        """project_no of the records moved by ``commerce_concurrent_updates``, in order."""
        return self._commerce.drifted_keys()

    def approval_events(self) -> list[dict[str, Any]]:
        """The approval event stream as served now, in order."""
        return self._approval.events()

    def approval_cursor_position(self, cursor: str | None) -> int:
        """How many events of ``approval_events()`` precede an ``after`` cursor (None = 0);
        hostile events are not counted. Raises ValueError for a string that is not one of
        this sandbox's cursors."""
        if not cursor:
            return 0
        try:
            position = _decode_cursor(cursor)
        except _RequestError:
            raise ValueError(f"not an approval cursor: {cursor!r}") from None
        return self._approval.events_before(position)

    def stats_periods(self, *, include_superseded: bool = False) -> list[StatsPeriod]:
        """Published stats revisions: the current one of each period, or every revision
        published since start (``current`` False for the replaced ones)."""
        return self._stats.periods(include_superseded=include_superseded)

    def stats_revisions_bumped(self) -> list[tuple[str, int]]:
        """(period, new revision) published mid-pull by ``stats_revision_bump_after_pages``."""
        return self._stats.bumped_revisions()

    def land_deliveries(self) -> list[LandDelivery]:
        """Every land file written so far (latest delivery of each name), in name order."""
        return self._land.deliveries()

    # ------------------------------------------------------------------ changing the world

    def upsert_commerce_record(self, record: dict[str, Any]) -> dict[str, Any]:
        """Insert or replace a commerce record; returns it as served, with its new updated_at
        (now, and later than every record so far)."""
        return self._commerce.upsert(record)

    def append_approval_event(self, event: dict[str, Any]) -> None:
        """Append an event to the stream (served as given, after all earlier ones)."""
        self._approval.append(event)

    def expire_approval_tokens(self) -> None:
        """Make every token issued so far expired, without waiting for its lifetime."""
        self._approval.expire_tokens()

    def approval_tokens_issued(self) -> list[str]:
        """The bearer tokens approval issued in the last hour (secrets too: a test looks for
        them where they must never be)."""
        return self._approval.issued_tokens()

    def set_stats_period(
        self, period: str, revision: int, rows: list[dict[str, Any]], closed: bool
    ) -> None:
        """Publish (a new revision of) a period's roster. Raises ValueError for a change the
        bureau never makes: to a closed period, or to an older revision."""
        self._stats.set_period(StatsPeriod(period, revision, closed, rows))

    def serve_hostile_json(self, department: str, records: list[HostileJsonRecord]) -> None:
        """Serve these records too from now on, as the ``hostile_records`` knob serves its
        own (``RawJson`` values sent verbatim): commerce orders each as the record its
        ``truth.copy_of`` names, approval puts it right after that event, stats adds it to
        the latest period's roster (read again once that period's revision changes). For
        tests that make up their own garbage (tests/integration/test_fuzz_departments.py);
        ``hostile_records()`` lists them too."""
        if department == "commerce":
            self._commerce.add_hostile(records)
        elif department == "approval":
            self._approval.add_hostile(records)
        elif department == "stats":
            latest = self._stats.latest_period()
            if latest is None:
                raise ValueError("stats publishes no period to add records to")
            self._stats.add_hostile(latest.period, records)
            records = [
                dataclasses.replace(r, truth=dataclasses.replace(r.truth, period=latest.period))
                for r in records
            ]
        else:
            raise ValueError(f"no such HTTP department: {department!r}")
        planted = self._hostile if self._hostile is not None else {}
        planted.setdefault(department, []).extend(r.truth for r in records)
        self._hostile = planted

    def add_land_file(self, land_file: LandFile) -> Path:
        """Drop a file (and its marker if ``marked_done``) into the land folder now. The land
        fault knobs apply (a late marker, broken rows). A file given again with different
        content replaces the delivered one (the contract's "re-delivered" incident)."""
        return self._land.add(land_file)

    def mark_land_file_done(self, name: str) -> None:
        """Write the ``.done`` marker of a file dropped unmarked (completing it first if it
        is still being written because of ``late_done_markers``)."""
        self._land.mark_done(name)


def serve_forever(
    size: int,
    seed: int,
    land_dir: Path | str,
    truth_path: Path | str | None = None,
    ports: Mapping[str, int] | None = None,
    *,
    host: str = "127.0.0.1",
    credentials: SandboxCredentials | None = None,
    faults: FaultKnobs | None = None,
    name_variation: str = "none",
) -> None:
    """Generate a scenario, serve it, and block until SIGINT or SIGTERM (``hub sandbox serve``).

    Prints the environment for the hub on stdout as ``export NAME=value`` lines (so
    ``eval "$(hub sandbox serve ...)"``-style wrappers can pick them up) and writes the
    ground truth as JSON to ``truth_path`` when given — with a ``hostile_records`` list
    (``HostileRecord.to_json()``) when the knob is on. Must run in the main thread (signals).
    ``name_variation`` is ``generate_scenario``'s (``--names``: how clerks write names).
    """
    scenario = generate_scenario(size, seed, name_variation=name_variation)
    stop_requested = threading.Event()

    def request_stop(signum: int, frame: Any) -> None:
        stop_requested.set()

    previous = {sig: signal.signal(sig, request_stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        with SandboxDepartments(
            scenario,
            land_dir,
            host=host,
            ports=ports,
            credentials=credentials or SandboxCredentials(),
            faults=faults or NO_FAULTS,
        ) as departments:
            hostile = departments.hostile_records()
            if truth_path:
                extra = {"hostile_records": [r.to_json() for r in hostile]} if hostile else {}
                scenario.truth.write(truth_path, extra=extra)
            for name, value in departments.env().items():
                print(f"export {name}={shlex.quote(value)}", flush=True)
            counts = ", ".join(f"{stage} {n}" for stage, n in scenario.truth.stage_counts().items())
            mixed_in = f"; {len(hostile)} hostile records mixed in" if hostile else ""
            print(
                f"sandbox serving {size} true projects (seed {seed}): {counts}{mixed_in}."
                " Ctrl-C stops.",
                file=sys.stderr,
                flush=True,
            )
            while not stop_requested.wait(0.5):
                pass
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
