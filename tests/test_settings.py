"""Settings: one way in (get_settings), one way to a child process (Settings.child_environment), and a
CLI that passes them instead of changing its own environment."""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from woonsignaal import settings as settings_module
from woonsignaal.settings import SETTING_VARIABLES, ConfigurationError, get_settings

EVERY_SETTING = {
    "WOONSIGNAAL_HOME": "/srv/ws",
    "WOONSIGNAAL_LANDING": "/mnt/erp",
    "WOONSIGNAAL_PSEUDONIEM_SLEUTEL": "geheim-1",
    "WOONSIGNAAL_DEMO": "1",
    "WOONSIGNAAL_MIN_GROEPSGROOTTE": "15",
    "WOONSIGNAAL_ALERT_WEBHOOK": "https://hooks.example/x",
    "WOONSIGNAAL_DBT_TARGET": "postgres",
    "WOONSIGNAAL_RIJEN_TOLERANTIE": "0,3",
    "WOONSIGNAAL_LEVERING_TOLERANTIE": "0.4",
    "WOONSIGNAAL_VERWIJDER_TOLERANTIE": "0.25",
    "WOONSIGNAAL_DBT_PROJECT": "/opt/dbt",
    "WOONSIGNAAL_EXPECTATIONS": "/opt/gx",
    "WOONSIGNAAL_DAGS_FOLDER": "/opt/dags",
    "WOONSIGNAAL_DUCKDB_MEMORY_LIMIT": "6GB",
    "WOONSIGNAAL_INGEST_MEMORY_LIMIT": "5GB",
    "WOONSIGNAAL_RETRY_DELAY_SECONDS": "7",
    "WOONSIGNAAL_NACHT_EEN_PROCES": "1",
    "WOONSIGNAAL_CLUSTER_NODE": "worker-1",
    "WOONSIGNAAL_PG_HOST": "db.example",
    "WOONSIGNAAL_PG_PORT": "5544",
    "WOONSIGNAAL_PG_USER": "publisher",
    "WOONSIGNAAL_PG_PASSWORD": "pg-geheim",
    "WOONSIGNAAL_PG_DATABASE": "ws",
    "WOONSIGNAAL_PG_BI_ROLE": "bi",
    "WOONSIGNAAL_PG_BI_PASSWORD": "bi-geheim",
    "WOONSIGNAAL_PG_DBNAME": "ws_dbt",
    "WOONSIGNAAL_METABASE_URL": "http://mb:3000",
    "WOONSIGNAAL_METABASE_ADMIN_EMAIL": "a@example.nl",
    "WOONSIGNAAL_METABASE_ADMIN_PASSWORD": "mb-geheim",
}


def test_every_setting_reaches_a_child_and_reads_back_the_same():
    assert set(EVERY_SETTING) == set(SETTING_VARIABLES)
    s = get_settings(EVERY_SETTING)
    assert (s.minimum_group_size, s.row_count_tolerance, s.retry_delay.total_seconds()) == (15, 0.3, 7)
    assert (s.pg_host, s.pg_port, s.pg_password, s.cluster_node, s.night_in_one_process) == (
        "db.example",
        "5544",
        "pg-geheim",
        "worker-1",
        True,
    )
    child = s.as_environment()
    assert set(child) == set(SETTING_VARIABLES)
    assert get_settings(child) == s


def test_unset_settings_stay_unset_in_the_child(monkeypatch):
    """A child's own defaults apply (dbt's profiles.yml defaults the PostgreSQL user and database), and
    a value this process's environment has but the settings do not is not passed on."""
    monkeypatch.setenv("WOONSIGNAAL_PG_USER", "stale")
    monkeypatch.setenv("PATH", "/usr/bin")
    s = dataclasses.replace(get_settings({}), pg_user="")
    env = s.child_environment()
    assert "WOONSIGNAAL_PG_USER" not in env and "WOONSIGNAAL_PG_PASSWORD" not in env
    assert env["PATH"] == "/usr/bin"
    assert get_settings(env) == s


def test_secrets_never_in_the_repr():
    text = repr(get_settings(EVERY_SETTING))
    for secret in ("geheim-1", "pg-geheim", "bi-geheim", "mb-geheim"):
        assert secret not in text
    assert "db.example" in text


def test_a_wrong_retry_delay_names_the_variable():
    with pytest.raises(ConfigurationError, match="WOONSIGNAAL_RETRY_DELAY_SECONDS"):
        get_settings({"WOONSIGNAAL_RETRY_DELAY_SECONDS": "vijf"})
    assert get_settings({}).retry_delay.total_seconds() == settings_module.DEFAULT_RETRY_DELAY_SECONDS


def test_the_nightly_run_gets_the_settings_of_the_command(tmp_path):
    """What `woonsignaal run --landing` and the demo give the embedded Airflow: the command's settings."""
    from woonsignaal.airflow_runner import airflow_environment, interactive

    s = dataclasses.replace(get_settings({"WOONSIGNAAL_HOME": str(tmp_path)}), demo=True, landing=tmp_path / "l")
    env = airflow_environment(interactive(s))
    child = get_settings(env)
    assert (child.demo, child.landing, child.retry_delay_seconds) == (True, tmp_path / "l", 5)
    assert env["AIRFLOW_HOME"] == str(tmp_path / "airflow")


def _environ() -> dict[str, str]:
    return dict(os.environ)


def test_run_with_landing_does_not_change_the_process_environment(woonsignaal_home, tmp_path):
    from woonsignaal.cli import app

    before = _environ()
    res = CliRunner().invoke(app, ["run", "--landing", str(tmp_path / "bestaat-niet")], terminal_width=300)
    assert res.exit_code == 1 and "bestaat-niet" in res.output
    assert _environ() == before


def test_demo_passes_its_settings_without_changing_the_process_environment(woonsignaal_home, monkeypatch):
    from woonsignaal import cli

    monkeypatch.delenv("WOONSIGNAAL_DEMO", raising=False)
    landing = Path(woonsignaal_home) / "landing" / "2026-01-31"
    landing.mkdir(parents=True)
    (landing / "manifest.json").write_text("{}")  # a landing with a delivery: nothing is simulated
    seen = []
    monkeypatch.setattr(cli, "_process_landing_once", lambda settings, alleen: seen.append(settings) or 0)
    before = _environ()
    res = CliRunner().invoke(cli.app, ["demo"], terminal_width=300)
    assert res.exit_code == 0, res.output
    assert _environ() == before
    (s,) = seen
    assert s.demo and s.landing == Path(woonsignaal_home).resolve() / "landing"
