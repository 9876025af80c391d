"""The dbt project, unchanged, on PostgreSQL: the same small simulated corporation is built on DuckDB and
on PostgreSQL (raw copied over by ``copy_raw_to_postgres``), and the marts are compared figure by figure,
the signals and werklijsten row by row.

The chain: ``simulate`` -> ``load_delivery`` per delivery -> ``build_warehouse`` (duckdb: ``dbt build
--selector marts``, the signal step writing source ``signalen_invoer``, ``dbt build --selector signalen``)
-> ``copy_raw_to_postgres`` -> ``build_warehouse(target="postgres")``, the same three parts there: the same
step writes the same source table in PostgreSQL. Built once per module (about 1.5 minutes).
The corporation has planted effects strong enough for a handful of signals at this size, so the signal
comparison compares rows, not two empty tables.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import math
import uuid
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest
from tests.demo_env import demo_environment

from woonsignaal.serving import PgSettings, copy_raw_to_postgres

pytestmark = pytest.mark.e2e

EENHEDEN = 1000
JAREN = 2
DELTA_DAGEN = 1
SEED = 5
#: Strong effects, so that 1,000 units and 2 years give signals in two processes (the standard scenario's
#: effects need about 5,000 units to be found).
SCENARIO = {
    "naam": "pg_vergelijking",
    "effecten": [
        {"proces": "verhuur", "segment": {"lift": "N"}, "indicator": "leegstandsduur", "factor": 8.0},
        {"proces": "verhuur", "segment": {"lift": "N"}, "indicator": "weigeringen_per_toewijzing", "factor": 6.0},
        {"proces": "incasso", "segment": {"betaalwijze": "OV"}, "indicator": "instroom_achterstand", "factor": 5.0},
        {"proces": "incasso", "segment": {"huurtoeslag": "N"}, "indicator": "instroom_achterstand", "factor": 3.0},
    ],
}
#: Compared row by row (schema, table, key columns): the signal step's source table (the same table on
#: both targets), the signals, what changed, and the werklijsten (werklijst_effect needs a previous month:
#: empty after one build, so not here).
ROW_COMPARED = (
    ("signalen_invoer", "signalen_berekend", ("signaal_id",)),
    ("intermediate", "int_signalen_berekend", ("signaal_id",)),
    ("marts", "signalen", ("signaal_id",)),
    ("marts", "signalen_status", ("signaal_sleutel",)),
    ("werklijsten", "werklijst", ("signaal_id", "object_soort", "object_id")),
    ("werklijsten", "werklijst_historie", ("extractdatum", "signaal_id", "object_soort", "object_id")),
)

#: The marts whose figures must agree between the two engines (a handful across the three processes).
#: (mart_overlast_kpi_maand is empty at this size: too few cases per group to publish.)
COMPARED_MARTS = (
    "dim_eenheid",
    "dim_huishouden",
    "fct_huurovereenkomst",
    "fct_leegstand",
    "fct_publicatie",
    "fct_aanbieding",
    "fct_zaak",
    "fct_contract_maand",
    "fct_achterstand_episode",
    "mart_verhuur_kpi_maand",
    "mart_incasso_kpi_maand",
)
NUMERIC = ("INT", "DECIMAL", "NUMERIC", "DOUBLE", "FLOAT", "REAL", "BIGINT", "SMALLINT", "HUGEINT")
TEMPORAL = ("DATE", "TIMESTAMP")


@dataclass
class Builds:
    warehouse: Path
    pg: PgSettings
    duckdb_result: object
    postgres_result: object
    raw_copy: dict


@pytest.fixture(scope="module")
def builds(pg_server, pg, tmp_path_factory) -> Builds:
    from woonsignaal.ingest import load_delivery
    from woonsignaal.pipeline import build_warehouse
    from woonsignaal.settings import get_settings
    from woonsignaal.simulate import simulate

    # dbt's postgres target writes staging/intermediate/marts: its own database, apart from publication
    dbt_db = f"ws_dbt_{uuid.uuid4().hex[:8]}"
    admin = pg.connect(database="postgres")
    admin.autocommit = True
    admin.cursor().execute(f'create database "{dbt_db}"')
    pg_dbt = dataclasses.replace(pg, database=dbt_db, dbt_database=dbt_db)

    root = tmp_path_factory.mktemp("dbt_pg")
    env = {
        "WOONSIGNAAL_PG_HOST": pg.host,
        "WOONSIGNAAL_PG_PORT": str(pg.port),
        "WOONSIGNAAL_PG_USER": pg.user,
        "WOONSIGNAAL_PG_PASSWORD": pg.password,
        "WOONSIGNAAL_PG_DATABASE": dbt_db,
        "WOONSIGNAAL_PG_DBNAME": dbt_db,
    }
    try:
        with pytest.MonkeyPatch.context() as mp:
            demo_environment(mp, root / "home", root / "landing")
            for k, v in env.items():
                mp.setenv(k, v)
            mp.delenv("WOONSIGNAAL_DBT_TARGET", raising=False)
            scenario = root / "scenario.json"
            scenario.write_text(json.dumps(SCENARIO))
            sim = simulate(
                root / "landing",
                eenheden=EENHEDEN,
                jaren=JAREN,
                delta_dagen=DELTA_DAGEN,
                seed=SEED,
                scenario=str(scenario),
                ground_truth=root / "ground_truth.json",
            )
            settings = get_settings()
            settings.ensure_dirs()
            for delivery in sim.deliveries:
                load_delivery(delivery, settings, gx=False)
            extractdatum = dt.date.fromisoformat(sim.deliveries[-1].name)
            on_duckdb = build_warehouse(settings, extractdatum)
            raw_copy = copy_raw_to_postgres(settings, pg=pg_dbt)
            on_postgres = build_warehouse(settings, extractdatum, target="postgres")
            yield Builds(settings.warehouse_path, pg_dbt, on_duckdb, on_postgres, raw_copy)
    finally:
        admin.cursor().execute(f'drop database if exists "{dbt_db}" with (force)')
        admin.close()


def test_raw_arrives_in_postgres_complete(builds):
    con = duckdb.connect(str(builds.warehouse), read_only=True)
    try:
        tables = con.execute("select table_name from information_schema.tables where table_schema = 'raw'").fetchall()
        expected = {t: con.execute(f"select count(*) from raw.{t}").fetchone()[0] for (t,) in tables}
    finally:
        con.close()
    assert builds.raw_copy["tabellen"] == expected
    assert expected["eenheden"] >= EENHEDEN


def test_the_project_builds_on_duckdb(builds):
    assert builds.duckdb_result.success, builds.duckdb_result.summary()


def test_every_model_test_and_contract_passes_on_postgres(builds):
    """The whole project on PostgreSQL, signals and werklijsten included: every model (the signal step runs
    between the two dbt builds, as on DuckDB), data test, unit test and enforced contract passes, and the
    build ran exactly the nodes the DuckDB build ran, each once."""
    result = builds.postgres_result
    assert result.success, "dbt build --target postgres:\n" + result.summary()
    assert result.failed == [], result.summary()
    assert {n.unique_id for n in result.nodes if n.status == "skipped"} == set()
    on_duckdb = {n.unique_id for n in builds.duckdb_result.nodes}
    on_postgres = {n.unique_id for n in result.nodes}
    assert len(on_postgres) == len(result.nodes), "a node ran twice"
    assert on_duckdb == on_postgres
    assert "test.woonsignaal.assert_signalen_invoer_van_deze_nacht" in on_postgres
    passed = [n for n in result.nodes if n.ok]
    assert sum(n.resource_type == "model" for n in passed) >= 40
    assert sum(n.resource_type in ("test", "unit_test") for n in passed) >= 250
    manifest = json.loads((result.target_path / "manifest.json").read_text())
    contracted = {
        uid
        for uid, node in manifest["nodes"].items()
        if node.get("resource_type") == "model" and (node.get("contract") or {}).get("enforced")
    }
    assert {"model.woonsignaal.signalen", "model.woonsignaal.signalen_status"} <= contracted
    assert contracted <= {n.unique_id for n in passed}


def _value(v):
    """A value both engines give alike: numbers to 9 significant digits, dates as ISO text."""
    if v is None or isinstance(v, (bool, str)):
        return v
    if isinstance(v, (int, float)) or type(v).__name__ == "Decimal":
        f = float(v)
        return "nan" if math.isnan(f) else float(f"{f:.9g}")
    if isinstance(v, (dt.date, dt.datetime)):
        return v.isoformat()
    return str(v)


def _rows(fetch, schema: str, table: str, key) -> tuple[list[str], dict]:
    columns, rows = fetch(f'select * from "{schema}"."{table}"')
    idx = [columns.index(k) for k in key]
    out = {}
    for row in rows:
        k = tuple(_value(row[i]) for i in idx)
        assert k not in out, f"{schema}.{table}: key {k} twice"
        out[k] = tuple(_value(v) for v in row)
    return columns, out


@pytest.mark.parametrize(("schema", "table", "key"), ROW_COMPARED, ids=[t for _, t, _ in ROW_COMPARED])
def test_signals_and_werklijsten_agree_row_by_row(builds, schema, table, key):
    con = duckdb.connect(str(builds.warehouse), read_only=True)
    try:

        def fetch_duckdb(q):
            cur = con.execute(q)
            return [d[0] for d in cur.description], cur.fetchall()

        dcols, on_duckdb = _rows(fetch_duckdb, schema, table, key)
    finally:
        con.close()
    pgcon = builds.pg.connect()
    try:
        cur = pgcon.cursor()

        def fetch_postgres(q):
            cur.execute(q)
            return [d[0] for d in cur.description], cur.fetchall()

        pcols, on_postgres = _rows(fetch_postgres, schema, table, key)
    finally:
        pgcon.close()
    assert pcols == dcols, f"{schema}.{table}: columns"
    assert len(on_duckdb) > 0, f"{schema}.{table} is empty on DuckDB: the comparison would prove nothing"
    assert set(on_postgres) == set(on_duckdb), f"{schema}.{table}: keys"
    for k, row in on_duckdb.items():
        assert on_postgres[k] == row, f"{schema}.{table} {k}"


def test_signals_cover_two_processes(builds):
    con = duckdb.connect(str(builds.warehouse), read_only=True)
    try:
        processes = {p for (p,) in con.execute("select distinct proces from marts.signalen").fetchall()}
    finally:
        con.close()
    assert len(processes) >= 2, processes


def _fingerprint_duckdb(con, table: str) -> dict:
    cols = con.execute(
        "select column_name, data_type from information_schema.columns where table_schema = 'marts' "
        "and table_name = ? order by ordinal_position",
        [table],
    ).fetchall()
    return _fingerprint(lambda q: con.execute(q).fetchone(), table, cols)


def _fingerprint_postgres(con, table: str) -> dict:
    cur = con.cursor()
    cur.execute(
        "select column_name, upper(data_type) from information_schema.columns where table_schema = 'marts' "
        "and table_name = %s order by ordinal_position",
        [table],
    )
    cols = cur.fetchall()

    def one(q):
        cur.execute(q)
        return cur.fetchone()

    return _fingerprint(one, table, cols)


def _fingerprint(one, table: str, cols) -> dict:
    """Row count, and per column: non-null count plus sum (numbers), min/max (dates), distinct count (rest)."""
    if not cols:
        return {"ontbreekt": True}
    out = {"rijen": one(f"select count(*) from marts.{table}")[0]}
    for name, type_ in cols:
        q = f'"{name}"'
        t = type_.upper()
        if any(k in t for k in TEMPORAL):
            out[name] = tuple(str(v) for v in one(f"select count({q}), min({q}), max({q}) from marts.{table}"))
        elif any(k in t for k in NUMERIC):
            n, s = one(f"select count({q}), sum(cast({q} as double precision)) from marts.{table}")
            out[name] = (n, None if s is None else float(s))
        else:
            out[name] = tuple(one(f"select count({q}), count(distinct cast({q} as varchar)) from marts.{table}"))
    return out


@pytest.mark.parametrize("mart", COMPARED_MARTS)
def test_mart_figures_agree_between_duckdb_and_postgres(builds, mart):
    con = duckdb.connect(str(builds.warehouse), read_only=True)
    try:
        on_duckdb = _fingerprint_duckdb(con, mart)
    finally:
        con.close()
    pgcon = builds.pg.connect()
    try:
        on_postgres = _fingerprint_postgres(pgcon, mart)
    finally:
        pgcon.close()
    assert "ontbreekt" not in on_duckdb, f"marts.{mart} is missing on DuckDB"
    assert "ontbreekt" not in on_postgres, (
        f"marts.{mart} was not built on PostgreSQL:\n{builds.postgres_result.summary()}"
    )
    assert on_duckdb["rijen"] > 0, f"marts.{mart} is empty: the comparison would prove nothing"
    assert set(on_postgres) == set(on_duckdb), "the columns differ"
    for column, figures in on_duckdb.items():
        got = on_postgres[column]
        if isinstance(figures, tuple) and len(figures) == 2 and isinstance(figures[1], float):
            assert got[0] == figures[0], f"{mart}.{column}: non-null count"
            assert math.isclose(got[1], figures[1], rel_tol=1e-9, abs_tol=1e-6), f"{mart}.{column}: sum"
        else:
            assert got == figures, f"{mart}.{column}"


def test_the_signal_step_writes_the_same_run_row_on_both_targets(builds):
    """One source table for every target: the run row names the same night (delivery, periode, minimum
    group size, number of signals) on DuckDB and PostgreSQL."""
    columns = "extractdatum, run_id, periode_eind, minimum_group_size, signalen"
    con = duckdb.connect(str(builds.warehouse), read_only=True)
    try:
        on_duckdb = con.execute(f"select {columns} from signalen_invoer.signalen_berekend_run").fetchall()
    finally:
        con.close()
    pgcon = builds.pg.connect()
    try:
        cur = pgcon.cursor()
        cur.execute(f"select {columns} from signalen_invoer.signalen_berekend_run")
        on_postgres = cur.fetchall()
    finally:
        pgcon.close()
    assert len(on_duckdb) == 1 and on_duckdb == on_postgres
    assert on_duckdb[0][4] > 0
