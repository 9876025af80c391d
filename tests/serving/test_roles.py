"""The read-only BI role: it reads marts and nothing else, and it cannot write anywhere."""

from __future__ import annotations

import dataclasses

import psycopg2
import pytest
from psycopg2 import errors

from woonsignaal.serving import ensure_roles, publish_to_postgres

from .helpers import make_candidate


@pytest.fixture
def published(pg, admin, tmp_path):
    """marts published, plus the layers a warehouse also holds (raw, staging, intermediate, public)."""
    cur = admin.cursor()
    for schema in ("raw", "staging", "intermediate"):
        cur.execute(f"create schema if not exists {schema}")
        cur.execute(f"create table if not exists {schema}.geheim as select 'persoonsgegevens' as x")
    cur.execute("create table if not exists public.ook_geheim as select 1 as x")
    publish_to_postgres(
        make_candidate(
            tmp_path / "c.duckdb",
            {
                "signalen": "select 'verhuur' as proces, 3 as ernst",
                "mart_verhuur_kpi_maand": "select date '2026-10-01' as maand, 12 as n",
            },
        ),
        pg=pg,
    )
    return pg


@pytest.fixture
def bi(published):
    con = published.connect(user=published.bi_role, password=published.bi_password)
    con.autocommit = True
    yield con
    con.close()


def _refused(con, statement: str, *exc_types):
    cur = con.cursor()
    with pytest.raises(exc_types or (errors.InsufficientPrivilege,)):
        cur.execute(statement)


def test_bi_role_reads_the_marts_and_starts_in_schema_marts(bi):
    cur = bi.cursor()
    cur.execute("select proces, ernst from marts.signalen")
    assert cur.fetchall() == [("verhuur", 3)]
    cur.execute("select n from mart_verhuur_kpi_maand")  # search_path = marts
    assert cur.fetchall() == [(12,)]


@pytest.mark.parametrize("table", ["raw.geheim", "staging.geheim", "intermediate.geheim", "public.ook_geheim"])
def test_bi_role_is_refused_on_everything_below_the_marts(bi, table):
    _refused(bi, f"select * from {table}")


def test_bi_role_cannot_write_even_when_it_asks_for_a_read_write_transaction(bi):
    # sessions of the role are read-only by default ...
    _refused(bi, "insert into marts.signalen values ('x', 1)", errors.ReadOnlySqlTransaction)
    # ... and without that, it lacks the privileges
    bi.cursor().execute("set session characteristics as transaction read write")
    _refused(bi, "insert into marts.signalen values ('x', 1)")
    _refused(bi, "update marts.signalen set ernst = 0")
    _refused(bi, "delete from marts.signalen")
    _refused(bi, "truncate marts.signalen")
    _refused(bi, "create table marts.eigen (x int)")
    _refused(bi, "create table public.eigen (x int)")
    _refused(bi, "create schema eigen")
    _refused(bi, "drop table marts.signalen", errors.InsufficientPrivilege)
    _refused(bi, "create table raw.eigen (x int)")


def test_bi_role_has_select_on_marts_tables_only(published, admin):
    cur = admin.cursor()
    cur.execute(
        """select n.nspname, c.relname,
                  has_table_privilege(%(r)s, c.oid, 'SELECT'),
                  has_table_privilege(%(r)s, c.oid, 'INSERT,UPDATE,DELETE,TRUNCATE,REFERENCES,TRIGGER')
           from pg_class c join pg_namespace n on n.oid = c.relnamespace
           where c.relkind in ('r', 'v', 'm', 'p', 'f')
             and n.nspname not in ('pg_catalog', 'information_schema') and n.nspname not like 'pg\\_toast%%'
           order by 1, 2""",
        {"r": published.bi_role},
    )
    rows = cur.fetchall()
    readable = sorted((s, t) for s, t, sel, _ in rows if sel)
    assert readable == [("marts", "mart_verhuur_kpi_maand"), ("marts", "signalen")]
    assert not any(write for *_, write in rows)
    cur.execute(
        "select rolsuper, rolcreatedb, rolcreaterole, rolbypassrls, rolcanlogin from pg_roles where rolname = %s",
        [published.bi_role],
    )
    assert cur.fetchone() == (False, False, False, False, True)


def test_the_role_password_is_checked(published):
    with pytest.raises(psycopg2.OperationalError, match="password authentication failed"):
        published.connect(user=published.bi_role, password="fout").close()


def test_ensure_roles_repairs_a_role_someone_widened(published, admin):
    cur = admin.cursor()
    r = published.bi_role
    cur.execute(f"grant select on raw.geheim to {r}")
    cur.execute(f"grant usage on schema raw to {r}")
    cur.execute(f"alter role {r} createdb")
    cur.execute(f"grant pg_read_all_data to {r}")
    result = ensure_roles(published)
    assert result["aangemaakt"] is False and result["wachtwoord_gezet"] is True
    con = published.connect(user=r, password=published.bi_password)
    con.autocommit = True
    try:
        _refused(con, "select * from raw.geheim")
    finally:
        con.close()
    cur.execute("select rolcreatedb from pg_roles where rolname = %s", [r])
    assert cur.fetchone() == (False,)
    # the password reached the server hashed (SCRAM), never in plain text
    cur.execute("select rolpassword from pg_authid where rolname = %s", [r])
    stored = cur.fetchone()[0]
    assert stored.startswith("SCRAM-SHA-256$") and published.bi_password not in stored


def test_a_new_role_is_created_with_its_password(pg, admin, tmp_path):
    other = dataclasses.replace(pg, bi_role=pg.bi_role + "_2", bi_password="nieuw-wachtwoord")
    try:
        publish_to_postgres(make_candidate(tmp_path / "c.duckdb", {"a": "select 1 as x"}), pg=other)
        con = other.connect(user=other.bi_role, password="nieuw-wachtwoord")
        try:
            cur = con.cursor()
            cur.execute("select x from marts.a")
            assert cur.fetchall() == [(1,)]
        finally:
            con.close()
    finally:
        cur = admin.cursor()
        cur.execute(f"drop owned by {other.bi_role}")
        cur.execute(f"drop role {other.bi_role}")
