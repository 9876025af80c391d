"""End to end, as an operator runs it: simulate a small corporation, `woonsignaal run` every delivery
through the real nightly DAG (Airflow on SQLite, dbt on DuckDB, GX), and check what is published.

One run of the chain is shared by the tests of this module (it takes a minute or two).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import duckdb
import pytest

from woonsignaal.contract import SIGNALEN_COLUMNS

from .pii import delivered_personal_values, scan_tree

pytestmark = pytest.mark.e2e

EENHEDEN = 600
JAREN = 2
DELTA_DAGEN = 2


def _cli(args: list[str], env: dict[str, str], timeout: int = 900) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "woonsignaal.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


@pytest.fixture(scope="module")
def chain(tmp_path_factory):
    root = tmp_path_factory.mktemp("e2e")
    home, landing = root / "home", root / "landing"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW", "WOONSIGNAAL_"))}
    env.update(
        WOONSIGNAAL_HOME=str(home),
        WOONSIGNAAL_PSEUDONIEM_SLEUTEL="e2e-test-sleutel-0123456789abcdef",
    )
    sim = _cli(
        [
            "simulate",
            "--out",
            str(landing),
            "--eenheden",
            str(EENHEDEN),
            "--jaren",
            str(JAREN),
            "--delta-dagen",
            str(DELTA_DAGEN),
            "--seed",
            "7",
            "--ground-truth",
            str(root / "gt.json"),
        ],
        env,
    )
    assert sim.returncode == 0, sim.stdout[-3000:] + sim.stderr[-3000:]
    run = _cli(["run", "--landing", str(landing)], env)
    return {"root": root, "home": home, "landing": landing, "env": env, "run": run}


def test_every_delivery_is_processed_and_published(chain):
    run = chain["run"]
    assert run.returncode == 0, run.stdout[-5000:] + run.stderr[-5000:]
    deliveries = sorted(p.name for p in chain["landing"].iterdir() if (p / "manifest.json").exists())
    assert len(deliveries) == 1 + DELTA_DAGEN
    for d in deliveries:
        assert f"gepubliceerd[/] levering {d}" in run.stdout or f"gepubliceerd levering {d}" in run.stdout
    info = json.loads((chain["home"] / "published" / "publicatie.json").read_text())
    assert info["extractdatum"] == deliveries[-1]


def test_published_signalen_has_the_contract_columns(chain):
    con = duckdb.connect(str(chain["home"] / "published" / "woonsignaal.duckdb"), read_only=True)
    try:
        cols = con.execute(
            "select column_name, data_type from information_schema.columns "
            "where table_schema = 'marts' and table_name = 'signalen' order by ordinal_position"
        ).fetchall()
        assert [c for c, _ in cols] == list(SIGNALEN_COLUMNS)
        assert dict(cols) == SIGNALEN_COLUMNS
        runs = con.execute("select count(*), count(distinct extractdatum) from marts.pipeline_runs").fetchone()
        assert runs == (1 + DELTA_DAGEN, 1 + DELTA_DAGEN)
        small = con.execute("select count(*) from marts.signalen where n < 10").fetchone()[0]
        assert small == 0
    finally:
        con.close()


def test_werklijsten_are_restricted_and_not_in_the_bi_file(chain):
    restricted = chain["home"] / "published" / "werklijsten" / "werklijsten.duckdb"
    assert restricted.exists() and (restricted.stat().st_mode & 0o077) == 0
    con = duckdb.connect(str(chain["home"] / "published" / "woonsignaal.duckdb"), read_only=True)
    try:
        schemas = {r[0] for r in con.execute("select distinct table_schema from information_schema.tables").fetchall()}
    finally:
        con.close()
    assert schemas == {"marts", "publicatie"}  # the marts and their build stamp (delivery and run)
    listing = _cli(["werklijst"], chain["env"])
    assert listing.returncode == 0, listing.stdout[-3000:] + listing.stderr[-3000:]


def test_status_reports_every_delivery(chain):
    status = _cli(["status"], chain["env"])
    assert status.returncode == 0, status.stderr[-3000:]
    for d in sorted(p.name for p in chain["landing"].iterdir() if p.is_dir()):
        assert d in status.stdout
    assert "mislukt" not in status.stdout
    assert "Gepubliceerd: levering" in status.stdout


def test_no_personal_data_anywhere_the_pipeline_writes(chain):
    first = sorted(p for p in chain["landing"].iterdir() if p.is_dir())[0]
    values = delivered_personal_values(first)
    assert len(values) > 100  # the simulator really delivered personal data to look for
    assert scan_tree(first, values), "the scanner must find the personal data in the delivery itself"
    hits = scan_tree(chain["home"], values)
    assert hits == []


def test_running_again_is_idempotent(chain):
    published = chain["home"] / "published" / "woonsignaal.duckdb"
    before = published.stat().st_mtime_ns
    again = _cli(["run", "--landing", str(chain["landing"])], chain["env"])
    assert again.returncode == 0, again.stdout[-3000:] + again.stderr[-3000:]
    assert "Niets te doen" in again.stdout
    assert published.stat().st_mtime_ns == before


def test_rerunning_the_last_delivery_publishes_the_same_signals(chain):
    published = chain["home"] / "published" / "woonsignaal.duckdb"

    def signals():
        con = duckdb.connect(str(published), read_only=True)
        try:
            return con.execute("select * from marts.signalen order by signaal_id").fetchall()
        finally:
            con.close()

    before = signals()
    last = sorted(p.name for p in chain["landing"].iterdir() if p.is_dir())[-1]
    rerun = _cli(["run", "--landing", str(chain["landing"]), "--alleen", last], chain["env"])
    assert rerun.returncode == 0, rerun.stdout[-3000:] + rerun.stderr[-3000:]
    assert signals() == before


def test_monthly_report_from_the_publication(chain):
    report = _cli(["report", "--maand", "2026-10"], chain["env"])
    assert report.returncode == 0, report.stdout[-3000:] + report.stderr[-3000:]
    folder = chain["home"] / "reports" / "2026-10"
    html = (folder / "managementrapportage.html").read_text(encoding="utf-8")
    assert "<svg" in html and "okt 2026" in html
    pages = subprocess.run(["pdfinfo", str(folder / "managementrapportage.pdf")], capture_output=True, text=True)
    assert pages.returncode == 0, "pdfinfo (poppler-utils) is needed: apt-get install poppler-utils"
    assert int(next(line.split()[-1] for line in pages.stdout.splitlines() if line.startswith("Pages:"))) >= 5


def test_monthly_dag_renders_the_report(chain):
    """The same report through the real monthly DAG (dag.test), as the scheduler would run it."""
    folder = chain["home"] / "reports" / "2026-09"
    code = (
        "from woonsignaal.settings import get_settings\n"
        "from woonsignaal.airflow_runner import run_monthly\n"
        "outcome = run_monthly('2026-09', get_settings())\n"
        "print('STATE=' + outcome.state)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], env=chain["env"], capture_output=True, text=True, timeout=600)
    assert "STATE=success" in proc.stdout, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert (folder / "managementrapportage.html").exists()
    assert (folder / "managementrapportage.pdf").exists()
