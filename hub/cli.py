"""`hub` — the commands operators and other tools call (contract: warehouse.md, "Commands")."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from hub.config import SOURCE_SYSTEMS, Settings


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
    return 0


def _cmd_sync(settings: Settings, args: argparse.Namespace) -> int:
    from hub.pipeline import run_sync

    sources = tuple(args.source) if args.source else SOURCE_SYSTEMS
    report = run_sync(settings, full=args.full, sources=sources)
    for item in report.ingested:
        print(
            f"{item['source_system']:<9} received {item['records_received']:>7}  "
            f"new {item['records_new']:>7}  rejected {item['rejected']:>5}  "
            f"batch {item['batch_id']}"
        )
    for source_system, error in report.failures.items():
        print(f"{source_system:<9} FAILED: {error}", file=sys.stderr)
    if report.published:
        print(f"published {report.published['projects']} projects")
    return 0 if report.ok else 1


def _cmd_status(settings: Settings, args: argparse.Namespace) -> int:
    from hub.pipeline import summarize

    print_summary(summarize(settings))
    return 0


def print_summary(summary: dict) -> None:
    from hub.lifecycle import STAGE_ZH, STAGES

    print("Projects per stage:")
    for stage in STAGES:
        print(
            f"  {stage:<20} {STAGE_ZH[stage]:<4} {summary['projects_per_stage'].get(stage, 0):>6}"
        )
    print("Records per source (current / rejected):")
    for source in SOURCE_SYSTEMS:
        print(
            f"  {source:<9} {summary['records_per_source'].get(source, 0):>7} / "
            f"{summary['rejects_per_source'].get(source, 0):>5}"
        )


def _cmd_sandbox_serve(settings: Settings, args: argparse.Namespace) -> int:
    from hub.sandbox import SandboxCredentials, serve_forever

    land_dir = Path(args.land_dir) if args.land_dir else settings.land.directory
    # The sandbox accepts whatever credentials the hub is configured with, so one .env
    # serves both sides; unset ones keep the sandbox defaults.
    defaults = SandboxCredentials()
    credentials = SandboxCredentials(
        commerce_key=settings.commerce.api_key or defaults.commerce_key,
        approval_client_id=settings.approval.client_id or defaults.approval_client_id,
        approval_client_secret=settings.approval.client_secret or defaults.approval_client_secret,
        stats_token=settings.stats.token or defaults.stats_token,
    )
    serve_forever(
        args.size,
        args.seed,
        land_dir,
        truth_path=args.truth,
        host=args.host,
        credentials=credentials,
    )
    return 0


def _cmd_demo(settings: Settings, args: argparse.Namespace) -> int:
    from hub.demo import run_demo

    return run_demo(settings, size=args.size, seed=args.seed, via=args.via)


def _cmd_access_grant(settings: Settings, args: argparse.Namespace) -> int:
    import getpass

    from hub.access import AccessError, grant
    from hub.pipeline import warehouse_url

    password = settings.access_password
    if password is None and sys.stdin.isatty():
        password = getpass.getpass(f"password for {args.login} (used only if it is new): ") or None
    try:
        for line in grant(
            warehouse_url(settings),
            args.login,
            args.role,
            district_code=args.district,
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


def _cmd_review(settings: Settings, args: argparse.Namespace) -> int:
    from hub.access import AccessError, review
    from hub.pipeline import warehouse_url

    try:
        print(review(warehouse_url(settings), args.candidate_id, args.decision, args.note))
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
        "--source", action="append", choices=SOURCE_SYSTEMS, help="only this source (repeatable)"
    )
    sync.set_defaults(handler=_cmd_sync)

    commands.add_parser(
        "status", help="projects per stage, records and rejects per source"
    ).set_defaults(handler=_cmd_status)

    commands.add_parser(
        "rebuild", help="recompute core and shared from raw (replays every merged batch)"
    ).set_defaults(handler=_cmd_rebuild)

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
    demo.set_defaults(handler=_cmd_demo)
    access = commands.add_parser("access", help="who may read the warehouse").add_subparsers(
        dest="access_command", required=True
    )
    grant = access.add_parser("grant", help="make LOGIN (created if missing) a member of ROLE")
    grant.add_argument("login")
    grant.add_argument("role", help="hub_loader, hub_reader, hub_steward or dept_<department>")
    grant.add_argument("--district", help="limit the login to this 6-digit district code")
    grant.set_defaults(handler=_cmd_access_grant)
    revoke = access.add_parser("revoke", help="remove LOGIN's hub role and district scope")
    revoke.add_argument("login")
    revoke.set_defaults(handler=_cmd_access_revoke)

    review = commands.add_parser("review", help="a steward settles a match candidate")
    review.add_argument("decision", choices=("accept", "reject"))
    review.add_argument("candidate_id", type=int)
    review.add_argument("--note", help="why (kept with the decision)")
    review.set_defaults(handler=_cmd_review)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    return args.handler(Settings.from_env(), args)


if __name__ == "__main__":
    sys.exit(main())
