"""Write-audit-publish: nothing unaudited is visible, a failed audit leaves the last publication as it was."""

from __future__ import annotations

import hashlib
import os
from datetime import date

import duckdb
import pytest
import yaml
from tests.lock_holder import held_read_write

from woonsignaal import publish
from woonsignaal.contract import SIGNALEN_COLUMNS
from woonsignaal.quality.mart_suites import write_mart_suites
from woonsignaal.settings import get_settings


@pytest.fixture(autouse=True)
def mart_definitions(tmp_path, monkeypatch):
    """A dbt project with two published marts and one internal one, and their generated suites."""
    project = tmp_path / "dbt_project"
    folder = project / "models" / "marts" / "test"
    folder.mkdir(parents=True)
    (project / "dbt_project.yml").write_text("name: woonsignaal\nmodels:\n  woonsignaal: {}\n")
    published = {"config": {"access": "public", "contract": {"enforced": True}}}
    models = {
        "version": 2,
        "models": [
            {
                "name": "signalen",
                **published,
                "columns": [
                    {"name": c, **({"data_tests": ["unique", "not_null"]} if c == "signaal_id" else {})}
                    for c in SIGNALEN_COLUMNS
                ],
            },
            {
                "name": "fct_leegstand",
                **published,
                "columns": [
                    {"name": "leegstand_id", "data_tests": ["unique"]},
                    {"name": "leegstand_dagen", "data_type": "bigint"},
                ],
            },
            {"name": "fct_contract_maand", "columns": [{"name": "overeenkomst_id"}]},
        ],
    }
    (folder / "_test__models.yml").write_text(yaml.safe_dump(models))
    expectations = tmp_path / "expectations"
    write_mart_suites(project, expectations / "marts")
    monkeypatch.setenv("WOONSIGNAAL_DBT_PROJECT", str(project))
    monkeypatch.setenv("WOONSIGNAAL_EXPECTATIONS", str(expectations))
    return project


def _make_warehouse(settings, signalen_n=(25, 40), extra_sql=()):
    settings.ensure_dirs()
    con = duckdb.connect(str(settings.warehouse_path))
    con.execute("create schema if not exists marts")
    cols = ", ".join(f"{c} {t}" for c, t in SIGNALEN_COLUMNS.items())
    con.execute("drop table if exists marts.signalen")
    con.execute(f"create table marts.signalen ({cols})")
    for i, n in enumerate(signalen_n):
        con.execute(
            "insert into marts.signalen values (?, 'verhuur', 'leegstandsduur', 'lift=N', date '2025-11-01',"
            " date '2026-10-31', 61, 25, 2.44, 1.8, 3.1, ?, 'hoog', 'slechter', 'Zin.')",
            [f"s{i}", n],
        )
    con.execute(
        "create or replace table marts.fct_leegstand as select range as leegstand_id, range * 2 as "
        "leegstand_dagen from range(150)"
    )
    con.execute("create or replace table marts.fct_contract_maand as select 'C1' as overeenkomst_id")
    for sql in extra_sql:
        con.execute(sql)
    con.close()


def _sha(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _publish(settings, day, run_id="test"):
    publish.stamp_build(settings.warehouse_path, day, run_id)  # what the dbt_build step does after a build
    candidate = publish.build_candidate(settings, day, run_id)
    report = publish.audit_candidate(settings, candidate, day, run_id)
    return candidate, report


def _publish_night(settings, day, signalen_n=(25, 40)):
    """Build, audit and publish one night (the last good publication a test starts from)."""
    _make_warehouse(settings, signalen_n=signalen_n)
    candidate, report = _publish(settings, day)
    assert report.success, report.summary()
    return publish.publish_candidate(settings, candidate, day, "test")


def test_publish_copies_every_mart_and_run_history(woonsignaal_home):
    settings = get_settings()
    _make_warehouse(settings)
    candidate, report = _publish(settings, date(2026, 11, 24))
    assert report.success, report.summary()
    assert not settings.published_path.exists()  # audited but not yet visible
    info = publish.publish_candidate(settings, candidate, date(2026, 11, 24), "test")
    assert not candidate.exists()
    con = duckdb.connect(str(settings.published_path), read_only=True)
    assert con.execute("select count(*) from marts.signalen").fetchone()[0] == 2
    assert con.execute("select count(*) from marts.fct_leegstand").fetchone()[0] == 150
    assert sorted(info["marts"]) == ["fct_leegstand", "pipeline_runs", "signalen"]  # internal facts stay inside
    con.close()
    assert (settings.parquet_dir / "signalen.parquet").exists()
    assert settings.parquet_dir.is_symlink()


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"signalen_n": (25, 4)}, "minimale groepsgrootte"),
        ({"extra_sql": ["alter table marts.fct_leegstand add column bsn varchar"]}, "persoonsgegevens"),
        ({"extra_sql": ["alter table marts.signalen drop column toelichting"]}, "sectie 6"),
        ({"extra_sql": ["drop table marts.signalen"]}, "missing from the working warehouse"),
        (
            {"extra_sql": ["update marts.signalen set bovengrens = ondergrens - 1 where signaal_id = 's0'"]},
            "upper bound is not below its lower bound",
        ),
        ({"extra_sql": ["delete from marts.fct_leegstand where leegstand_id >= 20"]}, "row count within 50%"),
        ({"extra_sql": ["insert into marts.fct_leegstand values (1000, -3)"]}, "never negative"),
    ],
)
def test_failed_audit_keeps_previous_publication(woonsignaal_home, kwargs, message):
    settings = get_settings()
    _make_warehouse(settings)
    candidate, report = _publish(settings, date(2026, 11, 23))
    publish.publish_candidate(settings, candidate, date(2026, 11, 23), "test")
    before = _sha(settings.published_path)
    parquet_before = settings.parquet_dir.resolve()

    _make_warehouse(settings, **kwargs)
    try:
        candidate, report = _publish(settings, date(2026, 11, 24))
    except RuntimeError as exc:  # the write step itself refused
        assert message in str(exc)
    else:
        assert not report.success
        assert message in report.summary()
    assert _sha(settings.published_path) == before
    assert settings.parquet_dir.resolve() == parquet_before
    assert publish.published_info(settings)["extractdatum"] == "2026-11-23"


def test_reader_holding_the_file_open_during_publication(woonsignaal_home):
    settings = get_settings()
    _make_warehouse(settings, signalen_n=(25,))
    candidate, _ = _publish(settings, date(2026, 11, 23))
    publish.publish_candidate(settings, candidate, date(2026, 11, 23), "test")

    reader = duckdb.connect(str(settings.published_path), read_only=True)
    assert reader.execute("select count(*) from marts.signalen").fetchone()[0] == 1

    _make_warehouse(settings, signalen_n=(25, 30, 35))
    candidate, report = _publish(settings, date(2026, 11, 24))
    assert report.success
    publish.publish_candidate(settings, candidate, date(2026, 11, 24), "test")

    # the open reader keeps a consistent view of the old version; a new reader sees the new one
    assert reader.execute("select count(*) from marts.signalen").fetchone()[0] == 1
    reader.close()
    fresh = duckdb.connect(str(settings.published_path), read_only=True)
    assert fresh.execute("select count(*) from marts.signalen").fetchone()[0] == 3
    fresh.close()


def test_orphans_of_a_killed_run_are_cleaned(woonsignaal_home):
    settings = get_settings()
    _publish_night(settings, date(2026, 11, 23))
    orphan = settings.build_dir / "candidate-2026-11-24.duckdb"
    orphan.write_bytes(b"half written")
    stale = settings.published_dir / "versies" / "2026-11-24_20991231T000000Z"
    (stale / "parquet").mkdir(parents=True)  # a version folder a killed publication left unfinished
    removed = publish.cleanup_orphans(settings)
    assert orphan in removed and stale in removed
    assert (settings.parquet_dir / "signalen.parquet").exists()


def _night_seen_by_a_reader(settings):
    """(publicatie.json's night, rows in the DuckDB file's signalen, rows in the signalen Parquet)."""
    info = publish.published_info(settings)
    con = duckdb.connect(str(settings.published_path), read_only=True)
    try:
        in_file = con.execute("select count(*) from marts.signalen").fetchone()[0]
    finally:
        con.close()
    in_parquet = (
        duckdb.connect().execute(f"select count(*) from '{settings.parquet_dir / 'signalen.parquet'}'").fetchone()[0]
    )
    return info["extractdatum"], in_file, in_parquet


class _Killed(BaseException):
    """A kill -9 right after a rename: nothing after it runs."""


@pytest.mark.parametrize("kill_after", [1, 2, 3, 4])
def test_a_kill_after_any_rename_of_a_publication_leaves_one_whole_night(woonsignaal_home, monkeypatch, kill_after):
    """Issue 20 point 10: the DuckDB file, the Parquet and publicatie.json always show the same night."""
    settings = get_settings()
    _publish_night(settings, date(2026, 11, 23), signalen_n=(25, 30))
    assert _night_seen_by_a_reader(settings) == ("2026-11-23", 2, 2)

    _make_warehouse(settings, signalen_n=(25, 30, 35))
    candidate, report = _publish(settings, date(2026, 11, 24))
    assert report.success
    real_replace, calls = os.replace, []

    def replace_then_die(src, dst):
        real_replace(src, dst)
        calls.append(dst)
        if len(calls) == kill_after:
            raise _Killed

    monkeypatch.setattr(os, "replace", replace_then_die)
    try:
        publish.publish_candidate(settings, candidate, date(2026, 11, 24), "test")
    except _Killed:
        pass
    monkeypatch.setattr(os, "replace", real_replace)
    assert _night_seen_by_a_reader(settings) in {("2026-11-23", 2, 2), ("2026-11-24", 3, 3)}


def test_a_publication_is_one_version_folder_behind_stable_paths(woonsignaal_home):
    settings = get_settings()
    for day, n in ((23, (25,)), (24, (25, 30)), (25, (25, 30, 35)), (26, (25, 30)), (27, (25,))):
        info = _publish_night(settings, date(2026, 11, day), signalen_n=n)
    current = publish.current_version_dir(settings)
    assert current == (settings.published_dir / "versies" / info["versie"]).resolve()
    for name in ("woonsignaal.duckdb", "parquet", "publicatie.json"):
        path = settings.published_dir / name
        assert path.is_symlink() and path.resolve() == current / name  # the stable path BI tools open
    assert _night_seen_by_a_reader(settings) == ("2026-11-27", 1, 1)
    kept = sorted(p.name for p in (settings.published_dir / "versies").iterdir())
    assert len(kept) == publish.KEEP_VERSIONS and kept[-1] == info["versie"]  # old versions are bounded


def test_an_old_layout_is_replaced_by_the_versioned_one(woonsignaal_home):
    """A home published before versioned publications (a plain file, a parquet link into parquet_versies)."""
    settings = get_settings()
    _make_warehouse(settings)
    candidate, _ = _publish(settings, date(2026, 11, 23))
    settings.published_dir.mkdir(parents=True, exist_ok=True)
    (settings.published_dir / "parquet_versies" / "2026-11-23_x").mkdir(parents=True)
    (settings.published_dir / "parquet").symlink_to("parquet_versies/2026-11-23_x")
    os.replace(candidate, settings.published_path)
    (settings.published_dir / "publicatie.json").write_text('{"extractdatum": "2026-11-23"}')
    _make_warehouse(settings, signalen_n=(25, 30, 35))
    candidate, report = _publish(settings, date(2026, 11, 24))
    assert report.success, report.summary()
    publish.publish_candidate(settings, candidate, date(2026, 11, 24), "test")
    assert _night_seen_by_a_reader(settings) == ("2026-11-24", 3, 3)
    assert not (settings.published_dir / "parquet_versies").exists()


def test_a_bi_client_holding_the_published_file_read_write_does_not_fail_the_night(woonsignaal_home):
    """Issue 20 point 12: the night no longer opens the published file at all."""
    settings = get_settings()
    _publish_night(settings, date(2026, 11, 23))
    with held_read_write(settings.published_path):
        _publish_night(settings, date(2026, 11, 24), signalen_n=(25, 30, 35))
    assert _night_seen_by_a_reader(settings) == ("2026-11-24", 3, 3)


@pytest.mark.parametrize(
    "stamp, message",
    [
        ((date(2026, 11, 23), "test"), "gebouwd uit levering 2026-11-23, niet uit levering 2026-11-24"),
        ((date(2026, 11, 24), "andere-run"), "gebouwd door run andere-run, niet door deze run test"),
        (None, "geen bouwstempel"),
    ],
)
def test_the_audit_refuses_marts_built_from_another_delivery_or_run(woonsignaal_home, stamp, message):
    """Issue 20 point 2: a candidate whose marts another run rebuilt is never published as this night."""
    settings = get_settings()
    _make_warehouse(settings)
    publish.stamp_build(settings.warehouse_path, *(stamp or (None, None)))
    candidate = publish.build_candidate(settings, date(2026, 11, 24), "test")
    report = publish.audit_candidate(settings, candidate, date(2026, 11, 24), "test")
    assert not report.success and message in report.summary()
