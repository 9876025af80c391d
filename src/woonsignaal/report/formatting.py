"""Dutch formats for the report: numbers ``1.234,5``, percentages ``12,3%``, euros ``€ 1.234``,
months ``okt 2026`` and dates ``24 okt 2026``.

Every function accepts ``None`` (and NaN) and then returns the same neutral text, so a template never
has to test for missing values itself.
"""

from __future__ import annotations

import math
from datetime import date, datetime

ONBEKEND = "–"

MAANDEN_KORT = ("jan", "feb", "mrt", "apr", "mei", "jun", "jul", "aug", "sep", "okt", "nov", "dec")
MAANDEN_LANG = (
    "januari",
    "februari",
    "maart",
    "april",
    "mei",
    "juni",
    "juli",
    "augustus",
    "september",
    "oktober",
    "november",
    "december",
)


def _missing(value: object) -> bool:
    if value is None:
        return True
    try:
        return not math.isfinite(float(value))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return True


def getal(value: float | int | None, decimalen: int = 0) -> str:
    """``1234.5`` -> ``1.234,5`` (decimalen=1), ``-0.04`` -> ``0`` (no negative zero)."""
    if _missing(value):
        return ONBEKEND
    v = float(value)  # type: ignore[arg-type]
    text = f"{abs(v):,.{decimalen}f}".replace(",", "_").replace(".", ",").replace("_", ".")
    negative = v < 0 and any(ch not in "0,." for ch in text)
    return ("-" if negative else "") + text


def procent(value: float | None, decimalen: int = 1, *, is_fractie: bool = False) -> str:
    """``12.34`` -> ``12,3%``; with ``is_fractie`` ``0.1234`` -> ``12,3%``."""
    if _missing(value):
        return ONBEKEND
    v = float(value) * (100.0 if is_fractie else 1.0)  # type: ignore[arg-type]
    return f"{getal(v, decimalen)}%"


def euro(value: float | None, decimalen: int = 0) -> str:
    """``-1234.5`` -> ``-€ 1.235``; the sector writes the sign before the currency symbol."""
    if _missing(value):
        return ONBEKEND
    v = float(value)  # type: ignore[arg-type]
    text = getal(abs(v), decimalen)
    return ("-" if v < 0 and text.strip("0,.") else "") + f"€ {text}"


def verschil(value: float | None, decimalen: int = 1, eenheid: str = "") -> str:
    """A signed change: ``+1.234,5``, ``-3,0``, ``0,0``; ``eenheid`` is appended (``%-punt``)."""
    if _missing(value):
        return ONBEKEND
    text = getal(value, decimalen)
    if not text.startswith("-") and any(ch not in "0,." for ch in text):
        text = "+" + text
    return text + (f" {eenheid}" if eenheid else "")


def _as_date(value: str | date | datetime) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value)
    if len(text) == 7:  # jjjj-mm
        text += "-01"
    return date.fromisoformat(text[:10])


def maand_kort(value: str | date | datetime | None) -> str:
    """``2026-10`` / ``date(2026, 10, 1)`` -> ``okt 2026``."""
    if value is None:
        return ONBEKEND
    d = _as_date(value)
    return f"{MAANDEN_KORT[d.month - 1]} {d.year}"


def maand_lang(value: str | date | datetime | None) -> str:
    """``2026-10`` -> ``oktober 2026``."""
    if value is None:
        return ONBEKEND
    d = _as_date(value)
    return f"{MAANDEN_LANG[d.month - 1]} {d.year}"


def datum(value: str | date | datetime | None) -> str:
    """``2026-10-04`` -> ``4 okt 2026``."""
    if value is None:
        return ONBEKEND
    d = _as_date(value)
    return f"{d.day} {MAANDEN_KORT[d.month - 1]} {d.year}"


def as_month(maand: str) -> date:
    """Parse ``jjjj-mm`` strictly into the first day of that month (ValueError otherwise)."""
    text = (maand or "").strip()
    if len(text) != 7 or text[4] != "-" or not (text[:4].isdigit() and text[5:].isdigit()):
        raise ValueError(f"maand moet de vorm jjjj-mm hebben, bijvoorbeeld 2026-10; kreeg {maand!r}")
    month = int(text[5:])
    if not 1 <= month <= 12:
        raise ValueError(f"maand {maand!r} bestaat niet")
    return date(int(text[:4]), month, 1)


def add_months(d: date, months: int) -> date:
    """First day of the month ``months`` away from ``d``'s month."""
    index = d.year * 12 + d.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def month_end(d: date) -> date:
    from datetime import timedelta

    return add_months(d, 1) - timedelta(days=1)
