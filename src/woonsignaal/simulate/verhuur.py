"""Tenancies, vacancies, publicaties and aanbiedingen: the letting cycle of every unit.

Each unit starts the history let to a tenant whose contract began earlier. A tenancy ends at a constant
hazard (mutatiegraad ~7.5% a year) for a VERA end reason (opzegging, overlijden, noorderzon, and
ontruiming after rent arrears). The unit then stands empty (LEE: MUT while it is made ready, sometimes
STR, then NIH until the new contract starts) while a publicatie collects reacties and offers go down
the candidate list, refused for VERA reasons until one candidate accepts.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from woonsignaal.simulate.common import segment_mask, stamp
from woonsignaal.simulate.corporation import Property
from woonsignaal.simulate.people import households
from woonsignaal.simulate.referentie import vera_index
from woonsignaal.simulate.scenarios import Scenario

MUTATIE_HAZARD_PER_YEAR = 0.073
EVICTION_SHARE = 0.009  # of tenancy endings (sector: ~1 ontruiming per 1,000 units a year)
MEAN_REFUSALS = 4.8
MEDIAN_REACTIES = 95.0

GEW_REASONS = ("BUI", "GEE", "HUU", "PAO", "PER", "WBN", "WKN", "WOB")
GEW_P = (0.08, 0.2, 0.14, 0.06, 0.14, 0.2, 0.1, 0.08)
ING_REASONS = ("DOC", "INH", "INL", "NIE", "REA", "GEG")
ING_P = (0.25, 0.1, 0.12, 0.2, 0.25, 0.08)
OPZ_DETAILS_OLD = ("REG", "WON", "WIJ")
OPZ_DETAILS_OLD_P = (0.92, 0.05, 0.03)
OPZ_DETAILS_NEW = ("REG", "PAS", "PER", "KOO", "WER", "VOO", "WON", "WIJ")
OPZ_DETAILS_NEW_P = (0.45, 0.17, 0.13, 0.06, 0.06, 0.05, 0.05, 0.03)
MODELS = ("AAN", "LOT", "OPT", "DIS")
MODELS_P = (0.8, 0.12, 0.05, 0.03)


def valid_from(soort: str, code: str) -> int | None:
    """Day number from which a VERA code is valid (earliest Begindatum), None = always."""
    from woonsignaal.simulate.common import to_days

    begins = [b for b, _e, _p in vera_index().get((soort, code), [])]
    if not begins or any(b is None for b in begins):
        return None
    return to_days(min(begins))


@dataclass
class Verhuur:
    tenancies: pd.DataFrame  # one row per tenancy (internal columns, see simulate_verhuur)
    statuses: pd.DataFrame  # eenheid index, status, detailstatus, begin, end (inclusive)
    publicaties: pd.DataFrame  # versions, contract columns + gewijzigd_op
    aanbiedingen: pd.DataFrame  # versions
    lets: pd.DataFrame  # one row per completed letting (for calibration and ground truth)


def _unit_factor(scenario: Scenario, indicator: str, prop: Property) -> np.ndarray:
    n = len(prop.eenheden)
    f = np.ones(n)
    for e in scenario.effects_for("verhuur", indicator):
        f[segment_mask(e.segment, prop.dims, n)] *= e.factor
    return f


def simulate_verhuur(
    rng: np.random.Generator, prop: Property, scenario: Scenario, start: int, end: int, evict_risk
) -> Verhuur:
    """Simulate lettings of every unit from before ``start`` (day number) up to ``end`` (the last
    extract date). ``evict_risk(tenancy_frame, day)`` gives each ending tenancy's arrears multiplier."""
    n_units = len(prop.eenheden)
    f_leeg = _unit_factor(scenario, "leegstandsduur", prop)
    f_weig = _unit_factor(scenario, "weigeringen_per_toewijzing", prop)
    f_reac = _unit_factor(scenario, "reacties_per_publicatie", prop)
    bruto = prop.eenheden["brutohuur"].to_numpy()
    in_expl = prop.eenheden["in_exploitatiedatum"].to_numpy()
    mean_days = 365.25 / MUTATIE_HAZARD_PER_YEAR
    horizon = end + 150  # successor processes that started before the extract date are kept

    # initial tenancies: contract ages spread over decades
    tenure = np.minimum(rng.exponential(11 * 365.25, n_units), 45 * 365.25).astype(np.int64)
    begin = np.maximum(start - tenure, in_expl)
    units = np.arange(n_units)
    initial = np.ones(n_units, dtype=bool)
    ten_parts, st_parts, pub_parts, offer_parts = [], [], [], []
    n_pub_rows = 0
    rnd = 0
    while len(units):
        k = len(units)
        life = np.maximum(rng.exponential(mean_days, k).astype(np.int64), 30)
        # running tenancies: the remaining time is exponential too (constant hazard)
        t_end = np.where(initial, start + life - 30, begin + life)
        ten_parts.append(
            pd.DataFrame({"unit": units, "begin": begin, "end_nat": t_end, "initial": initial, "round": rnd})
        )
        st_parts.append(
            pd.DataFrame({"unit": units, "status": "VEH", "detailstatus": "PER", "begin": begin, "end": t_end})
        )
        go = t_end <= horizon
        units, b_end = units[go], t_end[go]
        ten_idx = np.flatnonzero(go)
        k = len(units)
        if k == 0:
            break
        repair = 3 + np.round(rng.gamma(2.0, 4.5, k)).astype(np.int64)
        structural = rng.random(k) < 0.03
        str_len = np.where(structural, rng.integers(60, 241, k), 0)
        pub_parts.append(
            pd.DataFrame(
                {
                    "unit": units,
                    "round": rnd,
                    "ten_pos": ten_idx,
                    "prev_end": b_end,
                    "repair": repair,
                    "str_len": str_len,
                    "f_leeg": f_leeg[units],
                    "f_weig": f_weig[units],
                    "f_reac": f_reac[units],
                }
            )
        )
        # provisional next begin; refined after the offer chain (below, per round)
        initial = np.zeros(k, dtype=bool)
        pub = pub_parts[-1]
        new_begin, offers = _letting(rng, pub, bruto)
        offers["pubrow"] += n_pub_rows
        offer_parts.append(offers)
        n_pub_rows += len(pub)
        begin = new_begin
        keep = begin <= end
        units, begin, initial = units[keep], begin[keep], initial[keep]
        rnd += 1

    ten = pd.concat(ten_parts, ignore_index=True)
    pubs = pd.concat(pub_parts, ignore_index=True)
    ten = ten.sort_values(["begin", "unit"], kind="stable").reset_index(drop=True)
    nt = len(ten)
    ten["overeenkomst_id"] = 300001 + np.arange(nt)
    ten["relatie_id"] = 500001 + np.arange(nt)
    hh = households(rng, nt, ten["begin"].to_numpy(), ten["initial"].to_numpy(), bruto[ten["unit"].to_numpy()])
    for k_, v in hh.items():
        ten[k_] = v
    ten["startbrutohuur"] = bruto[ten["unit"].to_numpy()]  # rent indexation is applied by the ledger

    # end reasons
    e = ten["end_nat"].to_numpy()
    age_end = (e - ten["geboortedatum"].to_numpy()) / 365.25
    u = rng.random(nt)
    risk = evict_risk(ten, e)
    p_evict = np.minimum(EVICTION_SHARE * risk, 0.2)
    p_death = np.select([age_end >= 80, age_end >= 70], [0.55, 0.22], 0.02)
    reden = np.full(nt, "OPZ", dtype=object)
    detail = np.full(nt, "REG", dtype=object)
    evict = u < p_evict
    death = ~evict & (u < p_evict + p_death)
    noord = ~evict & ~death & (u < p_evict + p_death + 0.01)
    reden[evict | death | noord] = "ONT"
    detail[evict] = "ONT"
    detail[death] = "OVE"
    detail[noord] = "NOO"
    opz = reden == "OPZ"
    new_from = max(valid_from("EINDEDETAILREDEN", c) or 0 for c in OPZ_DETAILS_NEW)
    old = opz & (e < new_from)
    new = opz & (e >= new_from)
    detail[old] = rng.choice(OPZ_DETAILS_OLD, int(old.sum()), p=OPZ_DETAILS_OLD_P)
    detail[new] = rng.choice(OPZ_DETAILS_NEW, int(new.sum()), p=OPZ_DETAILS_NEW_P)
    opzeg = np.where(opz, e - rng.integers(28, 63, nt), np.where(death, e - rng.integers(14, 46, nt), -1))
    opzeg = np.where(opzeg >= 0, np.maximum(opzeg, ten["begin"].to_numpy()), -1)  # short tenancies
    ten["eindereden"] = reden.astype(str)
    ten["eindedetailreden"] = detail.astype(str)
    ten["opzeg"] = opzeg
    ten["evict"] = evict
    ten["eenheid_id"] = prop.eenheden["eenheid_id"].to_numpy()[ten["unit"].to_numpy()]

    # publicaties and offers were drawn per round; attach them to the tenancy that ended
    key = ten.set_index(["unit", "round"])
    pubs["overeenkomst_id"] = key.loc[list(zip(pubs["unit"], pubs["round"], strict=True)), "overeenkomst_id"].to_numpy()
    pos = pd.MultiIndex.from_arrays([pubs["unit"], pubs["round"]])
    pubs["opzeg"] = key["opzeg"].reindex(pos).to_numpy()
    pubs["detail_end"] = key["eindedetailreden"].reindex(pos).to_numpy()

    statuses, publicaties, aanbiedingen, lets = _vacancies(
        rng, pubs, pd.concat(offer_parts, ignore_index=True), prop, end
    )
    statuses = pd.concat([pd.concat(st_parts, ignore_index=True), statuses], ignore_index=True)
    return Verhuur(ten, statuses, publicaties, aanbiedingen, lets)


def _letting(rng: np.random.Generator, pub: pd.DataFrame, bruto: np.ndarray) -> np.ndarray:
    """Draw the publication and offer chain for each vacancy of one round (stored in ``pub``) and
    return the new contract's begin day."""
    k = len(pub)
    prev_end = pub["prev_end"].to_numpy()
    repair = pub["repair"].to_numpy()
    str_len = pub["str_len"].to_numpy()
    structural = str_len > 0
    notice = rng.integers(28, 63, k)  # replaced by the real opzegdatum later; used for timing only
    pub_begin = np.where(
        structural, prev_end + repair + str_len + rng.integers(1, 6, k), prev_end - notice + rng.integers(2, 10, k)
    )
    model = rng.choice(MODELS, k, p=MODELS_P)
    reaction = np.where(model == "LOT", 14, 7)
    pub_close = pub_begin + reaction
    reacties = np.maximum(
        np.round(rng.lognormal(np.log(MEDIAN_REACTIES), 0.55, k) * pub["f_reac"].to_numpy()), 1
    ).astype(np.int64)
    mean_nonfinal = MEAN_REFUSALS * pub["f_weig"].to_numpy() / 0.87
    r = 3.0
    nonfinal = rng.negative_binomial(r, r / (r + mean_nonfinal))
    n_offers = nonfinal + 1
    total = int(n_offers.sum())
    grp = np.repeat(np.arange(k), n_offers)
    first = np.concatenate([[0], np.cumsum(n_offers)[:-1]])
    idx_in = np.arange(total) - first[grp]
    answer_wait = rng.integers(2, 8, total)
    gap = np.where(idx_in == 0, 0, rng.integers(0, 3, total))
    step = answer_wait + gap
    cum = np.cumsum(step)
    cum_before = cum - step
    base = cum_before[first][grp]
    start0 = pub_close[grp] + rng.integers(1, 5, k)[grp]
    datum = start0 + (cum_before - base)
    antwoord = datum + answer_wait
    is_final = idx_in == n_offers[grp] - 1
    status = np.where(is_final, "TOE", np.where(rng.random(total) < 0.87, "GEW", "ING"))
    det = np.full(total, None, dtype=object)
    g = status == "GEW"
    det[g] = rng.choice(GEW_REASONS, int(g.sum()), p=GEW_P)
    i_ = status == "ING"
    det[i_] = rng.choice(ING_REASONS, int(i_.sum()), p=ING_P)
    skip = rng.geometric(0.65, total)
    positie = np.cumsum(skip)
    positie = positie - (positie[first] - skip[first])[grp]
    accept = antwoord[first + n_offers - 1]
    ready = prev_end + repair + str_len + 1
    start_gap = rng.integers(5, 15, k)
    earliest = np.maximum(accept + start_gap, ready)
    # the leegstandsduur effect scales the vacancy the unit would have had without any planted effect
    # (so a segment with more refusals as well does not get the two effects multiplied)
    f_weig = pub["f_weig"].to_numpy()
    n_cf = np.minimum(np.round(nonfinal / f_weig).astype(np.int64), nonfinal)
    accept_cf = antwoord[first + n_cf]
    vac_cf = np.maximum(accept_cf + start_gap, ready) - prev_end - 1
    vac_target = np.round(vac_cf * pub["f_leeg"].to_numpy()).astype(np.int64)
    vac = np.where(structural, earliest - prev_end - 1, np.maximum(vac_target, earliest - prev_end - 1))
    new_begin = prev_end + 1 + vac
    pub["pub_begin"] = pub_begin
    pub["pub_close"] = pub_close
    pub["accept"] = accept
    pub["model"] = model
    pub["reacties"] = reacties
    pub["new_begin"] = new_begin
    pub["vac_days"] = vac
    pub["n_gew"] = np.bincount(grp, weights=(status == "GEW"), minlength=k).astype(np.int64)
    offers = pd.DataFrame(
        {"pubrow": grp, "positie": positie, "datum": datum, "antwoord": antwoord, "status": status, "detailstatus": det}
    )
    return new_begin, offers


def _vacancies(rng, pubs: pd.DataFrame, offers: pd.DataFrame, prop: Property, end: int):
    """Eenheidstatussen of the vacancies, publicatie and aanbieding versions."""
    prev_end = pubs["prev_end"].to_numpy()
    repair = pubs["repair"].to_numpy()
    str_len = pubs["str_len"].to_numpy()
    vac = pubs["vac_days"].to_numpy()
    new_begin = pubs["new_begin"].to_numpy()
    unit = pubs["unit"].to_numpy()
    structural = str_len > 0
    mut_end = prev_end + np.minimum(repair, np.maximum(vac, 1))
    st = [pd.DataFrame({"unit": unit, "status": "LEE", "detailstatus": "MUT", "begin": prev_end + 1, "end": mut_end})]
    s_ = structural
    st.append(
        pd.DataFrame(
            {
                "unit": unit[s_],
                "status": "LEE",
                "detailstatus": "STR",
                "begin": mut_end[s_] + 1,
                "end": mut_end[s_] + str_len[s_],
            }
        )
    )
    nih_begin = np.where(structural, mut_end + str_len + 1, mut_end + 1)
    nih = nih_begin <= new_begin - 1
    st.append(
        pd.DataFrame(
            {
                "unit": unit[nih],
                "status": "LEE",
                "detailstatus": "NIH",
                "begin": nih_begin[nih],
                "end": new_begin[nih] - 1,
            }
        )
    )
    statuses = pd.concat(st, ignore_index=True)

    # publications: real timing relative to the opzegdatum where there was one
    opzeg = pubs["opzeg"].to_numpy()
    has_opzeg = (opzeg >= 0) & ~structural
    shift = np.where(has_opzeg, (opzeg + rng.integers(2, 10, len(pubs))) - pubs["pub_begin"].to_numpy(), 0)
    no_notice = (opzeg < 0) & ~structural
    shift = np.where(no_notice, (prev_end + np.minimum(repair, 6) + 1) - pubs["pub_begin"].to_numpy(), shift)
    # never let the accept date move past the unit's new begin
    shift = np.minimum(shift, new_begin - 3 - pubs["accept"].to_numpy())
    pub_begin = pubs["pub_begin"].to_numpy() + shift
    pub_close = pubs["pub_close"].to_numpy() + shift
    accept = pubs["accept"].to_numpy() + shift
    npub = len(pubs)
    order = np.lexsort((unit, pub_begin))
    pid = np.empty(npub, dtype=np.int64)
    pid[order] = 700001 + np.arange(npub)
    eid = prop.eenheden["eenheid_id"].to_numpy()[unit]
    r1 = stamp(pub_begin, rng)
    r2 = np.maximum(stamp(pub_close, rng, 0.1, 1.0), r1 + 60)
    r3 = np.maximum(stamp(accept, rng), r2 + 60)
    from woonsignaal.simulate.writer import NULL_INT

    base = {"publicatie_id": pid, "eenheid_id": eid, "begindatum": pub_begin, "model": pubs["model"].to_numpy()}
    v1 = pd.DataFrame({**base, "einddatum": NULL_INT, "status": "GEP", "reacties_aantal": NULL_INT, "gewijzigd_op": r1})
    v2 = pd.DataFrame(
        {
            **base,
            "einddatum": pub_close,
            "status": "AAN",
            "reacties_aantal": pubs["reacties"].to_numpy(),
            "gewijzigd_op": r2,
        }
    )
    v3 = pd.DataFrame(
        {
            **base,
            "einddatum": pub_close,
            "status": "AFG",
            "reacties_aantal": pubs["reacties"].to_numpy(),
            "gewijzigd_op": r3,
        }
    )
    publicaties = pd.concat([v1, v2, v3], ignore_index=True)
    publicaties = (
        publicaties[publicaties["begindatum"] <= end].sort_values("gewijzigd_op", kind="stable").reset_index(drop=True)
    )

    sh = shift[offers["pubrow"].to_numpy()]
    datum = offers["datum"].to_numpy() + sh
    antw = offers["antwoord"].to_numpy() + sh
    o_order = np.lexsort((offers["positie"].to_numpy(), pid[offers["pubrow"].to_numpy()]))
    aid = np.empty(len(offers), dtype=np.int64)
    aid[o_order] = 900001 + np.arange(len(offers))
    a1 = stamp(datum, rng)
    a2 = np.maximum(stamp(antw, rng), a1 + 60)
    obase = {
        "aanbieding_id": aid,
        "publicatie_id": pid[offers["pubrow"].to_numpy()],
        "kandidaat_positie": offers["positie"].to_numpy(),
        "datum": datum,
    }
    w1 = pd.DataFrame({**obase, "antwoorddatum": NULL_INT, "status": "AAN", "detailstatus": None, "gewijzigd_op": a1})
    w2 = pd.DataFrame(
        {
            **obase,
            "antwoorddatum": antw,
            "status": offers["status"].to_numpy(),
            "detailstatus": offers["detailstatus"].to_numpy(),
            "gewijzigd_op": a2,
        }
    )
    aanbiedingen = pd.concat([w1, w2], ignore_index=True)
    aanbiedingen = (
        aanbiedingen[aanbiedingen["datum"] <= end].sort_values("gewijzigd_op", kind="stable").reset_index(drop=True)
    )

    lets = pd.DataFrame(
        {
            "unit": unit,
            "publicatie_id": pid,
            "prev_end": prev_end,
            "new_begin": new_begin,
            "vac_days": vac,
            "accept": accept,
            "reacties": pubs["reacties"].to_numpy(),
            "pub_close": pub_close,
            "n_gew": pubs["n_gew"].to_numpy(),
        }
    )
    return statuses, publicaties, aanbiedingen, lets


HOUSEHOLD_COLUMNS = (
    "relatie_id",
    "geboortedatum",
    "huishoudsamenstelling",
    "personen_aantal",
    "bruto_jaarinkomen",
    "huurtoeslag",
    "naam",
    "email",
    "telefoon",
    "iban",
    "bsn",
)


def link_movers(rng: np.random.Generator, ten: pd.DataFrame, start: int, end: int, share: float = 0.8) -> int:
    """Doorstroming: a tenant who leaves for a more suitable home (PAS) or swaps (WON) often moves to
    another unit of the corporation. Such a tenant keeps the relatie (one relatie, two contracts, a
    short overlap), so relaties holds current and former tenants with several contracts. Changes
    ``ten`` in place; returns the number of moves."""
    end_nat = ten["end_nat"].to_numpy()
    detail = ten["eindedetailreden"].to_numpy()
    movers = np.flatnonzero(
        np.isin(detail, ("PAS", "WON")) & (end_nat >= start) & (end_nat <= end) & (rng.random(len(ten)) < share)
    )
    begin = ten["begin"].to_numpy()
    unit = ten["unit"].to_numpy()
    fresh = np.flatnonzero(~ten["initial"].to_numpy() & (begin >= start) & (begin <= end))
    fresh = fresh[np.argsort(begin[fresh], kind="stable")]
    fb = begin[fresh]
    used = np.zeros(len(fresh), dtype=bool)
    moved = 0
    cols = [c for c in HOUSEHOLD_COLUMNS if c in ten.columns]
    values = {c: ten[c].to_numpy().copy() for c in cols}
    for t in movers[np.argsort(end_nat[movers], kind="stable")]:
        lo = np.searchsorted(fb, end_nat[t] - 30)
        hi = np.searchsorted(fb, end_nat[t] + 1, side="right")
        for j in range(lo, hi):
            if not used[j] and unit[fresh[j]] != unit[t]:
                used[j] = True
                n = fresh[j]
                for c in cols:
                    values[c][n] = values[c][t]
                moved += 1
                break
    for c in cols:
        ten[c] = values[c]
    return moved
