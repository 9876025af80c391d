"""The CeleryExecutor topology of ``docker-compose.yml`` as local processes on one host.

``python -m woonsignaal.cluster`` (``make cluster``) starts what the compose file starts, without a
container engine:

* PostgreSQL (one server, started with ``.ci/postgres.sh``): database ``airflow`` (metadata DB and Celery
  result backend, role ``airflow``) and database ``woonsignaal`` (the warehouse the marts are published to,
  role ``woonsignaal``);
* Redis (``redis-server``, the Celery broker);
* ``airflow api-server``, ``scheduler``, ``dag-processor``, ``triggerer`` and two ``airflow celery worker``.

Every Airflow process gets the environment of ``airflow_environment``: the compose file's
``x-airflow-common`` environment is that function applied to ``COMPOSE`` (``tests/test_compose.py``
asserts they are equal; ``python -m woonsignaal.cluster compose-env`` prints it). Locally the same
function is applied to a ``Topology`` of 127.0.0.1 ports and folders under ``$WOONSIGNAAL_HOME``; the
operator's settings (``.env`` in the repository root, overridden by the shell's environment) fill the
same ``${VAR}`` references compose interpolates. What a container gives each service for free is added
per process (``process_environment``): its own ports (the log servers, the scheduler's health check)
and its own host name (the workers share this host, so each gets a node name).

All state and logs are under ``$WOONSIGNAAL_HOME/cluster/``::

    cluster/airflow/       AIRFLOW_HOME (the simple auth manager's generated passwords)
    cluster/logs/          one log per service (api-server.log, worker-1.log, ...) and tasks/ (task logs)
    cluster/redis/         Redis' folder
    cluster/secrets.json   generated secrets (mode 600) for what .env leaves unset
    cluster/cluster.json   ports, process ids and URLs of the running cluster (written when it is ready)

Ctrl-C (SIGINT) or SIGTERM stops every process it started, task processes included, and the PostgreSQL
server. Unlike compose (``restart: always``) a service that dies is reported, not restarted: the others
keep running, so a killed worker's tasks are retried on the other one.
"""

from __future__ import annotations

import ctypes
import json
import logging
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path

from woonsignaal.contract import DEFAULT_MINIMUM_GROUP_SIZE
from woonsignaal.processes import kill_processes, process_tree
from woonsignaal.serving.postgres import DEFAULT_BI_ROLE
from woonsignaal.settings import (
    DEFAULT_DELETION_TOLERANCE,
    DEFAULT_DUCKDB_MEMORY_LIMIT,
    DEFAULT_INGEST_MEMORY_LIMIT,
    ENV_DAGS_FOLDER,
    ENV_DBT_PROJECT,
    ENV_DELETION_TOLERANCE,
    ENV_DEMO,
    ENV_DUCKDB_MEMORY_LIMIT,
    ENV_EXPECTATIONS,
    ENV_HOME,
    ENV_INGEST_MEMORY_LIMIT,
    ENV_KEY,
    ENV_LANDING,
    ENV_MIN_GROUP,
    ENV_NODE,
    ENV_PG_BI_PASSWORD,
    ENV_PG_BI_ROLE,
    ENV_PG_DATABASE,
    ENV_PG_HOST,
    ENV_PG_PASSWORD,
    ENV_PG_PORT,
    ENV_PG_USER,
    ENV_WEBHOOK,
    PROJECT_ROOT,
    ConfigurationError,
    _truthy,
    current_environment,
    get_settings,
)

log = logging.getLogger(__name__)

ENV_JWT_SECRET = "AIRFLOW__API_AUTH__JWT_SECRET"
ENV_API_SECRET_KEY = "AIRFLOW__API__SECRET_KEY"
ENV_FERNET_KEY = "AIRFLOW__CORE__FERNET_KEY"
ENV_WORKER_CONCURRENCY = "AIRFLOW__CELERY__WORKER_CONCURRENCY"

METADATA_DB = "airflow"  # database, role and password of Airflow's metadata DB, as in Airflow's compose file
WAREHOUSE_DB = "woonsignaal"  # database and publishing role of the warehouse PostgreSQL
SIMPLE_AUTH_USERS = "airflow:admin"
DEFAULT_WORKER_CONCURRENCY = "2"
#: The compose file's message for a setting it requires from .env.
REQUIRED_HINT = "set {name} in .env"
#: Secrets the compose file requires from .env; the local cluster generates them when .env leaves them unset
#: (it owns the servers they protect).
GENERATED_SECRETS = (ENV_PG_PASSWORD, ENV_PG_BI_PASSWORD, ENV_JWT_SECRET, ENV_API_SECRET_KEY)

PG_SCRIPT = PROJECT_ROOT / ".ci" / "postgres.sh"
AIRFLOW_SERVICES = ("api-server", "scheduler", "dag-processor", "triggerer")

DEFAULT_API_PORT = 8080
DEFAULT_REDIS_PORT = 56379
DEFAULT_PG_PORT = 55433  # not .ci/postgres.sh's test server (55432), not compose's warehouse (5433)


@dataclass(frozen=True)
class Topology:
    """Where the services and folders are, as the Airflow processes see them."""

    postgres: str  # host:port of the metadata DB
    redis: str  # host:port of the broker
    api_server: str  # host:port of the api-server (the Execution API is under /execution/)
    warehouse_host: str
    warehouse_port: str
    airflow_home: str
    log_folder: str
    dags_folder: str
    home: str
    landing: str
    dbt_project: str
    expectations: str


#: docker-compose.yml: service names on the compose network, folders inside the image and its volumes.
COMPOSE = Topology(
    postgres="postgres:5432",
    redis="redis:6379",
    api_server="airflow-apiserver:8080",
    warehouse_host="warehouse",
    warehouse_port="5432",
    airflow_home="/opt/airflow",
    log_folder="/opt/airflow/logs",
    dags_folder="/opt/airflow/dags",
    home="/opt/woonsignaal/var",
    landing="/opt/woonsignaal/landing",
    dbt_project="/opt/woonsignaal/dbt_project",
    expectations="/opt/woonsignaal/expectations",
)

#: ``setting(name, default)``: an operator's setting. ``default`` None means required (no default).
Setting = Callable[[str, "str | None"], str]


def airflow_environment(t: Topology, setting: Setting) -> dict[str, str]:
    """The environment every Airflow process of the stack gets (compose: ``x-airflow-common``)."""
    return {
        "AIRFLOW_HOME": t.airflow_home,
        "AIRFLOW__CORE__EXECUTOR": "CeleryExecutor",
        "AIRFLOW__CORE__AUTH_MANAGER": "airflow.api_fastapi.auth.managers.simple.simple_auth_manager.SimpleAuthManager",
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": SIMPLE_AUTH_USERS,
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"postgresql+psycopg2://{METADATA_DB}:{METADATA_DB}@{t.postgres}/{METADATA_DB}",
        "AIRFLOW__CELERY__RESULT_BACKEND": f"db+postgresql+psycopg2://{METADATA_DB}:{METADATA_DB}@{t.postgres}/{METADATA_DB}",
        "AIRFLOW__CELERY__BROKER_URL": f"redis://:@{t.redis}/0",
        ENV_WORKER_CONCURRENCY: setting(ENV_WORKER_CONCURRENCY, DEFAULT_WORKER_CONCURRENCY),
        ENV_FERNET_KEY: setting(ENV_FERNET_KEY, ""),
        # the scheduler signs each task's token and the api-server checks it: both need the same secret
        # (unset, every process draws its own and every task fails with "Invalid auth token")
        ENV_JWT_SECRET: setting(ENV_JWT_SECRET, None),
        ENV_API_SECRET_KEY: setting(ENV_API_SECRET_KEY, None),
        "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://{t.api_server}/execution/",
        "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "true",
        "AIRFLOW__CORE__LOAD_EXAMPLES": "false",
        "AIRFLOW__CORE__DAGS_FOLDER": t.dags_folder,
        "AIRFLOW__LOGGING__BASE_LOG_FOLDER": t.log_folder,
        "AIRFLOW__SCHEDULER__ENABLE_HEALTH_CHECK": "true",
        "AIRFLOW__COSMOS__ENABLE_TELEMETRY": "false",
        # woonsignaal (src/woonsignaal/settings.py)
        ENV_HOME: t.home,
        ENV_LANDING: t.landing,
        ENV_DBT_PROJECT: t.dbt_project,
        ENV_EXPECTATIONS: t.expectations,
        ENV_KEY: setting(ENV_KEY, None),
        ENV_MIN_GROUP: setting(ENV_MIN_GROUP, str(DEFAULT_MINIMUM_GROUP_SIZE)),
        ENV_WEBHOOK: setting(ENV_WEBHOOK, ""),
        ENV_DUCKDB_MEMORY_LIMIT: setting(ENV_DUCKDB_MEMORY_LIMIT, DEFAULT_DUCKDB_MEMORY_LIMIT),
        ENV_INGEST_MEMORY_LIMIT: setting(ENV_INGEST_MEMORY_LIMIT, DEFAULT_INGEST_MEMORY_LIMIT),
        ENV_DELETION_TOLERANCE: setting(ENV_DELETION_TOLERANCE, DEFAULT_DELETION_TOLERANCE),
        # publication to the warehouse PostgreSQL (src/woonsignaal/serving/postgres.py)
        ENV_PG_HOST: t.warehouse_host,
        ENV_PG_PORT: t.warehouse_port,
        ENV_PG_USER: WAREHOUSE_DB,
        ENV_PG_PASSWORD: setting(ENV_PG_PASSWORD, None),
        ENV_PG_DATABASE: WAREHOUSE_DB,
        ENV_PG_BI_ROLE: setting(ENV_PG_BI_ROLE, DEFAULT_BI_ROLE),
        ENV_PG_BI_PASSWORD: setting(ENV_PG_BI_PASSWORD, None),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        "GX_ANALYTICS_ENABLED": "false",
    }


def compose_reference(name: str, default: str | None) -> str:
    """How the compose file reads an operator's setting: ``${NAME:-default}`` or ``${NAME:?...}``."""
    if default is None:
        return f"${{{name}:?{REQUIRED_HINT.format(name=name)}}}"
    return f"${{{name}:-{default}}}"


def compose_environment() -> dict[str, str]:
    """The ``x-airflow-common`` environment of docker-compose.yml."""
    return airflow_environment(COMPOSE, compose_reference)


# --- the local cluster ------------------------------------------------------------------------------


def node_hostname() -> str:
    """``[core] hostname_callable`` of a local worker: its node name, so the task instances of the two
    workers on this host can be told apart (in compose every worker container has its own host name)."""
    return get_settings().cluster_node or socket.getfqdn()


def read_dotenv(path: Path) -> dict[str, str]:
    """``KEY=VALUE`` lines of a compose ``.env`` file (comments and blank lines skipped, quotes removed)."""
    values: dict[str, str] = {}
    if not path.is_file():
        return values
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, value = line.split("=", 1)
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        values[key.strip()] = value
    return values


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class ClusterConfig:
    home: Path
    workers: int = 2
    api_port: int = DEFAULT_API_PORT
    redis_port: int = DEFAULT_REDIS_PORT
    pg_port: int = DEFAULT_PG_PORT
    #: PostgreSQL's data folder; the ``postgres`` user must be able to write it when run as root
    pg_dir: Path | None = None

    @property
    def root(self) -> Path:
        return self.home / "cluster"

    @property
    def logs(self) -> Path:
        return self.root / "logs"

    @property
    def postgres_dir(self) -> Path:
        return self.pg_dir or self.root / "postgres"

    @property
    def state_file(self) -> Path:
        return self.root / "cluster.json"

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.api_port}"

    def topology(self, landing: Path, dbt_project: Path, expectations: Path, dags: Path) -> Topology:
        return Topology(
            postgres=f"127.0.0.1:{self.pg_port}",
            redis=f"127.0.0.1:{self.redis_port}",
            api_server=f"127.0.0.1:{self.api_port}",
            warehouse_host="127.0.0.1",
            warehouse_port=str(self.pg_port),
            airflow_home=str(self.root / "airflow"),
            log_folder=str(self.logs / "tasks"),
            dags_folder=str(dags),
            home=str(self.home),
            landing=str(landing),
            dbt_project=str(dbt_project),
            expectations=str(expectations),
        )


def _load_generated_secrets(path: Path) -> dict[str, str]:
    stored = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
    missing = [name for name in GENERATED_SECRETS if name not in stored]
    if missing:
        stored.update({name: secrets.token_urlsafe(32) for name in missing})
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(stored, indent=2), encoding="utf-8")
        tmp.chmod(0o600)
        os.replace(tmp, path)
    return stored


def local_environment(config: ClusterConfig, base: Mapping[str, str]) -> dict[str, str]:
    """``airflow_environment`` for this host: the operator's settings from ``base`` (``.env`` and the
    shell), generated secrets for what it leaves unset, and the compose defaults for the rest."""
    generated = _load_generated_secrets(config.root / "secrets.json")

    def setting(name: str, default: str | None) -> str:
        if base.get(name):
            return base[name]
        if default is not None:
            return default
        if name in generated:
            return generated[name]
        if name == ENV_KEY and _truthy(base.get(ENV_DEMO)):
            return ""  # the demo key (settings.py allows it with WOONSIGNAAL_DEMO)
        raise ConfigurationError(
            f"{name} is niet gezet: zet het in .env (zie .env.example) of in de omgeving, zoals docker compose "
            f"het vraagt. Voor een proefcluster met de demosleutel: WOONSIGNAAL_DEMO=1."
        )

    def folder(name: str, default: Path) -> Path:
        return Path(base.get(name) or default).resolve()

    topology = config.topology(
        folder(ENV_LANDING, config.home / "landing"),
        folder(ENV_DBT_PROJECT, PROJECT_ROOT / "dbt_project"),
        folder(ENV_EXPECTATIONS, PROJECT_ROOT / "expectations"),
        folder(ENV_DAGS_FOLDER, PROJECT_ROOT / "dags"),
    )
    return airflow_environment(topology, setting)


@dataclass
class Service:
    name: str
    argv: list[str]
    env: dict[str, str]
    log: Path
    process: subprocess.Popen | None = field(default=None, repr=False)
    ports: dict[str, int] = field(default_factory=dict)


def process_environment(name: str, ports: dict[str, int]) -> dict[str, str]:
    """What a container would give the service for free: its own ports and, for a worker, a host name."""
    env = {}
    if "log_server" in ports:
        key = "TRIGGER_LOG_SERVER_PORT" if name == "triggerer" else "WORKER_LOG_SERVER_PORT"
        env[f"AIRFLOW__LOGGING__{key}"] = str(ports["log_server"])
    if "health_check" in ports:
        env["AIRFLOW__SCHEDULER__SCHEDULER_HEALTH_CHECK_SERVER_PORT"] = str(ports["health_check"])
    if name.startswith("worker-"):
        env[ENV_NODE] = name
        env["AIRFLOW__CORE__HOSTNAME_CALLABLE"] = "woonsignaal.cluster.node_hostname"
    return env


def _set_child_subreaper() -> None:
    """Orphans of our services (a task whose supervisor died) become our children, so stop() finds them."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER
    except (OSError, AttributeError):
        log.warning("could not become a child subreaper; orphaned task processes may outlive the cluster")


class LocalCluster:
    """Start (``start``), watch (``watch``) and stop (``stop``) the topology."""

    def __init__(self, config: ClusterConfig, base_env: Mapping[str, str] | None = None):
        self.config = config
        if base_env is None:
            base_env = {**read_dotenv(PROJECT_ROOT / ".env"), **current_environment()}
        self.base_env = dict(base_env)
        self.services: dict[str, Service] = {}
        self.redis: subprocess.Popen | None = None
        self.pg_started = False
        self.env: dict[str, str] = {}

    # --- PostgreSQL (.ci/postgres.sh), Redis -------------------------------------------------------
    def _pg_script(self, *args: str) -> subprocess.CompletedProcess:
        env = {
            **current_environment(),
            "WOONSIGNAAL_PG_TEST_DIR": str(self.config.postgres_dir),
            "WOONSIGNAAL_PG_TEST_PORT": str(self.config.pg_port),
            "WOONSIGNAAL_PG_TEST_DB": METADATA_DB,
        }
        return subprocess.run(["bash", str(PG_SCRIPT), *args], env=env, capture_output=True, text=True, timeout=900)

    def _start_postgres(self) -> None:
        proc = self._pg_script("start")
        if proc.returncode != 0:
            raise RuntimeError(
                f"PostgreSQL start niet ({PG_SCRIPT} start, map {self.config.postgres_dir}):\n{proc.stderr[-3000:]}"
            )
        self.pg_started = True
        superuser = {}
        for line in proc.stdout.splitlines():
            if line.startswith("export ") and "=" in line:
                key, value = line[len("export ") :].split("=", 1)
                superuser[key] = value
        import psycopg2
        from psycopg2 import sql

        con = psycopg2.connect(
            host="127.0.0.1",
            port=self.config.pg_port,
            user=superuser["WOONSIGNAAL_PG_USER"],
            password=superuser["WOONSIGNAAL_PG_PASSWORD"],
            dbname="postgres",
            connect_timeout=10,
        )
        con.autocommit = True
        try:
            cur = con.cursor()
            # the metadata DB as in Airflow's compose file; the warehouse's owner as compose's `warehouse`
            # service makes it (its POSTGRES_USER: a superuser, which ensure_roles needs to pin the BI role's
            # attributes)
            for role, password, options in (
                (METADATA_DB, METADATA_DB, "login"),
                (WAREHOUSE_DB, self.env[ENV_PG_PASSWORD], "login superuser"),
            ):
                cur.execute("select 1 from pg_roles where rolname = %s", [role])
                verb = "alter" if cur.fetchone() else "create"
                cur.execute(sql.SQL(f"{verb} role {{}} {options} password %s").format(sql.Identifier(role)), [password])
            for database in (METADATA_DB, WAREHOUSE_DB):
                cur.execute("select 1 from pg_database where datname = %s", [database])
                if not cur.fetchone():
                    cur.execute(sql.SQL("create database {}").format(sql.Identifier(database)))
                cur.execute(
                    sql.SQL("alter database {} owner to {}").format(sql.Identifier(database), sql.Identifier(database))
                )
        finally:
            con.close()

    def _start_redis(self) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            raise RuntimeError(
                "redis-server is niet geïnstalleerd: apt-get install redis-server (in CI doet .ci/run dat)"
            )
        folder = self.config.root / "redis"
        folder.mkdir(parents=True, exist_ok=True)
        out = (self.config.logs / "redis.log").open("ab")
        self.redis = subprocess.Popen(
            [
                binary,
                "--bind",
                "127.0.0.1",
                "--port",
                str(self.config.redis_port),
                "--dir",
                str(folder),
                "--daemonize",
                "no",
                "--save",
                "",
            ],
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        out.close()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.redis.poll() is not None:
                raise RuntimeError(
                    f"redis-server is gestopt (poort {self.config.redis_port} al in gebruik?); "
                    f"zie {self.config.logs / 'redis.log'}"
                )
            try:
                with socket.create_connection(("127.0.0.1", self.config.redis_port), timeout=2) as s:
                    s.sendall(b"PING\r\n")
                    if s.recv(16).startswith(b"+PONG"):
                        return
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"redis-server antwoordt niet op poort {self.config.redis_port}")

    # --- Airflow ---------------------------------------------------------------------------------
    def _airflow(self, *args: str) -> list[str]:
        return [sys.executable, "-m", "airflow", *args]

    def _spawn(self, service: Service) -> None:
        env = {**self.base_env, **self.env, **service.env}
        env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
        out = service.log.open("ab")
        service.process = subprocess.Popen(
            service.argv,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        out.close()
        log.info("started %s (pid %d), log %s", service.name, service.process.pid, service.log)

    def _migrate(self) -> None:
        env = {**self.base_env, **self.env}
        with (self.config.logs / "db-migrate.log").open("ab") as out:
            proc = subprocess.run(
                self._airflow("db", "migrate"), env=env, stdout=out, stderr=subprocess.STDOUT, timeout=900
            )
        if proc.returncode != 0:
            raise RuntimeError(f"airflow db migrate mislukte; zie {self.config.logs / 'db-migrate.log'}")

    def _services(self) -> list[Service]:
        logs = self.config.logs
        services = [
            Service(
                "api-server",
                self._airflow("api-server", "--host", "127.0.0.1", "--port", str(self.config.api_port)),
                {},
                logs / "api-server.log",
            ),
            Service(
                "scheduler", self._airflow("scheduler"), {}, logs / "scheduler.log", ports={"health_check": free_port()}
            ),
            Service("dag-processor", self._airflow("dag-processor"), {}, logs / "dag-processor.log"),
            Service(
                "triggerer", self._airflow("triggerer"), {}, logs / "triggerer.log", ports={"log_server": free_port()}
            ),
        ]
        for i in range(1, self.config.workers + 1):
            name = f"worker-{i}"
            services.append(
                Service(
                    name,
                    self._airflow(
                        "celery",
                        "worker",
                        "--celery-hostname",
                        f"{name}@%h",
                        "--pid",
                        str(self.config.root / f"{name}.pid"),
                    ),
                    {},
                    logs / f"{name}.log",
                    ports={"log_server": free_port()},
                )
            )
        for service in services:
            service.env = process_environment(service.name, service.ports)
        return services

    def start(self, timeout: float = 600.0) -> None:
        """Start everything and wait until the api-server answers and every worker is ready."""
        self.config.logs.mkdir(parents=True, exist_ok=True)
        (self.config.logs / "tasks").mkdir(exist_ok=True)
        self.config.state_file.unlink(missing_ok=True)
        self.env = local_environment(self.config, self.base_env)
        Path(self.env["AIRFLOW_HOME"]).mkdir(parents=True, exist_ok=True)
        _set_child_subreaper()
        self._start_postgres()
        self._start_redis()
        self._migrate()
        for service in self._services():
            self.services[service.name] = service
            self._spawn(service)
        self._wait_ready(timeout)
        self._write_state()

    def _wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        waiting = set(self.services)
        while waiting:
            if time.monotonic() > deadline:
                raise RuntimeError(
                    f"na {timeout:.0f} s nog niet klaar: {', '.join(sorted(waiting))} (logs in {self.config.logs})"
                )
            self.check_alive()
            for name in sorted(waiting):
                if self._is_ready(self.services[name]):
                    waiting.discard(name)
                    log.info("%s is ready", name)
            time.sleep(1)

    def _is_ready(self, service: Service) -> bool:
        if service.name == "api-server":
            try:
                with urllib.request.urlopen(f"{self.config.api_url}/api/v2/version", timeout=5) as r:
                    return r.status == 200
            except OSError:
                return False
        if service.name.startswith("worker-"):
            return f"{service.name}@" in log_tail(service.log) and " ready." in log_tail(service.log)
        if service.name == "scheduler":
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{service.ports['health_check']}/health", timeout=5) as r:
                    return r.status == 200
            except OSError:
                return False
        return service.process is not None and service.process.poll() is None and service.log.stat().st_size > 0

    def check_alive(self) -> None:
        dead = {n: s.process.returncode for n, s in self.services.items() if s.process and s.process.poll() is not None}
        if dead:
            raise RuntimeError(
                "gestopt: "
                + ", ".join(f"{n} (exitcode {c})" for n, c in dead.items())
                + f"; logs in {self.config.logs}"
            )

    def _write_state(self) -> None:
        state = {
            "api_url": self.config.api_url,
            "passwords_file": str(Path(self.env["AIRFLOW_HOME"]) / "simple_auth_manager_passwords.json.generated"),
            "config": {k: str(v) for k, v in asdict(self.config).items()},
            "services": {
                n: {"pid": s.process.pid, "log": str(s.log), "ports": s.ports} for n, s in self.services.items()
            },
            "redis_pid": self.redis.pid if self.redis else None,
            "cluster_pid": os.getpid(),
        }
        tmp = self.config.state_file.with_suffix(".tmp")
        tmp.write_text(json.dumps(state, indent=2), encoding="utf-8")
        os.replace(tmp, self.config.state_file)

    def watch(self, poll_seconds: float = 2.0) -> None:
        """Block until stopped; report (do not restart) a service that exits, reap adopted orphans."""
        reported: set[str] = set()
        while True:
            for name, service in self.services.items():
                if name not in reported and service.process.poll() is not None:
                    reported.add(name)
                    log.warning(
                        "%s exited with code %s; the other services keep running (log: %s)",
                        name,
                        service.process.returncode,
                        service.log,
                    )
            _reap_orphans({s.process.pid for s in self.services.values()} | {self.redis.pid})
            time.sleep(poll_seconds)

    def stop(self, timeout: float = 30.0) -> None:
        """TERM every service (workers first: a warm shutdown), KILL what is left, then stop the servers."""
        import psutil

        order = [s for s in self.services.values() if s.name.startswith("worker-")]
        order += [s for s in self.services.values() if not s.name.startswith("worker-")]
        procs: list[psutil.Process] = []
        for service in order:
            if service.process is None or service.process.poll() is not None:
                continue
            tree = process_tree(service.process.pid)
            procs += tree
            if tree:
                try:
                    tree[0].terminate()
                except psutil.NoSuchProcess:
                    pass
        _, alive = psutil.wait_procs(procs, timeout=timeout)
        # what is left, and orphans adopted by this process (task processes of a stopped worker)
        alive += [p for p in psutil.Process().children(recursive=True) if self.redis is None or p.pid != self.redis.pid]
        kill_processes(alive)
        for service in self.services.values():
            if service.process is not None:
                service.process.poll()
        if self.redis is not None and self.redis.poll() is None:
            self.redis.terminate()
            try:
                self.redis.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.redis.kill()
                self.redis.wait()
        if self.pg_started:
            self._pg_script("stop")
            self.pg_started = False
        self.config.state_file.unlink(missing_ok=True)


def log_tail(path: Path, size: int = 65536) -> str:
    try:
        with path.open("rb") as fh:
            fh.seek(max(0, path.stat().st_size - size))
            return fh.read().decode("utf-8", errors="replace")
    except OSError:
        return ""


def _reap_orphans(known: set[int]) -> None:
    """Collect the exit status of adopted orphans (not of our own services: Popen does that)."""
    import psutil

    for child in psutil.Process().children():
        if child.pid in known:
            continue
        try:
            if child.status() == psutil.STATUS_ZOMBIE:
                os.waitpid(child.pid, os.WNOHANG)
        except (psutil.NoSuchProcess, ChildProcessError):
            pass


# --- command line -----------------------------------------------------------------------------------


def _compose_yaml() -> str:
    lines = ["  environment:", "    &airflow-common-env"]
    for key, value in compose_environment().items():
        lines.append(f"    {key}: {json.dumps(value)}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(
        prog="python -m woonsignaal.cluster",
        description="Start de CeleryExecutor-opstelling van docker-compose.yml als lokale processen "
        "(PostgreSQL, Redis, api-server, scheduler, dag-processor, triggerer, workers). "
        "Ctrl-C stopt alles wat gestart is.",
    )
    parser.add_argument(
        "command",
        nargs="?",
        default="up",
        choices=["up", "compose-env"],
        help="up: start het cluster (standaard); compose-env: toon de omgeving van "
        "x-airflow-common in docker-compose.yml, gemaakt uit dezelfde bron",
    )
    parser.add_argument("--workers", type=int, default=2, help="aantal Celery-workers (standaard 2)")
    parser.add_argument("--api-port", type=int, default=DEFAULT_API_PORT, help="poort van de api-server en UI")
    parser.add_argument("--redis-port", type=int, default=DEFAULT_REDIS_PORT)
    parser.add_argument("--pg-port", type=int, default=DEFAULT_PG_PORT)
    parser.add_argument(
        "--pg-dir",
        type=Path,
        default=None,
        help="map van de PostgreSQL-server (standaard $WOONSIGNAAL_HOME/cluster/postgres)",
    )
    args = parser.parse_args(argv)
    if args.command == "compose-env":
        print(_compose_yaml())
        return 0

    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s", datefmt="%H:%M:%S"
    )
    base = {**read_dotenv(PROJECT_ROOT / ".env"), **current_environment()}
    home = Path(base.get(ENV_HOME) or "var").resolve()
    config = ClusterConfig(
        home=home,
        workers=args.workers,
        api_port=args.api_port,
        redis_port=args.redis_port,
        pg_port=args.pg_port,
        pg_dir=args.pg_dir.resolve() if args.pg_dir else None,
    )
    cluster = LocalCluster(config, base)

    def stop(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    try:
        cluster.start()
        print(
            f"Cluster draait: Airflow UI {config.api_url} (gebruiker airflow, wachtwoord in "
            f"{Path(cluster.env['AIRFLOW_HOME']) / 'simple_auth_manager_passwords.json.generated'}); "
            f"PostgreSQL 127.0.0.1:{config.pg_port} (database {WAREHOUSE_DB}, schema marts); "
            f"logs in {config.logs}. Ctrl-C stopt alles.",
            flush=True,
        )
        cluster.watch()
    except KeyboardInterrupt:
        print("Cluster wordt gestopt ...", flush=True)
    except (ConfigurationError, RuntimeError) as exc:
        print(f"fout: {exc}", file=sys.stderr, flush=True)
        return 1
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        cluster.stop()
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
