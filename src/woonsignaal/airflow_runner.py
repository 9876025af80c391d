"""Run the real nightly DAG for one delivery, in-process (``dag.test``), on Airflow with SQLite.

The CLI (``woonsignaal run``) and the scheduler execute the same DAG file and the same tasks; this
module only prepares an embedded Airflow under ``$WOONSIGNAAL_HOME/airflow`` and starts one DAG run
per delivery. Airflow reads its configuration when it is first imported, so ``configure_environment``
must run before anything imports ``airflow``.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Iterator

from woonsignaal.settings import PROJECT_ROOT, Settings

log = logging.getLogger(__name__)


def dags_folder() -> Path:
    return Path(os.environ.get("WOONSIGNAAL_DAGS_FOLDER", PROJECT_ROOT / "dags")).resolve()


def airflow_environment(settings: Settings) -> dict[str, str]:
    """The environment for the embedded Airflow (also used by ``woonsignaal airflow`` for the UI)."""
    home = settings.airflow_home
    return {
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(dags_folder()),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{home / 'airflow.db'}",
        "AIRFLOW__API__HOST": "127.0.0.1",
        "AIRFLOW__CORE__PARALLELISM": "4",
        "AIRFLOW__LOGGING__BASE_LOG_FOLDER": str(home / "logs"),
        "WOONSIGNAAL_HOME": str(settings.home),
        "WOONSIGNAAL_LANDING": str(settings.landing),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        "GX_ANALYTICS_ENABLED": "false",
    }


def configure_environment(settings: Settings) -> None:
    """Point this process's (not yet imported) Airflow at the embedded home. Idempotent."""
    settings.airflow_home.mkdir(parents=True, exist_ok=True)
    env = airflow_environment(settings)
    if "airflow" in sys.modules and os.environ.get("AIRFLOW_HOME") != env["AIRFLOW_HOME"]:
        raise RuntimeError(
            "Airflow was imported before woonsignaal configured it; start a fresh process "
            f"(AIRFLOW_HOME is {os.environ.get('AIRFLOW_HOME')!r}, expected {env['AIRFLOW_HOME']!r})"
        )
    os.environ.update(env)
    # Interactive runs should not wait minutes before retrying a transient fault.
    os.environ.setdefault("WOONSIGNAAL_RETRY_DELAY_SECONDS", "5")


def ensure_metadata_db(settings: Settings) -> None:
    """Create or migrate the SQLite metadata DB (``airflow db migrate``) when needed."""
    marker = settings.airflow_home / ".migrated"
    db_file = settings.airflow_home / "airflow.db"
    if marker.exists() and db_file.exists():
        return
    log.info("preparing the embedded Airflow metadata DB in %s (once)", settings.airflow_home)
    env = {**os.environ, **airflow_environment(settings)}
    proc = subprocess.run(
        [sys.executable, "-m", "airflow", "db", "migrate"], env=env, capture_output=True, text=True
    )
    if proc.returncode != 0:
        raise RuntimeError(f"airflow db migrate failed:\n{proc.stdout[-2000:]}\n{proc.stderr[-4000:]}")
    marker.write_text("ok\n")


@dataclass
class DagRunOutcome:
    extractdatum: date
    run_id: str
    state: str
    failed_tasks: list[str] = field(default_factory=list)

    @property
    def success(self) -> bool:
        return self.state == "success"


def _outcome(extractdatum: date, dag_run) -> DagRunOutcome:
    failed = [ti.task_id for ti in dag_run.get_task_instances() if ti.state in ("failed", "upstream_failed")]
    return DagRunOutcome(extractdatum, dag_run.run_id, str(getattr(dag_run.state, "value", dag_run.state)), failed)


def load_dag(dag_id: str):
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=str(dags_folder()))
    if bag.import_errors:
        errors = "\n".join(f"{path}: {err}" for path, err in bag.import_errors.items())
        raise RuntimeError(f"the DAG files do not import:\n{errors}")
    dag = bag.dags.get(dag_id)
    if dag is None:
        raise RuntimeError(f"DAG {dag_id!r} not found in {dags_folder()}")
    return dag


@contextmanager
def output_to(log_file: Path | None) -> Iterator[None]:
    """Send everything this process writes to stdout/stderr (Airflow's and dbt's logs) to ``log_file``.

    Works at the file-descriptor level, so it also catches output of libraries that hold their own
    reference to the original streams. ``None`` leaves the output where it is.
    """
    if log_file is None:
        yield
        return
    log_file.parent.mkdir(parents=True, exist_ok=True)
    sys.stdout.flush()
    sys.stderr.flush()
    saved = os.dup(1), os.dup(2)
    with log_file.open("ab") as fh:
        os.dup2(fh.fileno(), 1)
        os.dup2(fh.fileno(), 2)
        try:
            yield
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os.dup2(saved[0], 1)
            os.dup2(saved[1], 2)
            os.close(saved[0])
            os.close(saved[1])


def run_log_path(settings: Settings, extractdatum: date) -> Path:
    return settings.home / "logs" / f"nightly-{extractdatum.isoformat()}.log"


def run_nightly(extractdatum: date, settings: Settings, log_file: Path | None = None) -> DagRunOutcome:
    """Process one delivery through the real nightly DAG and return how the run ended.

    With ``log_file``, the full Airflow, dbt and GX output of the run goes there instead of the terminal.
    """
    from woonsignaal.airflow_support import NIGHTLY_DAG_ID
    from woonsignaal.pipeline import extractdatum_to_logical_date

    configure_environment(settings)
    with output_to(log_file):
        ensure_metadata_db(settings)
        dag = load_dag(NIGHTLY_DAG_ID)
        dag_run = dag.test(
            logical_date=extractdatum_to_logical_date(extractdatum),
            run_conf={"extractdatum": extractdatum.isoformat()},
        )
        return _outcome(extractdatum, dag_run)


def run_monthly(maand: str, settings: Settings) -> DagRunOutcome:
    """Render one month's report through the real monthly DAG."""
    from datetime import datetime, timezone

    from woonsignaal.airflow_support import MONTHLY_DAG_ID

    configure_environment(settings)
    ensure_metadata_db(settings)
    dag = load_dag(MONTHLY_DAG_ID)
    dag_run = dag.test(logical_date=datetime.now(timezone.utc), run_conf={"maand": maand})
    return _outcome(date.fromisoformat(f"{maand}-01"), dag_run)
