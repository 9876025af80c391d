"""Run history: what each step of each night did, kept under ``$WOONSIGNAAL_HOME/state``.

Airflow tasks may not touch the metadata DB, and the status command must work without Airflow running,
so every step appends one JSON line per event to ``state/runs.jsonl``. The publish step copies the
history into the published table ``marts.pipeline_runs``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from woonsignaal.faults import Fout, samenvatting
from woonsignaal.settings import Settings


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def history_path(settings: Settings) -> Path:
    return settings.state_dir / "runs.jsonl"


def record(
    settings: Settings,
    extractdatum: str,
    stap: str,
    status: str,
    run_id: str | None = None,
    bericht: str = "",
    details: dict[str, Any] | None = None,
) -> None:
    """Append one event (status ``gestart``, ``geslaagd``, ``mislukt`` or ``overgeslagen``).

    A ``mislukt`` event carries its faults in ``details["fouten"]`` (``Fout.to_dict()``): the run's
    ``fout`` and its one-line summary are built from those only (see :func:`_summarise`)."""
    path = history_path(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    line = json.dumps(
        {
            "tijd": _now(),
            "extractdatum": extractdatum,
            "run_id": run_id or "",
            "stap": stap,
            "status": status,
            "bericht": bericht,
            "details": details or {},
        },
        ensure_ascii=False,
        default=str,
    )
    with path.open("a", encoding="utf-8") as fh:
        fh.write(line + "\n")


def record_failure(
    settings: Settings,
    extractdatum: str,
    stap: str,
    failure: BaseException,
    run_id: str | None = None,
    details: dict[str, Any] | None = None,
) -> None:
    """Record a ``mislukt`` event for ``failure``: its faults (``woonsignaal.faults.fouten_van``) and the
    message built from them, never the text of a library's exception."""
    from woonsignaal import faults

    details = dict(details or {})
    details["fouten"] = [f.to_dict() for f in faults.fouten_van(failure)]
    record(settings, extractdatum, stap, "mislukt", run_id, bericht=faults.melding(failure), details=details)


def read_events(settings: Settings) -> list[dict[str, Any]]:
    path = history_path(settings)
    if not path.exists():
        return []
    events = []
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line:
            try:
                events.append(json.loads(line))
            except json.JSONDecodeError:
                continue  # a line cut off by a killed process; the next run writes a fresh one
    return events


@dataclass
class DeliveryRun:
    """The latest run of one delivery, summarised from its events."""

    extractdatum: str
    run_id: str
    gestart: str
    beeindigd: str | None
    status: str  # geslaagd | mislukt | bezig
    stappen: dict[str, str] = field(default_factory=dict)
    fout: str = ""  # the failed step and its faults' messages
    details: dict[str, Any] = field(default_factory=dict)
    fouten: list[Fout] = field(default_factory=list)
    mislukte_stap: str = ""

    @property
    def samenvatting(self) -> str:
        """One line in Dutch: the failed step, the fault class and where (bestand, regel, kolom)."""
        if self.status != "mislukt":
            return ""
        return f"{self.mislukte_stap}: {samenvatting(self.fouten) or 'mislukt'}"


def latest_runs(settings: Settings) -> list[DeliveryRun]:
    """One entry per extractdatum: its latest run, in extractdatum order."""
    by_run: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for ev in read_events(settings):
        by_run.setdefault((ev["extractdatum"], ev["run_id"]), []).append(ev)
    latest: dict[str, DeliveryRun] = {}
    for (extractdatum, run_id), events in by_run.items():
        run = _summarise(extractdatum, run_id, events)
        if extractdatum not in latest or run.gestart >= latest[extractdatum].gestart:
            latest[extractdatum] = run
    return [latest[k] for k in sorted(latest)]


def _summarise(extractdatum: str, run_id: str, events: list[dict[str, Any]]) -> DeliveryRun:
    stappen: dict[str, str] = {}
    details: dict[str, Any] = {}
    fout, fouten, stap = "", [], ""
    for ev in events:
        stappen[ev["stap"]] = ev["status"]
        # the message of a failure is rebuilt from its faults, never taken from the event's text: a line
        # written before faults were values may hold a library's text (and the data it quoted)
        recorded = (ev.get("details") or {}).get("fouten") if ev["status"] == "mislukt" else None
        if ev["status"] == "mislukt" and (recorded or not fouten):
            fouten = [Fout.from_dict(f) for f in recorded or [{"klasse": "onverwacht"}]]
            stap = ev["stap"]
            fout = f"{stap}: " + "\n".join(f.melding() for f in fouten)
        if ev.get("details"):
            details[ev["stap"]] = ev["details"]
    if any(s == "mislukt" for s in stappen.values()):
        status = "mislukt"
    elif stappen.get("publiceer") == "geslaagd":
        status = "geslaagd"
    else:
        status = "bezig"
    ended = events[-1]["tijd"] if status != "bezig" else None
    return DeliveryRun(extractdatum, run_id, events[0]["tijd"], ended, status, stappen, fout, details, fouten, stap)
