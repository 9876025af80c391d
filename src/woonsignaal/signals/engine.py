"""The signal engine: from the fact marts to the rows of ``marts.signalen``.

``compute_signals(facts, periode_eind, minimum_group_size)`` takes the fact marts as pandas frames
(``fct_leegstand``, ``fct_publicatie``, ``fct_zaak``, ``fct_zaak_partner``, ``fct_contract_maand``;
a missing one is skipped) and returns one row per published signal: the contract columns
(``contract.SIGNALEN_COLUMNS``) plus ``signaal_sleutel`` (the same signal across months),
``vergelijking`` (``rest``, ``verleden`` or ``partner``), ``p_waarde`` and ``q_waarde``.

Steps (docs/signals.md explains them for a reader):

1. Window: ``periode_start`` = ``periode_eind`` minus ``window_months`` plus one day. Everything is
   evaluated as of ``periode_eind`` (a spell still open then is censored there); the previous window
   is evaluated as of its own end, so "own past" compares like with like.
2. Per indicator, one row per independent cluster (vacancy, publication, case, tenancy) with ``y``/``x``
   (see :mod:`woonsignaal.signals.stats`; the builders are in :mod:`woonsignaal.signals.indicators`).
3. Every segment (single dimensions and sensible pairs) with at least ``minimum_group_size`` clusters,
   and a comparison group of at least that size, is tested against the rest of the portfolio and
   against its own previous window (indicator name + ``_trend``; a difference-in-differences, so a
   portfolio-wide change is no segment signal); :mod:`woonsignaal.signals.comparisons`.
4. Benjamini-Hochberg over every test of the run (all processes together) at ``FDR_ALPHA``.
5. Relevance (ratio at least ``RELEVANT_RATIO`` away from 1), then echo pruning: strongest first
   (by the interval bound nearest to "no difference"), a candidate overlapping accepted signals of
   the same indicator must still differ once their clusters are set aside (or, inside an accepted
   segment, from the rest of that segment).
   A second pass does the same across the indicators of one proces (:mod:`woonsignaal.signals.pruning`).
6. ``ernst`` (:mod:`woonsignaal.signals.ernst`), ``richting`` by the indicator's polarity,
   ``toelichting`` (:mod:`woonsignaal.signals.toelichting`), ``signaal_id``.

Overlast portfolio comparisons use 36 months (few cases); classes whose membership moves by
construction (huurklasse, leeftijdsklasse, contractduur_klasse) get no own-past comparison.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import date, timedelta

import numpy as np
import pandas as pd

from woonsignaal.contract import DEFAULT_MINIMUM_GROUP_SIZE, SIGNALEN_COLUMNS
from woonsignaal.signals import stats
from woonsignaal.signals.comparisons import (
    ColumnCodes,
    SegmentTest,
    indicator_tests,
    meldingen_tests,
    partner_frame,
    partner_tests,
)
from woonsignaal.signals.ernst import FDR_ALPHA, RELEVANT_RATIO, ernst
from woonsignaal.signals.indicators import (
    BUILDERS,
    CONTRACT_MONTH_COLUMNS,
    CONTRACT_MONTH_LOOKBACK,
    INDICATORS,
    PARTNER,
    PARTNER_WINDOW_MONTHS,
    WINDOW_CHOICES,
    WINDOW_MONTHS,
    FactFrames,
    Indicator,
    choose_window,
    detectable_z,
    history_start,
    periode_eind_for,
    window,
)
from woonsignaal.signals.pruning import mask, prune, prune_across
from woonsignaal.signals.segments import (
    format_segment,
    normalise_dimension_columns,
    parse_segment,
    signaal_id,
    signaal_sleutel,
)
from woonsignaal.signals.toelichting import nl_auto, toelichting

__all__ = [
    "CONTRACT_MONTH_COLUMNS",
    "CONTRACT_MONTH_LOOKBACK",
    "EXTRA_COLUMNS",
    "INDICATORS",
    "OUTPUT_COLUMNS",
    "SegmentTest",
    "WINDOW_MONTHS",
    "Indicator",
    "choose_window",
    "collect_tests",
    "compute_signals",
    "detectable_z",
    "fdr_family",
    "periode_eind_for",
    "segment_of",
    "window",
]

EXTRA_COLUMNS = ("signaal_sleutel", "vergelijking", "p_waarde", "q_waarde")
OUTPUT_COLUMNS = (*SIGNALEN_COLUMNS, *EXTRA_COLUMNS)


def collect_tests(
    facts: Mapping[str, pd.DataFrame],
    periode_eind: date,
    minimum_group_size: int = DEFAULT_MINIMUM_GROUP_SIZE,
    window_months: int = WINDOW_MONTHS,
) -> tuple[list[SegmentTest], dict[str, pd.DataFrame], dict[str, pd.DataFrame]]:
    """Every test of the run (one :class:`SegmentTest` per segment and comparison) and the cluster
    frames the echo pruning re-tests with: ``(tests, frames, past_frames)``."""
    facts = FactFrames(facts)
    periode_eind = pd.Timestamp(periode_eind).date()
    cur = window(periode_eind, window_months)
    prev = window(cur[0] - timedelta(days=1), window_months)

    tests: list[SegmentTest] = []
    frames: dict[str, pd.DataFrame] = {}
    past_frames: dict[str, pd.DataFrame] = {}
    for ind in INDICATORS:
        now = BUILDERS[ind.name](facts, *cur)
        if now is None or now.empty:
            continue
        dims = [d for d in ind.dimensions if d in now.columns]
        now = normalise_dimension_columns(now, dims)
        past = BUILDERS[ind.name](facts, *prev) if ind.trend else None
        if past is not None:
            past = normalise_dimension_columns(past, dims)
            frames[ind.name + "_trend"] = now
            past_frames[ind.name + "_trend"] = past
        choices = tuple(m for m in WINDOW_CHOICES if m >= (ind.window_months or window_months))
        months, wide = choose_window(
            lambda s, e, ind=ind: BUILDERS[ind.name](facts, s, e),
            periode_eind,
            history_start(facts, ind.name),
            choices or (window_months,),
        )
        if wide is None or wide.empty:
            continue
        wide = now if months == window_months else normalise_dimension_columns(wide, dims)
        frames[ind.name] = wide
        if months == window_months:
            tests.extend(indicator_tests(ind, now, past, minimum_group_size))
            continue
        long_window = window(periode_eind, months)
        rows = indicator_tests(ind, wide, None, minimum_group_size)
        for r in rows:
            r.periode = long_window
        tests.extend(rows)
        tests.extend(indicator_tests(ind, now, past, minimum_group_size, rest_rows=False))
    tests.extend(meldingen_tests(facts, periode_eind, cur, prev, minimum_group_size))
    partner_window = window(periode_eind, PARTNER_WINDOW_MONTHS)
    tests.extend(partner_tests(facts, partner_window, minimum_group_size))
    lm = partner_frame(facts, *partner_window)
    if lm is not None:
        frames[PARTNER.name] = lm
    return tests, frames, past_frames


def fdr_family(test: SegmentTest) -> tuple[str, str, str, str]:
    """The family of a test in the two-level FDR control: proces, indicator (with ``_trend`` for the
    own-past comparison), comparison, and the kind of segment (``waarde``: one dimension's single
    values; ``bereik``: ranges of ordered dimensions; ``paar``: pairs, a value or range of each)."""
    kind = "paar" if len(test.segment) > 1 else "bereik" if test.range else "waarde"
    return (test.indicator.proces, test.name, test.vergelijking, kind)


def compute_signals(
    facts: Mapping[str, pd.DataFrame],
    periode_eind: date,
    minimum_group_size: int = DEFAULT_MINIMUM_GROUP_SIZE,
    window_months: int = WINDOW_MONTHS,
    fdr_alpha: float = FDR_ALPHA,
) -> pd.DataFrame:
    """The published signals for the periode ending on ``periode_eind``: own-past comparisons over
    ``window_months`` months, portfolio comparisons over the window :func:`choose_window` picks.

    Returns ``OUTPUT_COLUMNS`` (the contract's ``SIGNALEN_COLUMNS`` first), one row per signal,
    sorted by proces, ernst and strength. Empty (with those columns) when nothing qualifies."""
    if minimum_group_size < 1:
        raise ValueError("minimum_group_size must be at least 1")
    periode_eind = pd.Timestamp(periode_eind).date()
    cur = window(periode_eind, window_months)
    tests, frames, past_frames = collect_tests(facts, periode_eind, minimum_group_size, window_months)

    tests = [t for t in tests if np.isfinite(t.p) and np.isfinite(t.log_ratio)]
    if not tests:
        return pd.DataFrame({c: pd.Series(dtype=_dtype(c)) for c in OUTPUT_COLUMNS})
    q, _ = stats.hierarchical_fdr([t.p for t in tests], [fdr_family(t) for t in tests], alpha=fdr_alpha)
    for t, qv in zip(tests, q, strict=True):
        t.q = float(qv)
    rejected = [t.p for t in tests if t.q < fdr_alpha]
    cutoff = max(rejected) if rejected else 0.0
    cands = [
        t
        for t in tests
        if t.q < fdr_alpha
        and abs(t.log_ratio) >= math.log(RELEVANT_RATIO)
        and t.n >= minimum_group_size
        and t.n_ref >= minimum_group_size
    ]
    # Re-tests of pre-selected candidates (echo pruning) use the run's BH cut-off, or a Bonferroni
    # level over the candidates when that is more lenient: an echo loses its difference entirely,
    # a real effect only a little precision when other groups are set aside.
    retest_level = max(cutoff, fdr_alpha / max(len(cands), 1))
    # one ColumnCodes per cluster frame (the same frame may serve two names), for this run only
    codes: dict[int, ColumnCodes] = {}
    for f in (*frames.values(), *past_frames.values()):
        codes.setdefault(id(f), ColumnCodes(f))
    frame_codes = {name: codes[id(f)] for name, f in frames.items()}
    past_codes = {name: codes[id(f)] for name, f in past_frames.items()}
    kept = prune(cands, frame_codes, past_codes, retest_level, minimum_group_size)
    kept = prune_across(kept, frame_codes, retest_level, minimum_group_size)

    out = []
    for c in kept:
        ind: Indicator = c.indicator
        segment = format_segment(c.segment)
        periode = c.periode or cur
        verhouding = c.waarde / c.referentie if c.referentie else float("nan")
        if not math.isfinite(verhouding) or verhouding <= 0:
            continue
        worse_if_higher = ind.higher_is_worse
        richting = "slechter" if (c.log_ratio > 0) == worse_if_higher else "beter"
        out.append(
            {
                "signaal_id": signaal_id(ind.proces, c.name, segment, periode[0], periode[1]),
                "proces": ind.proces,
                "indicator": c.name,
                "segment": segment,
                "periode_start": periode[0],
                "periode_eind": periode[1],
                "waarde": float(c.waarde),
                "referentie": float(c.referentie),
                "verhouding": float(verhouding),
                "ondergrens": float(c.ondergrens),
                "bovengrens": float(c.bovengrens),
                "n": int(c.n),
                "ernst": ernst(c.q, math.exp(c.log_ratio), c.n, minimum_group_size),
                "richting": richting,
                "toelichting": toelichting(
                    c.name,
                    segment,
                    c.waarde,
                    c.referentie,
                    verhouding,
                    c.n,
                    _extra(c, frame_codes),
                    _months(*periode),
                ),
                "signaal_sleutel": signaal_sleutel(ind.proces, c.name, segment),
                "vergelijking": c.vergelijking,
                "p_waarde": float(c.p),
                "q_waarde": float(c.q),
                "_strength": abs(c.log_ratio),
            }
        )
    frame = pd.DataFrame(out)
    if frame.empty:
        return pd.DataFrame({c: pd.Series(dtype=_dtype(c)) for c in OUTPUT_COLUMNS})
    frame["_e"] = frame["ernst"].map({"hoog": 0, "midden": 1, "laag": 2})
    frame = frame.sort_values(["proces", "_e", "_strength"], ascending=[True, True, False])
    frame = frame.drop(columns=["_e", "_strength"]).reset_index(drop=True)
    frame["n"] = frame["n"].astype("int32")
    for c in ("periode_start", "periode_eind"):
        frame[c] = pd.to_datetime(frame[c]).dt.date
    return frame[list(OUTPUT_COLUMNS)]


def _extra(c: SegmentTest, frames: dict[str, ColumnCodes]) -> str | None:
    """Extra words for the sentence: dominant refusal reason, Kaplan-Meier medians."""
    base = c.indicator.name
    columns = frames.get(c.name)
    if columns is None:
        return None
    frame = columns.frame
    m = mask(columns, c.segment)
    if base == "weigeringen_per_toewijzing" and "reden" in frame.columns:
        sub = frame[m & frame["reden"].notna().to_numpy()]
        if len(sub):
            w = sub.groupby("reden")["y"].sum()
            if w.max() > 0:
                return f"meest genoemde weigerreden: {w.idxmax()}"
    words = []
    if base == "leegstandsduur" and "huurderving_euro" in frame.columns and "leegstand_dagen" in frame.columns:
        days = pd.to_numeric(frame.loc[m, "leegstand_dagen"], errors="coerce")
        euro = pd.to_numeric(frame.loc[m, "huurderving_euro"], errors="coerce")
        # rent lost in the window: the vacancy's rent per day x its days up to periode_eind
        lost = float((euro / days.where(days > 0) * frame.loc[m, "dur"]).fillna(0).sum())
        if lost > 0:
            words.append(f"samen {nl_auto(lost)} euro huurderving")
    if base in ("leegstandsduur", "doorlooptijd") and c.vergelijking == "rest" and "dur" in frame.columns:
        med_a = stats.km_median(frame.loc[m, "dur"], frame.loc[m, "event"] > 0)[0]
        med_b = stats.km_median(frame.loc[~m, "dur"], frame.loc[~m, "event"] > 0)[0]
        if math.isfinite(med_a) and math.isfinite(med_b):
            words.append(
                f"mediaan (Kaplan-Meier, open gevallen meegeteld) {nl_auto(med_a)} tegen {nl_auto(med_b)} dagen"
            )
    return "; ".join(words) or None


def _months(start: date, end: date) -> int:
    """Whole months from ``start`` to ``end`` (a window of :func:`window`)."""
    s, e = pd.Timestamp(start), pd.Timestamp(end) + pd.Timedelta(days=1)
    return (e.year - s.year) * 12 + e.month - s.month


def _dtype(column: str):
    t = SIGNALEN_COLUMNS.get(column)
    if t == "DOUBLE" or column in ("p_waarde", "q_waarde"):
        return "float64"
    if t == "INTEGER":
        return "int32"
    if t == "DATE":
        return "datetime64[s]"
    return "str"


def segment_of(row: Mapping) -> dict[str, str]:
    return parse_segment(row["segment"])
