"""`woonsignaal run` stops cleanly on SIGTERM (issue 20, point 7): it used to ignore SIGTERM (Airflow's
in-process task runner took the signal over) and go on to publish. Now the running step fails as
stopped, nothing of the night is published, the night lock is released and the command ends at once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from .cli_env import cli_env, run_events, simulate_landing

pytestmark = pytest.mark.e2e


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


def test_sigterm_stops_the_run_cleanly(tmp_path):
    landing, home = simulate_landing(tmp_path, eenheden=300, delta_dagen=0, seed=5)
    proc = subprocess.Popen(
        [sys.executable, "-m", "woonsignaal.cli", "run", "--landing", str(landing)],
        env=cli_env(home),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 600
        while not any(e["stap"] == "dbt_build_marts" and e["status"] == "gestart" for e in run_events(home)):
            assert proc.poll() is None, f"the run ended before dbt_build_marts: {proc.stdout.read()[-3000:]}"
            assert time.monotonic() < deadline, "dbt_build_marts did not start"
            time.sleep(0.2)
        time.sleep(1.0)  # inside the dbt build
        stopped_at = time.monotonic()
        proc.send_signal(signal.SIGTERM)  # to the command only, as a supervisor stopping it would
        output, _ = proc.communicate(timeout=120)
        took = time.monotonic() - stopped_at
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    assert proc.returncode == 128 + signal.SIGTERM, output[-3000:]
    assert "gestopt" in output and "gestopt door SIGTERM" in output, output[-3000:]
    assert took < 90
    time.sleep(1)
    assert not _group_alive(proc.pid), "a process of the stopped run is still running"
    # the night is recorded as stopped, nothing of it was published, its lock is free
    night = [e for e in run_events(home) if e["stap"] == "dbt_build_marts"]
    assert night[-1]["status"] == "mislukt" and "gestopt door SIGTERM" in night[-1]["bericht"]
    assert not (home / "published" / "publicatie.json").exists()
    assert not (home / "state" / "nacht.json").exists()
    status = subprocess.run(
        [sys.executable, "-m", "woonsignaal.cli", "status"],
        env=cli_env(home),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert status.returncode == 0 and "mislukt" in status.stdout
