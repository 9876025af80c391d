"""Deltas hold the rows created or changed that day; changed rows come again whole, later."""

from __future__ import annotations

import datetime as dt

from woonsignaal import contract

from .conftest import read_dicts


def _ts(text):
    return dt.datetime.strptime(text, "%d-%m-%Y %H:%M:%S")


def _key(spec, row):
    return contract.COMPOSITE_KEY_SEPARATOR.join(row[k] for k in spec.key)


def test_delta_event_rows_changed_on_the_delta_day(small_sim):
    for folder in small_sim.deliveries[1:]:
        day = dt.date.fromisoformat(folder.name)
        for spec in contract.EVENT_FILES:
            for row in read_dicts(folder / spec.filename):
                assert _ts(row["gewijzigd_op"]).date() == day, (spec.name, row)


def test_volledig_holds_nothing_after_its_extract_date(small_sim):
    folder = small_sim.deliveries[0]
    end = dt.datetime(2026, 11, 22)
    for spec in contract.EVENT_FILES:
        assert all(_ts(r["gewijzigd_op"]) < end for r in read_dicts(folder / spec.filename)), spec.name


def test_changed_rows_come_again_whole_with_a_later_gewijzigd_op(small_sim):
    seen: dict[str, dict[str, dict]] = {}
    changed = {}
    for folder in small_sim.deliveries:
        for spec in contract.EVENT_FILES:
            store = seen.setdefault(spec.name, {})
            for row in read_dicts(folder / spec.filename):
                k = _key(spec, row)
                if k in store:
                    assert _ts(row["gewijzigd_op"]) > _ts(store[k]["gewijzigd_op"])
                    assert set(row) == set(store[k])
                    changed[spec.name] = changed.get(spec.name, 0) + 1
                store[k] = row
    # over three days: offers answered and publications moving on (cases close less often)
    assert changed.get("aanbiedingen", 0) > 0
    assert sum(changed.values()) >= 5


def test_open_rows_are_filled_in_when_they_close(small_sim):
    first = {r["publicatie_id"]: r for r in read_dicts(small_sim.deliveries[0] / "publicaties.csv")}
    assert any(r["reacties_aantal"] == "" and r["einddatum"] == "" for r in first.values())
    assert all(r["reacties_aantal"] != "" for r in first.values() if r["status"] == "AFG")


def test_verwijderingen_name_rows_delivered_before(small_sim):
    delivered: dict[str, set[str]] = {}
    deletions = 0
    for i, folder in enumerate(small_sim.deliveries):
        dels = read_dicts(folder / "verwijderingen.csv")
        if i == 0:
            assert dels == []
        for d in dels:
            assert d["tabel"] in contract.FILES_BY_NAME
            assert d["sleutel"] in delivered.get(d["tabel"], set()), d
            assert _ts(d["verwijderd_op"]).date() == dt.date.fromisoformat(folder.name)
            deletions += 1
        for spec in contract.EVENT_FILES:
            delivered.setdefault(spec.name, set()).update(_key(spec, r) for r in read_dicts(folder / spec.filename))
    assert deletions >= 3
    tables = {d["tabel"] for f in small_sim.deliveries[1:] for d in read_dicts(f / "verwijderingen.csv")}
    assert {"boekingen", "zaakbetrokkenen"} <= tables  # a simple and a composite key


def test_snapshots_are_complete_as_of_each_day(small_sim):
    counts = []
    for folder in small_sim.deliveries:
        ho = read_dicts(folder / "huurovereenkomsten.csv")
        day = dt.date.fromisoformat(folder.name)
        assert all(dt.datetime.strptime(h["begindatum"], "%d-%m-%Y").date() <= day for h in ho)
        counts.append(len(ho))
    assert counts == sorted(counts) and counts[0] > 2000
