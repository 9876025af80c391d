"""What the signal engine measures: the indicators and their cluster frames.

An :class:`Indicator` names a proces, a measure and the dimensions its segments are cut by
(:data:`INDICATORS`; :data:`MELDINGEN` and :data:`PARTNER` have comparison groups of their own). Per
indicator a builder (:data:`BUILDERS`) turns the fact marts into one row per independent cluster
(vacancy, publication, case, tenancy) with ``y``/``x`` for a window; :func:`choose_window` picks the
window of the portfolio comparison (:func:`detectable_z`, :func:`history_start`). Also the run's dates
(:func:`periode_eind_for`, :func:`window`) and what the engine reads of ``fct_contract_maand``
(:data:`CONTRACT_MONTH_LOOKBACK`, :data:`CONTRACT_MONTH_COLUMNS`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import pandas as pd

from woonsignaal.signals import stats
from woonsignaal.signals.segments import (
    CASE_DIMENSIONS,
    TENANT_DIMENSIONS,
    UNIT_DIMENSIONS,
    normalise_dimension_columns,
)

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
#: contract per month over the whole history (millions of rows at a large corporation; BENCHMARKS.md).
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


def as_timestamps(frame: pd.DataFrame, column: str) -> pd.Series:
    if column not in frame.columns:
        return pd.Series(pd.NaT, index=frame.index, dtype="datetime64[ns]")
    return pd.to_datetime(frame[column], errors="coerce").astype("datetime64[ns]")


def as_bools(frame: pd.DataFrame, column: str) -> pd.Series:
    if column not in frame.columns:
        return pd.Series(False, index=frame.index)
    s = frame[column]
    if s.dtype == bool:
        return s
    return s.map(lambda v: v is True or v == 1 or str(v).upper() in {"TRUE", "J", "1"}).astype(bool)


def as_numbers(frame: pd.DataFrame, column: str) -> pd.Series:
    if column not in frame.columns:
        return pd.Series(np.nan, index=frame.index)
    return pd.to_numeric(frame[column], errors="coerce").astype(float)


# --- cluster frames per indicator ----------------------------------------------------------------
# Each builder returns one row per cluster: the dimension columns, y, x, and helper columns
# (dur/event for Kaplan-Meier, reden for the dominant refusal reason).


def _spells(frame: pd.DataFrame, start_col: str, start: date, end: date) -> pd.DataFrame:
    """Spells starting in [start, end], censored at end: adds dur (days) and event (ended by end)."""
    begin = as_timestamps(frame, start_col)
    s, e = pd.Timestamp(start), pd.Timestamp(end)
    keep = (begin >= s) & (begin <= e)
    out = frame.loc[keep].copy()
    b = begin[keep]
    stop = as_timestamps(out, "einddatum")
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
    stop = as_timestamps(f, "einddatum")
    keep = stop.notna() & (stop >= pd.Timestamp(start)) & (stop <= pd.Timestamp(end))
    return f.loc[keep].copy()


def _weigeringen(facts, start, end):
    out = _publicaties(facts, start, end)
    if out is None:
        return None
    out["y"] = as_numbers(out, "weigeringen_aantal").fillna(0.0)
    out["x"] = as_bools(out, "is_verhuurd").astype(float)
    out["reden"] = out["dominante_weigerreden"] if "dominante_weigerreden" in out.columns else None
    return out


def _reacties(facts, start, end):
    out = _publicaties(facts, start, end)
    if out is None:
        return None
    out["y"] = as_numbers(out, "reacties_aantal")
    out = out[out["y"].notna()].copy()
    out["x"] = 1.0
    return out


def case_spells(facts, start, end):
    f = facts.get("fct_zaak")
    if f is None or f.empty:
        return None
    return _spells(f, "registratiedatum", start, end)


def _doorlooptijd(facts, start, end):
    out = case_spells(facts, start, end)
    if out is None:
        return None
    out["y"], out["x"] = out["dur"], out["event"]
    return out


def _langlopend(facts, start, end):
    out = case_spells(facts, start, end)
    if out is None:
        return None
    # only cases that could be followed for 90 days by the end of the window
    out = out[out["_begin"] <= pd.Timestamp(end) - pd.Timedelta(days=LANGLOPEND_DAGEN)].copy()
    out["y"] = (out["dur"] > LANGLOPEND_DAGEN).astype(float)
    out["x"] = 1.0
    return out


class FactFrames(Mapping[str, pd.DataFrame]):
    """The fact marts of one run (``{mart: frame}``), with what the builders derive from them once: the
    prepared contract months (:meth:`contract_months`). It lives as long as the run that made it, so
    nothing of a night's facts outlives :func:`~woonsignaal.signals.engine.compute_signals`."""

    def __init__(self, facts: Mapping[str, pd.DataFrame]):
        self._facts = dict(facts)
        self._contract_months: pd.DataFrame | None = None

    def __getitem__(self, mart: str) -> pd.DataFrame:
        return self._facts[mart]

    def __iter__(self):
        return iter(self._facts)

    def __len__(self) -> int:
        return len(self._facts)

    def contract_months(self) -> pd.DataFrame:
        """fct_contract_maand with the helper columns, prepared on first use (it has millions of rows
        and every incasso indicator reads it for several windows)."""
        if self._contract_months is None:
            self._contract_months = prepare_contract_months(self._facts["fct_contract_maand"])
        return self._contract_months


def prepare_contract_months(cm: pd.DataFrame) -> pd.DataFrame:
    """fct_contract_maand with the helper columns the incasso builders read: ``_maand`` (timestamp),
    ``_in`` (in arrears), ``_at_risk`` (not in arrears the month before), ``_deu`` (deurwaarder)."""
    keep_cols = [c for c in CONTRACT_MONTH_COLUMNS if c in cm.columns]
    f = cm[keep_cols].copy()
    f["_maand"] = as_timestamps(f, "maand")
    # sorted by contract, then month (the readers ask the database for that order; else a stable lexsort
    # over integer codes of the ids, in the ids' sorted order: the order sort_values on the text gives)
    if not _sorted_by_contract_and_month(f):
        ids, _ = pd.factorize(f["overeenkomst_id"], sort=True)
        order = np.lexsort((f["_maand"].to_numpy(), ids))
        f = f.take(order).reset_index(drop=True)
    else:
        f = f.reset_index(drop=True)
    f["_in"] = as_bools(f, "in_achterstand").to_numpy()
    same = f["overeenkomst_id"].eq(f["overeenkomst_id"].shift(1)).to_numpy()
    prev_in = np.r_[False, f["_in"].to_numpy()[:-1]] & same
    f["_at_risk"] = ~prev_in
    f["_deu"] = as_bools(f, "deurwaarder_bereikt").to_numpy()
    f = normalise_dimension_columns(f, [d for d in TENANT_DIMENSIONS if d in f.columns])
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
    f = (facts if isinstance(facts, FactFrames) else FactFrames(facts)).contract_months()
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
        rows, dims, as_bools(rows, "nieuw_in_achterstand").astype(float), pd.Series(1.0, index=rows.index)
    )


def _achterstand_pct(facts, start, end):
    r = _contract_months(facts, start, end)
    if r is None:
        return None
    f, keep = r
    rows = f[keep & f["_in"]]
    dims = [d for d in TENANT_DIMENSIONS if d in rows.columns]
    saldo = as_numbers(rows, "saldo_euro").clip(lower=0).fillna(0.0)
    jaarhuur = as_numbers(rows, "jaarhuur_euro").fillna(0.0)
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


#: Windows an indicator's portfolio comparison may use, shortest first (see :func:`choose_window`).
WINDOW_CHOICES = (12, 24, 36)
#: The window is long enough when a group holding this share of the indicator's clusters that differs
#: by ``REFERENCE_RATIO`` would stand ``REFERENCE_Z`` standard errors from "no difference" (the
#: variance is the portfolio's pooled variance: it does not depend on how any segment turned out).
REFERENCE_SHARE = 0.01
REFERENCE_RATIO = 2.5
REFERENCE_Z = 4.0
#: A window may start this many months before the history does (see :func:`covered`).
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
    first = as_timestamps(f, column).min()
    if pd.isna(first):
        return None
    return first.normalize().replace(day=1).date()


def covered(window_start: date, start_limit: date | None) -> bool:
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
    starts no later than ``start_limit`` allows, :func:`covered`). Returns ``(months, frame built for that window)``."""
    chosen: tuple[int, pd.DataFrame | None] | None = None
    for months in choices:
        start, end = window(periode_eind, months)
        if chosen is not None and not covered(start, start_limit):
            break
        frame = build(start, end)
        chosen = (months, frame)
        if frame is not None and len(frame) and detectable_z(frame) >= REFERENCE_Z:
            break
    return chosen if chosen is not None else (choices[0], None)
