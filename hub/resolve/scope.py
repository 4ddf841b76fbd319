"""Which records one publish must relink, and which projects it must recompute.

Resolution compares only entities that share a block (``linking.candidate_pairs``), and a
project's row depends only on its own records. So records that share nothing with any
changed record — no code, company, investor, name block, project or steward decision, now
or at the last publish — link exactly as they did, and their projects stay as published.
Changed records are found without reading every record: core rows written since the last
publish's snapshot (their xmin), records gone, stats projects whose row count changed; of
those, the ones whose hashes differ from the last publish's. An incremental publish relinks
the closure of the changed records under "shares something" (to a fixpoint, in SQL over
indexed tables) and recomputes the
projects those records and the changed ones are linked to, before and after. Within that
closure it runs the very same resolution as a full publish: same blocks, same pairs, same
order, so it decides the same (tests/e2e/test_incremental_publish.py proves the result equal
to a full publish). The name blocks of each record's entity are kept from publish to
publish in meta.published_records; codes, companies and investors are read from the records.

A full publish (the first, `hub rebuild`, after the code, the warehouse SQL, the reference
data or a steward decision changed) puts everything in scope.
"""

from __future__ import annotations

from dataclasses import dataclass

import psycopg
from psycopg import sql

from hub.resolve.entities import build_entities
from hub.resolve.linking import StewardDecision, name_block_ids
from hub.resolve.records import MatchRecord
from hub.warehouse.connection import run_sql_file, sql_statement

# A fixpoint that needs more rounds than this is a chain through most of the city: the
# full publish is then as cheap, and it is what runs.
MAX_ROUNDS = 50
# A scope past this share of the records is cheaper resolved whole: the rounds stop, and the
# publish is full. (Blocks grow with the city: at a province's size the closure of a few
# changed records can reach most of them. BENCHMARKS.md has the figures.)
MAX_SCOPE_SHARE = 0.15
# Beyond this many transactions since the last publish, read every record as changed.
WRAP_SAFE_AGE = 1 << 30


@dataclass
class PublishScope:
    full: bool
    records_changed: int  # since the last publish: new, gone, or any of their rows
    records: list[MatchRecord]  # the current records resolution relinks
    decisions: list[StewardDecision]  # all of them: few, and read by every resolution
    rounds: int = 0


def load_decisions(conn: psycopg.Connection) -> list[StewardDecision]:
    with conn.cursor() as cur:
        cur.execute(sql_statement("core/steward_decisions.sql"))
        return [StewardDecision((s, k), (ts, tk), accept) for s, k, ts, tk, accept in cur]


def plan_scope(conn: psycopg.Connection, *, full: bool) -> PublishScope:
    """Fill the scope's temporary tables (core/create_publish_scope.sql) in the caller's
    transaction and read the records in scope."""
    decisions = load_decisions(conn)
    run_sql_file(conn, "core/create_publish_scope.sql")
    with conn.cursor() as cur, cur.copy(sql_statement("core/copy_steward_pairs.sql")) as copy:
        for decision in decisions:
            copy.write_row((*decision.record, *decision.target))
    horizon = change_horizon(conn)
    changed: int | None = None
    if not full and horizon is not None:
        changed = _find_changed(conn, horizon)
        run_sql_file(conn, "core/scope_changed_inputs.sql")
        records, rounds = _widen_to_fixpoint(conn)
        if records is not None:
            run_sql_file(conn, "core/scope_projects.sql")  # the projects records may leave
            return PublishScope(False, changed, records, decisions, rounds)
    run_sql_file(conn, "core/scope_everything.sql")
    conn.execute("analyze scope_records")  # a temporary table has no statistics until then
    _add_inputs(conn, "scope_records")
    if changed is not None:  # an incremental publish that reached too far
        pass
    elif horizon is not None:
        changed = _find_changed(conn, horizon)
    else:  # nothing to go by: every record counts as changed
        (changed,) = conn.execute("select count(*) from scope_records").fetchone()
    return PublishScope(True, changed, load_scope_records(conn), decisions)


def _find_changed(conn: psycopg.Connection, horizon: int) -> int:
    """Fill changed_keys and changed_records; the number of records possibly changed."""
    run_sql_file(conn, "core/find_changed_keys.sql", {"horizon": horizon})
    conn.execute("analyze changed_keys")
    _add_inputs(conn, "changed_keys")
    return run_sql_file(conn, "core/find_changed_records.sql").rowcount


def change_horizon(conn: psycopg.Connection) -> int | None:
    """How many transactions ago began the oldest one the last publish could not see (core
    rows written since are read as possibly changed); None when there is no such publish or
    it is so long ago that row ages may have wrapped (PostgreSQL's xids are 32-bit)."""
    row = run_sql_file(conn, "core/change_horizon.sql").fetchone()
    if row is None or row[0] is None or row[0] >= WRAP_SAFE_AGE:
        return None
    return row[0]


def mark_projects_to_publish(conn: psycopg.Connection, scope: PublishScope) -> int:
    """After resolution: publish_scope gets the projects the records in scope (and the
    changed ones) are linked to now, or every project if the publish is full. Returns
    how many projects are in it."""
    run_sql_file(conn, "core/scope_all_projects.sql" if scope.full else "core/scope_projects.sql")
    conn.execute("analyze publish_scope")  # a temporary table has no statistics until then
    (projects,) = conn.execute("select count(*) from publish_scope").fetchone()
    return projects


def _widen_to_fixpoint(conn: psycopg.Connection) -> tuple[list[MatchRecord] | None, int]:
    """Grow scope_records until nothing more shares anything with it. The SQL rounds follow
    what was published and what the records say; then the entities of the scope are built
    and any name block they are in now that no round has followed yet starts more rounds.
    None when it did not settle within MAX_ROUNDS, or grew past MAX_SCOPE_SHARE."""
    changed = {
        (system, key)
        for system, key in conn.execute(
            "select source_system, source_key from changed_records where input_changed"
        )
    }
    (published,) = conn.execute("select count(*) from meta.published_records").fetchone()
    in_scope = conn.execute("select count(*) from scope_records").fetchone()[0]
    round_ = 0
    while round_ < MAX_ROUNDS and in_scope <= MAX_SCOPE_SHARE * published:
        run_sql_file(conn, "core/scope_attributes.sql", {"round": round_})
        added = run_sql_file(conn, "core/scope_widen.sql", {"round": round_}).rowcount
        in_scope += added
        round_ += 1
        if added:
            continue
        _add_inputs(conn, "scope_records")
        records = load_scope_records(conn)
        # An entity none of whose records changed is in the blocks it was in (the rounds
        # followed those): only the changed records' code groups can be in new ones.
        codes = {r.project_code for r in records if r.key in changed and r.project_code}
        touched = [r for r in records if r.key in changed or r.project_code in codes]
        blocks = sorted({b for e in build_entities(touched) for b in name_block_ids(e)})
        fresh = run_sql_file(
            conn, "core/add_scope_blocks.sql", {"round": round_, "blocks": blocks}
        ).rowcount
        if not fresh:
            return records, round_
    return None, round_


def _add_inputs(conn: psycopg.Connection, keys: str) -> None:
    run_sql_file(conn, "core/add_publish_inputs.sql", keys=sql.Identifier(keys))


def load_scope_records(conn: psycopg.Connection) -> list[MatchRecord]:
    """The records in scope as resolution compares them (from publish_inputs)."""
    with conn.cursor() as cur:
        cur.execute(sql_statement("core/scope_match_records.sql"))
        return [MatchRecord(*row) for row in cur]
