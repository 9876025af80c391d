"""Issue 20: folder names, the wait for a delivery, extract dates, segment separators, volledig deletions."""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from ingest.ingest_builder import DAY1, DAY2, base_rows, query, warehouse_snapshot, write_delivery
from woonsignaal import pipeline
from woonsignaal.ingest import DeliveryRejected, load_delivery, scan_landing
from woonsignaal.quality.raw_suites import SEGMENT_SOURCE_COLUMNS
from woonsignaal.settings import get_settings


def test_only_jjjj_mm_dd_folders_are_deliveries(settings, caplog):
    write_delivery(settings.landing, DAY1, base_rows())
    for name in ("2026-W48-1", "20261123", "2026-13-01", "2026-11-23-oud", "2026-1-05"):
        (settings.landing / name).mkdir()
        (settings.landing / name / "manifest.json").write_text("{}")
    with caplog.at_level(logging.WARNING):
        scan = scan_landing(settings.landing, settings.warehouse_path)
    assert [d.name for d in scan.deliveries] == [DAY1.isoformat()]
    assert sorted(p.name for p in scan.ignored) == [
        "2026-1-05",
        "2026-11-23-oud",
        "2026-13-01",
        "2026-W48-1",
        "20261123",
    ]
    logged = caplog.text
    assert "2026-W48-1" in logged and "not a jjjj-mm-dd delivery folder" in logged
    assert "ignored: 2026-W48-1" in scan.summary()


def test_waiting_for_a_delivery_logs_sparingly(settings, caplog):
    night = date(2026, 3, 1)
    with caplog.at_level(logging.INFO, logger="woonsignaal.pipeline"):
        for _ in range(200):  # a sensor poking every second for 200 s
            assert not pipeline.delivery_is_complete(night, settings)
    waiting = [r for r in caplog.records if "waiting" in r.getMessage()]
    assert len(waiting) == 1, [r.getMessage() for r in waiting]


def test_typo_year_is_refused_and_later_nights_still_load(loaded, day2_rows):
    settings = loaded
    future = write_delivery(settings.landing, date(2099, 1, 11), day2_rows, soort="delta")
    before = warehouse_snapshot(settings.warehouse_path)
    with pytest.raises(DeliveryRejected) as exc:
        load_delivery(future, settings, gx=False)
    assert "2099-01-11/manifest.json: extractdatum 2099-01-11 ligt na vandaag" in str(exc.value)
    assert warehouse_snapshot(settings.warehouse_path) == before
    # the next real night is not refused as "older than the latest loaded"
    result = load_delivery(write_delivery(settings.landing, DAY2, day2_rows, soort="delta"), settings, gx=False)
    assert result.status == "geladen"
    # and the folder dated 2099 opens no gap of 73 years
    scan = scan_landing(settings.landing, settings.warehouse_path)
    today = datetime.now(ZoneInfo("Europe/Amsterdam")).date()
    assert all(g <= today for g in scan.gaps)


def test_segment_separators_are_quarantined_at_load(settings):
    """Every delivered column that becomes part of a signal segment: a ';' or '=' in it quarantines
    the row with file, line and column (the signal engine cannot write it as dim=val;dim=val)."""
    rows = base_rows()
    expected = set()
    for file, columns in SEGMENT_SOURCE_COLUMNS.items():
        for i, column in enumerate(columns):
            row = rows[file][i]
            row[column] = f"{row[column] or 'X'}{';' if i % 2 else '='}Y"
            expected.add((f"{file}.csv", i + 2, column))
    load_delivery(write_delivery(settings.landing, DAY1, rows), settings, gx=False)
    found = {
        (b, r, k)
        for b, r, k, why in query(
            settings.warehouse_path, "select bestand, regelnummer, kolom, reden from raw.quarantaine"
        )
        if "signaalsegment" in why
    }
    assert found == expected
    values = {
        v
        for file, columns in SEGMENT_SOURCE_COLUMNS.items()
        for c in columns
        for (v,) in query(settings.warehouse_path, f'select distinct "{c}"::varchar from raw.{file}')
    }
    assert not any(v and (";" in v or "=" in v) for v in values)


def _without_events(rows):
    for name in (
        "publicaties",
        "aanbiedingen",
        "zaken",
        "zaakstatussen",
        "zaakbetrokkenen",
        "boekingen",
        "incassoacties",
        "betalingsregelingen",
    ):
        rows[name] = []
    return rows


def test_volledig_deleting_more_than_the_tolerance_is_refused_with_counts(loaded):
    settings = loaded
    folder = write_delivery(settings.landing, DAY2, _without_events(base_rows()), soort="volledig")
    before = warehouse_snapshot(settings.warehouse_path)
    with pytest.raises(DeliveryRejected) as exc:
        load_delivery(folder, settings, gx=False)
    assert warehouse_snapshot(settings.warehouse_path) == before
    text = str(exc.value)
    assert "boekingen.csv: deze volledige levering mist 16 van de 16 huidige rijen van boekingen" in text
    assert "WOONSIGNAAL_VERWIJDER_TOLERANTIE" in text
    assert {f.bestand for f in exc.value.fouten} >= {"boekingen.csv", "publicaties.csv", "zaken.csv"}


def test_volledig_deletions_within_the_tolerance_load_with_a_warning(loaded):
    settings = loaded
    rows = base_rows()
    rows["boekingen"] = rows["boekingen"][1:]  # 1 of 16 (6 %) gone: a real deletion
    result = load_delivery(write_delivery(settings.landing, DAY2, rows, soort="volledig"), settings, gx=False)
    assert any("boekingen.csv: 1 row(s) loaded earlier are absent" in w for w in result.warnings)


def test_a_higher_tolerance_lets_a_real_clean_up_through(loaded, monkeypatch):
    monkeypatch.setenv("WOONSIGNAAL_VERWIJDER_TOLERANTIE", "1")
    settings = get_settings()
    folder = write_delivery(settings.landing, DAY2, _without_events(base_rows()), soort="volledig")
    result = load_delivery(folder, settings, gx=False)
    assert result.status == "geladen"
    assert query(settings.warehouse_path, "select count(*) from raw.boekingen where _verwijderd_op is null") == [(0,)]


def test_deletion_tolerance_setting_is_checked(monkeypatch, woonsignaal_home):
    from woonsignaal.settings import ConfigurationError

    assert get_settings().deletion_tolerance == 0.10
    monkeypatch.setenv("WOONSIGNAAL_VERWIJDER_TOLERANTIE", "tien procent")
    with pytest.raises(ConfigurationError, match="WOONSIGNAAL_VERWIJDER_TOLERANTIE"):
        get_settings()


def test_extract_date_checks_use_amsterdam_time(tmp_path):
    from woonsignaal.ingest.verify import date_problems

    folder = tmp_path / "2026-03-01"
    ams = ZoneInfo("Europe/Amsterdam")
    made = datetime(2026, 3, 2, 0, 30, tzinfo=ams)  # 23:30 UTC on 1 March: the 2nd in Amsterdam
    assert date_problems(folder, date(2026, 3, 2), made, today=date(2026, 3, 2)) == []
    assert [f.klasse for f in date_problems(folder, date(2026, 3, 3), made, today=date(2026, 3, 3))] == ["extractdatum"]
    assert (
        date_problems(
            folder, date(2026, 3, 1), made.astimezone(ZoneInfo("UTC")) - timedelta(hours=1), today=date(2026, 3, 2)
        )
        == []
    )


def test_a_supplier_clock_a_little_ahead_is_no_fault(tmp_path):
    from woonsignaal.ingest.verify import date_problems

    ams = ZoneInfo("Europe/Amsterdam")
    now = datetime.now(ams)
    folder = tmp_path / (now.date() - timedelta(days=1)).isoformat()
    yesterday = now.date() - timedelta(days=1)
    assert date_problems(folder, yesterday, now + timedelta(minutes=10)) == []
    (late,) = date_problems(folder, yesterday, now + timedelta(hours=3))
    assert late.klasse == "extractdatum" and "ligt in de toekomst" in late.detail


def test_raw_suite_checks_segment_values_too(settings, tmp_path):
    """The raw suite is a second, independent check of what the parse let through."""
    import json

    import duckdb

    from woonsignaal.quality import generate_raw_suites, validate

    wijk = [e for e in generate_raw_suites()["complexen"]["expectations"] if e["description"].startswith("wijk: no ;")]
    assert len(wijk) == 1
    db = tmp_path / "s.duckdb"
    con = duckdb.connect(str(db))
    con.execute("create table goed as select * from (values ('Noord'), ('Zuid')) t(wijk)")
    con.execute("create table fout as select * from (values ('Noord'), ('Zuid=Oost')) t(wijk)")
    con.close()
    for table, ok in (("goed", True), ("fout", False)):
        suites = tmp_path / table
        suites.mkdir()
        (suites / f"{table}.json").write_text(json.dumps({"name": f"test.{table}", "expectations": wijk}))
        assert validate(db, suites, settings=settings).success is ok
