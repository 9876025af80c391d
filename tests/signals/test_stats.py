import math

import numpy as np
import pytest

from woonsignaal.signals import stats


def test_proportion_variance_is_katz():
    # 30 of 100 clusters with y=1: var(log p) = 1/Y - 1/n, times n/(n-1)
    y = np.r_[np.ones(30), np.zeros(70)]
    s = stats.cluster_sums(y, np.ones(100))
    v = float(stats.log_ratio_variance(**s))
    assert v == pytest.approx((1 / 30 - 1 / 100) * 100 / 99)


def test_identical_clusters_keep_a_floor():
    s = stats.cluster_sums(np.full(10, 5.0), np.ones(10))
    assert float(stats.log_ratio_variance(**s)) == pytest.approx(1 / 100)


def test_no_events_is_undefined():
    s = stats.cluster_sums(np.zeros(20), np.ones(20))
    assert math.isnan(float(stats.log_ratio_variance(**s)))


def test_compare_detects_a_real_difference_and_not_a_null_one():
    rng = np.random.default_rng(3)
    a = rng.gamma(2, 30, 200)
    b = rng.gamma(2, 15, 2000)
    real = stats.compare_sums(stats.cluster_sums(a, np.ones(200)), stats.cluster_sums(b, np.ones(2000)))
    assert real.ratio == pytest.approx(2, rel=0.15)
    assert real.p_value < 1e-10
    c = rng.gamma(2, 15, 200)
    null = stats.compare_sums(stats.cluster_sums(c, np.ones(200)), stats.cluster_sums(b, np.ones(2000)))
    assert null.p_value > 0.01


def test_null_comparisons_are_calibrated_for_small_skewed_groups():
    """Under the null, small groups of skewed durations must not reject more often than alpha."""
    rng = np.random.default_rng(11)
    ref = rng.gamma(1.5, 40, 3000)
    ref_s = stats.cluster_sums(ref, np.ones(len(ref)))
    p = []
    for _ in range(2000):
        a = rng.gamma(1.5, 40, 12)
        p.append(stats.compare_sums(stats.cluster_sums(a, np.ones(12)), ref_s).p_value)
    p = np.array(p)
    assert (p < 0.05).mean() <= 0.06
    assert (p < 0.005).mean() <= 0.008


def test_censoring_aware_duration_uses_time_at_risk():
    # 4 ended spells of 10 days and 1 open spell of 30 days: 70 days at risk, 4 events
    s = stats.cluster_sums([10, 10, 10, 10, 30], [1, 1, 1, 1, 0])
    assert s["y"] / s["x"] == pytest.approx(17.5)


def test_wilson_interval_contains_the_proportion():
    lo, hi = stats.wilson_interval([3], [10])
    assert lo[0] < 0.3 < hi[0]
    assert lo[0] == pytest.approx(0.1078, abs=1e-3)


def test_benjamini_hochberg_controls_and_reports_cutoff():
    p = [0.001, 0.008, 0.039, 0.041, 0.042, 0.06, 0.074, 0.205, 0.212, 0.216, float("nan")]
    q, cutoff = stats.benjamini_hochberg(p, alpha=0.05)
    assert math.isnan(q[-1])
    assert (q[:2] < 0.05).all() and (q[2:10] >= 0.05).all()
    assert cutoff == 0.008


def test_km_median_counts_open_cases():
    med, lo, hi = stats.km_median([5, 10, 15, 20, 25, 30], [1, 1, 1, 1, 0, 0])
    assert med == 20
    assert lo <= med <= hi or math.isinf(hi)
    # all open: no median
    assert math.isinf(stats.km_median([5, 10], [0, 0])[0])


def test_welch_df_by_hand():
    # two equal variances with 14 df each: 28 df; one variance dominating: about its own df
    assert float(stats.welch_df(0.1, 14, 0.1, 14)) == pytest.approx(28)
    assert float(stats.welch_df(0.1, 14, 1e-6, 2999)) == pytest.approx(14, rel=1e-3)
    assert float(stats.welch_df(1e-6, 14, 0.1, 2999)) == pytest.approx(2999, rel=1e-3)


def test_null_floor_carries_the_degrees_of_freedom_of_the_pooled_estimate():
    var, df = stats.null_floored_variance([0.02, 0.09], [0.05, 0.05], [15, 15], 3000)
    assert var == pytest.approx([0.05, 0.09])
    assert df == pytest.approx([2999, 14])


def _groups_of_15(factor: float, seed: int, welch: bool, reps: int = 4000, n: int = 15, size: int = 3000):
    """p-values of ``reps`` groups of ``n`` clusters drawn from one skewed population of ``size``
    durations (the group's values times ``factor``), each compared with the rest of the population."""
    rng = np.random.default_rng(seed)
    pop = rng.gamma(2.0, 15.0, size)
    drawn = pop[np.argsort(rng.random((reps, size)), axis=1)[:, :n]]
    y = drawn * factor
    ones = np.full(reps, float(n))
    seg = {"y": y.sum(1), "x": ones, "yy": (y * y).sum(1), "xy": y.sum(1), "xx": ones, "n": ones}
    rest_y, rest_yy = pop.sum() - drawn.sum(1), (pop**2).sum() - (drawn**2).sum(1)
    rest_n = np.full(reps, float(size - n))
    rest = {"y": rest_y, "x": rest_n, "yy": rest_yy, "xy": rest_y, "xx": rest_n, "n": rest_n}
    total = {k: seg[k] + rest[k] for k in stats.SUM_COLUMNS}
    per_cluster = stats.log_ratio_variance(*(total[k] for k in stats.SUM_COLUMNS)) * total["n"]
    used = []
    for group in (seg, rest):
        own = stats.log_ratio_variance(*(group[k] for k in stats.SUM_COLUMNS))
        used.append(stats.null_floored_variance(own, per_cluster / group["n"], group["n"], total["n"]))
    (va, dfa), (vb, dfb) = used
    df = stats.welch_df(va, dfa, vb, dfb) if welch else None
    return stats.compare_log_ratios(np.log(seg["y"] / seg["x"]), va, seg["n"], np.log(rest_y / rest_n), vb, rest_n, df)[
        3
    ]


def test_welch_floored_test_is_calibrated_and_stronger_for_small_groups():
    # Null: 4,000 groups of 15 skewed durations out of 3,000. The share with p < 0.01 must be near
    # 0.01 (binomial sd 0.0016). The old reference (t with n - 1 = 14 df on a variance already
    # floored at the null) rejected 0.004: too cautious, which is where small groups lost their power.
    p_new = _groups_of_15(1.0, seed=5, welch=True)
    p_old = _groups_of_15(1.0, seed=5, welch=False)
    assert 0.006 <= np.mean(p_new < 0.01) <= 0.014
    assert 0.04 <= np.mean(p_new < 0.05) <= 0.06
    assert np.mean(p_old < 0.01) < 0.006
    # A group of 15 that lasts 2.5x as long reaches p < 0.001 more often than with the old reference.
    power_new = np.mean(_groups_of_15(2.5, seed=6, welch=True) < 0.001)
    power_old = np.mean(_groups_of_15(2.5, seed=6, welch=False) < 0.001)
    assert power_new >= 0.75 and power_new > power_old + 0.05


def test_compare_sums_with_welch_uses_the_pooled_degrees_of_freedom():
    rng = np.random.default_rng(2)
    a = stats.cluster_sums(rng.gamma(2, 40, 15), np.ones(15))
    b = stats.cluster_sums(rng.gamma(2, 15, 3000), np.ones(3000))
    plain, welch = stats.compare_sums(a, b), stats.compare_sums(a, b, welch=True)
    assert plain.df == 14
    assert welch.log_ratio == plain.log_ratio and welch.se == plain.se
    assert welch.df > 14 and welch.p_value < plain.p_value
