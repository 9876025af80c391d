"""Reading a contract CSV with the contract's dialect: its header, and DuckDB's ``read_csv(...)``.

Shared by the verification (row counts) and the parse; neither imports the other for it.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from woonsignaal.contract import CSV_DELIMITER, CSV_QUOTE
from woonsignaal.sqltext import quote_literal


def read_header(path: Path) -> list[str]:
    """The header fields of a CSV (BOM stripped), parsed with the contract's dialect."""
    with open(path, "rb") as fh:
        raw = fh.read(1 << 20)
    text = raw.decode("utf-8-sig", errors="replace")
    reader = csv.reader(io.StringIO(text), delimiter=CSV_DELIMITER, quotechar=CSV_QUOTE)
    try:
        return next(reader)
    except StopIteration:
        return []


def read_csv_sql(path: Path, names: list[str] | None = None, rejects: str | None = None) -> str:
    """``read_csv(...)`` with the contract's dialect, every column as text, named ``names`` (default:
    as many columns as the header has fields).

    Nothing is sniffed (``auto_detect=false``): the dialect is the contract's, and DuckDB's sniffer
    can fail on a file it could read (a bare CR in a field) or guess comment lines or rows to skip.
    """
    if names is None:
        names = [f"c{i}" for i in range(len(read_header(path)))]
    opts = [
        quote_literal(str(path)),
        f"delim={quote_literal(CSV_DELIMITER)}",
        f"quote={quote_literal(CSV_QUOTE)}",
        f"escape={quote_literal(CSV_QUOTE)}",
        "header=true",
        "auto_detect=false",
        "columns={" + ", ".join(f"{quote_literal(n)}: 'VARCHAR'" for n in names) + "}",
        "encoding='utf-8'",
    ]
    if rejects is not None:
        opts += [
            "store_rejects=true",
            f"rejects_table={quote_literal(rejects)}",
            f"rejects_scan={quote_literal(rejects + '_scan')}",
        ]
    return "read_csv(" + ", ".join(opts) + ")"
