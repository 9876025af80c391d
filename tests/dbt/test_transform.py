"""woonsignaal.transform: results per node, a readable summary, docs, the DuckDB file released after a run."""

from __future__ import annotations

import logging

import duckdb

from woonsignaal.raw_schema import create_raw_tables
from woonsignaal.settings import get_settings
from woonsignaal.transform import run_dbt_build, run_dbt_docs_generate


def test_failed_node_is_reported_and_the_file_is_released(woonsignaal_home, caplog):
    settings = get_settings()
    settings.ensure_dirs()
    con = duckdb.connect(str(settings.warehouse_path))
    create_raw_tables(con)
    con.close()
    caplog.set_level(logging.INFO, logger="woonsignaal.transform")

    ok = run_dbt_build(
        settings, select="+int_huurovereenkomsten", vars={"extractdatum": "2026-11-24"}, generate_docs=False
    )
    assert ok.success, ok.summary()
    assert {n.name for n in ok.nodes} >= {
        "stg_raw__huurovereenkomsten",
        "int_huurovereenkomsten",
        "referentiedata_codes",
    }
    assert {n.status for n in ok.nodes} == {"success", "pass"}
    assert any("int_huurovereenkomsten" in r.getMessage() for r in caplog.records)

    # a source fault: the same agreement twice in the current snapshot -> the key test fails
    con = duckdb.connect(str(settings.warehouse_path))
    for _ in range(2):
        con.execute(
            "insert into raw.huurovereenkomsten (overeenkomst_id, eenheid_id, relatie_id, begindatum, status, "
            "_geldig_vanaf) values ('O1', 'E1', 'R1', date '2025-01-01', 'LOP', date '2026-11-01')"
        )
    con.close()
    bad = run_dbt_build(
        settings, select="int_huurovereenkomsten", vars={"extractdatum": "2026-11-24"}, generate_docs=False
    )
    assert not bad.success
    failed = [n.unique_id for n in bad.failed]
    assert len(failed) == 1 and failed[0].startswith("test.woonsignaal.unique_int_huurovereenkomsten_overeenkomst_id")
    assert bad.failed[0].failures == 1
    text = bad.summary()
    assert "MISLUKT" in text and failed[0] in text and "(1 rijen)" in text
    assert bad.to_dict()["failed"] == failed

    # dbt-duckdb's cached connection is closed: the file opens read-only in this very process
    con = duckdb.connect(str(settings.warehouse_path), read_only=True)
    assert con.execute("select count(*) from intermediate.int_huurovereenkomsten").fetchone() == (2,)
    con.close()


def test_docs_are_generated_for_the_built_warehouse(built):
    index = run_dbt_docs_generate(get_settings_for(built))
    assert index.name == "index.html" and index.exists()
    catalog = (index.parent / "catalog.json").read_text()
    assert "model.woonsignaal.fct_leegstand" in catalog and "leegstand_dagen" in catalog


def get_settings_for(built):
    import os

    saved = os.environ.get("WOONSIGNAAL_HOME")
    os.environ["WOONSIGNAAL_HOME"] = str(built.home)
    try:
        return get_settings()
    finally:
        if saved is None:
            os.environ.pop("WOONSIGNAAL_HOME", None)
        else:
            os.environ["WOONSIGNAAL_HOME"] = saved


def test_docs_are_regenerated_only_when_the_project_changes(woonsignaal_home, tmp_path, monkeypatch, caplog):
    import shutil

    from woonsignaal.transform import DOCS_STAMP, project_fingerprint

    project = tmp_path / "dbt_project"
    shutil.copytree(get_settings().dbt_project_dir, project, ignore=shutil.ignore_patterns("target", "logs"))
    monkeypatch.setenv("WOONSIGNAAL_DBT_PROJECT", str(project))
    settings = get_settings()
    assert settings.dbt_project_dir == project
    settings.ensure_dirs()
    con = duckdb.connect(str(settings.warehouse_path))
    create_raw_tables(con)
    con.close()
    caplog.set_level(logging.INFO, logger="woonsignaal.transform")

    build = dict(select="+int_huurovereenkomsten", vars={"extractdatum": "2026-11-24"})
    assert run_dbt_build(settings, **build).success
    catalog = settings.dbt_dir / "target" / "catalog.json"
    first = catalog.stat().st_mtime_ns
    fingerprint = (settings.dbt_dir / "target" / DOCS_STAMP).read_text()
    assert fingerprint == project_fingerprint(settings)

    assert run_dbt_build(settings, **build).success
    assert catalog.stat().st_mtime_ns == first
    assert any("project unchanged" in r.getMessage() for r in caplog.records)

    # a changed model (or another target) changes the fingerprint; the next build regenerates the docs
    model = project / "models" / "intermediate" / "core" / "int_huurovereenkomsten.sql"
    model.write_text(model.read_text() + "\n-- changed\n")
    assert project_fingerprint(settings) != fingerprint
    assert project_fingerprint(settings, "postgres") != project_fingerprint(settings)
    assert run_dbt_build(settings, **build).success
    assert catalog.stat().st_mtime_ns > first
    assert (settings.dbt_dir / "target" / DOCS_STAMP).read_text() == project_fingerprint(settings)


def test_the_target_output_is_rendered_as_dbt_renders_it(woonsignaal_home, monkeypatch):
    """The signal step connects where dbt builds: profiles.yml rendered with the environment the runner
    gives dbt (the working warehouse of these settings), in one place (woonsignaal.transform)."""
    from woonsignaal.transform import dbt_target_output, dbt_target_type

    monkeypatch.setenv("WOONSIGNAAL_PG_PORT", "5499")
    monkeypatch.delenv("WOONSIGNAAL_DBT_TARGET", raising=False)
    settings = get_settings()
    assert dbt_target_output(settings)["path"] == str(settings.warehouse_path)
    postgres = dbt_target_output(settings, "postgres")
    assert (postgres["type"], int(postgres["port"])) == ("postgres", 5499)
    assert dbt_target_type(settings) == "duckdb" and dbt_target_type(settings, "postgres") == "postgres"
