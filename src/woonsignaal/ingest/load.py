"""Load one delivery into the raw layer: verify, parse, quarantine, validate, merge in one transaction.

Order (nothing touches the warehouse before the last step, and it commits only when all passed):

1. ``read_manifest`` and the warehouse's ``raw.leveringen``: the same delivery again is a no-op, an
   older version of a loaded one or a delivery older than the latest loaded one is refused.
2. ``start_file_checks``: every listed file present; sha256, UTF-8 and line counts start in threads
   beside the parse and must pass before anything else (row counts follow from the parse).
3. ``parse_delivery`` into a scratch (a named in-memory DuckDB, ``open_scratch``): typed, pseudonymised,
   faulty rows in quarantine. Row counts against the manifest, the quarantine threshold.
4. Great Expectations raw suites (``expectations/raw/<file>.json``) on the scratch tables, in a
   thread beside step 5. They are what asks whether a key occurs twice; when one does, the load
   starts again with the parse searching for such keys (see ``load_delivery``).
5. One transaction on the warehouse: undo an earlier load of the same extractdatum (re-sent
   delivery), merge snapshots (history per extractdatum), upsert events (latest ``gewijzigd_op``
   wins), apply ``verwijderingen``, write ``raw.quarantaine`` and ``raw.leveringen``; then wait for
   the suites. A failed suite or any error rolls the whole transaction back.

See ``docs/ingest.md`` for the fault classes and the raw layer.
"""

from __future__ import annotations

import logging
import time
import uuid
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from pathlib import Path

from woonsignaal.contract import FILES, SOORT_DELTA, SOORT_VOLLEDIG, ColumnType, ContractFile, FileKind
from woonsignaal.faults import Fout
from woonsignaal.ingest.errors import DeliveryRejected
from woonsignaal.ingest.landing import _as_naive_utc
from woonsignaal.ingest.parse import ParsedFile, code_lists, parse_delivery
from woonsignaal.ingest.pseudonymise import install_key
from woonsignaal.ingest.verify import Manifest, read_manifest, row_count_problem, start_file_checks
from woonsignaal.quality.raw_suites import (
    KEY_DESCRIPTION,
    ROW_COUNT_DESCRIPTION,
    ROW_COUNT_SLACK,
    code_parameters,
    row_count_bounds,
    rows_parameter,
)
from woonsignaal.raw_schema import RAW_SCHEMA, create_raw_tables, raw_columns, stored_column_name
from woonsignaal.settings import ENV_DELETION_TOLERANCE, ENV_DELIVERY_ROW_TOLERANCE
from woonsignaal.sqltext import quote_identifier as q
from woonsignaal.sqltext import quote_literal as lit

log = logging.getLogger(__name__)

#: A file with more quarantined rows than this fraction (and more than the minimum) fails the run.
QUARANTINE_FATAL_FRACTION = 0.05
QUARANTINE_FATAL_MIN_ROWS = 10
#: Internal bookkeeping of the ingest (undo information for a re-sent delivery); not for dbt.
INGEST_SCHEMA = "ingest"
#: Catalog of the in-memory scratch database (a named in-memory DuckDB) and of the attached warehouse.
SCRATCH = "memory"
WAREHOUSE = "wh"
_LISTED = 5


@dataclass
class FileCounts:
    geleverd: int = 0  # data rows in the file (= manifest rijen)
    geladen: int = 0  # rows accepted into the raw layer
    quarantaine: int = 0  # rows in raw.quarantaine


@dataclass
class LoadResult:
    extractdatum: date
    aangemaakt_op: datetime
    soort: str
    status: str  # "geladen", "vervangen" (re-sent) or "al geladen" (no-op)
    files: dict[str, FileCounts] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    fatal_faults: list[str] = field(default_factory=list)  # always empty on a returned result
    gx_summary: str = ""
    seconds: float = 0.0
    timings: dict[str, float] = field(default_factory=dict)  # seconds per phase

    @property
    def geleverd(self) -> int:
        return sum(f.geleverd for f in self.files.values())

    @property
    def geladen(self) -> int:
        return sum(f.geladen for f in self.files.values())

    @property
    def quarantaine(self) -> int:
        return sum(f.quarantaine for f in self.files.values())

    def to_dict(self) -> dict:
        return {
            "extractdatum": self.extractdatum.isoformat(),
            "aangemaakt_op": self.aangemaakt_op.isoformat(),
            "soort": self.soort,
            "status": self.status,
            "files": {k: asdict(v) for k, v in self.files.items()},
            "rijen_geleverd": self.geleverd,
            "rijen_geladen": self.geladen,
            "rijen_quarantaine": self.quarantaine,
            "warnings": list(self.warnings),
            "fatal_faults": list(self.fatal_faults),
            "gx_summary": self.gx_summary,
            "seconds": round(self.seconds, 3),
            "timings": {k: round(v, 3) for k, v in self.timings.items()},
        }

    def summary(self) -> str:
        head = (
            f"{self.extractdatum.isoformat()} ({self.soort}) {self.status}: {self.geleverd} rows delivered, "
            f"{self.geladen} loaded, {self.quarantaine} quarantined in {self.seconds:.1f} s"
        )
        return "\n".join([head, *(f"warning: {w}" for w in self.warnings)])


# --- warehouse state ---------------------------------------------------------------------------


@dataclass
class _State:
    loaded: dict[date, datetime]
    previous_counts: dict[str, int]


def _warehouse_state(warehouse: Path) -> _State:
    if not warehouse.exists():
        return _State({}, {})
    import duckdb

    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        tables = {
            t
            for (t,) in con.execute(
                "select table_name from information_schema.tables where table_schema = ?", [RAW_SCHEMA]
            ).fetchall()
        }
        if "leveringen" not in tables:
            return _State({}, {})
        loaded = dict(con.execute("select extractdatum, aangemaakt_op from raw.leveringen").fetchall())
        counts = {}
        for f in FILES:
            if f.kind is FileKind.SNAPSHOT and f.name in tables:
                counts[f.name] = con.execute(f"select count(*) from raw.{f.name} where _geldig_tot is null").fetchone()[
                    0
                ]
        return _State(loaded, counts)
    finally:
        con.close()


def _check_order(manifest: Manifest, state: _State) -> str | None:
    """Refuse or skip by the deliveries already loaded. Returns "al geladen", "vervangen" or None."""
    d = manifest.extractdatum
    new = _as_naive_utc(manifest.aangemaakt_op)
    if d in state.loaded:
        old = state.loaded[d]
        if new == old:
            return "al geladen"
        if new < old:
            raise DeliveryRejected(
                Fout(
                    "volgorde",
                    detail=f"{d.isoformat()} is al geladen uit een nieuwere levering "
                    f"(aangemaakt_op {old.isoformat()} UTC); "
                    f"deze is gemaakt op {new.isoformat()} UTC en wordt genegeerd",
                ),
                d,
            )
    latest = max(state.loaded) if state.loaded else None
    if latest is not None and d < latest:
        kind = "een opnieuw gestuurde levering" if d in state.loaded else "een levering"
        raise DeliveryRejected(
            Fout(
                "volgorde",
                detail=f"{kind} voor {d.isoformat()} kwam binnen nadat {latest.isoformat()} geladen was; leveringen "
                f"laden in volgorde van extractdatum, dus deze past niet meer in de historie. Bouw de ruwe laag "
                f"opnieuw op vanaf {d.isoformat()}: zet het warehouse opzij en laad de landingsmappen opnieuw (de "
                f"laatste volledige levering op of voor {d.isoformat()} en alle latere)",
            ),
            d,
        )
    return "vervangen" if d in state.loaded else None


# --- merge SQL ---------------------------------------------------------------------------------


def _business(file: ContractFile) -> list[str]:
    return [stored_column_name(file, c.name) for c in file.stored_columns]


def _keys(file: ContractFile) -> list[str]:
    return [stored_column_name(file, k) for k in file.key]


def _on(a: str, b: str, keys: list[str]) -> str:
    return " and ".join(f"{a}.{q(k)} = {b}.{q(k)}" for k in keys)


def _key_text(alias: str, keys: list[str]) -> str:
    parts = [f"coalesce({alias}.{q(k)}::varchar, '')" for k in keys]
    return parts[0] if len(parts) == 1 else "concat_ws('|', " + ", ".join(parts) + ")"


def _ensure_ingest_tables(con) -> None:
    con.execute(f"create schema if not exists {INGEST_SCHEMA}")
    for f in FILES:
        if f.kind is FileKind.EVENT:
            con.execute(
                f"create table if not exists {INGEST_SCHEMA}.vervangen_{f.name} as "
                f"select *, null::date as _vervangen_door from {RAW_SCHEMA}.{f.name} limit 0"
            )


def _undo(con, d: date) -> None:
    """Remove everything the load of extractdatum ``d`` (the latest one) did."""
    D = f"DATE {lit(d.isoformat())}"
    for f in FILES:
        t = f"{RAW_SCHEMA}.{f.name}"
        if f.kind is FileKind.SNAPSHOT:
            con.execute(f"delete from {t} where _geldig_vanaf = {D}")
            con.execute(f"update {t} set _geldig_tot = null where _geldig_tot = {D}")
        elif f.kind is FileKind.EVENT:
            v = f"{INGEST_SCHEMA}.vervangen_{f.name}"
            keys = _keys(f)
            con.execute(
                f"delete from {t} where _extractdatum = {D} or exists "
                f"(select 1 from {v} v where v._vervangen_door = {D} and {_on('v', t, keys)})"
            )
            cols = ", ".join(q(c) for c in raw_columns(f))
            con.execute(f"insert into {t} ({cols}) select {cols} from {v} where _vervangen_door = {D}")
            con.execute(f"delete from {v} where _vervangen_door = {D}")
        elif f.kind is FileKind.DELETIONS:
            con.execute(f"delete from {t} where _extractdatum = {D}")
    con.execute(f"delete from {RAW_SCHEMA}.quarantaine where extractdatum = {D}")
    con.execute(f"delete from {RAW_SCHEMA}.leveringen where extractdatum = {D}")


def _merge_snapshot(con, f: ContractFile, d: date) -> None:
    D = f"DATE {lit(d.isoformat())}"
    t, s = f"{RAW_SCHEMA}.{f.name}", f"{SCRATCH}.{f.name}"
    keys, business = _keys(f), _business(f)
    # close the current version of keys that changed or disappeared (quarantined keys keep theirs)
    con.execute(
        f"""update {t} set _geldig_tot = {D}
        where _geldig_tot is null
          and not exists (select 1 from {s} n where {_on("n", t, keys)} and n._rij_hash = {t}._rij_hash)
          and {_key_text(t, keys)} not in (select sleutel from {SCRATCH}._qkeys_{f.name})"""
    )
    cols = business + ["_extractdatum", "_bronbestand", "_regelnummer", "_geldig_vanaf", "_geldig_tot", "_rij_hash"]
    sel = [f"n.{q(c)}" for c in business] + [
        D,
        lit(f"{d.isoformat()}/{f.filename}"),
        "n._regelnummer",
        D,
        "null",
        "n._rij_hash",
    ]
    con.execute(
        f"""insert into {t} ({", ".join(q(c) for c in cols)})
        select {", ".join(sel)} from {s} n
        where not exists (select 1 from {t} r where r._geldig_tot is null and {_on("r", "n", keys)}
                          and r._rij_hash = n._rij_hash)"""
    )


def _absent_from_volledig(con, f: ContractFile, d: date) -> tuple[int, int]:
    """A volledig delivery holds every row: a current event row it lacks was deleted in the source.

    Marked ``_verwijderd_op`` = the extract date (end of day is unknown: midnight), like a deletion;
    keys whose delivered row is in quarantine keep their version. Returns (the number marked, the
    table's current rows before).
    """
    D = f"DATE {lit(d.isoformat())}"
    t, s, v = f"{RAW_SCHEMA}.{f.name}", f"{SCRATCH}.{f.name}", f"{INGEST_SCHEMA}.vervangen_{f.name}"
    keys = _keys(f)
    current = con.execute(f"select count(*) from {t} where _verwijderd_op is null").fetchone()[0]
    absent = (
        f"{t}._verwijderd_op is null and {t}._extractdatum <> {D} "
        f"and not exists (select 1 from {s} n where {_on('n', t, keys)}) "
        f"and {_key_text(t, keys)} not in (select sleutel from {SCRATCH}._qkeys_{f.name})"
    )
    rcols = ", ".join(q(c) for c in raw_columns(f))
    con.execute(f"insert into {v} select {rcols}, {D} from {t} where {absent}")
    return con.execute(f"update {t} set _verwijderd_op = {D}::timestamp where {absent}").fetchone()[0], current


def _merge_event(con, f: ContractFile, d: date) -> int:
    """Upsert by key; the latest gewijzigd_op wins. Returns the number of stale rows not applied."""
    D = f"DATE {lit(d.isoformat())}"
    t, s, v = f"{RAW_SCHEMA}.{f.name}", f"{SCRATCH}.{f.name}", f"{INGEST_SCHEMA}.vervangen_{f.name}"
    keys, business = _keys(f), _business(f)
    cols = business + ["_extractdatum", "_bronbestand", "_regelnummer", "_verwijderd_op"]
    sel = [f"n.{q(c)}" for c in business] + [
        D,
        lit(f"{d.isoformat()}/{f.filename}"),
        "n._regelnummer",
        "null",
    ]
    insert = f"insert into {t} ({', '.join(q(c) for c in cols)}) select {', '.join(sel)} from "
    if con.execute(f"select count(*) from (select 1 from {t} limit 1)").fetchone()[0] == 0:
        con.execute(insert + f"{s} n")
        return 0
    nonkey = [c for c in business if c not in keys]
    differs = (
        f"row({', '.join('n.' + q(c) for c in nonkey)}) is distinct from row({', '.join('o.' + q(c) for c in nonkey)})"
    )
    con.execute(
        f"""create or replace temp table _new as select n.* from {s} n left join {t} o on {_on("n", "o", keys)}
        where o.{q(keys[0])} is null or n.gewijzigd_op > o.gewijzigd_op
           or (n.gewijzigd_op = o.gewijzigd_op and o._verwijderd_op is null and {differs})"""
    )
    rcols = ", ".join(q(c) for c in raw_columns(f))
    con.execute(
        f"insert into {v} select {rcols}, {D} from {t} o where o._extractdatum <> {D} "
        f"and exists (select 1 from _new n where {_on('n', 'o', keys)})"
    )
    con.execute(f"delete from {t} where exists (select 1 from _new n where {_on('n', t, keys)})")
    con.execute(insert + "_new n")
    n_new = con.execute("select count(*) from _new").fetchone()[0]
    n_all = con.execute(f"select count(*) from {s}").fetchone()[0]
    con.execute("drop table _new")
    return n_all - n_new


def _deletion_key_parts(f: ContractFile) -> list[str]:
    """SQL typing each '|'-part of verwijderingen.sleutel like the key column it names."""
    out = []
    for i, k in enumerate(f.key):
        part = f"string_split(w.sleutel, '|')[{i + 1}]"
        col = f.column(k)
        if col.type is ColumnType.DATE:
            part = f"try_strptime(trim({part}), '%d-%m-%Y')::date"
        elif col.type is ColumnType.INTEGER:
            part = f"try_cast(trim({part}) as integer)"
        else:
            part = f"trim({part})"
        out.append(f"{part} as {q(stored_column_name(f, k))}")
    return out


def _apply_deletions(con, d: date) -> list[str]:
    D = f"DATE {lit(d.isoformat())}"
    warnings = []
    cols = ["tabel", "sleutel", "verwijderd_op", "_extractdatum", "_bronbestand", "_regelnummer"]
    con.execute(
        f"insert into {RAW_SCHEMA}.verwijderingen ({', '.join(cols)}) "
        f"select tabel, sleutel, verwijderd_op, {D}, {lit(d.isoformat() + '/verwijderingen.csv')}, _regelnummer "
        f"from {SCRATCH}.verwijderingen"
    )
    for f in FILES:
        if f.kind is not FileKind.EVENT:
            continue
        n = con.execute(f"select count(*) from {SCRATCH}.verwijderingen where tabel = {lit(f.name)}").fetchone()[0]
        if not n:
            continue
        t, v = f"{RAW_SCHEMA}.{f.name}", f"{INGEST_SCHEMA}.vervangen_{f.name}"
        keys = _keys(f)
        con.execute(
            f"create or replace temp table _del as select {', '.join(_deletion_key_parts(f))}, "
            f"max(w.verwijderd_op) as verwijderd_op from {SCRATCH}.verwijderingen w where w.tabel = "
            f"{lit(f.name)} group by all"
        )
        match = f"{_on('x', t, keys)} and {t}._verwijderd_op is null and x.verwijderd_op >= {t}.gewijzigd_op"
        rcols = ", ".join(f"{t}.{q(c)}" for c in raw_columns(f))
        # a join, not `exists (...)`: the correlated form with the timestamp comparison scanned the whole
        # table the slow way, even for a few deletions; _del has one row per key
        con.execute(
            f"insert into {v} select {rcols}, {D} from {t} join _del x on {match} where {t}._extractdatum <> {D}"
        )
        applied = con.execute(f"update {t} set _verwijderd_op = x.verwijderd_op from _del x where {match}").fetchone()[
            0
        ]
        if applied < n:
            warnings.append(
                f"verwijderingen.csv: {n - applied} of {n} deletion(s) for {f.name} matched no current row "
                f"(unknown key, already deleted, or changed after the deletion)"
            )
        con.execute("drop table _del")
    return warnings


def _merge(
    con, manifest: Manifest, parsed: dict[str, ParsedFile], status: str | None, deletion_tolerance: float = 0.10
) -> list[str]:
    """Merge the scratch into the warehouse (in the caller's transaction); the warnings. A volledig
    delivery that would mark more than ``deletion_tolerance`` of an event table's rows deleted is
    refused (:class:`DeliveryRejected`, with the counts of every such table): a delta labelled
    ``volledig`` is an export fault, and the caller's rollback keeps the warehouse as it was."""
    d = manifest.extractdatum
    D = f"DATE {lit(d.isoformat())}"
    warnings: list[str] = []
    too_many: list[Fout] = []
    if status == "vervangen":
        _undo(con, d)
    else:
        for f in FILES:
            if f.kind is FileKind.EVENT:  # undo information is kept for the latest load only
                con.execute(f"delete from {INGEST_SCHEMA}.vervangen_{f.name} where _vervangen_door < {D}")
    for f in FILES:
        if f.kind is FileKind.REFERENCE:
            cols = [c.name for c in f.stored_columns]
            con.execute(f"delete from {RAW_SCHEMA}.referentiedata")
            con.execute(
                f"insert into {RAW_SCHEMA}.referentiedata ({', '.join(q(c) for c in cols)}, _extractdatum, "
                "_bronbestand, _regelnummer) "
                f"select {', '.join(q(c) for c in cols)}, {D}, {lit(d.isoformat() + '/' + f.filename)}, _regelnummer "
                f"from {SCRATCH}.referentiedata"
            )
        elif f.kind is FileKind.SNAPSHOT:
            _merge_snapshot(con, f, d)
        elif f.kind is FileKind.EVENT:
            had_rows = (
                con.execute(f"select count(*) from (select 1 from {RAW_SCHEMA}.{f.name} limit 1)").fetchone()[0] > 0
            )
            stale = _merge_event(con, f, d)
            if stale:
                warnings.append(
                    f"{f.filename}: {stale} row(s) older than (or equal to) the version already loaded; kept "
                    "the loaded one"
                )
            if manifest.soort == SOORT_VOLLEDIG and had_rows:  # nothing to compare on a first load
                gone, current = _absent_from_volledig(con, f, d)
                if gone > deletion_tolerance * current:
                    too_many.append(
                        Fout(
                            "verwijderingen",
                            f.filename,
                            detail=(
                                f"{f.filename}: deze volledige levering mist {gone} van de {current} huidige rijen van "
                                f"{f.name} ({gone / current:.0%}, meer dan {deletion_tolerance:.0%}); ze zouden als "
                                f"verwijderd gemarkeerd worden. Is het een delta met soort 'volledig' in het manifest? "
                                f"Klopt het toch, laad de levering dan eenmalig met {ENV_DELETION_TOLERANCE} hoger"
                            ),
                        )
                    )
                elif gone:
                    warnings.append(
                        f"{f.filename}: {gone} row(s) loaded earlier are absent from this volledig delivery; "
                        f"marked deleted (_verwijderd_op = {d.isoformat()})"
                    )
    if too_many:
        raise DeliveryRejected(too_many, d)
    warnings += _apply_deletions(con, d)
    con.execute(
        f"insert into {RAW_SCHEMA}.quarantaine (extractdatum, bestand, regelnummer, kolom, reden, fataal, "
        "geregistreerd_op) "
        f"select {D}, bestand, regelnummer, kolom, reden, false, now()::timestamp from {SCRATCH}._quarantaine"
    )
    tot = [sum(getattr(p, a) for p in parsed.values()) for a in ("geleverd", "geladen", "quarantaine")]
    con.execute(
        f"insert into {RAW_SCHEMA}.leveringen values (?, ?, ?, ?, ?, ?, now()::timestamp, ?, ?, ?)",
        [
            d,
            _as_naive_utc(manifest.aangemaakt_op),
            manifest.soort,
            manifest.bron,
            manifest.corporatie,
            manifest.contract_versie,
            *tot,
        ],
    )
    return warnings


# --- the load ----------------------------------------------------------------------------------


def _fatal_row_faults(con, parsed: dict[str, ParsedFile], manifest: Manifest) -> list[str]:
    problems: list[Fout] = []
    for name, pf in parsed.items():
        if name == "referentiedata" or not pf.geleverd:
            continue
        if pf.quarantaine > QUARANTINE_FATAL_MIN_ROWS and pf.quarantaine > QUARANTINE_FATAL_FRACTION * pf.geleverd:
            first = con.execute(
                "select regelnummer, kolom, reden from _quarantaine where bestand = "
                f"{lit(manifest.bestanden[name].naam)} "
                f"order by regelnummer limit {_LISTED}"
            ).fetchall()
            listed = "; ".join(f"regel {r}, {k}: {why}" for r, k, why in first)
            problems.append(
                Fout(
                    "rijfouten",
                    manifest.bestanden[name].naam,
                    first[0][0],
                    first[0][1],
                    (
                        f"{manifest.bestanden[name].naam}: {pf.quarantaine} van de {pf.geleverd} rijen hebben fouten "
                        f"(meer dan {QUARANTINE_FATAL_FRACTION:.0%}): {listed}"
                    ),
                )
            )
    return problems


def _previous_counts_table(con, state: _State, manifest: Manifest, tolerance: float) -> None:
    """Tables the raw suites read beside the parsed files: the delivery, and per snapshot file the
    previous delivery's current rows with the bounds this one's count must lie within."""
    con.execute(
        "create or replace table _levering as select ?::date as extractdatum, ?::varchar as soort",
        [manifest.extractdatum, manifest.soort],
    )
    con.execute(
        "create or replace table _vorige_levering (bestand varchar, rijen bigint, min_rijen bigint, max_rijen bigint)"
    )
    for name, n in state.previous_counts.items():
        con.execute("insert into _vorige_levering values (?, ?, ?, ?)", [name, n, *row_count_bounds(n, tolerance)])


def _import_great_expectations_in_background() -> None:
    """Import Great Expectations (which takes seconds) while DuckDB parses the delivery (which releases the GIL); the
    validation after the parse then finds it imported. A failed import here is retried there."""
    import sys
    import threading

    if "great_expectations" in sys.modules:
        return

    def run() -> None:
        try:
            import great_expectations  # noqa: F401
        except Exception:  # noqa: BLE001 - the validation imports it again and reports the error
            pass

    threading.Thread(target=run, name="gx-import", daemon=True).start()


class _RawSuites:
    """The Great Expectations raw suites on the scratch tables, run in a thread (see load_delivery)."""

    def __init__(self, con, scratch: str, manifest: Manifest, parsed: dict[str, ParsedFile], settings):
        from concurrent.futures import ThreadPoolExecutor

        from woonsignaal.quality import validate

        # the suites' parameters: each file's rows, and the code lists the parse checked against
        parameters = {rows_parameter(f): parsed[f.name].geladen for f in FILES} | code_parameters(code_lists(con))

        self._extractdatum = manifest.extractdatum
        self._tolerance = settings.delivery_row_tolerance
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="gx-raw-suites")
        self._report = self._pool.submit(
            validate,
            scratch,
            settings.expectations_dir / "raw",
            tables=[f.name for f in FILES],
            run_name=f"raw-{manifest.extractdatum.isoformat()}",
            datasource_name="raw_scratch",
            expectation_parameters=parameters,
            settings=settings,
        )

    def join(self) -> None:
        self._pool.shutdown(wait=True)

    def passed(self, duplicates_searched: bool) -> str:
        """Wait for the suites; their summary, or :class:`DeliveryRejected` listing the failures
        (:class:`_DuplicateKeys` when a key occurs twice and the parse had not searched for that)."""
        report = self._report.result()  # re-raises an error of the validation here
        if not report.success:
            twice = sorted({f.table for f in report.failures if f.description == KEY_DESCRIPTION})
            if twice and not duplicates_searched:
                raise _DuplicateKeys(twice)
            problems = [
                Fout(
                    "raw_suite",
                    f"{f.table}.csv",
                    kolom=f.column or None,
                    detail=f"Great Expectations-controle van de levering afgekeurd: {line}",
                )
                for f, line in zip(report.failures, report.failure_meldingen(), strict=True)
            ]
            if any(f.description == ROW_COUNT_DESCRIPTION for f in report.failures):
                problems.append(
                    Fout(
                        "raw_suite",
                        detail=f"het aantal rijen van een momentopname-bestand verschilt meer dan "
                        f"{self._tolerance:.0%} (+ {ROW_COUNT_SLACK} rijen) van dat van de vorige levering; klopt dat "
                        f"(een aankoop of verkoop van woningen), laad deze levering dan eenmalig met "
                        f"{ENV_DELIVERY_ROW_TOLERANCE} hoger (bijvoorbeeld 0.5)",
                    )
                )
            raise DeliveryRejected(problems, self._extractdatum)
        return report.summary()


def open_scratch(settings) -> tuple[str, object]:
    """A new named in-memory DuckDB for one load: (database name, connection).

    Opened with duckdb-engine's configuration, so that GX, through duckdb-engine, opens the same
    database. A whole volledig delivery is parsed in memory; past ``settings.ingest_memory_limit``
    DuckDB spills to ``settings.duckdb_temp_dir``.
    """
    import duckdb

    from woonsignaal.quality.runner import duckdb_engine_config

    scratch = f":memory:woonsignaal_ingest_{uuid.uuid4().hex}"
    con = duckdb.connect(scratch, config=duckdb_engine_config())
    try:
        con.execute(f"set memory_limit = {lit(settings.ingest_memory_limit)}")
        # DuckDB creates only the last level of the folder, and only when it spills: a fresh home
        # has no build folder yet
        settings.duckdb_temp_dir.mkdir(parents=True, exist_ok=True)
        con.execute(f"set temp_directory = {lit(str(settings.duckdb_temp_dir))}")
    except BaseException:
        con.close()
        raise
    return scratch, con


def load_delivery(path: Path, settings=None, *, gx: bool = True) -> LoadResult:
    """Load the delivery in folder ``path`` into the raw layer of ``settings.warehouse_path``.

    Raises :class:`DeliveryRejected` (warehouse unchanged) when the delivery is refused, and
    ``ConfigurationError`` when no pseudonymisation key is configured outside the demo.
    ``gx=False`` skips the Great Expectations suites (tests of the SQL checks only).
    """
    from woonsignaal.settings import get_settings

    started = time.perf_counter()
    settings = settings or get_settings()
    key = settings.pseudonymisation_key  # refuses to run without one outside the demo
    path = Path(path)
    manifest = read_manifest(path)
    state = _warehouse_state(settings.warehouse_path)
    status = _check_order(manifest, state)
    if status == "al geladen":
        return LoadResult(
            manifest.extractdatum,
            manifest.aangemaakt_op,
            manifest.soort,
            "al geladen",
            warnings=[f"{manifest.extractdatum.isoformat()} with this aangemaakt_op is already loaded; nothing done"],
            seconds=time.perf_counter() - started,
        )
    # Whether a key occurs twice is asked once: by the raw suites when they run (the parse's own search
    # is a large share of a load's CPU time), by the parse otherwise. When the suites find a key twice, the
    # load starts again with the parse searching: it quarantines every copy, and the suites run again.
    try:
        return _load(manifest, settings, key, state, status, gx=gx, duplicates=not gx, started=started)
    except _DuplicateKeys as exc:
        log.info(
            "%s: a key occurs more than once in %s; parsing again to quarantine every copy",
            manifest.extractdatum.isoformat(),
            ", ".join(exc.files),
        )
        manifest = read_manifest(path)  # as read before the first attempt added its findings
        return _load(manifest, settings, key, state, status, gx=gx, duplicates=True, started=started)


class _DuplicateKeys(Exception):
    """The raw suites found a key more than once in these files, and the parse had not searched for them."""

    def __init__(self, files: list[str]):
        super().__init__(", ".join(files))
        self.files = files


def _load(
    manifest: Manifest,
    settings,
    key: bytes,
    state: _State,
    status: str | None,
    *,
    gx: bool,
    duplicates: bool,
    started: float,
) -> LoadResult:
    """One attempt of :func:`load_delivery`; ``duplicates`` as in :func:`parse_delivery`."""
    warehouse = settings.warehouse_path
    timings: dict[str, float] = {}
    # sha256 and the line count run in threads while DuckDB parses into the scratch (both release
    # the GIL); the parse takes each file's check when it reaches the file, and a file that differs
    # from the manifest refuses the delivery before anything else is looked at
    checks = start_file_checks(manifest)
    log.info(
        "%s (%s): verifying and parsing %d files, %.0f MB",
        manifest.extractdatum.isoformat(),
        manifest.soort,
        len(manifest.bestanden),
        sum(checks.sizes.values()) / 1e6,
    )

    # the scratch is a named in-memory DuckDB: GX opens the same database through duckdb-engine,
    # the warehouse is attached to it for the merge; nothing is written to disk before the merge
    if gx:
        _import_great_expectations_in_background()
    scratch, con = open_scratch(settings)
    try:
        install_key(con, key)
        t0 = time.perf_counter()
        try:
            parsed = parse_delivery(con, manifest, file_check=checks.get, duplicates=duplicates)
        finally:
            timings["parse"] = time.perf_counter() - t0
            t0 = time.perf_counter()
            checks.finish()  # a verification failure explains any parse problem: it goes first
            timings["verify"] = time.perf_counter() - t0  # the wait after the parse
        problems = [p for pf in parsed.values() for p in pf.problems]
        if not problems:
            for name, pf in parsed.items():
                mf = manifest.bestanden[name]
                if pf.geleverd != mf.rijen:
                    problems.append(row_count_problem(mf.naam, mf.rijen, pf.geleverd))
        if not problems:
            problems = _fatal_row_faults(con, parsed, manifest)
        if problems:
            raise DeliveryRejected(problems, manifest.extractdatum)
        _previous_counts_table(con, state, manifest, settings.delivery_row_tolerance)

        warnings = list(manifest.warnings)
        if state.loaded:
            last = max(state.loaded)
            if (manifest.extractdatum - last).days > 1 and status is None:
                warnings.append(
                    f"gap: no delivery between {last.isoformat()} and {manifest.extractdatum.isoformat()} "
                    f"({(manifest.extractdatum - last).days - 1} night(s) missing); loaded anyway"
                )
        elif manifest.soort == SOORT_DELTA:
            warnings.append("first delivery loaded is a delta: event history before it is missing")
        for pf in parsed.values():
            warnings += pf.warnings

        # The raw suites run in a thread while the merge writes its one transaction; the transaction
        # commits only after they passed (GX is mostly Python on one core, the merge DuckDB on both).
        # A refusal rolls it back, and a warehouse file this load created is removed again.
        suites = _RawSuites(con, scratch, manifest, parsed, settings) if gx else None
        created = not warehouse.exists()
        t0 = time.perf_counter()
        try:
            warehouse.parent.mkdir(parents=True, exist_ok=True)
            # the parse numbered the records by their order; the raw tables need none. Without it
            # DuckDB writes the inserted row groups straight to the file, without a long checkpoint at
            # detach and in less memory
            con.execute("set preserve_insertion_order = false")
            con.execute(f"attach {lit(str(warehouse))} as {WAREHOUSE}")
            try:
                con.execute(f"use {WAREHOUSE}")
                con.execute("begin transaction")
                try:
                    create_raw_tables(con)
                    _ensure_ingest_tables(con)
                    warnings += _merge(con, manifest, parsed, status, settings.deletion_tolerance)
                    timings["merge"] = time.perf_counter() - t0
                    log.info(
                        "merged into %s in %.1f s%s",
                        warehouse.name,
                        timings["merge"],
                        "; waiting for the raw suites" if suites else "",
                    )
                    t0 = time.perf_counter()
                    gx_summary = suites.passed(duplicates) if suites else ""  # raises DeliveryRejected
                    timings["gx"] = time.perf_counter() - t0  # the wait for the suites after the merge
                    con.execute("commit")
                except BaseException:
                    con.execute("rollback")
                    raise
            finally:
                con.execute(f"use {SCRATCH}")
                con.execute(f"detach {WAREHOUSE}")
        except BaseException:
            if created:
                for leftover in (warehouse, warehouse.with_name(warehouse.name + ".wal")):
                    leftover.unlink(missing_ok=True)
            raise
        finally:
            if suites:
                suites.join()  # GX's connection to the scratch closes before the scratch does
    finally:
        con.close()

    result = LoadResult(
        manifest.extractdatum,
        manifest.aangemaakt_op,
        manifest.soort,
        status or "geladen",
        files={n: FileCounts(p.geleverd, p.geladen, p.quarantaine) for n, p in parsed.items()},
        warnings=warnings,
        gx_summary=gx_summary,
        seconds=time.perf_counter() - started,
        timings=timings,
    )
    log.info("%s", result.summary())
    return result


__all__ = ["FileCounts", "LoadResult", "load_delivery", "QUARANTINE_FATAL_FRACTION", "QUARANTINE_FATAL_MIN_ROWS"]
