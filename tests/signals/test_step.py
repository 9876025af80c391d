"""The signal step (task ``bereken_signalen``) between the two dbt builds of a night, on DuckDB.

One small corporation with strong planted effects (so there are signals to compare), loaded once; the
night's three build steps run as the nightly DAG runs them (``woonsignaal.pipeline``: ``build_marts``,
``compute_signals``, ``build_signals``), without Airflow. Then: re-running the step replaces the night's
output and changes nothing downstream; output of another night, of another run, or of a delivery loaded
again since, is refused by the signals' build.
"""

from __future__ import annotations

import datetime as dt
import json

import duckdb
import pytest
from tests.demo_env import demo_environment

SCENARIO = {
    "naam": "signaalstap",
    "effecten": [
        {"proces": "verhuur", "segment": {"lift": "N"}, "indicator": "leegstandsduur", "factor": 8.0},
        {"proces": "incasso", "segment": {"betaalwijze": "OV"}, "indicator": "instroom_achterstand", "factor": 5.0},
    ],
}
RUN = "scheduled__2026-11-25T02:00:00+00:00"


@pytest.fixture(scope="module")
def night(tmp_path_factory):
    from woonsignaal import pipeline
    from woonsignaal.ingest import load_delivery
    from woonsignaal.settings import get_settings
    from woonsignaal.simulate import simulate

    root = tmp_path_factory.mktemp("signaalstap")
    with pytest.MonkeyPatch.context() as env:
        demo_environment(env, root / "home", root / "landing")
        env.delenv("WOONSIGNAAL_DBT_TARGET", raising=False)
        scenario = root / "scenario.json"
        scenario.write_text(json.dumps(SCENARIO))
        sim = simulate(root / "landing", eenheden=1000, jaren=2, delta_dagen=1, seed=5, scenario=str(scenario))
        settings = get_settings()
        settings.ensure_dirs()
        for delivery in sim.deliveries:
            load_delivery(delivery, settings, gx=False)
        extractdatum = dt.date.fromisoformat(sim.deliveries[-1].name)
        steps = {
            "dbt_build_marts": pipeline.build_marts(extractdatum, RUN, settings),
            "bereken_signalen": pipeline.compute_signals(extractdatum, RUN, settings),
            "dbt_build_signalen": pipeline.build_signals(extractdatum, RUN, settings),
        }
        yield dict(settings=settings, extractdatum=extractdatum, steps=steps)


def _query(settings, sql: str) -> list[tuple]:
    con = duckdb.connect(str(settings.warehouse_path), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def _table(settings, table: str) -> list[tuple]:
    return sorted(_query(settings, f"select * from {table}"), key=repr)


def test_the_night_builds_the_signals_from_the_source_table(night):
    from woonsignaal.publish import read_build_stamp
    from woonsignaal.runs import latest_runs

    settings, extractdatum = night["settings"], night["extractdatum"]
    assert night["steps"]["bereken_signalen"]["extractdatum"] == extractdatum.isoformat()
    signalen = night["steps"]["bereken_signalen"]["signalen"]
    assert signalen > 0
    (run,) = _query(
        settings, "select extractdatum, run_id, minimum_group_size, signalen from signalen_invoer.signalen_berekend_run"
    )
    assert run == (extractdatum, RUN, settings.minimum_group_size, signalen)
    # the published signals are the engine's output (with the minimum group size), nothing else
    assert _query(settings, "select count(*) from marts.signalen") == [(signalen,)]
    assert not _query(
        settings,
        "select signaal_id, toelichting from marts.signalen except "
        "select signaal_id, toelichting from signalen_invoer.signalen_berekend where n >= 10",
    )
    assert read_build_stamp(settings.warehouse_path) == (extractdatum, RUN)
    (history,) = latest_runs(settings)
    assert history.stappen == {
        "dbt_build_marts": "geslaagd",
        "bereken_signalen": "geslaagd",
        "dbt_build_signalen": "geslaagd",
    }


def test_running_the_step_again_replaces_the_nights_output(night):
    from woonsignaal import pipeline

    settings, extractdatum = night["settings"], night["extractdatum"]
    before = {
        t: _table(settings, t)
        for t in ("signalen_invoer.signalen_berekend", "marts.signalen", "marts.signalen_historie")
    }
    # an Airflow retry of bereken_signalen, then of dbt_build_signalen
    pipeline.compute_signals(extractdatum, RUN, settings)
    assert _query(settings, "select count(*) from signalen_invoer.signalen_berekend_run") == [(1,)]
    pipeline.build_signals(extractdatum, RUN, settings)
    after = {t: _table(settings, t) for t in before}
    assert after == before
    assert len(before["marts.signalen_historie"]) == len(before["marts.signalen"]) > 0


def _failed_build(settings, extractdatum):
    from woonsignaal.pipeline import SIGNALS_SELECTOR, dbt_vars
    from woonsignaal.transform import run_dbt_build

    return run_dbt_build(
        settings, selector=SIGNALS_SELECTOR, vars=dbt_vars(settings, extractdatum), generate_docs=False
    )


def _refused_by_the_night_check(result) -> None:
    assert not result.success
    assert [n.name for n in result.failed] == ["assert_signalen_invoer_van_deze_nacht"]
    skipped = {n.name for n in result.nodes if n.status == "skipped"}
    assert {"int_signalen_berekend", "signalen", "fct_signalen_historie", "werklijst"} <= skipped


def test_output_of_another_night_is_refused(night):
    from woonsignaal import pipeline
    from woonsignaal.signals.step import compute_and_store

    settings, extractdatum = night["settings"], night["extractdatum"]
    published = _table(settings, "marts.signalen")
    compute_and_store(settings, extractdatum - dt.timedelta(days=40), RUN)
    with pytest.raises(pipeline.PermanentFailure) as refused:
        pipeline.build_signals(extractdatum, RUN, settings)
    assert "van levering" in str(refused.value) and "bereken_signalen" in str(refused.value)
    # the dbt build itself refuses it too, before int_signalen_berekend: nothing downstream is built
    _refused_by_the_night_check(_failed_build(settings, extractdatum))
    assert _table(settings, "marts.signalen") == published
    # the night recovers by running its steps again
    pipeline.compute_signals(extractdatum, RUN, settings)
    pipeline.build_signals(extractdatum, RUN, settings)
    assert _table(settings, "marts.signalen") == published


def test_output_of_another_run_is_refused(night):
    from woonsignaal import pipeline

    settings, extractdatum = night["settings"], night["extractdatum"]
    pipeline.compute_signals(extractdatum, "manual__een-andere-run", settings)
    with pytest.raises(pipeline.PermanentFailure) as refused:
        pipeline.build_signals(extractdatum, RUN, settings)
    assert "manual__een-andere-run" in str(refused.value)
    pipeline.compute_signals(extractdatum, RUN, settings)
    pipeline.build_signals(extractdatum, RUN, settings)


def test_output_of_a_delivery_loaded_again_since_is_refused(night):
    from woonsignaal import pipeline

    settings, extractdatum = night["settings"], night["extractdatum"]
    con = duckdb.connect(str(settings.warehouse_path))
    try:  # what a reload of the same delivery does to raw.leveringen
        con.execute(
            "update raw.leveringen set geladen_op = geladen_op + interval 1 minute where extractdatum = ?",
            [extractdatum],
        )
    finally:
        con.close()
    _refused_by_the_night_check(_failed_build(settings, extractdatum))
    pipeline.compute_signals(extractdatum, RUN, settings)
    pipeline.build_signals(extractdatum, RUN, settings)
