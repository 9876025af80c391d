"""Find personal data from a delivery anywhere the pipeline writes (DuckDB files and text files)."""

from __future__ import annotations

import csv
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


class Matcher:
    """Aho-Corasick over every personal value: finds any of thousands of values in MBs in one pass."""

    def __init__(self, values: set[str]):
        import ahocorasick

        self._automaton = ahocorasick.Automaton()
        for value in values:
            self._automaton.add_word(value, value)
        self._automaton.make_automaton()

    def first(self, text: str) -> str | None:
        for _, value in self._automaton.iter(text):
            return value
        return None


def _scan_connection(con: duckdb.DuckDBPyConnection, label: str, matcher: Matcher) -> list[str]:
    hits: list[str] = []
    columns = con.execute(
        "select table_catalog, table_schema, table_name, column_name from information_schema.columns "
        "where data_type = 'VARCHAR' and table_catalog not in ('system', 'temp')"
    ).fetchall()
    for catalog, schema, table, column in columns:
        values = con.execute(
            f'select string_agg(distinct "{column}", chr(10)) from "{catalog}"."{schema}"."{table}"'
        ).fetchone()[0]
        if values and matcher.first(values):
            hits.append(f"{label}:{schema}.{table}.{column}")
    return hits


def scan_duckdb(path: Path, matcher: Matcher) -> list[str]:
    """Personal values in any VARCHAR column of any table or view of a DuckDB file."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        return _scan_connection(con, path.name, matcher)
    finally:
        con.close()


def scan_parquet(path: Path, matcher: Matcher) -> list[str]:
    con = duckdb.connect()
    try:
        con.execute(f"create table parquet_data as select * from read_parquet('{path}')")
        return _scan_connection(con, path.name, matcher)
    finally:
        con.close()


def scan_tree(root: Path, values: set[str], exclude: tuple[Path, ...] = ()) -> list[str]:
    """Hits in every DuckDB file, Parquet file and other file (as text) below ``root``."""
    matcher = Matcher(values)
    hits: list[str] = []
    for path in sorted(root.rglob("*")):
        if not path.is_file() or path.is_symlink() or any(path.is_relative_to(e) for e in exclude):
            continue
        with path.open("rb") as fh:
            head = fh.read(16)
        if head[8:12] == b"DUCK":
            hits.extend(scan_duckdb(path, matcher))
        elif path.suffix == ".parquet":
            hits.extend(scan_parquet(path, matcher))
        else:
            # every other file (logs, JSON, HTML, the Airflow SQLite DB, DuckDB WAL files) as raw text
            found = matcher.first(path.read_bytes().decode("utf-8", errors="replace"))
            if found:
                hits.append(f"{path.relative_to(root)}: contains delivered personal data")
    return hits
