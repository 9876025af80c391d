"""Small shared helpers: dates as day numbers, timestamps as seconds, random streams, segment masks."""

from __future__ import annotations

import datetime as dt

import numpy as np

from woonsignaal.contract import KLASSENINDELINGEN, Klassenindeling

EPOCH = dt.date(1970, 1, 1)
DAY = 86_400


def date_days(year: int, month: int, day: int) -> int:
    return (dt.date(year, month, day) - EPOCH).days


def to_days(d: dt.date) -> int:
    return (d - EPOCH).days


def from_days(n: int) -> dt.date:
    return EPOCH + dt.timedelta(days=int(n))


def years_before(d: dt.date, years: int) -> dt.date:
    try:
        return d.replace(year=d.year - years)
    except ValueError:  # 29 February
        return d.replace(year=d.year - years, day=28)


def stream(seed: int, name: str) -> np.random.Generator:
    """An independent, reproducible random stream per part of the simulation."""
    key = [ord(c) for c in name]
    return np.random.default_rng(np.random.SeedSequence([int(seed), *key]))


def stamp(days: np.ndarray, rng: np.random.Generator, start_hour: float = 8, end_hour: float = 18) -> np.ndarray:
    """Seconds (local wall-clock) of a moment on each day, between the given hours."""
    days = np.asarray(days, dtype=np.int64)
    secs = rng.integers(int(start_hour * 3600), int(end_hour * 3600), days.shape)
    return days * DAY + secs


def month_starts(first_day: int, last_day: int) -> np.ndarray:
    """Day numbers of the first day of every month overlapping [first_day, last_day]."""
    d0 = from_days(first_day).replace(day=1)
    out = []
    while (x := to_days(d0)) <= last_day:
        out.append(x)
        d0 = (d0.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return np.array(out, dtype=np.int64)


def segment_mask(segment, dims: dict[str, np.ndarray], n: int) -> np.ndarray:
    """Rows whose value of every dimension of the segment is one of its values (``{dim: value}`` or
    ``{dim: set of values}``, a range on an ordered dimension)."""
    mask = np.ones(n, dtype=bool)
    for dim, value in segment.items():
        if isinstance(value, str):
            mask &= dims[dim] == value
        else:
            mask &= np.isin(dims[dim], list(value))
    return mask


def klassen(values: np.ndarray, indeling: Klassenindeling) -> np.ndarray:
    """The class label of every value (an object array), by the contract's rule (contract.Klassenindeling)."""
    values = np.asarray(values)
    out = np.full(values.shape, indeling.labels[-1], dtype=object)
    for label, bound in reversed(list(zip(indeling.labels, indeling.grenzen, strict=False))):
        out[values <= bound if indeling.tot_en_met else values < bound] = label
    return out


def leeftijdsklasse(age_years: np.ndarray) -> np.ndarray:
    return klassen(age_years, KLASSENINDELINGEN["leeftijdsklasse"]).astype(str)


def contractduur_klasse(years: np.ndarray) -> np.ndarray:
    return klassen(years, KLASSENINDELINGEN["contractduur_klasse"]).astype(str)


def inkomensklasse(income: np.ndarray) -> np.ndarray:
    return klassen(income, KLASSENINDELINGEN["inkomensklasse"]).astype(str)


def last_months(end: int, months: int = 12) -> tuple[int, int]:
    """Day numbers ``[first, last]`` of the ``months`` complete months before the month of ``end`` (the
    signal engine's window on the last extract date; docs/signals.md)."""
    d = from_days(end)
    if (d + dt.timedelta(days=1)).day == 1:  # the extract date is a month's last day: that month counts
        d = d + dt.timedelta(days=1)
    first_of_month = d.replace(day=1)
    y, m = first_of_month.year, first_of_month.month - months
    while m < 1:
        y, m = y - 1, m + 12
    return to_days(dt.date(y, m, 1)), to_days(first_of_month) - 1
