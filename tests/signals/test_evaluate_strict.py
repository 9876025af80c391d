"""The strict evaluation and the range notation, on hand-made signal rows."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from woonsignaal.signals.evaluate import evaluate, evaluate_strict
from woonsignaal.signals.ranges import (
    SegmentNotationError,
    format_range,
    format_segment_values,
    parse_segment_values,
)

EFFECTS = [
    {"proces": "verhuur", "segment": "energielabel>=F", "indicator": "weigeringen_per_toewijzing"},
    {"proces": "verhuur", "segment": "eenheid_detailsoort=BOV;wijk=Centrum", "indicator": "leegstandsduur"},
    {
        "proces": "incasso",
        "segment": "contractduur_klasse=<1;huishoudsamenstelling=EOG",
        "indicator": "instroom_achterstand",
    },
    {"proces": "overlast", "segment": "zaaktype_detailsoort=PSY", "indicator": "doorlooptijd"},
]


def _signals(rows):
    cols = ["proces", "indicator", "segment", "ernst", "verhouding"]
    return pd.DataFrame([dict(zip(cols, r, strict=True)) for r in rows], columns=cols)


def test_the_notation_reads_single_values_open_and_closed_ranges():
    assert parse_segment_values("energielabel>=F") == {"energielabel": {"F", "G"}}
    assert parse_segment_values("bouwjaar_klasse<=1945-1969;wijk=Centrum") == {
        "bouwjaar_klasse": {"<1945", "1945-1969"},
        "wijk": {"Centrum"},
    }
    assert parse_segment_values("bouwjaar_klasse=<1945") == {"bouwjaar_klasse": {"<1945"}}
    assert parse_segment_values("bouwjaar_klasse<=<1945") == {"bouwjaar_klasse": {"<1945"}}
    assert parse_segment_values("energielabel=[D..F]") == {"energielabel": {"D", "E", "F"}}
    assert parse_segment_values("leeftijdsklasse<=23-29") == {"leeftijdsklasse": {"<23", "23-29"}}
    assert parse_segment_values("kamers_aantal>=5")["kamers_aantal"] >= {"5", "6", "7"}
    assert "4" not in parse_segment_values("kamers_aantal>=5")["kamers_aantal"]


@pytest.mark.parametrize(
    "bad", ["wijk>=Centrum", "energielabel>=Q", "energielabel=[F..C]", "lift", "energielabel=F;energielabel=G"]
)
def test_the_notation_refuses_what_it_cannot_read(bad):
    with pytest.raises(SegmentNotationError):
        parse_segment_values(bad)


def test_formatting_writes_the_shortest_form_and_round_trips():
    assert format_range("energielabel", ["G", "F"]) == "energielabel>=F"
    assert format_range("bouwjaar_klasse", ["1945-1969", "<1945"]) == "bouwjaar_klasse<=1945-1969"
    assert format_range("energielabel", ["D", "E"]) == "energielabel=[D..E]"
    assert format_range("energielabel", ["E"]) == "energielabel=E"
    with pytest.raises(SegmentNotationError):
        format_range("energielabel", ["C", "E"])  # not contiguous
    text = format_segment_values({"wijk": "Centrum", "energielabel": ["F", "G"]})
    assert text == "energielabel>=F;wijk=Centrum"
    assert parse_segment_values(text) == {"energielabel": {"F", "G"}, "wijk": {"Centrum"}}


def test_strict_found_range_found_and_false_alarms():
    s = _signals(
        [
            # the planted range itself, written as a closed range
            ("verhuur", "weigeringen_per_toewijzing", "energielabel=[F..G]", "midden", 2.4),
            # one label of the range only: shares a value (no false alarm) but does not find the range
            ("verhuur", "weigeringen_per_toewijzing", "energielabel=F", "hoog", 2.6),
            # the planted pair seen through one of its dimensions only: not found, not a false alarm
            ("verhuur", "leegstandsduur", "eenheid_detailsoort=BOV", "hoog", 1.9),
            # the planted segment, but only laag: does not count
            ("overlast", "doorlooptijd", "zaaktype_detailsoort=PSY", "laag", 2.8),
            # nothing planted there: false alarm
            ("incasso", "instroom_achterstand", "contractduur_klasse=10+", "midden", 1.5),
            # a dimension of another proces's effect: false alarm in this proces
            ("overlast", "doorlooptijd", "wijk=Centrum", "midden", 1.4),
            # laag signals are not counted at all
            ("incasso", "instroom_achterstand", "wijk=Noord", "laag", 1.2),
        ]
    )
    ev = evaluate_strict(s, EFFECTS)
    by = {e.segment: e for e in ev.effects}
    assert by["energielabel>=F"].found and not by["energielabel>=F"].via_range
    assert by["energielabel>=F"].best["segment"] == "energielabel=[F..G]"
    assert not by["eenheid_detailsoort=BOV;wijk=Centrum"].found
    assert not by["contractduur_klasse=<1;huishoudsamenstelling=EOG"].found
    assert not by["zaaktype_detailsoort=PSY"].found
    assert ev.found == 1 and ev.recall == 1 / 4
    assert len(ev.signals) == 5
    assert {(f["proces"], f["segment"]) for f in ev.false_alarms} == {
        ("incasso", "contractduur_klasse=10+"),
        ("overlast", "wijk=Centrum"),
    }
    assert ev.precision == 3 / 5
    d = ev.to_dict()
    assert (d["hoog"], d["midden"], d["false_alarms"], d["found"]) == (2, 3, 2, 1)


def test_a_range_containing_the_planted_segment_finds_it():
    effects = [
        {"proces": "verhuur", "segment": "energielabel=G", "indicator": "weigeringen_per_toewijzing"},
        {
            "proces": "incasso",
            "segment": "contractduur_klasse=<1;huishoudsamenstelling=EOG",
            "indicator": "instroom_achterstand",
        },
    ]
    s = _signals(
        [
            ("verhuur", "leegstandsduur", "energielabel>=F", "midden", 2.0),
            ("incasso", "instroom_achterstand", "contractduur_klasse<=1-2;huishoudsamenstelling=EOG", "hoog", 2.2),
        ]
    )
    ev = evaluate_strict(s, effects)
    assert all(e.found and e.via_range for e in ev.effects)
    assert not ev.effects[0].same_indicator and ev.effects[1].same_indicator
    assert ev.precision == 1.0 and not ev.false_alarms


def test_the_best_strict_signal_is_the_planted_indicator_on_the_narrowest_segment():
    effects = [{"proces": "verhuur", "segment": "energielabel>=F", "indicator": "weigeringen_per_toewijzing"}]
    s = _signals(
        [
            ("verhuur", "weigeringen_per_toewijzing", "energielabel>=D", "hoog", 3.0),
            ("verhuur", "weigeringen_per_toewijzing", "energielabel>=F", "midden", 2.0),
            ("verhuur", "leegstandsduur", "energielabel>=F", "hoog", 2.0),
        ]
    )
    (e,) = evaluate_strict(s, effects).effects
    assert e.found and not e.via_range and e.same_indicator
    assert (e.best["indicator"], e.best["segment"]) == ("weigeringen_per_toewijzing", "energielabel>=F")


def test_nothing_planted_makes_every_hoog_midden_signal_a_false_alarm():
    s = _signals(
        [
            ("incasso", "instroom_achterstand", "betaalwijze=HT", "midden", 0.6),
            ("verhuur", "leegstandsduur", "wijk=Centrum", "laag", 1.2),
        ]
    )
    ev = evaluate_strict(s, [])
    assert math.isnan(ev.recall) and ev.count("midden") == 1 and len(ev.false_alarms) == 1 and ev.precision == 0
    assert math.isnan(evaluate_strict(_signals([]), EFFECTS).precision)


def test_the_lenient_measure_reads_ranges_too():
    s = _signals([("verhuur", "weigeringen_per_toewijzing", "energielabel=F", "hoog", 2.6)])
    ev = evaluate(s, EFFECTS)
    assert {e.segment: e.found for e in ev.effects}["energielabel>=F"]
    assert not ev.false_alarms
