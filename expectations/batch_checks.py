"""Batch-level checks: is this landed batch, as a whole, fit to merge?

Record-level rules reject single records (``expectations.runner``); these look at the batch
as a whole and compare it with the source's earlier batches, so a department that suddenly
sends a fraction of its roster, ten times its usual volume, or blanks a column it used to
fill does not overwrite what is published. A batch that fails any check is **held**: its
records stay in raw, unmerged, and the last good data stays in core and ``shared`` until a
steward or engineer has looked and runs ``hub dq release BATCH_ID``.

The thresholds are data, in ``expectations/batch_checks.json`` (one block per source entity,
over ``defaults``). What is compared comes from each batch's *profile*, computed by the
runner at audit time (``profile_query``) and kept in ``meta.batch_audits.profile``: rows,
rows that passed the record-level suite, nulls of the watched optional columns, keys seen
twice, rows per stats period or land file. History is the profiles of earlier batches of
the source that were merged (held batches are not history until released).

Checks, per source (all thresholds are configurable):

- ``duplicate_keys`` — a key twice in one batch with different content (raw keeps each
  distinct version once, so two rows of a key always differ): commerce by project_no and
  updated_at (a record changed while the connector paged has a newer updated_at and is
  fine), approval by event_id (events are immutable), stats by period, revision and
  stat_project_id. Land is exempt: within a file the last row wins, by contract.
- ``null_ratio:<column>`` — the share of blank values of a watched optional column among the
  batch's valid rows rises more than ``max_rise`` above the share over the recent history
  (only with ``min_rows`` in the batch and ``min_history_rows`` in the history).
- ``volume`` — commerce and approval send increments, so only a surge means anything: more
  than ``surge_factor`` × the median of the last non-empty batches (and at least
  ``surge_min_rows``). Land: the same per file. A full re-read (``hub sync --full``) must
  bring at least ``full_reread_min_share`` of the records the hub already holds. Stats
  periods are full snapshots: each period the batch changed must keep at least
  ``min_share`` and at most ``max_factor`` × the rows published for it (or, for a new
  period, for the latest earlier period) — an emptied roster is the extreme drop.
"""

from __future__ import annotations

import json
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


def profile_columns(name: str) -> set[str]:
    """The columns the profile of a batch of this source entity reads."""
    config = load_config(name)
    volume = config.get("volume", {})
    return {
        "raw_id",
        "source_key",
        *config.get("null_ratio", {}).get("columns", []),
        *config.get("duplicate_keys", {}).get("grain", []),
        *(volume[key] for key in ("group_by", "revision") if volume.get(key)),
    }


def profile_query(name: str, audit_table: sql.Composable) -> sql.Composed:
    """One query over the audited batch (its audit table, and the runner's temp table
    audit_failures) that returns its profile as jsonb: rows, valid_rows, nulls of the
    watched columns, duplicate keys, rows per group (stats period / land file)."""
    config = load_config(name)
    # blanks among the rows that passed the suite: the failing rows are few, so the lookup
    # runs only for a blank value
    nulls = sql.SQL(", ").join(
        sql.SQL("{}, count(*) filter (where {} is null and b.raw_id not in (table failed))").format(
            sql.Literal(column), sql.Identifier(column)
        )
        for column in config.get("null_ratio", {}).get("columns", [])
    )
    grain = config.get("duplicate_keys", {}).get("grain")
    if grain:
        # the keys seen twice, grouped once: counted, and the first five named
        repeated = sql.SQL(
            ",\nrepeated as materialized (select source_key from {audit_table}"
            " where source_key is not null group by {keys} having count(*) > 1)"
        ).format(keys=sql.SQL(", ").join(map(sql.Identifier, grain)), audit_table=audit_table)
        duplicates = sql.SQL("(select count(*) from repeated)")
        examples = sql.SQL(
            "(select coalesce(jsonb_agg(k order by k), '[]'::jsonb) from ("
            "select distinct source_key as k from repeated order by 1 limit 5) as e)"
        )
    else:
        repeated, duplicates, examples = sql.SQL(""), sql.SQL("0"), sql.SQL("'[]'::jsonb")
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
            " from {audit_table} where {group} is not null group by 1, 2) as per_group"
            " order by g, r desc nulls last) as latest)"
        ).format(group=group, revision=revision, audit_table=audit_table)
    else:
        groups = sql.SQL("'{}'::jsonb")  # not formatted: braces as they are
    return sql.SQL(
        "with failed as materialized (select distinct raw_id from audit_failures){repeated}\n"
        "select jsonb_build_object(\n"
        "    'rows', totals.rows,\n"
        "    'valid_rows', totals.rows - (select count(*) from failed),\n"
        "    'nulls', totals.nulls,\n"
        "    'duplicate_keys', {duplicates},\n"
        "    'duplicate_examples', {examples},\n"
        "    'groups', {groups}\n"
        ")\n"
        "from (\n"
        "    select count(*) as rows, jsonb_build_object({nulls}) as nulls\n"
        "    from {audit_table} as b\n"
        ") as totals"
    ).format(
        audit_table=audit_table,
        repeated=repeated,
        nulls=nulls,
        duplicates=duplicates,
        examples=examples,
        groups=groups,
    )


def check_batch(
    conn: Any,
    source_system: str,
    entity: str,
    batch_id: str,
    *,
    changed_periods: dict[str, Any] | None = None,
) -> BatchCheckResult:
    """Run the batch-level checks on an audited batch and store their outcome with its audit.

    ``conn`` is a psycopg connection (the caller commits). ``changed_periods``: for a
    snapshot source (stats), the periods this batch changed, {period: revision} — including
    periods whose new revision is empty, which bring no rows at all; by default, the
    periods the batch has rows for.
    """
    name = f"{source_system}__{entity}"
    config = load_config(name)
    audit = _one(conn, "batch_audit", {"batch_id": batch_id})
    if audit is None:
        raise LookupError(f"batch {batch_id} has not been audited")
    profile = audit["profile"] or {}
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
    checks: list[dict[str, Any]] = []
    if "duplicate_keys" in config:
        checks.append(_duplicates(config["duplicate_keys"], profile))
    if "null_ratio" in config:
        checks.extend(_null_ratios(config["null_ratio"], profile, history))
    if "volume" in config:
        checks.extend(_volume(conn, config["volume"], audit, history, changed_periods))
    with conn.cursor() as cur:
        cur.execute(
            _sql("record_batch_checks"), {"batch_id": batch_id, "batch_checks": Jsonb(checks)}
        )
    return BatchCheckResult(batch_id, checks)


# ------------------------------------------------------------------------------ the checks


def _check(name: str, status: str, detail: str, **observed: Any) -> dict[str, Any]:
    return {"check": name, "status": status, "detail": detail, **observed}


def _duplicates(settings: dict[str, Any], profile: dict[str, Any]) -> dict[str, Any]:
    found = int(profile.get("duplicate_keys", 0))
    grain = " + ".join(settings["grain"])
    if found > settings["max"]:
        examples = ", ".join(profile.get("duplicate_examples", []))
        return _check(
            "duplicate_keys",
            "failed",
            f"{found} keys ({grain}) appear more than once with different content"
            f" (e.g. {examples})",
            observed=found,
        )
    return _check("duplicate_keys", "passed", f"no key ({grain}) twice", observed=found)


def _null_ratios(
    settings: dict[str, Any], profile: dict[str, Any], history: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    recent = [h["profile"] for h in history[: settings["history_batches"]] if h["profile"]]
    rows = int(profile.get("valid_rows", 0))
    checks = []
    for column in settings["columns"]:
        name = f"null_ratio:{column}"
        history_rows = sum(
            int(p.get("valid_rows", 0)) for p in recent if column in p.get("nulls", {})
        )
        if rows < settings["min_rows"] or history_rows < settings["min_history_rows"]:
            checks.append(
                _check(
                    name,
                    "skipped",
                    f"{rows} valid rows (need {settings['min_rows']}), {history_rows} in history"
                    f" (need {settings['min_history_rows']})",
                )
            )
            continue
        ratio = int(profile["nulls"].get(column, 0)) / rows
        usual = sum(int(p["nulls"][column]) for p in recent if column in p.get("nulls", {}))
        usual /= history_rows
        status = "failed" if ratio > usual + settings["max_rise"] else "passed"
        checks.append(
            _check(
                name,
                status,
                f"{column} blank in {ratio:.0%} of {rows} valid rows, usually {usual:.0%}"
                f" (allowed: up to {usual + settings['max_rise']:.0%})",
                observed=round(ratio, 4),
                usual=round(usual, 4),
            )
        )
    return checks


def _volume(
    conn: Any,
    settings: dict[str, Any],
    audit: dict[str, Any],
    history: list[dict[str, Any]],
    changed_periods: dict[str, Any] | None,
) -> list[dict[str, Any]]:
    kind = settings["kind"]
    if kind == "snapshots":
        return _snapshot_volume(conn, settings, audit["profile"] or {}, changed_periods)
    if audit["full_reread"]:
        return [_full_reread(conn, settings, audit)]
    if kind == "files":
        return _file_surges(settings, audit["profile"] or {}, history)
    return [_surge(settings, int(audit["rows_checked"]), history)]


def _surge(settings: dict[str, Any], rows: int, history: list[dict[str, Any]]) -> dict[str, Any]:
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
    limit = settings["surge_factor"] * median
    if rows > limit and rows >= settings["surge_min_rows"]:
        return _check(
            "volume",
            "failed",
            f"{rows} rows, more than {settings['surge_factor']} × the median {median:g} of the"
            f" last {len(sizes)} batches",
            observed=rows,
            median=median,
        )
    return _check("volume", "passed", f"{rows} rows (median {median:g})", observed=rows)


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
