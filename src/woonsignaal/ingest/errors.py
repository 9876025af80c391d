"""Errors raised by the ingest: a refused delivery names the file and what differs."""

from __future__ import annotations

from datetime import date


class DeliveryRejected(Exception):
    """The whole delivery is refused; the warehouse is unchanged.

    ``problems`` lists every reason, each naming the file (and where it applies the column, row
    and what differs). Messages never contain values of personal-data columns.
    """

    def __init__(self, problems: list[str] | str, extractdatum: date | None = None):
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        self.extractdatum = extractdatum
        where = f"Delivery {extractdatum.isoformat()}" if extractdatum else "Delivery"
        if len(self.problems) == 1:
            text = f"{where} refused: {self.problems[0]}"
        else:
            text = f"{where} refused ({len(self.problems)} problems):\n" + "\n".join(
                f"- {p}" for p in self.problems
            )
        super().__init__(text)


class DeliveryIncomplete(DeliveryRejected):
    """The folder has no manifest.json yet: the delivery is still being written (wait)."""
