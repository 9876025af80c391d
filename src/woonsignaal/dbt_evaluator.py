"""dbt-project-evaluator's rules, checked with our own SQL over dbt's manifest.

dbt Labs' `dbt-project-evaluator <https://github.com/dbt-labs/dbt-project-evaluator>`_ is a dbt package
that unpacks the project's graph into tables and flags what breaks its best practices, one model per
rule (``fct_model_fanout``, ``fct_missing_primary_key_tests``, ...). No package hub is reachable from
here and nothing is vendored, so this module does the same with DuckDB: it loads ``manifest.json``
(nodes, sources, exposures, metrics and their edges) into an in-memory database, builds the package's
three core tables the way the package does (``int_all_graph_resources``, ``int_direct_relationships``,
``int_all_dag_relationships``: every path between two resources, with its distance and whether it runs
through a chain of views) and runs one query per rule, named and written as the package's model of that
name. The package's variables (prefixes, folders, thresholds, primary-key test macros) have its
defaults, overridden as the package reads them: ``vars: dbt_project_evaluator:`` in ``dbt_project.yml``.

Accepted findings are listed in ONE file, ``dbt_project/evaluator_exceptions.yml``: per entry the rule,
the value (or ``like`` pattern, as the package's exceptions seed) of the rule's subject column that it
excepts, and why; ``pending`` marks a finding accepted only until another change lands. An exception
that excepts nothing is reported too (the list must say what is true).

``python -m woonsignaal.dbt_evaluator [--manifest PATH]`` prints the findings and exits 1 when a
finding is not excepted or an exception is stale; without ``--manifest`` it runs ``dbt parse`` into a
temporary target first. ``make lint-dbt`` runs it.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import re
import sys
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb
import yaml

from woonsignaal.sqltext import quote_literal

if TYPE_CHECKING:
    from woonsignaal.settings import Settings

#: The package's variables and their defaults (its dbt_project.yml, resolved for DuckDB).
DEFAULT_VARS: dict[str, Any] = {
    "documentation_coverage_target": 100,
    "test_coverage_target": 100,
    "primary_key_test_macros": [
        ["dbt.test_unique", "dbt.test_not_null"],
        ["dbt_utils.test_unique_combination_of_columns"],
    ],
    "enforced_primary_key_node_types": ["model"],
    "models_fanout_threshold": 3,
    "too_many_joins_threshold": 7,
    "model_types": ["base", "staging", "intermediate", "marts", "other"],
    "base_folder_name": "base",
    "staging_folder_name": "staging",
    "intermediate_folder_name": "intermediate",
    "marts_folder_name": "marts",
    "base_prefixes": ["base_"],
    "staging_prefixes": ["stg_"],
    "intermediate_prefixes": ["int_"],
    "marts_prefixes": ["fct_", "dim_"],
    "other_prefixes": ["rpt_"],
    "chained_views_threshold": 5,
    "max_depth_dag": -1,
    "comment_chars": ["--"],
    "exclude_paths_from_project": [],
}

EXCEPTIONS_FILE = "evaluator_exceptions.yml"


class EvaluatorError(RuntimeError):
    """The manifest, the project's evaluator variables or the exception list cannot be used."""


# --- hard-coded references: the package's regular expressions (macros/find_all_hard_coded_references.sql)
_HARD_CODED_REFERENCES = [
    # from/join {{ var('...') }}
    r"""(?ix)(?<!distinct\s)(from|join)\s+({{\s*var\s*\(\s*[\'\"]?)([^)\'\"]+)([\'\"]?\s*)(\)\s*}})""",
    # from/join {{ var('...', '...') }}
    r"""(?ix)(?<!distinct\s)(from|join)\s+({{\s*var\s*\(\s*[\'\"]?)([^)\'\"]+)([\'\"]?\s*)(,)(\s*[\'\"]?)"""
    r"""([^)\'\"]+)([\'\"]?\s*)(\)\s*}})""",
    # from/join schema.table
    r"""(?ix)(?<!distinct\s)(from|join)\s+([\[`\"\']?)(\w+-?\w*)([\]`\"\']?)(\.)([\[`\"\']?)(\w+-?\w*)"""
    r"""([\]`\"\']?)(?=\s|$)""",
    # from/join database.schema.table
    r"""(?ix)(?<!distinct\s)(from|join)\s+([\[`\"\']?)(\w+-?\w*)([\]`\"\']?)(\.)([\[`\"\']?)(\w+-?\w*)"""
    r"""([\]`\"\']?)(\.)([\[`\"\']?)(\w+-?\w*)([\]`\"\']?)(?=\s|$)""",
    # from/join "table" (quoted)
    r"""(?ix)(?<!distinct\s)(from|join)\s+([\[`\"\'])(\w+-?\w+)([\]`\"\'])(?=\s|$)""",
]


def hard_coded_references(raw_code: str, comment_chars: Sequence[str] = ("--",)) -> str:
    """The direct relation references in a model's SQL, as the package lists them (sorted, ``, ``-joined)."""
    no_comments = re.sub("(" + "|".join(comment_chars) + ").*", "", raw_code)
    found: set[str] = set()
    for pattern in _HARD_CODED_REFERENCES:
        for match in re.findall(pattern, no_comments):
            found.add("".join(match[1:]).strip())
    return ", ".join(sorted(found))


# --- the rules ------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Rule:
    name: str
    #: the column an exception's ``model`` is matched against unless it names another
    subject: str
    sql: str
    #: coverage rules: the package's row of percentages is a finding when its ``coverage_column`` is below
    #: the target variable; it is reported once per model that keeps it below (``shortfall_sql``), so
    #: that an exception can name the model
    coverage_target_var: str | None = None
    coverage_column: str | None = None
    shortfall_sql: str | None = None


def _rules(v: dict[str, Any]) -> list[Rule]:
    """One query per rule over the core tables, as the package's model of that name."""
    pk_node_types = ", ".join(_lit(t) for t in v["enforced_primary_key_node_types"])
    coverage_cols = ",\n".join(
        f"round(sum(case when model_type = {_lit(t)} and {{flag}} then 1.0 else 0 end) * 100"
        f" / nullif(count(case when model_type = {_lit(t)} then 1 end), 0), 2) as {t}_{{name}}_coverage_pct"
        for t in v["model_types"]
    )
    return [
        # --- modeling (models/marts/dag) --------------------------------------------------------------
        Rule(
            "fct_direct_join_to_source",
            "child",
            """
            with direct_model_relationships as (
                select * from int_all_dag_relationships
                where child_resource_type = 'model' and distance = 1
                    and not parent_is_excluded and not child_is_excluded
            ),
            model_and_source_joined as (
                select child,
                    sum(case when parent_resource_type = 'model' then 1 else 0 end) > 0
                    and sum(case when parent_resource_type = 'source' then 1 else 0 end) > 0 as keep_row
                from direct_model_relationships group by child
            )
            select d.parent, d.parent_resource_type, d.child, d.child_resource_type, d.distance
            from direct_model_relationships d join model_and_source_joined j on d.child = j.child
            where j.keep_row
            order by d.child, d.parent""",
        ),
        Rule(
            "fct_duplicate_sources",
            "source_db_location",
            """
            with sources as (
                select resource_name,
                    case when database is null then schema || '.' || identifier
                        else database || '.' || schema || '.' || identifier end as source_db_location
                from int_all_graph_resources
                where resource_type = 'source' and not is_excluded
            )
            select source_db_location, string_agg(resource_name, ', ' order by resource_name) as source_names
            from sources group by source_db_location having count(*) > 1
            order by source_db_location""",
        ),
        Rule(
            "fct_hard_coded_references",
            "model",
            """
            select resource_name as model, hard_coded_references
            from int_all_graph_resources
            where resource_type = 'model' and not is_excluded and hard_coded_references != ''
            order by model""",
        ),
        Rule(
            "fct_marts_or_intermediate_dependent_on_source",
            "child",
            """
            select parent, parent_resource_type, child, child_model_type
            from int_all_dag_relationships
            where distance = 1 and not parent_is_excluded and not child_is_excluded
                and parent_resource_type = 'source' and child_model_type in ('marts', 'intermediate')
            order by child, parent""",
        ),
        Rule(
            "fct_model_fanout",
            "parent",
            f"""
            with all_dag_relationships as (
                select * from int_all_dag_relationships
                where not parent_is_excluded and not child_is_excluded
            ),
            models_without_children as (
                select parent from all_dag_relationships
                where parent_resource_type = 'model'
                group by parent having max(distance) = 0
            ),
            model_fanout as (
                select a.parent, a.parent_model_type, a.child
                from all_dag_relationships a join models_without_children m on a.child = m.parent
                where a.distance = 1 and a.child_resource_type = 'model'
                group by a.parent, a.parent_model_type, a.child
            )
            select parent, parent_model_type, string_agg(child, ', ' order by child) as leaf_children
            from model_fanout group by parent, parent_model_type
            having count(*) >= {int(v["models_fanout_threshold"])}
            order by parent""",
        ),
        Rule(
            "fct_multiple_sources_joined",
            "child",
            """
            with direct_source_relationships as (
                select distinct child, parent from int_all_dag_relationships
                where distance = 1 and parent_resource_type = 'source'
                    and not parent_is_excluded and not child_is_excluded
            )
            select child, string_agg(parent, ', ' order by parent) as source_parents
            from direct_source_relationships group by child having count(*) > 1
            order by child""",
        ),
        Rule(
            "fct_rejoining_of_upstream_concepts",
            "child",
            """
            with all_relationships as (
                select * from int_all_dag_relationships
                where parent_resource_type not in ('exposure', 'metric')
                    and child_resource_type not in ('exposure', 'metric')
                    and not parent_is_excluded and not child_is_excluded
            ),
            rejoined as (
                select parent, child from all_relationships group by parent, child
                having sum(case when distance = 1 then 1 else 0 end) >= 1
                    and sum(case when distance = 2 then 1 else 0 end) >= 1
            ),
            single_use_resources as (
                select parent from all_relationships where distance = 1
                group by parent having count(*) = 1
            ),
            triad_relationships as (
                select rejoined.parent, rejoined.child, direct_child.parent as parent_and_child
                from rejoined
                left join all_relationships as direct_child
                    on rejoined.child = direct_child.child and direct_child.distance = 1
                left join all_relationships as direct_parent
                    on rejoined.parent = direct_parent.parent and direct_parent.distance = 1
                where direct_child.parent = direct_parent.child
            )
            select t.*, true as is_loop_independent
            from triad_relationships t join single_use_resources s on t.parent_and_child = s.parent
            order by t.child, t.parent, t.parent_and_child""",
        ),
        Rule(
            "fct_root_models",
            "child",
            """
            select child from int_all_dag_relationships
            where child_resource_type = 'model' and not child_is_excluded
                and child not in (select resource_name from int_all_graph_resources where is_time_spine)
            group by child having max(distance) = 0
            order by child""",
        ),
        Rule(
            "fct_source_fanout",
            "parent",
            """
            select parent, string_agg(child, ', ' order by child) as model_children
            from int_all_dag_relationships
            where distance = 1 and parent_resource_type = 'source' and child_resource_type = 'model'
                and not parent_is_excluded and not child_is_excluded
            group by parent having count(*) > 1
            order by parent""",
        ),
        Rule(
            "fct_staging_dependent_on_marts_or_intermediate",
            "child",
            """
            select parent, parent_model_type, child, child_model_type
            from int_all_dag_relationships
            where distance = 1 and parent_resource_type = 'model' and child_resource_type = 'model'
                and not parent_is_excluded and not child_is_excluded
                and child_model_type = 'staging' and parent_model_type in ('marts', 'intermediate')
            order by child, parent""",
        ),
        Rule(
            "fct_staging_dependent_on_staging",
            "child",
            """
            select parent, parent_model_type, child, child_model_type
            from int_all_dag_relationships
            where parent_resource_type in ('model', 'snapshot') and child_resource_type in ('model', 'snapshot')
                and not parent_is_excluded and not child_is_excluded and distance = 1
                and parent_model_type = 'staging' and child_model_type = 'staging'
            order by child, parent""",
        ),
        Rule(
            "fct_too_many_joins",
            "resource_name",
            f"""
            select child as resource_name, child_file_path as file_path,
                cast(count(distinct parent) as integer) as join_count
            from int_all_dag_relationships
            where not child_is_excluded and child_resource_type = 'model' and distance = 1
            group by child, child_file_path
            having count(distinct parent) >= {int(v["too_many_joins_threshold"])}
            order by resource_name""",
        ),
        Rule(
            "fct_unused_sources",
            "parent",
            """
            select parent from int_all_dag_relationships
            where parent_resource_type = 'source' and not parent_is_excluded and not child_is_excluded
            group by parent having max(distance) = 0
            order by parent""",
        ),
        # --- documentation ------------------------------------------------------------------------------
        Rule(
            "fct_documentation_coverage",
            "resource_name",
            f"""
            select count(*) as total_models,
                cast(sum(case when is_described then 1 else 0 end) as integer) as documented_models,
                round(sum(case when is_described then 1 else 0 end) * 100.00 / count(*), 2)
                    as documentation_coverage_pct,
                {coverage_cols.format(flag="is_described", name="documentation")}
            from int_all_graph_resources
            where resource_type = 'model' and not is_excluded""",
            coverage_target_var="documentation_coverage_target",
            coverage_column="documentation_coverage_pct",
            shortfall_sql="""
            select resource_name, model_type from int_all_graph_resources
            where resource_type = 'model' and not is_excluded and not is_described
            order by resource_name""",
        ),
        Rule(
            "fct_undocumented_models",
            "resource_name",
            """
            select resource_name, model_type from int_all_graph_resources
            where not is_excluded and not is_described and resource_type = 'model'
            order by resource_name""",
        ),
        Rule(
            "fct_undocumented_source_tables",
            "resource_name",
            """
            select resource_name from int_all_graph_resources
            where not is_excluded and not is_described and resource_type = 'source'
            order by resource_name""",
        ),
        Rule(
            "fct_undocumented_sources",
            "source_name",
            """
            select distinct source_name from int_all_graph_resources
            where not is_excluded and not is_source_described and resource_type = 'source'
            order by source_name""",
        ),
        # --- governance ---------------------------------------------------------------------------------
        Rule(
            "fct_exposures_dependent_on_private_models",
            "parent_resource_name",
            """
            select child as exposure_name, parent as parent_resource_name, parent_access, parent_resource_type
            from int_all_dag_relationships
            where distance = 1 and child_resource_type = 'exposure'
                and not (parent_resource_type = 'model' and parent_is_public)
                and not parent_is_excluded
            order by exposure_name, parent_resource_name""",
        ),
        Rule(
            "fct_public_models_without_contract",
            "resource_name",
            """
            select resource_name, is_public, is_contract_enforced from int_all_graph_resources
            where not is_excluded and is_public and not is_contract_enforced
            order by resource_name""",
        ),
        Rule(
            "fct_undocumented_public_models",
            "resource_name",
            """
            select resource_name, access, is_described, total_defined_columns, total_described_columns
            from int_all_graph_resources
            where not is_excluded and is_public
                and (not is_described or total_described_columns < total_defined_columns
                    or total_defined_columns = 0)
            order by resource_name""",
        ),
        # --- performance --------------------------------------------------------------------------------
        Rule(
            "fct_chained_views_dependencies",
            "child",
            f"""
            select parent, child, distance, path from int_all_dag_relationships
            where distance <> 0 and not parent_is_excluded and not child_is_excluded
                and is_dependent_on_chain_of_views and child_resource_type = 'model'
                and distance > {int(v["chained_views_threshold"])}
            order by distance desc, child, parent""",
        ),
        Rule(
            "fct_exposure_parents_materializations",
            "parent_resource_name",
            """
            select parent_resource_type, parent as parent_resource_name, child as exposure_name,
                parent_materialized as parent_model_materialization
            from int_all_dag_relationships
            where distance = 1 and child_resource_type = 'exposure'
                and ((parent_resource_type = 'model' and parent_materialized in ('view', 'ephemeral'))
                    or parent_resource_type = 'source')
                and not parent_is_excluded
            order by exposure_name, parent_resource_name""",
        ),
        # --- structure ----------------------------------------------------------------------------------
        Rule(
            "fct_model_directories",
            "resource_name",
            f"""
            with staging_models as (
                select child, child_resource_type, child_model_type, child_file_path, child_directory_path,
                    child_file_name, parent_source_name
                from int_all_dag_relationships
                where not child_is_excluded and parent_resource_type = 'source'
                    and child_resource_type = 'model' and child_model_type = 'staging'
            ),
            inappropriate_subdirectories_staging as (
                select distinct child as resource_name, child_resource_type as resource_type,
                    child_model_type as model_type, child_file_path as current_file_path,
                    'models/' || {_lit(v["staging_folder_name"])} || '/' || parent_source_name || '/'
                        || child_file_name as change_file_path_to
                from staging_models
                where child_directory_path not like '%' || parent_source_name || '%'
            ),
            inappropriate_subdirectories_non_staging_models as (
                select r.resource_name, r.resource_type, r.model_type, r.file_path as current_file_path,
                    'models' || '/.../' || f.folder_name_value || '/.../' || r.file_name as change_file_path_to
                from int_all_graph_resources r
                left join naming_convention_folders f on f.model_type = r.model_type
                where not r.is_excluded and r.model_type <> r.model_type_folder
            )
            select * from inappropriate_subdirectories_staging
            union all
            select * from inappropriate_subdirectories_non_staging_models
            order by resource_name""",
        ),
        Rule(
            "fct_model_naming_conventions",
            "resource_name",
            """
            with appropriate_prefixes as (
                select model_type, string_agg(prefix_value, ', ' order by prefix_value) as appropriate_prefixes
                from naming_convention_prefixes group by model_type
            ),
            models as (
                select r.resource_name, r.prefix, r.model_type, p.prefix_value
                from int_all_graph_resources r
                left join naming_convention_prefixes p
                    on r.model_type = p.model_type and r.prefix = p.prefix_value
                where not r.is_excluded and r.resource_type = 'model' and not r.is_time_spine
            )
            select m.resource_name, m.prefix, m.model_type, a.appropriate_prefixes
            from models m left join appropriate_prefixes a on m.model_type = a.model_type
            where nullif(m.prefix_value, '') is null
            order by m.resource_name""",
        ),
        Rule(
            "fct_source_directories",
            "resource_name",
            f"""
            select resource_name, resource_type, file_path as current_file_path,
                'models/' || {_lit(v["staging_folder_name"])} || '/' || source_name || '/' || file_name
                    as change_file_path_to
            from int_all_graph_resources
            where not is_excluded and resource_type = 'source'
                and directory_path not like '%' || source_name || '%'
            order by resource_name""",
        ),
        Rule(
            "fct_test_directories",
            "test_name",
            """
            with models_per_test as (
                select resource_id as test_id, direct_parent_id as parent_model_id
                from int_direct_relationships
                where resource_type = 'test' and is_primary_test_relationship
            ),
            model_file_paths as (
                select r.resource_name as model_name, r.directory_path as model_directory_path, t.test_id
                from int_all_graph_resources r join models_per_test t on t.parent_model_id = r.resource_id
                where not r.is_excluded and r.resource_type = 'model'
            ),
            test_file_paths as (
                select resource_id as test_id, resource_name as test_name, directory_path as test_yml_directory_path
                from int_all_graph_resources
                where not is_excluded and resource_type = 'test' and is_generic_test
            )
            select t.test_name, m.model_name, t.test_yml_directory_path as current_test_directory,
                m.model_directory_path as change_test_directory_to
            from model_file_paths m join test_file_paths t on m.test_id = t.test_id
            where m.model_directory_path != t.test_yml_directory_path
            order by t.test_name""",
        ),
        # --- testing ------------------------------------------------------------------------------------
        Rule(
            "fct_missing_primary_key_tests",
            "resource_name",
            f"""
            select resource_name, resource_type, model_type, is_primary_key_tested, number_of_tests_on_model,
                number_of_constraints_on_model
            from int_model_test_summary
            where resource_type in ({pk_node_types}) and not is_primary_key_tested
            order by resource_name""",
        ),
        Rule(
            "fct_sources_without_freshness",
            "resource_name",
            """
            select distinct resource_name from int_all_graph_resources
            where not is_excluded and not is_freshness_enabled and resource_type = 'source'
            order by resource_name""",
        ),
        Rule(
            "fct_test_coverage",
            "resource_name",
            f"""
            select count(*) as total_models,
                cast(sum(number_of_tests_on_model) as integer) as total_tests,
                cast(sum(case when number_of_tests_on_model > 0 then 1 else 0 end) as integer) as tested_models,
                round(sum(case when number_of_tests_on_model > 0 then 1 else 0 end) * 100.0 / count(*), 2)
                    as test_coverage_pct,
                {coverage_cols.format(flag="number_of_tests_on_model > 0", name="test")},
                round(sum(number_of_tests_on_model) * 1.0000 / count(*), 4) as test_to_model_ratio
            from int_model_test_summary
            where resource_type = 'model'""",
            coverage_target_var="test_coverage_target",
            coverage_column="test_coverage_pct",
            shortfall_sql="""
            select resource_name, model_type from int_model_test_summary
            where resource_type = 'model' and number_of_tests_on_model = 0
            order by resource_name""",
        ),
    ]


def _lit(value: Any) -> str:
    return quote_literal(str(value))


RULE_NAMES: tuple[str, ...] = tuple(r.name for r in _rules(DEFAULT_VARS))


# --- loading the manifest ----------------------------------------------------------------------------
def _excluded(path: str, package: str, project: str, patterns: Iterable[str]) -> bool:
    return package == project and any(re.search(p, path, re.IGNORECASE) for p in patterns)


def _resource_rows(manifest: dict[str, Any], v: dict[str, Any], project: str) -> list[dict[str, Any]]:
    """One row per node, source, exposure and metric (the package's stg_nodes, stg_sources, ...)."""
    rows: list[dict[str, Any]] = []
    exclude = list(v.get("exclude_paths_from_project") or [])
    for node in manifest.get("nodes", {}).values():
        config = node.get("config") or {}
        columns = list((node.get("columns") or {}).values())
        contract = node.get("contract") or config.get("contract") or {}
        sql = node.get("raw_code") or node.get("raw_sql") or ""
        is_sql_model = node.get("resource_type") == "model" and node.get("language", "sql") == "sql"
        rows.append(
            {
                "unique_id": node["unique_id"],
                "name": node["name"],
                "resource_type": node["resource_type"],
                "file_path": node.get("original_file_path", ""),
                "is_enabled": config.get("enabled", True),
                "materialized": config.get("materialized"),
                "access": node.get("access"),
                "version": None if node.get("version") is None else str(node["version"]),
                "is_contract_enforced": bool(contract.get("enforced")),
                "total_defined_columns": len(columns),
                "total_described_columns": sum(1 for c in columns if c.get("description")),
                "database": node.get("database"),
                "schema": node.get("schema"),
                "package_name": node.get("package_name", project),
                "is_described": bool(node.get("description")),
                "column_name": node.get("column_name") or None,
                "hard_coded_references": hard_coded_references(sql, v["comment_chars"]) if is_sql_model else "",
                "macro_dependencies": json.dumps((node.get("depends_on") or {}).get("macros", [])),
                "is_generic_test": bool(node.get("test_metadata")),
                "is_excluded": _excluded(
                    node.get("original_file_path", ""), node.get("package_name", project), project, exclude
                ),
                "is_time_spine": node.get("time_spine") is not None,
                "source_name": None,
                "is_source_described": None,
                "is_freshness_enabled": None,
                "identifier": None,
            }
        )
    for src in manifest.get("sources", {}).values():
        config = src.get("config") or {}
        fresh = [f for f in (config.get("freshness"), src.get("freshness")) if f]
        fresh_on = any(
            (f.get("warn_after") or {}).get("count") or (f.get("error_after") or {}).get("count") for f in fresh
        )
        path = src.get("original_file_path", "")
        fqn = src.get("fqn") or [src.get("source_name"), src.get("name")]
        rows.append(
            {
                "unique_id": src["unique_id"],
                "name": src["name"],
                "resource_type": "source",
                "file_path": path,
                "is_enabled": config.get("enabled", True),
                "materialized": None,
                "access": None,
                "version": None,
                "is_contract_enforced": False,
                "total_defined_columns": 0,
                "total_described_columns": 0,
                "database": src.get("database"),
                "schema": src.get("schema"),
                "package_name": src.get("package_name", project),
                "is_described": bool(src.get("description")),
                "column_name": None,
                "hard_coded_references": "",
                "macro_dependencies": "[]",
                "is_generic_test": False,
                "is_excluded": _excluded(
                    f"{path}:{fqn[-2]}.{fqn[-1]}", src.get("package_name", project), project, exclude
                ),
                "is_time_spine": False,
                "source_name": src.get("source_name"),
                "is_source_described": bool(src.get("source_description")),
                "is_freshness_enabled": fresh_on,
                "identifier": src.get("identifier") or src["name"],
            }
        )
    for kind in ("exposures", "metrics"):
        for res in manifest.get(kind, {}).values():
            rows.append(
                {
                    "unique_id": res["unique_id"],
                    "name": res["name"],
                    "resource_type": res["resource_type"],
                    "file_path": res.get("original_file_path", ""),
                    "is_enabled": (res.get("config") or {}).get("enabled", True),
                    "materialized": None,
                    "access": None,
                    "version": None,
                    "is_contract_enforced": False,
                    "total_defined_columns": 0,
                    "total_described_columns": 0,
                    "database": None,
                    "schema": None,
                    "package_name": res.get("package_name", project),
                    "is_described": bool(res.get("description")),
                    "column_name": None,
                    "hard_coded_references": "",
                    "macro_dependencies": "[]",
                    # NULL as in the package (its exposures and metrics have no is_excluded): a rule that asks
                    # `child_is_excluded = false` leaves them out, so an exposure is nobody's child there
                    "is_generic_test": False,
                    "is_excluded": None,
                    "is_time_spine": False,
                    "source_name": None,
                    "is_source_described": None,
                    "is_freshness_enabled": None,
                    "identifier": None,
                }
            )
    return rows


def _relationship_rows(manifest: dict[str, Any]) -> list[tuple[str, str | None, bool]]:
    """(resource, direct parent, is primary) per edge of nodes, exposures and metrics (get_relationship_values)."""
    rows: set[tuple[str, str | None, bool]] = set()
    for kind in ("nodes", "exposures", "metrics"):
        for res in manifest.get(kind, {}).values():
            parents = (res.get("depends_on") or {}).get("nodes") or []
            if not parents:
                rows.add((res["unique_id"], None, False))
            is_test = res["unique_id"].split(".")[0] == "test"
            for i, parent in enumerate(parents):
                attached = res.get("attached_node")
                primary = (parent == attached) if attached else i == len(parents) - 1
                rows.add((res["unique_id"], parent, bool(primary and is_test)))
    return sorted(rows, key=lambda r: (r[0], r[1] or "", r[2]))


def _column_rows(manifest: dict[str, Any]) -> list[tuple[str, str, bool, int]]:
    rows = []
    for node in manifest.get("nodes", {}).values():
        for col in (node.get("columns") or {}).values():
            constraints = col.get("constraints") or []
            rows.append(
                (
                    node["unique_id"],
                    col["name"],
                    any(c.get("type") == "not_null" for c in constraints),
                    len(constraints),
                )
            )
    return rows


_RESOURCE_COLUMNS = {
    "unique_id": "varchar",
    "name": "varchar",
    "resource_type": "varchar",
    "file_path": "varchar",
    "is_enabled": "boolean",
    "materialized": "varchar",
    "access": "varchar",
    "version": "varchar",
    "is_contract_enforced": "boolean",
    "total_defined_columns": "integer",
    "total_described_columns": "integer",
    "database": "varchar",
    "schema": "varchar",
    "package_name": "varchar",
    "is_described": "boolean",
    "column_name": "varchar",
    "hard_coded_references": "varchar",
    "macro_dependencies": "varchar",
    "is_generic_test": "boolean",
    "is_excluded": "boolean",
    "is_time_spine": "boolean",
    "source_name": "varchar",
    "is_source_described": "boolean",
    "is_freshness_enabled": "boolean",
    "identifier": "varchar",
}


def _load(con: duckdb.DuckDBPyConnection, manifest: dict[str, Any], v: dict[str, Any], project: str) -> None:
    """The package's staging tables and its three core tables, as views over the manifest's rows."""
    cols = ", ".join(f"{c} {t}" for c, t in _RESOURCE_COLUMNS.items())
    con.execute(f"create table resources ({cols})")
    rows = _resource_rows(manifest, v, project)
    if rows:
        con.executemany(
            f"insert into resources values ({', '.join('?' for _ in _RESOURCE_COLUMNS)})",
            [[r[c] for c in _RESOURCE_COLUMNS] for r in rows],
        )
    con.execute(
        "create table relationships (resource_id varchar, direct_parent_id varchar, is_primary_relationship boolean)"
    )
    rels = _relationship_rows(manifest)
    if rels:
        con.executemany("insert into relationships values (?, ?, ?)", rels)
    con.execute(
        "create table node_columns (node_unique_id varchar, name varchar, has_not_null_constraint boolean, "
        "constraints_count integer)"
    )
    columns = _column_rows(manifest)
    if columns:
        con.executemany("insert into node_columns values (?, ?, ?, ?)", columns)

    con.execute("create table naming_convention_prefixes (model_type varchar, prefix_value varchar)")
    con.execute("create table naming_convention_folders (model_type varchar, folder_name_value varchar)")
    for t in v["model_types"]:
        for prefix in v.get(f"{t}_prefixes") or []:
            con.execute("insert into naming_convention_prefixes values (?, ?)", [t, prefix])
        if v.get(f"{t}_folder_name"):
            con.execute("insert into naming_convention_folders values (?, ?)", [t, v[f"{t}_folder_name"]])

    # int_all_graph_resources: a model's type from its prefix, else from the folder closest to its file
    con.execute("""
        create table int_all_graph_resources as
        with unioned_with_calc as (
            select *,
                case when resource_type = 'source' then source_name || '.' || name
                    when coalesce(version, '') != '' then name || '.v' || version
                    else name end as resource_name,
                case when resource_type = 'source' then null else split_part(name, '_', 1) || '_' end as prefix,
                replace(file_path, regexp_replace(file_path, '.*/', ''), '') as directory_path,
                regexp_replace(file_path, '.*/', '') as file_name
            from resources
            where coalesce(is_enabled, true) and package_name != 'dbt_project_evaluator'
        ),
        joined as (
            select u.unique_id as resource_id, u.*,
                case when u.resource_type in ('test', 'source', 'metric', 'exposure', 'seed') then null
                    else nullif(p.model_type, '') end as model_type_prefix,
                case when u.resource_type in ('test', 'source', 'metric', 'exposure', 'seed') then null
                    when position('/' || f.folder_name_value || '/' in u.directory_path) = 0 then null
                    else f.model_type end as model_type_folder,
                position('/' || f.folder_name_value || '/' in u.directory_path) as position_folder,
                coalesce(u.access = 'public', false) as is_public
            from unioned_with_calc u
            left join naming_convention_prefixes p on u.prefix = p.prefix_value
            cross join naming_convention_folders f
        ),
        calculate_model_type as (
            select *,
                case when resource_type in ('test', 'source', 'metric', 'exposure', 'seed') then null
                    else coalesce(model_type_prefix, model_type_folder, 'other') end as model_type,
                row_number() over (partition by resource_id order by position_folder desc) as folder_name_rank
            from joined
        )
        select * exclude (folder_name_rank) from calculate_model_type where folder_name_rank = 1
    """)
    # int_direct_relationships: each resource with each direct parent
    con.execute("""
        create table int_direct_relationships as
        select r.resource_id, r.resource_name, r.resource_type, r.file_path, r.directory_path, r.file_name,
            r.model_type, r.materialized, r.is_public, r.access, r.source_name, r.is_excluded,
            case when r.resource_type in ('exposure', 'metric', 'model', 'snapshot', 'test')
                then rel.direct_parent_id end as direct_parent_id,
            coalesce(r.resource_type = 'test' and rel.is_primary_relationship, false) as is_primary_test_relationship
        from int_all_graph_resources r
        left join relationships rel on r.resource_id = rel.resource_id
    """)
    # int_all_dag_relationships: every path from a resource to each of its descendants (and itself)
    depth = int(v.get("max_depth_dag", -1))
    depth_limit = f"where all_relationships.distance <= {depth}" if depth > 0 else ""
    columns = (
        "resource_id as {p}_id, resource_name as {p}, resource_type as {p}_resource_type, "
        "model_type as {p}_model_type, materialized as {p}_materialized, access as {p}_access, "
        "is_public as {p}_is_public, source_name as {p}_source_name, file_path as {p}_file_path, "
        "directory_path as {p}_directory_path, file_name as {p}_file_name, is_excluded as {p}_is_excluded"
    )
    child_columns = ", ".join("d." + c for c in columns.format(p="child").split(", "))
    parent_names = ", ".join("all_relationships." + c.split(" as ")[1] for c in columns.format(p="parent").split(", "))
    con.execute(f"""
        create table int_all_dag_relationships as
        with recursive direct_relationships as (
            select * from int_direct_relationships where resource_type <> 'test'
        ),
        all_relationships as (
            select distinct {columns.format(p="parent")}, {columns.format(p="child")}, 0 as distance,
                [resource_name] as path, cast(null as boolean) as is_dependent_on_chain_of_views
            from direct_relationships
            union all
            select {parent_names}, {child_columns}, all_relationships.distance + 1 as distance,
                list_append(all_relationships.path, d.resource_name) as path,
                case when all_relationships.child_materialized in ('view', 'ephemeral')
                    and coalesce(all_relationships.is_dependent_on_chain_of_views, true)
                    then true else false end as is_dependent_on_chain_of_views
            from direct_relationships d
            join all_relationships on all_relationships.child_id = d.direct_parent_id
            {depth_limit}
        )
        select * from all_relationships
    """)
    # int_model_test_summary: whether a model's grain is tested (a primary-key test set on one column)
    test_sets: list[list[str]] = [list(s) for s in v["primary_key_test_macros"]]
    macros = sorted({t for s in test_sets for t in s} | {"dbt.test_unique"})
    flags = ",\n".join(
        f"(r.resource_type = 'test' and r.macro_dependencies like {_lit('%macro.' + m + '%')}) as is_{_flag(m)}"
        for m in macros
    )
    method_counts = ",\n".join(
        "count(distinct case when "
        + " or ".join(f"t.is_{_flag(m)}" for m in s)
        + f" then rel.resource_id end) as primary_key_method_{i}_count"
        for i, s in enumerate(test_sets, start=1)
    )
    method_checks = " or ".join(f"primary_key_method_{i}_count >= {len(s)}" for i, s in enumerate(test_sets, 1))
    con.execute(f"""
        create table int_model_test_summary as
        with tests as (
            select r.*, {flags} from int_all_graph_resources r where not r.is_excluded
        ),
        count_column_tests as (
            select rel.direct_parent_id, t.column_name,
                sum(case when t.is_{_flag("dbt.test_unique")} then 1 else 0 end) as test_unique_count,
                {method_counts},
                count(distinct rel.resource_id) as tests_count
            from tests t
            left join int_direct_relationships rel on t.resource_id = rel.resource_id
            where t.resource_type = 'test' and rel.is_primary_test_relationship
            group by rel.direct_parent_id, t.column_name
        ),
        combine_column_counts as (
            select c.*,
                c.test_unique_count + case when k.has_not_null_constraint then 1 else 0 end
                    as primary_key_mixed_method_count,
                k.constraints_count
            from count_column_tests c
            left join node_columns k on c.direct_parent_id = k.node_unique_id and c.column_name = k.name
        ),
        agg_test_relationships as (
            select direct_parent_id,
                sum(case when {method_checks} or primary_key_mixed_method_count >= 2 then 1 else 0 end) >= 1
                    as is_primary_key_tested,
                cast(sum(tests_count) as integer) as number_of_tests_on_model,
                cast(sum(constraints_count) as integer) as number_of_constraints_on_model
            from combine_column_counts group by direct_parent_id
        )
        select r.resource_name, r.resource_type, r.model_type,
            coalesce(a.is_primary_key_tested, false) as is_primary_key_tested,
            coalesce(a.number_of_tests_on_model, 0) as number_of_tests_on_model,
            coalesce(a.number_of_constraints_on_model, 0) as number_of_constraints_on_model
        from int_all_graph_resources r
        left join agg_test_relationships a on r.resource_id = a.direct_parent_id
        where not r.is_excluded and r.resource_type in ('model', 'seed', 'source', 'snapshot')
    """)


def _flag(test_macro: str) -> str:
    """``dbt.test_unique`` -> ``test_unique`` (the package's is_<macro> column), made a safe identifier."""
    return re.sub(r"\W", "_", test_macro.split(".", 1)[-1])


# --- exceptions and results ----------------------------------------------------------------------------
@dataclass(frozen=True)
class RuleException:
    rule: str
    column: str
    model: str  # the value, or a `like` pattern (% and _), of `column` that is excepted
    why: str
    pending: str | None = None

    def matches(self, row: dict[str, Any]) -> bool:
        value = row.get(self.column)
        if value is None:
            return False
        pattern = "".join(".*" if ch == "%" else "." if ch == "_" else re.escape(ch) for ch in self.model)
        return re.fullmatch(pattern, str(value), re.DOTALL) is not None


@dataclass
class Finding:
    rule: str
    row: dict[str, Any]
    excepted_by: RuleException | None = None

    def describe(self) -> str:
        return ", ".join(f"{k}={v}" for k, v in self.row.items())


@dataclass
class Evaluation:
    findings: list[Finding] = field(default_factory=list)
    stale_exceptions: list[RuleException] = field(default_factory=list)

    @property
    def open_findings(self) -> list[Finding]:
        return [f for f in self.findings if f.excepted_by is None]

    @property
    def ok(self) -> bool:
        return not self.open_findings and not self.stale_exceptions

    def by_rule(self, rule: str, include_excepted: bool = True) -> list[dict[str, Any]]:
        return [f.row for f in self.findings if f.rule == rule and (include_excepted or f.excepted_by is None)]

    def report(self) -> str:
        lines = []
        for f in self.open_findings:
            lines.append(f"FINDING {f.rule}: {f.describe()}")
        for e in self.stale_exceptions:
            lines.append(
                f"STALE EXCEPTION {e.rule}: {e.column} like {e.model!r} excepts nothing; remove it "
                f"from {EXCEPTIONS_FILE}"
            )
        excepted = [f for f in self.findings if f.excepted_by is not None]
        for f in excepted:
            status = f"pending: {f.excepted_by.pending}" if f.excepted_by.pending else "accepted"
            lines.append(f"excepted ({status}) {f.rule}: {f.describe()}")
        lines.append(
            f"{len(self.open_findings)} finding(s) not excepted, {len(excepted)} excepted "
            f"({sum(1 for f in excepted if f.excepted_by.pending)} pending), "
            f"{len(self.stale_exceptions)} stale exception(s)"
        )
        return "\n".join(lines)


def load_exceptions(path: Path) -> list[RuleException]:
    """The exception list: entries with ``rule``, ``model`` (value or like pattern, or a list of them),
    ``why``, optional ``column`` (default: the rule's subject column) and ``pending``."""
    if not path.exists():
        return []
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    subjects = {r.name: r for r in _rules(DEFAULT_VARS)}
    out: list[RuleException] = []
    for i, entry in enumerate(data.get("exceptions") or [], start=1):
        where = f"{path.name}, exception {i}"
        if not isinstance(entry, dict):
            raise EvaluatorError(f"{where}: expected a mapping with rule, model and why")
        rule = entry.get("rule")
        if rule not in subjects:
            raise EvaluatorError(f"{where}: unknown rule {rule!r} (one of: {', '.join(sorted(subjects))})")
        why = str(entry.get("why") or "").strip()
        if not why:
            raise EvaluatorError(f"{where}: says no why ({rule})")
        models = entry.get("model")
        models = models if isinstance(models, list) else [models]
        if not all(isinstance(m, str) and m for m in models):
            raise EvaluatorError(f"{where}: model must be a name or like pattern, or a list of them")
        pending = entry.get("pending")
        for model in models:
            out.append(
                RuleException(
                    rule=rule,
                    column=entry.get("column") or subjects[rule].subject,
                    model=model,
                    why=why,
                    pending=str(pending).strip() if pending else None,
                )
            )
    return out


def project_vars(dbt_project_dir: Path) -> dict[str, Any]:
    """The package's defaults, overridden by ``vars: dbt_project_evaluator:`` in ``dbt_project.yml``."""
    v = dict(DEFAULT_VARS)
    project_file = dbt_project_dir / "dbt_project.yml"
    if project_file.exists():
        project = yaml.safe_load(project_file.read_text(encoding="utf-8")) or {}
        overrides = ((project.get("vars") or {}).get("dbt_project_evaluator")) or {}
        unknown = (
            set(overrides)
            - set(DEFAULT_VARS)
            - {f"{t}_{s}" for t in overrides.get("model_types", []) for s in ("prefixes", "folder_name")}
        )
        if unknown:
            raise EvaluatorError(
                f"dbt_project.yml: unknown dbt_project_evaluator variable(s): {', '.join(sorted(unknown))}"
            )
        v.update(overrides)
    return v


def project_name(manifest: dict[str, Any]) -> str:
    return (manifest.get("metadata") or {}).get("project_name") or next(
        (n.get("package_name") for n in manifest.get("nodes", {}).values()), ""
    )


def evaluate(
    manifest: dict[str, Any], variables: dict[str, Any] | None = None, exceptions: Sequence[RuleException] = ()
) -> Evaluation:
    """Run every rule on ``manifest``; mark the findings an exception excepts; list exceptions that
    except nothing."""
    v = dict(DEFAULT_VARS)
    v.update(variables or {})
    con = duckdb.connect(":memory:")
    try:
        _load(con, manifest, v, project_name(manifest))
        result = Evaluation()
        for rule in _rules(v):
            cur = con.execute(rule.sql)
            names = [d[0] for d in cur.description]
            rows = [dict(zip(names, r, strict=True)) for r in cur.fetchall()]
            if rule.coverage_target_var and rule.coverage_column and rule.shortfall_sql:
                target = float(v[rule.coverage_target_var])
                below = [
                    r for r in rows if r[rule.coverage_column] is not None and float(r[rule.coverage_column]) < target
                ]
                shortfall = con.execute(rule.shortfall_sql).fetchall() if below else []
                rows = [
                    {
                        "resource_name": name,
                        "model_type": model_type,
                        rule.coverage_column: below[0][rule.coverage_column],
                        "target": target,
                    }
                    for name, model_type in shortfall
                ]
            for row in rows:
                excepted = next((e for e in exceptions if e.rule == rule.name and e.matches(row)), None)
                result.findings.append(Finding(rule.name, row, excepted))
        used = {id(f.excepted_by) for f in result.findings if f.excepted_by is not None}
        result.stale_exceptions = [e for e in exceptions if id(e) not in used]
        return result
    finally:
        con.close()


def evaluate_project(manifest_path: Path, dbt_project_dir: Path) -> Evaluation:
    """The rules on a parsed manifest of ``dbt_project_dir``, with its variables and exception list."""
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    return evaluate(manifest, project_vars(dbt_project_dir), load_exceptions(dbt_project_dir / EXCEPTIONS_FILE))


def parse_manifest(workdir: Path, settings: Settings | None = None) -> Path:
    """``dbt parse`` of the project into ``workdir`` (its own target and logs); the manifest's path."""
    from woonsignaal.settings import get_settings
    from woonsignaal.transform import invoke

    settings = dataclasses.replace(settings or get_settings(), home=workdir)
    result = invoke(["parse", "--quiet"], settings)
    manifest = settings.dbt_dir / "target" / "manifest.json"
    if not result.success or not manifest.exists():
        raise EvaluatorError(f"dbt parse of {settings.dbt_project_dir} failed (dbt's own message is above)")
    return manifest


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m woonsignaal.dbt_evaluator",
        description="Check the dbt project against dbt-project-evaluator's rules.",
    )
    parser.add_argument("--manifest", type=Path, help="manifest.json to check (default: dbt parse into a temp dir)")
    parser.add_argument(
        "--project-dir", type=Path, help="dbt project (variables, exception list); default: the settings' dbt project"
    )
    args = parser.parse_args(argv)
    from woonsignaal.settings import get_settings

    project_dir = args.project_dir or get_settings().dbt_project_dir
    try:
        if args.manifest:
            if not args.manifest.exists():
                raise EvaluatorError(f"{args.manifest}: no such manifest")
            evaluation = evaluate_project(args.manifest, project_dir)
        else:
            with tempfile.TemporaryDirectory(prefix="woonsignaal-dbt-parse-") as tmp:
                evaluation = evaluate_project(parse_manifest(Path(tmp)), project_dir)
    except EvaluatorError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(evaluation.report())
    return 0 if evaluation.ok else 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
