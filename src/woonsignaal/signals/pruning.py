"""Echo pruning: one signal per effect.

Candidates that pass the FDR and relevance cut are taken strongest first; one overlapping accepted
signals of the same indicator must still differ once their clusters are set aside (or, inside an
accepted segment, from the rest of that segment) (:func:`prune`). Ranges are preferred over their
member values and single values over pairs that hold nearly all their clusters. A second pass does the
same across the indicators of one proces (:func:`prune_across`). :func:`mask` selects a segment's
clusters in a cluster frame.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np

from woonsignaal.signals import stats
from woonsignaal.signals.comparisons import ColumnCodes, SegmentTest
from woonsignaal.signals.ernst import RELEVANT_RATIO
from woonsignaal.signals.segments import value_set


def mask(columns: ColumnCodes, seg: Mapping[str, str]) -> np.ndarray:
    """The rows of ``columns.frame`` in segment ``seg`` (a value or range per dimension)."""
    frame = columns.frame
    m = np.ones(len(frame), dtype=bool)
    for d, v in seg.items():
        if d not in frame.columns:
            return np.zeros(len(frame), dtype=bool)
        codes, lookup = columns.lookup(d)
        wanted = [lookup[x] for x in value_set(d, v) if x in lookup]
        if not wanted:
            return np.zeros(len(frame), dtype=bool)
        m &= codes == wanted[0] if len(wanted) == 1 else np.isin(codes, wanted)
    return m


def _is_within(inner: Mapping[str, str], outer: Mapping[str, str]) -> bool:
    """True when ``inner`` is a subgroup of ``outer``: every dimension of ``outer`` is in ``inner``
    with values among ``outer``'s (a value lies within a range that holds it)."""
    return all(k in inner and value_set(k, inner[k]) <= value_set(k, v) for k, v in outer.items())


def prune(
    cands: list[SegmentTest],
    frames: dict[str, ColumnCodes],
    past_frames: dict[str, ColumnCodes],
    cutoff: float,
    minimum: int,
) -> list[SegmentTest]:
    """Echo pruning per indicator name (portfolio comparisons before trends); see the module docstring."""
    by_name: dict[str, list[SegmentTest]] = {}
    for c in cands:
        by_name.setdefault(c.name, []).append(c)
    accepted_by: dict[str, list[SegmentTest]] = {}
    for name in sorted(by_name, key=lambda nm: nm.endswith("_trend")):
        group = _simpler_first(_ranges_first(sorted(by_name[name], key=lambda c: -(abs(c.log_ratio) - 1.96 * c.se))))
        accepted: list[SegmentTest] = []
        base_name = group[0].indicator.name
        columns = frames.get(name)
        past = past_frames.get(name)
        if columns is None:
            # nothing to re-test with: prefer the simplest explanation (single dimensions first)
            group.sort(key=lambda c: len(c.segment))
        trend = name.endswith("_trend")
        # clusters of the indicator's accepted portfolio signals: set aside when testing a trend
        portfolio = accepted_by.get(base_name, []) if trend else []
        for c in group:
            seg = c.segment
            if not accepted and not portfolio:
                accepted.append(c)
                continue
            overlapping = [a for a in accepted if _overlaps(seg, a.segment)]
            if columns is None or c.vergelijking not in ("rest", "verleden") or (trend and past is None):
                # no cluster frame to re-test with: an overlapping stronger signal already says it
                if not overlapping:
                    accepted.append(c)
                continue
            # the narrowest accepted group that holds the candidate is its comparison group
            outers = sorted((a for a in overlapping if _is_within(seg, a.segment)), key=lambda a: a.n)
            if trend:
                if outers:
                    continue
                # a portfolio signal on this segment (or a wider one) is no echo source for its trend
                aside = [a for a in portfolio if not _is_within(seg, a.segment)]
                r = _retest_trend(columns, past, seg, accepted + aside, minimum)
            else:
                r = _retest_rest(columns, seg, accepted, outers, minimum)
            if r is None:
                continue
            same_direction = np.sign(r[0]) == np.sign(c.log_ratio)
            if outers and outers[0].range:
                # inside a range: only a part that stands out further in the range's own direction
                # is a signal of its own (the other members merely differ from it)
                same_direction &= np.sign(r[0]) == np.sign(outers[0].log_ratio)
            if np.isfinite(r[1]) and r[1] <= cutoff and same_direction and abs(r[0]) >= math.log(RELEVANT_RATIO):
                accepted.append(c)
        if columns is not None and not trend:
            accepted = _drop_explained_ranges(accepted, columns, cutoff, minimum)
        accepted_by[name] = accepted
    return [c for name in accepted_by for c in accepted_by[name]]


def _ranges_first(group: list[SegmentTest]) -> list[SegmentTest]:
    """``group`` (strongest first) with every range moved before the first of its member values: the
    range ("energielabel F or worse") is preferred, a member is then re-tested against the rest of the
    range and kept only if it stands out from it (see :func:`prune`). Pairs keep their place (a
    strong pair inside a range is an effect of its own; the range is re-tested with it set aside)."""
    out = list(group)
    for c in [c for c in group if c.range]:
        i = out.index(c)
        inside = [
            j
            for j, o in enumerate(out[:i])
            if not o.range and o.segment.keys() == c.segment.keys() and _is_within(o.segment, c.segment)
        ]
        if inside:
            out.insert(inside[0], out.pop(i))
    return out


#: A pair holding at least this share of the clusters of a single value it lies within is nearly the
#: same group under a longer name: the single value is taken first (see :func:`_simpler_first`).
SIMPLER_SHARE = 0.8


def _simpler_first(group: list[SegmentTest]) -> list[SegmentTest]:
    """``group`` with a single value (or range) moved before the pairs within it that hold nearly all
    of its clusters (``SIMPLER_SHARE``): "wijk Noord" rather than "wijk Noord, contractduur 3 jaar of
    langer" when almost every tenancy in Noord is that old. The pair is then re-tested against the
    rest of the single value and kept only if it stands out from it."""
    out = list(group)
    for c in [c for c in group if len(c.segment) == 1]:
        i = out.index(c)
        inside = [
            j
            for j, o in enumerate(out[:i])
            if len(o.segment) > 1 and o.n >= SIMPLER_SHARE * c.n and _is_within(o.segment, c.segment)
        ]
        if inside:
            out.insert(inside[0], out.pop(i))
    return out


def _drop_explained_ranges(
    accepted: list[SegmentTest], columns: ColumnCodes, cutoff: float, minimum: int
) -> list[SegmentTest]:
    """One signal per effect, never a range and its member value both. For an accepted range with
    accepted subgroups inside it (member values, narrower ranges, pairs):

    * set those subgroups aside; if the rest of the range no longer differs from the rest of the
      portfolio (with them set aside too), the range was their echo and is dropped ("label F or worse"
      when only F differs);
    * otherwise the range holds on its own, and a member value that does not differ from the rest of
      the range is dropped (F and G both refused 2.5x as often: "F or worse", not also "F")."""

    def holds(r, c) -> bool:
        return (
            r is not None
            and np.isfinite(r[1])
            and r[1] <= cutoff
            and np.sign(r[0]) == np.sign(c.log_ratio)
            and abs(r[0]) >= math.log(RELEVANT_RATIO)
        )

    drop: set[int] = set()
    for c in sorted((c for c in accepted if c.range), key=lambda c: c.n):
        inner = [a for a in accepted if a is not c and id(a) not in drop and _is_within(a.segment, c.segment)]
        if not inner:
            continue
        if not holds(_retest_rest(columns, c.segment, inner, [], minimum), c):
            drop.add(id(c))
            continue
        for m in inner:
            if m.segment.keys() == c.segment.keys() and not m.range:
                r = _retest_rest(columns, m.segment, [], [c], minimum)
                if not holds(r, m):
                    drop.add(id(m))
    return [c for c in accepted if id(c) not in drop]


def prune_across(
    kept: list[SegmentTest], frames: dict[str, ColumnCodes], cutoff: float, minimum: int
) -> list[SegmentTest]:
    """Second pass over portfolio signals: one that no longer differs once the segments flagged for
    the other indicators of its proces are set aside is an echo of them (e.g. "fewer escalations among
    automatic payers with huurtoeslag" when the risky groups of instroom_achterstand are elsewhere)."""
    rest = [c for c in kept if c.vergelijking == "rest"]
    out = []
    for c in kept:
        columns = frames.get(c.name)
        if c.vergelijking != "rest" or columns is None:
            out.append(c)
            continue
        seg = c.segment

        def usable(a, c=c, columns=columns, seg=seg):
            return (
                a is not c
                and a.indicator.proces == c.indicator.proces
                and not _is_within(seg, a.segment)
                and all(d in columns.frame.columns for d in a.segment)
            )

        others = [a for a in rest if usable(a) and a.name != c.name]
        if not others:
            out.append(c)
            continue
        own = [a for a in rest if usable(a) and a.name == c.name]
        r = _retest_rest(columns, seg, others + own, [], minimum)
        if r is None:
            out.append(c)
            continue
        same_direction = np.sign(r[0]) == np.sign(c.log_ratio)
        if np.isfinite(r[1]) and r[1] <= cutoff and same_direction and abs(r[0]) >= math.log(RELEVANT_RATIO):
            out.append(c)
    return out


def _retest_rest(columns: ColumnCodes, seg, accepted, outers, minimum) -> tuple[float, float] | None:
    """(log ratio, p) of the segment once accepted signals are accounted for."""
    frame = columns.frame
    in_c = mask(columns, seg)
    if outers:
        base = mask(columns, outers[0].segment)
        a_rows, b_rows = frame[in_c], frame[base & ~in_c]
    else:
        # set every accepted signal's clusters aside: the rest no longer holds their effect
        acc = np.zeros(len(frame), dtype=bool)
        for a in accepted:
            acc |= mask(columns, a.segment)
        a_rows, b_rows = frame[in_c & ~acc], frame[~in_c & ~acc]
    if len(a_rows) < minimum or len(b_rows) < minimum:
        return None
    r = stats.compare_sums(stats.cluster_sums(a_rows["y"], a_rows["x"]), stats.cluster_sums(b_rows["y"], b_rows["x"]))
    return r.log_ratio, r.p_value


def _retest_trend(now: ColumnCodes, past: ColumnCodes, seg, accepted, minimum) -> tuple[float, float] | None:
    """(difference in differences, p) with the accepted signals' clusters set aside in both windows."""
    parts = []
    for columns in (now, past):
        frame = columns.frame
        acc = np.zeros(len(frame), dtype=bool)
        for a in accepted:
            acc |= mask(columns, a.segment)
        in_c = mask(columns, seg)
        for rows in (frame[in_c & ~acc], frame[~in_c & ~acc]):
            if len(rows) < minimum:
                return None
            parts.append(stats.cluster_sums(rows["y"], rows["x"]))
    logs, vars_ = [], []
    for i, sums in enumerate(parts):
        total = {k: sums[k] + parts[i ^ 1][k] for k in stats.SUM_COLUMNS}
        if sums["y"] <= 0 or sums["x"] <= 0:
            return None
        logs.append(math.log(sums["y"] / sums["x"]))
        vars_.append(float(stats.floored_variance(sums, total)))
    did = (logs[0] - logs[2]) - (logs[1] - logs[3])
    se = math.sqrt(sum(vars_))
    df = max(min(parts[0]["n"], parts[2]["n"]) - 1, 1)
    return did, float(2 * stats.sps.t.sf(abs(did / se), df))


def _overlaps(a: Mapping[str, str], b: Mapping[str, str]) -> bool:
    """Two segments overlap unless they have no value in common on a shared dimension."""
    return all(value_set(k, a[k]) & value_set(k, b[k]) for k in set(a) & set(b))
