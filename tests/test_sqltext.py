"""woonsignaal.sqltext: quoted names and literals read back as exactly the text that went in."""

from __future__ import annotations

import duckdb
import pytest

from woonsignaal.sqltext import qualified_name, quote_identifier, quote_literal

NASTY = [
    "plain",
    "it's",
    "''",
    'say "hi"',
    '"',
    '""; drop table t; --',
    "'; drop table t; --",
    "back\\slash\\",
    "\\'",
    '\\"',
    "semi;colon",
    "line\nbreak\r\n",
    "tab\there",
    "ünïcödé ✓ 名前 🏠",
    "$$dollar$$",
    "",
    " leading and trailing ",
    "/*comment*/",
    "E'\\x41'",
]


@pytest.mark.parametrize("text", NASTY)
def test_literal_reads_back_as_the_same_text(text):
    con = duckdb.connect()
    assert con.execute(f"select {quote_literal(text)}").fetchone()[0] == text


@pytest.mark.parametrize("text", [t for t in NASTY if t])  # an identifier cannot be empty
def test_identifier_names_exactly_that_column(text):
    con = duckdb.connect()
    con.execute(f"create table t ({quote_identifier(text)} integer, other integer)")
    assert [r[0] for r in con.execute("describe t").fetchall()] == [text, "other"]
    con.execute(f"insert into t ({quote_identifier(text)}, other) values (1, 2)")
    assert con.execute(f"select {quote_identifier(text)} from t").fetchone()[0] == 1
    assert con.execute("select count(*) from t").fetchone()[0] == 1  # nothing "dropped" or commented out


def test_qualified_name_reaches_a_table_in_a_schema_with_a_nasty_name():
    con = duckdb.connect()
    schema, table = 'my "schema"', "tab'le;"
    con.execute(f"create schema {quote_identifier(schema)}")
    con.execute(f"create table {qualified_name(schema, table)} as select 42 as x")
    assert con.execute(f"select x from {qualified_name(schema, table)}").fetchone()[0] == 42
    assert qualified_name("marts", "signalen") == '"marts"."signalen"'


def test_nul_and_non_text_are_refused():
    with pytest.raises(ValueError, match="NUL"):
        quote_literal("a\x00b")
    with pytest.raises(ValueError, match="NUL"):
        quote_identifier("a\x00b")
    with pytest.raises(TypeError):
        quote_literal(5)  # type: ignore[arg-type]
