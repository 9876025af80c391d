"""Planted effects are visible in the delivered files themselves, and absent in scenario nul."""

from __future__ import annotations

import pandas as pd

from .conftest import read_dicts


def _vacancy_ratio(folder) -> float:
    """Mean length of closed vacancies (consecutive LEE periods merged) of BOV units without lift
    versus all other units, from eenheidstatussen and eenheden."""
    units = pd.DataFrame(read_dicts(folder / "eenheden.csv")).set_index("eenheid_id")
    st = pd.DataFrame(read_dicts(folder / "eenheidstatussen.csv"))
    st["b"] = pd.to_datetime(st["begindatum"], format="%d-%m-%Y")
    st["e"] = pd.to_datetime(st["einddatum"].replace("", None), format="%d-%m-%Y")
    st = st.sort_values(["eenheid_id", "b"])
    lee = st["status"] == "LEE"
    # a new vacancy starts where a LEE period follows a non-LEE period of the same unit
    new = lee & ~(lee.shift(fill_value=False) & (st["eenheid_id"] == st["eenheid_id"].shift()))
    st["vac"] = new.cumsum()
    v = st[lee].groupby("vac").agg(unit=("eenheid_id", "first"), b=("b", "min"), e=("e", "max"), open_=("e", lambda s: s.isna().any()))
    v = v[~v["open_"]]
    v["days"] = (v["e"] - v["b"]).dt.days + 1
    seg = (units.loc[v["unit"], "detailsoort"].to_numpy() == "BOV") & (units.loc[v["unit"], "lift"].to_numpy() == "N")
    assert seg.sum() >= 10
    return v["days"][seg].mean() / v["days"][~seg].mean()


def _reacties_ratio(folder) -> float:
    units = pd.DataFrame(read_dicts(folder / "eenheden.csv"))
    cx = pd.DataFrame(read_dicts(folder / "complexen.csv")).set_index("complex_id")
    wijk = dict(zip(units["eenheid_id"], cx.loc[units["complex_id"], "wijk"]))
    pub = pd.DataFrame(read_dicts(folder / "publicaties.csv"))
    pub = pub[pub["reacties_aantal"] != ""]
    r = pub["reacties_aantal"].astype(int)
    seg = pub["eenheid_id"].map(wijk) == "Molenwijk"
    assert seg.sum() >= 10
    return r[seg].mean() / r[~seg].mean()


def test_planted_verhuur_effects_show_in_the_delivered_files(small_sim):
    folder = small_sim.deliveries[-1]
    assert _vacancy_ratio(folder) > 1.8
    assert _reacties_ratio(small_sim.deliveries[0]) < 0.45


def test_scenario_nul_has_no_such_differences(nul_sim):
    assert 0.6 < _vacancy_ratio(nul_sim.deliveries[-1]) < 1.5
    assert 0.75 < _reacties_ratio(nul_sim.deliveries[0]) < 1.3
