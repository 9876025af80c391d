"""Run the real nightly DAG for one delivery, in-process (``dag.test``), on Airflow with SQLite.

The CLI (``woonsignaal run``) and the scheduler execute the same DAG file and the same tasks; this
module only prepares an embedded Airflow under ``$WOONSIGNAAL_HOME/airflow`` and starts one DAG run
per delivery. Airflow reads its configuration when it is first imported, so ``configure_environment``
must run before anything imports ``airflow``.
"""

from __future__ import annotations

import dataclasses
import logging
import multiprocessing
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date
from pathlib import Path
from typing import Any

from woonsignaal.processes import end_processes, process_tree
from woonsignaal.settings import (
    INTERACTIVE_RETRY_DELAY_SECONDS,
    Settings,
    current_environment,
    prepare_child_environment,
)

log = logging.getLogger(__name__)


def airflow_environment(settings: Settings) -> dict[str, str]:
    """The environment for the embedded Airflow (also used by ``woonsignaal airflow`` for the UI): its
    configuration and the woonsignaal settings its tasks read back (``Settings.as_environment``)."""
    home = settings.airflow_home
    return {
        **settings.as_environment(),
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(settings.dags_folder),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{home / 'airflow.db'}",
        "AIRFLOW__API__HOST": "127.0.0.1",
        "AIRFLOW__CORE__PARALLELISM": "4",
        "AIRFLOW__LOGGING__BASE_LOG_FOLDER": str(home / "logs"),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        "GX_ANALYTICS_ENABLED": "false",
    }


def interactive(settings: Settings) -> Settings:
    """The settings of a run an operator waits for: a transient fault is retried after seconds, not
    minutes (unless the retry delay is configured)."""
    if settings.retry_delay_seconds is not None:
        return settings
    return dataclasses.replace(settings, retry_delay_seconds=INTERACTIVE_RETRY_DELAY_SECONDS)


def configure_environment(settings: Settings) -> None:
    """Point this process's (not yet imported) Airflow at the embedded home and give its tasks
    ``settings``. Only in a process started for the run (the nightly child, a fresh interpreter):
    Airflow and the tasks read their configuration from the environment. Idempotent."""
    settings.airflow_home.mkdir(parents=True, exist_ok=True)
    env = airflow_environment(settings)
    current = current_environment().get("AIRFLOW_HOME")
    if "airflow" in sys.modules and current != env["AIRFLOW_HOME"]:
        raise RuntimeError(
            "Airflow was imported before woonsignaal configured it; start a fresh process "
            f"(AIRFLOW_HOME is {current!r}, expected {env['AIRFLOW_HOME']!r})"
        )
    prepare_child_environment(env)


def ensure_metadata_db(settings: Settings) -> None:
    """Create or migrate the SQLite metadata DB (``airflow db migrate``) when needed."""
    marker = settings.airflow_home / ".migrated"
    db_file = settings.airflow_home / "airflow.db"
    if marker.exists() and db_file.exists():
        return
    log.info("preparing the embedded Airflow metadata DB in %s (once)", settings.airflow_home)
    env = {**settings.child_environment(), **airflow_environment(settings)}
    proc = subprocess.run([sys.executable, "-m", "airflow", "db", "migrate"], env=env, capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"airflow db migrate failed:\n{proc.stdout[-2000:]}\n{proc.stderr[-4000:]}")
    marker.write_text("ok\n")


@dataclass
class DagRunOutcome:
    extractdatum: date
    run_id: str
    state: str  # an Airflow DagRun state, or "gestopt" when a signal stopped the run
    failed_tasks: list[str] = field(default_factory=list)
    signaal: str | None = None  # the signal that stopped it

    @property
    def success(self) -> bool:
        return self.state == "success"


def _outcome(extractdatum: date, dag_run) -> DagRunOutcome:
    failed = [ti.task_id for ti in dag_run.get_task_instances() if ti.state in ("failed", "upstream_failed")]
    return DagRunOutcome(extractdatum, dag_run.run_id, str(getattr(dag_run.state, "value", dag_run.state)), failed)


def load_dag(dag_id: str, settings: Settings):
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=str(settings.dags_folder))
    if bag.import_errors:
        errors = "\n".join(f"{path}: {err}" for path, err in bag.import_errors.items())
        raise RuntimeError(f"the DAG files do not import:\n{errors}")
    dag = bag.dags.get(dag_id)
    if dag is None:
        raise RuntimeError(f"DAG {dag_id!r} not found in {settings.dags_folder}")
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


#: how long a stopped night may take to end its current step before its process is killed (SIGKILL is
#: safe: the publication is switched in one rename, a killed night leaves the last one in place)
STOP_GRACE_SECONDS = 60.0


class _StopOnSignals:
    """While a night runs: SIGTERM and SIGINT ask it to stop instead of killing or being ignored."""

    def __init__(self) -> None:
        self.signal_name: str | None = None
        self.requested_at: float | None = None
        self._previous: dict[int, Any] = {}

    def __enter__(self) -> _StopOnSignals:
        if threading.current_thread() is threading.main_thread():
            for signum in (signal.SIGTERM, signal.SIGINT):
                self._previous[signum] = signal.signal(signum, self._handle)
        return self

    def _handle(self, signum: int, frame: Any) -> None:
        if self.signal_name is None:
            self.signal_name = signal.Signals(signum).name
            self.requested_at = time.monotonic()

    def __exit__(self, *exc: Any) -> None:
        for signum, handler in self._previous.items():
            signal.signal(signum, handler)


def run_nightly(extractdatum: date, settings: Settings, log_file: Path | None = None) -> DagRunOutcome:
    """Process one delivery through the real nightly DAG and return how the run ended.

    The DAG runs in a forked child process (Airflow's in-process task runner takes over SIGTERM, so the
    process that answers signals must be another one). SIGTERM or SIGINT to this process stops the night
    cleanly: the child's running step fails as stopped, no later step starts, the night is recorded as
    stopped and its lock released; a child that does not end within ``STOP_GRACE_SECONDS`` is killed.
    With ``log_file``, the full Airflow, dbt and GX output of the run goes there instead of the terminal.
    """
    context = multiprocessing.get_context("fork")
    receive, send = context.Pipe(duplex=False)
    stop_signal = context.Value("i", 0)  # the signal the parent got, for the child's message
    child = context.Process(
        target=_nightly_child,
        args=(extractdatum, settings, log_file, send, stop_signal),
        name=f"woonsignaal-nacht-{extractdatum}",
    )
    with _StopOnSignals() as stop:
        child.start()
        send.close()
        forwarded = False
        descendants: dict[int, Any] = {}
        while child.is_alive():
            child.join(0.2)
            if stop.signal_name and not forwarded and child.pid is not None:
                stop_signal.value = int(signal.Signals[stop.signal_name])
                os.kill(child.pid, signal.SIGUSR1)
                forwarded = True
            if forwarded:  # the processes the child started (Airflow's task runner): they end with it
                descendants.update((p.pid, p) for p in process_tree(child.pid)[1:])
            if stop.requested_at is not None and time.monotonic() - stop.requested_at > STOP_GRACE_SECONDS:
                child.kill()
                child.join()
        if forwarded:
            # when `woonsignaal run` returns, nothing of the stopped night may still be writing
            end_processes(list(descendants.values()), STOP_GRACE_SECONDS - (time.monotonic() - stop.requested_at))
    outcome = receive.recv() if receive.poll() else None
    receive.close()
    if stop.signal_name:
        return _stopped(extractdatum, settings, stop.signal_name, outcome)
    if outcome is None:
        raise RuntimeError(f"the nightly run of {extractdatum} ended without an outcome (exit code {child.exitcode})")
    if isinstance(outcome, BaseException):
        raise outcome
    return outcome


def _nightly_child(extractdatum: date, settings: Settings, log_file: Path | None, send, stop_signal) -> None:
    """The child of ``run_nightly``: signals come from the parent only (SIGUSR1 = stop)."""
    from woonsignaal import pipeline
    from woonsignaal.airflow_support import NIGHTLY_DAG_ID
    from woonsignaal.locking import NightBusy, night_holder, release_night

    def stop(signum: int, frame: Any) -> None:
        pipeline.request_stop(signal.Signals(stop_signal.value).name if stop_signal.value else "SIGTERM")
        pipeline.raise_if_stopped()

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the whole group: the parent decides
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    signal.signal(signal.SIGUSR1, stop)
    settings = dataclasses.replace(interactive(settings), night_in_one_process=True)
    try:
        holder = night_holder(settings.state_dir)
        if holder is not None and not holder.is_stale():
            # another night is running (the scheduler beside this command): refuse before Airflow starts
            send.send(
                NightBusy(f"{holder.describe()}. Een nacht tegelijk: draai `woonsignaal run` opnieuw als die klaar is.")
            )
            return
        configure_environment(settings)
        with output_to(log_file):
            ensure_metadata_db(settings)
            dag = load_dag(NIGHTLY_DAG_ID, settings)
            dag_run = dag.test(
                logical_date=pipeline.extractdatum_to_logical_date(extractdatum),
                run_conf={"extractdatum": extractdatum.isoformat()},
            )
            outcome = _outcome(extractdatum, dag_run)
        release_night(settings.state_dir, outcome.run_id)  # the night is over, however it ended
        send.send(outcome)
    except pipeline.RunStopped:
        pass  # the parent records the stop
    except BaseException as exc:  # noqa: BLE001 - handed to the parent, which raises it
        if pipeline.is_disk_full(exc):  # e.g. the embedded Airflow's SQLite: "database or disk is full"
            exc = pipeline.DiskFull(pipeline.disk_full_message(settings, "de Airflow-run"))
        send.send(_picklable(exc))
    finally:
        send.close()


def _picklable(exc: BaseException) -> BaseException:
    import pickle

    try:
        pickle.dumps(exc)
        return exc
    except Exception:  # noqa: BLE001
        return RuntimeError(f"{type(exc).__name__} in the nightly run (see the run's log)")


def _stopped(extractdatum: date, settings: Settings, signal_name: str, outcome: Any) -> DagRunOutcome:
    """Record a stopped night: its step in progress fails as stopped, the night lock is released."""
    from woonsignaal import runs
    from woonsignaal.locking import night_holder, release_night

    events = [e for e in runs.read_events(settings) if e.get("extractdatum") == extractdatum.isoformat()]
    run_id = outcome.run_id if isinstance(outcome, DagRunOutcome) else (events[-1]["run_id"] if events else "")
    last = events[-1] if events else None
    if last is not None and last["run_id"] == run_id and last["status"] == "gestart":
        from woonsignaal.pipeline import RunStopped

        runs.record_failure(
            settings,
            extractdatum.isoformat(),
            last["stap"],
            RunStopped(
                f"gestopt door {signal_name} tijdens {last['stap']}; draai `woonsignaal run` opnieuw om deze levering "
                f"te verwerken"
            ),
            run_id,
        )
    holder = night_holder(settings.state_dir)
    if holder is not None and (holder.run_id == run_id or holder.is_stale()):
        release_night(settings.state_dir, holder.run_id)
    return DagRunOutcome(extractdatum, run_id, "gestopt", [last["stap"]] if last else [], signal_name)


def run_monthly(maand: str, settings: Settings) -> DagRunOutcome:
    """Render one month's report through the real monthly DAG."""
    from datetime import datetime

    from woonsignaal.airflow_support import MONTHLY_DAG_ID

    settings = interactive(settings)
    configure_environment(settings)
    ensure_metadata_db(settings)
    dag = load_dag(MONTHLY_DAG_ID, settings)
    dag_run = dag.test(logical_date=datetime.now(UTC), run_conf={"maand": maand})
    return _outcome(date.fromisoformat(f"{maand}-01"), dag_run)
