"""The summary `hub status` prints and `hub demo` prints beside the ground truth: projects per
stage, current records and open rejects per source, each department's last sync, the time of
each step of the latest run, the latest publish and the last day's alerts
(``hub.pipeline.summarize``'s dict)."""

from __future__ import annotations


def print_summary(summary: dict) -> None:
    from hub.lifecycle import STAGE_ZH, STAGES
    from hub.sources import source_systems

    print("Projects per stage:")
    for stage in STAGES:
        print(
            f"  {stage:<20} {STAGE_ZH[stage]:<4} {summary['projects_per_stage'].get(stage, 0):>6}"
        )
    print("Records per source (current / rejected):")
    for source in source_systems():
        print(
            f"  {source:<9} {summary['records_per_source'].get(source, 0):>7} / "
            f"{summary['rejects_per_source'].get(source, 0):>5}"
        )
    departments = summary.get("department_status") or []
    if departments:
        print("Departments' last sync (shared.sync_status):")
        for row in departments:
            succeeded = row["last_success_at"]
            since = f"last ok {succeeded:%Y-%m-%d %H:%M:%S %Z}" if succeeded else "never ok"
            detail = f": {row['detail']}" if row["last_status"] != "ok" and row["detail"] else ""
            print(f"  {row['source_system']:<9} {row['last_status']:<8} {since}{detail}")
    steps = summary.get("last_run_steps") or []
    if steps:
        first = steps[0]
        print(f"Latest run {first['run_id']} ({first['started_at']:%Y-%m-%d %H:%M:%S %Z}):")
        for step in steps:
            where = step["source_system"] or "publish"
            rows = "" if step["row_count"] is None else f"{step['row_count']:>9,} rows"
            failed = "" if step["succeeded"] else "  FAILED"
            print(f"  {where:<9} {step['step']:<13} {step['seconds']:>9.3f} s {rows}{failed}")
    publish = summary.get("last_publish")
    if publish and publish["scope"]:  # a publish before incremental publishing has none
        print(
            f"Latest publish ({publish['published_at']:%Y-%m-%d %H:%M:%S %Z}): {publish['scope']},"
            f" {publish['records_changed']:,} source records changed,"
            f" {publish['projects_recomputed']:,} of {publish['projects']:,} projects recomputed"
        )
    alerts = summary.get("recent_alerts") or []
    if alerts:
        print("Alerts of the last day (meta.alerts):")
        for alert in alerts:
            where = alert["dag_id"] + (f".{alert['task_id']}" if alert["task_id"] else "")
            print(
                f"  {alert['raised_at']:%Y-%m-%d %H:%M:%S %Z} {alert['kind']:<11} "
                f"{alert['source_system'] or '-':<9} {where}: {alert['detail']}"
            )
