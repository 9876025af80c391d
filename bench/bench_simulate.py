"""Benchmark of `woonsignaal simulate`: wall time and peak memory per size.

    .venv/bin/python bench/bench_simulate.py            # S and M
    .venv/bin/python bench/bench_simulate.py S M L      # chosen sizes

Each size runs in its own child process (so peak RSS is that run's own); targets from issue 3:
M (20,000 units x 5 years) <= 60 s, L (80,000 units x 10 years) <= 300 s, both <= 4 GB.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SIZES = {
    "S": (2_000, 3, 60.0),
    "M": (20_000, 5, 60.0),
    "L": (80_000, 10, 300.0),
}
MEMORY_LIMIT_MB = 4096
CHILD = """
import sys, json, resource, time
from pathlib import Path
from woonsignaal.simulate import simulate
t = time.perf_counter()
r = simulate(Path(sys.argv[1]), eenheden=int(sys.argv[2]), jaren=int(sys.argv[3]), delta_dagen=3, seed=1)
wall = time.perf_counter() - t
m = json.loads((r.deliveries[0] / "manifest.json").read_text())
rows = sum(b["rijen"] for b in m["bestanden"])
boek = next(b["rijen"] for b in m["bestanden"] if b["naam"] == "boekingen.csv")
print(json.dumps({"wall": wall, "rows": rows, "boekingen": boek,
                  "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def run(size: str) -> dict:
    units, years, limit = SIZES[size]
    tmp = Path(tempfile.mkdtemp(prefix=f"bench-sim-{size}-"))
    try:
        t = time.perf_counter()
        proc = subprocess.run(
            [sys.executable, "-c", CHILD, str(tmp / "landing"), str(units), str(years)],
            capture_output=True,
            text=True,
            check=True,
        )
        total = time.perf_counter() - t
        res = json.loads(proc.stdout.strip().splitlines()[-1])
        size_mb = sum(p.stat().st_size for p in tmp.rglob("*") if p.is_file()) / 1e6
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return {
        "size": size,
        "units": units,
        "years": years,
        "limit_s": limit,
        "process_s": total,
        "disk_mb": size_mb,
        **res,
    }


def main(argv: list[str]) -> int:
    sizes = [a.upper() for a in argv] or ["S", "M"]
    print(
        f"{'size':4} {'units':>7} {'years':>5} {'sim s':>7} {'proc s':>7} {'limit s':>7} {'peak MB':>8} "
        f"{'rows (volledig)':>16} {'boekingen':>10} {'disk MB':>8}  ok"
    )
    ok_all = True
    for s in sizes:
        r = run(s)
        ok = r["wall"] <= r["limit_s"] and r["rss_mb"] <= MEMORY_LIMIT_MB
        ok_all &= ok
        print(
            f"{s:4} {r['units']:>7} {r['years']:>5} {r['wall']:>7.1f} {r['process_s']:>7.1f} {r['limit_s']:>7.0f} "
            f"{r['rss_mb']:>8.0f} {r['rows']:>16,} {r['boekingen']:>10,} {r['disk_mb']:>8.0f}  {'ja' if ok else 'NEE'}"
        )
        sys.stdout.flush()
    return 0 if ok_all else 1


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
