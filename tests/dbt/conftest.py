"""One small simulated corporation, loaded and built once per session.

The chain is the real one: ``woonsignaal.simulate.simulate`` writes a volledig delivery plus deltas,
``woonsignaal.ingest.load_delivery`` loads each into the raw layer of a temporary WOONSIGNAAL_HOME (demo
pseudonymisation key), and ``woonsignaal.transform.run_dbt_build`` builds and tests the warehouse models.
Tests then compare mart figures with values computed independently from the delivered CSV files
(``delivered`` below reads them the way the contract describes, without any warehouse code).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from tests.demo_env import demo_environment

#: Everything this issue owns (the signals folder is built by its own tests).
WAREHOUSE_SELECTION = (
    "path:models/staging/raw path:models/intermediate/core path:models/intermediate/verhuur "
    "path:models/intermediate/overlast path:models/intermediate/incasso path:models/marts/core "
    "path:models/marts/verhuur path:models/marts/overlast path:models/marts/incasso path:seeds"
)
EENHEDEN = 600
JAREN = 3
DELTA_DAGEN = 2
SEED = 11


@dataclass
class Built:
    home: Path
    landing: Path
    deliveries: list[Path]
    extractdatum: dt.date
    warehouse: Path
    result: object  # DbtRunResult

    def query(self, sql: str) -> pd.DataFrame:
        con = duckdb.connect(str(self.warehouse), read_only=True)
        try:
            return con.execute(sql).df()
        finally:
            con.close()


@pytest.fixture(scope="session")
def built(tmp_path_factory) -> Built:
    from woonsignaal.ingest import load_delivery
    from woonsignaal.settings import get_settings
    from woonsignaal.simulate import simulate
    from woonsignaal.transform import run_dbt_build

    root = tmp_path_factory.mktemp("dbt_chain")
    home, landing = root / "home", root / "landing"
    with pytest.MonkeyPatch.context() as env:
        demo_environment(env, home, landing)
        sim = simulate(
            landing,
            eenheden=EENHEDEN,
            jaren=JAREN,
            delta_dagen=DELTA_DAGEN,
            seed=SEED,
            ground_truth=root / "ground_truth.json",
        )
        settings = get_settings()
        settings.ensure_dirs()
        for d in sim.deliveries:
            load_delivery(d, settings, gx=False)
        extractdatum = dt.date.fromisoformat(sim.deliveries[-1].name)
        result = run_dbt_build(
            settings, select=WAREHOUSE_SELECTION, vars={"extractdatum": extractdatum.isoformat()}, generate_docs=False
        )
        yield Built(home, landing, list(sim.deliveries), extractdatum, settings.warehouse_path, result)
