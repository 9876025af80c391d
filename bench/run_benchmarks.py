"""One command for woonsignaal's benchmarks (issue 10): simulate, full load, nightly delta, report, floors.

    .venv/bin/python bench/run_benchmarks.py --sizes S,M,L [--out bench/out] [--write-md BENCHMARKS.md]
    .venv/bin/python bench/run_benchmarks.py --write-md BENCHMARKS.md --sizes ''   # only rewrite the note

Sizes (simulated corporations): S = 2,000 units x 3 years, M = 20,000 x 5, L = 80,000 x 10.

Per size, in a fresh ``WOONSIGNAAL_HOME`` under ``--work-root`` (default ``/tmp/bench-<size>``, never in
the repository), each phase runs as its own subprocess of the real command line:

1. ``woonsignaal simulate --out <landing> --eenheden N --jaren Y --delta-dagen 1`` (one volledig
   delivery and one nightly delta);
2. floors on the volledig delivery, page cache warm: DuckDB ``read_csv`` of all 14 CSV files into
   tables of a fresh DuckDB file (``bench_ingest.baseline_read_csv``: the contract's dialect, types
   auto-detected), and ``bench/floor_pandas_kpi.py`` (pandas, one verhuur KPI);
3. first full load: ``woonsignaal run --landing <landing> --alleen <volledig>`` (verify, raw, dbt build,
   audit, publish, through the nightly DAG with ``dag.test()``);
4. nightly delta: ``woonsignaal run --landing <landing> --alleen <delta>``;
5. report: ``woonsignaal report --maand <the last complete month>``.

The woonsignaal phases run through ``bench/_cli_hooks.py`` (the same ``woonsignaal.cli:app`` with timing
hooks on the pipeline steps, GX validation, dbt and the Airflow runner; ``--plain`` runs the console
script instead, and then the GX audit share is unknown).

Measured per phase: wall time; CPU time (user + sys) of the whole process tree (``os.wait4`` on the
child: its own and all its reaped descendants' usage); peak RSS of the tree (``/proc`` sampled every
0.2 s through psutil, RSS summed over the child and all its descendants) and ``ru_maxrss`` (largest
single process); the load average (1 min) at start, end and averaged over the samples, because other
work on the machine slows every figure down.

Time split of a DAG run (full load and delta), summing to the process's wall time:
* loading: ``verifieer_levering`` + ``laad_raw`` minus the GX raw validation inside it;
* dbt: the ``dbt_build`` step;
* Great Expectations: the raw suites in ``laad_raw`` and the mart suites in ``kwaliteitspoort``
  (each ``woonsignaal.quality.validate`` call, plus the one-off ``import great_expectations``);
* audit/publish without GX: ``kwaliteitspoort`` (candidate copy, built-in rules) + ``publiceer``;
* Airflow overhead: the DAG run (``dag.test()``) minus the step bodies (task start, XCom, sensor, the
  in-process execution API), plus Airflow's setup in the process (import, metadata DB, DAG parse);
* process start: Python, the CLI's imports and the landing scan (wall time minus ``run_nightly``).
Step times come from the hooks (sub-second); ``runs.jsonl``'s gestart/geslaagd events (whole seconds)
are kept beside them in the JSON as a cross-check.

Results: ``<out>/results-<size>.json`` per size; ``--write-md`` writes the note from every results file
present in ``<out>``, so a size can be (re)run alone.
"""

from __future__ import annotations

import argparse
import calendar
import json
import os
import platform
import shlex
import shutil
import subprocess
import sys
import threading
import time
from datetime import UTC, date, datetime
from pathlib import Path

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
sys.path.insert(0, str(BENCH))

SIZES = {"S": (2_000, 3), "M": (20_000, 5), "L": (80_000, 10)}
STEPS = ("verifieer_levering", "laad_raw", "dbt_build", "kwaliteitspoort", "publiceer")
HOOK_STEP = {
    "verify": "verifieer_levering",
    "load_raw": "laad_raw",
    "build_marts": "dbt_build",
    "audit": "kwaliteitspoort",
    "publish_marts": "publiceer",
    "delivery_is_complete": "wacht_op_levering",
}
TARGETS = {
    "full_load_s": 600.0,  # L full load <= 10 min
    "full_vs_floor": 4.0,  # L full load <= 4x the DuckDB floor
    "delta_s": 90.0,  # nightly delta on L <= 90 s
    "rss_mb": 4096.0,  # peak RSS <= 4 GB
    "scaling": 1.2,  # L/M time <= 1.2 x the size ratio
}


# --- measuring one subprocess ----------------------------------------------------------------------


class TreeSampler(threading.Thread):
    """Samples the summed RSS of a process and all its descendants, and the load average."""

    def __init__(self, pid: int, interval: float = 0.2):
        super().__init__(daemon=True)
        self.pid, self.interval = pid, interval
        self.peak_rss = 0
        self.peak_procs = 0
        self.loads: list[float] = []
        self.samples: list[tuple[float, int]] = []  # (epoch seconds, tree RSS bytes)
        self._halt = threading.Event()

    def run(self) -> None:
        import psutil

        try:
            root = psutil.Process(self.pid)
        except psutil.NoSuchProcess:
            return
        while not self._halt.is_set():
            try:
                procs = [root, *root.children(recursive=True)]
            except psutil.NoSuchProcess:
                break
            total = 0
            for p in procs:
                try:
                    total += p.memory_info().rss
                except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
                    pass
            self.peak_rss = max(self.peak_rss, total)
            self.samples.append((time.time(), total))
            self.peak_procs = max(self.peak_procs, len(procs))
            self.loads.append(os.getloadavg()[0])
            self._halt.wait(self.interval)

    def stop(self) -> None:
        self._halt.set()
        self.join(timeout=5)


def measure(name: str, cmd: list[str], env: dict[str, str], log_dir: Path) -> dict:
    """Run ``cmd`` as a child process; wall, CPU and memory of its whole tree."""
    log_dir.mkdir(parents=True, exist_ok=True)
    out_path = log_dir / f"{name}.log"
    print(f"  {name}: {shlex.join(cmd)}", flush=True)
    load_start = os.getloadavg()
    with out_path.open("wb") as out:
        t = time.perf_counter()
        proc = subprocess.Popen(cmd, env=env, stdout=out, stderr=subprocess.STDOUT, cwd=env.get("BENCH_CWD", str(REPO)))
        sampler = TreeSampler(proc.pid)
        sampler.start()
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t
        sampler.stop()
    proc.returncode = os.waitstatus_to_exitcode(status)
    load_end = os.getloadavg()
    result = {
        "command": shlex.join(cmd),
        "returncode": proc.returncode,
        "wall_s": round(wall, 2),
        "cpu_user_s": round(usage.ru_utime, 2),
        "cpu_sys_s": round(usage.ru_stime, 2),
        "cpu_s": round(usage.ru_utime + usage.ru_stime, 2),
        "peak_rss_tree_mb": round(sampler.peak_rss / 2**20, 1),
        "ru_maxrss_mb": round(usage.ru_maxrss / 1024, 1),  # Linux: KiB, the largest single process
        "peak_processes": sampler.peak_procs,
        "load_start": round(load_start[0], 2),
        "load_end": round(load_end[0], 2),
        "load_mean": round(sum(sampler.loads) / len(sampler.loads), 2) if sampler.loads else round(load_end[0], 2),
        "log": str(out_path),
        "_samples": sampler.samples,
    }
    print(
        f"    {wall:8.1f} s wall, {result['cpu_s']:8.1f} s CPU, {result['peak_rss_tree_mb']:7.0f} MB peak RSS "
        f"(tree), load {result['load_start']:.1f}->{result['load_end']:.1f}"
        + ("" if proc.returncode == 0 else f"  EXIT {proc.returncode} (see {out_path})"),
        flush=True,
    )
    return result


# --- reading what the runs recorded -----------------------------------------------------------------


def read_jsonl(path: Path) -> list[dict]:
    if not path.exists():
        return []
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            rows.append(json.loads(line))
        except json.JSONDecodeError:
            pass
    return rows


def history_steps(home: Path, extractdatum: str) -> dict:
    """Per step of the latest run of ``extractdatum``: seconds between gestart and geslaagd (runs.jsonl)."""
    events = [e for e in read_jsonl(home / "state" / "runs.jsonl") if e.get("extractdatum") == extractdatum]
    if not events:
        return {}
    run_id = events[-1]["run_id"]
    events = [e for e in events if e["run_id"] == run_id]
    steps: dict = {}
    started: dict[str, datetime] = {}
    details: dict = {}
    for e in events:
        t = datetime.fromisoformat(e["tijd"])
        if e["status"] == "gestart":
            started[e["stap"]] = t
        elif e["stap"] in started:
            steps[e["stap"]] = (t - started[e["stap"]]).total_seconds()
            steps[e["stap"] + ".status"] = e["status"]
        if e.get("details"):
            details[e["stap"]] = e["details"]
    return {"run_id": run_id, "seconds": steps, "details": details}


def peak_by_step(samples: list[tuple[float, int]], hooks: list[dict]) -> dict:
    """Peak tree RSS (MB) while each pipeline step (hook ``step.*``) ran, and outside the steps."""
    spans = [
        (HOOK_STEP.get(h["name"].split(".", 1)[1], h["name"]), h["start"], h["start"] + h["seconds"])
        for h in hooks
        if h["name"].startswith("step.")
    ]
    peaks: dict[str, float] = {}
    for t, rss in samples:
        name = next((n for n, a, b in spans if a <= t <= b), "outside steps")
        peaks[name] = max(peaks.get(name, 0.0), rss / 2**20)
    return {k: round(v) for k, v in peaks.items()}


def split_run(phase: dict, hooks: list[dict], history: dict) -> dict:
    """Where the wall time of one ``woonsignaal run`` went (see the module docstring)."""
    by_name: dict[str, list[dict]] = {}
    for h in hooks:
        by_name.setdefault(h["name"], []).append(h)

    def total(name: str) -> float:
        return sum(h["seconds"] for h in by_name.get(name, []))

    steps = {HOOK_STEP[k.split(".", 1)[1]]: total(k) for k in by_name if k.startswith("step.")}
    wall = phase["wall_s"]
    run_nightly = total("airflow.run_nightly")
    airflow_setup = total("airflow.ensure_metadata_db") + total("airflow.load_dag")
    dag_run = run_nightly - airflow_setup
    gx_calls = by_name.get("gx_validate", [])
    gx_raw = sum(h["seconds"] for h in gx_calls if str(h.get("run_name", "")).startswith("raw-"))
    gx_audit = sum(h["seconds"] for h in gx_calls if not str(h.get("run_name", "")).startswith("raw-"))
    gx_import = total("gx_import")
    # the one-off import happens in the first validate call (the raw suites, inside laad_raw)
    gx_import_in_load = gx_import if gx_calls and str(gx_calls[0].get("run_name", "")).startswith("raw-") else 0.0
    step_sum = sum(v for k, v in steps.items() if k in STEPS)
    load_timings = history.get("details", {}).get("laad_raw", {}).get("timings", {})
    split = {
        "loading_s": steps.get("verifieer_levering", 0) + steps.get("laad_raw", 0) - gx_raw - gx_import_in_load,
        "dbt_s": steps.get("dbt_build", 0),
        "gx_s": gx_raw + gx_audit + gx_import,
        "audit_publish_other_s": steps.get("kwaliteitspoort", 0)
        - gx_audit
        - (gx_import - gx_import_in_load)
        + steps.get("publiceer", 0),
        "airflow_in_dag_run_s": dag_run - step_sum,
        "airflow_setup_s": airflow_setup,
        "process_start_s": wall - run_nightly,
    }
    split["airflow_overhead_s"] = split["airflow_in_dag_run_s"] + split["airflow_setup_s"]
    detail = {
        "steps_s": steps,
        "steps_runs_jsonl_s": {k: v for k, v in history.get("seconds", {}).items() if not k.endswith(".status")},
        "dag_run_s": dag_run,
        "run_nightly_s": run_nightly,
        "gx_import_s": gx_import,
        "gx_raw_validate_s": gx_raw,
        "gx_audit_validate_s": gx_audit,
        "gx_validate_calls": len(gx_calls),
        "ingest_timings_s": load_timings,
        "publish_calls_s": {k.split(".", 1)[1]: total(k) for k in by_name if k.startswith("publish.")},
        "dbt_call_s": total("dbt.run_dbt_build"),
        "dbt_invocations_s": {h.get("dbt_command", "?"): round(h["seconds"], 2) for h in by_name.get("dbt.invoke", [])},
        **dbt_stats(history),
        "dbt_slowest_nodes": slowest_dbt_nodes(history),
    }
    return {"split": {k: round(v, 2) for k, v in split.items()}, "detail": json.loads(json.dumps(detail, default=str))}


def dbt_stats(history: dict) -> dict:
    d = history.get("details", {}).get("dbt_build", {})
    nodes = [n for n in (d.get("nodes") or []) if isinstance(n, dict)] if isinstance(d, dict) else []
    by_type: dict[str, float] = {}
    for n in nodes:
        by_type[n.get("resource_type", "?")] = by_type.get(n.get("resource_type", "?"), 0.0) + float(
            n.get("execution_time") or 0
        )
    return {
        "dbt_nodes": len(nodes),
        "dbt_node_seconds_by_type": {k: round(v, 2) for k, v in by_type.items()},
        "dbt_elapsed_s": d.get("elapsed_seconds") if isinstance(d, dict) else None,
    }


def slowest_dbt_nodes(history: dict, n: int = 8) -> list:
    d = history.get("details", {}).get("dbt_build", {})
    nodes = d.get("nodes") if isinstance(d, dict) else None
    if not isinstance(nodes, list):
        return []
    rows = []
    for node in nodes:
        if isinstance(node, dict):
            secs = node.get("execution_time") or node.get("seconds") or 0
            rows.append([round(float(secs), 2), node.get("unique_id") or node.get("name")])
    return sorted(rows, reverse=True)[:n]


# --- one size ----------------------------------------------------------------------------------------


def deliveries(landing: Path) -> tuple[str, str]:
    volledig = delta = None
    for m in sorted(landing.glob("*/manifest.json")):
        soort = json.loads(m.read_text(encoding="utf-8")).get("soort")
        if soort == "volledig" and volledig is None:
            volledig = m.parent.name
        elif soort == "delta" and volledig is not None and delta is None:
            delta = m.parent.name
    if not volledig or not delta:
        raise SystemExit(f"no volledig + delta delivery in {landing}")
    return volledig, delta


def complete_month(extractdatum: str) -> str:
    """The last month that the publication of ``extractdatum`` covers completely."""
    d = date.fromisoformat(extractdatum)
    if d.day == calendar.monthrange(d.year, d.month)[1]:
        return d.strftime("%Y-%m")
    y, m = (d.year, d.month - 1) if d.month > 1 else (d.year - 1, 12)
    return f"{y:04d}-{m:02d}"


def delivery_stats(folder: Path) -> dict:
    m = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    files = {b["naam"]: b["rijen"] for b in m["bestanden"]}
    return {
        "rows": sum(files.values()),
        "csv_mb": round(sum(p.stat().st_size for p in folder.glob("*.csv")) / 1e6, 1),
        "rows_per_file": files,
    }


def child_result(log: str) -> dict:
    for line in Path(log).read_text(encoding="utf-8", errors="replace").splitlines()[::-1]:
        if line.startswith("RESULT "):
            return json.loads(line[len("RESULT ") :])
        if line.startswith("{"):
            try:
                return json.loads(line)
            except json.JSONDecodeError:
                continue
    return {}


def prepare_source(source: str) -> tuple[Path, str]:
    """The woonsignaal source to benchmark: a snapshot of a commit (``git archive``), or the working tree.

    The repository's working tree is shared with engineers editing it; benchmarking a commit keeps their
    half-done edits out of the figures. The snapshot goes to ``/tmp/bench-src/<sha>`` and is put first
    on ``PYTHONPATH`` (the venv's editable install is a plain path entry, so the snapshot wins).
    """
    if source == "worktree":
        sha = subprocess.run(["git", "rev-parse", "HEAD"], cwd=REPO, capture_output=True, text=True).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"], cwd=REPO, capture_output=True, text=True
        ).stdout.strip()
        return REPO, f"working tree at {sha[:12]}" + (" with uncommitted changes" if dirty else "")
    sha = subprocess.run(
        ["git", "rev-parse", "--verify", f"{source}^{{commit}}"], cwd=REPO, capture_output=True, text=True, check=True
    ).stdout.strip()
    target = Path("/tmp/bench-src") / sha[:12]
    if not (target / "src" / "woonsignaal").is_dir():
        tmp = target.with_name(target.name + ".part")
        if tmp.exists():
            shutil.rmtree(tmp)
        tmp.mkdir(parents=True)
        archive = subprocess.run(["git", "archive", "--format=tar", sha], cwd=REPO, capture_output=True, check=True)
        subprocess.run(["tar", "-x", "-C", str(tmp)], input=archive.stdout, check=True)
        if target.exists():
            shutil.rmtree(target)
        tmp.rename(target)
    return target, f"commit {sha[:12]}"


def run_size(size: str, args) -> dict:
    units, years = SIZES[size]
    wanted = args.phases
    root = Path(args.work_root.replace("<size>", size)).resolve()
    if REPO in root.parents or root == REPO:
        raise SystemExit(f"work root {root} is inside the repository: choose one outside it")
    home, landing = root / "home", root / "landing"
    out = Path(args.out).resolve()
    logs = out / f"logs-{size}"
    previous_file = out / f"results-{size}.json"
    if "simulate" in wanted:
        for p in (landing, home):
            if p.exists():
                shutil.rmtree(p)
    elif not any(landing.glob("*/manifest.json")):
        raise SystemExit(f"{landing} holds no simulated deliveries: run the simulate phase first")
    if "full_load" in wanted and home.exists():
        shutil.rmtree(home)  # the first full load starts from nothing
    root.mkdir(parents=True, exist_ok=True)
    hooks_file = root / "hooks.jsonl"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW", "WOONSIGNAAL_"))}
    env.update(
        WOONSIGNAAL_DEMO="1",
        WOONSIGNAAL_HOME=str(home),
        WOONSIGNAAL_LANDING=str(landing),
        WOONSIGNAAL_BENCH_TIMINGS=str(hooks_file),
        DBT_SEND_ANONYMOUS_USAGE_STATS="false",
        GX_ANALYTICS_ENABLED="false",
        PYTHONPATH=os.pathsep.join(p for p in (str(args.source_dir / "src"), str(BENCH)) if p),
    )
    env["BENCH_CWD"] = str(args.source_dir)
    py = sys.executable
    cli = [str(Path(py).parent / "woonsignaal")] if args.plain else [py, str(BENCH / "_cli_hooks.py")]

    result: dict = {"size": size, "units": units, "years": years, "work_root": str(root), "phases": {}}
    if set(wanted) != set(PHASES) and previous_file.exists():  # a partial run adds to the earlier results
        result = json.loads(previous_file.read_text(encoding="utf-8"))
        result.pop("failures", None)
    result.update(started=datetime.now(UTC).isoformat(timespec="seconds"), finished=None)
    result.setdefault("source", {})
    print(f"\n== {size}: {units:,} units x {years} years in {root} (phases: {', '.join(wanted)})", flush=True)
    phases = result["phases"]
    harness = shlex.join([".venv/bin/python", "bench/run_benchmarks.py", *sys.argv[1:]])

    def phase(name: str, cmd: list[str]) -> dict:
        if hooks_file.exists():
            hooks_file.unlink()
        at = datetime.now(UTC).isoformat(timespec="seconds")
        r = measure(name, cmd, env, logs)
        r.update(at=at, harness_command=harness, source=args.source_label, hooks=read_jsonl(hooks_file))
        r["peak_rss_by_step_mb"] = peak_by_step(r.pop("_samples"), r["hooks"])
        phases[name] = r
        if r["returncode"] != 0:
            result.setdefault("failures", []).append(f"{name}: exit {r['returncode']}, log {r['log']}")
            save(result, args)
            if name == "simulate" or not args.keep_going:
                raise SystemExit(f"{size} {name} failed (exit {r['returncode']}); log: {r['log']}")
        return r

    if "simulate" in wanted:
        phase(
            "simulate",
            cli
            + [
                "simulate",
                "--out",
                str(landing),
                "--eenheden",
                str(units),
                "--jaren",
                str(years),
                "--delta-dagen",
                "1",
                "--seed",
                "1",
                "--geen-kalibratie",
            ],
        )
    volledig, delta = deliveries(landing)
    result.update(
        volledig=volledig,
        delta=delta,
        report_month=complete_month(delta),
        volledig_delivery=delivery_stats(landing / volledig),
        delta_delivery=delivery_stats(landing / delta),
    )

    # floors on the same volledig delivery (page cache warm: it was just written or read)
    if "floor_duckdb" in wanted:
        r = phase(
            "floor_duckdb", [py, str(BENCH / "floor_duckdb.py"), str(landing / volledig), str(root / "floor.duckdb")]
        )
        r.update(child_result(r["log"]))
    if "floor_pandas" in wanted:
        r = phase("floor_pandas", [py, str(BENCH / "floor_pandas_kpi.py"), str(landing / volledig), "--json"])
        kpi = child_result(r["log"])
        r.update({k: kpi.get(k) for k in ("seconds", "read_s", "compute_s", "groepen")})

    for name, day in (("full_load", volledig), ("delta", delta)):
        if name in wanted:
            r = phase(name, cli + ["run", "--landing", str(landing), "--alleen", day])
            history = history_steps(home, day)
            r.update(split_run(r, r["hooks"], history) if r["hooks"] else {"history": history})
    if "report" in wanted:
        phase("report", cli + ["report", "--maand", result["report_month"]])
    wh = home / "warehouse" / "woonsignaal.duckdb"
    if wh.exists():
        result["warehouse_mb"] = round(wh.stat().st_size / 1e6, 1)
    result["finished"] = datetime.now(UTC).isoformat(timespec="seconds")
    save(result, args)
    print_table([result])
    return result


def save(result: dict, args) -> None:
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    result["harness_command"] = shlex.join([".venv/bin/python", "bench/run_benchmarks.py", *sys.argv[1:]])
    (out / f"results-{result['size']}.json").write_text(json.dumps(result, indent=2, default=str), encoding="utf-8")


# --- reporting -----------------------------------------------------------------------------------------


PHASES = ("simulate", "floor_duckdb", "floor_pandas", "full_load", "delta", "report")


def print_table(results: list[dict]) -> None:
    print(f"\n{'size':4} {'phase':13} {'wall s':>8} {'CPU s':>8} {'peak RSS MB':>11} {'maxrss MB':>9} {'load':>10}")
    for r in results:
        for p in PHASES:
            ph = r["phases"].get(p)
            if not ph or "wall_s" not in ph:
                continue
            print(
                f"{r['size']:4} {p:13} {ph['wall_s']:8.1f} {ph['cpu_s']:8.1f} {ph['peak_rss_tree_mb']:11.0f} "
                f"{ph['ru_maxrss_mb']:9.0f} {ph['load_start']:4.1f}-{ph['load_end']:<4.1f}"
            )
        for p in ("full_load", "delta"):
            s = r["phases"].get(p, {}).get("split")
            if s:
                print(f"{r['size']:4} {p:13} split: " + ", ".join(f"{k[:-2]} {v:.1f}" for k, v in s.items()))


def evaluate_targets(by_size: dict[str, dict]) -> list[tuple[str, str, str, str]]:
    """(target, measured, verdict, note) rows."""
    rows = []
    L, M = by_size.get("L"), by_size.get("M")

    def ph(r, p, k="wall_s"):
        return (r or {}).get("phases", {}).get(p, {}).get(k)

    full = ph(L, "full_load")
    rows.append(
        (
            "L full load <= 10 min",
            f"{full:.0f} s" if full is not None else "not run",
            verdict(full is not None and full <= TARGETS["full_load_s"], full),
            "",
        )
    )
    floor = ph(L, "floor_duckdb", "read_csv_s")
    if full is not None and floor:
        ratio = full / floor
        rows.append(
            (
                "L full load <= 4x DuckDB floor",
                f"{ratio:.1f}x ({full:.0f} s / {floor:.1f} s)",
                verdict(ratio <= TARGETS["full_vs_floor"], ratio),
                "",
            )
        )
    else:
        rows.append(("L full load <= 4x DuckDB floor", "not run", "-", ""))
    d = ph(L, "delta")
    rows.append(
        (
            "L nightly delta <= 90 s",
            f"{d:.0f} s" if d is not None else "not run",
            verdict(d is not None and d <= TARGETS["delta_s"], d),
            "",
        )
    )
    peaks = [
        (s, p, r["phases"][p]["peak_rss_tree_mb"])
        for s, r in by_size.items()
        for p in PHASES
        if "peak_rss_tree_mb" in r["phases"].get(p, {}) and not p.startswith("floor")
    ]
    if peaks:
        s, p, mb = max(peaks, key=lambda x: x[2])
        rows.append(
            (
                "peak RSS <= 4 GB (process tree, every phase)",
                f"{mb:.0f} MB ({s} {p})",
                verdict(mb <= TARGETS["rss_mb"], mb),
                "",
            )
        )
    if L and M:
        rows_ratio = L["volledig_delivery"]["rows"] / M["volledig_delivery"]["rows"]
        for p in ("full_load", "delta", "simulate", "report"):
            lt, mt = ph(L, p), ph(M, p)
            if lt is None or mt is None:
                continue
            t_ratio = lt / mt
            lc, mc = ph(L, p, "cpu_s"), ph(M, p, "cpu_s")
            cpu = f"; CPU {lc / mc:.1f}x" if lc and mc else ""
            rows.append(
                (
                    f"L/M {p} time <= 1.2 x size ratio ({rows_ratio:.1f}x rows)",
                    f"{t_ratio:.1f}x wall (limit {TARGETS['scaling'] * rows_ratio:.1f}x{cpu})",
                    verdict(t_ratio <= TARGETS["scaling"] * rows_ratio, t_ratio),
                    "",
                )
            )
    else:
        rows.append(("L/M time <= 1.2 x size ratio", "needs M and L", "-", ""))
    return rows


def verdict(ok: bool, value) -> str:
    if value is None:
        return "-"
    return "pass" if ok else "**FAIL**"


def machine() -> dict:
    info = {"python": platform.python_version(), "kernel": platform.release()}
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True).stdout
        for line in out.splitlines():
            k, _, v = line.partition(":")
            if k.strip() in ("Model name", "CPU(s)", "Thread(s) per core", "Core(s) per socket"):
                info[k.strip()] = v.strip()
    except OSError:
        pass
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal"):
            info["RAM"] = f"{int(line.split()[1]) / 2**20:.1f} GiB"
    from importlib import metadata

    for pkg in ("apache-airflow", "dbt-core", "dbt-duckdb", "duckdb", "great-expectations", "pandas"):
        try:
            info[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            pass
    return info


def fmt(v, nd=1) -> str:
    return "-" if v is None else f"{v:,.{nd}f}"


def write_md(path: Path, out: Path) -> None:
    by_size = {}
    for s in SIZES:
        f = out / f"results-{s}.json"
        if f.exists():
            by_size[s] = json.loads(f.read_text(encoding="utf-8"))
    m = machine()
    lines = [
        "# Benchmarks",
        "",
        "Written by `bench/run_benchmarks.py` (see `bench/README.md`); every figure below comes from the run",
        "named beside it. Edit the harness, not this file: the next run overwrites it.",
        "",
        "## Machine",
        "",
        f"- CPU: {m.get('Model name', '?')}, {m.get('CPU(s)', '?')} logical CPUs "
        f"({m.get('Core(s) per socket', '?')} core(s) per socket, {m.get('Thread(s) per core', '?')} thread(s) "
        "per core)",
        f"- RAM: {m.get('RAM', '?')}; kernel {m.get('kernel')}; Python {m.get('python')}",
        "- "
        + ", ".join(
            f"{k} {m[k]}"
            for k in ("apache-airflow", "dbt-core", "dbt-duckdb", "duckdb", "great-expectations", "pandas")
            if k in m
        ),
        "- The machine is shared: the 1-minute load average is given beside every figure (start -> end of",
        "  the phase, and its mean while the phase ran). With 2 CPUs, a load well above 2 means the phase",
        "  got only part of the machine and its wall time is inflated accordingly (CPU time much less so).",
        "",
        "## Commands and dates",
        "",
    ]
    for s, r in by_size.items():
        cmds: dict[str, list[str]] = {}
        for p in PHASES:
            ph = r["phases"].get(p)
            if ph and "harness_command" in ph:
                cmds.setdefault(f"{ph['harness_command']}` on {ph.get('source', '?')}", []).append(f"{p} at {ph['at']}")
        for cmd, which in cmds.items():
            lines.append(f"- {s} ({r['units']:,} units x {r['years']} years): `{cmd}: {'; '.join(which)} (UTC)")
        for f in r.get("failures", []):
            lines.append(f"  - **failed**: {f}")
    lines += [
        "",
        "Each phase runs as its own subprocess; its command line is in `bench/out/results-<size>.json`",
        "(`phases.<phase>.command`), its output in `bench/out/logs-<size>/<phase>.log`.",
    ]
    lines += ["", "## Targets (issue 10)", "", "| target | measured | verdict |", "|---|---|---|"]
    for t, meas, v, _ in evaluate_targets(by_size):
        lines.append(f"| {t} | {meas} | {v} |")
    lines += [
        "",
        "## Figures per phase",
        "",
        "Wall and CPU time (user + sys) of the whole process tree; peak RSS summed over the tree (sampled",
        "every 0.2 s) and `ru_maxrss` (largest single process).",
        "",
        "| size | phase | wall s | CPU s | peak RSS tree MB | max RSS one process MB | load start -> end (mean) | "
        "run at (UTC) | exit |",
        "|---|---|---:|---:|---:|---:|---|---|---:|",
    ]
    for s, r in by_size.items():
        for p in PHASES:
            ph = r["phases"].get(p)
            if not ph or "wall_s" not in ph:
                continue
            lines.append(
                f"| {s} | {p} | {fmt(ph['wall_s'])} | {fmt(ph['cpu_s'])} | {fmt(ph['peak_rss_tree_mb'], 0)} | "
                f"{fmt(ph['ru_maxrss_mb'], 0)} | {ph['load_start']:.1f} -> {ph['load_end']:.1f} "
                f"({ph['load_mean']:.1f}) | {ph.get('at', '')[:19]} | {ph.get('returncode')} |"
            )
    lines += [
        "",
        "## Deliveries",
        "",
        "| size | volledig | rows | CSV MB | delta | rows | CSV MB | warehouse MB |",
        "|---|---|---:|---:|---|---:|---:|---:|",
    ]
    for s, r in by_size.items():
        v, d = r.get("volledig_delivery", {}), r.get("delta_delivery", {})
        lines.append(
            f"| {s} | {r.get('volledig')} | {v.get('rows', 0):,} | {fmt(v.get('csv_mb'))} | {r.get('delta')} | "
            f"{d.get('rows', 0):,} | {fmt(d.get('csv_mb'))} | {fmt(r.get('warehouse_mb'))} |"
        )
    lines += [
        "",
        "## Floors",
        "",
        "- DuckDB: `read_csv` of all 14 CSV files of the volledig delivery into tables of a fresh DuckDB file",
        "  (contract dialect, types auto-detected; `bench_ingest.baseline_read_csv`). `read_csv s` is the",
        "  reading itself; the process wall time adds Python and DuckDB start-up.",
        "- pandas: `bench/floor_pandas_kpi.py`, the median leegstandsduur per eenheid detailsoort from",
        "  `eenheidstatussen.csv` + `eenheden.csv` (what a lone analyst would do).",
        "",
        "| size | DuckDB read_csv s | DuckDB process wall s | pandas KPI s (in script) | pandas process wall s | "
        "full load / DuckDB read_csv |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for s, r in by_size.items():
        fd, fp, fl = (
            r["phases"].get("floor_duckdb", {}),
            r["phases"].get("floor_pandas", {}),
            r["phases"].get("full_load", {}),
        )
        ratio = fl["wall_s"] / fd["read_csv_s"] if fl.get("wall_s") and fd.get("read_csv_s") else None
        lines.append(
            f"| {s} | {fmt(fd.get('read_csv_s'), 2)} | {fmt(fd.get('wall_s'))} | {fmt(fp.get('seconds'), 2)} | "
            f"{fmt(fp.get('wall_s'))} | {fmt(ratio) + 'x' if ratio else '-'} |"
        )
    lines += [
        "",
        "## Where the time goes (DAG runs)",
        "",
        "Seconds of the `woonsignaal run` process's wall time (the columns add up to it). loading = verify +",
        "laad_raw without its GX validation; GX = raw suites + mart suites + the one-off GX import;",
        "audit/publish = candidate copy, built-in rules and the atomic publish; Airflow = the DAG run outside",
        "the step bodies plus Airflow's import, metadata DB and DAG parse; start = Python and CLI imports.",
        "",
        "| size | run | wall s | loading | dbt | GX | audit/publish | Airflow (in run + setup) | start |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for s, r in by_size.items():
        for p in ("full_load", "delta"):
            ph = r["phases"].get(p, {})
            sp = ph.get("split")
            if not sp:
                continue
            w = ph["wall_s"]

            def c(v, w=w):
                return f"{v:.1f} ({100 * v / w:.0f}%)"

            lines.append(
                f"| {s} | {p} | {w:.1f} | {c(sp['loading_s'])} | {c(sp['dbt_s'])} | {c(sp['gx_s'])} | "
                f"{c(sp['audit_publish_other_s'])} | {c(sp['airflow_overhead_s'])} "
                f"({sp['airflow_in_dag_run_s']:.1f} + {sp['airflow_setup_s']:.1f}) | "
                f"{c(sp['process_start_s'])} |"
            )
    lines += ["", "Details (ingest phases from the run history, GX calls, slowest dbt nodes):", ""]
    for s, r in by_size.items():
        for p in ("full_load", "delta"):
            det = r["phases"].get(p, {}).get("detail")
            if not det:
                continue
            it = ", ".join(f"{k} {v:.1f}" for k, v in det.get("ingest_timings_s", {}).items())
            lines.append(
                f"- {s} {p}: steps "
                + ", ".join(f"{k} {v:.1f}" for k, v in det["steps_s"].items())
                + " s (runs.jsonl, whole seconds: "
                + ", ".join(f"{k} {v:.0f}" for k, v in det.get("steps_runs_jsonl_s", {}).items())
                + f"); ingest {it}; GX import {det['gx_import_s']:.1f}, raw suites {det['gx_raw_validate_s']:.1f}, "
                f"mart suites {det['gx_audit_validate_s']:.1f} s; publish calls "
                + ", ".join(f"{k} {v:.1f}" for k, v in det.get("publish_calls_s", {}).items())
                + " s"
                + (
                    (
                        "; peak RSS MB by step "
                        + ", ".join(f"{k} {v}" for k, v in r["phases"][p]["peak_rss_by_step_mb"].items())
                    )
                    if r["phases"][p].get("peak_rss_by_step_mb")
                    else ""
                )
                + "; dbt invocations "
                + ", ".join(f"{k} {v:.1f}" for k, v in det.get("dbt_invocations_s", {}).items())
                + f" s, {det.get('dbt_nodes', 0)} nodes, node time by type "
                + ", ".join(f"{k} {v:.1f}" for k, v in det.get("dbt_node_seconds_by_type", {}).items())
                + " s"
                + (
                    ("; slowest dbt nodes " + ", ".join(f"{n[1]} {n[0]}" for n in det["dbt_slowest_nodes"][:5]))
                    if det.get("dbt_slowest_nodes")
                    else ""
                )
            )
    for notes in (BENCH / "FINDINGS.md", out / "NOTES.md"):  # hand-written analysis of the runs above
        if notes.exists():
            lines += ["", notes.read_text(encoding="utf-8").rstrip()]
    # the section written by bench/signal_quality.py (other runs, other figures) is kept as it is
    from signal_quality import read_section

    kept = read_section(path) if path.exists() else None
    if kept:
        lines += ["", kept.rstrip("\n")]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"wrote {path}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="S,M,L", help="comma-separated, from S, M, L ('' to only write the note)")
    ap.add_argument("--out", default=str(BENCH / "out"), help="results folder (gitignored)")
    ap.add_argument("--write-md", type=Path, default=None, help="write this Markdown note (e.g. BENCHMARKS.md)")
    ap.add_argument("--work-root", default="/tmp/bench-<size>", help="per-size work folder, outside the repository")
    ap.add_argument(
        "--phases",
        default=",".join(PHASES),
        help="comma-separated subset of " + ",".join(PHASES) + " (default: all). Without simulate, the "
        "landing folder of an earlier run is used and the earlier results of the size are kept for "
        "the phases not run; full_load starts from an empty WOONSIGNAAL_HOME, delta and report "
        "need the full load's home",
    )
    ap.add_argument(
        "--keep-going",
        action="store_true",
        help="go on with the next phases when one fails (its figures are then marked as failed)",
    )
    ap.add_argument(
        "--source",
        default="HEAD",
        help="what to benchmark: a commit (default HEAD, exported with "
        "git archive to /tmp/bench-src/<sha>) or 'worktree' (the shared working tree as it is)",
    )
    ap.add_argument("--plain", action="store_true", help="run the console script without timing hooks")
    args = ap.parse_args(argv)
    sizes = [s.strip().upper() for s in args.sizes.split(",") if s.strip()]
    args.phases = [p.strip() for p in args.phases.split(",") if p.strip()]
    if [p for p in args.phases if p not in PHASES]:
        ap.error(f"unknown phase(s); choose from {', '.join(PHASES)}")
    bad = [s for s in sizes if s not in SIZES]
    if bad:
        ap.error(f"unknown size(s) {bad}; choose from {', '.join(SIZES)}")
    if sizes:
        args.source_dir, args.source_label = prepare_source(args.source)
        print(f"benchmarking {args.source_label} ({args.source_dir})", flush=True)
    results = []
    for s in sizes:
        results.append(run_size(s, args))
    if len(results) > 1:
        print_table(results)
    if args.write_md:
        write_md(args.write_md, Path(args.out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
