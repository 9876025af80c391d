"""The signals of this run, computed by the package's statistics engine (woonsignaal.signals).

Reads the fact marts, evaluates the 12 months ending on periode_eind = the last day of the last
complete month on the extract date (the extract date itself when it is a month's last day), and
returns one row per published signal: the contract columns of marts.signalen plus
signaal_sleutel, vergelijking, p_waarde and q_waarde. See docs/signals.md.
"""

def model(dbt, session):
    import datetime as dt

    from woonsignaal.contract import SIGNALEN_COLUMNS
    from woonsignaal.signals.engine import (
        CONTRACT_MONTH_COLUMNS,
        CONTRACT_MONTH_LOOKBACK,
        compute_signals,
        periode_eind_for,
    )

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
    periode_eind = periode_eind_for(extractdatum)
    # fct_contract_maand holds every contract-month of the whole history: load only the months and
    # columns the engine reads (CONTRACT_MONTH_LOOKBACK), not 10 years x 35 columns into pandas
    first_month = dt.date(periode_eind.year, periode_eind.month, 1)
    months_back = first_month.year * 12 + first_month.month - 1 - CONTRACT_MONTH_LOOKBACK
    since = dt.date(months_back // 12, months_back % 12 + 1, 1)
    contract_maand = dbt.ref("fct_contract_maand")
    columns = [c for c in CONTRACT_MONTH_COLUMNS if c in contract_maand.columns]
    # dbt.ref needs literal arguments (dbt parses them statically)
    facts = {
        "fct_leegstand": dbt.ref("fct_leegstand").df(),
        "fct_publicatie": dbt.ref("fct_publicatie").df(),
        "fct_zaak": dbt.ref("fct_zaak").df(),
        "fct_zaak_partner": dbt.ref("fct_zaak_partner").df(),
        "fct_contract_maand": contract_maand.filter(f"maand >= DATE '{since.isoformat()}'")
        .project(", ".join(f'"{c}"' for c in columns)).df(),
    }
    signals = compute_signals(facts, periode_eind, minimum)
    # explicit types, also when there are no signals (an empty pandas column has no type)
    types = dict(SIGNALEN_COLUMNS, signaal_sleutel="VARCHAR", vergelijking="VARCHAR", p_waarde="DOUBLE", q_waarde="DOUBLE")
    relation = session.from_df(signals)
    return relation.project(", ".join(f'cast("{c}" as {t}) as "{c}"' for c, t in types.items()))
