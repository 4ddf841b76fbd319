"""Loopback stand-ins for the departments, serving a Scenario exactly as the contracts say.

Each HTTP department (commerce, approval, stats) is a standard-library ThreadingHTTPServer
on its own port, so the hub's connectors talk to it exactly as they would to the real system:
same paths, auth, pagination, envelopes and error statuses (``contracts/sources/*.md``). The
land bureau has no API: its daily files are written into a folder at ``start()``.

The served data can change while serving (``upsert_commerce_record``,
``append_approval_event``, ``set_stats_period``, ``add_land_file``) so tests can stage what
happens between two syncs or in the middle of one. Every department guards its data with a
lock; handlers copy what they send while holding it.

Fault knobs (``FaultKnobs``, all off by default) make the departments misbehave the way real
ones do — transient errors, rate limiting, latency, short-lived tokens, a live table shifting
under offset pagination, a statistics revision published mid-pull, responses cut off in
transit, undecodable CSV rows, late ``.done`` markers, hostile records mixed into a feed — so
tests can check that a sync still lands exactly what the departments hold, and rejects only
what it must. Every random choice comes from a ``random.Random`` seeded with
``FaultKnobs.seed`` (one per department and kind of fault), so a run is repeatable;
``fault_counts()`` says what was actually played.

One module per department (``commerce``, ``approval``, ``stats``, ``land``), the fault knobs
and their injector (``faults``), the credentials (``credentials``), what the HTTP departments
share (``protocol``), and the four together with their HTTP plumbing (``departments``).
"""

from __future__ import annotations

from hub.sandbox.servers.credentials import SandboxCredentials
from hub.sandbox.servers.departments import (
    DEFAULT_PORTS,
    HTTP_DEPARTMENTS,
    SandboxDepartments,
    serve_forever,
)
from hub.sandbox.servers.faults import NO_FAULTS, FaultKnobs
from hub.sandbox.servers.land import INVALID_GB18030, LandDelivery
from hub.sandbox.servers.protocol import Response

__all__ = [
    "DEFAULT_PORTS",
    "HTTP_DEPARTMENTS",
    "INVALID_GB18030",
    "NO_FAULTS",
    "FaultKnobs",
    "LandDelivery",
    "Response",
    "SandboxCredentials",
    "SandboxDepartments",
    "serve_forever",
]
