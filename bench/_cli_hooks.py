"""The ``woonsignaal`` command with timing hooks, for the benchmarks (``bench/run_benchmarks.py``).

    python bench/_cli_hooks.py run --landing ... --alleen 2026-11-23     # same as `woonsignaal run ...`

Runs exactly ``woonsignaal.cli:app`` (the console script's entry point) in this process, after wrapping a
few module attributes so that every call of them appends one JSON line (name, start, seconds) to the
file named by ``$WOONSIGNAAL_BENCH_TIMINGS``. Nothing else changes: the wrapped functions are looked up
by attribute at call time by the pipeline (``pipeline.verify``, ``publish.build_candidate``,
``from woonsignaal.quality import validate`` inside functions), and Airflow's ``dag.test()`` runs the
tasks in this same process, so the hooks see the real night. Wrapped:

* the pipeline steps (``woonsignaal.pipeline.verify``/``load_raw``/``build_marts``/``compute_signals``/
  ``build_signals``/``audit``/``publish_marts``, ``delivery_is_complete``): step times with sub-second
  resolution (the run history in ``runs.jsonl`` records whole seconds);
* ``woonsignaal.quality.validate`` (every Great Expectations validation: raw suites in the ingest,
  mart suites in the quality gate), with the one-off ``import great_expectations`` timed apart;
* ``woonsignaal.transform.run_dbt_build`` and each dbt invocation in it (``transform.invoke``: build,
  docs generate), ``woonsignaal.publish.build_candidate``/``audit_candidate``/
  ``publish_candidate``;
* ``woonsignaal.airflow_runner.run_nightly``/``ensure_metadata_db``/``load_dag`` (so that the DAG run
  itself can be told apart from Airflow's import, metadata DB and DAG parsing).

Without ``$WOONSIGNAAL_BENCH_TIMINGS`` it records nothing.
"""

from __future__ import annotations

import atexit
import functools
import json
import os
import sys
import time

_T0 = time.time()
_PATH = os.environ.get("WOONSIGNAAL_BENCH_TIMINGS")


def _emit(record: dict) -> None:
    if not _PATH:
        return
    with open(_PATH, "a", encoding="utf-8") as fh:
        fh.write(json.dumps(record, default=str) + "\n")


def _timed(name: str, original, args, kwargs, info: dict):
    """Call ``original`` and emit one record with its wall time and outcome."""
    start = time.time()
    t = time.perf_counter()
    ok = False
    try:
        result = original(*args, **kwargs)
        ok = True
        return result
    finally:
        _emit({"name": name, "start": start, "seconds": time.perf_counter() - t, "ok": ok, **info})


def _wrap(module, attr: str, name: str, extra=None) -> None:
    original = getattr(module, attr)
    if getattr(original, "_bench_wrapped", False):
        return

    @functools.wraps(original)
    def wrapper(*args, **kwargs):
        return _timed(name, original, args, kwargs, extra(args, kwargs) if extra else {})

    wrapper._bench_wrapped = True  # type: ignore[attr-defined]
    setattr(module, attr, wrapper)


def _gx_validate_wrapper(module) -> None:
    original = module.validate

    @functools.wraps(original)
    def validate(*args, **kwargs):
        t = time.perf_counter()
        if "great_expectations" not in sys.modules:
            # the one-off import, timed apart; when the ingest's background import has already started,
            # the module is listed and whatever is left of the import counts in gx_validate
            import great_expectations  # noqa: F401

            _emit({"name": "gx_import", "start": time.time(), "seconds": time.perf_counter() - t, "ok": True})
        info = {"run_name": kwargs.get("run_name"), "suite_dir": str(args[1]) if len(args) > 1 else None}
        return _timed("gx_validate", original, args, kwargs, info)

    module.validate = validate


def install() -> None:
    from woonsignaal import airflow_runner, pipeline, publish, quality, transform

    for step in (
        "verify",
        "load_raw",
        "build_marts",
        "compute_signals",
        "build_signals",
        "audit",
        "publish_marts",
        "delivery_is_complete",
    ):
        _wrap(pipeline, step, f"step.{step}")
    _gx_validate_wrapper(quality)
    _wrap(transform, "run_dbt_build", "dbt.run_dbt_build")
    if hasattr(transform, "invoke"):  # each dbt invocation (build, docs generate) apart
        _wrap(
            transform,
            "invoke",
            "dbt.invoke",
            extra=lambda a, k: {"dbt_command": str((a[0] if a else k.get("args", ["?"]))[0])},
        )
    for fn in ("build_candidate", "audit_candidate", "publish_candidate"):
        _wrap(publish, fn, f"publish.{fn}")
    for fn in ("run_nightly", "ensure_metadata_db", "load_dag"):
        _wrap(airflow_runner, fn, f"airflow.{fn}")
    try:
        import psutil

        created = psutil.Process().create_time()
    except Exception:  # noqa: BLE001
        created = _T0
    _emit({"name": "process.start_to_hooks", "start": created, "seconds": time.time() - created, "ok": True})
    atexit.register(
        lambda: _emit({"name": "process.exit", "start": time.time(), "seconds": time.time() - created, "ok": True})
    )


def main() -> None:
    install()
    from woonsignaal.cli import app

    sys.argv[0] = "woonsignaal"
    app()


if __name__ == "__main__":
    main()
