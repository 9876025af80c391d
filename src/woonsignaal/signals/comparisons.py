"""The statistical tests of a run: every segment against its comparison group.

:func:`indicator_tests` compares each segment of an indicator's cluster frame (single dimensions, sensible
pairs, ranges of ordered dimensions) with the rest of the portfolio and with its own previous window
(a difference-in-differences). :func:`meldingen_tests` compares the overlast cases per unit of a wijk
with the other wijken; :func:`partner_tests` the residual case duration with and without a partner
(:func:`partner_frame`). Each test is one :class:`SegmentTest`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from woonsignaal.signals import stats
from woonsignaal.signals.indicators import (
    MELDINGEN,
    PARTNER,
    PARTNER_DAGEN,
    TREND_UNSTABLE,
    WINDOW_CHOICES,
    Indicator,
    as_numbers,
    as_timestamps,
    case_spells,
    covered,
    history_start,
    window,
)
from woonsignaal.signals.ranges import ORDERED_DIMENSIONS, order_key
from woonsignaal.signals.segments import dimension_sets, normalise_dimension_columns, range_cuts


@dataclass(slots=True, eq=False)
class SegmentTest:
    """One test of a run: a segment of an indicator against its comparison group (``vergelijking``:
    ``rest``, ``verleden`` or ``partner``). ``name`` is the indicator's name, with ``_trend`` for the
    own-past comparison. ``waarde``/``referentie`` and the interval are on the indicator's scale;
    ``log_ratio``/``se``/``p`` are the test's. ``periode`` is set when the comparison uses another
    window than the run's; ``q`` is set by the run's FDR control. Compared by identity (the pruning
    keeps lists of accepted tests)."""

    indicator: Indicator
    name: str
    vergelijking: str
    segment: dict[str, str]
    n: int
    n_ref: int
    waarde: float
    referentie: float
    ondergrens: float
    bovengrens: float
    log_ratio: float
    se: float
    p: float
    #: a range of an ordered dimension (e.g. ``energielabel>=F``), not one value
    range: bool = False
    periode: tuple[date, date] | None = None
    q: float = math.nan


class ColumnCodes:
    """Integer codes of the columns of one frame, computed once per column while this object lives:
    the sums per segment and the segment masks of the pruning ask for the same dimension columns of
    the same frame many times, and comparing codes beats comparing text. Made per frame within one
    run (never kept at module level: a frame may have millions of rows)."""

    __slots__ = ("frame", "_sorted", "_lookup")

    def __init__(self, frame: pd.DataFrame):
        self.frame = frame
        self._sorted: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        self._lookup: dict[str, tuple[np.ndarray, dict]] = {}

    def sorted(self, column: str) -> tuple[np.ndarray, np.ndarray]:
        """Codes of ``column`` in the sorted order of its values (-1 where missing), and the values."""
        hit = self._sorted.get(column)
        if hit is None:
            codes, uniques = pd.factorize(self.frame[column], sort=True)
            hit = self._sorted[column] = (codes, np.asarray(uniques, dtype=object))
        return hit

    def lookup(self, column: str) -> tuple[np.ndarray, dict]:
        """Codes of ``column`` in the order of appearance, and value -> code."""
        hit = self._lookup.get(column)
        if hit is None:
            codes, uniques = pd.factorize(self.frame[column])
            hit = self._lookup[column] = (codes, {v: i for i, v in enumerate(uniques)})
        return hit


def _with_squares(frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame.copy()
    frame["y"] = frame["y"].astype(float)
    frame["x"] = frame["x"].astype(float)
    frame["yy"] = frame["y"] ** 2
    frame["xy"] = frame["x"] * frame["y"]
    frame["xx"] = frame["x"] ** 2
    frame["n"] = 1.0
    return frame


def _sums_by(columns: ColumnCodes, dims: tuple[str, ...]) -> pd.DataFrame:
    """``SUM_COLUMNS`` summed per combination of ``dims`` (rows with a missing value left out), sorted
    by the values: ``groupby(dims).sum()``, with bincount over the columns' integer codes (the engine
    asks this for every dimension set of every indicator; pandas' groupby costs more than the sums)."""
    frame = columns.frame
    codes, uniques = [], []
    for d in dims:
        c, u = columns.sorted(d)
        codes.append(c)
        uniques.append(u)
    valid = np.logical_and.reduce([c >= 0 for c in codes]) if codes else np.ones(len(frame), bool)
    shape = tuple(len(u) for u in uniques)
    size = int(np.prod(shape)) if shape else 0
    if size == 0 or not valid.any():
        empty = (
            pd.MultiIndex.from_arrays([[] for _ in dims], names=list(dims))
            if len(dims) > 1
            else pd.Index([], name=dims[0])
        )
        return pd.DataFrame({c: pd.Series(dtype=float) for c in stats.SUM_COLUMNS}, index=empty)
    cell = np.ravel_multi_index(tuple(c[valid] for c in codes), shape)
    sums = np.column_stack(
        [np.bincount(cell, weights=frame[c].to_numpy(dtype=float)[valid], minlength=size) for c in stats.SUM_COLUMNS]
    )
    present = np.flatnonzero(np.bincount(cell, minlength=size) > 0)
    parts = np.unravel_index(present, shape)
    if len(dims) == 1:
        index = pd.Index(uniques[0][parts[0]], name=dims[0])
    else:
        index = pd.MultiIndex.from_arrays([u[p] for u, p in zip(uniques, parts, strict=True)], names=list(dims))
    return pd.DataFrame(sums[present], index=index, columns=list(stats.SUM_COLUMNS))


def _log_and_var(s: pd.DataFrame, total: pd.Series | None = None) -> tuple[np.ndarray, np.ndarray]:
    """log(Y/X) per group and its variance, floored at the pooled (null) variance of ``total``."""
    log, var, _ = _log_var_df(s, total)
    return log, var


def _log_var_df(s: pd.DataFrame, total: pd.Series | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """:func:`_log_and_var` and the degrees of freedom of each variance (:func:`stats.null_floored_variance`)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        est = s["y"].to_numpy() / s["x"].to_numpy()
        log = np.where(est > 0, np.log(np.where(est > 0, est, 1.0)), np.nan)
    n = s["n"].to_numpy()
    var = stats.log_ratio_variance(*(s[c].to_numpy() for c in stats.SUM_COLUMNS))
    if total is None:
        return log, var, np.maximum(n - 1, 1.0)
    pooled = stats.pooled_variance(total.to_dict(), n)
    var, df = stats.null_floored_variance(var, pooled, n, float(total["n"]))
    return log, var, df


def _interval(ind: Indicator, s: pd.DataFrame, est: np.ndarray, var: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    if ind.kind == "proportion":
        return stats.wilson_interval(s["y"].to_numpy(), s["x"].to_numpy())
    return stats.ratio_interval(est, var, s["n"].to_numpy())


def _worse_parts(ind: Indicator, dim: str, values: list[str], cells: np.ndarray):
    """For cells ``(groups x values x SUM_COLUMNS)`` of the ordered ``dim`` (``values`` in the
    dimension's order, as :func:`segments.range_cuts` gives them): per group and cut, the sums of the
    part that is worse off by the indicator's polarity. Yields ``(group, RangeValue, sums)``."""
    cuts = range_cuts(dim, values)
    if not cuts:
        return
    order = sorted(values, key=lambda v: order_key(dim, v))
    if order != values:
        idx = [values.index(v) for v in order]
        cells = cells[:, idx, :]
    cum = np.cumsum(cells, axis=1)
    whole = cum[:, -1, :]
    iy, ix = stats.SUM_COLUMNS.index("y"), stats.SUM_COLUMNS.index("x")
    for lower, upper in cuts:
        j = len(lower)
        lo = cum[:, j - 1, :]
        up = whole - lo
        with np.errstate(divide="ignore", invalid="ignore"):
            lower_higher = lo[:, iy] / lo[:, ix] > up[:, iy] / up[:, ix]
        usable = (lo[:, ix] > 0) & (up[:, ix] > 0)
        pick_lower = lower_higher == ind.higher_is_worse
        for g in np.flatnonzero(usable):
            yield g, (lower if pick_lower[g] else upper), (lo[g] if pick_lower[g] else up[g])


def _range_sums(ind: Indicator, dim: str, single: pd.DataFrame, total: pd.Series) -> pd.DataFrame:
    """Sums of the ranges of an ordered dimension (:func:`segments.range_cuts`), from the sums of its
    single values. Of each cut (lower | upper part) one range is tested: the part that is worse off
    (by the indicator's polarity; the two parts are nearly each other's complement, so one test per
    cut), e.g. ``energielabel>=F`` rather than ``energielabel<=E``."""
    values = [str(v) for v in single.index]
    cells = single[list(stats.SUM_COLUMNS)].to_numpy(dtype=float)[None, :, :]
    names, rows = [], []
    for _, part, sums in _worse_parts(ind, dim, [v for v in values], cells):
        names.append(part)
        rows.append(sums)
    if not rows:
        return single.iloc[:0]
    return pd.DataFrame(
        np.array(rows), columns=list(stats.SUM_COLUMNS), index=pd.Index(names, name=single.index.name, dtype=object)
    )[single.columns]


def _pair_range_sums(ind: Indicator, dims: tuple[str, ...], seg: pd.DataFrame, total: pd.Series) -> pd.DataFrame:
    """Sums of the pairs "one value of one dimension x a range of an ordered other dimension" (e.g.
    ``huishoudsamenstelling=OVR;leeftijdsklasse<=23-29``), from the pair's cells; per value, the
    worse-off part of each cut (see :func:`_range_sums`)."""
    keys, rows = [], []
    for pos, dim in enumerate(dims):
        if dim not in ORDERED_DIMENSIONS:
            continue
        index = seg.index.remove_unused_levels()
        values = [str(v) for v in index.levels[pos]]
        if not range_cuts(dim, values):
            continue
        others = list(index.levels[1 - pos])
        cells = np.zeros((len(others), len(values), len(stats.SUM_COLUMNS)))
        cells[index.codes[1 - pos], index.codes[pos], :] = seg[list(stats.SUM_COLUMNS)].to_numpy(dtype=float)
        for g, part, sums in _worse_parts(ind, dim, values, cells):
            keys.append((part, others[g]) if pos == 0 else (others[g], part))
            rows.append(sums)
    if not rows:
        return seg.iloc[:0]
    out = pd.DataFrame(np.array(rows), columns=list(stats.SUM_COLUMNS))
    out.index = pd.MultiIndex.from_tuples(keys, names=seg.index.names)
    return out[seg.columns]


def indicator_tests(
    ind: Indicator, now: pd.DataFrame, past: pd.DataFrame | None, minimum: int, rest_rows: bool = True
) -> list[SegmentTest]:
    """Tests of every segment against the rest (``rest_rows``) and, given ``past``, against its own past."""
    rows: list[SegmentTest] = []
    dims_present = [d for d in ind.dimensions if d in now.columns]
    now = _with_squares(now)
    total_now = now[list(stats.SUM_COLUMNS)].sum()
    now_codes = ColumnCodes(now)
    past_sq = _with_squares(past) if past is not None and len(past) else None
    past_codes = ColumnCodes(past_sq) if past_sq is not None else None
    total_past = past_sq[list(stats.SUM_COLUMNS)].sum() if past_sq is not None else None
    single_n: dict[tuple[str, object], float] = {}
    for dims in dimension_sets(dims_present, pairs=ind.pairs):
        seg = _sums_by(now_codes, dims)
        if seg.empty:
            continue
        rest = pd.DataFrame(
            np.tile(total_now.to_numpy(), (len(seg), 1)) - seg.to_numpy(), index=seg.index, columns=seg.columns
        )
        is_range = np.zeros(len(seg), dtype=bool)
        if len(dims) == 1:
            single_n.update({(dims[0], v): n for v, n in seg["n"].items()})
        ranges = (
            _range_sums(ind, dims[0], seg, total_now) if len(dims) == 1 else _pair_range_sums(ind, dims, seg, total_now)
        )
        if not ranges.empty:
            seg = pd.concat([seg, ranges])
            is_range = np.r_[is_range, np.ones(len(ranges), dtype=bool)]
            rest = pd.DataFrame(
                np.tile(total_now.to_numpy(), (len(seg), 1)) - seg.to_numpy(), index=seg.index, columns=seg.columns
            )
        ok = (seg["n"] >= minimum) & (rest["n"] >= minimum)
        if len(dims) > 1:
            # a pair that holds exactly the clusters of one of its single dimensions is the same
            # group under a longer name (e.g. every BOV is on floor 1-2): not a separate hypothesis
            same = [
                single_n.get((dims[0], k[0])) == n or single_n.get((dims[1], k[1])) == n for k, n in seg["n"].items()
            ]
            ok &= ~np.asarray(same, dtype=bool)
        seg, rest, is_range = seg[ok], rest[ok], is_range[np.asarray(ok)]
        if seg.empty:
            continue
        log_s, var_s, df_s = _log_var_df(seg, total_now)
        log_r, var_r, df_r = _log_var_df(rest, total_now)
        diff, se, df, p = stats.compare_log_ratios(
            log_s, var_s, seg["n"], log_r, var_r, rest["n"], df=stats.welch_df(var_s, df_s, var_r, df_r)
        )
        est_s = seg["y"].to_numpy() / seg["x"].to_numpy()
        est_r = rest["y"].to_numpy() / rest["x"].to_numpy()
        lo, hi = _interval(ind, seg, est_s, var_s)
        keys = [k if isinstance(k, tuple) else (k,) for k in seg.index]
        n_seg, n_rest = seg["n"].to_numpy(), rest["n"].to_numpy()
        for i, key in enumerate(keys if rest_rows else []):
            rows.append(
                SegmentTest(
                    indicator=ind,
                    name=ind.name,
                    vergelijking="rest",
                    segment=dict(zip(dims, key, strict=True)),
                    n=int(n_seg[i]),
                    n_ref=int(n_rest[i]),
                    waarde=est_s[i] * ind.scale,
                    referentie=est_r[i] * ind.scale,
                    ondergrens=lo[i] * ind.scale,
                    bovengrens=hi[i] * ind.scale,
                    log_ratio=diff[i],
                    se=se[i],
                    p=p[i],
                    range=bool(is_range[i]),
                )
            )
        if not ind.trend or past_sq is None or TREND_UNSTABLE & set(dims):
            continue
        seg_p = _sums_by(past_codes, dims).reindex(seg.index)
        if seg_p["n"].isna().all():
            continue
        rest_p = pd.DataFrame(
            np.tile(total_past.to_numpy(), (len(seg_p), 1)) - seg_p.to_numpy(), index=seg_p.index, columns=seg_p.columns
        )
        okp = (seg_p["n"] >= minimum) & (rest_p["n"] >= minimum)
        log_sp, var_sp = _log_and_var(seg_p, total_past)
        log_rp, var_rp = _log_and_var(rest_p, total_past)
        did = (log_s - log_sp) - (log_r - log_rp)
        se_did = np.sqrt(var_s + var_sp + var_r + var_rp)
        df_did = np.maximum(np.minimum(seg["n"].to_numpy(), seg_p["n"].to_numpy()) - 1, 1)
        with np.errstate(divide="ignore", invalid="ignore"):
            p_did = 2 * stats.sps.t.sf(np.abs(did / se_did), df_did)
            est_sp = seg_p["y"].to_numpy() / seg_p["x"].to_numpy()
        okp, n_past = okp.to_numpy(), seg_p["n"].to_numpy()
        for i, key in enumerate(keys):
            if is_range[i] or not okp[i] or not np.isfinite(p_did[i]):
                continue
            rows.append(
                SegmentTest(
                    indicator=ind,
                    name=ind.name + "_trend",
                    vergelijking="verleden",
                    segment=dict(zip(dims, key, strict=True)),
                    n=int(n_seg[i]),
                    n_ref=int(n_past[i]),
                    waarde=est_s[i] * ind.scale,
                    referentie=est_sp[i] * ind.scale,
                    ondergrens=lo[i] * ind.scale,
                    bovengrens=hi[i] * ind.scale,
                    log_ratio=did[i],
                    se=se_did[i],
                    p=p_did[i],
                )
            )
    return rows


def meldingen_tests(
    facts, periode_eind: date, cur: tuple[date, date], prev: tuple[date, date], minimum: int
) -> list[SegmentTest]:
    """New overlast cases per 100 units per year by wijk (and wijk x zaaktype), exposure from
    fct_contract_maand (occupied unit-months). Cases are clustered by the unit of the cause.
    Cases are few: the portfolio comparison uses the longest window of ``WINDOW_CHOICES`` the history
    of cases and contract-months covers; the own-past comparison is ``cur`` against ``prev``."""
    zaken, cm = facts.get("fct_zaak"), facts.get("fct_contract_maand")
    if zaken is None or cm is None or zaken.empty or cm.empty or "wijk" not in cm.columns:
        return []
    rows: list[SegmentTest] = []
    maand = as_timestamps(cm, "maand")
    reg = as_timestamps(zaken, "registratiedatum")
    # exposure needs no month before: the contract-months count from their own first month
    first_month = maand.min()
    starts = [
        d for d in (history_start(facts, MELDINGEN.name), first_month.date() if pd.notna(first_month) else None) if d
    ]
    limit = max(starts) if starts else None
    wide = cur
    for months in WINDOW_CHOICES:
        w = window(periode_eind, months)
        if months > WINDOW_CHOICES[0] and not covered(w[0], limit):
            break
        wide = w

    def period(p):
        s, e = pd.Timestamp(p[0]), pd.Timestamp(p[1])
        exp = normalise_dimension_columns(cm.loc[(maand >= s) & (maand <= e), ["wijk"]], ["wijk"])
        expo = exp.groupby("wijk").size().astype(float)
        z = zaken.loc[(reg >= s) & (reg <= e)].copy()
        z = normalise_dimension_columns(z, ["wijk", "zaaktype_detailsoort"])
        z["_unit"] = z["eenheid_id"].astype(str) if "eenheid_id" in z.columns else z.index.astype(str)
        return expo, z

    def sums(zz: pd.DataFrame, keys: list[str]):
        per_unit = zz.dropna(subset=keys).groupby([*keys, "_unit"]).size().astype(float)
        g = per_unit.groupby(level=list(range(len(keys))))
        return pd.DataFrame({"y": g.sum(), "yy": g.apply(lambda s: float((s**2).sum())), "n": g.size().astype(float)})

    def lv(y, yy, n, e):
        with np.errstate(divide="ignore", invalid="ignore"):
            log = np.log(y / e)
            var = np.maximum(yy / y**2 * n / np.maximum(n - 1, 1), 1.0 / np.maximum(y, 1) ** 2)
        return log, var

    def compare(expo, z, keys):
        """Per segment of ``keys``: sums, exposures, log rates and variances of the segment and its rest."""
        seg = sums(z, keys)
        if keys == ["wijk"]:
            rest_y = seg["y"].sum() - seg["y"]
            rest_yy = seg["yy"].sum() - seg["yy"]
        else:
            by_type = sums(z, ["zaaktype_detailsoort"])
            t = seg.index.get_level_values("zaaktype_detailsoort")
            rest_y = by_type["y"].reindex(t).to_numpy() - seg["y"].to_numpy()
            rest_yy = by_type["yy"].reindex(t).to_numpy() - seg["yy"].to_numpy()
        wijk = seg.index.get_level_values("wijk") if len(keys) > 1 else seg.index
        e_seg = expo.reindex(wijk).to_numpy()
        e_rest = expo.sum() - e_seg
        y = seg["y"].to_numpy()
        ry = np.asarray(rest_y, float)
        log_s, var_s = lv(y, seg["yy"].to_numpy(), seg["n"].to_numpy(), e_seg)
        log_r, var_r = lv(ry, np.asarray(rest_yy, float), ry, e_rest)
        return seg, y, ry, e_seg, e_rest, log_s, var_s, log_r, var_r

    expo, z = period(wide)
    if expo.sum() <= 0 or z.empty:
        return rows
    for keys in (["wijk"], ["wijk", "zaaktype_detailsoort"]):
        if not all(k in z.columns for k in keys):
            continue
        seg, y, ry, e_seg, e_rest, log_s, var_s, log_r, var_r = compare(expo, z, keys)
        ok = (y >= minimum) & (ry >= minimum) & np.isfinite(e_seg) & (e_seg > 0) & (e_rest > 0)
        diff, se, df, p = stats.compare_log_ratios(log_s, var_s, y, log_r, var_r, ry)
        lo, hi = stats.ratio_interval(y / e_seg, var_s, y)
        for i, key in enumerate(seg.index):
            if not ok[i]:
                continue
            key = key if isinstance(key, tuple) else (key,)
            rows.append(
                SegmentTest(
                    indicator=MELDINGEN,
                    name=MELDINGEN.name,
                    vergelijking="rest",
                    periode=wide,
                    segment=dict(zip(keys, key, strict=True)),
                    n=int(y[i]),
                    n_ref=int(ry[i]),
                    waarde=y[i] / e_seg[i] * MELDINGEN.scale,
                    referentie=ry[i] / e_rest[i] * MELDINGEN.scale,
                    ondergrens=lo[i] * MELDINGEN.scale,
                    bovengrens=hi[i] * MELDINGEN.scale,
                    log_ratio=diff[i],
                    se=se[i],
                    p=p[i],
                )
            )

    # own past: same wijk, this window's 12 months against the 12 before, relative to the rest
    expo_c, z_c = period(cur)
    expo_p, z_p = period(prev)
    if z_c.empty or z_p.empty or "wijk" not in z_c.columns or "wijk" not in z_p.columns:
        return rows
    seg, y, ry, e_seg, e_rest, log_s, var_s, log_r, var_r = compare(expo_c, z_c, ["wijk"])
    lo, hi = stats.ratio_interval(y / e_seg, var_s, y)
    seg_p = sums(z_p, ["wijk"]).reindex(seg.index)
    tot_p = z_p.dropna(subset=["wijk"]).shape[0]
    e_tot_p = expo_p.sum()
    for i, wijk in enumerate(seg.index):
        if not (y[i] >= minimum and ry[i] >= minimum and np.isfinite(e_seg[i]) and e_seg[i] > 0 and e_rest[i] > 0):
            continue
        yp = seg_p["y"].iloc[i]
        ep = expo_p.get(wijk, np.nan)
        if not (np.isfinite(yp) and yp >= minimum and np.isfinite(ep) and ep > 0):
            continue
        ryp = tot_p - yp
        if ryp < minimum or e_tot_p - ep <= 0:
            continue
        lsp, vsp = lv(np.array([yp]), np.array([seg_p["yy"].iloc[i]]), np.array([seg_p["n"].iloc[i]]), np.array([ep]))
        lrp, vrp = lv(np.array([ryp]), np.array([ryp]), np.array([ryp]), np.array([e_tot_p - ep]))
        did = (log_s[i] - lsp[0]) - (log_r[i] - lrp[0])
        se_d = math.sqrt(var_s[i] + vsp[0] + var_r[i] + vrp[0])
        p_d = float(2 * stats.sps.t.sf(abs(did / se_d), max(min(y[i], yp) - 1, 1)))
        rows.append(
            SegmentTest(
                indicator=MELDINGEN,
                name=MELDINGEN.name + "_trend",
                vergelijking="verleden",
                segment={"wijk": wijk},
                n=int(y[i]),
                n_ref=int(yp),
                waarde=y[i] / e_seg[i] * MELDINGEN.scale,
                referentie=yp / ep * MELDINGEN.scale,
                ondergrens=lo[i] * MELDINGEN.scale,
                bovengrens=hi[i] * MELDINGEN.scale,
                log_ratio=did,
                se=se_d,
                p=p_d,
            )
        )
    return rows


def partner_frame(facts, start, end) -> pd.DataFrame | None:
    """Landmark at day 30: cases registered in the window, still open on day 30 and followed that long,
    with the partners that joined within 30 days; y = days after day 30, x = ended."""
    zaken = case_spells(facts, start, end)
    partners = facts.get("fct_zaak_partner")
    if zaken is None or partners is None or partners.empty:
        return None
    lm = zaken[(zaken["dur"] > PARTNER_DAGEN)].copy()
    lm["y"] = lm["dur"] - PARTNER_DAGEN
    lm["x"] = lm["event"]
    p = partners.copy()
    p["_d"] = as_numbers(p, "dagen_na_registratie")
    early = p[p["_d"] <= PARTNER_DAGEN].groupby("zaak_id")["partner"].agg(lambda s: frozenset(map(str, s)))
    lm["_early"] = lm["zaak_id"].map(early).apply(lambda v: v if isinstance(v, frozenset) else frozenset())
    lm = normalise_dimension_columns(lm, ["zaaktype_detailsoort"])
    # Indirect standardisation for the case type (partners are chosen by type, and types differ in
    # duration): x becomes "ended cases x the mean residual duration of their type", so Y/X is
    # observed / expected time, and a partner's effect is not its case mix.
    typ = lm["zaaktype_detailsoort"].fillna("?")
    per_type = lm.groupby(typ)[["y", "x"]].sum()
    overall = lm["y"].sum() / lm["x"].sum() if lm["x"].sum() > 0 else np.nan
    mu = (per_type["y"] / per_type["x"].where(per_type["x"] > 0)).fillna(overall)
    lm["x"] = lm["x"] * typ.map(mu).to_numpy() / overall
    return lm


def partner_tests(facts, cur, minimum: int) -> list[SegmentTest]:
    lm = partner_frame(facts, *cur)
    if lm is None or lm.empty:
        return []
    rows = []
    all_partners = sorted(set().union(*lm["_early"].tolist())) if len(lm) else []
    for partner in all_partners:
        has = lm["_early"].apply(lambda s, p=partner: p in s)
        a, b = lm[has], lm[~has]
        if len(a) < minimum or len(b) < minimum:
            continue
        c = stats.compare_sums(stats.cluster_sums(a["y"], a["x"]), stats.cluster_sums(b["y"], b["x"]))
        if not np.isfinite(c.p_value):
            continue
        va = float(stats.log_ratio_variance(**stats.cluster_sums(a["y"], a["x"])))
        lo, hi = stats.ratio_interval(c.estimate_a, va, len(a))
        rows.append(
            SegmentTest(
                indicator=PARTNER,
                name=PARTNER.name,
                vergelijking="partner",
                periode=cur,
                segment={"partner": partner},
                n=len(a),
                n_ref=len(b),
                waarde=c.estimate_a,
                referentie=c.estimate_b,
                ondergrens=float(lo),
                bovengrens=float(hi),
                log_ratio=c.log_ratio,
                se=c.se,
                p=c.p_value,
            )
        )
    return rows
