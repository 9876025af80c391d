"""A generic Great Expectations runner over tables in a DuckDB file.

* Suites are JSON files (GX's own serialisation: ``name``, ``expectations`` with ``type``/``kwargs``,
  ``meta``); ``<suite_dir>/<table>.json`` validates ``<schema>.<table>``.
* GX's SQL datasource over duckdb-engine, with one persisted connection for the duckdb dialect (the
  pooled connection otherwise drops results: every expectation fails with ``IndexError``).
* Tables are read through query assets (``select * from <schema>.<table>``): GX's column reflection
  ignores the schema of a table asset on DuckDB.
* The result format keeps no values: ``SUMMARY`` with ``partial_unexpected_count=0`` and no
  unexpected rows, so personal data can never be copied into results, Data Docs or messages.
* Results are stored in a file context under ``settings.gx_dir``; Data Docs are built under
  ``settings.data_docs_dir`` on every run; the report is written as JSON under
  ``settings.gx_dir / "reports"``.

GX is imported inside the functions, never at DAG parse time: its import takes seconds (BENCHMARKS.md,
"Figures behind the code").
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from woonsignaal.sqltext import qualified_name

log = logging.getLogger(__name__)

#: A result format that never stores values (counts and percentages only).
RESULT_FORMAT = {
    "result_format": "SUMMARY",
    "partial_unexpected_count": 0,
    "include_unexpected_rows": False,
    "return_unexpected_index_query": False,
}
_SAFE_RESULT_KEYS = {
    "element_count",
    "unexpected_count",
    "unexpected_percent",
    "missing_count",
    "missing_percent",
    "unexpected_percent_total",
    "unexpected_percent_nonmissing",
    "observed_value",
}


@dataclass
class ExpectationFailure:
    table: str
    expectation: str
    column: str | None
    unexpected_count: int | None
    element_count: int | None
    observed: str | None  # observed_value for table-level expectations (counts, column sets)
    description: str | None = None
    error: str | None = None

    def line(self) -> str:
        """The failure for the log (English), with the validation's error text when there is one."""
        return self._text(dutch=False)

    def melding(self) -> str:
        """The failure for operators (Dutch), for a fault's detail. Never the validation's error text:
        that is a library's and may quote data."""
        return self._text(dutch=True)

    def _text(self, *, dutch: bool) -> str:
        where = f"{self.table}.{self.column}" if self.column else self.table
        if self.error:
            detail = "de controle zelf gaf een fout (zie het log)" if dutch else f"error: {self.error}"
        elif self.unexpected_count is not None:
            n, of = self.unexpected_count, self.element_count
            detail = f"{n} van de {of} rijen afwijkend" if dutch else f"{n} of {of} rows unexpected"
        elif self.observed is not None:
            detail = f"{'gevonden:' if dutch else 'observed'} {self.observed}"
        else:
            detail = "afgekeurd" if dutch else "failed"
        return f"{where}: {self.description or self.expectation} ({self.expectation}): {detail}"


@dataclass
class ValidationReport:
    run_name: str
    database: str
    success: bool
    evaluated: int = 0
    failures: list[ExpectationFailure] = field(default_factory=list)
    tables: dict[str, bool] = field(default_factory=dict)  # table -> success
    data_docs: str | None = None
    report_path: str | None = None

    def failure_lines(self) -> list[str]:
        return [f.line() for f in self.failures]

    def failure_meldingen(self) -> list[str]:
        """The failures for operators (Dutch): see :meth:`ExpectationFailure.melding`."""
        return [f.melding() for f in self.failures]

    def summary(self) -> str:
        ok = sum(self.tables.values())
        head = (
            f"GX {self.run_name}: {'passed' if self.success else 'FAILED'}: {ok}/{len(self.tables)} tables, "
            f"{self.evaluated} expectations, {len(self.failures)} failed"
        )
        return "\n".join([head, *("  " + x for x in self.failure_lines())])

    def to_dict(self) -> dict:
        return asdict(self)


# --- GX setup ----------------------------------------------------------------------------------


class _DialectName(str):
    """A str that also has ``.value`` (GX compares both ways)."""

    @property
    def value(self) -> str:  # pragma: no cover - trivial
        return str(self)


def patch_gx_for_duckdb() -> None:
    """Keep one persisted connection for the duckdb dialect (GX + duckdb-engine IndexError fix)."""
    from great_expectations.execution_engine import sqlalchemy_execution_engine as see

    if not any(str(d) == "duckdb" or getattr(d, "value", None) == "duckdb" for d in see._PERSISTED_CONNECTION_DIALECTS):
        see._PERSISTED_CONNECTION_DIALECTS = (*see._PERSISTED_CONNECTION_DIALECTS, _DialectName("duckdb"))


def duckdb_engine_config() -> dict:
    """The configuration duckdb-engine opens a database with.

    A DuckDB database is shared within a process only between connections with the same
    configuration: a caller that wants GX to see its (e.g. named in-memory) database opens it with this.
    """
    import duckdb_engine
    from sqlalchemy import __version__ as sqlalchemy_version

    if getattr(duckdb_engine, "supports_user_agent", False):
        return {"custom_user_agent": f"duckdb_engine/{duckdb_engine.__version__}(sqlalchemy/{sqlalchemy_version})"}
    return {}


def load_suite_dict(path: Path) -> dict:
    return json.loads(Path(path).read_text(encoding="utf-8"))


def suite_from_dict(data: dict):
    import great_expectations as gx
    from great_expectations.expectations.expectation_configuration import ExpectationConfiguration

    expectations = []
    for e in data.get("expectations", []):
        cfg = ExpectationConfiguration(
            type=e["type"],
            kwargs=dict(e.get("kwargs", {})),
            meta=dict(e.get("meta") or {}),
            description=e.get("description"),
        )
        expectations.append(cfg.to_domain_obj())
    return gx.ExpectationSuite(name=data["name"], expectations=expectations, meta=dict(data.get("meta") or {}))


def _site_config(settings) -> dict:
    return {
        "class_name": "SiteBuilder",
        "show_how_to_buttons": False,
        "store_backend": {
            "class_name": "TupleFilesystemStoreBackend",
            "base_directory": str(settings.data_docs_dir),
        },
        "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
    }


def _context(settings):
    """An ephemeral GX context (suites, definitions, checkpoints in memory: no YAML round trips,
    which cost GX's file context seconds per run) whose validation results are stored as files
    under ``settings.gx_dir / "validations"`` and whose Data Docs site is ``settings.data_docs_dir``."""
    import great_expectations as gx
    from great_expectations.data_context.types.base import (
        DataContextConfig,
        InMemoryStoreBackendDefaults,
        ProgressBarsConfig,
    )

    settings.gx_dir.mkdir(parents=True, exist_ok=True)
    defaults = InMemoryStoreBackendDefaults(init_temp_docs_sites=False)
    config = DataContextConfig(
        store_backend_defaults=defaults, progress_bars=ProgressBarsConfig(globally=False), analytics_enabled=False
    )
    config.stores[defaults.validation_results_store_name] = {
        "class_name": "ValidationResultsStore",
        "store_backend": {
            "class_name": "TupleFilesystemStoreBackend",
            "base_directory": str(settings.gx_dir / "validations"),
        },
    }
    config.data_docs_sites = {"woonsignaal": _site_config(settings)}
    return gx.get_context(mode="ephemeral", project_config=config)


class _DuckDBConnections:
    """The DuckDB connections SQLAlchemy opens while active, to close them all afterwards.

    A connection GX leaves open keeps a database file locked for the next writer, or keeps the
    ingest's in-memory scratch alive. GX holds its connections in datasource objects the checkpoint
    may have copied, so they are not reachable from the context. Instead every engine's
    ``engine_connect`` and every pool's ``connect`` event is recorded: on exit the SQLAlchemy
    connections are closed (back to their pool), their engines disposed (which closes the pooled
    DBAPI connections), and any DuckDB DBAPI connection still open is closed. This replaces a scan of
    all live objects, which is slow once GX is imported.
    """

    def __init__(self) -> None:
        self._connections: list = []  # SQLAlchemy connections
        self._dbapi: list = []  # DuckDB (duckdb-engine) DBAPI connections

    def _on_engine_connect(self, connection) -> None:
        if connection.engine.dialect.name == "duckdb":
            self._connections.append(connection)

    def _on_pool_connect(self, dbapi_connection, _record) -> None:
        if type(dbapi_connection).__module__.split(".")[0] == "duckdb_engine":
            self._dbapi.append(dbapi_connection)

    def _listeners(self):
        from sqlalchemy.engine import Engine
        from sqlalchemy.pool import Pool

        return [(Engine, "engine_connect", self._on_engine_connect), (Pool, "connect", self._on_pool_connect)]

    def __enter__(self) -> _DuckDBConnections:
        from sqlalchemy import event

        for target, name, fn in self._listeners():
            event.listen(target, name, fn)
        return self

    def __exit__(self, *exc) -> None:
        from sqlalchemy import event

        for target, name, fn in self._listeners():
            event.remove(target, name, fn)
        engines = {id(c.engine): c.engine for c in self._connections}
        closers = [c.close for c in self._connections] + [e.dispose for e in engines.values()]
        closers += [c.close for c in self._dbapi]
        for close in closers:
            try:
                close()
            except Exception:  # noqa: BLE001 - closing is best effort; an already closed one is fine
                pass
        self._connections.clear()
        self._dbapi.clear()


def _safe_name(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_]+", "_", text).strip("_") or "x"


def validate(
    database: Path | str,
    suite_dir: Path,
    *,
    tables: Iterable[str] | None = None,
    schema: str = "main",
    run_name: str | None = None,
    datasource_name: str | None = None,
    expectation_parameters: dict | None = None,
    settings=None,
) -> ValidationReport:
    """Validate ``<schema>.<table>`` of the DuckDB file ``database`` with ``<suite_dir>/<table>.json``.

    ``database`` may also be a named in-memory database (``":memory:<name>"``) that the caller keeps
    open, opened with :func:`duckdb_engine_config` (the ingest validates its scratch this way).

    ``tables`` limits the run (default: every suite in ``suite_dir``); a named table without a suite
    is an error. ``expectation_parameters`` gives the values of the suites' ``{"$PARAMETER": name}``
    arguments (the raw suites' row counts). The database file must not be open for writing by another
    connection.
    Returns a :class:`ValidationReport`; raises nothing for failed expectations.
    """
    from woonsignaal.settings import get_settings

    settings = settings or get_settings()
    in_memory = isinstance(database, str) and database.startswith(":memory:")
    database = database if in_memory else Path(database).resolve()
    suite_dir = Path(suite_dir)
    names = list(tables) if tables is not None else sorted(p.stem for p in suite_dir.glob("*.json"))
    missing = [t for t in names if not (suite_dir / f"{t}.json").is_file()]
    if missing:
        raise FileNotFoundError(f"no Great Expectations suite for {', '.join(missing)} in {suite_dir}")
    stem = "memory" if in_memory else database.stem
    run_name = run_name or f"{stem}-{datetime.now(UTC):%Y%m%dT%H%M%S}"

    import great_expectations as gx

    patch_gx_for_duckdb()
    logging.getLogger("great_expectations").setLevel(logging.WARNING)
    ctx = _context(settings)
    ds_name = _safe_name(datasource_name or f"{suite_dir.name}_{schema}_{stem}")
    cp_name = f"{ds_name}_checkpoint"
    # drop what an earlier run under this name stored: it may name assets that no longer exist
    for store, name in [(ctx.checkpoints, cp_name), *((ctx.validation_definitions, f"{ds_name}__{t}") for t in names)]:
        try:
            store.delete(name)
        except Exception:  # noqa: BLE001 - absent or unreadable: either way it is gone
            pass
    # every DuckDB connection GX opens is closed again when this block ends: the file must be free
    # for the next writer
    with _DuckDBConnections():
        ds = ctx.data_sources.add_or_update_sql(name=ds_name, connection_string=f"duckdb:///{database}")
        vds = []
        table_of_suite: dict[str, str] = {}
        for t in names:
            suite = suite_from_dict(load_suite_dict(suite_dir / f"{t}.json"))
            suite = ctx.suites.add_or_update(suite)
            table_of_suite[suite.name] = t
            asset = ds.add_query_asset(name=t, query=f"select * from {qualified_name(schema, t)}")
            bd = asset.add_batch_definition_whole_table(name=f"{t}_all")
            vds.append(
                ctx.validation_definitions.add_or_update(
                    gx.ValidationDefinition(name=f"{ds_name}__{t}", data=bd, suite=suite)
                )
            )
        cp = ctx.checkpoints.add_or_update(
            gx.Checkpoint(
                name=cp_name,
                validation_definitions=vds,
                actions=[],
                result_format=RESULT_FORMAT,
            )
        )
        result = cp.run(
            expectation_parameters=expectation_parameters,
            run_id=gx.core.run_identifier.RunIdentifier(run_name=run_name),
        )
    # Data Docs once for the whole run (UpdateDataDocsAction would rebuild the site per validation)
    ctx.build_data_docs(site_names=["woonsignaal"], resource_identifiers=list(result.run_results.keys()))

    report = ValidationReport(run_name=run_name, database=str(database), success=bool(result.success))
    for vr in result.run_results.values():
        table = table_of_suite.get(vr.suite_name, vr.suite_name)
        report.tables[table] = bool(vr.success)
        for er in vr.results:
            report.evaluated += 1
            if er.success:
                continue
            cfg = er.expectation_config
            res = {k: v for k, v in (er.result or {}).items() if k in _SAFE_RESULT_KEYS}
            observed = res.get("observed_value")
            error = None
            info = er.exception_info or {}
            if info.get("raised_exception"):
                error = str(info.get("exception_message"))[:300]
            else:  # bundled metric errors are keyed by metric id
                for v in info.values():
                    if isinstance(v, dict) and v.get("raised_exception"):
                        error = str(v.get("exception_message"))[:300]
                        break
            report.failures.append(
                ExpectationFailure(
                    table=table,
                    expectation=cfg.type,
                    column=cfg.kwargs.get("column") or (",".join(cfg.kwargs.get("column_list", [])) or None),
                    unexpected_count=res.get("unexpected_count"),
                    element_count=res.get("element_count"),
                    observed=None if observed is None else str(observed)[:300],
                    description=cfg.description,
                    error=error,
                )
            )
    docs = settings.data_docs_dir / "index.html"
    report.data_docs = str(docs) if docs.exists() else None
    out = settings.gx_dir / "reports"
    out.mkdir(parents=True, exist_ok=True)
    report_path = out / f"{_safe_name(run_name)}.json"
    report.report_path = str(report_path)
    report_path.write_text(json.dumps(report.to_dict(), indent=2, default=str), encoding="utf-8")
    log.info("%s", report.summary())
    return report
