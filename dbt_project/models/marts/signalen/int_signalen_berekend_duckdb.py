"""The signals of this run, computed by the package's statistics engine (woonsignaal.signals).

Reads the fact marts, evaluates the 12 months ending on periode_eind = the last day of the last
complete month on the extract date (the extract date itself when it is a month's last day), and
returns one row per published signal: the contract columns of marts.signalen plus
signaal_sleutel, vergelijking, p_waarde and q_waarde. See docs/signals.md.

DuckDB only (a dbt Python model, enabled when target.type == 'duckdb'); the SQL model
int_signalen_berekend selects it on DuckDB. On PostgreSQL (no dbt Python models) the signal step
woonsignaal.serving.dbt_signals computes the same with the same engine and int_signalen_berekend selects
its output instead. Which facts are read, how, and the output's types: woonsignaal.signals.facts.
"""


def model(dbt, session):
    from woonsignaal.signals.engine import periode_eind_for
    from woonsignaal.signals.facts import (
        minimum_from,
        read_facts_duckdb,
        signals_for,
        typed_signals,
    )

    dbt.config(materialized="table")
    minimum = minimum_from(dbt.config.get("minimum_group_size"))
    # the extract date the SQL models use (macro extractdatum: the var, else the latest delivery), one row;
    # DuckDB 2 relations have no fetchone(): an aggregate always returns one row
    extractdatum = dbt.ref("int_signalen_periode").aggregate("max(extractdatum)").fetchall()[0][0]
    # dbt.ref needs literal arguments (dbt parses them statically)
    relations = {
        "fct_leegstand": dbt.ref("fct_leegstand"),
        "fct_publicatie": dbt.ref("fct_publicatie"),
        "fct_zaak": dbt.ref("fct_zaak"),
        "fct_zaak_partner": dbt.ref("fct_zaak_partner"),
        "fct_contract_maand": dbt.ref("fct_contract_maand"),
    }
    facts = read_facts_duckdb(relations, periode_eind_for(extractdatum))
    return typed_signals(session, signals_for(facts, extractdatum, minimum))
