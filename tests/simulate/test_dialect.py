"""The CSV dialect of section 2: BOM, ';', quoting, dd-mm-jjjj, decimal comma, J/N."""

from __future__ import annotations

import re

from woonsignaal import contract
from woonsignaal.contract import ColumnType

from .conftest import read_delivered, read_dicts

PATTERNS = {
    ColumnType.DATE: re.compile(r"\d{2}-\d{2}-\d{4}"),
    ColumnType.TIMESTAMP: re.compile(r"\d{2}-\d{2}-\d{4} \d{2}:\d{2}:\d{2}"),
    ColumnType.DECIMAL: re.compile(r"-?\d+,\d{2}"),
    ColumnType.INTEGER: re.compile(r"-?\d+"),
    ColumnType.BOOLEAN: re.compile(r"[JN]"),
}


def test_every_value_has_its_contract_type_and_required_fields_are_filled(small_sim):
    for folder in small_sim.deliveries[:2]:
        for spec in contract.FILES:
            if spec is contract.REFERENTIEDATA:
                continue
            header, rows = read_delivered(folder / spec.filename)
            for i, col in enumerate(header):
                c = spec.column(col)
                pat = PATTERNS.get(c.type)
                for r in rows:
                    assert len(r) == len(header), (spec.filename, r)
                    v = r[i]
                    if v == "":
                        assert not c.required, (spec.filename, col)
                        continue
                    if pat is not None:
                        assert pat.fullmatch(v), (spec.filename, col, v)


def test_quoted_fields_round_trip(small_sim):
    folder = small_sim.deliveries[0]
    names = [r["naam"] for r in read_dicts(folder / "relaties.csv")]
    assert any(";" in n for n in names)
    assert any('"' in n for n in names)
    texts = [r["omschrijving"] for r in read_dicts(folder / "zaken.csv")]
    assert any("\n" in t for t in texts)
    assert any(";" in t for t in texts)
    assert any('"' in t for t in texts)
    raw = (folder / "zaken.csv").read_text(encoding="utf-8-sig")
    assert '""' in raw  # quotes inside a quoted field are doubled


def test_both_line_endings_occur(small_sim):
    folder = small_sim.deliveries[0]
    assert b"\r\n" in (folder / "boekingen.csv").read_bytes()
    assert b"\r\n" not in (folder / "eenheden.csv").read_bytes()


def test_ids_are_strings_and_complex_ids_carry_letters(small_sim):
    rows = read_dicts(small_sim.deliveries[0] / "complexen.csv")
    assert all(re.fullmatch(r"C\d{4}", r["complex_id"]) for r in rows)
    assert all(re.fullmatch(r"BU\d{8}", r["buurtcode"]) for r in rows)


def test_personal_data_is_present_and_realistic(small_sim):
    rows = read_dicts(small_sim.deliveries[0] / "relaties.csv")
    for r in rows[:200]:
        assert re.fullmatch(r"NL\d{2}[A-Z]{4}\d{10}", r["iban"])
        digits = "".join(str(int(ch, 36)) for ch in r["iban"][4:] + r["iban"][:4])
        assert int(digits) % 97 == 1  # a valid IBAN check
        bsn = r["bsn"]
        assert (
            len(bsn) == 9 and sum(int(d) * w for d, w in zip(bsn, [9, 8, 7, 6, 5, 4, 3, 2, -1], strict=True)) % 11 == 0
        )
        assert "@" in r["email"] and r["telefoon"].startswith("06-")
    assert len({r["bsn"] for r in rows}) == len(rows)
