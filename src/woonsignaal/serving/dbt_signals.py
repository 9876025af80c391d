"""The signal step of a dbt build on PostgreSQL.

dbt-postgres runs SQL models only, so on PostgreSQL the statistics engine cannot run as the dbt Python
model ``int_signalen_berekend`` (DuckDB). ``woonsignaal.transform.run_dbt_build`` then builds the project
in two invocations with this step between them:

1. ``dbt build --exclude int_signalen_berekend+``: everything upstream, the fact marts included;
2. :func:`compute_signals_in_postgres`: reads the fact marts from PostgreSQL exactly as the Python model
   reads them on DuckDB (:mod:`woonsignaal.signals.facts`: the same marts, months, columns), runs
   :func:`woonsignaal.signals.engine.compute_signals`, and writes the result into the dbt source
   ``signalen_invoer.signalen_berekend`` (with a one-row ``signalen_berekend_run`` saying for which
   extract date, periode and minimum group size);
3. ``dbt build --select int_signalen_berekend+``: the SQL model ``int_signalen_berekend`` selects that
   table, then signalen, signalen_historie, signalen_status and the werklijsten build on it.

Fact marts are read with ``COPY (select ...) TO STDOUT`` as CSV and parsed by DuckDB with the
PostgreSQL columns' types, so the engine gets the same pandas frames (``relation.df()``) as on DuckDB.
Relation names come from the manifest the first invocation wrote; the connection from the target's
output in ``dbt_project/profiles.yml``.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
import time
from pathlib import Path
from typing import Any

import duckdb
import yaml

log = logging.getLogger(__name__)

#: The dbt source the signal step writes (``_signalen__sources.yml``).
SOURCE = "signalen_invoer"
TABLE = "signalen_berekend"
RUN_TABLE = "signalen_berekend_run"


def dbt_target_output(project_dir: Path, target: str) -> dict[str, Any]:
    """The ``target`` output of the project's ``profiles.yml``, rendered as dbt renders it
    (``env_var`` with its default, ``as_number``)."""
    import jinja2

    profiles = yaml.safe_load((Path(project_dir) / "profiles.yml").read_text())
    (profile,) = profiles.values()
    outputs = profile["outputs"]
    if target not in outputs:
        raise ValueError(f"profiles.yml has no output {target!r} (has {sorted(outputs)})")
    env = jinja2.Environment()

    def env_var(name: str, default: str | None = None) -> str:
        if name in os.environ:
            return os.environ[name]
        if default is None:
            raise ValueError(f"profiles.yml: env_var {name!r} is not set and has no default")
        return default

    env.filters["as_number"] = lambda v: int(v) if str(v).strip().lstrip("-").isdigit() else float(v)
    env.globals["env_var"] = env_var
    out = {}
    for key, value in outputs[target].items():
        out[key] = env.from_string(value).render() if isinstance(value, str) else value
    return out


def dbt_target_type(project_dir: Path, target: str) -> str:
    """The adapter type (``duckdb``, ``postgres``, ...) of ``target`` in ``profiles.yml``."""
    return str(dbt_target_output(project_dir, target)["type"])


def _connect(output: dict[str, Any]):
    import psycopg2

    return psycopg2.connect(
        host=output.get("host"),
        port=int(output.get("port") or 5432),
        user=output.get("user"),
        password=output.get("password") or output.get("pass") or "",
        dbname=output.get("dbname") or output.get("database"),
        connect_timeout=10,
        application_name="woonsignaal-signalen",
    )


def _node(manifest: dict, kind: str, *names: str) -> dict:
    uid = ".".join((kind, manifest["metadata"].get("project_name") or "woonsignaal", *names))
    node = (manifest["sources"] if kind == "source" else manifest["nodes"]).get(uid)
    if node is None:
        raise RuntimeError(f"{uid} is not in the manifest: is it enabled on this target?")
    return node


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


def _read_fact(cur, duck: duckdb.DuckDBPyConnection, schema: str, table: str, fact, folder: Path):
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
        raise RuntimeError(f"{schema}.{table} does not exist: build the fact marts first")
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
    types = {c: available[c] for c in columns}
    rel = duck.read_csv(
        str(path),
        header=True,
        columns=types,
        auto_detect=False,
        quotechar='"',
        escapechar='"',
        allow_quoted_nulls=False,
        sep=",",
    )
    return rel.df()


def compute_signals_in_postgres(
    settings: Any = None, vars: dict | None = None, target: str = "postgres", manifest_path: Path | None = None
) -> dict[str, Any]:
    """Run the signal engine over the fact marts of dbt's ``target`` database and write its result to
    ``signalen_invoer.signalen_berekend`` (replaced in one transaction). Returns a summary."""
    from psycopg2 import sql
    from psycopg2.extras import execute_values

    from woonsignaal.serving.postgres import pg_column
    from woonsignaal.settings import get_settings
    from woonsignaal.signals.engine import periode_eind_for
    from woonsignaal.signals.facts import (
        OUTPUT_TYPES,
        extractdatum_from,
        minimum_from,
        read_facts,
        signals_for,
        typed_signals,
    )

    started = time.perf_counter()
    settings = settings or get_settings()
    all_vars = {"minimum_group_size": settings.minimum_group_size, **(vars or {})}
    manifest_path = manifest_path or settings.dbt_dir / "target" / "manifest.json"
    manifest = json.loads(Path(manifest_path).read_text())
    output = dbt_target_output(settings.dbt_project_dir, target)
    leveringen = _node(manifest, "source", "raw", "leveringen")
    out_node = _node(manifest, "source", SOURCE, TABLE)
    out_schema = out_node["schema"]

    con = _connect(output)
    duck = duckdb.connect()
    try:
        cur = con.cursor()

        def latest_delivery():
            cur.execute(
                sql.SQL("select max(extractdatum) from {}.{}").format(
                    sql.Identifier(leveringen["schema"]), sql.Identifier(leveringen["identifier"])
                )
            )
            return cur.fetchone()[0]

        extractdatum = extractdatum_from(all_vars.get("extractdatum"), latest_delivery)
        minimum = minimum_from(all_vars.get("minimum_group_size"))
        periode_eind = periode_eind_for(extractdatum)
        with tempfile.TemporaryDirectory(prefix="woonsignaal-signalen-") as tmp:

            def read(fact):
                node = _node(manifest, "model", fact.mart)
                return _read_fact(cur, duck, node["schema"], node.get("alias") or node["name"], fact, Path(tmp))

            facts = read_facts(periode_eind, read)
        read_seconds = time.perf_counter() - started
        rows = typed_signals(duck, signals_for(facts, extractdatum, minimum)).fetchall()

        columns = sql.SQL(", ").join(
            sql.SQL("{} {}").format(sql.Identifier(c), sql.SQL(pg_column(c, t)[0])) for c, t in OUTPUT_TYPES.items()
        )
        table = sql.Identifier(out_schema, TABLE)
        run_table = sql.Identifier(out_schema, RUN_TABLE)
        cur.execute(sql.SQL("create schema if not exists {}").format(sql.Identifier(out_schema)))
        cur.execute(sql.SQL("drop table if exists {}").format(table))
        cur.execute(sql.SQL("create table {} ({})").format(table, columns))
        if rows:
            execute_values(cur, sql.SQL("insert into {} values %s").format(table).as_string(con), rows)
        cur.execute(sql.SQL("drop table if exists {}").format(run_table))
        cur.execute(
            sql.SQL(
                "create table {} (extractdatum date, periode_eind date, minimum_group_size integer, "
                "signalen integer, berekend_op timestamptz)"
            ).format(run_table)
        )
        cur.execute(
            sql.SQL("insert into {} values (%s, %s, %s, %s, now())").format(run_table),
            [extractdatum, periode_eind, minimum, len(rows)],
        )
        con.commit()
    except Exception:
        con.rollback()
        raise
    finally:
        con.close()
        duck.close()
    info = {
        "extractdatum": extractdatum.isoformat(),
        "periode_eind": periode_eind.isoformat(),
        "minimum_group_size": minimum,
        "feiten": {k: len(v) for k, v in facts.items()},
        "signalen": len(rows),
        "tabel": f"{out_schema}.{TABLE}",
        "seconden_lezen": round(read_seconds, 3),
        "seconden_totaal": round(time.perf_counter() - started, 3),
    }
    log.info("signalen op %s: %s", target, info)
    return info


__all__ = ["compute_signals_in_postgres", "dbt_target_output", "dbt_target_type"]
