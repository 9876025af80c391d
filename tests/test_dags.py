"""DAG integrity: every DAG file imports, is configured as operators expect, and does no work at import."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from woonsignaal import pipeline
from woonsignaal.airflow_support import MONTHLY_DAG_ID, NIGHTLY_DAG_ID, PUBLISHED_MARTS_ASSET_URI

REPO_ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def dagbag():
    from airflow.dag_processing.dagbag import DagBag

    return DagBag(dag_folder=str(REPO_ROOT / "dags"))


def test_no_import_errors(dagbag):
    assert dagbag.import_errors == {}
    assert set(dagbag.dag_ids) == {NIGHTLY_DAG_ID, MONTHLY_DAG_ID}


@pytest.mark.parametrize("dag_id", [NIGHTLY_DAG_ID, MONTHLY_DAG_ID])
def test_operational_settings(dagbag, dag_id):
    dag = dagbag.dags[dag_id]
    assert dag.tags and "woonsignaal" in dag.tags
    assert dag.doc_md and len(dag.doc_md) > 200
    assert dag.max_active_runs == 1
    assert dag.catchup is False
    assert dag.on_failure_callback is not None
    for task in dag.tasks:
        assert task.retries >= 2, task.task_id
        assert task.on_failure_callback, task.task_id


def test_nightly_chain_order(dagbag):
    dag = dagbag.dags[NIGHTLY_DAG_ID]
    order = [t.task_id for t in dag.topological_sort()]
    assert order == [
        "wacht_op_levering",
        "verifieer_levering",
        "laad_raw",
        "dbt_build_marts",
        "bereken_signalen",
        "dbt_build_signalen",
        "kwaliteitspoort",
        "publiceer",
    ]
    assert order[1:] == list(pipeline.NIGHT_STEPS)
    # a chain: each task waits for the one before it (the signal step between the two dbt builds)
    for before, after in zip(order, order[1:], strict=False):
        assert dag.get_task(after).upstream_task_ids == {before}, after


def test_the_signal_step_is_a_package_step_under_the_night_lock(dagbag, tmp_path, monkeypatch):
    """bereken_signalen calls woonsignaal.pipeline.compute_signals, a step like the others: it takes or
    confirms the night lock and records itself in the run history (no Airflow needed)."""
    import datetime as dt

    from woonsignaal.locking import NightBusy, hold_night
    from woonsignaal.settings import get_settings

    monkeypatch.setenv("WOONSIGNAAL_HOME", str(tmp_path))
    settings = get_settings()
    settings.ensure_dirs()
    import json

    from woonsignaal.locking import night_lock_path

    hold_night(settings.state_dir, "2026-11-23", "een-andere-run", "laad_raw")
    lock = night_lock_path(settings.state_dir)  # held by another live process (pid 1), not by this one
    lock.write_text(json.dumps({**json.loads(lock.read_text()), "pid": 1}))
    with pytest.raises(pipeline.PermanentFailure) as refused:
        pipeline.compute_signals(dt.date(2026, 11, 24), "deze-run", settings)
    assert "een andere run nam de nacht over" in str(refused.value)
    assert not isinstance(refused.value, NightBusy)
    from woonsignaal.runs import latest_runs

    (run,) = latest_runs(settings)
    assert run.stappen == {"bereken_signalen": "mislukt"} and run.run_id == "deze-run"


def test_nightly_schedule_is_03_amsterdam(dagbag):
    dag = dagbag.dags[NIGHTLY_DAG_ID]
    assert type(dag.timetable).__name__ == "CronTriggerTimetable"  # logical date = trigger time
    assert dag.timetable.expression == "0 3 * * *"
    assert str(dag.timetable.timezone) == "Europe/Amsterdam"


def test_publish_feeds_the_monthly_dag_through_an_asset(dagbag):
    nightly = dagbag.dags[NIGHTLY_DAG_ID]
    monthly = dagbag.dags[MONTHLY_DAG_ID]
    outlets = [o.uri for o in nightly.get_task("publiceer").outlets]
    assert outlets == [PUBLISHED_MARTS_ASSET_URI]
    scheduled_on = [a.uri for a in monthly.timetable.asset_condition.objects]
    assert scheduled_on == [PUBLISHED_MARTS_ASSET_URI]


def test_dag_files_import_nothing_heavy():
    """No dbt, Great Expectations, DuckDB or pandas at parse time (the DAG processor parses every 30 s)."""
    code = (
        "import runpy, sys\n"
        f"for f in ['woonsignaal_nightly.py', 'woonsignaal_monthly.py']:\n"
        f"    runpy.run_path(r'{REPO_ROOT / 'dags'}/' + f)\n"
        "heavy = [m for m in ('dbt', 'great_expectations', 'duckdb', 'pandas', 'matplotlib') if m in sys.modules]\n"
        "print('HEAVY=' + ','.join(heavy))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    heavy = [line for line in proc.stdout.splitlines() if line.startswith("HEAVY=")]
    assert heavy == ["HEAVY="]
