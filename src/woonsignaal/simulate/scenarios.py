"""Scenarios: the effects a simulation plants, and the ground truth it writes about them.

A scenario is JSON (``scenario_<naam>.json`` in package data, or any file)::

    {"naam": "standaard", "beschrijving": "...",
     "effecten": [{"proces": "verhuur", "segment": {"eenheid_detailsoort": "BOV", "lift": "N"},
                   "indicator": "leegstandsduur", "factor": 2.5, "beschrijving": "..."}]}

``segment`` uses only the contract's segment dimensions (section 6) and their class labels, as a
``{dimensie: waarde}`` object or as text in the signal notation, which allows ranges on ordered
dimensions (``"energielabel>=F"``, ``"huishoudsamenstelling=OVR;leeftijdsklasse<=23-29"``; see
:mod:`woonsignaal.signals.ranges`). Instead of ``segment`` an effect may give ``kies_segment``::

    "kies_segment": {"dimensies": ["eenheid_detailsoort", "wijk"], "aandeel": 0.025}

and the simulation picks, once the property is built, the combination of values of those unit
dimensions whose share of the units is nearest ``aandeel`` (``0``: the smallest), not overlapping a
segment chosen earlier for the same proces. So a planted group has a realistic size at any
corporation size, whatever wijken and complexes the seed drew; the ground truth names the segment.
Supported (proces, indicator) pairs and the mechanism each one drives:

======== ========================== ==========================================================
proces   indicator                  mechanism (the factor multiplies ...)
======== ========================== ==========================================================
verhuur  leegstandsduur             the days a unit in the segment stands empty after a tenancy
verhuur  weigeringen_per_toewijzing the expected number of refusals before an offer is accepted
verhuur  reacties_per_publicatie    the expected number of reactions to a publication
overlast doorlooptijd               the duration of cases in the segment (``partner=X``: cases
                                    where partner X joined within 30 days)
overlast meldingen_per_eenheid      the rate of new cases at units in the segment
incasso  instroom_achterstand       the monthly chance that a tenancy without arrears misses its rent
======== ========================== ==========================================================

Outside planted effects every segment behaves the same (apart from natural variation), so the
``nul`` scenario has no real differences between groups.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import numpy as np

from woonsignaal import contract
from woonsignaal.signals.ranges import (
    ORDERED_DIMENSIONS,
    SegmentNotationError,
    format_segment_values,
    parse_part,
)

UNIT_DIMENSIONS = (
    "wijk",
    "complex_id",
    "eenheid_detailsoort",
    "huurklasse",
    "kamers_aantal",
    "lift",
    "energielabel",
    "etage_klasse",
    "bouwjaar_klasse",
)
TENANT_DIMENSIONS = (
    "leeftijdsklasse",
    "huishoudsamenstelling",
    "huurtoeslag",
    "betaalwijze",
    "inkomensklasse",
    "contractduur_klasse",
)
CASE_DIMENSIONS = ("zaaktype_detailsoort", "partner")

#: which dimensions each mechanism can use
SUPPORTED: dict[tuple[str, str], tuple[str, ...]] = {
    ("verhuur", "leegstandsduur"): UNIT_DIMENSIONS,
    ("verhuur", "weigeringen_per_toewijzing"): UNIT_DIMENSIONS,
    ("verhuur", "reacties_per_publicatie"): UNIT_DIMENSIONS,
    ("overlast", "doorlooptijd"): UNIT_DIMENSIONS + CASE_DIMENSIONS,
    ("overlast", "meldingen_per_eenheid"): UNIT_DIMENSIONS,
    ("incasso", "instroom_achterstand"): UNIT_DIMENSIONS + TENANT_DIMENSIONS,
}


class ScenarioError(ValueError):
    """A scenario file is not valid; the message says what is wrong."""


@dataclass(frozen=True)
class Effect:
    proces: str
    #: dimension -> the values it covers (one value, or several for a range on an ordered dimension);
    #: empty until a ``kies_segment`` effect is resolved (:meth:`Scenario.resolve`)
    segment: dict[str, frozenset[str]]
    indicator: str
    factor: float
    beschrijving: str = ""
    #: ``{"dimensies": [...], "aandeel": x}``: the segment is chosen by share when the property is built
    kies: dict | None = None
    #: what the choice found: ``{"dimensies", "aandeel_doel", "aandeel"}``
    gekozen: dict | None = None
    #: the segment as the scenario wrote it (ranges keep their notation)
    notation: str = ""

    @property
    def segment_text(self) -> str:
        return self.notation or segment_text(self.segment)

    @property
    def is_range(self) -> bool:
        return any(len(v) > 1 for v in self.segment.values())

    def to_json(self) -> dict:
        richting = "slechter" if _worse(self.indicator, self.factor) else "beter"
        out = {
            "proces": self.proces,
            "segment": self.segment_text,
            "indicator": self.indicator,
            "factor": self.factor,
            "richting": richting,
            "beschrijving": self.beschrijving,
            "segment_waarden": {d: _ordered(d, v) for d, v in sorted(self.segment.items())},
            "soort_segment": "bereik" if self.is_range else ("paar" if len(self.segment) > 1 else "enkel"),
        }
        if self.gekozen:
            out["gekozen"] = self.gekozen
        return out


def _ordered(dim: str, values: frozenset[str]) -> list[str]:
    order = ORDERED_DIMENSIONS.get(dim, ())
    if order is None:
        return sorted(values, key=float)
    return sorted(values, key=lambda v: (order.index(v) if v in order else len(order), v))


def _worse(indicator: str, factor: float) -> bool:
    # fewer reactions is worse; for every other supported indicator more is worse
    if indicator == "reacties_per_publicatie":
        return factor < 1
    return factor > 1


@dataclass(frozen=True)
class Scenario:
    naam: str
    beschrijving: str = ""
    effecten: tuple[Effect, ...] = field(default_factory=tuple)

    def effects_for(self, proces: str, indicator: str) -> list[Effect]:
        return [e for e in self.effecten if e.proces == proces and e.indicator == indicator]

    def resolve(self, unit_dims: dict[str, np.ndarray]) -> Scenario:
        """The scenario with every ``kies_segment`` replaced by the chosen segment (``unit_dims``: the
        property's dimension values per unit)."""
        n = len(next(iter(unit_dims.values()))) if unit_dims else 0
        taken: dict[str, list[np.ndarray]] = {}
        out = []
        for e in self.effecten:
            if e.kies is None:
                out.append(e)
                continue
            dims = list(e.kies["dimensies"])
            target = float(e.kies["aandeel"])
            keys = np.array(["\x1f".join(t) for t in zip(*(unit_dims[d] for d in dims), strict=True)], dtype=object)
            values, counts = np.unique(keys.astype(str), return_counts=True)
            order = sorted(range(len(values)), key=lambda i: (abs(counts[i] / n - target), values[i]))
            chosen = None
            for i in order:
                mask = keys == values[i]
                if not any((mask & other).any() for other in taken.get(e.proces, [])):
                    chosen = i
                    break
            if chosen is None:
                raise ScenarioError(f"{e.proces}/{e.indicator}: no segment over {dims} left to choose")
            mask = keys == values[chosen]
            taken.setdefault(e.proces, []).append(mask)
            segment = {d: frozenset({v}) for d, v in zip(dims, values[chosen].split("\x1f"), strict=True)}
            gekozen = {
                "dimensies": sorted(dims),
                "aandeel_doel": target,
                "aandeel": round(float(counts[chosen]) / n, 4),
            }
            out.append(Effect(e.proces, segment, e.indicator, e.factor, e.beschrijving, e.kies, gekozen))
        return Scenario(self.naam, self.beschrijving, tuple(out))


def segment_text(segment: dict[str, str] | dict[str, frozenset[str]]) -> str:
    """``dimensie=waarde`` pairs joined by ``;``, sorted by dimension name (contract section 6); a
    dimension with several values is written as a range (``energielabel>=F``)."""
    return format_segment_values(
        {k: (next(iter(v)) if not isinstance(v, str) and len(v) == 1 else v) for k, v in segment.items()}
    )


def parse_segment(text: str) -> dict[str, str]:
    out = {}
    for part in text.split(";"):
        if not part.strip():
            continue
        if "=" not in part:
            raise ScenarioError(f"segment part {part!r} is not dimensie=waarde")
        k, v = part.split("=", 1)
        out[k.strip()] = v.strip()
    return out


def _segment_values(segment: str | dict, where: str) -> dict[str, frozenset[str]]:
    """A scenario's segment (text in the signal notation, or ``{dimensie: waarde}``) as value sets."""
    parts = segment.split(";") if isinstance(segment, str) else [f"{k}={v}" for k, v in segment.items()]
    out: dict[str, frozenset[str]] = {}
    for part in filter(None, (p.strip() for p in parts)):
        try:
            dim, values, _ = parse_part(part)
        except SegmentNotationError as exc:
            raise ScenarioError(f"{where}: {exc}") from None
        if dim in out:
            raise ScenarioError(f"{where}: segment names {dim} twice")
        out[dim] = values
    return out


def _validate_effect(raw: dict, where: str) -> Effect:
    try:
        proces, indicator, factor = raw["proces"], raw["indicator"], float(raw["factor"])
    except (KeyError, TypeError, ValueError) as exc:
        raise ScenarioError(f"{where}: needs proces, indicator and a numeric factor ({exc})") from None
    if (proces, indicator) not in SUPPORTED:
        raise ScenarioError(
            f"{where}: ({proces}, {indicator}) is not supported; choose one of "
            + ", ".join(f"{p}/{i}" for p, i in SUPPORTED)
        )
    if factor <= 0:
        raise ScenarioError(f"{where}: factor must be positive, got {factor}")
    allowed = SUPPORTED[(proces, indicator)]
    beschrijving = raw.get("beschrijving", "")
    kies = raw.get("kies_segment")
    if kies is not None:
        if raw.get("segment"):
            raise ScenarioError(f"{where}: give segment or kies_segment, not both")
        dims = kies.get("dimensies") if isinstance(kies, dict) else None
        try:
            aandeel = float(kies.get("aandeel")) if isinstance(kies, dict) else -1.0
        except (TypeError, ValueError):
            aandeel = -1.0
        if not dims or not isinstance(dims, list) or not 0 <= aandeel < 1:
            raise ScenarioError(f"{where}: kies_segment needs 'dimensies' (a list) and 'aandeel' (0 <= x < 1)")
        for dim in dims:
            if dim not in UNIT_DIMENSIONS or dim not in allowed:
                raise ScenarioError(
                    f"{where}: kies_segment can only use unit dimensions of {proces}/{indicator}, not {dim!r}"
                )
        return Effect(proces, {}, indicator, factor, beschrijving, kies={"dimensies": list(dims), "aandeel": aandeel})
    segment = raw.get("segment", {})
    if not segment:
        raise ScenarioError(f"{where}: segment is empty")
    values = _segment_values(segment, where)
    for dim, vals in values.items():
        if dim not in contract.SEGMENT_DIMENSIONS:
            raise ScenarioError(f"{where}: {dim!r} is not a segment dimension of the contract")
        if dim not in allowed:
            raise ScenarioError(f"{where}: {proces}/{indicator} cannot use dimension {dim!r}")
        labels = contract.SEGMENT_DIMENSIONS[dim]
        bad = [v for v in vals if labels is not None and v not in labels]
        if bad:
            raise ScenarioError(f"{where}: {dim}={bad[0]!r} is not one of {labels}")
    notation = segment.strip() if isinstance(segment, str) and any(len(v) > 1 for v in values.values()) else ""
    if notation:  # written sorted by dimension, as the contract writes segments
        notation = ";".join(
            sorted((p.strip() for p in notation.split(";") if p.strip()), key=lambda p: parse_part(p)[0])
        )
    return Effect(proces, values, indicator, factor, beschrijving, notation=notation)


def scenario_from_dict(data: dict, where: str = "scenario") -> Scenario:
    if not isinstance(data, dict) or "naam" not in data:
        raise ScenarioError(f"{where}: a scenario is a JSON object with at least 'naam'")
    effects = tuple(_validate_effect(e, f"{where}, effect {i + 1}") for i, e in enumerate(data.get("effecten", [])))
    return Scenario(str(data["naam"]), data.get("beschrijving", ""), effects)


def scenario_data(name_or_file: str | Path) -> dict:
    """The JSON object of a built-in scenario (by name) or of a scenario file, not yet validated."""
    text = str(name_or_file)
    builtin = resources.files("woonsignaal.data").joinpath(f"scenario_{text}.json")
    if "/" not in text and not text.endswith(".json") and builtin.is_file():
        return json.loads(builtin.read_text(encoding="utf-8"))
    path = Path(text)
    if not path.is_file():
        raise ScenarioError(f"scenario {text!r} is neither a built-in scenario (standaard, nul, groot) nor a file")
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ScenarioError(f"{path}: not valid JSON ({exc})") from None


def load_scenario(name_or_file: str | Path) -> Scenario:
    """A built-in scenario by name (``standaard``, ``nul``, ``groot``) or a scenario JSON file."""
    text = str(name_or_file)
    builtin = (
        "/" not in text
        and not text.endswith(".json")
        and resources.files("woonsignaal.data").joinpath(f"scenario_{text}.json").is_file()
    )
    return scenario_from_dict(scenario_data(text), f"scenario {text}" if builtin else text)
