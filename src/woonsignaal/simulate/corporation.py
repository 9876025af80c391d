"""The corporation's property: plaatsen, wijken, buurten, complexen and eenheden."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from woonsignaal.contract import KLASSENINDELINGEN
from woonsignaal.simulate.common import date_days, from_days, klassen

#: Aftoppingsgrenzen and liberalisatiegrens 2025 (euro per month, kale huur) and kwaliteitskortingsgrens.
KWALITEITSKORTINGSGRENS = 477.20
AFTOPPINGSGRENS_LAAG = 682.96
AFTOPPINGSGRENS_HOOG = 731.93
LIBERALISATIEGRENS = 900.07

PLAATSEN = ("Lindendaal", "Beekhuizen", "Ooststroom")
#: wijk names; "Molenwijk" is always present (the standaard scenario plants an effect in it)
WIJKEN = (
    "Centrum",
    "Molenwijk",
    "De Hoven",
    "Noorderpark",
    "Zuiderkwartier",
    "Vogelwijk",
    "Rivierenbuurt",
    "Oosterhout",
    "Schildersbuurt",
    "Kerkakkers",
    "Hooghuis",
    "Waterland",
    "De Brink",
    "Vossenberg",
)
BUURT_SUFFIX = ("Noord", "Zuid", "Oost", "West", "Midden")
STRATEN = (
    "Sluisstraat",
    "Molenweg",
    "Lindelaan",
    "Beukenhof",
    "Rembrandtplein",
    "Vondelstraat",
    "Kastanjelaan",
    "Merelstraat",
    "Havenkade",
    "Dorpsstraat",
    "Esdoornlaan",
    "Spoorstraat",
    "Kerkpad",
    "Populierenweg",
    "Tulpstraat",
    "Zwanenhof",
    "Marktstraat",
    "Rijnstraat",
    "Maasplein",
    "Wilgenhof",
)

#: complex types: (name, share of units, detailsoorten, floors range, bouwjaar periods)
COMPLEX_TYPES = (
    ("eengezins", 0.34, ("TUS", "HOE"), (1, 1), ((1925, 1940), (1950, 1975), (1980, 2022))),
    ("galerij", 0.20, ("GAL",), (4, 10), ((1962, 1982), (1995, 2020))),
    ("portiek", 0.18, ("POF",), (3, 4), ((1930, 1940), (1950, 1972))),
    ("bovenbeneden", 0.18, ("BEN", "BOV"), (2, 3), ((1900, 1939), (1946, 1960))),
    ("maisonette", 0.05, ("MAI",), (2, 4), ((1968, 1992),)),
    ("portiekwoning", 0.05, ("POW",), (2, 3), ((1925, 1960),)),
)


@dataclass
class Property:
    complexen: pd.DataFrame  # contract columns of complexen.csv
    eenheden: pd.DataFrame  # contract columns (typed) + helper columns
    #: per unit, segment dimension values as strings (contract section 6 names)
    dims: dict[str, np.ndarray]


def huurklasse(nettohuur: np.ndarray) -> np.ndarray:
    out = np.full(nettohuur.shape, "BOV", dtype=object)
    out[nettohuur <= LIBERALISATIEGRENS] = "DUU"
    out[nettohuur <= AFTOPPINGSGRENS_LAAG] = "BET"
    out[nettohuur <= KWALITEITSKORTINGSGRENS] = "GOE"
    return out


def _energielabel(rng: np.random.Generator, bouwjaar: np.ndarray) -> np.ndarray:
    labels = np.array(["AP", "A", "B", "C", "D", "E", "F", "G"])
    # newer buildings have better labels; older ones are partly renovated
    base = np.clip((2025 - bouwjaar) / 14.0, 0, 7)
    score = np.clip(np.round(base * 0.7 + rng.normal(0, 1.1, bouwjaar.shape)), 0, 7).astype(int)
    return labels[score]


def build_property(rng: np.random.Generator, n_units: int, history_start: int) -> Property:
    """Complexen and eenheden for ``n_units`` units (all in exploitatie before ``history_start``)."""
    n_wijken = int(np.clip(round(n_units / 1500) + 3, 4, len(WIJKEN)))
    wijken = list(WIJKEN[:n_wijken])
    wijk_w = rng.uniform(0.6, 1.4, n_wijken)
    wijk_w[1] = wijk_w.sum() / n_wijken * 1.3  # Molenwijk: a sizeable wijk
    wijk_w /= wijk_w.sum()
    n_plaatsen = 1 if n_wijken <= 5 else (2 if n_wijken <= 9 else 3)
    wijk_plaats = [
        PLAATSEN[0] if i < max(n_wijken - 2 * (n_plaatsen - 1), 1) else PLAATSEN[1 + (i % (n_plaatsen - 1 or 1))]
        for i in range(n_wijken)
    ]
    if n_plaatsen == 1:
        wijk_plaats = [PLAATSEN[0]] * n_wijken
    n_buurt = rng.integers(2, 5, n_wijken)

    # complexes until the units are used up
    type_share = np.array([t[1] for t in COMPLEX_TYPES])
    type_share /= type_share.sum()
    cx_rows = []
    remaining = n_units
    i = 0
    assigned = np.zeros(len(COMPLEX_TYPES))
    last_year = from_days(history_start).year - 3
    while remaining > 0:
        # draw the type by what is still missing from its target share: the mix is close to the
        # targets even for a small corporation (planted segments must be large enough to find)
        deficit = np.maximum(type_share * n_units - assigned, 0) + 1e-9
        t = rng.choice(len(COMPLEX_TYPES), p=deficit / deficit.sum())
        name, _, detail, floors, periods = COMPLEX_TYPES[t]
        size = int(np.clip(rng.lognormal(np.log(36), 0.6), 8, 220))
        if name == "bovenbeneden":
            size = max(2 * (size // 2), 4)
        size = min(size, remaining)
        w = int(rng.choice(n_wijken, p=wijk_w))
        b = int(rng.integers(0, n_buurt[w]))
        period = periods[int(rng.integers(0, len(periods)))]
        cx_rows.append(
            {
                "complex_id": f"C{i + 1:04d}",
                "type": t,
                "size": size,
                "wijk_idx": w,
                "buurt_idx": b,
                # built (and in exploitatie) well before the history starts
                "bouwjaar": int(min(rng.integers(period[0], period[1] + 1), last_year)),
                "floors": int(rng.integers(floors[0], floors[1] + 1)),
                "straat": STRATEN[int(rng.integers(0, len(STRATEN)))],
            }
        )
        remaining -= size
        assigned[t] += size
        i += 1
    cx = pd.DataFrame(cx_rows)
    gemeente = "9901"
    cx["wijk"] = [wijken[w] for w in cx["wijk_idx"]]
    cx["plaats"] = [wijk_plaats[w] for w in cx["wijk_idx"]]
    cx["buurt"] = [f"{wijken[w]}-{BUURT_SUFFIX[b]}" for w, b in zip(cx["wijk_idx"], cx["buurt_idx"], strict=True)]
    cx["buurtcode"] = [
        f"BU{gemeente}{w + 1:02d}{b + 1:02d}" for w, b in zip(cx["wijk_idx"], cx["buurt_idx"], strict=True)
    ]
    cx["naam"] = [f"{r.wijk} - {r.straat} e.o. ({r.bouwjaar})" for r in cx.itertuples()]

    # units
    cidx = np.repeat(np.arange(len(cx)), cx["size"].to_numpy())
    n = len(cidx)
    pos = np.concatenate([np.arange(s) for s in cx["size"].to_numpy()])
    ctype = cx["type"].to_numpy()[cidx]
    floors = cx["floors"].to_numpy()[cidx]
    bouwjaar = cx["bouwjaar"].to_numpy()[cidx]
    detail = np.empty(n, dtype=object)
    etage = np.zeros(n, dtype=np.int64)
    lift = np.zeros(n, dtype=np.int8)
    kamers = np.zeros(n, dtype=np.int64)
    for t, (name, _, dets, _, _) in enumerate(COMPLEX_TYPES):
        m = ctype == t
        k = int(m.sum())
        if k == 0:
            continue
        if name == "eengezins":
            detail[m] = np.where(rng.random(k) < 0.25, "HOE", "TUS")
            kamers[m] = rng.choice([3, 4, 4, 5, 5, 6], k)
        elif name == "bovenbeneden":
            upper = (pos[m] % 2) == 1
            detail[m] = np.where(upper, "BOV", "BEN")
            etage[m] = np.where(upper, 1 + (rng.random(k) < 0.25), 0)
            kamers[m] = rng.choice([2, 3, 3, 4], k)
        else:
            detail[m] = dets[0]
            etage[m] = rng.integers(0, floors[m])
            kamers[m] = rng.choice([1, 2, 2, 3, 3, 3, 4], k)
        if name == "galerij":
            lift[m] = (floors[m] >= 5).astype(np.int8)
        elif name == "maisonette":
            lift[m] = (rng.random(k) < 0.3).astype(np.int8)
    oppervlakte = np.round(kamers * rng.uniform(15.5, 21.0, n) + rng.uniform(8, 22, n), 1)
    label = _energielabel(rng, bouwjaar)
    label_adj = (
        pd.Series(label).map({"AP": 70, "A": 50, "B": 30, "C": 12, "D": 0, "E": -15, "F": -25, "G": -35}).to_numpy()
    )
    nettohuur = np.clip(235 + 5.4 * oppervlakte + label_adj + rng.normal(0, 55, n), 330, 1150)
    netto_c = np.round(nettohuur * 100).astype(np.int64)
    service_c = np.round(rng.uniform(12, 68, n) * 100).astype(np.int64)
    bruto_c = netto_c + service_c
    hk = huurklasse(netto_c / 100.0)

    # postcodes: one 4-digit + 2 letters per complex street, house numbers per unit
    letters = np.array(list("ABCDEFGHJKLMNPRSTVWXZ"))
    pc_num = 1000 + (np.arange(len(cx)) * 37 + 4100) % 8900
    pc = [f"{p} {letters[i % len(letters)]}{letters[(i * 7 + 3) % len(letters)]}" for i, p in enumerate(pc_num)]
    postcode = np.array(pc, dtype=object)[cidx]
    huisnummer = np.empty(n, dtype=object)
    for t, (name, *_rest) in enumerate(COMPLEX_TYPES):
        m = ctype == t
        if name == "bovenbeneden":
            huisnummer[m] = [f"{1 + p // 2}{'-1' if p % 2 else ''}" for p in pos[m]]
        elif name in ("galerij", "portiek", "maisonette"):
            huisnummer[m] = [str(1 + p) for p in pos[m]]
        else:
            huisnummer[m] = [str(2 + 2 * p) for p in pos[m]]

    bouw_start = np.array([date_days(max(int(y), 1900), 1, 1) for y in bouwjaar], dtype=np.int64)
    in_expl = np.minimum(bouw_start + rng.integers(150, 400, n), history_start - 400)

    eenheden = pd.DataFrame(
        {
            "eenheid_id": (100001 + np.arange(n)).astype(np.int64),
            "complex_id": cx["complex_id"].to_numpy()[cidx],
            "soort": "WOO",
            "detailsoort": detail.astype(str),
            "bouwjaar": bouwjaar.astype(np.int64),
            "kamers_aantal": kamers,
            "oppervlakte_m2": np.round(oppervlakte * 100).astype(np.int64),
            "etage": etage,
            "lift": lift,
            "energielabel": label.astype(str),
            "huurklasse": hk.astype(str),
            "nettohuur": netto_c,
            "brutohuur": bruto_c,
            "postcode": postcode.astype(str),
            "huisnummer": huisnummer.astype(str),
            "in_exploitatiedatum": in_expl.astype(np.int64),
        }
    )
    from woonsignaal.simulate.writer import NULL_INT

    eenheden["uit_exploitatiedatum"] = np.full(n, NULL_INT, dtype=np.int64)
    complexen = cx[["complex_id", "naam", "buurtcode", "buurt", "wijk", "plaats"]].copy()
    dims = {
        "wijk": cx["wijk"].to_numpy()[cidx].astype(str),
        "complex_id": eenheden["complex_id"].to_numpy().astype(str),
        "eenheid_detailsoort": detail.astype(str),
        "huurklasse": hk.astype(str),
        "kamers_aantal": kamers.astype(str),
        "lift": np.where(lift == 1, "J", "N"),
        "energielabel": label.astype(str),
        "etage_klasse": klassen(etage, KLASSENINDELINGEN["etage_klasse"]).astype(str),
        "bouwjaar_klasse": klassen(bouwjaar, KLASSENINDELINGEN["bouwjaar_klasse"]).astype(str),
    }
    return Property(complexen=complexen, eenheden=eenheden, dims=dims)
