"""Alerts: a failed night is logged, recorded and posted to the configured webhook (Slack/Teams format)."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from types import SimpleNamespace

import pytest

from woonsignaal import alerts, runs
from woonsignaal.settings import get_settings


@pytest.fixture
def webhook(monkeypatch):
    received: list[dict] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append({"path": self.path, "json": json.loads(body), "type": self.headers["Content-Type"]})
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setenv("WOONSIGNAAL_ALERT_WEBHOOK", f"http://127.0.0.1:{server.server_port}/hook")
    yield received
    server.shutdown()


def _as_airflow_reports(fault: Exception) -> Exception:
    """What Airflow hands the callback: run_step's AirflowFailException, raised from the step's fault."""
    try:
        try:
            raise fault
        except Exception as exc:
            raise RuntimeError(str(exc)) from exc
    except RuntimeError as reported:
        return reported


def test_failure_callback_records_and_posts(woonsignaal_home, webhook, caplog):
    from woonsignaal.faults import Fout
    from woonsignaal.pipeline import PermanentFailure

    fault = PermanentFailure(
        Fout("sha256", "eenheden.csv", detail="levering 2026-11-24: eenheden.csv: sha256 klopt niet")
    )
    context = {
        "task_instance": SimpleNamespace(task_id="laad_raw", dag_id="woonsignaal_nightly", run_id="r1"),
        "exception": _as_airflow_reports(fault),
        "dag_run": SimpleNamespace(conf={"extractdatum": "2026-11-24"}),
    }
    alerts.on_task_failure(context)
    assert len(webhook) == 1
    payload = webhook[0]["json"]
    assert webhook[0]["path"] == "/hook" and webhook[0]["type"] == "application/json"
    assert "woonsignaal_nightly.laad_raw mislukt" in payload["text"]
    assert "2026-11-24" in payload["text"] and "sha256" in payload["text"]
    assert "vorige publicatie blijft staan" in payload["text"]
    (run,) = runs.latest_runs(get_settings())
    assert run.status == "mislukt" and "sha256" in run.fout
    assert any("woonsignaal alert" in r.getMessage() for r in caplog.records)


def test_unreachable_webhook_never_breaks_the_pipeline(woonsignaal_home, monkeypatch, caplog):
    monkeypatch.setenv("WOONSIGNAAL_ALERT_WEBHOOK", "http://127.0.0.1:9/nobody-listens")
    assert alerts.send_alert("titel", "tekst", timeout=2) is False
    assert any("could not deliver the alert" in r.getMessage() for r in caplog.records)


def test_without_webhook_only_logs(woonsignaal_home, caplog):
    assert alerts.send_alert("titel", "tekst") is False
    assert any("titel" in r.getMessage() for r in caplog.records)
