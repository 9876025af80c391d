"""What the e2e tests that start `woonsignaal` as a separate process share."""

from __future__ import annotations

import json
import os
from pathlib import Path


def cli_env(home: Path) -> dict[str, str]:
    """The environment of a `woonsignaal` process on ``home`` with the demo key (nothing inherited)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW", "WOONSIGNAAL_"))}
    env.update(WOONSIGNAAL_HOME=str(home), WOONSIGNAAL_DEMO="1")
    return env


def run_events(home: Path) -> list[dict]:
    """The run history events of ``home`` so far (a line being written is skipped)."""
    path = home / "state" / "runs.jsonl"
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip().endswith("}")]


def simulate_landing(root: Path, eenheden: int, delta_dagen: int, seed: int) -> tuple[Path, Path]:
    """Simulate a small corporation (one year) into ``root/landing``; returns (landing, home)."""
    import subprocess
    import sys

    landing, home = root / "landing", root / "home"
    sim = subprocess.run(
        [
            sys.executable,
            "-m",
            "woonsignaal.cli",
            "simulate",
            "--out",
            str(landing),
            "--eenheden",
            str(eenheden),
            "--jaren",
            "1",
            "--delta-dagen",
            str(delta_dagen),
            "--seed",
            str(seed),
            "--ground-truth",
            str(root / "gt.json"),
        ],
        env=cli_env(home),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert sim.returncode == 0, sim.stderr[-3000:]
    return landing, home
