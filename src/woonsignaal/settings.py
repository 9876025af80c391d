"""Settings, read from the environment once per call (never at import time of a DAG).

This module is the only one that reads ``os.environ`` (tests/test_architecture.py checks it):
:func:`get_settings` turns the ``WOONSIGNAAL_*`` variables into a :class:`Settings`, the rest of the
package gets a ``Settings`` passed in. A child process gets its settings as an explicit environment
(:meth:`Settings.child_environment`: the settings over this process's PATH and the like). No module
changes its own process's environment, except a freshly forked child that prepares it before it imports
Airflow (:func:`prepare_child_environment`).

All state lives under one home folder, ``WOONSIGNAAL_HOME`` (default ``./var``)::

    $WOONSIGNAAL_HOME/
        warehouse/woonsignaal.duckdb     the working warehouse (raw layer; one writer at a time)
        build/                           candidate builds of the marts (never read by consumers)
        published/versies/<versie>/      one publication: woonsignaal.duckdb, parquet/, publicatie.json
        published/current                link to the current version, switched in one rename
        published/woonsignaal.duckdb     the published marts (BI tools open it read-only; -> current/)
        published/parquet/               the published marts as Parquet (-> current/parquet)
        gx/                              Great Expectations results and Data Docs
        dbt/                             dbt target and logs
        airflow/                         AIRFLOW_HOME (SQLite metadata DB, logs)
        reports/<maand>/                 monthly management reports
        state/                           run history, the night lock (nacht.json) and the other locks
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, fields
from datetime import timedelta
from pathlib import Path

from woonsignaal.contract import DEFAULT_MINIMUM_GROUP_SIZE
from woonsignaal.faults import Foutmelding

#: The key used for pseudonymisation in the demo only; real runs must configure their own.
DEMO_PSEUDONYMISATION_KEY = "woonsignaal-demo-sleutel-niet-voor-productie"

ENV_HOME = "WOONSIGNAAL_HOME"
ENV_LANDING = "WOONSIGNAAL_LANDING"
ENV_KEY = "WOONSIGNAAL_PSEUDONIEM_SLEUTEL"
ENV_DEMO = "WOONSIGNAAL_DEMO"
ENV_MIN_GROUP = "WOONSIGNAAL_MIN_GROEPSGROOTTE"
ENV_WEBHOOK = "WOONSIGNAAL_ALERT_WEBHOOK"
ENV_DBT_TARGET = "WOONSIGNAAL_DBT_TARGET"
ENV_DBT_PROJECT = "WOONSIGNAAL_DBT_PROJECT"
ENV_EXPECTATIONS = "WOONSIGNAAL_EXPECTATIONS"
ENV_ROW_TOLERANCE = "WOONSIGNAAL_RIJEN_TOLERANTIE"
#: how much a snapshot file's row count may differ from the previous delivery's (fraction; raw suites)
ENV_DELIVERY_ROW_TOLERANCE = "WOONSIGNAAL_LEVERING_TOLERANTIE"
DEFAULT_DELIVERY_ROW_TOLERANCE = "0.2"
#: the share of an event table's current rows a volledig delivery may mark deleted (by lacking them)
ENV_DELETION_TOLERANCE = "WOONSIGNAAL_VERWIJDER_TOLERANTIE"
DEFAULT_DELETION_TOLERANCE = "0.10"
#: DuckDB's memory limit for the dbt build (profiles.yml reads the same variable, same default)
ENV_DUCKDB_MEMORY_LIMIT = "WOONSIGNAAL_DUCKDB_MEMORY_LIMIT"
DEFAULT_DUCKDB_MEMORY_LIMIT = "2GB"
#: DuckDB's memory limit for the ingest's scratch, which holds a whole parsed delivery
ENV_INGEST_MEMORY_LIMIT = "WOONSIGNAAL_INGEST_MEMORY_LIMIT"
DEFAULT_INGEST_MEMORY_LIMIT = "3GB"
#: where the DAG files are (the embedded Airflow of ``woonsignaal run`` and ``woonsignaal airflow``)
ENV_DAGS_FOLDER = "WOONSIGNAAL_DAGS_FOLDER"
#: seconds before a failed task is retried (the DAGs' default_args); interactive runs use a short one
ENV_RETRY_DELAY = "WOONSIGNAAL_RETRY_DELAY_SECONDS"
DEFAULT_RETRY_DELAY_SECONDS = 300
INTERACTIVE_RETRY_DELAY_SECONDS = 5
#: "1": the night runs in one process (``woonsignaal run``'s child), its lock may be taken over by it alone
ENV_ONE_PROCESS = "WOONSIGNAAL_NACHT_EEN_PROCES"
#: the node name a local cluster worker reports as its host name (woonsignaal.cluster); compose leaves it unset
ENV_NODE = "WOONSIGNAAL_CLUSTER_NODE"
#: publication to PostgreSQL (woonsignaal.serving.postgres): on when the host is set
ENV_PG_HOST = "WOONSIGNAAL_PG_HOST"
ENV_PG_PORT = "WOONSIGNAAL_PG_PORT"
ENV_PG_USER = "WOONSIGNAAL_PG_USER"
ENV_PG_PASSWORD = "WOONSIGNAAL_PG_PASSWORD"
ENV_PG_DATABASE = "WOONSIGNAAL_PG_DATABASE"
ENV_PG_BI_ROLE = "WOONSIGNAAL_PG_BI_ROLE"
ENV_PG_BI_PASSWORD = "WOONSIGNAAL_PG_BI_PASSWORD"
#: The database dbt's ``postgres`` target uses (``dbt_project/profiles.yml`` reads this name).
ENV_PG_DBT_DATABASE = "WOONSIGNAAL_PG_DBNAME"
#: Metabase's first-run set-up (woonsignaal.serving.metabase)
ENV_METABASE_URL = "WOONSIGNAAL_METABASE_URL"
ENV_METABASE_ADMIN_EMAIL = "WOONSIGNAAL_METABASE_ADMIN_EMAIL"
ENV_METABASE_ADMIN_PASSWORD = "WOONSIGNAAL_METABASE_ADMIN_PASSWORD"
DEFAULT_METABASE_URL = "http://metabase:3000"

#: Every variable get_settings reads.
SETTING_VARIABLES: tuple[str, ...] = (
    ENV_HOME,
    ENV_LANDING,
    ENV_DEMO,
    ENV_MIN_GROUP,
    ENV_WEBHOOK,
    ENV_DBT_TARGET,
    ENV_KEY,
    ENV_ROW_TOLERANCE,
    ENV_DELIVERY_ROW_TOLERANCE,
    ENV_DELETION_TOLERANCE,
    ENV_DBT_PROJECT,
    ENV_EXPECTATIONS,
    ENV_DAGS_FOLDER,
    ENV_DUCKDB_MEMORY_LIMIT,
    ENV_INGEST_MEMORY_LIMIT,
    ENV_RETRY_DELAY,
    ENV_ONE_PROCESS,
    ENV_NODE,
    ENV_PG_HOST,
    ENV_PG_PORT,
    ENV_PG_USER,
    ENV_PG_PASSWORD,
    ENV_PG_DATABASE,
    ENV_PG_BI_ROLE,
    ENV_PG_BI_PASSWORD,
    ENV_PG_DBT_DATABASE,
    ENV_METABASE_URL,
    ENV_METABASE_ADMIN_EMAIL,
    ENV_METABASE_ADMIN_PASSWORD,
)

PROJECT_ROOT = Path(__file__).resolve().parents[2]


class ConfigurationError(Foutmelding, RuntimeError):
    """A setting is missing or wrong; the message says which and how to set it."""

    klasse = "configuratie"


def _truthy(value: str | None) -> bool:
    return (value or "").strip().lower() in {"1", "true", "ja", "j", "yes", "y"}


@dataclass(frozen=True)
class Settings:
    home: Path
    landing: Path
    demo: bool
    minimum_group_size: int
    alert_webhook: str | None
    dbt_target: str
    _pseudonymisation_key: str | None
    #: a published mart's row count may differ this much (fraction) from the current publication
    row_count_tolerance: float = 0.5
    #: a snapshot file's row count may differ this much (fraction, + 5 rows) from the previous delivery
    delivery_row_tolerance: float = 0.2
    #: a volledig delivery may mark at most this share (fraction) of an event table's rows deleted
    deletion_tolerance: float = 0.10
    dbt_project_dir: Path = PROJECT_ROOT / "dbt_project"
    expectations_dir: Path = PROJECT_ROOT / "expectations"
    dags_folder: Path = PROJECT_ROOT / "dags"
    #: How much memory DuckDB may use in the dbt build before it spills to ``duckdb_temp_dir``.
    duckdb_memory_limit: str = DEFAULT_DUCKDB_MEMORY_LIMIT
    #: How much memory the ingest's scratch DuckDB may use before it spills. The scratch holds a whole
    #: parsed delivery while the merge and the raw suites read it (docs/ingest.md has the figures).
    ingest_memory_limit: str = DEFAULT_INGEST_MEMORY_LIMIT
    #: None: not configured (the DAGs wait DEFAULT_RETRY_DELAY_SECONDS, ``woonsignaal run`` a short time)
    retry_delay_seconds: int | None = None
    night_in_one_process: bool = False
    cluster_node: str | None = None
    # publication to PostgreSQL, as given (woonsignaal.serving.postgres.pg_settings checks them)
    pg_host: str = ""
    pg_port: str = "5432"
    pg_user: str = ""
    _pg_password: str = ""
    pg_database: str = ""
    pg_bi_role: str = ""
    _pg_bi_password: str = ""
    pg_dbt_database: str = ""
    metabase_url: str = DEFAULT_METABASE_URL
    metabase_admin_email: str = ""
    _metabase_admin_password: str = ""

    def __repr__(self) -> str:  # never the secrets
        shown = ", ".join(f"{f.name}={getattr(self, f.name)!r}" for f in fields(self) if not f.name.startswith("_"))
        return f"Settings({shown})"

    @property
    def pg_password(self) -> str:
        return self._pg_password

    @property
    def pg_bi_password(self) -> str:
        return self._pg_bi_password

    @property
    def metabase_admin_password(self) -> str:
        return self._metabase_admin_password

    @property
    def retry_delay(self) -> timedelta:
        return _retry_delay(self.retry_delay_seconds)

    def as_environment(self) -> dict[str, str]:
        """The ``WOONSIGNAAL_*`` variables from which :func:`get_settings` in a child process reads these
        settings back (secrets included: pass it to the child only, never log it). A setting that is
        empty or not configured is left out, so the child's defaults apply (also dbt's profiles.yml)."""
        env = {
            ENV_HOME: str(self.home),
            ENV_LANDING: str(self.landing),
            ENV_DEMO: "1" if self.demo else "",
            ENV_MIN_GROUP: str(self.minimum_group_size),
            ENV_WEBHOOK: self.alert_webhook or "",
            ENV_DBT_TARGET: self.dbt_target,
            ENV_KEY: self._pseudonymisation_key or "",
            ENV_ROW_TOLERANCE: repr(self.row_count_tolerance),
            ENV_DELIVERY_ROW_TOLERANCE: repr(self.delivery_row_tolerance),
            ENV_DELETION_TOLERANCE: repr(self.deletion_tolerance),
            ENV_DBT_PROJECT: str(self.dbt_project_dir),
            ENV_EXPECTATIONS: str(self.expectations_dir),
            ENV_DAGS_FOLDER: str(self.dags_folder),
            ENV_DUCKDB_MEMORY_LIMIT: self.duckdb_memory_limit,
            ENV_INGEST_MEMORY_LIMIT: self.ingest_memory_limit,
            ENV_RETRY_DELAY: "" if self.retry_delay_seconds is None else str(self.retry_delay_seconds),
            ENV_ONE_PROCESS: "1" if self.night_in_one_process else "",
            ENV_NODE: self.cluster_node or "",
            ENV_PG_HOST: self.pg_host,
            ENV_PG_PORT: self.pg_port,
            ENV_PG_USER: self.pg_user,
            ENV_PG_PASSWORD: self._pg_password,
            ENV_PG_DATABASE: self.pg_database,
            ENV_PG_BI_ROLE: self.pg_bi_role,
            ENV_PG_BI_PASSWORD: self._pg_bi_password,
            ENV_PG_DBT_DATABASE: self.pg_dbt_database,
            ENV_METABASE_URL: self.metabase_url,
            ENV_METABASE_ADMIN_EMAIL: self.metabase_admin_email,
            ENV_METABASE_ADMIN_PASSWORD: self._metabase_admin_password,
        }
        assert set(env) == set(SETTING_VARIABLES)
        return {name: value for name, value in env.items() if value}

    def child_environment(self) -> dict[str, str]:
        """The whole environment of a child process: this process's variables (PATH, AIRFLOW_*, ...)
        without any woonsignaal setting, and these settings (:meth:`as_environment`)."""
        base = {name: value for name, value in os.environ.items() if name not in SETTING_VARIABLES}
        return {**base, **self.as_environment()}

    # --- paths ---------------------------------------------------------------------------------
    @property
    def warehouse_path(self) -> Path:
        return self.home / "warehouse" / "woonsignaal.duckdb"

    @property
    def build_dir(self) -> Path:
        return self.home / "build"

    @property
    def published_dir(self) -> Path:
        return self.home / "published"

    @property
    def published_path(self) -> Path:
        return self.published_dir / "woonsignaal.duckdb"

    @property
    def parquet_dir(self) -> Path:
        return self.published_dir / "parquet"

    @property
    def gx_dir(self) -> Path:
        return self.home / "gx"

    @property
    def data_docs_dir(self) -> Path:
        return self.gx_dir / "data_docs"

    @property
    def dbt_dir(self) -> Path:
        return self.home / "dbt"

    @property
    def airflow_home(self) -> Path:
        return self.home / "airflow"

    @property
    def reports_dir(self) -> Path:
        return self.home / "reports"

    @property
    def state_dir(self) -> Path:
        return self.home / "state"

    @property
    def duckdb_temp_dir(self) -> Path:
        return self.build_dir / "duckdb-tmp"

    # --- dbt ---------------------------------------------------------------------------------
    def dbt_environment(self) -> dict[str, str]:
        """What woonsignaal sets in the environment of an in-process dbt run (``environment_for_dbt``):
        the working warehouse ``profiles.yml`` reads, and no anonymous usage statistics."""
        return {"WOONSIGNAAL_WAREHOUSE": str(self.warehouse_path), "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}

    def dbt_env_var(self, name: str) -> str | None:
        """An environment variable as ``env_var`` in ``profiles.yml`` sees it in a dbt run of this runner
        (``dbt_environment``, else the process's environment), None when unset."""
        return self.dbt_environment().get(name, os.environ.get(name))

    # --- secrets -------------------------------------------------------------------------------
    @property
    def pseudonymisation_key(self) -> bytes:
        """The key for keyed hashes of person keys. Outside the demo it must be configured."""
        if self._pseudonymisation_key:
            return self._pseudonymisation_key.encode("utf-8")
        if self.demo:
            return DEMO_PSEUDONYMISATION_KEY.encode("utf-8")
        raise ConfigurationError(
            f"{ENV_KEY} is niet gezet. woonsignaal pseudonimiseert persoonssleutels met een sleutel-hash en "
            f"laadt buiten de demo niets zonder sleutel. Zet {ENV_KEY} op een lang willekeurig geheim "
            f"(bijvoorbeeld `python -c 'import secrets; print(secrets.token_hex(32))'`) en houd het vast: "
            f"een nieuwe sleutel geeft elke huurder een nieuw pseudoniem."
        )

    def ensure_dirs(self) -> None:
        for d in (
            self.warehouse_path.parent,
            self.build_dir,
            self.published_dir,
            self.gx_dir,
            self.dbt_dir,
            self.airflow_home,
            self.reports_dir,
            self.state_dir,
        ):
            d.mkdir(parents=True, exist_ok=True)


@contextmanager
def environment_for_dbt(settings: Settings) -> Iterator[None]:
    """Set ``settings.dbt_environment()`` for an in-process dbt run (dbt reads ``profiles.yml``'s
    ``env_var`` from the process environment) and put the previous values back afterwards."""
    env = settings.dbt_environment()
    old = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        yield
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def get_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """Read the settings from the environment (cheap; call it inside tasks, not at import).

    ``environ``: the variables to read instead of this process's environment (a child's, a test's)."""
    env = os.environ if environ is None else environ
    home = Path(env.get(ENV_HOME) or "var").resolve()
    landing = Path(env.get(ENV_LANDING) or home / "landing").resolve()
    raw_min = env.get(ENV_MIN_GROUP) or str(DEFAULT_MINIMUM_GROUP_SIZE)
    try:
        minimum = int(raw_min)
    except ValueError:
        raise ConfigurationError(f"{ENV_MIN_GROUP}={raw_min!r} is geen geheel getal") from None
    if minimum < 1:
        raise ConfigurationError(f"{ENV_MIN_GROUP} moet minstens 1 zijn, niet {minimum}")
    return Settings(
        home=home,
        landing=landing,
        demo=_truthy(env.get(ENV_DEMO)),
        minimum_group_size=minimum,
        alert_webhook=env.get(ENV_WEBHOOK) or None,
        dbt_target=env.get(ENV_DBT_TARGET) or "duckdb",
        _pseudonymisation_key=env.get(ENV_KEY) or None,
        row_count_tolerance=_fraction(ENV_ROW_TOLERANCE, env.get(ENV_ROW_TOLERANCE) or "0.5"),
        delivery_row_tolerance=_fraction(
            ENV_DELIVERY_ROW_TOLERANCE, env.get(ENV_DELIVERY_ROW_TOLERANCE) or DEFAULT_DELIVERY_ROW_TOLERANCE
        ),
        deletion_tolerance=_fraction(
            ENV_DELETION_TOLERANCE, env.get(ENV_DELETION_TOLERANCE) or DEFAULT_DELETION_TOLERANCE
        ),
        dbt_project_dir=Path(env.get(ENV_DBT_PROJECT) or PROJECT_ROOT / "dbt_project"),
        expectations_dir=Path(env.get(ENV_EXPECTATIONS) or PROJECT_ROOT / "expectations"),
        dags_folder=Path(env.get(ENV_DAGS_FOLDER) or PROJECT_ROOT / "dags").resolve(),
        duckdb_memory_limit=(env.get(ENV_DUCKDB_MEMORY_LIMIT) or "").strip() or DEFAULT_DUCKDB_MEMORY_LIMIT,
        ingest_memory_limit=(env.get(ENV_INGEST_MEMORY_LIMIT) or "").strip() or DEFAULT_INGEST_MEMORY_LIMIT,
        retry_delay_seconds=_retry_delay_seconds(env),
        night_in_one_process=env.get(ENV_ONE_PROCESS) == "1",
        cluster_node=env.get(ENV_NODE) or None,
        pg_host=(env.get(ENV_PG_HOST) or "").strip(),
        pg_port=env.get(ENV_PG_PORT) or "5432",
        pg_user=env.get(ENV_PG_USER) or "",
        _pg_password=env.get(ENV_PG_PASSWORD) or "",
        pg_database=env.get(ENV_PG_DATABASE) or "",
        pg_bi_role=env.get(ENV_PG_BI_ROLE) or "",
        _pg_bi_password=env.get(ENV_PG_BI_PASSWORD) or "",
        pg_dbt_database=env.get(ENV_PG_DBT_DATABASE) or "",
        metabase_url=env.get(ENV_METABASE_URL) or DEFAULT_METABASE_URL,
        metabase_admin_email=env.get(ENV_METABASE_ADMIN_EMAIL) or "",
        _metabase_admin_password=env.get(ENV_METABASE_ADMIN_PASSWORD) or "",
    )


def _retry_delay_seconds(env: Mapping[str, str]) -> int | None:
    raw = (env.get(ENV_RETRY_DELAY) or "").strip()
    if not raw:
        return None
    try:
        return int(raw)
    except ValueError:
        raise ConfigurationError(f"{ENV_RETRY_DELAY}={raw!r} is geen geheel aantal seconden") from None


def dag_retry_delay() -> timedelta:
    """The DAGs' retry delay, read when a DAG file is parsed: this one setting only, so a DAG file never
    fails to import over another setting (those are read in the tasks)."""
    return _retry_delay(_retry_delay_seconds(os.environ))


def _retry_delay(seconds: int | None) -> timedelta:
    return timedelta(seconds=DEFAULT_RETRY_DELAY_SECONDS if seconds is None else seconds)


def current_environment() -> dict[str, str]:
    """A copy of this process's environment: the base of a child process's environment (PATH, AIRFLOW_*,
    .env values the local cluster passes on). Add :meth:`Settings.as_environment` over it for the settings."""
    return dict(os.environ)


def prepare_child_environment(env: Mapping[str, str]) -> None:
    """Make ``env`` this process's environment for its settings: every woonsignaal setting it inherited
    is replaced by those in ``env``. Only for a child process woonsignaal itself started (the forked
    nightly run), before it imports a library that reads its configuration from the environment on
    import (Airflow): that child's environment is its settings' way in."""
    for name in SETTING_VARIABLES:
        os.environ.pop(name, None)
    os.environ.update(env)


def _fraction(name: str, raw: str) -> float:
    try:
        value = float(raw.replace(",", "."))
    except ValueError:
        raise ConfigurationError(f"{name}={raw!r} is geen getal (bijvoorbeeld 0.5 voor 50%)") from None
    if value <= 0:
        raise ConfigurationError(f"{name} moet groter dan 0 zijn, niet {value}")
    return value
