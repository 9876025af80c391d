"""The raw layer's tables, derived from the contract (schema ``raw`` of the working warehouse).

Shape of the raw layer:

* snapshot files (complexen, eenheden, eenheidstatussen, relaties, huurovereenkomsten) keep their
  history per extract date as validity intervals: a row version is valid from the extractdatum it first
  appeared in (``_geldig_vanaf``) until the extractdatum it changed or disappeared (``_geldig_tot``,
  exclusive; NULL = still current). "What did we know on day X" is
  ``_geldig_vanaf <= X and (_geldig_tot is null or _geldig_tot > X)``.
* event files hold the current version of each key (latest ``gewijzigd_op`` wins); rows named in
  ``verwijderingen`` stay, marked with ``_verwijderd_op``.
* ``raw.referentiedata`` holds the code lists of the latest delivery, as delivered (faults reported).
* ``raw.verwijderingen`` keeps every deletion ever delivered.
* ``raw.quarantaine`` holds every delivered row that could not be loaded, with file, line, column and
  reason (never the value of a personal-data column).
* ``raw.leveringen`` holds one row per loaded delivery.

Personal data (contract section 5): ``Pii.DROP`` columns are absent, ``Pii.HASH`` columns are stored as
``<name>_hash`` (keyed hash), ``Pii.PSEUDONYMISE`` columns keep their name but hold the keyed hash.
"""

from __future__ import annotations

from woonsignaal.contract import (
    FILES,
    ColumnType,
    ContractFile,
    FileKind,
    Pii,
)
from woonsignaal.sqltext import quote_identifier

RAW_SCHEMA = "raw"

#: Lineage columns on every raw table.
LINEAGE_COLUMNS: dict[str, str] = {
    "_extractdatum": "DATE",  # extractdatum of the delivery that loaded this row version
    "_bronbestand": "VARCHAR",  # '<extractdatum>/<file>.csv'
    "_regelnummer": "BIGINT",  # physical line number of the record's first line in that file (header = 1)
}
SNAPSHOT_HISTORY_COLUMNS: dict[str, str] = {
    "_geldig_vanaf": "DATE",
    "_geldig_tot": "DATE",  # exclusive; NULL = current
    "_rij_hash": "VARCHAR",  # hash of the stored business columns, to detect changes
}
EVENT_COLUMNS: dict[str, str] = {
    "_verwijderd_op": "TIMESTAMP",  # set when verwijderingen names this key
}

QUARANTAINE_COLUMNS: dict[str, str] = {
    "extractdatum": "DATE",
    "bestand": "VARCHAR",
    "regelnummer": "BIGINT",
    "kolom": "VARCHAR",
    "reden": "VARCHAR",
    "fataal": "BOOLEAN",  # a fatal fault fails the run; a non-fatal one is only reported
    "geregistreerd_op": "TIMESTAMP",
}

LEVERINGEN_COLUMNS: dict[str, str] = {
    "extractdatum": "DATE",
    "aangemaakt_op": "TIMESTAMP",
    "soort": "VARCHAR",
    "bron": "VARCHAR",
    "corporatie": "VARCHAR",
    "contract_versie": "VARCHAR",
    "geladen_op": "TIMESTAMP",
    "rijen_geleverd": "BIGINT",
    "rijen_geladen": "BIGINT",
    "rijen_quarantaine": "BIGINT",
}


def stored_column_name(file: ContractFile, column: str) -> str:
    col = file.column(column)
    return f"{col.name}_hash" if col.pii is Pii.HASH else col.name


def raw_columns(file: ContractFile) -> dict[str, str]:
    """Column name -> warehouse type of ``raw.<file>``, lineage columns included."""
    cols: dict[str, str] = {}
    for c in file.stored_columns:
        if c.pii in (Pii.HASH, Pii.PSEUDONYMISE):
            cols[stored_column_name(file, c.name)] = "VARCHAR"
        else:
            cols[c.name] = c.warehouse_type
    cols.update(LINEAGE_COLUMNS)
    if file.kind is FileKind.SNAPSHOT:
        cols.update(SNAPSHOT_HISTORY_COLUMNS)
    elif file.kind is FileKind.EVENT:
        cols.update(EVENT_COLUMNS)
    return cols


def raw_tables() -> dict[str, dict[str, str]]:
    """Every raw table: name -> {column: type}."""
    tables = {f.name: raw_columns(f) for f in FILES}
    tables["quarantaine"] = dict(QUARANTAINE_COLUMNS)
    tables["leveringen"] = dict(LEVERINGEN_COLUMNS)
    return tables


#: DuckDB compression of the raw columns that hold a different text on nearly every row.
RAW_ZSTD = "zstd"


def zstd_columns(file: ContractFile) -> list[str]:
    """Columns of ``raw.<file>`` stored with ZSTD instead of DuckDB's automatic choice.

    Ids, keyed hashes and ``_rij_hash`` are nearly unique per row: DuckDB's default for text (a
    dictionary with FSST) tries and fails to find repeats, which costs a large share of the time that
    writing the bookings takes; ZSTD writes them faster, in a somewhat larger file, and reads them as
    fast (``docs/ingest.md``; figures in BENCHMARKS.md, "Figures behind the code"). Codes and texts keep
    the automatic choice.
    """
    cols = [
        stored_column_name(file, c.name)
        for c in file.stored_columns
        if c.type is ColumnType.ID or c.pii in (Pii.HASH, Pii.PSEUDONYMISE)
    ]
    if file.kind is FileKind.SNAPSHOT:
        cols.append("_rij_hash")
    return cols


def create_raw_tables_sql() -> list[str]:
    """DuckDB DDL that creates the raw schema and every raw table if absent (idempotent).

    A table made before a change here keeps its columns' compression (``create ... if not exists``).
    """
    statements = [f"create schema if not exists {RAW_SCHEMA}"]
    zstd = {f.name: set(zstd_columns(f)) for f in FILES}
    for table, cols in raw_tables().items():
        body = ", ".join(
            f"{quote_identifier(name)} {type_}"
            + (f" USING COMPRESSION {RAW_ZSTD}" if name in zstd.get(table, ()) else "")
            for name, type_ in cols.items()
        )
        statements.append(f"create table if not exists {RAW_SCHEMA}.{table} ({body})")
    return statements


def create_raw_tables(con) -> None:
    """Create the raw layer on a DuckDB connection."""
    for sql in create_raw_tables_sql():
        con.execute(sql)
