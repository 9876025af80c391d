"""Alerts when a night fails: always a log line and a run-history event; optionally a webhook.

The webhook payload works for both Slack incoming webhooks and Microsoft Teams (``text`` field);
configure it with ``WOONSIGNAAL_ALERT_WEBHOOK``.
"""

from __future__ import annotations

import json
import logging
import urllib.error
import urllib.request
from typing import Any

from woonsignaal.settings import Settings, get_settings

log = logging.getLogger(__name__)


def send_alert(title: str, body: str, settings: Settings | None = None, timeout: float = 10.0) -> bool:
    """Log the alert and post it to the configured webhook. Returns True when a webhook accepted it.

    A webhook that is down never fails the pipeline: the failure to alert is logged instead.
    """
    settings = settings or get_settings()
    log.error("woonsignaal alert: %s: %s", title, body)
    if not settings.alert_webhook:
        return False
    payload = json.dumps({"text": f"**{title}**\n\n{body}", "title": title}).encode("utf-8")
    request = urllib.request.Request(
        settings.alert_webhook, data=payload, headers={"Content-Type": "application/json"}, method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 (configured URL)
            return 200 <= response.status < 300
    except (urllib.error.URLError, OSError) as exc:
        log.error("could not deliver the alert to the webhook: %s", exc)
        return False


def on_task_failure(context: dict[str, Any]) -> None:
    """Airflow task failure callback (after the last retry): record the failure and alert. Never raises."""
    try:
        from woonsignaal import faults, runs

        settings = get_settings()
        ti = context.get("task_instance") or context.get("ti")
        task_id = getattr(ti, "task_id", "?")
        dag_id = getattr(ti, "dag_id", "?")
        exception = context.get("exception")
        extractdatum = _extractdatum(context)
        # woonsignaal's message only: never the text of a library's exception (it may quote a row)
        message = faults.melding(exception) if exception else "taak mislukt"
        if exception is not None:
            runs.record_failure(settings, extractdatum, task_id, exception, run_id=getattr(ti, "run_id", ""))
        send_alert(
            f"woonsignaal: {dag_id}.{task_id} mislukt (levering {extractdatum or 'onbekend'})",
            f"{message}\n\nDe vorige publicatie blijft staan. Zie `woonsignaal status` voor details.",
            settings,
        )
    except Exception:  # noqa: BLE001
        log.exception("failure callback itself failed")


def on_dag_failure(context: dict[str, Any]) -> None:
    """Airflow DAG failure callback: one summary line in the log (the failed task already alerted)."""
    try:
        dag_run = context.get("dag_run")
        log.error(
            "woonsignaal: run %s of %s failed (levering %s); the previous publication stays",
            getattr(dag_run, "run_id", "?"),
            getattr(dag_run, "dag_id", "?"),
            _extractdatum(context) or "unknown",
        )
    except Exception:  # noqa: BLE001
        log.exception("DAG failure callback itself failed")


def _extractdatum(context: dict[str, Any]) -> str:
    try:
        from woonsignaal.pipeline import resolve_extractdatum

        return resolve_extractdatum(context).isoformat()
    except Exception:  # noqa: BLE001 - an alert must go out even if the date cannot be derived
        return ""
