"""The headline KPIs of the report: what each one means, where it comes from and how it is shown.

Each KPI is a column of its published monthly KPI mart (``marts.mart_<proces>_kpi_maand``, row
``dimensie = 'totaal'``), defined once in dbt: the report computes no KPI itself. ``n_kolom`` is the
mart's count behind the value (units, cases, contracts), used for suppression. A publication without
the mart or the column shows the KPI as not published.
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
    mart: str
    kolom: str
    n_kolom: str
    schaal: float  # multiply the mart column by this (fractions -> percent)
    #: a count: its own n; 0 is shown as 0, never suppressed
    is_aantal: bool = False


KPIS: tuple[Kpi, ...] = (
    # --- verhuur ---------------------------------------------------------------------------------
    Kpi(
        "verhuur",
        "leegstanden_gestart",
        "Leegstanden gestart",
        "aantal",
        0,
        True,
        "Aantal eenheden dat in de maand leeg kwam te staan.",
        "mart_verhuur_kpi_maand",
        "leegstanden_gestart_aantal",
        "leegstanden_gestart_aantal",
        1.0,
        is_aantal=True,
    ),
    Kpi(
        "verhuur",
        "mediaan_leegstandsduur",
        "Mediaan leegstandsduur",
        "dagen",
        0,
        True,
        "Mediaan van het aantal dagen leegstand van de leegstanden die in de maand eindigden.",
        "mart_verhuur_kpi_maand",
        "mediaan_leegstandsduur_dagen",
        "leegstanden_afgesloten_aantal",
        1.0,
    ),
    Kpi(
        "verhuur",
        "aandeel_leegstand_90",
        "Leegstand langer dan 90 dagen",
        "procent",
        1,
        True,
        "Deel van de in de maand beëindigde leegstanden dat langer dan 90 dagen duurde.",
        "mart_verhuur_kpi_maand",
        "aandeel_langer_dan_90_dagen",
        "leegstanden_afgesloten_aantal",
        100.0,
    ),
    Kpi(
        "verhuur",
        "weigeringen_per_toewijzing",
        "Weigeringen per toewijzing",
        "ratio",
        1,
        True,
        "Aantal weigeringen per verhuurde publicatie die in de maand werd toegewezen.",
        "mart_verhuur_kpi_maand",
        "weigeringen_per_toewijzing",
        "toewijzingen_aantal",
        1.0,
    ),
    Kpi(
        "verhuur",
        "reacties_per_publicatie",
        "Reacties per publicatie",
        "ratio",
        1,
        False,
        "Gemiddeld aantal reacties op de publicaties die in de maand sloten.",
        "mart_verhuur_kpi_maand",
        "reacties_per_publicatie",
        "publicaties_afgesloten_aantal",
        1.0,
    ),
    Kpi(
        "verhuur",
        "huurderving",
        "Huurderving door leegstand",
        "euro",
        0,
        True,
        "Huur die in de maand niet binnenkwam doordat eenheden leegstonden.",
        "mart_verhuur_kpi_maand",
        "huurderving_euro",
        "leegstaande_eenheden_aantal",
        1.0,
    ),
    # --- overlast --------------------------------------------------------------------------------
    Kpi(
        "overlast",
        "instroom",
        "Nieuwe overlastzaken",
        "aantal",
        0,
        True,
        "Aantal overlastzaken dat in de maand werd geregistreerd.",
        "mart_overlast_kpi_maand",
        "instroom_aantal",
        "instroom_aantal",
        1.0,
        is_aantal=True,
    ),
    Kpi(
        "overlast",
        "open_voorraad",
        "Openstaande zaken",
        "aantal",
        0,
        True,
        "Aantal overlastzaken dat aan het eind van de maand nog openstond.",
        "mart_overlast_kpi_maand",
        "open_voorraad",
        "open_voorraad",
        1.0,
        is_aantal=True,
    ),
    Kpi(
        "overlast",
        "aandeel_open_90",
        "Open zaken ouder dan 90 dagen",
        "procent",
        1,
        True,
        "Deel van de openstaande zaken dat aan het eind van de maand al langer dan 90 dagen loopt.",
        "mart_overlast_kpi_maand",
        "aandeel_open_langer_dan_90_dagen",
        "open_voorraad",
        100.0,
    ),
    Kpi(
        "overlast",
        "mediaan_doorlooptijd",
        "Mediaan doorlooptijd",
        "dagen",
        0,
        True,
        "Mediaan van de doorlooptijd in dagen van de zaken die in de maand werden afgesloten.",
        "mart_overlast_kpi_maand",
        "mediaan_doorlooptijd_dagen",
        "afgesloten_aantal",
        1.0,
    ),
    # --- incasso ---------------------------------------------------------------------------------
    Kpi(
        "incasso",
        "aandeel_in_achterstand",
        "Contracten met achterstand",
        "procent",
        1,
        True,
        "Deel van de lopende huurcontracten met een achterstand aan het eind van de maand.",
        "mart_incasso_kpi_maand",
        "aandeel_in_achterstand",
        "contracten_aantal",
        100.0,
    ),
    Kpi(
        "incasso",
        "nieuw_in_achterstand",
        "Nieuw in achterstand",
        "aantal",
        0,
        True,
        "Aantal contracten dat in de maand in achterstand raakte (de maand ervoor niet).",
        "mart_incasso_kpi_maand",
        "nieuw_in_achterstand_aantal",
        "nieuw_in_achterstand_aantal",
        1.0,
        is_aantal=True,
    ),
    Kpi(
        "incasso",
        "achterstand_pct_jaarhuur",
        "Achterstand in % van de jaarhuur",
        "procent",
        2,
        True,
        "Totale huurachterstand van lopende contracten als percentage van hun jaarhuur.",
        "mart_incasso_kpi_maand",
        "achterstand_pct_jaarhuur",
        "contracten_aantal",
        1.0,
    ),
)


def kpis_for(proces: str) -> list[Kpi]:
    return [k for k in KPIS if k.proces == proces]
