"""A file-backed GX project (gx/ folder) whose suite names a custom expectation type.

    .venv/bin/python -m bench.gx_probe.file_project create /tmp/gxprobe_project
    .venv/bin/python -m bench.gx_probe.file_project run /tmp/gxprobe_project none|plugin|package

`create` writes gx/great_expectations.yml (data source with ${GXPROBE_URL}), the suite
(expectations/probe__projects.json, with expect_column_values_to_be_valid_uscc), a
validation definition, and a checkpoint with UpdateDataDocsAction; it copies
custom_expectations.py into gx/plugins/ as hub_gx_plugins.py.
`run` opens the project in a fresh process and runs the checkpoint:
  none     imports nothing before loading (what GX does on its own),
  plugin   `import hub_gx_plugins` after get_context (gx/plugins is put on sys.path by GX),
  package  `import bench.gx_probe.custom_expectations` before get_context.
"""

from __future__ import annotations

import os
import shutil
import sys
import time
import traceback
from pathlib import Path

from bench.gx_probe.common import HERE, URL, load_suite

os.environ.setdefault("GXPROBE_URL", URL)
RF = {"result_format": "BASIC", "partial_unexpected_count": 0,
      "unexpected_index_column_names": ["raw_id"], "return_unexpected_index_query": True}


def create(root: Path) -> None:
    import great_expectations as gx
    from great_expectations.checkpoint import UpdateDataDocsAction

    import bench.gx_probe.custom_expectations  # noqa: F401  (the suite names its types)

    if root.exists():
        shutil.rmtree(root)
    root.mkdir(parents=True)
    ctx = gx.get_context(mode="file", project_root_dir=str(root))
    # tqdm bars are on by default in a file project; a closed stderr (`| head`) then makes
    # EVERY expectation "raise" BrokenPipeError. Off, persisted in great_expectations.yml:
    from great_expectations.data_context.types.base import ProgressBarsConfig

    ctx.variables.progress_bars = ProgressBarsConfig(globally=False)
    ctx.variables.save()
    shutil.copy(HERE / "custom_expectations.py", Path(ctx.root_directory) / "plugins" / "hub_gx_plugins.py")
    ds = ctx.data_sources.add_or_update_postgres(name="warehouse", connection_string="${GXPROBE_URL}")
    asset = ds.add_table_asset(name="probe_projects", table_name="audit__probe_1000", schema_name="meta")
    bd = asset.add_batch_definition_whole_table("all_rows")
    suite = ctx.suites.add_or_update(gx.ExpectationSuite(**load_suite()))
    vd = ctx.validation_definitions.add_or_update(
        gx.ValidationDefinition(name="probe_projects_vd", data=bd, suite=suite))
    ctx.checkpoints.add_or_update(gx.Checkpoint(
        name="probe_projects_cp", validation_definitions=[vd],
        actions=[UpdateDataDocsAction(name="update_docs")], result_format=RF))
    for p in sorted(Path(ctx.root_directory).rglob("*")):
        if p.is_file() and "uncommitted" not in p.parts:
            print(p.relative_to(root))


def run(root: Path, how: str) -> None:
    if how == "package":
        import bench.gx_probe.custom_expectations  # noqa: F401
    import great_expectations as gx

    t0 = time.perf_counter()
    ctx = gx.get_context(mode="file", project_root_dir=str(root))
    if how == "plugin":
        import hub_gx_plugins  # noqa: F401  (found on gx/plugins, which GX put on sys.path)
    try:
        cp = ctx.checkpoints.get("probe_projects_cp")
        print("checkpoint loaded")
        r = cp.run()
    except Exception as e:  # noqa: BLE001
        print("FAILED:", type(e).__name__, str(e)[:400])
        traceback.print_exc(limit=3)
        return
    vr = next(iter(r.run_results.values()))
    custom = [x for x in vr.results if x.expectation_config.type == "expect_column_values_to_be_valid_uscc"]
    print("success:", r.success, "statistics:", vr.statistics)
    for x in custom:
        print(" custom:", x.success, x.result.get("unexpected_count"), (x.result.get("unexpected_index_query") or "")[:160].replace("\n", " "))
        print("   exception:", x.exception_info.get("exception_message") if "raised_exception" in x.exception_info else x.exception_info)
    docs = Path(ctx.root_directory) / "uncommitted/data_docs/local_site/index.html"
    print("data docs:", docs.exists(), "validations html:",
          len(list((docs.parent / "validations").rglob("*.html"))) if docs.exists() else 0)
    print(f"took {time.perf_counter() - t0:.2f}s")


if __name__ == "__main__":
    if sys.argv[1] == "create":
        create(Path(sys.argv[2]))
    else:
        run(Path(sys.argv[2]), sys.argv[3])
