"""Small hand-made deliveries for the ingest tests (all 15 contract files, valid by default).

Rows are dicts of column -> formatted text (``None`` = empty), so a test can corrupt a single field,
drop a column, add one, duplicate a row and so on, then write the delivery with a fresh manifest.
The personal data in here is distinctive so the PII scan can look for it.
"""

from __future__ import annotations

import copy
import datetime as dt
from pathlib import Path

import duckdb

from woonsignaal import contract
from woonsignaal.simulate.referentie import write_referentiedata
from woonsignaal.simulate.writer import write_csv, write_manifest

PII = {
    "naam": ["Jansen-Testpersoon", "De Vries-Testpersoon", "Bakker; Sr.", 'O\'Brien "Bob"'],
    "email": ["jansen.test@example.nl", "devries.test@example.nl", "bakker.test@example.nl", "obrien@example.nl"],
    "telefoon": ["0612345678", "0687654321", "0201234567", "+31 6 11122233"],
    "iban": ["NL91ABNA0417164300", "NL20INGB0001234567", "NL02RABO0123456789", "NL39ASNB0708090100"],
    "bsn": ["111222333", "123456782", "987654321", "192837465"],
}
RELATIE_IDS = ["R9001", "R9002", "R9003", "R9004"]
OMSCHRIJVINGEN = [
    'Buurman Pietersen klaagt; "harde muziek"\nna 22:00, heeft astma',
    "Mevrouw Smit meldt stankoverlast",
]


def base_rows() -> dict[str, list[dict[str, str | None]]]:
    """A valid volledig delivery for extractdatum 2026-01-10 (rows per file, without referentiedata)."""
    r: dict[str, list[dict[str, str | None]]] = {}
    r["complexen"] = [
        {
            "complex_id": "C1",
            "naam": "Het Anker",
            "buurtcode": "BU03630001",
            "buurt": "Centrum",
            "wijk": "Noord",
            "plaats": "Utrecht",
        },
        {
            "complex_id": "C2",
            "naam": "De Linde",
            "buurtcode": "BU03630002",
            "buurt": None,
            "wijk": "Zuid",
            "plaats": "Utrecht",
        },
    ]
    eenheden = []
    for i in range(1, 7):
        eenheden.append(
            {
                "eenheid_id": f"E{i}",
                "complex_id": "C1" if i <= 3 else "C2",
                "soort": "WOO",
                "detailsoort": None,
                "bouwjaar": str(1960 + i * 5),
                "kamers_aantal": str(2 + i % 3),
                "oppervlakte_m2": f"{55 + i},5",
                "etage": str(i % 4),
                "lift": "J" if i % 2 else "N",
                "energielabel": "B",
                "huurklasse": "BET",
                "nettohuur": f"{600 + i * 10},25",
                "brutohuur": f"{650 + i * 10},75",
                "postcode": f"35{i:02d}AB",
                "huisnummer": str(10 + i),
                "in_exploitatiedatum": "01-01-1990",
                "uit_exploitatiedatum": None,
            }
        )
    r["eenheden"] = eenheden
    r["eenheidstatussen"] = [
        {"eenheid_id": f"E{i}", "status": "VEH", "detailstatus": None, "begindatum": "01-01-2020", "einddatum": None}
        for i in range(1, 5)
    ] + [
        {"eenheid_id": "E5", "status": "LEE", "detailstatus": "MUT", "begindatum": "15-12-2025", "einddatum": None},
        {
            "eenheid_id": "E6",
            "status": "VEH",
            "detailstatus": None,
            "begindatum": "01-01-2019",
            "einddatum": "30-11-2025",
        },
        {"eenheid_id": "E6", "status": "LEE", "detailstatus": "MUT", "begindatum": "01-12-2025", "einddatum": None},
    ]
    r["relaties"] = [
        {
            "relatie_id": RELATIE_IDS[i],
            "geboortedatum": f"0{i + 1}-03-19{60 + i * 7}",
            "huishoudsamenstelling": ["ALL", "PZK", "PMK", "EOG"][i],
            "personen_aantal": str(i + 1),
            "bruto_jaarinkomen": f"{28000 + i * 5000},00",
            "huurtoeslag": "J" if i % 2 else "N",
            "naam": PII["naam"][i],
            "email": PII["email"][i],
            "telefoon": PII["telefoon"][i],
            "iban": PII["iban"][i],
            "bsn": PII["bsn"][i],
        }
        for i in range(4)
    ]
    r["huurovereenkomsten"] = [
        {
            "overeenkomst_id": f"O{i + 1}",
            "eenheid_id": f"E{i + 1}",
            "relatie_id": RELATIE_IDS[i],
            "begindatum": "01-01-2020",
            "einddatum": None,
            "opzegdatum": None,
            "eindereden": None,
            "eindedetailreden": None,
            "startbrutohuur": "640,00",
            "betaalwijze": ["AI", "OV", "HT", "AI"][i],
            "status": "LOP",
        }
        for i in range(4)
    ]
    r["publicaties"] = [
        {
            "publicatie_id": "P1",
            "eenheid_id": "E5",
            "begindatum": "16-12-2025",
            "einddatum": None,
            "model": "AAN",
            "status": "GEP",
            "reacties_aantal": None,
            "gewijzigd_op": "16-12-2025 09:00:00",
        },
        {
            "publicatie_id": "P2",
            "eenheid_id": "E6",
            "begindatum": "02-12-2025",
            "einddatum": "20-12-2025",
            "model": "AAN",
            "status": "AFG",
            "reacties_aantal": "35",
            "gewijzigd_op": "20-12-2025 17:00:00",
        },
    ]
    r["aanbiedingen"] = [
        {
            "aanbieding_id": "A1",
            "publicatie_id": "P2",
            "kandidaat_positie": "1",
            "datum": "21-12-2025",
            "antwoorddatum": "23-12-2025",
            "status": "GEW",
            "detailstatus": "BUI",
            "gewijzigd_op": "23-12-2025 10:00:00",
        },
        {
            "aanbieding_id": "A2",
            "publicatie_id": "P2",
            "kandidaat_positie": "2",
            "datum": "24-12-2025",
            "antwoorddatum": None,
            "status": "AAN",
            "detailstatus": None,
            "gewijzigd_op": "24-12-2025 10:00:00",
        },
    ]
    r["zaken"] = [
        {
            "zaak_id": "Z1",
            "zaaktype_soort": "SOC",
            "zaaktype_detailsoort": "GEL",
            "eenheid_id": "E1",
            "melder_eenheid_id": "E2",
            "registratiedatum": "05-01-2026",
            "einddatum": None,
            "resultaat": None,
            "vertrouwelijkheid": "GEH",
            "omschrijving": OMSCHRIJVINGEN[0],
            "gewijzigd_op": "05-01-2026 11:00:00",
        },
        {
            "zaak_id": "Z2",
            "zaaktype_soort": "SOC",
            "zaaktype_detailsoort": "STA",
            "eenheid_id": "E3",
            "melder_eenheid_id": None,
            "registratiedatum": "02-01-2026",
            "einddatum": "08-01-2026",
            "resultaat": "OPG",
            "vertrouwelijkheid": "INT",
            "omschrijving": OMSCHRIJVINGEN[1],
            "gewijzigd_op": "08-01-2026 15:30:00",
        },
    ]
    r["zaakstatussen"] = [
        {
            "zaak_id": "Z1",
            "soort": "GES",
            "begindatum": "05-01-2026",
            "einddatum": None,
            "gewijzigd_op": "05-01-2026 11:00:00",
        },
        {
            "zaak_id": "Z2",
            "soort": "GES",
            "begindatum": "02-01-2026",
            "einddatum": "08-01-2026",
            "gewijzigd_op": "08-01-2026 15:30:00",
        },
        {
            "zaak_id": "Z2",
            "soort": "AFG",
            "begindatum": "08-01-2026",
            "einddatum": None,
            "gewijzigd_op": "08-01-2026 15:30:00",
        },
    ]
    r["zaakbetrokkenen"] = [
        {"zaak_id": "Z1", "partner": "WIJ", "betrokken_vanaf": "06-01-2026", "gewijzigd_op": "06-01-2026 09:00:00"},
        {"zaak_id": "Z1", "partner": "POL", "betrokken_vanaf": "07-01-2026", "gewijzigd_op": "07-01-2026 09:00:00"},
    ]
    boekingen = []
    n = 0
    for o in range(1, 5):
        for month in (11, 12):
            n += 1
            boekingen.append(
                {
                    "boeking_id": f"B{n}",
                    "overeenkomst_id": f"O{o}",
                    "boekdatum": f"01-{month}-2025",
                    "vervaldatum": f"01-{month}-2025",
                    "detailsoort": "PRO",
                    "bedrag": "650,00",
                    "gewijzigd_op": f"01-{month}-2025 02:00:00",
                }
            )
            n += 1
            boekingen.append(
                {
                    "boeking_id": f"B{n}",
                    "overeenkomst_id": f"O{o}",
                    "boekdatum": f"03-{month}-2025",
                    "vervaldatum": None,
                    "detailsoort": "BAN",
                    "bedrag": "-650,00",
                    "gewijzigd_op": f"03-{month}-2025 02:00:00",
                }
            )
    r["boekingen"] = boekingen
    r["incassoacties"] = [
        {
            "actie_id": "I1",
            "overeenkomst_id": "O2",
            "datum": "15-12-2025",
            "soort": "HER",
            "achterstand_bedrag": "650,00",
            "gewijzigd_op": "15-12-2025 08:00:00",
        },
    ]
    r["betalingsregelingen"] = [
        {
            "regeling_id": "G1",
            "overeenkomst_id": "O2",
            "afspraakdatum": "20-12-2025",
            "bedrag": "650,00",
            "termijnen_aantal": "6",
            "status": "ACT",
            "einddatum": None,
            "eindereden": None,
            "gewijzigd_op": "20-12-2025 08:00:00",
        },
    ]
    r["verwijderingen"] = []
    return r


def write_delivery(
    landing: Path,
    extractdatum: dt.date,
    rows: dict[str, list[dict[str, str | None]]],
    *,
    soort: str = "volledig",
    aangemaakt_op: dt.datetime | None = None,
    headers: dict[str, list[str]] | None = None,
    manifest: bool = True,
) -> Path:
    """Write a delivery folder; ``headers`` overrides a file's header (columns by these names)."""
    folder = Path(landing) / extractdatum.isoformat()
    folder.mkdir(parents=True, exist_ok=True)
    write_referentiedata(folder / "referentiedata.csv")
    for f in contract.FILES:
        if f.kind is contract.FileKind.REFERENCE:
            continue
        header = (headers or {}).get(f.name) or f.column_names
        data = rows.get(f.name, [])
        write_csv(
            folder / f.filename,
            header,
            ([row.get(h.lower()) for h in header] for row in data),
        )
    if manifest:
        write_manifest(
            folder,
            extractdatum=extractdatum,
            soort=soort,
            aangemaakt_op=aangemaakt_op or dt.datetime.combine(extractdatum + dt.timedelta(days=1), dt.time(2, 0)),
            files=[f.filename for f in contract.FILES],
        )
    return folder


def rewrite_manifest(folder: Path, *, keep_counts: bool = True, **changes) -> None:
    """Recompute the manifest of ``folder`` after its files were changed (sha256 always; row counts
    kept from the old manifest unless ``keep_counts=False``)."""
    import json

    m = json.loads((folder / contract.MANIFEST_NAME).read_text(encoding="utf-8"))
    (folder / contract.MANIFEST_NAME).unlink()
    write_manifest(
        folder,
        row_counts={b["naam"]: b["rijen"] for b in m["bestanden"]} if keep_counts else None,
        extractdatum=dt.date.fromisoformat(m["extractdatum"]),
        soort=changes.get("soort", m["soort"]),
        aangemaakt_op=changes.get("aangemaakt_op", dt.datetime.fromisoformat(m["aangemaakt_op"])),
        files=[f.filename for f in contract.FILES],
    )


def copy_rows(rows):
    return copy.deepcopy(rows)


DAY1 = dt.date(2026, 1, 10)
DAY2 = dt.date(2026, 1, 11)


def warehouse_snapshot(path: Path) -> dict[str, list]:
    """Every table of every schema with its full contents (sorted): equal before/after = unchanged."""
    if not Path(path).exists():
        return {}
    con = duckdb.connect(str(path), read_only=True)
    try:
        tables = con.execute("select table_schema, table_name from information_schema.tables order by all").fetchall()
        return {f"{s}.{t}": con.execute(f'select * from "{s}"."{t}" order by all').fetchall() for s, t in tables}
    finally:
        con.close()


def query(path: Path, sql: str, params=None) -> list:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()
