"""Segments: which groups are compared, how they are written and how a signal gets its id.

A segment is a set of ``dimensie=waarde`` pairs. It is written sorted by dimension name and joined
by ``;`` (contract section 6), e.g. ``eenheid_detailsoort=BOV;lift=N``.
"""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd

from woonsignaal.contract import SEGMENT_DIMENSIONS
from woonsignaal.signals.ranges import (
    ORDERED_DIMENSIONS,
    SegmentNotationError,
    format_range,
    order_key,
    parse_part,
)

#: Unit dimensions (verhuur). ``complex_id`` is tested on its own only: pairs with it are too thin.
UNIT_DIMENSIONS = (
    "wijk",
    "complex_id",
    "eenheid_detailsoort",
    "huurklasse",
    "kamers_aantal",
    "lift",
    "energielabel",
    "etage_klasse",
    "bouwjaar_klasse",
)
#: Tenant dimensions (incasso), as the issue names them.
TENANT_DIMENSIONS = (
    "leeftijdsklasse",
    "huishoudsamenstelling",
    "huurtoeslag",
    "betaalwijze",
    "inkomensklasse",
    "contractduur_klasse",
    "huurklasse",
    "wijk",
)
CASE_DIMENSIONS = ("zaaktype_detailsoort", "wijk")
SINGLE_ONLY = frozenset({"complex_id"})

#: Ordered dimensions (``ranges.ORDERED_DIMENSIONS``) are also tested as *ranges* ("energielabel F or
#: worse"), written in the notation of :mod:`woonsignaal.signals.ranges` (``energielabel>=F``).

#: Pairs that say nothing a single dimension does not (one determines the other).
_REDUNDANT_PAIRS = frozenset({frozenset({"wijk", "complex_id"})})


def dimension_sets(dimensions: Iterable[str], pairs: bool = True) -> list[tuple[str, ...]]:
    """Single dimensions, then every sensible pair (sorted names), of ``dimensions``."""
    dims = tuple(dict.fromkeys(dimensions))
    unknown = [d for d in dims if d not in SEGMENT_DIMENSIONS]
    if unknown:
        raise ValueError(f"not a contract segment dimension: {unknown}")
    out: list[tuple[str, ...]] = [(d,) for d in dims]
    if pairs:
        for a, b in itertools.combinations(sorted(dims), 2):
            if a in SINGLE_ONLY or b in SINGLE_ONLY or frozenset({a, b}) in _REDUNDANT_PAIRS:
                continue
            out.append((a, b))
    return out


class RangeValue(frozenset):
    """The values of a range segment of an ordered dimension, with its notation (``>=F``, ``<=1945-1969``
    or ``=[D..F]``, :mod:`woonsignaal.signals.ranges`)."""

    notation: str

    def __new__(cls, values, notation: str):
        obj = super().__new__(cls, values)
        obj.notation = notation
        return obj

    def __reduce__(self):
        return (RangeValue, (frozenset(self), self.notation))


def value_set(dimension: str, value: object) -> frozenset[str]:
    """The single values a segment value stands for: itself, or every value of a range (a set)."""
    if isinstance(value, str):
        return frozenset({value})
    return frozenset(value)


def range_cuts(dimension: str, present: Iterable[str]) -> list[tuple[RangeValue, RangeValue]]:
    """Every cut of the ordered ``dimension``'s values ``present`` into a lower and an upper part of at
    least two values each (``(lower, upper)``). Values outside the known order are left out (no place
    in a range); a part of one value is the single value, tested already. Each part runs to an end of
    the values present, so it is written open-ended: ``<=v`` (v and everything before it), ``>=v``."""
    if dimension not in ORDERED_DIMENSIONS:
        return []
    known = []
    for v in set(present):
        try:
            known.append((order_key(dimension, v), v))
        except SegmentNotationError:
            continue
    ordered = [v for _, v in sorted(known)]
    return [
        (RangeValue(ordered[:j], f"<={ordered[j - 1]}"), RangeValue(ordered[j:], f">={ordered[j]}"))
        for j in range(2, len(ordered) - 1)
    ]


def format_segment(pairs: Mapping[str, object] | Iterable[tuple[str, object]]) -> str:
    """``{"lift": "N", "eenheid_detailsoort": "BOV"}`` -> ``eenheid_detailsoort=BOV;lift=N``."""
    items = pairs.items() if isinstance(pairs, Mapping) else pairs
    parts = []
    for dim, value in sorted(items, key=lambda kv: kv[0]):
        if dim not in SEGMENT_DIMENSIONS:
            raise ValueError(f"not a contract segment dimension: {dim!r}")
        if isinstance(value, RangeValue):
            parts.append(f"{dim}{value.notation}")  # a range of an ordered dimension: energielabel>=F
            continue
        if isinstance(value, (frozenset, set, tuple, list)):
            parts.append(format_range(dim, value))
            continue
        text = normalise_value(value)
        if text is None:
            raise ValueError(f"segment value of {dim!r} is empty")
        if ";" in text or "=" in text:
            raise ValueError(f"segment value {text!r} of {dim!r} contains ';' or '='")
        parts.append(f"{dim}={text}")
    return ";".join(parts)


def parse_segment(segment: str) -> dict[str, str]:
    """``eenheid_detailsoort=BOV;lift=N`` -> ``{"eenheid_detailsoort": "BOV", "lift": "N"}``; a range
    part gives the set of its values (``energielabel>=F`` -> ``{"energielabel": frozenset({"F", "G"})}``)."""
    out: dict[str, str | frozenset[str]] = {}
    for part in filter(None, (segment or "").split(";")):
        if ">=" in part or "<=" in part or "[" in part:
            dim, values, _ = parse_part(part)
            out[dim] = values
            continue
        dim, _, value = part.partition("=")
        out[dim.strip()] = value.strip()
    return out


def segment_pairs(segment: str) -> set[tuple[str, str]]:
    """The ``(dimensie, waarde)`` pairs of a segment string."""
    return set(parse_segment(segment).items())


def normalise_value(value: object) -> str | None:
    """A dimension value as text: whole floats lose ``.0``, booleans become J/N, empty is None."""
    if value is None or value is pd.NA:
        return None
    if isinstance(value, float):
        if np.isnan(value):
            return None
        if value.is_integer():
            return str(int(value))
    if isinstance(value, (bool, np.bool_)):
        return "J" if value else "N"
    text = str(value).strip()
    return text or None


def normalise_dimension_columns(frame: pd.DataFrame, dimensions: Iterable[str]) -> pd.DataFrame:
    """Copy of ``frame`` whose dimension columns are text (None where unknown).

    A shallow copy: only the dimension columns are new (pandas copy-on-write keeps ``frame`` as it was);
    the frames hold millions of contract-months."""
    out = frame.copy(deep=False)
    for dim in dimensions:
        if dim in out.columns:
            col = out[dim]
            # map each distinct value once (millions of rows, a handful of values)
            codes, uniques = pd.factorize(col, use_na_sentinel=True)
            texts = np.array([normalise_value(v) for v in uniques] + [None], dtype=object)
            out[dim] = pd.Series(texts[codes], index=out.index, dtype=object)
    return out


def signaal_id(proces: str, indicator: str, segment: str, periode_start, periode_eind) -> str:
    """Stable id: a hash of proces, indicator, segment and periode (same inputs, same id)."""
    key = "|".join([proces, indicator, segment, str(periode_start), str(periode_eind)])
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:16]


def signaal_sleutel(proces: str, indicator: str, segment: str) -> str:
    """Id of "the same signal" across months (proces, indicator, segment; no periode)."""
    return hashlib.sha256("|".join([proces, indicator, segment]).encode("utf-8")).hexdigest()[:16]
