"""Realised sector figures of a simulated corporation, and realised sizes of the planted effects.

Calibration is shown, not claimed: these figures are computed from what the simulation produced (the
same events the deliveries are cut from) and ``woonsignaal simulate --kalibratie`` prints them beside
the sector ranges they should fall in.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

#: figure -> (low, high, Dutch label, unit). Ranges from the sector benchmarks the issue names.
SECTOR_RANGES: dict[str, tuple[float, float, str, str]] = {
    "mutatiegraad_pct": (6.0, 9.0, "Mutatiegraad (beëindigde huurovereenkomsten per jaar)", "%"),
    "weigeringen_per_verhuring": (4.0, 6.0, "Weigeringen per verhuring", ""),
    "reacties_mediaan": (10.0, 400.0, "Reacties per publicatie (mediaan)", ""),
    "leegstand_dagen_gem": (7.0, 60.0, "Leegstandsduur na mutatie (gemiddeld)", "dagen"),
    "zaken_per_1000_per_jaar": (8.0, 16.0, "Overlastzaken per 1.000 eenheden per jaar", ""),
    "doorlooptijd_mediaan_dagen": (45.0, 120.0, "Doorlooptijd overlastzaak (mediaan)", "dagen"),
    "aandeel_in_achterstand_pct": (4.5, 6.5, "Huurders in achterstand (gemiddeld per maandeinde)", "%"),
    "achterstand_pct_jaarhuur": (0.6, 1.5, "Huurachterstand in % van de jaarhuur", "%"),
    "ontruimingen_per_1000_per_jaar": (0.2, 2.5, "Ontruimingen per 1.000 eenheden per jaar", ""),
}


def sector_figures(
    *,
    n_units: int,
    start: int,
    end: int,
    tenancies: pd.DataFrame,
    lets: pd.DataFrame,
    cases: pd.DataFrame,
    case_start: int,
    maanden: pd.DataFrame,
) -> dict[str, float]:
    years = (end - start + 1) / 365.25
    e = tenancies["end_nat"].to_numpy()
    ended = (e >= start) & (e <= end)
    l_ = lets[(lets["new_begin"] >= start) & (lets["new_begin"] <= end)]
    case_years = max(end - case_start + 1, 1) / 365.25
    m = maanden.iloc[6:] if len(maanden) > 12 else maanden
    return {
        "mutatiegraad_pct": float(100.0 * ended.sum() / n_units / years),
        "weigeringen_per_verhuring": float(l_["n_gew"].mean()) if len(l_) else float("nan"),
        "reacties_mediaan": float(l_["reacties"].median()) if len(l_) else float("nan"),
        "leegstand_dagen_gem": float(l_["vac_days"].mean()) if len(l_) else float("nan"),
        "zaken_per_1000_per_jaar": 1000.0 * len(cases) / n_units / case_years,
        "doorlooptijd_mediaan_dagen": float(np.median(cases["dur"])) if len(cases) else float("nan"),
        "aandeel_in_achterstand_pct": 100.0 * float((m["in_achterstand"] / m["actief"]).mean()),
        "achterstand_pct_jaarhuur": 100.0 * float((m["achterstand_cent"] / m["jaarhuur_cent"]).mean()),
        "ontruimingen_per_1000_per_jaar": 1000.0
        * float((ended & tenancies["evict"].to_numpy()).sum())
        / n_units
        / years,
    }


def within_ranges(figures: dict[str, float]) -> dict[str, bool]:
    return {k: SECTOR_RANGES[k][0] <= v <= SECTOR_RANGES[k][1] for k, v in figures.items() if k in SECTOR_RANGES}


def format_table(figures: dict[str, float]) -> list[tuple[str, str, str, str]]:
    """Rows (label, value, sector range, ok) in Dutch number notation."""
    rows = []
    for k, (lo, hi, label, unit) in SECTOR_RANGES.items():
        v = figures.get(k, float("nan"))
        fmt = lambda x: f"{x:.2f}".replace(".", ",")  # noqa: E731
        rows.append(
            (
                label,
                f"{fmt(v)} {unit}".strip(),
                f"{fmt(lo)} - {fmt(hi)} {unit}".strip(),
                "ja" if lo <= v <= hi else "NEE",
            )
        )
    return rows
