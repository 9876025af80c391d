"""The byte scan that lets the parse leave trimming out: it must never miss a value trim changes."""

from __future__ import annotations

import csv
import io
import random

import duckdb
import pytest

from woonsignaal.ingest.verify import EdgeSpaces, check_file_bytes

# what DuckDB's trim strips (U+0020 and the Unicode space separators; tabs and line breaks stay)
_TRIMMED = " \u00a0\u1680" + "".join(chr(c) for c in range(0x2000, 0x200B)) + "\u202f\u205f\u3000"
_PLAIN = ["a", "7", "01-12-2016", "-12,50", "x y", "\t", "é", "€", "–", ";", '"', "\n", "\r\n"]
_SPACES = [" ", "  ", *_TRIMMED[1:]]


def _scan(data: bytes, chunk: int) -> bool:
    edges = EdgeSpaces()
    for i in range(0, len(data), chunk):
        edges.update(data[i : i + chunk])
    return edges.finish()


def _csv(rng: random.Random) -> tuple[bytes, list[str]]:
    """A small CSV in the contract's dialect (BOM or not, LF or CRLF) and its values."""
    rows = [[f"k{i}" for i in range(3)]]
    for _ in range(rng.randint(1, 4)):
        rows.append(
            [
                "".join(rng.choice(_SPACES if rng.random() < 0.04 else _PLAIN) for _ in range(rng.randint(0, 3)))
                for _ in range(3)
            ]
        )
    out = io.StringIO()
    csv.writer(out, delimiter=";", quotechar='"', lineterminator=rng.choice(["\n", "\r\n"])).writerows(rows)
    text = out.getvalue()
    if rng.random() < 0.3:
        text = text.rstrip("\r\n")  # no line break after the last record
    data = text.encode("utf-8")
    return (b"\xef\xbb\xbf" + data if rng.random() < 0.5 else data), [v for r in rows[1:] for v in r]


def test_scan_never_misses_a_value_trim_changes():
    con = duckdb.connect()
    rng = random.Random(20261205)
    padded = clean = 0
    for _ in range(3000):
        data, values = _csv(rng)
        trims = con.execute("select list_transform(?::varchar[], lambda v: trim(v))", [values]).fetchone()[0]
        changed = any(t != v for t, v in zip(trims, values, strict=True))
        for chunk in (1, 2, 3, 5, len(data)):
            assert _scan(data, chunk) or not changed, (data, chunk)
        padded += changed
        clean += not _scan(data, len(data))
    # both outcomes occur, and clean files are recognised as such (the point of the scan)
    assert padded > 300 and clean > 300, (padded, clean)


@pytest.mark.parametrize(
    ("data", "padded"),
    [
        (b"a;b\n1;2\n", False),
        (b"a;b\n1;2 \n", True),  # trailing space before the line break
        (b"a;b\n1 ;x y\n", True),  # one edge space, one inner space
        (b"a;b\r\n1 ;2\r\n", True),
        (b"a;b\n1; 2\n", True),
        (b"a;b\n 1;2\n", True),  # leading space at the start of a line
        (b'a;b\n"1 ";2\n', True),  # inside quotes
        (b"a;b\n1;2 ", True),  # at the end of the file
        (b"a;b\n1;01-12-2016 01:59:24\n", False),  # a space inside a value
        (b"\xef\xbb\xbfa;b\n1;\xc3\xa9t\xc3\xa9\n", False),  # BOM and Latin letters
        (b"a;b\n1;\xc2\xa02\n", True),  # NBSP
        (b"a;b\n1;2\xe3\x80\x80\n", True),  # ideographic space
        (b"a;b\n1;\xe2\x82\xac 5\n", False),  # a euro sign and an inner space
        (b"a;b\n1;\t2\n", False),  # trim keeps tabs
    ],
)
def test_scan_cases(data, padded, tmp_path):
    for chunk in range(1, len(data) + 1):  # a space or a multi-byte character at every chunk edge
        assert _scan(data, chunk) is padded, chunk
    path = tmp_path / "f.csv"
    path.write_bytes(data)
    check = check_file_bytes(path)
    assert check.padded is padded
    assert check.newlines == data.count(b"\n")
