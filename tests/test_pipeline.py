"""The nightly chain's date logic, run history and the writer lock, without Airflow."""

from __future__ import annotations

import multiprocessing
import time
from datetime import UTC, date, datetime
from types import SimpleNamespace

import pytest

from woonsignaal import pipeline, runs
from woonsignaal.faults import Fout
from woonsignaal.locking import WarehouseBusy, writer_lock
from woonsignaal.settings import get_settings


def test_scheduled_run_processes_previous_day():
    # 03:00 Amsterdam on 25 Nov is 02:00 UTC: the run processes the delivery of 24 Nov.
    logical = datetime(2026, 11, 25, 2, 0, tzinfo=UTC)
    assert pipeline.resolve_extractdatum({"logical_date": logical}) == date(2026, 11, 24)


def test_summer_time_is_respected():
    # 03:00 Amsterdam (CEST, UTC+2) on 1 Jul is 01:00 UTC: the run processes 30 Jun.
    logical = datetime(2026, 7, 1, 1, 0, tzinfo=UTC)
    assert pipeline.resolve_extractdatum({"logical_date": logical}) == date(2026, 6, 30)


def test_conf_overrides_logical_date():
    context = {
        "logical_date": datetime(2026, 11, 25, 2, tzinfo=UTC),
        "dag_run": SimpleNamespace(conf={"extractdatum": "2026-10-31"}),
    }
    assert pipeline.resolve_extractdatum(context) == date(2026, 10, 31)


def test_logical_date_round_trip():
    for d in (date(2026, 3, 28), date(2026, 3, 29), date(2026, 10, 25), date(2026, 11, 24)):
        assert pipeline.logical_date_to_extractdatum(pipeline.extractdatum_to_logical_date(d)) == d


def test_completed_month_only_at_month_end(woonsignaal_home):
    settings = get_settings()
    settings.published_dir.mkdir(parents=True)
    info = settings.published_dir / "publicatie.json"
    assert pipeline.completed_month(settings=settings) is None
    info.write_text('{"extractdatum": "2026-10-30"}')
    assert pipeline.completed_month(settings=settings) is None
    info.write_text('{"extractdatum": "2026-10-31"}')
    assert pipeline.completed_month(settings=settings) == "2026-10"
    assert pipeline.completed_month("2026-09", settings=settings) == "2026-09"


def test_run_history_summarises_latest_run_per_delivery(woonsignaal_home):
    settings = get_settings()
    runs.record(settings, "2026-11-23", "laad_raw", "gestart", "r1")
    runs.record(settings, "2026-11-23", "laad_raw", "mislukt", "r1", bericht="eenheden.csv: sha256 klopt niet")
    time.sleep(1.1)
    runs.record(settings, "2026-11-23", "laad_raw", "geslaagd", "r2")
    runs.record(settings, "2026-11-23", "publiceer", "geslaagd", "r2")
    fout = Fout("kolom_ontbreekt", "boekingen.csv", 1, "bedrag", "boekingen.csv: kolom bedrag ontbreekt")
    runs.record(
        settings, "2026-11-24", "laad_raw", "mislukt", "r3", bericht=fout.detail, details={"fouten": [fout.to_dict()]}
    )
    latest = {r.extractdatum: r for r in runs.latest_runs(settings)}
    assert latest["2026-11-23"].status == "geslaagd" and latest["2026-11-23"].run_id == "r2"
    assert latest["2026-11-24"].status == "mislukt"
    assert "kolom bedrag ontbreekt" in latest["2026-11-24"].fout


def test_failed_step_is_recorded_and_reraised(woonsignaal_home):
    settings = get_settings()
    with pytest.raises(pipeline.StepFailed) as exc:
        with pipeline._step(settings, date(2026, 11, 24), "dbt_build", "r9"):
            raise ValueError("model fct_leegstand faalt bij NL91ABNA0417164300")
    # a library's text may quote data: only its type leaves the step, and the chain is cut
    assert "ValueError" in str(exc.value) and "NL91" not in str(exc.value)
    assert exc.value.__suppress_context__ and exc.value.__cause__ is None
    (run,) = runs.latest_runs(settings)
    assert run.status == "mislukt" and "ValueError" in run.fout and "NL91" not in run.fout
    assert run.samenvatting == "dbt_build: onverwachte fout"


def _hold_lock(path, seconds, started):
    with writer_lock(path):
        started.set()
        time.sleep(seconds)


def test_writer_lock_serialises_processes(tmp_path):
    lock = tmp_path / "warehouse.lock"
    started = multiprocessing.Event()
    proc = multiprocessing.Process(target=_hold_lock, args=(lock, 3, started))
    proc.start()
    try:
        assert started.wait(30)
        with pytest.raises(WarehouseBusy, match="in gebruik door een ander woonsignaal-proces"):
            with writer_lock(lock, timeout_seconds=0.5):
                pass
    finally:
        proc.join()
    with writer_lock(lock, timeout_seconds=1):  # released when the holder ended
        pass


def test_extract_date_is_a_dbt_var_only_when_it_is_not_the_latest_delivery(woonsignaal_home):
    """The models default to the latest delivery; passing that date as a var would change the vars every
    night and make dbt re-parse the whole project."""
    import datetime as dt

    import duckdb

    from woonsignaal.pipeline import dbt_vars
    from woonsignaal.raw_schema import create_raw_tables
    from woonsignaal.settings import get_settings

    settings = get_settings()
    day = dt.date(2026, 11, 24)
    assert dbt_vars(settings, day) == {"extractdatum": "2026-11-24"}  # no warehouse yet
    settings.ensure_dirs()
    con = duckdb.connect(str(settings.warehouse_path))
    create_raw_tables(con)
    con.execute(
        "insert into raw.leveringen (extractdatum, soort) values (date '2026-11-23', 'volledig'), "
        "(date '2026-11-24', 'delta')"
    )
    con.close()
    assert dbt_vars(settings, day) == {}
    assert dbt_vars(settings, dt.date(2026, 11, 23)) == {"extractdatum": "2026-11-23"}
