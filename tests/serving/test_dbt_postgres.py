"""The dbt project, unchanged, on PostgreSQL: the same small simulated corporation is built on DuckDB and
on PostgreSQL (raw copied over by ``copy_raw_to_postgres``), and the marts are compared figure by figure.

The chain: ``simulate`` -> ``load_delivery`` per delivery -> ``run_dbt_build`` (duckdb) ->
``copy_raw_to_postgres`` -> ``run_dbt_build(target="postgres")``. Built once per module (about a minute).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import math
import os
import uuid
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

from woonsignaal.serving import PgSettings, copy_raw_to_postgres

pytestmark = pytest.mark.e2e

EENHEDEN = 300
JAREN = 1
DELTA_DAGEN = 1
SEED = 5

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
    from woonsignaal.settings import get_settings
    from woonsignaal.simulate import simulate
    from woonsignaal.transform import run_dbt_build

    # dbt's postgres target writes staging/intermediate/marts: its own database, apart from publication
    dbt_db = f"ws_dbt_{uuid.uuid4().hex[:8]}"
    admin = pg.connect(database="postgres")
    admin.autocommit = True
    admin.cursor().execute(f'create database "{dbt_db}"')
    pg_dbt = dataclasses.replace(pg, database=dbt_db, dbt_database=dbt_db)

    root = tmp_path_factory.mktemp("dbt_pg")
    env = {
        "WOONSIGNAAL_HOME": str(root / "home"),
        "WOONSIGNAAL_DEMO": "1",
        "WOONSIGNAAL_LANDING": str(root / "landing"),
        "WOONSIGNAAL_PG_HOST": pg.host,
        "WOONSIGNAAL_PG_PORT": str(pg.port),
        "WOONSIGNAAL_PG_USER": pg.user,
        "WOONSIGNAAL_PG_PASSWORD": pg.password,
        "WOONSIGNAAL_PG_DATABASE": dbt_db,
        "WOONSIGNAAL_PG_DBNAME": dbt_db,
    }
    saved = {k: os.environ.get(k) for k in [*env, "WOONSIGNAAL_PSEUDONIEM_SLEUTEL", "WOONSIGNAAL_DBT_TARGET"]}
    os.environ.update(env)
    os.environ.pop("WOONSIGNAAL_PSEUDONIEM_SLEUTEL", None)
    os.environ.pop("WOONSIGNAAL_DBT_TARGET", None)
    try:
        sim = simulate(root / "landing", eenheden=EENHEDEN, jaren=JAREN, delta_dagen=DELTA_DAGEN, seed=SEED,
                       ground_truth=root / "ground_truth.json")
        settings = get_settings()
        settings.ensure_dirs()
        for delivery in sim.deliveries:
            load_delivery(delivery, settings, gx=False)
        extractdatum = dt.date.fromisoformat(sim.deliveries[-1].name).isoformat()
        on_duckdb = run_dbt_build(settings, vars={"extractdatum": extractdatum}, generate_docs=False)
        raw_copy = copy_raw_to_postgres(settings, pg=pg_dbt)
        on_postgres = run_dbt_build(settings, vars={"extractdatum": extractdatum}, target="postgres",
                                    generate_docs=False)
        yield Builds(settings.warehouse_path, pg_dbt, on_duckdb, on_postgres, raw_copy)
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
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


def _descendants(manifest: dict, roots: set[str]) -> set[str]:
    out, todo = set(), list(roots)
    while todo:
        for child in manifest["child_map"].get(todo.pop(), []):
            if child not in out:
                out.add(child)
                todo.append(child)
    return out


def test_every_sql_model_test_and_contract_passes_on_postgres(builds):
    """The unchanged project on PostgreSQL: every SQL model, data test, unit test and enforced contract
    passes. The one thing that cannot run there is a dbt Python model (dbt-postgres runs SQL only):
    the signal engine `int_signalen_berekend`; it fails for exactly that reason and only its descendants
    (the signal marts and their tests) are skipped. See docs/serving.md, "Known gaps"."""
    result = builds.postgres_result
    manifest = json.loads((result.target_path / "manifest.json").read_text())
    python_models = {uid for uid, node in manifest["nodes"].items()
                     if node.get("resource_type") == "model" and node.get("language") == "python"}
    failed = {n.unique_id: n for n in result.failed if n.status != "skipped"}
    not_python = {uid: (n.message or "").strip() for uid, n in failed.items() if uid not in python_models}
    assert not_python == {}, "dbt build --target postgres:\n" + result.summary()
    for uid, node in failed.items():
        assert "only supports languages ['sql']" in (node.message or ""), (uid, node.message)
    allowed_skips = _descendants(manifest, set(failed))
    skipped = {n.unique_id for n in result.nodes if n.status == "skipped"}
    assert skipped <= allowed_skips, f"skipped for another reason: {sorted(skipped - allowed_skips)}"
    passed = [n for n in result.nodes if n.ok and n.status != "skipped"]
    assert sum(n.resource_type == "model" for n in passed) >= 30
    assert sum(n.resource_type in ("test", "unit_test") for n in passed) >= 150
    contracted = [uid for uid, node in manifest["nodes"].items()
                  if node.get("resource_type") == "model" and (node.get("contract") or {}).get("enforced")]
    built = {n.unique_id for n in passed}
    assert [uid for uid in contracted if uid not in built and uid not in allowed_skips] == []
    assert len([uid for uid in contracted if uid in built]) >= 10


def _fingerprint_duckdb(con, table: str) -> dict:
    cols = con.execute(
        "select column_name, data_type from information_schema.columns where table_schema = 'marts' "
        "and table_name = ? order by ordinal_position", [table]).fetchall()
    return _fingerprint(lambda q: con.execute(q).fetchone(), table, cols)


def _fingerprint_postgres(con, table: str) -> dict:
    cur = con.cursor()
    cur.execute("select column_name, upper(data_type) from information_schema.columns where table_schema = 'marts' "
                "and table_name = %s order by ordinal_position", [table])
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
        f"marts.{mart} was not built on PostgreSQL:\n{builds.postgres_result.summary()}")
    assert on_duckdb["rijen"] > 0, f"marts.{mart} is empty: the comparison would prove nothing"
    assert set(on_postgres) == set(on_duckdb), "the columns differ"
    for column, figures in on_duckdb.items():
        got = on_postgres[column]
        if isinstance(figures, tuple) and len(figures) == 2 and isinstance(figures[1], float):
            assert got[0] == figures[0], f"{mart}.{column}: non-null count"
            assert math.isclose(got[1], figures[1], rel_tol=1e-9, abs_tol=1e-6), f"{mart}.{column}: sum"
        else:
            assert got == figures, f"{mart}.{column}"
