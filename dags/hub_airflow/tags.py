"""The tags hub DAGs may carry (tests/dags checks every DAG against ``ALLOWED``)."""

from __future__ import annotations

HUB = "hub"
SYNC = "sync"
REPORT = "report"

DEPT_COMMERCE = "dept:commerce"
DEPT_APPROVAL = "dept:approval"
DEPT_LAND = "dept:land"
DEPT_STATS = "dept:stats"
DEPARTMENTS = (DEPT_COMMERCE, DEPT_APPROVAL, DEPT_LAND, DEPT_STATS)

LAYER_RAW = "layer:raw"
LAYER_CORE = "layer:core"
LAYER_SHARED = "layer:shared"

#: tier:1 = departments and BI tools read its output the same day; page someone when it fails.
TIER_1 = "tier:1"
TIER_2 = "tier:2"

ALLOWED: frozenset[str] = frozenset(
    {HUB, SYNC, REPORT, *DEPARTMENTS, LAYER_RAW, LAYER_CORE, LAYER_SHARED, TIER_1, TIER_2}
)
