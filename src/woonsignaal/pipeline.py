"""The nightly chain as plain functions: what each Airflow task does, testable without Airflow.

Each step takes the extract date it works on (the delivery ``<landing>/<extractdatum>/``), is idempotent
for that date, records its start and outcome in the run history and returns a small JSON-able dict
(passed between tasks as XCom). Steps that write the working warehouse hold the writer lock.

    wacht_op_levering -> verifieer_levering -> laad_raw -> dbt_build_marts -> bereken_signalen
        -> dbt_build_signalen -> kwaliteitspoort -> publiceer

A night is one unit: ``verifieer_levering`` takes the night lock (``state/nacht.json``) for its run,
every later step confirms it, ``publiceer`` (or a failure no retry can fix) releases it. A second run
meanwhile is refused with ``NightBusy`` (Airflow retries it later). ``dbt_build_signalen``, the last
build step, stamps the working warehouse with the delivery and run it built (``publicatie.bouw``); the
quality gate refuses a candidate whose stamp names another delivery or run. The same rule holds for the
signal engine's output: ``bereken_signalen`` writes a run row with it, and ``dbt_build_signalen`` refuses
an output of another night or run.
"""

from __future__ import annotations

import errno
import logging
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from woonsignaal import faults, runs
from woonsignaal.contract import MANIFEST_NAME, SOURCE_TIMEZONE
from woonsignaal.locking import NightBusy, describe_duckdb_lock, hold_night, release_night, writer_lock
from woonsignaal.settings import Settings, get_settings

log = logging.getLogger(__name__)


class PermanentFailure(faults.Foutmelding, RuntimeError):
    """A failure that a retry cannot fix (a rejected delivery, a failed audit, a failing model)."""


class StepFailed(faults.Foutmelding, RuntimeError):
    """A step failed for a reason a retry may fix; the message is built from its faults (see _step)."""


class RunStopped(PermanentFailure):
    """The run was asked to stop (``woonsignaal run`` got SIGTERM or SIGINT)."""

    klasse = "gestopt"


class DiskFull(PermanentFailure):
    """The disk under ``$WOONSIGNAAL_HOME`` is full; the message says how much is free."""

    klasse = "schijf_vol"


#: set in the process that runs a night when it is asked to stop (signal name)
_stop: dict[str, str | None] = {"signaal": None}


def request_stop(signal_name: str) -> None:
    """Ask this process's night to stop: the running step fails as stopped, no later step starts."""
    _stop["signaal"] = signal_name


def raise_if_stopped(stap: str | None = None) -> None:
    if _stop["signaal"]:
        where = f" vóór {stap}" if stap else ""
        raise RunStopped(
            f"gestopt door {_stop['signaal']}{where}; er is niets half gepubliceerd. Draai "
            f"`woonsignaal run` opnieuw om deze levering te verwerken"
        )


def is_disk_full(exc: BaseException) -> bool:
    """Whether ``exc`` (or what caused it) is a full disk: ENOSPC/EDQUOT, or DuckDB's or SQLite's
    wording of it. Only classifies; the message is woonsignaal's own."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, DiskFull):
            return True
        if isinstance(current, OSError) and current.errno in (errno.ENOSPC, errno.EDQUOT):
            return True
        text = str(current)
        if "No space left on device" in text or "database or disk is full" in text:
            return True
        current = current.__cause__ or current.__context__
    return False


def disk_full_message(settings: Settings, stap: str) -> str:
    try:
        free = f"nog {shutil.disk_usage(settings.home).free / 1e6:.0f} MB vrij"
    except OSError:
        free = "vrije ruimte onbekend"
    return (
        f"schijf vol tijdens {stap}: {settings.home} heeft {free}. Er is niets gepubliceerd; maak ruimte "
        f"en draai `woonsignaal run` opnieuw (de halve kandidaat in {settings.build_dir} wordt dan opgeruimd)"
    )


def resolve_extractdatum(context: dict[str, Any]) -> date:
    """The extract date a DAG run works on.

    A run triggered for one delivery passes ``extractdatum`` in its conf/params. A scheduled run at 03:00
    Europe/Amsterdam on day D processes the delivery of day D-1 (the state at the end of that day).
    """
    params = context.get("params") or {}
    dag_run = context.get("dag_run")
    conf = (getattr(dag_run, "conf", None) or {}) if dag_run is not None else {}
    explicit = conf.get("extractdatum") or params.get("extractdatum")
    if explicit:
        return date.fromisoformat(str(explicit))
    logical = context.get("logical_date") or getattr(dag_run, "logical_date", None)
    if logical is None:
        raise PermanentFailure(
            "de run heeft geen extractdatum in zijn conf en geen logische datum om die uit af te leiden"
        )
    return logical_date_to_extractdatum(logical)


def logical_date_to_extractdatum(logical: datetime) -> date:
    local = logical.astimezone(ZoneInfo(SOURCE_TIMEZONE))
    return local.date() - timedelta(days=1)


def extractdatum_to_logical_date(extractdatum: date) -> datetime:
    """The scheduled run that processes this delivery: the next day at 03:00 Europe/Amsterdam."""
    next_day = extractdatum + timedelta(days=1)
    return datetime(next_day.year, next_day.month, next_day.day, 3, 0, tzinfo=ZoneInfo(SOURCE_TIMEZONE))


@contextmanager
def _step(settings: Settings, extractdatum: date, stap: str, run_id: str | None) -> Iterator[dict[str, Any]]:
    """Record a step's start and outcome; the caller fills the yielded dict with details.

    Takes or confirms the night lock first: a run refused because another night is running records
    nothing (its delivery's history stays as the running night writes it). A failure no retry can fix
    releases the night; a full disk and a DuckDB file locked by another process get woonsignaal's own
    message.

    A failure leaves the step only as its faults (``woonsignaal.faults``): the run history, the log,
    Airflow's task log and the alert get woonsignaal's message, built from class, file, line and
    column. Any other exception (a library's, whose text may quote a delivered row) is re-raised as
    :class:`StepFailed` naming its type only, with the chain cut off; its stack, without messages,
    goes to the log for the engineer.
    """
    night_run = run_id or "handmatig"
    try:
        raise_if_stopped(stap)
    except RunStopped as stopped:  # asked to stop between two steps: this one is recorded as stopped
        runs.record(settings, extractdatum.isoformat(), stap, "gestart", run_id)
        runs.record_failure(settings, extractdatum.isoformat(), stap, stopped, run_id)
        release_night(settings.state_dir, night_run)
        raise
    try:
        hold_night(
            settings.state_dir,
            extractdatum.isoformat(),
            night_run,
            stap,
            een_proces=settings.night_in_one_process,
        )
    except NightBusy:
        if stap == FIRST_STEP:
            raise
        runs.record(settings, extractdatum.isoformat(), stap, "gestart", run_id)
        taken = PermanentFailure(
            "een andere run nam de nacht over; deze run stopt zonder te publiceren", klasse="nacht_bezet"
        )
        runs.record_failure(settings, extractdatum.isoformat(), stap, taken, run_id)
        raise taken from None
    details: dict[str, Any] = {}
    runs.record(settings, extractdatum.isoformat(), stap, "gestart", run_id)
    try:
        yield details
    except GeneratorExit:
        raise
    except BaseException as exc:
        from woonsignaal.ingest.errors import DeliveryRejected  # not at import: DAG files import this module

        # woonsignaal's own failure for a full disk, a locked file or Ctrl-C; else the exception itself
        failure = _own_failure(settings, stap, exc)
        reported = failure if failure is not None else exc
        fouten = faults.fouten_van(reported)
        runs.record_failure(settings, extractdatum.isoformat(), stap, reported, run_id, details)
        if isinstance(reported, DeliveryRejected):  # a retry cannot fix a refused delivery
            reported = PermanentFailure(fouten)
        if isinstance(reported, PermanentFailure) or not isinstance(exc, Exception):
            release_night(settings.state_dir, night_run)
        if reported is not exc:
            raise reported from None
        if isinstance(exc, faults.Foutmelding):
            exc.__cause__, exc.__suppress_context__ = None, True  # nothing but its own text leaves
            raise exc
        if not isinstance(exc, Exception):  # SystemExit and the like: not a fault of the step
            raise
        log.error(
            "%s failed with %s; stack (messages left out, they may quote data):\n%s",
            stap,
            type(exc).__name__,
            faults.stack_zonder_tekst(exc),
        )
        raise StepFailed(fouten) from None
    runs.record(settings, extractdatum.isoformat(), stap, "geslaagd", run_id, details=details)


FIRST_STEP = "verifieer_levering"
#: The steps of a night after the wait for the delivery, in order (the nightly DAG's tasks)
NIGHT_STEPS = (
    FIRST_STEP,
    "laad_raw",
    "dbt_build_marts",
    "bereken_signalen",
    "dbt_build_signalen",
    "kwaliteitspoort",
    "publiceer",
)


def _own_failure(settings: Settings, stap: str, exc: BaseException) -> BaseException | None:
    """The failure woonsignaal reports instead of a library's text, or None to keep ``exc``."""
    if isinstance(exc, PermanentFailure):
        return None
    if is_disk_full(exc):
        return DiskFull(disk_full_message(settings, stap))
    locked = describe_duckdb_lock(exc, settings.warehouse_path)
    if locked is not None:
        return locked
    if isinstance(exc, KeyboardInterrupt):  # Ctrl-C where no stop handler runs (a step called directly)
        return RunStopped(f"gestopt tijdens {stap}; draai `woonsignaal run` opnieuw om deze levering te verwerken")
    return None


def delivery_path(settings: Settings, extractdatum: date):
    return settings.landing / extractdatum.isoformat()


def _lock(settings: Settings):
    return writer_lock(settings.state_dir / "warehouse.lock")


# --- steps --------------------------------------------------------------------------------------


#: while waiting for a delivery, one log line at the first poke and then at most one per this many seconds
WAIT_LOG_INTERVAL = 1800.0
_last_wait_log: dict[date, float] = {}


def delivery_is_complete(extractdatum: date, settings: Settings | None = None) -> bool:
    """Sensor condition: the delivery folder has its manifest (written last, so it is complete).

    Polled often during a night's wait (hours): says "waiting" once, then every half hour."""
    raise_if_stopped("wacht_op_levering")
    settings = settings or get_settings()
    complete = (delivery_path(settings, extractdatum) / MANIFEST_NAME).is_file()
    if complete:
        _last_wait_log.pop(extractdatum, None)
        return True
    now = time.monotonic()
    last = _last_wait_log.get(extractdatum)
    if last is None or now - last >= WAIT_LOG_INTERVAL:
        _last_wait_log[extractdatum] = now
        log.info(
            "waiting: no complete delivery for %s in %s yet%s",
            extractdatum,
            settings.landing,
            "" if last is None else " (still)",
        )
    return False


def verify(extractdatum: date, run_id: str | None = None, settings: Settings | None = None) -> dict[str, Any]:
    """Check manifest, files, row counts and sha256 before anything is loaded."""
    from woonsignaal.ingest import verify_delivery

    settings = settings or get_settings()
    settings.ensure_dirs()
    with _step(settings, extractdatum, FIRST_STEP, run_id) as details:
        from woonsignaal.publish import cleanup_orphans

        # the night is ours: what an earlier killed or failed night left (a stale candidate after a full
        # disk, a half-written version folder) goes now, not only when the next candidate is built
        cleanup_orphans(settings)
        manifest = verify_delivery(delivery_path(settings, extractdatum))  # DeliveryRejected: see _step
        details.update(soort=manifest.soort, aangemaakt_op=str(manifest.aangemaakt_op))
        return dict(details)


def load_raw(extractdatum: date, run_id: str | None = None, settings: Settings | None = None) -> dict[str, Any]:
    """Parse, pseudonymise, quarantine, validate and merge the delivery into the raw layer."""
    from woonsignaal.ingest import load_delivery

    settings = settings or get_settings()
    settings.ensure_dirs()
    with _step(settings, extractdatum, "laad_raw", run_id) as details, _lock(settings):
        result = load_delivery(delivery_path(settings, extractdatum), settings)  # DeliveryRejected: see _step
        details.update(result.to_dict())
        for warning in getattr(result, "warnings", []):
            log.warning("%s: %s", extractdatum, warning)
        return dict(details)


def dbt_vars(settings: Settings, extractdatum: date) -> dict[str, str]:
    """dbt vars for a build as of ``extractdatum``: the extract date only when it is not the latest
    delivery in ``raw.leveringen``, which is what the models use without the var (macro extractdatum).

    A var whose value changes every night makes dbt re-parse the whole project, seconds at any size;
    without it dbt parses only what changed. An older date (rebuilding a delivery that was loaded but
    not published while a newer one is loaded) and a non-DuckDB target still get the var.
    """
    import duckdb

    explicit = {"extractdatum": extractdatum.isoformat()}
    if settings.dbt_target != "duckdb" or not settings.warehouse_path.exists():
        return explicit
    try:
        con = duckdb.connect(str(settings.warehouse_path), read_only=True)
        try:
            latest = con.execute("select max(extractdatum) from raw.leveringen").fetchone()[0]
        finally:
            con.close()
    except duckdb.Error:
        return explicit
    return {} if latest == extractdatum else explicit


def _dbt_step_failure(result: Any, stap: str) -> PermanentFailure:
    """The failure of a dbt build step: the failed nodes only (dbt's messages may quote data, a database
    error on a row); the task log and dbt's own log have the rest."""
    if _stop["signaal"]:  # dbt failed because this run was asked to stop
        return PermanentFailure(
            faults.Fout(
                "gestopt",
                detail=(
                    f"gestopt door {_stop['signaal']} tijdens {stap}; er is niets half gepubliceerd. "
                    f"Draai `woonsignaal run` opnieuw om deze levering te verwerken"
                ),
            )
        )
    failed = [getattr(n, "unique_id", "?") for n in getattr(result, "failed", [])]
    return PermanentFailure(
        faults.Fout(
            "dbt_build",
            detail=(
                "dbt build mislukt"
                + (f": {', '.join(failed[:10])}" if failed else "")
                + (f" (en {len(failed) - 10} meer)" if len(failed) > 10 else "")
                + f"; de meldingen van dbt staan in de log van de taak {stap}"
            ),
        )
    )


#: The nightly dbt build in two parts around the signal step (``dbt_project/selectors.yml``).
MARTS_SELECTOR = "marts"
SIGNALS_SELECTOR = "signalen"


def build_marts(extractdatum: date, run_id: str | None = None, settings: Settings | None = None) -> dict[str, Any]:
    """``dbt build --selector marts``: everything the signal engine reads and everything that does not
    depend on its output, as of the extract date. One writing process."""
    from woonsignaal.publish import stamp_build
    from woonsignaal.transform import run_dbt_build

    settings = settings or get_settings()
    with _step(settings, extractdatum, "dbt_build_marts", run_id) as details, _lock(settings):
        # no stamp while the marts are being rebuilt: a half build is never taken for a finished one
        stamp_build(settings.warehouse_path, None, None)
        result = run_dbt_build(
            settings, selector=MARTS_SELECTOR, vars=dbt_vars(settings, extractdatum), generate_docs=False
        )
        details.update(result.to_dict() if hasattr(result, "to_dict") else {"success": result.success})
        if not result.success:
            raise _dbt_step_failure(result, "dbt_build_marts")
        return {"success": True, "nodes": len(getattr(result, "nodes", []) or [])}


def compute_signals(extractdatum: date, run_id: str | None = None, settings: Settings | None = None) -> dict[str, Any]:
    """The signal engine over the fact marts of the working warehouse; its output replaces the dbt source
    ``signalen_invoer`` (``woonsignaal.signals.step``). Re-running it replaces the night's output."""
    from woonsignaal.signals.step import compute_and_store

    settings = settings or get_settings()
    with _step(settings, extractdatum, "bereken_signalen", run_id) as details, _lock(settings):
        details.update(compute_and_store(settings, extractdatum, run_id or "handmatig"))
        return dict(details)


def build_signals(extractdatum: date, run_id: str | None = None, settings: Settings | None = None) -> dict[str, Any]:
    """``dbt build --selector signalen``: the engine's output and everything downstream (signals, their
    history and status, werklijsten); then stamps the working warehouse with the delivery and run it built.
    Refuses the engine's output of another night or run."""
    from woonsignaal.publish import stamp_build
    from woonsignaal.signals.step import read_run, run_problem
    from woonsignaal.transform import run_dbt_build

    settings = settings or get_settings()
    with _step(settings, extractdatum, "dbt_build_signalen", run_id) as details, _lock(settings):
        stamp_build(settings.warehouse_path, None, None)
        problem = run_problem(read_run(settings), extractdatum, run_id or "handmatig")
        if problem:
            raise PermanentFailure(faults.Fout("signalen_andere_nacht", detail=problem))
        result = run_dbt_build(settings, selector=SIGNALS_SELECTOR, vars=dbt_vars(settings, extractdatum))
        details.update(result.to_dict() if hasattr(result, "to_dict") else {"success": result.success})
        if not result.success:
            raise _dbt_step_failure(result, "dbt_build_signalen")
        stamp_build(settings.warehouse_path, extractdatum, run_id or "handmatig")
        return {"success": True, "nodes": len(getattr(result, "nodes", []) or [])}


def build_warehouse(
    settings: Settings,
    extractdatum: date,
    target: str | None = None,
    run_id: str = "handmatig",
    generate_docs: bool = False,
):
    """The night's three build parts one after the other (``dbt build --selector marts``, the signal step,
    ``dbt build --selector signalen``) without the night's bookkeeping (run history, night lock, build
    stamp): for tests, benchmarks and building another dbt ``target`` by hand. Stops after a failed
    part. Returns one ``DbtRunResult`` with the nodes of both dbt builds."""
    from woonsignaal.signals.step import compute_and_store
    from woonsignaal.transform import DbtRunResult, run_dbt_build

    vars = {"extractdatum": extractdatum.isoformat()} if target else dbt_vars(settings, extractdatum)
    marts = run_dbt_build(settings, selector=MARTS_SELECTOR, vars=vars, target=target, generate_docs=False)
    if not marts.success:
        return marts
    compute_and_store(settings, extractdatum, run_id, target=target)
    signalen = run_dbt_build(settings, selector=SIGNALS_SELECTOR, vars=vars, target=target, generate_docs=generate_docs)
    return DbtRunResult(
        command=signalen.command,
        success=signalen.success,
        nodes=[*marts.nodes, *signalen.nodes],
        error=signalen.error,
        elapsed_seconds=marts.elapsed_seconds + signalen.elapsed_seconds,
        target_path=signalen.target_path,
    )


def audit(extractdatum: date, run_id: str | None = None, settings: Settings | None = None) -> dict[str, Any]:
    """Write-audit: copy the marts into a candidate file no consumer reads, and audit it."""
    from woonsignaal import publish

    settings = settings or get_settings()
    with _step(settings, extractdatum, "kwaliteitspoort", run_id) as details:
        with _lock(settings):
            candidate = publish.build_candidate(settings, extractdatum, run_id or "handmatig")
        report = publish.audit_candidate(settings, candidate, extractdatum, run_id or "handmatig")
        details.update(report.to_dict())
        if not report.success:
            raise PermanentFailure(
                faults.Fout(
                    "kwaliteitspoort",
                    detail=(f"kwaliteitspoort afgekeurd, er is niets gepubliceerd:\n{report.summary()}"),
                )
            )
        return {"candidate": str(candidate), **details}


def publish_marts(
    extractdatum: date, candidate: str, run_id: str | None = None, settings: Settings | None = None
) -> dict[str, Any]:
    """Publish the audited candidate in one atomic step."""
    from pathlib import Path

    from woonsignaal import publish
    from woonsignaal.werklijsten import publish_werklijsten

    settings = settings or get_settings()
    with _step(settings, extractdatum, "publiceer", run_id) as details:
        # first the restricted werklijsten file (from the same build), then the marts: a failure in either
        # leaves the previous marts publication in place
        with _lock(settings):
            details["werklijsten"] = str(publish_werklijsten(settings))
        details.update(publish.publish_candidate(settings, Path(candidate), extractdatum, run_id or "handmatig"))
    release_night(settings.state_dir, run_id or "handmatig")  # the night is over
    return dict(details)


def release_night_after_failure(context: dict[str, Any]) -> None:
    """DAG ``on_failure_callback``: a failed DAG run gives up the night it held (a killed task included)."""
    dag_run = context.get("dag_run")
    run_id = getattr(dag_run, "run_id", None)
    if run_id and release_night(get_settings().state_dir, run_id):
        log.info("night lock of failed run %s released", run_id)


# --- monthly ----------------------------------------------------------------------------------


def completed_month(requested: str | None = None, settings: Settings | None = None) -> str | None:
    """The month (``jjjj-mm``) a report is due for, or None when the publication is mid-month.

    A month is complete when the published marts cover its last day.
    """
    from woonsignaal.publish import published_info

    if requested:
        return requested
    settings = settings or get_settings()
    info = published_info(settings)
    if info is None:
        log.info("nothing published yet: no report")
        return None
    published = date.fromisoformat(info["extractdatum"])
    if (published + timedelta(days=1)).month == published.month:
        log.info("publication of %s is mid-month: no report yet", published)
        return None
    return published.strftime("%Y-%m")


def monthly_report(maand: str, settings: Settings | None = None) -> dict[str, Any]:
    """Render the management report of ``maand`` from the published marts."""
    from woonsignaal.report import build_report

    settings = settings or get_settings()
    result = build_report(maand, settings=settings)
    return {"maand": maand, "html": str(result.html), "pdf": str(result.pdf) if result.pdf else None}
