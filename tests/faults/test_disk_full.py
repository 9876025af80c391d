"""A full disk (issue 20, point 11): a Dutch message instead of a raw SQLite/DuckDB traceback, and the
stale candidate a failed night left is removed by the next night.

The full disk is injected (deterministic, no root mounts): the error raised is the one the library
raises on ENOSPC.
"""

from __future__ import annotations

import errno
import sqlite3
from datetime import date

import duckdb
import pytest
from typer.testing import CliRunner

from woonsignaal import airflow_runner, pipeline, runs
from woonsignaal.settings import get_settings

NIGHT = date(2026, 11, 24)


def test_a_full_disk_under_the_airflow_metadata_db_ends_in_a_message(woonsignaal_home, tmp_path, monkeypatch):
    from woonsignaal.cli import app

    landing = tmp_path / "landing"
    (landing / NIGHT.isoformat()).mkdir(parents=True)
    (landing / NIGHT.isoformat() / "manifest.json").write_text("{}")

    def sqlite_disk_full(settings):
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(airflow_runner, "configure_environment", sqlite_disk_full)
    res = CliRunner().invoke(app, ["run", "--landing", str(landing)], terminal_width=300)
    assert res.exit_code == 4, res.output + repr(res.exception)
    assert "schijf vol" in res.output and "MB vrij" in res.output
    assert "Traceback" not in res.output and "database or disk is full" not in res.output


@pytest.mark.parametrize(
    "error",
    [
        OSError(errno.ENOSPC, "No space left on device"),
        duckdb.IOException('IO Error: Could not write file "kandidaat": No space left on device (huurder Jansen)'),
    ],
)
def test_a_full_disk_in_a_step_is_recorded_in_woonsignaals_words(woonsignaal_home, error):
    settings = get_settings()
    with pytest.raises(pipeline.DiskFull) as full:
        with pipeline._step(settings, NIGHT, "kwaliteitspoort", "A"):
            raise error
    (run,) = runs.latest_runs(settings)
    assert run.fout.startswith("kwaliteitspoort: schijf vol tijdens kwaliteitspoort")
    assert "Jansen" not in run.fout and "No space" not in run.fout and str(full.value) in run.fout


def test_the_next_night_removes_a_stale_candidate(woonsignaal_home, tmp_path):
    settings = get_settings()
    settings.ensure_dirs()
    stale = settings.build_dir / "candidate-2026-11-23.duckdb"
    stale.write_bytes(b"half written when the disk filled up")
    (settings.landing / NIGHT.isoformat()).mkdir(parents=True)  # no manifest: verify refuses it
    with pytest.raises(pipeline.PermanentFailure):
        pipeline.verify(NIGHT, run_id="B", settings=settings)
    assert not stale.exists()
