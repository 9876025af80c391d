"""Build the monthly management report (HTML + PDF) from the published marts only.

``build_report("2026-10")`` reads ``settings.published_path`` read-only and writes
``settings.reports_dir / "2026-10" / "managementrapportage.html"`` (self-contained: CSS inline, charts
as inline SVG, no external resources) and ``managementrapportage.pdf`` (weasyprint, same HTML).
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from woonsignaal.report import charts
from woonsignaal.report import formatting as fmt
from woonsignaal.report.data import Publicatie, Signaal, WijkTabel
from woonsignaal.report.kpis import Kpi, kpis_for
from woonsignaal.settings import Settings, get_settings

log = logging.getLogger(__name__)

TEMPLATES_DIR = Path(__file__).parent / "templates"
HTML_NAME = "managementrapportage.html"
PDF_NAME = "managementrapportage.pdf"

PROCESSEN = ("verhuur", "overlast", "incasso")
PROCES_TITEL = {"verhuur": "Verhuur", "overlast": "Overlast", "incasso": "Incasso"}
PROCES_KLEUR = {"verhuur": "#1f6f8b", "overlast": "#c2410c", "incasso": "#6d28d9"}
PROCES_INTRO = {
    "verhuur": "Leegstand, toewijzing en huurderving van vrijgekomen woningen.",
    "overlast": "Meldingen van overlast, de openstaande zaken en hoe lang ze lopen.",
    "incasso": "Huurachterstanden: hoeveel huurders, hoeveel nieuw, en hoe groot.",
}
INDICATOR_LABEL = {
    "leegstandsduur": "Leegstandsduur",
    "huurderving_per_leegstand": "Huurderving per leegstand",
    "weigeringen_per_toewijzing": "Weigeringen per toewijzing",
    "reacties_per_publicatie": "Reacties per publicatie",
    "doorlooptijd": "Doorlooptijd overlastzaken",
    "aandeel_langlopend": "Langlopende overlastzaken",
    "instroom_overlast": "Instroom overlastzaken",
    "doorlooptijd_partner_binnen_30_dagen": "Doorlooptijd bij snelle inzet partner",
    "instroom_achterstand": "Instroom in huurachterstand",
    "achterstand_pct_jaarhuur": "Achterstand in % van de jaarhuur",
    "escalatie_deurwaarder": "Doorverwijzing naar deurwaarder",
}
STAP_LABEL = {
    "verifieer_levering": "levering afgekeurd bij de controle (manifest, bestanden, kolommen)",
    "laad_raw": "laden mislukt",
    "dbt_build": "berekening van de marts mislukt",  # the step's name before bereken_signalen (run history)
    "dbt_build_marts": "berekening van de marts mislukt",
    "bereken_signalen": "berekening van de signalen mislukt",
    "dbt_build_signalen": "berekening van de signalen mislukt",
    "kwaliteitspoort": "kwaliteitscontrole van de marts afgekeurd: niet gepubliceerd",
    "publiceer": "publiceren mislukt",
}
#: a KPI that moved this much (relative) in the bad direction against both comparisons is worth a look
OPVALLEND = 0.10
TOP_AANTAL = 5


@dataclass
class ReportResult:
    maand: str
    html: Path
    pdf: Path | None
    waarschuwingen: list[str] = field(default_factory=list)


# --- presentation helpers ----------------------------------------------------------------------


def kpi_waarde(kpi: Kpi, value: float | None) -> str:
    if value is None:
        return fmt.ONBEKEND
    if kpi.eenheid == "procent":
        return fmt.procent(value, kpi.decimalen)
    if kpi.eenheid == "euro":
        return fmt.euro(value, kpi.decimalen)
    if kpi.eenheid == "dagen":
        return f"{fmt.getal(value, kpi.decimalen)} dagen"
    return fmt.getal(value, kpi.decimalen)


def _as(kpi: Kpi, v: float) -> str:
    """Axis tick label: compact, no unit word."""
    if kpi.eenheid == "procent":
        return f"{fmt.getal(v, 0 if abs(v) >= 10 or v == int(v) else 1)}%"
    if kpi.eenheid == "euro":
        return fmt.euro(v)
    return fmt.getal(v, 0 if abs(v) >= 10 or v == int(v) else 1)


def kpi_verschil(kpi: Kpi, now: float | None, then: float | None) -> dict[str, Any]:
    """The change ``now - then`` as text, with its judgement (slechter/beter/gelijk/onbekend)."""
    if now is None or then is None:
        return {"tekst": fmt.ONBEKEND, "oordeel": "onbekend", "relatief": None}
    diff = now - then
    if kpi.eenheid == "procent":
        tekst = fmt.verschil(diff, kpi.decimalen, "%-punt")
    elif kpi.eenheid == "euro":
        body = fmt.euro(abs(diff), kpi.decimalen)
        tekst = ("+" if diff > 0 else "-" if diff < 0 else "") + body
    elif kpi.eenheid == "dagen":
        tekst = fmt.verschil(diff, kpi.decimalen, "dagen")
    else:
        tekst = fmt.verschil(diff, kpi.decimalen)
    relatief = diff / abs(then) if then else None
    if relatief is not None and kpi.eenheid != "procent":
        tekst += f" ({fmt.verschil(100 * relatief, 0)}%)"
    if abs(diff) < 1e-9 or (relatief is not None and abs(relatief) < 0.005):
        oordeel = "gelijk"
    else:
        oordeel = "slechter" if (diff > 0) == kpi.hoger_is_slechter else "beter"
    return {"tekst": tekst, "oordeel": oordeel, "relatief": relatief}


def indicator_label(indicator: str) -> str:
    base = indicator.removesuffix("_trend")
    label = INDICATOR_LABEL.get(base, base.replace("_", " ").capitalize())
    return label + (" (ontwikkeling t.o.v. vorig jaar)" if indicator.endswith("_trend") else "")


def segment_label(segment: str) -> str:
    try:
        from woonsignaal.signals.toelichting import describe_segment

        text = describe_segment(segment)
    except Exception:  # a segment the describer does not know: show it as delivered
        text = segment.replace(";", ", ").replace("=", " ")
    return text[:1].upper() + text[1:] if text else "Hele portefeuille"


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def _signaal_dict(s: Signaal) -> dict[str, Any]:
    return {
        "id": s.signaal_id,
        "proces": s.proces,
        "proces_titel": PROCES_TITEL.get(s.proces, s.proces),
        "indicator": indicator_label(s.indicator),
        "segment": segment_label(s.segment),
        "ernst": s.ernst or "onbekend",
        "richting": s.richting,
        "status": s.status or "onbekend",
        "status_tekst": s.status or "status onbekend",
        "toelichting": s.toelichting,
        "n": fmt.getal(s.n) if s.n is not None else fmt.ONBEKEND,
    }


# --- assembling --------------------------------------------------------------------------------


def _proces_sectie(
    pub: Publicatie, proces: str, maand: date, signalen: list[Signaal], opgelost: list[Signaal], status_bekend: bool
) -> dict[str, Any]:
    eerste = fmt.add_months(maand, -12)
    kpis, panelen, bronnen = [], [], set()
    for kpi in kpis_for(proces):
        punten, bron = pub.kpi_reeks(kpi, eerste, maand)
        bronnen.add(bron)
        nu, vorige, vorig_jaar = punten[-1], punten[-2], punten[0]
        kpis.append(
            {
                "kpi": kpi,
                "label": kpi.label,
                "uitleg": kpi.uitleg,
                "waarde": kpi_waarde(kpi, nu.waarde) if bron != "ontbreekt" else "niet gepubliceerd",
                "onderdrukt": nu.onderdrukt,
                "n": nu.n,
                "ruw": nu.waarde,
                "vorige": vorige.waarde,
                "vorig_jaar": vorig_jaar.waarde,
                "vorige_tekst": "onderdrukt" if vorige.onderdrukt else kpi_waarde(kpi, vorige.waarde),
                "vorig_jaar_tekst": "onderdrukt" if vorig_jaar.onderdrukt else kpi_waarde(kpi, vorig_jaar.waarde),
                "t_o_v_vorige": kpi_verschil(kpi, nu.waarde, vorige.waarde),
                "t_o_v_vorig_jaar": kpi_verschil(kpi, nu.waarde, vorig_jaar.waarde),
                "bron": bron,
            }
        )
        panelen.append(
            charts.Paneel(kpi.label, [p.maand for p in punten], [p.waarde for p in punten], lambda v, k=kpi: _as(k, v))
        )
    grafiek = charts.trendgrafiek(f"trend-{proces}", panelen, PROCES_KLEUR[proces])
    eigen = sorted((s for s in signalen if s.proces == proces), key=Signaal.sort_key)
    eigen_opgelost = sorted((s for s in opgelost if s.proces == proces), key=Signaal.sort_key)
    return {
        "proces": proces,
        "titel": PROCES_TITEL[proces],
        "kleur": PROCES_KLEUR[proces],
        "intro": PROCES_INTRO[proces],
        "kpis": kpis,
        "grafiek": grafiek,
        "signalen": [_signaal_dict(s) for s in eigen],
        "opgelost": [_signaal_dict(s) for s in eigen_opgelost],
        "letop": _let_op(pub, kpis, eigen, status_bekend),
        "wijken": _wijk_tabel(pub.per_wijk(proces, maand), pub.minimum),
        "bronnen": sorted(bronnen),
    }


def _wijk_cel(soort: str, value: float | None) -> str:
    if value is None:
        return fmt.ONBEKEND
    if soort == "dagen":
        return f"{fmt.getal(value)} dagen"
    if soort == "procent":
        return fmt.procent(value, 1)
    if soort == "procent2":
        return fmt.procent(value, 2)
    if soort == "euro":
        return fmt.euro(value)
    return fmt.getal(value)


def _wijk_tabel(tabel: WijkTabel | None, minimum: int) -> dict[str, Any] | None:
    if tabel is None or not tabel.rijen:
        return None
    rijen = []
    for r in tabel.rijen:
        cellen = [
            {"tekst": f"< {minimum}" if weg else _wijk_cel(soort, v), "onderdrukt": weg}
            for v, weg, soort in zip(r.waarden, r.onderdrukt_cellen, tabel.soorten, strict=False)
        ]
        rijen.append({"wijk": r.wijk, "onderdrukt": r.onderdrukt, "cellen": cellen})
    return {"kolommen": tabel.kolommen, "toelichting": tabel.toelichting, "rijen": rijen}


def _let_op(pub: Publicatie, kpis: list[dict[str, Any]], signalen: list[Signaal], status_bekend: bool) -> list[str]:
    """A short list of what deserves attention, in plain Dutch (at most five points)."""
    punten: list[str] = []
    for k in kpis:
        kpi: Kpi = k["kpi"]
        a, b = k["t_o_v_vorige"], k["t_o_v_vorig_jaar"]
        if (
            a["oordeel"] == "slechter"
            and b["oordeel"] == "slechter"
            and max(abs(a["relatief"] or 0), abs(b["relatief"] or 0)) >= OPVALLEND
        ):
            punten.append(
                f"{kpi.label} is verslechterd naar {k['waarde']}: vorige maand {k['vorige_tekst']}, "
                f"een jaar eerder {k['vorig_jaar_tekst']}."
            )
    hoog_nieuw = [s for s in signalen if s.ernst == "hoog" and s.status == "nieuw"]
    for s in hoog_nieuw[:2]:
        punten.append(
            f"Nieuw signaal met ernst hoog: {indicator_label(s.indicator).lower()} bij "
            f"{_lower_first(segment_label(s.segment))}."
        )
    aanhoudend = [s for s in signalen if s.status == "aanhoudend" and s.ernst in ("hoog", "midden")]
    if aanhoudend:
        woord = "signaal houdt" if len(aanhoudend) == 1 else "signalen houden"
        punten.append(
            f"{len(aanhoudend)} {woord} aan sinds vorige maand (ernst hoog of midden): "
            f"gaan de afgesproken acties de goede kant op?"
        )
    if not status_bekend and signalen:
        hoog = sum(1 for s in signalen if s.ernst == "hoog")
        if hoog:
            punten.append(f"{hoog} signa{'al' if hoog == 1 else 'len'} met ernst hoog deze maand.")
    for k in kpis:
        if k["onderdrukt"]:
            punten.append(
                f"{k['label']} is deze maand niet getoond: er zitten minder dan "
                f"{pub.minimum} eenheden, zaken of contracten achter."
            )
    for k in kpis:
        b = k["t_o_v_vorig_jaar"]
        if b["oordeel"] == "beter" and abs(b["relatief"] or 0) >= 2 * OPVALLEND and len(punten) < 5:
            punten.append(
                f"Verbeterd: {_lower_first(k['label'])} is {k['waarde']}, een jaar eerder {k['vorig_jaar_tekst']}."
            )
    if not punten:
        punten.append("Geen opvallende verslechteringen: de kengetallen bewegen binnen de gewone schommeling.")
    return punten[:5]


def _kwaliteit_sectie(pub: Publicatie, maand: date, tot: date | None) -> dict[str, Any]:
    k = pub.kwaliteit(maand, tot)
    per_dag = {lev.extractdatum: lev for lev in k.leveringen}
    dagen = k.verwachte_dagen
    grafiek = None
    if k.beschikbaar and dagen:
        grafiek = charts.staafgrafiek_leveringen(
            "leveringen",
            dagen,
            [per_dag[d].rijen_geladen if d in per_dag else None for d in dagen],
            [per_dag[d].rijen_quarantaine if d in per_dag else None for d in dagen],
            "#334e68",
        )
    ontbrekend = k.ontbrekend
    if not k.beschikbaar:
        oordeel, oordeel_tekst = (
            "onbekend",
            "De publicatie bevat geen verwerkingsoverzicht; de betrouwbaarheid is niet vast te stellen.",
        )
    elif not k.leveringen:
        oordeel, oordeel_tekst = "slecht", "Er is in deze maand geen enkele levering verwerkt."
    elif (
        k.eerste_levering
        and k.controles_afgekeurd == []
        and len(ontbrekend) <= 2
        and (k.aandeel_quarantaine or 0) < 1.0
    ):
        oordeel, oordeel_tekst = (
            "goed",
            (
                f"Deze maand is in één keer geladen met de volledige levering van {fmt.datum(k.eerste_levering)}; "
                f"die en de leveringen erna zijn volledig en schoon verwerkt."
            ),
        )
    elif k.controles_afgekeurd or len(ontbrekend) > 2 or (k.aandeel_quarantaine or 0) >= 1.0:
        oordeel, oordeel_tekst = (
            "matig",
            (
                "Lees de cijfers met voorzichtigheid: er ontbraken leveringen, er zijn "
                "leveringen afgekeurd of er ging een merkbaar deel van de rijen in quarantaine."
            ),
        )
    else:
        oordeel, oordeel_tekst = "goed", "De leveringen zijn volledig en schoon verwerkt; de cijfers zijn betrouwbaar."
    return {
        "beschikbaar": k.beschikbaar,
        "verwacht": len(dagen),
        "ontvangen": k.ontvangen,
        "verwerkt": sum(1 for lev in k.leveringen if lev.status == "verwerkt"),
        "ontbrekend": [fmt.datum(d) for d in ontbrekend],
        "rijen_geladen": fmt.getal(k.rijen_geladen),
        "rijen_quarantaine": fmt.getal(k.rijen_quarantaine),
        "aandeel_quarantaine": fmt.procent(k.aandeel_quarantaine, 2),
        "mislukt": [
            {"datum": fmt.datum(lev.extractdatum), "wat": STAP_LABEL.get(lev.stap_mislukt or "", "verwerking mislukt")}
            for lev in k.mislukt
        ],
        "controles_afgekeurd": len(k.controles_afgekeurd),
        "grafiek": grafiek,
        "oordeel": oordeel,
        "oordeel_tekst": oordeel_tekst,
        "eerste_levering": fmt.datum(k.eerste_levering) if k.eerste_levering else None,
        "periode": f"{fmt.datum(dagen[0])} t/m {fmt.datum(dagen[-1])}" if dagen else None,
    }


def default_month(settings: Settings | None = None) -> str:
    """The last complete month of the publication (``jjjj-mm``)."""
    settings = settings or get_settings()
    with Publicatie(settings.published_path, settings.minimum_group_size) as pub:
        last = pub.laatste_datum()
    if last is None:
        raise ValueError("de publicatie bevat geen datum: geef de maand op met --maand jjjj-mm")
    if fmt.month_end(last.replace(day=1)) == last:
        return last.strftime("%Y-%m")
    return fmt.add_months(last.replace(day=1), -1).strftime("%Y-%m")


def render_html(maand: str, settings: Settings) -> tuple[str, list[str]]:
    """The report as one self-contained HTML string, plus warnings for the log."""
    m = fmt.as_month(maand)
    waarschuwingen: list[str] = []
    with Publicatie(settings.published_path, settings.minimum_group_size) as pub:
        tot = pub.laatste_datum()
        if tot is not None and m > tot.replace(day=1):
            raise ValueError(f"de publicatie loopt tot {fmt.datum(tot)}: over {fmt.maand_lang(m)} is nog niets bekend")
        voorlopig = tot is not None and tot < fmt.month_end(m)
        if voorlopig:
            waarschuwingen.append(f"maand {maand} is nog niet compleet (publicatie t/m {tot})")
        periode = pub.signaal_periode(m)
        signalen, opgelost, verborgen = pub.signalen(periode, m)
        status_bekend = pub.status_beschikbaar()
        if not status_bekend:
            waarschuwingen.append("marts.signalen_status ontbreekt: status van signalen onbekend")
        processen = [_proces_sectie(pub, p, m, signalen, opgelost, status_bekend) for p in PROCESSEN]
        top = sorted((s for s in signalen if s.status != "opgelost"), key=Signaal.sort_key)[:TOP_AANTAL]
        kwaliteit = _kwaliteit_sectie(pub, m, tot)
        first_signal = next((s for s in signalen), None)
        context = {
            "maand": maand,
            "maand_lang": fmt.maand_lang(m),
            "maand_kort": fmt.maand_kort(m),
            "vorige_kort": fmt.maand_kort(fmt.add_months(m, -1)),
            "vorig_jaar_kort": fmt.maand_kort(fmt.add_months(m, -12)),
            "trend_van": fmt.maand_kort(fmt.add_months(m, -12)),
            "publicatie_tot": fmt.datum(tot) if tot else fmt.ONBEKEND,
            "voorlopig": voorlopig,
            "gemaakt_op": fmt.datum(datetime.now(UTC).date()),
            "minimum": settings.minimum_group_size,
            "processen": processen,
            "top": [_signaal_dict(s) for s in top],
            "aantal_signalen": {p: sum(1 for s in signalen if s.proces == p) for p in PROCESSEN},
            "aantal_hoog": sum(1 for s in signalen if s.ernst == "hoog"),
            "signaal_periode": (
                f"{fmt.datum(first_signal.periode_start)} t/m {fmt.datum(first_signal.periode_eind)}"
                if first_signal and first_signal.periode_start
                else (fmt.datum(periode) if periode else None)
            ),
            "signaal_periode_afwijkend": periode is not None and periode.replace(day=1) != m,
            "signalen_verborgen": verborgen,
            "status_bekend": status_bekend,
            "kwaliteit": kwaliteit,
            "kleuren": PROCES_KLEUR,
            "titels": PROCES_TITEL,
        }
    env = Environment(
        loader=FileSystemLoader(str(TEMPLATES_DIR)),
        autoescape=select_autoescape(["html", "j2"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["getal"] = fmt.getal
    html = env.get_template("managementrapportage.html.j2").render(**context)
    return html, waarschuwingen


def _write_atomic(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def write_pdf(html: str, target: Path) -> Path:
    from weasyprint import HTML

    tmp = target.with_name(f".{target.name}.tmp")
    # weasyprint warns once per SVG style attribute it reads as HTML CSS (fill, stroke-width, ...), while
    # its SVG renderer applies them all: hundreds of harmless lines per report in the task log
    wp_log = logging.getLogger("weasyprint")
    level = wp_log.level
    wp_log.setLevel(logging.ERROR)
    try:
        HTML(string=html, base_url=str(target.parent)).write_pdf(str(tmp))
    finally:
        wp_log.setLevel(level)
    os.replace(tmp, target)
    return target


def build_report(maand: str, settings: Settings | None = None, *, pdf: bool = True) -> ReportResult:
    """Render the management report of ``maand`` (``jjjj-mm``) to HTML and PDF.

    Reads only ``settings.published_path`` (read-only); writes under ``settings.reports_dir / maand``."""
    settings = settings or get_settings()
    fmt.as_month(maand)
    html, waarschuwingen = render_html(maand, settings)
    folder = settings.reports_dir / maand
    folder.mkdir(parents=True, exist_ok=True)
    html_path = folder / HTML_NAME
    _write_atomic(html_path, html.encode("utf-8"))
    pdf_path = write_pdf(html, folder / PDF_NAME) if pdf else None
    for w in waarschuwingen:
        log.warning("rapportage %s: %s", maand, w)
    log.info("management report %s written to %s", maand, folder)
    return ReportResult(maand, html_path, pdf_path, waarschuwingen)
