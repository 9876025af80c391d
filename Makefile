# woonsignaal: the two commands of the README, and a few more for operators.
#   make demo   set up .venv from the lock file, simulate a small corporation, run every delivery
#               through the nightly DAG and publish
#   make test   set up .venv and run the test suite (this is what CI runs, via .ci/run)
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
UV_VERSION := 0.13.9
PYTEST_ARGS ?=
CLUSTER_ARGS ?=

.PHONY: venv demo test airflow cluster lock status clean lint-dbt

$(VENV)/.installed: requirements.lock pyproject.toml
	@test -n "$(PYTHON)" || { echo "python3.11 not found"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)
	$(BIN)/uv pip install --quiet --python $(BIN)/python -r requirements.lock
	$(BIN)/uv pip install --quiet --python $(BIN)/python --no-deps -e .
	touch $@

venv: $(VENV)/.installed

demo: venv
	$(BIN)/woonsignaal demo

test: venv
	$(BIN)/python -m pytest -n 2 --dist loadscope $(PYTEST_ARGS)

# Optional: the Airflow UI on http://127.0.0.1:8080 with the same home, DAGs, runs and logs.
airflow: venv
	$(BIN)/woonsignaal airflow

# Optional: the CeleryExecutor stack of docker-compose.yml as local processes (PostgreSQL, Redis, api-server,
# scheduler, dag-processor, triggerer, two Celery workers), with the compose file's environment; settings from
# .env (see .env.example) and the shell. Needs redis-server and PostgreSQL (Debian packages). Ctrl-C stops it.
# Other ports: make cluster CLUSTER_ARGS="--api-port 8081 --redis-port 56380 --pg-port 55434"
cluster: venv
	$(BIN)/python -m woonsignaal.cluster $(CLUSTER_ARGS)

status: venv
	$(BIN)/woonsignaal status

# dbt-project-evaluator's rules on the dbt project (dbt parse into a temp dir; exceptions in
# dbt_project/evaluator_exceptions.yml; docs/warehouse.md).
lint-dbt: venv
	$(BIN)/python -m woonsignaal.dbt_evaluator

# Regenerate the lock file after changing dependencies in pyproject.toml.
lock: venv
	$(BIN)/uv pip compile pyproject.toml --all-extras --python-version 3.11 -o requirements.lock

clean:
	rm -rf var test-artifacts .pytest_cache
