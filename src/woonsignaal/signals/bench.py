"""Full-size check of the signals against the simulator (not a unit test: minutes, not seconds).

    python -m woonsignaal.signals.bench --eenheden 20000 --scenario standaard --home /tmp/ws-bench

Simulates a corporation (3 years, one volledig delivery), loads it, runs ``dbt build`` and evaluates
``marts.signalen`` of the working warehouse against the ground truth; prints the timings, the
evaluation and the engine's own time on the fact marts (read once into pandas).
"""

from __future__ import annotations

import argparse
import os
import time
from datetime import date
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--eenheden", type=int, default=20_000)
    ap.add_argument("--scenario", default="standaard")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--home", type=Path, required=True, help="an empty folder (becomes WOONSIGNAAL_HOME)")
    args = ap.parse_args(argv)

    os.environ["WOONSIGNAAL_HOME"] = str(args.home.resolve())
    os.environ.setdefault("WOONSIGNAAL_DEMO", "1")
    os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
    import duckdb
    from rich.console import Console

    from woonsignaal.ingest import load_delivery
    from woonsignaal.pipeline import build_warehouse
    from woonsignaal.settings import get_settings
    from woonsignaal.signals.engine import compute_signals, periode_eind_for
    from woonsignaal.signals.evaluate import evaluate, load_ground_truth, read_published_signals, render
    from woonsignaal.simulate import simulate

    settings = get_settings()
    settings.ensure_dirs()
    gt = settings.home / "ground_truth.json"
    t = time.perf_counter()
    result = simulate(
        settings.landing,
        eenheden=args.eenheden,
        jaren=3,
        delta_dagen=0,
        scenario=args.scenario,
        seed=args.seed,
        ground_truth=gt,
    )
    print(f"simulate: {time.perf_counter() - t:.1f} s")
    t = time.perf_counter()
    for d in result.deliveries:
        load_delivery(d, settings)
    print(f"load: {time.perf_counter() - t:.1f} s")
    extract = result.deliveries[-1].name
    t = time.perf_counter()
    run = build_warehouse(settings, date.fromisoformat(extract))
    print(f"dbt build: {time.perf_counter() - t:.1f} s, success={run.success}")
    if not run.success:
        print(run.summary())
        return 1
    render(evaluate(read_published_signals(settings.warehouse_path), load_ground_truth(gt)), Console(width=200))

    con = duckdb.connect(str(settings.warehouse_path), read_only=True)
    names = ("fct_leegstand", "fct_publicatie", "fct_zaak", "fct_zaak_partner", "fct_contract_maand")
    facts = {n: con.execute(f"select * from marts.{n}").df() for n in names}
    con.close()
    t = time.perf_counter()
    compute_signals(facts, periode_eind_for(date.fromisoformat(extract)), settings.minimum_group_size)
    print(
        f"engine alone: {time.perf_counter() - t:.1f} s "
        f"({len(facts['fct_contract_maand']):,} contract-months, {len(facts['fct_zaak']):,} cases)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
