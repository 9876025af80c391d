"""The audit's personal-data rule looks at values, not only at column names."""

from __future__ import annotations

import duckdb

from woonsignaal import publish


def _rule(tables: dict[str, list[tuple]]) -> list[str]:
    """Run the rule on a candidate holding ``tables`` (name -> rows of (column, value) pairs)."""
    con = duckdb.connect()
    try:
        con.execute(f"create schema {publish.MARTS_SCHEMA}")
        by_table = {}
        for table, row in tables.items():
            cols = ", ".join(f'"{c}" varchar' for c, _ in row)
            con.execute(f'create table {publish.MARTS_SCHEMA}."{table}" ({cols})')
            con.execute(
                f'insert into {publish.MARTS_SCHEMA}."{table}" values ({", ".join("?" for _ in row)})',
                [v for _, v in row],
            )
            by_table[table] = {c: "VARCHAR" for c, _ in row}
        report = publish.AuditReport()
        publish._personal_data_rule(con, by_table, report)
        return report.failures
    finally:
        con.close()


def test_run_history_with_a_quoted_row_is_refused_without_showing_it():
    leaked = (
        "verifieer_levering: Invalid Input Error: CSV Error on Line: 5 Original Line: "
        "R9004;01-03-1981;EOG;4;43000,00;J;O'Brien;obrien@example.nl;+31 6 11122233;NL39ASNB0708090100"
    )
    failures = _rule({"pipeline_runs": [("status", "mislukt"), ("fout", leaked)]})
    assert any("marts.pipeline_runs.fout" in f and "e-mailadres" in f for f in failures), failures
    assert any("IBAN" in f for f in failures) and any("telefoonnummer" in f for f in failures)
    assert not any("obrien" in f or "NL39" in f or "11122233" in f for f in failures)


def test_a_mart_column_with_an_innocent_name_is_checked_too():
    failures = _rule({"verhuur_kpi": [("wijk", "Noord"), ("toelichting", "contact: jansen.test@example.nl")]})
    assert failures == [
        "marts.verhuur_kpi.toelichting: 1 waarde(n) die op persoonsgegevens lijken (e-mailadres); "
        "de waarden worden niet getoond"
    ]


def test_clean_marts_and_ids_that_look_like_numbers_pass():
    assert (
        _rule(
            {
                "pipeline_runs": [
                    ("fout", "verifieer_levering: bestand afgebroken (relaties.csv, regel 4)"),
                    ("bestanden", '{"relaties": {"geleverd": 4, "geladen": 4, "quarantaine": 0}}'),
                ],
                "eenheden": [("eenheid_id", "0612345678"), ("wijk", "Zuid")],
            }
        )
        == []
    )
