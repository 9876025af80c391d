"""Faults as values: every message that leaves a step is built here from class, file, line and column.

A library's error text may quote the data it choked on (DuckDB's CSV errors carry the whole
"Original Line": a tenant's name, e-mail, IBAN). So no step passes such a text on. A fault woonsignaal
recognises is a :class:`Fout` (class, file, line, column and a detail woonsignaal wrote itself); an
exception that carries faults is a :class:`Foutmelding`. Anything else that ends a step is described
by :func:`fouten_van` as class ``onverwacht`` with the exception's type name only.

The run history, the log, ``woonsignaal status``, the alert and ``marts.pipeline_runs`` are all fed
from :func:`fouten_van` and :func:`melding` (see ``woonsignaal.pipeline._step`` and
``woonsignaal.alerts``).
"""

from __future__ import annotations

import traceback
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Any

#: Fault class -> its name for operators (Dutch). ``docs/ingest.md`` lists when each occurs.
KLASSEN: dict[str, str] = {
    "manifest": "manifest onleesbaar of onvolledig",
    "extractdatum": "extractdatum of aangemaakt_op onmogelijk",
    "volgorde": "levering buiten volgorde",
    "bestand_ontbreekt": "bestand ontbreekt",
    "buiten_levering": "bestand verwijst buiten de leveringsmap",
    "afgebroken": "bestand afgebroken",
    "sha256": "sha256 verschilt van het manifest",
    "rijen": "aantal rijen verschilt van het manifest",
    "codering": "bestand is geen UTF-8",
    "leeg": "bestand is leeg",
    "kolom_ontbreekt": "verplichte kolom ontbreekt",
    "csv_structuur": "CSV-structuur kapot",
    "regeleinde": "losse carriage return",
    "rijfouten": "te veel rijen met fouten",
    "raw_suite": "Great Expectations-controle van de levering afgekeurd",
    "verwijderingen": "volledige levering zou te veel rijen verwijderen",
    "levering": "levering geweigerd",
    "dbt_build": "dbt build mislukt",
    "signalen_andere_nacht": "berekende signalen horen bij een andere nacht of run",
    "kwaliteitspoort": "kwaliteitspoort afgekeurd",
    "warehouse_bezet": "warehouse in gebruik",
    "nacht_bezet": "een andere run verwerkt een nacht",
    "gestopt": "run gestopt",
    "schijf_vol": "schijf vol",
    "configuratie": "configuratiefout",
    "onverwacht": "onverwachte fout",
}


@dataclass(frozen=True)
class Fout:
    """One fault: its class (a key of :data:`KLASSEN`), where (file, physical line, column) and a
    detail woonsignaal wrote (never a library's text, never a value of a personal-data column)."""

    klasse: str
    bestand: str | None = None
    regel: int | None = None
    kolom: str | None = None
    detail: str = ""

    def __post_init__(self) -> None:
        if self.klasse not in KLASSEN:
            raise ValueError(f"unknown fault class {self.klasse!r}")

    @property
    def naam(self) -> str:
        return KLASSEN[self.klasse]

    def waar(self) -> str:
        """ "relaties.csv, regel 5, kolom 'iban'" (the parts that are known)."""
        parts = []
        if self.bestand:
            parts.append(self.bestand)
        if self.regel is not None:
            parts.append(f"regel {self.regel}")
        if self.kolom:
            parts.append(f"kolom {self.kolom!r}")
        return ", ".join(parts)

    def regel_tekst(self) -> str:
        """One line in Dutch: class and where, e.g. "bestand afgebroken (relaties.csv, regel 5)"."""
        waar = self.waar()
        return f"{self.naam} ({waar})" if waar else self.naam

    def melding(self) -> str:
        """The full message: the detail, or the one line when there is none."""
        return self.detail or self.regel_tekst()

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Fout:
        klasse = data.get("klasse") if data.get("klasse") in KLASSEN else "onverwacht"
        regel = data.get("regel")
        return cls(
            klasse,
            data.get("bestand") or None,
            int(regel) if regel is not None else None,
            data.get("kolom") or None,
            str(data.get("detail") or ""),
        )


class Foutmelding(Exception):
    """An exception whose message woonsignaal built from :class:`Fout` values.

    ``Foutmelding("text")`` is one fault of the class's :attr:`klasse` with that detail;
    ``Foutmelding([Fout(...), ...])`` carries several. ``str()`` is the details, one per line.
    """

    klasse = "onverwacht"

    def __init__(self, fouten: Fout | str | Iterable[Fout | str], *, klasse: str | None = None):
        if isinstance(fouten, (str, Fout)):
            fouten = [fouten]
        self.fouten = [f if isinstance(f, Fout) else Fout(klasse or self.klasse, detail=f) for f in fouten]
        super().__init__(self.tekst())

    def tekst(self) -> str:
        if len(self.fouten) == 1:
            return self.fouten[0].melding()
        return "\n".join(f"- {f.melding()}" for f in self.fouten)


def fouten_van(exc: BaseException) -> list[Fout]:
    """The faults an exception stands for: a :class:`Foutmelding`'s own (also when it is the cause of
    the exception), else one fault of class ``onverwacht`` naming only the exception's type."""
    seen: BaseException | None = exc
    for _ in range(5):
        if seen is None:
            break
        if isinstance(seen, Foutmelding):
            return list(seen.fouten)
        seen = seen.__cause__
    return [Fout("onverwacht", detail=f"onverwachte fout ({type(exc).__name__}); zie de stack in het log")]


def melding(exc: BaseException) -> str:
    """The message of an exception that may leave a step: :func:`fouten_van`, never ``str()`` of a
    library's exception."""
    if isinstance(exc, Foutmelding):
        return str(exc)
    return "\n".join(f.melding() for f in fouten_van(exc))


def samenvatting(fouten: list[Fout]) -> str:
    """One line in Dutch for a failed night: the first fault's class and where, and how many more."""
    if not fouten:
        return ""
    line = fouten[0].regel_tekst()
    return line + (f" (en {len(fouten) - 1} andere)" if len(fouten) > 1 else "")


def stack_zonder_tekst(exc: BaseException) -> str:
    """The traceback's frames (file, line, function) and exception types, without any message: what
    an engineer needs to find an unexpected fault, with nothing of the data it may have quoted."""
    lines = []
    seen: BaseException | None = exc
    while seen is not None:
        lines.append(f"{type(seen).__module__}.{type(seen).__qualname__}")
        lines.extend(traceback.format_list(traceback.extract_tb(seen.__traceback__)))
        seen = seen.__cause__ or (None if seen.__suppress_context__ else seen.__context__)
    return "".join(line if line.endswith("\n") else line + "\n" for line in lines)
