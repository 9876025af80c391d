"""The writer helpers other tests use to write (corrupted) copies of deliveries."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json

import pandas as pd

from woonsignaal import contract
from woonsignaal.simulate.writer import (
    NULL_INT,
    count_csv_records,
    format_bool,
    format_cents,
    format_date,
    format_decimal,
    format_timestamp,
    read_csv,
    write_csv,
    write_frame,
    write_manifest,
)


def test_format_helpers():
    assert format_date(dt.date(2026, 2, 3)) == "03-02-2026"
    assert format_timestamp(dt.datetime(2026, 2, 3, 4, 5, 6)) == "03-02-2026 04:05:06"
    assert format_decimal(-1234.5) == "-1234,50"
    assert format_decimal(-0.001) == "0,00"
    assert format_cents(-123456) == "-1234,56" and format_cents(5) == "0,05"
    assert format_bool(True) == "J" and format_bool(False) == "N" and format_bool(None) is None
    assert format_date(None) is None


def test_write_csv_quotes_what_needs_quoting(tmp_path):
    p = tmp_path / "x.csv"
    rows = [["1", 'Jansen; "Piet"', "regel 1\nregel 2"], ["2", None, "gewoon"]]
    n = write_csv(p, ["id", "naam", "tekst"], rows, crlf=True)
    assert n == 2
    raw = p.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and b"\r\n" in raw
    back = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline=""), delimiter=";"))
    assert back == [["id", "naam", "tekst"], ["1", 'Jansen; "Piet"', "regel 1\nregel 2"], ["2", "", "gewoon"]]
    assert count_csv_records(p) == 2
    write_csv(p, ["id"], [["1"]], bom=False)
    assert not p.read_bytes().startswith(b"\xef\xbb\xbf")


def test_write_frame_formats_by_contract_type_and_allows_another_column_order(tmp_path):
    df = pd.DataFrame(
        {
            "boeking_id": [1, 2],
            "overeenkomst_id": ["A1", "A2"],
            "boekdatum": [20_000, 20_001],
            "vervaldatum": [20_000, NULL_INT],
            "detailsoort": ["PRO", "BAN"],
            "bedrag": [123456, -5],
            "gewijzigd_op": [20_000 * 86400 + 3723, 20_001 * 86400],
        }
    )
    p = tmp_path / "boekingen.csv"
    order = list(reversed(contract.BOEKINGEN.column_names))
    assert write_frame(p, df, contract.BOEKINGEN, columns=order) == 2
    rows = list(csv.DictReader(io.StringIO(p.read_text(encoding="utf-8-sig"), newline=""), delimiter=";"))
    assert list(rows[0]) == order
    assert rows[0]["boekdatum"] == "04-10-2024" and rows[0]["gewijzigd_op"] == "04-10-2024 01:02:03"
    assert rows[0]["bedrag"] == "1234,56" and rows[1]["bedrag"] == "-0,05"
    assert rows[1]["vervaldatum"] == "" and rows[1]["overeenkomst_id"] == "A2"


def test_write_manifest_counts_records_and_hashes(tmp_path):
    write_csv(tmp_path / "zaken.csv", ["zaak_id", "omschrijving"], [["1", "a\nb"], ["2", "c"]])
    write_csv(tmp_path / "complexen.csv", ["complex_id"], [])
    path = write_manifest(
        tmp_path, extractdatum=dt.date(2026, 7, 1), soort="delta", aangemaakt_op=dt.datetime(2026, 7, 2, 2, 0, 0)
    )
    m = json.loads(path.read_text())
    assert m["aangemaakt_op"] == "2026-07-02T02:00:00+02:00"  # summer time
    assert m["soort"] == "delta" and m["extractdatum"] == "2026-07-01"
    files = {b["naam"]: b for b in m["bestanden"]}
    assert [b["naam"] for b in m["bestanden"]] == ["complexen.csv", "zaken.csv"]  # contract order
    assert files["zaken.csv"]["rijen"] == 2 and files["complexen.csv"]["rijen"] == 0
    assert files["zaken.csv"]["sha256"] == hashlib.sha256((tmp_path / "zaken.csv").read_bytes()).hexdigest()


def test_read_then_write_a_corrupted_copy(small_sim, tmp_path):
    src = small_sim.deliveries[0] / "zaken.csv"
    header, rows = read_csv(src)
    assert header[0] == "zaak_id" and any("\n" in r[header.index("omschrijving")] for r in rows)
    # drop a required column and write the copy in the same dialect; the manifest follows the copy
    i = header.index("registratiedatum")
    n = write_csv(tmp_path / "zaken.csv", header[:i] + header[i + 1 :], [r[:i] + r[i + 1 :] for r in rows])
    assert n == len(rows)
    again_header, again = read_csv(tmp_path / "zaken.csv")
    assert "registratiedatum" not in again_header and len(again) == len(rows)
    m = json.loads(
        write_manifest(
            tmp_path,
            extractdatum=dt.date(2026, 11, 21),
            soort="volledig",
            aangemaakt_op=dt.datetime(2026, 11, 22, 2, 0),
        ).read_text()
    )
    assert m["bestanden"] == [
        {
            "naam": "zaken.csv",
            "rijen": len(rows),
            "sha256": hashlib.sha256((tmp_path / "zaken.csv").read_bytes()).hexdigest(),
        }
    ]
