"""The cut-off delivery of issue 20 through `woonsignaal run`: the real DAG in Airflow, its task logs,
the run history, `woonsignaal status`: no byte of the tenants' data anywhere under WOONSIGNAAL_HOME."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from tests.faults.fault_suite import personal_values
from tests.ingest.ingest_builder import DAY1, base_rows, write_delivery

pytestmark = pytest.mark.e2e


def _cli(env, *args):
    return subprocess.run(
        [sys.executable, "-m", "woonsignaal.cli", *args], env=env, capture_output=True, text=True, timeout=900
    )


def test_cut_off_delivery_through_the_cli_leaks_nothing(tmp_path):
    home, landing = tmp_path / "home", tmp_path / "landing"
    folder = write_delivery(landing, DAY1, base_rows())
    relaties = folder / "relaties.csv"
    data = relaties.read_bytes()
    relaties.write_bytes(data[: data.index(b"NL39ASNB07") + len(b"NL39ASNB07")])  # manifest not updated
    (landing / "2026-W48-1").mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW", "WOONSIGNAAL_"))}
    env.update(WOONSIGNAAL_HOME=str(home), WOONSIGNAAL_DEMO="1", COLUMNS="250")

    run = _cli(env, "run", "--landing", str(landing))
    status = _cli(env, "status")

    assert run.returncode == 1, run.stdout[-3000:] + run.stderr[-3000:]
    assert "2026-W48-1" in run.stdout + run.stderr and "not a jjjj-mm-dd delivery folder" in run.stderr
    line = "2026-01-10 mislukt in verifieer_levering: bestand afgebroken (relaties.csv, regel 4)"
    assert line in status.stdout, status.stdout
    texts = {"run output": run.stdout + run.stderr, "status": status.stdout}
    for path in home.rglob("*"):
        if path.is_file():
            texts[str(path.relative_to(home))] = path.read_bytes().decode("utf-8", "replace")
    assert any("logs" in k for k in texts), sorted(texts)
    leaked = sorted({(where, v) for where, text in texts.items() for v in personal_values() if v in text})
    assert not leaked, leaked
