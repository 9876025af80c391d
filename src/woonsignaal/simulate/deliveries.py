"""From simulated history to deliveries: snapshots as of a date, event versions per day, deletions."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from woonsignaal import contract
from woonsignaal.simulate.common import DAY, from_days
from woonsignaal.simulate.referentie import write_referentiedata
from woonsignaal.simulate.writer import NULL_INT, write_frame, write_manifest


@dataclass
class History:
    """Everything a delivery is cut from."""

    complexen: pd.DataFrame
    eenheden: pd.DataFrame
    statuses: pd.DataFrame  # unit index, status, detailstatus, begin, end
    tenancies: pd.DataFrame
    #: event file name -> versions (contract columns + gewijzigd_op), one frame or a list of frames
    events: dict[str, pd.DataFrame | list[pd.DataFrame]]
    single_version: set[str] = field(default_factory=set)
    deletions: pd.DataFrame | None = None  # tabel, sleutel, verwijderd_op (seconds)
    bron: str = "empire"
    corporatie: str = "Woonstichting Voorbeeld"


def snapshot_eenheidstatussen(h: History, day: int) -> pd.DataFrame:
    st = h.statuses
    st = st[st["begin"] <= day]
    eid = h.eenheden["eenheid_id"].to_numpy()[st["unit"].to_numpy()]
    end = st["end"].to_numpy()
    out = pd.DataFrame(
        {
            "eenheid_id": eid,
            "status": st["status"].to_numpy(),
            "detailstatus": st["detailstatus"].to_numpy(),
            "begindatum": st["begin"].to_numpy(),
            "einddatum": np.where(end <= day, end, NULL_INT),
        }
    )
    return out.sort_values(["eenheid_id", "begindatum"], kind="stable").reset_index(drop=True)


def snapshot_tenancies(h: History, day: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    t = h.tenancies
    t = t[t["begin"] <= day]
    end = t["end_nat"].to_numpy()
    opzeg = t["opzeg"].to_numpy()
    known = (end <= day) | ((opzeg >= 0) & (opzeg <= day))
    status = np.where(end <= day, "BEE", np.where(known, "OPG", "LOP"))
    ho = pd.DataFrame(
        {
            "overeenkomst_id": t["overeenkomst_id"].to_numpy(),
            "eenheid_id": t["eenheid_id"].to_numpy(),
            "relatie_id": t["relatie_id"].to_numpy(),
            "begindatum": t["begin"].to_numpy(),
            "einddatum": np.where(known, end, NULL_INT),
            "opzegdatum": np.where((opzeg >= 0) & (opzeg <= day), opzeg, NULL_INT),
            "eindereden": np.where(known, t["eindereden"].to_numpy(), None),
            "eindedetailreden": np.where(known, t["eindedetailreden"].to_numpy(), None),
            "startbrutohuur": t["startbrutohuur_c"].to_numpy(),
            "betaalwijze": t["betaalwijze"].to_numpy(),
            "status": status,
        }
    )
    rel = pd.DataFrame(
        {
            "relatie_id": t["relatie_id"].to_numpy(),
            "geboortedatum": t["geboortedatum"].to_numpy(),
            "huishoudsamenstelling": t["huishoudsamenstelling"].to_numpy(),
            "personen_aantal": t["personen_aantal"].to_numpy(),
            "bruto_jaarinkomen": t["bruto_jaarinkomen"].to_numpy(),
            "huurtoeslag": t["huurtoeslag"].to_numpy(),
            "naam": t["naam"].to_numpy(),
            "email": t["email"].to_numpy(),
            "telefoon": t["telefoon"].to_numpy(),
            "iban": t["iban"].to_numpy(),
            "bsn": t["bsn"].to_numpy(),
        }
    )
    # a tenant who moved within the corporation has several contracts but one relatie
    rel = rel.drop_duplicates("relatie_id", keep="last").sort_values("relatie_id", kind="stable")
    return ho, rel


def _frames(v) -> list[pd.DataFrame]:
    return [v] if isinstance(v, pd.DataFrame) else list(v)


def event_rows(h: History, name: str, first_day: int | None, last_day: int) -> pd.DataFrame:
    """Versions of ``name`` changed in [first_day, last_day] (whole days), latest per key."""
    v = h.events[name]
    if not isinstance(v, pd.DataFrame):
        v = pd.concat(v, ignore_index=True).sort_values("gewijzigd_op", kind="stable")
    g = v["gewijzigd_op"].to_numpy()
    hi = (last_day + 1) * DAY
    m = g < hi
    if first_day is not None:
        m &= g >= first_day * DAY
    if not m.all():
        v = v[m]
    if name in h.single_version:
        return v
    key = list(contract.file_by_name(name).key)
    # versions are stored in gewijzigd_op order: keep the last per key
    return v[~v.duplicated(key, keep="last")]


def write_delivery(out: Path, h: History, day: int, soort: str, prev_day: int | None) -> Path:
    """Write one delivery folder for extract date ``day`` (manifest last)."""
    date = from_days(day)
    folder = Path(out) / date.isoformat()
    folder.mkdir(parents=True, exist_ok=True)
    for stale in folder.glob("*"):
        if stale.is_file():
            stale.unlink()
    counts: dict[str, int] = {}
    counts["referentiedata.csv"] = write_referentiedata(folder / "referentiedata.csv")
    counts["complexen.csv"] = write_frame(folder / "complexen.csv", h.complexen, contract.COMPLEXEN)
    counts["eenheden.csv"] = write_frame(folder / "eenheden.csv", h.eenheden, contract.EENHEDEN)
    counts["eenheidstatussen.csv"] = write_frame(
        folder / "eenheidstatussen.csv", snapshot_eenheidstatussen(h, day), contract.EENHEIDSTATUSSEN
    )
    ho, rel = snapshot_tenancies(h, day)
    counts["relaties.csv"] = write_frame(folder / "relaties.csv", rel, contract.RELATIES)
    counts["huurovereenkomsten.csv"] = write_frame(folder / "huurovereenkomsten.csv", ho, contract.HUUROVEREENKOMSTEN)
    first = None if soort == contract.SOORT_VOLLEDIG else (prev_day + 1 if prev_day is not None else day)
    for spec in contract.EVENT_FILES:
        # CRLF for the ledger-side files, LF elsewhere: both occur in real exports
        crlf = spec.name in ("boekingen", "incassoacties")
        if spec.name in h.single_version:
            # one version per row: filter inside DuckDB, no copy of a ledger of millions of rows
            cond = f"gewijzigd_op < {(day + 1) * DAY}" + (
                f" AND gewijzigd_op >= {first * DAY}" if first is not None else ""
            )
            counts[spec.filename] = write_frame(
                folder / spec.filename, _frames(h.events[spec.name]), spec, crlf=crlf, where=cond
            )
        else:
            rows = event_rows(h, spec.name, first, day)
            counts[spec.filename] = write_frame(folder / spec.filename, rows, spec, crlf=crlf)
    dels = h.deletions
    if soort == contract.SOORT_VOLLEDIG or dels is None:
        dels = pd.DataFrame({"tabel": [], "sleutel": [], "verwijderd_op": np.zeros(0, np.int64)})
    else:
        g = dels["verwijderd_op"].to_numpy()
        dels = dels[(g >= first * DAY) & (g < (day + 1) * DAY)]
    counts["verwijderingen.csv"] = write_frame(folder / "verwijderingen.csv", dels, contract.VERWIJDERINGEN)
    made = dt.datetime.combine(date + dt.timedelta(days=1), dt.time(2, 13, 7))
    write_manifest(
        folder,
        extractdatum=date,
        soort=soort,
        aangemaakt_op=made,
        bron=h.bron,
        corporatie=h.corporatie,
        row_counts=counts,
        files=[f.filename for f in contract.FILES],
    )
    return folder
