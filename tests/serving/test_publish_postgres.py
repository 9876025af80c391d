"""Publication of the audited marts into PostgreSQL: exact copies, a whole-schema swap, failures that
keep the last publication, and readers in other sessions during the swap."""

from __future__ import annotations

import dataclasses
import threading
import time
from decimal import Decimal

import duckdb
import psycopg2
import pytest

from woonsignaal.serving import PostgresPublishError, pg_settings, postgres_enabled, publish_to_postgres
from woonsignaal.serving.postgres import pg_column

from .helpers import make_candidate, schemas

TYPES_SELECT = """
    select i as id,
           'naam ' || i as tekst,
           case when i % 3 = 0 then null when i % 3 = 1 then '' else 'a;"b' || chr(10) || 'c' end as lastig,
           cast(i * 1.25 as decimal(12, 2)) as bedrag,
           cast(i as double) / 3 as ratio,
           date '2026-01-01' + cast(i as integer) as datum,
           timestamp '2026-01-01 12:30:00' + to_days(cast(i as integer)) as moment,
           i % 2 = 0 as vlag,
           cast(i as smallint) as klein,
           [i, i + 1] as lijst
    from range(250) t(i)
"""


def _duck_rows(path, table):
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute(f"select * from marts.{table} order by 1").fetchall()
    finally:
        con.close()


def _pg_rows(con, table):
    cur = con.cursor()
    cur.execute(f"select * from marts.{table} order by 1")
    return cur.fetchall()


def test_every_mart_arrives_exactly_with_its_types(pg, admin, tmp_path):
    cand = make_candidate(tmp_path / "c.duckdb", {"typen": TYPES_SELECT, "leeg": "select 1 as x where false"})
    info = publish_to_postgres(cand, pg=pg)
    assert info["tabellen"] == {"leeg": 0, "typen": 250}
    assert info["schema"] == "marts" and info["bi_rol"] == pg.bi_role

    cur = admin.cursor()
    cur.execute(
        "select column_name, data_type from information_schema.columns "
        "where table_schema = 'marts' and table_name = 'typen' order by ordinal_position"
    )
    assert cur.fetchall() == [
        ("id", "bigint"),
        ("tekst", "text"),
        ("lastig", "text"),
        ("bedrag", "numeric"),
        ("ratio", "double precision"),
        ("datum", "date"),
        ("moment", "timestamp without time zone"),
        ("vlag", "boolean"),
        ("klein", "smallint"),
        ("lijst", "jsonb"),
    ]
    expected = _duck_rows(cand, "typen")
    got = _pg_rows(admin, "typen")
    assert len(got) == len(expected) == 250
    for e, g in zip(expected, got, strict=True):
        assert g[:4] == e[:4]  # NULL stays NULL, '' stays '', quotes, ';' and line breaks survive
        assert g[4] == pytest.approx(e[4], rel=1e-15)
        assert g[5:9] == e[5:9]
        assert g[9] == e[9]  # list -> jsonb -> the same list
    cur.execute("select count(*) filter (where lastig is null), count(*) filter (where lastig = '') from marts.typen")
    assert cur.fetchone() == (84, 83)
    assert isinstance(got[1][3], Decimal)


def test_type_mapping_of_unusual_duckdb_types():
    assert pg_column("x", "HUGEINT")[0] == "numeric(39,0)"
    assert pg_column("x", "DECIMAL(18,3)")[0] == "numeric(18,3)"
    assert pg_column("x", "STRUCT(a INTEGER)") == ("jsonb", 'cast(to_json("x") as varchar)')
    assert pg_column("x", "ENUM('a', 'b')") == ("text", 'cast("x" as varchar)')
    assert pg_column('we"ird', "BLOB") == ("bytea", '\'\\x\' || hex("we""ird")')


def test_republishing_replaces_the_whole_schema_and_leaves_nothing_aside(pg, admin, tmp_path):
    first = make_candidate(tmp_path / "1.duckdb", {"a": "select 1 as versie", "weg": "select 1 as x"})
    second = make_candidate(tmp_path / "2.duckdb", {"a": "select 2 as versie", "nieuw": "select 2 as y"})
    publish_to_postgres(first, pg=pg)
    info = publish_to_postgres(second, pg=pg)
    assert info["vervangen"] is True and info["pogingen_wissel"] == 1
    cur = admin.cursor()
    cur.execute("select table_name from information_schema.tables where table_schema = 'marts' order by 1")
    assert [r[0] for r in cur.fetchall()] == ["a", "nieuw"]  # a mart dropped from the candidate is gone too
    cur.execute("select versie from marts.a")
    assert cur.fetchall() == [(2,)]
    assert schemas(admin) == {"marts", "public"}
    cur.execute("select obj_description('marts'::regnamespace)")
    assert info["versie"] in cur.fetchone()[0]


def test_a_failed_load_keeps_the_previous_publication(pg, admin, tmp_path):
    good = make_candidate(tmp_path / "goed.duckdb", {"a": "select 1 as versie", "b": "select 1 as versie"})
    publish_to_postgres(good, pg=pg)
    # DuckDB dates reach further than PostgreSQL's (5874897 AD): the COPY of table b fails half-way
    bad = make_candidate(
        tmp_path / "fout.duckdb",
        {
            "a": "select 2 as versie",
            "b": "select 2 as versie, date '5880000-01-01' as datum",
        },
    )
    with pytest.raises(PostgresPublishError, match="previous publication stays") as failed:
        publish_to_postgres(bad, pg=pg)
    assert "5880000" not in str(failed.value)  # PostgreSQL's text quotes the value: never passed on
    cur = admin.cursor()
    cur.execute("select (select versie from marts.a), (select versie from marts.b)")
    assert cur.fetchone() == (1, 1)
    assert schemas(admin) == {"marts", "public"}


def test_a_missing_candidate_is_refused(pg, tmp_path):
    with pytest.raises(PostgresPublishError, match="does not exist"):
        publish_to_postgres(tmp_path / "nergens.duckdb", pg=pg)


def test_readers_see_the_old_or_the_new_marts_never_a_mix_or_nothing(pg, tmp_path):
    """Readers (as the BI role, in their own sessions) query two marts in one statement while five
    publications swap the schema underneath them."""
    rows = 20_000
    candidates = [
        make_candidate(
            tmp_path / f"v{v}.duckdb",
            {
                "a": f"select {v} as versie, i from range({rows}) t(i)",
                "b": f"select {v} as versie, i from range({rows}) t(i)",
            },
        )
        for v in range(6)
    ]
    publish_to_postgres(candidates[0], pg=pg)
    stop = threading.Event()
    seen: list[tuple] = []
    errors: list[str] = []

    def reader() -> None:
        con = pg.connect(user=pg.bi_role, password=pg.bi_password)
        con.autocommit = True
        cur = con.cursor()
        try:
            while not stop.is_set():
                try:
                    cur.execute(
                        "select (select min(versie) from marts.a), (select max(versie) from marts.a), "
                        "(select count(*) from marts.a), (select min(versie) from marts.b), "
                        "(select max(versie) from marts.b), (select count(*) from marts.b)"
                    )
                    seen.append(cur.fetchone())
                except psycopg2.Error as exc:  # a missing schema/table or a deadlock would land here
                    errors.append(f"{type(exc).__name__}: {exc}".strip())
        finally:
            con.close()

    threads = [threading.Thread(target=reader) for _ in range(3)]
    for t in threads:
        t.start()
    try:
        time.sleep(0.2)
        for cand in candidates[1:]:
            publish_to_postgres(cand, pg=pg)
            time.sleep(0.05)
        time.sleep(0.2)
    finally:
        stop.set()
        for t in threads:
            t.join(timeout=30)
    assert errors == []
    assert len(seen) > 20
    for min_a, max_a, n_a, min_b, max_b, n_b in seen:
        assert min_a == max_a == min_b == max_b, "one statement read two versions"
        assert n_a == n_b == rows
    versions = [s[0] for s in seen]
    assert len(set(versions)) >= 3, f"the readers saw too few publications: {sorted(set(versions))}"
    assert versions[-1] == 5


def test_a_long_query_on_the_old_marts_delays_the_swap_and_a_timeout_keeps_the_old(pg, admin, tmp_path):
    publish_to_postgres(make_candidate(tmp_path / "1.duckdb", {"a": "select 1 as versie"}), pg=pg)
    impatient = dataclasses.replace(pg, swap_lock_timeout_ms=300, swap_attempts=2)
    bi = pg.connect(user=pg.bi_role, password=pg.bi_password)
    try:
        cur = bi.cursor()
        cur.execute("select versie from marts.a")  # a BI transaction that stays open holds the old table
        assert cur.fetchone() == (1,)
        started = time.perf_counter()
        with pytest.raises(PostgresPublishError, match="after 2 attempts"):
            publish_to_postgres(make_candidate(tmp_path / "2.duckdb", {"a": "select 2 as versie"}), pg=impatient)
        assert time.perf_counter() - started >= 0.6
        bi.rollback()
    finally:
        bi.close()
    acur = admin.cursor()
    acur.execute("select versie from marts.a")
    assert acur.fetchall() == [(1,)]
    assert schemas(admin) == {"marts", "public"}
    # once the query is done the same publication goes through
    info = publish_to_postgres(make_candidate(tmp_path / "3.duckdb", {"a": "select 3 as versie"}), pg=impatient)
    acur.execute("select versie from marts.a")
    assert acur.fetchall() == [(3,)] and info["pogingen_wissel"] == 1


def test_settings_come_from_the_environment(monkeypatch):
    for name in ("HOST", "PORT", "USER", "PASSWORD", "DATABASE", "BI_ROLE", "BI_PASSWORD", "DBNAME"):
        monkeypatch.delenv(f"WOONSIGNAAL_PG_{name}", raising=False)
    assert postgres_enabled() is False
    with pytest.raises(PostgresPublishError, match="WOONSIGNAAL_PG_HOST"):
        pg_settings()
    monkeypatch.setenv("WOONSIGNAAL_PG_HOST", "db.example")
    assert postgres_enabled() is True
    s = pg_settings()
    assert (s.host, s.port, s.user, s.database, s.bi_role, s.bi_password, s.dbt_database) == (
        "db.example",
        5432,
        "postgres",
        "woonsignaal",
        "woonsignaal_bi",
        None,
        "woonsignaal",
    )
    monkeypatch.setenv("WOONSIGNAAL_PG_PORT", "6543")
    monkeypatch.setenv("WOONSIGNAAL_PG_BI_ROLE", "bi_lezer")
    monkeypatch.setenv("WOONSIGNAAL_PG_BI_PASSWORD", "geheim")
    monkeypatch.setenv("WOONSIGNAAL_PG_PASSWORD", "ook-geheim")
    monkeypatch.setenv("WOONSIGNAAL_PG_DBNAME", "woonsignaal_dbt")
    s = pg_settings()
    assert (s.port, s.bi_role, s.bi_password, s.dbt_database) == (6543, "bi_lezer", "geheim", "woonsignaal_dbt")
    assert "geheim" not in repr(s)
    monkeypatch.setenv("WOONSIGNAAL_PG_BI_ROLE", "Robert'); drop table x;--")
    with pytest.raises(ValueError):
        pg_settings()


def test_leftovers_of_a_killed_publication_are_dropped_by_the_next(pg, admin, tmp_path):
    cur = admin.cursor()
    cur.execute("create schema marts_new_20260101t000000_dead00")
    cur.execute("create table marts_new_20260101t000000_dead00.half (x int)")
    cur.execute("create schema marts_old_20260101t000000_dead00")
    cur.execute("create schema marts_nieuw_van_iemand_anders")  # not ours: stays
    info = publish_to_postgres(make_candidate(tmp_path / "c.duckdb", {"a": "select 1 as x"}), pg=pg)
    assert sorted(info["opgeruimd"]) == ["marts_new_20260101t000000_dead00", "marts_old_20260101t000000_dead00"]
    assert schemas(admin) == {"marts", "public", "marts_nieuw_van_iemand_anders"}
    cur.execute("drop schema marts_nieuw_van_iemand_anders")
