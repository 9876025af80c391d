"""The fault suite: damage a good small delivery, run the real nightly steps, check what leaves them.

How to add a fault (a few lines in a ``test_*.py`` of this folder)::

    from tests.faults.fault_suite import FaultCase, run_fault_case

    def _cut_relaties(delivery):              # damage the good delivery in its folder
        ...                                   # (delivery.folder, delivery.rewrite_manifest(), ...)

    CASES = [FaultCase("relaties afgebroken", _cut_relaties, klasse="afgebroken", bestand="relaties.csv", regel=4)]

    @pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
    def test_fault(case, fault_env):
        run_fault_case(case, fault_env)

``fault_env`` (``conftest.py``) gives an isolated home and a local webhook; ``run_fault_case`` writes
the good delivery (``ingest.ingest_builder.base_rows``, with the builder's tenants: names, e-mail
addresses, phone numbers, IBANs, case texts), loads the previous night first when the case says
``eerst=True``, applies the damage, and runs the nightly steps ``verifieer_levering`` and ``laad_raw``
as the DAG runs them (``woonsignaal.pipeline``). Then it fires the alert as Airflow does after the last
retry (to a local webhook), prints ``woonsignaal status``, writes ``marts.pipeline_runs`` as the quality
gate's candidate would and runs the audit's personal-data rule on it. It asserts:

* the night failed with the expected fault class, file, line and column (the first fault);
* ``woonsignaal status`` says so in one Dutch line: "<date> mislukt in <step>: <class> (<file>, regel N, kolom 'c')";
* the warehouse is unchanged and nothing is published;
* no personal-data value of the delivery (and none of ``case.geheimen``) appears in the run history,
  the log (every record, at every level), the step's exception and its traceback, the alert's body,
  the status output or ``marts.pipeline_runs``; and the audit's rule finds none there either.

A case whose fault is not fatal (a row quarantined) belongs in ``tests/ingest``.
"""

from __future__ import annotations

import json
import shutil
import threading
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from types import SimpleNamespace

import duckdb
import pytest
from tests.ingest.ingest_builder import (
    DAY1,
    DAY2,
    OMSCHRIJVINGEN,
    PII,
    base_rows,
    rewrite_manifest,
    warehouse_snapshot,
    write_delivery,
)


@dataclass
class Delivery:
    """The delivery a case damages: its folder, rows and how to make its manifest match again."""

    folder: Path
    extractdatum: date
    rows: dict

    def file(self, name: str) -> Path:
        return self.folder / f"{name}.csv"

    def rewrite_manifest(self, **changes) -> None:
        """The manifest recomputed for the files as they are now (sha256; row counts kept)."""
        rewrite_manifest(self.folder, **changes)

    def manifest(self) -> dict:
        return json.loads((self.folder / "manifest.json").read_text(encoding="utf-8"))

    def write_manifest(self, data: dict) -> None:
        (self.folder / "manifest.json").write_text(json.dumps(data), encoding="utf-8")


@dataclass
class FaultCase:
    name: str
    damage: Callable[[Delivery], None]
    klasse: str
    bestand: str | None = None
    regel: int | None = None
    kolom: str | None = None
    stap: str = "verifieer_levering"  # the step that refuses it
    eerst: bool = False  # load the good DAY1 delivery first; the damaged one is DAY2
    soort: str = "volledig"
    extractdatum: date | None = None  # default DAY1 (DAY2 with eerst)
    geheimen: tuple[str, ...] = ()  # further values the case put in the delivery that must not leak
    detail: str | None = None  # a part of the message to expect (e.g. the counts)


def personal_values() -> set[str]:
    """Every personal-data value of the builder's delivery, and the case texts' longest lines."""
    values = {v for key in ("naam", "email", "telefoon", "iban", "bsn") for v in PII[key]}
    values |= {max(t.splitlines(), key=len) for t in OMSCHRIJVINGEN}
    return values


class Webhook:
    """A local incoming webhook that keeps every body it receives."""

    def __init__(self) -> None:
        self.bodies: list[str] = []
        received = self.bodies

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's name
                received.append(self.rfile.read(int(self.headers["Content-Length"])).decode("utf-8"))
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@dataclass
class FaultEnv:
    settings: object
    webhook: Webhook
    caplog: pytest.LogCaptureFixture
    outputs: dict[str, str] = field(default_factory=dict)


def _airflow_exception(exc: BaseException) -> BaseException:
    """What Airflow hands the failure callback: ``run_step``'s AirflowFailException raised from the
    step's exception (a PermanentFailure becomes one; any other leaves the task as it is)."""
    from woonsignaal.pipeline import PermanentFailure

    if not isinstance(exc, PermanentFailure):
        return exc
    try:
        try:
            raise exc
        except PermanentFailure as permanent:
            from airflow.sdk.exceptions import AirflowFailException

            raise AirflowFailException(str(permanent)) from permanent
    except Exception as reported:  # noqa: BLE001
        return reported


def run_night(env: FaultEnv, extractdatum: date) -> BaseException | None:
    """verifieer_levering and laad_raw as the DAG runs them; on a failure the alert callback as Airflow
    calls it. Returns the exception that ended the night (None when it loaded)."""
    from woonsignaal import alerts, pipeline

    run_id = f"faults-{extractdatum.isoformat()}"
    for step in (pipeline.verify, pipeline.load_raw):
        try:
            step(extractdatum, run_id=run_id, settings=env.settings)
        except Exception as exc:  # noqa: BLE001 - what the task would raise
            task_id = {pipeline.verify: "verifieer_levering", pipeline.load_raw: "laad_raw"}[step]
            alerts.on_task_failure(
                {
                    "task_instance": SimpleNamespace(task_id=task_id, dag_id="woonsignaal_nightly", run_id=run_id),
                    "exception": _airflow_exception(exc),
                    "dag_run": SimpleNamespace(conf={"extractdatum": extractdatum.isoformat()}),
                }
            )
            return exc
    return None


def status_output() -> str:
    from typer.testing import CliRunner

    from woonsignaal.cli import app

    result = CliRunner().invoke(app, ["status"], env={"COLUMNS": "250"})
    assert result.exit_code == 0, result.output
    return result.output


def pipeline_runs_and_audit(settings, extractdatum: date) -> tuple[str, list[str]]:
    """``marts.pipeline_runs`` as the candidate holds it (text of every row), and what the audit's
    personal-data rule says about it."""
    from woonsignaal import publish

    con = duckdb.connect()
    try:
        con.execute(f"create schema {publish.MARTS_SCHEMA}")
        publish._write_pipeline_runs(con, settings, extractdatum, "faults")
        rows = con.execute(f"select * from {publish.MARTS_SCHEMA}.pipeline_runs").fetchall()
        columns = {
            c: t
            for _, c, t in con.execute(
                "select table_name, column_name, data_type from information_schema.columns "
                "where table_name = 'pipeline_runs'"
            ).fetchall()
        }
        report = publish.AuditReport()
        publish._personal_data_rule(con, {"pipeline_runs": columns}, report)
    finally:
        con.close()
    return "\n".join(" | ".join(str(v) for v in row) for row in rows), report.failures


def run_fault_case(case: FaultCase, env: FaultEnv) -> BaseException:
    """Write, damage and run the case's delivery; assert everything the module docstring lists."""
    from woonsignaal.faults import Foutmelding
    from woonsignaal.runs import history_path

    settings = env.settings
    extractdatum = case.extractdatum or (DAY2 if case.eerst else DAY1)
    if case.eerst:
        write_delivery(settings.landing, DAY1, base_rows())
        assert run_night(env, DAY1) is None, "the good first delivery must load"
    rows = base_rows()
    folder = write_delivery(settings.landing, extractdatum, rows, soort=case.soort)
    delivery = Delivery(folder, extractdatum, rows)
    case.damage(delivery)
    before = warehouse_snapshot(settings.warehouse_path)

    exc = run_night(env, extractdatum)

    assert exc is not None, f"{case.name}: the night should have failed"
    assert isinstance(exc, Foutmelding), f"{case.name}: left the step as {type(exc).__name__}"
    first = exc.fouten[0]
    assert (first.klasse, first.bestand, first.regel, first.kolom) == (
        case.klasse,
        case.bestand,
        case.regel,
        case.kolom,
    ), exc.fouten
    if case.detail:
        assert case.detail in str(exc), str(exc)
    assert warehouse_snapshot(settings.warehouse_path) == before, "a refused delivery changed the warehouse"
    assert not settings.published_path.exists(), "nothing may be published"

    status = status_output()
    line = f"{extractdatum.isoformat()} mislukt in {case.stap}: {first.regel_tekst()}"
    assert line in status, status

    pipeline_runs, audit = pipeline_runs_and_audit(settings, extractdatum)
    assert audit == []
    outputs = {
        "runs.jsonl": history_path(settings).read_text(encoding="utf-8"),
        "log": "\n".join(f"{r.getMessage()} {r.exc_text or ''}" for r in env.caplog.records),
        "exception": "".join(traceback.format_exception(exc)),
        "alert": "\n".join(env.webhook.bodies),
        "status": status,
        "marts.pipeline_runs": pipeline_runs,
    }
    assert env.webhook.bodies, "the alert must have gone out"
    leaked = {
        (where, value)
        for where, text in outputs.items()
        for value in personal_values() | set(case.geheimen)
        if value in text
    }
    assert not leaked, f"{case.name}: personal data leaked: {sorted(leaked)}"
    # nor a library's text: DuckDB's quotes the record and advises to ignore errors
    library = {
        (where, t)
        for where, text in outputs.items()
        for t in ("Original Line", "ignore_errors", "Error:")
        if t in text and (where != "log" or t != "Error:")
    }
    assert not library, f"{case.name}: a library's error text left the step: {sorted(library)}"
    env.outputs = outputs
    return exc


def copy_outside(path: Path, outside: Path) -> Path:
    """Move ``path`` out of its folder (to ``outside``) and leave a symbolic link to it in its place."""
    outside.mkdir(parents=True, exist_ok=True)
    target = outside / path.name
    shutil.move(str(path), target)
    path.symlink_to(target)
    return target
