"""Publish the werklijsten into a restricted file and export them per wijk as CSV.

* ``publish_werklijsten(settings)`` copies the tables of schema ``werklijsten`` of the working
  warehouse (opened read-only; call it while no writer runs, i.e. inside the pipeline's writer lock
  right after the marts are published) into ``published/werklijsten/werklijsten.duckdb``: written
  aside in the same folder, then one atomic ``rename``. The folder is mode 0700, the file 0600: the
  BI tools, the report and the PostgreSQL publication never read it (they read ``marts`` only).
  Helper tables (``int_*``) stay in the working warehouse.
* ``export_csv(settings, out_dir)`` writes one CSV per wijk (``;``-separated, UTF-8 with BOM so a
  spreadsheet opens it right, Dutch headers) from the restricted file, for those who work from a
  spreadsheet. A text cell that a spreadsheet would read as a formula (it starts with ``=``, ``+``,
  ``-``, ``@``, a tab or a carriage return: OWASP "CSV injection") is written with a leading ``'``, so
  Excel shows it as text and never evaluates it; numbers stay numbers, negative ones included.
"""

from __future__ import annotations

import csv
import logging
import os
import re
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path

import duckdb

from woonsignaal.settings import Settings
from woonsignaal.sqltext import qualified_name, quote_literal

log = logging.getLogger(__name__)

WERKLIJSTEN_SCHEMA = "werklijsten"
FILE_MODE = 0o600
DIR_MODE = 0o700

#: (column of werklijsten.werklijst, Dutch header) in CSV order.
CSV_COLUMNS: tuple[tuple[str, str], ...] = (
    ("wijk", "Wijk"),
    ("proces", "Proces"),
    ("signaal_id", "Signaal"),
    ("indicator", "Indicator"),
    ("segment", "Segment"),
    ("ernst", "Ernst"),
    ("prioriteit", "Prioriteit"),
    ("object_soort", "Soort"),
    ("object_id", "Sleutel in bronsysteem"),
    ("reden", "Reden"),
    ("actie_code", "Actiecode"),
    ("actie", "Voorgestelde actie"),
    ("extractdatum", "Extractdatum"),
)
ONBEKENDE_WIJK = "onbekend"
#: First characters that make a spreadsheet treat a cell as a formula (OWASP CSV injection).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def werklijsten_path(settings: Settings) -> Path:
    """The restricted file: ``published/werklijsten/werklijsten.duckdb``."""
    return settings.published_dir / "werklijsten" / "werklijsten.duckdb"


def publish_werklijsten(settings: Settings) -> Path:
    """Copy schema ``werklijsten`` of the working warehouse into the restricted file; return its path.

    Raises ``RuntimeError`` when the working warehouse has no werklijst (dbt did not build it); the
    previous restricted file then stays as it was.
    """
    target = werklijsten_path(settings)
    folder = target.parent
    folder.mkdir(parents=True, exist_ok=True)
    os.chmod(folder, DIR_MODE)
    for left in folder.glob(".werklijsten-*.duckdb.tmp*"):  # a killed publication's leftovers
        left.unlink(missing_ok=True)
    tmp = folder / f".werklijsten-{os.getpid()}.duckdb.tmp"
    # the folder is 0700 and the file is created 0600 (umask), before any data is written into it
    old_umask = os.umask(0o077)
    try:
        con = duckdb.connect(str(tmp))
    finally:
        os.umask(old_umask)
    os.chmod(tmp, FILE_MODE)
    try:
        con.execute(f"attach {quote_literal(str(settings.warehouse_path))} as werk (read_only)")
        tables = [
            r[0]
            for r in con.execute(
                "select table_name from information_schema.tables where table_catalog = 'werk' "
                "and table_schema = ? and table_type = 'BASE TABLE' order by table_name",
                [WERKLIJSTEN_SCHEMA],
            ).fetchall()
            if not r[0].startswith("int_")
        ]
        if "werklijst" not in tables:
            raise RuntimeError(
                f"schema {WERKLIJSTEN_SCHEMA} of {settings.warehouse_path} has no table werklijst (did dbt build run?)"
            )
        con.execute(f"create schema {WERKLIJSTEN_SCHEMA}")
        for table in tables:
            name = qualified_name(WERKLIJSTEN_SCHEMA, table)
            con.execute(f"create table {name} as select * from werk.{name}")
        con.execute("detach werk")
        con.execute("checkpoint")
    except BaseException:
        con.close()
        _remove_db(tmp)
        raise
    con.close()
    with open(tmp, "rb") as fh:
        os.fsync(fh.fileno())
    os.chmod(tmp, FILE_MODE)
    os.replace(tmp, target)
    _remove_db(tmp)
    log.info("werklijsten (%s) published to %s", ", ".join(tables), target)
    return target


def _remove_db(path: Path) -> None:
    path.unlink(missing_ok=True)
    Path(str(path) + ".wal").unlink(missing_ok=True)


def _connect(settings: Settings, database: Path | None = None) -> duckdb.DuckDBPyConnection:
    path = database or werklijsten_path(settings)
    if not path.is_file():
        raise FileNotFoundError(f"Geen werklijsten gevonden op {path}: draai eerst de pijplijn.")
    return duckdb.connect(str(path), read_only=True)


def qualified(con: duckdb.DuckDBPyConnection, table: str) -> str:
    """``"<catalog>".werklijsten."<table>"``: the file is called werklijsten.duckdb, so its catalog has the
    schema's name and a bare ``werklijsten.<table>`` is ambiguous in DuckDB."""
    catalog = con.execute("select current_database()").fetchone()[0]
    return qualified_name(catalog, WERKLIJSTEN_SCHEMA, table)


def read_werklijst(settings: Settings, signaal_id: str | None = None, database: Path | None = None) -> list[dict]:
    """The rows of the werklijst (of one signal), in list order, as dicts (read-only)."""
    con = _connect(settings, database)
    try:
        sql = f"select * from {qualified(con, 'werklijst')}"
        params: list = []
        if signaal_id is not None:
            sql += " where signaal_id = ?"
            params.append(signaal_id)
        cur = con.execute(sql + " order by proces, signaal_id, prioriteit", params)
        names = [d[0] for d in cur.description]
        return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]
    finally:
        con.close()


def _file_name(wijk: str | None) -> str:
    text = (wijk or ONBEKENDE_WIJK).strip() or ONBEKENDE_WIJK
    slug = re.sub(r"[^0-9A-Za-z_-]+", "_", text).strip("_") or ONBEKENDE_WIJK
    return f"werklijst_{slug}.csv"


def export_csv(
    settings: Settings, out_dir: Path, database: Path | None = None, signaal_id: str | None = None
) -> list[Path]:
    """One CSV per wijk (``werklijst_<wijk>.csv``) in ``out_dir``; returns the files written (sorted).

    Rows of objects without a known wijk go to ``werklijst_onbekend.csv``. Files are mode 0600.
    """
    rows = read_werklijst(settings, signaal_id=signaal_id, database=database)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    by_file: dict[str, list[dict]] = {}
    for row in rows:
        by_file.setdefault(_file_name(row.get("wijk")), []).append(row)
    written: list[Path] = []
    for name, part in sorted(by_file.items()):
        path = out_dir / name
        _write_csv(path, part, CSV_COLUMNS)
        written.append(path)
    log.info("%d werklijst rows written to %d CSV files in %s", len(rows), len(written), out_dir)
    return written


def _write_csv(path: Path, rows: list[dict], columns: Sequence[tuple[str, str]]) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
    with os.fdopen(fd, "w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh, delimiter=";", quoting=csv.QUOTE_MINIMAL)
        writer.writerow([header for _, header in columns])
        for row in rows:
            writer.writerow([spreadsheet_cell(row.get(col)) for col, _ in columns])
    os.replace(tmp, path)


def spreadsheet_cell(value: object) -> str:
    """The CSV text of one value, safe to open in a spreadsheet.

    Numbers (the numeric columns come from DuckDB as int, float or Decimal) are written as they are, a
    negative one too. Any other value that starts with a formula character gets a leading ``'``: Excel and
    LibreOffice then show the text and never evaluate it (``=HYPERLINK(...)``, ``@SUM(...)``, ``-1+cmd|...``).
    """
    if value is None:
        return ""
    if isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
        return str(value)
    text = str(value)
    return f"'{text}" if text.startswith(FORMULA_PREFIXES) else text


def read_effect(settings: Settings, database: Path | None = None) -> list[dict]:
    """``werklijst_effect`` for the monthly report: per signal, last month's rows and how many resolved.

    Counts only (no object keys). A signal whose previous list had fewer rows than the minimum group
    size gets ``opgelost_aantal``/``opgelost_pct`` = None (contract section 5: no small groups in a
    report). Empty when there is no restricted file or no list of an earlier month.
    """
    path = database or werklijsten_path(settings)
    if not path.is_file():
        return []
    con = duckdb.connect(str(path), read_only=True)
    try:
        cur = con.execute(f"select * from {qualified(con, 'werklijst_effect')} order by proces, indicator, segment")
        names = [d[0] for d in cur.description]
        rows = [dict(zip(names, r, strict=True)) for r in cur.fetchall()]
    finally:
        con.close()
    for r in rows:
        if r["rijen_vorige_lijst"] < settings.minimum_group_size:
            r["opgelost_aantal"] = r["niet_opgelost_aantal"] = r["opgelost_pct"] = None
    return rows
