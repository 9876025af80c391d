"""A small synthetic publication (``published/woonsignaal.duckdb``) for the report tests.

Fifteen months of facts up to and including October 2026 for four regular wijken and one tiny wijk
("Dorp", always below the minimum group size), signals for September and October with their status,
and the October deliveries in ``marts.pipeline_runs`` (two nights missing, one delivery stopped by the
quality gate). Fact tables carry a personal-data column with a sentinel text that must never reach
the report: the report must select named columns only.
"""

from __future__ import annotations

import shutil
from datetime import date, timedelta
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

from woonsignaal.contract import SIGNALEN_COLUMNS
from woonsignaal.settings import Settings

REPORT_MONTH = "2026-10"
FIRST_MONTH = date(2025, 8, 1)
LAST_DAY = date(2026, 10, 31)
WIJKEN = ["Centrum", "Noord", "Oost", "West"]
KLEINE_WIJK = "Dorp"
SENTINEL = "GEHEIM Jansen 06-12345678"
MISSING_DAYS = (date(2026, 10, 7), date(2026, 10, 19))
FAILED_DAY = date(2026, 10, 12)  # stopped by the quality gate
QUARANTINE_PER_DAY = 3
LOADED_PER_DAY = 1000

# (signaal_id, proces, indicator, segment, ernst, richting, verhouding, n, status)
OCTOBER_SIGNALS = [
    ("s-ver-1", "verhuur", "leegstandsduur", "eenheid_detailsoort=BOV;lift=N", "hoog", "slechter", 2.4, 41, "nieuw"),
    ("s-ver-2", "verhuur", "weigeringen_per_toewijzing", "wijk=Noord", "midden", "slechter", 1.6, 58, "aanhoudend"),
    ("s-ver-3", "verhuur", "reacties_per_publicatie", "energielabel=A", "laag", "beter", 1.3, 33, "aanhoudend"),
    ("s-ove-1", "overlast", "doorlooptijd", "zaaktype_detailsoort=GEL", "hoog", "slechter", 1.9, 25, "aanhoudend"),
    ("s-ove-2", "overlast", "aandeel_langlopend", "wijk=Oost", "midden", "slechter", 1.5, 19, "nieuw"),
    ("s-inc-1", "incasso", "instroom_achterstand", "leeftijdsklasse=23-29", "hoog", "slechter", 2.1, 120, "nieuw"),
    ("s-inc-2", "incasso", "achterstand_pct_jaarhuur", "betaalwijze=OV", "midden", "slechter", 1.4, 300, "aanhoudend"),
    ("s-inc-3", "incasso", "escalatie_deurwaarder", "huurtoeslag=J", "laag", "slechter", 1.2, 80, "nieuw"),
    # n below the minimum group size: must never be shown
    ("s-inc-klein", "incasso", "instroom_achterstand", "complex_id=C0099", "hoog", "slechter", 3.0, 7, "nieuw"),
]
#: By construction: hoog first (slechter, nieuw before aanhoudend, then strength), then midden.
EXPECTED_TOP5 = ["s-ver-1", "s-inc-1", "s-ove-1", "s-ove-2", "s-ver-2"]
RESOLVED_SIGNAL = ("s-ove-oud", "overlast", "instroom_overlast", "wijk=West", "midden", "slechter", 1.5, 30)


def _months(first: date, last: date) -> list[date]:
    out, m = [], first
    while m <= last:
        out.append(m)
        m = date(m.year + (m.month == 12), m.month % 12 + 1, 1)
    return out


def _facts(rng: np.random.Generator) -> dict[str, pd.DataFrame]:
    months = _months(FIRST_MONTH, date(2026, 10, 1))
    leeg, pub, zaak = [], [], []
    for mi, m in enumerate(months):
        days_in = (date(m.year + (m.month == 12), m.month % 12 + 1, 1) - m).days
        for wijk in WIJKEN + [KLEINE_WIJK]:
            per_month = 9 if wijk != KLEINE_WIJK else (1 if mi % 3 == 0 else 0)
            for _ in range(per_month):
                eind = m + timedelta(days=int(rng.integers(0, days_in)))
                mean = 30 + (25 if m == date(2026, 10, 1) else 0)  # October is worse
                dagen = int(rng.gamma(2.0, mean / 2.0)) + 1
                leeg.append(dict(eind=eind, dagen=dagen, wijk=wijk))
                weigeringen = int(rng.poisson(2.0))
                pub.append(
                    dict(
                        eind=eind,
                        wijk=wijk,
                        reacties=int(rng.poisson(120)),
                        weigeringen=weigeringen,
                        verhuurd=bool(rng.random() < 0.9),
                    )
                )
            zaken = 7 if wijk != KLEINE_WIJK else (1 if mi % 2 == 0 else 0)
            for _ in range(zaken):
                reg = m + timedelta(days=int(rng.integers(0, days_in)))
                dl = int(rng.exponential(60)) + 1
                zaak.append(dict(reg=reg, dl=dl, wijk=wijk))
    fct_leegstand = pd.DataFrame(
        {
            "leegstand_id": [f"L{i}" for i in range(len(leeg))],
            "eenheid_id": [f"E{i % 700}" for i in range(len(leeg))],
            "begindatum": [r["eind"] - timedelta(days=r["dagen"]) for r in leeg],
            "einddatum": [r["eind"] for r in leeg],
            "is_afgesloten": True,
            "leegstand_dagen": [r["dagen"] for r in leeg],
            "leegstand_reden": "MUT",
            "huurderving_euro": [round(r["dagen"] * 24.5, 2) for r in leeg],
            "wijk": [r["wijk"] for r in leeg],
            "postcode": SENTINEL,
        }
    )
    fct_publicatie = pd.DataFrame(
        {
            "publicatie_id": [f"P{i}" for i in range(len(pub))],
            "eenheid_id": [f"E{i % 700}" for i in range(len(pub))],
            "begindatum": [r["eind"] - timedelta(days=14) for r in pub],
            "einddatum": [r["eind"] for r in pub],
            "reacties_aantal": [r["reacties"] for r in pub],
            "aanbiedingen_aantal": [r["weigeringen"] + 1 for r in pub],
            "weigeringen_aantal": [r["weigeringen"] for r in pub],
            "is_verhuurd": [r["verhuurd"] for r in pub],
            "wijk": [r["wijk"] for r in pub],
        }
    )
    einddata = [r["reg"] + timedelta(days=r["dl"]) for r in zaak]
    fct_zaak = pd.DataFrame(
        {
            "zaak_id": [f"Z{i}" for i in range(len(zaak))],
            "zaaktype_soort": "SOC",
            "zaaktype_detailsoort": [("GEL", "RUZ", "VUI")[i % 3] for i in range(len(zaak))],
            "eenheid_id": [f"E{i % 700}" for i in range(len(zaak))],
            "wijk": [r["wijk"] for r in zaak],
            "registratiedatum": [r["reg"] for r in zaak],
            "einddatum": [e if e <= LAST_DAY else None for e in einddata],
            "is_afgesloten": [e <= LAST_DAY for e in einddata],
            "doorlooptijd_dagen": [min(r["dl"], (LAST_DAY - r["reg"]).days) for r in zaak],
            "is_vertrouwelijk": False,
            "omschrijving": SENTINEL,
        }
    )
    contracts = 400
    wijk_of = [(WIJKEN + [KLEINE_WIJK])[i % 5] if i % 5 != 4 or i < 20 else WIJKEN[i % 4] for i in range(contracts)]
    rows = []
    for c in range(contracts):
        previous = False
        for m in months:
            arrears = bool(rng.random() < (0.05 if m < date(2026, 10, 1) else 0.09))
            rows.append(
                (
                    f"H{c}",
                    m,
                    round(arrears * float(rng.integers(100, 2000)), 2),
                    arrears,
                    arrears and not previous,
                    12 * 700.0,
                    wijk_of[c],
                )
            )
            previous = arrears
    fct_contract_maand = pd.DataFrame(
        rows,
        columns=[
            "overeenkomst_id",
            "maand",
            "saldo_euro",
            "in_achterstand",
            "nieuw_in_achterstand",
            "jaarhuur_euro",
            "wijk",
        ],
    )
    return {
        "fct_leegstand": fct_leegstand,
        "fct_publicatie": fct_publicatie,
        "fct_zaak": fct_zaak,
        "fct_contract_maand": fct_contract_maand,
    }


def _signalen() -> dict[str, pd.DataFrame]:
    """``signalen`` (this period only, as published), ``signalen_historie`` (both periods) and
    ``signalen_status`` with the columns of dbt's ``signalen_status`` model (an opgelost row has no
    signaal_id, only vorig_signaal_id)."""
    rows, historie, status = [], [], []
    oct_start, oct_end, sep_start, sep_end = date(2025, 11, 1), date(2026, 10, 31), date(2025, 10, 1), date(2026, 9, 30)
    for sid, proces, ind, seg, ernst, richting, ratio, n, st in OCTOBER_SIGNALS:
        ref = 25.0
        toelichting = f"Signaal {sid}: de groep wijkt {ratio:.1f} keer af van de rest (n = {n}).".replace(".", ",", 1)
        rows.append(
            (
                sid,
                proces,
                ind,
                seg,
                oct_start,
                oct_end,
                ref * ratio,
                ref,
                ratio,
                ref * ratio * 0.8,
                ref * ratio * 1.2,
                n,
                ernst,
                richting,
                toelichting,
            )
        )
        historie.append((f"k-{sid}", sid, proces, ind, seg, oct_start, oct_end, ratio, n, ernst, richting))
        vorig = None
        if st == "aanhoudend":  # the same signal a month earlier
            vorig = f"{sid}-sep"
            historie.append((f"k-{sid}", vorig, proces, ind, seg, sep_start, sep_end, ratio, n, ernst, richting))
        status.append(
            (
                f"k-{sid}",
                sid,
                vorig,
                proces,
                ind,
                seg,
                oct_end,
                sep_end if vorig else None,
                st,
                ernst,
                ernst if vorig else None,
                ratio,
                ratio if vorig else None,
            )
        )
    sid, proces, ind, seg, ernst, richting, ratio, n = RESOLVED_SIGNAL
    historie.append((f"k-{sid}", sid, proces, ind, seg, sep_start, sep_end, ratio, n, ernst, richting))
    status.append((f"k-{sid}", None, sid, proces, ind, seg, oct_end, sep_end, "opgelost", None, ernst, None, ratio))
    return {
        "signalen": pd.DataFrame(rows, columns=list(SIGNALEN_COLUMNS)),
        "signalen_historie": pd.DataFrame(
            historie,
            columns=[
                "signaal_sleutel",
                "signaal_id",
                "proces",
                "indicator",
                "segment",
                "periode_start",
                "periode_eind",
                "verhouding",
                "n",
                "ernst",
                "richting",
            ],
        ),
        "signalen_status": pd.DataFrame(
            status,
            columns=[
                "signaal_sleutel",
                "signaal_id",
                "vorig_signaal_id",
                "proces",
                "indicator",
                "segment",
                "periode_eind",
                "vorige_periode_eind",
                "status",
                "ernst",
                "vorige_ernst",
                "verhouding",
                "vorige_verhouding",
            ],
        ),
    }


def _pipeline_runs() -> pd.DataFrame:
    rows = []
    d = date(2026, 9, 25)
    while d <= LAST_DAY:
        if d not in MISSING_DAYS:
            failed = d == FAILED_DAY
            rows.append(
                (
                    d,
                    f"run-{d}",
                    f"{d}T03:00:00",
                    f"{d}T03:05:00",
                    "mislukt" if failed else "gepubliceerd",
                    "kwaliteitspoort: marts.signalen bevat 'Jansen'" if failed else None,
                    LOADED_PER_DAY,
                    QUARANTINE_PER_DAY,
                    "{}",
                )
            )
        d += timedelta(days=1)
    return pd.DataFrame(
        rows,
        columns=[
            "extractdatum",
            "run_id",
            "gestart",
            "beeindigd",
            "status",
            "fout",
            "rijen_geladen",
            "rijen_quarantaine",
            "bestanden",
        ],
    )


def _segmenten(body: str, keep: str) -> str:
    """A KPI mart in the layout of dbt's ``segmenteer`` macro: dimensie 'totaal' (segment 'alle') and 'wijk'."""
    return f"""select * from (
                 select maand, 'totaal' as dimensie, 'alle' as segment, {body} from basis group by maand
                 union all
                 select maand, 'wijk', wijk, {body} from basis group by maand, wijk) where {keep}"""


#: The KPI marts as dbt builds them (mart_*_kpi_maand), computed from the fixture's facts with the same
#: minimum-group rules: a segment-month below the minimum is left out, a figure over fewer than the
#: minimum is NULL.
KPI_MARTS = {
    "mart_verhuur_kpi_maand": """
        with l as (select date_trunc('month', einddatum)::date as maand, wijk, leegstand_dagen, huurderving_euro
                   from marts.fct_leegstand where is_afgesloten),
             p as (select date_trunc('month', einddatum)::date as maand, wijk, is_verhuurd, weigeringen_aantal,
                          reacties_aantal from marts.fct_publicatie),
             g as (select date_trunc('month', begindatum)::date as maand, wijk from marts.fct_leegstand),
             e as (select date_trunc('month', einddatum)::date as maand, wijk from marts.fct_leegstand
                   union select maand, wijk from g),
             basis as (
                 select e.maand, e.wijk, x.kind, x.leegstand_dagen, x.huurderving_euro, x.is_verhuurd,
                        x.weigeringen_aantal, x.reacties_aantal
                 from e left join (
                     select maand, wijk, 'l' as kind, leegstand_dagen, huurderving_euro, null::boolean as is_verhuurd,
                            null::int as weigeringen_aantal, null::int as reacties_aantal from l
                     union all
                     select maand, wijk, 'p', null, null, is_verhuurd, weigeringen_aantal, reacties_aantal from p
                     union all
                     select maand, wijk, 'g', null, null, null, null, null from g
                 ) x using (maand, wijk))
        select maand, dimensie, segment,
               case when dimensie = 'totaal' then 700 when segment = 'Dorp' then 8 else 173 end as eenheden_aantal,
               leegstanden_gestart_aantal, leegstanden_afgesloten_aantal,
               case when leegstanden_afgesloten_aantal >= $min then mediaan end as mediaan_leegstandsduur_dagen,
               case when leegstanden_afgesloten_aantal >= $min then a90 end as aandeel_langer_dan_90_dagen,
               leegstanden_afgesloten_aantal as leegstaande_eenheden_aantal, huurderving_euro,
               toewijzingen_aantal,
               case when toewijzingen_aantal >= $min then weigeringen * 1.0 / toewijzingen_aantal end
                   as weigeringen_per_toewijzing,
               publicaties_afgesloten_aantal,
               case when publicaties_afgesloten_aantal >= $min then reacties end as reacties_per_publicatie
        from ("""
    + _segmenten(
        """count(*) filter (where kind = 'g') as leegstanden_gestart_aantal,
               count(*) filter (where kind = 'l') as leegstanden_afgesloten_aantal,
               median(leegstand_dagen) as mediaan,
               avg(case when leegstand_dagen > 90 then 1.0 else 0.0 end) filter (where kind = 'l') as a90,
               coalesce(sum(huurderving_euro), 0) as huurderving_euro,
               count(*) filter (where kind = 'p' and is_verhuurd) as toewijzingen_aantal,
               sum(weigeringen_aantal) filter (where is_verhuurd) as weigeringen,
               count(*) filter (where kind = 'p') as publicaties_afgesloten_aantal,
               avg(reacties_aantal) as reacties""",
        "true",
    )
    + """)
        where case when dimensie = 'totaal' then 700 when segment = 'Dorp' then 8 else 173 end >= $min""",
    "mart_overlast_kpi_maand": """
        with m as (
                 select unnest(generate_series(date '2025-08-01', date '2026-10-01', interval 1 month))::date as maand
             ),
             basis as (
                 select m.maand, z.wijk, 'i' as kind, null::int as leeftijd, null::int as doorlooptijd
                 from m join marts.fct_zaak z on date_trunc('month', z.registratiedatum) = m.maand
                 union all
                 select m.maand, z.wijk, 'o', date_diff('day', z.registratiedatum, last_day(m.maand)), null
                 from m join marts.fct_zaak z on z.registratiedatum <= last_day(m.maand)
                      and (z.einddatum is null or z.einddatum > last_day(m.maand))
                 union all
                 select m.maand, z.wijk, 'a', null, z.doorlooptijd_dagen
                 from m join marts.fct_zaak z on z.is_afgesloten and date_trunc('month', z.einddatum) = m.maand)
        select maand, dimensie, segment, instroom_aantal, open_voorraad,
               case when open_voorraad >= $min then a90 end as aandeel_open_langer_dan_90_dagen,
               afgesloten_aantal,
               case when afgesloten_aantal >= $min then mediaan end as mediaan_doorlooptijd_dagen
        from ("""
    + _segmenten(
        """count(*) filter (where kind = 'i') as instroom_aantal,
               count(*) filter (where kind = 'o') as open_voorraad,
               avg(case when leeftijd > 90 then 1.0 else 0.0 end) filter (where kind = 'o') as a90,
               count(*) filter (where kind = 'a') as afgesloten_aantal,
               median(doorlooptijd) as mediaan""",
        "true",
    )
    + """)
        where instroom_aantal >= $min or open_voorraad >= $min or afgesloten_aantal >= $min""",
    "mart_incasso_kpi_maand": """
        with basis as (select * from marts.fct_contract_maand)
        select maand, dimensie, segment, contracten_aantal, in_achterstand_aantal,
               in_achterstand_aantal * 1.0 / contracten_aantal as aandeel_in_achterstand,
               nieuw_in_achterstand_aantal,
               100.0 * achterstand_euro / jaarhuur_euro as achterstand_pct_jaarhuur
        from ("""
    + _segmenten(
        """count(*) as contracten_aantal,
               count(*) filter (where in_achterstand) as in_achterstand_aantal,
               count(*) filter (where nieuw_in_achterstand) as nieuw_in_achterstand_aantal,
               sum(case when in_achterstand then saldo_euro else 0 end) as achterstand_euro,
               sum(jaarhuur_euro) as jaarhuur_euro""",
        "contracten_aantal >= $min",
    )
    + ")",
}
#: Per case and per contract facts stay internal (publish.published_marts): not in a real publication.
INTERNAL_FACTS = ("fct_zaak", "fct_contract_maand")


def write_publication(
    path: Path, *, with_status: bool = True, seed: int = 7, kpi_marts: bool = True, minimum: int = 10
) -> dict[str, pd.DataFrame]:
    """Write the publication. ``kpi_marts=True`` is a publication as the pipeline makes it (KPI marts,
    unit-level facts, no per-case/per-contract facts); ``False`` has every fact mart and no KPI mart."""
    path.parent.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    tables = _facts(rng)
    tables.update(_signalen())
    if not with_status:
        del tables["signalen_status"]
    tables["pipeline_runs"] = _pipeline_runs()
    con = duckdb.connect(str(path))
    con.execute("create schema marts")
    for name, df in tables.items():
        con.register("df", df)
        con.execute(f"create table marts.{name} as select * from df")
        con.unregister("df")
    if kpi_marts:
        for name, sql in KPI_MARTS.items():
            con.execute(f"create table marts.{name} as {sql}", {"min": minimum})
        for name in INTERNAL_FACTS:
            con.execute(f"drop table marts.{name}")
    for table, col in (
        ("signalen", "periode_start"),
        ("signalen", "periode_eind"),
        ("signalen_historie", "periode_start"),
        ("signalen_historie", "periode_eind"),
    ):
        con.execute(f"alter table marts.{table} alter {col} type date")
    if with_status:
        for col in ("periode_eind", "vorige_periode_eind"):
            con.execute(f"alter table marts.signalen_status alter {col} type date")
        con.execute("alter table marts.signalen_status alter signaal_id type varchar")
    con.close()
    return tables


def make_settings(home: Path, minimum: int = 10) -> Settings:
    return Settings(
        home=home,
        landing=home / "landing",
        demo=True,
        minimum_group_size=minimum,
        alert_webhook=None,
        dbt_target="duckdb",
        _pseudonymisation_key=None,
    )


@pytest.fixture(scope="session")
def publication(tmp_path_factory) -> tuple[Settings, dict[str, pd.DataFrame]]:
    home = tmp_path_factory.mktemp("rapport-home")
    settings = make_settings(home)
    tables = write_publication(settings.published_path)
    return settings, tables


@pytest.fixture(scope="session")
def built_report(publication):
    """The October report built once (HTML + PDF) for the rendering tests."""
    from woonsignaal.report import build_report

    settings, tables = publication
    return build_report(REPORT_MONTH, settings), settings, tables


@pytest.fixture(scope="session")
def facts_publication(tmp_path_factory) -> tuple[Settings, dict[str, pd.DataFrame]]:
    """The same data published as fact marts only (no KPI marts): the report computes no KPI itself."""
    settings = make_settings(tmp_path_factory.mktemp("rapport-feiten"))
    return settings, write_publication(settings.published_path, kpi_marts=False)


def _copy(source: Settings, home: Path) -> Settings:
    target = make_settings(home)
    target.published_path.parent.mkdir(parents=True)
    shutil.copy(source.published_path, target.published_path)
    return target


@pytest.fixture
def fresh_home(tmp_path, publication) -> Settings:
    """A copy of the publication in its own home, for tests that change it."""
    return _copy(publication[0], tmp_path / "home")


@pytest.fixture
def fresh_facts_home(tmp_path, facts_publication) -> Settings:
    return _copy(facts_publication[0], tmp_path / "home")
