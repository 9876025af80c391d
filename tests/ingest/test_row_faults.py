"""Parsing and row faults: columns by header name, quarantine with file/line/column/reason,
accounting (loaded + quarantined = delivered), fatal file faults leave the warehouse unchanged."""

from __future__ import annotations

import pytest

from ingest.ingest_builder import (
    DAY1,
    DAY2,
    base_rows,
    query,
    warehouse_snapshot,
    write_delivery,
)
from woonsignaal.contract import EENHEDEN
from woonsignaal.ingest import DeliveryRejected, load_delivery


def _quarantine(settings, day=DAY1):
    return query(
        settings.warehouse_path,
        "select bestand, regelnummer, kolom, reden from raw.quarantaine where extractdatum = ? order by all",
        [day],
    )


def _count(settings, sql):
    return query(settings.warehouse_path, sql)[0][0]


def _load(settings, rows, day=DAY1, **kw):
    folder = write_delivery(settings.landing, day, rows, **kw)
    return load_delivery(folder, settings, gx=False)


def _accounted(result):
    for name, c in result.files.items():
        assert c.geladen + c.quarantaine == c.geleverd, name


def test_headers_case_insensitive_and_any_order(settings):
    rows = base_rows()
    header = list(reversed([c.upper() for c in EENHEDEN.column_names]))
    result = _load(settings, rows, headers={"eenheden": header})
    assert result.files["eenheden"].geladen == 6
    assert _count(settings, "select nettohuur from raw.eenheden where eenheid_id = 'E1'") == pytest.approx(610.25)


def test_missing_required_column_rejects_file(loaded):
    rows = base_rows()
    header = [c for c in EENHEDEN.column_names if c != "nettohuur"]
    before = warehouse_snapshot(loaded.warehouse_path)
    folder = write_delivery(loaded.landing, DAY2, rows, headers={"eenheden": header}, soort="delta")
    with pytest.raises(DeliveryRejected, match="eenheden.csv: verplichte kolom 'nettohuur' ontbreekt in de kopregel"):
        load_delivery(folder, loaded, gx=False)
    assert warehouse_snapshot(loaded.warehouse_path) == before


def test_missing_optional_column_loads_empty(settings):
    header = [c for c in EENHEDEN.column_names if c != "etage"]
    result = _load(settings, base_rows(), headers={"eenheden": header})
    assert any("optional column(s) etage absent" in w for w in result.warnings)
    assert _count(settings, "select count(*) from raw.eenheden where etage is null") == 6


def test_extra_column_reported_and_loaded(settings):
    rows = base_rows()
    for r in rows["eenheden"]:
        r["kleur"] = "blauw"
    header = EENHEDEN.column_names + ["Kleur"]
    result = _load(settings, rows, headers={"eenheden": header})
    assert any("eenheden.csv: extra column(s) Kleur reported and not loaded" in w for w in result.warnings)
    assert result.files["eenheden"].geladen == 6
    cols = [
        r[0]
        for r in query(
            settings.warehouse_path, "select column_name from information_schema.columns where table_name = 'eenheden'"
        )
    ]
    assert "kleur" not in [c.lower() for c in cols]


def test_trimmed_sql_equals_trim():
    """The parse trims only values that trim can change; for every kind of edge the result is trim's."""
    import duckdb

    from woonsignaal.ingest.parse import trimmed_sql

    values = [
        "",
        " ",
        "  ",
        "a",
        " a",
        "a ",
        " a ",
        "a b",
        "\ta",
        "a\t",
        "\u00a0a",
        "a\u00a0",
        "\u00a0",
        "\u2003a\u3000",
        "x\u200ay",
        "\u205f12,50",
        "é",
        " é ",
        "01-12-2016 01:59:24",
        None,
    ]
    con = duckdb.connect()
    con.execute("create table v (i integer, x varchar)")
    con.executemany("insert into v values (?, ?)", list(enumerate(values)))
    rows = con.execute(f"select i, trim(x), {trimmed_sql('x')} from v order by i").fetchall()
    assert [(t, u) for _, t, u in rows] == [(t, t) for _, t, _ in rows]
    assert rows[6][1] == "a" and rows[10][1] == "a" and rows[8][1] == "\ta"  # spaces go, a tab stays


def test_values_padded_with_spaces_load_trimmed(settings):
    from datetime import date

    rows = base_rows()
    e1 = rows["eenheden"][0]
    e1["soort"], e1["nettohuur"] = " WOO\u00a0", " 610,25 "
    e1["in_exploitatiedatum"], e1["lift"] = "\u00a001-01-1990 ", " J"
    result = _load(settings, rows)
    assert result.files["eenheden"].quarantaine == 0
    assert query(
        settings.warehouse_path,
        "select soort, nettohuur, in_exploitatiedatum, lift from raw.eenheden where eenheid_id = 'E1'",
    ) == [("WOO", pytest.approx(610.25), date(1990, 1, 1), True)]


@pytest.mark.parametrize(
    ("file", "row", "column", "value", "reason"),
    [
        (
            "eenheden",
            2,
            "in_exploitatiedatum",
            "31-02-2024",
            "niet te lezen als datum '31-02-2024' (verwacht dd-mm-jjjj)",
        ),
        ("eenheden", 2, "in_exploitatiedatum", "2024-01-01", "niet te lezen als datum '2024-01-01'"),
        ("boekingen", 3, "bedrag", "1.234,56", "niet te lezen als bedrag '1.234,56' (verwacht een decimale komma"),
        ("boekingen", 3, "bedrag", "twaalf", "niet te lezen als bedrag 'twaalf'"),
        ("eenheden", 2, "lift", "Ja", "niet te lezen als J/N-waarde 'Ja'"),
        ("eenheden", 2, "kamers_aantal", "3,5", "niet te lezen als geheel getal '3,5'"),
        ("boekingen", 3, "gewijzigd_op", "01-11-2025 25:00:00", "niet te lezen als tijdstip '01-11-2025 25:00:00'"),
        ("eenheden", 2, "complex_id", None, "verplicht veld is leeg"),
        ("boekingen", 3, "overeenkomst_id", "", "verplicht veld is leeg"),
        ("eenheden", 2, "soort", "XYZ", "code 'XYZ' staat niet in referentiedata EENHEIDSOORT"),
        ("zaakbetrokkenen", 1, "partner", "FBI", "code 'FBI' staat niet in referentiedata ZAAKPARTNER"),
    ],
)
def test_row_fault_goes_to_quarantine(settings, file, row, column, value, reason):
    rows = base_rows()
    rows[file][row][column] = value
    result = _load(settings, rows)
    q = _quarantine(settings)
    line = row + 2  # header is line 1, rows are 0-based here
    assert [(b, ln, k) for b, ln, k, _ in q] == [(f"{file}.csv", line, column)]
    assert reason in q[0][3], q[0][3]
    assert result.files[file].quarantaine == 1
    assert result.files[file].geladen == len(rows[file]) - 1
    _accounted(result)
    key = EENHEDEN.key[0] if file == "eenheden" else None
    if key:
        assert _count(settings, f"select count(*) from raw.eenheden where eenheid_id = 'E{row + 1}'") == 0


def test_personal_data_values_never_in_reasons(settings):
    rows = base_rows()
    rows["relaties"][1]["geboortedatum"] = "31-13-1970"
    rows["relaties"][2]["relatie_id"] = None
    result = _load(settings, rows)
    q = _quarantine(settings)
    assert {(k, r) for _, _, k, r in q} == {
        ("geboortedatum", "niet te lezen als datum (waarde weggelaten: persoonsgegeven) (verwacht dd-mm-jjjj)"),
        ("relatie_id", "verplicht veld is leeg"),
    }
    assert "31-13-1970" not in str(q)
    _accounted(result)


def test_duplicate_key_quarantines_every_copy(settings):
    rows = base_rows()
    dup = dict(rows["boekingen"][0])
    dup["bedrag"] = "700,00"
    rows["boekingen"].append(dup)
    result = _load(settings, rows)
    q = _quarantine(settings)
    n = len(rows["boekingen"])
    assert [(b, ln, k) for b, ln, k, _ in q] == [
        ("boekingen.csv", 2, "boeking_id"),
        ("boekingen.csv", n + 1, "boeking_id"),
    ]
    assert all(f"dubbele sleutel boeking_id=B1 in deze levering (regels 2, {n + 1})" == r for *_, r in q)
    assert _count(settings, "select count(*) from raw.boekingen where boeking_id = 'B1'") == 0
    assert result.files["boekingen"].quarantaine == 2
    _accounted(result)


def test_duplicate_composite_key_needs_every_part(settings):
    """E6 has two statuses (same eenheid_id, other begindatum): no duplicate. A copy of one is."""
    rows = base_rows()
    rows["eenheidstatussen"].append(dict(rows["eenheidstatussen"][-1]))
    result = _load(settings, rows)
    n = len(rows["eenheidstatussen"])
    q = [x for x in _quarantine(settings) if x[0] == "eenheidstatussen.csv"]
    assert [(ln, k) for _, ln, k, _ in q] == [(n, "eenheid_id, begindatum"), (n + 1, "eenheid_id, begindatum")]
    assert {r for *_, r in q} == {
        f"dubbele sleutel eenheid_id=E6, begindatum=2025-12-01 in deze levering (regels {n}, {n + 1})"
    }
    assert _count(settings, "select count(*) from raw.eenheidstatussen where eenheid_id = 'E6'") == 1
    assert result.files["eenheidstatussen"].quarantaine == 2
    _accounted(result)


def test_duplicate_person_key_is_not_shown(settings):
    rows = base_rows()
    rows["relaties"].append(dict(rows["relaties"][0]))
    _load(settings, rows)
    q = _quarantine(settings)
    assert len(q) == 2 and all("withheld: personal data" in r for *_, r in q)
    assert "R9001" not in str(q)


@pytest.mark.parametrize("final_line_break", [True, False])
def test_line_numbers_count_line_breaks_inside_quotes(settings, final_line_break):
    """zaak Z1's omschrijving holds a line break: Z2 starts on physical line 4, also when the last record
    has no line break (the file then has as many line breaks as records, as a file without one in quotes)."""
    from ingest.ingest_builder import rewrite_manifest
    from woonsignaal.ingest.verify import check_file_bytes

    rows = base_rows()
    rows["zaken"][1]["registratiedatum"] = "02/01/2026"
    folder = write_delivery(settings.landing, DAY1, rows)
    if not final_line_break:
        p = folder / "zaken.csv"
        p.write_bytes(p.read_bytes().rstrip(b"\n"))
        rewrite_manifest(folder)
        assert check_file_bytes(p).newlines == len(rows["zaken"]) + 1
    load_delivery(folder, settings, gx=False)
    assert [(b, ln, k) for b, ln, k, _ in _quarantine(settings)] == [("zaken.csv", 4, "registratiedatum")]
    assert query(settings.warehouse_path, "select zaak_id, _regelnummer from raw.zaken order by 1") == [("Z1", 2)]


def test_quoted_carriage_return_is_read(settings):
    rows = base_rows()
    rows["complexen"][0]["naam"] = "Het\rAnker"
    folder = write_delivery(settings.landing, DAY1, rows)
    p = folder / "complexen.csv"
    p.write_bytes(p.read_bytes().replace(b";Het\rAnker;", b';"Het\rAnker";'))  # the writer leaves it unquoted
    from ingest.ingest_builder import rewrite_manifest

    rewrite_manifest(folder, keep_counts=False)
    load_delivery(folder, settings, gx=False)
    assert query(settings.warehouse_path, "select naam from raw.complexen where complex_id = 'C1'") == [("Het\rAnker",)]


def test_amounts_with_more_than_two_decimals_load_rounded_and_are_reported(settings):
    from decimal import Decimal

    rows = base_rows()
    rows["boekingen"][0]["bedrag"] = "-632,245"
    rows["boekingen"][1]["bedrag"] = "654,3500"  # only zeros past the second decimal: nothing is lost
    rows["eenheden"][0]["oppervlakte_m2"] = "62,375"
    result = _load(settings, rows)
    assert result.quarantaine == 0
    assert "boekingen.csv: 1 value(s) of bedrag have more than 2 decimals; loaded rounded to 2" in result.warnings
    assert (
        "eenheden.csv: 1 value(s) of oppervlakte_m2 have more than 2 decimals; loaded rounded to 2" in result.warnings
    )
    ids = [r["boeking_id"] for r in rows["boekingen"][:2]]
    assert query(
        settings.warehouse_path, "select bedrag from raw.boekingen where boeking_id in (?, ?) order by bedrag", ids
    ) == [(Decimal("-632.25"),), (Decimal("654.35"),)]


def test_too_many_faults_in_a_file_is_fatal(loaded):
    rows = base_rows()
    extra = []
    for i in range(40):
        r = dict(rows["boekingen"][0])
        r["boeking_id"] = f"X{i}"
        r["boekdatum"] = "32-01-2026" if i < 12 else "01-01-2026"
        extra.append(r)
    rows["boekingen"] += extra
    before = warehouse_snapshot(loaded.warehouse_path)
    folder = write_delivery(loaded.landing, DAY2, rows, soort="delta")
    with pytest.raises(DeliveryRejected) as exc:
        load_delivery(folder, loaded, gx=False)
    assert "boekingen.csv: 12 van de 56 rijen hebben fouten (meer dan 5%)" in str(exc.value)
    assert "regel 18, boekdatum: niet te lezen als datum '32-01-2026'" in str(exc.value)
    assert warehouse_snapshot(loaded.warehouse_path) == before


def test_broken_csv_structure_is_fatal(loaded):
    folder = write_delivery(loaded.landing, DAY2, base_rows(), soort="delta")
    p = folder / "complexen.csv"
    p.write_text(p.read_text(encoding="utf-8-sig") + "C9;Te;veel;velden;in;deze;regel\n", encoding="utf-8")
    from ingest.ingest_builder import rewrite_manifest

    rewrite_manifest(folder, keep_counts=False)
    before = warehouse_snapshot(loaded.warehouse_path)
    with pytest.raises(
        DeliveryRejected, match=r"complexen.csv: 1 record\(s\) met een kapotte CSV-structuur \(regel 4: te veel velden"
    ):
        load_delivery(folder, loaded, gx=False)
    assert warehouse_snapshot(loaded.warehouse_path) == before


def test_referentiedata_faults_reported_never_fatal(settings):
    """The real VERA file has duplicates and malformed dates: reported, loaded."""
    result = _load(settings, base_rows())
    assert any("referentiedata.csv" in w and "malformed Begindatum/Einddatum" in w for w in result.warnings)
    assert any("(Soort, Code) pairs occur more than once" in w for w in result.warnings)
    assert result.files["referentiedata"].quarantaine == 0
    assert _count(settings, "select count(*) from raw.referentiedata") == result.files["referentiedata"].geleverd
    # 14-02-205 is not read as the year 205
    assert _count(settings, "select count(*) from raw.referentiedata where year(begindatum) < 1900") == 0


def test_code_outside_validity_is_loaded_and_reported(settings):
    rows = base_rows()
    # BETALINGSREGELINGSTATUS VER is valid from 13-12-2024 in VERA
    rows["betalingsregelingen"][0]["status"] = "VER"
    rows["betalingsregelingen"][0]["afspraakdatum"] = "01-06-2024"
    result = _load(settings, rows)
    assert result.files["betalingsregelingen"].geladen == 1
    assert any(
        "BETALINGSREGELINGSTATUS code in column 'status' outside its referentiedata validity" in w
        for w in result.warnings
    )


def test_values_are_typed(settings):
    _load(settings, base_rows())
    row = query(
        settings.warehouse_path,
        "select bouwjaar, oppervlakte_m2, lift, in_exploitatiedatum, _bronbestand, _regelnummer, _extractdatum "
        "from raw.eenheden where eenheid_id = 'E1' and _geldig_tot is null",
    )[0]
    assert row[0] == 1965 and float(row[1]) == 56.5 and row[2] is True
    assert row[3].isoformat() == "1990-01-01"
    assert row[4] == "2026-01-10/eenheden.csv" and row[5] == 2 and row[6] == DAY1
    ts = query(settings.warehouse_path, "select gewijzigd_op from raw.zaken where zaak_id = 'Z2'")[0][0]
    assert ts.isoformat() == "2026-01-08T15:30:00"
    neg = query(settings.warehouse_path, "select bedrag from raw.boekingen where boeking_id = 'B2'")[0][0]
    assert float(neg) == -650.0


def test_dialect_quotes_delimiters_line_breaks_crlf_no_bom(settings):
    from ingest.ingest_builder import rewrite_manifest
    from woonsignaal import contract
    from woonsignaal.simulate.writer import write_csv

    rows = base_rows()
    rows["complexen"][0]["naam"] = 'Het "Anker"; blok\r\nA'
    folder = write_delivery(settings.landing, DAY1, rows)
    f = contract.file_by_name("complexen")
    write_csv(
        folder / f.filename,
        f.column_names,
        ([r.get(c) for c in f.column_names] for r in rows["complexen"]),
        bom=False,
        crlf=True,
        quote_all=True,
    )
    rewrite_manifest(folder)
    result = load_delivery(folder, settings, gx=False)
    assert result.files["complexen"].geladen == 2
    assert query(settings.warehouse_path, "select naam, _regelnummer from raw.complexen order by complex_id") == [
        ('Het "Anker"; blok\r\nA', 2),
        ("De Linde", 4),
    ]


@pytest.mark.parametrize("line_break", [False, True], ids=["plain", "line-break-in-quotes"])
def test_line_numbers_hold_in_a_file_read_in_parallel(settings, line_break):
    """Records are numbered from the scan's order: that order must hold in a file big enough for
    DuckDB to read in parallel chunks (40 MB), with and without a quoted line break before the faults."""
    rows = base_rows()
    first_line = len(rows["boekingen"]) + 2  # line of the first generated record
    n, faulty, broken = 600_000, {250_000, 599_997}, 1_000
    template = dict(rows["boekingen"][0])
    for i in range(n):
        r = dict(template, boeking_id=f"G{i}")
        if i in faulty:
            r["boekdatum"] = "31-02-2025"
        if line_break and i == broken:
            r["bedrag"] = "650,\n00"
        rows["boekingen"].append(r)
    result = _load(settings, rows)
    shift = 1 if line_break else 0  # records after the broken one start one physical line later

    def line(i: int) -> int:
        return first_line + i + (shift if i > broken else 0)

    expected = {(line(i), "boekdatum") for i in faulty} | ({(line(broken), "bedrag")} if line_break else set())
    got = {(ln, k) for b, ln, k, _ in _quarantine(settings) if b == "boekingen.csv"}
    assert got == expected
    assert result.files["boekingen"].quarantaine == len(expected)
    wrong = _count(
        settings,
        f"select count(*) from raw.boekingen where boeking_id like 'G%' and _regelnummer <> "
        f"{first_line} + substr(boeking_id, 2)::int + case when substr(boeking_id, 2)::int > {broken} "
        f"then {shift} else 0 end",
    )
    assert wrong == 0
    assert _count(settings, "select count(*) from raw.boekingen where boeking_id like 'G%'") == n - len(expected)
