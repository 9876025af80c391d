import pytest

from woonsignaal.contract import SEGMENT_DIMENSIONS
from woonsignaal.signals import ernst as ernst_mod
from woonsignaal.signals.segments import (
    TENANT_DIMENSIONS,
    UNIT_DIMENSIONS,
    dimension_sets,
    format_segment,
    parse_segment,
    signaal_id,
)
from woonsignaal.signals.toelichting import nl_number, toelichting


def test_segment_format_sorts_by_dimension_and_round_trips():
    s = format_segment({"lift": "N", "eenheid_detailsoort": "BOV"})
    assert s == "eenheid_detailsoort=BOV;lift=N"
    assert parse_segment(s) == {"eenheid_detailsoort": "BOV", "lift": "N"}
    assert format_segment({"kamers_aantal": 3.0}) == "kamers_aantal=3"


def test_segment_rejects_unknown_dimensions_and_separators():
    with pytest.raises(ValueError):
        format_segment({"naam": "Jansen"})
    with pytest.raises(ValueError):
        format_segment({"wijk": "a;b"})


def test_dimension_sets_use_contract_dimensions_and_skip_complex_pairs():
    sets = dimension_sets(UNIT_DIMENSIONS)
    assert all(d in SEGMENT_DIMENSIONS for s in sets for d in s)
    assert ("complex_id",) in sets
    assert not any(len(s) == 2 and "complex_id" in s for s in sets)
    assert len(dimension_sets(TENANT_DIMENSIONS)) == 8 + 28


def test_signaal_id_is_stable_and_distinguishes():
    a = signaal_id("verhuur", "leegstandsduur", "lift=N", "2025-11-01", "2026-10-31")
    assert a == signaal_id("verhuur", "leegstandsduur", "lift=N", "2025-11-01", "2026-10-31")
    assert a != signaal_id("verhuur", "leegstandsduur", "lift=J", "2025-11-01", "2026-10-31")
    assert a != signaal_id("verhuur", "leegstandsduur", "lift=N", "2025-12-01", "2026-11-30")


@pytest.mark.parametrize(
    ("q", "r", "n", "expected"),
    [
        (0.001, 2.0, 30, "hoog"),
        (0.001, 0.5, 30, "hoog"),
        (0.001, 2.0, 29, "midden"),  # too small for hoog
        (0.02, 2.0, 300, "midden"),  # not certain enough for hoog
        (0.001, 1.3, 300, "midden"),
        (0.001, 1.2, 300, "laag"),
        (0.04, 1.15, 300, "laag"),
    ],
)
def test_ernst_rule(q, r, n, expected):
    assert ernst_mod.ernst(q, r, n, 10) == expected


def test_dutch_numbers():
    assert nl_number(2.44, 1) == "2,4"
    assert nl_number(1234, 0) == "1.234"
    assert nl_number(1234567.891, 2) == "1.234.567,89"


def test_toelichting_is_one_dutch_sentence_with_the_numbers():
    t = toelichting("leegstandsduur", "eenheid_detailsoort=BOV;lift=N", 61.2, 25.1, 2.44, 120)
    assert t.startswith("Eenheden (detailsoort BOV, zonder lift) staan gemiddeld 61 dagen leeg")
    assert "2,4 keer zo lang als de rest (25 dagen)" in t
    assert "n = 120" in t
    assert t.endswith(".") and t.count(". ") == 0
    beter = toelichting("reacties_per_publicatie", "wijk=Molenwijk", 12.0, 40.0, 0.3, 50)
    assert "70% minder dan de rest (40)" in beter
