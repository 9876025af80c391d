"""Referentiedata: the VERA file shipped as package data plus the corporation's own lists."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from functools import lru_cache
from importlib import resources
from pathlib import Path

from woonsignaal import contract

VERA_RESOURCE = "vera_referentiedata.csv"
EIGEN_LIJST_DOMEIN = "Eigen lijst"


def vera_bytes() -> bytes:
    """The VERA referentiedata file, byte for byte as published (CC0)."""
    return resources.files("woonsignaal.data").joinpath(VERA_RESOURCE).read_bytes()


@lru_cache(maxsize=1)
def vera_rows() -> tuple[tuple[str, ...], ...]:
    text = vera_bytes().decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))
    return tuple(tuple(r) for r in rows[1:] if r)


def _parse_vera_date(text: str) -> dt.date | None:
    m = re.fullmatch(r"\s*(\d{1,2})-(\d{1,2})-(\d{4})\.?\s*", text or "")
    if not m:
        return None
    try:
        return dt.date(int(m.group(3)), int(m.group(2)), int(m.group(1)))
    except ValueError:
        return None


@lru_cache(maxsize=1)
def vera_index() -> dict[tuple[str, str], list[tuple[dt.date | None, dt.date | None, str]]]:
    """(Soort, Code) -> list of (begindatum, einddatum, parent) (VERA has duplicate pairs)."""
    idx: dict[tuple[str, str], list] = {}
    for r in vera_rows():
        r = tuple(r) + ("",) * (8 - len(r))
        idx.setdefault((r[0], r[1]), []).append((_parse_vera_date(r[4]), _parse_vera_date(r[5]), r[6]))
    return idx


def code_valid(soort: str, code: str, on: dt.date | None = None, parent: str | None = None) -> bool:
    """Whether ``code`` exists in list ``soort`` (VERA or eigen lijst), valid on ``on`` and, if given,
    under ``parent`` (e.g. ``"AANBIEDINGSTATUS.GEW"``). A VERA date that cannot be read (a known fault
    in the file, like ``14-02-205``) counts as no limit."""
    if soort in contract.EIGEN_LIJSTEN:
        return code in contract.EIGEN_LIJSTEN[soort] and parent is None
    for begin, end, par in vera_index().get((soort, code), []):
        if parent is not None and par != parent:
            continue
        if on is not None and begin is not None and on < begin:
            continue
        if on is not None and end is not None and on > end:
            continue
        return True
    return False


def eigen_lijst_rows() -> list[list[str | None]]:
    """Rows of the corporation's own lists in VERA's referentiedata layout."""
    rows = []
    for soort, codes in contract.EIGEN_LIJSTEN.items():
        for code, naam in codes.items():
            rows.append([soort, code, naam, naam, None, None, None, EIGEN_LIJST_DOMEIN])
    return rows


def write_referentiedata(path: Path, *, bom: bool = True) -> int:
    """Write referentiedata.csv: the VERA file verbatim (its header is the contract's header) followed
    by the eigen lijsten; returns the number of data rows."""
    raw = vera_bytes()
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    header_line = raw.split(b"\n", 1)[0].rstrip(b"\r").decode("utf-8")
    if header_line.split(";") != contract.REFERENTIEDATA_HEADER:
        raise ValueError("the packaged VERA file does not have the contract's referentiedata header")
    if not raw.endswith(b"\n"):
        raw += b"\n"
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=";", lineterminator="\n")
    extra = eigen_lijst_rows()
    for row in extra:
        w.writerow(["" if v is None else v for v in row])
    with open(path, "wb") as fh:
        if bom:
            fh.write(b"\xef\xbb\xbf")
        fh.write(raw)
        fh.write(buf.getvalue().encode("utf-8"))
    return len(vera_rows()) + len(extra)
