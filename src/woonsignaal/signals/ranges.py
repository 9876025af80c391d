"""Segment notation with ranges on ordered dimensions (docs/signals.md, "Segment notation for ranges").

A segment is ``;``-joined parts sorted by dimension name (contract section 6). A part is one of::

    dim=v          one value                      energielabel=F
    dim>=v         v and every value after it     energielabel>=F        (F, G)
    dim<=v         v and every value before it    bouwjaar_klasse<=1945-1969  (<1945, 1945-1969)
    dim=[a..b]     a up to b, both included       energielabel=[D..F]    (D, E, F)

"before" and "after" follow :data:`ORDERED_DIMENSIONS` (low to high: energielabel from A++++ to G, so
``>=F`` is "F or worse"; bouwjaar_klasse from old to new, so ``<=1945-1969`` is "built before 1970").
No class label contains ``..``, ``[`` or ``]``, and a dimension name is lower case letters and ``_``,
so the operator is found unambiguously even when a value starts with ``<`` (``bouwjaar_klasse<=<1945``).
Range parts are allowed only on ordered dimensions.

:func:`parse_segment_values` turns any segment into ``{dimension: frozenset of values}``; a plain
segment gives one value per dimension. The simulator writes its ground truth in this notation, the
evaluation reads signals with it, and the engine can emit it with :func:`format_range`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from woonsignaal.contract import SEGMENT_DIMENSIONS

#: Ordered dimensions, low to high. ``kamers_aantal`` is ordered by its number (any whole number).
ORDERED_DIMENSIONS: dict[str, tuple[str, ...] | None] = {
    "energielabel": ("AP4", "AP3", "APP", "AP", "A", "B", "C", "D", "E", "F", "G"),
    "bouwjaar_klasse": SEGMENT_DIMENSIONS["bouwjaar_klasse"],
    "huurklasse": ("GOE", "BET", "DUU", "BOV"),
    "etage_klasse": SEGMENT_DIMENSIONS["etage_klasse"],
    "kamers_aantal": None,
    "leeftijdsklasse": SEGMENT_DIMENSIONS["leeftijdsklasse"],
    "inkomensklasse": SEGMENT_DIMENSIONS["inkomensklasse"],
    "contractduur_klasse": SEGMENT_DIMENSIONS["contractduur_klasse"],
}

_PART = re.compile(r"^(?P<dim>[a-z_]+)(?P<op><=|>=|=)(?P<value>.+)$")
_CLOSED = re.compile(r"^\[(?P<lo>[^\[\]]+?)\.\.(?P<hi>[^\[\]]+)\]$")


class SegmentNotationError(ValueError):
    """A segment text does not follow the notation; the message names the part."""


def order_key(dim: str, value: str) -> float:
    """Position of ``value`` in the order of the ordered dimension ``dim``."""
    order = ORDERED_DIMENSIONS.get(dim, ())
    if order is None:  # kamers_aantal: numeric
        try:
            return float(value)
        except ValueError:
            raise SegmentNotationError(f"{dim}: {value!r} is not a number") from None
    if value not in order:
        raise SegmentNotationError(f"{dim}: {value!r} is not one of {', '.join(order)}")
    return float(order.index(value))


def values_in_range(dim: str, lo: str | None, hi: str | None, present: Iterable[str] | None = None) -> frozenset[str]:
    """Values of ``dim`` from ``lo`` to ``hi`` (both included; None = open end). For ``kamers_aantal``
    the values come from ``present`` (the values that occur); without it, whole numbers 0-20."""
    if dim not in ORDERED_DIMENSIONS:
        raise SegmentNotationError(f"{dim} is not an ordered dimension: a range is not allowed")
    order = ORDERED_DIMENSIONS[dim]
    candidates = (
        list(present) if present is not None else ([str(i) for i in range(21)] if order is None else list(order))
    )
    low = order_key(dim, lo) if lo is not None else float("-inf")
    high = order_key(dim, hi) if hi is not None else float("inf")
    if low > high:
        raise SegmentNotationError(f"{dim}: range [{lo}..{hi}] is empty (wrong way round)")
    return frozenset(v for v in candidates if low <= order_key(dim, v) <= high)


def parse_part(part: str) -> tuple[str, frozenset[str], bool]:
    """``(dimension, values, is_range)`` of one part."""
    m = _PART.match(part.strip())
    if not m:
        raise SegmentNotationError(f"segment part {part!r} is not dim=value, dim>=value, dim<=value or dim=[a..b]")
    dim, op, value = m["dim"], m["op"], m["value"].strip()
    if op == ">=":
        return dim, values_in_range(dim, value, None), True
    if op == "<=":
        return dim, values_in_range(dim, None, value), True
    closed = _CLOSED.match(value)
    if closed:
        return dim, values_in_range(dim, closed["lo"].strip(), closed["hi"].strip()), True
    return dim, frozenset({value}), False


def parse_segment_values(segment: str) -> dict[str, frozenset[str]]:
    """``energielabel>=F;wijk=Centrum`` -> ``{"energielabel": {"F", "G"}, "wijk": {"Centrum"}}``."""
    out: dict[str, frozenset[str]] = {}
    for part in filter(None, (segment or "").split(";")):
        dim, values, _ = parse_part(part)
        if dim in out:
            raise SegmentNotationError(f"segment {segment!r} names {dim} twice")
        out[dim] = values
    return out


def format_range(dim: str, values: Iterable[str]) -> str:
    """The shortest notation of a contiguous set of values of ``dim``: ``dim=v`` for one value,
    ``dim>=v`` / ``dim<=v`` when the set runs to an end of the order, else ``dim=[a..b]``.
    For ``kamers_aantal`` the ends are open only when written with ``>=``/``<=`` explicitly: a set of
    numbers is written ``[a..b]``."""
    vals = sorted(set(values), key=lambda v: order_key(dim, v))
    if not vals:
        raise SegmentNotationError(f"{dim}: no values")
    if len(vals) == 1:
        return f"{dim}={vals[0]}"
    order = ORDERED_DIMENSIONS[dim]
    if order is not None:
        span = list(order[order.index(vals[0]) : order.index(vals[-1]) + 1])
        if span != vals:
            raise SegmentNotationError(f"{dim}: {vals} is not a contiguous range")
        if vals[-1] == order[-1]:
            return f"{dim}>={vals[0]}"
        if vals[0] == order[0]:
            return f"{dim}<={vals[-1]}"
    return f"{dim}=[{vals[0]}..{vals[-1]}]"


def format_segment_values(segment: Mapping[str, str | Iterable[str]]) -> str:
    """A segment of single values and value sets, sorted by dimension name, in the notation above."""
    parts = []
    for dim in sorted(segment):
        value = segment[dim]
        if isinstance(value, str):
            parts.append(f"{dim}={value}")
        else:
            parts.append(format_range(dim, value))
    return ";".join(parts)


def contains(outer: Mapping[str, frozenset[str]], inner: Mapping[str, frozenset[str]]) -> bool:
    """Same dimensions, and on each one ``outer`` covers every value of ``inner`` (equal or a range
    containing it)."""
    return outer.keys() == inner.keys() and all(inner[d] <= outer[d] for d in inner)


def overlaps(a: Mapping[str, frozenset[str]], b: Mapping[str, frozenset[str]]) -> bool:
    """Whether the two segments share a ``dimensie=waarde`` (for ranges: a common value on a common
    dimension)."""
    return any(a[d] & b[d] for d in a.keys() & b.keys())
