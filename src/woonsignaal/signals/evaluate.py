"""Compare published signals with a simulator ground truth.

Two measures (docs/signals.md, "Evaluation against the simulator"):

* **lenient** (:func:`evaluate`, what ``woonsignaal evaluate`` has always printed): a planted effect is
  *found* when a signal of the same proces with ernst ``hoog`` or ``midden`` shares at least one
  ``dimensie=waarde`` with the effect's segment. Its *best* signal prefers, in order: the same
  indicator, the most shared pairs, the higher ernst, the larger effect. A published signal (any
  ernst) is a *false alarm* when it shares nothing with any planted effect of its proces.
  Recall = found / planted; precision = (signals - false alarms) / signals.
* **strict** (:func:`evaluate_strict`, the measure of ``bench/signal_quality.py``): *found* needs a
  ``hoog``/``midden`` signal of the same proces whose segment is the planted segment or a range
  containing it (same dimensions; on each, the signal covers every planted value). Only
  ``hoog``/``midden`` signals are counted: a *false alarm* is one that shares no ``dimensie=waarde``
  (ranges: no common value) with any planted effect of its proces; precision = (hoog/midden signals
  - false alarms) / hoog/midden signals.

Segments may use the range notation of :mod:`woonsignaal.signals.ranges` (``energielabel>=F``).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from woonsignaal.contract import MARTS_SCHEMA
from woonsignaal.signals.ranges import contains, overlaps, parse_segment_values
from woonsignaal.sqltext import qualified_name

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
    rows = _rows(signals)
    results = []
    for e in effects:
        planted = parse_segment_values(e["segment"])
        matches = [
            r
            for r in rows
            if r["proces"] == e["proces"] and overlaps(r["_values"], planted) and r["ernst"] in FOUND_ERNST
        ]
        best = min(matches, key=lambda r, e=e, planted=planted: _preference(r, e, planted)) if matches else None
        results.append(EffectResult(e["proces"], e["segment"], e["indicator"], best is not None, _public(best)))
    false_alarms = [_public(r) for r in rows if not _shares_with_any(r, effects)]
    return Evaluation(results, len(rows), false_alarms)


def _rows(signals: pd.DataFrame) -> list[dict]:
    rows = signals.to_dict("records") if len(signals) else []
    for r in rows:
        r["_values"] = parse_segment_values(r["segment"])
    return rows


def _public(row: dict | None) -> dict | None:
    return {k: v for k, v in row.items() if not k.startswith("_")} if row is not None else None


def _shares_with_any(row: dict, effects: list[dict]) -> bool:
    return any(
        row["proces"] == e["proces"] and overlaps(row["_values"], parse_segment_values(e["segment"])) for e in effects
    )


def _preference(r: dict, e: dict, planted: dict[str, frozenset[str]]) -> tuple:
    """Sort key of the signals matching effect ``e``: the best one first."""
    base = str(r["indicator"]).removesuffix("_trend")
    v = r.get("verhouding") or 1.0
    size = abs(math.log(v)) if v > 0 else 0.0
    shared = sum(1 for d in r["_values"].keys() & planted.keys() if r["_values"][d] & planted[d])
    return (
        0 if base == e["indicator"] else 1 if base.startswith(e["indicator"]) else 2,
        -shared,
        len(r["_values"].keys() - planted.keys()),
        _ERNST_RANK.get(r["ernst"], 3),
        -size,
    )


@dataclass
class StrictEffectResult:
    proces: str
    segment: str
    indicator: str
    found: bool
    #: the found signal's segment is a range wider than the planted segment (not equal to it)
    via_range: bool = False
    #: the found signal is of the planted indicator (or its ``_trend``)
    same_indicator: bool = False
    best: dict | None = None


@dataclass
class StrictEvaluation:
    effects: list[StrictEffectResult]
    #: hoog/midden signals (the only ones counted)
    signals: list[dict] = field(default_factory=list)
    false_alarms: list[dict] = field(default_factory=list)

    @property
    def found(self) -> int:
        return sum(e.found for e in self.effects)

    @property
    def recall(self) -> float:
        return self.found / len(self.effects) if self.effects else float("nan")

    @property
    def precision(self) -> float:
        if not self.signals:
            return float("nan")
        return (len(self.signals) - len(self.false_alarms)) / len(self.signals)

    def count(self, ernst: str) -> int:
        return sum(1 for s in self.signals if s["ernst"] == ernst)

    def to_dict(self) -> dict:
        return {
            "planted": len(self.effects),
            "found": self.found,
            "recall": None if math.isnan(self.recall) else self.recall,
            "signals_hoog_midden": len(self.signals),
            "hoog": self.count("hoog"),
            "midden": self.count("midden"),
            "false_alarms": len(self.false_alarms),
            "precision": None if math.isnan(self.precision) else self.precision,
            "effects": [
                {
                    "proces": e.proces,
                    "segment": e.segment,
                    "indicator": e.indicator,
                    "found": e.found,
                    "via_range": e.via_range,
                    "same_indicator": e.same_indicator,
                    "best": {k: e.best.get(k) for k in ("indicator", "segment", "ernst", "verhouding", "n")}
                    if e.best
                    else None,
                }
                for e in self.effects
            ],
            "false_alarm_signals": [
                {k: f.get(k) for k in ("proces", "indicator", "segment", "ernst", "verhouding", "n")}
                for f in self.false_alarms
            ],
            # every counted signal, so a run can be read without its warehouse
            "hoog_midden_signals": [
                {k: s.get(k) for k in ("proces", "indicator", "segment", "ernst", "verhouding", "n")}
                for s in self.signals
            ],
        }


def evaluate_strict(signals: pd.DataFrame, effects: list[dict]) -> StrictEvaluation:
    """The strict measure (module docstring): only ``hoog``/``midden`` signals count; found = the
    planted segment or a range containing it, same proces (any indicator; the planted one preferred)."""
    rows = [r for r in _rows(signals) if r["ernst"] in FOUND_ERNST]
    results = []
    for e in effects:
        planted = parse_segment_values(e["segment"])
        matches = [r for r in rows if r["proces"] == e["proces"] and contains(r["_values"], planted)]

        def key(r, e=e, planted=planted):
            # the planted indicator first, then the narrowest segment (the planted one before wider ranges)
            pref = _preference(r, e, planted)
            return (pref[0], sum(len(r["_values"][d] - planted[d]) for d in planted), *pref[3:])

        best = min(matches, key=key) if matches else None
        results.append(
            StrictEffectResult(
                e["proces"],
                e["segment"],
                e["indicator"],
                best is not None,
                via_range=best is not None and best["_values"] != planted,
                same_indicator=best is not None and str(best["indicator"]).removesuffix("_trend") == e["indicator"],
                best=_public(best),
            )
        )
    false_alarms = [_public(r) for r in rows if not _shares_with_any(r, effects)]
    return StrictEvaluation(results, [_public(r) for r in rows], false_alarms)


def read_published_signals(database: Path) -> pd.DataFrame:
    """``marts.signalen`` from a published DuckDB file, opened read-only."""
    import duckdb

    con = duckdb.connect(str(database), read_only=True)
    try:
        return con.execute(f"select * from {qualified_name(MARTS_SCHEMA, 'signalen')}").df()
    finally:
        con.close()


def evaluate_published(ground_truth: Path, database: Path) -> Evaluation:
    return evaluate(read_published_signals(database), load_ground_truth(ground_truth))


def render(result: Evaluation, console) -> None:
    """Print the evaluation as tables (rich)."""
    from rich.table import Table

    t = Table(title="Geplante effecten")
    for col in (
        "proces",
        "segment",
        "indicator",
        "gevonden",
        "beste signaal",
        "indicator signaal",
        "ernst",
        "verhouding",
    ):
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
