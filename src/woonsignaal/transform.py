"""Run the dbt project in-process (``dbtRunner``) and report per-node results.

One dbt process per call, never two at once on the DuckDB file: callers hold the warehouse lock
(``woonsignaal.pipeline``). dbt gets:

* project dir and profiles dir = ``settings.dbt_project_dir`` (``profiles.yml`` lives in the project),
* target ``settings.dbt_target`` (or the ``target`` argument),
* ``--target-path`` ``settings.dbt_dir/target`` and logs in ``settings.dbt_dir/logs``,
* the environment of :meth:`Settings.dbt_environment` (the warehouse path ``profiles.yml`` reads),
* vars ``minimum_group_size`` (from settings) plus the caller's vars (e.g. ``extractdatum``).

A plain runner: which part of the project a build runs is the caller's choice (``select``, or a selector
of ``dbt_project/selectors.yml``). The nightly build is two of them around the signal step
(``woonsignaal.pipeline``: ``dbt_build_marts``, ``bereken_signalen``, ``dbt_build_signalen``).

``run_dbt_build`` also regenerates the dbt docs after a successful build (``generate_docs=True``) when
the project (models, macros, seeds, configuration) or the target changed since the docs were last
generated; a nightly build of an unchanged project keeps the docs it has (they describe the same tables
and columns), which saves a second parse and catalog query every night.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from woonsignaal.settings import Settings, environment_for_dbt, get_settings

log = logging.getLogger(__name__)

#: Node statuses that mean the node did what it should.
OK_STATUSES = frozenset({"success", "pass", "skipped", "no-op"})
WARN_STATUSES = frozenset({"warn"})

_DBT_LOCK = threading.Lock()  # one dbt invocation per process at a time (dbtRunner is not re-entrant)


@dataclass(frozen=True)
class NodeResult:
    unique_id: str
    status: str
    message: str | None
    execution_time: float
    failures: int | None = None
    resource_type: str = ""

    @property
    def ok(self) -> bool:
        return self.status in OK_STATUSES or self.status in WARN_STATUSES

    @property
    def name(self) -> str:
        return self.unique_id.split(".")[-1]


@dataclass
class DbtRunResult:
    command: list[str]
    success: bool
    nodes: list[NodeResult] = field(default_factory=list)
    error: str | None = None  # an exception dbt raised before or outside the nodes (parse error, ...)
    elapsed_seconds: float = 0.0
    target_path: Path | None = None

    @property
    def failed(self) -> list[NodeResult]:
        return [n for n in self.nodes if not n.ok]

    @property
    def warnings(self) -> list[NodeResult]:
        return [n for n in self.nodes if n.status in WARN_STATUSES]

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for n in self.nodes:
            out[n.status] = out.get(n.status, 0) + 1
        return out

    def summary(self) -> str:
        """Readable text: totals, then every failed node with dbt's message."""
        counts = ", ".join(f"{k}={v}" for k, v in sorted(self.counts().items())) or "geen nodes"
        lines = [
            f"dbt {' '.join(self.command[:1])}: {'geslaagd' if self.success else 'MISLUKT'} "
            f"({len(self.nodes)} nodes: {counts}; {self.elapsed_seconds:.1f} s)"
        ]
        if self.error:
            lines.append(f"  fout: {self.error}")
        for n in self.failed:
            detail = f" ({n.failures} rijen)" if n.failures else ""
            lines.append(f"  {n.status.upper()} {n.unique_id}{detail}: {(n.message or '').strip()}")
        for n in self.warnings:
            lines.append(f"  WARN {n.unique_id}: {(n.message or '').strip()}")
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["target_path"] = str(self.target_path) if self.target_path else None
        d["counts"] = self.counts()
        d["failed"] = [n.unique_id for n in self.failed]
        return d


def _target_path(settings: Settings) -> Path:
    return settings.dbt_dir / "target"


def _log_path(settings: Settings) -> Path:
    return settings.dbt_dir / "logs"


def dbt_target_output(settings: Settings, target: str | None = None) -> dict[str, Any]:
    """The ``target`` output (default ``settings.dbt_target``) of the project's ``profiles.yml``, rendered
    as dbt renders it for this runner (``env_var`` as :meth:`Settings.dbt_env_var` gives it, ``as_number``)."""
    import jinja2
    import yaml

    target = target or settings.dbt_target
    profiles = yaml.safe_load((settings.dbt_project_dir / "profiles.yml").read_text())
    (profile,) = profiles.values()
    outputs = profile["outputs"]
    if target not in outputs:
        raise ValueError(f"profiles.yml has no output {target!r} (has {sorted(outputs)})")

    def env_var(name: str, default: str | None = None) -> str:
        value = settings.dbt_env_var(name)
        if value is not None:
            return value
        if default is None:
            raise ValueError(f"profiles.yml: env_var {name!r} is not set and has no default")
        return default

    env = jinja2.Environment()
    env.filters["as_number"] = lambda v: int(v) if str(v).strip().lstrip("-").isdigit() else float(v)
    env.globals["env_var"] = env_var
    return {k: env.from_string(v).render() if isinstance(v, str) else v for k, v in outputs[target].items()}


def dbt_target_type(settings: Settings, target: str | None = None) -> str:
    """The adapter type (``duckdb``, ``postgres``, ...) of ``target`` (default ``settings.dbt_target``)."""
    return str(dbt_target_output(settings, target)["type"])


def _common_args(settings: Settings, target: str | None, vars: dict | None) -> list[str]:
    all_vars = {"minimum_group_size": settings.minimum_group_size}
    all_vars.update(vars or {})
    return [
        "--project-dir",
        str(settings.dbt_project_dir),
        "--profiles-dir",
        str(settings.dbt_project_dir),
        "--target",
        target or settings.dbt_target,
        "--target-path",
        str(_target_path(settings)),
        "--log-path",
        str(_log_path(settings)),
        "--vars",
        json.dumps(all_vars, default=str),
    ]


def _node_result(r: Any) -> NodeResult:
    node = getattr(r, "node", None)
    status = getattr(r, "status", "")
    status = getattr(status, "value", status)
    return NodeResult(
        unique_id=getattr(node, "unique_id", "?"),
        status=str(status),
        message=getattr(r, "message", None),
        execution_time=float(getattr(r, "execution_time", 0.0) or 0.0),
        failures=getattr(r, "failures", None),
        resource_type=str(getattr(getattr(node, "resource_type", ""), "value", "")),
    )


def _release_duckdb() -> None:
    """Close the DuckDB connection dbt-duckdb keeps open in-process after a run.

    dbt-duckdb caches one connection per process (``DuckDBConnectionManager._ENV``) and never closes it;
    while it is open no other connection with another configuration (e.g. read-only, the publish step)
    can open the warehouse file in this process, and no other process can open it at all.
    """
    try:
        from dbt.adapters.duckdb.connections import DuckDBConnectionManager
    except ImportError:  # dbt-duckdb not installed (postgres-only environment)
        return
    with DuckDBConnectionManager._LOCK:
        env = DuckDBConnectionManager._ENV
        DuckDBConnectionManager._ENV = None
        if env is not None:
            try:
                env.close()
            except Exception as exc:  # noqa: BLE001
                log.warning("could not close dbt-duckdb's connection: %s", exc)
    import gc

    gc.collect()


def invoke(
    args: list[str], settings: Settings | None = None, target: str | None = None, vars: dict | None = None
) -> DbtRunResult:
    """Run one dbt command (e.g. ``["build", "--select", "marts"]``) in-process and collect its results."""
    import time

    from dbt.cli.main import dbtRunner

    settings = settings or get_settings()
    settings.dbt_dir.mkdir(parents=True, exist_ok=True)
    settings.warehouse_path.parent.mkdir(parents=True, exist_ok=True)
    cli_args = [*args, *_common_args(settings, target, vars)]
    seen: set[str] = set()

    def on_event(event: Any) -> None:
        # log each node's result line as it finishes (NodeFinished carries the run result)
        try:
            name = event.info.name
            if name != "NodeFinished":
                return
            rr = event.data.run_result
            uid = rr.node_info.get("unique_id") if hasattr(rr, "node_info") else None
            uid = uid or event.data.node_info.unique_id
            if uid in seen:
                return
            seen.add(uid)
            status = event.data.node_info.node_status
            level = (
                logging.INFO if status in OK_STATUSES else logging.WARNING if status in WARN_STATUSES else logging.ERROR
            )
            log.log(level, "dbt %s %s (%.2f s)", status, uid, rr.execution_time)
        except Exception:  # noqa: BLE001 - logging must never break the run
            pass

    started = time.perf_counter()
    with _DBT_LOCK, environment_for_dbt(settings):
        try:
            runner = dbtRunner(callbacks=[on_event])
            res = runner.invoke(cli_args)
        finally:
            _release_duckdb()
    elapsed = time.perf_counter() - started

    nodes: list[NodeResult] = []
    result_obj = res.result
    if result_obj is not None and hasattr(result_obj, "results"):
        nodes = [_node_result(r) for r in result_obj.results]
    error = None
    if res.exception is not None:
        error = f"{type(res.exception).__name__}: {res.exception}"
    success = bool(res.success) and error is None and not any(not n.ok for n in nodes)
    out = DbtRunResult(
        command=cli_args,
        success=success,
        nodes=nodes,
        error=error,
        elapsed_seconds=elapsed,
        target_path=_target_path(settings),
    )
    (log.info if success else log.error)("%s", out.summary())
    return out


def run_dbt_build(
    settings: Settings | None = None,
    select: str | None = None,
    vars: dict | None = None,
    target: str | None = None,
    generate_docs: bool = True,
    selector: str | None = None,
) -> DbtRunResult:
    """``dbt build`` (seeds, models, tests) of the whole project, of a selector of
    ``dbt_project/selectors.yml`` (``selector``, the nightly parts) or of ``select`` (ad hoc; a test runs
    only when all its parents are selected: ``--indirect-selection cautious``).

    A build runs with ``--full-refresh`` when the project changed since the last successful build of the
    same part (:data:`BUILD_STAMP`). After a successful build the docs are regenerated (``dbt docs
    generate``) into ``settings.dbt_dir/target`` when the project changed since they were last generated;
    a docs failure is logged, never fails the build.
    """
    settings = settings or get_settings()
    if select and selector:
        raise ValueError("run_dbt_build: select or selector, not both")
    args = ["build"]
    if selector:
        args += ["--selector", selector]
    elif select:
        args += ["--select", select, "--indirect-selection", "cautious"]
    with _full_refresh_when_project_changed(settings, target, part=selector, ad_hoc=bool(select)) as state:
        if state["full_refresh"]:
            args.append("--full-refresh")
        result = invoke(args, settings, target=target, vars=vars)
        state["success"] = result.success
    if result.success and generate_docs:
        fingerprint = project_fingerprint(settings, target)
        stamp = _target_path(settings) / DOCS_STAMP
        current = stamp.read_text() if stamp.exists() else None
        if current == fingerprint and (_target_path(settings) / "catalog.json").exists():
            log.info("dbt docs: project unchanged since the last generation, kept")
        else:
            try:
                run_dbt_docs_generate(settings, vars=vars, target=target)
                stamp.write_text(fingerprint)
            except Exception as exc:  # noqa: BLE001
                log.warning("dbt docs generate mislukt: %s", exc)
    return result


#: File in the target folder holding the project fingerprint of the last successful build of the whole
#: project (``<BUILD_STAMP>.<selector>``: of that selector). While it matches, incremental models (the
#: contract-month models) are brought up to date; when it does not (first build, a new woonsignaal
#: version, a failed or ad hoc partial build since) the build runs with --full-refresh. History models
#: (fct_signalen_historie, werklijst_historie) have full_refresh: false and keep their rows.
BUILD_STAMP = ".build_fingerprint"


@contextmanager
def _full_refresh_when_project_changed(
    settings: Settings, target: str | None, part: str | None, ad_hoc: bool
) -> Iterator[dict]:
    target_path = _target_path(settings)
    stamp = target_path / (f"{BUILD_STAMP}.{part}" if part else BUILD_STAMP)
    fingerprint = project_fingerprint(settings, target)
    full_refresh = not stamp.exists() or stamp.read_text() != fingerprint
    if full_refresh:
        log.info("dbt build --full-refresh: the project changed since the last successful build (or none yet)")
    # a failed build leaves no stamp of its part, an ad hoc partial build none at all: the next refreshes
    for old in [stamp] if not ad_hoc else target_path.glob(f"{BUILD_STAMP}*"):
        old.unlink(missing_ok=True)
    state = {"success": False, "full_refresh": full_refresh}
    yield state
    if state["success"] and not ad_hoc:
        stamp.parent.mkdir(parents=True, exist_ok=True)
        stamp.write_text(fingerprint)


#: File in the target folder holding the project fingerprint the docs were last generated for.
DOCS_STAMP = ".docs_fingerprint"
_PROJECT_PARTS = (
    "models",
    "macros",
    "seeds",
    "snapshots",
    "tests",
    "dbt_project.yml",
    "profiles.yml",
    "selectors.yml",
)


def project_fingerprint(settings: Settings, target: str | None = None) -> str:
    """sha256 over the dbt project's files (path + content) and the target name."""
    import hashlib

    digest = hashlib.sha256((target or settings.dbt_target).encode())
    root = settings.dbt_project_dir
    for part in _PROJECT_PARTS:
        path = root / part
        files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
        for f in files:
            if f.exists():
                digest.update(str(f.relative_to(root)).encode())
                digest.update(f.read_bytes())
    return digest.hexdigest()


def run_dbt_seed(settings: Settings | None = None, vars: dict | None = None, target: str | None = None) -> DbtRunResult:
    """Load the seeds (code lists) only; ``run_dbt_build`` does this too."""
    return invoke(["seed"], settings, target=target, vars=vars)


def run_dbt_docs_generate(
    settings: Settings | None = None, vars: dict | None = None, target: str | None = None
) -> Path:
    """Generate the dbt docs (manifest + catalog + index.html) into ``settings.dbt_dir/target``.

    Returns the path of ``index.html`` (open it in a browser, or ``dbt docs serve``).
    """
    settings = settings or get_settings()
    result = invoke(["docs", "generate"], settings, target=target, vars=vars)
    index = _target_path(settings) / "index.html"
    if not result.success or not index.exists():
        raise RuntimeError(f"dbt docs generate mislukt:\n{result.summary()}")
    return index
