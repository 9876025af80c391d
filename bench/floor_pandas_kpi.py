"""The lone-analyst floor: one verhuur KPI straight from a delivery's CSV files with pandas.

    .venv/bin/python bench/floor_pandas_kpi.py <delivery folder> [--json]

Computes the median leegstandsduur (days) per eenheid detailsoort from ``eenheidstatussen.csv`` and
``eenheden.csv``, the way an analyst with a notebook would: read both files, keep status LEE, merge
consecutive LEE periods of a unit into one vacancy (the next begins on or the day after the previous
one ended, or the previous one is still open), censor open vacancies at the extract date, join the
unit's detailsoort and take the median per detailsoort. No checks, no pseudonymisation, no history,
no publication: this is the floor that the pipeline's extra work is measured against.

The extract date is read from ``manifest.json``. Prints the KPI table (or one JSON line with
``--json``: the table plus the seconds spent reading and computing).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path


def median_leegstandsduur(folder: Path) -> tuple[object, dict[str, float]]:
    import pandas as pd

    timings: dict[str, float] = {}
    t = time.perf_counter()
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    extractdatum = pd.Timestamp(manifest["extractdatum"])
    opts = dict(sep=";", quotechar='"', doublequote=True, encoding="utf-8", dtype=str, keep_default_na=False)
    statussen = pd.read_csv(
        folder / "eenheidstatussen.csv", usecols=["eenheid_id", "status", "begindatum", "einddatum"], **opts
    )
    eenheden = pd.read_csv(folder / "eenheden.csv", usecols=["eenheid_id", "detailsoort"], **opts)
    timings["read_s"] = time.perf_counter() - t

    t = time.perf_counter()
    lee = statussen[statussen["status"] == "LEE"].copy()
    lee["begin"] = pd.to_datetime(lee["begindatum"], format="%d-%m-%Y")
    lee["eind"] = pd.to_datetime(lee["einddatum"].replace("", None), format="%d-%m-%Y")
    lee = lee[lee["begin"] <= extractdatum]
    lee.loc[lee["eind"] > extractdatum, "eind"] = pd.NaT  # not ended yet as of the extract date
    lee = lee.sort_values(["eenheid_id", "begin"])
    vorige_eind = lee.groupby("eenheid_id")["eind"].shift()
    eerste = lee["eenheid_id"].ne(lee["eenheid_id"].shift())
    nieuw = eerste | (vorige_eind.notna() & (lee["begin"] > vorige_eind + pd.Timedelta(days=1)))
    lee["vacature"] = nieuw.cumsum()
    vac = lee.groupby("vacature").agg(
        eenheid_id=("eenheid_id", "first"),
        begin=("begin", "min"),
        eind=("eind", "max"),
        open=("eind", lambda s: s.isna().any()),
    )
    vac["eind"] = vac["eind"].where(~vac["open"], extractdatum)  # censored at the extract date
    vac["dagen"] = (vac["eind"] - vac["begin"]).dt.days
    vac = vac.merge(eenheden, on="eenheid_id", how="left")
    vac["detailsoort"] = vac["detailsoort"].replace("", "(onbekend)").fillna("(onbekend)")
    kpi = (
        vac.groupby("detailsoort")["dagen"]
        .agg(mediaan_leegstandsdagen="median", leegstanden="count")
        .reset_index()
        .sort_values("detailsoort")
    )
    timings["compute_s"] = time.perf_counter() - t
    return kpi, timings


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("delivery", type=Path, help="a delivery folder (<landing>/<jjjj-mm-dd>/)")
    ap.add_argument("--json", action="store_true", help="print one JSON line instead of the table")
    args = ap.parse_args(argv)
    t = time.perf_counter()
    kpi, timings = median_leegstandsduur(args.delivery)
    total = time.perf_counter() - t
    if args.json:
        print(
            json.dumps(
                {
                    "seconds": round(total, 3),
                    **{k: round(v, 3) for k, v in timings.items()},
                    "groepen": len(kpi),
                    "kpi": kpi.to_dict(orient="records"),
                },
                default=str,
            )
        )
    else:
        print(kpi.to_string(index=False))
        print(f"\n{total:.2f} s (lezen {timings['read_s']:.2f} s, rekenen {timings['compute_s']:.2f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
