"""dlt, issue 13's second baseline: the sandbox departments into PostgreSQL, as a data
engineer would load them with dlt (https://dlthub.com) instead of the hub.

Run by ``.venv-dlt/bin/python`` (``make bench-dlt-setup``); ``bench/e2e.py`` runs it after
plain COPY. It imports nothing of the hub: the dlt venv has only bench/dlt/requirements.txt.

- commerce: ``rest_api``, ``X-Api-Key`` (``APIKeyAuth``), page-number pagination
  (``page``/``page_size=500``, stop at the first empty page), incremental on ``updated_at``
  sent as ``updated_since`` (what a scheduled load would configure; a first run reads all);
- approval: ``rest_api``, OAuth2 client credentials (dlt's ``OAuth2ClientCredentials``),
  the opaque ``next_cursor`` sent back as ``after`` (``limit=1000``);
- stats: ``rest_api``, ``Authorization: Token …``; ``/api/fai/periods`` (not loaded itself)
  → a dependent resource reading each period's ``/api/fai/roster`` pages (``limit=2000``,
  ``next_after`` → ``after``), the period carried into each row;
- land: a plain ``@dlt.resource`` reading the GB18030 CSV files that have a ``.done`` marker
  with the standard ``csv`` module, one list of rows per file (dlt's filesystem source would
  need pandas or pyarrow to read CSV; this keeps the venv to ``dlt[postgres]``).

Write disposition: ``merge`` by default, on the source key — commerce ``project_no``,
approval ``event_id``, stats (period, ``stat_project_id``), land (file, line: a parcel may
appear in several files and twice in one) — since that is what compares to the hub's
exactly-once landing (a re-run does not duplicate). ``--write-disposition append`` measures
the cheaper plain append. ``--loader-file-format`` picks dlt's load format for postgres
(default: dlt's own, ``insert_values``; ``csv`` loads with COPY). ``--parallelized`` fetches
each department in a thread of its own and ``--normalize-workers N`` normalizes in N
processes; by default dlt takes the departments' pages round-robin in one thread and
normalizes in one process, and that default is what ``bench/e2e.py`` measures unless
``BENCH_DLT_ARGS`` says otherwise.

Prints one JSON line: seconds (``pipeline.run``, extract + normalize + load), records per
department as counted in the destination tables afterwards, rows_loaded (dlt's normalized
row counts; with ``csv`` dlt 1.31 counts something else there, so go by ``records``), the
step times and the dlt version.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

# No anonymous telemetry (this machine reaches no such endpoint); set before dlt is imported.
os.environ.setdefault("RUNTIME__DLTHUB_TELEMETRY", "false")

import dlt
from dlt.destinations.impl.postgres.configuration import PostgresCredentials
from dlt.sources.helpers.rest_client.auth import (
    APIKeyAuth,
    OAuth2ClientCredentials,
)
from dlt.sources.helpers.rest_client.paginators import (
    JSONResponseCursorPaginator,
    PageNumberPaginator,
    SinglePagePaginator,
)
from dlt.sources.rest_api import rest_api_source

#: department -> the table its records land in
TABLES = {
    "commerce": "commerce_projects",
    "approval": "approval_events",
    "stats": "stats_roster",
    "land": "land_parcels",
}
KEYS = {
    "commerce": ["project_no"],
    "approval": ["event_id"],
    "stats": ["_stats_periods_period", "stat_project_id"],
    "land": ["_file", "_line"],
}


def _env(name: str) -> str:
    value = os.environ.get(name)
    if not value:
        raise SystemExit(f"{name} is not set (bench/e2e.py passes sandbox.env())")
    return value


def _hints(department: str, disposition: str) -> dict[str, Any]:
    hints: dict[str, Any] = {"write_disposition": disposition}
    if disposition == "merge":
        hints["primary_key"] = KEYS[department]
    return hints


def commerce_source(disposition: str, parallelized: bool):
    return rest_api_source(
        {
            "client": {
                "base_url": _env("HUB_SOURCE_COMMERCE_URL"),
                "auth": APIKeyAuth(
                    name="X-Api-Key", api_key=_env("HUB_SOURCE_COMMERCE_KEY"), location="header"
                ),
            },
            "resources": [
                {
                    "name": TABLES["commerce"],
                    **_hints("commerce", disposition),
                    "endpoint": {
                        "path": "/api/v1/projects",
                        "params": {
                            "page_size": 500,
                            "updated_since": {
                                "type": "incremental",
                                "cursor_path": "updated_at",
                                "initial_value": "1970-01-01T00:00:00+08:00",
                            },
                        },
                        "data_selector": "data.items",
                        "paginator": PageNumberPaginator(
                            base_page=1, page_param="page", total_path=None
                        ),
                    },
                }
            ],
        },
        name="commerce",
        parallelized=parallelized,
    )


def approval_source(disposition: str, parallelized: bool):
    base = _env("HUB_SOURCE_APPROVAL_URL").rstrip("/")
    return rest_api_source(
        {
            "client": {
                "base_url": base,
                "auth": OAuth2ClientCredentials(
                    access_token_url=f"{base}/oauth/token",
                    client_id=_env("HUB_SOURCE_APPROVAL_CLIENT_ID"),
                    client_secret=_env("HUB_SOURCE_APPROVAL_CLIENT_SECRET"),
                ),
            },
            "resources": [
                {
                    "name": TABLES["approval"],
                    **_hints("approval", disposition),
                    "endpoint": {
                        "path": "/open/v2/approval-events",
                        "params": {"limit": 1000},
                        "data_selector": "events",
                        "paginator": JSONResponseCursorPaginator(
                            cursor_path="next_cursor", cursor_param="after"
                        ),
                    },
                }
            ],
        },
        name="approval",
        parallelized=parallelized,
    )


def stats_source(disposition: str, parallelized: bool):
    return rest_api_source(
        {
            "client": {
                "base_url": _env("HUB_SOURCE_STATS_URL"),
                "auth": APIKeyAuth(
                    name="Authorization",
                    api_key=f"Token {_env('HUB_SOURCE_STATS_TOKEN')}",
                    location="header",
                ),
            },
            "resources": [
                {
                    "name": "stats_periods",
                    "selected": False,  # only its periods drive the roster; not loaded
                    "endpoint": {
                        "path": "/api/fai/periods",
                        "data_selector": "periods",
                        "paginator": SinglePagePaginator(),
                    },
                },
                {
                    "name": TABLES["stats"],
                    **_hints("stats", disposition),
                    "include_from_parent": ["period"],
                    "endpoint": {
                        "path": "/api/fai/roster",
                        "params": {
                            "period": "{resources.stats_periods.period}",
                            "limit": 2000,
                        },
                        "data_selector": "rows",
                        "paginator": JSONResponseCursorPaginator(
                            cursor_path="next_after", cursor_param="after"
                        ),
                    },
                },
            ],
        },
        name="stats",
        parallelized=parallelized,
    )


def land_source(disposition: str, parallelized: bool):
    directory = Path(_env("HUB_SOURCE_LAND_DIR"))

    # The file's own (Chinese) column names as they are: dlt's default snake_case naming
    # keeps ASCII only and would fold every one of them into the same column "x".
    @dlt.source(schema=dlt.Schema("land", normalizers={"names": "direct"}))
    def land():
        return land_parcels()

    @dlt.resource(name=TABLES["land"], parallelized=parallelized, **_hints("land", disposition))
    def land_parcels() -> Iterator[list[dict[str, Any]]]:
        names = set(os.listdir(directory))
        ready = sorted(
            name
            for name in names
            if name.startswith("land_supply_") and name.endswith(".csv") and f"{name}.done" in names
        )
        for name in ready:
            with open(directory / name, encoding="gb18030", newline="") as handle:
                reader = csv.reader(handle)
                header = next(reader, None)
                if not header:
                    continue
                header[0] = header[0].lstrip("\ufeff")
                rows = []
                line = reader.line_num + 1  # the first physical line of the next record
                for fields in reader:
                    if any(fields):
                        rows.append(
                            {**dict(zip(header, fields, strict=True)), "_file": name, "_line": line}
                        )
                    line = reader.line_num + 1
            if rows:
                yield rows

    return land()


def _credentials(url: str) -> PostgresCredentials:
    credentials = PostgresCredentials(url)
    if credentials.password is None:
        # dlt insists on a password; an empty one lets libpq use trust auth or ~/.pgpass
        credentials.password = ""
    return credentials


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--pg-url",
        default=os.environ.get("BENCH_DLT_PG_URL"),
        help="postgresql://user:password@host:port/database (default: $BENCH_DLT_PG_URL)",
    )
    parser.add_argument("--dataset", default="bench_dlt", help="schema to load into")
    parser.add_argument("--write-disposition", choices=("merge", "append"), default="merge")
    parser.add_argument(
        "--loader-file-format",
        choices=("insert_values", "csv"),
        default=None,
        help="dlt's load format for postgres (default: dlt's, insert_values)",
    )
    parser.add_argument(
        "--parallelized",
        action="store_true",
        help="extract the departments in parallel threads (dlt's default: one thread)",
    )
    parser.add_argument(
        "--normalize-workers",
        type=int,
        default=None,
        help="dlt's normalize processes (default: dlt's, 1)",
    )
    args = parser.parse_args(argv)
    if args.normalize_workers:
        os.environ["NORMALIZE__WORKERS"] = str(args.normalize_workers)
    if not args.pg_url:
        parser.error("--pg-url or BENCH_DLT_PG_URL is required")
    disposition = args.write_disposition
    with tempfile.TemporaryDirectory(prefix="dlt-pipelines-") as pipelines_dir:
        pipeline = dlt.pipeline(
            pipeline_name="hub_bench_dlt",
            pipelines_dir=pipelines_dir,  # fresh: no state (watermarks) from an earlier run
            destination=dlt.destinations.postgres(credentials=_credentials(args.pg_url)),
            dataset_name=args.dataset,
        )
        sources = [
            commerce_source(disposition, args.parallelized),
            approval_source(disposition, args.parallelized),
            stats_source(disposition, args.parallelized),
            land_source(disposition, args.parallelized),
        ]
        started = time.perf_counter()
        pipeline.run(sources, loader_file_format=args.loader_file_format)
        seconds = time.perf_counter() - started
        trace = pipeline.last_trace
        steps = {
            step.step: round((step.finished_at - step.started_at).total_seconds(), 3)
            for step in trace.steps
            if step.finished_at is not None
        }
        row_counts = trace.last_normalize_info.row_counts
        rows_loaded = sum(n for table, n in row_counts.items() if not table.startswith("_dlt"))
        records = {}
        with pipeline.sql_client() as client:
            for department, table in TABLES.items():
                name = client.make_qualified_table_name(table)
                records[department] = client.execute_sql(f"select count(*) from {name}")[0][0]
    print(
        json.dumps(
            {
                "seconds": round(seconds, 3),
                "records": records,
                "rows_loaded": rows_loaded,
                "row_counts": {t: n for t, n in row_counts.items() if not t.startswith("_dlt")},
                "steps": steps,
                "write_disposition": disposition,
                "loader_file_format": args.loader_file_format or "insert_values",
                "parallelized": args.parallelized,
                "normalize_workers": args.normalize_workers or 1,
                "dlt_version": dlt.__version__,
            }
        ),
        flush=True,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
