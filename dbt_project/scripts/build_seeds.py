"""Regenerate the generated seeds (a development tool, never run by the pipeline).

``seeds/segment_volgorde.csv``: the order of the ordered segment dimensions, one row per (dimensie,
waarde) with its rang, from ``woonsignaal.signals.ranges.ORDERED_DIMENSIONS`` (the one definition);
the werklijsten match range segments (``energielabel>=F``) with it. ``kamers_aantal`` is ordered by its
number and has no rows.

``seeds/referentiedata_codes.csv``:
Transcribes the VERA code lists the contract uses (``woonsignaal.contract.VERA_CODELISTS``) from the
public VERA file and adds the corporation's own lists (``woonsignaal.contract.EIGEN_LIJSTEN``).
Dates are normalised to ISO; a date VERA itself gets wrong (e.g. ``14-02-205``) is left empty, and
``Parent`` (``SOORT.CODE``) is split into ``parent_soort`` and ``parent_code``.

    .venv/bin/python dbt_project/scripts/build_seeds.py [path to Referentiedata.csv]   (default: the package copy)
"""

from __future__ import annotations

import csv
import sys
from datetime import datetime
from pathlib import Path

from woonsignaal.contract import EIGEN_LIJSTEN, VERA_CODELISTS
from woonsignaal.signals.ranges import ORDERED_DIMENSIONS

SEEDS = Path(__file__).resolve().parents[1] / "seeds"
SEED = SEEDS / "referentiedata_codes.csv"
HEADER = ["soort", "code", "naam", "begindatum", "einddatum", "parent_soort", "parent_code", "bron"]
VOLGORDE_SEED = SEEDS / "segment_volgorde.csv"
VOLGORDE_HEADER = ["dimensie", "waarde", "rang"]


def volgorde_rows() -> list[list[str]]:
    """(dimensie, waarde, rang) of every value of an ordered dimension with a listed order, rang 0 first."""
    return [
        [dim, value, str(rang)]
        for dim, order in sorted(ORDERED_DIMENSIONS.items())
        if order is not None
        for rang, value in enumerate(order)
    ]


def write_volgorde_seed() -> None:
    rows = volgorde_rows()
    with VOLGORDE_SEED.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(VOLGORDE_HEADER)
        w.writerows(rows)
    print(f"{len(rows)} rows -> {VOLGORDE_SEED}")


def iso_date(value: str) -> str:
    value = value.strip().rstrip(".")
    if not value:
        return ""
    try:
        d = datetime.strptime(value, "%d-%m-%Y")
    except ValueError:
        return ""
    return d.date().isoformat() if d.year >= 1900 else ""


def vera_rows(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh, delimiter=";")
        out = []
        for r in reader:
            if r["Soort"] not in VERA_CODELISTS:
                continue
            parent = (r.get("Parent") or "").strip()
            p_soort, _, p_code = parent.partition(".")
            out.append(
                [
                    r["Soort"].strip(),
                    r["Code"].strip(),
                    (r["Naam"] or "").strip(),
                    iso_date(r["Begindatum"] or ""),
                    iso_date(r["Einddatum"] or ""),
                    p_soort,
                    p_code,
                    "VERA",
                ]
            )
    return out


def main(vera_path: str) -> None:
    rows = vera_rows(Path(vera_path))
    for soort, codes in EIGEN_LIJSTEN.items():
        rows += [[soort, code, naam, "", "", "", "", "eigen lijst"] for code, naam in codes.items()]
    rows.sort(key=lambda r: (r[0], r[1], r[3]))
    with SEED.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(HEADER)
        w.writerows(rows)
    print(f"{len(rows)} rows -> {SEED}")
    write_volgorde_seed()


if __name__ == "__main__":
    main(
        sys.argv[1]
        if len(sys.argv) > 1
        else str(Path(__file__).resolve().parents[2] / "src" / "woonsignaal" / "data" / "vera_referentiedata.csv")
    )
