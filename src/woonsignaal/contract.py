"""The nightly extract contract ("aanlevering", version 1) as data.

This module is the single source of truth for the contract's files, columns, types, keys, code-list
columns and personal-data columns. The simulator writes from it, the loader parses and checks with it,
the raw Great Expectations suites and the dbt sources are derived from it (or tested against it).
A contract change is an edit here.

The human-readable contract is ``docs/contract/aanlevering-v1.md`` (as agreed with the corporations); the tests compare
this module with that document.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

CONTRACT_VERSION = "1.0"

# --- CSV dialect (section 2) -------------------------------------------------------------------
CSV_DELIMITER = ";"
CSV_QUOTE = '"'
CSV_ENCODING = "utf-8"
DATE_FORMAT = "%d-%m-%Y"  # dd-mm-jjjj
TIMESTAMP_FORMAT = "%d-%m-%Y %H:%M:%S"  # dd-mm-jjjj uu:mm:ss, Europe/Amsterdam
SOURCE_TIMEZONE = "Europe/Amsterdam"
BOOLEAN_TRUE = "J"
BOOLEAN_FALSE = "N"
DECIMAL_SEPARATOR = ","
COMPOSITE_KEY_SEPARATOR = "|"  # verwijderingen.sleutel for composite keys
MANIFEST_NAME = "manifest.json"

SOORT_VOLLEDIG = "volledig"
SOORT_DELTA = "delta"


class ColumnType(StrEnum):
    """Logical column types; each maps to one warehouse type and one parse rule."""

    ID = "id"  # string key (digits in most systems, letters occur)
    TEXT = "text"
    CODE = "code"  # a code from a referentiedata list
    DATE = "date"  # dd-mm-jjjj
    TIMESTAMP = "timestamp"  # dd-mm-jjjj uu:mm:ss (a date alone is accepted as 00:00:00)
    DECIMAL = "decimal"  # decimal comma, no thousands separator, optional minus
    INTEGER = "integer"
    BOOLEAN = "boolean"  # J/N


#: DuckDB/PostgreSQL type of each logical type in the raw layer.
WAREHOUSE_TYPES: dict[ColumnType, str] = {
    ColumnType.ID: "VARCHAR",
    ColumnType.TEXT: "VARCHAR",
    ColumnType.CODE: "VARCHAR",
    ColumnType.DATE: "DATE",
    ColumnType.TIMESTAMP: "TIMESTAMP",
    ColumnType.DECIMAL: "DECIMAL(14,2)",
    ColumnType.INTEGER: "INTEGER",
    ColumnType.BOOLEAN: "BOOLEAN",
}


class Pii(StrEnum):
    """How a personal-data column is treated (contract section 5)."""

    DROP = "drop"  # never stored, not even raw (naam, email, telefoon, omschrijving)
    HASH = "hash"  # stored only as a keyed hash (bsn, iban: lets a person be recognised, not read)
    PSEUDONYMISE = "pseudonymise"  # a person key: replaced by a keyed hash everywhere it occurs
    CLASS = "class"  # kept in raw, only coarse classes past staging (geboortedatum, inkomen, adres)


class FileKind(StrEnum):
    SNAPSHOT = "snapshot"  # complete in every delivery
    EVENT = "event"  # all rows in volledig, changed rows in delta; latest gewijzigd_op wins
    DELETIONS = "deletions"  # verwijderingen.csv
    REFERENCE = "reference"  # referentiedata.csv (VERA layout, faults are reported, never fatal)


@dataclass(frozen=True)
class Column:
    name: str
    type: ColumnType
    required: bool = False  # "*" in the contract: never empty
    codelist: str | None = None  # referentiedata Soort the values must come from
    pii: Pii | None = None
    description: str = ""

    @property
    def warehouse_type(self) -> str:
        return WAREHOUSE_TYPES[self.type]


@dataclass(frozen=True)
class ContractFile:
    name: str  # without .csv, also the raw table name and the verwijderingen.tabel value
    kind: FileKind
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    description: str = ""
    #: a (file, column) this file's column refers to, for relationship checks
    references: dict[str, tuple[str, str]] = field(default_factory=dict)

    @property
    def filename(self) -> str:
        return f"{self.name}.csv"

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    @property
    def required_columns(self) -> list[str]:
        return [c.name for c in self.columns if c.required]

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name.lower():
                return c
        raise KeyError(f"{self.filename} has no column {name!r}")

    @property
    def stored_columns(self) -> list[Column]:
        """Columns that enter the warehouse (personal data to drop is left out)."""
        return [c for c in self.columns if c.pii is not Pii.DROP]


def _c(name, type_, required=False, codelist=None, pii=None, description=""):
    return Column(name, ColumnType(type_), required, codelist, Pii(pii) if pii else None, description)


GEWIJZIGD_OP = _c("gewijzigd_op", "timestamp", True, description="last change in the source system")

# --- Files (section 4) -------------------------------------------------------------------------
REFERENTIEDATA = ContractFile(
    "referentiedata",
    FileKind.REFERENCE,
    (
        _c("soort", "text", True),
        _c("code", "text", True),
        _c("naam", "text"),
        _c("omschrijving", "text"),
        _c("begindatum", "date"),
        _c("einddatum", "date"),
        _c("parent", "text"),
        _c("informatiedomein", "text"),
    ),
    key=("soort", "code"),
    description="VERA code lists plus the corporation's own lists (eigen lijsten)",
)

#: The exact header of referentiedata.csv (VERA's own capitalisation).
REFERENTIEDATA_HEADER = [
    "Soort",
    "Code",
    "Naam",
    "Omschrijving",
    "Begindatum",
    "Einddatum",
    "Parent",
    "Informatiedomein",
]

COMPLEXEN = ContractFile(
    "complexen",
    FileKind.SNAPSHOT,
    (
        _c("complex_id", "id", True),
        _c("naam", "text", True, description="name of the complex (not personal data)"),
        _c("buurtcode", "text", True, description="CBS buurtcode BUnnnnnnnn"),
        _c("buurt", "text"),
        _c("wijk", "text", True),
        _c("plaats", "text", True),
    ),
    key=("complex_id",),
    description="complexes (groups of units managed together)",
)

EENHEDEN = ContractFile(
    "eenheden",
    FileKind.SNAPSHOT,
    (
        _c("eenheid_id", "id", True),
        _c("complex_id", "id", True),
        _c("soort", "code", True, "EENHEIDSOORT"),
        _c("detailsoort", "code", False, "EENHEIDDETAILSOORT"),
        _c("bouwjaar", "integer"),
        _c("kamers_aantal", "integer"),
        _c("oppervlakte_m2", "decimal"),
        _c("etage", "integer", description="0 = begane grond"),
        _c("lift", "boolean"),
        _c("energielabel", "code", False, "ENERGIELABEL"),
        _c("huurklasse", "code", False, "HUURKLASSE"),
        _c("nettohuur", "decimal", True),
        _c("brutohuur", "decimal", True),
        _c("postcode", "text", pii="class"),
        _c("huisnummer", "text", pii="class"),
        _c("in_exploitatiedatum", "date", True),
        _c("uit_exploitatiedatum", "date"),
    ),
    key=("eenheid_id",),
    description="rentable units (verhuureenheden)",
    references={"complex_id": ("complexen", "complex_id")},
)

EENHEIDSTATUSSEN = ContractFile(
    "eenheidstatussen",
    FileKind.SNAPSHOT,
    (
        _c("eenheid_id", "id", True),
        _c("status", "code", True, "EENHEIDSTATUS"),
        _c("detailstatus", "code", False, "EENHEIDDETAILSTATUS"),
        _c("begindatum", "date", True),
        _c("einddatum", "date", description="empty = current"),
    ),
    key=("eenheid_id", "begindatum"),
    description="status periods of a unit; leegstand is status LEE with its reason in detailstatus",
    references={"eenheid_id": ("eenheden", "eenheid_id")},
)

RELATIES = ContractFile(
    "relaties",
    FileKind.SNAPSHOT,
    (
        _c("relatie_id", "id", True, pii="pseudonymise"),
        _c("geboortedatum", "date", pii="class"),
        _c("huishoudsamenstelling", "code", False, "HUISHOUDSAMENSTELLING"),
        _c("personen_aantal", "integer"),
        _c("bruto_jaarinkomen", "decimal", pii="class"),
        _c("huurtoeslag", "boolean"),
        _c("naam", "text", pii="drop"),
        _c("email", "text", pii="drop"),
        _c("telefoon", "text", pii="drop"),
        _c("iban", "text", pii="hash"),
        _c("bsn", "text", pii="hash"),
    ),
    key=("relatie_id",),
    description="one row per household's main tenant, current and former",
)

HUUROVEREENKOMSTEN = ContractFile(
    "huurovereenkomsten",
    FileKind.SNAPSHOT,
    (
        _c("overeenkomst_id", "id", True),
        _c("eenheid_id", "id", True),
        _c("relatie_id", "id", True, pii="pseudonymise"),
        _c("begindatum", "date", True),
        _c("einddatum", "date"),
        _c("opzegdatum", "date"),
        _c("eindereden", "code", False, "EINDEREDEN"),
        _c("eindedetailreden", "code", False, "EINDEDETAILREDEN"),
        _c("startbrutohuur", "decimal"),
        _c("betaalwijze", "code", False, "BETAALWIJZE"),
        _c("status", "code", True, "OVEREENKOMSTSTATUS"),
    ),
    key=("overeenkomst_id",),
    description="tenancy agreements",
    references={"eenheid_id": ("eenheden", "eenheid_id"), "relatie_id": ("relaties", "relatie_id")},
)

PUBLICATIES = ContractFile(
    "publicaties",
    FileKind.EVENT,
    (
        _c("publicatie_id", "id", True),
        _c("eenheid_id", "id", True),
        _c("begindatum", "date", True),
        _c("einddatum", "date"),
        _c("model", "code", False, "PUBLICATIEMODEL"),
        _c("status", "code", True, "PUBLICATIESTATUS"),
        _c("reacties_aantal", "integer", description="filled when the publication closes"),
        GEWIJZIGD_OP,
    ),
    key=("publicatie_id",),
    description="advertisements of a vacant unit",
    references={"eenheid_id": ("eenheden", "eenheid_id")},
)

AANBIEDINGEN = ContractFile(
    "aanbiedingen",
    FileKind.EVENT,
    (
        _c("aanbieding_id", "id", True),
        _c("publicatie_id", "id", True),
        _c("kandidaat_positie", "integer"),
        _c("datum", "date", True),
        _c("antwoorddatum", "date"),
        _c("status", "code", True, "AANBIEDINGSTATUS"),
        _c("detailstatus", "code", False, "AANBIEDINGDETAILSTATUS", description="the refusal reason"),
        GEWIJZIGD_OP,
    ),
    key=("aanbieding_id",),
    description="offers to candidates, in order of their position",
    references={"publicatie_id": ("publicaties", "publicatie_id")},
)

ZAKEN = ContractFile(
    "zaken",
    FileKind.EVENT,
    (
        _c("zaak_id", "id", True),
        _c("zaaktype_soort", "code", True, "ZAAKTYPESOORT"),
        _c("zaaktype_detailsoort", "code", False, "ZAAKTYPEDETAILSOORT"),
        _c("eenheid_id", "id", description="address of the cause"),
        _c("melder_eenheid_id", "id"),
        _c("registratiedatum", "date", True),
        _c("einddatum", "date"),
        _c("resultaat", "code", False, "ZAAKRESULTAAT"),
        _c("vertrouwelijkheid", "code", False, "VERTROUWELIJKHEID"),
        _c("omschrijving", "text", pii="drop", description="free text by staff: may hold names and health details"),
        GEWIJZIGD_OP,
    ),
    key=("zaak_id",),
    description="overlast and other cases",
)

ZAAKSTATUSSEN = ContractFile(
    "zaakstatussen",
    FileKind.EVENT,
    (
        _c("zaak_id", "id", True),
        _c("soort", "code", True, "ZAAKSTATUSSOORT"),
        _c("begindatum", "date", True),
        _c("einddatum", "date"),
        GEWIJZIGD_OP,
    ),
    key=("zaak_id", "soort", "begindatum"),
    description="status history of a case",
    references={"zaak_id": ("zaken", "zaak_id")},
)

ZAAKBETROKKENEN = ContractFile(
    "zaakbetrokkenen",
    FileKind.EVENT,
    (
        _c("zaak_id", "id", True),
        _c("partner", "code", True, "ZAAKPARTNER"),
        _c("betrokken_vanaf", "date", True),
        GEWIJZIGD_OP,
    ),
    key=("zaak_id", "partner"),
    description="network partners brought into a case",
    references={"zaak_id": ("zaken", "zaak_id")},
)

BOEKINGEN = ContractFile(
    "boekingen",
    FileKind.EVENT,
    (
        _c("boeking_id", "id", True),
        _c("overeenkomst_id", "id", True),
        _c("boekdatum", "date", True),
        _c("vervaldatum", "date"),
        _c("detailsoort", "code", True, "BOEKINGDETAILSOORT"),
        _c("bedrag", "decimal", True, description="signed: + tenant owes more, - tenant owes less"),
        GEWIJZIGD_OP,
    ),
    key=("boeking_id",),
    description="the tenant ledger",
    references={"overeenkomst_id": ("huurovereenkomsten", "overeenkomst_id")},
)

INCASSOACTIES = ContractFile(
    "incassoacties",
    FileKind.EVENT,
    (
        _c("actie_id", "id", True),
        _c("overeenkomst_id", "id", True),
        _c("datum", "date", True),
        _c("soort", "code", True, "INCASSOACTIESOORT"),
        _c("achterstand_bedrag", "decimal"),
        GEWIJZIGD_OP,
    ),
    key=("actie_id",),
    description="dunning steps",
    references={"overeenkomst_id": ("huurovereenkomsten", "overeenkomst_id")},
)

BETALINGSREGELINGEN = ContractFile(
    "betalingsregelingen",
    FileKind.EVENT,
    (
        _c("regeling_id", "id", True),
        _c("overeenkomst_id", "id", True),
        _c("afspraakdatum", "date", True),
        _c("bedrag", "decimal", True),
        _c("termijnen_aantal", "integer"),
        _c("status", "code", True, "BETALINGSREGELINGSTATUS"),
        _c("einddatum", "date"),
        _c("eindereden", "code", False, "BETALINGSREGELINGEINDEREDEN"),
        GEWIJZIGD_OP,
    ),
    key=("regeling_id",),
    description="payment arrangements",
    references={"overeenkomst_id": ("huurovereenkomsten", "overeenkomst_id")},
)

VERWIJDERINGEN = ContractFile(
    "verwijderingen",
    FileKind.DELETIONS,
    (
        _c("tabel", "text", True, description="file name without .csv"),
        _c("sleutel", "text", True, description="key value; composite keys joined by |"),
        _c("verwijderd_op", "timestamp", True),
    ),
    key=("tabel", "sleutel"),
    description="rows deleted in the source since the previous delivery",
)

FILES: tuple[ContractFile, ...] = (
    REFERENTIEDATA,
    COMPLEXEN,
    EENHEDEN,
    EENHEIDSTATUSSEN,
    RELATIES,
    HUUROVEREENKOMSTEN,
    PUBLICATIES,
    AANBIEDINGEN,
    ZAKEN,
    ZAAKSTATUSSEN,
    ZAAKBETROKKENEN,
    BOEKINGEN,
    INCASSOACTIES,
    BETALINGSREGELINGEN,
    VERWIJDERINGEN,
)
FILES_BY_NAME: dict[str, ContractFile] = {f.name: f for f in FILES}
SNAPSHOT_FILES = tuple(f for f in FILES if f.kind is FileKind.SNAPSHOT)
EVENT_FILES = tuple(f for f in FILES if f.kind is FileKind.EVENT)


def file_by_name(name: str) -> ContractFile:
    """Look a contract file up by ``name`` or ``name.csv``."""
    key = name.removesuffix(".csv")
    try:
        return FILES_BY_NAME[key]
    except KeyError:
        raise KeyError(f"{name!r} is not a file of contract {CONTRACT_VERSION}") from None


# --- Eigen lijsten (corporation's own code lists named by the contract) --------------------------
EIGEN_LIJSTEN: dict[str, dict[str, str]] = {
    "HUISHOUDSAMENSTELLING": {
        "ALL": "alleenstaand",
        "PZK": "paar zonder kinderen",
        "PMK": "paar met kinderen",
        "EOG": "eenoudergezin",
        "OVR": "overig",
    },
    "BETAALWIJZE": {
        "AI": "automatische incasso",
        "OV": "overboeking",
        "HT": "huurtoeslag rechtstreeks",
    },
    "ZAAKRESULTAAT": {
        "OPG": "opgelost",
        "NOP": "niet opgelost",
        "VHU": "veroorzaker verhuisd",
        "ONT": "ontruiming",
        "DOO": "doorverwezen",
    },
    "ZAAKPARTNER": {
        "POL": "politie",
        "WIJ": "wijkteam",
        "GGD": "GGD",
        "BBM": "buurtbemiddeling",
        "GEM": "gemeente",
        "ZOR": "zorgpartij",
        "MWK": "maatschappelijk werk",
    },
    "INCASSOACTIESOORT": {
        "HER": "herinnering",
        "AAN": "aanmaning",
        "SOM": "sommatie",
        "VRS": "melding vroegsignalering gemeente",
        "DEU": "overdracht deurwaarder",
        "DAG": "dagvaarding",
        "VON": "vonnis",
        "ONA": "ontruimingsaanzegging",
        "ONT": "ontruiming uitgevoerd",
    },
}

#: Every code list the contract uses (VERA lists and eigen lijsten).
CODELISTS: tuple[str, ...] = tuple(sorted({c.codelist for f in FILES for c in f.columns if c.codelist is not None}))
VERA_CODELISTS: tuple[str, ...] = tuple(c for c in CODELISTS if c not in EIGEN_LIJSTEN)

# --- Published output (section 6) --------------------------------------------------------------
#: The schema of the published marts (``marts.signalen``): the dbt project builds the marts into it
#: (``dbt_project.yml``, ``+schema``), publish copies it, the report, PostgreSQL and Metabase read it.
MARTS_SCHEMA = "marts"
PROCESSEN = ("verhuur", "overlast", "incasso")
ERNST = ("hoog", "midden", "laag")
RICHTING = ("slechter", "beter")

#: marts.signalen: column -> warehouse type. Fixed by the contract: every consumer reads it.
SIGNALEN_COLUMNS: dict[str, str] = {
    "signaal_id": "VARCHAR",
    "proces": "VARCHAR",
    "indicator": "VARCHAR",
    "segment": "VARCHAR",
    "periode_start": "DATE",
    "periode_eind": "DATE",
    "waarde": "DOUBLE",
    "referentie": "DOUBLE",
    "verhouding": "DOUBLE",
    "ondergrens": "DOUBLE",
    "bovengrens": "DOUBLE",
    "n": "INTEGER",
    "ernst": "VARCHAR",
    "richting": "VARCHAR",
    "toelichting": "VARCHAR",
}


@dataclass(frozen=True)
class Klassenindeling:
    """A class rule of section 6: a number (a floor, a year, whole years, euro) is in the first class whose
    bound it is below (``value < bound``; with ``tot_en_met``, ``value <= bound``); a number past the
    last bound is in the last class. One more label than bounds, lowest class first."""

    labels: tuple[str, ...]
    grenzen: tuple[int, ...]
    tot_en_met: bool = False

    def __post_init__(self) -> None:
        if len(self.labels) != len(self.grenzen) + 1 or list(self.grenzen) != sorted(set(self.grenzen)):
            raise ValueError(f"{self.labels}: needs one label more than increasing bounds {self.grenzen}")

    def klasse(self, value: float) -> str:
        """The label of ``value``."""
        for label, bound in zip(self.labels, self.grenzen, strict=False):
            if value <= bound if self.tot_en_met else value < bound:
                return label
        return self.labels[-1]


#: The computed classes of section 6: the one definition. The dbt macros (dbt_project/macros/
#: klassen_contract.sql, written by dbt_project/scripts/gen_klassen_macros.py), the models' accepted
#: values, the column docs, the segment dimensions and the simulator all derive from it.
KLASSENINDELINGEN: dict[str, Klassenindeling] = {
    #: floor (etage): 0 is the ground floor, below it (a basement) counts as 0
    "etage_klasse": Klassenindeling(("0", "1-2", "3+"), (0, 2), tot_en_met=True),
    #: bouwjaar
    "bouwjaar_klasse": Klassenindeling(
        ("<1945", "1945-1969", "1970-1989", "1990-2009", "2010+"), (1945, 1970, 1990, 2010)
    ),
    #: exact age in whole years (a birthday counts once reached) at the moment measured
    "leeftijdsklasse": Klassenindeling(("<23", "23-29", "30-44", "45-64", "65+"), (23, 30, 45, 65)),
    #: gross annual household income in euro
    "inkomensklasse": Klassenindeling(("<20k", "20-30k", "30-45k", "45-60k", "60k+"), (20000, 30000, 45000, 60000)),
    #: the agreement's age in whole years at the moment measured
    "contractduur_klasse": Klassenindeling(("<1", "1-2", "3-9", "10+"), (1, 3, 10)),
}

#: Segment dimension names allowed in marts.signalen.segment, with their class labels where fixed.
SEGMENT_DIMENSIONS: dict[str, tuple[str, ...] | None] = {
    "wijk": None,
    "complex_id": None,
    "eenheid_detailsoort": None,
    "huurklasse": None,
    "kamers_aantal": None,
    "lift": None,
    "energielabel": None,
    "etage_klasse": KLASSENINDELINGEN["etage_klasse"].labels,
    "bouwjaar_klasse": KLASSENINDELINGEN["bouwjaar_klasse"].labels,
    "zaaktype_detailsoort": None,
    "partner": None,
    "leeftijdsklasse": KLASSENINDELINGEN["leeftijdsklasse"].labels,
    "huishoudsamenstelling": None,
    "huurtoeslag": None,
    "betaalwijze": None,
    "inkomensklasse": KLASSENINDELINGEN["inkomensklasse"].labels,
    "contractduur_klasse": KLASSENINDELINGEN["contractduur_klasse"].labels,
}

DEFAULT_MINIMUM_GROUP_SIZE = 10
