"""Write the ``_<dir>__models.yml`` files from the built warehouse (development tool).

Every model gets its description (the leading ``{#- ... -#}`` comment of its SQL file), every column its
description (``column_docs.py``) and, for the published marts, its data type with ``contract: enforced``
and the tests below: every staging and intermediate model gets its primary-key tests (``KEYS``: unique and
not_null on one column; ``COMPOSITE_KEYS``: the project's ``unique_combination`` and not_null on each key
column), which dbt-project-evaluator's fct_missing_primary_key_tests asks for (woonsignaal.dbt_evaluator).
Run after changing a model's columns, on a warehouse built by ``dbt build``:

    .venv/bin/python dbt_project/scripts/gen_models_yml.py /path/to/woonsignaal.duckdb

Fails when a column has no description or a mart column has a type that is not portable (HUGEINT).
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import duckdb
import yaml

from woonsignaal.contract import KLASSENINDELINGEN

sys.path.insert(0, str(Path(__file__).resolve().parent))
from column_docs import COLUMN_DOCS, MODEL_COLUMN_DOCS  # noqa: E402

PROJECT = Path(__file__).resolve().parents[1]
MODELS = PROJECT / "models"
#: The folders this generator owns (signalen and werklijsten are documented by their own owners).
OWN_DIRS = ("staging", "intermediate", "marts/core", "marts/verhuur", "marts/overlast", "marts/incasso")

DOUBLE = "{{ 'double precision' if target.type == 'postgres' else 'double' }}"

#: accepted values per column: the computed classes of the contract (KLASSENINDELINGEN), then code lists
KLASSEN = {
    **{name: list(indeling.labels) for name, indeling in KLASSENINDELINGEN.items()},
    "leeftijdsklasse_bij_start": list(KLASSENINDELINGEN["leeftijdsklasse"].labels),
    "lift": ["J", "N"],
    "huurtoeslag": ["J", "N"],
    "huishoudsamenstelling": ["ALL", "PZK", "PMK", "EOG", "OVR"],
    "betaalwijze": ["AI", "OV", "HT"],
    "partner": ["POL", "WIJ", "GGD", "BBM", "GEM", "ZOR", "MWK"],
    "hoogste_incassostap": ["HER", "AAN", "SOM", "VRS", "DEU", "DAG", "VON", "ONA", "ONT"],
    "boeking_groep": ["gefactureerd", "betaling", "correctie"],
}
KEYS = {
    "dim_eenheid": "eenheid_id",
    "dim_eenheid_historie": "eenheid_versie_id",
    "dim_huishouden": "huishouden_id",
    "dim_datum": "datum",
    "dim_maand": "maand",
    "fct_huurovereenkomst": "overeenkomst_id",
    "fct_leegstand": "leegstand_id",
    "fct_leegstand_reden": "leegstand_reden_id",
    "fct_publicatie": "publicatie_id",
    "fct_aanbieding": "aanbieding_id",
    "fct_zaak": "zaak_id",
    "fct_zaak_partner": "zaak_partner_id",
    "fct_contract_maand": "contract_maand_id",
    "fct_achterstand_episode": "episode_id",
    "fct_betalingsregeling": "regeling_id",
    "int_leegstand_perioden": "leegstand_id",
    "int_huurovereenkomsten": "overeenkomst_id",
    "int_aanbiedingen_per_publicatie": "publicatie_id",
    "int_zaak_partners": "zaak_id",
    "int_zaak_statuspaden": "zaak_id",
    "int_incassoacties": "actie_id",
    "int_boekingen": "boeking_id",
    # staging: event tables hold the current version of each key; leveringen one row per loaded delivery
    "stg_raw__publicaties": "publicatie_id",
    "stg_raw__aanbiedingen": "aanbieding_id",
    "stg_raw__zaken": "zaak_id",
    "stg_raw__boekingen": "boeking_id",
    "stg_raw__incassoacties": "actie_id",
    "stg_raw__betalingsregelingen": "regeling_id",
    "stg_raw__leveringen": "extractdatum",
}
COMPOSITE_KEYS = {
    "mart_verhuur_kpi_maand": ["maand", "dimensie", "segment"],
    "mart_overlast_kpi_maand": ["maand", "dimensie", "segment"],
    "mart_incasso_kpi_maand": ["maand", "dimensie", "segment"],
    "int_leegstand_maanden": ["leegstand_id", "maand"],
    "int_contract_maand_boekingen": ["overeenkomst_id", "maand"],
    "int_eenheid_maanden": ["eenheid_id", "maand"],
    "int_leegstand_statussen": ["eenheid_id", "begindatum"],
    "int_relaties_historie": ["relatie_id", "geldig_vanaf"],
    # staging: snapshot tables keep one row per key and version (geldig_vanaf)
    "stg_raw__complexen": ["complex_id", "geldig_vanaf"],
    "stg_raw__eenheden": ["eenheid_id", "geldig_vanaf"],
    "stg_raw__eenheidstatussen": ["eenheid_id", "begindatum", "geldig_vanaf"],
    "stg_raw__relaties": ["relatie_id", "geldig_vanaf"],
    "stg_raw__huurovereenkomsten": ["overeenkomst_id", "geldig_vanaf"],
    "stg_raw__zaakstatussen": ["zaak_id", "zaakstatus_soort", "begindatum"],
    "stg_raw__zaakbetrokkenen": ["zaak_id", "partner"],
    # as delivered (code lists keep a delivered duplicate, deletions every one ever delivered): the line
    "stg_raw__referentiedata": ["extractdatum", "regelnummer"],
    "stg_raw__verwijderingen": ["bronbestand", "regelnummer"],
}
RELATIONSHIPS = {
    ("fct_leegstand", "eenheid_id"): ("dim_eenheid", "eenheid_id"),
    ("fct_publicatie", "eenheid_id"): ("dim_eenheid", "eenheid_id"),
    ("fct_huurovereenkomst", "eenheid_id"): ("dim_eenheid", "eenheid_id"),
    ("fct_zaak", "eenheid_id"): ("dim_eenheid", "eenheid_id"),
    ("fct_contract_maand", "overeenkomst_id"): ("fct_huurovereenkomst", "overeenkomst_id"),
    ("fct_contract_maand", "maand"): ("dim_maand", "maand"),
    ("fct_leegstand_reden", "leegstand_id"): ("fct_leegstand", "leegstand_id"),
    ("fct_aanbieding", "publicatie_id"): ("fct_publicatie", "publicatie_id"),
    ("fct_zaak_partner", "zaak_id"): ("fct_zaak", "zaak_id"),
    ("fct_achterstand_episode", "overeenkomst_id"): ("fct_huurovereenkomst", "overeenkomst_id"),
    ("dim_huishouden", "overeenkomst_id"): ("fct_huurovereenkomst", "overeenkomst_id"),
    ("dim_eenheid_historie", "eenheid_id"): ("dim_eenheid", "eenheid_id"),
}
NIET_NEGATIEF = {
    "leegstand_dagen",
    "dagen",
    "doorlooptijd_dagen",
    "looptijd_dagen",
    "dagen_tot_verhuur",
    "eerste_partner_dagen",
    "aanbiedingen_aantal",
    "weigeringen_aantal",
    "eenheden_aantal",
    "open_voorraad",
    "instroom_aantal",
    "contracten_aantal",
    "maanden_achterstand",
    "achterstand_euro",
    "huurderving_euro",
    "maanden_aantal",
}
NOT_NULL = {
    "fct_leegstand": ["eenheid_id", "begindatum", "leegstand_dagen", "is_afgesloten"],
    "fct_zaak": [
        "registratiedatum",
        "doorlooptijd_dagen",
        "is_afgesloten",
        "partner_binnen_30_dagen",
        "is_vertrouwelijk",
    ],
    "fct_contract_maand": [
        "overeenkomst_id",
        "maand",
        "saldo_euro",
        "in_achterstand",
        "nieuw_in_achterstand",
        "deurwaarder_bereikt",
    ],
    "fct_publicatie": ["eenheid_id", "begindatum", "aanbiedingen_aantal", "weigeringen_aantal", "is_verhuurd"],
    "fct_zaak_partner": ["zaak_id", "partner", "betrokken_vanaf"],
}
#: (model, column) -> (code list, date column or None = extract date): code valid on the row's date
#: (contract section 6); severity warn: a code-list fault is reported, never fatal.
CODES = {
    ("stg_raw__eenheden", "eenheid_soort"): ("EENHEIDSOORT", None),
    ("stg_raw__eenheden", "eenheid_detailsoort"): ("EENHEIDDETAILSOORT", None),
    ("stg_raw__eenheden", "energielabel"): ("ENERGIELABEL", None),
    ("stg_raw__eenheden", "huurklasse"): ("HUURKLASSE", None),
    ("stg_raw__eenheidstatussen", "status"): ("EENHEIDSTATUS", "begindatum"),
    ("stg_raw__eenheidstatussen", "detailstatus"): ("EENHEIDDETAILSTATUS", "begindatum"),
    ("stg_raw__relaties", "huishoudsamenstelling"): ("HUISHOUDSAMENSTELLING", None),
    ("stg_raw__huurovereenkomsten", "betaalwijze"): ("BETAALWIJZE", "begindatum"),
    ("stg_raw__huurovereenkomsten", "overeenkomst_status"): ("OVEREENKOMSTSTATUS", None),
    ("stg_raw__huurovereenkomsten", "eindereden"): ("EINDEREDEN", "einddatum"),
    ("stg_raw__huurovereenkomsten", "eindedetailreden"): ("EINDEDETAILREDEN", "einddatum"),
    ("stg_raw__publicaties", "publicatie_model"): ("PUBLICATIEMODEL", "begindatum"),
    ("stg_raw__publicaties", "publicatie_status"): ("PUBLICATIESTATUS", None),
    ("stg_raw__aanbiedingen", "aanbieding_status"): ("AANBIEDINGSTATUS", "aanbiedingsdatum"),
    ("stg_raw__aanbiedingen", "aanbieding_detailstatus"): ("AANBIEDINGDETAILSTATUS", "aanbiedingsdatum"),
    ("stg_raw__zaken", "zaaktype_soort"): ("ZAAKTYPESOORT", "registratiedatum"),
    ("stg_raw__zaken", "zaaktype_detailsoort"): ("ZAAKTYPEDETAILSOORT", "registratiedatum"),
    ("stg_raw__zaken", "resultaat"): ("ZAAKRESULTAAT", None),
    ("stg_raw__zaken", "vertrouwelijkheid"): ("VERTROUWELIJKHEID", None),
    ("stg_raw__zaakstatussen", "zaakstatus_soort"): ("ZAAKSTATUSSOORT", "begindatum"),
    ("stg_raw__zaakbetrokkenen", "partner"): ("ZAAKPARTNER", None),
    ("stg_raw__boekingen", "boeking_detailsoort"): ("BOEKINGDETAILSOORT", "boekdatum"),
    ("stg_raw__incassoacties", "actie_soort"): ("INCASSOACTIESOORT", None),
    ("stg_raw__betalingsregelingen", "regeling_status"): ("BETALINGSREGELINGSTATUS", None),
    ("stg_raw__betalingsregelingen", "regeling_eindereden"): ("BETALINGSREGELINGEINDEREDEN", None),
}
MODEL_TESTS = {
    "fct_leegstand": [{"regel": {"arguments": {"expression": "einddatum is null or einddatum >= begindatum"}}}],
    "fct_contract_maand": [
        {
            "regel": {
                "arguments": {
                    "expression": (
                        "(in_achterstand and achterstand_euro > 0) or (not in_achterstand and achterstand_euro = 0)"
                    )
                }
            }
        }
    ],
    "fct_zaak": [
        {
            "regel": {
                "arguments": {"expression": "partner_binnen_30_dagen = coalesce(eerste_partner_dagen <= 30, false)"}
            }
        }
    ],
}


def model_description(sql: str, name: str) -> str:
    m = re.search(r"\{#-?(.*?)-?#\}", sql, re.S)
    if not m:
        raise SystemExit(f"{name}: no leading {{#- description -#}} comment")
    return " ".join(line.strip() for line in m.group(1).strip().splitlines())


def contract_type(t: str, where: str) -> str:
    t = t.upper()
    if t == "HUGEINT":
        raise SystemExit(f"{where}: HUGEINT is not portable; cast it to bigint in the model")
    if t == "DOUBLE":
        return DOUBLE
    if t.startswith("DECIMAL"):
        return "numeric" + t[len("DECIMAL") :].replace(" ", "")
    return {"VARCHAR": "varchar"}.get(t, t.lower())


def column_entry(model: str, col: str, typ: str, published: bool, schema_dir: str) -> dict:
    doc = MODEL_COLUMN_DOCS.get((model, col)) or COLUMN_DOCS.get(col)
    if not doc:
        raise SystemExit(f"{model}.{col}: no description in column_docs.py")
    entry: dict = {"name": col, "description": doc}
    if published:
        entry["data_type"] = contract_type(typ, f"{model}.{col}")
    tests: list = []
    if KEYS.get(model) == col:
        tests += ["unique", "not_null"]
    elif col in NOT_NULL.get(model, []) or (schema_dir != "marts" and col in COMPOSITE_KEYS.get(model, [])):
        tests.append("not_null")
    if (model, col) in RELATIONSHIPS:
        to, field = RELATIONSHIPS[(model, col)]
        tests.append({"relationships": {"arguments": {"to": f"ref('{to}')", "field": field}}})
    if (model, col) in CODES:
        soort, datum = CODES[(model, col)]
        arguments = {"soort": soort, **({"datum": datum} if datum else {})}
        tests.append({"geldige_code": {"arguments": arguments, "config": {"severity": "warn"}}})
    if schema_dir != "staging" and col in KLASSEN:
        tests.append({"accepted_values": {"arguments": {"values": KLASSEN[col]}}})
    if schema_dir == "marts" and col in NIET_NEGATIEF:
        tests.append("niet_negatief")
    if tests:
        entry["data_tests"] = tests
    return entry


def main(db_path: str) -> None:
    con = duckdb.connect(db_path, read_only=True)
    types: dict[tuple[str, str], list[tuple[str, str]]] = {}
    for schema, table, col, typ in con.execute(
        "select table_schema, table_name, column_name, data_type from information_schema.columns "
        "where table_schema in ('staging', 'intermediate', 'marts') order by table_schema, table_name, ordinal_position"
    ).fetchall():
        types.setdefault((schema, table), []).append((col, typ))
    for folder in sorted({p.parent for d in OWN_DIRS for p in (MODELS / d).rglob("*.sql")}):
        layer = folder.relative_to(MODELS).parts[0]
        models = []
        for sql in sorted(folder.glob("*.sql")):
            name = sql.stem
            cols = types.get((layer, name))
            if cols is None:
                raise SystemExit(f"{name} is not built in {layer}: run dbt build first")
            published = layer == "marts"
            entry: dict = {"name": name, "description": model_description(sql.read_text(), name)}
            if published:
                entry["config"] = {"contract": {"enforced": True}}
            tests = []
            if name in COMPOSITE_KEYS:
                tests.append({"unique_combination": {"arguments": {"columns": COMPOSITE_KEYS[name]}}})
            tests += MODEL_TESTS.get(name, [])
            if tests:
                entry["data_tests"] = tests
            entry["columns"] = [column_entry(name, c, t, published, layer) for c, t in cols]
            models.append(entry)
        prefix = folder.name if layer != "staging" else "raw"
        out = folder / f"_{prefix}__models.yml"
        header = (
            "# Generated by dbt_project/scripts/gen_models_yml.py (descriptions in scripts/column_docs.py);\n"
            "# regenerate after changing a model's columns.\n"
        )
        out.write_text(
            header + yaml.safe_dump({"version": 2, "models": models}, sort_keys=False, allow_unicode=True, width=120)
        )
        print(f"wrote {out.relative_to(PROJECT)} ({len(models)} models)")


if __name__ == "__main__":
    main(sys.argv[1])
