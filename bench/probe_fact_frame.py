"""Memory of reading ``marts.fct_contract_maand`` into pandas, as the Python signal model does with ``.df()``.

    .venv/bin/python bench/probe_fact_frame.py <warehouse.duckdb> ["where maand >= date '2023-11-01'"]

Opens the working warehouse read-only (no pipeline may be writing it), reads the table (optionally
filtered) into a DataFrame and prints rows, columns, seconds, the frame's own size and the process's
peak RSS. Used for the peak-RSS finding in ``bench/FINDINGS.md``: run one process per variant.
"""

import resource
import sys
import time

import duckdb

con = duckdb.connect(sys.argv[1], read_only=True)
where = sys.argv[2] if len(sys.argv) > 2 else ""
t = time.perf_counter()
df = con.sql(f"select * from marts.fct_contract_maand {where}").df()
print(
    f"{len(df):,} rows x {len(df.columns)} columns {where or '(all months)'}: {time.perf_counter() - t:.1f} s, "
    f"frame {df.memory_usage(deep=True).sum() / 2**20:,.0f} MB, "
    f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f} MB"
)
