"""The incremental month-grain models give exactly what a rebuild from scratch gives.

A small simulated corporation goes through its nights the way production does: the volledig delivery
and a full build, then each delta loaded and built incrementally (int_contract_maand_boekingen,
fct_contract_maand and int_eenheid_maanden recompute recent months and changed contracts or units only;
macros/incrementeel.sql), and the last night built twice (a retry). One delta also corrects an old
booking and deletes another, so a contract's whole history changes. After the last night a copy of the
warehouse is rebuilt with --full-refresh and the tables must be equal, row for row. Also:
woonsignaal.transform runs --full-refresh exactly when the project changed since the last successful
build, and the history models survive it.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from tests.demo_env import demo_environment
from tests.ingest.ingest_builder import rewrite_manifest

SELECTION = "+fct_contract_maand +int_eenheid_maanden"
#: seeds and models up to the incremental ones; the data tests run in the other dbt tests
BUILD = ["build", "--select", SELECTION, "--exclude-resource-type", "test", "--exclude-resource-type", "unit_test"]


def _append_rows(path: Path, lines: list[str]) -> None:
    raw = path.read_bytes()
    newline = b"\r\n" if b"\r\n" in raw[:4096] else b"\n"
    if not raw.endswith(newline):
        raw += newline
    path.write_bytes(raw + b"".join(line.encode("utf-8") + newline for line in lines))


def _correct_old_bookings(volledig: Path, delta: Path) -> tuple[str, str]:
    """In ``delta``: a newer version of an old booking (amount + 250) and the deletion of another old
    booking of another contract. Returns the two contracts."""
    day = dt.date.fromisoformat(delta.name)
    b = pd.read_csv(volledig / "boekingen.csv", sep=";", dtype=str, encoding="utf-8-sig")
    b["_datum"] = pd.to_datetime(b["boekdatum"], format="%d-%m-%Y")
    old = b[b["_datum"] < pd.Timestamp(day) - pd.Timedelta(days=300)].sort_values("boeking_id")
    corrected = old.iloc[0]
    deleted = old[old["overeenkomst_id"] != corrected["overeenkomst_id"]].iloc[0]
    bedrag = float(corrected["bedrag"].replace(",", ".")) + 250
    stamp = day.strftime("%d-%m-%Y")
    _append_rows(
        delta / "boekingen.csv",
        [
            ";".join(
                [
                    corrected["boeking_id"],
                    corrected["overeenkomst_id"],
                    corrected["boekdatum"],
                    corrected["vervaldatum"] if isinstance(corrected["vervaldatum"], str) else "",
                    corrected["detailsoort"],
                    f"{bedrag:.2f}".replace(".", ","),
                    f"{stamp} 10:00:00",
                ]
            )
        ],
    )
    _append_rows(delta / "verwijderingen.csv", [f"boekingen;{deleted['boeking_id']};{stamp} 11:00:00"])
    rewrite_manifest(delta, keep_counts=False)
    return corrected["overeenkomst_id"], deleted["overeenkomst_id"]


def _tables(path: Path) -> dict[str, pd.DataFrame]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return {
            "int_contract_maand_boekingen": con.execute(
                "select * exclude (extractdatum) from intermediate.int_contract_maand_boekingen "
                "order by overeenkomst_id, maand"
            ).df(),
            "fct_contract_maand": con.execute(
                "select * from marts.fct_contract_maand order by overeenkomst_id, maand"
            ).df(),
            "int_eenheid_maanden": con.execute(
                "select * from intermediate.int_eenheid_maanden order by eenheid_id, maand"
            ).df(),
        }
    finally:
        con.close()


@pytest.fixture(scope="module")
def nights(tmp_path_factory):
    from woonsignaal.ingest import load_delivery
    from woonsignaal.pipeline import dbt_vars
    from woonsignaal.settings import get_settings
    from woonsignaal.simulate import simulate
    from woonsignaal.transform import invoke

    root = tmp_path_factory.mktemp("incremental")
    with pytest.MonkeyPatch.context() as env:
        demo_environment(env, root / "home")
        sim = simulate(root / "landing", eenheden=300, jaren=2, delta_dagen=3, seed=7)
        volledig, *deltas = sim.deliveries
        changed = _correct_old_bookings(volledig, deltas[1])
        settings = get_settings()
        settings.ensure_dirs()
        for d in sim.deliveries:
            load_delivery(d, settings, gx=False)
            # the vars the nightly pipeline passes: none for the latest delivery on DuckDB, so the models
            # read the extract date from stg_raw__leveringen and the change detection from raw.leveringen
            night = dbt_vars(settings, dt.date.fromisoformat(d.name))
            assert night == {}
            build = invoke(BUILD, settings, vars=night)
            assert build.success, build.summary()
        # the last night once more (an Airflow retry): no delivery since, so rebuilt whole on the table
        rerun = invoke(BUILD, settings, vars=dbt_vars(settings, dt.date.fromisoformat(sim.deliveries[-1].name)))
        assert rerun.success, rerun.summary()
        reference = root / "reference.duckdb"
        shutil.copy(settings.warehouse_path, reference)
        yield dict(
            settings=settings,
            reference=reference,
            changed=changed,
            last=sim.deliveries[-1].name,
            root=root,
            nights=[d.name for d in sim.deliveries],
        )


def test_incremental_nights_equal_a_rebuild_from_scratch(nights, monkeypatch):
    from woonsignaal.settings import get_settings
    from woonsignaal.transform import invoke

    incremental = _tables(nights["settings"].warehouse_path)
    # each delta night was incremental, the retry of the last night a whole rebuild (dbt's log says which)
    log = (nights["settings"].dbt_dir / "logs" / "dbt.log").read_text()
    for model in ("int_contract_maand_boekingen", "fct_contract_maand", "int_eenheid_maanden"):
        increments = re.findall(rf"{model}: incremental from (\S+) to (\S+) ", log)
        assert increments == list(zip(nights["nights"][:-1], nights["nights"][1:], strict=True)), model
        assert f"{model}: built for {nights['nights'][-1]}, 0 delivery(ies) since" in log

    # the same warehouse rebuilt from scratch
    rebuild_home = nights["root"] / "rebuild"
    (rebuild_home / "warehouse").mkdir(parents=True)
    shutil.copy(nights["reference"], rebuild_home / "warehouse" / "woonsignaal.duckdb")
    monkeypatch.setenv("WOONSIGNAAL_HOME", str(rebuild_home))
    settings = get_settings()
    full = invoke([*BUILD, "--full-refresh"], settings, vars={"extractdatum": nights["last"]})
    assert full.success, full.summary()
    rebuilt = _tables(settings.warehouse_path)
    for name, frame in rebuilt.items():
        assert len(frame) > 1000
        pd.testing.assert_frame_equal(incremental[name], frame, check_exact=True, obj=name)


def test_a_corrected_and_a_deleted_old_booking_change_the_whole_contract_history(nights):
    """The corrected booking's +250 shows in every month of that contract from the booking on."""
    corrected, deleted = nights["changed"]
    con = duckdb.connect(str(nights["settings"].warehouse_path), read_only=True)
    try:
        for contract in (corrected, deleted):
            # saldo of the last month = all its bookings (the business rule), after the correction
            saldo, som = con.execute(
                """select f.saldo_euro, (select sum(bedrag) from staging.stg_raw__boekingen b
                       where b.overeenkomst_id = f.overeenkomst_id and not b.is_verwijderd
                         and b.boekdatum <= last_day(f.maand))
                   from marts.fct_contract_maand f where f.overeenkomst_id = ?
                   order by f.maand desc limit 1""",
                [contract],
            ).fetchone()
            assert float(saldo) == pytest.approx(float(som), abs=0.005)
        deleted_rows = con.execute(
            "select count(*) from staging.stg_raw__boekingen where overeenkomst_id = ? and is_verwijderd", [deleted]
        ).fetchone()[0]
        assert deleted_rows >= 1
    finally:
        con.close()


def test_full_refresh_only_when_the_project_changed(nights, tmp_path, monkeypatch):
    from woonsignaal import transform

    settings = nights["settings"]
    seen: list[str | None] = []
    monkeypatch.setattr(transform, "_build", lambda *a, **k: _record(seen))
    stamp = settings.dbt_dir / "target" / transform.BUILD_STAMP
    stamp.unlink(missing_ok=True)

    assert transform.run_dbt_build(settings, generate_docs=False).success  # no stamp: full refresh
    assert stamp.read_text() == transform.project_fingerprint(settings)
    assert transform.run_dbt_build(settings, generate_docs=False).success  # unchanged: incremental
    stamp.write_text("an older woonsignaal")
    assert transform.run_dbt_build(settings, select="fct_contract_maand", generate_docs=False).success
    assert not stamp.exists()  # a partial build leaves no stamp: the next whole build refreshes
    assert seen == ["true", None, "true"]
    assert os.environ.get("DBT_FULL_REFRESH") is None


def _record(seen: list):
    from woonsignaal.transform import DbtRunResult

    seen.append(os.environ.get("DBT_FULL_REFRESH"))
    return DbtRunResult(command=["build"], success=True)


def test_history_models_keep_their_rows_on_a_full_refresh():
    import yaml

    project = yaml.safe_load((Path(__file__).parents[2] / "dbt_project" / "dbt_project.yml").read_text())
    models = project["models"]["woonsignaal"]
    assert models["marts"]["signalen"]["signalen_historie"]["+full_refresh"] is False
    assert models["werklijsten"]["werklijst_historie"]["+full_refresh"] is False
