"""A simulated corporation's deliveries load with the Great Expectations raw suites; a systematic
fault that only the suites see (a snapshot that shrank by half) refuses the delivery."""

from __future__ import annotations

import pytest

from ingest.ingest_builder import rewrite_manifest, warehouse_snapshot
from woonsignaal.ingest import DeliveryRejected, load_delivery, scan_landing
from woonsignaal.settings import get_settings


def test_simulated_deliveries_load_with_gx_and_account_for_every_row(sim_copy, woonsignaal_home, caplog):
    import logging

    settings = get_settings()
    scan = scan_landing(sim_copy, settings.warehouse_path)
    assert len(scan.pending) == 3 and scan.deliveries[0].soort == "volledig" and not scan.gaps
    with caplog.at_level(logging.INFO, logger="woonsignaal.ingest"):
        first = load_delivery(scan.pending[0].path, settings, gx=True)
    progress = [r.getMessage() for r in caplog.records if r.name.startswith("woonsignaal.ingest")]
    assert progress[0].startswith(
        f"{scan.pending[0].extractdatum.isoformat()} (volledig): verifying and parsing 15 files"
    )
    parsed = [m for m in progress if m.startswith("parsed ")]
    assert len(parsed) == 15 and parsed[0].startswith("parsed referentiedata.csv: ")
    assert any(m.startswith("merged into woonsignaal.duckdb in ") for m in progress)
    assert "passed: 15/15 tables" in first.gx_summary
    for name, c in first.files.items():
        assert c.geladen + c.quarantaine == c.geleverd, name
    assert first.quarantaine == 0
    empty_files = 0
    for d in scan.pending[1:]:  # deltas: the suites pass files with no rows too
        r = load_delivery(d.path, settings, gx=True)
        assert r.status == "geladen" and r.soort == "delta"
        assert "passed: 15/15 tables" in r.gx_summary, r.gx_summary
        empty_files += sum(c.geleverd == 0 for c in r.files.values())
    assert empty_files > 0
    assert scan_landing(sim_copy, settings.warehouse_path).pending == []


def test_gx_row_count_against_previous_delivery_refuses(sim_copy, woonsignaal_home, monkeypatch):
    """Half the units gone: refused, with what to do when it is real; loaded once the tolerance is raised."""
    settings = get_settings()
    deliveries = scan_landing(sim_copy).deliveries
    load_delivery(deliveries[0].path, settings, gx=False)
    folder = deliveries[1].path
    p = folder / "eenheden.csv"
    lines = p.read_bytes().split(b"\n")
    keep = lines[: 1 + (len(lines) - 1) // 2]  # header + half of the units
    p.write_bytes(b"\n".join(keep) + b"\n")
    rewrite_manifest(folder, keep_counts=False)
    before = warehouse_snapshot(settings.warehouse_path)
    with pytest.raises(DeliveryRejected) as exc:
        load_delivery(folder, settings, gx=True)
    msg = str(exc.value)
    assert (
        "Great Expectations-controle van de levering afgekeurd: eenheden: row count close to the previous delivery's"
        in msg
    )
    assert "verschilt meer dan 20% (+ 5 rijen)" in msg and "WOONSIGNAAL_LEVERING_TOLERANTIE hoger" in msg
    assert "complexen" not in msg  # the other snapshot files kept their size
    assert warehouse_snapshot(settings.warehouse_path) == before
    monkeypatch.setenv("WOONSIGNAAL_LEVERING_TOLERANTIE", "0.6")
    assert load_delivery(folder, get_settings(), gx=True).status == "geladen"


def test_row_count_bounds():
    from woonsignaal.quality.raw_suites import row_count_bounds

    assert row_count_bounds(100, 0.2) == (75, 125)  # 20 % and 5 rows either way
    assert row_count_bounds(7, 0.2) == (1, 13)  # 5.6 -> at least 6 - 5, 8.4 -> at most 8 + 5
    assert row_count_bounds(0, 0.5) == (-5, 5)


def test_gx_failure_on_a_first_load_leaves_no_warehouse(sim_copy, woonsignaal_home):
    """The raw suites run before anything touches the warehouse: a first load they refuse leaves
    no warehouse file behind."""
    import csv

    from woonsignaal.simulate.writer import write_csv

    settings = get_settings()
    folder = scan_landing(sim_copy).deliveries[0].path
    p = folder / "eenheden.csv"
    header, *rows = list(csv.reader(p.read_text(encoding="utf-8-sig").splitlines(), delimiter=";"))
    col = header.index("bouwjaar")
    write_csv(p, header, ([*r[:col], "2999", *r[col + 1 :]] for r in rows))
    rewrite_manifest(folder)
    with pytest.raises(DeliveryRejected) as exc:
        load_delivery(folder, settings, gx=True)
    assert "Great Expectations-controle van de levering afgekeurd: eenheden" in str(exc.value) and "bouwjaar" in str(
        exc.value
    )
    assert list(settings.warehouse_path.parent.glob(settings.warehouse_path.name + "*")) == []


def test_scratch_spills_to_disk_in_a_fresh_home(woonsignaal_home, monkeypatch):
    """Past the memory limit the scratch spills to the build folder, which a fresh home lacks."""
    from woonsignaal.ingest.load import open_scratch
    from woonsignaal.settings import get_settings

    monkeypatch.setenv("WOONSIGNAAL_INGEST_MEMORY_LIMIT", "64MB")
    settings = get_settings()
    assert not settings.build_dir.exists()
    _, con = open_scratch(settings)
    try:
        con.execute(
            "create table t as select range::varchar || repeat('x', 50) as s, random() as r from range(1000000)"
        )
        con.execute("create table u as select * from t order by r")
        assert con.execute("select count(*) from u").fetchone()[0] == 1000000
    finally:
        con.close()
    assert settings.duckdb_temp_dir.is_dir()


def test_an_error_in_the_merge_rolls_back_while_the_suites_run(sim_copy, woonsignaal_home, monkeypatch):
    """The raw suites run beside the merge: an error there leaves the warehouse as it was (no file
    after a first load), and the suites' thread has ended before the load returns."""
    import threading

    import woonsignaal.ingest.load as load

    settings = get_settings()
    deliveries = scan_landing(sim_copy).deliveries

    def broken(con, d):
        raise RuntimeError("disk full")

    with monkeypatch.context() as m:
        m.setattr(load, "_apply_deletions", broken)
        with pytest.raises(RuntimeError, match="disk full"):
            load_delivery(deliveries[0].path, settings, gx=True)
        assert list(settings.warehouse_path.parent.glob(settings.warehouse_path.name + "*")) == []
        assert not any(t.name.startswith("gx-raw-suites") for t in threading.enumerate())

    load_delivery(deliveries[0].path, settings, gx=False)
    before = warehouse_snapshot(settings.warehouse_path)
    with monkeypatch.context() as m:
        m.setattr(load, "_apply_deletions", broken)
        with pytest.raises(RuntimeError, match="disk full"):
            load_delivery(deliveries[1].path, settings, gx=True)
    assert warehouse_snapshot(settings.warehouse_path) == before
    assert not any(t.name.startswith("gx-raw-suites") for t in threading.enumerate())
    assert load_delivery(deliveries[1].path, settings, gx=True).status == "geladen"


def test_a_key_the_raw_suites_find_twice_is_quarantined_as_without_them(
    sim_copy, woonsignaal_home, monkeypatch, tmp_path, caplog
):
    """With the suites the parse does not search for duplicate keys; when the suites find one, the load
    starts again with the search. The warehouse is the same as a load whose parse searched at once."""
    import logging

    from tests.demo_env import demo_environment

    folder = scan_landing(sim_copy).deliveries[0].path
    for name, index in (("boekingen", 7), ("zaakstatussen", 3)):  # a single key, and a composite one
        p = folder / f"{name}.csv"
        lines = p.read_bytes().split(b"\n")
        lines.insert(len(lines) - 1, lines[index])  # the record of line `index + 1` once more, at the end
        p.write_bytes(b"\n".join(lines))
    rewrite_manifest(folder, keep_counts=False)

    settings = get_settings()
    with caplog.at_level(logging.INFO, logger="woonsignaal.ingest"):
        result = load_delivery(folder, settings, gx=True)
    assert result.status == "geladen" and "passed: 15/15 tables" in result.gx_summary
    assert any(
        "a key occurs more than once in boekingen, zaakstatussen; parsing again" in r.getMessage()
        for r in caplog.records
    )
    assert (result.files["boekingen"].quarantaine, result.files["zaakstatussen"].quarantaine) == (2, 2)
    with_suites = warehouse_snapshot(settings.warehouse_path)
    quarantined = {(bestand, regel) for _, bestand, regel, *_ in with_suites["raw.quarantaine"]}
    assert {("boekingen.csv", 8), ("zaakstatussen.csv", 4)} <= quarantined  # the first copies

    with monkeypatch.context() as m:  # the same delivery, the parse searching from the start
        demo_environment(m, tmp_path / "zonder-gx")
        plain = get_settings()
        load_delivery(folder, plain, gx=False)
        without = warehouse_snapshot(plain.warehouse_path)
    timestamps = {"raw.leveringen": 6, "raw.quarantaine": 6}  # geladen_op, geregistreerd_op: load times
    for table in with_suites:
        cut = timestamps.get(table)
        strip = (
            (lambda rows, cut=cut: [r[:cut] + r[cut + 1 :] for r in rows]) if cut is not None else (lambda rows: rows)
        )
        assert strip(with_suites[table]) == strip(without[table]), table
