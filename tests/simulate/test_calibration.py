"""Calibration is shown, not claimed: the sector figures, recomputed from the delivered files."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from woonsignaal.simulate.calibration import SECTOR_RANGES, within_ranges

from .conftest import read_dicts


def _d(s):
    return pd.to_datetime(s, format="%d-%m-%Y")


def test_realised_figures_fall_in_the_sector_ranges(small_sim):
    figures = small_sim.calibration
    assert set(figures) == set(SECTOR_RANGES)
    bad = {k: round(v, 2) for k, v in figures.items() if not within_ranges({k: v})[k]}
    assert not bad, bad


def test_figures_recomputed_from_the_delivered_files(small_sim):
    last = small_sim.deliveries[-1]
    start = pd.Timestamp(small_sim.ground_truth["periode"]["start"])
    tot = pd.Timestamp("2026-11-24")
    years = ((tot - start).days + 1) / 365.25
    units = len(read_dicts(last / "eenheden.csv"))
    # mutatiegraad: tenancies that ended within the history
    ho = pd.DataFrame(read_dicts(last / "huurovereenkomsten.csv"))
    end = _d(ho["einddatum"].replace("", None))
    ended = ((end >= start) & (end <= tot)).sum()
    mut = 100 * ended / units / years
    assert 6.0 <= mut <= 9.0
    assert abs(mut - small_sim.calibration["mutatiegraad_pct"]) < 0.5

    # overlast: cases per 1,000 units per year
    first = small_sim.deliveries[0]
    zaken = {z["zaak_id"] for f in small_sim.deliveries for z in read_dicts(f / "zaken.csv")}
    case_start = max(start, pd.Timestamp("2022-09-30"))
    rate = 1000 * len(zaken) / units / (((tot - case_start).days + 1) / 365.25)
    assert 8 <= rate <= 16

    # refusals per let from the offers
    offers = pd.DataFrame(read_dicts(first / "aanbiedingen.csv"))
    lets = (offers["status"] == "TOE").sum()
    refusals = (offers["status"] == "GEW").sum()
    assert 4.0 <= refusals / lets <= 6.0

    # arrears from the ledger: balance per contract at the end of the last 12 months
    b = pd.DataFrame(read_dicts(first / "boekingen.csv"))
    b["dag"] = _d(b["boekdatum"])
    b["bedrag"] = b["bedrag"].str.replace(",", ".").astype(float)
    ho0 = pd.DataFrame(read_dicts(first / "huurovereenkomsten.csv"))
    ho0["b"] = _d(ho0["begindatum"])
    ho0["e"] = _d(ho0["einddatum"].replace("", None))
    shares, stocks = [], []
    for month_end in pd.date_range("2025-11-01", "2026-10-31", freq="ME"):
        active = ho0[(ho0["b"] <= month_end) & (ho0["e"].isna() | (ho0["e"] > month_end))]
        bal = b[b["dag"] <= month_end].groupby("overeenkomst_id")["bedrag"].sum()
        bal = bal.reindex(active["overeenkomst_id"]).fillna(0)
        shares.append((bal > 0.005).mean())
        pro = b[(b["detailsoort"] == "PRO") & (b["dag"].dt.to_period("M") == month_end.to_period("M"))]
        yearly = 12 * pro[pro["overeenkomst_id"].isin(active["overeenkomst_id"])]["bedrag"].sum()
        stocks.append(bal[bal > 0].sum() / yearly)
    share, stock = 100 * np.mean(shares), 100 * np.mean(stocks)
    assert 4.5 <= share <= 6.5, share
    assert 0.6 <= stock <= 1.5, stock


def test_simulate_reports_the_figures_in_the_ground_truth(small_sim):
    assert small_sim.ground_truth["kalibratie"].keys() == small_sim.calibration.keys()
    assert dt.date.fromisoformat(small_sim.ground_truth["periode"]["volledig"]) == dt.date(2026, 11, 21)
