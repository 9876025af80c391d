# woonsignaal: the two commands of the README, and a few more for operators.
#   make demo   set up .venv from the lock file, simulate a small corporation, run every delivery
#               through the nightly DAG and publish
#   make test   set up .venv and run the test suite (this is what CI runs, via .ci/run)
#   make lint   ruff, sqlfluff and the dbt evaluator over the tree (CI runs it before the tests)
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
UV_VERSION := 0.13.9
PYTEST_ARGS ?=
CLUSTER_ARGS ?=

.PHONY: venv demo test airflow cluster lock status clean lint lint-dbt

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

# Lint, as CI runs it before the tests (.ci/run). Every step runs; the target fails when one failed.
#   ruff check, ruff format --check  Python ([tool.ruff] in pyproject.toml)
#   sqlfluff lint                    the dbt models and singular tests (.sqlfluff, dbt templater). dbt's
#                                    DuckDB target opens its warehouse file even to compile: an in-memory
#                                    database here, so no warehouse is needed and none is touched
#   SQL lines <= 120 characters      the source lines (sqlfluff's LT05 measures the rendered ones; .sqlfluff)
#   dbt evaluator                    dbt-project-evaluator's rules (make lint-dbt)
SQL_LINT_PATHS := dbt_project/models dbt_project/tests
lint: venv
	@status=0; \
	echo "== ruff check"; $(BIN)/ruff check . || status=1; \
	echo "== ruff format --check"; $(BIN)/ruff format --check . || status=1; \
	echo "== sqlfluff lint"; WOONSIGNAAL_WAREHOUSE=:memory: $(BIN)/sqlfluff lint $(SQL_LINT_PATHS) || status=1; \
	echo "== SQL lines <= 120 characters"; \
	awk 'length > 120 { print FILENAME ":" FNR ": line longer than 120 characters"; bad = 1 } END { exit bad }' \
	    $$(find $(SQL_LINT_PATHS) -name '*.sql' | sort) || status=1; \
	echo "== dbt evaluator"; $(BIN)/python -m woonsignaal.dbt_evaluator || status=1; \
	exit $$status

# Regenerate the lock file after changing dependencies in pyproject.toml.
lock: venv
	$(BIN)/uv pip compile pyproject.toml --all-extras --python-version 3.11 -o requirements.lock

clean:
	rm -rf var test-artifacts .pytest_cache
