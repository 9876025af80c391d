"""Find personal data from a delivery anywhere the pipeline writes (DuckDB files and text files)."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import duckdb

from woonsignaal.contract import FILES, Pii

def delivered_personal_values(delivery: Path, min_length: int = 6) -> set[str]:
    """Every value of a dropped or hashed personal-data column in the delivery (long enough to be unique)."""
    values: set[str] = set()
    for f in FILES:
        personal = [c.name for c in f.columns if c.pii in (Pii.DROP, Pii.HASH)]
        if not personal:
            continue
        with (delivery / f.filename).open(encoding="utf-8-sig", newline="") as fh:
            for row in csv.DictReader(fh, delimiter=";"):
                row = {k.lower(): v for k, v in row.items()}
                for col in personal:
                    value = (row.get(col) or "").strip()
                    if col == "omschrijving":
                        # free text: look for its longest line, which carries the names in it
                        value = max(value.splitlines() or [""], key=len).strip()
                    if len(value) >= min_length:
                        values.add(value)
    return values


def _scan_connection(con: duckdb.DuckDBPyConnection, label: str, values: set[str]) -> list[str]:
    hits: list[str] = []
    con.execute("create or replace temp table pii(v varchar)")
    con.executemany("insert into pii values (?)", [(v,) for v in values])
    columns = con.execute(
        "select table_catalog, table_schema, table_name, column_name from information_schema.columns "
        "where data_type = 'VARCHAR' and table_schema <> 'temp' and table_catalog not in ('system', 'temp')"
    ).fetchall()
    for catalog, schema, table, column in columns:
        found = con.execute(
            f'select count(*) from "{catalog}"."{schema}"."{table}" t join pii on contains(t."{column}", pii.v)'
        ).fetchone()[0]
        if found:
            hits.append(f"{label}:{schema}.{table}.{column} ({found} values)")
    return hits


def scan_duckdb(path: Path, values: set[str]) -> list[str]:
    """Substring hits of ``values`` in every VARCHAR column of every table of a DuckDB file."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        return _scan_connection(con, path.name, values)
    finally:
        con.close()


def scan_parquet(path: Path, values: set[str]) -> list[str]:
    con = duckdb.connect()
    try:
        con.execute(f"create table parquet_data as select * from read_parquet('{path}')")
        return _scan_connection(con, path.name, values)
    finally:
        con.close()


def scan_tree(root: Path, values: set[str], exclude: tuple[Path, ...] = ()) -> list[str]:
    """Hits in every DuckDB file and every text file below ``root`` (except the excluded folders)."""
    pattern = re.compile("|".join(re.escape(v) for v in sorted(values, key=len, reverse=True)))
    hits: list[str] = []
    for path in sorted(root.rglob("*")):
        if not path.is_file() or path.is_symlink() or any(path.is_relative_to(e) for e in exclude):
            continue
        with path.open("rb") as fh:
            head = fh.read(16)
        if head[8:12] == b"DUCK":
            hits.extend(scan_duckdb(path, values))
        elif path.suffix == ".parquet":
            hits.extend(scan_parquet(path, values))
        else:
            # every other file (logs, JSON, HTML, the Airflow SQLite DB, DuckDB WAL files) as raw text
            text = path.read_bytes().decode("utf-8", errors="replace")
            if pattern.search(text):
                hits.append(f"{path.relative_to(root)}: contains delivered personal data")
    return hits
