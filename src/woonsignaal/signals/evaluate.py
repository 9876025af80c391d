"""Compare published signals with a simulator ground truth.

A planted effect is *found* when a signal of the same proces with ernst ``hoog`` or ``midden`` shares
at least one ``dimensie=waarde`` pair with the effect's segment. Its *best* signal prefers, in order:
the same indicator, the most shared pairs, the higher ernst, the larger effect. A published signal
(any ernst) is a *false alarm* when it shares no pair with any planted effect of its proces.
Recall = found / planted; precision = (signals - false alarms) / signals.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from woonsignaal.signals.segments import segment_pairs

FOUND_ERNST = ("hoog", "midden")
_ERNST_RANK = {"hoog": 0, "midden": 1, "laag": 2}


@dataclass
class EffectResult:
    proces: str
    segment: str
    indicator: str
    found: bool
    best: dict | None = None  # the best signal's row (segment, indicator, ernst, verhouding, ...)


@dataclass
class Evaluation:
    effects: list[EffectResult]
    signals: int
    false_alarms: list[dict] = field(default_factory=list)

    @property
    def recall(self) -> float:
        return sum(e.found for e in self.effects) / len(self.effects) if self.effects else float("nan")

    @property
    def precision(self) -> float:
        if not self.signals:
            return float("nan")
        return (self.signals - len(self.false_alarms)) / self.signals

    @property
    def missed(self) -> list[EffectResult]:
        return [e for e in self.effects if not e.found]


def load_ground_truth(path: Path) -> list[dict]:
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    effects = data.get("effects", data.get("effecten", [])) if isinstance(data, dict) else data
    out = []
    for e in effects:
        seg = e["segment"]
        if isinstance(seg, dict):
            seg = ";".join(f"{k}={seg[k]}" for k in sorted(seg))
        out.append({"proces": e["proces"], "segment": seg, "indicator": e.get("indicator", "")})
    return out


def evaluate(signals: pd.DataFrame, effects: list[dict]) -> Evaluation:
    """Match ``signals`` (rows of marts.signalen) against planted ``effects``."""
    rows = signals.to_dict("records") if len(signals) else []
    for r in rows:
        r["_pairs"] = segment_pairs(r["segment"])
    results = []
    for e in effects:
        pairs = segment_pairs(e["segment"])
        matches = [
            r for r in rows if r["proces"] == e["proces"] and r["_pairs"] & pairs and r["ernst"] in FOUND_ERNST
        ]

        def key(r, pairs=pairs, e=e):
            base = str(r["indicator"]).removesuffix("_trend")
            v = r.get("verhouding") or 1.0
            size = abs(math.log(v)) if v > 0 else 0.0
            return (
                0 if base == e["indicator"] else 1 if base.startswith(e["indicator"]) else 2,
                -len(r["_pairs"] & pairs),
                len(r["_pairs"] - pairs),
                _ERNST_RANK.get(r["ernst"], 3),
                -size,
            )

        best = min(matches, key=key) if matches else None
        results.append(
            EffectResult(
                e["proces"], e["segment"], e["indicator"], best is not None,
                {k: v for k, v in best.items() if not k.startswith("_")} if best else None,
            )
        )
    false_alarms = [
        {k: v for k, v in r.items() if not k.startswith("_")}
        for r in rows
        if not any(r["proces"] == e["proces"] and r["_pairs"] & segment_pairs(e["segment"]) for e in effects)
    ]
    return Evaluation(results, len(rows), false_alarms)


def read_published_signals(database: Path) -> pd.DataFrame:
    """``marts.signalen`` from a published DuckDB file, opened read-only."""
    import duckdb

    con = duckdb.connect(str(database), read_only=True)
    try:
        return con.execute("select * from marts.signalen").df()
    finally:
        con.close()


def evaluate_published(ground_truth: Path, database: Path) -> Evaluation:
    return evaluate(read_published_signals(database), load_ground_truth(ground_truth))


def render(result: Evaluation, console) -> None:
    """Print the evaluation as tables (rich)."""
    from rich.table import Table

    t = Table(title="Geplante effecten")
    for col in ("proces", "segment", "indicator", "gevonden", "beste signaal", "indicator signaal", "ernst", "verhouding"):
        t.add_column(col)
    for e in result.effects:
        b = e.best or {}
        t.add_row(
            e.proces,
            e.segment,
            e.indicator,
            "gevonden" if e.found else "gemist",
            str(b.get("segment", "-")),
            str(b.get("indicator", "-")),
            str(b.get("ernst", "-")),
            f"{b['verhouding']:.2f}" if b.get("verhouding") is not None else "-",
        )
    console.print(t)
    if result.false_alarms:
        fa = Table(title="Valse alarmen")
        for col in ("proces", "segment", "indicator", "ernst", "verhouding"):
            fa.add_column(col)
        for r in result.false_alarms:
            fa.add_row(r["proces"], r["segment"], r["indicator"], r["ernst"], f"{r['verhouding']:.2f}")
        console.print(fa)
    console.print(
        f"recall: {result.recall:.2f} ({sum(e.found for e in result.effects)}/{len(result.effects)})  "
        f"signalen: {result.signals}  valse alarmen: {len(result.false_alarms)}  "
        f"precisie: {result.precision:.2f}"
    )
