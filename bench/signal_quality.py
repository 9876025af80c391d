"""Signal quality (issue 19): do the signals find what the simulator planted, and stay quiet on nothing?

    .venv/bin/python bench/signal_quality.py                         # every size, both scenarios, MDE
    .venv/bin/python bench/signal_quality.py --quick                 # smoke run (1,000 units x 2 years, 1 seed)
    .venv/bin/python bench/signal_quality.py --sizes 3000 --seeds 5 --no-mde --write-md BENCHMARKS.md

Per case (size x years x scenario x seed), in a fresh ``WOONSIGNAAL_HOME`` under ``--work-root`` (default
``/tmp/signal-quality``, never in the repository) and in its own subprocess:

1. ``simulate`` (``woonsignaal.simulate.simulate``): one volledig delivery with the history, no deltas;
2. ``load_delivery(..., gx=False)``: the real ingest (verify, parse, pseudonymise, raw layer) without the
   Great Expectations suites, which check data, not signals;
3. ``woonsignaal.pipeline.build_warehouse``: the night's real build (``dbt build --selector marts``, the
   signal step that runs the engine, ``dbt build --selector signalen``), then ``marts.signalen``;
4. the strict evaluation (``woonsignaal.signals.evaluate.evaluate_strict``) against the ground truth.

Why not ``woonsignaal run``: it runs the same ingest and the same dbt build, plus the Airflow DAG, the GX
suites, the audit and the publication, none of which changes ``marts.signalen``; it takes about twice
as long per case (bench/README.md gives the figures), and the bench runs many cases.

Measures per size (docs/signals.md, "Evaluation against the simulator"):
* ``standaard``: strict recall (found / planted, summed over seeds), precision (real / all hoog+midden
  signals, pooled), false alarms per seed, and per planted effect in how many seeds it was found;
* ``nul``: hoog and midden counts per seed (target: 0 hoog, at most 2 midden);
* minimum detectable effect (MDE, unless ``--no-mde``): the ``standaard`` scenario again with every
  planted factor replaced by f (for an effect that lowers its indicator: 1/f), for f in ``--mde-factors``;
  an effect's MDE is the smallest f at which it is found (strict) in at least 80% of the seeds, and at
  every larger f. The groups are the ``standaard`` groups (segments chosen by share, sizes in the
  ground truth), so the MDE says how strong an effect of that kind must be at that size.

Cases run one after another unless ``--jobs N`` (N parallel subprocesses: the machine is shared; 1 is
the default). Results: ``<out>/signal_quality.json`` (every case, with its figures and timings) and
``<out>/signal_quality.md``; ``--write-md FILE`` replaces the "## Signal quality" section of FILE
(e.g. BENCHMARKS.md) with the same text.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
sys.path.insert(0, str(BENCH))

from run_benchmarks import fmt, machine, prepare_source  # noqa: E402

DEFAULT_SIZES = (1_000, 3_000, 10_000, 20_000)
#: sizes up to this many units get ``--seeds`` seeds, larger ones ``--seeds-large``
SMALL_MAX = 3_000
MDE_FACTORS = (1.5, 2.0, 2.5, 3.0, 4.0)
MDE_SHARE = 0.8
SECTION = "## Signal quality"
#: the issue's targets, per (units, years)
TARGETS = {
    (3_000, 3): {"recall": 5 / 6, "precision": 0.9},
    (20_000, 5): {"recall": 1.0, "precision": 0.95},
}
NUL_TARGET = {"hoog": 0, "midden": 2}
PIPELINE = (
    "simulate (one volledig delivery) -> `load_delivery` (no GX) -> `dbt build --select +signalen` -> strict evaluation"
)
ENGINE_ONLY_PIPELINE = (
    "built once as above and kept (`--keep`), then only `compute_signals` of the engine named in the source "
    "again on the kept fact marts (`--engine-only`) -> strict evaluation"
)


@dataclass(frozen=True)
class Case:
    units: int
    years: int
    scenario: str
    seed: int
    #: MDE cases: every planted factor replaced by this one (None: the scenario as it is)
    factor: float | None = None

    @property
    def name(self) -> str:
        f = f"-f{self.factor:g}" if self.factor is not None else ""
        return f"{self.units}x{self.years}-{self.scenario}{f}-s{self.seed}"


# --- one case (runs in its own subprocess) ----------------------------------------------------------------


def scaled_scenario(name: str, factor: float, path: Path) -> Path:
    """Scenario ``name`` with every planted factor set to ``factor`` (``1/factor`` for an effect that
    lowers its indicator), written to ``path``."""
    from woonsignaal.simulate.scenarios import scenario_data

    data = scenario_data(name)
    for e in data.get("effecten", []):
        e["factor"] = factor if float(e["factor"]) >= 1 else 1 / factor
    data["naam"] = f"{data['naam']}-f{factor:g}"
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
    return path


def run_case(case: Case, home: Path) -> dict:
    """Simulate, load, build and evaluate one case in ``home`` (a fresh folder). Call in a subprocess
    whose environment has ``WOONSIGNAAL_HOME=home``."""
    from woonsignaal.ingest import load_delivery
    from woonsignaal.pipeline import build_warehouse
    from woonsignaal.settings import get_settings
    from woonsignaal.signals.evaluate import evaluate, evaluate_strict, load_ground_truth, read_published_signals
    from woonsignaal.simulate import simulate

    settings = get_settings()
    settings.ensure_dirs()
    gt_path = home / "ground_truth.json"
    scenario: str | Path = case.scenario
    if case.factor is not None:
        scenario = scaled_scenario(case.scenario, case.factor, home / "scenario.json")
    timings = {}
    t = time.perf_counter()
    sim = simulate(
        settings.landing,
        eenheden=case.units,
        jaren=case.years,
        delta_dagen=0,
        scenario=scenario,
        seed=case.seed,
        ground_truth=gt_path,
    )
    timings["simulate_s"] = time.perf_counter() - t
    t = time.perf_counter()
    load_delivery(sim.deliveries[-1], settings, gx=False)
    timings["load_s"] = time.perf_counter() - t
    t = time.perf_counter()
    build = build_warehouse(settings, dt.date.fromisoformat(sim.deliveries[-1].name))
    timings["dbt_build_s"] = time.perf_counter() - t
    if not build.success:
        raise RuntimeError("dbt build failed:\n" + build.summary())
    signals = read_published_signals(settings.warehouse_path)
    effects = load_ground_truth(gt_path)
    strict = evaluate_strict(signals, effects)
    lenient = evaluate(signals, effects)
    return {
        "case": asdict(case),
        "name": case.name,
        "timings": {k: round(v, 1) for k, v in timings.items()},
        "signals_all": len(signals),
        "strict": strict.to_dict(),
        "lenient": {
            "found": sum(e.found for e in lenient.effects),
            "planted": len(lenient.effects),
            "false_alarms_any_ernst": len(lenient.false_alarms),
        },
        "planted": [
            {
                "proces": e["proces"],
                "segment": e["segment"],
                "indicator": e["indicator"],
                "factor": e["factor"],
                "groep": e.get("groep"),
                "segment_waarden": e.get("segment_waarden"),
            }
            for e in sim.ground_truth["effects"]
        ],
    }


def rerun_engine(root: Path) -> list[dict]:
    """Every kept case under ``root`` (a ``--keep`` run's work root) again, with only the signal engine
    of this source re-run on the case's built fact marts (no simulate, load or dbt build): for trying an
    engine change on the same corporations in seconds per case. The ground truth, the planted groups and
    the build timings are the kept run's; ``engine_s`` is the engine's time."""
    import duckdb

    from woonsignaal.contract import DEFAULT_MINIMUM_GROUP_SIZE
    from woonsignaal.signals.engine import compute_signals, periode_eind_for
    from woonsignaal.signals.evaluate import evaluate, evaluate_strict, load_ground_truth
    from woonsignaal.signals.facts import FACT_MARTS, read_facts_duckdb

    results = []
    for result_file in sorted(root.glob("*/result.json")):
        kept = json.loads(result_file.read_text(encoding="utf-8"))
        home = result_file.parent / "home"
        con = duckdb.connect(str(home / "warehouse" / "woonsignaal.duckdb"), read_only=True)
        try:
            extract = con.sql("select max(extractdatum) from raw.leveringen").fetchall()[0][0]
            periode_eind = periode_eind_for(extract)
            facts = read_facts_duckdb({m: con.table(f"marts.{m}") for m in FACT_MARTS}, periode_eind)
        finally:
            con.close()
        t = time.perf_counter()
        signals = compute_signals(facts, periode_eind, DEFAULT_MINIMUM_GROUP_SIZE)
        engine_s = time.perf_counter() - t
        effects = load_ground_truth(home / "ground_truth.json")
        lenient = evaluate(signals, effects)
        out = dict(kept, signals_all=len(signals), strict=evaluate_strict(signals, effects).to_dict())
        out["lenient"] = {
            "found": sum(e.found for e in lenient.effects),
            "planted": len(lenient.effects),
            "false_alarms_any_ernst": len(lenient.false_alarms),
        }
        out["timings"] = dict(kept.get("timings", {}), engine_s=round(engine_s, 1))
        out["wall_s"] = round(engine_s, 1)
        results.append(out)
    return results


def case_main(spec: str, result_file: Path) -> int:
    case = Case(**json.loads(spec))
    home = Path(os.environ["WOONSIGNAAL_HOME"])
    result = run_case(case, home)
    result_file.write_text(json.dumps(result, ensure_ascii=False, indent=1, default=str), encoding="utf-8")
    return 0


# --- the harness ------------------------------------------------------------------------------------------


def plan(args) -> list[Case]:
    cases: list[Case] = []
    sizes = [(u, args.years) for u in args.sizes]
    if args.long:
        sizes.append((20_000, 5))
    for units, years in sizes:
        seeds = range(1, 1 + (args.seeds if units <= SMALL_MAX else args.seeds_large))
        if not getattr(args, "mde_only", False):
            for scenario in args.scenario:
                cases += [Case(units, years, scenario, s) for s in seeds]
        if args.mde_factors and "standaard" in args.scenario:
            for f in args.mde_factors:
                cases += [Case(units, years, "standaard", s, f) for s in seeds]
    return cases


def execute(case: Case, args, env: dict[str, str], logs: Path) -> dict:
    """Run ``case`` in a subprocess with a fresh home; returns its result (or its failure)."""
    root = Path(args.work_root).resolve() / case.name
    if root.exists():
        shutil.rmtree(root)
    root.mkdir(parents=True)
    result_file = root / "result.json"
    log = logs / f"{case.name}.log"
    case_env = dict(env, WOONSIGNAAL_HOME=str(root / "home"))
    spec = json.dumps({k: v for k, v in asdict(case).items()})
    started = time.perf_counter()
    with log.open("w", encoding="utf-8") as fh:
        proc = subprocess.run(
            [
                sys.executable,
                str(args.source_dir / "bench" / "signal_quality.py"),
                "--case",
                spec,
                "--case-result",
                str(result_file),
            ],
            cwd=str(args.source_dir),
            env=case_env,
            stdout=fh,
            stderr=subprocess.STDOUT,
        )
    wall = time.perf_counter() - started
    if proc.returncode != 0 or not result_file.exists():
        out = {
            "case": asdict(case),
            "name": case.name,
            "failed": f"exit {proc.returncode}, log {log}",
            "wall_s": round(wall, 1),
        }
    else:
        out = json.loads(result_file.read_text(encoding="utf-8"))
        out["wall_s"] = round(wall, 1)
    out["log"] = str(log)
    if not args.keep:
        shutil.rmtree(root, ignore_errors=True)
    return out


def progress_line(done: int, total: int, r: dict) -> str:
    head = f"[{done}/{total}] {r['name']}: "
    if "failed" in r:
        return head + f"FAILED ({r['failed']})"
    s = r["strict"]
    what = (
        f"found {s['found']}/{s['planted']}, hoog+midden {s['signals_hoog_midden']}, false alarms {s['false_alarms']}"
        if s["planted"]
        else f"hoog {s['hoog']}, midden {s['midden']}"
    )
    return head + what + f" ({r['wall_s']:.0f} s)"


def summarise(results: list[dict]) -> list[dict]:
    """Per (units, years): the standaard and nul figures and the MDE per planted effect."""
    groups: dict[tuple[int, int], list[dict]] = {}
    for r in results:
        groups.setdefault((r["case"]["units"], r["case"]["years"]), []).append(r)
    out = []
    for (units, years), rs in sorted(groups.items()):
        ok = [r for r in rs if "failed" not in r]
        row: dict = {"units": units, "years": years, "failed": [r["name"] for r in rs if "failed" in r]}
        std = [r for r in ok if r["case"]["scenario"] == "standaard" and r["case"]["factor"] is None]
        if std:
            planted = sum(r["strict"]["planted"] for r in std)
            found = sum(r["strict"]["found"] for r in std)
            hm = sum(r["strict"]["signals_hoog_midden"] for r in std)
            fa = sum(r["strict"]["false_alarms"] for r in std)
            per_effect: dict[int, dict] = {}
            for r in std:
                for i, (e, p) in enumerate(zip(r["strict"]["effects"], r["planted"], strict=True)):
                    d = per_effect.setdefault(
                        i,
                        {
                            "proces": e["proces"],
                            "indicator": e["indicator"],
                            "kind": _segment_kind(p),
                            "found": 0,
                            "seeds": 0,
                            "group_n": [],
                            "segments": [],
                        },
                    )
                    d["found"] += e["found"]
                    d["seeds"] += 1
                    if p.get("groep"):
                        d["group_n"].append(p["groep"]["n"])
                    if e["segment"] not in d["segments"]:
                        d["segments"].append(e["segment"])
            row["standaard"] = {
                "seeds": [r["case"]["seed"] for r in std],
                "planted_per_seed": std[0]["strict"]["planted"],
                "found": found,
                "planted": planted,
                "recall": found / planted if planted else None,
                "found_per_seed": [r["strict"]["found"] for r in std],
                "hoog_midden": hm,
                "false_alarms": fa,
                "precision": (hm - fa) / hm if hm else None,
                "false_alarms_per_seed": [r["strict"]["false_alarms"] for r in std],
                "per_effect": list(per_effect.values()),
                "wall_s_per_case": round(sum(r["wall_s"] for r in std) / len(std), 1),
            }
            target = TARGETS.get((units, years))
            if target:
                row["standaard"]["target"] = target
        nul = [r for r in ok if r["case"]["scenario"] == "nul"]
        if nul:
            row["nul"] = {
                "seeds": [r["case"]["seed"] for r in nul],
                "hoog_per_seed": [r["strict"]["hoog"] for r in nul],
                "midden_per_seed": [r["strict"]["midden"] for r in nul],
                "signals": [s for r in nul for s in r["strict"]["false_alarm_signals"]],
                "meets_target": all(
                    r["strict"]["hoog"] <= NUL_TARGET["hoog"] and r["strict"]["midden"] <= NUL_TARGET["midden"]
                    for r in nul
                ),
            }
        mde = [r for r in ok if r["case"]["factor"] is not None]
        if mde:
            row["mde"] = minimum_detectable(mde)
        out.append(row)
    return out


def _segment_kind(planted: dict) -> str:
    """single, pair or range (a segment with a range part), from the ground truth."""
    seg = planted["segment"]
    if any(op in seg for op in (">=", "<=", "..")):
        return "range"
    return "pair" if ";" in seg else "single"


def minimum_detectable(mde_cases: list[dict]) -> list[dict]:
    """Per planted effect (by position in the scenario): the share of seeds found at each factor and the
    smallest factor from which it is found in at least ``MDE_SHARE`` of the seeds at every larger factor."""
    by_effect: dict[int, dict] = {}
    for r in mde_cases:
        f = r["case"]["factor"]
        for i, (e, p) in enumerate(zip(r["strict"]["effects"], r["planted"], strict=True)):
            d = by_effect.setdefault(
                i,
                {
                    "proces": e["proces"],
                    "indicator": e["indicator"],
                    "kind": _segment_kind(p),
                    "by_factor": {},
                    "group_n": [],
                    "segments": [],
                },
            )
            if e["segment"] not in d["segments"]:
                d["segments"].append(e["segment"])
            cell = d["by_factor"].setdefault(f"{f:g}", [0, 0])
            cell[0] += e["found"]
            cell[1] += 1
            if p.get("groep"):
                d["group_n"].append(p["groep"]["n"])
    out = []
    for d in by_effect.values():
        factors = sorted(d["by_factor"], key=float)
        mde = None
        for i, f in enumerate(factors):
            if all(d["by_factor"][g][0] >= MDE_SHARE * d["by_factor"][g][1] for g in factors[i:]):
                mde = float(f)
                break
        d["mde"] = mde
        out.append(d)
    return out


# --- writing ------------------------------------------------------------------------------------------------


def _ratio(a: int, b: int) -> str:
    return f"{a}/{b} ({a / b:.2f})" if b else "-"


def markdown(summary: list[dict], meta: dict) -> str:
    m = meta["machine"]
    lines = [
        SECTION,
        "",
        'Written by `bench/signal_quality.py` (see `bench/README.md`; measures in docs/signals.md, "Evaluation',
        'against the simulator"). Strict: a planted effect counts as found only with a hoog/midden signal of its',
        "proces on the planted segment or a range containing it; precision and false alarms count hoog/midden",
        "signals only.",
        "",
        *(
            [
                f"- command: `{r['command']}`: {r['source']}; run {r['started']} -> {r['finished']} (UTC), "
                f"load average {r['load_start']:.1f} -> {r['load_end']:.1f}"
                for r in meta["runs"]
            ]
            + ["- combined with `bench/signal_quality.py --combine <the runs' signal_quality.json>`"]
            if meta.get("runs")
            else [
                f"- command: `{meta['command']}`",
                f"- source: {meta['source']}; run {meta['started']} -> {meta['finished']} (UTC)",
            ]
        ),
        f"- machine: {m.get('Model name', '?')}, {m.get('CPU(s)', '?')} logical CPUs, RAM {m.get('RAM', '?')}; "
        f"shared (load average {meta['load_start']:.1f} at start, {meta['load_end']:.1f} at the end); "
        f"{meta['jobs']} case(s) at a time",
        f"- pipeline per case: {meta.get('pipeline', PIPELINE)}",
        "",
        "| units x years | seeds | standaard: found / planted (recall) | hoog+midden signals | false alarms "
        "(per seed) | precision | nul: hoog per seed | nul: midden per seed | s per case |",
        "|---|---|---|---:|---|---:|---|---|---:|",
    ]
    for row in summary:
        std, nul = row.get("standaard"), row.get("nul")
        seeds = len(std["seeds"]) if std else len(nul["seeds"]) if nul else 0
        cells = [f"{row['units']:,} x {row['years']}", str(seeds)]
        if std:
            cells += [
                _ratio(std["found"], std["planted"]),
                str(std["hoog_midden"]),
                f"{std['false_alarms']} ({', '.join(map(str, std['false_alarms_per_seed']))})",
                fmt(std["precision"], 2),
            ]
        else:
            cells += ["-"] * 4
        if nul:
            cells += [", ".join(map(str, nul["hoog_per_seed"])), ", ".join(map(str, nul["midden_per_seed"]))]
        else:
            cells += ["-", "-"]
        cells.append(fmt(std["wall_s_per_case"], 0) if std else "-")
        lines.append("| " + " | ".join(cells) + " |")
    targets = [row for row in summary if row.get("standaard", {}).get("target")]
    if targets:
        lines += [
            "",
            "Targets (issue 19): "
            + "; ".join(
                f"{r['units']:,} x {r['years']}: recall {r['standaard']['recall']:.2f} (target >= "
                f"{r['standaard']['target']['recall']:.2f}), precision {fmt(r['standaard']['precision'], 2)} "
                f"(target >= {r['standaard']['target']['precision']:.2f})"
                for r in targets
            )
            + "; nul: 0 hoog and at most 2 midden in every seed: "
            + ", ".join(
                f"{r['units']:,} x {r['years']} {'met' if r['nul']['meets_target'] else 'NOT met'}"
                for r in summary
                if r.get("nul")
            )
            + ".",
        ]
    lines += [
        "",
        "Per planted effect (standaard): seeds in which it was found, and its group size (clusters the",
        "indicator counts: lets, cases or tenancies; ground truth `groep.n`, range over the seeds).",
        "",
        "| units x years | proces | indicator | segment (kind) | found in seeds | group size |",
        "|---|---|---|---|---|---|",
    ]
    for row in summary:
        for e in (row.get("standaard") or {}).get("per_effect", []):
            g = e["group_n"]
            lines.append(
                f"| {row['units']:,} x {row['years']} | {e['proces']} | {e['indicator']} | {_segments(e)} | "
                f"{e['found']}/{e['seeds']} | {f'{min(g)}-{max(g)}' if g else '-'} |"
            )
    if any(row.get("mde") for row in summary):
        lines += [
            "",
            "Minimum detectable effect: the standaard scenario with every factor set to f (1/f for an effect",
            f"that lowers its indicator); MDE = the smallest f found (strict) in >= {MDE_SHARE:.0%} of the seeds",
            "at it and every larger f ('>' the largest tried: not reached). Cells: seeds found / seeds.",
            "",
        ]
        factors = sorted({f for row in summary for e in row.get("mde", []) for f in e["by_factor"]}, key=float)
        lines.append(
            "| units x years | proces | indicator | segment (kind) | group size | "
            + " | ".join(f"f={f}" for f in factors)
            + " | MDE |"
        )
        lines.append("|---|---|---|---|---|" + "---|" * len(factors) + "---|")
        for row in summary:
            for e in row.get("mde", []):
                g = e["group_n"]
                cells = [
                    f"{e['by_factor'][f][0]}/{e['by_factor'][f][1]}" if f in e["by_factor"] else "-" for f in factors
                ]
                mde = f"{e['mde']:g}" if e["mde"] is not None else f"> {factors[-1]}"
                lines.append(
                    f"| {row['units']:,} x {row['years']} | {e['proces']} | {e['indicator']} | {_segments(e)} | "
                    f"{f'{min(g)}-{max(g)}' if g else '-'} | " + " | ".join(cells) + f" | {mde} |"
                )
    failed = [n for row in summary for n in row["failed"]]
    if failed:
        lines += ["", "**Failed cases** (logs under `<out>/logs/`): " + ", ".join(failed)]
    return "\n".join(lines) + "\n"


def _segments(effect: dict) -> str:
    """The planted segment (or how many: a segment chosen by share differs between seeds) and its kind."""
    segs = effect["segments"]
    text = f"`{segs[0]}`" if len(segs) == 1 else f"{len(segs)} segments, e.g. `{segs[0]}`"
    return f"{text} ({effect['kind']})"


def _section_bounds(lines: list[str]) -> tuple[int, int] | None:
    """``[start, end)`` of the ``## Signal quality`` section (up to the next ``## `` heading) in ``lines``."""
    try:
        start = lines.index(SECTION)
    except ValueError:
        return None
    end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("## ")), len(lines))
    return start, end


def read_section(path: Path) -> str | None:
    """The ``## Signal quality`` section of ``path`` (None if it has none)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    bounds = _section_bounds(lines)
    return "\n".join(lines[bounds[0] : bounds[1]]).rstrip("\n") + "\n" if bounds else None


def replace_section(path: Path, text: str) -> None:
    """Replace the ``## Signal quality`` section of ``path`` with ``text``, or append it."""
    old = path.read_text(encoding="utf-8") if path.exists() else ""
    lines = old.splitlines()
    bounds = _section_bounds(lines)
    if bounds is None:
        new = old.rstrip("\n") + ("\n\n" if old else "") + text.rstrip("\n") + "\n"
    else:
        start, end = bounds
        rest = lines[end:]
        new = "\n".join(lines[:start] + text.rstrip("\n").splitlines() + ([""] + rest if rest else [])) + "\n"
    path.write_text(new, encoding="utf-8")


def _git_commit() -> str:
    return subprocess.run(
        ["git", "rev-parse", "--short=12", "HEAD"], cwd=REPO, capture_output=True, text=True
    ).stdout.strip()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default=",".join(map(str, DEFAULT_SIZES)), help="units per corporation, comma-separated")
    ap.add_argument("--years", type=int, default=3, help="years of history (default 3)")
    ap.add_argument("--long", action="store_true", help="add 20,000 units x 5 years")
    ap.add_argument(
        "--seeds", type=int, default=5, help=f"seeds per scenario at sizes up to {SMALL_MAX:,} units (default 5)"
    )
    ap.add_argument("--seeds-large", type=int, default=2, help="seeds per scenario at larger sizes (default 2)")
    ap.add_argument("--scenario", default="standaard,nul", help="scenarios, comma-separated (default standaard,nul)")
    ap.add_argument(
        "--mde-factors",
        default=",".join(f"{f:g}" for f in MDE_FACTORS),
        help="factors of the minimum-detectable-effect runs (default 1.5,2,2.5,3,4)",
    )
    ap.add_argument("--no-mde", action="store_true", help="skip the minimum-detectable-effect runs")
    ap.add_argument(
        "--mde-only",
        action="store_true",
        help="only the minimum-detectable-effect runs (to --combine with a run of the scenarios)",
    )
    ap.add_argument("--jobs", type=int, default=1, help="cases run in parallel (default 1: the machine is shared)")
    ap.add_argument("--out", default=str(BENCH / "out"), help="folder for signal_quality.json/.md and logs/")
    ap.add_argument("--write-md", type=Path, default=None, help="replace the '## Signal quality' section of this file")
    ap.add_argument(
        "--work-root",
        default=None,
        help="work folder, outside the repository (default: a new "
        "folder under the system temp dir, prefix signal-quality-)",
    )
    ap.add_argument(
        "--source",
        default="worktree",
        help="'worktree' (default) or a commit to benchmark "
        "(exported with git archive, as bench/run_benchmarks.py does)",
    )
    ap.add_argument("--keep", action="store_true", help="keep each case's home (warehouse, landing)")
    ap.add_argument(
        "--quick", action="store_true", help="smoke run: 1,000 units x 2 years, 1 seed, both scenarios, no MDE"
    )
    ap.add_argument(
        "--combine",
        nargs="+",
        type=Path,
        default=None,
        metavar="JSON",
        help="run nothing: summarise the cases of earlier signal_quality.json files together "
        "(e.g. sizes run separately) and write --out / --write-md from them",
    )
    ap.add_argument(
        "--engine-only",
        type=Path,
        default=None,
        metavar="WORK_ROOT",
        help="run nothing but the signal engine of this working tree again on the built facts of every case "
        "kept under WORK_ROOT (an earlier --keep run), and write --out / --write-md from that",
    )
    ap.add_argument("--case", help=argparse.SUPPRESS)
    ap.add_argument("--case-result", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.case:
        return case_main(args.case, args.case_result)

    if args.combine:
        return combine(args.combine, Path(args.out), args.write_md)
    if args.engine_only:
        command = shlex.join(
            [".venv/bin/python", "bench/signal_quality.py", *(argv if argv is not None else sys.argv[1:])]
        )
        meta = {
            "command": command,
            "source": f"engine of the working tree (commit {_git_commit()}) on the facts kept in {args.engine_only}",
            "pipeline": ENGINE_ONLY_PIPELINE,
            "started": datetime.now(UTC).isoformat(timespec="seconds"),
            "jobs": 1,
            "machine": machine(),
            "load_start": os.getloadavg()[0],
        }
        results = rerun_engine(args.engine_only.resolve())
        if not results:
            ap.error(f"no kept case (*/result.json) under {args.engine_only}")
        meta.update(
            cases=len(results), finished=datetime.now(UTC).isoformat(timespec="seconds"), load_end=os.getloadavg()[0]
        )
        write(results, meta, Path(args.out), args.write_md)
        return 0
    if args.quick:
        args.sizes, args.years, args.seeds, args.seeds_large, args.no_mde, args.long = "1000", 2, 1, 1, True, False
    try:
        args.sizes = [int(s) for s in str(args.sizes).split(",") if s.strip()]
        args.mde_factors = [] if args.no_mde else [float(f) for f in args.mde_factors.split(",") if f.strip()]
    except ValueError:
        ap.error("--sizes and --mde-factors take comma-separated numbers")
    args.scenario = [s.strip() for s in args.scenario.split(",") if s.strip()]
    if args.mde_only and not args.mde_factors:
        ap.error("--mde-only needs MDE factors (not --no-mde)")
    if args.jobs < 1 or args.seeds < 1 or args.seeds_large < 1:
        ap.error("--jobs, --seeds and --seeds-large must be at least 1")
    created_root = args.work_root is None
    args.work_root = args.work_root or tempfile.mkdtemp(prefix="signal-quality-")
    root = Path(args.work_root).resolve()
    if root == REPO or REPO in root.parents:
        ap.error(f"work root {root} is inside the repository: choose one outside it")
    args.source_dir, source_label = prepare_source(args.source)
    out = Path(args.out)
    logs = out / "logs"
    logs.mkdir(parents=True, exist_ok=True)

    env = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW", "WOONSIGNAAL_"))}
    env.update(
        WOONSIGNAAL_DEMO="1",
        DBT_SEND_ANONYMOUS_USAGE_STATS="false",
        GX_ANALYTICS_ENABLED="false",
        PYTHONPATH=os.pathsep.join((str(args.source_dir / "src"), str(args.source_dir / "bench"))),
    )
    cases = plan(args)
    command = shlex.join([".venv/bin/python", "bench/signal_quality.py", *(argv if argv is not None else sys.argv[1:])])
    meta = {
        "command": command,
        "source": f"{source_label} (commit {_git_commit()})" if args.source == "worktree" else source_label,
        "started": datetime.now(UTC).isoformat(timespec="seconds"),
        "jobs": args.jobs,
        "machine": machine(),
        "load_start": os.getloadavg()[0],
        "cases": len(cases),
    }
    print(
        f"signal quality: {len(cases)} case(s), {args.jobs} at a time, source {meta['source']}, work root {root}",
        flush=True,
    )
    results: list[dict] = []
    with ThreadPoolExecutor(max_workers=args.jobs) as pool:
        futures = [pool.submit(execute, c, args, env, logs) for c in cases]
        for fut in as_completed(futures):
            r = fut.result()
            results.append(r)
            print(progress_line(len(results), len(cases), r), flush=True)
    if created_root:
        shutil.rmtree(root, ignore_errors=True)
    meta.update(finished=datetime.now(UTC).isoformat(timespec="seconds"), load_end=os.getloadavg()[0])
    write(results, meta, out, args.write_md)
    return 1 if any("failed" in r for r in results) else 0


def write(results: list[dict], meta: dict, out: Path, write_md: Path | None) -> None:
    """Summary, JSON and markdown of ``results``; the section of ``write_md`` if given."""
    results = sorted(
        results,
        key=lambda r: (
            r["case"]["units"],
            r["case"]["years"],
            r["case"]["scenario"],
            r["case"]["factor"] or 0,
            r["case"]["seed"],
        ),
    )
    summary = summarise(results)
    text = markdown(summary, meta)
    out.mkdir(parents=True, exist_ok=True)
    (out / "signal_quality.json").write_text(
        json.dumps({"meta": meta, "summary": summary, "cases": results}, ensure_ascii=False, indent=1, default=str),
        encoding="utf-8",
    )
    (out / "signal_quality.md").write_text(text, encoding="utf-8")
    print("\n" + text)
    print(f"wrote {out / 'signal_quality.json'} and {out / 'signal_quality.md'}")
    if write_md:
        replace_section(write_md, text)
        print(f"wrote section '{SECTION}' of {write_md}")


def combine(files: list[Path], out: Path, write_md: Path | None) -> int:
    """Summarise the cases of several earlier runs together; the meta lists every run."""
    runs = [json.loads(f.read_text(encoding="utf-8")) for f in files]
    metas = [r["meta"] for r in runs]
    meta = dict(metas[0])
    meta.update(
        runs=[{k: m[k] for k in ("command", "source", "started", "finished", "load_start", "load_end")} for m in metas],
        source=", ".join(dict.fromkeys(m["source"] for m in metas)),
        pipeline="; ".join(dict.fromkeys(m.get("pipeline", PIPELINE) for m in metas)),
        started=min(m["started"] for m in metas),
        finished=max(m["finished"] for m in metas),
        load_start=min(m["load_start"] for m in metas),
        load_end=max(m["load_end"] for m in metas),
        jobs=max(m["jobs"] for m in metas),
    )
    write([c for r in runs for c in r["cases"]], meta, out, write_md)
    return 0


if __name__ == "__main__":
    sys.exit(main())
