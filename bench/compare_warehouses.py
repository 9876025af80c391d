"""Compare two DuckDB files table by table: equal or not, with row counts, never a row's content.

Made to prove that a refactoring changes no data: run the pipeline on the same simulated deliveries at
the old and at the new commit, then compare what each run wrote.

    .venv/bin/python bench/compare_warehouses.py A.duckdb B.duckdb
    .venv/bin/python bench/compare_warehouses.py HOME_A HOME_B      # two WOONSIGNAAL_HOMEs

With two homes it compares the files a run writes (``HOME_FILES``): the working warehouse, the published
marts and the werklijsten. Per table (and view) of every schema it prints the row counts on both sides
and a verdict:

* ``equal``: the same multiset of rows (a 64-bit DuckDB hash per row, summed, compared first; on a
  difference the row hashes themselves, so duplicates count);
* ``equal (floats to N decimals)``: equal once DOUBLE/FLOAT columns are rounded to ``--float-decimals``
  (DuckDB sums floats in parallel, so the last bits of an aggregate may differ from run to run);
* ``different: X rows only in A, Y only in B`` (after that rounding);
* ``columns differ`` (names or types; the column names are printed, they are the model's, not data),
  ``only in A`` / ``only in B``.

Columns that hold the moment of the run (build timestamps, run ids) differ between any two runs: leave
them out with ``--ignore 'schema.table.column'`` (fnmatch patterns, repeatable; the defaults are in
``RUN_COLUMNS``). Both files are opened read-only. Rows may hold personal data (pseudonymised keys,
amounts), so nothing but schema, table and column names and counts is printed, and a DuckDB error is
reported by its class only. Exit code 0 when everything is equal, 1 otherwise, 2 on bad arguments.
"""

from __future__ import annotations

import argparse
import fnmatch
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import duckdb

#: The files a run writes under WOONSIGNAAL_HOME, compared when two homes are given.
HOME_FILES = (
    "warehouse/woonsignaal.duckdb",
    "published/woonsignaal.duckdb",
    "published/werklijsten/werklijsten.duckdb",
)

#: Columns that record when or by which run something was built: they differ between any two runs.
RUN_COLUMNS = (
    "*.pipeline_runs.*",  # the run history as published: run ids, start and end times
    "publicatie.*",  # the build stamp: delivery, run id and build time of the publication
    "*leveringen.geladen_op",  # when the ingest loaded a delivery (raw and staging)
    "raw.quarantaine.geregistreerd_op",  # when the ingest quarantined a row
)

FLOAT_TYPES = ("DOUBLE", "FLOAT", "REAL")


@dataclass(frozen=True)
class Relation:
    catalog: str
    schema: str
    name: str
    kind: str  # table or view
    columns: tuple[tuple[str, str], ...]  # (name, type)

    @property
    def key(self) -> str:
        return f"{self.schema}.{self.name}"

    @property
    def sql(self) -> str:
        """Fully qualified: a schema named like its file's catalog (werklijsten.werklijsten) is ambiguous."""
        return f"{_q(self.catalog)}.{_q(self.schema)}.{_q(self.name)}"


@dataclass
class Verdict:
    relation: str
    rows_a: int | None
    rows_b: int | None
    text: str
    equal: bool


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def relations(con: duckdb.DuckDBPyConnection) -> dict[str, Relation]:
    """Every table and view of the file's own catalog (not the system catalogs)."""
    catalog = con.execute("select current_database()").fetchone()[0]
    found = con.execute(
        """
        select t.table_schema, t.table_name, t.table_type, c.column_name, c.data_type
        from information_schema.tables as t
        inner join information_schema.columns as c
            on c.table_catalog = t.table_catalog and c.table_schema = t.table_schema
            and c.table_name = t.table_name
        where t.table_catalog = ?
        order by t.table_schema, t.table_name, c.ordinal_position
        """,
        [catalog],
    ).fetchall()
    cols: dict[tuple[str, str, str], list[tuple[str, str]]] = {}
    for schema, name, kind, column, type_ in found:
        cols.setdefault((schema, name, "view" if kind == "VIEW" else "table"), []).append((column, type_))
    return {f"{s}.{n}": Relation(catalog, s, n, k, tuple(c)) for (s, n, k), c in cols.items()}


def _kept_columns(rel: Relation, ignore: Sequence[str]) -> list[tuple[str, str]]:
    return [(c, t) for c, t in rel.columns if not any(fnmatch.fnmatchcase(f"{rel.key}.{c}", p) for p in ignore)]


def _row_hash(columns: Sequence[tuple[str, str]], float_decimals: int | None) -> str:
    parts = []
    for c, t in columns:
        if float_decimals is not None and t.upper() in FLOAT_TYPES:
            parts.append(f"round({_q(c)}, {float_decimals})")
        else:
            parts.append(_q(c))
    # hash(a, b, ...) combines the values; a NULL hashes to a fixed value, so NULL rows count too
    return f"hash({', '.join(parts)})" if parts else "0"


def _summary(con, rel: Relation, columns, float_decimals) -> tuple[int, int]:
    row_hash = _row_hash(columns, float_decimals)
    n, total = con.execute(f"select count(*), coalesce(sum({row_hash}::hugeint), 0) from {rel.sql}").fetchone()
    return int(n), int(total)


def _hashes(con, rel: Relation, columns, float_decimals):
    row_hash = _row_hash(columns, float_decimals)
    return con.execute(f"select {row_hash} as h from {rel.sql}").df()


def _only_counts(hashes_a, hashes_b) -> tuple[int, int]:
    """Rows (as hashes, duplicates counted) only in A and only in B: EXCEPT ALL both ways."""
    mem = duckdb.connect()
    mem.register("a", hashes_a)
    mem.register("b", hashes_b)
    only_a = mem.execute("select count(*) from (select h from a except all select h from b)").fetchone()[0]
    only_b = mem.execute("select count(*) from (select h from b except all select h from a)").fetchone()[0]
    mem.close()
    return int(only_a), int(only_b)


def compare_relation(con_a, con_b, a: Relation, b: Relation, ignore, float_decimals: int) -> Verdict:
    cols_a, cols_b = _kept_columns(a, ignore), _kept_columns(b, ignore)
    if cols_a != cols_b:
        names_a, names_b = {c for c, _ in cols_a}, {c for c, _ in cols_b}
        detail = []
        if names_a - names_b:
            detail.append("only in A: " + ", ".join(sorted(names_a - names_b)))
        if names_b - names_a:
            detail.append("only in B: " + ", ".join(sorted(names_b - names_a)))
        if not detail:
            detail.append("same names, other types or order")
        return Verdict(a.key, None, None, "columns differ (" + "; ".join(detail) + ")", False)
    n_a, sum_a = _summary(con_a, a, cols_a, None)
    n_b, sum_b = _summary(con_b, b, cols_b, None)
    if n_a == n_b and sum_a == sum_b:
        return Verdict(a.key, n_a, n_b, "equal", True)
    has_floats = any(t.upper() in FLOAT_TYPES for _, t in cols_a)
    if has_floats and n_a == n_b:
        if _summary(con_a, a, cols_a, float_decimals)[1] == _summary(con_b, b, cols_b, float_decimals)[1]:
            return Verdict(a.key, n_a, n_b, f"equal (floats to {float_decimals} decimals)", True)
    decimals = float_decimals if has_floats else None
    only_a, only_b = _only_counts(_hashes(con_a, a, cols_a, decimals), _hashes(con_b, b, cols_b, decimals))
    if only_a == only_b == 0:  # same multiset of rows; the sums differed only by float rounding
        return Verdict(a.key, n_a, n_b, f"equal (floats to {float_decimals} decimals)", True)
    return Verdict(a.key, n_a, n_b, f"different: {only_a} rows only in A, {only_b} only in B", False)


def compare_files(path_a: Path, path_b: Path, ignore: Sequence[str], float_decimals: int) -> list[Verdict]:
    con_a = duckdb.connect(str(path_a), read_only=True)
    con_b = duckdb.connect(str(path_b), read_only=True)
    try:
        rels_a, rels_b = relations(con_a), relations(con_b)
        verdicts = []
        for key in sorted(rels_a.keys() | rels_b.keys()):
            a, b = rels_a.get(key), rels_b.get(key)
            if a is None or b is None:
                side = "B" if a is None else "A"
                verdicts.append(Verdict(key, None, None, f"only in {side}", False))
                continue
            try:
                verdicts.append(compare_relation(con_a, con_b, a, b, ignore, float_decimals))
            except duckdb.Error as exc:  # the class only: DuckDB's text may quote a value
                verdicts.append(Verdict(key, None, None, f"not compared ({type(exc).__name__})", False))
        return verdicts
    finally:
        con_a.close()
        con_b.close()


def _pairs(a: Path, b: Path) -> list[tuple[str, Path, Path]]:
    if a.is_dir() and b.is_dir():
        return [(rel, a / rel, b / rel) for rel in HOME_FILES]
    if a.is_file() and b.is_file():
        return [(a.name, a, b)]
    raise SystemExit(f"compare_warehouses: give two DuckDB files or two WOONSIGNAAL_HOME folders ({a}, {b})")


def _fmt(n: int | None) -> str:
    return "-" if n is None else f"{n:,}"


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("a", type=Path, help="DuckDB file or WOONSIGNAAL_HOME (the 'before' side)")
    ap.add_argument("b", type=Path, help="DuckDB file or WOONSIGNAAL_HOME (the 'after' side)")
    ap.add_argument(
        "--ignore",
        action="append",
        default=None,
        metavar="SCHEMA.TABLE.COLUMN",
        help="fnmatch pattern of columns to leave out (repeatable; default: RUN_COLUMNS)",
    )
    ap.add_argument("--no-default-ignore", action="store_true", help="compare the run columns too")
    ap.add_argument("--float-decimals", type=int, default=9, help="decimals DOUBLE/FLOAT columns are rounded to")
    args = ap.parse_args(argv)
    ignore = [*([] if args.no_default_ignore else RUN_COLUMNS), *(args.ignore or [])]

    all_equal = True
    for label, path_a, path_b in _pairs(args.a, args.b):
        missing = [str(p) for p in (path_a, path_b) if not p.is_file()]
        if missing:
            print(f"{label}: missing {', '.join(missing)}")
            all_equal = False
            continue
        verdicts = compare_files(path_a, path_b, ignore, args.float_decimals)
        same = sum(v.equal for v in verdicts)
        print(f"{label}: {same} of {len(verdicts)} tables and views equal")
        width = max((len(v.relation) for v in verdicts), default=10)
        for v in verdicts:
            print(f"  {v.relation:<{width}}  {_fmt(v.rows_a):>12}  {_fmt(v.rows_b):>12}  {v.text}")
        all_equal &= same == len(verdicts)
    print(f"ignored columns: {', '.join(ignore) if ignore else 'none'}")
    print("all equal" if all_equal else "NOT all equal")
    return 0 if all_equal else 1


if __name__ == "__main__":
    sys.exit(main())
