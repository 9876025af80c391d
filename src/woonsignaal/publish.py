"""Write-audit-publish of the marts.

* write: every table of schema ``marts`` in the working warehouse is copied into a new candidate file
  under ``build/`` that no consumer reads (plus ``marts.pipeline_runs`` from the run history and the
  build stamp ``publicatie.bouw``: which delivery and run the marts were built from);
* audit: built-in rules (the contract's ``signalen`` columns, minimum group size, no personal data, the
  build stamp names the delivery being published) and the Great Expectations suites under
  ``expectations/marts/`` run on the candidate;
* publish: the candidate file, its Parquet export and ``publicatie.json`` are written into a new version
  folder ``published/versies/<versie>/``, then one atomic ``rename`` of a symlink switches
  ``published/current`` to it. The stable paths BI tools open are fixed links through ``current``::

      published/woonsignaal.duckdb -> current/woonsignaal.duckdb
      published/parquet            -> current/parquet
      published/publicatie.json    -> current/publicatie.json

  A reader therefore sees one night or the other, never the DuckDB file of one night beside the Parquet
  of another; a reader holding a file open keeps its version. The last ``KEEP_VERSIONS`` versions stay.

On any failure the previous publication stays as it was, byte for byte.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import duckdb

from woonsignaal import runs
from woonsignaal.contract import FILES, MARTS_SCHEMA, SIGNALEN_COLUMNS, Pii
from woonsignaal.settings import Settings
from woonsignaal.sqltext import qualified_name, quote_identifier, quote_literal

log = logging.getLogger(__name__)

#: schema of the build stamp (``publicatie.bouw``) in the working warehouse and the candidate
STAMP_SCHEMA = "publicatie"
#: publication versions kept under ``published/versies/`` (the current one and the ones before it)
KEEP_VERSIONS = 3
VERSIONS_DIR = "versies"
CURRENT_LINK = "current"
INFO_NAME = "publicatie.json"
DUCKDB_NAME = "woonsignaal.duckdb"
PARQUET_NAME = "parquet"

#: Column names that must never appear in a published mart (contract section 5).
FORBIDDEN_COLUMNS = frozenset(
    {c.name for f in FILES for c in f.columns if c.pii is not None and c.pii is not Pii.CLASS}
    | {"geboortedatum", "bruto_jaarinkomen", "postcode", "huisnummer", "omschrijving", "relatie_id"}
)


def _version(extractdatum: date) -> str:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    return f"{extractdatum.isoformat()}_{stamp}"


def published_marts(settings: Settings) -> list[str]:
    """The marts whose dbt model has access ``public``: the only ones consumers ever see.

    Facts with one row per tenant contract or per case stay internal (they feed the signals and
    werklijsten); BI tools and the report read aggregates and unit-level marts.
    """
    from woonsignaal.quality.mart_suites import published_models

    return sorted(published_models(settings.dbt_project_dir))


def cleanup_orphans(settings: Settings, candidates: bool = True) -> list[Path]:
    """Remove what a killed or failed run left (candidate files, unfinished or never switched version
    folders, temporary links) and versions beyond the last ``KEEP_VERSIONS``; never the current one."""
    removed: list[Path] = []
    if candidates and settings.build_dir.exists():
        for path in settings.build_dir.glob("candidate-*.duckdb*"):
            path.unlink(missing_ok=True)
            removed.append(path)
    current = current_version_dir(settings)
    legacy = settings.published_dir / "parquet_versies"  # the layout before versioned publications
    if legacy.exists():
        legacy_target = settings.parquet_dir.resolve() if settings.parquet_dir.is_symlink() else None
        for folder in legacy.iterdir():
            if legacy_target is None or folder.resolve() != legacy_target:
                shutil.rmtree(folder, ignore_errors=True)
                removed.append(folder)
        if not any(legacy.iterdir()):
            legacy.rmdir()
    versions = settings.published_dir / VERSIONS_DIR
    if versions.exists():
        older: list[Path] = []
        for folder in versions.iterdir():
            if current is not None and folder.resolve() == current:
                continue
            complete = (folder / INFO_NAME).is_file()
            if complete and current is not None and _stamp(folder) < _stamp(current):
                older.append(folder)
            else:  # unfinished, or finished but never switched to (killed before the rename)
                shutil.rmtree(folder, ignore_errors=True)
                removed.append(folder)
        for folder in sorted(older, key=_stamp, reverse=True)[KEEP_VERSIONS - 1 :]:
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
    for path in settings.published_dir.glob(".*.tmp"):
        path.unlink(missing_ok=True)
        removed.append(path)
    return removed


def _stamp(version_dir: Path) -> str:
    """The UTC time part of a version folder's name (``<extractdatum>_<stamp>``): publication order."""
    return version_dir.name.rpartition("_")[2]


def current_version_dir(settings: Settings) -> Path | None:
    """The version folder ``published/current`` points at (resolved once: read a whole night from it)."""
    link = settings.published_dir / CURRENT_LINK
    return link.resolve() if link.is_symlink() and link.exists() else None


def stamp_build(warehouse_path: Path, extractdatum: date | None, run_id: str | None) -> None:
    """Write (or with ``extractdatum`` None: clear) the build stamp ``publicatie.bouw`` in the working
    warehouse: which delivery and which run the marts were last built from. Call with the writer lock."""
    con = duckdb.connect(str(warehouse_path))
    try:
        con.execute(f"create schema if not exists {STAMP_SCHEMA}")
        con.execute(
            f"create or replace table {STAMP_SCHEMA}.bouw "
            "(extractdatum date, run_id varchar, gebouwd_op timestamp with time zone)"
        )
        if extractdatum is not None:
            con.execute(f"insert into {STAMP_SCHEMA}.bouw values (?, ?, now())", [extractdatum, run_id or ""])
    finally:
        con.close()


def read_build_stamp(path: Path) -> tuple[date, str] | None:
    """``(extractdatum, run_id)`` of the build stamp in a warehouse or candidate file, None without one."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        return _build_stamp(con, "")
    finally:
        con.close()


def _build_stamp(con: duckdb.DuckDBPyConnection, catalog: str) -> tuple[date, str] | None:
    prefix = f"{catalog}." if catalog else ""
    exists = con.execute(
        "select count(*) from information_schema.tables where table_schema = ? and table_name = 'bouw'"
        + (" and table_catalog = ?" if catalog else ""),
        [STAMP_SCHEMA, catalog] if catalog else [STAMP_SCHEMA],
    ).fetchone()[0]
    if not exists:
        return None
    rows = con.execute(f"select extractdatum, run_id from {prefix}{STAMP_SCHEMA}.bouw").fetchall()
    return (rows[0][0], rows[0][1]) if len(rows) == 1 else None


def stamp_problem(stamp: tuple[date, str] | None, extractdatum: date, run_id: str | None) -> str | None:
    """Why a candidate with this build stamp may not be published as ``extractdatum`` by ``run_id``."""
    if stamp is None:
        return (
            "de kandidaat heeft geen bouwstempel (publicatie.bouw): de marts zijn niet door de stap "
            "dbt_build_signalen van deze nacht gebouwd"
        )
    if stamp[0] != extractdatum:
        return (
            f"de marts in de kandidaat zijn gebouwd uit levering {stamp[0]}, niet uit levering "
            f"{extractdatum} die gepubliceerd zou worden: een andere run heeft ze intussen herbouwd"
        )
    if run_id is not None and stamp[1] != run_id:
        return (
            f"de marts in de kandidaat zijn gebouwd door run {stamp[1]}, niet door deze run {run_id}: "
            f"een andere run heeft ze intussen herbouwd"
        )
    return None


def build_candidate(settings: Settings, extractdatum: date, run_id: str) -> Path:
    """Copy the marts into a fresh candidate file. Call with the writer lock held."""
    settings.ensure_dirs()
    cleanup_orphans(settings)
    candidate = settings.build_dir / f"candidate-{extractdatum.isoformat()}.duckdb"
    candidate.unlink(missing_ok=True)
    con = duckdb.connect(str(candidate))
    try:
        con.execute(f"attach {quote_literal(str(settings.warehouse_path))} as werk (read_only)")
        built = {
            r[0]
            for r in con.execute(
                "select table_name from information_schema.tables where table_catalog = 'werk' and table_schema = ?",
                [MARTS_SCHEMA],
            ).fetchall()
        }
        tables = sorted(published_marts(settings))
        missing = [t for t in tables if t not in built]
        if missing:
            raise RuntimeError(
                f"marts to publish are missing from the working warehouse: {', '.join(missing)} (did dbt build run?)"
            )
        con.execute(f"create schema {MARTS_SCHEMA}")
        for table in tables:
            name = qualified_name(MARTS_SCHEMA, table)
            con.execute(f"create table {name} as select * from werk.{name}")
        _write_pipeline_runs(con, settings, extractdatum, run_id)
        stamp = _build_stamp(con, "werk")
        con.execute(f"create schema {STAMP_SCHEMA}")
        con.execute(f"create table {STAMP_SCHEMA}.bouw (extractdatum date, run_id varchar)")
        if stamp is not None:
            con.execute(f"insert into {STAMP_SCHEMA}.bouw values (?, ?)", list(stamp))
        con.execute("detach werk")
    except BaseException:
        con.close()
        candidate.unlink(missing_ok=True)
        raise
    con.close()
    log.info("candidate with %d marts written to %s", len(tables), candidate)
    return candidate


def _write_pipeline_runs(con: duckdb.DuckDBPyConnection, settings: Settings, extractdatum: date, run_id: str) -> None:
    rows = []
    for run in runs.latest_runs(settings):
        load = run.details.get("laad_raw", {})
        rows.append(
            (
                date.fromisoformat(run.extractdatum) if run.extractdatum else None,
                run.run_id,
                run.gestart,
                run.beeindigd,
                "gepubliceerd" if run.extractdatum == extractdatum.isoformat() else run.status,
                run.fout or None,
                int(load.get("rijen_geladen", 0) or 0),
                int(load.get("rijen_quarantaine", 0) or 0),
                json.dumps(load.get("files", {}), ensure_ascii=False),
            )
        )
    con.execute(
        f"""create table {MARTS_SCHEMA}.pipeline_runs (
            extractdatum date, run_id varchar, gestart varchar, beeindigd varchar, status varchar,
            fout varchar, rijen_geladen bigint, rijen_quarantaine bigint, bestanden varchar)"""
    )
    if rows:
        con.executemany(f"insert into {MARTS_SCHEMA}.pipeline_runs values (?,?,?,?,?,?,?,?,?)", rows)


@dataclass
class AuditReport:
    failures: list[str] = field(default_factory=list)
    checks: int = 0
    data_docs: str | None = None

    @property
    def success(self) -> bool:
        return not self.failures

    def summary(self) -> str:
        if self.success:
            return f"{self.checks} controles geslaagd"
        return "\n".join(f"- {f}" for f in self.failures)

    def to_dict(self) -> dict[str, Any]:
        return {
            "success": self.success,
            "controles": self.checks,
            "afgekeurd": self.failures,
            "data_docs": self.data_docs,
        }


def audit_candidate(settings: Settings, candidate: Path, extractdatum: date, run_id: str | None = None) -> AuditReport:
    """Run the built-in publication rules and the GX mart suites on the candidate file.

    With ``run_id``, the build stamp must also name that run (not only the delivery).
    """
    report = AuditReport()
    con = duckdb.connect(str(candidate), read_only=True)
    try:
        report.checks += 1
        problem = stamp_problem(_build_stamp(con, ""), extractdatum, run_id)
        if problem:
            report.failures.append(problem)
        columns = con.execute(
            "select table_name, column_name, data_type from information_schema.columns "
            "where table_schema = ? order by table_name, ordinal_position",
            [MARTS_SCHEMA],
        ).fetchall()
        by_table: dict[str, dict[str, str]] = {}
        for table, column, type_ in columns:
            by_table.setdefault(table, {})[column] = type_
        report.checks += 1
        if "signalen" not in by_table:
            report.failures.append(f"{MARTS_SCHEMA}.signalen ontbreekt")
        else:
            report.checks += 1
            got = list(by_table["signalen"])
            if got != list(SIGNALEN_COLUMNS):
                report.failures.append(
                    f"{MARTS_SCHEMA}.signalen heeft kolommen {got}, "
                    f"het contract (sectie 6) vraagt {list(SIGNALEN_COLUMNS)}"
                )
            else:
                report.checks += 1
                small = con.execute(
                    f"select count(*) from {MARTS_SCHEMA}.signalen where n < ?", [settings.minimum_group_size]
                ).fetchone()[0]
                if small:
                    report.failures.append(
                        f"{MARTS_SCHEMA}.signalen: {small} signalen met n kleiner dan de minimale groepsgrootte "
                        f"{settings.minimum_group_size}"
                    )
        suites = {p.stem for p in (settings.expectations_dir / "marts").glob("*.json")}
        for table in sorted(set(by_table) - suites - {"pipeline_runs"}):
            report.failures.append(
                f"marts.{table} heeft geen Great Expectations-suite in expectations/marts/ "
                f"(genereer ze met `python -m woonsignaal.quality.mart_suites`)"
            )
        _personal_data_rule(con, by_table, report)
    finally:
        con.close()
    _run_gx_suites(settings, candidate, extractdatum, report)
    return report


#: What personal data looks like in a text value (the marts and the run history hold none): the
#: name of each pattern (for the refusal, which never shows the value) and its regular expression.
PERSONAL_DATA_PATTERNS: dict[str, str] = {
    "e-mailadres": r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}",
    "IBAN": r"\b[A-Z]{2}[0-9]{2} ?[A-Z]{4} ?[0-9]{4} ?[0-9]{4} ?[0-9]{2}",
}
#: Phone numbers only in free text (the run history): in a mart a 10-digit id could look like one.
PHONE_PATTERN = r"(\+31|0031|\b0)[ -]?[1-9]([ -]?[0-9]){8}\b"
FREE_TEXT_TABLES = frozenset({"pipeline_runs"})


def _personal_data_rule(
    con: duckdb.DuckDBPyConnection, by_table: dict[str, dict[str, str]], report: AuditReport
) -> None:
    """No personal data in the candidate: no column named as one (contract section 5), and no text
    value that looks like one (an e-mail address or IBAN anywhere, a phone number in the run history),
    whatever the column is called; the refusal names table, column and kind, never the value."""
    for table, cols in by_table.items():
        report.checks += 1
        bad = sorted(set(cols) & FORBIDDEN_COLUMNS)
        if bad:
            report.failures.append(f"marts.{table} bevat persoonsgegevens-kolommen {bad}")
        text = [c for c, type_ in cols.items() if type_.upper().startswith("VARCHAR")]
        if not text:
            continue
        patterns = dict(PERSONAL_DATA_PATTERNS)
        if table in FREE_TEXT_TABLES:
            patterns["telefoonnummer"] = PHONE_PATTERN
        tests = [
            (c, kind, f"count(*) filter (where regexp_matches({quote_identifier(c)}, ?))", pattern)
            for c in text
            for kind, pattern in patterns.items()
        ]
        report.checks += 1
        counts = con.execute(
            f"select {', '.join(sql for _, _, sql, _ in tests)} from {qualified_name(MARTS_SCHEMA, table)}",
            [pattern for *_, pattern in tests],
        ).fetchone()
        for (column, kind, _, _), n in zip(tests, counts, strict=True):
            if n:
                report.failures.append(
                    f"marts.{table}.{column}: {n} waarde(n) die op persoonsgegevens lijken ({kind}); "
                    f"de waarden worden niet getoond"
                )


def _run_gx_suites(settings: Settings, candidate: Path, extractdatum: date, report: AuditReport) -> None:
    """The GX suites of every published mart, with this run's rules (group size, row counts) added."""
    from woonsignaal.quality import validate
    from woonsignaal.quality.mart_suites import runtime_suites

    suites_dir = settings.expectations_dir / "marts"
    previous = _published_counts(settings)
    runtime_dir = runtime_suites(
        suites_dir,
        settings.gx_dir / "runtime_suites" / "marts",
        minimum_group_size=settings.minimum_group_size,
        previous_counts=previous,
        tolerance=settings.row_count_tolerance,
    )
    result = validate(
        candidate,
        runtime_dir,
        schema=MARTS_SCHEMA,
        run_name=f"publicatie-{extractdatum}",
        datasource_name="published_marts",
        settings=settings,
    )
    report.checks += result.evaluated
    report.failures.extend(result.failure_meldingen())
    report.data_docs = result.data_docs


def _published_counts(settings: Settings) -> dict[str, int]:
    """Row counts per mart of the current publication, from its ``publicatie.json``.

    Read from the JSON, not from the DuckDB file: a BI tool that opened the published file read-write
    locks it for every other process, and that must not fail the next night. Publications made before
    the counts were recorded are counted in the file (read-only).
    """
    info = published_info(settings)
    if info is not None and isinstance(info.get("rijen"), dict):
        return {str(k): int(v) for k, v in info["rijen"].items()}
    if not settings.published_path.exists():
        return {}
    from woonsignaal.locking import describe_duckdb_lock

    try:
        con = duckdb.connect(str(settings.published_path), read_only=True)
    except duckdb.IOException as exc:
        busy = describe_duckdb_lock(exc, settings.published_path)
        if busy is None:
            raise
        raise busy from None
    try:
        return _counts(con)
    finally:
        con.close()


def _counts(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    tables = [
        r[0]
        for r in con.execute(
            "select table_name from information_schema.tables where table_schema = ?", [MARTS_SCHEMA]
        ).fetchall()
    ]
    return {t: con.execute(f"select count(*) from {qualified_name(MARTS_SCHEMA, t)}").fetchone()[0] for t in tables}


def publish_candidate(settings: Settings, candidate: Path, extractdatum: date, run_id: str) -> dict[str, Any]:
    """Publish the audited candidate: a complete version folder, then one atomic switch of ``current``."""
    if not candidate.is_file():
        raise FileNotFoundError(f"candidate {candidate} is gone; run the quality gate again")
    settings.published_dir.mkdir(parents=True, exist_ok=True)
    cleanup_orphans(settings, candidates=False)  # the candidate being published stays
    version = _version(extractdatum)
    folder = settings.published_dir / VERSIONS_DIR / version
    (folder / PARQUET_NAME).mkdir(parents=True)

    con = duckdb.connect(str(candidate), read_only=True)
    try:
        tables = [
            r[0]
            for r in con.execute(
                "select table_name from information_schema.tables where table_schema = ? order by 1", [MARTS_SCHEMA]
            ).fetchall()
        ]
        for table in tables:
            con.execute(
                f"copy {qualified_name(MARTS_SCHEMA, table)} "
                f"to {quote_literal(str(folder / PARQUET_NAME / (table + '.parquet')))} (format parquet)"
            )
        counts = _counts(con)
    finally:
        con.close()

    # PostgreSQL (when configured) before the switch: if it fails, the file, Parquet and PostgreSQL all
    # stay on the last good night
    from woonsignaal.serving import postgres_enabled, publish_to_postgres

    postgres_info = publish_to_postgres(candidate, settings) if postgres_enabled(settings) else None

    with open(candidate, "rb") as fh:  # make sure the bytes are on disk before the switch
        os.fsync(fh.fileno())
    os.replace(candidate, folder / DUCKDB_NAME)
    info = {
        "versie": version,
        "extractdatum": extractdatum.isoformat(),
        "run_id": run_id,
        "gepubliceerd_op": datetime.now(UTC).isoformat(timespec="seconds"),
        "bestand": str(settings.published_path),
        "parquet": str(settings.parquet_dir),
        "map": str(folder),
        "marts": tables,
        "rijen": counts,
        "postgres": postgres_info,
    }
    (folder / INFO_NAME).write_text(json.dumps(info, indent=2), encoding="utf-8")
    _fsync_tree(folder)

    _replace_link(settings.published_dir / CURRENT_LINK, Path(VERSIONS_DIR) / version)  # the one switch
    _stable_links(settings)
    cleanup_orphans(settings)
    log.info("published %s (%d marts) to %s", version, len(tables), folder)
    return info


def _fsync_tree(folder: Path) -> None:
    for path in [*folder.rglob("*"), folder]:
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _replace_link(link: Path, target: Path) -> None:
    """Point ``link`` at ``target`` in one atomic rename of a new symlink over it."""
    tmp = link.with_name(f".{link.name}.{os.getpid()}.tmp")
    tmp.unlink(missing_ok=True)
    tmp.symlink_to(target)
    if link.is_dir() and not link.is_symlink():  # a folder of an old layout: rename cannot replace it
        shutil.rmtree(link)
    os.replace(tmp, link)


def _stable_links(settings: Settings) -> None:
    """The paths BI tools and the report open, as fixed links through ``current`` (made once; a file or
    link of the layout before versioned publications is replaced)."""
    for name in (DUCKDB_NAME, PARQUET_NAME, INFO_NAME):
        link = settings.published_dir / name
        target = Path(CURRENT_LINK) / name
        if link.is_symlink() and Path(os.readlink(link)) == target:
            continue
        _replace_link(link, target)


def published_info(settings: Settings) -> dict[str, Any] | None:
    path = settings.published_dir / "publicatie.json"
    if not path.exists():
        return None
    return json.loads(path.read_text(encoding="utf-8"))
