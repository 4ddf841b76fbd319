"""Batch-level checks: is this landed batch, as a whole, fit to merge?

Record-level rules reject single records (``expectations.runner``); these look at the batch
as a whole and compare it with the source's earlier batches, so a department that suddenly
sends a fraction of its roster, ten times its usual volume, or blanks a column it used to
fill does not overwrite what is published. A batch that fails any check is **held**: its
records stay in raw, unmerged, and the last good data stays in core and ``shared`` until a
steward or engineer has looked and runs ``hub dq release BATCH_ID``.

The thresholds are data, in ``expectations/batch_checks.json`` (one block per source entity,
over ``defaults``). History is the *profiles* of earlier batches of the source that were
merged (held batches are not history until released): each batch's profile is computed at
audit time (``profile_query``) and kept in ``meta.batch_audits.profile``: rows, rows that
passed the record-level suite, blanks of the watched optional columns, rows per stats
period or land file.

Where GX has an expectation for a check, GX decides it: before the audit,
``plan_batch_checks`` turns the history into thresholds of GX expectations; the audit runs
them on the typed batch in the same GX validation as the suite; ``check_batch`` reads GX's
results and adds the checks GX has no expectation for. Per source (all thresholds
configurable):

- ``duplicate_keys`` (GX ``unexpected_rows_expectation``): a key twice in one batch with
  different content (raw keeps each distinct version once, so two rows of a key always
  differ): commerce by project_no and updated_at (a record changed while the connector
  paged has a newer updated_at and is fine), approval by event_id (events are immutable),
  stats by period, revision and stat_project_id. Land is exempt: within a file the last row
  wins, by contract.
- ``null_ratio:<column>`` (GX ``expect_column_values_to_not_be_null`` with ``mostly``): the
  share of blanks of a watched optional column in the batch rises more than ``max_rise``
  above the share over the recent history (only with ``min_rows`` in the batch and
  ``min_history_rows`` in the history).
- ``volume``: commerce and approval send increments, so only a surge means anything: more
  than ``surge_factor`` × the median of the last non-empty batches, and at least
  ``surge_min_rows`` (GX ``expect_table_row_count_to_be_between``). GX has no expectation
  for a row count per group or against the warehouse, so these stay here: land's surge per
  file; a full re-read (``hub sync --full``) that must bring at least
  ``full_reread_min_share`` of the records the hub holds; stats periods, full snapshots,
  each of which the batch changed must keep at least ``min_share`` and at most
  ``max_factor`` × the rows published for it (or, for a new period, for the latest earlier
  period) — an emptied roster is the extreme drop.
"""

from __future__ import annotations

import json
import math
import statistics
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from psycopg import sql
from psycopg.types.json import Jsonb

CONFIG_PATH = Path(__file__).with_name("batch_checks.json")
SQL_DIR = Path(__file__).with_name("sql")
CHECK_KINDS = ("duplicate_keys", "null_ratio", "volume")


@dataclass(frozen=True)
class BatchCheckResult:
    batch_id: str
    checks: list[dict[str, Any]] = field(default_factory=list)

    @property
    def held(self) -> bool:
        return any(check["status"] == "failed" for check in self.checks)

    @property
    def detail(self) -> str | None:
        failed = [f"{c['check']}: {c['detail']}" for c in self.checks if c["status"] == "failed"]
        return "; ".join(failed) or None


def load_config(name: str) -> dict[str, dict[str, Any]]:
    """The checks of one source entity, each merged over the defaults. A source entity
    without a block has no batch-level checks (its rows are still checked one by one)."""
    config = json.loads(CONFIG_PATH.read_text(encoding="utf-8"))
    defaults = config["defaults"]
    return {
        kind: {**defaults.get(kind, {}), **settings}
        for kind, settings in config.get(name, {}).items()
        if kind in CHECK_KINDS
    }


def profile_query(name: str, typed_batch: sql.Composable) -> sql.Composed:
    """One query over the audited batch (its typed batch, and the runner's temp table
    audit_failures) that returns its profile as jsonb: rows, valid_rows, blanks of the
    watched columns, rows per group (stats period / land file)."""
    config = load_config(name)
    nulls = sql.SQL(", ").join(
        sql.SQL("{}, count(*) filter (where {} is null)").format(
            sql.Literal(column), sql.Identifier(column)
        )
        for column in config.get("null_ratio", {}).get("columns", [])
    )
    volume = config.get("volume", {})
    if volume.get("group_by"):
        group = sql.Identifier(volume["group_by"])
        revision = sql.Identifier(volume["revision"]) if volume.get("revision") else sql.NULL
        groups = sql.SQL(
            "(select coalesce(jsonb_object_agg(g, jsonb_build_object("
            "'rows', n, 'valid_rows', v, 'revision', r)), '{{}}'::jsonb) from ("
            "select distinct on (g) g, r, n, v from ("
            "select {group} as g, {revision} as r, count(*) as n,"
            " count(*) filter (where raw_id not in (table failed)) as v"
            " from {typed_batch} where {group} is not null group by 1, 2) as per_group"
            " order by g, r desc nulls last) as latest)"
        ).format(group=group, revision=revision, typed_batch=typed_batch)
    else:
        groups = sql.SQL("'{}'::jsonb")  # not formatted: braces as they are
    return sql.SQL(
        "with failed as materialized (select distinct raw_id from audit_failures)\n"
        "select jsonb_build_object(\n"
        "    'rows', totals.rows,\n"
        "    'valid_rows', totals.rows - (select count(*) from failed),\n"
        "    'nulls', totals.nulls,\n"
        "    'groups', {groups}\n"
        ")\n"
        "from (\n"
        "    select count(*) as rows, jsonb_build_object({nulls}) as nulls\n"
        "    from {typed_batch} as b\n"
        ") as totals"
    ).format(typed_batch=typed_batch, nulls=nulls, groups=groups)


@dataclass(frozen=True)
class CheckPlan:
    """The batch checks planned before a batch is audited, from its source's history: the
    GX expectations (each naming its check in ``meta``), which the audit runs in its own GX
    validation, and the checks already decided (skipped: too little history)."""

    history: list[dict[str, Any]] = field(default_factory=list)
    expectations: list[dict[str, Any]] = field(default_factory=list)
    decided: list[dict[str, Any]] = field(default_factory=list)


def plan_batch_checks(
    conn: Any, source_system: str, entity: str, batch_id: str, *, full: bool = False
) -> CheckPlan:
    """Read the source's history and plan the checks of ``batch_id`` (``full``: a full
    re-read, judged against the warehouse, not as an increment). ``conn``: psycopg."""
    config = load_config(f"{source_system}__{entity}")
    history = _rows(
        conn,
        "batch_history",
        {
            "source_system": source_system,
            "entity": entity,
            "batch_id": batch_id,
            "limit": max(
                int(config.get(kind, {}).get("history_batches", 0)) for kind in CHECK_KINDS
            )
            or 10,
        },
    )
    return plan_checks(config, history, full_reread=full)


def plan_checks(
    config: dict[str, dict[str, Any]], history: list[dict[str, Any]], *, full_reread: bool = False
) -> CheckPlan:
    """The checks GX decides, as expectations with thresholds from ``history``."""
    plan = CheckPlan(history=history)
    planned: list[dict[str, Any]] = []
    if "duplicate_keys" in config:
        planned.append(_duplicates(config["duplicate_keys"]))
    if "null_ratio" in config:
        planned.extend(_null_ratios(config["null_ratio"], history))
    volume = config.get("volume")
    if volume and volume["kind"] == "increments" and not full_reread:
        planned.append(_surge(volume, history))
    for item in planned:
        (plan.expectations if "type" in item else plan.decided).append(item)
    return plan


def check_batch(
    conn: Any,
    source_system: str,
    entity: str,
    batch_id: str,
    *,
    plan: CheckPlan,
    gx_results: list[dict[str, Any]],
    changed_periods: dict[str, Any] | None = None,
) -> BatchCheckResult:
    """Decide the batch-level checks of an audited batch and store them with its audit.

    ``plan``: from ``plan_batch_checks``; ``gx_results``: GX's results of its expectations,
    from the audit (``AuditResult.batch_check_results``; none when the batch had no rows).
    ``conn`` is a psycopg connection (the caller commits). ``changed_periods``: for a
    snapshot source (stats), the periods this batch changed, {period: revision} — including
    periods whose new revision is empty, which bring no rows at all; by default, the
    periods the batch has rows for.
    """
    config = load_config(f"{source_system}__{entity}")
    audit = _one(conn, "batch_audit", {"batch_id": batch_id})
    if audit is None:
        raise LookupError(f"batch {batch_id} has not been audited")
    if gx_results:
        checks = [
            _from_gx(expectation, result)
            for expectation, result in zip(plan.expectations, gx_results, strict=True)
        ]
    else:
        checks = [_check(e["meta"]["check"], "passed", "no rows") for e in plan.expectations]
    for check, expectation in zip(checks, plan.expectations, strict=True):
        if check["check"] == "duplicate_keys" and check["status"] == "failed":
            examples = _duplicate_examples(conn, expectation, batch_id)
            check["detail"] += f" (e.g. {', '.join(examples)})"
    checks += plan.decided
    if "volume" in config:
        checks += _volume(conn, config["volume"], audit, plan.history, changed_periods)
    with conn.cursor() as cur:
        cur.execute(
            _sql("record_batch_checks"), {"batch_id": batch_id, "batch_checks": Jsonb(checks)}
        )
    return BatchCheckResult(batch_id, checks)


def _from_gx(expectation: dict[str, Any], result: dict[str, Any]) -> dict[str, Any]:
    """A check's outcome from GX's result of its expectation (an error if GX could not
    evaluate it: a check that did not run must not pass a batch)."""
    info = result["exception_info"]
    entries = [info] if "raised_exception" in info else list(info.values())
    errors = [e.get("exception_message") for e in entries if e.get("raised_exception")]
    meta = expectation["meta"]
    if errors:
        raise RuntimeError(f"batch check {meta['check']} could not be evaluated: {errors}")
    details = result["result"] or {}
    status = "passed" if result["success"] else "failed"
    if expectation["type"] == "unexpected_rows_expectation":
        found = int(details["observed_value"])
        grain = meta["grain"]
        detail = (
            f"{found} keys ({grain}) appear more than once with different content"
            if found
            else f"no key ({grain}) twice"
        )
        return _check(meta["check"], status, detail, observed=found)
    if expectation["type"] == "expect_column_values_to_not_be_null":
        rows = int(details.get("element_count") or 0)
        if rows < meta["min_rows"]:
            return _check(
                meta["check"], "skipped", f"{rows} rows (need {meta['min_rows']} to judge)"
            )
        ratio = int(details.get("unexpected_count") or 0) / rows
        column = expectation["kwargs"]["column"]
        return _check(
            meta["check"],
            status,
            f"{column} blank in {ratio:.0%} of {rows} rows, usually {meta['usual']:.0%}"
            f" (allowed: up to {meta['allowed']:.0%})",
            observed=round(ratio, 4),
            usual=round(meta["usual"], 4),
        )
    rows = int(details["observed_value"])  # expect_table_row_count_to_be_between
    if status == "failed":
        detail = (
            f"{rows} rows, more than {meta['surge_factor']} × the median {meta['median']:g} of"
            f" the last {meta['batches']} batches"
        )
    else:
        detail = f"{rows} rows (median {meta['median']:g})"
    return _check(meta["check"], status, detail, observed=rows, median=meta["median"])


def _duplicate_examples(conn: Any, expectation: dict[str, Any], batch_id: str) -> list[str]:
    """The first five keys GX found twice, named for the steward."""
    from expectations.suites import unexpected_rows_sql

    with conn.cursor() as cur:
        cur.execute("select staging.typed_batch_table(%s)", (batch_id,))
        (table,) = cur.fetchone()  # the audit's: the batch is not merged yet
        query = unexpected_rows_sql(expectation, sql.Identifier("meta", table))
        cur.execute(
            sql.SQL("select distinct source_key from ({}) as d order by 1 limit 5").format(query)
        )
        return [key for (key,) in cur.fetchall()]


# ------------------------------------------------------------------------------ the checks


def _check(name: str, status: str, detail: str, **observed: Any) -> dict[str, Any]:
    return {"check": name, "status": status, "detail": detail, **observed}


def _duplicates(settings: dict[str, Any]) -> dict[str, Any]:
    """The keys (grain) found twice in the batch, as GX's unexpected rows: none may be."""
    grain = sql.SQL(", ").join(map(sql.Identifier, settings["grain"])).as_string(None)
    return {
        "type": "unexpected_rows_expectation",
        "kwargs": {
            "unexpected_rows_query": (
                f"select {grain} from {{batch}} where source_key is not null"
                f" group by {grain} having count(*) > 1"
            )
        },
        "meta": {"check": "duplicate_keys", "grain": " + ".join(settings["grain"])},
    }


def _null_ratios(settings: dict[str, Any], history: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per watched column, a GX not-null expectation whose ``mostly`` allows the usual
    share of blanks plus ``max_rise`` (judged only on ``min_rows`` rows: ``_from_gx``), or a
    skipped check when the history is too short."""
    recent = [h["profile"] for h in history[: settings["history_batches"]] if h["profile"]]
    planned = []
    for column in settings["columns"]:
        name = f"null_ratio:{column}"
        counted = [p for p in recent if column in p.get("nulls", {})]
        history_rows = sum(int(p.get("rows", p.get("valid_rows", 0))) for p in counted)
        if history_rows < settings["min_history_rows"]:
            planned.append(
                _check(
                    name,
                    "skipped",
                    f"{history_rows} rows in history (need {settings['min_history_rows']})",
                )
            )
            continue
        usual = sum(int(p["nulls"][column]) for p in counted) / history_rows
        allowed = min(1.0, usual + settings["max_rise"])
        planned.append(
            {
                "type": "expect_column_values_to_not_be_null",
                "kwargs": {"column": column, "mostly": round(1.0 - allowed, 6)},
                "meta": {
                    "check": name,
                    "usual": usual,
                    "allowed": allowed,
                    "min_rows": settings["min_rows"],
                },
            }
        )
    return planned


def _volume(
    conn: Any,
    settings: dict[str, Any],
    audit: dict[str, Any],
    history: list[dict[str, Any]],
    changed_periods: dict[str, Any] | None,
) -> list[dict[str, Any]]:
    """The volume checks GX has no expectation for (an increment's surge is GX's)."""
    kind = settings["kind"]
    if kind == "snapshots":
        return _snapshot_volume(conn, settings, audit["profile"] or {}, changed_periods)
    if audit["full_reread"]:
        return [_full_reread(conn, settings, audit)]
    if kind == "files":
        return _file_surges(settings, audit["profile"] or {}, history)
    return []


def _surge(settings: dict[str, Any], history: list[dict[str, Any]]) -> dict[str, Any]:
    """A GX row-count expectation: at most ``surge_factor`` × the median of the recent
    non-empty increments (a batch under ``surge_min_rows`` never counts as a surge)."""
    sizes = [
        int(h["rows_checked"])
        for h in history[: settings["history_batches"]]
        if int(h["rows_checked"]) > 0 and not h["full_reread"]
    ]
    if len(sizes) < settings["min_history_batches"]:
        return _check(
            "volume",
            "skipped",
            f"{len(sizes)} earlier non-empty batches (need {settings['min_history_batches']})",
        )
    median = statistics.median(sizes)
    # rows > factor × median and rows >= surge_min_rows, for whole rows
    max_rows = max(math.floor(settings["surge_factor"] * median), settings["surge_min_rows"] - 1)
    return {
        "type": "expect_table_row_count_to_be_between",
        "kwargs": {"min_value": 0, "max_value": max_rows},
        "meta": {
            "check": "volume",
            "median": median,
            "batches": len(sizes),
            "surge_factor": settings["surge_factor"],
        },
    }


def _file_surges(
    settings: dict[str, Any], profile: dict[str, Any], history: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    sizes = [
        int(group["rows"])
        for h in history[: settings["history_batches"]]
        if not h["full_reread"]
        for group in (h["profile"] or {}).get("groups", {}).values()
        if int(group["rows"]) > 0
    ]
    files = (profile.get("groups") or {}).items()
    if not files:
        return [_check("volume", "passed", "no rows")]
    if len(sizes) < settings["min_history_batches"]:
        return [
            _check(
                "volume",
                "skipped",
                f"{len(sizes)} earlier non-empty files (need {settings['min_history_batches']})",
            )
        ]
    median = statistics.median(sizes)
    checks = []
    for file_name, group in sorted(files):
        rows = int(group["rows"])
        if rows > settings["surge_factor"] * median and rows >= settings["surge_min_rows"]:
            checks.append(
                _check(
                    f"volume:{file_name}",
                    "failed",
                    f"{rows} rows in {file_name}, more than {settings['surge_factor']} × the"
                    f" median {median:g} rows of the last {len(sizes)} files",
                    observed=rows,
                    median=median,
                )
            )
    return checks or [
        _check(
            "volume",
            "passed",
            f"every file within {settings['surge_factor']} × the median {median:g}",
        )
    ]


def _full_reread(conn: Any, settings: dict[str, Any], audit: dict[str, Any]) -> dict[str, Any]:
    schema, table = settings["known_records"].split(".")
    with conn.cursor() as cur:
        cur.execute(sql.SQL("select count(*) from {}").format(sql.Identifier(schema, table)))
        (known,) = cur.fetchone()
    received = int(audit["records_received"] or 0)
    if known < settings["full_reread_min_known"]:
        return _check("volume", "skipped", f"full re-read of {received}; only {known} known")
    if received < settings["full_reread_min_share"] * known:
        return _check(
            "volume",
            "failed",
            f"a full re-read brought {received} records, fewer than"
            f" {settings['full_reread_min_share']:.0%} of the {known} the hub holds",
            observed=received,
            known=known,
        )
    return _check("volume", "passed", f"full re-read of {received} ({known} known)")


def _snapshot_volume(
    conn: Any,
    settings: dict[str, Any],
    profile: dict[str, Any],
    changed_periods: dict[str, Any] | None,
) -> list[dict[str, Any]]:
    groups = profile.get("groups") or {}
    periods = sorted(changed_periods) if changed_periods is not None else sorted(groups)
    if not periods:
        return [_check("volume", "passed", "no period changed")]
    published = {row["period"]: int(row["rows"]) for row in _rows(conn, "published_periods", {})}
    checks = []
    for period in periods:
        rows = int(groups.get(period, {}).get("valid_rows", 0))
        name = f"volume:{period}"
        if period in published:
            reference, what = published[period], f"the {published[period]} published for {period}"
        else:
            earlier = [p for p in published if p < period]
            if not earlier:
                checks.append(_check(name, "skipped", f"{rows} rows; nothing published to compare"))
                continue
            previous = max(earlier)
            reference, what = published[previous], f"the {published[previous]} of {previous}"
        if reference < settings["min_reference"]:
            checks.append(
                _check(name, "skipped", f"{rows} rows; reference {reference} too small to judge")
            )
        elif rows < settings["min_share"] * reference:
            checks.append(
                _check(
                    name,
                    "failed",
                    f"{rows} valid rows, fewer than {settings['min_share']:.0%} of {what}",
                    observed=rows,
                    reference=reference,
                )
            )
        elif rows > settings["max_factor"] * reference:
            checks.append(
                _check(
                    name,
                    "failed",
                    f"{rows} valid rows, more than {settings['max_factor']} × {what}",
                    observed=rows,
                    reference=reference,
                )
            )
        else:
            checks.append(_check(name, "passed", f"{rows} valid rows against {what}"))
    return checks


# ------------------------------------------------------------------------------ plumbing


def _rows(conn: Any, name: str, params: dict[str, Any]) -> list[dict[str, Any]]:
    from psycopg.rows import dict_row

    with conn.cursor(row_factory=dict_row) as cur:
        cur.execute(_sql(name), params)
        return cur.fetchall()


def _one(conn: Any, name: str, params: dict[str, Any]) -> dict[str, Any] | None:
    rows = _rows(conn, name, params)
    return rows[0] if rows else None


def _sql(name: str) -> sql.SQL:
    return sql.SQL((SQL_DIR / f"{name}.sql").read_text(encoding="utf-8"))
