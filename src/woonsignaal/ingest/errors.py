"""Errors raised by the ingest: a refused delivery names the file and what differs."""

from __future__ import annotations

from datetime import date

from woonsignaal.faults import Fout, Foutmelding


class DeliveryRejected(Foutmelding):
    """The whole delivery is refused; the warehouse is unchanged.

    ``fouten`` holds every reason as a :class:`~woonsignaal.faults.Fout` (class, file, line, column);
    ``problems`` their messages, each naming the file (and where it applies the column, row and what
    differs). Messages never contain values of personal-data columns, nor a library's error text.
    """

    klasse = "levering"

    def __init__(self, problems: list[str | Fout] | str | Fout, extractdatum: date | None = None):
        self.extractdatum = extractdatum
        super().__init__(problems)
        self.problems = [f.melding() for f in self.fouten]
        # the message is rebuilt below with the delivery's date; Exception.args follow it
        self.args = (self.tekst(),)

    def tekst(self) -> str:
        problems = [f.melding() for f in self.fouten]
        where = f"Levering {self.extractdatum.isoformat()}" if getattr(self, "extractdatum", None) else "Levering"
        if len(problems) == 1:
            return f"{where} geweigerd: {problems[0]}"
        return f"{where} geweigerd ({len(problems)} problemen):\n" + "\n".join(f"- {p}" for p in problems)


class DeliveryIncomplete(DeliveryRejected):
    """The folder has no manifest.json yet: the delivery is still being written (wait)."""
