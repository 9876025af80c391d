"""Writing deliveries exactly in the contract's CSV dialect (section 2) and the manifest (section 1).

Two ways to write a CSV file:

* :func:`write_csv` takes a header and rows of already formatted strings (``None`` = empty field).
  It is small and plain (Python's :mod:`csv`), meant for tests that write corrupted copies and for
  small files.
* :func:`write_frame` takes a pandas DataFrame with *typed* columns and formats every column by its
  contract type (dates, timestamps, decimals, booleans), using DuckDB for speed: the ledger of a large
  corporation has tens of millions of rows.

Typed frame conventions (used by the simulator for every contract file):

* DATE: int32 days since 1970-01-01; ``NULL_INT`` (or a pandas ``<NA>``) = empty;
* TIMESTAMP: int64 seconds since 1970-01-01 00:00:00 in local (Europe/Amsterdam) wall-clock time;
* DECIMAL: int64 cents;
* INTEGER, ID: integers (``NULL_INT`` = empty) or strings;
* BOOLEAN: int8 1/0 (``NULL_INT`` = empty) or bool;
* CODE, TEXT: strings, ``None`` = empty, or a pandas Categorical.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
from collections.abc import Iterable, Sequence
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

from woonsignaal import contract
from woonsignaal.contract import ColumnType, ContractFile
from woonsignaal.sqltext import quote_identifier, quote_literal

BOM = "\ufeff"
NULL_INT = -(2**31) + 7  # sentinel for an empty integer / date field in typed frames
EPOCH = dt.date(1970, 1, 1)


# --- scalar format helpers ------------------------------------------------------------------------
def format_date(value: dt.date | None) -> str | None:
    """``dd-mm-jjjj`` (contract section 2); ``None`` stays empty."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        value = value.date()
    return value.strftime(contract.DATE_FORMAT)


def format_timestamp(value: dt.datetime | None) -> str | None:
    """``dd-mm-jjjj uu:mm:ss`` in Europe/Amsterdam wall-clock time."""
    if value is None:
        return None
    if value.tzinfo is not None:
        value = value.astimezone(ZoneInfo(contract.SOURCE_TIMEZONE)).replace(tzinfo=None)
    return value.strftime(contract.TIMESTAMP_FORMAT)


def format_decimal(value: float | int | None, decimals: int = 2) -> str | None:
    """Decimal comma, no thousands separator, minus sign for negatives: ``-1234,56``."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    text = f"{value:.{decimals}f}"
    if text.startswith("-") and float(text) == 0:
        text = text[1:]
    return text.replace(".", contract.DECIMAL_SEPARATOR)


def format_cents(cents: int | None) -> str | None:
    """Exact decimal text of an amount held as whole cents."""
    if cents is None:
        return None
    sign = "-" if cents < 0 else ""
    whole, frac = divmod(abs(int(cents)), 100)
    return f"{sign}{whole}{contract.DECIMAL_SEPARATOR}{frac:02d}"


def format_bool(value: bool | None) -> str | None:
    """``J``/``N``; ``None`` stays empty."""
    if value is None:
        return None
    return contract.BOOLEAN_TRUE if value else contract.BOOLEAN_FALSE


def day_number(value: dt.date) -> int:
    """Days since 1970-01-01 (the simulator's date representation)."""
    return (value - EPOCH).days


def from_day_number(n: int) -> dt.date:
    return EPOCH + dt.timedelta(days=int(n))


# --- plain writer -----------------------------------------------------------------------------------
def write_csv(
    path: Path,
    header: Sequence[str],
    rows: Iterable[Sequence[str | None]],
    *,
    bom: bool = True,
    crlf: bool = False,
    delimiter: str = contract.CSV_DELIMITER,
    quote_all: bool = False,
) -> int:
    """Write ``rows`` (formatted strings, ``None`` = empty) under ``header``; returns the data-row count.

    Fields holding the delimiter, a quote or a line break are quoted, quotes are doubled (section 2).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    n = 0
    with open(path, "w", encoding=contract.CSV_ENCODING, newline="") as fh:
        if bom:
            fh.write(BOM)
        w = csv.writer(
            fh,
            delimiter=delimiter,
            quotechar=contract.CSV_QUOTE,
            doublequote=True,
            lineterminator="\r\n" if crlf else "\n",
            quoting=csv.QUOTE_ALL if quote_all else csv.QUOTE_MINIMAL,
        )
        w.writerow(list(header))
        for row in rows:
            w.writerow(["" if v is None else v for v in row])
            n += 1
    return n


def read_csv(path: Path) -> tuple[list[str], list[list[str]]]:
    """Header and records of a delivered CSV (BOM optional, ``;``, quoted fields), for tests that
    change a delivered file and write it back with :func:`write_csv`. Empty fields come back as ``""``."""
    with open(path, encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh, delimiter=contract.CSV_DELIMITER, quotechar=contract.CSV_QUOTE))
    if not rows:
        return [], []
    return rows[0], rows[1:]


# --- fast typed writer ------------------------------------------------------------------------------
def _column_sql(name: str, ctype: ColumnType, series: pd.Series) -> str:
    col = quote_identifier(name)
    is_int = pd.api.types.is_integer_dtype(series.dtype) and not isinstance(series.dtype, pd.CategoricalDtype)
    is_bool = pd.api.types.is_bool_dtype(series.dtype)
    nn = f"nullif({col}, {NULL_INT})" if is_int else col
    if ctype is ColumnType.DATE:
        if is_int:
            return f"strftime(DATE '1970-01-01' + ({nn})::INTEGER, '%d-%m-%Y')"
        return f"strftime({col}::DATE, '%d-%m-%Y')"
    if ctype is ColumnType.TIMESTAMP:
        if is_int:
            return f"strftime(make_timestamp({nn}::BIGINT * 1000000), '%d-%m-%Y %H:%M:%S')"
        return f"strftime({col}::TIMESTAMP, '%d-%m-%Y %H:%M:%S')"
    if ctype is ColumnType.DECIMAL:
        if is_int:  # whole cents
            return (
                f"(CASE WHEN {nn} < 0 THEN '-' ELSE '' END) || (abs({nn}) // 100)::VARCHAR || ',' "
                f"|| lpad((abs({nn}) % 100)::VARCHAR, 2, '0')"
            )
        return f"replace(printf('%.2f', {col}::DOUBLE), '.', ',')"
    if ctype is ColumnType.BOOLEAN:
        if is_bool:
            return f"CASE WHEN {col} THEN 'J' WHEN NOT {col} THEN 'N' END"
        if is_int:
            return f"CASE {nn} WHEN 1 THEN 'J' WHEN 0 THEN 'N' END"
        return col
    if is_int:
        return f"{nn}::VARCHAR"
    return f"{col}::VARCHAR"


def write_frame(
    path: Path,
    frame: pd.DataFrame | Sequence[pd.DataFrame],
    spec: ContractFile,
    *,
    columns: Sequence[str] | None = None,
    bom: bool = True,
    crlf: bool = False,
    where: str | None = None,
) -> int:
    """Write a typed frame as the contract file ``spec`` (columns in contract order unless ``columns``
    gives another order); returns the data-row count.

    ``frame`` may be a list of frames with the same columns (written one after the other), and
    ``where`` a SQL condition on the typed columns (e.g. ``gewijzigd_op < 1700000000``): both let a
    caller write a slice of a very large frame without copying it in pandas first.
    """
    import duckdb

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    frames = [frame] if isinstance(frame, pd.DataFrame) else list(frame)
    names = list(columns) if columns is not None else spec.column_names
    for f in frames:
        missing = [c for c in names if c not in f.columns]
        if missing:
            raise KeyError(f"{spec.filename}: frame lacks columns {missing}")
    newline = "\r\n" if crlf else "\n"
    with open(path, "wb") as fh:
        fh.write((BOM if bom else "").encode("utf-8"))
        buf = io.StringIO()
        csv.writer(buf, delimiter=contract.CSV_DELIMITER, lineterminator=newline).writerow(names)
        fh.write(buf.getvalue().encode("utf-8"))
    frames = [f for f in frames if len(f)]
    if not frames:
        return 0
    body = path.with_name(path.name + ".body")
    con = duckdb.connect()
    n = 0
    nl = "\\r\\n" if crlf else "\\n"
    try:
        con.execute("SET enable_progress_bar = false")
        con.execute("SET memory_limit = '1GB'")
        for i, f in enumerate(frames):
            con.register(f"frame_in_{i}", f)
            exprs = ", ".join(
                f"{_column_sql(n_, spec.column(n_).type, f[n_])} AS {quote_identifier(n_)}" for n_ in names
            )
            cond = f" WHERE {where}" if where else ""
            # one COPY per frame, appended in order: the output is deterministic byte for byte
            written = con.execute(
                f"COPY (SELECT {exprs} FROM frame_in_{i}{cond}) TO {quote_literal(body.as_posix())} "
                f"(FORMAT csv, HEADER false, DELIMITER ';', QUOTE '\"', ESCAPE '\"', NEW_LINE '{nl}')"
            ).fetchall()
            n += int(written[0][0])  # COPY returns the number of rows it wrote
            with open(path, "ab") as out, open(body, "rb") as src:
                while chunk := src.read(1 << 24):
                    out.write(chunk)
            body.unlink()
            con.unregister(f"frame_in_{i}")
    finally:
        con.close()
    return int(n)


# --- manifest ----------------------------------------------------------------------------------------
def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 22):
            h.update(chunk)
    return h.hexdigest()


def count_csv_records(path: Path) -> int:
    """Data rows (CSV records, not physical lines) of a delivered file, header excluded."""
    with open(path, encoding="utf-8-sig", newline="") as fh:
        return max(sum(1 for _ in csv.reader(fh, delimiter=contract.CSV_DELIMITER)) - 1, 0)


def amsterdam_iso(moment: dt.datetime) -> str:
    """ISO timestamp with the Europe/Amsterdam offset (+01:00 or +02:00) of a local wall-clock time."""
    tz = ZoneInfo(contract.SOURCE_TIMEZONE)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=tz)
    return moment.astimezone(tz).isoformat(timespec="seconds")


def write_manifest(
    delivery_dir: Path,
    *,
    extractdatum: dt.date,
    soort: str,
    aangemaakt_op: dt.datetime,
    bron: str = "empire",
    corporatie: str = "Woonstichting Voorbeeld",
    row_counts: dict[str, int] | None = None,
    files: Sequence[str] | None = None,
) -> Path:
    """Write ``manifest.json`` (last!) for the CSV files present in ``delivery_dir``.

    Row counts come from ``row_counts`` (file name -> data rows) where given, otherwise they are
    counted by parsing the file; sha256 is always computed from the bytes on disk.
    """
    delivery_dir = Path(delivery_dir)
    names = list(files) if files is not None else sorted(p.name for p in delivery_dir.glob("*.csv"))
    order = {f.filename: i for i, f in enumerate(contract.FILES)}
    names.sort(key=lambda n: (order.get(n, len(order)), n))
    bestanden = []
    for name in names:
        p = delivery_dir / name
        rows = (row_counts or {}).get(name)
        if rows is None:
            rows = count_csv_records(p)
        bestanden.append({"naam": name, "rijen": int(rows), "sha256": sha256_file(p)})
    manifest = {
        "contract_versie": contract.CONTRACT_VERSION,
        "bron": bron,
        "corporatie": corporatie,
        "extractdatum": extractdatum.isoformat(),
        "aangemaakt_op": amsterdam_iso(aangemaakt_op),
        "soort": soort,
        "bestanden": bestanden,
    }
    target = delivery_dir / contract.MANIFEST_NAME
    tmp = delivery_dir / (contract.MANIFEST_NAME + ".tmp")
    tmp.write_text(json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    tmp.replace(target)
    return target
