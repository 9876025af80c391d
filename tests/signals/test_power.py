"""Power at small corporations (issue 19): the two-level FDR control, ranges of ordered dimensions and
windows that grow when 12 months hold too little data."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest

from woonsignaal.signals import stats
from woonsignaal.signals.comparisons import indicator_tests
from woonsignaal.signals.engine import compute_signals, fdr_family
from woonsignaal.signals.indicators import REFERENCE_Z, Indicator, choose_window, detectable_z
from woonsignaal.signals.segments import UNIT_DIMENSIONS, format_segment, range_cuts

from .synthetic import make_facts

EIND = date(2026, 10, 31)
DURATION = Indicator(
    "verhuur", "leegstandsduur", "duration", True, tuple(d for d in UNIT_DIMENSIONS if d != "complex_id")
)
PLANTED = {"eenheid_detailsoort": "BOV", "wijk": "W1"}


def _world(seed: int, factor: float | None, n: int = 3000, group: int = 30) -> pd.DataFrame:
    """``n`` clusters (skewed durations) with eight unit dimensions; with ``factor``, the ``group``
    clusters of PLANTED last ``factor`` times as long."""
    rng = np.random.default_rng(seed)
    f = pd.DataFrame(
        {
            "wijk": rng.choice([f"W{i}" for i in range(6)], n),
            "eenheid_detailsoort": rng.choice(["EGW", "BOV", "BEN", "MAI", "GAL", "POR", "HOE", "TUS"], n),
            "huurklasse": rng.choice(["GOE", "BET", "DUU", "BOV"], n),
            "kamers_aantal": rng.choice(["1", "2", "3", "4", "5", "6"], n),
            "lift": rng.choice(["J", "N"], n),
            "energielabel": rng.choice(list("ABCDEFG"), n),
            "etage_klasse": rng.choice(["0", "1-2", "3+"], n),
            "bouwjaar_klasse": rng.choice(["<1945", "1945-1969", "1970-1989", "1990-2009", "2010+"], n),
        }
    )
    cell = (f["eenheid_detailsoort"] == "BOV") & (f["wijk"] == "W1")
    f.loc[cell, "eenheid_detailsoort"] = "EGW"  # exactly `group` clusters in the planted cell
    f.loc[rng.choice(n, group, replace=False), ["eenheid_detailsoort", "wijk"]] = ["BOV", "W1"]
    cell = ((f["eenheid_detailsoort"] == "BOV") & (f["wijk"] == "W1")).to_numpy()
    f["y"] = rng.gamma(2.0, 15.0, n) * np.where(cell & (factor is not None), factor or 1.0, 1.0)
    f["x"] = 1.0
    return f


def _q_values(frame: pd.DataFrame, two_level: bool = True) -> tuple[list, np.ndarray]:
    tests = [t for t in indicator_tests(DURATION, frame, None, 10) if np.isfinite(t.p)]
    p = [t.p for t in tests]
    if two_level:
        return tests, stats.hierarchical_fdr(p, [fdr_family(t) for t in tests])[0]
    return tests, stats.benjamini_hochberg(p)[0]


def test_two_level_fdr_matches_a_hand_computation():
    # families a (p .0001, .02), b (.5, .3), c (.9, .001). Simes: a .0002, b .5, c .002; BH over the
    # three families: a .0006, c .003, b .5. At .0006 one family is selected: within a, BH at .05/3
    # level needs .0002*3 = .0006; p .02 needs .02*3/2 = .03 (two families selected from .003 on).
    q, q_family = stats.hierarchical_fdr([0.0001, 0.02, 0.5, 0.3, 0.9, 0.001], list("aabbcc"))
    assert q == pytest.approx([0.0006, 0.03, 0.5, 0.5, 0.9, 0.003])
    assert q_family == pytest.approx([0.0006, 0.0006, 0.5, 0.5, 0.003, 0.003])


def test_two_level_fdr_controls_false_alarms_under_a_global_null():
    # 400 null worlds of 3,000 tests in 60 families of unequal size: the share of worlds with any
    # rejection (the FDR when nothing is true) stays at the level.
    rng = np.random.default_rng(1)
    sizes = rng.integers(1, 100, 60)
    families = np.repeat(np.arange(60), sizes)
    any_rejection = 0
    for _ in range(400):
        q, _ = stats.hierarchical_fdr(rng.random(len(families)), families)
        any_rejection += bool((q < 0.05).any())
    assert any_rejection / 400 <= 0.07


def _found_and_false_alarms(group: int, seeds: int = 8) -> tuple[int, int]:
    """In how many of ``seeds`` worlds a planted 2.5x group of ``group`` is found (q < 0.05), and how
    many rejected tests share nothing with it."""
    found = false_alarms = 0
    for seed in range(seeds):
        tests, q = _q_values(_world(seed, 2.5, group=group))
        found += any(qv < 0.05 and t.segment == PLANTED for t, qv in zip(tests, q, strict=True))
        false_alarms += sum(
            qv < 0.05 and not all(t.segment.get(k, v) == v for k, v in PLANTED.items())
            for t, qv in zip(tests, q, strict=True)
        )
    return found, false_alarms


def test_a_planted_2_5x_group_of_30_among_3000_is_found():
    found, false_alarms = _found_and_false_alarms(30)
    assert found >= 7
    assert false_alarms <= 2


def test_null_worlds_of_thousands_of_segments_give_few_false_discoveries():
    worlds_with_any = 0
    for seed in range(12):
        tests, q = _q_values(_world(100 + seed, None))
        assert len(tests) > 700
        worlds_with_any += bool((q < 0.05).any())
    assert worlds_with_any <= 2


def test_range_cuts_keep_two_values_on_each_side_and_use_the_agreed_notation():
    cuts = range_cuts("energielabel", ["G", "A", "C", "B", "F", "X"])  # X: not a label, left out
    assert [(sorted(lo), sorted(up)) for lo, up in cuts] == [
        (["A", "B"], ["C", "F", "G"]),
        (["A", "B", "C"], ["F", "G"]),
    ]
    assert format_segment({"energielabel": cuts[1][1], "wijk": "Noord"}) == "energielabel>=F;wijk=Noord"
    assert (
        format_segment(
            {"bouwjaar_klasse": range_cuts("bouwjaar_klasse", ["<1945", "1945-1969", "1970-1989", "2010+"])[0][0]}
        )
        == "bouwjaar_klasse<=1945-1969"
    )
    assert range_cuts("etage_klasse", ["0", "1-2", "3+"]) == []  # a part of one value is the value itself
    assert range_cuts("wijk", ["A", "B", "C", "D"]) == []


def test_an_effect_on_the_worst_labels_is_one_range_signal():
    facts = make_facts(3000, planted=False, seed=6, refusal_effects=(({"energielabel": {"D", "E"}}, 2.5),))
    s = compute_signals(facts, EIND, 10)
    s = s[s["indicator"] == "weigeringen_per_toewijzing"]
    assert s["segment"].tolist() == ["energielabel>=D"]
    assert s["ernst"].iloc[0] in ("hoog", "midden")
    assert "energielabel D of slechter" in s["toelichting"].iloc[0]


def test_one_label_is_not_also_published_as_a_range():
    facts = make_facts(3000, planted=False, seed=6, refusal_effects=(({"energielabel": "E"}, 2.5),))
    s = compute_signals(facts, EIND, 10)
    s = s[s["indicator"] == "weigeringen_per_toewijzing"]
    assert s["segment"].tolist() == ["energielabel=E"]


def _builder(per_month: int, seed: int = 0):
    rng = np.random.default_rng(seed)

    def build(start: date, end: date) -> pd.DataFrame:
        months = (end.year - start.year) * 12 + end.month - start.month + 1
        n = per_month * months
        return pd.DataFrame({"y": rng.gamma(2.0, 15.0, n), "x": 1.0})

    return build


def test_the_window_is_the_shortest_with_enough_data_and_the_history_limits_it():
    # 400 vacancies a month: a 1% group differing 2.5x stands out within 12 months
    assert choose_window(_builder(400), EIND, None)[0] == 12
    # 60 a month: 12 months are not enough, 24 are
    assert detectable_z(_builder(60)(date(2025, 11, 1), EIND)) < REFERENCE_Z
    assert choose_window(_builder(60), EIND, None)[0] == 24
    # 10 a month: never enough; the longest window the history covers
    assert choose_window(_builder(10), EIND, None)[0] == 36
    assert choose_window(_builder(10), EIND, date(2024, 11, 1))[0] == 24
    assert choose_window(_builder(10), EIND, date(2023, 12, 1))[0] == 36  # a first month may be missing


def test_a_signal_over_a_longer_window_says_so():
    facts = make_facts(3000, planted=False, seed=6, refusal_effects=(({"energielabel": "E"}, 2.5),))
    s = compute_signals(facts, EIND, 10)
    row = s[s["indicator"] == "weigeringen_per_toewijzing"].iloc[0]
    months = (
        (row["periode_eind"].year - row["periode_start"].year) * 12
        + row["periode_eind"].month
        - row["periode_start"].month
        + 1
    )
    assert months in (24, 36)
    assert f"gemeten over {months} maanden" in row["toelichting"]


def test_a_small_group_is_tested_on_the_degrees_of_freedom_of_the_variance_used():
    # 15 vacancies that last 2.5x as long among 3,000: the segment's variance is floored at the pooled
    # one (estimated from all 3,000), so its t has Welch's df (close to the normal), not n - 1 = 14.
    from scipy import stats as sps

    tests = indicator_tests(DURATION, _world(3, 2.5, group=15), None, 10)
    t = next(t for t in tests if t.segment == PLANTED)
    z = abs(t.log_ratio / t.se)
    assert t.p == pytest.approx(2 * sps.norm.sf(z), rel=0.25)
    assert t.p < 2 * sps.t.sf(z, 14) / 3


def test_small_planted_groups_are_found_more_often():
    found, false_alarms = _found_and_false_alarms(15)
    # 5 of 8 seeds with the Welch df; 1 of 8 with t on min(n) - 1
    assert found >= 4
    assert false_alarms <= 2
