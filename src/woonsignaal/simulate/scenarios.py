"""Scenarios: the effects a simulation plants, and the ground truth it writes about them.

A scenario is JSON (``scenario_<naam>.json`` in package data, or any file)::

    {"naam": "standaard", "beschrijving": "...",
     "effecten": [{"proces": "verhuur", "segment": {"eenheid_detailsoort": "BOV", "lift": "N"},
                   "indicator": "leegstandsduur", "factor": 2.5, "beschrijving": "..."}]}

``segment`` uses only the contract's segment dimensions (section 6) and their class labels.
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

from woonsignaal import contract

#: inkomensklasse labels (docs/marts-interface.md): bruto jaarinkomen in euro.
INKOMENSKLASSEN: tuple[tuple[str, float, float], ...] = (
    ("<20k", 0, 20_000),
    ("20-30k", 20_000, 30_000),
    ("30-45k", 30_000, 45_000),
    ("45-60k", 45_000, 60_000),
    ("60k+", 60_000, float("inf")),
)

UNIT_DIMENSIONS = (
    "wijk", "complex_id", "eenheid_detailsoort", "huurklasse", "kamers_aantal", "lift",
    "energielabel", "etage_klasse", "bouwjaar_klasse",
)
TENANT_DIMENSIONS = (
    "leeftijdsklasse", "huishoudsamenstelling", "huurtoeslag", "betaalwijze", "inkomensklasse",
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
    segment: dict[str, str]
    indicator: str
    factor: float
    beschrijving: str = ""

    @property
    def segment_text(self) -> str:
        return segment_text(self.segment)

    def to_json(self) -> dict:
        richting = "slechter" if _worse(self.indicator, self.factor) else "beter"
        return {
            "proces": self.proces,
            "segment": self.segment_text,
            "indicator": self.indicator,
            "factor": self.factor,
            "richting": richting,
            "beschrijving": self.beschrijving,
        }


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


def segment_text(segment: dict[str, str]) -> str:
    """``dimensie=waarde`` pairs joined by ``;``, sorted by dimension name (contract section 6)."""
    return ";".join(f"{k}={segment[k]}" for k in sorted(segment))


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


def _validate_effect(raw: dict, where: str) -> Effect:
    try:
        proces, indicator, factor = raw["proces"], raw["indicator"], float(raw["factor"])
    except (KeyError, TypeError, ValueError) as exc:
        raise ScenarioError(f"{where}: needs proces, indicator and a numeric factor ({exc})") from None
    segment = raw.get("segment", {})
    if isinstance(segment, str):
        segment = parse_segment(segment)
    if not segment:
        raise ScenarioError(f"{where}: segment is empty")
    if (proces, indicator) not in SUPPORTED:
        raise ScenarioError(
            f"{where}: ({proces}, {indicator}) is not supported; choose one of "
            + ", ".join(f"{p}/{i}" for p, i in SUPPORTED)
        )
    if factor <= 0:
        raise ScenarioError(f"{where}: factor must be positive, got {factor}")
    allowed = SUPPORTED[(proces, indicator)]
    for dim, value in segment.items():
        if dim not in contract.SEGMENT_DIMENSIONS:
            raise ScenarioError(f"{where}: {dim!r} is not a segment dimension of the contract")
        if dim not in allowed:
            raise ScenarioError(f"{where}: {proces}/{indicator} cannot use dimension {dim!r}")
        labels = contract.SEGMENT_DIMENSIONS[dim]
        if dim == "inkomensklasse":
            labels = tuple(k for k, _, _ in INKOMENSKLASSEN)
        if labels is not None and str(value) not in labels:
            raise ScenarioError(f"{where}: {dim}={value!r} is not one of {labels}")
    return Effect(proces, {k: str(v) for k, v in segment.items()}, indicator, factor, raw.get("beschrijving", ""))


def scenario_from_dict(data: dict, where: str = "scenario") -> Scenario:
    if not isinstance(data, dict) or "naam" not in data:
        raise ScenarioError(f"{where}: a scenario is a JSON object with at least 'naam'")
    effects = tuple(
        _validate_effect(e, f"{where}, effect {i + 1}") for i, e in enumerate(data.get("effecten", []))
    )
    return Scenario(str(data["naam"]), data.get("beschrijving", ""), effects)


def scenario_data(name_or_file: str | Path) -> dict:
    """The JSON object of a built-in scenario (by name) or of a scenario file, not yet validated."""
    text = str(name_or_file)
    builtin = resources.files("woonsignaal.data").joinpath(f"scenario_{text}.json")
    if "/" not in text and not text.endswith(".json") and builtin.is_file():
        return json.loads(builtin.read_text(encoding="utf-8"))
    path = Path(text)
    if not path.is_file():
        raise ScenarioError(f"scenario {text!r} is neither a built-in scenario (standaard, nul) nor a file")
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ScenarioError(f"{path}: not valid JSON ({exc})") from None


def load_scenario(name_or_file: str | Path) -> Scenario:
    """A built-in scenario by name (``standaard``, ``nul``) or a scenario JSON file."""
    text = str(name_or_file)
    builtin = "/" not in text and not text.endswith(".json") and \
        resources.files("woonsignaal.data").joinpath(f"scenario_{text}.json").is_file()
    return scenario_from_dict(scenario_data(text), f"scenario {text}" if builtin else text)
