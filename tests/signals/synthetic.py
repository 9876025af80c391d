"""Synthetic fact marts (the columns of docs/marts-interface.md) with known planted effects.

Used to test the engine without dbt. The planted effects mirror the simulator's ``standaard``
scenario; ``planted=False`` gives the ``nul`` world where every segment behaves the same.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

WIJKEN = ("Centrum", "Molenwijk", "Noord", "Oost", "Zuid", "West")
DETAILSOORTEN = ("EGW", "BOV", "BEN", "MAI", "GAL")

EFFECTS = [
    {"proces": "verhuur", "segment": "eenheid_detailsoort=BOV;lift=N", "indicator": "leegstandsduur"},
    {"proces": "verhuur", "segment": "eenheid_detailsoort=BOV;lift=N", "indicator": "weigeringen_per_toewijzing"},
    {"proces": "verhuur", "segment": "wijk=Molenwijk", "indicator": "reacties_per_publicatie"},
    {"proces": "overlast", "segment": "zaaktype_detailsoort=PSY", "indicator": "doorlooptijd"},
    {"proces": "overlast", "segment": "partner=WIJ", "indicator": "doorlooptijd"},
    {"proces": "incasso", "segment": "betaalwijze=OV;leeftijdsklasse=23-29", "indicator": "instroom_achterstand"},
    {"proces": "incasso", "segment": "huurtoeslag=N;inkomensklasse=<20k", "indicator": "instroom_achterstand"},
]


def _units(rng, n):
    complexen = max(n // 40, 5)
    complex_of = rng.integers(0, complexen, n)
    wijk_of_complex = rng.choice(WIJKEN, complexen)
    soort = rng.choice(DETAILSOORTEN, n, p=[0.35, 0.2, 0.15, 0.2, 0.1])
    lift = np.where(
        np.isin(soort, ["MAI", "GAL"]), rng.choice(["J", "N"], n, p=[0.8, 0.2]), rng.choice(["J", "N"], n, p=[0.3, 0.7])
    )
    etage = np.where(soort == "BEN", "0", np.where(soort == "EGW", "0", rng.choice(["1-2", "3+"], n, p=[0.6, 0.4])))
    return pd.DataFrame(
        {
            "eenheid_id": [f"E{i:06d}" for i in range(n)],
            "complex_id": [f"C{c:04d}" for c in complex_of],
            "wijk": wijk_of_complex[complex_of],
            "eenheid_detailsoort": soort,
            "huurklasse": rng.choice(["1", "2", "3", "4"], n),
            "kamers_aantal": rng.integers(1, 6, n),
            "lift": lift,
            "energielabel": rng.choice(["A", "B", "C", "D", "E"], n),
            "etage_klasse": etage,
            "bouwjaar_klasse": rng.choice(["<1945", "1945-1969", "1970-1989", "1990-2009", "2010+"], n),
            "nettohuur": rng.uniform(500, 900, n).round(2),
        }
    )


def _in_segment(frame: pd.DataFrame, segment: dict) -> np.ndarray:
    """Rows of ``frame`` in ``segment`` ({dimension: value or set of values})."""
    m = np.ones(len(frame), dtype=bool)
    for dim, value in segment.items():
        values = [value] if isinstance(value, str) else list(value)
        m &= frame[dim].astype(str).isin(values).to_numpy()
    return m


def make_facts(
    eenheden: int = 3000,
    planted: bool = True,
    seed: int = 1,
    einde: date = date(2026, 10, 31),
    arrears_effects: tuple[tuple[dict, float], ...] = (),
    refusal_effects: tuple[tuple[dict, float], ...] = (),
) -> dict:
    """Fact marts of ``eenheden`` units over 3 years. ``arrears_effects``: extra (segment, factor) on the
    monthly chance of entering arrears (tenant dimensions); ``refusal_effects``: on refusals (unit
    dimensions). Both apply with ``planted=False`` too (one effect in an otherwise null world)."""
    rng = np.random.default_rng(seed)
    units = _units(rng, eenheden)
    start = pd.Timestamp(einde) - pd.DateOffset(years=3) + pd.Timedelta(days=1)
    end = pd.Timestamp(einde)
    span = (end - start).days
    bovn = ((units["eenheid_detailsoort"] == "BOV") & (units["lift"] == "N")).to_numpy()
    molen = (units["wijk"] == "Molenwijk").to_numpy()

    # --- verhuur: about one vacancy per unit every 4 years ----------------------------------------
    k = rng.poisson(span / 365 / 4, eenheden)
    idx = np.repeat(np.arange(eenheden), k)
    begin = start + pd.to_timedelta(rng.integers(0, span, len(idx)), unit="D")
    mean_days = np.where(bovn[idx] & planted, 25 * 2.5, 25.0)
    days = np.maximum(1, rng.gamma(2.0, mean_days / 2.0)).round()
    stop = begin + pd.to_timedelta(days, unit="D")
    open_ = stop > pd.Timestamp(einde)
    lee = units.iloc[idx].reset_index(drop=True).copy()
    lee["leegstand_id"] = [f"L{i:07d}" for i in range(len(idx))]
    lee["begindatum"] = begin
    lee["einddatum"] = pd.Series(stop).where(~open_, pd.NaT).to_numpy()
    lee["is_afgesloten"] = ~open_
    lee["leegstand_dagen"] = np.where(open_, (pd.Timestamp(einde) - begin).days, days)
    lee["leegstand_reden"] = "MUT"
    lee["huurderving_euro"] = lee["leegstand_dagen"] * lee["nettohuur"] * 12 / 365

    pub = lee[["eenheid_id", *[c for c in units.columns if c not in ("eenheid_id", "nettohuur")]]].copy()
    pub["publicatie_id"] = [f"P{i:07d}" for i in range(len(pub))]
    pub["begindatum"] = begin
    pub["einddatum"] = lee["einddatum"]
    reacties_mean = np.where(molen[idx] & planted, 40 * 0.3, 40.0)
    pub["reacties_aantal"] = rng.negative_binomial(5, 5 / (5 + reacties_mean))
    weiger_mean = np.where(bovn[idx] & planted, 2 * 2.5, 2.0)
    for segment, factor in refusal_effects:
        weiger_mean = np.where(_in_segment(pub, segment), weiger_mean * factor, weiger_mean)
    pub["weigeringen_aantal"] = rng.negative_binomial(3, 3 / (3 + weiger_mean))
    pub["aanbiedingen_aantal"] = pub["weigeringen_aantal"] + 1
    pub["is_verhuurd"] = pub["einddatum"].notna()
    pub["dominante_weigerreden"] = np.where(
        pub["weigeringen_aantal"] > 0, rng.choice(["LIG", "HUU", "WON"], len(pub)), None
    )
    pub["dagen_tot_verhuur"] = lee["leegstand_dagen"]

    # --- overlast: 0.12 cases per unit per year ---------------------------------------------------
    kz = rng.poisson(span / 365 * 0.12, eenheden)
    zi = np.repeat(np.arange(eenheden), kz)
    nz = len(zi)
    reg = start + pd.to_timedelta(rng.integers(0, span, nz), unit="D")
    types = rng.choice(["GEL", "RUZ", "VUI", "DRU", "AGR", "PSY", "HEN"], nz, p=[0.25, 0.2, 0.15, 0.1, 0.1, 0.1, 0.1])
    partners = ["POL", "WIJ", "GGD", "BBM"]
    first_partner = rng.choice(partners + [None], nz, p=[0.15, 0.25, 0.1, 0.15, 0.35])
    partner_days = np.where(first_partner == None, np.nan, np.ceil(rng.exponential(18, nz)))  # noqa: E711
    mean_dur = np.full(nz, 80.0)
    if planted:
        mean_dur = np.where(types == "PSY", mean_dur * 2.5, mean_dur)
        mean_dur = np.where((first_partner == "WIJ") & (partner_days <= 30), mean_dur * 0.5, mean_dur)
    dur = np.maximum(1, rng.gamma(1.5, mean_dur / 1.5)).round()
    zstop = reg + pd.to_timedelta(dur, unit="D")
    zopen = zstop > pd.Timestamp(einde)
    zaak = pd.DataFrame(
        {
            "zaak_id": [f"Z{i:07d}" for i in range(nz)],
            "zaaktype_soort": "SOC",
            "zaaktype_detailsoort": types,
            "eenheid_id": units["eenheid_id"].to_numpy()[zi],
            "wijk": units["wijk"].to_numpy()[zi],
            "registratiedatum": reg,
            "einddatum": pd.Series(zstop).where(~zopen, pd.NaT).to_numpy(),
            "is_afgesloten": ~zopen,
            "doorlooptijd_dagen": np.where(zopen, (pd.Timestamp(einde) - reg).days, dur),
            "eerste_partner": first_partner,
            "eerste_partner_dagen": partner_days,
            "partner_binnen_30_dagen": partner_days <= 30,
            "is_vertrouwelijk": False,
        }
    )
    zp = zaak.loc[
        zaak["eerste_partner"].notna(), ["zaak_id", "eerste_partner", "eerste_partner_dagen", "registratiedatum"]
    ]
    zaak_partner = pd.DataFrame(
        {
            "zaak_id": zp["zaak_id"],
            "partner": zp["eerste_partner"],
            "dagen_na_registratie": zp["eerste_partner_dagen"],
            "betrokken_vanaf": zp["registratiedatum"] + pd.to_timedelta(zp["eerste_partner_dagen"], unit="D"),
        }
    )

    # --- incasso: one contract per unit, monthly ------------------------------------------------
    months = pd.date_range(start.replace(day=1), pd.Timestamp(einde).replace(day=1), freq="MS")
    n = eenheden
    tenants = pd.DataFrame(
        {
            "overeenkomst_id": [f"O{i:06d}" for i in range(n)],
            "leeftijdsklasse": rng.choice(["<23", "23-29", "30-44", "45-64", "65+"], n, p=[0.05, 0.2, 0.3, 0.3, 0.15]),
            "huishoudsamenstelling": rng.choice(["ALL", "PZK", "PMK", "EOG", "OVR"], n),
            "huurtoeslag": rng.choice(["J", "N"], n, p=[0.4, 0.6]),
            "betaalwijze": rng.choice(["AI", "OV", "HT"], n, p=[0.5, 0.35, 0.15]),
            "inkomensklasse": rng.choice(
                ["<20k", "20-30k", "30-45k", "45-60k", "60k+"], n, p=[0.25, 0.25, 0.25, 0.15, 0.1]
            ),
            "huurklasse": units["huurklasse"].to_numpy(),
            "wijk": units["wijk"].to_numpy(),
            "startjaar": rng.integers(0, 15, n),
        }
    )
    p_in = np.full(n, 0.012)
    if planted:
        young_ov = ((tenants["betaalwijze"] == "OV") & (tenants["leeftijdsklasse"] == "23-29")).to_numpy()
        poor = ((tenants["huurtoeslag"] == "N") & (tenants["inkomensklasse"] == "<20k")).to_numpy()
        p_in = np.where(young_ov, p_in * 3.0, p_in)
        p_in = np.where(poor, p_in * 2.5, p_in)
    for segment, factor in arrears_effects:
        p_in = np.where(_in_segment(tenants, segment), p_in * factor, p_in)
    rows = []
    state = np.zeros(n, dtype=int)  # months left in arrears
    deu = np.zeros(n, dtype=bool)
    for mi, m in enumerate(months):
        prev_in = state > 0
        enter = (~prev_in) & (rng.random(n) < p_in)
        state = np.where(enter, rng.integers(1, 5, n), np.maximum(state - 1, 0) * prev_in)
        in_arr = state > 0
        deu = deu | (in_arr & (rng.random(n) < 0.03))
        jaren = tenants["startjaar"].to_numpy() + mi / 12
        klasse = np.select([jaren < 1, jaren < 3, jaren < 10], ["<1", "1-2", "3-9"], "10+")
        rows.append(
            pd.DataFrame(
                {
                    "overeenkomst_id": tenants["overeenkomst_id"],
                    "maand": m,
                    "in_achterstand": in_arr,
                    "nieuw_in_achterstand": enter,
                    "saldo_euro": np.where(in_arr, rng.uniform(100, 1500, n), 0.0),
                    "jaarhuur_euro": units["nettohuur"].to_numpy() * 12,
                    "deurwaarder_bereikt": deu.copy(),
                    "contractduur_klasse": klasse,
                    **{
                        c: tenants[c]
                        for c in (
                            "leeftijdsklasse",
                            "huishoudsamenstelling",
                            "huurtoeslag",
                            "betaalwijze",
                            "inkomensklasse",
                            "huurklasse",
                            "wijk",
                        )
                    },
                }
            )
        )
    contract_maand = pd.concat(rows, ignore_index=True)
    return {
        "fct_leegstand": lee,
        "fct_publicatie": pub,
        "fct_zaak": zaak,
        "fct_zaak_partner": zaak_partner,
        "fct_contract_maand": contract_maand,
    }
