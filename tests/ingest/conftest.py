from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from ingest.ingest_builder import DAY1, base_rows, write_delivery
from woonsignaal.ingest import load_delivery
from woonsignaal.settings import get_settings


@pytest.fixture
def settings(woonsignaal_home):
    return get_settings()


@pytest.fixture
def loaded(settings):
    """A warehouse with the base delivery of DAY1 loaded (without GX, for speed)."""
    folder = write_delivery(settings.landing, DAY1, base_rows())
    load_delivery(folder, settings, gx=False)
    return settings


@pytest.fixture
def day2_rows():
    """Rows for a delta on DAY2: the snapshots as on DAY1, no event changes."""
    rows = base_rows()
    for name in (
        "publicaties",
        "aanbiedingen",
        "zaken",
        "zaakstatussen",
        "zaakbetrokkenen",
        "boekingen",
        "incassoacties",
        "betalingsregelingen",
    ):
        rows[name] = []
    return rows


@pytest.fixture(scope="session")
def simulated_landing(tmp_path_factory) -> Path:
    """A small simulated corporation (300 units, 1 year, 2 deltas); copy it before changing it."""
    from woonsignaal.simulate import simulate

    out = tmp_path_factory.mktemp("sim") / "landing"
    simulate(out, eenheden=300, jaren=1, delta_dagen=2, seed=7)
    return out


@pytest.fixture
def sim_copy(simulated_landing, tmp_path) -> Path:
    target = tmp_path / "landing"
    shutil.copytree(simulated_landing, target)
    return target
