"""One night at a time (issue 20, point 2) and who holds a locked DuckDB file (point 12)."""

from __future__ import annotations

import json
import multiprocessing
import os
from datetime import date
from pathlib import Path

import duckdb
import pytest
from tests.lock_holder import held_read_write
from typer.testing import CliRunner

from woonsignaal import pipeline, runs
from woonsignaal.locking import FileLocked, NightBusy, hold_night, night_holder, run_lock
from woonsignaal.settings import get_settings

NIGHT = date(2026, 11, 24)
SPAWN = multiprocessing.get_context("spawn")


def _first_step_then_wait(home, run_id, ready, done):
    os.environ["WOONSIGNAAL_HOME"] = home
    settings = get_settings()
    with pipeline._step(settings, date(2026, 11, 23), "verifieer_levering", run_id):
        pass
    ready.set()
    done.wait(60)


@pytest.fixture
def night_in_another_process(woonsignaal_home):
    """Run "A" of 2026-11-23 took the night in a live process (between two of its steps)."""
    ready, done = SPAWN.Event(), SPAWN.Event()
    proc = SPAWN.Process(target=_first_step_then_wait, args=(str(woonsignaal_home), "A", ready, done))
    proc.start()
    assert ready.wait(60)
    yield proc
    done.set()
    proc.join(60)


def test_a_second_run_is_refused_while_a_night_runs(night_in_another_process):
    settings = get_settings()
    with pytest.raises(NightBusy) as refused:
        with pipeline._step(settings, NIGHT, "verifieer_levering", "B"):
            pytest.fail("the second night started")
    message = str(refused.value)
    assert "levering 2026-11-23 (run A) is bezig" in message and "één geheel" in message
    assert f"proces {night_in_another_process.pid}" in message
    # the refused run records nothing: the history of its delivery is not spoilt
    assert [e["run_id"] for e in runs.read_events(settings)] == ["A", "A"]
    # a later step of the running night still holds it
    with pipeline._step(settings, date(2026, 11, 23), "laad_raw", "A"):
        pass
    assert night_holder(settings.state_dir).stap == "laad_raw"


def test_a_later_step_of_a_run_that_lost_the_night_does_not_go_on(night_in_another_process):
    settings = get_settings()
    with pytest.raises(pipeline.PermanentFailure, match="andere run"):
        with pipeline._step(settings, NIGHT, "kwaliteitspoort", "B"):
            pytest.fail("the audit of another night ran")
    (b,) = [r for r in runs.latest_runs(settings) if r.run_id == "B"]
    assert b.status == "mislukt"


def test_a_killed_runs_night_is_stale_and_taken_over(woonsignaal_home):
    settings = get_settings()
    proc = SPAWN.Process(target=hold_night, args=(settings.state_dir, "2026-11-23", "A", "dbt_build_marts", True))
    proc.start()
    proc.join(60)  # the process that held every step of run A is gone: a kill -9 of `woonsignaal run`
    assert night_holder(settings.state_dir).run_id == "A"
    with pipeline._step(settings, NIGHT, "verifieer_levering", "B"):
        pass
    assert night_holder(settings.state_dir).run_id == "B"


def test_an_airflow_task_between_two_steps_keeps_the_night(woonsignaal_home):
    """Under the scheduler each task is its own process: a gone pid alone is not a dead run."""
    settings = get_settings()
    proc = SPAWN.Process(target=hold_night, args=(settings.state_dir, "2026-11-23", "A", "laad_raw", False))
    proc.start()
    proc.join(60)
    with pytest.raises(NightBusy):
        hold_night(settings.state_dir, NIGHT.isoformat(), "B", "verifieer_levering")
    path = settings.state_dir / "nacht.json"
    stale = json.loads(path.read_text())
    stale["bijgewerkt"] = "2026-11-23T01:00:00+00:00"  # no step moved for hours: the run is dead
    path.write_text(json.dumps(stale))
    assert hold_night(settings.state_dir, NIGHT.isoformat(), "B", "verifieer_levering").run_id == "B"


def test_publish_releases_the_night_and_a_permanent_failure_too(woonsignaal_home):
    settings = get_settings()
    with pytest.raises(pipeline.PermanentFailure):
        with pipeline._step(settings, NIGHT, "verifieer_levering", "A"):
            raise pipeline.PermanentFailure("levering geweigerd")
    assert night_holder(settings.state_dir) is None
    with pytest.raises(RuntimeError):  # a transient fault: Airflow retries the step, the night stays
        with pipeline._step(settings, NIGHT, "verifieer_levering", "B"):
            raise RuntimeError("netwerk weg")
    assert night_holder(settings.state_dir).run_id == "B"


def test_a_locked_working_warehouse_names_the_process_not_the_library_text(woonsignaal_home):
    """Point 12: the failure says which process holds the file, in woonsignaal's words."""
    settings = get_settings()
    settings.ensure_dirs()
    duckdb.connect(str(settings.warehouse_path)).close()
    with held_read_write(settings.warehouse_path) as holder:
        comm = Path(f"/proc/{holder.pid}/comm").read_text().strip()  # the holder's name, as /proc gives it
        with pytest.raises(FileLocked) as locked:
            pipeline.audit(NIGHT, run_id="A", settings=settings)
    message = str(locked.value)
    assert f"vergrendeld door proces {holder.pid} ({comm})" in message and "alleen-lezen" in message
    (run,) = runs.latest_runs(settings)
    assert f"proces {holder.pid}" in run.fout
    for library_text in ("Conflicting lock", "IO Error", "duckdb.org"):
        assert library_text not in run.fout and library_text not in message


def _take_run_lock(path, ready, done):
    with run_lock(path):
        ready.set()
        done.wait(60)


def test_a_second_woonsignaal_run_gets_a_message_before_airflow_starts(woonsignaal_home, tmp_path):
    """Two `woonsignaal run`s 1.5 s apart crashed one on the Airflow SQLite metadata DB."""
    from woonsignaal.cli import app

    settings = get_settings()
    settings.ensure_dirs()
    landing = tmp_path / "landing"
    landing.mkdir()
    ready, done = SPAWN.Event(), SPAWN.Event()
    first = SPAWN.Process(target=_take_run_lock, args=(settings.state_dir / "run.lock", ready, done))
    first.start()
    try:
        assert ready.wait(60)
        res = CliRunner().invoke(app, ["run", "--landing", str(landing)], terminal_width=300)
    finally:
        done.set()
        first.join(60)
    assert res.exit_code == 3, res.output
    assert "er draait al een `woonsignaal run`" in res.output and f"pid {first.pid}" in res.output
    assert not (settings.airflow_home / "airflow.db").exists()


def test_status_shows_the_running_night(night_in_another_process):
    from woonsignaal.cli import app

    res = CliRunner().invoke(app, ["status"], terminal_width=300)
    assert res.exit_code == 0, res.output
    assert "levering 2026-11-23 (run A) is bezig" in res.output
    assert f"proces {night_in_another_process.pid}" in res.output
