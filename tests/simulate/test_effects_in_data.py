"""Planted effects are visible in the delivered files themselves, and absent in scenario nul."""

from __future__ import annotations

import pandas as pd

from .conftest import read_dicts


def _unit_frame(folder) -> pd.DataFrame:
    """eenheden with the wijk of their complex, indexed by eenheid_id."""
    units = pd.DataFrame(read_dicts(folder / "eenheden.csv"))
    cx = pd.DataFrame(read_dicts(folder / "complexen.csv")).set_index("complex_id")
    units["wijk"] = cx.loc[units["complex_id"], "wijk"].to_numpy()
    return units.set_index("eenheid_id")


def _in_segment(units: pd.DataFrame, segment: dict[str, str]) -> pd.Series:
    column = {"eenheid_detailsoort": "detailsoort"}
    mask = pd.Series(True, index=units.index)
    for dim, value in segment.items():
        mask &= units[column.get(dim, dim)] == value
    return mask


def _vacancy_ratio(folder, segment: dict[str, str]) -> float:
    """Mean length of closed vacancies (consecutive LEE periods merged) of the units in ``segment``
    versus all other units, from eenheidstatussen, eenheden and complexen."""
    units = _unit_frame(folder)
    in_seg = _in_segment(units, segment)
    st = pd.DataFrame(read_dicts(folder / "eenheidstatussen.csv"))
    st["b"] = pd.to_datetime(st["begindatum"], format="%d-%m-%Y")
    st["e"] = pd.to_datetime(st["einddatum"].replace("", None), format="%d-%m-%Y")
    st = st.sort_values(["eenheid_id", "b"])
    lee = st["status"] == "LEE"
    # a new vacancy starts where a LEE period follows a non-LEE period of the same unit
    new = lee & ~(lee.shift(fill_value=False) & (st["eenheid_id"] == st["eenheid_id"].shift()))
    st["vac"] = new.cumsum()
    v = (
        st[lee]
        .groupby("vac")
        .agg(unit=("eenheid_id", "first"), b=("b", "min"), e=("e", "max"), open_=("e", lambda s: s.isna().any()))
    )
    v = v[~v["open_"]]
    v["days"] = (v["e"] - v["b"]).dt.days + 1
    seg = in_seg.loc[v["unit"]].to_numpy()
    assert seg.sum() >= 10
    return v["days"][seg].mean() / v["days"][~seg].mean()


def _reacties_ratio(folder, segment: dict[str, str]) -> float:
    units = _unit_frame(folder)
    in_seg = _in_segment(units, segment)
    pub = pd.DataFrame(read_dicts(folder / "publicaties.csv"))
    pub = pub[pub["reacties_aantal"] != ""]
    r = pub["reacties_aantal"].astype(int)
    seg = in_seg.loc[pub["eenheid_id"]].to_numpy()
    assert seg.sum() >= 10
    return r[seg].mean() / r[~seg].mean()


def _planted(sim, indicator: str) -> dict[str, str]:
    """The segment the simulation chose for ``indicator`` (one value per dimension), from its ground truth."""
    (effect,) = [e for e in sim.ground_truth["effects"] if e["indicator"] == indicator]
    return {d: v for d, (v,) in effect["segment_waarden"].items()}


def test_planted_verhuur_effects_show_in_the_delivered_files(small_sim):
    folder = small_sim.deliveries[-1]
    assert _vacancy_ratio(folder, _planted(small_sim, "leegstandsduur")) > 1.8
    assert _reacties_ratio(small_sim.deliveries[0], _planted(small_sim, "reacties_per_publicatie")) < 0.55


def test_scenario_nul_has_no_such_differences(nul_sim):
    # the same kinds of segment as standaard plants in (a wijk x type, a complex), the largest of each in
    # the nul corporation (enough lets to compare), show no difference there
    nul_units = _unit_frame(nul_sim.deliveries[-1])
    wijk, soort = nul_units.groupby(["wijk", "detailsoort"]).size().idxmax()
    assert 0.6 < _vacancy_ratio(nul_sim.deliveries[-1], {"wijk": wijk, "eenheid_detailsoort": soort}) < 1.5
    biggest_complex = nul_units["complex_id"].value_counts().index[0]
    assert 0.75 < _reacties_ratio(nul_sim.deliveries[0], {"complex_id": biggest_complex}) < 1.3
