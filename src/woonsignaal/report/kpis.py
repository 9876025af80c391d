"""The headline KPIs of the report: what each one means, where it comes from and how it is shown.

Each KPI is read from its monthly KPI mart (``marts.mart_<proces>_kpi_maand``, row ``dimensie =
'totaal'``) when the published file has that mart and column; otherwise it is computed from the fact
marts of ``docs/marts-interface.md`` with the ``fallback`` SQL. Both give one row per month with
``waarde`` and ``n`` (the number of units/cases/contracts behind the value, used for suppression).

``fallback`` SQL receives ``$start`` and ``$eind`` (first day of the first month, first day after the
last month) and must return ``maand`` (first day of month), ``waarde`` and ``n``.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Kpi:
    proces: str
    key: str
    label: str
    eenheid: str  # "aantal", "dagen", "procent", "euro", "ratio"
    decimalen: int
    hoger_is_slechter: bool
    uitleg: str
    mart: str | None
    kolom: str | None
    n_kolom: str | None
    schaal: float  # multiply the mart column by this (fractions -> percent)
    fallback: str
    #: a count: its own n; 0 is shown as 0, never suppressed
    is_aantal: bool = False


# Month series used by the fallback queries that measure at month end.
_MAANDEN = "select unnest(generate_series($start::date, ($eind::date - interval 1 month)::date, interval 1 month))::date as maand"

KPIS: tuple[Kpi, ...] = (
    # --- verhuur ---------------------------------------------------------------------------------
    Kpi(
        "verhuur", "leegstanden_gestart", "Leegstanden gestart", "aantal", 0, True,
        "Aantal eenheden dat in de maand leeg kwam te staan.",
        # not (yet) a column of the KPI mart: then from fct_leegstand, if that is published
        "mart_verhuur_kpi_maand", "leegstanden_gestart_aantal", "leegstanden_gestart_aantal", 1.0,
        """select date_trunc('month', begindatum)::date as maand, count(*) as waarde, count(*) as n
           from marts.fct_leegstand where begindatum >= $start and begindatum < $eind group by 1""",
        is_aantal=True,
    ),
    Kpi(
        "verhuur", "mediaan_leegstandsduur", "Mediaan leegstandsduur", "dagen", 0, True,
        "Mediaan van het aantal dagen leegstand van de leegstanden die in de maand eindigden.",
        "mart_verhuur_kpi_maand", "mediaan_leegstandsduur_dagen", "leegstanden_afgesloten_aantal", 1.0,
        """select date_trunc('month', einddatum)::date as maand, median(leegstand_dagen) as waarde, count(*) as n
           from marts.fct_leegstand where is_afgesloten and einddatum >= $start and einddatum < $eind group by 1""",
    ),
    Kpi(
        "verhuur", "aandeel_leegstand_90", "Leegstand langer dan 90 dagen", "procent", 1, True,
        "Deel van de in de maand beëindigde leegstanden dat langer dan 90 dagen duurde.",
        "mart_verhuur_kpi_maand", "aandeel_langer_dan_90_dagen", "leegstanden_afgesloten_aantal", 100.0,
        """select date_trunc('month', einddatum)::date as maand,
                  100.0 * avg(case when leegstand_dagen > 90 then 1 else 0 end) as waarde, count(*) as n
           from marts.fct_leegstand where is_afgesloten and einddatum >= $start and einddatum < $eind group by 1""",
    ),
    Kpi(
        "verhuur", "weigeringen_per_toewijzing", "Weigeringen per toewijzing", "ratio", 1, True,
        "Aantal weigeringen per verhuurde publicatie die in de maand werd toegewezen.",
        "mart_verhuur_kpi_maand", "weigeringen_per_toewijzing", "toewijzingen_aantal", 1.0,
        """select date_trunc('month', einddatum)::date as maand,
                  sum(weigeringen_aantal) * 1.0 / count(*) as waarde, count(*) as n
           from marts.fct_publicatie where is_verhuurd and einddatum >= $start and einddatum < $eind group by 1""",
    ),
    Kpi(
        "verhuur", "reacties_per_publicatie", "Reacties per publicatie", "ratio", 1, False,
        "Gemiddeld aantal reacties op de publicaties die in de maand sloten.",
        "mart_verhuur_kpi_maand", "reacties_per_publicatie", "publicaties_afgesloten_aantal", 1.0,
        """select date_trunc('month', einddatum)::date as maand, avg(reacties_aantal) as waarde, count(*) as n
           from marts.fct_publicatie where einddatum is not null and einddatum >= $start and einddatum < $eind
           group by 1""",
    ),
    Kpi(
        "verhuur", "huurderving", "Huurderving door leegstand", "euro", 0, True,
        "Huur die in de maand niet binnenkwam doordat eenheden leegstonden.",
        "mart_verhuur_kpi_maand", "huurderving_euro", "leegstaande_eenheden_aantal", 1.0,
        """select date_trunc('month', einddatum)::date as maand, sum(huurderving_euro) as waarde, count(*) as n
           from marts.fct_leegstand where is_afgesloten and einddatum >= $start and einddatum < $eind group by 1""",
    ),
    # --- overlast --------------------------------------------------------------------------------
    Kpi(
        "overlast", "instroom", "Nieuwe overlastzaken", "aantal", 0, True,
        "Aantal overlastzaken dat in de maand werd geregistreerd.",
        "mart_overlast_kpi_maand", "instroom_aantal", "instroom_aantal", 1.0,
        """select date_trunc('month', registratiedatum)::date as maand, count(*) as waarde, count(*) as n
           from marts.fct_zaak where registratiedatum >= $start and registratiedatum < $eind group by 1""",
        is_aantal=True,
    ),
    Kpi(
        "overlast", "open_voorraad", "Openstaande zaken", "aantal", 0, True,
        "Aantal overlastzaken dat aan het eind van de maand nog openstond.",
        "mart_overlast_kpi_maand", "open_voorraad", "open_voorraad", 1.0,
        f"""with m as ({_MAANDEN})
           select m.maand, count(z.zaak_id) as waarde, count(z.zaak_id) as n
           from m left join marts.fct_zaak z
             on z.registratiedatum <= last_day(m.maand) and (z.einddatum is null or z.einddatum > last_day(m.maand))
           group by 1""",
        is_aantal=True,
    ),
    Kpi(
        "overlast", "aandeel_open_90", "Open zaken ouder dan 90 dagen", "procent", 1, True,
        "Deel van de openstaande zaken dat aan het eind van de maand al langer dan 90 dagen loopt.",
        "mart_overlast_kpi_maand", "aandeel_open_langer_dan_90_dagen", "open_voorraad", 100.0,
        f"""with m as ({_MAANDEN})
           select m.maand,
                  100.0 * avg(case when date_diff('day', z.registratiedatum, last_day(m.maand)) > 90 then 1 else 0 end)
                      as waarde,
                  count(z.zaak_id) as n
           from m left join marts.fct_zaak z
             on z.registratiedatum <= last_day(m.maand) and (z.einddatum is null or z.einddatum > last_day(m.maand))
           group by 1""",
    ),
    Kpi(
        "overlast", "mediaan_doorlooptijd", "Mediaan doorlooptijd", "dagen", 0, True,
        "Mediaan van de doorlooptijd in dagen van de zaken die in de maand werden afgesloten.",
        "mart_overlast_kpi_maand", "mediaan_doorlooptijd_dagen", "afgesloten_aantal", 1.0,
        """select date_trunc('month', einddatum)::date as maand, median(doorlooptijd_dagen) as waarde, count(*) as n
           from marts.fct_zaak where is_afgesloten and einddatum >= $start and einddatum < $eind group by 1""",
    ),
    # --- incasso ---------------------------------------------------------------------------------
    Kpi(
        "incasso", "aandeel_in_achterstand", "Contracten met achterstand", "procent", 1, True,
        "Deel van de lopende huurcontracten met een achterstand aan het eind van de maand.",
        "mart_incasso_kpi_maand", "aandeel_in_achterstand", "contracten_aantal", 100.0,
        """select maand, 100.0 * avg(case when in_achterstand then 1 else 0 end) as waarde, count(*) as n
           from marts.fct_contract_maand where maand >= $start and maand < $eind group by 1""",
    ),
    Kpi(
        "incasso", "nieuw_in_achterstand", "Nieuw in achterstand", "aantal", 0, True,
        "Aantal contracten dat in de maand in achterstand raakte (de maand ervoor niet).",
        "mart_incasso_kpi_maand", "nieuw_in_achterstand_aantal", "nieuw_in_achterstand_aantal", 1.0,
        """select maand, sum(case when nieuw_in_achterstand then 1 else 0 end) as waarde,
                  sum(case when nieuw_in_achterstand then 1 else 0 end) as n
           from marts.fct_contract_maand where maand >= $start and maand < $eind group by 1""",
        is_aantal=True,
    ),
    Kpi(
        "incasso", "achterstand_pct_jaarhuur", "Achterstand in % van de jaarhuur", "procent", 2, True,
        "Totale huurachterstand van lopende contracten als percentage van hun jaarhuur.",
        "mart_incasso_kpi_maand", "achterstand_pct_jaarhuur", "contracten_aantal", 1.0,
        """select maand,
                  100.0 * sum(case when in_achterstand then saldo_euro else 0 end) / nullif(sum(jaarhuur_euro), 0)
                      as waarde,
                  count(*) as n
           from marts.fct_contract_maand where maand >= $start and maand < $eind group by 1""",
    ),
)


def kpis_for(proces: str) -> list[Kpi]:
    return [k for k in KPIS if k.proces == proces]
