"""The nightly publish step also publishes to PostgreSQL when WOONSIGNAAL_PG_HOST is set."""

from __future__ import annotations

from datetime import date

import psycopg2

from woonsignaal import publish
from woonsignaal.settings import get_settings

from .helpers import make_candidate


def test_publish_candidate_fills_postgres_before_the_file_is_swapped(pg, tmp_path, monkeypatch):
    monkeypatch.setenv("WOONSIGNAAL_HOME", str(tmp_path / "home"))
    for env, value in {
        "WOONSIGNAAL_PG_HOST": pg.host,
        "WOONSIGNAAL_PG_PORT": str(pg.port),
        "WOONSIGNAAL_PG_USER": pg.user,
        "WOONSIGNAAL_PG_PASSWORD": pg.password,
        "WOONSIGNAAL_PG_DATABASE": pg.database,
        "WOONSIGNAAL_PG_BI_ROLE": pg.bi_role,
        "WOONSIGNAAL_PG_BI_PASSWORD": pg.bi_password,
    }.items():
        monkeypatch.setenv(env, value)
    settings = get_settings()
    settings.ensure_dirs()
    candidate = make_candidate(
        settings.build_dir / "candidate-2026-11-24.duckdb", {"signalen_test": "select range as n from range(12)"}
    )
    info = publish.publish_candidate(settings, candidate, date(2026, 11, 24), "test")
    assert info["postgres"] is not None
    assert settings.published_path.exists()
    con = psycopg2.connect(host=pg.host, port=pg.port, user=pg.bi_role, password=pg.bi_password, dbname=pg.database)
    try:
        cur = con.cursor()
        cur.execute("select count(*) from marts.signalen_test")
        assert cur.fetchone()[0] == 12
    finally:
        con.close()


def test_without_postgres_settings_only_the_file_is_published(tmp_path, monkeypatch):
    monkeypatch.setenv("WOONSIGNAAL_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("WOONSIGNAAL_PG_HOST", raising=False)
    settings = get_settings()
    settings.ensure_dirs()
    candidate = make_candidate(settings.build_dir / "candidate-2026-11-24.duckdb", {"x": "select 1 as n"})
    info = publish.publish_candidate(settings, candidate, date(2026, 11, 24), "test")
    assert info["postgres"] is None and settings.published_path.exists()
