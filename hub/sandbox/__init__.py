"""Sandbox departments: a generated city with a known answer, served as the contracts say.

``generate_scenario`` builds the four departments' data from a model of true projects (and
keeps that model as the ground truth); ``SandboxDepartments`` serves it on loopback ports
and drops the land files — misbehaving as ``FaultKnobs`` say, when asked to, down to hostile
records (``HostileRecord``) mixed into the feeds; ``serve_forever`` is ``hub sandbox serve``.

``scenario/`` and ``servers/`` are packages with one module per department (its share of the
scenario; its simulator) beside small shared ones. The production image leaves this package out
(Dockerfile: the ``sandbox`` target adds it); nothing outside it imports it at import time.
"""

from hub.sandbox.hostile import HostileRecord
from hub.sandbox.land_files import write_land_files
from hub.sandbox.scenario import (
    GroundTruth,
    LandFile,
    Scenario,
    StatsPeriod,
    TrueProject,
    generate_scenario,
)
from hub.sandbox.servers import (
    FaultKnobs,
    LandDelivery,
    SandboxCredentials,
    SandboxDepartments,
    serve_forever,
)

__all__ = [
    "FaultKnobs",
    "GroundTruth",
    "HostileRecord",
    "LandDelivery",
    "LandFile",
    "SandboxCredentials",
    "SandboxDepartments",
    "Scenario",
    "StatsPeriod",
    "TrueProject",
    "generate_scenario",
    "serve_forever",
    "write_land_files",
]
