"""Verification faults: each refuses the whole delivery, names the file and what differs, and
leaves the warehouse unchanged."""

from __future__ import annotations

import json

import pytest

from ingest.ingest_builder import DAY2, rewrite_manifest, warehouse_snapshot, write_delivery
from woonsignaal.ingest import DeliveryIncomplete, DeliveryRejected, load_delivery, verify_delivery


def _refused(settings, folder, *expected: str) -> str:
    before = warehouse_snapshot(settings.warehouse_path)
    with pytest.raises(DeliveryRejected) as exc:
        load_delivery(folder, settings, gx=False)
    after = warehouse_snapshot(settings.warehouse_path)
    assert before == after, "a refused delivery changed the warehouse"
    assert before, "the warehouse should hold the first delivery"
    msg = str(exc.value)
    for e in expected:
        assert e in msg, msg
    return msg


def test_valid_delivery_verifies(loaded, day2_rows):
    folder = write_delivery(loaded.landing, DAY2, day2_rows, soort="delta")
    m = verify_delivery(folder)
    assert m.extractdatum == DAY2 and m.soort == "delta" and m.rows_verified
    assert set(m.bestanden) == {f.removesuffix(".csv") for f in (p.name for p in folder.glob("*.csv"))}


def test_sha256_mismatch(loaded, day2_rows):
    folder = write_delivery(loaded.landing, DAY2, day2_rows, soort="delta")
    m = json.loads((folder / "manifest.json").read_text())
    entry = next(b for b in m["bestanden"] if b["naam"] == "eenheden.csv")
    real = entry["sha256"]
    entry["sha256"] = "ab12" + real[4:]
    (folder / "manifest.json").write_text(json.dumps(m))
    msg = _refused(loaded, folder, "eenheden.csv: sha256 verschilt van het manifest (manifest ab12", f"bestand {real}")
    with pytest.raises(DeliveryRejected, match="eenheden.csv: sha256"):
        verify_delivery(folder)
    assert "complexen.csv" not in msg


def test_row_count_mismatch(loaded, day2_rows):
    folder = write_delivery(loaded.landing, DAY2, day2_rows, soort="delta")
    m = json.loads((folder / "manifest.json").read_text())
    entry = next(b for b in m["bestanden"] if b["naam"] == "eenheden.csv")
    entry["rijen"] = 812345
    (folder / "manifest.json").write_text(json.dumps(m))
    _refused(loaded, folder, "eenheden.csv: het manifest noemt 812345 rijen, het bestand heeft er 6")
    with pytest.raises(DeliveryRejected, match="eenheden.csv: het manifest noemt 812345 rijen, het bestand heeft er 6"):
        verify_delivery(folder)


def test_truncated_file(loaded, day2_rows):
    folder = write_delivery(loaded.landing, DAY2, day2_rows, soort="delta")
    p = folder / "eenheden.csv"
    data = p.read_bytes()
    p.write_bytes(data[: data.rfind(b"\n", 0, len(data) - 1) + 1])  # last record cut off
    cut = "eenheden.csv: sha256 verschilt van het manifest; het bestand lijkt afgebroken na regel 6"
    msg = _refused(loaded, folder, cut)
    with pytest.raises(DeliveryRejected) as exc:
        verify_delivery(folder)
    # refused as what it is, and not parsed: no row count of the damaged bytes
    assert cut in str(exc.value) and "het bestand heeft er" not in str(exc.value)
    assert [f.klasse for f in exc.value.fouten] == ["afgebroken"] and exc.value.fouten[0].regel == 6
    assert "eenheden.csv" in msg


def test_file_cut_mid_record_is_reported_by_its_sha256_first(loaded, day2_rows):
    """The parse runs while the files are hashed; a file that differs from its manifest entry is
    reported as such, not by what the parse of the damaged bytes made of it."""
    folder = write_delivery(loaded.landing, DAY2, day2_rows, soort="delta")
    p = folder / "eenheden.csv"
    data = p.read_bytes()
    p.write_bytes(data[: data.rfind(b";", 0, len(data) - 1)])  # last record cut inside its fields
    msg = _refused(loaded, folder, "eenheden.csv: sha256 verschilt van het manifest; het bestand lijkt afgebroken")
    assert "CSV structure" not in msg and "rows, file has" not in msg


def test_missing_listed_file(loaded, day2_rows):
    folder = write_delivery(loaded.landing, DAY2, day2_rows, soort="delta")
    (folder / "zaken.csv").unlink()
    _refused(loaded, folder, "zaken.csv staat in het manifest maar ontbreekt")


def test_file_not_in_manifest(loaded, day2_rows):
    folder = write_delivery(loaded.landing, DAY2, day2_rows, soort="delta")
    m = json.loads((folder / "manifest.json").read_text())
    m["bestanden"] = [b for b in m["bestanden"] if b["naam"] != "boekingen.csv"]
    (folder / "manifest.json").write_text(json.dumps(m))
    _refused(loaded, folder, "boekingen.csv: staat niet in manifest.json")


def test_wrong_contract_version(loaded, day2_rows):
    folder = write_delivery(loaded.landing, DAY2, day2_rows, soort="delta")
    m = json.loads((folder / "manifest.json").read_text())
    m["contract_versie"] = "2.0"
    (folder / "manifest.json").write_text(json.dumps(m))
    _refused(loaded, folder, "contract_versie 2.0 wordt niet ondersteund (verwacht 1.x)")


def test_latin1_file_refused(loaded, day2_rows):
    day2_rows["complexen"][0]["naam"] = "Café de Hoek"
    folder = write_delivery(loaded.landing, DAY2, day2_rows, soort="delta")
    p = folder / "complexen.csv"
    text = p.read_bytes().decode("utf-8-sig")
    p.write_bytes(text.encode("latin-1"))
    rewrite_manifest(folder)  # the supplier's manifest matches its (wrong) bytes
    offset = text.encode("latin-1").index(b"\xe9")
    expected = f"complexen.csv is geen UTF-8: byte 0xE9 op regel 2, kolom 'naam' (positie {offset};"
    _refused(loaded, folder, expected, "Latin-1/Windows-1252", "exporteer het bestand opnieuw als UTF-8")
    with pytest.raises(DeliveryRejected) as exc:
        verify_delivery(folder)
    assert expected in str(exc.value)


def test_latin1_in_a_column_that_is_never_stored_is_refused(loaded, day2_rows):
    """naam is never read into the warehouse; the file is refused all the same, without the name."""
    day2_rows["relaties"][2]["naam"] = "Müller-Testpersoon"
    folder = write_delivery(loaded.landing, DAY2, day2_rows, soort="delta")
    p = folder / "relaties.csv"
    p.write_bytes(p.read_bytes().decode("utf-8-sig").encode("cp1252"))
    rewrite_manifest(folder)
    msg = _refused(loaded, folder, "relaties.csv is geen UTF-8: byte 0xFC op regel 4, kolom 'naam'", "Windows-1252")
    assert "Müller" not in msg and "M\ufffdller" not in msg


@pytest.mark.parametrize("bom", [True, False])
def test_utf16_file_refused(loaded, day2_rows, bom):
    folder = write_delivery(loaded.landing, DAY2, day2_rows, soort="delta")
    p = folder / "complexen.csv"
    text = p.read_bytes().decode("utf-8-sig")
    p.write_bytes(("\ufeff" if bom else "").encode("utf-16-le") + text.encode("utf-16-le"))
    rewrite_manifest(folder)
    msg = _refused(loaded, folder, "complexen.csv", "UTF-16", "exporteer het bestand opnieuw als UTF-8")
    assert "missing from the header" not in msg


def test_empty_file_refused(loaded, day2_rows):
    folder = write_delivery(loaded.landing, DAY2, day2_rows, soort="delta")
    (folder / "zaakstatussen.csv").write_bytes(b"")
    rewrite_manifest(folder)
    _refused(loaded, folder, "zaakstatussen.csv is leeg: het contract vraagt een kopregel")


def test_carriage_return_outside_a_line_end_names_the_line(loaded, day2_rows):
    folder = write_delivery(loaded.landing, DAY2, day2_rows, soort="delta")
    p = folder / "complexen.csv"
    lines = p.read_bytes().split(b"\n")
    lines[2] = lines[2].replace(b";Zuid;", b";Zu\rid;")  # unquoted: no field may hold it so
    p.write_bytes(b"\n".join(lines))
    rewrite_manifest(folder)
    _refused(
        loaded, folder, "complexen.csv is niet als CSV te lezen: regel 3, kolom 'wijk', bevat een carriage return (CR)"
    )


@pytest.mark.parametrize("chunk", [1, 2, 3, 4, 1 << 22])
def test_a_carriage_return_is_found_across_chunk_edges(tmp_path, monkeypatch, chunk):
    import woonsignaal.ingest.verify as verify

    monkeypatch.setattr(verify, "_CHUNK", chunk)
    p = tmp_path / "f.csv"
    for data, lone in [(b"a;b\r\n1;2\r\n", None), (b"a;b\r\n1;x\ry\r\n", 8), (b"a;b\n1;2\r", 7), (b"a;b\r\r\n", 3)]:
        p.write_bytes(data)
        assert verify._lone_carriage_return(p) == lone, data


def test_no_manifest_waits(loaded, day2_rows):
    folder = write_delivery(loaded.landing, DAY2, day2_rows, soort="delta", manifest=False)
    before = warehouse_snapshot(loaded.warehouse_path)
    with pytest.raises(DeliveryIncomplete, match="nog geen manifest.json"):
        load_delivery(folder, loaded, gx=False)
    assert warehouse_snapshot(loaded.warehouse_path) == before


def test_extractdatum_must_match_folder(loaded, day2_rows):
    folder = write_delivery(loaded.landing, DAY2, day2_rows, soort="delta")
    m = json.loads((folder / "manifest.json").read_text())
    m["extractdatum"] = "2026-01-12"
    (folder / "manifest.json").write_text(json.dumps(m))
    _refused(loaded, folder, "extractdatum 2026-01-12 past niet bij de mapnaam 2026-01-11")
