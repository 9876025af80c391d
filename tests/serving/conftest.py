"""A real PostgreSQL server for the serving tests, started by the script CI uses (`.ci/postgres.sh`).

The server is shared (CI may have started it already; then it is left running). Each test module gets
its own database and its own BI role, dropped at the end, so parallel sessions do not meet.
When the server cannot be started the tests FAIL with the script's output: they are never skipped.
"""

from __future__ import annotations

import os
import subprocess
import uuid
from pathlib import Path

import pytest

from woonsignaal.serving import PgSettings

REPO_ROOT = Path(__file__).resolve().parents[2]
SCRIPT = REPO_ROOT / ".ci" / "postgres.sh"


def _script(*args: str, timeout: int = 600) -> subprocess.CompletedProcess:
    return subprocess.run([str(SCRIPT), *args], capture_output=True, text=True, timeout=timeout)


@pytest.fixture(scope="session")
def pg_server() -> dict[str, str]:
    """The WOONSIGNAAL_PG_* variables of the running test server (started here when needed)."""
    if not SCRIPT.is_file():
        pytest.fail(f"{SCRIPT} is missing: the serving tests start PostgreSQL with it")
    was_running = _script("status").returncode == 0
    proc = _script("start")
    if proc.returncode != 0:
        pytest.fail(
            f"could not start PostgreSQL with `{SCRIPT} start` (exit {proc.returncode}). The serving tests need "
            f"a PostgreSQL server on 127.0.0.1 (the script installs the Debian package `postgresql` when it is "
            f"absent, which needs root and apt). Output:\n{proc.stdout}\n{proc.stderr}"
        )
    env = {}
    for line in proc.stdout.splitlines():
        if line.startswith("export ") and "=" in line:
            key, value = line[len("export ") :].split("=", 1)
            env[key] = value
    assert {"WOONSIGNAAL_PG_HOST", "WOONSIGNAAL_PG_PORT", "WOONSIGNAAL_PG_PASSWORD"} <= set(env), proc.stdout
    yield env
    if not was_running and "PYTEST_XDIST_WORKER" not in os.environ:
        _script("stop")


def _admin(env: dict[str, str], database: str = "postgres"):
    import psycopg2

    con = psycopg2.connect(
        host=env["WOONSIGNAAL_PG_HOST"],
        port=int(env["WOONSIGNAAL_PG_PORT"]),
        user=env["WOONSIGNAAL_PG_USER"],
        password=env["WOONSIGNAAL_PG_PASSWORD"],
        dbname=database,
        connect_timeout=10,
    )
    con.autocommit = True
    return con


@pytest.fixture(scope="module")
def pg(pg_server) -> PgSettings:
    """PgSettings for a fresh database and BI role of this test module (both dropped afterwards): the dbt
    build of one module (raw, staging, ... schemas) never meets another module's schema assertions."""
    tag = uuid.uuid4().hex[:8]
    database, role = f"ws_test_{tag}", f"ws_bi_{tag}"
    con = _admin(pg_server)
    try:
        con.cursor().execute(f'create database "{database}"')
    finally:
        con.close()
    settings = PgSettings(
        host=pg_server["WOONSIGNAAL_PG_HOST"],
        port=int(pg_server["WOONSIGNAAL_PG_PORT"]),
        user=pg_server["WOONSIGNAAL_PG_USER"],
        password=pg_server["WOONSIGNAAL_PG_PASSWORD"],
        database=database,
        bi_role=role,
        bi_password=f"bi-{uuid.uuid4().hex}",
        dbt_database=database,
    )
    yield settings
    con = _admin(pg_server)
    try:
        cur = con.cursor()
        cur.execute(f'drop database if exists "{database}" with (force)')
        cur.execute(f'drop role if exists "{role}"')
    finally:
        con.close()


@pytest.fixture
def admin(pg):
    """An autocommit superuser connection to the session's database."""
    con = pg.connect()
    con.autocommit = True
    yield con
    con.close()
