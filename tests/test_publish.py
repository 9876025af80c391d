"""Write-audit-publish: nothing unaudited is visible, a failed audit leaves the last publication as it was."""

from __future__ import annotations

import hashlib
from datetime import date

import duckdb
import pytest
import yaml

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
            {"name": "signalen", **published, "columns": [
                {"name": c, **({"data_tests": ["unique", "not_null"]} if c == "signaal_id" else {})}
                for c in SIGNALEN_COLUMNS]},
            {"name": "fct_leegstand", **published, "columns": [
                {"name": "leegstand_id", "data_tests": ["unique"]}, {"name": "leegstand_dagen", "data_type": "bigint"}]},
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
    con.execute("create or replace table marts.fct_leegstand as select range as leegstand_id, range * 2 as leegstand_dagen from range(150)")
    con.execute("create or replace table marts.fct_contract_maand as select 'C1' as overeenkomst_id")
    for sql in extra_sql:
        con.execute(sql)
    con.close()


def _sha(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _publish(settings, day):
    candidate = publish.build_candidate(settings, day, "test")
    report = publish.audit_candidate(settings, candidate, day)
    return candidate, report


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
        ({"extra_sql": ["update marts.signalen set bovengrens = ondergrens - 1 where signaal_id = 's0'"]},
         "upper bound is not below its lower bound"),
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
    _make_warehouse(settings)
    candidate, _ = _publish(settings, date(2026, 11, 23))
    publish.publish_candidate(settings, candidate, date(2026, 11, 23), "test")
    orphan = settings.build_dir / "candidate-2026-11-24.duckdb"
    orphan.write_bytes(b"half written")
    stale = settings.published_dir / "parquet_versies" / "2026-11-24_half"
    stale.mkdir()
    removed = publish.cleanup_orphans(settings)
    assert orphan in removed and stale in removed
    assert (settings.parquet_dir / "signalen.parquet").exists()
