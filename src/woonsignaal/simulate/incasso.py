"""The rent ledger: monthly PRO charges, payments, arrears, dunning steps and betalingsregelingen.

The ledger is simulated month by month, vectorised over every tenancy active in the month (a loop of
a few hundred months, never a loop over rows). Each household has its own payment day (lateness); a
tenancy without arrears misses a month's rent with a small chance (times the planted factors); one in
arrears pays it all back, pays only the current month, or misses again. Arrears trigger dunning steps
(herinnering ~14 days, aanmaning ~30, melding vroegsignalering 30-100 days, sommatie, deurwaarder ~95,
rarely dagvaarding and vonnis; tenancies that end in an eviction run through to ontruiming) and
sometimes a betalingsregeling that is kept or broken.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from woonsignaal.simulate.common import (
    DAY,
    contractduur_klasse,
    from_days,
    inkomensklasse,
    last_months,
    leeftijdsklasse,
    month_starts,
    segment_mask,
    to_days,
)
from woonsignaal.simulate.corporation import Property
from woonsignaal.simulate.scenarios import Scenario

P_MISS = 0.0100  # monthly chance that a tenancy without arrears misses its rent
P_CURE = 0.29
P_PARTIAL = 0.34
P_REGELING = 0.30
P_REGELING_BROKEN = 0.30
RENT_INCREASE = 0.035  # yearly on 1 July
SOORTEN = ("PRO", "BAN", "BRT", "STO", "AFB", "CRE")
STEPS = ("HER", "AAN", "VRS", "SOM", "DEU", "DAG", "VON", "ONA", "ONT")


@dataclass
class Incasso:
    boekingen: pd.DataFrame  # typed, contract columns + gewijzigd_op (one version per row)
    incassoacties: pd.DataFrame
    betalingsregelingen: pd.DataFrame  # versions
    maanden: pd.DataFrame  # per month: actief, in_achterstand, achterstand, jaarhuur, nieuw


def tenancy_dims(prop: Property, ten: pd.DataFrame, idx: np.ndarray, day, needed: set[str]) -> dict[str, np.ndarray]:
    """Segment dimension values of tenancies ``idx`` on ``day`` (scalar or array), only ``needed`` ones."""
    units = ten["unit"].to_numpy()[idx]
    out: dict[str, np.ndarray] = {}
    for d in needed:
        if d in prop.dims:
            out[d] = prop.dims[d][units]
        elif d == "leeftijdsklasse":
            out[d] = leeftijdsklasse((day - ten["geboortedatum"].to_numpy()[idx]) / 365.25)
        elif d == "contractduur_klasse":
            out[d] = contractduur_klasse((day - ten["begin"].to_numpy()[idx]) / 365.25)
        elif d == "inkomensklasse":
            out[d] = inkomensklasse(ten["bruto_jaarinkomen"].to_numpy()[idx] / 100.0)
        elif d == "huurtoeslag":
            out[d] = np.where(ten["huurtoeslag"].to_numpy()[idx] == 1, "J", "N")
        elif d in ("huishoudsamenstelling", "betaalwijze"):
            out[d] = ten[d].to_numpy()[idx]
    return out


def arrears_multiplier(
    scenario: Scenario, prop: Property, ten: pd.DataFrame, idx: np.ndarray, day, masks: list | None = None
) -> np.ndarray:
    """Planted factor on the monthly chance of missing the rent; ``masks`` (if given) receives each
    effect's segment mask."""
    effects = scenario.effects_for("incasso", "instroom_achterstand")
    mult = np.ones(len(idx))
    if not effects:
        return mult
    needed = {d for e in effects for d in e.segment}
    dims = tenancy_dims(prop, ten, idx, day, needed)
    for e in effects:
        m = segment_mask(e.segment, dims, len(idx))
        mult[m] *= e.factor
        if masks is not None:
            masks.append(m)
    return mult


def evict_risk_fn(scenario: Scenario, prop: Property):
    def risk(ten: pd.DataFrame, day: np.ndarray) -> np.ndarray:
        return arrears_multiplier(scenario, prop, ten, np.arange(len(ten)), day)

    return risk


def simulate_incasso(
    rng: np.random.Generator, prop: Property, ten: pd.DataFrame, scenario: Scenario, start: int, end: int
) -> Incasso:
    nt = len(ten)
    begin = ten["begin"].to_numpy()
    t_end = ten["end_nat"].to_numpy()
    unit = ten["unit"].to_numpy()
    rent_now = prop.eenheden["brutohuur"].to_numpy()[unit].astype(np.float64)
    evict = ten["evict"].to_numpy() & (t_end <= end)
    bw = ten["betaalwijze"].to_numpy()
    late = np.where(
        bw == "OV",
        np.round(rng.gamma(1.6, 4.0, nt)),
        np.where(bw == "HT", rng.integers(2, 6, nt), rng.integers(0, 2, nt)),
    )
    late = np.clip(late, 0, 24).astype(np.int64)
    vrs_offset = rng.integers(35, 100, nt)
    deep = rng.random(nt) < 0.25  # an episode that reaches the court if it lasts
    von = rng.random(nt) < 0.55

    bal = np.zeros(nt, dtype=np.int64)
    since = np.full(nt, -1, dtype=np.int64)
    reg_on = np.zeros(nt, dtype=bool)
    reg_row = np.full(nt, -1, dtype=np.int64)
    reg_inst = np.zeros(nt, dtype=np.int64)
    reg_break = np.full(nt, -1, dtype=np.int64)
    reg_rows: list[dict] = []
    settled = np.zeros(nt, dtype=bool)

    months = month_starts(start, end)
    months = months[months >= start]
    tot_date = from_days(end)
    b_ten, b_day, b_kind, b_amt = [], [], [], []

    def book(t, day, kind: int, amount) -> None:
        # int32 keeps the ledger of a large corporation (~20M rows) small in memory
        b_ten.append(np.asarray(t, dtype=np.int32))
        b_day.append(np.asarray(day, dtype=np.int32))
        b_kind.append(np.full(len(b_ten[-1]), kind, dtype=np.int8) if np.isscalar(kind) else np.asarray(kind, np.int8))
        b_amt.append(np.asarray(amount, dtype=np.int32))

    a_ten, a_day, a_kind, a_amt = [], [], [], []
    mrec = []
    inc_effects = scenario.effects_for("incasso", "instroom_achterstand")
    eff_counts = [[0, 0, 0, 0] for _ in inc_effects]
    # tenancies with a month in each effect's segment: over the history, and in the signals' last 12 months
    eff_seen = [(np.zeros(nt, dtype=bool), np.zeros(nt, dtype=bool)) for _ in inc_effects]
    eff_months_12 = [0 for _ in inc_effects]  # contract-months in the segment in those 12 months
    w0, w1 = last_months(end)
    for mi, M in enumerate(months):
        d0 = from_days(M)
        M2 = to_days((d0.replace(day=28) + dt.timedelta(days=4)).replace(day=1))
        # rent index: one increase per 1 July between this month and the last extract date
        n_incr = sum(1 for y in range(d0.year, tot_date.year + 1) if M < to_days(dt.date(y, 7, 1)) <= end)
        f_rent = (1 + RENT_INCREASE) ** (-n_incr)
        act = np.flatnonzero((begin < M2) & (t_end >= M) & (begin <= end))
        if len(act) == 0:
            continue
        b = begin[act]
        e = t_end[act]
        days_in = M2 - M
        first_day = np.maximum(b, M)
        last_day = np.minimum(e, M2 - 1)
        frac = (last_day - first_day + 1) / days_in
        full = np.round(rent_now[act] * f_rent).astype(np.int64)
        c = np.round(full * frac).astype(np.int64)
        prev = bal[act]
        u = rng.random(len(act))
        masks: list[np.ndarray] = []
        mult = arrears_multiplier(scenario, prop, ten, act, M, masks)
        forced = evict[act] & (t_end[act] - M <= 245)
        on = reg_on[act]
        broke = on & (reg_break[act] == mi)
        clean = prev <= 0
        miss = np.where(on, False, np.where(clean, u < P_MISS * mult, u >= P_CURE + P_PARTIAL)) | forced | broke
        cure = ~clean & (u < P_CURE) & ~on
        pay = np.where(miss, 0, np.where(cure, c + prev, np.maximum(c + np.minimum(prev, 0), 0)))
        brt = np.where(on & ~miss, np.minimum(reg_inst[act], np.maximum(prev, 0)), 0)
        payday = np.minimum(np.maximum(first_day + late[act] + rng.integers(0, 3, len(act)), first_day), M2 - 1)
        # bookings: PRO on the first day, payments on the payday (AI misses: collected, then reversed)
        book(act, first_day, 0, c)
        p_ = pay > 0
        book(act[p_], payday[p_], 1, -pay[p_])
        r_ = brt > 0
        book(act[r_], payday[r_], 2, -brt[r_])
        sto = miss & (bw[act] == "AI") & (c > 0)
        sd = np.minimum(first_day[sto] + 1, M2 - 1)
        book(act[sto], sd, 1, -c[sto])
        book(act[sto], np.minimum(sd + 4, M2 - 1), 3, c[sto])
        newbal = prev + c - pay - brt
        cured_day = np.where((newbal <= 0) & (since[act] >= 0), payday, -1)

        # dunning steps that fall in this month while the episode is open
        s = np.where(since[act] >= 0, since[act], np.where(newbal > 0, first_day, -1))
        open_ = s >= 0
        if open_.any():
            ai = np.flatnonzero(open_)
            sa = s[ai]
            stop = np.where(cured_day[ai] >= 0, cured_day[ai], M2)
            offs = [
                (0, np.full(len(ai), 14)),
                (1, np.full(len(ai), 30)),
                (2, vrs_offset[act[ai]]),
                (3, np.full(len(ai), 60)),
                (4, np.full(len(ai), 95)),
                (5, np.where(deep[act[ai]], 150, 10**6)),
                (6, np.where(deep[act[ai]] & von[act[ai]], 195, 10**6)),
            ]
            ev = evict[act[ai]]
            ee = t_end[act[ai]]
            for k, off in offs:
                day = sa + off
                if k == 5:
                    day = np.where(ev, ee - 120, day)
                if k == 6:
                    day = np.where(ev, ee - 75, day)
                ok = (day >= M) & (day < stop) & (day >= first_day[ai]) & (~reg_on[act[ai]] | ev) & (day <= end)
                if ok.any():
                    a_ten.append(act[ai][ok])
                    a_day.append(day[ok])
                    a_kind.append(np.full(int(ok.sum()), k, np.int8))
                    a_amt.append(np.maximum(prev[ai][ok] + c[ai][ok], 0))
            for k, off in ((7, 35), (8, 0)):
                day = ee - off
                ok = ev & (day >= M) & (day < M2) & (day <= end)
                if ok.any():
                    a_ten.append(act[ai][ok])
                    a_day.append(day[ok])
                    a_kind.append(np.full(int(ok.sum()), k, np.int8))
                    a_amt.append(np.maximum(newbal[ai][ok], 0))

        # regelingen: end the kept ones that are paid off, end the broken ones, start new ones
        done = on & (newbal <= 0)
        for i_, day, reason in [
            (np.flatnonzero(done), payday, "AFB"),
            (np.flatnonzero(broke), np.minimum(first_day + 20, M2 - 1), "VOL"),
        ]:
            for j in i_:
                reg_rows[reg_row[act[j]]].update(status="BEE", einddatum=int(day[j]), eindereden=reason)
                reg_on[act[j]] = False
        start_reg = (
            (~clean) & (~on) & (~forced) & (prev >= 1.5 * full) & (rng.random(len(act)) < P_REGELING) & (newbal > 0)
        )
        for j in np.flatnonzero(start_reg):
            t = act[j]
            amount = int(newbal[j])
            termijnen = int(np.clip(np.ceil(amount / max(0.3 * full[j], 5000)), 3, 18))
            day = int(min(first_day[j] + rng.integers(5, 20), M2 - 1))
            reg_row[t] = len(reg_rows)
            reg_rows.append(
                {
                    "ten": t,
                    "afspraakdatum": day,
                    "bedrag": amount,
                    "termijnen_aantal": termijnen,
                    "status": "ACT",
                    "einddatum": -1,
                    "eindereden": None,
                }
            )
            reg_on[t] = True
            reg_inst[t] = int(np.ceil(amount / termijnen))
            reg_break[t] = mi + int(rng.integers(1, termijnen + 1)) if rng.random() < P_REGELING_BROKEN else -1

        since[act] = np.where(newbal > 0, np.where(since[act] >= 0, since[act], first_day), -1)
        bal[act] = newbal
        in_arr = newbal > 0
        new_arr = in_arr & clean
        for j, m_ in enumerate(masks):
            eff_seen[j][0][act[m_]] = True
            if w0 <= M <= w1:
                eff_seen[j][1][act[m_]] = True
                eff_months_12[j] += int(m_.sum())
            acc = eff_counts[j]
            acc[0] += int((clean & m_).sum())
            acc[1] += int((new_arr & m_).sum())
            acc[2] += int((clean & ~m_).sum())
            acc[3] += int((new_arr & ~m_).sum())
        mrec.append(
            (
                M,
                len(act),
                int(in_arr.sum()),
                int(newbal[in_arr].sum()),
                int((full * 12).sum()),
                int((in_arr & clean).sum()),
                int(clean.sum()),
            )
        )

        # tenancies that end this month: pay off or write off what is left
        ending = np.flatnonzero((e >= M) & (e < M2) & (e <= end))
        for_set = act[ending]
        owe = bal[for_set] > 0
        if owe.any():
            t_ = for_set[owe]
            write_off = evict[t_] | (rng.random(len(t_)) < 0.45)
            day = t_end[t_] + np.where(write_off, rng.integers(60, 120, len(t_)), rng.integers(10, 40, len(t_)))
            book(t_, day, np.where(write_off, 4, 1), -bal[t_])
            for j, t in enumerate(t_):
                if reg_on[t]:
                    reg_rows[reg_row[t]].update(
                        status="BEE", einddatum=int(day[j]), eindereden="ONI" if write_off[j] else "AFB"
                    )
                    reg_on[t] = False
            bal[t_] = 0
            since[t_] = -1
        settled[for_set] = True

    from woonsignaal.simulate.writer import NULL_INT

    bt = np.concatenate(b_ten)
    b_ten.clear()
    bd = np.concatenate(b_day)
    b_day.clear()
    kind = np.concatenate(b_kind)
    b_kind.clear()
    amt = np.concatenate(b_amt)
    b_amt.clear()
    if (bd > end).any():
        keep = bd <= end
        bt, bd, kind, amt = bt[keep], bd[keep], kind[keep], amt[keep]
    nb = len(bt)
    secs = rng.integers(0, 3600, nb, dtype=np.int32)
    secs += np.where(kind == 0, 3600, 7 * 3600).astype(np.int32)
    gewijzigd = bd.astype(np.int64) * DAY
    gewijzigd += secs
    del secs
    boekingen = pd.DataFrame(
        {
            "boeking_id": 10_000_001 + np.arange(nb, dtype=np.int32),
            "overeenkomst_id": ten["overeenkomst_id"].to_numpy().astype(np.int32)[bt],
            "boekdatum": bd,
            "vervaldatum": np.where(kind == 0, bd, np.int32(NULL_INT)),
            "detailsoort": pd.Categorical.from_codes(kind, categories=list(SOORTEN)),
            "bedrag": amt,
            "gewijzigd_op": gewijzigd,
        },
        copy=False,
    )
    del bt

    if a_ten:
        at = np.concatenate(a_ten)
        ad = np.concatenate(a_day).astype(np.int64)
        ak = np.concatenate(a_kind)
        aa = np.concatenate(a_amt)
    else:
        at = ad = aa = np.zeros(0, np.int64)
        ak = np.zeros(0, np.int8)
    order = np.lexsort((ak, at, ad))
    at, ad, ak, aa = at[order], ad[order], ak[order], aa[order]
    acties = pd.DataFrame(
        {
            "actie_id": 20_000_001 + np.arange(len(at), dtype=np.int64),
            "overeenkomst_id": ten["overeenkomst_id"].to_numpy()[at],
            "datum": ad,
            "soort": np.array(STEPS, dtype=object)[ak].astype(str),
            "achterstand_bedrag": aa.astype(np.int64),
            "gewijzigd_op": ad * DAY + rng.integers(7 * 3600, 17 * 3600, len(at)),
        }
    )

    reg = pd.DataFrame(
        reg_rows, columns=["ten", "afspraakdatum", "bedrag", "termijnen_aantal", "status", "einddatum", "eindereden"]
    )
    reg["regeling_id"] = 40_001 + np.arange(len(reg), dtype=np.int64)
    reg["overeenkomst_id"] = (
        ten["overeenkomst_id"].to_numpy()[reg["ten"].to_numpy(dtype=np.int64)] if len(reg) else np.zeros(0, np.int64)
    )
    reg = reg[reg["afspraakdatum"] <= end]
    v1 = reg.assign(
        status="ACT",
        einddatum=NULL_INT,
        eindereden=None,
        gewijzigd_op=reg["afspraakdatum"] * DAY + 10 * 3600 + reg["regeling_id"] % 3600,
    )
    closed = reg[(reg["status"] == "BEE") & (reg["einddatum"] <= end) & (reg["einddatum"] >= 0)]
    v2 = closed.assign(
        gewijzigd_op=np.maximum(
            closed["einddatum"] * DAY + 15 * 3600 + closed["regeling_id"] % 3600,
            closed["afspraakdatum"] * DAY + 11 * 3600,
        )
    )
    regelingen = pd.concat([v1, v2], ignore_index=True).drop(columns=["ten"])
    regelingen["einddatum"] = regelingen["einddatum"].astype(np.int64)
    regelingen = regelingen.sort_values("gewijzigd_op", kind="stable").reset_index(drop=True)
    maanden = pd.DataFrame(
        mrec,
        columns=[
            "maand",
            "actief",
            "in_achterstand",
            "achterstand_cent",
            "jaarhuur_cent",
            "nieuw_in_achterstand",
            "zonder_achterstand_vorig",
        ],
    )
    realised = {}
    for e, (ns, ks, nr, kr) in zip(inc_effects, eff_counts, strict=True):
        w = ks / ns if ns else None
        r = kr / nr if nr else None
        realised[e.segment_text] = {
            "n": ns,
            "waarde": round(w, 5) if w is not None else None,
            "referentie": round(r, 5) if r is not None else None,
            "verhouding": round(w / r, 3) if w and r else None,
            "maat": "kans per contractmaand zonder achterstand om in achterstand te raken",
        }
    maanden.attrs["effecten"] = realised
    # per effect (by its position among the scenario's effects): tenancies in the segment over the history
    # and in the last 12 months, and the contract-months in the segment in those 12 months
    positions = [
        i for i, e in enumerate(scenario.effecten) if e.proces == "incasso" and e.indicator == "instroom_achterstand"
    ]
    maanden.attrs["contracten"] = {
        i: (int(a.sum()), int(b.sum()), k) for i, (a, b), k in zip(positions, eff_seen, eff_months_12, strict=True)
    }
    return Incasso(boekingen, acties, regelingen, maanden)
