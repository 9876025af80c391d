"""The lint tooling: CI lints before it tests, `make lint` runs every linter and fails when one fails,
the linters' settings agree, and bench/compare_warehouses.py tells equal from different tables without
printing a row. Structure tests (no linter is run here: `make lint` is CI's own step)."""

from __future__ import annotations

import configparser
import importlib.util
import re
import sys
import tomllib
from pathlib import Path

import duckdb
import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]


def _commands(script: str) -> list[str]:
    """The shell lines of a script that do something (no comments, no blank lines)."""
    return [line.strip() for line in script.splitlines() if line.strip() and not line.strip().startswith("#")]


def _recipe(makefile: str, target: str) -> str:
    """The recipe of ``target`` as one shell text (tab-indented lines, backslash continuations joined)."""
    lines = makefile.splitlines()
    start = next(i for i, line in enumerate(lines) if re.match(rf"^{re.escape(target)}\s*:", line))
    body = []
    for line in lines[start + 1 :]:
        if not line.startswith("\t"):
            break
        body.append(line[1:])
    return "\n".join(body).replace("\\\n", " ")


@pytest.fixture(scope="module")
def makefile() -> str:
    return (REPO_ROOT / "Makefile").read_text(encoding="utf-8")


def test_ci_lints_before_it_tests():
    commands = _commands((REPO_ROOT / ".ci" / "run").read_text(encoding="utf-8"))
    assert "set -euo pipefail" in commands, "a failing step must stop CI"
    assert "make lint" in commands and "make test" in commands
    assert commands.index("make lint") < commands.index("make test")
    assert commands[-1] == "make test"


def test_make_test_is_the_readme_command(makefile):
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    assert re.search(r"^make test\s+#", readme, re.M)
    assert re.search(r"^make lint\b", readme, re.M), "README documents make lint"
    assert "$(BIN)/python -m pytest" in _recipe(makefile, "test")
    assert "lint" not in _recipe(makefile, "test")


def test_make_lint_runs_every_linter_and_fails_when_one_fails(makefile):
    recipe = _recipe(makefile, "lint")
    # each step: `echo "== <name>"; <command> || status=1`; the recipe ends with `exit $$status`
    steps = dict(re.findall(r'echo "== ([^"]+)";(.*?)\|\| status=1', recipe, re.S))
    expected = {
        "ruff check": r"^\$\(BIN\)/ruff check \.$",
        "ruff format --check": r"^\$\(BIN\)/ruff format --check \.$",
        "sqlfluff lint": r"^WOONSIGNAAL_WAREHOUSE=:memory: \$\(BIN\)/sqlfluff lint \$\(SQL_LINT_PATHS\)$",
        "SQL lines <= 120 characters": (
            r"^awk 'length > 120 .* \$\$\(find \$\(SQL_LINT_PATHS\) -name '\*\.sql' \| sort\)$"
        ),
        "dbt evaluator": r"^\$\(BIN\)/python -m woonsignaal\.dbt_evaluator$",
    }
    assert list(steps) == list(expected)
    for name, pattern in expected.items():
        assert re.match(pattern, " ".join(steps[name].split()), re.S), name
    assert recipe.rstrip().endswith("exit $$status")
    assert recipe.count("|| status=1") == len(expected), "every step, and only the steps, can fail make lint"
    paths = re.search(r"^SQL_LINT_PATHS\s*:=\s*(.+)$", makefile, re.M).group(1).split()
    assert paths == ["dbt_project/models", "dbt_project/tests"]
    assert all((REPO_ROOT / p).is_dir() for p in paths)


def test_the_linters_agree_on_the_project():
    pyproject = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    ruff = pyproject["tool"]["ruff"]
    sqlfluff = configparser.ConfigParser()
    sqlfluff.read(REPO_ROOT / ".sqlfluff", encoding="utf-8")
    assert int(sqlfluff["sqlfluff"]["max_line_length"]) == ruff["line-length"] == 120
    assert sqlfluff["sqlfluff"]["dialect"] == "duckdb"
    assert sqlfluff["sqlfluff"]["templater"] == "dbt"
    dbt = sqlfluff["sqlfluff:templater:dbt"]
    assert (REPO_ROOT / dbt["project_dir"] / "dbt_project.yml").is_file()
    assert (REPO_ROOT / dbt["profiles_dir"] / "profiles.yml").is_file()
    # every excluded rule says why, in a comment that names it
    text = (REPO_ROOT / ".sqlfluff").read_text(encoding="utf-8")
    excluded = [r.strip() for r in sqlfluff["sqlfluff"]["exclude_rules"].split(",")]
    for rule in excluded:
        assert re.search(rf"^# {rule} \(", text, re.M), f"{rule} excluded without a reason"
    pins = {
        line.split("==")[0]: line.split("==")[1]
        for line in (REPO_ROOT / "requirements.lock").read_text().splitlines()
        if "==" in line
    }
    for tool in ("ruff", "sqlfluff", "sqlfluff-templater-dbt"):
        assert f"{tool}=={pins[tool].split()[0]}" in pyproject["project"]["optional-dependencies"]["dev"]


# --- bench/compare_warehouses.py ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def compare():
    spec = importlib.util.spec_from_file_location("compare_warehouses", REPO_ROOT / "bench" / "compare_warehouses.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


SECRET = "NL91ABNA0417164300"  # an IBAN-like value: it may never appear in the output


def _warehouse(path: Path, extra_row: bool, bedrag: float, run: str) -> Path:
    con = duckdb.connect(str(path))
    con.execute("create schema marts")
    con.execute("create table marts.fct (id integer, iban varchar, bedrag double)")
    con.execute("insert into marts.fct values (1, ?, ?), (2, 'x', 2.5), (2, 'x', 2.5)", [SECRET, bedrag])
    if extra_row:
        con.execute("insert into marts.fct values (3, ?, 1.0)", [SECRET + "9"])
    con.execute("create table marts.pipeline_runs (run_id varchar)")
    con.execute("insert into marts.pipeline_runs values (?)", [run])
    con.execute("create view marts.v as select id from marts.fct")
    con.close()
    return path


def test_compare_warehouses_equal_up_to_float_noise_and_run_columns(compare, tmp_path, capsys):
    a = _warehouse(tmp_path / "a.duckdb", False, 0.1 + 0.2, "run-a")
    b = _warehouse(tmp_path / "b.duckdb", False, 0.3, "run-b")
    assert compare.main([str(a), str(b)]) == 0
    out = capsys.readouterr().out
    assert re.search(r"marts\.fct\s+3\s+3\s+equal \(floats to 9 decimals\)", out)
    assert re.search(r"marts\.pipeline_runs\s+1\s+1\s+equal", out)
    assert re.search(r"marts\.v\s+3\s+3\s+equal", out)
    assert "all equal" in out
    # the run's own columns count when asked to
    assert compare.main([str(a), str(b), "--no-default-ignore"]) == 1


def test_compare_warehouses_counts_differences_without_showing_rows(compare, tmp_path, capsys):
    a = _warehouse(tmp_path / "a.duckdb", False, 1.0, "r")
    b = _warehouse(tmp_path / "b.duckdb", True, 1.5, "r")
    con = duckdb.connect(str(b))
    con.execute("create table marts.alleen_b (id integer)")
    con.close()
    before = (a.stat().st_mtime_ns, b.stat().st_mtime_ns)
    assert compare.main([str(a), str(b)]) == 1
    out = capsys.readouterr().out
    assert re.search(r"marts\.fct\s+3\s+4\s+different: 1 rows only in A, 2 only in B", out)
    assert re.search(r"marts\.alleen_b .* only in B", out)
    assert "NOT all equal" in out
    assert SECRET not in out and "2.5" not in out and "1.5" not in out
    assert (a.stat().st_mtime_ns, b.stat().st_mtime_ns) == before, "both files are opened read-only"
