"""dbt-project-evaluator's rules (woonsignaal.dbt_evaluator): the project passes them, and each rule can fail.

The project test runs ``dbt parse`` (a few seconds) and checks that every finding is an exception listed,
with its reason, in ``dbt_project/evaluator_exceptions.yml``, and that every exception still excepts
something. The other tests run the rules on small hand-made manifests, one that breaks the rule and one
that keeps it, so that no rule passes only because it cannot fail.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from tests.demo_env import demo_environment

from woonsignaal.dbt_evaluator import (
    DEFAULT_VARS,
    EXCEPTIONS_FILE,
    RULE_NAMES,
    EvaluatorError,
    evaluate,
    evaluate_project,
    hard_coded_references,
    load_exceptions,
    main,
    parse_manifest,
    project_vars,
)

PROJECT = Path(__file__).resolve().parents[2] / "dbt_project"
PKG = "proj"


# --- the project ----------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def project_manifest(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("evaluator")
    with pytest.MonkeyPatch.context() as env:
        demo_environment(env, root / "home")
        return parse_manifest(root / "parse")


def test_the_project_has_no_finding_that_is_not_a_documented_exception(project_manifest):
    evaluation = evaluate_project(project_manifest, PROJECT)
    assert evaluation.ok, evaluation.report()
    # the rules did run on the real graph: the accepted findings are there
    assert {f.rule for f in evaluation.findings} >= {
        "fct_rejoining_of_upstream_concepts",
        "fct_sources_without_freshness",
    }


def test_the_published_marts_are_built_in_the_schema_the_package_reads(project_manifest):
    """Every public model lands in contract.MARTS_SCHEMA, the schema publish copies and the report,
    PostgreSQL and Metabase read: dbt_project.yml's ``+schema`` and the package name one schema."""
    from woonsignaal.contract import MARTS_SCHEMA

    manifest = json.loads(project_manifest.read_text())
    public = {n["name"]: n["schema"] for n in manifest["nodes"].values() if n.get("access") == "public"}
    assert "signalen" in public and len(public) > 5
    assert {name: schema for name, schema in public.items() if schema != MARTS_SCHEMA} == {}


def test_no_model_reads_the_deliveries_source_but_its_staging_model(project_manifest):
    manifest = json.loads(project_manifest.read_text())
    readers = sorted(
        n["name"]
        for n in manifest["nodes"].values()
        if "source.woonsignaal.raw.leveringen" in n["depends_on"].get("nodes", [])
    )
    assert readers == ["stg_raw__leveringen"]
    # marts and intermediate models read no source at all
    for node in manifest["nodes"].values():
        if node["resource_type"] == "model" and not node["original_file_path"].startswith("models/staging/"):
            assert not [p for p in node["depends_on"].get("nodes", []) if p.startswith("source.")], node["name"]


def test_every_model_has_a_tested_primary_key(project_manifest):
    """Staging, intermediate, marts, werklijsten: the signals' models included (issue 21)."""
    manifest = json.loads(project_manifest.read_text())
    evaluation = evaluate(manifest, project_vars(PROJECT))
    untested = {r["resource_name"] for r in evaluation.by_rule("fct_missing_primary_key_tests")}
    paths = {n["name"]: n["original_file_path"] for n in manifest["nodes"].values() if n["resource_type"] == "model"}
    assert untested == set()
    assert {m for m in paths if m.startswith("stg_signalen_invoer__")} == {
        "stg_signalen_invoer__signalen_berekend",
        "stg_signalen_invoer__signalen_berekend_run",
    }
    assert {paths[m] for m in ("int_signalen_berekend", "int_signalen_periode")} == {
        "models/intermediate/signalen/int_signalen_berekend.sql",
        "models/intermediate/signalen/int_signalen_periode.sql",
    }


def test_the_exception_list_is_documented():
    exceptions = load_exceptions(PROJECT / EXCEPTIONS_FILE)
    assert exceptions and all(e.why for e in exceptions)
    docs = (PROJECT.parent / "docs" / "warehouse.md").read_text(encoding="utf-8")
    assert EXCEPTIONS_FILE in docs and "lint-dbt" in docs
    for rule in {e.rule for e in exceptions}:
        assert rule in docs, f"docs/warehouse.md does not mention the accepted {rule} findings"


# --- hand-made manifests --------------------------------------------------------------------------------
def _model(
    name: str,
    folder: str,
    parents: tuple[str, ...] = (),
    materialized: str = "table",
    access: str = "protected",
    contract: bool = False,
    description: str = "documented",
    raw_code: str = "select 1",
    columns: tuple[str, ...] = (),
) -> dict[str, Any]:
    return {
        "unique_id": f"model.{PKG}.{name}",
        "name": name,
        "resource_type": "model",
        "package_name": PKG,
        "original_file_path": f"models/{folder}/{name}.sql",
        "language": "sql",
        "raw_code": raw_code,
        "description": description,
        "config": {"enabled": True, "materialized": materialized},
        "access": access,
        "contract": {"enforced": contract},
        "columns": {c: {"name": c, "description": "d", "constraints": []} for c in columns},
        "depends_on": {"nodes": [_uid(p) for p in parents], "macros": []},
    }


def _source(name: str, description: str = "documented", freshness: bool = True) -> dict[str, Any]:
    return {
        "unique_id": f"source.{PKG}.raw.{name}",
        "name": name,
        "source_name": "raw",
        "resource_type": "source",
        "package_name": PKG,
        "original_file_path": "models/staging/raw/_raw__sources.yml",
        "fqn": [PKG, "staging", "raw", "raw", name],
        "description": description,
        "source_description": "raw",
        "database": "db",
        "schema": "raw",
        "identifier": name,
        "config": {"enabled": True},
        "freshness": {"warn_after": {"count": 30, "period": "hour"}} if freshness else None,
    }


def _test(
    name: str, model: str, macro: str, column: str | None = None, yml: str = "models/intermediate/_models.yml"
) -> dict[str, Any]:
    return {
        "unique_id": f"test.{PKG}.{name}",
        "name": name,
        "resource_type": "test",
        "package_name": PKG,
        "original_file_path": yml,
        "config": {"enabled": True},
        "column_name": column,
        "attached_node": _uid(model),
        "test_metadata": {"name": macro.split("_", 1)[-1]},
        "depends_on": {"nodes": [_uid(model)], "macros": [f"macro.{macro}"]},
    }


def _exposure(name: str, parents: tuple[str, ...]) -> dict[str, Any]:
    return {
        "unique_id": f"exposure.{PKG}.{name}",
        "name": name,
        "resource_type": "exposure",
        "package_name": PKG,
        "original_file_path": "models/marts/_exposures.yml",
        "description": "d",
        "config": {"enabled": True},
        "depends_on": {"nodes": [_uid(p) for p in parents]},
    }


def _uid(ref: str) -> str:
    return f"source.{PKG}.{ref}" if ref.startswith("raw.") else f"model.{PKG}.{ref}"


def _manifest(*resources: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {
        "metadata": {"project_name": PKG},
        "nodes": {},
        "sources": {},
        "exposures": {},
        "metrics": {},
    }
    for r in resources:
        kind = {"source": "sources", "exposure": "exposures"}.get(r["resource_type"], "nodes")
        out[kind][r["unique_id"]] = r
    return out


def _keyed(*models: dict[str, Any]) -> list[dict[str, Any]]:
    """The models with a unique + not_null test on `id`, so that only the rule under test reports."""
    out: list[dict[str, Any]] = []
    for m in models:
        yml = m["original_file_path"].rsplit("/", 1)[0] + "/_models.yml"
        out += [
            m,
            _test(f"unique_{m['name']}", m["name"], "dbt.test_unique", "id", yml),
            _test(f"not_null_{m['name']}", m["name"], "dbt.test_not_null", "id", yml),
        ]
    return out


_EVALUATIONS: dict[str, Any] = {}


def _flagged(rule: str, manifest: dict[str, Any], variables: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    key = json.dumps([manifest, variables], sort_keys=True)
    if key not in _EVALUATIONS:  # one evaluation per manifest and variables, all rules at once
        _EVALUATIONS[key] = evaluate(manifest, variables)
    return _EVALUATIONS[key].by_rule(rule)


def _subjects(rule: str, manifest: dict[str, Any], column: str, variables: dict[str, Any] | None = None) -> list:
    return sorted(r[column] for r in _flagged(rule, manifest, variables))


def test_marts_reading_a_source_break_three_rules_and_reading_staging_breaks_none():
    bad = _manifest(
        _source("leveringen"),
        _source("zaken"),
        *_keyed(
            _model("stg_raw__zaken", "staging/raw", ("raw.zaken",), "view"),
            _model("fct_zaak", "marts/overlast", ("stg_raw__zaken", "raw.leveringen")),
        ),
    )
    assert _subjects("fct_marts_or_intermediate_dependent_on_source", bad, "child") == ["fct_zaak"]
    assert _subjects("fct_direct_join_to_source", bad, "parent") == ["raw.leveringen", "stg_raw__zaken"]
    assert _subjects("fct_source_fanout", bad, "parent") == []  # each source has one reader
    good = _manifest(
        _source("leveringen"),
        _source("zaken"),
        *_keyed(
            _model("stg_raw__zaken", "staging/raw", ("raw.zaken",), "view"),
            _model("stg_raw__leveringen", "staging/raw", ("raw.leveringen",), "view"),
            _model("fct_zaak", "marts/overlast", ("stg_raw__zaken", "stg_raw__leveringen")),
        ),
    )
    for rule in ("fct_marts_or_intermediate_dependent_on_source", "fct_direct_join_to_source"):
        assert _flagged(rule, good) == []


def test_multiple_sources_joined_and_source_fanout():
    bad = _manifest(
        _source("a"),
        _source("b"),
        *_keyed(
            _model("stg_raw__a", "staging/raw", ("raw.a", "raw.b"), "view"),
            _model("stg_raw__b", "staging/raw", ("raw.b",), "view"),
        ),
    )
    assert _subjects("fct_multiple_sources_joined", bad, "child") == ["stg_raw__a"]
    assert _subjects("fct_source_fanout", bad, "parent") == ["raw.b"]
    good = _manifest(
        _source("a"),
        _source("b"),
        *_keyed(
            _model("stg_raw__a", "staging/raw", ("raw.a",), "view"),
            _model("stg_raw__b", "staging/raw", ("raw.b",), "view"),
        ),
    )
    assert _flagged("fct_multiple_sources_joined", good) == _flagged("fct_source_fanout", good) == []


def test_rejoining_needs_an_in_between_model_with_a_single_child():
    models = [
        _model("stg_x", "staging/raw", ("raw.x",), "view"),
        _model("int_a", "intermediate", ("stg_x",)),
        _model("int_b", "intermediate", ("stg_x", "int_a")),
    ]
    bad = _manifest(_source("x"), *_keyed(*models))
    (row,) = _flagged("fct_rejoining_of_upstream_concepts", bad)
    assert (row["parent"], row["parent_and_child"], row["child"]) == ("stg_x", "int_a", "int_b")
    # a second child of int_a: int_a is a shared step, no longer a loop to fold
    good = _manifest(_source("x"), *_keyed(*models, _model("fct_c", "marts", ("int_a",))))
    assert _flagged("fct_rejoining_of_upstream_concepts", good) == []


def test_model_fanout_counts_leaf_children_against_the_threshold():
    leaves = [_model(f"fct_{i}", "marts", ("int_a",)) for i in range(3)]
    bad = _manifest(
        _source("x"),
        *_keyed(
            _model("stg_x", "staging/raw", ("raw.x",), "view"), _model("int_a", "intermediate", ("stg_x",)), *leaves
        ),
    )
    assert _subjects("fct_model_fanout", bad, "parent") == ["int_a"]
    assert _flagged("fct_model_fanout", bad, {"models_fanout_threshold": 4}) == []
    # as in the package, an exposure is no child here (its is_excluded is NULL): the leaves stay leaves
    exposed = _manifest(*bad["sources"].values(), *bad["nodes"].values(), _exposure("bi", ("fct_0",)))
    assert _subjects("fct_model_fanout", exposed, "parent") == ["int_a"]
    # a model child is one
    fed = _manifest(*bad["sources"].values(), *bad["nodes"].values(), *_keyed(_model("fct_9", "marts", ("fct_0",))))
    assert _subjects("fct_model_fanout", fed, "parent") == []


def test_missing_primary_key_tests_wants_unique_and_not_null_on_one_column_or_a_combination_test():
    m = _model("int_a", "intermediate")
    only_unique = _manifest(m, _test("u", "int_a", "dbt.test_unique", "id"))
    split = _manifest(m, _test("u", "int_a", "dbt.test_unique", "id"), _test("n", "int_a", "dbt.test_not_null", "x"))
    both = _manifest(m, _test("u", "int_a", "dbt.test_unique", "id"), _test("n", "int_a", "dbt.test_not_null", "id"))
    combination = _manifest(m, _test("c", "int_a", "proj.test_unique_combination"))
    for manifest in (only_unique, split, combination):
        assert _subjects("fct_missing_primary_key_tests", manifest, "resource_name") == ["int_a"]
    assert _flagged("fct_missing_primary_key_tests", both) == []
    pk_macros = {
        "primary_key_test_macros": [["dbt.test_unique", "dbt.test_not_null"], ["proj.test_unique_combination"]]
    }
    assert _flagged("fct_missing_primary_key_tests", combination, pk_macros) == []
    assert _subjects("fct_test_coverage", _manifest(m, _model("int_b", "intermediate")), "resource_name") == [
        "int_a",
        "int_b",
    ]
    assert _flagged("fct_test_coverage", both) == []


def test_naming_conventions_and_directories_follow_the_prefix_and_the_closest_folder():
    manifest = _manifest(
        *_keyed(
            _model("mart_kpi", "marts/verhuur"),
            _model("fct_x", "marts"),
            _model("int_y", "marts/signalen"),
            _model("stg_z", "intermediate/core"),
        )
    )
    assert _subjects("fct_model_naming_conventions", manifest, "resource_name") == ["mart_kpi"]
    assert _flagged("fct_model_naming_conventions", manifest, {"marts_prefixes": ["dim_", "fct_", "mart_"]}) == []
    assert _subjects("fct_model_directories", manifest, "resource_name") == ["int_y", "stg_z"]
    nested = _manifest(*_keyed(_model("int_y", "marts/intermediate")))
    assert _flagged("fct_model_directories", nested) == []


def test_graph_rules_on_roots_unused_sources_staging_chains_and_joins():
    parents = tuple(f"stg_{i}" for i in range(7))
    stgs = [_model(f"stg_{i}", "staging/raw", (f"raw.s{i}",), "view") for i in range(7)]
    manifest = _manifest(
        *[_source(f"s{i}") for i in range(7)],
        _source("unused"),
        *_keyed(
            *stgs,
            _model("stg_on_stg", "staging/raw", ("stg_0",), "view"),
            _model("stg_on_int", "staging/raw", ("int_wide",), "view"),
            _model("int_wide", "intermediate", parents),
            _model("dim_kalender", "marts"),
        ),
    )
    assert _subjects("fct_root_models", manifest, "child") == ["dim_kalender"]
    assert _subjects("fct_unused_sources", manifest, "parent") == ["raw.unused"]
    assert _subjects("fct_staging_dependent_on_staging", manifest, "child") == ["stg_on_stg"]
    assert _subjects("fct_staging_dependent_on_marts_or_intermediate", manifest, "child") == ["stg_on_int"]
    assert _subjects("fct_too_many_joins", manifest, "resource_name") == ["int_wide"]
    assert _flagged("fct_too_many_joins", manifest, {"too_many_joins_threshold": 8}) == []


def test_chained_views_count_the_views_on_the_path():
    chain = [_model("stg_0", "staging/raw", ("raw.s",), "view")]
    chain += [
        _model(f"int_{i}", "intermediate", (chain[-1]["name"] if i == 1 else f"int_{i - 1}",), "view")
        for i in range(1, 6)
    ]
    manifest = _manifest(_source("s"), *_keyed(*chain, _model("fct_end", "marts", ("int_5",))))
    rows = _flagged("fct_chained_views_dependencies", manifest)
    assert [(r["parent"], r["child"], r["distance"]) for r in rows] == [("stg_0", "fct_end", 6)]
    assert _flagged("fct_chained_views_dependencies", manifest, {"chained_views_threshold": 6}) == []


def test_governance_documentation_and_exposure_rules():
    manifest = _manifest(
        _source("s", description="", freshness=False),
        *_keyed(
            _model("stg_s", "staging/raw", ("raw.s",), "view", description=""),
            _model("fct_open", "marts", ("stg_s",), access="public"),
            _model("fct_kept", "marts", ("stg_s",), access="public", contract=True, columns=("id",)),
            _model("fct_inner", "marts", ("stg_s",)),
        ),
        _exposure("dashboard", ("fct_open", "fct_kept", "fct_inner", "stg_s")),
    )
    assert _subjects("fct_public_models_without_contract", manifest, "resource_name") == ["fct_open"]
    assert _subjects("fct_exposures_dependent_on_private_models", manifest, "parent_resource_name") == [
        "fct_inner",
        "stg_s",
    ]
    assert _subjects("fct_exposure_parents_materializations", manifest, "parent_resource_name") == ["stg_s"]
    assert _subjects("fct_undocumented_models", manifest, "resource_name") == ["stg_s"]
    assert _subjects("fct_undocumented_source_tables", manifest, "resource_name") == ["raw.s"]
    assert _subjects("fct_sources_without_freshness", manifest, "resource_name") == ["raw.s"]
    assert _subjects("fct_documentation_coverage", manifest, "resource_name") == ["stg_s"]
    assert _subjects("fct_undocumented_public_models", manifest, "resource_name") == ["fct_open"]


def test_source_and_test_files_belong_in_the_folder_of_what_they_describe():
    misplaced = dict(_source("s"), original_file_path="models/marts/_sources.yml")
    duplicate = dict(_source("s_again", description="d"), identifier="s", source_description="")
    manifest = _manifest(
        misplaced,
        duplicate,
        _model("stg_s", "staging/raw", ("raw.s",), "view"),
        _test("unique_stg_s", "stg_s", "dbt.test_unique", "id", "models/marts/_models.yml"),
        _test("not_null_stg_s", "stg_s", "dbt.test_not_null", "id", "models/staging/raw/_m.yml"),
    )
    assert _subjects("fct_source_directories", manifest, "resource_name") == ["raw.s"]
    assert _subjects("fct_test_directories", manifest, "test_name") == ["unique_stg_s"]
    assert _subjects("fct_duplicate_sources", manifest, "source_names") == ["raw.s, raw.s_again"]
    assert _subjects("fct_undocumented_sources", manifest, "source_name") == ["raw"]


def test_hard_coded_references_are_found_as_the_package_finds_them():
    assert hard_coded_references("select * from raw.leveringen\njoin {{ ref('x') }} using (id)") == "raw.leveringen"
    assert hard_coded_references('select * from "table_a" -- from raw.commented\n') == '"table_a"'
    assert hard_coded_references("select count(distinct x) from {{ ref('a') }}") == ""
    manifest = _manifest(
        _source("s"), *_keyed(_model("stg_s", "staging/raw", ("raw.s",), "view", raw_code="select * from db.raw.s"))
    )
    (row,) = _flagged("fct_hard_coded_references", manifest)
    assert row == {"model": "stg_s", "hard_coded_references": "db.raw.s"}


def test_every_rule_of_the_package_is_checked():
    assert len(RULE_NAMES) == len(set(RULE_NAMES)) == 29
    assert {
        "fct_direct_join_to_source",
        "fct_model_fanout",
        "fct_missing_primary_key_tests",
        "fct_chained_views_dependencies",
        "fct_test_coverage",
    } <= set(RULE_NAMES)
    assert DEFAULT_VARS["marts_prefixes"] == ["fct_", "dim_"]  # the package's default, overridden per project


# --- exceptions and the command line --------------------------------------------------------------------
BAD = _manifest(
    _source("s"), *_keyed(_model("stg_s", "staging/raw", ("raw.s",), "view"), _model("fct_a", "marts", ("raw.s",)))
)


def _project(tmp_path: Path, exceptions: str) -> Path:
    (tmp_path / "dbt_project.yml").write_text("name: proj\n")
    (tmp_path / EXCEPTIONS_FILE).write_text(exceptions)
    (tmp_path / "manifest.json").write_text(json.dumps(BAD))
    return tmp_path


def test_an_exception_excepts_its_finding_and_a_stale_one_fails(tmp_path):
    project = _project(
        tmp_path,
        """
exceptions:
  - rule: fct_marts_or_intermediate_dependent_on_source
    model: fct_%
    why: test
  - rule: fct_source_fanout
    model: raw.s
    why: test
  - rule: fct_root_models
    model: nothing_like_this
    why: stale
    pending: later
""",
    )
    evaluation = evaluate_project(project / "manifest.json", project)
    rules = {f.rule for f in evaluation.open_findings}
    assert "fct_marts_or_intermediate_dependent_on_source" not in rules
    assert "fct_direct_join_to_source" not in rules  # fct_a reads no model
    assert [e.model for e in evaluation.stale_exceptions] == ["nothing_like_this"]
    assert not evaluation.ok
    assert "STALE EXCEPTION fct_root_models" in evaluation.report()


@pytest.mark.parametrize(
    "entry, message",
    [
        ("- {rule: fct_nonsense, model: x, why: y}", "unknown rule"),
        ("- {rule: fct_root_models, model: x}", "says no why"),
        ("- {rule: fct_root_models, why: y}", "model must be"),
    ],
)
def test_a_wrong_exception_entry_is_an_error_naming_it(tmp_path, entry, message):
    (tmp_path / EXCEPTIONS_FILE).write_text(f"exceptions:\n  {entry}\n")
    with pytest.raises(EvaluatorError, match=f"{EXCEPTIONS_FILE}, exception 1: .*{message}|{message}"):
        load_exceptions(tmp_path / EXCEPTIONS_FILE)


def test_the_command_line_exits_1_on_a_finding_and_0_when_all_are_excepted(tmp_path, capsys):
    project = _project(tmp_path, "exceptions: []\n")
    assert main(["--manifest", str(project / "manifest.json"), "--project-dir", str(project)]) == 1
    assert "FINDING fct_marts_or_intermediate_dependent_on_source: parent=raw.s" in capsys.readouterr().out
    (project / EXCEPTIONS_FILE).write_text("""
exceptions:
  - {rule: fct_marts_or_intermediate_dependent_on_source, model: fct_a, why: test}
  - {rule: fct_source_fanout, model: raw.s, why: test}
""")
    assert main(["--manifest", str(project / "manifest.json"), "--project-dir", str(project)]) == 0
    assert main(["--manifest", str(tmp_path / "missing.json"), "--project-dir", str(project)]) == 2
