"""No personal data in the marts; no published group below the minimum group size."""

from __future__ import annotations

import duckdb

from .delivered_files import snapshot

FORBIDDEN_COLUMNS = {
    "relatie_id",
    "geboortedatum",
    "bruto_jaarinkomen",
    "postcode",
    "huisnummer",
    "naam",
    "email",
    "telefoon",
    "iban",
    "bsn",
    "iban_hash",
    "bsn_hash",
    "omschrijving",
}


def test_marts_hold_no_personal_columns_and_only_tables(built):
    cols = built.query("select table_name, column_name from information_schema.columns where table_schema = 'marts'")
    assert not (set(cols["column_name"]) & FORBIDDEN_COLUMNS), set(cols["column_name"]) & FORBIDDEN_COLUMNS
    kinds = built.query("select table_name, table_type from information_schema.tables where table_schema = 'marts'")
    assert (kinds["table_type"] == "BASE TABLE").all(), kinds[kinds["table_type"] != "BASE TABLE"]


def test_marts_hold_no_personal_values(built):
    rel = snapshot(built.deliveries, "relaties")
    secrets = set()
    for c in ("naam", "email", "telefoon", "iban", "bsn"):
        secrets |= set(rel[c].dropna().astype(str))
    pseudonyms = set(built.query("select distinct relatie_id from raw.relaties")["relatie_id"])
    assert pseudonyms and secrets
    cols = built.query(
        "select table_schema, table_name, column_name from information_schema.columns "
        "where table_schema in ('marts', 'intermediate') and data_type = 'VARCHAR'"
    )
    con = duckdb.connect(str(built.warehouse), read_only=True)
    try:
        for schema, table, col in cols.itertuples(index=False):
            values = {v for (v,) in con.execute(f'select distinct "{col}" from {schema}.{table}').fetchall()}
            assert not (values & secrets), f"{schema}.{table}.{col} holds personal data"
            if schema == "marts":
                assert not (values & pseudonyms), f"marts.{table}.{col} holds a person pseudonym"
    finally:
        con.close()


def test_kpi_marts_publish_no_group_below_the_minimum(built):
    v = built.query("select * from marts.mart_verhuur_kpi_maand")
    assert len(v) > 0 and (v["eenheden_aantal"] >= 10).all()
    small = v["leegstanden_afgesloten_aantal"] < 10
    assert v.loc[small, "mediaan_leegstandsduur_dagen"].isna().all()
    assert v.loc[~small, "mediaan_leegstandsduur_dagen"].notna().all()
    i = built.query("select * from marts.mart_incasso_kpi_maand")
    assert len(i) > 0 and (i["contracten_aantal"] >= 10).all()
    o = built.query("select * from marts.mart_overlast_kpi_maand")
    assert ((o["instroom_aantal"] >= 10) | (o["open_voorraad"] >= 10) | (o["afgesloten_aantal"] >= 10)).all()
    assert o.loc[o["instroom_aantal"] < 10, "instroom_per_1000_eenheden"].isna().all()


def test_incasso_kpi_total_matches_contract_months(built):
    kpi = built.query(
        "select maand, contracten_aantal, in_achterstand_aantal, achterstand_pct_jaarhuur "
        "from marts.mart_incasso_kpi_maand where dimensie = 'totaal' order by maand"
    )
    cm = built.query(
        "select maand, count(*) as n, sum(case when in_achterstand then 1 else 0 end) as a, "
        "100 * sum(achterstand_euro) / sum(jaarhuur_euro) as pct "
        "from marts.fct_contract_maand group by maand order by maand"
    )
    j = kpi.merge(cm, on="maand")
    assert len(j) == len(kpi) > 12
    assert (j["contracten_aantal"] == j["n"]).all() and (j["in_achterstand_aantal"] == j["a"]).all()
    assert ((j["achterstand_pct_jaarhuur"] - j["pct"].astype(float)).abs() < 1e-9).all()
