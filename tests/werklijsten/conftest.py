"""One small simulated corporation, built twice (an October and a November extract date) per session.

The chain is the real one: ``simulate`` writes a volledig delivery plus a week of deltas (the volledig
one in October, the last delta in November), ``load_delivery`` loads the volledig delivery, and
``build_warehouse`` (the night's build: marts, signal step, signals, werklijsten) builds it at the October
extract date; then the deltas are loaded and the build runs again at the November date, so ``werklijst_effect`` compares
November with October's list. Finally ``publish_werklijsten`` writes the restricted file.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from tests.demo_env import demo_environment

#: The werklijsten and every model and seed they depend on (signals included), with their tests.
EENHEDEN = 2000
JAREN = 3
TOT = dt.date(2026, 11, 5)
DELTA_DAGEN = 7
SEED = 7


@dataclass
class Built:
    home: Path
    deliveries: list[Path]
    eerste_extractdatum: dt.date
    extractdatum: dt.date
    warehouse: Path
    restricted: Path
    eerste_werklijst: pd.DataFrame  # the werklijst as built at the October date
    settings: object

    def query(self, sql: str, params: list | None = None) -> pd.DataFrame:
        con = duckdb.connect(str(self.warehouse), read_only=True)
        try:
            return con.execute(sql, params or []).df()
        finally:
            con.close()


@pytest.fixture(scope="session")
def built(tmp_path_factory) -> Built:
    from woonsignaal.ingest import load_delivery
    from woonsignaal.pipeline import build_warehouse
    from woonsignaal.settings import get_settings
    from woonsignaal.simulate import simulate
    from woonsignaal.werklijsten import publish_werklijsten

    root = tmp_path_factory.mktemp("werklijsten")
    home, landing = root / "home", root / "landing"
    with pytest.MonkeyPatch.context() as env:
        demo_environment(env, home, landing)
        sim = simulate(
            landing,
            eenheden=EENHEDEN,
            jaren=JAREN,
            delta_dagen=DELTA_DAGEN,
            tot=TOT,
            seed=SEED,
            ground_truth=root / "ground_truth.json",
        )
        settings = get_settings()
        settings.ensure_dirs()
        deliveries = list(sim.deliveries)
        eerste = dt.date.fromisoformat(deliveries[0].name)
        laatste = dt.date.fromisoformat(deliveries[-1].name)
        assert eerste.month != laatste.month, "the two builds must fall in different months"

        load_delivery(deliveries[0], settings, gx=False)
        first = build_warehouse(settings, eerste)
        assert first.success, first.summary()
        con = duckdb.connect(str(settings.warehouse_path), read_only=True)
        try:
            eerste_werklijst = con.execute("select * from werklijsten.werklijst").df()
        finally:
            con.close()

        for d in deliveries[1:]:
            load_delivery(d, settings, gx=False)
        second = build_warehouse(settings, laatste)
        assert second.success, second.summary()
        restricted = publish_werklijsten(settings)
        yield Built(home, deliveries, eerste, laatste, settings.warehouse_path, restricted, eerste_werklijst, settings)
