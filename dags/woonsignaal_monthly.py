"""
### woonsignaal_monthly: the monthly management report

Runs after each publication of the marts (data-aware schedule on the `woonsignaal_published_marts`
Asset). When the publication covers the last day of a month, it renders that month's
managementrapportage (HTML + PDF) under `$WOONSIGNAAL_HOME/reports/<maand>/` from the published
marts only; on other days it skips. Trigger it with conf `{"maand": "2026-10"}` to render one month again.
"""

from __future__ import annotations

import pendulum
from airflow.sdk import Param, dag, task

from woonsignaal import pipeline
from woonsignaal.airflow_support import (
    MONTHLY_DAG_ID,
    SCHEDULE_TIMEZONE,
    default_args,
    published_marts_asset,
)
from woonsignaal.alerts import on_dag_failure


@dag(
    dag_id=MONTHLY_DAG_ID,
    schedule=[published_marts_asset()],
    start_date=pendulum.datetime(2026, 1, 1, tz=SCHEDULE_TIMEZONE),
    catchup=False,
    max_active_runs=1,
    default_args=default_args(),
    on_failure_callback=on_dag_failure,
    params={
        "maand": Param(
            None,
            type=["null", "string"],
            pattern=r"^\d{4}-\d{2}$",
            description="render this month (jjjj-mm) instead of the one just completed",
        )
    },
    tags=["woonsignaal", "monthly", "rapportage"],
    doc_md=__doc__,
)
def woonsignaal_monthly():
    @task.short_circuit
    def maand_afgerond(params: dict | None = None) -> str | None:
        return pipeline.completed_month((params or {}).get("maand"))

    @task
    def maak_rapport(maand: str) -> dict:
        return pipeline.monthly_report(maand)

    maak_rapport(maand_afgerond())


woonsignaal_monthly()
