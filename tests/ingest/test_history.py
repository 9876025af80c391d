"""The raw layer's history: snapshots per extract date, event upserts, deletions, re-sent deliveries,
idempotency, order and gaps."""

from __future__ import annotations

import datetime as dt

import pytest

from ingest.ingest_builder import DAY1, DAY2, base_rows, query, warehouse_snapshot, write_delivery
from woonsignaal.ingest import DeliveryRejected, load_delivery, scan_landing

DAY3 = dt.date(2026, 1, 12)


def _load(settings, day, rows, **kw):
    folder = write_delivery(settings.landing, day, rows, soort=kw.pop("soort", "delta"), **kw)
    return load_delivery(folder, settings, gx=False)


def _raw_state(settings):
    """The raw layer without load timestamps (geladen_op, geregistreerd_op differ between runs)."""
    snap = warehouse_snapshot(settings.warehouse_path)
    snap["raw.leveringen"] = [r[:6] + r[7:] for r in snap["raw.leveringen"]]
    snap["raw.quarantaine"] = [r[:6] for r in snap["raw.quarantaine"]]
    return snap


def test_same_delivery_twice_is_a_noop(loaded):
    before = warehouse_snapshot(loaded.warehouse_path)
    result = load_delivery(loaded.landing / DAY1.isoformat(), loaded, gx=False)
    assert result.status == "al geladen"
    assert warehouse_snapshot(loaded.warehouse_path) == before


def test_snapshot_history_answers_what_did_we_know_on_day_x(loaded, day2_rows):
    day2_rows["eenheden"][0]["nettohuur"] = "700,00"  # E1 changes on DAY2
    del day2_rows["eenheden"][5]  # E6 leaves the portfolio on DAY2
    _load(loaded, DAY2, day2_rows)

    def known_on(day):
        return query(
            loaded.warehouse_path,
            "select eenheid_id, nettohuur from raw.eenheden "
            "where _geldig_vanaf <= ? and (_geldig_tot is null or _geldig_tot > ?) order by 1",
            [day, day],
        )

    on1, on2 = known_on(DAY1), known_on(DAY2)
    assert len(on1) == 6 and dict(on1)["E1"] == pytest.approx(610.25)
    assert len(on2) == 5 and "E6" not in dict(on2) and dict(on2)["E1"] == pytest.approx(700)
    # unchanged rows are not copied: E2 has one version, valid since DAY1
    assert query(
        loaded.warehouse_path, "select _geldig_vanaf, _geldig_tot from raw.eenheden where eenheid_id = 'E2'"
    ) == [(DAY1, None)]
    assert query(
        loaded.warehouse_path,
        "select _geldig_vanaf, _geldig_tot, _extractdatum from raw.eenheden where eenheid_id = 'E1' order by 1",
    ) == [(DAY1, DAY2, DAY1), (DAY2, None, DAY2)]


def test_quarantined_snapshot_row_keeps_its_previous_version(loaded, day2_rows):
    day2_rows["eenheden"][1]["nettohuur"] = "veel"
    _load(loaded, DAY2, day2_rows)
    assert query(
        loaded.warehouse_path, "select _geldig_vanaf, _geldig_tot from raw.eenheden where eenheid_id = 'E2'"
    ) == [(DAY1, None)]


def test_event_upsert_latest_gewijzigd_op_wins(loaded, day2_rows):
    newer = dict(base_rows()["publicaties"][0])
    newer.update(status="AFG", einddatum="10-01-2026", reacties_aantal="12", gewijzigd_op="10-01-2026 16:00:00")
    stale = dict(base_rows()["aanbiedingen"][0])
    stale.update(status="TOE", gewijzigd_op="01-12-2025 10:00:00")  # older than the loaded version
    day2_rows["publicaties"] = [newer]
    day2_rows["aanbiedingen"] = [stale]
    result = _load(loaded, DAY2, day2_rows)
    assert query(
        loaded.warehouse_path,
        "select status, reacties_aantal, _extractdatum from raw.publicaties where publicatie_id = 'P1'",
    ) == [("AFG", 12, DAY2)]
    assert query(loaded.warehouse_path, "select status from raw.aanbiedingen where aanbieding_id = 'A1'") == [("GEW",)]
    assert any("aanbiedingen.csv: 1 row(s) older than" in w for w in result.warnings)
    # other events untouched
    assert query(loaded.warehouse_path, "select count(*) from raw.publicaties") == [(2,)]


def test_verwijderingen_applied_and_kept(loaded, day2_rows):
    day2_rows["verwijderingen"] = [
        {"tabel": "boekingen", "sleutel": "B3", "verwijderd_op": "10-01-2026 12:00:00"},
        {"tabel": "zaakstatussen", "sleutel": "Z2|AFG|08-01-2026", "verwijderd_op": "10-01-2026 12:00:00"},
        {"tabel": "relaties", "sleutel": "R9004", "verwijderd_op": "10-01-2026 12:00:00"},
        {"tabel": "boekingen", "sleutel": "B999", "verwijderd_op": "10-01-2026 12:00:00"},
    ]
    result = _load(loaded, DAY2, day2_rows)
    wh = loaded.warehouse_path
    assert query(wh, "select _verwijderd_op from raw.boekingen where boeking_id = 'B3'") == [
        (dt.datetime(2026, 1, 10, 12),)
    ]
    assert query(wh, "select count(*) from raw.boekingen where _verwijderd_op is not null") == [(1,)]
    assert query(
        wh, "select _verwijderd_op is not null from raw.zaakstatussen where zaak_id = 'Z2' and soort = 'AFG'"
    ) == [(True,)]
    kept = query(wh, "select tabel, sleutel, _extractdatum from raw.verwijderingen order by 1, 2")
    assert [(t, d) for t, _, d in kept] == [
        ("boekingen", DAY2),
        ("boekingen", DAY2),
        ("relaties", DAY2),
        ("zaakstatussen", DAY2),
    ]
    # a person key in a deletion is pseudonymised too
    assert "R9004" not in str(kept)
    assert any("1 of 2 deletion(s) for boekingen matched no current row" in w for w in result.warnings)


def test_resent_delivery_replaces_the_earlier_one_exactly(settings, tmp_path, monkeypatch):
    first = base_rows()
    second = base_rows()
    second["eenheden"][0]["nettohuur"] = "999,00"
    second["boekingen"] = second["boekingen"][:-2]
    second["publicaties"][0]["status"] = "AFG"
    second["publicaties"][0]["gewijzigd_op"] = "09-01-2026 10:00:00"
    _load(settings, DAY1, first, soort="volledig")
    d2 = base_rows()
    d2["boekingen"] = [dict(d2["boekingen"][0], bedrag="1,00", gewijzigd_op="11-01-2026 08:00:00")]
    d2["verwijderingen"] = [{"tabel": "boekingen", "sleutel": "B2", "verwijderd_op": "11-01-2026 09:00:00"}]
    for k in (
        "publicaties",
        "aanbiedingen",
        "zaken",
        "zaakstatussen",
        "zaakbetrokkenen",
        "incassoacties",
        "betalingsregelingen",
    ):
        d2[k] = []
    _load(settings, DAY2, d2, aangemaakt_op=dt.datetime(2026, 1, 12, 2, 0))

    # re-sent DAY2, made later, with different content
    d2b = base_rows()
    d2b["eenheden"][2]["bouwjaar"] = "1999"
    for k in (
        "publicaties",
        "aanbiedingen",
        "zaken",
        "zaakstatussen",
        "zaakbetrokkenen",
        "boekingen",
        "incassoacties",
        "betalingsregelingen",
    ):
        d2b[k] = []
    scan = scan_landing(settings.landing, settings.warehouse_path)
    assert scan.pending == []
    folder = write_delivery(settings.landing, DAY2, d2b, soort="delta", aangemaakt_op=dt.datetime(2026, 1, 12, 7, 0))
    scan = scan_landing(settings.landing, settings.warehouse_path)
    assert [(d.extractdatum, d.resent) for d in scan.pending] == [(DAY2, True)]
    result = load_delivery(folder, settings, gx=False)
    assert result.status == "vervangen"
    replaced = _raw_state(settings)

    # the same warehouse as loading DAY1 and the re-sent DAY2 only
    monkeypatch.setenv("WOONSIGNAAL_HOME", str(tmp_path / "fresh"))
    from woonsignaal.settings import get_settings

    fresh = get_settings()
    load_delivery(write_delivery(fresh.landing, DAY1, first, soort="volledig"), fresh, gx=False)
    load_delivery(
        write_delivery(fresh.landing, DAY2, d2b, soort="delta", aangemaakt_op=dt.datetime(2026, 1, 12, 7, 0)),
        fresh,
        gx=False,
    )
    assert _raw_state(fresh) == replaced
    # and loading the re-sent one again is a no-op
    assert load_delivery(folder, settings, gx=False).status == "al geladen"


def test_older_version_of_a_loaded_delivery_is_refused(loaded):
    before = warehouse_snapshot(loaded.warehouse_path)
    folder = loaded.landing / DAY1.isoformat()
    from ingest.ingest_builder import rewrite_manifest

    rewrite_manifest(folder, aangemaakt_op=dt.datetime(2026, 1, 10, 23, 0))
    with pytest.raises(DeliveryRejected, match="al geladen uit een nieuwere levering"):
        load_delivery(folder, loaded, gx=False)
    assert warehouse_snapshot(loaded.warehouse_path) == before


def test_naive_aangemaakt_op_is_amsterdam_time(loaded, day2_rows):
    """02:13 without an offset is 02:13 in Amsterdam (01:13 UTC): a re-send at 02:50+01:00 is newer."""
    import json

    folder = write_delivery(loaded.landing, DAY2, day2_rows, soort="delta")
    manifest = folder / "manifest.json"
    m = json.loads(manifest.read_text())
    m["aangemaakt_op"] = "2026-01-12T02:13:07"
    manifest.write_text(json.dumps(m))
    load_delivery(folder, loaded, gx=False)
    assert query(loaded.warehouse_path, "select aangemaakt_op from raw.leveringen where extractdatum = ?", [DAY2]) == [
        (dt.datetime(2026, 1, 12, 1, 13, 7),)
    ]
    m["aangemaakt_op"] = "2026-01-12T02:50:00+01:00"
    manifest.write_text(json.dumps(m))
    assert [d.resent for d in scan_landing(loaded.landing, loaded.warehouse_path).pending] == [True]
    assert load_delivery(folder, loaded, gx=False).status == "vervangen"


def test_manifest_with_a_byte_order_mark_loads(loaded, day2_rows):
    folder = write_delivery(loaded.landing, DAY2, day2_rows, soort="delta")
    manifest = folder / "manifest.json"
    manifest.write_bytes(b"\xef\xbb\xbf" + manifest.read_bytes())  # as Windows PowerShell 5 writes it
    assert [d.soort for d in scan_landing(loaded.landing, loaded.warehouse_path).pending] == ["delta"]
    assert load_delivery(folder, loaded, gx=False).status == "geladen"


def test_delivery_older_than_the_latest_loaded_is_refused(loaded, day2_rows):
    _load(loaded, DAY3, day2_rows)
    before = warehouse_snapshot(loaded.warehouse_path)
    folder = write_delivery(loaded.landing, DAY2, day2_rows, soort="delta")
    with pytest.raises(DeliveryRejected, match="kwam binnen nadat 2026-01-12 geladen was.*opnieuw op vanaf 2026-01-11"):
        load_delivery(folder, loaded, gx=False)
    assert warehouse_snapshot(loaded.warehouse_path) == before


def test_gap_is_reported_and_next_delta_still_loads(loaded, day2_rows):
    result = _load(loaded, DAY3, day2_rows)  # DAY2 never came
    assert result.status == "geladen"
    assert any("gap: no delivery between 2026-01-10 and 2026-01-12 (1 night(s) missing)" in w for w in result.warnings)
    scan = scan_landing(loaded.landing, loaded.warehouse_path)
    assert scan.gaps == [DAY2]
    assert "missing nights: 2026-01-11" in scan.summary()


def test_scan_landing_complete_waiting_ignored_and_order(settings):
    landing = settings.landing
    write_delivery(landing, DAY3, base_rows())
    write_delivery(landing, DAY1, base_rows())
    write_delivery(landing, dt.date(2026, 1, 13), base_rows(), manifest=False)
    (landing / "oud").mkdir()
    (landing / "2026-1-5").mkdir()
    scan = scan_landing(landing)
    assert [d.extractdatum for d in scan.deliveries] == [DAY1, DAY3]
    assert all(d.pending and not d.resent for d in scan.deliveries)
    assert [p.name for p in scan.incomplete] == ["2026-01-13"]
    assert scan.waiting
    assert sorted(p.name for p in scan.ignored) == ["2026-1-5", "oud"]
    assert scan.gaps == [DAY2]
    load_delivery(scan.deliveries[0].path, settings, gx=False)
    scan = scan_landing(landing, settings.warehouse_path)
    assert [d.extractdatum for d in scan.pending] == [DAY3]
    assert scan.last_loaded == DAY1


def test_volledig_delivery_marks_missing_event_rows_deleted(loaded):
    rows = base_rows()
    rows["boekingen"] = rows["boekingen"][:-1]  # B16 is gone from the source
    rows["aanbiedingen"][0]["kandidaat_positie"] = "x"  # A1 quarantined: it keeps its version
    result = _load(loaded, DAY2, rows, soort="volledig")
    wh = loaded.warehouse_path
    assert query(wh, "select boeking_id, _verwijderd_op from raw.boekingen where _verwijderd_op is not null") == [
        ("B16", dt.datetime(2026, 1, 11))
    ]
    assert query(wh, "select _verwijderd_op from raw.aanbiedingen where aanbieding_id = 'A1'") == [(None,)]
    assert any(
        "boekingen.csv: 1 row(s) loaded earlier are absent from this volledig delivery" in w for w in result.warnings
    )


def test_ids_and_hashes_are_stored_with_zstd(loaded):
    """Nearly unique texts are written with ZSTD (docs/ingest.md, Performance); codes keep DuckDB's choice."""
    from woonsignaal.contract import FILES_BY_NAME
    from woonsignaal.raw_schema import zstd_columns

    assert zstd_columns(FILES_BY_NAME["boekingen"]) == ["boeking_id", "overeenkomst_id"]
    assert zstd_columns(FILES_BY_NAME["relaties"]) == ["relatie_id", "iban_hash", "bsn_hash", "_rij_hash"]
    used = dict(
        query(
            loaded.warehouse_path,
            "select column_name, string_agg(distinct compression, ',') from pragma_storage_info('raw.boekingen') "
            "where segment_type <> 'VALIDITY' group by all",
        )
    )
    assert used["boeking_id"] == used["overeenkomst_id"] == "ZSTD"
    assert used["detailsoort"] != "ZSTD"
