"""Benchmark: the full ``dbt build`` of the warehouse models on a simulated corporation.

Simulates a corporation (``--eenheden`` units, ``--jaren`` years of history, one volledig delivery plus
``--delta-dagen`` deltas), loads every delivery into the raw layer of a temporary WOONSIGNAAL_HOME and
then times the night's build (``woonsignaal.pipeline.build_warehouse``; with ``--select``
``woonsignaal.transform.run_dbt_build``) in a child process, reporting its wall time and peak
RSS (the child's ``ru_maxrss``). Prints one JSON line; ``--json FILE`` also writes it.

    .venv/bin/python bench/bench_dbt.py --eenheden 80000 --jaren 10
    .venv/bin/python bench/bench_dbt.py --eenheden 10000 --jaren 3 --keep /tmp/bench   # keep the home

``--select`` limits the build (default: everything, signals included).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CHILD = r"""
import json, sys, time
import datetime as dt
from woonsignaal.pipeline import build_warehouse
from woonsignaal.settings import get_settings
from woonsignaal.transform import run_dbt_build
select = sys.argv[1] or None
t = time.perf_counter()
if select:
    r = run_dbt_build(select=select, vars={"extractdatum": sys.argv[2]}, generate_docs=False)
else:  # the night's build: the marts, the signal step, the signals
    r = build_warehouse(get_settings(), dt.date.fromisoformat(sys.argv[2]))
out = {"success": r.success, "seconds": time.perf_counter() - t, "nodes": len(r.nodes),
       "slowest": sorted(((n.execution_time, n.unique_id) for n in r.nodes), reverse=True)[:8]}
if not r.success:
    out["summary"] = r.summary()
print("RESULT " + json.dumps(out))
"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--eenheden", type=int, default=10000)
    ap.add_argument("--jaren", type=int, default=3)
    ap.add_argument("--delta-dagen", type=int, default=1)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--select", default="")
    ap.add_argument("--keep", type=Path, help="use (and keep) this folder instead of a temporary one")
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()

    root = args.keep or Path(tempfile.mkdtemp(prefix="bench-dbt-"))
    root.mkdir(parents=True, exist_ok=True)
    home, landing = root / "home", root / "landing"
    env = dict(
        os.environ,
        WOONSIGNAAL_HOME=str(home),
        WOONSIGNAAL_DEMO="1",
        WOONSIGNAAL_LANDING=str(landing),
        DBT_SEND_ANONYMOUS_USAGE_STATS="false",
    )
    os.environ.update(env)

    from woonsignaal.ingest import load_delivery
    from woonsignaal.settings import get_settings
    from woonsignaal.simulate import simulate

    report: dict = {"eenheden": args.eenheden, "jaren": args.jaren, "delta_dagen": args.delta_dagen}
    settings = get_settings()
    if not settings.warehouse_path.exists():
        t = time.perf_counter()
        sim = simulate(landing, eenheden=args.eenheden, jaren=args.jaren, delta_dagen=args.delta_dagen, seed=args.seed)
        report["simulate_seconds"] = round(time.perf_counter() - t, 1)
        settings.ensure_dirs()
        t = time.perf_counter()
        for d in sim.deliveries:
            load_delivery(d, settings, gx=False)
        report["load_seconds"] = round(time.perf_counter() - t, 1)
    extractdatum = max(p.name for p in landing.iterdir() if p.is_dir())
    import duckdb

    con = duckdb.connect(str(settings.warehouse_path), read_only=True)
    report["raw_rows"] = {
        t: con.execute(f"select count(*) from raw.{t}").fetchone()[0]
        for t in (
            "eenheden",
            "huurovereenkomsten",
            "eenheidstatussen",
            "boekingen",
            "zaken",
            "publicaties",
            "aanbiedingen",
        )
    }
    con.close()

    t = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-c", CHILD, args.select, extractdatum], env=env, capture_output=True, text=True
    )
    wall = time.perf_counter() - t
    peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    line = next((ln for ln in proc.stdout.splitlines() if ln.startswith("RESULT ")), None)
    if line is None:
        print(proc.stdout[-3000:], proc.stderr[-3000:], file=sys.stderr)
        raise SystemExit("dbt child failed")
    child = json.loads(line[len("RESULT ") :])
    report.update(
        {
            "dbt_build_seconds": round(child["seconds"], 1),
            "dbt_process_wall_seconds": round(wall, 1),
            "dbt_peak_rss_mb": round(peak_kb / 1024),
            "success": child["success"],
            "nodes": child["nodes"],
            "slowest_nodes": [[round(s, 1), u] for s, u in child["slowest"]],
            "warehouse_mb": round(settings.warehouse_path.stat().st_size / 1e6),
        }
    )
    if not child["success"]:
        report["summary"] = child.get("summary")
    print(json.dumps(report))
    if args.json:
        args.json.write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
