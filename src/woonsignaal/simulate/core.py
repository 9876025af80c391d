"""``simulate()``: one volledig delivery with Y years of history, then D daily delta deliveries."""

from __future__ import annotations

import datetime as dt
import json
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from woonsignaal import contract
from woonsignaal.simulate import calibration
from woonsignaal.simulate.common import DAY, from_days, last_months, segment_mask, stream, to_days, years_before
from woonsignaal.simulate.corporation import build_property

#: The default last extract date. A fixed date (not "yesterday") keeps a seed's output reproducible.
from woonsignaal.simulate.defaults import DEFAULT_TOT  # noqa: E402 (re-exported)
from woonsignaal.simulate.deliveries import History, write_delivery
from woonsignaal.simulate.incasso import evict_risk_fn, simulate_incasso
from woonsignaal.simulate.overlast import go_live_day, simulate_overlast
from woonsignaal.simulate.people import personal_data
from woonsignaal.simulate.scenarios import Scenario, load_scenario
from woonsignaal.simulate.verhuur import link_movers, simulate_verhuur


@dataclass
class SimulationResult:
    deliveries: list[Path]  # delivery folders in extractdatum order (volledig first)
    ground_truth: dict
    ground_truth_path: Path
    calibration: dict[str, float] = field(default_factory=dict)
    extract_dates: list[dt.date] = field(default_factory=list)


def _progress(enabled: bool):
    if not enabled:
        return nullcontext(None)
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(),
    )


def simulate(
    out: Path,
    eenheden: int = 2000,
    jaren: int = 3,
    delta_dagen: int = 3,
    scenario: str | Path | Scenario = "standaard",
    seed: int = 1,
    tot: dt.date | None = None,
    ground_truth: Path | None = None,
    progress: bool = False,
) -> SimulationResult:
    """Simulate a corporation and write its deliveries under ``out/<YYYY-MM-DD>/``.

    The volledig delivery's extract date is ``tot - delta_dagen`` days; a delta follows for every day
    up to ``tot`` (default :data:`DEFAULT_TOT`). The ground truth (planted effects) is written as JSON
    to ``ground_truth`` (default ``out/../ground_truth.json``, outside the landing folder).
    """
    if eenheden < 50:
        raise ValueError("eenheden must be at least 50")
    if jaren < 1:
        raise ValueError("jaren must be at least 1")
    if delta_dagen < 0:
        raise ValueError("delta_dagen cannot be negative")
    out = Path(out)
    sc = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
    tot = tot or DEFAULT_TOT
    e0 = tot - dt.timedelta(days=delta_dagen)
    start_date = years_before(e0, jaren) + dt.timedelta(days=1)
    start, end = to_days(start_date), to_days(tot)
    gt_path = Path(ground_truth) if ground_truth is not None else out.resolve().parent / "ground_truth.json"

    steps = 6 + 1 + delta_dagen
    with _progress(progress) as bar:
        task = bar.add_task("simuleren", total=steps) if bar else None

        def advance(desc: str) -> None:
            if bar:
                bar.update(task, advance=1, description=desc)

        prop = build_property(stream(seed, "bezit"), eenheden, start)
        sc = sc.resolve(prop.dims)  # segments chosen by share ("kies_segment") become concrete
        advance("bezit")
        vh = simulate_verhuur(stream(seed, "verhuur"), prop, sc, start, end, evict_risk_fn(sc, prop))
        ten = vh.tenancies
        pii = personal_data(stream(seed, "personen"), len(ten))
        for k, v in pii.items():
            ten[k] = v
        link_movers(stream(seed, "doorstroming"), ten, start, end)
        advance("verhuur")
        ol = simulate_overlast(stream(seed, "overlast"), prop, sc, start, end)
        advance("overlast")
        ic = simulate_incasso(stream(seed, "incasso"), prop, ten, sc, start, end)
        advance("incasso")
        # the contract's startbrutohuur: rent at the start (the ledger indexes rents yearly on 1 July)
        ten["startbrutohuur_c"] = _start_rent(ten, prop, end)

        events = {
            "publicaties": vh.publicaties,
            "aanbiedingen": vh.aanbiedingen,
            "zaken": ol.zaken,
            "zaakstatussen": ol.zaakstatussen,
            "zaakbetrokkenen": ol.zaakbetrokkenen,
            "boekingen": ic.boekingen,
            "incassoacties": ic.incassoacties,
            "betalingsregelingen": ic.betalingsregelingen,
        }
        deletions = _deletions(stream(seed, "verwijderingen"), events, to_days(e0), end)
        hist = History(
            complexen=prop.complexen,
            eenheden=prop.eenheden,
            statuses=vh.statuses,
            tenancies=ten,
            events=events,
            single_version={"boekingen", "incassoacties", "zaakbetrokkenen"},
            deletions=deletions,
        )
        figures = calibration.sector_figures(
            n_units=eenheden,
            start=start,
            end=end,
            tenancies=ten,
            lets=vh.lets,
            cases=ol.cases,
            case_start=max(start, go_live_day()),
            maanden=ic.maanden,
        )
        gt = _ground_truth(sc, seed, prop, vh, ol, ic, start, end)
        gt["kalibratie"] = {k: round(v, 3) for k, v in figures.items()}
        gt["periode"] = {"start": start_date.isoformat(), "volledig": e0.isoformat(), "tot": tot.isoformat()}
        advance("kalibratie")

        deliveries = []
        days = [to_days(e0) + i for i in range(delta_dagen + 1)]
        for i, d in enumerate(days):
            soort = contract.SOORT_VOLLEDIG if i == 0 else contract.SOORT_DELTA
            deliveries.append(write_delivery(out, hist, d, soort, days[i - 1] if i else None))
            advance(f"levering {from_days(d).isoformat()}")
        gt_path.parent.mkdir(parents=True, exist_ok=True)
        gt_path.write_text(json.dumps(gt, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        advance("klaar")
    return SimulationResult(deliveries, gt, gt_path, figures, [from_days(d) for d in days])


def _start_rent(ten: pd.DataFrame, prop, end: int) -> np.ndarray:
    from woonsignaal.simulate.incasso import RENT_INCREASE

    now = prop.eenheden["brutohuur"].to_numpy()[ten["unit"].to_numpy()].astype(float)
    tot = from_days(end)
    b = ten["begin"].to_numpy()
    years = np.array([from_days(x).year for x in b])
    n = np.zeros(len(b))
    for y in range(int(years.min()) if len(b) else tot.year, tot.year + 1):
        j = to_days(dt.date(y, 7, 1))
        if j <= end:
            n += b < j
    return np.round(now * (1 + RENT_INCREASE) ** (-n)).astype(np.int64)


def _deletions(rng: np.random.Generator, events: dict[str, pd.DataFrame], e0: int, end: int) -> pd.DataFrame:
    """Rows deleted in the source on delta days: bookings made in error (added to the ledger a day or
    two earlier, then removed) and a network partner registered on the wrong case (composite key)."""
    b = events["boekingen"]
    rows = []
    extra = []
    next_id = int(b["boeking_id"].max()) + 1 if len(b) else 10_000_001
    for d in range(e0 + 1, end + 1):
        pool = b[(b["gewijzigd_op"] < d * DAY) & (b["gewijzigd_op"] >= (d - 40) * DAY)]
        if len(pool) == 0:
            continue
        for j in rng.choice(len(pool), min(2, len(pool)), replace=False):
            src = pool.iloc[int(j)]
            made = int(rng.integers(d - 2, d))
            extra.append(
                {
                    **src.to_dict(),
                    "boeking_id": next_id,
                    "boekdatum": made,
                    "gewijzigd_op": made * DAY + 11 * 3600 + int(rng.integers(0, 3600)),
                }
            )
            rows.append(("boekingen", str(next_id), d * DAY + 9 * 3600 + int(rng.integers(0, 3600))))
            next_id += 1
        zb = events["zaakbetrokkenen"]
        zpool = zb[zb["gewijzigd_op"] < d * DAY]
        taken = {r[1] for r in rows if r[0] == "zaakbetrokkenen"}
        if len(zpool):
            z = zpool.iloc[int(rng.integers(0, len(zpool)))]
            key = f"{z['zaak_id']}{contract.COMPOSITE_KEY_SEPARATOR}{z['partner']}"
            if key not in taken:
                rows.append(("zaakbetrokkenen", key, d * DAY + 14 * 3600 + int(rng.integers(0, 3600))))
    if extra:
        add = pd.DataFrame(extra)
        add["detailsoort"] = pd.Categorical(add["detailsoort"].astype(str), categories=b["detailsoort"].cat.categories)
        for c in b.columns:
            if c != "detailsoort":
                add[c] = add[c].astype(b[c].dtype)
        events["boekingen"] = [b, add[b.columns]]  # no copy of the (large) ledger
    return pd.DataFrame(rows, columns=["tabel", "sleutel", "verwijderd_op"]).astype({"verwijderd_op": np.int64})


def _ratio(seg: np.ndarray, rest: np.ndarray, fn=np.mean) -> dict:
    if len(seg) == 0 or len(rest) == 0:
        return {"n": int(len(seg)), "waarde": None, "referentie": None, "verhouding": None}
    w, r = float(fn(seg)), float(fn(rest))
    return {
        "n": int(len(seg)),
        "waarde": round(w, 3),
        "referentie": round(r, 3),
        "verhouding": round(w / r, 3) if r else None,
    }


def _group(n_all: int, n_12: int, soort: str, venster: str) -> dict:
    """The planted group's size: ``n`` counts what the indicator counts in the window the signals use
    (``venster``); ``n_historie`` over the whole history, ``n_12_maanden`` over the last 12 months."""
    return {
        "n": n_all if venster == "historie" else n_12,
        "soort": soort,
        "venster": venster,
        "n_historie": int(n_all),
        "n_12_maanden": int(n_12),
    }


def _ground_truth(sc: Scenario, seed: int, prop, vh, ol, ic, start: int, end: int) -> dict:
    """Planted effects in the contract's segment notation (ranges as ``energielabel>=F``), each with its
    realised size and its group (``groep``: lets, cases or tenancies in the segment)."""
    lets = vh.lets[(vh.lets["new_begin"] >= start) & (vh.lets["new_begin"] <= end)]
    w0, w1 = last_months(end)
    n_units = len(prop.eenheden)
    effects = []
    for i, e in enumerate(sc.effecten):
        item = e.to_json()
        if e.proces == "verhuur":
            m = segment_mask(e.segment, prop.dims, n_units)[lets["unit"].to_numpy()]
            col = {
                "leegstandsduur": "vac_days",
                "weigeringen_per_toewijzing": "n_gew",
                "reacties_per_publicatie": "reacties",
            }[e.indicator]
            v = lets[col].to_numpy()
            item["gerealiseerd"] = _ratio(v[m], v[~m])
            item["eenheden_in_segment"] = int(segment_mask(e.segment, prop.dims, n_units).sum())
            vac_start = lets["prev_end"].to_numpy() + 1
            recent = (vac_start >= w0) & (vac_start <= w1)
            item["groep"] = _group(int(m.sum()), int((m & recent).sum()), "verhuringen", "historie")
        elif e.proces == "overlast":
            c = ol.cases
            dims = {d: v[c["unit"].to_numpy()] for d, v in prop.dims.items()}
            dims["zaaktype_detailsoort"] = c["type"].to_numpy()
            seg = dict(e.segment)
            partner = seg.pop("partner", None)
            m = segment_mask(seg, dims, len(c))
            if partner is not None:
                m &= np.array([bool(partner & set(p.split(","))) for p in c["partners_30"]], dtype=bool)
            v = c["dur"].to_numpy()
            if e.indicator == "doorlooptijd":
                item["gerealiseerd"] = {**_ratio(v[m], v[~m], np.median), "maat": "mediaan doorlooptijd (dagen)"}
            else:
                units_in = segment_mask(seg, prop.dims, n_units)
                years = max(end - max(start, go_live_day()) + 1, 1) / 365.25
                rate_in = m.sum() / max(units_in.sum(), 1) / years
                rate_out = (~m).sum() / max((~units_in).sum(), 1) / years
                item["gerealiseerd"] = {
                    "n": int(m.sum()),
                    "waarde": round(100 * rate_in, 3),
                    "referentie": round(100 * rate_out, 3),
                    "verhouding": round(rate_in / rate_out, 3) if rate_out else None,
                    "maat": "zaken per 100 eenheden per jaar",
                }
                item["eenheden_in_segment"] = int(units_in.sum())
            reg = c["reg"].to_numpy()
            recent = (reg >= w0) & (reg <= w1)
            item["groep"] = _group(int(m.sum()), int((m & recent).sum()), "zaken", "historie")
        elif e.proces == "incasso":
            item["gerealiseerd"] = ic.maanden.attrs.get("effecten", {}).get(e.segment_text)
            n_all, n_12, months_12 = ic.maanden.attrs.get("contracten", {}).get(i, (0, 0, 0))
            item["groep"] = {
                # the tenancies in the segment at a time (its contract-months in the window / 12), as a
                # unit segment's size is its units; n_12_maanden: every tenancy with a month in it
                "n": int(round(months_12 / 12)),
                "soort": "contracten",
                "venster": "gemiddeld per maand, laatste 12 maanden",
                "n_historie": int(n_all),
                "n_12_maanden": int(n_12),
            }
        effects.append(item)
    return {"scenario": sc.naam, "seed": seed, "beschrijving": sc.beschrijving, "effects": effects}
