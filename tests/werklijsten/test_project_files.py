"""Fast checks of the werklijsten project files (no build needed)."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
PROJECT = ROOT / "dbt_project"
MODELS = PROJECT / "models" / "werklijsten"

#: The same list as tests/dbt/test_project_files.py: SQL that only DuckDB understands.
DUCKDB_ONLY = [
    r"\bqualify\b",
    r"\bstrptime\b",
    r"\blist_\w+\(",
    r"::",
    r"\bmedian\(",
    r"\bdate_diff\(",
    r"\binterval \d",
    r"\bilike\b",
    r"\bstruct_",
    r"\bepoch\(",
    r"\bifnull\(",
    r"\biif\(",
    r"\bregexp_",
    r"\bstring_split",
    r"\bcontains\(",
]


def _catalogue() -> list[dict]:
    with (PROJECT / "seeds" / "werklijst_acties.csv").open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_models_use_portable_sql():
    sql_files = sorted(MODELS.rglob("*.sql"))
    assert {str(p.relative_to(MODELS)) for p in sql_files} == {
        "intermediate/int_werklijst_objecten.sql",
        "intermediate/int_werklijst_object_dimensies.sql",
        "werklijst.sql",
        "werklijst_historie.sql",
        "werklijst_effect.sql",
    }
    for p in sql_files:
        sql = re.sub(r"\{#.*?#\}", "", p.read_text(encoding="utf-8"), flags=re.S).lower()
        for pattern in DUCKDB_ONLY:
            assert not re.search(pattern, sql), f"{p.name}: {pattern}"


def test_every_model_is_restricted_described_and_never_published():
    models = [
        m for p in MODELS.rglob("_*__models.yml") for m in yaml.safe_load(p.read_text(encoding="utf-8"))["models"]
    ]
    names = {m["name"] for m in models}
    assert names == {p.stem for p in MODELS.rglob("*.sql")}
    for model in models:
        config = model.get("config") or {}
        assert config.get("schema") == "werklijsten", model["name"]
        assert config.get("access", model.get("access", "protected")) != "public", model["name"]
        assert model.get("description"), model["name"]
        assert all(c.get("description") for c in model.get("columns", [])), model["name"]


def test_catalogue_is_small_documented_and_used_by_the_rules():
    rows = _catalogue()
    codes = [r["actie_code"] for r in rows]
    assert len(codes) == len(set(codes)) and 3 <= len(codes) <= 15
    assert {r["proces"] for r in rows} == {"verhuur", "overlast", "incasso"}
    assert all(
        r["actie_code"].startswith({"verhuur": "VH_", "overlast": "OL_", "incasso": "IN_"}[r["proces"]]) for r in rows
    )
    docs = (ROOT / "docs" / "werklijsten.md").read_text(encoding="utf-8")
    rules = (MODELS / "werklijst.sql").read_text(encoding="utf-8")
    for r in rows:
        assert f"`{r['actie_code']}`" in docs, r["actie_code"]
        assert r["actie"] in docs, r["actie"]
        assert f"'{r['actie_code']}'" in rules, r["actie_code"]
    assert set(re.findall(r"'((?:VH|OL|IN)_[A-Z_]+)'", rules)) == set(codes)


def test_order_seed_is_generated_from_the_ordered_dimensions():
    """seed segment_volgorde is the order of ranges.ORDERED_DIMENSIONS (one definition), as written by
    dbt_project/scripts/build_seeds.py; kamers_aantal (ordered by its number) has no rows."""
    from woonsignaal.signals.ranges import ORDERED_DIMENSIONS

    with (PROJECT / "seeds" / "segment_volgorde.csv").open(encoding="utf-8", newline="") as fh:
        seed = list(csv.DictReader(fh))
    expected = {
        (dim, value, str(rang))
        for dim, order in ORDERED_DIMENSIONS.items()
        if order
        for rang, value in enumerate(order)
    }
    assert {(r["dimensie"], r["waarde"], r["rang"]) for r in seed} == expected
    assert len(seed) == len(expected)
    assert "kamers_aantal" not in {r["dimensie"] for r in seed}
    # the file is exactly what the builder writes (regenerate: .venv/bin/python dbt_project/scripts/build_seeds.py)
    import importlib.util

    spec = importlib.util.spec_from_file_location("build_seeds", PROJECT / "scripts" / "build_seeds.py")
    builder = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(builder)
    with (PROJECT / "seeds" / "segment_volgorde.csv").open(encoding="utf-8", newline="") as fh:
        assert list(csv.reader(fh)) == [builder.VOLGORDE_HEADER, *builder.volgorde_rows()]
    assert "ref('segment_volgorde')" in (MODELS / "werklijst.sql").read_text(encoding="utf-8")
