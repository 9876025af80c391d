"""Werklijsten on a small simulated corporation (fixture in conftest.py; rules in docs/werklijsten.md)."""

from __future__ import annotations

import csv
import dataclasses
import stat

import duckdb
import pandas as pd
import pytest
from typer.testing import CliRunner

from woonsignaal.contract import FILES, Pii
from woonsignaal.publish import FORBIDDEN_COLUMNS, published_marts
from woonsignaal.signals.ranges import values_in_range
from woonsignaal.signals.segments import normalise_value, parse_segment
from woonsignaal.werklijsten import CSV_COLUMNS, export_csv, publish_werklijsten, read_werklijst

pytestmark = pytest.mark.e2e

OBJECT_KEY = {
    "eenheid": ("eenheden", "eenheid_id"),
    "zaak": ("zaken", "zaak_id"),
    "huurovereenkomst": ("huurovereenkomsten", "overeenkomst_id"),
}
RESTRICTED_TABLES = {"werklijst", "werklijst_historie", "werklijst_effect", "werklijst_acties"}


def _csv(path) -> pd.DataFrame:
    df = pd.read_csv(path, sep=";", dtype=str, encoding="utf-8-sig", keep_default_na=False, na_values=[""])
    df.columns = [c.strip().lower() for c in df.columns]
    return df


def _werklijst(built) -> pd.DataFrame:
    return built.query("select * from werklijsten.werklijst")


def _signalen(built) -> pd.DataFrame:
    return built.query("select * from marts.signalen")


def _actionable(s: pd.DataFrame) -> pd.DataFrame:
    return s[(s["richting"] == "slechter") & s["ernst"].isin(["hoog", "midden"])]


# --- independent expectation: the rules of docs/werklijsten.md in pandas, from the marts ----------


def _text(frame: pd.DataFrame, columns) -> pd.DataFrame:
    out = frame.copy()
    for c in columns:
        if c in out.columns:
            out[c] = out[c].map(normalise_value)
    return out


def _candidates(built) -> dict[str, pd.DataFrame]:
    """Per proces: the current objects with their dimension columns (as text) and rule state."""
    e = built.extractdatum
    units = _text(
        built.query("select * from marts.dim_eenheid where is_in_exploitatie"),
        [
            "wijk",
            "complex_id",
            "eenheid_detailsoort",
            "huurklasse",
            "kamers_aantal",
            "lift",
            "energielabel",
            "etage_klasse",
            "bouwjaar_klasse",
        ],
    )
    vacant = built.query(
        "select eenheid_id, leegstand_dagen from marts.fct_leegstand "
        "where not is_afgesloten and leegstand_reden = 'MUT'"
    )
    hov = built.query("select * from marts.fct_huurovereenkomst")
    opgezegd = hov[
        hov["opzegdatum"].notna()
        & (pd.to_datetime(hov["opzegdatum"]).dt.date <= e)
        & ~hov["is_beeindigd"]
        & ~hov["is_geannuleerd"]
    ]
    units["leeg"] = units["eenheid_id"].isin(vacant["eenheid_id"])
    units["opgezegd"] = units["eenheid_id"].isin(opgezegd["eenheid_id"])
    units = units[units["leeg"] | units["opgezegd"]].copy()
    units["object_id"] = units["eenheid_id"].astype(str)

    zaken = _text(built.query("select * from marts.fct_zaak where not is_afgesloten"), ["zaaktype_detailsoort", "wijk"])
    partners = built.query("select zaak_id, partner from marts.fct_zaak_partner")
    zaken["partners"] = (
        zaken["zaak_id"]
        .map(partners.groupby("zaak_id")["partner"].agg(set))
        .apply(lambda v: v if isinstance(v, set) else set())
    )
    zaken["object_id"] = zaken["zaak_id"].astype(str)

    running = hov.loc[~hov["is_beeindigd"] & ~hov["is_geannuleerd"], "overeenkomst_id"]
    cm = built.query("select * from marts.fct_contract_maand where last_day(maand) <= ?", [e])
    cm = cm[cm["overeenkomst_id"].isin(running)].sort_values(["overeenkomst_id", "maand"])
    last = cm.groupby("overeenkomst_id").tail(1).copy()
    last12 = cm.groupby("overeenkomst_id").tail(12).groupby("overeenkomst_id")["in_achterstand"].sum()
    last["n12"] = last["overeenkomst_id"].map(last12).fillna(0)
    last["achterstand"] = last["maanden_achterstand"].where(last["in_achterstand"], 0.0).fillna(0.0)
    last = _text(
        last,
        [
            "leeftijdsklasse",
            "huishoudsamenstelling",
            "huurtoeslag",
            "betaalwijze",
            "inkomensklasse",
            "contractduur_klasse",
            "huurklasse",
            "wijk",
        ],
    )
    last["object_id"] = last["overeenkomst_id"].astype(str)
    return {"verhuur": units, "overlast": zaken, "incasso": last}


def _kamers_range(segment: str, present) -> frozenset[str]:
    """The kamers_aantal values among ``present`` that the segment's kamers_aantal range covers
    (``parse_segment`` lists whole numbers 0-20 only; the order is numeric and open-ended)."""
    (part,) = [p for p in segment.split(";") if p.startswith("kamers_aantal")]
    rest = part.removeprefix("kamers_aantal")
    if rest.startswith(">="):
        lo, hi = rest[2:], None
    elif rest.startswith("<="):
        lo, hi = None, rest[2:]
    else:  # =[a..b]
        lo, hi = rest.removeprefix("=[").removesuffix("]").split("..")
    return values_in_range("kamers_aantal", lo, hi, present)


def _expected(signal: pd.Series, cand: dict[str, pd.DataFrame]) -> dict[str, str]:
    """object_id -> actie_code of the objects the signal's rule selects."""
    seg = parse_segment(signal["segment"])
    base = signal["indicator"].removesuffix("_trend")
    f = cand[signal["proces"]]
    mask = pd.Series(True, index=f.index)
    for dim, val in seg.items():
        # a range part (energielabel>=F) gives the set of its values: the object's value is one of them
        values = val if isinstance(val, frozenset) else frozenset({val})
        if dim == "partner":
            mask &= f["partners"].apply(lambda s, v=values: bool(v & s))
        elif dim == "kamers_aantal" and isinstance(val, frozenset):
            mask &= f[dim].isin(_kamers_range(signal["segment"], f[dim].dropna().unique()))
        else:
            mask &= f[dim].isin(values)
    f = f[mask]
    out: dict[str, str] = {}
    for _, r in f.iterrows():
        code = None
        if signal["proces"] == "verhuur":
            code = {
                "leegstandsduur": "VH_LEEGSTAND_OPVOLGEN" if r["leeg"] else "VH_VOORTIJDIG_PUBLICEREN",
                "huurderving_per_leegstand": "VH_LEEGSTAND_OPVOLGEN" if r["leeg"] else "VH_VOORTIJDIG_PUBLICEREN",
                "weigeringen_per_toewijzing": "VH_AANBOD_AFSTEMMEN",
                "reacties_per_publicatie": "VH_BEREIK_VERGROTEN",
            }.get(base)
        elif signal["proces"] == "overlast":
            if base in ("doorlooptijd", "aandeel_langlopend") and r["doorlooptijd_dagen"] >= 30 and not r["partners"]:
                code = "OL_ESCALEREN"
            elif base == "doorlooptijd_partner_binnen_30_dagen" and r["doorlooptijd_dagen"] >= 30:
                code = "OL_PARTNER_AANSPREKEN"
            elif base == "meldingen_per_eenheid":
                code = "OL_WIJKAANPAK"
        else:
            if base in ("instroom_achterstand", "achterstand_pct_jaarhuur") and r["achterstand"] < 1:
                code = "IN_VROEG_CONTACT" if r["in_achterstand"] else "IN_PREVENTIEF_BELLEN"
            elif base == "escalatie_deurwaarder" and r["in_achterstand"] and not r["deurwaarder_bereikt"]:
                code = "IN_REGELING_VOOR_DEURWAARDER"
        if code:
            out[r["object_id"]] = code
    return out


# --- tests -------------------------------------------------------------------------------------------


def test_only_actionable_signals_have_a_list_and_some_do(built):
    s, w = _signalen(built), _werklijst(built)
    act = _actionable(s)
    assert len(w) > 0 and w["signaal_id"].nunique() >= 2, "the simulated corporation must yield werklijsten"
    assert set(w["signaal_id"]) <= set(act["signaal_id"])
    quiet = s[~s["signaal_id"].isin(act["signaal_id"])]
    assert not w["signaal_id"].isin(quiet["signaal_id"]).any()
    assert set(w["ernst"]) <= {"hoog", "midden"}


def test_every_row_is_in_the_signals_segment_and_meets_its_rule_and_none_is_missing(built):
    s, w = _signalen(built), _werklijst(built)
    cand = _candidates(built)
    checked = 0
    for _, sig in _actionable(s).iterrows():
        got = w[w["signaal_id"] == sig["signaal_id"]]
        expected = _expected(sig, cand)
        assert dict(zip(got["object_id"], got["actie_code"], strict=True)) == expected, sig["segment"]
        assert (got["proces"] == sig["proces"]).all() and (got["segment"] == sig["segment"]).all()
        checked += len(expected)
    assert checked == len(w) > 0


def test_every_key_exists_in_the_delivered_data(built):
    w = _werklijst(built)
    for soort, (name, key) in OBJECT_KEY.items():
        delivered: set[str] = set()
        for d in built.deliveries:
            delivered |= set(_csv(d / f"{name}.csv")[key].dropna().astype(str))
        ids = set(w.loc[w["object_soort"] == soort, "object_id"])
        assert ids <= delivered, (soort, sorted(ids - delivered)[:5])
    assert set(w["object_soort"]) >= {"eenheid", "huurovereenkomst"}


def test_lists_are_ordered_by_the_documented_priority(built):
    w = _werklijst(built)
    objecten = built.query("select * from werklijsten.int_werklijst_objecten")
    m = w.merge(objecten, on=["object_soort", "object_id"], suffixes=("", "_o")).sort_values(
        ["signaal_id", "prioriteit"]
    )
    for sid, g in m.groupby("signaal_id"):
        assert list(g["prioriteit"]) == list(range(1, len(g) + 1))
        proces = g["proces"].iloc[0]
        if proces == "verhuur":
            groep = (g["toestand"] == "opgezegd").astype(int).tolist()
            assert groep == sorted(groep), sid  # vacant units first
            leeg = g[g["toestand"] == "leeg"]["dagen"].tolist()
            assert leeg == sorted(leeg, reverse=True), sid
            eind = pd.to_datetime(g[g["toestand"] == "opgezegd"]["peildatum"]).tolist()
            assert eind == sorted(eind), sid
        elif proces == "overlast":
            assert g["dagen"].tolist() == sorted(g["dagen"], reverse=True), sid
        else:
            risk = (g["maanden_achterstand"] + g["achterstand_maanden_12m"]).tolist()
            assert risk == sorted(risk, reverse=True), sid


def test_reden_and_actie_are_dutch_phrases_from_the_catalogue(built):
    w = _werklijst(built)
    cat = built.query("select * from werklijsten.werklijst_acties")
    assert w.merge(cat, on="actie_code", suffixes=("", "_c")).eval("actie == actie_c").all()
    assert set(cat["proces"]) == {"verhuur", "overlast", "incasso"}
    words = {"eenheid": ("dagen leeg", "Huur opgezegd"), "zaak": ("dagen open",), "huurovereenkomst": ("achterstand",)}
    for _, r in w.iterrows():
        assert any(word in r["reden"] for word in words[r["object_soort"]]), r["reden"]


def _personal_values(built) -> set[str]:
    values: set[str] = set()
    for f in FILES:
        personal = [c.name for c in f.columns if c.pii in (Pii.DROP, Pii.HASH)]
        if not personal:
            continue
        for d in built.deliveries:
            df = _csv(d / f.filename)
            for col in personal:
                if col in df.columns:
                    values |= {v.strip() for v in df[col].dropna().astype(str) if len(v.strip()) >= 6}
    return values


def test_no_personal_data_in_any_werklijsten_table(built):
    con = duckdb.connect(str(built.warehouse), read_only=True)
    try:
        cols = con.execute(
            "select table_name, column_name, data_type from information_schema.columns "
            "where table_schema = 'werklijsten'"
        ).fetchall()
        tables = {t for t, _, _ in cols}
        assert {"werklijst", "werklijst_historie", "werklijst_effect", "int_werklijst_objecten"} <= tables
        names = {c for _, c, _ in cols}
        assert not names & (FORBIDDEN_COLUMNS | {"relatie_id", "naam", "email", "telefoon", "geboortedatum"})
        pseudonyms = {
            r[0]
            for r in con.execute(
                "select distinct cast(relatie_id as varchar) from intermediate.int_relaties_historie"
            ).fetchall()
        }
        values = _personal_values(built) | {p for p in pseudonyms if p and len(p) >= 6}
        assert len(values) > 100
        texts: set[str] = set()
        for table, column, type_ in cols:
            if type_ == "VARCHAR":
                texts |= {
                    r[0]
                    for r in con.execute(
                        f'select distinct "{column}" from werklijsten."{table}" where "{column}" is not null'
                    ).fetchall()
                }
        assert texts & set(_werklijst(built)["object_id"])  # the scan sees the keys
        assert not texts & values
        haystack = "\n".join(texts)
        found = [v for v in values if len(v) >= 8 and v in haystack]
        assert not found, found[:5]
    finally:
        con.close()


def test_restricted_file_is_private_and_never_a_published_mart(built):
    path = built.restricted
    assert path == built.settings.published_dir / "werklijsten" / "werklijsten.duckdb"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    con = duckdb.connect(str(path), read_only=True)
    try:
        tables = {
            r[0]
            for r in con.execute(
                "select table_name from information_schema.tables where table_schema = 'werklijsten'"
            ).fetchall()
        }
        schemas = {
            r[0]
            for r in con.execute(
                "select schema_name from information_schema.schemata where catalog_name = current_database()"
            ).fetchall()
        }
        n = con.execute("select count(*) from werklijsten.werklijsten.werklijst").fetchone()[0]
    finally:
        con.close()
    assert tables == RESTRICTED_TABLES
    assert "marts" not in schemas
    assert n == len(_werklijst(built))
    published = set(published_marts(built.settings))
    assert not published & (RESTRICTED_TABLES | {"int_werklijst_objecten", "int_werklijst_object_dimensies"})
    assert not list(built.settings.published_dir.glob("werklijsten/.*tmp"))


def test_a_failed_publication_keeps_the_previous_file(built, tmp_path):
    other = dataclasses.replace(built.settings, home=tmp_path)
    other.warehouse_path.parent.mkdir(parents=True)
    duckdb.connect(str(other.warehouse_path)).close()  # a warehouse without werklijsten
    target = other.published_dir / "werklijsten" / "werklijsten.duckdb"
    target.parent.mkdir(parents=True)
    target.write_bytes(built.restricted.read_bytes())
    before = target.read_bytes()
    with pytest.raises(RuntimeError, match="werklijst"):
        publish_werklijsten(other)
    assert target.read_bytes() == before
    assert sorted(p.name for p in target.parent.iterdir()) == ["werklijsten.duckdb"]


def test_csv_export_one_file_per_wijk(built, tmp_path):
    files = export_csv(built.settings, tmp_path / "csv")
    w = _werklijst(built)
    assert len(files) == w["wijk"].fillna("onbekend").nunique()
    total = 0
    for f in files:
        raw = f.read_bytes()
        assert raw.startswith(b"\xef\xbb\xbf")
        with f.open(encoding="utf-8-sig", newline="") as fh:
            rows = list(csv.reader(fh, delimiter=";"))
        assert rows[0] == [h for _, h in CSV_COLUMNS]
        assert len({r[0] for r in rows[1:]}) == 1 and f.name == f"werklijst_{rows[1][0].replace(' ', '_')}.csv"
        total += len(rows) - 1
        assert stat.S_IMODE(f.stat().st_mode) == 0o600
    assert total == len(w)


def test_cli_shows_a_signals_list_and_exports(built, tmp_path):
    import typer

    from woonsignaal.werklijsten.cli import werklijst_command

    app = typer.Typer()
    app.command()(werklijst_command)
    runner = CliRunner()
    w = _werklijst(built).sort_values(["signaal_id", "prioriteit"])
    sid = w["signaal_id"].iloc[0]
    res = runner.invoke(app, ["--signaal", sid], env={"COLUMNS": "250"})
    assert res.exit_code == 0, res.output
    assert w[w["signaal_id"] == sid]["object_id"].iloc[0] in res.output
    res = runner.invoke(app, ["--signaal", "bestaat-niet"])
    assert res.exit_code == 0 and "geen werklijst" in res.output
    res = runner.invoke(app, ["--csv", str(tmp_path / "uit")])
    assert res.exit_code == 0 and "CSV" in res.output
    assert list((tmp_path / "uit").glob("werklijst_*.csv"))
    res = runner.invoke(app, ["--database", str(tmp_path / "nergens.duckdb")])
    assert res.exit_code == 2
    assert read_werklijst(built.settings, signaal_id=sid)[0]["prioriteit"] == 1


def test_effect_counts_last_months_rows_that_resolved(built):
    vorige = built.eerste_werklijst
    assert len(vorige) > 0
    hist = built.query("select extractdatum, count(*) n from werklijsten.werklijst_historie group by 1 order by 1")
    assert [d.date() if hasattr(d, "date") else d for d in hist["extractdatum"]] == [
        built.eerste_extractdatum,
        built.extractdatum,
    ]
    eff = built.query("select * from werklijsten.werklijst_effect")
    hov = built.query("select * from marts.fct_huurovereenkomst")
    begin = pd.to_datetime(hov["begindatum"]).dt.date
    let = set(
        hov.loc[
            ~hov["is_geannuleerd"] & (begin > built.eerste_extractdatum) & (begin <= built.extractdatum), "eenheid_id"
        ].astype(str)
    )
    closed = set(built.query("select zaak_id from marts.fct_zaak where is_afgesloten")["zaak_id"].astype(str))
    cm = (
        built.query(
            "select overeenkomst_id, maand, in_achterstand from marts.fct_contract_maand where last_day(maand) <= ?",
            [built.extractdatum],
        )
        .sort_values("maand")
        .groupby("overeenkomst_id")
        .tail(1)
    )
    running = set(hov.loc[~hov["is_beeindigd"], "overeenkomst_id"].astype(str))
    cured = set(cm.loc[~cm["in_achterstand"], "overeenkomst_id"].astype(str)) & running
    resolved = {"eenheid": let, "zaak": closed, "huurovereenkomst": cured}
    expected = {}
    for sleutel, g in vorige.groupby("signaal_sleutel"):
        ok = sum(oid in resolved[soort] for soort, oid in zip(g["object_soort"], g["object_id"], strict=True))
        expected[sleutel] = (len(g), ok)
    got = {r.signaal_sleutel: (r.rijen_vorige_lijst, r.opgelost_aantal) for r in eff.itertuples()}
    assert got == expected
    assert sum(v[1] for v in got.values()) > 0, "some rows of last month's list should have resolved"
    assert (eff["vorige_extractdatum"].dt.date == built.eerste_extractdatum).all()
    now = set(_werklijst(built)["signaal_sleutel"])
    assert (eff["vraagt_nog_actie"] == eff["signaal_sleutel"].isin(now)).all()


def test_republishing_replaces_the_file_and_removes_a_killed_runs_leftovers(built):
    leftover = built.restricted.parent / ".werklijsten-999999.duckdb.tmp"
    leftover.write_bytes(b"half geschreven")
    before = len(read_werklijst(built.settings))
    assert publish_werklijsten(built.settings) == built.restricted
    assert not leftover.exists()
    assert len(read_werklijst(built.settings)) == before
    assert stat.S_IMODE(built.restricted.stat().st_mode) == 0o600


def test_effect_for_the_report_hides_small_lists(built):
    from woonsignaal.werklijsten import read_effect

    raw = built.query("select * from werklijsten.werklijst_effect")
    rows = read_effect(built.settings)
    assert len(rows) == len(raw) > 0
    minimum = built.settings.minimum_group_size
    by_key = {r.signaal_sleutel: r for r in raw.itertuples()}
    assert any(r["rijen_vorige_lijst"] >= minimum for r in rows)
    for r in rows:
        want = by_key[r["signaal_sleutel"]]
        if r["rijen_vorige_lijst"] < minimum:
            assert r["opgelost_aantal"] is None and r["opgelost_pct"] is None
        else:
            assert r["opgelost_aantal"] == want.opgelost_aantal
    assert not {"object_id", "object_soort"} & set(rows[0])
