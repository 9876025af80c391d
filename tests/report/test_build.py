"""What the report says, checked against values computed here from the fixture's own tables."""

from __future__ import annotations

import hashlib
import re
from datetime import date

import duckdb
import pytest

from woonsignaal.report import build_report
from woonsignaal.report.data import PublicationMissing
from woonsignaal.report.formatting import getal, procent

from .conftest import (
    EXPECTED_TOP5,
    KLEINE_WIJK,
    OCTOBER_SIGNALS,
    QUARANTINE_PER_DAY,
    REPORT_MONTH,
    SENTINEL,
    make_settings,
)


def _section(html: str, proces: str) -> str:
    start = html.index(f'id="proces-{proces}"')
    return html[start : html.index("</section>", start)]


def _kpi_row(html: str, key: str) -> str:
    m = re.search(rf'<tr data-kpi="{key}">(.*?)</tr>', html, re.S)
    assert m, f"no KPI row {key}"
    return m.group(1)


def _ids(fragment: str) -> list[str]:
    return re.findall(r'data-signaal="([^"]+)"', fragment)


@pytest.fixture(scope="module")
def html(built_report) -> str:
    result, _, _ = built_report
    return result.html.read_text(encoding="utf-8")


def test_files_are_written_where_the_issue_says(built_report):
    result, settings, _ = built_report
    assert result.html == settings.reports_dir / REPORT_MONTH / "managementrapportage.html"
    assert result.pdf == settings.reports_dir / REPORT_MONTH / "managementrapportage.pdf"
    assert result.pdf.read_bytes().startswith(b"%PDF")


def test_html_is_self_contained(html):
    assert "<script" not in html
    assert "<link" not in html
    assert "<img" not in html
    assert "@import" not in html
    assert not re.search(r"url\((?!#)", html), "only in-document url(#id) references are allowed"
    # the only http(s) strings are XML namespace names of the inline SVGs
    namespaces = {"http://www.w3.org/2000/svg", "http://www.w3.org/1999/xlink"}
    assert set(re.findall(r"https?://[^\s\"')]+", html)) <= namespaces
    # one chart per process plus the deliveries chart, each with unique element ids
    assert len(re.findall(r'<svg class="grafiek"', html)) == 4
    ids = re.findall(r'\sid="([^"]+)"', html)
    assert len(ids) == len(set(ids)), "duplicate element ids across charts"


def test_kpis_match_the_fact_marts(html, publication):
    _, tables = publication
    leeg = tables["fct_leegstand"]
    okt = leeg[(leeg.einddatum >= date(2026, 10, 1)) & (leeg.einddatum <= date(2026, 10, 31))]
    sep = leeg[(leeg.einddatum >= date(2026, 9, 1)) & (leeg.einddatum < date(2026, 10, 1))]
    row = _kpi_row(html, "mediaan_leegstandsduur")
    assert f"{getal(okt.leegstand_dagen.median())} dagen" in row
    diff = okt.leegstand_dagen.median() - sep.leegstand_dagen.median()
    assert f"+{getal(diff)} dagen" in row  # October is built to be worse
    assert 'class="num slechter"' in row
    gestart = leeg[(leeg.begindatum >= date(2026, 10, 1)) & (leeg.begindatum <= date(2026, 10, 31))]
    assert 0 < len(gestart) < 10  # read from the KPI mart's count, and suppressed as a small group
    assert "onderdrukt (&lt; 10)" in _kpi_row(html, "leegstanden_gestart")

    cm = tables["fct_contract_maand"]
    now = 100 * cm[cm.maand == date(2026, 10, 1)].in_achterstand.mean()
    year = 100 * cm[cm.maand == date(2025, 10, 1)].in_achterstand.mean()
    row = _kpi_row(html, "aandeel_in_achterstand")
    assert procent(now, 1) in row
    assert f"{'+' if now > year else ''}{getal(now - year, 1)} %-punt" in row

    zaak = tables["fct_zaak"]
    open_end = zaak[
        (zaak.registratiedatum <= date(2026, 10, 31)) & (zaak.einddatum.isna() | (zaak.einddatum > date(2026, 10, 31)))
    ]
    assert f"<strong>{getal(len(open_end))}</strong>" in _kpi_row(html, "open_voorraad")


def test_signals_ordered_by_ernst_with_status(html):
    top = html[html.index('class="top-signalen"') : html.index("</table>", html.index('class="top-signalen"'))]
    assert _ids(top) == EXPECTED_TOP5
    expected_status = {s[0]: s[8] for s in OCTOBER_SIGNALS}
    rank = {"hoog": 0, "midden": 1, "laag": 2}
    for proces in ("verhuur", "overlast", "incasso"):
        section = _section(html, proces)
        ids = _ids(section.split('class="opgelost"')[0])
        mine = [s for s in OCTOBER_SIGNALS if s[1] == proces and s[7] >= 10]
        assert sorted(ids) == sorted(s[0] for s in mine)
        ernst = {s[0]: rank[s[4]] for s in mine}
        assert [ernst[i] for i in ids] == sorted(ernst[i] for i in ids)
        for sid in ids:
            row = re.search(rf'data-signaal="{sid}">(.*?)</tr>', section, re.S).group(1)
            assert f'status-{expected_status[sid]}"' in row
    # the signal that disappeared since September is listed as resolved under overlast
    assert "opgelost</span> Instroom overlastzaken: In wijk West" in _section(html, "overlast")


def test_safe_to_forward(html, built_report):
    result, _, _ = built_report
    assert SENTINEL not in html
    assert "Jansen" not in html  # the failed run's error text quotes data: only its step is shown
    assert "s-inc-klein" not in html  # a signal about fewer than 10 contracts is never shown
    verhuur = _section(html, "verhuur")
    dorp = re.search(rf"<td>{KLEINE_WIJK}</td>(.*?)</tr>", verhuur, re.S).group(1)
    dorp = re.sub(r"<[^>]+>", "", dorp)
    assert "niet getoond" in dorp and not re.search(r"\d", dorp.replace("minder dan 10", ""))
    incasso = _section(html, "incasso")
    dorp = re.search(rf"<td>{KLEINE_WIJK}</td>(.*?)</tr>", incasso, re.S).group(1)
    dorp = re.sub(r"<[^>]+>", "", dorp)
    assert "niet getoond" in dorp and not re.search(r"\d", dorp.replace("minder dan 10", ""))


def test_data_quality_page(html):
    dq = html[html.index('id="datakwaliteit"') :]
    assert "29 van 31 verwachte" in dq
    assert f"{getal(29 * QUARANTINE_PER_DAY)} (" in dq
    assert "7 okt 2026, 19 okt 2026" in dq
    assert "12 okt 2026" in dq and "kwaliteitscontrole van de marts afgekeurd" in dq
    assert 'Controles afgekeurd</td><td class="num">1</td>' in dq


def test_small_groups_suppressed_at_kpi_level(fresh_home, tmp_path):
    strict = make_settings(fresh_home.home, minimum=50)
    html = build_report(REPORT_MONTH, strict, pdf=False).html.read_text(encoding="utf-8")
    row = _kpi_row(html, "instroom")  # about 29 new cases a month: fewer than 50
    assert "onderdrukt (&lt; 50)" in row
    assert "signalen over een te kleine groep zijn weggelaten" in html
    assert "s-ver-1" not in html and "s-inc-1" in html  # n = 41 hidden, n = 120 shown


def test_status_unknown_without_status_mart(fresh_home):
    con = duckdb.connect(str(fresh_home.published_path))
    con.execute("drop table marts.signalen_status")
    con.close()
    html = build_report(REPORT_MONTH, fresh_home, pdf=False).html.read_text(encoding="utf-8")
    assert html.count('status-onbekend">status onbekend<') == len([s for s in OCTOBER_SIGNALS if s[7] >= 10]) + len(
        EXPECTED_TOP5
    )
    assert 'status-nieuw"' not in html


def test_kpis_are_read_from_the_kpi_marts_only(fresh_facts_home):
    """Every KPI is a column of a published KPI mart: with fact marts only the report shows the KPIs as not
    published (it computes none itself), and a KPI mart added later is what it shows."""
    html = build_report(REPORT_MONTH, fresh_facts_home, pdf=False).html.read_text(encoding="utf-8")
    keys = re.findall(r'<tr data-kpi="([^"]+)">', html)
    assert len(keys) == 13
    for key in keys:
        assert "niet gepubliceerd" in _kpi_row(html, key), key
    con = duckdb.connect(str(fresh_facts_home.published_path))
    con.execute(
        """create table marts.mart_verhuur_kpi_maand as
           select m::date as maand, 'totaal' as dimensie, 'alle' as segment, 12 as leegstanden_gestart_aantal,
                  case when m = date '2026-10-01' then 77.0 else 30.0 end as mediaan_leegstandsduur_dagen,
                  40 as leegstanden_afgesloten_aantal, 0.5 as aandeel_langer_dan_90_dagen,
                  2.0 as weigeringen_per_toewijzing, 30 as toewijzingen_aantal,
                  100.0 as reacties_per_publicatie, 30 as publicaties_afgesloten_aantal,
                  1000.0 as huurderving_euro, 40 as leegstaande_eenheden_aantal
           from generate_series(date '2025-01-01', date '2026-10-01', interval 1 month) t(m)"""
    )
    con.close()
    html = build_report(REPORT_MONTH, fresh_facts_home, pdf=False).html.read_text(encoding="utf-8")
    assert "<strong>77 dagen</strong>" in _kpi_row(html, "mediaan_leegstandsduur")
    assert "+47 dagen" in _kpi_row(html, "mediaan_leegstandsduur")
    assert "<strong>50,0%</strong>" in _kpi_row(html, "aandeel_leegstand_90")
    assert "<strong>12</strong>" in _kpi_row(html, "leegstanden_gestart")
    assert "niet gepubliceerd" in _kpi_row(html, "instroom")  # the overlast KPI mart is still missing


def test_reads_the_publication_read_only(fresh_home):
    before = hashlib.sha256(fresh_home.published_path.read_bytes()).hexdigest()
    reader = duckdb.connect(str(fresh_home.published_path), read_only=True)  # a BI tool reading along
    try:
        build_report(REPORT_MONTH, fresh_home, pdf=False)
    finally:
        reader.close()
    assert hashlib.sha256(fresh_home.published_path.read_bytes()).hexdigest() == before


def test_clear_errors(tmp_path, publication):
    with pytest.raises(PublicationMissing, match="nog niets gepubliceerd"):
        build_report(REPORT_MONTH, make_settings(tmp_path / "leeg"), pdf=False)
    settings, _ = publication
    with pytest.raises(ValueError, match="nog niets bekend"):
        build_report("2026-12", settings, pdf=False)
    with pytest.raises(ValueError, match="jjjj-mm"):
        build_report("okt-2026", settings, pdf=False)


def test_month_without_signals_in_it_names_the_period_shown(publication):
    settings, _ = publication
    html = build_report("2026-08", settings, pdf=False).html.read_text(encoding="utf-8")
    # marts.signalen holds the latest period only: August's report shows it and says so
    assert "1 nov 2025 t/m 31 okt 2026" in html
    assert "geen signalen die in aug 2026 eindigen" in html
    assert "augustus 2026" in html
    # August lies before the first delivery in pipeline_runs (25 sep 2026): the page says so
    assert "ligt vóór de eerste levering (25 sep 2026)" in html


def test_minimal_status_table_and_resolved_signal_from_history(fresh_home):
    con = duckdb.connect(str(fresh_home.published_path))
    con.execute("drop table marts.signalen_status")
    con.execute("create table marts.signalen_status (signaal_id varchar, status varchar)")
    con.execute("insert into marts.signalen_status values ('s-ver-1', 'aanhoudend'), ('s-ove-oud', 'opgelost')")
    con.close()
    html = build_report(REPORT_MONTH, fresh_home, pdf=False).html.read_text(encoding="utf-8")
    row = re.search(r'data-signaal="s-ver-1">(.*?)</tr>', _section(html, "verhuur"), re.S).group(1)
    assert 'status-aanhoudend"' in row
    assert 'data-signaal="s-ver-2">' in html and html.count('status-onbekend">') >= 2
    assert "opgelost</span> Instroom overlastzaken: In wijk West" in _section(html, "overlast")


def test_per_wijk_from_the_kpi_marts(html, publication):
    _, tables = publication
    cm = tables["fct_contract_maand"]
    okt = cm[(cm.maand == date(2026, 10, 1)) & (cm.wijk == "Noord")]
    row = re.search(r'<tr data-wijk="Noord">(.*?)</tr>', _section(html, "incasso"), re.S).group(1)
    assert f">{getal(len(okt))}<" in row
    assert procent(100 * okt.in_achterstand.mean(), 1) in row
    # a wijk row in the overlast mart whose own counts are small shows "< 10" in those cells only
    zaak = tables["fct_zaak"]
    new = zaak[(zaak.wijk == "Noord") & (zaak.registratiedatum >= date(2026, 10, 1))]
    assert 0 < len(new) < 10
    row = re.search(r'<tr data-wijk="Noord">(.*?)</tr>', _section(html, "overlast"), re.S).group(1)
    cells = re.findall(r"<td[^>]*>(.*?)</td>", row)
    assert cells[1] == "&lt; 10" and "onderdrukt" in row
    assert str(len(new)) not in cells[1:2]


def test_quiet_month_still_lists_resolved_signals(fresh_home):
    """No signal this period at all: the signals resolved since last period are still reported."""
    con = duckdb.connect(str(fresh_home.published_path))
    con.execute("delete from marts.signalen")
    con.execute("delete from marts.signalen_status where status <> 'opgelost'")
    con.execute(
        "insert into marts.signalen_status (signaal_sleutel, signaal_id, vorig_signaal_id, proces, indicator, "
        "segment, periode_eind, status, vorige_ernst) values ('k-x', null, 's-ver-1-sep', 'verhuur', "
        "'leegstandsduur', 'wijk=Oost', date '2026-10-31', 'opgelost', 'hoog')"
    )
    con.close()
    html = build_report(REPORT_MONTH, fresh_home, pdf=False).html.read_text(encoding="utf-8")
    assert "geen signalen: geen groep wijkt duidelijk af" in html
    assert "opgelost</span> Instroom overlastzaken: In wijk West" in _section(html, "overlast")
    assert "opgelost</span> Leegstandsduur: In wijk Oost" in _section(html, "verhuur")


def test_kpi_missing_from_the_publication_says_so(fresh_home):
    con = duckdb.connect(str(fresh_home.published_path))
    con.execute("alter table marts.mart_verhuur_kpi_maand drop column leegstanden_gestart_aantal")
    con.execute("drop table marts.fct_leegstand")
    con.close()
    html = build_report(REPORT_MONTH, fresh_home, pdf=False).html.read_text(encoding="utf-8")
    assert "niet gepubliceerd" in _kpi_row(html, "leegstanden_gestart")
    assert "dagen</strong>" in _kpi_row(html, "mediaan_leegstandsduur")  # from the KPI mart
    dorp = re.search(rf'<tr data-wijk="{KLEINE_WIJK}">(.*?)</tr>', _section(html, "verhuur"), re.S).group(1)
    assert "niet getoond" in dorp
