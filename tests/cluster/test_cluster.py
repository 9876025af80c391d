"""The nightly DAG on the real CeleryExecutor topology of docker-compose.yml, run as local processes.

One scenario, run once (``nights``): both deliveries of a small simulated corporation are triggered through
the api-server's REST API (the scheduler runs them, never ``dag.test()``); while the second night's
``dbt_build_marts`` runs, every process of the worker running it is killed with SIGKILL (what a crashed node or
``docker kill`` does), and a reader polls the publication (DuckDB file and PostgreSQL) the whole time.
Then the same deliveries run locally (``woonsignaal run``, another home) for comparison.
"""

from __future__ import annotations

import json
import signal
import threading
import time
from datetime import UTC, datetime
from decimal import Decimal
from hashlib import sha256
from pathlib import Path

import duckdb
import psutil
import psycopg2
import pytest

from woonsignaal.airflow_support import MONTHLY_DAG_ID, NIGHTLY_DAG_ID
from woonsignaal.pipeline import NIGHT_STEPS, extractdatum_to_logical_date
from woonsignaal.processes import kill_processes, process_tree

from .conftest import KEY, clean_environment, woonsignaal_cli

# the first test carries the setup: cluster start, the local comparison run and both nights (~14 min on a
# loaded 2-core machine)
pytestmark = [pytest.mark.cluster, pytest.mark.timeout(2400)]

WORKERS = {"worker-1", "worker-2"}
#: columns of marts.pipeline_runs that name the run and its clock times: they differ between any two runs
RUN_COLUMNS = {"run_id", "gestart", "beeindigd"}
NIGHT_TIMEOUT = 900


# --- fingerprints -----------------------------------------------------------------------------------


def duckdb_fingerprint(path: Path) -> dict[str, tuple[int, int]]:
    """Per published mart: (rows, order-independent sum of row hashes); the run columns left out."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        marts = {}
        for (table,) in con.execute(
            "select table_name from information_schema.tables where table_schema = 'marts' order by 1"
        ).fetchall():
            columns = [
                c
                for (c,) in con.execute(
                    "select column_name from information_schema.columns where table_schema = 'marts' "
                    "and table_name = ? order by ordinal_position",
                    [table],
                ).fetchall()
                if c not in RUN_COLUMNS
            ]
            select = ", ".join(f'"{c}"' for c in columns)
            count, total = con.execute(
                f'select count(*), coalesce(sum(hash(t)::hugeint), 0) from (select {select} from marts."{table}") t'
            ).fetchone()
            marts[table] = (count, int(total))
        return marts
    finally:
        con.close()


def _normal(value) -> str:
    """One text for a value as DuckDB's and PostgreSQL's Python drivers return it."""
    if value is None:
        return "\x00"
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, (int, float, Decimal)):
        return format(float(value), ".12g")
    if isinstance(value, (list, dict)):
        return json.dumps(value, sort_keys=True, default=str)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def rows_fingerprint(rows) -> tuple[int, str]:
    digests = sorted(sha256("\x1f".join(_normal(v) for v in row).encode()).hexdigest() for row in rows)
    return len(digests), sha256("".join(digests).encode()).hexdigest()


def content_duckdb(path: Path) -> dict[str, tuple[int, str]]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        tables = [
            t
            for (t,) in con.execute(
                "select table_name from information_schema.tables where table_schema = 'marts' order by 1"
            ).fetchall()
        ]
        return {t: rows_fingerprint(con.execute(f'select * from marts."{t}"').fetchall()) for t in tables}
    finally:
        con.close()


def content_postgres(con) -> dict[str, tuple[int, str]]:
    cur = con.cursor()
    cur.execute("select table_name from information_schema.tables where table_schema = 'marts' order by 1")
    tables = [t for (t,) in cur.fetchall()]
    result = {}
    for table in tables:
        cur.execute(f'select * from marts."{table}"')
        result[table] = rows_fingerprint(cur.fetchall())
    return result


def pg_connect(cluster, user: str, password: str):
    return psycopg2.connect(
        host="127.0.0.1",
        port=int(cluster.state["config"]["pg_port"]),
        user=user,
        password=password,
        dbname="woonsignaal",
        connect_timeout=10,
    )


def pg_publication_state(con, tables: list[str]) -> str | None:
    """The PostgreSQL publication as ONE statement sees it (a statement reads one version of the marts)."""
    parts = ", ".join(
        f"(select count(*)::text || ':' || md5(coalesce(string_agg(md5(t::text), '' order by md5(t::text)), '')) "
        f'from marts."{table}" t)'
        for table in tables
    )
    cur = con.cursor()
    try:
        cur.execute(f"select concat_ws('|', {parts})")
        return cur.fetchone()[0]
    except psycopg2.errors.UndefinedTable:
        return None  # nothing published yet
    finally:
        con.rollback()


# --- the publication reader -------------------------------------------------------------------------


class PublicationReader(threading.Thread):
    """Reads the published DuckDB file and the PostgreSQL marts every half second, as a BI tool would."""

    def __init__(self, cluster, tables: list[str]):
        super().__init__(daemon=True)
        self.cluster, self.tables = cluster, tables
        self.duckdb_states: list[tuple[float, str]] = []
        self.pg_states: list[tuple[float, str | None]] = []
        self.errors: list[str] = []
        self.halt = threading.Event()

    def run(self) -> None:
        published = self.cluster.home / "published" / "woonsignaal.duckdb"
        con = None
        try:
            while not self.halt.is_set():
                now = time.monotonic()
                if published.exists():
                    try:
                        self.duckdb_states.append((now, json.dumps(duckdb_fingerprint(published), sort_keys=True)))
                    except duckdb.Error as exc:
                        self.errors.append(f"duckdb: {type(exc).__name__}")
                try:
                    if con is None:  # the BI role exists from the first publication on
                        con = pg_connect(self.cluster, "woonsignaal_bi", self.cluster.env["WOONSIGNAAL_PG_BI_PASSWORD"])
                    self.pg_states.append((now, pg_publication_state(con, self.tables)))
                except psycopg2.OperationalError:
                    self.pg_states.append((now, None))
                except psycopg2.Error as exc:
                    self.errors.append(f"postgres: {type(exc).__name__}")
                    con.rollback()
                self.halt.wait(0.5)
        finally:
            if con is not None:
                con.close()


# --- the scenario -----------------------------------------------------------------------------------


def _parse(ts: str | None) -> datetime | None:
    return datetime.fromisoformat(ts.replace("Z", "+00:00")) if ts else None


def _run_path(dag_id: str, run_id: str) -> str:
    from urllib.parse import quote

    return f"/dags/{dag_id}/dagRuns/{quote(run_id, safe='')}"


def _task_instances(api, dag_id: str, run_id: str) -> dict[str, dict]:
    return {ti["task_id"]: ti for ti in api.get(_run_path(dag_id, run_id) + "/taskInstances")["task_instances"]}


def _tries(api, dag_id: str, run_id: str, task_id: str) -> list[dict]:
    return api.get(_run_path(dag_id, run_id) + f"/taskInstances/{task_id}/tries")["task_instances"]


def _unpause(api) -> list[str]:
    """Unpause both DAGs; fail the catch-up run the scheduler starts for the last 03:00 tick (with
    catchup=False it runs the most recent one), whose delivery (yesterday, by the wall clock) this
    landing folder does not have: it would wait hours and, with max_active_runs=1, hold back the nights."""
    deadline = time.monotonic() + 300
    while api.status(f"/dags/{NIGHTLY_DAG_ID}") != 200 or api.status(f"/dags/{MONTHLY_DAG_ID}") != 200:
        assert time.monotonic() < deadline, "the dag-processor did not parse the DAG files"
        time.sleep(1)
    due = _parse(api.get(f"/dags/{NIGHTLY_DAG_ID}").get("next_dagrun_run_after"))
    api.patch(f"/dags/{MONTHLY_DAG_ID}", {"is_paused": False})
    api.patch(f"/dags/{NIGHTLY_DAG_ID}", {"is_paused": False})
    failed = []
    if due is not None and due <= datetime.now(UTC):
        deadline = time.monotonic() + 120
        while not failed:
            assert time.monotonic() < deadline, "the scheduler did not start the catch-up run"
            for run in api.get(f"/dags/{NIGHTLY_DAG_ID}/dagRuns")["dag_runs"]:
                if run["run_type"] == "scheduled":
                    api.patch(_run_path(NIGHTLY_DAG_ID, run["dag_run_id"]), {"state": "failed"})
                    failed.append(run["dag_run_id"])
            time.sleep(1)
    return failed


def _tree_pids(pid: int) -> set[int]:
    return {p.pid for p in process_tree(pid)}


@pytest.fixture(scope="module")
def nights(cluster, tmp_path_factory):
    api = cluster.api
    deliveries = cluster.deliveries
    assert len(deliveries) == 2, deliveries
    failed_catch_up = _unpause(api)

    # the local comparison first (another home, dag.test() on SQLite), to know what each night must publish
    local_home = tmp_path_factory.mktemp("local") / "home"
    env = clean_environment(WOONSIGNAAL_HOME=str(local_home), WOONSIGNAAL_PSEUDONIEM_SLEUTEL=KEY)
    local = {}
    for delivery in deliveries:
        started = time.monotonic()
        proc = woonsignaal_cli(["run", "--landing", str(cluster.landing), "--alleen", delivery], env)
        assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
        local[delivery] = {
            "seconds": time.monotonic() - started,
            "fingerprint": duckdb_fingerprint(local_home / "published" / "woonsignaal.duckdb"),
        }
    tables = sorted(local[deliveries[-1]]["fingerprint"])

    reader = PublicationReader(cluster, tables)
    reader.start()
    runs = {}
    for delivery in deliveries:
        logical = extractdatum_to_logical_date(datetime.fromisoformat(delivery).date())
        run = api.post(
            f"/dags/{NIGHTLY_DAG_ID}/dagRuns", {"logical_date": logical.isoformat(), "conf": {"extractdatum": delivery}}
        )
        runs[delivery] = run["dag_run_id"]

    # the second night: kill the worker that runs dbt_build_marts, all its processes, mid-task
    victim, killed, lock_holder = None, [], None
    lock_file = cluster.home / "state" / "warehouse.lock"
    second = runs[deliveries[-1]]
    deadline = time.monotonic() + NIGHT_TIMEOUT
    while victim is None:
        assert time.monotonic() < deadline, "the second night's dbt_build_marts never ran"
        ti = _task_instances(api, NIGHTLY_DAG_ID, second).get("dbt_build_marts", {})
        assert ti.get("state") not in ("success", "failed"), f"dbt_build_marts ended before it could be killed: {ti}"
        if ti.get("state") == "running" and ti.get("hostname") in WORKERS:
            worker_pid = cluster.state["services"][ti["hostname"]]["pid"]
            time.sleep(2)  # inside the step: it holds the writer lock while dbt builds
            holder = lock_file.read_text(errors="replace") if lock_file.exists() else ""
            lock_holder = int(holder.split()[1]) if holder.startswith("pid ") else None
            if lock_holder in _tree_pids(worker_pid):
                victim = ti["hostname"]
                tree = process_tree(worker_pid)
                kill_processes(tree)
                killed = [p.pid for p in tree]
                killed_at = time.monotonic()
                continue
        time.sleep(0.5)

    # wait for both nights and the monthly runs their publications triggered
    final = {}
    while len(final) < len(runs):
        assert time.monotonic() < deadline, f"the nights did not end in {NIGHT_TIMEOUT} s: {final}"
        for delivery, run_id in runs.items():
            run = api.get(_run_path(NIGHTLY_DAG_ID, run_id))
            if run["state"] in ("success", "failed"):
                final[delivery] = run
        time.sleep(2)
    time.sleep(5)  # the scheduler turns the last publication's Asset event into a monthly run
    while True:
        monthly = api.get(f"/dags/{MONTHLY_DAG_ID}/dagRuns")["dag_runs"]
        if monthly and all(r["state"] in ("success", "failed") for r in monthly):
            break
        assert time.monotonic() < deadline, f"the monthly DAG's runs did not end: {monthly}"
        time.sleep(2)
    time.sleep(2)
    reader.halt.set()
    reader.join(timeout=60)

    return {
        "deliveries": deliveries,
        "runs": runs,
        "final": final,
        "local": local,
        "local_home": local_home,
        "victim": victim,
        "killed": killed,
        "killed_at": killed_at,
        "lock_holder": lock_holder,
        "reader": reader,
        "monthly": monthly,
        "tables": tables,
        "failed_catch_up": failed_catch_up,
    }


def test_both_nights_run_through_the_scheduler_and_succeed(cluster, nights):
    api = cluster.api
    for delivery, run in nights["final"].items():
        assert run["state"] == "success", (delivery, run)
        assert run["run_type"] == "manual" and run["conf"] == {"extractdatum": delivery}
    published = json.loads((cluster.home / "published" / "publicatie.json").read_text())
    assert published["extractdatum"] == nights["deliveries"][-1]
    # the scheduler, not the test, ran them: every task instance went through the executor's queue
    for run_id in nights["runs"].values():
        tis = _task_instances(api, NIGHTLY_DAG_ID, run_id)
        assert set(tis) == {"wacht_op_levering", *NIGHT_STEPS}
        assert all(ti["state"] == "success" for ti in tis.values()), tis


def test_every_task_ran_on_a_celery_worker(cluster, nights):
    api = cluster.api
    hosts = set()
    received = "".join(cluster.log(w).read_text(errors="replace") for w in sorted(WORKERS))
    for dag_id, run_ids in (
        (NIGHTLY_DAG_ID, nights["runs"].values()),
        (MONTHLY_DAG_ID, [r["dag_run_id"] for r in nights["monthly"]]),
    ):
        for run_id in run_ids:
            for task_id, ti in _task_instances(api, dag_id, run_id).items():
                if ti["state"] == "skipped" and ti["try_number"] == 0:
                    continue  # never started (the monthly report is skipped mid-month)
                for attempt in _tries(api, dag_id, run_id, task_id):
                    assert attempt["hostname"] in WORKERS, (dag_id, task_id, attempt["hostname"])
                    assert attempt["queue"] == "default"
                    hosts.add(attempt["hostname"])
    assert hosts == WORKERS  # both workers did work
    assert received.count("Task execute_workload[") >= 12  # the Celery task that runs one task instance


def test_the_nights_never_overlapped(cluster, nights):
    api = cluster.api
    first, second = (nights["runs"][d] for d in nights["deliveries"])
    first_tis = _task_instances(api, NIGHTLY_DAG_ID, first).values()
    second_tis = _task_instances(api, NIGHTLY_DAG_ID, second).values()
    first_end = max(_parse(ti["end_date"]) for ti in first_tis)
    second_start = min(_parse(ti["start_date"]) for ti in second_tis)
    assert first_end <= second_start  # max_active_runs=1: the second night waited for the first
    # the steps that write the working warehouse ran on both workers: they reach the one DuckDB file through
    # the home folder both share (compose: the woonsignaal-home volume), one writer at a time (the lock)
    writers = {
        a["hostname"]
        for run_id in (first, second)
        for task in ("laad_raw", "dbt_build_marts", "publiceer")
        for a in _tries(api, NIGHTLY_DAG_ID, run_id, task)
    }
    assert writers == WORKERS
    assert (cluster.home / "warehouse" / "woonsignaal.duckdb").is_file()


def test_killed_worker_task_is_retried_on_the_other_worker(cluster, nights):
    api = cluster.api
    second = nights["runs"][nights["deliveries"][-1]]
    victim = nights["victim"]
    assert victim in WORKERS and len(nights["killed"]) >= 3  # the worker, its pool, the task's processes
    assert nights["lock_holder"] is not None  # it was inside the step that holds the writer lock
    tries = _tries(api, NIGHTLY_DAG_ID, second, "dbt_build_marts")
    assert tries[0]["hostname"] == victim and tries[0]["state"] != "success"
    assert tries[-1]["state"] == "success" and tries[-1]["hostname"] == (WORKERS - {victim}).pop()
    assert len(tries) >= 2
    assert cluster.state["services"][victim]["pid"] not in {p.pid for p in psutil.process_iter()}


def test_published_marts_equal_a_local_run(cluster, nights):
    on_cluster = duckdb_fingerprint(cluster.home / "published" / "woonsignaal.duckdb")
    assert on_cluster == nights["local"][nights["deliveries"][-1]]["fingerprint"]
    assert on_cluster["dim_eenheid"][0] == 300


def test_publication_never_showed_a_mix(cluster, nights):
    reader = nights["reader"]
    assert reader.errors == []
    night1, night2 = (json.dumps(nights["local"][d]["fingerprint"], sort_keys=True) for d in nights["deliveries"])
    assert night1 != night2
    seen = [state for _, state in reader.duckdb_states]
    assert len(seen) > 20
    assert set(seen) <= {night1, night2}, "the published DuckDB file showed a state of neither night"
    during_kill = [state for t, state in reader.duckdb_states if t >= nights["killed_at"]]
    # the sequence: (night 1 ...) night 2 ..., never back
    changes = [s for i, s in enumerate(seen) if i == 0 or s != seen[i - 1]]
    assert changes[-1] == night2 and len(changes) <= 2
    assert during_kill and during_kill[-1] == night2
    # PostgreSQL: each observation is one statement over all marts; at most the two nights' states, in order
    pg = [state for _, state in reader.pg_states if state is not None]
    pg_changes = [s for i, s in enumerate(pg) if i == 0 or s != pg[i - 1]]
    assert 1 <= len(pg_changes) <= 2 and len(set(pg_changes)) == len(pg_changes)


def test_marts_are_published_to_postgres_with_the_same_content(cluster, nights):
    con = pg_connect(cluster, "woonsignaal", cluster.env["WOONSIGNAAL_PG_PASSWORD"])
    try:
        in_postgres = content_postgres(con)
    finally:
        con.close()
    in_duckdb = content_duckdb(cluster.home / "published" / "woonsignaal.duckdb")
    assert set(in_postgres) == set(nights["tables"])
    assert in_postgres == in_duckdb


def test_bi_role_can_read_the_marts_and_cannot_write(cluster, nights):
    con = pg_connect(cluster, "woonsignaal_bi", cluster.env["WOONSIGNAAL_PG_BI_PASSWORD"])
    con.autocommit = True
    try:
        cur = con.cursor()
        cur.execute("select count(*) from marts.dim_eenheid")
        assert cur.fetchone()[0] == 300
        cur.execute("select count(*) from signalen")  # marts is the role's default schema
        for statement in (
            "delete from marts.dim_eenheid",
            "create table marts.bi_kladblok (x int)",
            "insert into marts.dim_datum select * from marts.dim_datum limit 1",
            "create schema bi_kladblok",
        ):
            with pytest.raises(psycopg2.Error) as refused:
                cur.execute(statement)
            assert refused.value.pgcode in ("25006", "42501"), statement  # read-only transaction / no privilege
    finally:
        con.close()


def test_monthly_dag_was_triggered_by_the_asset(cluster, nights):
    monthly = nights["monthly"]
    assert monthly and all(r["run_type"] == "asset_triggered" for r in monthly), monthly
    assert all(r["state"] == "success" for r in monthly), monthly
    events = cluster.api.get("/assets/events?limit=10")["asset_events"]
    assert sum(1 for e in events if e["source_task_id"] == "publiceer" and e["source_dag_id"] == NIGHTLY_DAG_ID) == 2


def test_timings_are_recorded(cluster, nights):
    """The figures docs/serving.md quotes: one night on the cluster vs locally, same delivery, same machine."""
    first = nights["deliveries"][0]
    run = nights["final"][first]
    cluster_seconds = (_parse(run["end_date"]) - _parse(run["start_date"])).total_seconds()
    figures = {
        "cluster_start_seconds": round(cluster.started_in, 1),
        "night_on_cluster_seconds": {first: round(cluster_seconds, 1)},
        "night_local_seconds": {d: round(v["seconds"], 1) for d, v in nights["local"].items()},
    }
    (cluster.home / "cluster" / "timings.json").write_text(json.dumps(figures, indent=2))
    print(f"\ncluster timings: {json.dumps(figures)}")
    assert cluster_seconds > 0


def test_sigint_stops_everything_it_started(cluster, nights):
    services = cluster.state["services"]
    pids = {s["pid"] for s in services.values()} | {cluster.state["redis_pid"]}
    pids |= {p for s in services.values() for p in _tree_pids(s["pid"])}
    alive_before = {p for p in pids if psutil.pid_exists(p)}
    assert len(alive_before) >= len(services)  # the surviving services, their children and Redis
    pg_pid_file = Path(cluster.state["config"]["pg_dir"]) / "data" / "postmaster.pid"
    pg_pid = int(pg_pid_file.read_text().split()[0])
    assert cluster.stop(signal.SIGINT) == 0
    time.sleep(1)
    assert [
        p
        for p in alive_before | {pg_pid}
        if psutil.pid_exists(p) and psutil.Process(p).status() != psutil.STATUS_ZOMBIE
    ] == []
    assert not (cluster.home / "cluster" / "cluster.json").exists()
