"""The local CeleryExecutor cluster (``python -m woonsignaal.cluster``), started once per test session.

The cluster runs as the operator starts it (a subprocess, its own home, landing folder and key, ports
picked free here); the tests talk to it through the api-server's REST API, as a user would, and read
its state from ``$WOONSIGNAAL_HOME/cluster/cluster.json``. When it cannot start (no ``redis-server``,
no PostgreSQL) the tests FAIL with the cluster's own message: they are never skipped.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from woonsignaal.cluster import free_port, log_tail

#: The smallest simulated corporation of the suite with two deliveries (tests/ingest: 300 units, 1 year).
SIMULATION = ["--eenheden", "300", "--jaren", "1", "--delta-dagen", "1", "--seed", "7"]
KEY = "cluster-test-sleutel-0123456789abcdef"
#: Operator settings for a quick test: retries after 2 s, a dead worker's task noticed after 15 s.
FAST_RETRIES = {
    "WOONSIGNAAL_RETRY_DELAY_SECONDS": "2",
    "AIRFLOW__SCHEDULER__TASK_INSTANCE_HEARTBEAT_TIMEOUT": "15",
    "AIRFLOW__SCHEDULER__TASK_INSTANCE_HEARTBEAT_TIMEOUT_DETECTION_INTERVAL": "2",
}


def clean_environment(**extra: str) -> dict[str, str]:
    """This process's environment without the tests' Airflow settings (unit-test mode, SQLite home)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW", "WOONSIGNAAL_"))}
    env.update(extra)
    return env


def woonsignaal_cli(args: list[str], env: dict[str, str], timeout: int = 900) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "woonsignaal.cli", *args], env=env, capture_output=True, text=True, timeout=timeout
    )


class Api:
    """The api-server's REST API (``/api/v2``) with a token of the simple auth manager's user."""

    def __init__(self, base: str, passwords_file: Path):
        self.base = base
        password = json.loads(passwords_file.read_text())["airflow"]
        self.token = self._call("POST", "/auth/token", {"username": "airflow", "password": password}, auth=False)[
            "access_token"
        ]

    def _call(self, method: str, path: str, body: dict | None = None, auth: bool = True):
        headers = {"Content-Type": "application/json"}
        if auth:
            headers["Authorization"] = f"Bearer {self.token}"
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.base + path, data=data, method=method, headers=headers)
        with urllib.request.urlopen(request, timeout=60) as response:
            payload = response.read()
        return json.loads(payload) if payload else None

    def get(self, path: str):
        return self._call("GET", "/api/v2" + path)

    def post(self, path: str, body: dict):
        return self._call("POST", "/api/v2" + path, body)

    def patch(self, path: str, body: dict):
        return self._call("PATCH", "/api/v2" + path, body)

    def status(self, path: str) -> int:
        try:
            self.get(path)
            return 200
        except urllib.error.HTTPError as exc:
            return exc.code


@dataclass
class Cluster:
    root: Path
    home: Path
    landing: Path
    env: dict[str, str]
    process: subprocess.Popen
    state: dict = field(default_factory=dict)
    api: Api | None = None
    started_in: float = 0.0

    @property
    def deliveries(self) -> list[str]:
        return sorted(p.name for p in self.landing.iterdir() if (p / "manifest.json").is_file())

    def log(self, name: str) -> Path:
        return Path(self.state["services"][name]["log"])

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 120) -> int | None:
        if self.process.poll() is None:
            self.process.send_signal(sig)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return self.process.returncode


@pytest.fixture(scope="session")
def cluster(tmp_path_factory) -> Cluster:
    root = tmp_path_factory.mktemp("cluster")
    home, landing = root / "home", root / "landing"
    # PostgreSQL runs as the `postgres` user, which cannot enter pytest's private tmp folders
    pg_dir = Path("/tmp") / f"woonsignaal-cluster-pg-{uuid.uuid4().hex[:8]}"
    base = clean_environment(WOONSIGNAAL_HOME=str(home), WOONSIGNAAL_PSEUDONIEM_SLEUTEL=KEY)
    sim = woonsignaal_cli(
        ["simulate", "--out", str(landing), *SIMULATION, "--ground-truth", str(root / "gt.json")], base
    )
    assert sim.returncode == 0, sim.stdout[-3000:] + sim.stderr[-3000:]
    env = {
        **base,
        "WOONSIGNAAL_LANDING": str(landing),
        "WOONSIGNAAL_PG_PASSWORD": f"pw-{uuid.uuid4().hex}",
        "WOONSIGNAAL_PG_BI_PASSWORD": f"bi-{uuid.uuid4().hex}",
        **FAST_RETRIES,
    }
    argv = [
        sys.executable,
        "-m",
        "woonsignaal.cluster",
        "--api-port",
        str(free_port()),
        "--redis-port",
        str(free_port()),
        "--pg-port",
        str(free_port()),
        "--pg-dir",
        str(pg_dir),
    ]
    output = root / "cluster.out"
    started = time.monotonic()
    with output.open("wb") as out:
        process = subprocess.Popen(argv, env=env, stdout=out, stderr=subprocess.STDOUT, cwd=root)
    cluster = Cluster(root=root, home=home, landing=landing, env=env, process=process)
    state_file = home / "cluster" / "cluster.json"
    try:
        deadline = time.monotonic() + 600
        while not state_file.is_file():
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"the cluster did not start (`{' '.join(argv)}`):\n{log_tail(output, 4000)}")
            time.sleep(1)
        cluster.started_in = time.monotonic() - started
        cluster.state = json.loads(state_file.read_text())
        cluster.api = Api(cluster.state["api_url"], Path(cluster.state["passwords_file"]))
        yield cluster
    finally:
        cluster.stop()
        shutil.rmtree(pg_dir, ignore_errors=True)
