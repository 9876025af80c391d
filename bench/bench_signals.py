"""Benchmark: the signals on a simulated corporation, and the signal engine alone.

    .venv/bin/python bench/bench_signals.py --eenheden 20000 --scenario standaard --home /tmp/ws-bench
    .venv/bin/python bench/bench_signals.py --warehouse /tmp/ws-bench/warehouse/woonsignaal.duckdb

With ``--home`` (an empty folder; it becomes WOONSIGNAAL_HOME, so dbt and the loader write there):
simulates a corporation (3 years, one volledig delivery), loads it, runs ``dbt build``, evaluates
``marts.signalen`` against the ground truth, then times the engine. With ``--warehouse``: only the
engine, on the fact marts of an existing warehouse (opened read-only). The engine's time is
``compute_signals`` on the facts read as the signal step reads them (``signals.facts.read_facts_duckdb``:
the engine's columns and months of fct_contract_maand, in contract/month order), ``--runs`` times.
"""

from __future__ import annotations

import argparse
import os
import time
from datetime import date
from pathlib import Path


def build(args: argparse.Namespace) -> Path | None:
    """Simulate, load and build a warehouse under ``args.home``; its path, or None when dbt failed."""
    os.environ["WOONSIGNAAL_HOME"] = str(args.home.resolve())
    os.environ.setdefault("WOONSIGNAAL_DEMO", "1")
    os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
    from rich.console import Console

    from woonsignaal.ingest import load_delivery
    from woonsignaal.settings import get_settings
    from woonsignaal.signals.evaluate import evaluate, load_ground_truth, read_published_signals, render
    from woonsignaal.simulate import simulate
    from woonsignaal.transform import run_dbt_build

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
    run = run_dbt_build(settings, vars={"extractdatum": extract}, generate_docs=False)
    print(f"dbt build: {time.perf_counter() - t:.1f} s, success={run.success}")
    if not run.success:
        print(run.summary())
        return None
    render(evaluate(read_published_signals(settings.warehouse_path), load_ground_truth(gt)), Console(width=200))
    return settings.warehouse_path


def time_engine(warehouse: Path, minimum: int, runs: int) -> None:
    """Time ``compute_signals`` on the fact marts of ``warehouse`` (read once)."""
    import duckdb

    from woonsignaal.signals.engine import compute_signals, periode_eind_for
    from woonsignaal.signals.facts import FACT_MARTS, read_facts_duckdb

    con = duckdb.connect(str(warehouse), read_only=True)
    extract = con.execute("select max(extractdatum) from raw.leveringen").fetchall()[0][0]
    periode_eind = periode_eind_for(date.fromisoformat(str(extract)[:10]))
    facts = read_facts_duckdb({m: con.table(f"marts.{m}") for m in FACT_MARTS}, periode_eind)
    con.close()
    for i in range(runs):
        t = time.perf_counter()
        signals = compute_signals(facts, periode_eind, minimum)
        print(
            f"engine alone (run {i + 1}): {time.perf_counter() - t:.2f} s, {len(signals)} signals "
            f"({len(facts['fct_contract_maand']):,} contract-months, {len(facts['fct_zaak']):,} cases)"
        )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    where = ap.add_mutually_exclusive_group(required=True)
    where.add_argument("--home", type=Path, help="an empty folder: simulate, load and build there")
    where.add_argument("--warehouse", type=Path, help="an existing warehouse: time the engine only")
    ap.add_argument("--eenheden", type=int, default=20_000)
    ap.add_argument("--scenario", default="standaard")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--minimum-group-size", type=int, default=10)
    ap.add_argument("--runs", type=int, default=1, help="engine runs on the same facts")
    args = ap.parse_args(argv)

    warehouse = args.warehouse or build(args)
    if warehouse is None:
        return 1
    time_engine(warehouse, args.minimum_group_size, args.runs)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
