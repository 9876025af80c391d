"""Shared test setup.

Airflow reads its configuration on first import, so its environment is set here, before any test
module imports it: a throw-away AIRFLOW_HOME with a SQLite DB and unit-test mode.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

_AIRFLOW_HOME = Path(tempfile.mkdtemp(prefix="woonsignaal-airflow-"))
os.environ.setdefault("AIRFLOW_HOME", str(_AIRFLOW_HOME))
os.environ.setdefault("AIRFLOW__CORE__LOAD_EXAMPLES", "False")
os.environ.setdefault("AIRFLOW__CORE__UNIT_TEST_MODE", "True")
os.environ.setdefault("AIRFLOW__CORE__DAGS_FOLDER", str(Path(__file__).resolve().parents[1] / "dags"))
os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")

import pytest  # noqa: E402

REPO_ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def woonsignaal_home(tmp_path, monkeypatch) -> Path:
    """An isolated WOONSIGNAAL_HOME (demo key) for one test."""
    from tests.demo_env import demo_environment

    home = tmp_path / "home"
    demo_environment(monkeypatch, home)
    return home
