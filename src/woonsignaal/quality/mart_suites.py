"""Great Expectations suites for the published marts, derived from the dbt model files.

The published marts' columns, types and tests are declared once, in the ``_<dir>__models.yml`` files
of ``dbt_project/models/marts`` (their enforced contracts). A mart is published only when dbt's model
governance says so: ``access: public`` (``+access`` in ``dbt_project.yml``, or ``access`` / ``config:
{access: ...}`` in its yml). dbt's default access is ``protected``, so a new model with tenant-level rows
never reaches BI tools by accident.

For every published mart this module writes ``expectations/marts/<mart>.json``:

* the exact, ordered column list of the contract;
* ``not_null``, ``unique`` and ``accepted_values`` tests of the yml as expectations;
* ranges by naming convention on numeric columns: shares ``aandeel_*`` in [0, 1], percentages
  ``*_pct*`` in [0, 100] (annualised ones, ``*_jaar_pct``, only never negative: a small segment's
  monthly rate times twelve can pass 100), counts (``n``, ``*_aantal``, ``aantal_*``) and day counts
  (``*_dagen``) never negative;
* for ``signalen``: ``ondergrens <= bovengrens`` and a positive ``verhouding``.

Rules that depend on the run are added when the audit runs (:func:`runtime_suites`): the minimum group
size on ``signalen.n`` and each mart's row count within a tolerance of the current publication.

``python -m woonsignaal.quality.mart_suites`` regenerates the committed JSON; a test keeps them equal.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import yaml

SHARE = re.compile(r"^aandeel_")
PERCENT = re.compile(r"_pct(_|$)")
ANNUALISED = re.compile(r"_jaar(_|$)")
COUNT = re.compile(r"(^n$|_aantal$|^aantal_|_dagen$)")
NUMERIC = re.compile(r"(int|double|numeric|decimal|float|real)", re.I)


def model_files(dbt_project_dir: Path) -> list[Path]:
    return sorted((dbt_project_dir / "models" / "marts").rglob("_*__models.yml"))


def _project_config(project_models: dict[str, Any], fqn: list[str], key: str) -> Any:
    """The ``+key`` config along a model's path in ``dbt_project.yml`` (deeper entries win), as dbt resolves it."""
    value: Any = None
    node: Any = project_models
    for part in fqn:
        if not isinstance(node, dict) or part not in node:
            break
        node = node[part]
        if isinstance(node, dict) and f"+{key}" in node:
            value = node[f"+{key}"]
    return value


def _access(model: dict[str, Any], inherited: Any) -> str:
    """A model's resolved access: its yml (``config:`` wins over the top-level key) over the project's."""
    config = model.get("config") or {}
    return str(config.get("access") or model.get("access") or inherited or "protected")


def published_models(dbt_project_dir: Path) -> dict[str, dict[str, Any]]:
    """name -> model entry (from its yml) of every mart whose resolved access is ``public``."""
    project = yaml.safe_load((dbt_project_dir / "dbt_project.yml").read_text(encoding="utf-8")) or {}
    project_models = (project.get("models") or {}).get(project.get("name", ""), {}) or {}
    models_root = dbt_project_dir / "models"
    models: dict[str, dict[str, Any]] = {}
    for path in model_files(dbt_project_dir):
        folders = list(path.parent.relative_to(models_root).parts)
        doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for model in doc.get("models", []) or []:
            inherited = _project_config(project_models, [*folders, model["name"]], "access")
            if _access(model, inherited) == "public":
                models[model["name"]] = model
    return models


def _expectation(type_: str, description: str, **kwargs: Any) -> dict[str, Any]:
    return {"type": type_, "kwargs": kwargs, "meta": {}, "description": description}


def _test_name_and_args(test: Any) -> tuple[str, dict[str, Any]]:
    if isinstance(test, str):
        return test, {}
    ((name, body),) = test.items()
    body = body or {}
    args = {**(body.get("arguments") or {}), **{k: v for k, v in body.items() if k not in ("arguments", "config")}}
    return name, args


def suite_for_model(model: dict[str, Any]) -> dict[str, Any]:
    name = model["name"]
    columns = [c["name"] for c in model.get("columns", [])]
    expectations = [
        _expectation(
            "expect_table_columns_to_match_ordered_list",
            "exactly the columns of the mart's contract, in order",
            column_list=columns,
        )
    ]
    for column in model.get("columns", []):
        col = column["name"]
        for test in column.get("data_tests", []) or column.get("tests", []) or []:
            test_name, args = _test_name_and_args(test)
            if test_name == "not_null":
                expectations.append(_expectation("expect_column_values_to_not_be_null", "never empty", column=col))
            elif test_name == "unique":
                expectations.append(_expectation("expect_column_values_to_be_unique", "key is unique", column=col))
            elif test_name == "accepted_values" and "values" in args:
                expectations.append(
                    _expectation(
                        "expect_column_values_to_be_in_set",
                        "only the documented values",
                        column=col,
                        value_set=list(args["values"]),
                    )
                )
        if not NUMERIC.search(str(column.get("data_type", ""))):
            continue  # ranges by name apply to numbers only (is_langer_dan_30_dagen is a flag)
        if SHARE.search(col):
            expectations.append(
                _expectation(
                    "expect_column_values_to_be_between",
                    "a share lies between 0 and 1",
                    column=col,
                    min_value=0,
                    max_value=1,
                )
            )
        elif PERCENT.search(col) and not ANNUALISED.search(col):
            expectations.append(
                _expectation(
                    "expect_column_values_to_be_between",
                    "a percentage lies between 0 and 100",
                    column=col,
                    min_value=0,
                    max_value=100,
                )
            )
        elif PERCENT.search(col) or COUNT.search(col):
            expectations.append(
                _expectation("expect_column_values_to_be_between", "a count is never negative", column=col, min_value=0)
            )
    if name == "signalen":
        expectations.append(
            _expectation(
                "expect_column_pair_values_a_to_be_greater_than_b",
                "the interval's upper bound is not below its lower bound",
                column_A="bovengrens",
                column_B="ondergrens",
                or_equal=True,
                ignore_row_if="either_value_is_missing",
            )
        )
        expectations.append(
            _expectation(
                "expect_column_values_to_be_between",
                "a ratio of two positive figures is positive",
                column="verhouding",
                min_value=0,
                strict_min=True,
            )
        )
    return {"name": f"marts.{name}", "expectations": expectations, "meta": {"generated_from": "dbt model yml"}}


def generate_mart_suites(dbt_project_dir: Path) -> dict[str, dict[str, Any]]:
    return {name: suite_for_model(model) for name, model in sorted(published_models(dbt_project_dir).items())}


def write_mart_suites(dbt_project_dir: Path, target: Path) -> list[Path]:
    target.mkdir(parents=True, exist_ok=True)
    suites = generate_mart_suites(dbt_project_dir)
    written = []
    for stale in target.glob("*.json"):
        if stale.stem not in suites:
            stale.unlink()
    for name, suite in suites.items():
        path = target / f"{name}.json"
        path.write_text(json.dumps(suite, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        written.append(path)
    return written


def runtime_suites(
    suite_dir: Path, target: Path, *, minimum_group_size: int, previous_counts: dict[str, int], tolerance: float
) -> Path:
    """Copy the committed suites to ``target`` with this run's rules added; returns ``target``.

    * ``signalen.n`` at least the minimum group size;
    * each mart's row count within ``tolerance`` (a fraction) of the current publication, for marts
      that had at least 100 rows (small marts such as ``signalen`` may change a lot from night to night).
    """
    target.mkdir(parents=True, exist_ok=True)
    for stale in target.glob("*.json"):
        stale.unlink()
    for path in sorted(suite_dir.glob("*.json")):
        suite = json.loads(path.read_text(encoding="utf-8"))
        name = path.stem
        if name == "signalen":
            suite["expectations"].append(
                _expectation(
                    "expect_column_values_to_be_between",
                    f"no signal on a group smaller than the minimum group size ({minimum_group_size})",
                    column="n",
                    min_value=minimum_group_size,
                )
            )
        previous = previous_counts.get(name)
        if previous is not None and previous >= 100:
            suite["expectations"].append(
                _expectation(
                    "expect_table_row_count_to_be_between",
                    f"row count within {tolerance:.0%} of the current publication ({previous} rows)",
                    min_value=int(previous * (1 - tolerance)),
                    max_value=int(previous * (1 + tolerance)) + 1,
                )
            )
        (target / path.name).write_text(json.dumps(suite, indent=2, ensure_ascii=False), encoding="utf-8")
    return target


if __name__ == "__main__":  # pragma: no cover
    from woonsignaal.settings import get_settings

    s = get_settings()
    for p in write_mart_suites(s.dbt_project_dir, s.expectations_dir / "marts"):
        print(p)
