"""Glue between the DAG files and the package: shared Assets, default_args and the task wrapper.

Kept free of heavy imports: DAG files import this at parse time.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from woonsignaal.alerts import on_task_failure
from woonsignaal.settings import dag_retry_delay

NIGHTLY_DAG_ID = "woonsignaal_nightly"
MONTHLY_DAG_ID = "woonsignaal_monthly"
SCHEDULE_TIMEZONE = "Europe/Amsterdam"
NIGHTLY_CRON = "0 3 * * *"  # 03:00 Europe/Amsterdam: the ERPs deliver between 01:00 and 03:00
PUBLISHED_MARTS_ASSET_URI = "woonsignaal://published/marts"


def published_marts_asset():
    from airflow.sdk import Asset

    return Asset(name="woonsignaal_published_marts", uri=PUBLISHED_MARTS_ASSET_URI)


def default_args() -> dict[str, Any]:
    """Retries for transient faults (a busy warehouse, a full disk cleared by an operator).

    Faults a retry cannot fix raise ``AirflowFailException`` (see ``run_step``) and fail at once.
    ``WOONSIGNAAL_RETRY_DELAY_SECONDS`` sets the delay (``settings.dag_retry_delay``; ``woonsignaal run``
    gives its night a short one).
    """
    return {
        "owner": "woonsignaal",
        "retries": 2,
        "retry_delay": dag_retry_delay(),
        "retry_exponential_backoff": True,
        "execution_timeout": timedelta(hours=3),
        "on_failure_callback": on_task_failure,
    }


def current_extractdatum():
    from airflow.sdk import get_current_context

    from woonsignaal.pipeline import resolve_extractdatum

    return resolve_extractdatum(get_current_context())


def run_step(step: Callable[..., dict[str, Any]], *args: Any) -> dict[str, Any]:
    """Run one pipeline step for the current run's extract date.

    A ``PermanentFailure`` (rejected delivery, failed audit, failing dbt model) becomes
    ``AirflowFailException`` so the task fails without pointless retries.
    """
    from airflow.sdk import get_current_context
    from airflow.sdk.exceptions import AirflowFailException

    from woonsignaal.pipeline import PermanentFailure, resolve_extractdatum

    context = get_current_context()
    extractdatum = resolve_extractdatum(context)
    run_id = context["dag_run"].run_id if context.get("dag_run") is not None else None
    try:
        return step(extractdatum, *args, run_id=run_id)
    except PermanentFailure as exc:
        raise AirflowFailException(str(exc)) from exc
