"""Overlast zaken: cases, their status history and the network partners brought in.

Cases arrive at ~12 per 1,000 units a year (sector: 8-16) over the VERA case types, last around the
3-month norm with a long tail, and some are still open at the extract date. The case register went
live when VERA's ZAAKSTATUSSOORT and ZAAKTYPESOORT OMG codes became valid (30-09-2022): no case is
registered before that date, so codes are valid on the date of every row.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from woonsignaal.contract import EIGEN_LIJSTEN
from woonsignaal.simulate.common import DAY, from_days, segment_mask, stamp
from woonsignaal.simulate.corporation import Property
from woonsignaal.simulate.people import ACHTERNAMEN, VOORNAMEN
from woonsignaal.simulate.scenarios import Scenario
from woonsignaal.simulate.verhuur import valid_from

CASES_PER_UNIT_YEAR = 0.013
MEDIAN_DAYS = 80.0
SIGMA = 0.65
TYPES = ("GEL", "RUZ", "PSY", "VUI", "DRU", "AGR", "DIE", "STA", "HEN", "VER", "HAN")
TYPES_P = (0.18, 0.15, 0.24, 0.08, 0.07, 0.06, 0.05, 0.03, 0.03, 0.06, 0.05)
PARTNERS = tuple(EIGEN_LIJSTEN["ZAAKPARTNER"])  # POL WIJ GGD BBM GEM ZOR MWK
PARTNER_W = {"POL": 0.15, "WIJ": 0.5, "GGD": 0.1, "BBM": 0.2, "GEM": 0.1, "ZOR": 0.08, "MWK": 0.07}
PARTNER_BOOST = {
    "DRU": {"POL": 4},
    "HEN": {"POL": 5},
    "AGR": {"POL": 3},
    "PSY": {"GGD": 4, "ZOR": 3, "WIJ": 0.4},
    "VER": {"GGD": 3, "ZOR": 3},
    "RUZ": {"BBM": 3},
    "GEL": {"BBM": 2},
}
ISSUES = {
    "GEL": "harde muziek tot diep in de nacht",
    "RUZ": "ruzie over de gemeenschappelijke tuin",
    "PSY": "verward gedrag; bewoner is onder behandeling bij de GGZ",
    "VUI": "afval en vervuiling op het balkon",
    "VUIL": "afval en vervuiling op het balkon",
    "DRU": "vermoeden van drugshandel, veel aanloop",
    "AGR": "bedreiging van de buren in het trappenhuis",
    "DIE": "blaffende honden en uitwerpselen in de tuin",
    "STA": "stankoverlast uit de woning",
    "HEN": "vermoeden van een hennepkwekerij (stroomverbruik)",
    "VER": "alcoholproblematiek; bewoner gebruikt medicatie",
    "HAN": "overlast van hangjongeren bij de ingang",
}
TEMPLATES = (
    "Melding van buurman {m}: {i}. Bewoner {n} aangesproken.",
    'Buren klagen over {i}; gesprek met {n} gevoerd.\nAfspraak: "het wordt rustiger".',
    "{n} ontkent; {m} houdt een logboek bij.\nVervolg over 2 weken.",
    'Huisbezoek bij {n}: {i}.\nReactie: "ik heb er niets mee te maken"; dossier blijft open.',
    "Klacht van {m} over {n} ({i}).",
)


@dataclass
class Overlast:
    zaken: pd.DataFrame
    zaakstatussen: pd.DataFrame
    zaakbetrokkenen: pd.DataFrame
    cases: pd.DataFrame  # one row per case (internal), for calibration and ground truth


def go_live_day() -> int:
    codes = [("ZAAKSTATUSSOORT", c) for c in ("AAN", "INB", "INU", "AFG")] + [
        ("ZAAKTYPESOORT", "OMG"),
        ("ZAAKTYPESOORT", "SOC"),
    ]
    return max(valid_from(s, c) or 0 for s, c in codes)


def simulate_overlast(rng: np.random.Generator, prop: Property, scenario: Scenario, start: int, end: int) -> Overlast:
    from woonsignaal.simulate.writer import NULL_INT

    n_units = len(prop.eenheden)
    first = max(start, go_live_day())
    years = max(end - first + 1, 0) / 365.25
    w = np.ones(n_units)
    for e in scenario.effects_for("overlast", "meldingen_per_eenheid"):
        w[segment_mask(e.segment, prop.dims, n_units)] *= e.factor
    # a planted meldingen effect moves cases towards its segment; the corporation's total stays at the
    # sector rate (a wijk with 2.5x the inflow of the rest, not a corporation with more nuisance)
    k = int(rng.poisson(CASES_PER_UNIT_YEAR * n_units * years))
    unit = rng.choice(n_units, k, p=w / w.sum())
    reg = np.sort(rng.integers(first, end + 1, k)) if k else np.zeros(0, dtype=np.int64)
    typ = rng.choice(TYPES, k, p=TYPES_P).astype(object)
    vui_from = valid_from("ZAAKTYPEDETAILSOORT", "VUI") or 0
    typ[(typ == "VUI") & (reg < vui_from)] = "VUIL"
    typ = typ.astype(str)
    soort = np.where(typ == "HAN", "OMG", "SOC")

    # partners
    has = rng.random(k) < 0.6
    n_p = np.where(has, np.minimum(1 + rng.poisson(0.4, k), 3), 0)
    part_rows = []
    for i in np.flatnonzero(has):
        wts = np.array([PARTNER_W[p] * PARTNER_BOOST.get(typ[i], {}).get(p, 1) for p in PARTNERS])
        chosen = rng.choice(len(PARTNERS), int(n_p[i]), replace=False, p=wts / wts.sum())
        d = np.cumsum(np.concatenate([[rng.exponential(12)], rng.exponential(20, len(chosen) - 1)])).astype(np.int64)
        for c_, dd in zip(chosen, d, strict=True):
            part_rows.append((i, PARTNERS[c_], int(dd)))
    parts = pd.DataFrame(part_rows, columns=["case", "partner", "dagen"]).astype({"case": np.int64, "dagen": np.int64})

    dur = rng.lognormal(np.log(MEDIAN_DAYS), SIGMA, k)
    dims = {d: v[unit] for d, v in prop.dims.items()}
    dims["zaaktype_detailsoort"] = typ
    min_after = np.zeros(k)
    for e in scenario.effects_for("overlast", "doorlooptijd"):
        seg = dict(e.segment)
        partner = seg.pop("partner", None)
        m = segment_mask(seg, dims, k)
        if partner is not None:
            early = parts[parts["partner"].isin(list(partner)) & (parts["dagen"] <= 30)]
            pm = np.zeros(k, dtype=bool)
            pm[early["case"].to_numpy()] = True
            m &= pm
            np.maximum.at(min_after, early["case"].to_numpy(), early["dagen"].to_numpy() + 7.0)
        dur[m] *= e.factor
    dur = np.maximum(np.round(np.maximum(dur, min_after)), 3).astype(np.int64)
    einde = reg + dur
    # partners join before the case is closed
    if len(parts):
        parts = parts[parts["dagen"] < dur[parts["case"].to_numpy()] - 1].reset_index(drop=True)

    zid = 600_001 + np.arange(k, dtype=np.int64)
    eid = prop.eenheden["eenheid_id"].to_numpy()[unit]
    complex_of = prop.eenheden["complex_id"].to_numpy()
    # the reporter: another unit, usually in the same complex
    melder = np.where(
        rng.random(k) < 0.8,
        np.clip(unit + rng.choice([-3, -2, -1, 1, 2, 3], k), 0, n_units - 1),
        rng.integers(0, n_units, k),
    )
    melder = np.where(complex_of[melder] == complex_of[unit], melder, unit + np.where(unit > 0, -1, 1))
    melder_id = np.where(
        rng.random(k) < 0.85, prop.eenheden["eenheid_id"].to_numpy()[np.clip(melder, 0, n_units - 1)], NULL_INT
    )
    resultaat = rng.choice(tuple(EIGEN_LIJSTEN["ZAAKRESULTAAT"]), k, p=(0.52, 0.15, 0.12, 0.02, 0.19))
    sens = np.isin(typ, ("PSY", "VER", "DRU"))
    vert = np.where(
        sens,
        rng.choice(["GEH", "VER", "INT"], k, p=(0.3, 0.4, 0.3)),
        rng.choice(["INT", "VER", "GEH"], k, p=(0.82, 0.13, 0.05)),
    )
    oms = []
    vn, an = np.array(VOORNAMEN), np.array(ACHTERNAMEN)
    for i in range(k):
        t = TEMPLATES[int(rng.integers(0, len(TEMPLATES)))]
        n_ = f"{vn[rng.integers(0, len(vn))]} {an[rng.integers(0, len(an))]}"
        m_ = f"{vn[rng.integers(0, len(vn))][0]}. {an[rng.integers(0, len(an))]}"
        oms.append(t.format(n=n_, m=m_, i=ISSUES[typ[i]]))
    r1 = stamp(reg, rng)
    r2 = np.maximum(stamp(einde, rng), r1 + 60)
    base = {
        "zaak_id": zid,
        "zaaktype_soort": soort,
        "zaaktype_detailsoort": typ,
        "eenheid_id": eid,
        "melder_eenheid_id": melder_id,
        "registratiedatum": reg,
        "vertrouwelijkheid": vert,
        "omschrijving": oms,
    }
    z1 = pd.DataFrame({**base, "einddatum": NULL_INT, "resultaat": None, "gewijzigd_op": r1})
    # a third of the cases is updated while open: a line added to the text, sometimes more confidential
    upd = (rng.random(k) < 0.35) & (dur >= 10)
    upd_day = reg + np.round(dur * rng.uniform(0.2, 0.8, k)).astype(np.int64)
    r_mid = np.clip(stamp(upd_day, rng, 9, 17), r1 + 60, r2 - 60)
    oms_upd = np.array(oms, dtype=object)
    for i in np.flatnonzero(upd):
        d = from_days(int(upd_day[i])).strftime("%d-%m-%Y")
        oms_upd[i] = f"{oms[i]}\nUpdate {d}: gesprek gevoerd; situatie wordt gevolgd."
    vert_upd = np.where(upd & (vert == "INT") & (rng.random(k) < 0.2), "VER", vert)
    later = {**base, "omschrijving": np.where(upd, oms_upd, np.array(oms, dtype=object)), "vertrouwelijkheid": vert_upd}
    zm = pd.DataFrame({**later, "einddatum": NULL_INT, "resultaat": None, "gewijzigd_op": r_mid})[
        upd & (r_mid > r1) & (r_mid < r2)
    ]
    z2 = pd.DataFrame({**later, "einddatum": einde, "resultaat": resultaat, "gewijzigd_op": r2})
    z2 = z2[einde <= end]
    zaken = pd.concat([z1, zm, z2], ignore_index=True).sort_values("gewijzigd_op", kind="stable").reset_index(drop=True)

    # status history: AAN -> INB -> (INU) -> AFG
    a = np.minimum(rng.integers(0, 4, k), dur - 2)
    inu = (rng.random(k) < 0.5) & (dur >= 10)
    inu_begin = reg + a + 1 + np.round((dur - a - 1) * rng.uniform(0.3, 0.7, k)).astype(np.int64)
    rows = [
        (zid, "AAN", reg, reg + a, np.ones(k, bool)),
        (zid, "INB", reg + a + 1, np.where(inu, inu_begin - 1, einde - 1), np.ones(k, bool)),
        (zid, "INU", inu_begin, einde - 1, inu),
        (zid, "AFG", einde, einde, np.ones(k, bool)),
    ]
    st = []
    for ids, s, b, e_, m in rows:
        b, e_, ids_ = b[m], e_[m], ids[m]
        t1 = stamp(b, rng, 8, 12)
        t2 = np.maximum(stamp(e_, rng, 13, 18), t1 + 60)
        st.append(
            pd.DataFrame({"zaak_id": ids_, "soort": s, "begindatum": b, "einddatum": NULL_INT, "gewijzigd_op": t1})
        )
        st.append(pd.DataFrame({"zaak_id": ids_, "soort": s, "begindatum": b, "einddatum": e_, "gewijzigd_op": t2}))
    zs = pd.concat(st, ignore_index=True)
    zs = zs[(zs["begindatum"] <= end) & (zs["gewijzigd_op"] < (end + 1) * DAY)]
    zs = zs[~((zs["soort"] == "AFG") & (zs["einddatum"] == NULL_INT))]  # AFG is written closed at once
    zs = zs.sort_values("gewijzigd_op", kind="stable").reset_index(drop=True)

    pc = parts["case"].to_numpy()
    pday = reg[pc] + parts["dagen"].to_numpy()
    zb = pd.DataFrame(
        {
            "zaak_id": zid[pc],
            "partner": parts["partner"].to_numpy(),
            "betrokken_vanaf": pday,
            "gewijzigd_op": stamp(pday, rng),
        }
    )
    zb = zb[zb["betrokken_vanaf"] <= end].sort_values("gewijzigd_op", kind="stable").reset_index(drop=True)

    first_p = parts.sort_values(["case", "dagen"]).drop_duplicates("case")
    cases = pd.DataFrame({"zaak_id": zid, "unit": unit, "type": typ, "reg": reg, "einde": einde, "dur": dur})
    cases["eerste_partner_dagen"] = np.nan
    cases.loc[first_p["case"].to_numpy(), "eerste_partner_dagen"] = first_p["dagen"].to_numpy()
    cases["partners"] = ""
    if len(parts):
        pl = parts.groupby("case")["partner"].agg(lambda s: ",".join(sorted(s)))
        cases.loc[pl.index.to_numpy(), "partners"] = pl.to_numpy()
        early = parts[parts["dagen"] <= 30].groupby("case")["partner"].agg(lambda s: ",".join(sorted(s)))
        cases["partners_30"] = ""
        cases.loc[early.index.to_numpy(), "partners_30"] = early.to_numpy()
    else:
        cases["partners_30"] = ""
    return Overlast(zaken, zs, zb, cases)
