"""`hub` — the commands operators and other tools call (contract: warehouse.md, "Commands")."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from contextlib import nullcontext
from pathlib import Path

from hub.config import Settings
from hub.sources import source_systems
from hub.summary import print_summary


def _cmd_db_upgrade(settings: Settings, args: argparse.Namespace) -> int:
    from hub.pipeline import warehouse_url
    from hub.warehouse.migrations import upgrade

    report = upgrade(warehouse_url(settings), settings.reference_dir)
    if report.changed:
        for name in report.applied_migrations:
            print(f"applied migration {name}")
        for name in report.applied_repeatables:
            print(f"applied {name}")
        if report.reference_reloaded:
            print(f"loaded reference data from {settings.reference_dir}")
    else:
        print("warehouse is up to date")
    for notice in report.notices:
        print(f"note: {notice}")
    return 0


def default_sync_jobs(departments: int) -> int:
    """One ingest per two cores: each keeps its Python process and its server backend busy.
    On 2 cores two ingests at once were slower than one after another (BENCHMARKS.md:
    27.1 s against 23.4 s for a full sync of 93k records)."""
    return max(1, min(departments, (os.cpu_count() or 1) // 2))


#: `hub sync`'s re-pull flags: option → (department, window unit).
WINDOW_FLAGS = {"dates": ("land", "day"), "periods": ("stats", "month")}


def _sync_windows(args: argparse.Namespace, chosen: tuple[str, ...]) -> dict:
    """`--dates` / `--periods` as {department: RepullWindow}; ValueError when malformed,
    combined with --full, or for a department the sync does not read."""
    from connectors.common.window import parse_window

    windows = {}
    for flag, (source_system, unit) in WINDOW_FLAGS.items():
        text = getattr(args, flag, None)
        if text is None:
            continue
        if args.full:
            raise ValueError(f"--{flag} re-pulls a range; --full re-reads everything: not both")
        if source_system not in chosen:
            raise ValueError(f"--{flag} re-pulls {source_system}: add --source {source_system}")
        windows[source_system] = parse_window(text, unit)
    return windows


def _cmd_sync(settings: Settings, args: argparse.Namespace) -> int:
    from hub.pipeline import run_sync
    from hub.progress import ProgressReporter, shown

    sources = tuple(args.source) if args.source else None
    chosen = sources or source_systems()
    try:
        windows = _sync_windows(args, chosen)
    except ValueError as error:
        print(f"hub sync: {error}", file=sys.stderr)
        return 2
    jobs = args.jobs or settings.sync_jobs or default_sync_jobs(len(chosen))
    reporter = (
        ProgressReporter(chosen, sys.stderr, terminal=_is_terminal(sys.stderr))
        if args.progress
        else None
    )
    with shown(reporter) if reporter else nullcontext():
        report = run_sync(
            settings,
            full=args.full,
            sources=sources,
            jobs=jobs,
            progress=reporter.update if reporter else None,
            windows=windows,
        )
    for item in report.ingested:
        held = "  HELD (see `hub dq`)" if item.get("status") == "held" else ""
        print(
            f"{item['source_system']:<9} received {item['records_received']:>7}  "
            f"new {item['records_new']:>7}  rejected {item['rejected']:>5}  "
            f"batch {item['batch_id']}{held}"
        )
    for source_system, reason in report.failures.items():
        print(f"{source_system} FAILED: {reason}", file=sys.stderr)
    if report.published:
        unchanged = (
            " (nothing changed since the last publish)" if report.published.get("unchanged") else ""
        )
        print(f"published {report.published['projects']} projects{unchanged}")
    if report.publish_failure:
        print(f"publish FAILED: {report.publish_failure}", file=sys.stderr)
    return 0 if report.ok else 1


def _is_terminal(stream) -> bool:
    """Whether a block redrawn in place will look right there (not a log, a pipe, a dumb
    terminal)."""
    return stream.isatty() and os.environ.get("TERM") != "dumb"


def _cmd_status(settings: Settings, args: argparse.Namespace) -> int:
    from hub.pipeline import summarize

    print_summary(summarize(settings))
    return 0


def _cmd_sandbox_serve(settings: Settings, args: argparse.Namespace) -> int:
    from hub.components import require_sandbox

    sandbox = require_sandbox("hub sandbox serve")
    land_dir = Path(args.land_dir) if args.land_dir else settings.land.directory
    # The sandbox accepts whatever credentials the hub is configured with, so one .env
    # serves both sides; unset ones keep the sandbox defaults.
    defaults = sandbox.SandboxCredentials()
    credentials = sandbox.SandboxCredentials(
        commerce_key=settings.commerce.api_key or defaults.commerce_key,
        approval_client_id=settings.approval.client_id or defaults.approval_client_id,
        approval_client_secret=settings.approval.client_secret or defaults.approval_client_secret,
        stats_token=settings.stats.token or defaults.stats_token,
    )
    sandbox.serve_forever(
        args.size,
        args.seed,
        land_dir,
        truth_path=args.truth,
        host=args.host,
        credentials=credentials,
        faults=(
            sandbox.FaultKnobs(seed=args.seed, hostile_records=args.hostile)
            if args.hostile
            else None
        ),
        name_variation=args.names,
    )
    return 0


def _cmd_demo(settings: Settings, args: argparse.Namespace) -> int:
    from hub.demo import run_demo

    return run_demo(
        settings,
        size=args.size,
        seed=args.seed,
        via=args.via,
        hostile=args.hostile,
        names=args.names,
    )


def _cmd_access_grant(settings: Settings, args: argparse.Namespace) -> int:
    import getpass

    from hub.access import AccessError, grant
    from hub.pipeline import warehouse_url

    password = settings.access_password
    if password is None and sys.stdin.isatty():
        password = (
            getpass.getpass(
                f"password for {args.login} (empty keeps an existing login's password): "
            )
            or None
        )
    try:
        for line in grant(
            warehouse_url(settings),
            args.login,
            args.role,
            district_code=None if args.all_districts else args.district,
            password=password,
        ):
            print(line)
    except AccessError as error:
        print(f"hub access grant: {error}", file=sys.stderr)
        return 2
    return 0


def _cmd_access_revoke(settings: Settings, args: argparse.Namespace) -> int:
    from hub.access import AccessError, revoke
    from hub.pipeline import warehouse_url

    try:
        for line in revoke(warehouse_url(settings), args.login):
            print(line)
    except AccessError as error:
        print(f"hub access revoke: {error}", file=sys.stderr)
        return 2
    return 0


def _cmd_access_list(settings: Settings, args: argparse.Namespace) -> int:
    from hub.access import list_access
    from hub.pipeline import warehouse_url

    rows = list_access(warehouse_url(settings), history=args.history)
    if args.history:
        for row in rows:
            print(
                f"{row['logged_at']:%Y-%m-%d %H:%M:%S%z}  {row['action']:<6}  {row['login']}  "
                f"{row['role_name'] or '-'}  {row['scope'] or '-'}  by {row['actor']}"
            )
    else:
        for row in rows:
            state = "dropped" if row["dropped"] else ("" if row["can_login"] else "cannot log in")
            print(
                f"{row['login']}  {row['role_name']}  {row['scope']}  since "
                f"{row['granted_at']:%Y-%m-%d %H:%M:%S%z} by {row['granted_by']}"
                + (f"  ({state})" if state else "")
            )
    print(f"{len(rows)} {'entr(ies)' if args.history else 'login(s)'}")
    return 0


def _cmd_review(settings: Settings, args: argparse.Namespace) -> int:
    from hub.access import AccessError, review, review_queue
    from hub.pipeline import warehouse_url

    if args.action == "list":
        rows = review_queue(warehouse_url(settings), args.limit)
        for row in rows:
            print(
                f"{row['candidate_id']:>7}  {row['score']:.3f}  "
                f"{row['source_system']}/{row['source_key']} → hub project "
                f"{row['hub_project_id']} ({row['target_source_system']}/"
                f"{row['target_source_key']}, {row['project_name'] or '—'})  "
                f"agreed: {', '.join(row['agreed'] or []) or '—'}; "
                f"disagreed: {', '.join(row['disagreed'] or []) or '—'}"
            )
        print(f"{len(rows)} open candidate(s) shown; settle with `hub review accept|reject ID`")
        return 0
    if args.candidate_id is None:
        print(f"hub review {args.action}: a CANDIDATE_ID is required", file=sys.stderr)
        return 2
    try:
        print(review(warehouse_url(settings), args.candidate_id, args.action, args.note))
    except AccessError as error:
        print(f"hub review: {error}", file=sys.stderr)
        return 2
    return 0


def _cmd_rebuild(settings: Settings, args: argparse.Namespace) -> int:
    from hub.rebuild import rebuild

    result = rebuild(settings)
    for source_system, batches in result["batches_replayed"].items():
        print(f"{source_system:<9} replayed {batches} merged batches from raw")
    print(f"published {result['published']['projects']} projects")
    return 0


def _cmd_report(settings: Settings, args: argparse.Namespace) -> int:
    from hub.bulletin import write_atomically
    from hub.report import render

    content = render(settings, args.period, args.format)
    if args.output and args.output != "-":
        write_atomically(Path(args.output), content)
    else:
        sys.stdout.flush()
        sys.stdout.buffer.write(content)
        sys.stdout.buffer.flush()
    return 0


def _report_period(text: str):
    from hub.report import parse_period

    try:
        return parse_period(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def _cmd_dq_summary(settings: Settings, args: argparse.Namespace) -> int:
    from hub.pipeline import warehouse_url
    from hub.warehouse.connection import connect, fetch_dicts

    with connect(warehouse_url(settings)) as conn:
        batches = fetch_dicts(
            conn,
            "reports/dq_batches.sql",
            {"per_source": args.batches, "source_system": args.source},
        )
        held = fetch_dicts(conn, "reports/dq_held_batches.sql")
        rejects = fetch_dicts(conn, "reports/dq_open_rejects.sql")
        core = fetch_dicts(conn, "reports/dq_core.sql")
    print_dq_summary(batches, held, rejects, core, settings.data_docs_dir, source=args.source)
    return 0


def print_dq_summary(batches, held, rejects, core, data_docs_dir: Path, *, source=None) -> None:
    """`hub dq`: per source, what the last audits found; held batches; the core checks."""
    print("Data quality: last audited batches with rows, per source (--batches N for more)")
    by_source: dict[str, list[dict]] = {}
    for row in batches:
        by_source.setdefault(row["source_system"], []).append(row)
    for source_system in (source,) if source else source_systems():
        rows = by_source.get(source_system)
        if not rows:
            print(f"  {source_system:<9} no audited batch with rows yet")
            continue
        for row in rows:
            share = row["rows_rejected"] / row["rows_checked"] if row["rows_checked"] else 0.0
            reasons = ", ".join(f"{reason} {n}" for reason, n in row["top_reasons"]) or "none"
            status = row["status"].upper() if row["status"] == "held" else row["status"]
            print(
                f"  {source_system:<9} {row['batch_id']}  {row['audited_at']:%Y-%m-%d %H:%M}  "
                f"{status}"
            )
            print(
                f"            rows checked {row['rows_checked']}, rejected {row['rows_rejected']}"
                f" ({share:.1%}); top reasons: {reasons}"
            )
            if row["failed_checks"]:
                for check in row["failed_checks"]:
                    print(f"            batch check FAILED  {check['check']}: {check['detail']}")
            elif row["batch_checks"]:
                print(
                    f"            batch checks passed ({row['skipped_checks']} of"
                    f" {row['batch_checks']} skipped: not enough history)"
                )
            if row["released_at"]:
                print(
                    f"            released by {row['released_by']} at"
                    f" {row['released_at']:%Y-%m-%d %H:%M}"
                )
    if held:
        print("Held batches (not merged; shared keeps the last good data):")
        for row in held:
            print(f"  {row['source_system']:<9} {row['batch_id']}  {row['detail']}")
            print(f"            after review: hub dq release {row['batch_id']}")
    else:
        print("Held batches: none")
    print("Open rejects per source and reason (shared.rejected_records):")
    if not rejects:
        print("  none")
    for row in rejects:
        print(f"  {row['source_system']:<9} {row['reason']:<40} {row['records']:>6}")
    if core:
        run = core[0]
        verdict = "OK" if run["success"] else "FAILED"
        print(
            f"Checks on the merged core (core.projects, {run['audited_at']:%Y-%m-%d %H:%M}): "
            f"{run['rows_checked']} projects, {verdict}"
        )
        for finding in run["findings"]:
            ids = ", ".join(map(str, finding["sample_hub_project_ids"][:10]))
            print(
                f"  {finding['severity']:<8} {finding['reason']}: {finding['failing_rows']} rows"
                f"{f' (e.g. hub_project_id {ids})' if ids else ''}"
            )
        if run["error"]:
            print(f"  error: {run['error']}")
    else:
        print("Checks on the merged core: not run yet")
    index = Path(data_docs_dir) / "index.html"
    print(f"GX Data Docs: {index}" + ("" if index.exists() else " (not built yet)"))


def _cmd_dq_release(settings: Settings, args: argparse.Namespace) -> int:
    from hub.pipeline import release_batch

    try:
        result = release_batch(settings, args.batch_id, released_by=args.by, note=args.note)
    except (LookupError, ValueError) as error:
        print(f"cannot release: {error}", file=sys.stderr)
        return 1
    if not result["released"]:
        print(f"{args.batch_id} is already merged; nothing to do")
        return 0
    print(
        f"released {args.batch_id} ({result['source_system']}): merged into core; "
        f"published {result['published']['projects']} projects"
    )
    return 0


def _cmd_dq_docs(settings: Settings, args: argparse.Namespace) -> int:
    from expectations.docs import build_data_docs
    from hub.pipeline import warehouse_url
    from hub.warehouse.connection import sqlalchemy_engine

    with sqlalchemy_engine(warehouse_url(settings)) as engine:
        index = build_data_docs(engine, settings.data_docs_dir)
    print(f"GX Data Docs: {index}")
    return 0


HOSTILE_HELP = (
    "mix N hostile records (NUL bytes, NaN, invalid UTF-8, ...) into each department's feed;"
    " they belong to no project, so the stage counts must not change (default 0)"
)


NAMES_HELP = (
    "how the departments write names and keys: 'none' (as the model decided them) or"
    " 'realistic' (clerks' abbreviations, reorderings, typos, ...; keys as departments really"
    " send them; look-alike projects that must not be linked) (default none)"
)


def _non_negative_int(text: str) -> int:
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be >= 0, not {value}")
    return value


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be >= 1, not {value}")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="hub", description=__doc__)
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress")
    commands = parser.add_subparsers(dest="command", required=True)

    db = commands.add_parser("db", help="warehouse structure").add_subparsers(
        dest="db_command", required=True
    )
    db.add_parser("upgrade", help="create or migrate the warehouse (idempotent)").set_defaults(
        handler=_cmd_db_upgrade
    )

    sync = commands.add_parser("sync", help="one complete pass over every source")
    sync.add_argument(
        "--full", action="store_true", help="ignore watermarks and re-read everything"
    )
    sync.add_argument(
        "--source", action="append", choices=source_systems(), help="only this source (repeatable)"
    )
    sync.add_argument(
        "--dates",
        metavar="FIRST..LAST",
        help="re-pull the land files of these dates (YYYY-MM-DD or YYYYMMDD, one or a range"
        " such as 2024-03-01..2024-03-05) even if read before: a backfill",
    )
    sync.add_argument(
        "--periods",
        metavar="FIRST..LAST",
        help="re-pull these stats periods (YYYY-MM, one or a range such as 2024-01..2024-03)"
        " at their current revision even if read before: a backfill",
    )
    sync.add_argument(
        "--jobs",
        type=_positive_int,
        metavar="N",
        help="departments ingested at once, each in a process of its own (default"
        " $HUB_SYNC_JOBS, else the number of departments or of CPUs, whichever is smaller);"
        " 1: one after another, in this process",
    )
    sync.add_argument(
        "--no-progress",
        dest="progress",
        action="store_false",
        help="no progress on stderr (a block redrawn on a terminal, log lines elsewhere)",
    )
    sync.set_defaults(handler=_cmd_sync)

    commands.add_parser(
        "status", help="projects per stage, records and rejects per source"
    ).set_defaults(handler=_cmd_status)

    commands.add_parser(
        "rebuild", help="recompute core and shared from raw (replays every merged batch)"
    ).set_defaults(handler=_cmd_rebuild)

    report = commands.add_parser(
        "report",
        help="the dispatch bulletin of a month, quarter or year to date (html, xlsx or json)",
    )
    report.add_argument(
        "--period",
        required=True,
        type=_report_period,
        metavar="P",
        help="a month 2024-03, a quarter 2024Q1 or a year to date 2024YTD",
    )
    report.add_argument("--format", choices=("html", "xlsx", "json"), default="html")
    report.add_argument("--output", metavar="FILE", help="write to FILE (default: standard output)")
    report.set_defaults(handler=_cmd_report)

    dq = commands.add_parser(
        "dq", help="data quality: what the audits found, held batches, core checks, Data Docs"
    )
    dq.add_argument("--batches", type=int, default=1, help="audited batches per source to show")
    dq.add_argument("--source", choices=source_systems(), help="only this source")
    dq.set_defaults(handler=_cmd_dq_summary)
    dq_commands = dq.add_subparsers(dest="dq_command")
    release = dq_commands.add_parser(
        "release", help="merge a held batch after review (idempotent), then publish"
    )
    release.add_argument("batch_id")
    release.add_argument("--note", help="why it is fine (kept with the batch's audit)")
    release.add_argument("--by", help="who decided (default: the OS user)")
    release.set_defaults(handler=_cmd_dq_release)
    dq_commands.add_parser(
        "docs", help="rebuild the GX Data Docs from the stored validation results"
    ).set_defaults(handler=_cmd_dq_docs)

    sandbox = commands.add_parser("sandbox", help="simulated departments").add_subparsers(
        dest="sandbox_command", required=True
    )
    serve = sandbox.add_parser("serve", help="serve a generated scenario on the contract's ports")
    serve.add_argument("--size", type=int, default=300, help="number of true projects")
    serve.add_argument("--seed", type=int, default=7)
    serve.add_argument(
        "--land-dir", help="where land files are dropped (default $HUB_SOURCE_LAND_DIR)"
    )
    serve.add_argument("--truth", help="write the scenario's ground truth (JSON) here")
    serve.add_argument(
        "--host", default="127.0.0.1", help="address to bind (0.0.0.0 inside a container)"
    )
    serve.add_argument(
        "--hostile", type=_non_negative_int, default=0, metavar="N", help=HOSTILE_HELP
    )
    serve.add_argument("--names", choices=("none", "realistic"), default="none", help=NAMES_HELP)
    serve.set_defaults(handler=_cmd_sandbox_serve)

    demo = commands.add_parser(
        "demo", help="sandbox + warehouse + sync, then a summary checked against the truth"
    )
    demo.add_argument("--size", type=int, default=300)
    demo.add_argument("--seed", type=int, default=7)
    demo.add_argument(
        "--via",
        choices=("cli", "airflow"),
        default="airflow",
        help="run the sync through Airflow's dag.test() or directly",
    )
    demo.add_argument(
        "--hostile", type=_non_negative_int, default=0, metavar="N", help=HOSTILE_HELP
    )
    demo.add_argument("--names", choices=("none", "realistic"), default="none", help=NAMES_HELP)
    demo.set_defaults(handler=_cmd_demo)
    access = commands.add_parser("access", help="who may read the warehouse").add_subparsers(
        dest="access_command", required=True
    )
    grant = access.add_parser("grant", help="make LOGIN (created if missing) a member of ROLE")
    grant.add_argument("login")
    grant.add_argument("role", help="hub_loader, hub_reader, hub_steward or dept_<department>")
    scope = grant.add_mutually_exclusive_group()
    scope.add_argument("--district", help="limit the login to this 6-digit district code")
    scope.add_argument(
        "--all-districts",
        action="store_true",
        help="every district (also what no --district means; recorded as an explicit grant)",
    )
    grant.set_defaults(handler=_cmd_access_grant)
    revoke = access.add_parser(
        "revoke", help="disable LOGIN and remove its hub role, its CONNECT here and its scope"
    )
    revoke.add_argument("login")
    revoke.set_defaults(handler=_cmd_access_revoke)
    listing = access.add_parser("list", help="who has what here, with which scope, since when")
    listing.add_argument(
        "--history", action="store_true", help="every grant and revoke instead, oldest first"
    )
    listing.set_defaults(handler=_cmd_access_list)

    review = commands.add_parser(
        "review", help="a steward lists open match candidates, or accepts or rejects one"
    )
    review.add_argument("action", choices=("list", "accept", "reject"))
    review.add_argument("candidate_id", type=int, nargs="?", help="for accept and reject")
    review.add_argument("--note", help="why (kept with the decision)")
    review.add_argument("--limit", type=int, default=50, help="list: at most this many")
    review.set_defaults(handler=_cmd_review)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run one command. A command that fails unexpectedly prints ``hub: error: <one line>``
    (redacted, bounded: hub/errors.py) and returns 1; with ``-v`` its traceback is logged too,
    messages redacted. KeyboardInterrupt and SystemExit pass through."""
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    settings: Settings | None = None
    try:
        settings = Settings.from_env()
        return args.handler(settings, args)
    except Exception as error:
        from hub.errors import configured_secrets, one_line, redacted_traceback

        secrets = configured_secrets(settings)
        if args.verbose:
            logging.getLogger("hub").error("%s", redacted_traceback(error, secrets))
        print(f"hub: error: {one_line(error, secrets)}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
