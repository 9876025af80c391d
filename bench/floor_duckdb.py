"""The physical floor for ingest: DuckDB reading one delivery's CSV files into tables.

    .venv/bin/python bench/floor_duckdb.py <delivery folder> <new duckdb file>

Reuses ``bench_ingest.baseline_read_csv`` (every CSV file of the contract, ``read_csv`` with the
contract's dialect, types auto-detected, into tables of a fresh DuckDB file). Prints one line
``RESULT {"read_csv_s": ...}``: the seconds of the reading itself, without Python's and DuckDB's start-up.
The DuckDB file is removed afterwards.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_ingest import baseline_read_csv  # noqa: E402


def main(argv: list[str]) -> int:
    folder, target = Path(argv[0]), Path(argv[1])
    seconds = baseline_read_csv(folder, target)
    import duckdb

    con = duckdb.connect(str(target), read_only=True)
    rows = sum(
        con.execute(f'select count(*) from "{t}"').fetchone()[0]
        for (t,) in con.execute("select table_name from information_schema.tables").fetchall()
    )
    con.close()
    target.unlink(missing_ok=True)
    print("RESULT " + json.dumps({"read_csv_s": round(seconds, 3), "rows": rows}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
