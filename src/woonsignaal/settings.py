"""Settings, read from the environment once per call (never at import time of a DAG).

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
from dataclasses import dataclass
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
    def dbt_project_dir(self) -> Path:
        return Path(os.environ.get(ENV_DBT_PROJECT, PROJECT_ROOT / "dbt_project"))

    @property
    def duckdb_memory_limit(self) -> str:
        """How much memory DuckDB may use in the dbt build before it spills to ``duckdb_temp_dir`` (``2GB``)."""
        return os.environ.get(ENV_DUCKDB_MEMORY_LIMIT, "").strip() or DEFAULT_DUCKDB_MEMORY_LIMIT

    @property
    def ingest_memory_limit(self) -> str:
        """How much memory the ingest's scratch DuckDB may use before it spills (``3GB``).

        The scratch holds a whole parsed delivery while the merge and the raw suites read it. Under the
        dbt build's limit it spilled while both ran, which made the load slower; the limit that fits an
        L volledig delivery, and what it costs in memory, are in BENCHMARKS.md ("Figures behind the code").
        """
        return os.environ.get(ENV_INGEST_MEMORY_LIMIT, "").strip() or DEFAULT_INGEST_MEMORY_LIMIT

    @property
    def duckdb_temp_dir(self) -> Path:
        return self.build_dir / "duckdb-tmp"

    @property
    def expectations_dir(self) -> Path:
        return Path(os.environ.get(ENV_EXPECTATIONS, PROJECT_ROOT / "expectations"))

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


def get_settings() -> Settings:
    """Read the settings from the environment (cheap; call it inside tasks, not at import)."""
    home = Path(os.environ.get(ENV_HOME, "var")).resolve()
    landing = Path(os.environ.get(ENV_LANDING, home / "landing")).resolve()
    raw_min = os.environ.get(ENV_MIN_GROUP, str(DEFAULT_MINIMUM_GROUP_SIZE))
    try:
        minimum = int(raw_min)
    except ValueError:
        raise ConfigurationError(f"{ENV_MIN_GROUP}={raw_min!r} is geen geheel getal") from None
    if minimum < 1:
        raise ConfigurationError(f"{ENV_MIN_GROUP} moet minstens 1 zijn, niet {minimum}")
    return Settings(
        home=home,
        landing=landing,
        demo=_truthy(os.environ.get(ENV_DEMO)),
        minimum_group_size=minimum,
        alert_webhook=os.environ.get(ENV_WEBHOOK) or None,
        dbt_target=os.environ.get(ENV_DBT_TARGET, "duckdb"),
        _pseudonymisation_key=os.environ.get(ENV_KEY) or None,
        row_count_tolerance=_fraction(ENV_ROW_TOLERANCE, os.environ.get(ENV_ROW_TOLERANCE, "0.5")),
        delivery_row_tolerance=_fraction(
            ENV_DELIVERY_ROW_TOLERANCE, os.environ.get(ENV_DELIVERY_ROW_TOLERANCE, DEFAULT_DELIVERY_ROW_TOLERANCE)
        ),
        deletion_tolerance=_fraction(
            ENV_DELETION_TOLERANCE, os.environ.get(ENV_DELETION_TOLERANCE, DEFAULT_DELETION_TOLERANCE)
        ),
    )


def _fraction(name: str, raw: str) -> float:
    try:
        value = float(raw.replace(",", "."))
    except ValueError:
        raise ConfigurationError(f"{name}={raw!r} is geen getal (bijvoorbeeld 0.5 voor 50%)") from None
    if value <= 0:
        raise ConfigurationError(f"{name} moet groter dan 0 zijn, niet {value}")
    return value
