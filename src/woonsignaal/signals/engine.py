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
   (see :mod:`woonsignaal.signals.stats`).
3. Every segment (single dimensions and sensible pairs) with at least ``minimum_group_size`` clusters,
   and a comparison group of at least that size, is tested against the rest of the portfolio and
   against its own previous window (indicator name + ``_trend``; a difference-in-differences, so a
   portfolio-wide change is no segment signal).
4. Benjamini-Hochberg over every test of the run (all processes together) at ``FDR_ALPHA``.
5. Relevance (ratio at least ``RELEVANT_RATIO`` away from 1), then echo pruning: strongest first
   (by the interval bound nearest to "no difference"), a candidate overlapping accepted signals of
   the same indicator must still differ once their clusters are set aside (or, inside an accepted
   segment, from the rest of that segment).
   A second pass does the same across the indicators of one proces.
6. ``ernst`` (:mod:`woonsignaal.signals.ernst`), ``richting`` by the indicator's polarity,
   ``toelichting`` (:mod:`woonsignaal.signals.toelichting`), ``signaal_id``.

Overlast portfolio comparisons use 36 months (few cases); classes whose membership moves by
construction (huurklasse, leeftijdsklasse, contractduur_klasse) get no own-past comparison.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import pandas as pd

from woonsignaal.contract import DEFAULT_MINIMUM_GROUP_SIZE, SIGNALEN_COLUMNS
from woonsignaal.signals import stats
from woonsignaal.signals.ernst import FDR_ALPHA, RELEVANT_RATIO, ernst
from woonsignaal.signals.ranges import ORDERED_DIMENSIONS, order_key
from woonsignaal.signals.segments import (
    CASE_DIMENSIONS,
    TENANT_DIMENSIONS,
    UNIT_DIMENSIONS,
    dimension_sets,
    format_segment,
    normalise_dimension_columns,
    parse_segment,
    range_cuts,
    signaal_id,
    signaal_sleutel,
    value_set,
)
from woonsignaal.signals.toelichting import nl_auto, toelichting

EXTRA_COLUMNS = ("signaal_sleutel", "vergelijking", "p_waarde", "q_waarde")
OUTPUT_COLUMNS = (*SIGNALEN_COLUMNS, *EXTRA_COLUMNS)
WINDOW_MONTHS = 12
LANGLOPEND_DAGEN = 90
PARTNER_DAGEN = 30
#: The partner comparison evaluates a way of working, not a month's segment: it uses 36 months of cases.
PARTNER_WINDOW_MONTHS = 36
#: Classes whose membership moves by construction between two windows (rents are indexed every July
#: and the class limits change; every tenant and tenancy gets older): no comparable own past.
TREND_UNSTABLE = frozenset({"huurklasse", "leeftijdsklasse", "contractduur_klasse"})


@dataclass(frozen=True)
class Indicator:
    proces: str
    name: str
    kind: str  # "rate", "proportion" or "duration"
    higher_is_worse: bool
    dimensions: tuple[str, ...]
    scale: float = 1.0  # waarde shown = Y/X * scale
    pairs: bool = True
    trend: bool = True
    window_months: int | None = None  # the portfolio comparison's window, if not the run's


INDICATORS: tuple[Indicator, ...] = (
    Indicator("verhuur", "leegstandsduur", "duration", True, UNIT_DIMENSIONS),
    Indicator("verhuur", "weigeringen_per_toewijzing", "rate", True, UNIT_DIMENSIONS),
    Indicator("verhuur", "reacties_per_publicatie", "rate", False, UNIT_DIMENSIONS),
    # Overlast cases are few (about 1 per 80 units a year): the portfolio comparison uses 36 months.
    Indicator("overlast", "doorlooptijd", "duration", True, CASE_DIMENSIONS, window_months=36),
    Indicator("overlast", "aandeel_langlopend", "proportion", True, CASE_DIMENSIONS, scale=100.0, window_months=36),
    Indicator("incasso", "instroom_achterstand", "rate", True, TENANT_DIMENSIONS, scale=1200.0),
    Indicator("incasso", "achterstand_pct_jaarhuur", "rate", True, TENANT_DIMENSIONS, scale=100.0),
    Indicator("incasso", "escalatie_deurwaarder", "proportion", True, TENANT_DIMENSIONS, scale=100.0),
)

#: How far back from periode_eind the engine reads fct_contract_maand: the current and the previous
#: window, the longest indicator window, and one month more (entry into arrears needs the month
#: before). The dbt model loads only these months and the columns below: the mart has one row per
#: contract per month over the whole history (9.6 M rows at 80,000 units x 10 years).
CONTRACT_MONTH_LOOKBACK = max(2 * WINDOW_MONTHS, PARTNER_WINDOW_MONTHS, *(i.window_months or 0 for i in INDICATORS)) + 1
CONTRACT_MONTH_COLUMNS: tuple[str, ...] = tuple(
    dict.fromkeys(
        (
            "overeenkomst_id",
            "maand",
            "in_achterstand",
            "nieuw_in_achterstand",
            "saldo_euro",
            "jaarhuur_euro",
            "deurwaarder_bereikt",
            "wijk",
            *TENANT_DIMENSIONS,
        )
    )
)

#: Handled by their own code paths (other comparison groups than "the rest").
MELDINGEN = Indicator("overlast", "meldingen_per_eenheid", "rate", True, ("wijk",), scale=100.0 * 12)
PARTNER = Indicator("overlast", "doorlooptijd_partner_binnen_30_dagen", "duration", True, ("partner",), trend=False)


# --- dates --------------------------------------------------------------------------------------


def periode_eind_for(extractdatum: date) -> date:
    """The last day of the last complete month on ``extractdatum`` (the extract date itself when it
    is a month's last day)."""
    d = pd.Timestamp(extractdatum).date()
    if (d + timedelta(days=1)).day == 1:
        return d
    return d.replace(day=1) - timedelta(days=1)


def window(periode_eind: date, months: int = WINDOW_MONTHS) -> tuple[date, date]:
    """``(start, end)`` of the ``months`` months that end on ``periode_eind`` (inclusive)."""
    end = pd.Timestamp(periode_eind)
    start = (end + pd.Timedelta(days=1)) - pd.DateOffset(months=months)
    return start.date(), end.date()


def _ts(frame: pd.DataFrame, column: str) -> pd.Series:
    if column not in frame.columns:
        return pd.Series(pd.NaT, index=frame.index, dtype="datetime64[ns]")
    return pd.to_datetime(frame[column], errors="coerce").astype("datetime64[ns]")


def _bool(frame: pd.DataFrame, column: str) -> pd.Series:
    if column not in frame.columns:
        return pd.Series(False, index=frame.index)
    s = frame[column]
    if s.dtype == bool:
        return s
    return s.map(lambda v: v is True or v == 1 or str(v).upper() in {"TRUE", "J", "1"}).astype(bool)


def _num(frame: pd.DataFrame, column: str) -> pd.Series:
    if column not in frame.columns:
        return pd.Series(np.nan, index=frame.index)
    return pd.to_numeric(frame[column], errors="coerce").astype(float)


# --- cluster frames per indicator ----------------------------------------------------------------
# Each builder returns one row per cluster: the dimension columns, y, x, and helper columns
# (dur/event for Kaplan-Meier, reden for the dominant refusal reason).


def _spells(frame: pd.DataFrame, start_col: str, start: date, end: date) -> pd.DataFrame:
    """Spells starting in [start, end], censored at end: adds dur (days) and event (ended by end)."""
    begin = _ts(frame, start_col)
    s, e = pd.Timestamp(start), pd.Timestamp(end)
    keep = (begin >= s) & (begin <= e)
    out = frame.loc[keep].copy()
    b = begin[keep]
    stop = _ts(out, "einddatum")
    event = stop.notna() & (stop <= e)
    until = stop.where(event, e)
    out["dur"] = ((until - b).dt.days).clip(lower=0).astype(float)
    out["event"] = event.astype(float)
    out["_begin"] = b
    return out


def _leegstand(facts, start, end):
    f = facts.get("fct_leegstand")
    if f is None or f.empty:
        return None
    if "leegstand_reden" in f.columns and (f["leegstand_reden"] == "MUT").any():
        # Vacancy between two tenancies; renovation, sale or strategic vacancy are decisions, not signals.
        f = f[f["leegstand_reden"] == "MUT"]
    out = _spells(f, "begindatum", start, end)
    out["y"], out["x"] = out["dur"], out["event"]
    return out


def _publicaties(facts, start, end):
    f = facts.get("fct_publicatie")
    if f is None or f.empty:
        return None
    stop = _ts(f, "einddatum")
    keep = stop.notna() & (stop >= pd.Timestamp(start)) & (stop <= pd.Timestamp(end))
    return f.loc[keep].copy()


def _weigeringen(facts, start, end):
    out = _publicaties(facts, start, end)
    if out is None:
        return None
    out["y"] = _num(out, "weigeringen_aantal").fillna(0.0)
    out["x"] = _bool(out, "is_verhuurd").astype(float)
    out["reden"] = out["dominante_weigerreden"] if "dominante_weigerreden" in out.columns else None
    return out


def _reacties(facts, start, end):
    out = _publicaties(facts, start, end)
    if out is None:
        return None
    out["y"] = _num(out, "reacties_aantal")
    out = out[out["y"].notna()].copy()
    out["x"] = 1.0
    return out


def _zaken(facts, start, end):
    f = facts.get("fct_zaak")
    if f is None or f.empty:
        return None
    return _spells(f, "registratiedatum", start, end)


def _doorlooptijd(facts, start, end):
    out = _zaken(facts, start, end)
    if out is None:
        return None
    out["y"], out["x"] = out["dur"], out["event"]
    return out


def _langlopend(facts, start, end):
    out = _zaken(facts, start, end)
    if out is None:
        return None
    # only cases that could be followed for 90 days by the end of the window
    out = out[out["_begin"] <= pd.Timestamp(end) - pd.Timedelta(days=LANGLOPEND_DAGEN)].copy()
    out["y"] = (out["dur"] > LANGLOPEND_DAGEN).astype(float)
    out["x"] = 1.0
    return out


_CM_CACHE: dict[int, tuple[pd.DataFrame, pd.DataFrame]] = {}


def _prepared_contract_months(cm: pd.DataFrame) -> pd.DataFrame:
    """fct_contract_maand with the helper columns, prepared once per frame (it has millions of rows)."""
    key = id(cm)
    hit = _CM_CACHE.get(key)
    if hit is not None and hit[0] is cm:
        return hit[1]
    keep_cols = [c for c in CONTRACT_MONTH_COLUMNS if c in cm.columns]
    f = cm[keep_cols].copy()
    f["_maand"] = _ts(f, "maand")
    # sorted by contract, then month (the readers ask the database for that order; else a stable lexsort
    # over integer codes of the ids, in the ids' sorted order: the order sort_values on the text gives)
    if not _sorted_by_contract_and_month(f):
        ids, _ = pd.factorize(f["overeenkomst_id"], sort=True)
        order = np.lexsort((f["_maand"].to_numpy(), ids))
        f = f.take(order).reset_index(drop=True)
    else:
        f = f.reset_index(drop=True)
    f["_in"] = _bool(f, "in_achterstand").to_numpy()
    same = f["overeenkomst_id"].eq(f["overeenkomst_id"].shift(1)).to_numpy()
    prev_in = np.r_[False, f["_in"].to_numpy()[:-1]] & same
    f["_at_risk"] = ~prev_in
    f["_deu"] = _bool(f, "deurwaarder_bereikt").to_numpy()
    f = normalise_dimension_columns(f, [d for d in TENANT_DIMENSIONS if d in f.columns])
    _CM_CACHE.clear()
    _CM_CACHE[key] = (cm, f)
    return f


def _sorted_by_contract_and_month(f: pd.DataFrame) -> bool:
    if len(f) < 2:
        return True
    ids, months = f["overeenkomst_id"].to_numpy(), f["_maand"].to_numpy()
    try:
        later, same = ids[1:] > ids[:-1], ids[1:] == ids[:-1]
    except TypeError:  # a missing id: let the sort decide
        return False
    return bool(np.all(later | (same & (months[1:] > months[:-1]))))


def _contract_months(facts, start, end):
    f = facts.get("fct_contract_maand")
    if f is None or f.empty:
        return None
    f = _prepared_contract_months(f)
    keep = (f["_maand"] >= pd.Timestamp(start)) & (f["_maand"] <= pd.Timestamp(end))
    return f, keep


def _per_contract(rows: pd.DataFrame, dims, y: pd.Series, x: pd.Series) -> pd.DataFrame:
    """Sum y and x per (contract, dimension values): one cluster per contract and segment."""
    frame = rows[["overeenkomst_id", *dims]].copy()
    frame["y"], frame["x"] = y.to_numpy(), x.to_numpy()
    key = ["overeenkomst_id", *dims]
    frame[dims] = frame[dims].fillna("\x00")
    out = frame.groupby(key, sort=False, dropna=False)[["y", "x"]].sum().reset_index()
    out[dims] = out[dims].replace("\x00", None)
    return out


def _instroom_achterstand(facts, start, end):
    r = _contract_months(facts, start, end)
    if r is None:
        return None
    f, keep = r
    rows = f[keep & f["_at_risk"]]
    dims = [d for d in TENANT_DIMENSIONS if d in rows.columns]
    return _per_contract(
        rows, dims, _bool(rows, "nieuw_in_achterstand").astype(float), pd.Series(1.0, index=rows.index)
    )


def _achterstand_pct(facts, start, end):
    r = _contract_months(facts, start, end)
    if r is None:
        return None
    f, keep = r
    rows = f[keep & f["_in"]]
    dims = [d for d in TENANT_DIMENSIONS if d in rows.columns]
    saldo = _num(rows, "saldo_euro").clip(lower=0).fillna(0.0)
    jaarhuur = _num(rows, "jaarhuur_euro").fillna(0.0)
    return _per_contract(rows, dims, saldo, jaarhuur)


def _escalatie(facts, start, end):
    r = _contract_months(facts, start, end)
    if r is None:
        return None
    f, keep = r
    first_deu = f[f["_deu"]].groupby("overeenkomst_id")["_maand"].min()
    rows = f[keep & f["_in"]].copy()
    rows["_first_deu"] = rows["overeenkomst_id"].map(first_deu)
    # contracts that had not reached the deurwaarder before the window
    rows = rows[~(rows["_first_deu"] < pd.Timestamp(start))]
    last = rows.groupby("overeenkomst_id").tail(1).copy()
    dims = [d for d in TENANT_DIMENSIONS if d in last.columns]
    last["y"] = (last["_first_deu"].notna() & (last["_first_deu"] <= pd.Timestamp(end))).astype(float)
    last["x"] = 1.0
    return last


BUILDERS: dict[str, Callable] = {
    "leegstandsduur": _leegstand,
    "weigeringen_per_toewijzing": _weigeringen,
    "reacties_per_publicatie": _reacties,
    "doorlooptijd": _doorlooptijd,
    "aandeel_langlopend": _langlopend,
    "instroom_achterstand": _instroom_achterstand,
    "achterstand_pct_jaarhuur": _achterstand_pct,
    "escalatie_deurwaarder": _escalatie,
}


# --- testing segments ------------------------------------------------------------------------------


def _with_squares(frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame.copy()
    frame["y"] = frame["y"].astype(float)
    frame["x"] = frame["x"].astype(float)
    frame["yy"] = frame["y"] ** 2
    frame["xy"] = frame["x"] * frame["y"]
    frame["xx"] = frame["x"] ** 2
    frame["n"] = 1.0
    return frame


def _sums_by(frame: pd.DataFrame, dims: tuple[str, ...]) -> pd.DataFrame:
    """``SUM_COLUMNS`` summed per combination of ``dims`` (rows with a missing value left out), sorted
    by the values: ``groupby(dims).sum()``, with bincount over the columns' integer codes (the engine
    asks this for every dimension set of every indicator; pandas' groupby costs more than the sums)."""
    codes, uniques = [], []
    for d in dims:
        c, u = _sorted_codes(frame, d)
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


def _sorted_codes(frame: pd.DataFrame, column: str) -> tuple[np.ndarray, np.ndarray]:
    """Integer codes of ``column`` in the sorted order of its values (-1 where missing), cached per frame."""
    key = (id(frame), "sorted:" + column)
    hit = _CODES_CACHE.get(key)
    if hit is None or hit[0] is not frame:
        codes, uniques = pd.factorize(frame[column], sort=True)
        hit = (frame, codes, np.asarray(uniques, dtype=object))
        _CODES_CACHE[key] = hit
    return hit[1], hit[2]


def _log_and_var(s: pd.DataFrame, total: pd.Series | None = None) -> tuple[np.ndarray, np.ndarray]:
    """log(Y/X) per group and its variance, floored at the pooled (null) variance of ``total``."""
    with np.errstate(divide="ignore", invalid="ignore"):
        est = s["y"].to_numpy() / s["x"].to_numpy()
        log = np.where(est > 0, np.log(np.where(est > 0, est, 1.0)), np.nan)
    var = stats.log_ratio_variance(*(s[c].to_numpy() for c in stats.SUM_COLUMNS))
    if total is not None:
        pooled = stats.pooled_variance(total.to_dict(), s["n"].to_numpy())
        var = np.where(np.isfinite(var), np.fmax(var, pooled), var)
    return log, var


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


def _test_frames(
    ind: Indicator, now: pd.DataFrame, past: pd.DataFrame | None, minimum: int, rest_rows: bool = True
) -> list[dict]:
    """Tests of every segment against the rest (``rest_rows``) and, given ``past``, against its own past."""
    rows: list[dict] = []
    dims_present = [d for d in ind.dimensions if d in now.columns]
    now = _with_squares(now)
    total_now = now[list(stats.SUM_COLUMNS)].sum()
    past_sq = _with_squares(past) if past is not None and len(past) else None
    total_past = past_sq[list(stats.SUM_COLUMNS)].sum() if past_sq is not None else None
    single_n: dict[tuple[str, object], float] = {}
    for dims in dimension_sets(dims_present, pairs=ind.pairs):
        seg = _sums_by(now, dims)
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
        log_s, var_s = _log_and_var(seg, total_now)
        log_r, var_r = _log_and_var(rest, total_now)
        diff, se, df, p = stats.compare_log_ratios(log_s, var_s, seg["n"], log_r, var_r, rest["n"])
        est_s = seg["y"].to_numpy() / seg["x"].to_numpy()
        est_r = rest["y"].to_numpy() / rest["x"].to_numpy()
        lo, hi = _interval(ind, seg, est_s, var_s)
        keys = [k if isinstance(k, tuple) else (k,) for k in seg.index]
        n_seg, n_rest = seg["n"].to_numpy(), rest["n"].to_numpy()
        for i, key in enumerate(keys if rest_rows else []):
            rows.append(
                {
                    "indicator": ind,
                    "name": ind.name,
                    "vergelijking": "rest",
                    "segment_dict": dict(zip(dims, key, strict=True)),
                    "n": int(n_seg[i]),
                    "n_ref": int(n_rest[i]),
                    "waarde": est_s[i] * ind.scale,
                    "referentie": est_r[i] * ind.scale,
                    "ondergrens": lo[i] * ind.scale,
                    "bovengrens": hi[i] * ind.scale,
                    "log_ratio": diff[i],
                    "se": se[i],
                    "p": p[i],
                    "range": bool(is_range[i]),
                }
            )
        if not ind.trend or past_sq is None or TREND_UNSTABLE & set(dims):
            continue
        seg_p = _sums_by(past_sq, dims).reindex(seg.index)
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
                {
                    "indicator": ind,
                    "name": ind.name + "_trend",
                    "vergelijking": "verleden",
                    "segment_dict": dict(zip(dims, key, strict=True)),
                    "n": int(n_seg[i]),
                    "n_ref": int(n_past[i]),
                    "waarde": est_s[i] * ind.scale,
                    "referentie": est_sp[i] * ind.scale,
                    "ondergrens": lo[i] * ind.scale,
                    "bovengrens": hi[i] * ind.scale,
                    "log_ratio": did[i],
                    "se": se_did[i],
                    "p": p_did[i],
                }
            )
    for frame in (now, past_sq):
        _forget_codes(frame)
    return rows


def _forget_codes(frame: pd.DataFrame | None) -> None:
    """Drop the cached codes of ``frame`` (a frame made for one indicator's tests)."""
    if frame is not None:
        for key in [k for k in _CODES_CACHE if k[0] == id(frame)]:
            del _CODES_CACHE[key]


def _meldingen_tests(
    facts, periode_eind: date, cur: tuple[date, date], prev: tuple[date, date], minimum: int
) -> list[dict]:
    """New overlast cases per 100 units per year by wijk (and wijk x zaaktype), exposure from
    fct_contract_maand (occupied unit-months). Cases are clustered by the unit of the cause.
    Cases are few: the portfolio comparison uses the longest window of ``WINDOW_CHOICES`` the history
    of cases and contract-months covers; the own-past comparison is ``cur`` against ``prev``."""
    zaken, cm = facts.get("fct_zaak"), facts.get("fct_contract_maand")
    if zaken is None or cm is None or zaken.empty or cm.empty or "wijk" not in cm.columns:
        return []
    rows: list[dict] = []
    maand = _ts(cm, "maand")
    reg = _ts(zaken, "registratiedatum")
    # exposure needs no month before: the contract-months count from their own first month
    first_month = maand.min()
    starts = [
        d for d in (history_start(facts, MELDINGEN.name), first_month.date() if pd.notna(first_month) else None) if d
    ]
    limit = max(starts) if starts else None
    wide = cur
    for months in WINDOW_CHOICES:
        w = window(periode_eind, months)
        if months > WINDOW_CHOICES[0] and not _covered(w[0], limit):
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
                {
                    "indicator": MELDINGEN,
                    "name": MELDINGEN.name,
                    "vergelijking": "rest",
                    "periode": wide,
                    "segment_dict": dict(zip(keys, key, strict=True)),
                    "n": int(y[i]),
                    "n_ref": int(ry[i]),
                    "waarde": y[i] / e_seg[i] * MELDINGEN.scale,
                    "referentie": ry[i] / e_rest[i] * MELDINGEN.scale,
                    "ondergrens": lo[i] * MELDINGEN.scale,
                    "bovengrens": hi[i] * MELDINGEN.scale,
                    "log_ratio": diff[i],
                    "se": se[i],
                    "p": p[i],
                }
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
            {
                "indicator": MELDINGEN,
                "name": MELDINGEN.name + "_trend",
                "vergelijking": "verleden",
                "segment_dict": {"wijk": wijk},
                "n": int(y[i]),
                "n_ref": int(yp),
                "waarde": y[i] / e_seg[i] * MELDINGEN.scale,
                "referentie": yp / ep * MELDINGEN.scale,
                "ondergrens": lo[i] * MELDINGEN.scale,
                "bovengrens": hi[i] * MELDINGEN.scale,
                "log_ratio": did,
                "se": se_d,
                "p": p_d,
            }
        )
    return rows


def _partner_frame(facts, start, end) -> pd.DataFrame | None:
    """Landmark at day 30: cases registered in the window, still open on day 30 and followed that long,
    with the partners that joined within 30 days; y = days after day 30, x = ended."""
    zaken = _zaken(facts, start, end)
    partners = facts.get("fct_zaak_partner")
    if zaken is None or partners is None or partners.empty:
        return None
    lm = zaken[(zaken["dur"] > PARTNER_DAGEN)].copy()
    lm["y"] = lm["dur"] - PARTNER_DAGEN
    lm["x"] = lm["event"]
    p = partners.copy()
    p["_d"] = _num(p, "dagen_na_registratie")
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


def _partner_tests(facts, cur, minimum: int) -> list[dict]:
    lm = _partner_frame(facts, *cur)
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
            {
                "indicator": PARTNER,
                "name": PARTNER.name,
                "vergelijking": "partner",
                "periode": cur,
                "segment_dict": {"partner": partner},
                "n": len(a),
                "n_ref": len(b),
                "waarde": c.estimate_a,
                "referentie": c.estimate_b,
                "ondergrens": float(lo),
                "bovengrens": float(hi),
                "log_ratio": c.log_ratio,
                "se": c.se,
                "p": c.p_value,
            }
        )
    return rows


# --- pruning, ernst, sentences --------------------------------------------------------------------


#: (id(frame), column) -> (frame, integer codes, value -> code): the pruning compares the same
#: dimension columns of the same frames with many segments; comparing codes beats comparing text.
_CODES_CACHE: dict[tuple[int, str], tuple[pd.DataFrame, np.ndarray, dict]] = {}


def _column_codes(frame: pd.DataFrame, column: str) -> tuple[np.ndarray, dict]:
    key = (id(frame), column)
    hit = _CODES_CACHE.get(key)
    if hit is None or hit[0] is not frame:
        codes, uniques = pd.factorize(frame[column])
        hit = (frame, codes, {v: i for i, v in enumerate(uniques)})
        _CODES_CACHE[key] = hit
    return hit[1], hit[2]


def _mask(frame: pd.DataFrame, seg: Mapping[str, str]) -> np.ndarray:
    m = np.ones(len(frame), dtype=bool)
    for d, v in seg.items():
        if d not in frame.columns:
            return np.zeros(len(frame), dtype=bool)
        codes, lookup = _column_codes(frame, d)
        wanted = [lookup[x] for x in value_set(d, v) if x in lookup]
        if not wanted:
            return np.zeros(len(frame), dtype=bool)
        m &= codes == wanted[0] if len(wanted) == 1 else np.isin(codes, wanted)
    return m


def _is_within(inner: Mapping[str, str], outer: Mapping[str, str]) -> bool:
    """True when ``inner`` is a subgroup of ``outer``: every dimension of ``outer`` is in ``inner``
    with values among ``outer``'s (a value lies within a range that holds it)."""
    return all(k in inner and value_set(k, inner[k]) <= value_set(k, v) for k, v in outer.items())


def _prune(
    cands: list[dict],
    frames: dict[str, pd.DataFrame],
    past_frames: dict[str, pd.DataFrame],
    cutoff: float,
    minimum: int,
) -> list[dict]:
    """Echo pruning per indicator name (portfolio comparisons before trends); see the module docstring."""
    by_name: dict[str, list[dict]] = {}
    for c in cands:
        by_name.setdefault(c["name"], []).append(c)
    accepted_by: dict[str, list[dict]] = {}
    for name in sorted(by_name, key=lambda nm: nm.endswith("_trend")):
        group = _simpler_first(
            _ranges_first(sorted(by_name[name], key=lambda c: -(abs(c["log_ratio"]) - 1.96 * c["se"])))
        )
        accepted: list[dict] = []
        base_name = group[0]["indicator"].name
        frame = frames.get(name)
        past = past_frames.get(name)
        if frame is None:
            # nothing to re-test with: prefer the simplest explanation (single dimensions first)
            group.sort(key=lambda c: len(c["segment_dict"]))
        trend = name.endswith("_trend")
        # clusters of the indicator's accepted portfolio signals: set aside when testing a trend
        portfolio = accepted_by.get(base_name, []) if trend else []
        for c in group:
            seg = c["segment_dict"]
            if not accepted and not portfolio:
                accepted.append(c)
                continue
            overlapping = [a for a in accepted if _overlaps(seg, a["segment_dict"])]
            if frame is None or c["vergelijking"] not in ("rest", "verleden") or (trend and past is None):
                # no cluster frame to re-test with: an overlapping stronger signal already says it
                if not overlapping:
                    accepted.append(c)
                continue
            # the narrowest accepted group that holds the candidate is its comparison group
            outers = sorted((a for a in overlapping if _is_within(seg, a["segment_dict"])), key=lambda a: a["n"])
            if trend:
                if outers:
                    continue
                # a portfolio signal on this segment (or a wider one) is no echo source for its trend
                aside = [a for a in portfolio if not _is_within(seg, a["segment_dict"])]
                r = _retest_trend(frame, past, seg, accepted + aside, minimum)
            else:
                r = _retest_rest(frame, seg, accepted, outers, minimum)
            if r is None:
                continue
            same_direction = np.sign(r[0]) == np.sign(c["log_ratio"])
            if outers and outers[0].get("range"):
                # inside a range: only a part that stands out further in the range's own direction
                # is a signal of its own (the other members merely differ from it)
                same_direction &= np.sign(r[0]) == np.sign(outers[0]["log_ratio"])
            if np.isfinite(r[1]) and r[1] <= cutoff and same_direction and abs(r[0]) >= math.log(RELEVANT_RATIO):
                accepted.append(c)
        if frame is not None and not trend:
            accepted = _drop_explained_ranges(accepted, frame, cutoff, minimum)
        accepted_by[name] = accepted
    return [c for name in accepted_by for c in accepted_by[name]]


def _ranges_first(group: list[dict]) -> list[dict]:
    """``group`` (strongest first) with every range moved before the first of its member values: the
    range ("energielabel F or worse") is preferred, a member is then re-tested against the rest of the
    range and kept only if it stands out from it (see :func:`_prune`). Pairs keep their place (a
    strong pair inside a range is an effect of its own; the range is re-tested with it set aside)."""
    out = list(group)
    for c in [c for c in group if c.get("range")]:
        i = out.index(c)
        inside = [
            j
            for j, o in enumerate(out[:i])
            if not o.get("range")
            and o["segment_dict"].keys() == c["segment_dict"].keys()
            and _is_within(o["segment_dict"], c["segment_dict"])
        ]
        if inside:
            out.insert(inside[0], out.pop(i))
    return out


#: A pair holding at least this share of the clusters of a single value it lies within is nearly the
#: same group under a longer name: the single value is taken first (see :func:`_simpler_first`).
SIMPLER_SHARE = 0.8


def _simpler_first(group: list[dict]) -> list[dict]:
    """``group`` with a single value (or range) moved before the pairs within it that hold nearly all
    of its clusters (``SIMPLER_SHARE``): "wijk Noord" rather than "wijk Noord, contractduur 3 jaar of
    langer" when almost every tenancy in Noord is that old. The pair is then re-tested against the
    rest of the single value and kept only if it stands out from it."""
    out = list(group)
    for c in [c for c in group if len(c["segment_dict"]) == 1]:
        i = out.index(c)
        inside = [
            j
            for j, o in enumerate(out[:i])
            if len(o["segment_dict"]) > 1
            and o["n"] >= SIMPLER_SHARE * c["n"]
            and _is_within(o["segment_dict"], c["segment_dict"])
        ]
        if inside:
            out.insert(inside[0], out.pop(i))
    return out


def _drop_explained_ranges(accepted: list[dict], frame: pd.DataFrame, cutoff: float, minimum: int) -> list[dict]:
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
            and np.sign(r[0]) == np.sign(c["log_ratio"])
            and abs(r[0]) >= math.log(RELEVANT_RATIO)
        )

    drop: set[int] = set()
    for c in sorted((c for c in accepted if c.get("range")), key=lambda c: c["n"]):
        inner = [
            a for a in accepted if a is not c and id(a) not in drop and _is_within(a["segment_dict"], c["segment_dict"])
        ]
        if not inner:
            continue
        if not holds(_retest_rest(frame, c["segment_dict"], inner, [], minimum), c):
            drop.add(id(c))
            continue
        for m in inner:
            if m["segment_dict"].keys() == c["segment_dict"].keys() and not m.get("range"):
                r = _retest_rest(frame, m["segment_dict"], [], [c], minimum)
                if not holds(r, m):
                    drop.add(id(m))
    return [c for c in accepted if id(c) not in drop]


def _prune_across(kept: list[dict], frames: dict[str, pd.DataFrame], cutoff: float, minimum: int) -> list[dict]:
    """Second pass over portfolio signals: one that no longer differs once the segments flagged for
    the other indicators of its proces are set aside is an echo of them (e.g. "fewer escalations among
    automatic payers with huurtoeslag" when the risky groups of instroom_achterstand are elsewhere)."""
    rest = [c for c in kept if c["vergelijking"] == "rest"]
    out = []
    for c in kept:
        frame = frames.get(c["name"])
        if c["vergelijking"] != "rest" or frame is None:
            out.append(c)
            continue
        seg = c["segment_dict"]

        def usable(a, frame=frame, seg=seg):
            return (
                a is not c
                and a["indicator"].proces == c["indicator"].proces
                and not _is_within(seg, a["segment_dict"])
                and all(d in frame.columns for d in a["segment_dict"])
            )

        others = [a for a in rest if usable(a) and a["name"] != c["name"]]
        if not others:
            out.append(c)
            continue
        own = [a for a in rest if usable(a) and a["name"] == c["name"]]
        r = _retest_rest(frame, seg, others + own, [], minimum)
        if r is None:
            out.append(c)
            continue
        same_direction = np.sign(r[0]) == np.sign(c["log_ratio"])
        if np.isfinite(r[1]) and r[1] <= cutoff and same_direction and abs(r[0]) >= math.log(RELEVANT_RATIO):
            out.append(c)
    return out


def _retest_rest(frame, seg, accepted, outers, minimum) -> tuple[float, float] | None:
    """(log ratio, p) of the segment once accepted signals are accounted for."""
    in_c = _mask(frame, seg)
    if outers:
        base = _mask(frame, outers[0]["segment_dict"])
        a_rows, b_rows = frame[in_c], frame[base & ~in_c]
    else:
        # set every accepted signal's clusters aside: the rest no longer holds their effect
        acc = np.zeros(len(frame), dtype=bool)
        for a in accepted:
            acc |= _mask(frame, a["segment_dict"])
        a_rows, b_rows = frame[in_c & ~acc], frame[~in_c & ~acc]
    if len(a_rows) < minimum or len(b_rows) < minimum:
        return None
    r = stats.compare_sums(stats.cluster_sums(a_rows["y"], a_rows["x"]), stats.cluster_sums(b_rows["y"], b_rows["x"]))
    return r.log_ratio, r.p_value


def _retest_trend(now, past, seg, accepted, minimum) -> tuple[float, float] | None:
    """(difference in differences, p) with the accepted signals' clusters set aside in both windows."""
    parts = []
    for frame in (now, past):
        acc = np.zeros(len(frame), dtype=bool)
        for a in accepted:
            acc |= _mask(frame, a["segment_dict"])
        in_c = _mask(frame, seg)
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


def _extra(c: dict, frames: dict[str, pd.DataFrame]) -> str | None:
    """Extra words for the sentence: dominant refusal reason, Kaplan-Meier medians."""
    base = c["indicator"].name
    frame = frames.get(c["name"])
    if frame is None:
        return None
    m = _mask(frame, c["segment_dict"])
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
    if base in ("leegstandsduur", "doorlooptijd") and c["vergelijking"] == "rest" and "dur" in frame.columns:
        med_a = stats.km_median(frame.loc[m, "dur"], frame.loc[m, "event"] > 0)[0]
        med_b = stats.km_median(frame.loc[~m, "dur"], frame.loc[~m, "event"] > 0)[0]
        if math.isfinite(med_a) and math.isfinite(med_b):
            words.append(
                f"mediaan (Kaplan-Meier, open gevallen meegeteld) {nl_auto(med_a)} tegen {nl_auto(med_b)} dagen"
            )
    return "; ".join(words) or None


#: Windows an indicator's portfolio comparison may use, shortest first (see :func:`choose_window`).
WINDOW_CHOICES = (12, 24, 36)
#: The window is long enough when a group holding this share of the indicator's clusters that differs
#: by ``REFERENCE_RATIO`` would stand ``REFERENCE_Z`` standard errors from "no difference" (the
#: variance is the portfolio's pooled variance: it does not depend on how any segment turned out).
REFERENCE_SHARE = 0.01
REFERENCE_RATIO = 2.5
REFERENCE_Z = 4.0
#: A window may start this many months before the history does (see :func:`_covered`).
HISTORY_SLACK_MONTHS = 1
#: The first date of each fact mart's history, per indicator builder (a window may not start before it).
_HISTORY_COLUMN = {
    "fct_leegstand": "begindatum",
    "fct_publicatie": "einddatum",
    "fct_zaak": "registratiedatum",
    "fct_contract_maand": "maand",
}
_INDICATOR_MART = {
    "leegstandsduur": "fct_leegstand",
    "weigeringen_per_toewijzing": "fct_publicatie",
    "reacties_per_publicatie": "fct_publicatie",
    "doorlooptijd": "fct_zaak",
    "aandeel_langlopend": "fct_zaak",
    "instroom_achterstand": "fct_contract_maand",
    "achterstand_pct_jaarhuur": "fct_contract_maand",
    "escalatie_deurwaarder": "fct_contract_maand",
    MELDINGEN.name: "fct_zaak",
}


def detectable_z(frame: pd.DataFrame, share: float = REFERENCE_SHARE, ratio: float = REFERENCE_RATIO) -> float:
    """How many standard errors a group of ``share`` of the clusters of ``frame`` (columns y, x) that
    differs by ``ratio`` would lie from "no difference", with the portfolio's pooled variance."""
    if frame is None or len(frame) == 0:
        return 0.0
    sums = stats.cluster_sums(frame["y"], frame["x"])
    n_group = share * sums["n"]
    if n_group < 2 or sums["n"] - n_group < 2:
        return 0.0
    per_cluster = float(stats.log_ratio_variance(**sums)) * sums["n"]
    if not math.isfinite(per_cluster) or per_cluster <= 0:
        return 0.0
    return math.log(ratio) / math.sqrt(per_cluster / n_group + per_cluster / (sums["n"] - n_group))


def history_start(facts: Mapping[str, pd.DataFrame], indicator: str) -> date | None:
    """First month an indicator has data for: the month of its mart's first date."""
    mart = _INDICATOR_MART.get(indicator)
    f = facts.get(mart) if mart else None
    column = _HISTORY_COLUMN.get(mart or "")
    if f is None or f.empty or column not in f.columns:
        return None
    first = _ts(f, column).min()
    if pd.isna(first):
        return None
    return first.normalize().replace(day=1).date()


def _covered(window_start: date, start_limit: date | None) -> bool:
    """Whether the history covers a window starting on ``window_start``: it may start up to
    ``HISTORY_SLACK_MONTHS`` later (a history of 3 years from a delivery on the 25th misses the first
    weeks of the 36 months ending on the last complete month)."""
    if start_limit is None:
        return True
    return pd.Timestamp(start_limit) <= pd.Timestamp(window_start) + pd.DateOffset(months=HISTORY_SLACK_MONTHS)


def choose_window(
    build: Callable[[date, date], pd.DataFrame | None],
    periode_eind: date,
    start_limit: date | None,
    choices: tuple[int, ...] = WINDOW_CHOICES,
) -> tuple[int, pd.DataFrame | None]:
    """The shortest window of ``choices`` (months ending on ``periode_eind``) in which
    :func:`detectable_z` reaches ``REFERENCE_Z``; else the longest window the history covers (it
    starts no later than ``start_limit`` allows, :func:`_covered`). Returns ``(months, frame built for that window)``."""
    chosen: tuple[int, pd.DataFrame | None] | None = None
    for months in choices:
        start, end = window(periode_eind, months)
        if chosen is not None and not _covered(start, start_limit):
            break
        frame = build(start, end)
        chosen = (months, frame)
        if frame is not None and len(frame) and detectable_z(frame) >= REFERENCE_Z:
            break
    return chosen if chosen is not None else (choices[0], None)


def collect_tests(
    facts: Mapping[str, pd.DataFrame],
    periode_eind: date,
    minimum_group_size: int = DEFAULT_MINIMUM_GROUP_SIZE,
    window_months: int = WINDOW_MONTHS,
) -> tuple[list[dict], dict[str, pd.DataFrame], dict[str, pd.DataFrame]]:
    """Every test of the run (one dict per segment and comparison) and the cluster frames the echo
    pruning re-tests with: ``(tests, frames, past_frames)``."""
    periode_eind = pd.Timestamp(periode_eind).date()
    cur = window(periode_eind, window_months)
    prev = window(cur[0] - timedelta(days=1), window_months)

    tests: list[dict] = []
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
            tests.extend(_test_frames(ind, now, past, minimum_group_size))
            continue
        long_window = window(periode_eind, months)
        rows = _test_frames(ind, wide, None, minimum_group_size)
        for r in rows:
            r["periode"] = long_window
        tests.extend(rows)
        tests.extend(_test_frames(ind, now, past, minimum_group_size, rest_rows=False))
    tests.extend(_meldingen_tests(facts, periode_eind, cur, prev, minimum_group_size))
    partner_window = window(periode_eind, PARTNER_WINDOW_MONTHS)
    tests.extend(_partner_tests(facts, partner_window, minimum_group_size))
    lm = _partner_frame(facts, *partner_window)
    if lm is not None:
        frames[PARTNER.name] = lm
    return tests, frames, past_frames


def fdr_family(test: Mapping) -> tuple[str, str, str, str]:
    """The family of a test in the two-level FDR control: proces, indicator (with ``_trend`` for the
    own-past comparison), comparison, and the kind of segment (``waarde``: one dimension's single
    values; ``bereik``: ranges of ordered dimensions; ``paar``: pairs, a value or range of each)."""
    kind = "paar" if len(test["segment_dict"]) > 1 else "bereik" if test.get("range") else "waarde"
    return (test["indicator"].proces, test["name"], test["vergelijking"], kind)


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

    tests = [t for t in tests if np.isfinite(t["p"]) and np.isfinite(t["log_ratio"])]
    if not tests:
        return pd.DataFrame({c: pd.Series(dtype=_dtype(c)) for c in OUTPUT_COLUMNS})
    q, _ = stats.hierarchical_fdr([t["p"] for t in tests], [fdr_family(t) for t in tests], alpha=fdr_alpha)
    for t, qv in zip(tests, q, strict=True):
        t["q"] = float(qv)
    rejected = [t["p"] for t in tests if t["q"] < fdr_alpha]
    cutoff = max(rejected) if rejected else 0.0
    cands = [
        t
        for t in tests
        if t["q"] < fdr_alpha
        and abs(t["log_ratio"]) >= math.log(RELEVANT_RATIO)
        and t["n"] >= minimum_group_size
        and t["n_ref"] >= minimum_group_size
    ]
    # Re-tests of pre-selected candidates (echo pruning) use the run's BH cut-off, or a Bonferroni
    # level over the candidates when that is more lenient: an echo loses its difference entirely,
    # a real effect only a little precision when other groups are set aside.
    retest_level = max(cutoff, fdr_alpha / max(len(cands), 1))
    try:
        kept = _prune(cands, frames, past_frames, retest_level, minimum_group_size)
        kept = _prune_across(kept, frames, retest_level, minimum_group_size)
    finally:
        _CODES_CACHE.clear()

    out = []
    for c in kept:
        ind: Indicator = c["indicator"]
        segment = format_segment(c["segment_dict"])
        periode = c.get("periode", cur)
        verhouding = c["waarde"] / c["referentie"] if c["referentie"] else float("nan")
        if not math.isfinite(verhouding) or verhouding <= 0:
            continue
        worse_if_higher = ind.higher_is_worse
        richting = "slechter" if (c["log_ratio"] > 0) == worse_if_higher else "beter"
        out.append(
            {
                "signaal_id": signaal_id(ind.proces, c["name"], segment, periode[0], periode[1]),
                "proces": ind.proces,
                "indicator": c["name"],
                "segment": segment,
                "periode_start": periode[0],
                "periode_eind": periode[1],
                "waarde": float(c["waarde"]),
                "referentie": float(c["referentie"]),
                "verhouding": float(verhouding),
                "ondergrens": float(c["ondergrens"]),
                "bovengrens": float(c["bovengrens"]),
                "n": int(c["n"]),
                "ernst": ernst(c["q"], math.exp(c["log_ratio"]), c["n"], minimum_group_size),
                "richting": richting,
                "toelichting": toelichting(
                    c["name"],
                    segment,
                    c["waarde"],
                    c["referentie"],
                    verhouding,
                    c["n"],
                    _extra(c, frames),
                    _months(*periode),
                ),
                "signaal_sleutel": signaal_sleutel(ind.proces, c["name"], segment),
                "vergelijking": c["vergelijking"],
                "p_waarde": float(c["p"]),
                "q_waarde": float(c["q"]),
                "_strength": abs(c["log_ratio"]),
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
