"""The signals of this run, computed by the package's statistics engine (woonsignaal.signals).

Reads the fact marts, evaluates the 12 months ending on periode_eind = the last day of the last
complete month on the extract date (the extract date itself when it is a month's last day), and
returns one row per published signal: the contract columns of marts.signalen plus
signaal_sleutel, vergelijking, p_waarde and q_waarde. See docs/signals.md.
"""

def model(dbt, session):
    import datetime as dt

    from woonsignaal.contract import SIGNALEN_COLUMNS
    from woonsignaal.signals.engine import compute_signals, periode_eind_for

    dbt.config(materialized="table")
    minimum = int(dbt.config.get("minimum_group_size") or 10)
    raw_extract = dbt.config.get("extractdatum")
    if raw_extract and str(raw_extract).strip().lower() not in ("", "none", "null"):
        extractdatum = dt.date.fromisoformat(str(raw_extract).strip()[:10])
    else:
        # DuckDB 2 relations have no fetchone(); an aggregate always returns one row
        extractdatum = dbt.source("raw", "leveringen").aggregate("max(extractdatum)").fetchall()[0][0]
        if extractdatum is None:
            raise ValueError("raw.leveringen is empty: load a delivery first, or pass --vars extractdatum")
    # dbt.ref needs literal arguments (dbt parses them statically)
    facts = {
        "fct_leegstand": dbt.ref("fct_leegstand").df(),
        "fct_publicatie": dbt.ref("fct_publicatie").df(),
        "fct_zaak": dbt.ref("fct_zaak").df(),
        "fct_zaak_partner": dbt.ref("fct_zaak_partner").df(),
        "fct_contract_maand": dbt.ref("fct_contract_maand").df(),
    }
    if extractdatum is None:
        # no delivery metadata: fall back to the latest fact date (never the wall clock)
        dates = [facts["fct_contract_maand"]["maand"].max()] if len(facts["fct_contract_maand"]) else []
        extractdatum = max(dates) if dates else dt.date(2000, 1, 1)
    periode_eind = periode_eind_for(extractdatum)
    signals = compute_signals(facts, periode_eind, minimum)
    # explicit types, also when there are no signals (an empty pandas column has no type)
    types = dict(SIGNALEN_COLUMNS, signaal_sleutel="VARCHAR", vergelijking="VARCHAR", p_waarde="DOUBLE", q_waarde="DOUBLE")
    relation = session.from_df(signals)
    return relation.project(", ".join(f'cast("{c}" as {t}) as "{c}"' for c, t in types.items()))
