"""One small corporation simulated once per session and shared by the simulator tests."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from woonsignaal.simulate import simulate

SMALL = dict(eenheden=2000, jaren=3, delta_dagen=3, scenario="standaard", seed=7)
NUL = dict(eenheden=1500, jaren=2, delta_dagen=1, scenario="nul", seed=3)


@pytest.fixture(scope="session")
def small_sim(tmp_path_factory):
    """2,000 units, 3 years, 3 deltas, scenario standaard."""
    root = tmp_path_factory.mktemp("sim_small")
    return simulate(root / "landing", **SMALL)


@pytest.fixture(scope="session")
def nul_sim(tmp_path_factory):
    root = tmp_path_factory.mktemp("sim_nul")
    return simulate(root / "landing", **NUL)


def read_delivered(path: Path) -> tuple[list[str], list[list[str]]]:
    """Header and records of a delivered CSV, parsed with Python's csv module (';', '"')."""
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf"), f"{path.name} has no BOM"
    text = raw.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=";", quotechar='"'))
    return rows[0], rows[1:]


def read_dicts(path: Path) -> list[dict[str, str]]:
    header, rows = read_delivered(path)
    return [dict(zip(header, r, strict=True)) for r in rows]
