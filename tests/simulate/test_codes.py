"""Every code written exists in the delivered referentiedata, under a fitting parent, valid on the row's date."""

from __future__ import annotations

import datetime as dt

from woonsignaal import contract
from woonsignaal.simulate.referentie import code_valid, vera_bytes

from .conftest import read_delivered, read_dicts

#: the date a row's codes must be valid on
ROW_DATE = {
    "eenheden": "in_exploitatiedatum",
    "eenheidstatussen": "begindatum",
    "huurovereenkomsten": "einddatum",
    "publicaties": "begindatum",
    "aanbiedingen": "datum",
    "zaken": "registratiedatum",
    "zaakstatussen": "begindatum",
    "boekingen": "boekdatum",
    "incassoacties": "datum",
    "betalingsregelingen": "afspraakdatum",
}
PARENT = {
    ("aanbiedingen", "detailstatus"): ("AANBIEDINGSTATUS", "status"),
    ("eenheidstatussen", "detailstatus"): ("EENHEIDSTATUS", "status"),
    ("huurovereenkomsten", "eindedetailreden"): ("EINDEREDEN", "eindereden"),
    ("zaken", "zaaktype_detailsoort"): ("ZAAKTYPESOORT", "zaaktype_soort"),
}


def _date(text: str) -> dt.date | None:
    return dt.datetime.strptime(text, "%d-%m-%Y").date() if text else None


def test_referentiedata_is_the_vera_file_plus_eigen_lijsten(small_sim):
    path = small_sim.deliveries[0] / "referentiedata.csv"
    raw = path.read_bytes()
    vera = vera_bytes()
    assert raw[3:].startswith(vera)  # BOM, then the VERA file byte for byte
    rows = read_dicts(path)
    soorten = {r["Soort"] for r in rows}
    for lijst, codes in contract.EIGEN_LIJSTEN.items():
        have = {r["Code"] for r in rows if r["Soort"] == lijst}
        assert have == set(codes), lijst
    assert set(contract.VERA_CODELISTS) <= soorten


def test_every_code_exists_with_a_fitting_parent_and_is_valid_on_the_row_date(small_sim):
    for folder in small_sim.deliveries[:2]:
        ref = {(r["Soort"], r["Code"]) for r in read_dicts(folder / "referentiedata.csv")}
        for spec in contract.FILES:
            coded = [c for c in spec.columns if c.codelist]
            if not coded:
                continue
            for row in read_dicts(folder / spec.filename):
                on = _date(row.get(ROW_DATE.get(spec.name, ""), "")) if spec.name in ROW_DATE else None
                for c in coded:
                    v = row[c.name]
                    if not v:
                        continue
                    assert (c.codelist, v) in ref, (spec.name, c.name, v)
                    parent = None
                    if (spec.name, c.name) in PARENT:
                        psoort, pcol = PARENT[(spec.name, c.name)]
                        parent = f"{psoort}.{row[pcol]}"
                    assert code_valid(c.codelist, v, on, parent), (spec.name, c.name, v, on, parent)


def test_code_mix_is_realistic(small_sim):
    folder = small_sim.deliveries[0]
    units = read_dicts(folder / "eenheden.csv")
    detail = {u["detailsoort"] for u in units}
    assert {"BOV", "BEN", "GAL", "POF", "TUS"} <= detail
    statuses = read_dicts(folder / "eenheidstatussen.csv")
    assert {("VEH", "PER"), ("LEE", "MUT"), ("LEE", "NIH"), ("LEE", "STR")} <= {
        (s["status"], s["detailstatus"]) for s in statuses
    }
    ho = read_dicts(folder / "huurovereenkomsten.csv")
    assert {"LOP", "OPG", "BEE"} <= {h["status"] for h in ho}
    assert {"OVE", "ONT", "REG"} <= {h["eindedetailreden"] for h in ho}
    offers = read_dicts(folder / "aanbiedingen.csv")
    assert {"GEW", "TOE", "ING"} <= {o["status"] for o in offers}
    zaken = read_dicts(folder / "zaken.csv")
    assert {"GEL", "RUZ", "PSY", "DRU"} <= {z["zaaktype_detailsoort"] for z in zaken}
    assert any(z["einddatum"] == "" for z in zaken)  # cases still open at the extract date
    boek = read_dicts(folder / "boekingen.csv")
    soorten = {b["detailsoort"] for b in boek}
    assert {"PRO", "BAN", "BRT", "STO", "AFB"} <= soorten
    acties = {a["soort"] for a in read_dicts(folder / "incassoacties.csv")}
    assert {"HER", "AAN", "VRS", "SOM", "DEU"} <= acties
    regel = read_dicts(folder / "betalingsregelingen.csv")
    assert {"AFB", "VOL"} <= {r["eindereden"] for r in regel}


def test_ledger_signs_follow_the_contract(small_sim):
    header, rows = read_delivered(small_sim.deliveries[0] / "boekingen.csv")
    i_s, i_b = header.index("detailsoort"), header.index("bedrag")
    for r in rows:
        amount = float(r[i_b].replace(",", "."))
        if r[i_s] in ("PRO", "STO"):
            assert amount > 0, r
        else:
            assert amount < 0, r
