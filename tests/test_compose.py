"""docker-compose.yml and the Dockerfile: no Docker engine runs here, so check their structure and that
every path and setting they use matches the code."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from woonsignaal import settings as settings_module

REPO_ROOT = Path(__file__).resolve().parents[1]
AIRFLOW_SERVICES = {
    "airflow-apiserver",
    "airflow-scheduler",
    "airflow-dag-processor",
    "airflow-worker",
    "airflow-triggerer",
    "airflow-init",
}


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((REPO_ROOT / "docker-compose.yml").read_text())


def _env(service: dict) -> dict[str, str]:
    return {k: str(v) for k, v in service["environment"].items()}


def _mounts(service: dict) -> dict[str, str]:
    """container path -> host source"""
    mounts = {}
    for spec in service["volumes"]:
        source, target = spec.split(":")[:2]
        mounts[target] = source
    return mounts


def test_services_are_the_official_airflow3_shape(compose):
    assert set(compose["services"]) == AIRFLOW_SERVICES | {"postgres", "redis"}
    commands = {name: compose["services"][name].get("command") for name in AIRFLOW_SERVICES - {"airflow-init"}}
    assert commands == {
        "airflow-apiserver": "api-server",
        "airflow-scheduler": "scheduler",
        "airflow-dag-processor": "dag-processor",
        "airflow-worker": "celery worker",
        "airflow-triggerer": "triggerer",
    }
    for name in AIRFLOW_SERVICES - {"airflow-init"}:
        deps = compose["services"][name]["depends_on"]
        assert deps["postgres"]["condition"] == "service_healthy"
        assert deps["redis"]["condition"] == "service_healthy"
        assert deps["airflow-init"]["condition"] == "service_completed_successfully"
        assert "healthcheck" in compose["services"][name]


def test_every_airflow_service_runs_the_woonsignaal_image_with_the_same_settings(compose):
    images = {compose["services"][n]["image"] for n in AIRFLOW_SERVICES}
    assert len(images) == 1
    assert all(compose["services"][n]["build"] == "." for n in AIRFLOW_SERVICES)
    envs = [_env(compose["services"][n]) for n in AIRFLOW_SERVICES]
    for env in envs:
        assert env["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor"
        assert env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"].startswith("postgresql+psycopg2://")
        assert env["AIRFLOW__CELERY__BROKER_URL"].startswith("redis://")


def test_api_server_listens_on_loopback_only(compose):
    assert compose["services"]["airflow-apiserver"]["ports"] == ["127.0.0.1:8080:8080"]


def test_woonsignaal_settings_match_the_code(compose):
    env = _env(compose["services"]["airflow-scheduler"])
    woonsignaal_env = {k for k in env if k.startswith("WOONSIGNAAL_")}
    known = {v for k, v in vars(settings_module).items() if k.startswith("ENV_")}
    assert woonsignaal_env <= known, f"compose sets settings the code does not read: {woonsignaal_env - known}"
    for required in (settings_module.ENV_HOME, settings_module.ENV_LANDING, settings_module.ENV_KEY,
                     settings_module.ENV_DBT_PROJECT, settings_module.ENV_EXPECTATIONS):
        assert required in env
    # the key must come from the operator's .env, never from the compose file itself
    assert env[settings_module.ENV_KEY].startswith("${WOONSIGNAAL_PSEUDONIEM_SLEUTEL:?")


def test_mounts_point_where_the_settings_say(compose):
    service = compose["services"]["airflow-worker"]
    env = _env(service)
    mounts = _mounts(service)
    assert mounts[env["AIRFLOW__CORE__DAGS_FOLDER"]] == "./dags"
    assert mounts[env[settings_module.ENV_DBT_PROJECT]] == "./dbt_project"
    assert mounts[env[settings_module.ENV_EXPECTATIONS]] == "./expectations"
    assert mounts[env[settings_module.ENV_HOME]] == "woonsignaal-home"
    assert env[settings_module.ENV_LANDING] in mounts
    assert any(s.endswith(":ro") and env[settings_module.ENV_LANDING] in s for s in service["volumes"])
    for source in ("./dags", "./dbt_project", "./expectations"):
        assert (REPO_ROOT / source).is_dir(), source
    assert {"woonsignaal-home", "airflow-logs", "postgres-db-volume"} <= set(compose["volumes"])


def test_dockerfile_installs_the_lock_and_matches_compose(compose):
    dockerfile = (REPO_ROOT / "Dockerfile").read_text()
    lock = (REPO_ROOT / "requirements.lock").read_text()
    airflow_version = re.search(r"^apache-airflow==(\S+)$", lock, re.M).group(1)
    assert f"ARG AIRFLOW_VERSION={airflow_version}" in dockerfile
    assert "FROM apache/airflow:${AIRFLOW_VERSION}-python3.11" in dockerfile
    assert "pip install --no-cache-dir -r requirements.lock" in dockerfile
    assert re.search(r"^apache-airflow-providers-celery==", lock, re.M), "CeleryExecutor needs the celery provider"
    env = _env(compose["services"]["airflow-scheduler"])
    for name in (settings_module.ENV_DBT_PROJECT, settings_module.ENV_EXPECTATIONS, settings_module.ENV_HOME,
                 settings_module.ENV_LANDING):
        assert f"{name}={env[name]}" in dockerfile
    for path in ("requirements.lock", "pyproject.toml", "README.md", "src", "dags", "dbt_project", "expectations"):
        assert (REPO_ROOT / path).exists(), f"the Dockerfile copies {path}, which is missing"
