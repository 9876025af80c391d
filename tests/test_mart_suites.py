"""The published marts: which they are, their generated GX suites, and that none holds personal data."""

from __future__ import annotations

import json
import re
from pathlib import Path

import yaml

from woonsignaal.publish import FORBIDDEN_COLUMNS
from woonsignaal.quality.mart_suites import generate_mart_suites, published_models, runtime_suites

REPO_ROOT = Path(__file__).resolve().parents[1]
DBT = REPO_ROOT / "dbt_project"
SUITES = REPO_ROOT / "expectations" / "marts"

#: keys that point at one tenant or one case: never in a published mart (section 5: no group below the minimum)
PERSON_LEVEL_KEYS = {"relatie_id", "overeenkomst_id", "zaak_id", "huishouden_id", "regeling_id", "boeking_id"}


def test_committed_suites_equal_the_generated_ones():
    generated = generate_mart_suites(DBT)
    committed = {p.stem: json.loads(p.read_text(encoding="utf-8")) for p in SUITES.glob("*.json")}
    assert committed == generated, "run `python -m woonsignaal.quality.mart_suites` and commit expectations/marts"


def test_the_contracted_outputs_are_published():
    published = set(published_models(DBT))
    assert {
        "signalen",
        "signalen_status",
        "mart_verhuur_kpi_maand",
        "mart_overlast_kpi_maand",
        "mart_incasso_kpi_maand",
    } <= published
    assert {"fct_contract_maand", "fct_huurovereenkomst", "fct_zaak", "dim_huishouden"}.isdisjoint(published)


def test_exposures_depend_on_published_marts_only():
    """Consumers read the public models only; the BI exposure lists exactly those (one source: access)."""
    doc = yaml.safe_load((DBT / "models" / "marts" / "_marts__exposures.yml").read_text(encoding="utf-8"))
    published = set(published_models(DBT))
    refs = {e["name"]: {re.fullmatch(r"ref\('(\w+)'\)", d).group(1) for d in e["depends_on"]} for e in doc["exposures"]}
    for name, models in refs.items():
        assert models <= published, f"exposure {name} depends on unpublished {sorted(models - published)}"
    assert refs["bi_dashboards"] == published


def test_access_decides_what_is_published(tmp_path):
    """dbt's resolution: the yml's config over its top-level key over dbt_project.yml, deeper paths win."""
    project = tmp_path / "dbt_project"
    folder = project / "models" / "marts" / "verhuur"
    folder.mkdir(parents=True)
    (project / "dbt_project.yml").write_text(
        yaml.safe_dump(
            {
                "name": "p",
                "models": {"p": {"marts": {"+access": "public", "verhuur": {"intern": {"+access": "protected"}}}}},
            }
        )
    )
    (folder / "_verhuur__models.yml").write_text(
        yaml.safe_dump(
            {
                "version": 2,
                "models": [
                    {"name": "geerfd"},
                    {"name": "intern"},
                    {"name": "eigen", "config": {"access": "private"}},
                    {"name": "weer_publiek", "access": "private", "config": {"access": "public"}},
                ],
            }
        )
    )
    assert set(published_models(project)) == {"geerfd", "weer_publiek"}


def test_no_published_mart_has_personal_or_person_level_columns():
    for name, model in published_models(DBT).items():
        columns = {c["name"] for c in model.get("columns", [])}
        assert not columns & FORBIDDEN_COLUMNS, name
        assert not columns & PERSON_LEVEL_KEYS, name
        assert (model.get("config") or {}).get("contract", {}).get("enforced"), f"{name}: contract not enforced"


def test_signalen_suite_checks_the_contract_columns_and_interval():
    suite = generate_mart_suites(DBT)["signalen"]
    types = [e["type"] for e in suite["expectations"]]
    assert types[0] == "expect_table_columns_to_match_ordered_list"
    assert "expect_column_pair_values_a_to_be_greater_than_b" in types


def test_runtime_rules_are_added(tmp_path):
    target = runtime_suites(
        SUITES,
        tmp_path / "rt",
        minimum_group_size=12,
        previous_counts={"fct_leegstand": 1000, "signalen": 30},
        tolerance=0.25,
    )
    leegstand = json.loads((target / "fct_leegstand.json").read_text())
    count = [e for e in leegstand["expectations"] if e["type"] == "expect_table_row_count_to_be_between"]
    assert count and count[0]["kwargs"]["min_value"] == 750 and count[0]["kwargs"]["max_value"] == 1251
    signalen = json.loads((target / "signalen.json").read_text())
    assert any(
        e["kwargs"].get("column") == "n" and e["kwargs"].get("min_value") == 12 for e in signalen["expectations"]
    )
    assert not any(e["type"] == "expect_table_row_count_to_be_between" for e in signalen["expectations"])
