"""Every delivery holds every contract file with the contract's columns, and a correct manifest."""

from __future__ import annotations

import hashlib
import json

from woonsignaal import contract

from .conftest import read_delivered


def test_deliveries_are_named_by_extract_date_volledig_first(small_sim):
    names = [p.name for p in small_sim.deliveries]
    assert names == ["2026-11-21", "2026-11-22", "2026-11-23", "2026-11-24"]
    soorten = [json.loads((p / "manifest.json").read_text())["soort"] for p in small_sim.deliveries]
    assert soorten == ["volledig", "delta", "delta", "delta"]


def test_every_file_and_column_in_contract_order(small_sim):
    for folder in small_sim.deliveries:
        present = sorted(p.name for p in folder.glob("*.csv"))
        assert present == sorted(f.filename for f in contract.FILES)
        for spec in contract.FILES:
            header, _ = read_delivered(folder / spec.filename)
            expected = contract.REFERENTIEDATA_HEADER if spec is contract.REFERENTIEDATA else spec.column_names
            assert header == expected, spec.filename


def test_manifest_counts_records_and_hashes_bytes(small_sim):
    for folder in small_sim.deliveries:
        m = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        assert m["contract_versie"] == contract.CONTRACT_VERSION
        assert m["extractdatum"] == folder.name
        assert m["aangemaakt_op"].endswith("+01:00")  # November: CET
        assert {"bron", "corporatie", "bestanden"} <= set(m)
        assert [b["naam"] for b in m["bestanden"]] == [f.filename for f in contract.FILES]
        for b in m["bestanden"]:
            path = folder / b["naam"]
            assert b["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
            _, rows = read_delivered(path)
            assert b["rijen"] == len(rows), b["naam"]


def test_manifest_is_written_last(small_sim):
    for folder in small_sim.deliveries:
        manifest_time = (folder / "manifest.json").stat().st_mtime_ns
        assert all(p.stat().st_mtime_ns <= manifest_time for p in folder.glob("*.csv"))


def test_volledig_event_files_hold_history_and_deltas_are_small(small_sim):
    first = small_sim.deliveries[0]
    m0 = {b["naam"]: b["rijen"] for b in json.loads((first / "manifest.json").read_text())["bestanden"]}
    assert m0["boekingen.csv"] > 100_000  # 3 years of monthly charges and payments for ~2,000 tenancies
    assert m0["verwijderingen.csv"] == 0
    for folder in small_sim.deliveries[1:]:
        m = {b["naam"]: b["rijen"] for b in json.loads((folder / "manifest.json").read_text())["bestanden"]}
        assert m["eenheden.csv"] == m0["eenheden.csv"] == 2000  # snapshots complete
        assert 0 < m["boekingen.csv"] < m0["boekingen.csv"] / 100
