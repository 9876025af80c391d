"""
### woonsignaal_nightly: from last night's delivery to published marts

Every night at 03:00 (Europe/Amsterdam) this DAG processes the delivery of the previous day
(`<landing>/<extractdatum>/`, state at the end of that day):

1. **wacht_op_levering** waits until the delivery is complete (`manifest.json` is written last).
2. **verifieer_levering** checks contract version, files, row counts and sha256; a mismatch refuses
   the whole delivery and leaves the warehouse untouched.
3. **laad_raw** parses the CSV files, pseudonymises person keys, quarantines bad rows, validates each
   file with Great Expectations and merges it into the raw layer in one transaction.
4. **dbt_build_marts** runs `dbt build --selector marts`: staging, intermediate and the marts, everything
   but what depends on the signals, with their tests.
5. **bereken_signalen** runs the signal engine over the fact marts and writes its output, with a run row
   naming this night, into the dbt source `signalen_invoer.signalen_berekend` (re-running it replaces it).
6. **dbt_build_signalen** runs `dbt build --selector signalen`: the signals, their history and status and
   the werklijsten, with their tests; it refuses signals computed for another night or by another run.
7. **kwaliteitspoort** copies the marts into a candidate file and audits it (GX mart suites, Data Docs).
8. **publiceer** writes the audited candidate, its Parquet and `publicatie.json` into a new version
   folder and switches `published/current` to it in one atomic rename, and updates the
   `woonsignaal_published_marts` Asset, which starts the monthly report DAG.

A night is one unit: `verifieer_levering` takes the night lock for this run, every later task checks it,
`publiceer` releases it (a failed run releases it too). Another run, of this DAG or of `woonsignaal run`
beside it, waits (its first task is retried) until the night is over.

Trigger it for one delivery with conf `{"extractdatum": "2026-11-24"}`, or use `woonsignaal run`.
A failed night leaves the previous publication in place; `woonsignaal status` says what failed and why.
"""

from __future__ import annotations

import pendulum
from airflow.sdk import CronTriggerTimetable, Param, dag, task
from airflow.sdk.bases.sensor import PokeReturnValue

from woonsignaal import pipeline
from woonsignaal.airflow_support import (
    NIGHTLY_CRON,
    NIGHTLY_DAG_ID,
    SCHEDULE_TIMEZONE,
    current_extractdatum,
    default_args,
    published_marts_asset,
    run_step,
)
from woonsignaal.alerts import on_dag_failure


@dag(
    dag_id=NIGHTLY_DAG_ID,
    # logical date = trigger time (03:00 on day D); the run processes the delivery of day D-1
    schedule=CronTriggerTimetable(NIGHTLY_CRON, timezone=SCHEDULE_TIMEZONE),
    start_date=pendulum.datetime(2026, 1, 1, tz=SCHEDULE_TIMEZONE),
    catchup=False,
    max_active_runs=1,  # one night at a time (the night lock also holds against runs from elsewhere)
    default_args=default_args(),
    on_failure_callback=[on_dag_failure, pipeline.release_night_after_failure],
    params={
        "extractdatum": Param(
            None, type=["null", "string"], format="date", description="process this delivery instead of yesterday's"
        )
    },
    tags=["woonsignaal", "nightly", "verhuur", "overlast", "incasso"],
    doc_md=__doc__,
)
def woonsignaal_nightly():
    @task.sensor(poke_interval=600, timeout=8 * 3600, mode="reschedule")
    def wacht_op_levering() -> PokeReturnValue:
        return PokeReturnValue(is_done=pipeline.delivery_is_complete(current_extractdatum()))

    @task
    def verifieer_levering() -> dict:
        return run_step(pipeline.verify)

    @task
    def laad_raw() -> dict:
        return run_step(pipeline.load_raw)

    @task
    def dbt_build_marts() -> dict:
        return run_step(pipeline.build_marts)

    @task
    def bereken_signalen() -> dict:
        return run_step(pipeline.compute_signals)

    @task
    def dbt_build_signalen() -> dict:
        return run_step(pipeline.build_signals)

    @task
    def kwaliteitspoort() -> dict:
        return run_step(pipeline.audit)

    @task(outlets=[published_marts_asset()])
    def publiceer(audit: dict) -> dict:
        return run_step(pipeline.publish_marts, audit["candidate"])

    gate = kwaliteitspoort()
    (
        wacht_op_levering()
        >> verifieer_levering()
        >> laad_raw()
        >> dbt_build_marts()
        >> bereken_signalen()
        >> dbt_build_signalen()
        >> gate
    )
    publiceer(gate)


woonsignaal_nightly()
