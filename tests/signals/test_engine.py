"""The engine on synthetic fact marts with known planted effects (no dbt)."""

import gc
import weakref
from datetime import date

import pandas as pd
import pytest

from woonsignaal.contract import SEGMENT_DIMENSIONS, SIGNALEN_COLUMNS
from woonsignaal.signals.engine import OUTPUT_COLUMNS, compute_signals, periode_eind_for, window
from woonsignaal.signals.evaluate import evaluate
from woonsignaal.signals.segments import parse_segment

from .synthetic import EFFECTS, make_facts

EIND = date(2026, 10, 31)


@pytest.fixture(scope="module")
def standaard():
    facts = make_facts(3000, planted=True, seed=2)
    return facts, compute_signals(facts, EIND, 10)


@pytest.fixture(scope="module")
def nul():
    return compute_signals(make_facts(3000, planted=False, seed=5), EIND, 10)


def test_periode_eind_is_last_complete_month():
    assert periode_eind_for(date(2026, 11, 24)) == date(2026, 10, 31)
    assert periode_eind_for(date(2026, 10, 31)) == date(2026, 10, 31)
    assert periode_eind_for(date(2026, 3, 1)) == date(2026, 2, 28)
    assert window(date(2026, 10, 31)) == (date(2025, 11, 1), date(2026, 10, 31))


def test_output_has_the_contract_columns_first(standaard):
    _, s = standaard
    assert list(s.columns) == list(OUTPUT_COLUMNS)
    assert list(s.columns[: len(SIGNALEN_COLUMNS)]) == list(SIGNALEN_COLUMNS)
    assert s["signaal_id"].is_unique
    assert set(s["proces"]) <= {"verhuur", "overlast", "incasso"}
    assert set(s["ernst"]) <= {"hoog", "midden", "laag"}
    assert set(s["richting"]) <= {"slechter", "beter"}
    assert (s["verhouding"] - s["waarde"] / s["referentie"]).abs().max() < 1e-9
    assert ((s["ondergrens"] <= s["waarde"]) & (s["waarde"] <= s["bovengrens"])).all()
    assert (s["q_waarde"] < 0.05).all()
    for seg in s["segment"]:
        dims = list(parse_segment(seg))
        assert dims == sorted(dims) and all(d in SEGMENT_DIMENSIONS for d in dims)


def test_every_planted_effect_is_found_with_high_precision(standaard):
    _, s = standaard
    ev = evaluate(s, EFFECTS)
    assert ev.missed == [], [(e.segment, e.indicator) for e in ev.missed]
    assert ev.precision >= 0.9
    best = {(e.segment, e.indicator): e.best for e in ev.effects}
    bov = best[("eenheid_detailsoort=BOV;lift=N", "leegstandsduur")]
    assert bov["segment"] == "eenheid_detailsoort=BOV;lift=N" and bov["richting"] == "slechter"
    assert bov["verhouding"] == pytest.approx(2.5, rel=0.3)
    molen = best[("wijk=Molenwijk", "reacties_per_publicatie")]
    assert molen["richting"] == "slechter" and molen["verhouding"] < 0.5  # fewer reacties is worse


def test_nul_world_raises_no_serious_alarm(nul):
    assert (nul["ernst"] == "hoog").sum() == 0
    assert (nul["ernst"] == "midden").sum() <= 2


def test_minimum_group_size_is_enforced(standaard):
    facts, s = standaard
    assert (s["n"] >= 10).all()
    big = compute_signals(facts, EIND, 150)
    assert (big["n"] >= 150).all()
    assert len(big) < len(s)


def test_toelichting_names_the_dominant_refusal_reason(standaard):
    _, s = standaard
    row = s[(s["indicator"] == "weigeringen_per_toewijzing") & (s["segment"] == "eenheid_detailsoort=BOV;lift=N")]
    assert len(row) == 1
    assert "meest genoemde weigerreden" in row["toelichting"].iloc[0]


def test_same_input_same_signals(standaard):
    facts, s = standaard
    again = compute_signals(facts, EIND, 10)
    pd.testing.assert_frame_equal(s, again)


def test_a_run_keeps_nothing_of_its_facts():
    """The engine runs nightly in a long-lived process: after a run, no module of the package may hold
    the fact frames (fct_contract_maand has millions of rows), and the next run starts afresh."""
    facts = make_facts(1500, planted=True, seed=3)
    alive = {mart: weakref.ref(frame) for mart, frame in facts.items()}
    first = compute_signals(facts, EIND, 10)
    assert len(first)
    del facts
    gc.collect()
    assert [mart for mart, ref in alive.items() if ref() is not None] == []
    pd.testing.assert_frame_equal(compute_signals(make_facts(1500, planted=True, seed=3), EIND, 10), first)


def test_a_worsening_segment_is_seen_against_its_own_past():
    facts = make_facts(3000, planted=False, seed=9)
    cm = facts["fct_contract_maand"]
    # Noord: in the last 12 months every at-risk contract-month has a 3x higher chance to enter arrears
    recent = (cm["maand"] >= pd.Timestamp("2025-11-01")) & (cm["wijk"] == "Noord") & ~cm["in_achterstand"]
    import numpy as np

    rng = np.random.default_rng(1)
    flip = recent & (rng.random(len(cm)) < 0.024)
    cm.loc[flip, ["in_achterstand", "nieuw_in_achterstand"]] = True
    s = compute_signals(facts, EIND, 10)
    trend = s[(s["indicator"] == "instroom_achterstand_trend") & (s["segment"] == "wijk=Noord")]
    assert len(trend) == 1 and trend["richting"].iloc[0] == "slechter"
    assert "een jaar eerder" in trend["toelichting"].iloc[0]


def test_empty_facts_give_an_empty_frame_with_the_columns():
    s = compute_signals({}, EIND, 10)
    assert s.empty and list(s.columns) == list(OUTPUT_COLUMNS)


def test_more_overlast_cases_in_a_wijk_is_a_signal():
    import numpy as np

    facts = make_facts(3000, planted=False, seed=4)
    zaak = facts["fct_zaak"]
    rng = np.random.default_rng(2)
    # over the whole history: cases are few, so the portfolio comparison uses the longest window
    noord = zaak[zaak["wijk"] == "Noord"]
    extra = noord.sample(frac=2.0, replace=True, random_state=3).copy()
    extra["zaak_id"] = [f"X{i}" for i in range(len(extra))]
    # new cases at other units of Noord (not the same addresses again)
    units = zaak.loc[zaak["wijk"] == "Noord", "eenheid_id"].unique()
    extra["eenheid_id"] = rng.choice(units, len(extra))
    facts["fct_zaak"] = pd.concat([zaak, extra], ignore_index=True)
    s = compute_signals(facts, EIND, 10)
    row = s[(s["indicator"] == "meldingen_per_eenheid") & (s["segment"] == "wijk=Noord")]
    assert len(row) == 1
    assert row["richting"].iloc[0] == "slechter" and row["verhouding"].iloc[0] > 2
    assert "nieuwe overlastzaken per 100 woningen per jaar" in row["toelichting"].iloc[0]
