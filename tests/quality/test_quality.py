"""The GX runner and the generated raw suites."""

from __future__ import annotations

import json

import duckdb

from woonsignaal.contract import FILES
from woonsignaal.quality import generate_raw_suites, validate
from woonsignaal.quality.raw_suites import code_parameters, dumps, scratch_columns
from woonsignaal.settings import PROJECT_ROOT, get_settings


def test_committed_raw_suites_equal_generated():
    generated = generate_raw_suites()
    folder = PROJECT_ROOT / "expectations" / "raw"
    assert sorted(p.stem for p in folder.glob("*.json")) == sorted(f.name for f in FILES)
    for name, suite in generated.items():
        committed = (folder / f"{name}.json").read_text(encoding="utf-8")
        assert committed == dumps(suite), (
            f"expectations/raw/{name}.json is stale: run python -m woonsignaal.quality.raw_suites"
        )


def test_raw_suites_cover_the_contract():
    suites = generate_raw_suites()
    eenheden = suites["eenheden"]["expectations"]
    types = [e["type"] for e in eenheden]
    e = next(f for f in FILES if f.name == "eenheden")
    assert types.count("expect_column_values_to_not_be_null") == len(e.required_columns) == 6
    assert "expect_column_unique_value_count_to_be_between" in types
    codes = [e for e in eenheden if e["type"] == "expect_column_values_to_be_in_set"]
    assert [e["kwargs"]["column"] for e in codes] == ["soort", "detailsoort", "energielabel", "huurklasse"]
    assert codes[0]["kwargs"]["value_set"] == {"$PARAMETER": "codes_EENHEIDSOORT"}
    rel = suites["relaties"]["expectations"][0]["kwargs"]["column_set"]
    assert rel == scratch_columns(next(f for f in FILES if f.name == "relaties"))
    assert not {"naam", "email", "telefoon", "iban", "bsn"} & set(rel) and {"iban_hash", "bsn_hash"} <= set(rel)
    zs = [e["type"] for e in suites["zaakstatussen"]["expectations"]]
    assert "expect_compound_columns_to_be_unique" in zs


def test_raw_key_expectation_fails_on_a_duplicate_key_and_passes_an_empty_file(woonsignaal_home, tmp_path):
    """Distinct keys = rows, with the row count passed as a suite parameter; the empty files of a
    delta pass (a proportion of unique values is 0 there)."""
    key_expectation = next(
        e for e in generate_raw_suites()["eenheden"]["expectations"] if e["description"] == "key is unique"
    )
    db = tmp_path / "k.duckdb"
    con = duckdb.connect(str(db))
    con.execute("create table dubbel as select 'E' || (i % 999) as eenheid_id from range(1000) r(i)")  # E0 twice
    con.execute("create table uniek as select 'E' || i as eenheid_id from range(1000) r(i)")
    con.execute("create table leeg as select * from uniek limit 0")
    con.close()
    settings = get_settings()
    results = {}
    for table, rows in [("dubbel", 1000), ("uniek", 1000), ("leeg", 0)]:
        results[table] = validate(
            db,
            _suite(tmp_path / table, table, [key_expectation]),
            settings=settings,
            expectation_parameters={"rijen_eenheden": rows},
        )
    assert not results["dubbel"].success and [f.column for f in results["dubbel"].failures] == ["eenheid_id"]
    assert results["uniek"].success and results["uniek"].evaluated == 1
    assert results["leeg"].success and results["leeg"].evaluated == 1


def test_raw_code_expectation_checks_the_code_lists_passed_as_parameters(woonsignaal_home, tmp_path):
    """The loader passes the delivery's code lists (referentiedata plus eigen lijsten); a code outside
    its list fails, an empty code is left to the required-field check, and a list the delivery has no
    codes for refuses every code."""
    soort = next(
        e
        for e in generate_raw_suites()["eenheden"]["expectations"]
        if e["type"] == "expect_column_values_to_be_in_set" and e["kwargs"]["column"] == "soort"
    )
    db = tmp_path / "c.duckdb"
    con = duckdb.connect(str(db))
    con.execute("create table bekend as select * from (values ('WON'), ('BOG'), (null)) v(soort)")
    con.execute("create table onbekend as select * from (values ('WON'), ('XYZ')) v(soort)")
    con.close()
    settings = get_settings()
    parameters = code_parameters({"EENHEIDSOORT": ["WON", "BOG", "WON"], "ANDERS": ["X"]})
    assert parameters["codes_EENHEIDSOORT"] == ["BOG", "WON"] and "codes_ANDERS" not in parameters
    assert all(v == [] for k, v in parameters.items() if k != "codes_EENHEIDSOORT")
    results = {
        table: validate(db, _suite(tmp_path / table, table, [soort]), settings=settings, expectation_parameters=p)
        for table, p in [("bekend", parameters), ("onbekend", parameters)]
    }
    assert results["bekend"].success
    [failure] = results["onbekend"].failures
    assert (failure.column, failure.unexpected_count) == ("soort", 1)
    assert "XYZ" not in results["onbekend"].summary()  # counts only, never the value
    empty = validate(
        db, _suite(tmp_path / "leeg", "bekend", [soort]), settings=settings, expectation_parameters=code_parameters({})
    )
    assert not empty.success and empty.failures[0].unexpected_count == 2


def test_validate_of_a_named_in_memory_database_leaves_no_connection_to_it(woonsignaal_home, tmp_path):
    """The ingest validates its in-memory scratch this way: once the caller closes its connection the
    database is gone, so GX kept none (a leaked one would keep a whole delivery in memory)."""
    from woonsignaal.quality.runner import duckdb_engine_config

    name = ":memory:test_validate_release"
    con = duckdb.connect(name, config=duckdb_engine_config())
    con.execute("create table goed as select i from range(10) r(i)")
    suites = _suite(tmp_path, "goed", [{"type": "expect_table_row_count_to_equal", "kwargs": {"value": 10}}])
    assert validate(name, suites, settings=get_settings()).success
    con.close()
    again = duckdb.connect(name, config=duckdb_engine_config())
    try:
        assert again.execute("select count(*) from duckdb_tables() where table_name = 'goed'").fetchone()[0] == 0
    finally:
        again.close()


def _suite(tmp_path, name, expectations):
    d = tmp_path / "suites"
    d.mkdir(parents=True, exist_ok=True)
    (d / f"{name}.json").write_text(json.dumps({"name": f"test.{name}", "expectations": expectations}))
    return d


def test_validate_reports_failures_without_values(woonsignaal_home, tmp_path):
    settings = get_settings()
    db = tmp_path / "t.duckdb"
    con = duckdb.connect(str(db))
    con.execute(
        "create table personen as select 'Geheime Naam ' || i as naam, i % 5 as k, "
        "case when i % 10 = 0 then null else 'x' end as verplicht from range(100) r(i)"
    )
    con.execute("create schema marts")
    con.execute("create table marts.goed as select i from range(10) r(i)")
    con.close()
    suites = _suite(
        tmp_path,
        "personen",
        [
            {"type": "expect_column_values_to_not_be_null", "kwargs": {"column": "verplicht"}},
            {"type": "expect_column_values_to_be_between", "kwargs": {"column": "k", "min_value": 0, "max_value": 3}},
            {"type": "expect_column_values_to_be_in_set", "kwargs": {"column": "naam", "value_set": ["Jan"]}},
            {
                "type": "unexpected_rows_expectation",
                "kwargs": {"unexpected_rows_query": "select * from {batch} where k = 4"},
                "description": "k is never 4",
            },
            {"type": "expect_table_row_count_to_equal", "kwargs": {"value": 100}},
        ],
    )
    report = validate(db, suites, run_name="test-run", settings=settings)
    assert not report.success and report.evaluated == 5
    by = {f.expectation: f for f in report.failures}
    assert set(by) == {
        "expect_column_values_to_not_be_null",
        "expect_column_values_to_be_between",
        "expect_column_values_to_be_in_set",
        "unexpected_rows_expectation",
    }
    assert by["expect_column_values_to_not_be_null"].unexpected_count == 10
    assert by["expect_column_values_to_be_between"].unexpected_count == 20
    assert by["unexpected_rows_expectation"].observed == "20"
    assert "personen: k is never 4 (unexpected_rows_expectation): observed 20" in report.summary()
    assert "personen.verplicht" in report.summary()
    # no values anywhere: not in the report, not in GX's stored results, not in Data Docs
    assert "Geheime" not in report.summary()
    stored = [p for p in settings.gx_dir.rglob("*") if p.is_file() and p.suffix in {".json", ".html"}]
    assert any("validations" in str(p) for p in stored)
    for p in stored:
        assert "Geheime Naam" not in p.read_text(encoding="utf-8", errors="replace"), p
    assert (settings.data_docs_dir / "index.html").exists()
    assert report.report_path and json.loads(open(report.report_path).read())["success"] is False

    # another schema, a passing suite; the file is free again afterwards (no connection left open)
    ok = _suite(tmp_path / "m", "goed", [{"type": "expect_table_row_count_to_equal", "kwargs": {"value": 10}}])
    report2 = validate(db, ok, schema="marts", settings=settings)
    assert report2.success and report2.tables == {"goed": True}
    duckdb.connect(str(db)).close()
