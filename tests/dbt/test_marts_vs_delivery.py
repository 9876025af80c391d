"""Mart figures against values computed independently (pandas) from the delivered CSV files."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from .delivered_files import events, snapshot, to_amount, to_date

ONE_DAY = dt.timedelta(days=1)


def test_build_succeeds_with_every_model_and_test(built):
    r = built.result
    assert r.success, r.summary()
    ids = {n.unique_id for n in r.nodes}
    for model in (
        "fct_leegstand",
        "fct_publicatie",
        "fct_zaak",
        "fct_zaak_partner",
        "fct_contract_maand",
        "dim_eenheid",
        "dim_huishouden",
        "mart_verhuur_kpi_maand",
        "mart_incasso_kpi_maand",
    ):
        assert f"model.woonsignaal.{model}" in ids
    assert any(n.resource_type == "test" for n in r.nodes)
    assert any(n.resource_type == "unit_test" for n in r.nodes)


def expected_vacancies(deliveries, extractdatum) -> pd.DataFrame:
    st = snapshot(deliveries, "eenheidstatussen")
    st = st[st["status"] == "LEE"].copy()
    st["begin"] = to_date(st["begindatum"])
    st["eind"] = [to_date(pd.Series([v])).iloc[0] if isinstance(v, str) else None for v in st["einddatum"]]
    st = st[st["begin"] <= extractdatum].sort_values(["eenheid_id", "begin"])
    rows = []
    for eenheid, g in st.groupby("eenheid_id", sort=False):
        cur = None
        for _, r in g.iterrows():
            eind = r["eind"] if r["eind"] is not None and r["eind"] <= extractdatum else None
            if cur is not None and (cur["eind"] is None or r["begin"] <= cur["eind"] + ONE_DAY):
                cur["eind"] = eind
                continue
            if cur is not None:
                rows.append(cur)
            cur = {"eenheid_id": eenheid, "begin": r["begin"], "eind": eind, "reden": r["detailstatus"]}
        rows.append(cur)
    df = pd.DataFrame(rows)
    df["dagen"] = [
        ((e if e is not None else extractdatum) - b).days for b, e in zip(df["begin"], df["eind"], strict=True)
    ]
    return df


def test_vacancy_days_and_boundaries_match_delivered_status_periods(built):
    exp = expected_vacancies(built.deliveries, built.extractdatum)
    got = built.query(
        "select eenheid_id, begindatum, einddatum, leegstand_dagen, is_afgesloten, leegstand_reden "
        "from marts.fct_leegstand"
    )
    assert len(exp) > 50, "the simulated corporation should have vacancies"
    assert len(got) == len(exp)
    got["begin"] = pd.to_datetime(got["begindatum"]).dt.date
    m = exp.merge(got, on=["eenheid_id", "begin"], how="outer", indicator=True)
    assert (m["_merge"] == "both").all(), m[m["_merge"] != "both"].head()
    assert (m["dagen"] == m["leegstand_dagen"]).all()
    assert (m["reden"] == m["leegstand_reden"]).all()
    closed = m["eind"].notna()
    assert (m.loc[closed, "is_afgesloten"]).all() and not m.loc[~closed, "is_afgesloten"].any()
    assert (pd.to_datetime(m.loc[closed, "einddatum"]).dt.date == m.loc[closed, "eind"]).all()
    assert (got["leegstand_dagen"] >= 0).all()


def test_vacancies_started_per_month_in_the_kpi_mart(built):
    """The report's "Leegstanden gestart" is the KPI mart's count of vacancies starting in the month."""
    exp = expected_vacancies(built.deliveries, built.extractdatum)
    per_month = pd.Series([dt.date(b.year, b.month, 1) for b in exp["begin"]]).value_counts()
    got = built.query(
        "select maand, leegstanden_gestart_aantal from marts.mart_verhuur_kpi_maand "
        "where dimensie = 'totaal' order by maand"
    )
    got["maand"] = pd.to_datetime(got["maand"]).dt.date
    assert len(got) >= 12 and got["leegstanden_gestart_aantal"].sum() > 0
    for maand, n in zip(got["maand"], got["leegstanden_gestart_aantal"], strict=True):
        assert n == per_month.get(maand, 0), maand


def test_contract_month_end_balance_is_the_sum_of_delivered_bookings(built):
    b = events(built.deliveries, "boekingen", ["boeking_id"])
    b["bedrag"] = to_amount(b["bedrag"])
    b["boekdatum"] = pd.to_datetime(b["boekdatum"], format="%d-%m-%Y")
    verval = pd.to_datetime(b["vervaldatum"], format="%d-%m-%Y", errors="coerce").fillna(b["boekdatum"])
    b["verval"] = np.maximum(verval, b["boekdatum"])
    got = built.query(
        "select overeenkomst_id, maand, saldo_euro, vervallen_saldo_euro, in_achterstand, "
        "gefactureerd_euro from marts.fct_contract_maand"
    )
    got["maand"] = pd.to_datetime(got["maand"])
    got["eom"] = got["maand"] + pd.offsets.MonthEnd(0)
    assert len(got) > 1000

    def cumulative(date_col: str) -> pd.Series:
        x = b[["overeenkomst_id", date_col, "bedrag"]].rename(columns={date_col: "d"}).sort_values("d")
        g = got[["overeenkomst_id", "eom"]].reset_index().sort_values("eom")
        x["cum"] = x.groupby("overeenkomst_id")["bedrag"].cumsum()
        j = pd.merge_asof(
            g,
            x[["overeenkomst_id", "d", "cum"]],
            left_on="eom",
            right_on="d",
            by="overeenkomst_id",
            direction="backward",
        )
        return j.set_index("index")["cum"].reindex(got.index).fillna(0.0)

    saldo = cumulative("boekdatum")
    vervallen = cumulative("verval")
    assert np.allclose(got["saldo_euro"].astype(float), saldo, atol=0.005)
    assert np.allclose(got["vervallen_saldo_euro"].astype(float), vervallen, atol=0.005)
    assert (got["in_achterstand"] == (vervallen > 0.005)).all()  # float sums: cents
    assert got["in_achterstand"].any() and not got["in_achterstand"].all()

    # charges of one month: the delivered PRO bookings of that month
    pro = b[b["detailsoort"] == "PRO"].copy()
    pro["maand"] = pro["boekdatum"].dt.to_period("M").dt.to_timestamp()
    per_month = pro.groupby(["overeenkomst_id", "maand"])["bedrag"].sum()
    sample = got.sample(200, random_state=1)
    for _, r in sample.iterrows():
        if r["maand"] == got.loc[got["overeenkomst_id"] == r["overeenkomst_id"], "maand"].min():
            continue  # the start month also carries bookings from before the start
        expected = per_month.get((r["overeenkomst_id"], r["maand"]), 0.0)
        assert float(r["gefactureerd_euro"]) >= expected - 0.005


def test_zaak_doorlooptijd_censoring_and_first_partner(built):
    x = built.extractdatum
    z = events(built.deliveries, "zaken", ["zaak_id"])
    z = z[z["zaaktype_soort"].isin(["SOC", "OMG"])].copy()
    z["reg"] = to_date(z["registratiedatum"])
    z = z[z["reg"] <= x]
    z["eind"] = [to_date(pd.Series([v])).iloc[0] if isinstance(v, str) else None for v in z["einddatum"]]
    z["open"] = [e is None or e > x for e in z["eind"]]
    z["dagen"] = [((x if o else e) - r).days for r, e, o in zip(z["reg"], z["eind"], z["open"], strict=True)]
    p = events(built.deliveries, "zaakbetrokkenen", ["zaak_id", "partner"])
    p["vanaf"] = to_date(p["betrokken_vanaf"])
    first = p.sort_values(["zaak_id", "vanaf", "partner"]).drop_duplicates("zaak_id")
    z = z.merge(first[["zaak_id", "partner", "vanaf"]], on="zaak_id", how="left")
    z["partner_dagen"] = [
        (v - r).days if isinstance(v, dt.date) else None for r, v in zip(z["reg"], z["vanaf"], strict=True)
    ]

    got = built.query(
        "select zaak_id, doorlooptijd_dagen, is_afgesloten, eerste_partner, eerste_partner_dagen, "
        "partner_binnen_30_dagen from marts.fct_zaak"
    )
    assert len(z) > 5
    m = z.merge(got, on="zaak_id", how="outer", indicator=True)
    assert (m["_merge"] == "both").all()
    assert (m["dagen"] == m["doorlooptijd_dagen"]).all()
    assert (m["open"] == ~m["is_afgesloten"].astype(bool)).all()
    has = m["partner"].notna()
    assert (m.loc[has, "partner"] == m.loc[has, "eerste_partner"]).all()
    assert (m.loc[has, "partner_dagen"].astype(int) == m.loc[has, "eerste_partner_dagen"].astype(int)).all()
    assert m.loc[~has, "eerste_partner"].isna().all()
    within = m["partner_dagen"].apply(lambda d: d is not None and not pd.isna(d) and d <= 30)
    assert (within == m["partner_binnen_30_dagen"].astype(bool)).all()


def test_publicatie_offers_refusals_and_letting(built):
    a = events(built.deliveries, "aanbiedingen", ["aanbieding_id"])
    exp = a.groupby("publicatie_id").agg(
        aanbiedingen=("aanbieding_id", "count"),
        weigeringen=("status", lambda s: int((s == "GEW").sum())),
        verhuurd=("status", lambda s: bool((s == "TOE").any())),
    )
    got = built.query(
        "select publicatie_id, aanbiedingen_aantal, weigeringen_aantal, is_verhuurd, "
        "dagen_tot_verhuur from marts.fct_publicatie"
    ).set_index("publicatie_id")
    assert len(got) > 20
    j = got.join(exp, how="left")
    j[["aanbiedingen", "weigeringen"]] = j[["aanbiedingen", "weigeringen"]].fillna(0)
    j["verhuurd"] = j["verhuurd"].fillna(False).astype(bool)
    assert (j["aanbiedingen_aantal"] == j["aanbiedingen"]).all()
    assert (j["weigeringen_aantal"] == j["weigeringen"]).all()
    assert (j["is_verhuurd"] == j["verhuurd"]).all()
    assert j.loc[j["is_verhuurd"], "dagen_tot_verhuur"].notna().all()
    assert j.loc[~j["is_verhuurd"], "dagen_tot_verhuur"].isna().all()


def test_units_and_households_dimensions(built):
    units = snapshot(built.deliveries, "eenheden")
    dim = built.query("select * from marts.dim_eenheid")
    assert set(dim["eenheid_id"]) == set(units["eenheid_id"])
    u = units.set_index("eenheid_id")
    d = dim.set_index("eenheid_id").loc[u.index]
    etage = u["etage"].astype(float)
    expected = np.where(etage <= 0, "0", np.where(etage <= 2, "1-2", "3+"))
    assert (d["etage_klasse"].to_numpy() == expected).all()
    bj = u["bouwjaar"].astype(float)
    exp_bj = np.select(
        [bj < 1945, bj < 1970, bj < 1990, bj < 2010], ["<1945", "1945-1969", "1970-1989", "1990-2009"], "2010+"
    )
    assert (d["bouwjaar_klasse"].to_numpy() == exp_bj).all()
    hh = built.query("select count(*) as n, count(distinct huishouden_id) as k from marts.dim_huishouden")
    contracts = snapshot(built.deliveries, "huurovereenkomsten")
    assert hh["n"][0] == hh["k"][0] == len(contracts)


def test_vacancy_runs_from_the_previous_agreements_end_to_the_next_start(built):
    ho = snapshot(built.deliveries, "huurovereenkomsten")
    ho = ho[~ho["status"].isin(["GEA", "VER"])].copy()
    ho["begin"] = pd.to_datetime(ho["begindatum"], format="%d-%m-%Y")
    ho["eind"] = pd.to_datetime(ho["einddatum"], format="%d-%m-%Y", errors="coerce")
    got = built.query(
        "select eenheid_id, begindatum, vorige_overeenkomst_einddatum, volgende_overeenkomst_begindatum, "
        "dagen_contract_tot_contract from marts.fct_leegstand"
    )
    assert got["dagen_contract_tot_contract"].notna().sum() > 50
    by_unit = dict(tuple(ho.groupby("eenheid_id")))
    for r in got.itertuples(index=False):
        c = by_unit.get(r.eenheid_id)
        begin = pd.Timestamp(r.begindatum)
        prev = c.loc[c["eind"] < begin, "eind"].max() if c is not None else pd.NaT
        nxt = c.loc[c["begin"] >= begin, "begin"].min() if c is not None else pd.NaT
        assert (pd.isna(prev) and pd.isna(r.vorige_overeenkomst_einddatum)) or pd.Timestamp(
            r.vorige_overeenkomst_einddatum
        ) == prev
        assert (pd.isna(nxt) and pd.isna(r.volgende_overeenkomst_begindatum)) or pd.Timestamp(
            r.volgende_overeenkomst_begindatum
        ) == nxt
        if not (pd.isna(prev) or pd.isna(nxt)):
            assert r.dagen_contract_tot_contract == (nxt - prev).days
