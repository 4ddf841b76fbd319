"""The results document of a run as Markdown tables (what BENCHMARKS.md is made of).

``python -m bench.report RESULTS.json`` prints a kept run (e.g. ``bench/results/*.json``) again.
"""

from __future__ import annotations

import json
import statistics
import sys
from pathlib import Path
from typing import Any


def first_words(text: str, words: int) -> str:
    """A statement on one line, comments dropped, cut after ``words`` words."""
    lines = [line for line in text.splitlines() if not line.strip().startswith("--")]
    flat = " ".join(" ".join(lines).split())
    parts = flat.split(" ")
    return " ".join(parts[:words]) + (" …" if len(parts) > words else "")


def _median(phases: list[dict[str, Any]], key: str) -> float:
    return statistics.median(p[key] for p in phases)


def _fmt_rate(value: float) -> str:
    return f"{value:,.0f}"


def throughput_table(results: dict[str, Any]) -> str:
    repeat = results["repeat"]
    head = (
        "| source | records | plain COPY s | plain rec/s | landing s | landing rec/s "
        "| landing / plain | (median) | CPU s plain: python + server "
        "| CPU s landing: python + server | CPU ratio | overlap bound | versions new "
        "| load avg |\n"
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n"
    )
    rows = []
    for size, sources in results["sizes"].items():
        for source, entry in sources.items():
            plain, land = entry["plain_copy"], entry["landing"]
            plain_s = min(p["seconds"] for p in plain)
            land_s = min(p["seconds"] for p in land)
            median_ratio = _median(plain, "seconds") / _median(land, "seconds")
            plain_cpu, land_cpu = _cpu_total(plain), _cpu_total(land)
            cpu_ratio = f"{plain_cpu[0] / land_cpu[0]:.0%}" if plain_cpu[0] and land_cpu[0] else "–"
            bound = _overlap_bound(plain_s, land)
            rows.append(
                f"| {source} | {int(size):,} | {plain_s:.2f} | {_fmt_rate(int(size) / plain_s)} "
                f"| {land_s:.2f} | {_fmt_rate(int(size) / land_s)} | **{plain_s / land_s:.0%}** "
                f"| {median_ratio:.0%} | {plain_cpu[1]} | {land_cpu[1]} | {cpu_ratio} | {bound} "
                f"| {land[-1]['records_new']:,} | {_median(land, 'load_average'):.1f} |"
            )
    note = (
        f"Best of {repeat} alternating runs (median ratio beside it): the machine was shared, "
        "and the best run is the one least disturbed."
        if repeat > 1
        else "One run each."
    )
    return head + "\n".join(rows) + f"\n\n{note}"


def _overlap_bound(plain_seconds: float, landing: list[dict[str, Any]]) -> str:
    """landing / plain if Python and the server backend never waited for each other.

    Each is one process, so landing cannot take less wall time than the busier of the two
    needs CPU (median over the runs): the ceiling of any overlap scheme (a writer thread or
    process) that leaves the work per record as it is.
    """
    python, server = _cpu_medians(landing)
    if server is None:
        return "–"
    busier = max(python, server)
    return f"{plain_seconds / busier:.0%}" if busier else "–"


def _cpu_medians(phases: list[dict[str, Any]]) -> tuple[float, float | None]:
    """Median CPU seconds of Python and of the server backend (None if not read)."""
    server = [p.get("server_cpu_s") for p in phases]
    if any(v is None for v in server):
        return _median(phases, "python_cpu_s"), None
    return _median(phases, "python_cpu_s"), statistics.median(server)


def _cpu_total(phases: list[dict[str, Any]]) -> tuple[float | None, str]:
    """Median CPU seconds of python + server, and the cell text."""
    py, srv = _cpu_medians(phases)
    if srv is None:
        return None, f"{py:.2f} + –"
    return py + srv, f"{py:.2f} + {srv:.2f}"


def memory_table(results: dict[str, Any]) -> str:
    traced = results.get("tracemalloc")
    head = (
        "| source | records | RSS growth: generator only | plain COPY | landing "
        + ("| tracemalloc peak: plain COPY | landing " if traced else "")
        + "|\n|---|---:|---:|---:|---:"
        + ("|---:|---:" if traced else "")
        + "|\n"
    )
    rows = []
    for size, sources in results["sizes"].items():
        for source, entry in sources.items():
            plain, land = entry["plain_copy"], entry["landing"]
            cells = [
                source,
                f"{int(size):,}",
                f"{entry['generator']['rss_growth_mib']:.1f} MiB",
                f"{max(p['rss_growth_mib'] for p in plain):.1f} MiB",
                f"{max(p['rss_growth_mib'] for p in land):.1f} MiB",
            ]
            if traced:
                cells += [
                    f"{max(p['tracemalloc_peak_mib'] for p in plain):.1f} MiB",
                    f"{max(p['tracemalloc_peak_mib'] for p in land):.1f} MiB",
                ]
            rows.append("| " + " | ".join(cells) + " |")
    return head + "\n".join(rows)


def audit_table(results: dict[str, Any]) -> str:
    head = (
        "| source | records | rows rejected | audit s | landing s | audit / landing "
        "| typing the batch: s (/ landing) "
        "| in GX: s (statements, s in them) | runner's own SQL s | RSS growth |\n"
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n"
    )
    rows = []
    for size, sources in results["sizes"].items():
        for source, entry in sources.items():
            audit = entry.get("audit")
            if not audit:
                if "audit_error" in entry:
                    error = entry["audit_error"].splitlines()[0][:120].replace("|", "/")
                    rows.append(f"| {source} | {int(size):,} | audit failed: {error} ||||||||")
                continue
            rows.append(
                f"| {source} | {int(size):,} | {audit['rows_rejected']:,} | {audit['seconds']:.1f} "
                f"| {audit['landing_seconds']:.2f} | **{audit['ratio_to_landing']:.0%}** "
                f"| {_typing_cell(audit)} "
                f"| {audit['gx_seconds']:.1f} ({audit['gx_statements']}, "
                f"{audit['gx_statement_seconds']:.1f}) "
                f"| {audit['runner_statement_seconds']:.1f} | {audit['rss_growth_mib']:.0f} MiB |"
            )
    if not rows:
        return "(no audit in this run)"
    warm = results.get("gx_warm_up")
    note = (
        f"\n\nNot in these figures: importing GX ({warm['import_seconds']:.1f}s) and the first "
        f"audit of a process ({warm['first_audit_seconds']:.1f}s for {warm['rows']} rows), "
        "paid once per process (per Airflow task)."
        if warm
        else ""
    )
    note += (
        "\n\nGX and the runner's own SQL are timed apart; when the runner runs GX in a thread "
        "beside its SQL, the two overlap and add up to more than the audit."
    )
    return head + "\n".join(rows) + note


def _typing_cell(audit: dict[str, Any]) -> str:
    """The statement that types the batch (staging.type_batch), which the merge reads too."""
    typing = sum(
        step["seconds"]
        for step in audit["runner_steps"]
        # staging.create_audit_table in runs from before the typed batch (issue 12)
        if "staging.type_batch" in step["statement"]
        or "staging.create_audit_table" in step["statement"]
    )
    if not typing:
        return "–"
    return f"{typing:.2f} ({typing / audit['landing_seconds']:.0%})"


def audit_details(results: dict[str, Any]) -> str:
    parts = []
    for size, sources in results["sizes"].items():
        for source, entry in sources.items():
            audit = entry.get("audit")
            if not audit:
                continue
            kinds = ", ".join(f"{kind} {n}" for kind, n in audit["gx_statement_kinds"].items())
            steps = sorted(audit["runner_steps"], key=lambda step: -step["seconds"])[:4]
            parts.append(
                f"**{source}, {int(size):,} records.** GX statements: {kinds}. "
                f"GX time outside its statements: {audit['gx_outside_statements_seconds']:.1f}s. "
                "Slowest runner statements: "
                + "; ".join(f"`{step['statement']}` {step['seconds']:.2f}s" for step in steps)
                + ". Slowest GX statements: "
                + "; ".join(
                    f"`{report_words(s['statement'], 14)}` {s['seconds']:.2f}s"
                    for s in audit["gx_slowest"][:3]
                )
                + "."
            )
    return "\n\n".join(parts)


def report_words(text: str, words: int) -> str:
    return first_words(text, words)


def reland_table(results: dict[str, Any]) -> str:
    rows = []
    for size, sources in results["sizes"].items():
        for source, entry in sources.items():
            again = entry.get("reland")
            if again:
                first = _median(entry["landing"], "seconds")
                rows.append(
                    f"| {source} | {int(size):,} | {first:.2f} | {again['seconds']:.2f} "
                    f"| {again['records_new']:,} |"
                )
    if not rows:
        return ""
    return (
        "| source | records | first landing s | same stream again s | versions new |\n"
        "|---|---:|---:|---:|---:|\n" + "\n".join(rows)
    )


def machine_table(results: dict[str, Any]) -> str:
    m = results["machine"]
    pg = m["postgres"]
    rows = [
        ("date (UTC)", m["date_utc"]),
        ("CPU", f"{m['nproc']} × {m['cpu']}"),
        ("RAM", f"{m['ram_gib']} GiB"),
        ("PostgreSQL", pg["server_version"]),
        (
            "PostgreSQL settings",
            ", ".join(f"{k}={v}" for k, v in pg.items() if k != "server_version"),
        ),
        (
            "Python / psycopg / GX",
            f"{m['python']} / {m.get('psycopg')} / {m.get('great_expectations')}",
        ),
        ("load average at start", " ".join(map(str, m["load_average_at_start"]))),
        ("lander", results["lander"]),
        ("command", f"`{results['command']}`"),
    ]
    return "| | |\n|---|---|\n" + "\n".join(f"| {k} | {v} |" for k, v in rows)


def audit_cost_table(results: dict[str, Any]) -> str:
    """The audit's added cost: a sync with it minus the same sync without it (bench/audit_cost)."""
    rows = []
    for size, sources in results["sizes"].items():
        for source, entry in sources.items():
            cost = entry.get("audit_cost")
            if not cost:
                continue
            audited = cost["rounds"][-1]["with_audit"]
            rows.append(
                f"| {source} | {int(size):,} | {cost['sync_without_audit_seconds']:.2f} "
                f"| {cost['sync_with_audit_seconds']:.2f} | {cost['audit_added_seconds']:.2f} "
                f"| **{cost['audit_added_share']:.0%}** | {audited['typing_statement']:.2f} "
                f"| {', '.join(map(str, cost['times_typed']))} | {len(cost['rounds'])} |"
            )
    if not rows:
        return ""
    return (
        "| source | records | sync without audit s | sync with audit s | added s "
        "| **added / sync** | typing statement s | times typed | rounds |\n"
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|\n"
        + "\n".join(rows)
        + "\n\nA sync here: landing, typing (in the audit, when there is one) and the merge; "
        "medians of the rounds, run alternately. Resolution and publishing, the same either "
        "way, are left out."
    )


def markdown(results: dict[str, Any]) -> str:
    sections = [
        "### Machine\n\n" + machine_table(results),
        "### Landing throughput\n\n" + throughput_table(results),
        "### Memory\n\n" + memory_table(results),
    ]
    if reland := reland_table(results):
        sections.append("### Re-landing the same stream\n\n" + reland)
    sections.append("### Validation (audit_batch)\n\n" + audit_table(results))
    if details := audit_details(results):
        sections.append(details)
    if cost := audit_cost_table(results):
        sections.append("### What the audit adds to a sync\n\n" + cost)
    return "\n\n".join(sections)


def main(argv: list[str] | None = None) -> int:
    paths = sys.argv[1:] if argv is None else argv
    if not paths:
        print("usage: python -m bench.report RESULTS.json [...]", file=sys.stderr)
        return 2
    for path in paths:
        print(markdown(json.loads(Path(path).read_text(encoding="utf-8"))))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
