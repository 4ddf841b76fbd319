"""docker-compose.yml wires the hub the way the hub reads its configuration.

There is no Docker engine in CI, so this reads the file as YAML (with compose's ``${VAR:-default}``
interpolation done on defaults) instead of running ``docker compose config``.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml

REPO_ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILE = REPO_ROOT / "docker-compose.yml"

AIRFLOW_SERVICES = (
    "airflow-init",
    "airflow-apiserver",
    "airflow-scheduler",
    "airflow-dag-processor",
    "airflow-triggerer",
)
LONG_RUNNING_AIRFLOW = AIRFLOW_SERVICES[1:]

#: ${VAR}, ${VAR:-default}, ${VAR-default}; not $${VAR}, which compose passes on as ${VAR}.
_VARIABLE = re.compile(r"(?<!\$)\$\{([A-Za-z_][A-Za-z0-9_]*)(?::?-([^}]*))?\}")

try:
    from hub.config import ENV_VARS as _HUB_ENV_VARS

    HUB_ENV_VARS = frozenset(_HUB_ENV_VARS)
except ImportError:  # the hub's config not importable: the names the contracts give
    HUB_ENV_VARS = frozenset(
        {
            "HUB_WAREHOUSE_URL", "HUB_REFERENCE_DIR", "HUB_ACCESS_PASSWORD",
            "HUB_SOURCE_COMMERCE_URL", "HUB_SOURCE_COMMERCE_KEY", "HUB_SOURCE_APPROVAL_URL",
            "HUB_SOURCE_APPROVAL_CLIENT_ID", "HUB_SOURCE_APPROVAL_CLIENT_SECRET",
            "HUB_SOURCE_STATS_URL", "HUB_SOURCE_STATS_TOKEN", "HUB_SOURCE_LAND_DIR",
            "HUB_DATA_DOCS_DIR", "HUB_HOME",
        }
    )  # fmt: skip


def _defaults(value):
    """A value as compose would see it with no .env: every ${VAR:-default} → default."""
    return _VARIABLE.sub(lambda m: m.group(2) or "", value) if isinstance(value, str) else value


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load(COMPOSE_FILE.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def services(compose) -> dict:
    return compose["services"]


def _env(service: dict) -> dict[str, str]:
    env = service.get("environment") or {}
    assert isinstance(env, dict), "write environment as a mapping, so anchors can merge it"
    return {name: _defaults(value) for name, value in env.items()}


def _container_ports(service: dict) -> set[int]:
    ports = {int(str(p).rsplit(":", 1)[-1].split("/")[0]) for p in service.get("ports", [])}
    return ports | {int(p) for p in service.get("expose", [])}


def _volume_targets(service: dict) -> dict[str, str]:
    """Mount point in the container → source (named volume or host path)."""
    mounts = {}
    for volume in service.get("volumes", []):
        source, target = volume.split(":")[:2]
        mounts[target] = source
    return mounts


def test_services_exist(services):
    assert set(services) >= {*AIRFLOW_SERVICES, "postgres", "warehouse", "sandbox"}
    assert not {"redis", "airflow-worker", "flower"} & set(services)  # LocalExecutor, no Celery


@pytest.mark.parametrize("name", AIRFLOW_SERVICES)
def test_airflow_service_waits_for_databases_and_init(services, name):
    depends_on = services[name]["depends_on"]
    assert depends_on["postgres"]["condition"] == "service_healthy"
    assert depends_on["warehouse"]["condition"] == "service_healthy"
    if name != "airflow-init":
        assert depends_on["airflow-init"]["condition"] == "service_completed_successfully"


@pytest.mark.parametrize("name", ["postgres", "warehouse", "sandbox", *LONG_RUNNING_AIRFLOW])
def test_service_has_a_healthcheck(services, name):
    assert services[name]["healthcheck"]["test"]


def test_databases_have_their_own_volumes(services):
    pg_data = "/var/lib/postgresql/data"
    assert services["warehouse"]["image"].startswith("postgres:16")
    metadata = _volume_targets(services["postgres"])[pg_data]
    warehouse = _volume_targets(services["warehouse"])[pg_data]
    assert metadata != warehouse


@pytest.mark.parametrize("name", AIRFLOW_SERVICES)
def test_airflow_service_configuration(services, name):
    service = services[name]
    env = _env(service)
    assert env["AIRFLOW__CORE__EXECUTOR"] == "LocalExecutor"
    assert env["AIRFLOW__CORE__LOAD_EXAMPLES"] == "false"
    metadata = urlsplit(env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"])
    assert metadata.scheme == "postgresql+psycopg2" and metadata.hostname == "postgres"
    assert urlsplit(env["AIRFLOW__CORE__EXECUTION_API_SERVER_URL"]).hostname == "airflow-apiserver"
    assert _volume_targets(service)["/opt/airflow/dags"] == "./dags"
    assert "build" in service or service["image"].startswith("${HUB_IMAGE_NAME")


@pytest.mark.parametrize("name", [*AIRFLOW_SERVICES, "sandbox"])
def test_only_names_the_hub_reads(services, name):
    hub_names = {n for n in _env(services[name]) if n.startswith("HUB_")}
    assert hub_names <= HUB_ENV_VARS, hub_names - HUB_ENV_VARS


@pytest.mark.parametrize("name", AIRFLOW_SERVICES)
def test_airflow_reaches_the_warehouse_service(services, name):
    url = urlsplit(_env(services[name])["HUB_WAREHOUSE_URL"])
    warehouse_env = _env(services["warehouse"])
    assert url.scheme == "postgresql+psycopg"
    assert (url.hostname, url.port) == ("warehouse", 5432)
    assert url.username == warehouse_env["POSTGRES_USER"]
    assert url.password == warehouse_env["POSTGRES_PASSWORD"]
    assert url.path == "/" + warehouse_env["POSTGRES_DB"]


@pytest.mark.parametrize("name", AIRFLOW_SERVICES)
def test_airflow_reaches_every_department_of_the_sandbox(services, name):
    env = _env(services[name])
    sandbox = services["sandbox"]
    sandbox_ports = _container_ports(sandbox)
    for dept, port in (("COMMERCE", 8101), ("APPROVAL", 8102), ("STATS", 8104)):
        url = urlsplit(env[f"HUB_SOURCE_{dept}_URL"])
        assert (url.hostname, url.port) == ("sandbox", port)
        assert port in sandbox_ports
    # The default credentials are the ones the sandbox accepts.
    from hub.sandbox.servers import SandboxCredentials

    accepted = SandboxCredentials()
    assert env["HUB_SOURCE_COMMERCE_KEY"] == accepted.commerce_key
    assert env["HUB_SOURCE_APPROVAL_CLIENT_ID"] == accepted.approval_client_id
    assert env["HUB_SOURCE_APPROVAL_CLIENT_SECRET"] == accepted.approval_client_secret
    assert env["HUB_SOURCE_STATS_TOKEN"] == accepted.stats_token
    # The land drop: the folder the sandbox writes is the volume Airflow reads.
    command = sandbox["command"]
    sandbox_land_dir = command[command.index("--land-dir") + 1]
    land_dir = env["HUB_SOURCE_LAND_DIR"]
    assert _volume_targets(services[name])[land_dir] == _volume_targets(sandbox)[sandbox_land_dir]


def test_sandbox_serves_the_agreed_scenario(services):
    command = services["sandbox"]["command"]
    assert command[:3] == ["hub", "sandbox", "serve"]
    options = dict(zip(command[3::2], command[4::2], strict=True))
    assert options["--size"] == "300" and options["--seed"] == "7"
    assert options["--host"] == "0.0.0.0"  # reachable from the other containers


def test_env_example_documents_every_variable():
    compose_vars = set(_VARIABLE.findall(COMPOSE_FILE.read_text(encoding="utf-8")))
    names = {name for name, _default in compose_vars}
    lines = (REPO_ROOT / ".env.example").read_text(encoding="utf-8").splitlines()
    documented = {}
    for number, line in enumerate(lines):
        if "=" in line and not line.startswith("#"):
            name = line.split("=", 1)[0]
            documented[name] = line.split("=", 1)[1]
            assert lines[number - 1].startswith("#"), f"{name} in .env.example has no comment"
    assert names <= set(documented), names - set(documented)
    # The example shows the same defaults compose falls back to.
    for name, default in compose_vars:
        assert documented[name] == default, name


def test_dockerfile_builds_on_the_pinned_airflow():
    dockerfile = (REPO_ROOT / "Dockerfile").read_text(encoding="utf-8")
    pins = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    airflow_pin = next(
        d for d in pins["project"]["dependencies"] if d.startswith("apache-airflow==")
    )
    assert f"ARG AIRFLOW_VERSION={airflow_pin.split('==')[1]}" in dockerfile
    assert "FROM apache/airflow:${AIRFLOW_VERSION}" in dockerfile
    copied = set(re.findall(r"^COPY [^\n]*?(\S+)/ \S+/$", dockerfile, flags=re.M))
    assert copied >= {"hub", "connectors", "expectations", "sql", "reference", "schemas"}
    assert "requirements.lock" in dockerfile
