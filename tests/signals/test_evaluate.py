import json

import pandas as pd

from woonsignaal.signals.evaluate import evaluate, load_ground_truth

EFFECTS = [
    {"proces": "verhuur", "segment": "eenheid_detailsoort=BOV;lift=N", "indicator": "leegstandsduur"},
    {"proces": "incasso", "segment": "betaalwijze=OV;leeftijdsklasse=23-29", "indicator": "instroom_achterstand"},
    {"proces": "overlast", "segment": "partner=WIJ", "indicator": "doorlooptijd"},
]


def _signals(rows):
    cols = ["proces", "indicator", "segment", "ernst", "verhouding"]
    return pd.DataFrame([dict(zip(cols, r, strict=True)) for r in rows])


def test_found_missed_false_alarms_and_best_signal():
    s = _signals(
        [
            ("verhuur", "huurderving_per_leegstand", "eenheid_detailsoort=BOV", "hoog", 2.0),
            ("verhuur", "leegstandsduur", "eenheid_detailsoort=BOV;lift=N", "midden", 2.4),
            ("incasso", "instroom_achterstand", "betaalwijze=OV", "laag", 1.3),  # laag does not count as found
            ("incasso", "escalatie_deurwaarder", "wijk=Noord", "midden", 1.4),  # false alarm
            ("overlast", "doorlooptijd", "lift=N", "midden", 1.5),  # lift=N is verhuur's pair: other proces
        ]
    )
    ev = evaluate(s, EFFECTS)
    found = {e.segment: e for e in ev.effects}
    assert found["eenheid_detailsoort=BOV;lift=N"].found
    # same indicator and most shared pairs wins
    assert found["eenheid_detailsoort=BOV;lift=N"].best["indicator"] == "leegstandsduur"
    assert not found["betaalwijze=OV;leeftijdsklasse=23-29"].found
    assert not found["partner=WIJ"].found
    assert ev.recall == 1 / 3
    assert {(f["segment"], f["indicator"]) for f in ev.false_alarms} == {
        ("wijk=Noord", "escalatie_deurwaarder"),
        ("lift=N", "doorlooptijd"),
    }
    assert ev.precision == 3 / 5


def test_ground_truth_accepts_the_simulator_format(tmp_path):
    p = tmp_path / "gt.json"
    p.write_text(
        json.dumps({"effects": [{"proces": "verhuur", "segment": "lift=N;eenheid_detailsoort=BOV", "indicator": "x"}]})
    )
    assert load_ground_truth(p)[0]["segment"] == "lift=N;eenheid_detailsoort=BOV"
    p.write_text(
        json.dumps({"effecten": [{"proces": "verhuur", "segment": {"lift": "N", "eenheid_detailsoort": "BOV"}}]})
    )
    assert load_ground_truth(p)[0]["segment"] == "eenheid_detailsoort=BOV;lift=N"


def test_no_signals_means_nothing_found_and_undefined_precision():
    ev = evaluate(_signals([]), EFFECTS)
    assert ev.recall == 0 and ev.signals == 0 and ev.precision != ev.precision  # NaN
