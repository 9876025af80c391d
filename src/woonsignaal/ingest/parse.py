"""Parse a verified delivery into a scratch DuckDB: dialect, columns, types, row faults, pseudonyms.

Per contract file:

1. The header is read and matched to the contract's columns case-insensitively. A missing required
   column refuses the file (fatal, naming the column); a missing optional column is loaded as empty
   and reported; an extra column is reported and not loaded.
2. DuckDB's ``read_csv`` reads the file as text (``;``, ``"`` quoting with doubled quotes and line
   breaks, BOM, CRLF/LF) into a table in the file's order; a view over it numbers the records from
   the table's ``rowid``: ``_rij`` (1 = first data row) and the physical line ``_regelnummer`` where
   the record starts (header = line 1; differs from ``_rij + 1`` when quoted fields hold line
   breaks). Structurally broken records (wrong number of fields) make the file fatal: when the
   structure is broken no field can be trusted.
3. Each row is checked in SQL: required fields, dates ``dd-mm-jjjj``, timestamps, decimal comma,
   integers, ``J``/``N``, codes against referentiedata (plus the contract's eigen lijsten), and (unless
   the raw suites ask) duplicate keys within the delivery. A faulty row goes to ``_quarantaine`` (one row per fault:
   file, line, column, reason) and not further. Reasons never hold the value of a personal-data column.
4. The remaining rows are typed into ``main.<file>`` with the raw layer's business columns:
   ``Pii.DROP`` columns are never selected, ``Pii.HASH`` columns become ``<name>_hash`` and
   ``Pii.PSEUDONYMISE`` columns hold the keyed hash.

``referentiedata`` is parsed leniently: malformed dates become empty and duplicates stay, both
reported as warnings, never fatal (it is the real VERA file).
"""

from __future__ import annotations

import logging
import re
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from woonsignaal.contract import (
    BOOLEAN_FALSE,
    BOOLEAN_TRUE,
    CODELISTS,
    DATE_FORMAT,
    DECIMAL_SEPARATOR,
    EIGEN_LIJSTEN,
    FILES,
    TIMESTAMP_FORMAT,
    Column,
    ColumnType,
    ContractFile,
    FileKind,
    Pii,
)
from woonsignaal.faults import Fout
from woonsignaal.ingest.csvread import read_csv_sql, read_header
from woonsignaal.ingest.pseudonymise import pseudonymise_sql
from woonsignaal.ingest.verify import check_file_bytes, csv_read_fout, sha256_problem
from woonsignaal.quality.raw_suites import SEGMENT_SEPARATORS, SEGMENT_SOURCE_COLUMNS
from woonsignaal.raw_schema import SNAPSHOT_HISTORY_COLUMNS, raw_columns, stored_column_name
from woonsignaal.sqltext import quote_identifier as q
from woonsignaal.sqltext import quote_literal as lit

log = logging.getLogger(__name__)

#: The date a row's codes must be valid on (contract section 6); files not named use extractdatum.
ROW_DATE_COLUMN: dict[str, str] = {
    "eenheidstatussen": "begindatum",
    "huurovereenkomsten": "begindatum",
    "publicaties": "begindatum",
    "aanbiedingen": "datum",
    "zaken": "registratiedatum",
    "zaakstatussen": "begindatum",
    "zaakbetrokkenen": "betrokken_vanaf",
    "boekingen": "boekdatum",
    "incassoacties": "datum",
    "betalingsregelingen": "afspraakdatum",
}

_MAX_LISTED = 5  # lines named per summary message

#: DuckDB's reject error types, said in Dutch (its own text is never passed on)
_REJECT_KINDS = {
    "CAST": "waarde past niet in de kolom",
    "MISSING COLUMNS": "te weinig velden",
    "TOO MANY COLUMNS": "te veel velden",
    "UNQUOTED VALUE": "aanhalingsteken midden in een veld",
    "LINE SIZE OVER MAXIMUM": "record langer dan de maximale regellengte",
    "INVALID UNICODE": "geen geldige UTF-8",
}


def _reject_text(error_type: str, message: str) -> str:
    """A rejected record's fault in Dutch: the kind, and the field counts DuckDB's message holds."""
    kind = _REJECT_KINDS.get(str(error_type).upper(), "kapotte CSV-structuur")
    counts = re.search(r"Expected Number of Columns: (\d+) Found: (\d+)", str(message or ""))
    return kind + (f" ({counts.group(1)} verwacht, {counts.group(2)} gevonden)" if counts else "")


@dataclass
class ParsedFile:
    name: str
    geleverd: int = 0  # data rows in the file
    geladen: int = 0  # rows in the scratch table (to be merged)
    quarantaine: int = 0  # rows with at least one fault
    warnings: list[str] = field(default_factory=list)
    problems: list[Fout] = field(default_factory=list)  # fatal for the delivery
    extra_columns: list[str] = field(default_factory=list)


def match_header(file: ContractFile, header: list[str]) -> tuple[list[str], list[str], list[str], list[str]]:
    """Map header fields to contract columns case-insensitively.

    Returns (names for read_csv, missing required, missing optional, extra columns).
    """
    wanted = {c.name for c in file.columns}
    names: list[str] = []
    seen: set[str] = set()
    extra: list[str] = []
    for i, h in enumerate(header):
        key = h.strip().lower()
        if key in wanted and key not in seen:
            names.append(key)
            seen.add(key)
        else:
            names.append(f"_extra_{i}")
            extra.append(h.strip() or f"(column {i + 1} without a name)")
    missing_req = [c.name for c in file.columns if c.required and c.name not in seen]
    missing_opt = [c.name for c in file.columns if not c.required and c.name not in seen]
    return names, missing_req, missing_opt, extra


# --- per-type SQL ------------------------------------------------------------------------------


def _value(col: Column, src: str, trim: bool = True) -> str:
    """The delivered text of a column, empty -> NULL (codes, ids and typed values trimmed).

    ``trim=False`` for a file none of whose fields starts or ends with a space
    (:class:`~woonsignaal.ingest.verify.EdgeSpaces`): trimming would change nothing there.
    """
    if col.type is ColumnType.TEXT or not trim:
        return f"nullif({src}, '')"
    return f"nullif({trimmed_sql(src)}, '')"


def trimmed_sql(src: str) -> str:
    """``trim(src)``, evaluated only where it can change the value.

    DuckDB's ``trim`` strips spaces: U+0020 and the other Unicode space separators (U+00A0 and so on),
    not tabs. A value without an ASCII space and without a non-ASCII character (``strlen``, bytes, equals
    ``length``, characters) is its own trim; most ids, codes, dates and amounts are, and the check costs
    less than the copy ``trim`` makes. Still, the parse of a large file is measurably faster without it
    (BENCHMARKS.md, "Figures behind the code"), so a file without edge spaces is not trimmed at all.
    """
    return f"(case when contains({src}, ' ') or strlen({src}) <> length({src}) then trim({src}) else {src} end)"


def _date(v: str) -> str:
    return f"try_strptime({v}, {lit(DATE_FORMAT)})::date"


def typed_sql(col: Column, src: str, trim: bool = True) -> str:
    """SQL turning the text ``src`` into the column's warehouse type (NULL when unparseable)."""
    v = _value(col, src, trim)
    t = col.type
    if t is ColumnType.DATE:
        return f"case when length({v}) = 10 then {_date(v)} end"
    if t is ColumnType.TIMESTAMP:
        return (
            f"case length({v}) when 19 then try_strptime({v}, {lit(TIMESTAMP_FORMAT)}) "
            f"when 10 then try_strptime({v}, {lit(DATE_FORMAT)}) end"
        )
    if t is ColumnType.DECIMAL:
        return f"case when not contains({v}, '.') then try_cast(replace({v}, ',', '.') as decimal(14,2)) end"
    if t is ColumnType.INTEGER:
        return f"try_cast({v} as integer)"
    if t is ColumnType.BOOLEAN:
        return f"case upper({v}) when {lit(BOOLEAN_TRUE)} then true when {lit(BOOLEAN_FALSE)} then false end"
    if col.pii in (Pii.HASH, Pii.PSEUDONYMISE):
        return pseudonymise_sql(src, col)
    return v


_EXPECTED = {
    ColumnType.DATE: "datum (verwacht dd-mm-jjjj)",
    ColumnType.TIMESTAMP: "tijdstip (verwacht dd-mm-jjjj uu:mm:ss)",
    ColumnType.DECIMAL: "bedrag (verwacht een decimale komma, zonder punt voor duizendtallen, bijv. -1234,56)",
    ColumnType.INTEGER: "geheel getal",
    ColumnType.BOOLEAN: "J/N-waarde",
}


def _shown(col: Column, v: str) -> str:
    """SQL for how a faulty value appears in a reason: quoted, cut, or withheld for personal data."""
    if col.pii is not None:
        return "' (waarde weggelaten: persoonsgegeven)'"
    return f"' ' || chr(39) || left({v}, 40) || chr(39)"


def fault_checks(
    file: ContractFile, sources: dict[str, str], codes: dict[str, list[str]], trim: bool = True
) -> list[tuple[str, str, str]]:
    """(column, condition SQL, reason SQL) for every row-level check of a file.

    ``sources`` maps each column to the SQL of its delivered text (absent optional columns: NULL);
    ``codes`` maps each code list (``soort``) to its codes; ``trim`` as in :func:`_value`.
    """
    checks: list[tuple[str, str, str]] = []
    for col in file.columns:
        src = sources[col.name]
        if src.startswith("NULL"):
            continue
        v = _value(col, src, trim)
        if col.required:
            checks.append((col.name, f"{v} is null", lit("verplicht veld is leeg")))
        if col.type in _EXPECTED:
            cond = f"{v} is not null and ({typed_sql(col, src, trim)}) is null"
            reason = f"{lit('niet te lezen als ' + _EXPECTED[col.type].split(' (')[0])} || {_shown(col, v)}"
            if col.type in (ColumnType.DATE, ColumnType.TIMESTAMP, ColumnType.DECIMAL):
                reason += f" || {lit(' (' + _EXPECTED[col.type].split(' (', 1)[1])}"
            checks.append((col.name, cond, reason))
        if col.codelist:
            # a literal list, not `in (select ...)`: a subquery is a join, and a join does not keep
            # the scan's order that numbers the records (see _read)
            listed = ", ".join(lit(c) for c in codes.get(col.codelist, []))
            cond = f"{v} is not null and not list_contains([{listed}]::varchar[], {v})"
            reason = f"'code' || {_shown(col, v)} || {lit(' staat niet in referentiedata ' + col.codelist)}"
            checks.append((col.name, cond, reason))
        if col.name in SEGMENT_SOURCE_COLUMNS.get(file.name, ()):
            cond = f"{v} is not null and ({' or '.join(f'contains({v}, {lit(c)})' for c in SEGMENT_SEPARATORS)})"
            reason = (
                f"'waarde' || {_shown(col, v)} || "
                f"{lit(' bevat ; of =, die de delen van een signaalsegment scheiden (dim=waarde;dim=waarde)')}"
            )
            checks.append((col.name, cond, reason))
    return checks


def key_sql(file: ContractFile, typed: dict[str, str]) -> str:
    """One text value for a row's key (composite keys joined by '|'), from typed expressions."""
    parts = [f"coalesce(({typed[k]})::varchar, '')" for k in file.key]
    return parts[0] if len(parts) == 1 else "concat_ws('|', " + ", ".join(parts) + ")"


def row_hash_sql(cols: list[str]) -> str:
    """md5 over the stored business columns (to detect a changed snapshot row)."""
    parts = ", ".join(f"coalesce({q(c)}::varchar, chr(0))" for c in cols)
    return f"md5(concat_ws(chr(31), {parts}))"


# --- the parse of one file ---------------------------------------------------------------------


class _Ctx:
    def __init__(self, con, manifest, extractdatum: date, file_check=None, duplicates: bool = True):
        self.con = con
        self.manifest = manifest
        self.duplicates = duplicates  # search each file for keys that occur more than once
        self.extractdatum = extractdatum
        self.file_check = file_check or manifest.checks.get  # name -> FileCheck | None
        self._codes: dict[str, list[str]] | None = None

    def codes(self) -> dict[str, list[str]]:
        """The code lists rows are checked against (see :func:`code_lists`)."""
        if self._codes is None:
            self._codes = code_lists(self.con)
        return self._codes


def code_lists(con) -> dict[str, list[str]]:
    """Code list -> its codes (distinct, sorted): table ``_codes`` of a parse, made from the delivery's
    referentiedata and the contract's eigen lijsten. The raw suites get the same lists."""
    out: dict[str, list[str]] = {}
    for soort, code in con.execute("select distinct soort, code from _codes order by all").fetchall():
        out.setdefault(soort, []).append(code)
    return out


RAW_PREFIX = "$"  # read_csv names the delivered (text) columns "$<column>"; typed ones keep their name


def _raw(name: str) -> str:
    return q(RAW_PREFIX + name)


def _simple_lines(check, rows: int | None) -> bool:
    """True when no quoted field holds a line break: a record's line is then its number + 1."""
    if check is None or rows is None:
        return False
    # a line per record after the header's; the last record's line break may be missing
    return check.newlines == (rows + 1 if check.ends_with_newline else rows)


def _read(
    con,
    file: ContractFile,
    path: Path,
    names: list[str],
    pf: ParsedFile,
    select: str,
    target: str,
    check=None,
    temp: bool = False,
) -> bool:
    """CTAS ``target`` from the CSV (``select`` over the columns "$<name>"), rows in the file's order.

    DuckDB keeps the insertion order of a CSV scan (``preserve_insertion_order``, on by default), so
    the table's ``rowid`` is the record's number - 1. Numbering with ``row_number() over ()`` instead
    is slow on a large file: the window collects the whole scan first.
    ``select`` must hold expressions only: a subquery becomes a join, and a join does not keep the order.
    Returns False (and records the problem) when records have a broken CSV structure. ``check`` is the
    file's byte check when it was made (then the file is UTF-8: :func:`parse_file` stops before
    reading one that is not); without it a failed read looks at the encoding first.
    """
    import duckdb

    rej = f"_rej_{file.name}"
    raw_names = [RAW_PREFIX + n for n in names]
    try:
        con.execute(
            f"create or replace {'temp ' if temp else ''}table {target} as select {select} from "
            f"{read_csv_sql(path, raw_names, rejects=rej)}"
        )
    except duckdb.Error as exc:
        # DuckDB's CSV errors quote the offending line ("Original Line: ..."): never pass that on,
        # it may hold personal data. The fault is built from the file and the line DuckDB names.
        pf.problems.append(csv_read_fout(path, exc, check))
        return False
    try:
        n_rej = con.execute(f"select count(*) from {rej}").fetchone()[0]
        if n_rej:
            encoding = check_file_bytes(path).utf8_fout(file.filename) if check is None else None
            if encoding:
                pf.problems.append(encoding)
                con.execute(f"drop table {target}")
                return False
            # error_message holds counts only ("Expected Number of Columns: 6 Found: 7"); csv_line
            # (the delivered text) is never read
            rejects = con.execute(
                f"select line, error_type, error_message from {rej} order by line limit {_MAX_LISTED}"
            ).fetchall()
            listed = "; ".join(f"regel {ln}: {_reject_text(et, msg)}" for ln, et, msg in rejects)
            pf.problems.append(
                Fout(
                    "csv_structuur",
                    file.filename,
                    rejects[0][0],
                    None,
                    (
                        f"{file.filename}: {n_rej} record(s) met een kapotte CSV-structuur ({listed}"
                        f"{'; ...' if n_rej > _MAX_LISTED else ''}); controleer de aanhalingstekens rond ';', '\"' "
                        f"en regeleinden"
                    ),
                )
            )
            con.execute(f"drop table {target}")
            return False
        return True
    finally:
        con.execute(f"drop table if exists {rej}")
        con.execute(f"drop table if exists {rej}_scan")


def parse_file(ctx: _Ctx, file: ContractFile) -> ParsedFile:
    """Parse one contract file in a single pass over the CSV (see the module docstring)."""
    con = ctx.con
    m = ctx.manifest
    pf = ParsedFile(file.name)
    path = m.path / file.filename
    check = ctx.file_check(file.name)
    mf = m.bestanden.get(file.name)
    if check is not None and mf is not None and check.sha256 != mf.sha256:
        # the verification refuses it (cut off, or altered): nothing of it is read
        pf.problems.append(sha256_problem(mf, check))
        return pf
    if check is not None and check.utf8_error:  # the verification reports it; nothing to read
        pf.problems.append(check.utf8_fout(file.filename))
        return pf
    header = read_header(path)
    if not header:
        pf.problems.append(
            Fout("leeg", file.filename, detail=(f"{file.filename} is leeg: het contract vraagt een kopregel"))
        )
        return pf
    if any("\x00" in h for h in header):
        pf.problems.append(
            Fout(
                "codering",
                file.filename,
                1,
                detail=(
                    f"{file.filename}: de kopregel bevat NUL-bytes (het lijkt UTF-16): "
                    f"exporteer het bestand opnieuw als UTF-8"
                ),
            )
        )
        return pf
    names, missing_req, missing_opt, extra = match_header(file, header)
    if missing_req:
        for c in missing_req:
            pf.problems.append(
                Fout(
                    "kolom_ontbreekt",
                    file.filename,
                    1,
                    c,
                    (f"{file.filename}: verplichte kolom {c!r} ontbreekt in de kopregel"),
                )
            )
        return pf
    if extra:
        pf.extra_columns = extra
        pf.warnings.append(f"{file.filename}: extra column(s) {', '.join(extra)} reported and not loaded")
    if missing_opt:
        pf.warnings.append(f"{file.filename}: optional column(s) {', '.join(missing_opt)} absent; loaded as empty")
    present = set(names)
    src = {c.name: (_raw(c.name) if c.name in present else "NULL::varchar") for c in file.columns}
    simple = _simple_lines(check, mf.rijen if mf else None)
    trim = check is None or check.padded  # without edge spaces trim changes no value of the file
    newline_sql = (
        " + ".join(f"coalesce(length({_raw(n)}) - length(replace({_raw(n)}, chr(10), '')), 0)" for n in names) or "0"
    )
    # lines per record (only when a quoted field holds a line break somewhere in the file)
    breaks = "" if simple else f", ({newline_sql}) as _regeleinden"

    if file.kind is FileKind.REFERENCE:
        tmp = f"_v_{file.name}"
        cols = ", ".join(f"{src[c.name]} as {q(c.name)}" for c in file.columns)
        if not _read(con, file, path, names, pf, f"{cols}{breaks}", tmp + "_csv", check, temp=True):
            return pf
        _number_records(con, tmp + "_csv", tmp, simple, temp=True)
        pf.geleverd = con.execute(f"select count(*) from {tmp}").fetchone()[0]
        _parse_referentiedata(ctx, file, tmp, pf)
        return pf

    # --- row checks, typed values, pseudonyms: one pass (DROP columns are never selected)
    checks = fault_checks(file, src, ctx.codes(), trim)
    if file.kind is FileKind.DELETIONS:
        known = ", ".join(lit(f.name) for f in FILES if f.kind in (FileKind.SNAPSHOT, FileKind.EVENT))
        tabel = f"nullif(trim({src['tabel']}), '')"
        checks.append(
            (
                "tabel",
                f"{tabel} not in ({known})",
                f"'tabel ' || chr(39) || left({tabel}, 40) || chr(39) || ' is geen contractbestand met rijen'",
            )
        )
        checks.append(
            (
                "sleutel",
                _deletion_key_fault_sql(src["tabel"], src["sleutel"]),
                lit("sleutel heeft het verkeerde aantal met '|' gescheiden delen voor zijn tabel"),
            )
        )
    typed = {c.name: typed_sql(c, src[c.name], trim) for c in file.stored_columns}
    if file.kind is FileKind.DELETIONS:
        typed["tabel"] = f"trim({src['tabel']})"
        typed["sleutel"] = _deletion_key_sql(src["tabel"], src["sleutel"])
    business = [stored_column_name(file, c.name) for c in file.stored_columns]
    select = [f"{expr} as {q(stored_column_name(file, name))}" for name, expr in typed.items()]
    if checks:
        any_fault = " or ".join(f"({c})" for _, c, _ in checks)
        structs = ", ".join(
            f"case when {cond} then struct_pack(kolom := {lit(col)}, reden := {reason}) end"
            for col, cond, reason in checks
        )
        faults = f"case when {any_fault} then list_filter([{structs}], lambda x: x is not null) end"
    else:
        faults = "NULL::struct(kolom varchar, reden varchar)[]"
    # amounts with more decimals than the warehouse keeps are loaded rounded, and reported per column
    rounded = [c.name for c in file.stored_columns if c.type is ColumnType.DECIMAL and c.name in present]
    flags = "".join(f", {rounded_sql(_value(file.column(c), src[c], trim))} as {q('_afgerond_' + c)}" for c in rounded)
    body = f"{', '.join(select)}, {faults} as _fouten{flags}{breaks}"
    csv_table, table = f"_t_{file.name}", f"_n_{file.name}"
    if not _read(con, file, path, names, pf, body, csv_table, check):
        return pf
    _number_records(con, csv_table, table, simple)
    pf.geleverd = con.execute(f"select count(*) from {csv_table}").fetchone()[0]

    # --- faults found in the pass, then duplicate keys among the remaining rows
    con.execute(
        "create or replace temp table _f (bestand varchar, rij bigint, regelnummer bigint, kolom varchar, "
        "reden varchar)"
    )
    con.execute(
        f"insert into _f select {lit(file.filename)}, _rij, _regelnummer, f.kolom, f.reden from "
        f"(select _rij, _regelnummer, unnest(_fouten) as f from {table} where _fouten is not null)"
    )
    kcols = [q(stored_column_name(file, k)) for k in file.key]
    key_has_pii = any(file.column(k).pii is not None for k in file.key)
    key_text = (
        "'(withheld: personal data)'"
        if key_has_pii
        else "concat_ws(', ', " + ", ".join(f"{lit(k + '=')} || coalesce({q(k)}::varchar, '')" for k in file.key) + ")"
    )
    # first only whether two rows share a key's hash: equal keys have equal hashes, so neighbours
    # with the same hash in hash order are necessary for a duplicate. Sorting the 64-bit hashes is
    # faster than grouping the text keys or counting distinct hashes, in any row order. Only then are
    # the exact duplicates grouped and their lines listed (a list per key is slower still); a hash
    # collision alone finds none there.
    keys_sql = ", ".join(kcols)
    has_duplicates = (
        ctx.duplicates
        and con.execute(
            f"select count(*) > 0 from (select h, lag(h) over (order by h) as vorige from "
            f"(select hash({keys_sql}) as h from {table} where _fouten is null)) where h = vorige"
        ).fetchone()[0]
    )
    if has_duplicates:
        con.execute(
            f"""insert into _f
            select {lit(file.filename)}, t._rij, t._regelnummer, {lit(", ".join(file.key))},
                   'dubbele sleutel ' || d.sleutel || ' in deze levering (regels ' || d.regels || ')'
            from {table} t join (
                select {keys_sql}, {key_text} as sleutel,
                       array_to_string(list(_regelnummer order by _regelnummer)[1:{_MAX_LISTED}], ', ')
                       || case when count(*) > {_MAX_LISTED} then ', ...' else '' end as regels
                from {table} where _fouten is null group by all having count(*) > 1
            ) d using ({keys_sql})
            where t._fouten is null"""
        )
    n_faulty = con.execute("select count(distinct rij) from _f").fetchone()[0]
    if n_faulty:
        con.execute(f"update {csv_table} set _fouten = [] where _fouten is null and rowid + 1 in (select rij from _f)")
    out_cols = [q(c) for c in business] + ["_rij", "_regelnummer"]
    if file.kind in (FileKind.SNAPSHOT, FileKind.EVENT):
        # keys of quarantined rows keep their previous version (not read as a deletion)
        con.execute(
            f"create or replace table _qkeys_{file.name} as select distinct "
            f"{key_sql(file, {k: q(stored_column_name(file, k)) for k in file.key})} as sleutel "
            f"from {table} where _fouten is not null"
        )
    if file.kind is FileKind.SNAPSHOT:
        out_cols.append(f"{row_hash_sql(business)} as _rij_hash")
    _rounding_warning(con, file, pf, csv_table, rounded)
    if n_faulty:
        con.execute(
            f"create or replace view {file.name} as select {', '.join(out_cols)} from {table} where _fouten is null"
        )
    else:
        # nothing to filter: the columns of the checks go (memory the merge and the raw suites need
        # next); dropping a column keeps the rows, so their rowids
        for c in ["_fouten", *(f"_afgerond_{r}" for r in rounded)]:
            con.execute(f"alter table {csv_table} drop column {q(c)}")
        _numbering_view(con, csv_table, table, simple)
        con.execute(f"create or replace view {file.name} as select {', '.join(out_cols)} from {table}")
    con.execute("insert into _quarantaine select * from _f")
    pf.quarantaine = n_faulty
    pf.geladen = pf.geleverd - n_faulty
    _code_validity_warning(ctx, file, pf, file.name, present)
    return pf


def _number_records(con, table: str, view: str, simple: bool, temp: bool = False) -> None:
    """View ``view``: ``table`` with ``_rij`` (1 = first data row) and ``_regelnummer`` (physical line).

    When no quoted field holds a line break, record n starts on line n + 1. Otherwise ``table`` has
    the line breaks per record (``_regeleinden``) and is rebuilt once with the running count; its
    ``order by rowid`` keeps the rows, and so ``rowid``, in the file's order.
    """
    if not simple:
        con.execute(
            f"create or replace {'temp ' if temp else ''}table {table} as select * exclude (_regeleinden), "
            f"2 + rowid + coalesce(sum(_regeleinden) over (order by rowid rows between unbounded preceding "
            f"and 1 preceding), 0) as _regelnummer from {table} order by rowid"
        )
    _numbering_view(con, table, view, simple, temp)


def _numbering_view(con, table: str, view: str, simple: bool, temp: bool = False) -> None:
    line = "rowid + 2" if simple else "_regelnummer"
    con.execute(
        f"create or replace {'temp ' if temp else ''}view {view} as select rowid + 1 as _rij, {line} as _regelnummer, "
        f"* {'exclude (_regelnummer) ' if not simple else ''}from {table}"
    )


def rounded_sql(v: str) -> str:
    """SQL: the amount text ``v`` has non-zero digits after the second decimal (``12,345``; not ``12,3400``)."""
    comma = f"strpos({v}, {lit(DECIMAL_SEPARATOR)})"
    return (
        f"case when {comma} > 0 and strlen({v}) - {comma} > 2 then strlen(rtrim({v}, '0')) - {comma} > 2 else false end"
    )


def _rounding_warning(con, file: ContractFile, pf: ParsedFile, table: str, rounded: list[str]) -> None:
    if not rounded:
        return
    flags = [q("_afgerond_" + c) for c in rounded]
    counts = con.execute(
        f"select {', '.join(f'count(*) filter (where {f})' for f in flags)} from {table} where _fouten is null"
    ).fetchone()
    for c, n in zip(rounded, counts, strict=True):
        if n:
            pf.warnings.append(f"{file.filename}: {n} value(s) of {c} have more than 2 decimals; loaded rounded to 2")


def _deletion_key_fault_sql(tabel: str, sleutel: str) -> str:
    parts = " ".join(
        f"when {lit(f.name)} then len(string_split({sleutel}, '|')) <> {len(f.key)}"
        for f in FILES
        if f.kind in (FileKind.SNAPSHOT, FileKind.EVENT)
    )
    return (
        f"nullif(trim({tabel}), '') is not null and {sleutel} is not null "
        f"and (case trim({tabel}) {parts} else false end)"
    )


def _deletion_key_sql(tabel: str, sleutel: str) -> str:
    """verwijderingen.sleutel with every part that is a person key replaced by its keyed hash."""
    whens = []
    for f in FILES:
        if f.kind not in (FileKind.SNAPSHOT, FileKind.EVENT):
            continue
        pii_parts = [i for i, k in enumerate(f.key) if f.column(k).pii is not None]
        if not pii_parts:
            continue
        parts = []
        for i, k in enumerate(f.key):
            part = f"string_split({sleutel}, '|')[{i + 1}]"
            parts.append(pseudonymise_sql(part, f.column(k)) if i in pii_parts else part)
        whens.append(f"when {lit(f.name)} then concat_ws('|', {', '.join(parts)})")
    if not whens:
        return sleutel
    return f"case trim({tabel}) {' '.join(whens)} else {sleutel} end"


def _code_validity_warning(ctx: _Ctx, file: ContractFile, pf: ParsedFile, target: str, present: set[str]) -> None:
    """Codes that exist but are not valid on the row's date are loaded and reported (not quarantined)."""
    con = ctx.con
    date_col = ROW_DATE_COLUMN.get(file.name)
    on = f"t.{q(date_col)}" if date_col else f"DATE {lit(ctx.extractdatum.isoformat())}"
    for col in file.columns:
        if not col.codelist or col.name not in present:
            continue
        dated = con.execute(
            "select count(*) from _codes where soort = ? and (begindatum is not null or einddatum is not null)",
            [col.codelist],
        ).fetchone()[0]
        if not dated:  # no validity windows in this list: nothing to check (saves a scan of big files)
            continue
        n = con.execute(
            f"""select count(*) from {target} t
            where t.{q(col.name)} is not null
              and {on} is not null
              and exists (select 1 from _codes c where c.soort = {lit(col.codelist)} and c.code = t.{q(col.name)}
                          and (c.begindatum is not null or c.einddatum is not null))
              and not exists (select 1 from _codes c where c.soort = {lit(col.codelist)} and c.code = t.{q(col.name)}
                          and (c.begindatum is null or c.begindatum <= {on})
                          and (c.einddatum is null or c.einddatum >= {on}))"""
        ).fetchone()[0]
        if n:
            pf.warnings.append(
                f"{file.filename}: {n} row(s) use a {col.codelist} code in column {col.name!r} outside its "
                f"referentiedata validity (Begindatum/Einddatum) on {date_col or 'the extractdatum'}; loaded"
            )


def _lenient_date(v: str) -> str:
    """VERA writes both dd-mm-jjjj and d-m-jjjj; anything else (``14-02-205``) is malformed."""
    return f"case when regexp_full_match({v}, '\\d{{1,2}}-\\d{{1,2}}-\\d{{4}}') then {_date(v)} end"


def _parse_referentiedata(ctx: _Ctx, file: ContractFile, tmp: str, pf: ParsedFile) -> None:
    """Lenient parse of referentiedata: faults are reported, never fatal."""
    con = ctx.con
    v = {c.name: _value(c, q(c.name)) for c in file.columns}
    con.execute(
        "create or replace temp table _f (bestand varchar, rij bigint, regelnummer bigint, kolom varchar, "
        "reden varchar)"
    )
    for c in ("soort", "code"):
        con.execute(
            f"insert into _f select {lit(file.filename)}, _rij, _regelnummer, {lit(c)}, 'verplicht veld is leeg' "
            f"from {tmp} where {v[c]} is null"
        )
    select = []
    for c in file.columns:
        if c.type is ColumnType.DATE:
            select.append(f"{_lenient_date(v[c.name])} as {q(c.name)}")
        else:
            select.append(f"{v[c.name]} as {q(c.name)}")
    con.execute(
        f"create or replace table referentiedata as select {', '.join(select)}, _rij, _regelnummer "
        f"from {tmp} where _rij not in (select rij from _f)"
    )
    bad_dates = con.execute(
        f"select list(_regelnummer order by _regelnummer)[1:{_MAX_LISTED}], count(*) from {tmp} where "
        + " or ".join(f"({v[c]} is not null and ({_lenient_date(v[c])}) is null)" for c in ("begindatum", "einddatum"))
    ).fetchone()
    if bad_dates[1]:
        pf.warnings.append(
            f"referentiedata.csv: {bad_dates[1]} malformed Begindatum/Einddatum (lines "
            f"{', '.join(map(str, bad_dates[0]))}{', ...' if bad_dates[1] > _MAX_LISTED else ''}); loaded as empty"
        )
    dups = con.execute(
        "select count(*), sum(n) from (select soort, code, count(*) n from referentiedata group by all having n > 1)"
    ).fetchone()
    if dups[0]:
        pf.warnings.append(
            f"referentiedata.csv: {dups[0]} (Soort, Code) pairs occur more than once ({dups[1]} rows); all kept"
        )
    con.execute("insert into _quarantaine select * from _f")
    pf.quarantaine = con.execute("select count(distinct rij) from _f").fetchone()[0]
    if pf.quarantaine:
        pf.warnings.append(f"referentiedata.csv: {pf.quarantaine} row(s) without Soort or Code quarantined")
    pf.geladen = con.execute("select count(*) from referentiedata").fetchone()[0]
    # the code lists rows are checked against: referentiedata plus the contract's eigen lijsten
    eigen = ", ".join(f"({lit(soort)}, {lit(code)})" for soort, codes in EIGEN_LIJSTEN.items() for code in codes)
    con.execute(
        "create or replace table _codes as "
        "select soort, code, begindatum, einddatum from referentiedata "
        f"union all select s, c, null::date, null::date from (values {eigen}) e(s, c)"
    )
    missing = [
        s
        for (s,) in con.execute(
            "select distinct s from (values "
            + ", ".join(f"({lit(s)})" for s in CODELISTS)
            + ") x(s) where s not in (select soort from referentiedata)"
        ).fetchall()
    ]
    if missing:
        pf.warnings.append(f"referentiedata.csv: no codes for {', '.join(missing)}")
    con.execute(f"drop view {tmp}")
    con.execute(f"drop table {tmp}_csv")


def parse_delivery(
    con, manifest, extractdatum: date | None = None, file_check=None, duplicates: bool = True
) -> dict[str, ParsedFile]:
    """Parse every file of a delivery into scratch connection ``con``.

    ``con`` must have the pseudonymisation key installed (:func:`pseudonymise.install_key`).
    Creates ``main.<file>`` per contract file, ``main._quarantaine`` and ``main._codes``.
    ``file_check(name)`` gives a file's :class:`~woonsignaal.ingest.verify.FileCheck` (default:
    ``manifest.checks``); the loader passes :meth:`FileChecks.get`, so the files are parsed while
    their bytes are still being verified, smallest first (the biggest is hashed longest).
    ``duplicates=False`` leaves out the search for keys that occur more than once: the loader does,
    when the raw suites check the keys, and parses again with it when they find one.
    Returns the files in contract order.
    """
    ctx = _Ctx(con, manifest, extractdatum or manifest.extractdatum, file_check, duplicates)
    con.execute(
        "create or replace table _quarantaine (bestand varchar, rij bigint, regelnummer bigint, kolom varchar, "
        "reden varchar)"
    )
    reference = [f for f in FILES if f.kind is FileKind.REFERENCE]
    others = sorted(
        (f for f in FILES if f.kind is not FileKind.REFERENCE), key=lambda f: _size(manifest.file_path(f.name))
    )
    results: dict[str, ParsedFile] = {}
    for file in reference + others:  # referentiedata first: the others check their codes against it
        started = time.perf_counter()
        results[file.name] = pf = parse_file(ctx, file)
        # progress for the task log: file names and counts only, never a value
        log.info(
            "parsed %s: %d rows, %d quarantined, %d problem(s) in %.1f s",
            file.filename,
            pf.geleverd,
            pf.quarantaine,
            len(pf.problems),
            time.perf_counter() - started,
        )
        if file.kind is FileKind.REFERENCE and results[file.name].problems:
            # without code lists nothing else can be checked
            break
    return {f.name: results[f.name] for f in FILES if f.name in results}


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


__all__ = [
    "ParsedFile",
    "parse_delivery",
    "read_csv_sql",
    "read_header",
    "match_header",
    "typed_sql",
    "raw_columns",
    "SNAPSHOT_HISTORY_COLUMNS",
]
