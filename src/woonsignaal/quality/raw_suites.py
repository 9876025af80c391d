"""The raw Great Expectations suites, generated from ``woonsignaal.contract``.

One suite per contract file, committed as ``expectations/raw/<file>.json`` (a test checks that the
committed JSON equals :func:`generate_raw_suites`; regenerate with
``python -m woonsignaal.quality.raw_suites``). They run on the parsed, pseudonymised scratch tables
of a delivery before it is merged into the warehouse (``main.<file>``, with ``referentiedata``,
``_vorige_levering`` (snapshot row counts of the previous delivery) and ``_levering`` beside them).

What they check, per file: exactly the stored columns (no personal data that must be dropped), key
unique, required fields not null, codes present in the delivery's referentiedata (a value set passed
as the suite parameter ``codes_<soort>``: :func:`code_parameters`), person keys and hashed columns
look like keyed hashes, no ``;`` or ``=`` in a value that becomes part of a signal segment
(:data:`SEGMENT_SOURCE_COLUMNS`), plausible ranges (``mostly`` 0.99: a few odd rows are reported in the
quarantine/warnings, a systematic fault stops the load), and for snapshot files the row count
against the previous delivery (within the bounds the loader writes to ``_vorige_levering``: by default
20 % + 5 rows, ``WOONSIGNAAL_LEVERING_TOLERANTIE``).
"""

from __future__ import annotations

import json
import math
from pathlib import Path

from woonsignaal.contract import (
    CODELISTS,
    CONTRACT_VERSION,
    FILES,
    ContractFile,
    FileKind,
    Pii,
)
from woonsignaal.raw_schema import stored_column_name
from woonsignaal.sqltext import quote_identifier, quote_literal

#: (min, max) plausibility ranges by (file, column); checked with mostly = RANGE_MOSTLY.
RANGES: dict[tuple[str, str], tuple[float | None, float | None]] = {
    ("eenheden", "bouwjaar"): (1800, 2100),
    ("eenheden", "kamers_aantal"): (0, 20),
    ("eenheden", "oppervlakte_m2"): (1, 2000),
    ("eenheden", "etage"): (-2, 60),
    ("eenheden", "nettohuur"): (0, 5000),
    ("eenheden", "brutohuur"): (0, 6000),
    ("relaties", "personen_aantal"): (1, 20),
    ("relaties", "bruto_jaarinkomen"): (0, 1_000_000),
    ("huurovereenkomsten", "startbrutohuur"): (0, 6000),
    ("publicaties", "reacties_aantal"): (0, 100_000),
    ("aanbiedingen", "kandidaat_positie"): (1, 100_000),
    ("boekingen", "bedrag"): (-100_000, 100_000),
    ("incassoacties", "achterstand_bedrag"): (-1_000, 1_000_000),
    ("betalingsregelingen", "bedrag"): (0, 1_000_000),
    ("betalingsregelingen", "termijnen_aantal"): (1, 360),
}
RANGE_MOSTLY = 0.99

#: Delivered columns whose values become part of a signal's segment, written ``dim=val;dim=val``
#: (``woonsignaal.signals.segments``): a ``;`` or ``=`` in such a value cannot be written there, so
#: the parse quarantines the row (file, line, column) instead of the signal engine failing the night
#: when a signal falls on it, and the raw suite checks that none is left. The other dimensions are
#: booleans, numbers or classes.
SEGMENT_SOURCE_COLUMNS: dict[str, tuple[str, ...]] = {
    "complexen": ("complex_id", "wijk"),
    "eenheden": ("complex_id", "detailsoort", "huurklasse", "energielabel"),
    "relaties": ("huishoudsamenstelling",),
    "huurovereenkomsten": ("betaalwijze",),
    "zaken": ("zaaktype_detailsoort",),
    "zaakbetrokkenen": ("partner",),
}
SEGMENT_SEPARATORS = (";", "=")
#: (file, end column, start column): periods do not end before they start.
PERIODS: list[tuple[str, str, str]] = [
    ("eenheidstatussen", "einddatum", "begindatum"),
    ("huurovereenkomsten", "einddatum", "begindatum"),
    ("publicaties", "einddatum", "begindatum"),
    ("zaken", "einddatum", "registratiedatum"),
    ("zaakstatussen", "einddatum", "begindatum"),
]
ROW_COUNT_SLACK = 5  # rows a snapshot file may differ beyond the tolerance (small files)


KEY_DESCRIPTION = "key is unique"
ROW_COUNT_DESCRIPTION = "row count close to the previous delivery's (WOONSIGNAAL_LEVERING_TOLERANTIE)"


def row_count_bounds(previous: int, tolerance: float) -> tuple[int, int]:
    """The row counts a snapshot file may have after one of ``previous`` rows."""
    return math.ceil((1 - tolerance) * previous) - ROW_COUNT_SLACK, math.floor(
        (1 + tolerance) * previous
    ) + ROW_COUNT_SLACK


def rows_parameter(f: ContractFile) -> str:
    """Name of the suite parameter with the number of rows of scratch table ``main.<file>``."""
    return f"rijen_{f.name}"


def _e(type_: str, description: str | None = None, **kwargs) -> dict:
    out: dict = {"type": type_, "kwargs": kwargs, "meta": {}}
    if description:
        out["description"] = description
    return out


def scratch_columns(f: ContractFile) -> list[str]:
    """Columns of the scratch table ``main.<file>`` that the ingest parses into."""
    cols = [stored_column_name(f, c.name) for c in f.stored_columns]
    cols += ["_rij", "_regelnummer"]
    if f.kind is FileKind.SNAPSHOT:
        cols.append("_rij_hash")
    return cols


def codes_parameter(codelist: str) -> str:
    """Name of the suite parameter with the codes of code list ``codelist`` (a VERA ``Soort``)."""
    return f"codes_{codelist}"


def code_parameters(codes: dict[str, list[str]]) -> dict[str, list[str]]:
    """The ``codes_<soort>`` suite parameters for every code list the contract uses.

    ``codes`` maps a code list to its codes: the delivery's referentiedata plus the contract's eigen
    lijsten (the parse's ``_codes``). A list the delivery has no codes for is empty, so every code in
    it is unexpected, as in the parse.
    """
    return {codes_parameter(s): sorted(set(codes.get(s, []))) for s in CODELISTS}


def suite_for(f: ContractFile) -> dict:
    exps: list[dict] = [
        _e(
            "expect_table_columns_to_match_set",
            "only the stored columns: personal data to drop is absent",
            column_set=scratch_columns(f),
            exact_match=True,
        )
    ]
    keys = [stored_column_name(f, k) for k in f.key]
    if f.kind is not FileKind.REFERENCE:  # VERA has real duplicates: reported, never fatal
        if len(keys) == 1:
            # as many distinct keys as rows: one count(distinct), where expect_column_values_to_be_unique
            # counts per value with a window, which is slower on large files.
            # The row count is a suite parameter, passed by the loader; a proportion of unique values
            # cannot say it: GX makes it 0 for the empty files of a delta
            rows = {"$PARAMETER": rows_parameter(f)}
            exps.append(
                _e(
                    "expect_column_unique_value_count_to_be_between",
                    KEY_DESCRIPTION,
                    column=keys[0],
                    min_value=rows,
                    max_value=rows,
                )
            )
        else:
            exps.append(_e("expect_compound_columns_to_be_unique", KEY_DESCRIPTION, column_list=keys))
    for c in f.columns:
        if c.required and c.pii is not Pii.DROP:
            exps.append(
                _e("expect_column_values_to_not_be_null", "required field", column=stored_column_name(f, c.name))
            )
    for c in f.columns:
        if c.codelist:
            # a value set, not a join to referentiedata: GX counts it in the one query per table that
            # also counts the empty required fields, where the join scans the code column twice
            exps.append(
                _e(
                    "expect_column_values_to_be_in_set",
                    f"{c.name}: code in referentiedata {c.codelist}",
                    column=stored_column_name(f, c.name),
                    value_set={"$PARAMETER": codes_parameter(c.codelist)},
                )
            )
    for c in f.columns:
        if c.pii in (Pii.HASH, Pii.PSEUDONYMISE):
            col = stored_column_name(f, c.name)
            exps.append(
                _e(
                    "unexpected_rows_expectation",
                    f"{col}: keyed hash, never the value in clear",
                    unexpected_rows_query=(
                        f"select 1 from {{batch}} where {quote_identifier(col)} is not null and "
                        f"not regexp_full_match({quote_identifier(col)}, '[0-9a-f]{{{{64}}}}')"
                    ),
                )
            )
    for col in SEGMENT_SOURCE_COLUMNS.get(f.name, ()):
        found = " or ".join(f"contains({quote_identifier(col)}, {quote_literal(c)})" for c in SEGMENT_SEPARATORS)
        exps.append(
            _e(
                "unexpected_rows_expectation",
                f"{col}: no ; or = (they separate the parts of a signal segment)",
                unexpected_rows_query=f"select 1 from {{batch}} where {found}",
            )
        )
    for (fname, col), (lo, hi) in RANGES.items():
        if fname == f.name:
            kw = {"column": col, "mostly": RANGE_MOSTLY}
            if lo is not None:
                kw["min_value"] = lo
            if hi is not None:
                kw["max_value"] = hi
            exps.append(_e("expect_column_values_to_be_between", f"{col}: plausible range", **kw))
    if f.name == "eenheden":
        exps.append(
            _e(
                "unexpected_rows_expectation",
                "bouwjaar not after the extract year (1 % tolerance)",
                unexpected_rows_query=(
                    "select n from (select count(*) filter (where bouwjaar > year((select max(extractdatum) "
                    "from _levering))) as n, count(*) as total from {batch}) where n > 0.01 * total"
                ),
            )
        )
    for fname, end, start in PERIODS:
        if fname == f.name:
            exps.append(
                _e(
                    "expect_column_pair_values_a_to_be_greater_than_b",
                    f"{end} not before {start}",
                    column_A=end,
                    column_B=start,
                    or_equal=True,
                    ignore_row_if="either_value_is_missing",
                    mostly=RANGE_MOSTLY,
                )
            )
    if f.kind is FileKind.SNAPSHOT:
        exps.append(
            _e(
                "unexpected_rows_expectation",
                ROW_COUNT_DESCRIPTION,
                unexpected_rows_query=(
                    f"select b.n, v.rijen from (select count(*) as n from {{batch}}) b "
                    f"join _vorige_levering v on v.bestand = {quote_literal(f.name)} "
                    f"where b.n not between v.min_rijen and v.max_rijen"
                ),
            )
        )
    return {
        "name": f"raw.{f.name}",
        "expectations": exps,
        "meta": {
            "generated_by": "woonsignaal.quality.raw_suites",
            "contract_versie": CONTRACT_VERSION,
            "table": f.name,
            "notes": f"Raw suite for {f.filename}; regenerate, do not edit by hand.",
        },
    }


def generate_raw_suites() -> dict[str, dict]:
    """file name -> suite JSON (as a dict)."""
    return {f.name: suite_for(f) for f in FILES}


def dumps(suite: dict) -> str:
    return json.dumps(suite, indent=2, ensure_ascii=False, sort_keys=False) + "\n"


def write_raw_suites(target: Path) -> list[Path]:
    target = Path(target)
    target.mkdir(parents=True, exist_ok=True)
    written = []
    for name, suite in generate_raw_suites().items():
        p = target / f"{name}.json"
        p.write_text(dumps(suite), encoding="utf-8")
        written.append(p)
    return written


if __name__ == "__main__":  # pragma: no cover
    from woonsignaal.settings import get_settings

    for p in write_raw_suites(get_settings().expectations_dir / "raw"):
        print(p)
