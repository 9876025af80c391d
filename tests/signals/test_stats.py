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
