"""The pieces of bench/signal_quality.py: the plan of cases, the scaled scenarios of the MDE runs, the
summary and its markdown, and the BENCHMARKS.md section. (The whole --quick run takes over a minute on
the shared 2-core machine, so it is not run here: see bench/README.md.)"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import pandas as pd
import pytest

from woonsignaal.signals.evaluate import evaluate_strict
from woonsignaal.simulate.scenarios import load_scenario

BENCH = Path(__file__).resolve().parents[2] / "bench"
sys.path.insert(0, str(BENCH))

import signal_quality as sq  # noqa: E402

PLANTED = [
    {
        "proces": "verhuur",
        "segment": "energielabel>=F",
        "indicator": "weigeringen_per_toewijzing",
        "factor": 2.5,
        "groep": {"n": 40},
    },
    {
        "proces": "incasso",
        "segment": "contractduur_klasse=<1;huishoudsamenstelling=EOG",
        "indicator": "instroom_achterstand",
        "factor": 3.0,
        "groep": {"n": 30},
    },
]
COLS = ["proces", "indicator", "segment", "ernst", "verhouding", "n"]


def _result(units, scenario, seed, rows, factor=None, planted=PLANTED):
    """A case result as run_case returns it, from hand-made signal rows."""
    planted = planted if scenario != "nul" else []
    strict = evaluate_strict(pd.DataFrame(rows, columns=COLS), planted)
    case = sq.Case(units, 3, scenario, seed, factor)
    return {
        "case": case.__dict__ | {},
        "name": case.name,
        "strict": strict.to_dict(),
        "planted": planted,
        "wall_s": 10.0,
    }


def _args(**kw):
    base = dict(
        sizes=[1000, 20000], years=3, long=False, seeds=5, seeds_large=2, scenario=["standaard", "nul"], mde_factors=[]
    )
    return argparse.Namespace(**(base | kw))


def test_plan_gives_five_seeds_at_small_sizes_and_the_mde_runs():
    cases = sq.plan(_args())
    assert len(cases) == 5 * 2 + 2 * 2
    assert {c.seed for c in cases if c.units == 1000} == {1, 2, 3, 4, 5}
    cases = sq.plan(_args(sizes=[3000], long=True, mde_factors=[2.0, 3.0]))
    assert {(c.units, c.years) for c in cases} == {(3000, 3), (20000, 5)}
    mde = [c for c in cases if c.factor is not None]
    assert len(mde) == 2 * 5 + 2 * 2 and all(c.scenario == "standaard" for c in mde)
    only = sq.plan(_args(sizes=[3000], mde_factors=[2.0, 3.0], mde_only=True))
    assert len(only) == 2 * 5 and all(c.factor is not None for c in only)


def test_scaled_scenario_sets_every_factor_and_inverts_the_lowering_ones(tmp_path):
    path = sq.scaled_scenario("standaard", 2.0, tmp_path / "s.json")
    sc = load_scenario(path)
    original = load_scenario("standaard")
    assert len(sc.effecten) == len(original.effecten)
    for new, old in zip(sc.effecten, original.effecten, strict=True):
        assert new.factor == (2.0 if old.factor >= 1 else 0.5)
        assert new.segment == old.segment and new.kies == old.kies
    assert json.loads(path.read_text())["naam"] == "standaard-f2"


def test_summary_pools_recall_and_precision_and_counts_nul_per_seed():
    found = [("verhuur", "weigeringen_per_toewijzing", "energielabel>=F", "hoog", 2.5, 40)]
    echo = [("incasso", "instroom_achterstand", "huishoudsamenstelling=EOG", "midden", 1.6, 80)]
    wolf = [("incasso", "instroom_achterstand", "contractduur_klasse=10+", "midden", 1.5, 300)]
    results = [
        _result(3000, "standaard", 1, found + echo),  # 1 of 2 found, 2 signals, 0 false alarms
        _result(3000, "standaard", 2, found + wolf),  # 1 of 2 found, 2 signals, 1 false alarm
        _result(3000, "nul", 1, wolf + [("verhuur", "leegstandsduur", "wijk=A", "hoog", 2.0, 20)]),
        _result(3000, "nul", 2, []),
    ]
    (row,) = sq.summarise(results)
    std, nul = row["standaard"], row["nul"]
    assert (std["found"], std["planted"], std["recall"]) == (2, 4, 0.5)
    assert (std["hoog_midden"], std["false_alarms"], std["precision"]) == (4, 1, 0.75)
    assert std["false_alarms_per_seed"] == [0, 1]
    assert [(e["found"], e["seeds"], e["kind"]) for e in std["per_effect"]] == [(2, 2, "range"), (0, 2, "pair")]
    assert nul["hoog_per_seed"] == [1, 0] and nul["midden_per_seed"] == [1, 0] and not nul["meets_target"]
    assert std["target"] == {"recall": 5 / 6, "precision": 0.9}
    text = sq.markdown(
        [row],
        {
            "command": "x",
            "source": "s",
            "started": "a",
            "finished": "b",
            "jobs": 1,
            "machine": {},
            "load_start": 1.0,
            "load_end": 2.0,
        },
    )
    assert text.startswith(sq.SECTION)
    assert "| 3,000 x 3 | 2 | 2/4 (0.50) | 4 | 1 (0, 1) | 0.75 | 1, 0 | 1, 0 |" in text
    assert "NOT met" in text


def test_mde_is_the_smallest_factor_found_in_80_percent_of_the_seeds_from_there_on():
    hit = [("verhuur", "weigeringen_per_toewijzing", "energielabel>=F", "hoog", 2.5, 40)]
    # found in seeds per factor: 1.5 -> 0/5, 2 -> 4/5, 2.5 -> 3/5, 3 -> 5/5, 4 -> 4/5
    found_in = {1.5: 0, 2.0: 4, 2.5: 3, 3.0: 5, 4.0: 4}
    results = [
        _result(1000, "standaard", s, hit if s <= k else [], factor=f) for f, k in found_in.items() for s in range(1, 6)
    ]
    (row,) = sq.summarise(results)
    by = {e["indicator"]: e for e in row["mde"]}
    assert by["weigeringen_per_toewijzing"]["by_factor"]["2"] == [4, 5]
    assert by["weigeringen_per_toewijzing"]["mde"] == 3.0  # 2 reaches 80% but 2.5 does not
    assert by["instroom_achterstand"]["mde"] is None  # never found
    assert "> 4" in sq.markdown(
        [row],
        {
            "command": "x",
            "source": "s",
            "started": "a",
            "finished": "b",
            "jobs": 1,
            "machine": {},
            "load_start": 1.0,
            "load_end": 2.0,
        },
    )


def test_the_section_is_replaced_in_place_and_kept_by_run_benchmarks(tmp_path, monkeypatch):
    md = tmp_path / "BENCHMARKS.md"
    md.write_text("# Benchmarks\n\n## Machine\n\nx\n\n## Signal quality\n\nold\n\n## Later\n\ny\n")
    sq.replace_section(md, "## Signal quality\n\nnew figures\n")
    assert md.read_text() == "# Benchmarks\n\n## Machine\n\nx\n\n## Signal quality\n\nnew figures\n\n## Later\n\ny\n"
    other = tmp_path / "other.md"
    other.write_text("# Notes\n")
    sq.replace_section(other, "## Signal quality\n\nfirst\n")
    assert other.read_text() == "# Notes\n\n## Signal quality\n\nfirst\n"
    import run_benchmarks

    monkeypatch.setattr(run_benchmarks, "BENCH", tmp_path)  # no FINDINGS.md: only the generated note
    run_benchmarks.write_md(md, tmp_path / "out")
    text = md.read_text()
    assert text.startswith("# Benchmarks") and "## Later" not in text
    assert text.rstrip().endswith("## Signal quality\n\nnew figures")


@pytest.mark.parametrize("argv", [["--sizes", "1000,x"], ["--jobs", "0"]])
def test_bad_options_are_refused(argv):
    with pytest.raises(SystemExit):
        sq.main(argv)


def test_combine_summarises_separate_runs_together(tmp_path):
    hit = [("verhuur", "weigeringen_per_toewijzing", "energielabel>=F", "hoog", 2.5, 40)]
    meta = {
        "command": "c1",
        "source": "s1",
        "started": "2026-12-06T01:00",
        "finished": "2026-12-06T02:00",
        "jobs": 1,
        "machine": {},
        "load_start": 1.0,
        "load_end": 2.0,
    }
    sq.write([_result(1000, "standaard", 1, hit)], meta, tmp_path / "a", None)
    sq.write(
        [_result(20000, "standaard", 1, hit), _result(20000, "nul", 1, [])],
        meta | {"command": "c2", "started": "2026-12-06T03:00", "finished": "2026-12-06T04:00"},
        tmp_path / "b",
        None,
    )
    md = tmp_path / "BENCHMARKS.md"
    assert (
        sq.main(
            [
                "--combine",
                str(tmp_path / "a" / "signal_quality.json"),
                str(tmp_path / "b" / "signal_quality.json"),
                "--out",
                str(tmp_path / "c"),
                "--write-md",
                str(md),
            ]
        )
        == 0
    )
    data = json.loads((tmp_path / "c" / "signal_quality.json").read_text())
    assert [(r["units"], "nul" in r) for r in data["summary"]] == [(1000, False), (20000, True)]
    text = md.read_text()
    assert (
        "- command: `c1`" in text and "- command: `c2`" in text and "2026-12-06T01:00 -> 2026-12-06T04:00" not in text
    )
    assert "| 20,000 x 3 | 1 | 1/2 (0.50) |" in text
