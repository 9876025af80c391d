"""Helpers of the serving tests."""

from __future__ import annotations

from pathlib import Path

import duckdb


def make_candidate(path: Path, tables: dict[str, str]) -> Path:
    """A candidate DuckDB file with schema marts holding ``{name: select ...}``."""
    path.unlink(missing_ok=True)
    con = duckdb.connect(str(path))
    try:
        con.execute("create schema marts")
        for name, select in tables.items():
            con.execute(f'create table marts."{name}" as {select}')
    finally:
        con.close()
    return path


def schemas(con) -> set[str]:
    cur = con.cursor()
    cur.execute("select nspname from pg_namespace where nspname not like 'pg\\_%' and nspname <> 'information_schema'")
    return {r[0] for r in cur.fetchall()}
