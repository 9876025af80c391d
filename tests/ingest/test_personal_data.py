"""Personal data (contract section 5): never in clear in any DuckDB file the ingest writes; keyed
hashes with a configured key; no key outside the demo refuses the run."""

from __future__ import annotations

import csv
import hashlib
import hmac
import io
import re
from pathlib import Path

import duckdb
import pytest

from ingest.ingest_builder import DAY1, OMSCHRIJVINGEN, PII, RELATIE_IDS, base_rows, write_delivery
from woonsignaal.contract import FILES, Pii
from woonsignaal.ingest import load_delivery, scan_landing
from woonsignaal.ingest.pseudonymise import hmac_sql, install_key, pseudonymise
from woonsignaal.settings import ConfigurationError, get_settings


def duckdb_files(root: Path) -> list[Path]:
    out = []
    for p in Path(root).rglob("*"):
        if p.is_file() and p.read_bytes()[8:12] == b"DUCK":
            out.append(p)
    return out


def scan_for(files: list[Path], needles: set[str]) -> list[str]:
    """Every (file, table, column) holding one of ``needles`` (case-insensitive): as the whole value,
    or inside it for needles of 8+ characters (shorter ones, like digits, occur in hex hashes by chance)."""
    hits = []
    exact = {n.lower() for n in needles if n}
    long = sorted((n for n in exact if len(n) >= 8), key=len, reverse=True)
    pattern = re.compile("|".join(re.escape(n) for n in long)) if long else None
    for f in files:
        con = duckdb.connect(str(f), read_only=True)
        try:
            cols = con.execute(
                "select table_catalog, table_schema, table_name, column_name from information_schema.columns"
            ).fetchall()
            for cat, schema, table, c in cols:
                values = {
                    (v or "").lower()
                    for (v,) in con.execute(
                        f'select distinct "{c}"::varchar from "{cat}"."{schema}"."{table}"'
                    ).fetchall()
                }
                if values & exact or (pattern and any(pattern.search(v) for v in values)):
                    hits.append(f"{f.name}:{schema}.{table}.{c}")
        finally:
            con.close()
    return hits


def pii_values_of(landing: Path) -> set[str]:
    """Every delivered value of a personal-data column that must not be stored in clear."""
    values: set[str] = set()
    for folder in Path(landing).iterdir():
        for f in FILES:
            cols = [c.name for c in f.columns if c.pii in (Pii.DROP, Pii.HASH, Pii.PSEUDONYMISE)]
            p = folder / f.filename
            if not cols or not p.exists():
                continue
            reader = csv.DictReader(io.StringIO(p.read_text(encoding="utf-8-sig")), delimiter=";")
            for row in reader:
                for c in cols:
                    v = (row.get(c) or "").strip()
                    if len(v) >= 4:  # shorter values (e.g. "12") would match everything by accident
                        values.add(v)
    return values


def test_hmac_in_sql_equals_python():
    key = b"een-sleutel-voor-de-test"
    con = duckdb.connect()
    install_key(con, key)
    for value in ["R9001", "héllo wereld", "x" * 200]:
        got = con.execute(f"select {hmac_sql('?')}", [value]).fetchone()[0]
        assert got == hmac.new(key, value.encode(), hashlib.sha256).hexdigest() == pseudonymise(value, key)
    long_key = b"k" * 100  # longer than a SHA-256 block: hashed first, as HMAC prescribes
    install_key(con, long_key)
    assert con.execute(f"select {hmac_sql('?')}", ["a"]).fetchone()[0] == pseudonymise("a", long_key)


def test_person_keys_are_keyed_hashes_of_the_configured_key(woonsignaal_home, monkeypatch):
    monkeypatch.setenv("WOONSIGNAAL_PSEUDONIEM_SLEUTEL", "sleutel-A")
    s = get_settings()
    load_delivery(write_delivery(s.landing, DAY1, base_rows()), s, gx=False)
    con = duckdb.connect(str(s.warehouse_path), read_only=True)
    ids = {r[0] for r in con.execute("select relatie_id from raw.relaties").fetchall()}
    ho = {r[0] for r in con.execute("select relatie_id from raw.huurovereenkomsten").fetchall()}
    iban = {r[0] for r in con.execute("select iban_hash from raw.relaties").fetchall()}
    con.close()
    assert ids == {pseudonymise(r, b"sleutel-A") for r in RELATIE_IDS}
    assert ho == ids  # the same person gets the same pseudonym in every file
    assert pseudonymise("NL91ABNA0417164300", b"sleutel-A") in iban


def test_no_key_outside_demo_refuses(woonsignaal_home, monkeypatch):
    monkeypatch.setenv("WOONSIGNAAL_DEMO", "0")
    s = get_settings()
    folder = write_delivery(s.landing, DAY1, base_rows())
    with pytest.raises(ConfigurationError, match="WOONSIGNAAL_PSEUDONIEM_SLEUTEL is niet gezet"):
        load_delivery(folder, s, gx=False)
    assert not s.warehouse_path.exists()


def test_no_pii_in_any_table_of_hand_made_delivery(woonsignaal_home):
    s = get_settings()
    load_delivery(write_delivery(s.landing, DAY1, base_rows()), s, gx=True)
    needles = {v for vals in PII.values() for v in vals} | set(RELATIE_IDS) | {o.split(";")[0] for o in OMSCHRIJVINGEN}
    needles.add("NL91ABNA0417164300")
    files = duckdb_files(s.home)
    assert s.warehouse_path in files
    assert scan_for(files, needles) == []
    # ... nor in GX results, Data Docs or reports
    for p in s.gx_dir.rglob("*"):
        if p.is_file() and p.suffix in {".json", ".html"}:
            text = p.read_text(encoding="utf-8", errors="replace").lower()
            assert not any(n.lower() in text for n in needles), p
    # the scan itself works: it finds a delivered value that is stored on purpose
    assert scan_for([s.warehouse_path], {"Het Anker"})


def test_no_pii_in_any_table_of_simulated_deliveries(sim_copy, woonsignaal_home):
    s = get_settings()
    for d in scan_landing(sim_copy, None).deliveries:
        load_delivery(d.path, s, gx=False)
    needles = pii_values_of(sim_copy)
    assert len(needles) > 500  # names, e-mail addresses, phone numbers, IBANs, BSNs, case texts, relatie ids
    files = duckdb_files(s.home)
    assert files and scan_for(files, needles) == []
