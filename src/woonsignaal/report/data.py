"""Read-only access to the published marts (``settings.published_path``), nothing else.

Every query selects named, non-personal columns only. Groups smaller than the minimum group size are
returned as suppressed (``onderdrukt=True`` and no value), never with their value.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import duckdb

from woonsignaal.contract import MARTS_SCHEMA
from woonsignaal.report.formatting import add_months, month_end
from woonsignaal.report.kpis import Kpi
from woonsignaal.sqltext import qualified_name, quote_identifier

ERNST_VOLGORDE = {"hoog": 0, "midden": 1, "laag": 2}
STATUSSEN = ("nieuw", "aanhoudend", "opgelost")
_SIGNAAL_KOLOMMEN = (
    "signaal_id",
    "proces",
    "indicator",
    "segment",
    "periode_start",
    "periode_eind",
    "waarde",
    "referentie",
    "verhouding",
    "n",
    "ernst",
    "richting",
    "toelichting",
)


class PublicationMissing(FileNotFoundError):
    """There is no published warehouse to report on."""


@dataclass
class Punt:
    maand: date
    waarde: float | None
    n: int | None
    onderdrukt: bool = False


@dataclass
class Signaal:
    signaal_id: str
    proces: str
    indicator: str
    segment: str
    periode_start: date | None
    periode_eind: date | None
    waarde: float | None
    referentie: float | None
    verhouding: float | None
    n: int | None
    ernst: str
    richting: str
    toelichting: str
    status: str | None = None  # nieuw | aanhoudend | opgelost | None (onbekend)

    @property
    def sterkte(self) -> float:
        v = self.verhouding
        if v is None or not math.isfinite(v) or v <= 0:
            return 0.0
        return abs(math.log(v))

    def sort_key(self) -> tuple:
        status_rank = {"nieuw": 0, "aanhoudend": 1, None: 2, "opgelost": 3}.get(self.status, 2)
        return (
            ERNST_VOLGORDE.get(self.ernst, 9),
            0 if self.richting == "slechter" else 1,
            status_rank,
            -self.sterkte,
            -(self.n or 0),
            self.signaal_id,
        )


@dataclass
class Levering:
    extractdatum: date
    status: str
    stap_mislukt: str | None
    rijen_geladen: int
    rijen_quarantaine: int


@dataclass
class Kwaliteit:
    maand_start: date
    maand_eind: date
    leveringen: list[Levering] = field(default_factory=list)
    verwachte_dagen: list[date] = field(default_factory=list)
    beschikbaar: bool = True
    #: set when the month lies before the first delivery (it was loaded with that full delivery)
    eerste_levering: date | None = None

    @property
    def ontvangen(self) -> int:
        return len(self.leveringen)

    @property
    def ontbrekend(self) -> list[date]:
        have = {lev.extractdatum for lev in self.leveringen}
        return [d for d in self.verwachte_dagen if d not in have]

    @property
    def rijen_geladen(self) -> int:
        return sum(lev.rijen_geladen for lev in self.leveringen)

    @property
    def rijen_quarantaine(self) -> int:
        return sum(lev.rijen_quarantaine for lev in self.leveringen)

    @property
    def aandeel_quarantaine(self) -> float | None:
        total = self.rijen_geladen + self.rijen_quarantaine
        return 100.0 * self.rijen_quarantaine / total if total else None

    @property
    def mislukt(self) -> list[Levering]:
        return [lev for lev in self.leveringen if lev.status == "mislukt"]

    @property
    def controles_afgekeurd(self) -> list[Levering]:
        """Deliveries stopped by a check: the delivery check or the quality gate before publication."""
        return [lev for lev in self.mislukt if lev.stap_mislukt in ("verifieer_levering", "kwaliteitspoort")]


@dataclass(frozen=True)
class WijkKolom:
    label: str
    kolom: str
    soort: str  # aantal | dagen | procent | procent2 | euro
    n_kolom: str | None = None
    schaal: float = 1.0


@dataclass
class WijkRij:
    wijk: str
    onderdrukt: bool  # the whole wijk is below the minimum group size
    waarden: list[float | None]
    onderdrukt_cellen: list[bool]


@dataclass
class WijkTabel:
    kolommen: list[str]
    soorten: list[str]
    toelichting: str
    rijen: list[WijkRij] = field(default_factory=list)


WIJK_KOLOMMEN: dict[str, tuple[str, tuple[WijkKolom, ...]]] = {
    "verhuur": (
        "mart_verhuur_kpi_maand",
        (
            WijkKolom("Eenheden", "eenheden_aantal", "aantal"),
            WijkKolom("Leegstaande eenheden", "leegstaande_eenheden_aantal", "aantal"),
            WijkKolom(
                "Mediaan leegstandsduur", "mediaan_leegstandsduur_dagen", "dagen", "leegstanden_afgesloten_aantal"
            ),
            WijkKolom("Huurderving", "huurderving_euro", "euro", "leegstaande_eenheden_aantal"),
        ),
    ),
    "overlast": (
        "mart_overlast_kpi_maand",
        (
            WijkKolom("Nieuwe zaken", "instroom_aantal", "aantal"),
            WijkKolom("Openstaande zaken", "open_voorraad", "aantal"),
            WijkKolom(
                "Open langer dan 90 dagen", "aandeel_open_langer_dan_90_dagen", "procent", "open_voorraad", 100.0
            ),
            WijkKolom("Mediaan doorlooptijd", "mediaan_doorlooptijd_dagen", "dagen", "afgesloten_aantal"),
        ),
    ),
    "incasso": (
        "mart_incasso_kpi_maand",
        (
            WijkKolom("Lopende contracten", "contracten_aantal", "aantal"),
            WijkKolom("Met achterstand", "aandeel_in_achterstand", "procent", "contracten_aantal", 100.0),
            WijkKolom("Nieuw in achterstand", "nieuw_in_achterstand_aantal", "aantal"),
            WijkKolom("Achterstand in % jaarhuur", "achterstand_pct_jaarhuur", "procent2", "contracten_aantal"),
        ),
    ),
}


class Publicatie:
    """The published DuckDB file, opened read-only for the lifetime of this object."""

    def __init__(self, path: Path, minimum_group_size: int):
        self.path = Path(path)
        if not self.path.is_file():
            raise PublicationMissing(
                f"er is nog niets gepubliceerd: {self.path} bestaat niet. Draai eerst de nachtelijke "
                f"verwerking (woonsignaal run) of de demo (woonsignaal demo)."
            )
        self.minimum = minimum_group_size
        self.con = duckdb.connect(str(self.path), read_only=True)
        rows = self.con.execute(
            "select table_name, column_name from information_schema.columns where table_schema = ?", [MARTS_SCHEMA]
        ).fetchall()
        self._columns: dict[str, set[str]] = {}
        for table, column in rows:
            self._columns.setdefault(table, set()).add(column)

    def close(self) -> None:
        self.con.close()

    def __enter__(self) -> Publicatie:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- helpers -------------------------------------------------------------------------------
    def has(self, table: str, *columns: str) -> bool:
        cols = self._columns.get(table)
        return cols is not None and all(c in cols for c in columns)

    def _rows(self, sql: str, params: dict[str, Any] | list[Any] | None = None) -> list[dict[str, Any]]:
        cur = self.con.execute(sql, params or [])
        names = [d[0] for d in cur.description]
        return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]

    def suppressed(self, n: int | None) -> bool:
        """A value behind fewer than the minimum number of units/cases/contracts is not shown.

        A count of zero reveals nobody (and an average over nobody has no value anyway)."""
        return n is not None and 0 < n < self.minimum

    # --- period --------------------------------------------------------------------------------
    def laatste_datum(self) -> date | None:
        """The newest date the publication covers (latest published extractdatum, else latest month)."""
        if self.has("pipeline_runs", "extractdatum", "status"):
            r = self.con.execute(
                f"select max(extractdatum) from {MARTS_SCHEMA}.pipeline_runs "
                "where status in ('gepubliceerd', 'geslaagd')"
            ).fetchone()
            if r and r[0]:
                return r[0]
        if self.has("fct_contract_maand", "maand"):
            r = self.con.execute(f"select max(maand) from {MARTS_SCHEMA}.fct_contract_maand").fetchone()
            if r and r[0]:
                return month_end(r[0])
        return None

    # --- KPIs ----------------------------------------------------------------------------------
    def kpi_reeks(self, kpi: Kpi, eerste: date, laatste: date) -> tuple[list[Punt], str]:
        """The KPI per month from ``eerste`` up to and including ``laatste`` (first days of months), read from
        its KPI mart's ``totaal`` rows.

        Returns the points and the source (``mart``, or ``ontbreekt`` when the publication lacks the mart
        or the column)."""
        if not self.has(kpi.mart, "maand", "dimensie", kpi.kolom, kpi.n_kolom):
            return [Punt(m, None, None, False) for m in _maanden(eerste, laatste)], "ontbreekt"
        rows = self._rows(
            f"select maand::date as maand, {quote_identifier(kpi.kolom)} as waarde, "
            f"{quote_identifier(kpi.n_kolom)} as n "
            f"from {qualified_name(MARTS_SCHEMA, kpi.mart)} where dimensie = 'totaal' and maand >= ? and maand < ?",
            [eerste, add_months(laatste, 1)],
        )
        by_month = {
            r["maand"]: (None if r["waarde"] is None else float(r["waarde"]) * kpi.schaal, r["n"]) for r in rows
        }
        punten = []
        for m in _maanden(eerste, laatste):
            # a month without a totaal row: the portfolio itself was below the minimum group size
            waarde, n = by_month.get(m, (None, None))
            n = None if n is None else int(n)
            if waarde is not None and not math.isfinite(waarde):
                waarde = None
            onderdrukt = self.suppressed(n)
            punten.append(Punt(m, None if onderdrukt else waarde, n, onderdrukt))
        return punten, "mart"

    # --- breakdown per wijk ----------------------------------------------------------------------
    def per_wijk(self, proces: str, maand: date) -> WijkTabel | None:
        """The process's figures per wijk from its KPI mart (rows ``dimensie = 'wijk'`` of ``maand``), or None
        when the publication lacks that mart. A wijk whose group is below the minimum
        is listed with every cell suppressed; a cell whose own count is below the minimum is suppressed."""
        mart, kolommen = WIJK_KOLOMMEN[proces]
        needed = {k.kolom for k in kolommen} | {k.n_kolom for k in kolommen if k.n_kolom}
        if not self.has(mart, "maand", "dimensie", "segment", *needed):
            return None
        return self._per_wijk_mart(mart, kolommen, maand)

    def _per_wijk_mart(self, mart: str, kolommen: tuple[WijkKolom, ...], maand: date) -> WijkTabel:
        alle = self._alle_wijken()
        select = ", ".join(
            sorted(
                {quote_identifier(k.kolom) for k in kolommen}
                | {quote_identifier(k.n_kolom) for k in kolommen if k.n_kolom}
            )
        )
        rows = {
            r["segment"]: r
            for r in self._rows(
                f"select segment, {select} from {qualified_name(MARTS_SCHEMA, mart)} "
                "where dimensie = 'wijk' and maand = ?",
                [maand],
            )
        }
        tabel = WijkTabel([k.label for k in kolommen], [k.soort for k in kolommen], "stand van de maand")
        for wijk in alle:
            r = rows.get(wijk)
            if r is None:
                tabel.rijen.append(WijkRij(wijk, True, [None] * len(kolommen), [True] * len(kolommen)))
                continue
            waarden, onderdrukt = [], []
            for k in kolommen:
                v = r[k.kolom]
                n = r[k.n_kolom] if k.n_kolom else (v if k.soort == "aantal" else None)
                weg = self.suppressed(None if n is None else int(n))
                waarden.append(None if weg or v is None else float(v) * k.schaal)
                onderdrukt.append(weg)
            tabel.rijen.append(WijkRij(wijk, all(onderdrukt), waarden, onderdrukt))
        return tabel

    def _alle_wijken(self) -> list[str]:
        """Every wijk any published mart knows, so a wijk left out of a KPI mart for being too small is
        still listed (as suppressed) instead of silently missing."""
        parts = [
            f"select segment as wijk from {qualified_name(MARTS_SCHEMA, mart)} where dimensie = 'wijk'"
            for mart, _ in WIJK_KOLOMMEN.values()
            if self.has(mart, "dimensie", "segment")
        ]
        parts += [
            f"select wijk from {MARTS_SCHEMA}.{t}"
            for t in ("dim_eenheid", "fct_leegstand", "fct_publicatie")
            if self.has(t, "wijk")
        ]
        if not parts:
            return []
        sql = " union ".join(parts)
        return [
            r[0] for r in self.con.execute(f"select wijk from ({sql}) where wijk is not null order by 1").fetchall()
        ]

    # --- signals -------------------------------------------------------------------------------
    def signaal_periode(self, maand: date) -> date | None:
        """The ``periode_eind`` of the signals this month's report shows: the latest one inside the month,
        else the latest before it, else the earliest after it (the report names the period it shows)."""
        eind = month_end(maand)
        # a quiet period has no signals but may still resolve last period's: signalen_status knows it
        for table in ("signalen", "signalen_status"):
            if not self.has(table, "periode_eind"):
                continue
            r = self.con.execute(
                f"select max(periode_eind) from {MARTS_SCHEMA}.{table} where periode_eind <= ?", [eind]
            ).fetchone()
            if r and r[0]:
                return r[0]
            r = self.con.execute(
                f"select min(periode_eind) from {MARTS_SCHEMA}.{table} where periode_eind > ?", [eind]
            ).fetchone()
            if r and r[0]:
                return r[0]
        return None

    def status_beschikbaar(self) -> bool:
        return self.has("signalen_status", "signaal_id", "status")

    def signalen(self, periode_eind: date | None, maand: date) -> tuple[list[Signaal], list[Signaal], int]:
        """(current signals with their status, signals resolved since the previous period, signals
        hidden because their group is below the minimum size)."""
        if periode_eind is None:
            return [], [], 0
        select = ", ".join(f"s.{c}" for c in _SIGNAAL_KOLOMMEN)
        rows = self._rows(f"select {select} from {MARTS_SCHEMA}.signalen s where s.periode_eind = ?", [periode_eind])
        status_rows = self._status_rows(maand, periode_eind)
        status = {
            r["signaal_id"]: r["status"] for r in status_rows if r.get("signaal_id") and r["status"] != "opgelost"
        }
        current, hidden = [], 0
        for r in rows:
            if r["n"] is not None and int(r["n"]) < self.minimum:
                hidden += 1
                continue
            current.append(self._signaal(r, status.get(r["signaal_id"])))
        current_ids = {s.signaal_id for s in current}
        opgelost: list[Signaal] = []
        for r in status_rows:
            if r["status"] != "opgelost":
                continue
            sid = r.get("vorig_signaal_id") or r.get("signaal_id")
            if not sid or sid in current_ids:
                continue
            if all(r.get(c) for c in ("proces", "indicator", "segment")):
                ernst = r.get("vorige_ernst") or r.get("ernst") or ""
                verhouding = r.get("vorige_verhouding") or r.get("verhouding")
                opgelost.append(
                    Signaal(
                        str(sid),
                        r["proces"],
                        r["indicator"],
                        r["segment"],
                        None,
                        None,
                        None,
                        None,
                        None if verhouding is None else float(verhouding),
                        r.get("n"),
                        ernst.lower(),
                        "",
                        "",
                        "opgelost",
                    )
                )
            else:
                found = self._signaal_by_id(str(sid))
                if found is not None:
                    opgelost.append(self._signaal(found, "opgelost"))
        opgelost = [s for s in opgelost if s.n is None or s.n >= self.minimum]
        return current, opgelost, hidden

    def _signaal_by_id(self, sid: str) -> dict[str, Any] | None:
        """A signal of an earlier period: from ``signalen`` or, when the publication keeps only the
        latest period there, from ``signalen_historie`` (which has no toelichting)."""
        for table in ("signalen", "signalen_historie"):
            if not self.has(table, "signaal_id", "proces", "indicator", "segment"):
                continue
            cols = ", ".join(c if c in self._columns[table] else f"null as {c}" for c in _SIGNAAL_KOLOMMEN)
            rows = self._rows(
                f"select {cols} from {MARTS_SCHEMA}.{table} where signaal_id = ? order by periode_eind desc limit 1",
                [sid],
            )
            if rows:
                return rows[0]
        return None

    def _status_rows(self, maand: date, periode_eind: date) -> list[dict[str, Any]]:
        if not self.status_beschikbaar():
            return []
        cols = self._columns["signalen_status"]
        wanted = [
            c
            for c in (
                "signaal_id",
                "vorig_signaal_id",
                "proces",
                "indicator",
                "segment",
                "status",
                "ernst",
                "vorige_ernst",
                "verhouding",
                "vorige_verhouding",
                "n",
            )
            if c in cols
        ]
        where, params = "", []
        if "maand" in cols:
            where, params = "where date_trunc('month', maand) = ?", [maand]
        elif "periode_eind" in cols:
            where, params = "where periode_eind = ?", [periode_eind]
        rows = self._rows(f"select {', '.join(wanted)} from {MARTS_SCHEMA}.signalen_status {where}", params)
        for r in rows:
            r["status"] = (r["status"] or "").lower()
        return [r for r in rows if r["status"] in STATUSSEN]

    @staticmethod
    def _signaal(r: dict[str, Any], status: str | None) -> Signaal:
        def f(v: Any) -> float | None:
            return None if v is None else float(v)

        return Signaal(
            signaal_id=str(r["signaal_id"]),
            proces=r["proces"],
            indicator=r["indicator"],
            segment=r["segment"] or "",
            periode_start=r["periode_start"],
            periode_eind=r["periode_eind"],
            waarde=f(r["waarde"]),
            referentie=f(r["referentie"]),
            verhouding=f(r["verhouding"]),
            n=None if r["n"] is None else int(r["n"]),
            ernst=(r["ernst"] or "").lower(),
            richting=(r["richting"] or "").lower(),
            toelichting=r["toelichting"] or "",
            status=status,
        )

    # --- data quality --------------------------------------------------------------------------
    def kwaliteit(self, maand: date, tot: date | None) -> Kwaliteit:
        """Deliveries of the month from ``marts.pipeline_runs``: one is expected every night from the
        first delivery ever up to ``tot``. A month from before the first delivery came in with that
        (full) delivery: its quality is that of the deliveries the publication is built from."""
        eind = month_end(maand)
        k = Kwaliteit(maand, eind)
        if not self.has("pipeline_runs", "extractdatum", "status", "fout", "rijen_geladen", "rijen_quarantaine"):
            k.beschikbaar = False
            return k
        eerste = self.con.execute(f"select min(extractdatum) from {MARTS_SCHEMA}.pipeline_runs").fetchone()[0]
        van, last = maand, min(eind, tot) if tot else eind
        if eerste is not None and eerste > eind:
            k.eerste_levering = eerste
            van, last = eerste, tot or eerste
        elif eerste is not None and eerste > maand:
            van = eerste
        k.verwachte_dagen = [van + timedelta(days=i) for i in range((last - van).days + 1)] if last >= van else []
        rows = self._rows(
            f"""select extractdatum, status, fout, rijen_geladen, rijen_quarantaine from {MARTS_SCHEMA}.pipeline_runs
                where extractdatum >= ? and extractdatum <= ? order by extractdatum""",
            [van, last],
        )
        for r in rows:
            status = "mislukt" if r["status"] == "mislukt" else ("bezig" if r["status"] == "bezig" else "verwerkt")
            stap = None
            if status == "mislukt" and r["fout"]:
                # only the step name ("kwaliteitspoort: ..."): the message itself may quote delivered values
                stap = str(r["fout"]).split(":", 1)[0].strip() or None
            k.leveringen.append(
                Levering(
                    r["extractdatum"], status, stap, int(r["rijen_geladen"] or 0), int(r["rijen_quarantaine"] or 0)
                )
            )
        return k


def _maanden(eerste: date, laatste: date) -> list[date]:
    """First days of the months from ``eerste`` up to and including ``laatste``."""
    maanden, m = [], eerste
    while m <= laatste:
        maanden.append(m)
        m = add_months(m, 1)
    return maanden
