"""The dbt project's files against the contract, the VERA list and the project's conventions (no dbt run)."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import yaml

from woonsignaal.contract import EIGEN_LIJSTEN, VERA_CODELISTS
from woonsignaal.raw_schema import raw_tables

PROJECT = Path(__file__).resolve().parents[2] / "dbt_project"
MODELS = PROJECT / "models"
# the transcription of the public VERA file that ships as package data (CC0)
VERA = Path(__file__).resolve().parents[2] / "src" / "woonsignaal" / "data" / "vera_referentiedata.csv"
OWN_DIRS = ("staging", "intermediate", "marts/core", "marts/verhuur", "marts/overlast", "marts/incasso")


def test_seed_is_the_vera_transcription_of_the_contract_code_lists():
    with (PROJECT / "seeds" / "referentiedata_codes.csv").open(encoding="utf-8") as fh:
        seed = list(csv.DictReader(fh))
    soorten = {r["soort"] for r in seed}
    assert soorten == set(VERA_CODELISTS) | set(EIGEN_LIJSTEN)
    with VERA.open(encoding="utf-8-sig") as fh:
        vera = [r for r in csv.DictReader(fh, delimiter=";") if r["Soort"] in VERA_CODELISTS]
    assert sorted((r["Soort"], r["Code"]) for r in vera) == sorted(
        (r["soort"], r["code"]) for r in seed if r["bron"] == "VERA"
    )
    for soort, codes in EIGEN_LIJSTEN.items():
        assert {r["code"]: r["naam"] for r in seed if r["soort"] == soort} == codes
    # dates are ISO or empty (VERA's own faulty dates are left empty)
    assert all(re.fullmatch(r"(\d{4}-\d{2}-\d{2})?", r[c]) for r in seed for c in ("begindatum", "einddatum"))
    leegstand = {r["code"] for r in seed if r["soort"] == "EENHEIDDETAILSTATUS" and r["parent_code"] == "LEE"}
    assert {"MUT", "NIH", "NIB", "EPA", "STR", "PRO", "VEK"} <= leegstand


def test_sources_are_the_raw_layer_of_the_contract():
    doc = yaml.safe_load((MODELS / "staging" / "raw" / "_raw__sources.yml").read_text())
    (source,) = doc["sources"]
    assert source["schema"] == "raw"
    declared = {t["name"]: [c["name"] for c in t["columns"]] for t in source["tables"]}
    assert declared == {name: list(cols) for name, cols in raw_tables().items()}
    fresh = [t["name"] for t in source["tables"] if (t.get("config") or {}).get("freshness", "") is not None]
    assert fresh == ["leveringen"]


def _model_docs() -> dict[str, dict]:
    docs = {}
    for d in OWN_DIRS:
        for yml in (MODELS / d).rglob("_*__models.yml"):
            for m in yaml.safe_load(yml.read_text())["models"]:
                docs[m["name"]] = m
    return docs


def test_every_model_and_column_is_described_and_marts_are_contracted():
    docs = _model_docs()
    sql_models = {p.stem: p for d in OWN_DIRS for p in (MODELS / d).rglob("*.sql")}
    assert set(sql_models) == set(docs), set(sql_models) ^ set(docs)
    for name, m in docs.items():
        assert len(m.get("description", "")) > 20, name
        assert m["columns"], name
        for c in m["columns"]:
            assert c.get("description"), f"{name}.{c['name']}"
        if sql_models[name].parts[-3] == "marts":
            assert m["config"]["contract"]["enforced"] is True, name
            assert all(c.get("data_type") for c in m["columns"]), name
    staging = [n for n in docs if n.startswith("stg_raw__")]
    assert {n.removeprefix("stg_raw__") for n in staging} == set(raw_tables()) - {"quarantaine"}


def test_interface_columns_of_the_fact_marts_are_provided():
    docs = _model_docs()
    text = (Path(__file__).resolve().parents[2] / "docs" / "marts-interface.md").read_text()
    unit = [
        "wijk",
        "complex_id",
        "eenheid_detailsoort",
        "huurklasse",
        "kamers_aantal",
        "lift",
        "energielabel",
        "etage_klasse",
        "bouwjaar_klasse",
    ]
    tenant = [
        "leeftijdsklasse",
        "huishoudsamenstelling",
        "huurtoeslag",
        "betaalwijze",
        "inkomensklasse",
        "contractduur_klasse",
    ]
    for section in re.findall(r"## marts\.(\w+) — .*?\n(.*?)(?=\n## |\Z)", text, re.S):
        name, body = section
        wanted = set(re.findall(r"`(\w+)`", body))
        if "+ unit dimensions" in body:
            wanted |= set(unit)
        if "+ tenant dimensions" in body:
            wanted |= set(tenant)
        have = {c["name"] for c in docs[name]["columns"]}
        assert wanted - {"SOC", "OMG", "GEH", "DEU", "LEE", "maand"} <= have | {"maand"}, (name, wanted - have)


DUCKDB_ONLY = [
    r"\bqualify\b",
    r"\bstrptime\b",
    r"\blist_\w+\(",
    r"::",
    r"\bmedian\(",
    r"\bdate_diff\(",
    r"\binterval \d",
    r"\bilike\b",
    r"\bstruct_",
    r"\bepoch\(",
    r"\bifnull\(",
    r"\biif\(",
]


def test_models_use_no_duckdb_only_sql_outside_the_crossdb_macros():
    for d in OWN_DIRS:
        for p in (MODELS / d).rglob("*.sql"):
            sql = re.sub(r"\{#.*?#\}", "", p.read_text(), flags=re.S).lower()
            for pattern in DUCKDB_ONLY:
                assert not re.search(pattern, sql), f"{p.name}: {pattern}"


def test_profiles_have_both_targets_and_schemas_have_no_prefix():
    prof = yaml.safe_load((PROJECT / "profiles.yml").read_text())["woonsignaal"]
    assert set(prof["outputs"]) == {"duckdb", "postgres"}
    assert "WOONSIGNAAL_WAREHOUSE" in prof["outputs"]["duckdb"]["path"]
    assert all(k in str(prof["outputs"]["postgres"]) for k in ("WOONSIGNAAL_PG_HOST", "WOONSIGNAAL_PG_USER"))
    macro = (PROJECT / "macros" / "generate_schema_name.sql").read_text()
    assert "custom_schema_name | trim" in macro and "target.schema ~" not in macro


def _gen_klassen_macros():
    import importlib.util

    spec = importlib.util.spec_from_file_location("gen_klassen_macros", PROJECT / "scripts" / "gen_klassen_macros.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_class_macros_are_the_generated_ones_from_the_contract():
    """macros/klassen_contract.sql is what scripts/gen_klassen_macros.py writes from
    contract.KLASSENINDELINGEN; run the script after changing a class."""
    gen = _gen_klassen_macros()
    assert (PROJECT / "macros" / "klassen_contract.sql").read_text(encoding="utf-8") == gen.render()
    # and no other macro file defines a class macro
    for path in (PROJECT / "macros").glob("*.sql"):
        if path.name != "klassen_contract.sql":
            for name in gen.MACROS:
                assert f"macro {name}(" not in path.read_text(encoding="utf-8"), (path.name, name)


def test_class_macros_compute_the_contract_classes():
    """The generated SQL, run in DuckDB on every value around the bounds, gives contract's klasse(value)."""
    import duckdb

    from woonsignaal.contract import KLASSENINDELINGEN

    gen = _gen_klassen_macros()
    con = duckdb.connect()
    for name in ("etage_klasse", "bouwjaar_klasse", "inkomensklasse"):  # the ones of one number
        (arg,), _, _ = gen.MACROS[name]
        body = gen.macro_sql(name).split("-%}\n", 1)[1].split("{%- endmacro %}")[0].replace("{{ " + arg + " }}", "v")
        indeling = KLASSENINDELINGEN[name]
        values = sorted({b + d for b in indeling.grenzen for d in (-1, 0, 1)} | {-5})
        got = dict(con.execute(f"select v, {body} from unnest({values}) as t(v)").fetchall())
        assert got == {v: indeling.klasse(v) for v in values}, name
        assert con.execute(f"select {body} from (select null::integer as v)").fetchone()[0] is None


def test_accepted_class_values_in_the_models_yml_are_the_contract_labels():
    from woonsignaal.contract import KLASSENINDELINGEN

    labels = {name: list(k.labels) for name, k in KLASSENINDELINGEN.items()}
    labels["leeftijdsklasse_bij_start"] = labels["leeftijdsklasse"]
    checked = 0
    for path in MODELS.rglob("_*__models.yml"):
        for model in yaml.safe_load(path.read_text(encoding="utf-8")).get("models", []):
            for col in model.get("columns", []):
                for test in col.get("data_tests", []):
                    if isinstance(test, dict) and "accepted_values" in test and col["name"] in labels:
                        spec = test["accepted_values"]
                        values = (spec.get("arguments") or spec)["values"]
                        assert values == labels[col["name"]], (path.name, model["name"], col["name"])
                        checked += 1
    assert checked >= 5
