"""Small shared helpers: dates as day numbers, timestamps as seconds, random streams, segment masks."""

from __future__ import annotations

import datetime as dt

import numpy as np

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


def segment_mask(segment: dict[str, str], dims: dict[str, np.ndarray], n: int) -> np.ndarray:
    """Rows whose dimension values equal every ``dimensie=waarde`` pair of the segment."""
    mask = np.ones(n, dtype=bool)
    for dim, value in segment.items():
        mask &= dims[dim] == value
    return mask


def leeftijdsklasse(age_years: np.ndarray) -> np.ndarray:
    out = np.full(np.shape(age_years), "65+", dtype=object)
    out[age_years < 65] = "45-64"
    out[age_years < 45] = "30-44"
    out[age_years < 30] = "23-29"
    out[age_years < 23] = "<23"
    return out.astype(str)


def contractduur_klasse(years: np.ndarray) -> np.ndarray:
    out = np.full(np.shape(years), "10+", dtype=object)
    out[years < 10] = "3-9"
    out[years < 3] = "1-2"
    out[years < 1] = "<1"
    return out.astype(str)


def inkomensklasse(income: np.ndarray) -> np.ndarray:
    from woonsignaal.simulate.scenarios import INKOMENSKLASSEN

    out = np.empty(np.shape(income), dtype=object)
    for label, lo, hi in INKOMENSKLASSEN:
        out[(income >= lo) & (income < hi)] = label
    return out.astype(str)
