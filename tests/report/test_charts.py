import re
from datetime import date

from woonsignaal.report import charts

MAANDEN = [date(2025 + (m > 12), (m - 1) % 12 + 1, 1) for m in range(10, 23)]


def _panel(title, values):
    return charts.Paneel(title, MAANDEN, values, lambda v: f"{v:.0f}")


def test_trend_chart_is_inline_svg_with_dutch_month_labels():
    svg = charts.trendgrafiek("trend-x", [_panel("Leegstand", [float(i) for i in range(13)])], "#1f6f8b")
    assert svg.startswith('<svg class="grafiek" data-grafiek="trend-x"')
    assert "<?xml" not in svg and "<metadata" not in svg
    labels = re.findall(r">([a-z]{3})<", svg)  # svg.fonttype none keeps labels as text
    assert {"okt", "jan", "apr", "jul"} <= set(labels)
    assert "#1f6f8b" in svg


def test_ids_are_prefixed_per_chart():
    a = charts.trendgrafiek("a", [_panel("Een", [1.0] * 13)], "#000000")
    b = charts.trendgrafiek("b", [_panel("Een", [1.0] * 13)], "#000000")
    ids_a = set(re.findall(r'\sid="([^"]+)"', a))
    ids_b = set(re.findall(r'\sid="([^"]+)"', b))
    assert ids_a and all(i.startswith("a-") for i in ids_a)
    assert not ids_a & ids_b
    for ref in re.findall(r"url\(#([^)]+)\)|href=\"#([^\"]+)\"", a):
        assert (ref[0] or ref[1]) in ids_a


def test_suppressed_months_are_gaps_and_an_empty_panel_says_so():
    values = [5.0, None, 7.0, None, None, 6.0, 6.0, 6.0, None, 4.0, 5.0, 6.0, 7.0]
    svg = charts.trendgrafiek("gaten", [_panel("Met gaten", values), _panel("Leeg", [None] * 13)], "#c2410c")
    assert "geen gegevens" in svg
    assert not re.search(r"\bnan\b", svg, re.I)
