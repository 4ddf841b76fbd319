"""The summary `hub status` prints and `hub demo` prints beside the ground truth: projects per
stage, and current records and open rejects per source (``hub.pipeline.summarize``'s dict)."""

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
