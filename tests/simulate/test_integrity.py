"""Relationships between files hold, as a real ERP's would."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from itertools import pairwise

from .conftest import read_dicts


def _d(text):
    return dt.datetime.strptime(text, "%d-%m-%Y").date() if text else None


def test_references_resolve(small_sim):
    f = small_sim.deliveries[0]
    units = {u["eenheid_id"] for u in read_dicts(f / "eenheden.csv")}
    complexes = {c["complex_id"] for c in read_dicts(f / "complexen.csv")}
    assert {u["complex_id"] for u in read_dicts(f / "eenheden.csv")} <= complexes
    ho = read_dicts(f / "huurovereenkomsten.csv")
    rel = {r["relatie_id"] for r in read_dicts(f / "relaties.csv")}
    assert {h["relatie_id"] for h in ho} == rel  # every relatie appears in huurovereenkomsten
    assert {h["eenheid_id"] for h in ho} <= units
    contracts = {h["overeenkomst_id"] for h in ho}
    for name in ("boekingen", "incassoacties", "betalingsregelingen"):
        assert {r["overeenkomst_id"] for r in read_dicts(f / f"{name}.csv")} <= contracts, name
    pubs = {p["publicatie_id"] for p in read_dicts(f / "publicaties.csv")}
    assert {a["publicatie_id"] for a in read_dicts(f / "aanbiedingen.csv")} <= pubs
    zaken = {z["zaak_id"] for z in read_dicts(f / "zaken.csv")}
    assert {s["zaak_id"] for s in read_dicts(f / "zaakstatussen.csv")} <= zaken
    assert {s["zaak_id"] for s in read_dicts(f / "zaakbetrokkenen.csv")} <= zaken


def test_status_periods_do_not_overlap_and_one_is_current(small_sim):
    periods = defaultdict(list)
    for s in read_dicts(small_sim.deliveries[-1] / "eenheidstatussen.csv"):
        periods[s["eenheid_id"]].append((_d(s["begindatum"]), _d(s["einddatum"])))
    for unit, ps in periods.items():
        ps.sort()
        for (_b1, e1), (b2, _e2) in pairwise(ps):
            assert e1 is not None and e1 < b2, unit
        # the last period is current, or ended on the extract date itself (the next starts tomorrow)
        assert ps[-1][1] is None or ps[-1][1] == dt.date(2026, 11, 24), (unit, ps[-1])
    assert sum(ps[-1][1] is None for ps in periods.values()) > 0.99 * len(periods)


def test_one_running_contract_per_let_unit(small_sim):
    f = small_sim.deliveries[-1]
    current = {}
    for s in read_dicts(f / "eenheidstatussen.csv"):
        if not s["einddatum"]:
            current[s["eenheid_id"]] = s["status"]
    running = defaultdict(int)
    for h in read_dicts(f / "huurovereenkomsten.csv"):
        if h["status"] in ("LOP", "OPG") and (not h["einddatum"] or _d(h["einddatum"]) > dt.date(2026, 11, 24)):
            running[h["eenheid_id"]] += 1
    assert max(running.values()) == 1
    for unit, status in current.items():
        assert (status == "VEH") == (running.get(unit, 0) == 1), unit


def test_offers_go_down_the_list_until_one_accepts(small_sim):
    offers = defaultdict(list)
    for a in read_dicts(small_sim.deliveries[0] / "aanbiedingen.csv"):
        offers[a["publicatie_id"]].append(a)
    closed = 0
    for rows in offers.values():
        rows.sort(key=lambda a: int(a["kandidaat_positie"]))
        accepted = [a for a in rows if a["status"] == "TOE"]
        assert len(accepted) <= 1
        if accepted:
            closed += 1
            assert rows[-1]["status"] == "TOE"  # nobody further down the list gets an offer
            dates = [_d(a["datum"]) for a in rows]
            assert dates == sorted(dates)
    assert closed > 300


def test_units_are_built_before_they_are_let(small_sim):
    f = small_sim.deliveries[0]
    units = {u["eenheid_id"]: u for u in read_dicts(f / "eenheden.csv")}
    for u in units.values():
        assert int(u["bouwjaar"]) <= _d(u["in_exploitatiedatum"]).year
    for h in read_dicts(f / "huurovereenkomsten.csv"):
        assert _d(h["begindatum"]) >= _d(units[h["eenheid_id"]]["in_exploitatiedatum"])


def test_contract_dates_are_in_order(small_sim):
    for h in read_dicts(small_sim.deliveries[-1] / "huurovereenkomsten.csv"):
        b = _d(h["begindatum"])
        if h["opzegdatum"]:
            assert b <= _d(h["opzegdatum"]) <= _d(h["einddatum"]), h["overeenkomst_id"]
        if h["einddatum"]:
            assert b <= _d(h["einddatum"]), h["overeenkomst_id"]
            assert h["eindereden"] and h["eindedetailreden"]
        else:
            assert h["status"] == "LOP" and not h["eindereden"]


def test_case_dates_are_in_order(small_sim):
    f = small_sim.deliveries[0]
    zaken = {}
    for folder in small_sim.deliveries:  # latest version of every case
        zaken.update({z["zaak_id"]: z for z in read_dicts(folder / "zaken.csv")})
    for z in zaken.values():
        if z["einddatum"]:
            assert _d(z["registratiedatum"]) <= _d(z["einddatum"]) and z["resultaat"]
    for p in read_dicts(f / "zaakbetrokkenen.csv"):
        z = zaken[p["zaak_id"]]
        assert _d(p["betrokken_vanaf"]) >= _d(z["registratiedatum"])
        assert not z["einddatum"] or _d(p["betrokken_vanaf"]) <= _d(z["einddatum"])
    for s in read_dicts(small_sim.deliveries[0] / "zaakstatussen.csv"):
        assert not s["einddatum"] or _d(s["begindatum"]) <= _d(s["einddatum"])
