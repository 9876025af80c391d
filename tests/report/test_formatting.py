from datetime import date

import pytest

from woonsignaal.report import formatting as f


def test_numbers_use_dutch_separators():
    assert f.getal(1234.5, 1) == "1.234,5"
    assert f.getal(1234567) == "1.234.567"
    assert f.getal(-1234.56, 2) == "-1.234,56"
    assert f.getal(0.04, 1) == "0,0"
    assert f.getal(-0.04, 1) == "0,0"  # no negative zero
    assert f.getal(None) == f.ONBEKEND
    assert f.getal(float("nan")) == f.ONBEKEND


def test_percentages_euros_and_changes():
    assert f.procent(12.345) == "12,3%"
    assert f.procent(0.12345, is_fractie=True) == "12,3%"
    assert f.euro(45031.2) == "€ 45.031"
    assert f.euro(-1234.5, 2) == "-€ 1.234,50"
    assert f.verschil(3.26, 1, "dagen") == "+3,3 dagen"
    assert f.verschil(-2, 0) == "-2"
    assert f.verschil(0.0, 1) == "0,0"
    assert f.verschil(None) == f.ONBEKEND


def test_months_and_dates():
    assert f.maand_kort("2026-10") == "okt 2026"
    assert f.maand_kort(date(2026, 3, 17)) == "mrt 2026"
    assert f.maand_lang("2026-05") == "mei 2026"
    assert f.datum(date(2026, 10, 4)) == "4 okt 2026"
    assert f.add_months(date(2026, 10, 1), -12) == date(2025, 10, 1)
    assert f.add_months(date(2026, 12, 1), 1) == date(2027, 1, 1)
    assert f.month_end(date(2026, 2, 1)) == date(2026, 2, 28)


@pytest.mark.parametrize("bad", ["2026-13", "26-10", "2026/10", "", "oktober"])
def test_month_argument_is_strict(bad):
    with pytest.raises(ValueError):
        f.as_month(bad)
