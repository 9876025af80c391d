"""`woonsignaal airflow` (the README's optional third command): Airflow standalone on 127.0.0.1 with
woonsignaal's DAGs, stopped cleanly, process group and all."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from woonsignaal.cluster import free_port

pytestmark = pytest.mark.e2e


def _group_members(pgid: int) -> list[int]:
    members = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid and fields[0] != "Z":
            members.append(int(stat.parent.name))
    return members


def test_airflow_ui_starts_on_loopback_and_stops_its_whole_group(tmp_path):
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW", "WOONSIGNAAL_"))}
    env["WOONSIGNAAL_HOME"] = str(tmp_path / "home")
    cli = subprocess.Popen(
        [sys.executable, "-m", "woonsignaal.cli", "airflow", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    group = None
    try:
        deadline = time.monotonic() + 300
        version = None
        while time.monotonic() < deadline and version is None:
            time.sleep(3)
            assert cli.poll() is None, "woonsignaal airflow exited early"
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v2/version", timeout=5) as r:
                    version = r.read().decode()
            except OSError:
                continue
        assert version and '"version":"3.' in version
        children = [int(p) for p in Path(f"/proc/{cli.pid}/task/{cli.pid}/children").read_text().split()]
        assert len(children) == 1
        group = os.getpgid(children[0])
        assert group != os.getpgid(cli.pid)  # its own group, so it can be stopped as one
        assert len(_group_members(group)) >= 4  # api-server, scheduler, dag-processor, triggerer
        cli.send_signal(signal.SIGTERM)
        cli.wait(timeout=90)
        time.sleep(1)
        assert _group_members(group) == []
    finally:
        if cli.poll() is None:
            cli.kill()
        if group is not None:
            try:
                os.killpg(group, signal.SIGKILL)
            except ProcessLookupError:
                pass
