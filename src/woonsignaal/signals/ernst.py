"""The ernst rule: how serious a published signal is, from effect size and certainty.

A signal is only published when it survives the false-discovery-rate control of the whole run
(``q < FDR_ALPHA``) and is relevant (the ratio differs from 1 by at least ``RELEVANT_RATIO``).
Then, with ``r = max(verhouding, 1/verhouding)`` and ``min`` the minimum group size:

* ``hoog``   -- ``q < 0.01`` and ``r >= 1.5`` and ``n >= 3 * min``: large, near-certain and not tiny;
* ``midden`` -- ``q < 0.05`` and ``r >= 1.25``;
* ``laag``   -- every other published signal (certain enough, but a modest effect).
"""

from __future__ import annotations

import math

FDR_ALPHA = 0.05
RELEVANT_RATIO = 1.1
HOOG_Q = 0.01
HOOG_RATIO = 1.5
HOOG_MIN_FACTOR = 3
MIDDEN_Q = 0.05
MIDDEN_RATIO = 1.25


def effect_size(verhouding: float) -> float:
    """``max(r, 1/r)``: how far from "no difference" a ratio is, whichever direction."""
    if not verhouding or not math.isfinite(verhouding) or verhouding <= 0:
        return float("nan")
    return max(verhouding, 1.0 / verhouding)


def is_relevant(verhouding: float) -> bool:
    return effect_size(verhouding) >= RELEVANT_RATIO


def ernst(q: float, verhouding: float, n: int, minimum_group_size: int) -> str:
    """``hoog``, ``midden`` or ``laag`` for a published signal (see the module docstring)."""
    r = effect_size(verhouding)
    if q < HOOG_Q and r >= HOOG_RATIO and n >= HOOG_MIN_FACTOR * minimum_group_size:
        return "hoog"
    if q < MIDDEN_Q and r >= MIDDEN_RATIO:
        return "midden"
    return "laag"
