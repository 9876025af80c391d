"""Recovery: a run killed with SIGKILL in the middle of the dbt build or of the quality gate leaves the
published marts untouched, and running again yields a correct publication with no orphans."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from .cli_env import cli_env, run_events, simulate_landing

pytestmark = pytest.mark.e2e


def _run_and_kill_at(landing: Path, home: Path, step: str, timeout: float = 600) -> None:
    """Start `woonsignaal run` and SIGKILL its whole process group once ``step`` has started."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "woonsignaal.cli", "run", "--landing", str(landing)],
        env=cli_env(home),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            if any(e["stap"] == step and e["status"] == "gestart" for e in run_events(home)):
                time.sleep(1.5)  # well inside the step
                break
            assert proc.poll() is None, f"the run ended before {step} started"
            time.sleep(0.2)
        else:
            pytest.fail(f"{step} did not start within {timeout} s")
    finally:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait()


def test_killed_runs_recover_without_orphans(tmp_path):
    landing, home = simulate_landing(tmp_path, eenheden=400, delta_dagen=1, seed=3)
    first, second = sorted(p.name for p in landing.iterdir())

    # publish the first night, so there is a last good publication to protect
    ok = subprocess.run(
        [sys.executable, "-m", "woonsignaal.cli", "run", "--landing", str(landing), "--alleen", first],
        env=cli_env(home),
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert ok.returncode == 0, ok.stdout[-3000:] + ok.stderr[-3000:]
    published = home / "published" / "woonsignaal.duckdb"
    good = published.read_bytes()

    # the second night is killed in the dbt build, then in the quality gate (after the candidate exists)
    _run_and_kill_at(landing, home, "dbt_build_marts")
    assert published.read_bytes() == good
    _run_and_kill_at(landing, home, "kwaliteitspoort")
    assert published.read_bytes() == good
    assert json.loads((home / "published" / "publicatie.json").read_text())["extractdatum"] == first

    done = subprocess.run(
        [sys.executable, "-m", "woonsignaal.cli", "run", "--landing", str(landing)],
        env=cli_env(home),
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert json.loads((home / "published" / "publicatie.json").read_text())["extractdatum"] == second
    con = duckdb.connect(str(published), read_only=True)
    try:
        runs = dict(con.execute("select cast(extractdatum as varchar), status from marts.pipeline_runs").fetchall())
        assert runs[second] == "gepubliceerd"
        assert con.execute("select count(*) from marts.signalen").fetchone()[0] >= 0
    finally:
        con.close()
    # no orphans: no candidate files, the two published versions (nothing of the killed runs), no temp
    # files, and the night lock of the killed runs was taken over and released
    assert list((home / "build").glob("candidate-*")) == []
    versions = sorted(p.name for p in (home / "published" / "versies").iterdir())
    assert [v.split("_")[0] for v in versions] == [first, second]
    assert list((home / "published").glob(".*.tmp")) == []
    assert not (home / "state" / "nacht.json").exists()
