"""Deliveries the nightly steps must refuse, each with its fault class and where, leaking nothing.

One row of ``CASES`` per fault; ``fault_suite.run_fault_case`` runs it and asserts the rest.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from tests.faults.fault_suite import Delivery, FaultCase, copy_outside, run_fault_case
from tests.ingest.ingest_builder import DAY2, base_rows, write_delivery

from woonsignaal.contract import FILES_BY_NAME

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
#: case text of 3 MB: longer than DuckDB's maximum line size, with a name and an IBAN in it
HUGE_CASE_TEXT = "Buurman Geheimhuizen belt; rekening NL44RABO0123456789. " * 55_000


def _cut_mid_record(delivery: Delivery) -> None:
    """A transfer stopped inside the last tenant's record; the manifest is the sender's (not updated)."""
    p = delivery.file("relaties")
    data = p.read_bytes()
    p.write_bytes(data[: data.index(b"NL39ASNB07") + len(b"NL39ASNB07")])


def _extra_field(delivery: Delivery) -> None:
    """A record with one field too many (a ';' in an unquoted name), manifest updated to match."""
    p = delivery.file("relaties")
    p.write_bytes(p.read_bytes().replace(b"De Vries-Testpersoon", b"De Vries;Testpersoon"))
    delivery.rewrite_manifest()


def _huge_case_text(delivery: Delivery) -> None:
    delivery.rows["zaken"][1]["omschrijving"] = HUGE_CASE_TEXT
    write_delivery(delivery.folder.parent, delivery.extractdatum, delivery.rows, manifest=False)
    delivery.rewrite_manifest()


def _latin1_name(delivery: Delivery) -> None:
    p = delivery.file("relaties")
    p.write_bytes(p.read_bytes().replace(b"Jansen-Testpersoon", "Jänsen-Testpersoon".encode("latin-1")))
    delivery.rewrite_manifest()


def _no_bedrag_column(delivery: Delivery) -> None:
    (delivery.folder / "manifest.json").unlink()
    header = [c for c in FILES_BY_NAME["boekingen"].column_names if c != "bedrag"]
    write_delivery(delivery.folder.parent, delivery.extractdatum, delivery.rows, headers={"boekingen": header})


def _symlinked_file(delivery: Delivery) -> None:
    copy_outside(delivery.file("relaties"), delivery.folder.parent.parent / "elders")


def _made_in_the_future(delivery: Delivery) -> None:
    delivery.rewrite_manifest(aangemaakt_op=datetime.now(AMSTERDAM) + timedelta(days=30))


def _extract_after_made(delivery: Delivery) -> None:
    delivery.rewrite_manifest(aangemaakt_op=datetime(2026, 1, 5, 2, 0, tzinfo=AMSTERDAM))


def _delta_labelled_volledig(delivery: Delivery) -> None:
    """The snapshots as before, no event rows at all: a delta whose manifest says volledig."""
    rows = base_rows()
    for name in (
        "publicaties",
        "aanbiedingen",
        "zaken",
        "zaakstatussen",
        "zaakbetrokkenen",
        "boekingen",
        "incassoacties",
        "betalingsregelingen",
    ):
        rows[name] = []
    (delivery.folder / "manifest.json").unlink()
    write_delivery(delivery.folder.parent, delivery.extractdatum, rows, soort="volledig")


def _nothing(delivery: Delivery) -> None:
    pass


TODAY = datetime.now(AMSTERDAM).date()
CASES = [
    FaultCase(
        "file cut off mid-record",
        _cut_mid_record,
        "afgebroken",
        "relaties.csv",
        4,
        detail="sha256 verschilt van het manifest; het bestand lijkt afgebroken na regel 4",
    ),
    FaultCase("record with a field too many", _extra_field, "csv_structuur", "relaties.csv", 3),
    FaultCase(
        "3 MB case text",
        _huge_case_text,
        "csv_structuur",
        "zaken.csv",
        3,
        geheimen=("Geheimhuizen", "NL44RABO0123456789"),
    ),
    FaultCase("not UTF-8 in a name", _latin1_name, "codering", "relaties.csv", 2, "naam"),
    FaultCase(
        "required column missing", _no_bedrag_column, "kolom_ontbreekt", "boekingen.csv", 1, "bedrag", stap="laad_raw"
    ),
    FaultCase("symbolic link out of the delivery", _symlinked_file, "buiten_levering", "relaties.csv"),
    FaultCase(
        "aangemaakt_op in the future",
        _made_in_the_future,
        "extractdatum",
        "2026-01-10/manifest.json",
        detail="ligt in de toekomst",
    ),
    FaultCase(
        "extractdatum after aangemaakt_op",
        _extract_after_made,
        "extractdatum",
        "2026-01-10/manifest.json",
        detail="ligt na aangemaakt_op",
    ),
    FaultCase(
        "typo year 2099",
        _nothing,
        "extractdatum",
        "2099-01-10/manifest.json",
        extractdatum=date(2099, 1, 10),
        detail="extractdatum 2099-01-10 ligt na vandaag",
    ),
    FaultCase(
        "a month in the future",
        lambda d: d.rewrite_manifest(aangemaakt_op=datetime.now(AMSTERDAM)),
        "extractdatum",
        f"{TODAY + timedelta(days=30)}/manifest.json",
        extractdatum=TODAY + timedelta(days=30),
        detail="ligt na vandaag",
    ),
    FaultCase(
        "delta labelled volledig",
        _delta_labelled_volledig,
        "verwijderingen",
        "publicaties.csv",
        stap="laad_raw",
        eerst=True,
        extractdatum=DAY2,
        detail="mist 2 van de 2 huidige rijen van publicaties",
    ),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_refused_delivery(case, fault_env):
    run_fault_case(case, fault_env)
