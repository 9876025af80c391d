"""The contract module agrees with the contract document (the corporations' text) and the raw layer
keeps personal data out."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from woonsignaal import contract, raw_schema
from woonsignaal.contract import Pii

# the contract document as agreed with the corporations, kept in the repo (docs/contract/)
CONTRACT_MD = Path(__file__).resolve().parents[1] / "docs" / "contract" / "aanlevering-v1.md"


@pytest.fixture(scope="module")
def document() -> str:
    assert CONTRACT_MD.is_file(), f"contract document not found at {CONTRACT_MD}"
    return CONTRACT_MD.read_text(encoding="utf-8")


def _section4_files(document: str) -> dict[str, str]:
    section = document.split("## 4. Files")[1].split("## 5.")[0]
    blocks = re.split(r"\n(?=\*\*[a-z]+\.csv\*\*)", section)
    files = {}
    for block in blocks:
        m = re.match(r"\*\*([a-z]+)\.csv\*\*", block)
        if m:
            files[m.group(1)] = block
    return files


def test_every_file_of_the_document_is_described(document):
    files = _section4_files(document)
    assert set(files) | {"verwijderingen"} == {f.name for f in contract.FILES}


def test_columns_required_flags_and_codelists_match(document):
    checked: set[str] = set()
    for name, block in _section4_files(document).items():
        if name == "referentiedata":
            continue
        cf = contract.file_by_name(name)
        documented = re.findall(r"`([a-z0-9_]+)`(\*?)(?:\s*\((?:\*eigen lijst\*\s+)?([A-Z]{4,})[ :)])?", block)
        doc_cols = list(dict.fromkeys(c for c, _, _ in documented))  # prose may name a column again
        # the document lists the columns in the module's order
        assert [c for c in doc_cols if c in cf.column_names] == cf.column_names, name
        seen: set[str] = set()
        for col, star, codelist in documented:
            if col not in cf.column_names or col in seen:
                continue
            seen.add(col)
            column = cf.column(col)
            assert column.required == (star == "*"), f"{name}.{col} required flag"
            if codelist:
                assert column.codelist == codelist, f"{name}.{col} code list"
                checked.add(f"{name}.{col}")

    # every code column of the module was found in the document with the same list
    assert checked == {f"{f.name}.{c.name}" for f in contract.FILES for c in f.columns if c.codelist}


def test_composite_keys_match_section3(document):
    section = document.split("## 3.")[1].split("## 4.")[0]
    assert contract.EENHEIDSTATUSSEN.key == ("eenheid_id", "begindatum")
    assert contract.ZAAKSTATUSSEN.key == ("zaak_id", "soort", "begindatum")
    assert contract.ZAAKBETROKKENEN.key == ("zaak_id", "partner")
    for f in contract.FILES:
        if f.kind in (contract.FileKind.SNAPSHOT, contract.FileKind.EVENT) and len(f.key) == 1:
            assert f.key[0] == f.columns[0].name  # "the first column of each file"
    assert "`eenheidstatussen` (`eenheid_id`, `begindatum`)" in section


def test_signalen_columns_match_section6(document):
    section = document.split("## 6.")[1]
    documented = re.findall(r"^\| `([a-z_]+)`(?:, `([a-z_]+)`)? \|", section, re.M)
    cols = [c for pair in documented for c in pair if c]
    assert cols == list(contract.SIGNALEN_COLUMNS)


def test_segment_dimensions_match_section6(document):
    section = document.split("Segment dimension names")[1]
    for dim in contract.SEGMENT_DIMENSIONS:
        assert f"`{dim}`" in section, dim


def test_personal_data_never_reaches_raw():
    tables = raw_schema.raw_tables()
    for f in contract.FILES:
        cols = tables[f.name]
        for c in f.columns:
            if c.pii is Pii.DROP:
                assert c.name not in cols, f"{f.name}.{c.name} must not be stored"
            if c.pii is Pii.HASH:
                assert c.name not in cols and f"{c.name}_hash" in cols
    assert {c.name for f in contract.FILES for c in f.columns if c.pii is Pii.DROP} == {
        "naam",
        "email",
        "telefoon",
        "omschrijving",
    }
    assert contract.RELATIES.column("naam").pii is Pii.DROP
    assert contract.COMPLEXEN.column("naam").pii is None  # a complex's name is not personal data


def test_class_rules_put_each_bound_in_the_class_above_it():
    k = contract.KLASSENINDELINGEN
    assert [k["bouwjaar_klasse"].klasse(y) for y in (1944, 1945, 1969, 1970, 2009, 2010, 2030)] == [
        "<1945",
        "1945-1969",
        "1945-1969",
        "1970-1989",
        "1990-2009",
        "2010+",
        "2010+",
    ]
    # etage: "up to and including": 0 (and a basement) is 0, 1 and 2 are 1-2
    assert [k["etage_klasse"].klasse(e) for e in (-1, 0, 1, 2, 3, 12)] == ["0", "0", "1-2", "1-2", "3+", "3+"]
    assert [k["inkomensklasse"].klasse(x) for x in (19999.99, 20000, 59999, 60000)] == [
        "<20k",
        "20-30k",
        "45-60k",
        "60k+",
    ]
    assert contract.SEGMENT_DIMENSIONS["inkomensklasse"] == k["inkomensklasse"].labels
    with pytest.raises(ValueError):
        contract.Klassenindeling(("a", "b"), (1, 2))
    with pytest.raises(ValueError):
        contract.Klassenindeling(("a", "b", "c"), (2, 1))


def test_the_simulator_classifies_by_the_contract_rules():
    import numpy as np

    from woonsignaal.simulate.common import klassen

    for name, indeling in contract.KLASSENINDELINGEN.items():
        values = np.array(sorted({b + d for b in indeling.grenzen for d in (-1, -0.5, 0, 0.5, 1)}))
        assert list(klassen(values, indeling)) == [indeling.klasse(v) for v in values], name
