"""docker-compose.yml and the Dockerfile: no Docker engine runs here, so check their structure and that
every path and setting they use matches the code."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from woonsignaal import settings as settings_module
from woonsignaal.serving import metabase as metabase_module
from woonsignaal.serving import postgres as serving_module

REPO_ROOT = Path(__file__).resolve().parents[1]
SERVING_SERVICES = {"warehouse", "metabase", "metabase-init"}
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
        source, target = re.split(r":(?![^{]*\})", spec)[:2]  # a ':' inside ${VAR:-default} is no separator
        mounts[target] = source
    return mounts


def test_services_are_the_official_airflow3_shape(compose):
    assert set(compose["services"]) == AIRFLOW_SERVICES | {"postgres", "redis"} | SERVING_SERVICES
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
    known = {v for module in (settings_module, serving_module) for k, v in vars(module).items() if k.startswith("ENV_")}
    assert woonsignaal_env <= known, f"compose sets settings the code does not read: {woonsignaal_env - known}"
    for required in (
        settings_module.ENV_HOME,
        settings_module.ENV_LANDING,
        settings_module.ENV_KEY,
        settings_module.ENV_DBT_PROJECT,
        settings_module.ENV_EXPECTATIONS,
    ):
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
    for name in (
        settings_module.ENV_DBT_PROJECT,
        settings_module.ENV_EXPECTATIONS,
        settings_module.ENV_HOME,
        settings_module.ENV_LANDING,
    ):
        assert f"{name}={env[name]}" in dockerfile
    for path in ("requirements.lock", "pyproject.toml", "README.md", "src", "dags", "dbt_project", "expectations"):
        assert (REPO_ROOT / path).exists(), f"the Dockerfile copies {path}, which is missing"


# --- serving: the warehouse PostgreSQL, Metabase (profile bi) -------------------------------------


def test_warehouse_is_a_separate_postgres_the_pipeline_publishes_to(compose):
    warehouse = compose["services"]["warehouse"]
    assert warehouse["image"].startswith("postgres:")
    assert "profiles" not in warehouse  # always part of the stack
    wenv = _env(warehouse)
    assert warehouse["ports"] == ["127.0.0.1:5433:5432"]  # loopback only
    assert _mounts(warehouse)["/var/lib/postgresql/data"] == "warehouse-db-volume"
    assert "pg_isready" in warehouse["healthcheck"]["test"]
    for name in AIRFLOW_SERVICES:
        env = _env(compose["services"][name])
        # publication is on (WOONSIGNAAL_PG_HOST set) and points at that service, as its owner
        assert env[serving_module.ENV_PG_HOST] == "warehouse"
        assert env[serving_module.ENV_PG_PORT] == "5432"
        assert env[serving_module.ENV_PG_USER] == wenv["POSTGRES_USER"]
        assert env[serving_module.ENV_PG_DATABASE] == wenv["POSTGRES_DB"]
        assert env[serving_module.ENV_PG_PASSWORD] == wenv["POSTGRES_PASSWORD"]
        # secrets come from the operator's .env, never from the compose file
        assert env[serving_module.ENV_PG_PASSWORD].startswith("${WOONSIGNAAL_PG_PASSWORD:?")
        assert env[serving_module.ENV_PG_BI_PASSWORD].startswith("${WOONSIGNAAL_PG_BI_PASSWORD:?")
        assert env[serving_module.ENV_PG_BI_ROLE] == "${WOONSIGNAAL_PG_BI_ROLE:-woonsignaal_bi}"
    for name in AIRFLOW_SERVICES - {"airflow-init"}:
        assert compose["services"][name]["depends_on"]["warehouse"]["condition"] == "service_healthy"
    assert "warehouse-db-volume" in compose["volumes"]


def test_metabase_is_optional_and_preconfigured_with_the_read_only_role(compose):
    metabase, init = compose["services"]["metabase"], compose["services"]["metabase-init"]
    assert metabase["profiles"] == ["bi"] and init["profiles"] == ["bi"]
    assert "metabase/metabase:v" in metabase["image"]  # a pinned version, overridable with METABASE_IMAGE
    assert metabase["ports"] == ["127.0.0.1:3000:3000"]
    assert "/api/health" in " ".join(metabase["healthcheck"]["test"])
    assert init["depends_on"]["metabase"]["condition"] == "service_healthy"
    # the init job runs our module, in our image, against the metabase service
    assert init["image"] == compose["services"]["airflow-worker"]["image"]
    assert init["entrypoint"] == ["python", "-m", metabase_module.__name__]
    env = _env(init)
    assert env[metabase_module.ENV_METABASE_URL] == "http://metabase:3000"
    assert {metabase_module.ENV_METABASE_ADMIN_EMAIL, metabase_module.ENV_METABASE_ADMIN_PASSWORD} <= set(env)
    # Metabase connects as the read-only role, never as the publishing owner
    worker = _env(compose["services"]["airflow-worker"])
    for name in (
        serving_module.ENV_PG_HOST,
        serving_module.ENV_PG_DATABASE,
        serving_module.ENV_PG_BI_ROLE,
        serving_module.ENV_PG_BI_PASSWORD,
    ):
        assert env[name] == worker[name]
    assert serving_module.ENV_PG_USER not in env and serving_module.ENV_PG_PASSWORD not in env
    known = {v for module in (serving_module, metabase_module) for k, v in vars(module).items() if k.startswith("ENV_")}
    assert {k for k in env if k.startswith("WOONSIGNAAL_")} <= known
    assert "metabase-data" in compose["volumes"]


def test_compose_secrets_that_are_required_are_not_required_by_the_optional_profile(compose):
    """Compose interpolates the whole file even when a profile is off: a `:?` in the bi profile would
    make `docker compose up` fail for everyone who does not use Metabase."""
    text = (REPO_ROOT / "docker-compose.yml").read_text()
    for var in ("WOONSIGNAAL_METABASE_ADMIN_EMAIL", "WOONSIGNAAL_METABASE_ADMIN_PASSWORD"):
        assert f"${{{var}:?" not in text


def test_duckdb_memory_limits_are_the_same_settings_for_ingest_dbt_and_compose(compose, monkeypatch):
    """settings, profiles.yml and the compose file read the same variables with the same defaults."""
    for env, attr, default in [
        (settings_module.ENV_DUCKDB_MEMORY_LIMIT, "duckdb_memory_limit", settings_module.DEFAULT_DUCKDB_MEMORY_LIMIT),
        (settings_module.ENV_INGEST_MEMORY_LIMIT, "ingest_memory_limit", settings_module.DEFAULT_INGEST_MEMORY_LIMIT),
    ]:
        monkeypatch.delenv(env, raising=False)
        assert getattr(settings_module.get_settings(), attr) == default
        monkeypatch.setenv(env, "6GB")
        assert getattr(settings_module.get_settings(), attr) == "6GB"
        assert _env(compose["services"]["airflow-worker"])[env] == f"${{{env}:-{default}}}"

    profile = yaml.safe_load((REPO_ROOT / "dbt_project" / "profiles.yml").read_text())
    limit = profile["woonsignaal"]["outputs"]["duckdb"]["settings"]["memory_limit"]
    assert limit == (
        f"{{{{ env_var('{settings_module.ENV_DUCKDB_MEMORY_LIMIT}', "
        f"'{settings_module.DEFAULT_DUCKDB_MEMORY_LIMIT}') }}}}"
    )
    env = _env(compose["services"]["airflow-worker"])
    assert env[settings_module.ENV_DUCKDB_MEMORY_LIMIT] == (
        f"${{{settings_module.ENV_DUCKDB_MEMORY_LIMIT}:-{settings_module.DEFAULT_DUCKDB_MEMORY_LIMIT}}}"
    )


# --- one source for the compose stack and the local cluster (woonsignaal.cluster, `make cluster`) ---------


def test_compose_environment_is_generated_from_the_local_clusters_source(compose):
    from woonsignaal.cluster import compose_environment

    assert _env(compose["x-airflow-common"]) == compose_environment(), (
        "docker-compose.yml's x-airflow-common environment differs from woonsignaal.cluster.airflow_environment; "
        "regenerate it with `.venv/bin/python -m woonsignaal.cluster compose-env`"
    )
    for name in AIRFLOW_SERVICES:
        env = _env(compose["services"][name])
        assert {k: env[k] for k in compose_environment()} == compose_environment(), name


def test_compose_runs_as_many_workers_as_the_local_cluster_and_they_share_the_home(compose):
    import inspect

    from woonsignaal.cluster import ClusterConfig

    workers = inspect.signature(ClusterConfig).parameters["workers"].default
    assert compose["services"]["airflow-worker"]["deploy"]["replicas"] == workers == 2
    for name in AIRFLOW_SERVICES:  # every task, on whichever worker, reaches the one working warehouse
        service = compose["services"][name]
        assert _mounts(service)[_env(service)[settings_module.ENV_HOME]] == "woonsignaal-home", name


def test_workers_can_reach_the_execution_api_with_the_schedulers_tokens(compose):
    """The scheduler signs each task's token and the api-server checks it: without one shared secret every
    process draws its own and every task fails with "Invalid auth token"."""
    env = _env(compose["x-airflow-common"])
    assert env["AIRFLOW__API_AUTH__JWT_SECRET"].startswith("${AIRFLOW__API_AUTH__JWT_SECRET:?")
    assert env["AIRFLOW__API__SECRET_KEY"].startswith("${AIRFLOW__API__SECRET_KEY:?")
    assert env["AIRFLOW__CORE__EXECUTION_API_SERVER_URL"] == "http://airflow-apiserver:8080/execution/"
    assert compose["services"]["airflow-apiserver"]["command"] == "api-server"
    example = (REPO_ROOT / ".env.example").read_text()
    for name in ("AIRFLOW__API_AUTH__JWT_SECRET", "AIRFLOW__API__SECRET_KEY"):
        assert f"\n{name}=" in example


def _cluster_config(tmp_path):
    from woonsignaal.cluster import ClusterConfig

    return ClusterConfig(home=tmp_path / "home", api_port=18080, redis_port=16379, pg_port=15432)


def test_local_cluster_fills_the_settings_as_compose_interpolates_them(tmp_path):
    from woonsignaal.cluster import compose_environment, local_environment

    base = {
        "WOONSIGNAAL_PSEUDONIEM_SLEUTEL": "sleutel",
        "WOONSIGNAAL_MIN_GROEPSGROOTTE": "15",
        "WOONSIGNAAL_PG_BI_PASSWORD": "van-het-team",
    }
    env = local_environment(_cluster_config(tmp_path), base)
    assert set(env) == set(compose_environment())
    assert env["WOONSIGNAAL_PSEUDONIEM_SLEUTEL"] == "sleutel"
    assert env["WOONSIGNAAL_MIN_GROEPSGROOTTE"] == "15"  # ${...:-10}: the operator's value
    assert env["WOONSIGNAAL_DUCKDB_MEMORY_LIMIT"] == settings_module.DEFAULT_DUCKDB_MEMORY_LIMIT  # the default
    assert env["WOONSIGNAAL_PG_BI_PASSWORD"] == "van-het-team"
    assert env["AIRFLOW__CORE__EXECUTION_API_SERVER_URL"] == "http://127.0.0.1:18080/execution/"
    assert env["AIRFLOW__CELERY__BROKER_URL"] == "redis://:@127.0.0.1:16379/0"
    assert env["WOONSIGNAAL_PG_HOST"] == "127.0.0.1" and env["WOONSIGNAAL_PG_PORT"] == "15432"
    assert env["WOONSIGNAAL_HOME"] == str(tmp_path / "home")
    # secrets compose requires from .env are generated once, kept private, and reused on the next start
    secrets_file = tmp_path / "home" / "cluster" / "secrets.json"
    assert secrets_file.stat().st_mode & 0o077 == 0
    again = local_environment(_cluster_config(tmp_path), base)
    for name in ("AIRFLOW__API_AUTH__JWT_SECRET", "AIRFLOW__API__SECRET_KEY", "WOONSIGNAAL_PG_PASSWORD"):
        assert len(env[name]) >= 32 and again[name] == env[name]


def test_local_cluster_refuses_without_a_pseudonymisation_key(tmp_path):
    from woonsignaal.cluster import local_environment

    with pytest.raises(settings_module.ConfigurationError, match="WOONSIGNAAL_PSEUDONIEM_SLEUTEL"):
        local_environment(_cluster_config(tmp_path), {})
    demo = local_environment(_cluster_config(tmp_path), {"WOONSIGNAAL_DEMO": "1"})
    assert demo["WOONSIGNAAL_PSEUDONIEM_SLEUTEL"] == ""  # settings.py then uses the demo key


def test_dotenv_is_read_as_compose_reads_it(tmp_path):
    from woonsignaal.cluster import read_dotenv

    path = tmp_path / ".env"
    path.write_text(
        "# comment\n\nWOONSIGNAAL_PSEUDONIEM_SLEUTEL='ab=cd'\nWOONSIGNAAL_ALERT_WEBHOOK=\n"
        "WOONSIGNAAL_MIN_GROEPSGROOTTE = 12\n"
    )
    assert read_dotenv(path) == {
        "WOONSIGNAAL_PSEUDONIEM_SLEUTEL": "ab=cd",
        "WOONSIGNAAL_ALERT_WEBHOOK": "",
        "WOONSIGNAAL_MIN_GROEPSGROOTTE": "12",
    }
    assert read_dotenv(tmp_path / "absent") == {}
