"""The signal step (task ``bereken_signalen``): the statistics engine over the fact marts, its output into
the dbt source ``signalen_invoer``.

The nightly build runs in three steps (``woonsignaal.pipeline``), the same on every dbt target:

1. ``dbt_build_marts``: ``dbt build --selector marts``, everything the engine reads (the fact marts) and
   everything that does not depend on its output;
2. ``bereken_signalen`` (:func:`compute_and_store`): reads the fact marts from the target's warehouse (the
   working DuckDB file, or dbt's PostgreSQL database) as :mod:`woonsignaal.signals.facts` says (which
   marts, months, columns), runs :func:`woonsignaal.signals.engine.compute_signals`, and replaces, in one
   transaction, ``signalen_invoer.signalen_berekend`` (the engine's output, typed as
   ``facts.OUTPUT_TYPES``) and ``signalen_invoer.signalen_berekend_run`` (one row: which delivery, run,
   periode and minimum group size);
3. ``dbt_build_signalen``: ``dbt build --selector signalen``, the source and everything downstream. Its
   test ``assert_signalen_invoer_van_deze_nacht`` refuses a run row of another night (another extract
   date or periode, another minimum group size, or a delivery loaded again since), and the step itself
   refuses one written by another run (:func:`run_problem`), as the audit does with ``publicatie.bouw``.

Re-running the step replaces that night's output: the tables only ever hold one night.
On PostgreSQL the fact marts are read with ``COPY (select ...) TO STDOUT`` as CSV and parsed by DuckDB with
the PostgreSQL columns' types, so the engine gets the same pandas frames as from DuckDB. Relation names
come from the manifest ``dbt_build_marts`` wrote; the connection from the target's output in
``dbt_project/profiles.yml`` (:func:`woonsignaal.transform.dbt_target_output`).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from woonsignaal.settings import Settings

log = logging.getLogger(__name__)

#: The dbt source the step writes (``dbt_project/models/staging/signalen_invoer/``): schema and tables.
SOURCE = "signalen_invoer"
TABLE = "signalen_berekend"
RUN_TABLE = "signalen_berekend_run"
#: The run row's columns and their (DuckDB) types.
RUN_TYPES: dict[str, str] = {
    "extractdatum": "DATE",
    "levering_geladen_op": "TIMESTAMP",
    "run_id": "VARCHAR",
    "periode_eind": "DATE",
    "minimum_group_size": "INTEGER",
    "signalen": "INTEGER",
    "berekend_op": "TIMESTAMP WITH TIME ZONE",
}


@dataclass(frozen=True)
class SignalRun:
    """The run row of the engine's output: for which night, by which run."""

    extractdatum: dt.date
    levering_geladen_op: dt.datetime | None
    run_id: str
    periode_eind: dt.date
    minimum_group_size: int
    signalen: int


def run_problem(run: SignalRun | None, extractdatum: dt.date, run_id: str) -> str | None:
    """Why the engine's output with this run row may not be built into the signals of ``extractdatum``
    by ``run_id`` (None: it may). The dbt test ``assert_signalen_invoer_van_deze_nacht`` checks the rest."""
    if run is None:
        return (
            f"er zijn geen berekende signalen ({SOURCE}.{RUN_TABLE} ontbreekt of is leeg): "
            f"de stap bereken_signalen van deze nacht is niet gedraaid"
        )
    if run.extractdatum != extractdatum:
        return (
            f"de berekende signalen zijn van levering {run.extractdatum}, niet van levering {extractdatum}: "
            f"draai bereken_signalen voor deze nacht opnieuw"
        )
    if run.run_id != run_id:
        return (
            f"de berekende signalen zijn van run {run.run_id}, niet van deze run {run_id}: "
            f"een andere run heeft ze intussen berekend"
        )
    return None


# --- the step -------------------------------------------------------------------------------------


def compute_and_store(
    settings: Settings, extractdatum: dt.date, run_id: str, target: str | None = None
) -> dict[str, Any]:
    """Compute the signals of ``extractdatum`` from the fact marts of dbt's ``target`` (default
    ``settings.dbt_target``) and replace the source ``signalen_invoer`` with them, in one transaction.
    Returns a summary (JSON-able). Call with the writer lock held."""
    from woonsignaal.transform import dbt_target_type

    started = time.perf_counter()
    minimum = settings.minimum_group_size
    if dbt_target_type(settings, target) == "duckdb":
        info = _compute_duckdb(settings, extractdatum, run_id, minimum)
    else:
        info = _compute_postgres(settings, extractdatum, run_id, minimum, target)
    info["seconden"] = round(time.perf_counter() - started, 3)
    log.info("signal step for %s: %s", extractdatum, info)
    return info


def read_run(settings: Settings, target: str | None = None) -> SignalRun | None:
    """The run row of the engine's output in dbt's ``target``, None when there is none (or not one)."""
    from woonsignaal.transform import dbt_target_type

    if dbt_target_type(settings, target) == "duckdb":
        con = duckdb.connect(str(settings.warehouse_path), read_only=True)
        try:
            if not _duckdb_table_exists(con, SOURCE, RUN_TABLE):
                return None
            rows = con.execute(f"select {', '.join(RUN_TYPES)} from {SOURCE}.{RUN_TABLE}").fetchall()
        finally:
            con.close()
    else:
        from psycopg2 import sql

        con = _pg_connect(settings, target)
        try:
            cur = con.cursor()
            cur.execute("select to_regclass(%s)", [f"{SOURCE}.{RUN_TABLE}"])
            if cur.fetchone()[0] is None:
                return None
            cur.execute(
                sql.SQL("select {} from {}").format(
                    sql.SQL(", ").join(sql.Identifier(c) for c in RUN_TYPES), sql.Identifier(SOURCE, RUN_TABLE)
                )
            )
            rows = cur.fetchall()
        finally:
            con.close()
    if len(rows) != 1:
        return None
    e, geladen, rid, periode, minimum, signalen, _ = rows[0]
    return SignalRun(e, geladen, rid, periode, int(minimum), int(signalen))


def _summary(run: SignalRun, facts: dict) -> dict[str, Any]:
    return {
        "extractdatum": run.extractdatum.isoformat(),
        "periode_eind": run.periode_eind.isoformat(),
        "minimum_group_size": run.minimum_group_size,
        "feiten": {k: len(v) for k, v in facts.items()},
        "signalen": run.signalen,
        "tabel": f"{SOURCE}.{TABLE}",
    }


# --- DuckDB ---------------------------------------------------------------------------------------


def _duckdb_table_exists(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> bool:
    return bool(
        con.execute(
            "select count(*) from information_schema.tables where table_schema = ? and table_name = ?",
            [schema, table],
        ).fetchone()[0]
    )


def _compute_duckdb(settings: Settings, extractdatum: dt.date, run_id: str, minimum: int) -> dict[str, Any]:
    from woonsignaal.signals.engine import periode_eind_for
    from woonsignaal.signals.facts import FACT_MARTS, OUTPUT_TYPES, read_facts_duckdb, signals_for, typed_signals

    periode_eind = periode_eind_for(extractdatum)
    manifest = _manifest(settings)
    con = duckdb.connect(str(settings.warehouse_path))
    try:
        relations = {m: con.sql(f"select * from {_relation(manifest, m)}") for m in FACT_MARTS}
        facts = read_facts_duckdb(relations, periode_eind)
        del relations
        geladen = _geladen_op_duckdb(con, manifest, extractdatum)
        signals = typed_signals(con, signals_for(facts, extractdatum, minimum))
        run = SignalRun(extractdatum, geladen, run_id, periode_eind, minimum, 0)
        con.execute("begin transaction")
        try:
            con.execute(f"create schema if not exists {SOURCE}")
            columns = ", ".join(f'"{c}" {t}' for c, t in OUTPUT_TYPES.items())
            con.execute(f"create or replace table {SOURCE}.{TABLE} ({columns})")
            signals.insert_into(f"{SOURCE}.{TABLE}")
            count = con.execute(f"select count(*) from {SOURCE}.{TABLE}").fetchone()[0]
            run = SignalRun(extractdatum, geladen, run_id, periode_eind, minimum, int(count))
            run_columns = ", ".join(f'"{c}" {t}' for c, t in RUN_TYPES.items())
            con.execute(f"create or replace table {SOURCE}.{RUN_TABLE} ({run_columns})")
            con.execute(
                f"insert into {SOURCE}.{RUN_TABLE} values (?, ?, ?, ?, ?, ?, now())",
                [run.extractdatum, run.levering_geladen_op, run.run_id, run.periode_eind, minimum, run.signalen],
            )
            con.execute("commit")
        except BaseException:
            con.execute("rollback")
            raise
    finally:
        con.close()
    return _summary(run, facts)


def _geladen_op_duckdb(con: duckdb.DuckDBPyConnection, manifest: dict, extractdatum: dt.date) -> dt.datetime | None:
    leveringen = _node(manifest, "source", "raw", "leveringen")
    rows = con.execute(
        f'select geladen_op from "{leveringen["schema"]}"."{leveringen["identifier"]}" where extractdatum = ?',
        [extractdatum],
    ).fetchall()
    return rows[0][0] if rows else None


# --- PostgreSQL -----------------------------------------------------------------------------------


def _pg_connect(settings: Settings, target: str | None):
    import psycopg2

    from woonsignaal.transform import dbt_target_output

    output = dbt_target_output(settings, target)
    return psycopg2.connect(
        host=output.get("host"),
        port=int(output.get("port") or 5432),
        user=output.get("user"),
        password=output.get("password") or output.get("pass") or "",
        dbname=output.get("dbname") or output.get("database"),
        connect_timeout=10,
        application_name="woonsignaal-signalen",
    )


def _duck_type(data_type: str, precision: int | None, scale: int | None) -> str:
    """DuckDB type for a PostgreSQL column type (information_schema.columns.data_type)."""
    t = data_type.lower()
    simple = {
        "smallint": "SMALLINT",
        "integer": "INTEGER",
        "bigint": "BIGINT",
        "real": "FLOAT",
        "double precision": "DOUBLE",
        "boolean": "BOOLEAN",
        "date": "DATE",
        "timestamp without time zone": "TIMESTAMP",
        "timestamp with time zone": "TIMESTAMPTZ",
    }
    if t in simple:
        return simple[t]
    if t == "numeric":
        if precision is not None and precision <= 38:
            return f"DECIMAL({precision},{scale or 0})"
        return "DOUBLE"
    return "VARCHAR"


def _read_fact_postgres(cur, duck: duckdb.DuckDBPyConnection, schema: str, table: str, fact, folder: Path):
    """One fact mart as DuckDB's ``relation.df()`` gives it, rows and columns as ``fact`` (a FactRead) says."""
    import pandas as pd
    from psycopg2 import sql

    cur.execute(
        "select column_name, data_type, numeric_precision, numeric_scale from information_schema.columns "
        "where table_schema = %s and table_name = %s order by ordinal_position",
        [schema, table],
    )
    available = {name: _duck_type(t, p, s) for name, t, p, s in cur.fetchall()}
    if not available:
        raise RuntimeError(f"{schema}.{table} does not exist: build the fact marts first (dbt_build_marts)")
    columns = fact.select_columns(list(available))
    query = sql.SQL("select {} from {}.{}").format(
        sql.SQL(", ").join(sql.Identifier(c) for c in columns), sql.Identifier(schema), sql.Identifier(table)
    )
    if fact.where:
        query = sql.SQL("{} where {}").format(query, sql.SQL(fact.where))
    path = folder / f"{table}.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        cur.copy_expert(sql.SQL("copy ({}) to stdout with (format csv, header true)").format(query), fh)
    if not columns:
        return pd.DataFrame()
    rel = duck.read_csv(
        str(path),
        header=True,
        columns={c: available[c] for c in columns},
        auto_detect=False,
        quotechar='"',
        escapechar='"',
        allow_quoted_nulls=False,
        sep=",",
    )
    return rel.df()


def _compute_postgres(
    settings: Settings, extractdatum: dt.date, run_id: str, minimum: int, target: str | None
) -> dict[str, Any]:
    from psycopg2 import sql
    from psycopg2.extras import execute_values

    from woonsignaal.serving.postgres import pg_column
    from woonsignaal.signals.engine import periode_eind_for
    from woonsignaal.signals.facts import OUTPUT_TYPES, read_facts, signals_for, typed_signals

    periode_eind = periode_eind_for(extractdatum)
    manifest = _manifest(settings)
    leveringen = _node(manifest, "source", "raw", "leveringen")
    con = _pg_connect(settings, target)
    duck = duckdb.connect()
    try:
        cur = con.cursor()
        with tempfile.TemporaryDirectory(prefix="woonsignaal-signalen-") as tmp:

            def read(fact):
                node = _node(manifest, "model", fact.mart)
                return _read_fact_postgres(
                    cur, duck, node["schema"], node.get("alias") or node["name"], fact, Path(tmp)
                )

            facts = read_facts(periode_eind, read)
        cur.execute(
            sql.SQL("select geladen_op from {} where extractdatum = %s").format(
                sql.Identifier(leveringen["schema"], leveringen["identifier"])
            ),
            [extractdatum],
        )
        found = cur.fetchall()
        geladen = found[0][0] if found else None
        rows = typed_signals(duck, signals_for(facts, extractdatum, minimum)).fetchall()
        run = SignalRun(extractdatum, geladen, run_id, periode_eind, minimum, len(rows))

        def columns(types: dict[str, str]):
            return sql.SQL(", ").join(
                sql.SQL("{} {}").format(sql.Identifier(c), sql.SQL(pg_column(c, t)[0])) for c, t in types.items()
            )

        table, run_table = sql.Identifier(SOURCE, TABLE), sql.Identifier(SOURCE, RUN_TABLE)
        cur.execute(sql.SQL("create schema if not exists {}").format(sql.Identifier(SOURCE)))
        cur.execute(sql.SQL("drop table if exists {}").format(table))
        cur.execute(sql.SQL("create table {} ({})").format(table, columns(OUTPUT_TYPES)))
        if rows:
            execute_values(cur, sql.SQL("insert into {} values %s").format(table).as_string(con), rows)
        cur.execute(sql.SQL("drop table if exists {}").format(run_table))
        cur.execute(sql.SQL("create table {} ({})").format(run_table, columns(RUN_TYPES)))
        cur.execute(
            sql.SQL("insert into {} values (%s, %s, %s, %s, %s, %s, now())").format(run_table),
            [run.extractdatum, run.levering_geladen_op, run.run_id, run.periode_eind, minimum, run.signalen],
        )
        con.commit()
    except BaseException:
        con.rollback()
        raise
    finally:
        con.close()
        duck.close()
    return _summary(run, facts)


# --- the manifest ---------------------------------------------------------------------------------


def _manifest(settings: Settings) -> dict:
    """The manifest of the last dbt invocation (``dbt_build_marts`` wrote it): the relation names."""
    path = settings.dbt_dir / "target" / "manifest.json"
    if not path.exists():
        raise RuntimeError(f"{path} does not exist: build the marts first (dbt_build_marts)")
    return json.loads(path.read_text())


def _node(manifest: dict, kind: str, *names: str) -> dict:
    uid = ".".join((kind, manifest["metadata"].get("project_name") or "woonsignaal", *names))
    node = (manifest["sources"] if kind == "source" else manifest["nodes"]).get(uid)
    if node is None:
        raise RuntimeError(f"{uid} is not in the manifest: is it enabled on this target?")
    return node


def _relation(manifest: dict, model: str) -> str:
    node = _node(manifest, "model", model)
    return f'"{node["schema"]}"."{node.get("alias") or node["name"]}"'
