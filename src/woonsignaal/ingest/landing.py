"""Scan the landing folder: complete deliveries (in extractdatum order), waiting ones and gaps.

A delivery is complete when its ``manifest.json`` exists (the contract has it written last). Folders
without a manifest are *waiting*; folder names that are not a ``YYYY-MM-DD`` date are ignored and
reported. Whether a complete delivery still has to be loaded is decided against ``raw.leveringen`` of
the warehouse: never loaded, or re-sent (same extractdatum, newer ``aangemaakt_op``).
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from itertools import pairwise
from pathlib import Path
from zoneinfo import ZoneInfo

from woonsignaal.contract import MANIFEST_NAME, SOURCE_TIMEZONE

log = logging.getLogger(__name__)

#: A delivery folder's name: the extract date as jjjj-mm-dd, nothing else (not 2026-W48-1, 20261123).
DELIVERY_FOLDER = re.compile(r"\d{4}-\d{2}-\d{2}")


@dataclass(frozen=True)
class LandedDelivery:
    extractdatum: date
    path: Path
    aangemaakt_op: datetime | None  # None when manifest.json cannot be read (verify will refuse it)
    soort: str | None
    pending: bool  # never loaded, or re-sent with a newer aangemaakt_op than the loaded one
    resent: bool = False  # an earlier version of this extractdatum was loaded
    loaded_aangemaakt_op: datetime | None = None

    @property
    def name(self) -> str:
        return self.extractdatum.isoformat()


@dataclass
class LandingScan:
    landing: Path
    deliveries: list[LandedDelivery] = field(default_factory=list)  # complete, extractdatum order
    incomplete: list[Path] = field(default_factory=list)  # folders without manifest: waiting
    ignored: list[Path] = field(default_factory=list)  # not a YYYY-MM-DD folder (or not a folder)
    gaps: list[date] = field(default_factory=list)  # nights without any delivery folder
    last_loaded: date | None = None

    @property
    def pending(self) -> list[LandedDelivery]:
        return [d for d in self.deliveries if d.pending]

    @property
    def waiting(self) -> bool:
        return bool(self.incomplete)

    def summary(self) -> str:
        lines = [
            f"landing {self.landing}: {len(self.deliveries)} complete, {len(self.pending)} to load, "
            f"{len(self.incomplete)} waiting for manifest.json"
        ]
        if self.last_loaded:
            lines.append(f"last loaded extractdatum: {self.last_loaded.isoformat()}")
        for d in self.pending:
            lines.append(f"to load: {d.name}{' (re-sent)' if d.resent else ''}")
        for p in self.incomplete:
            lines.append(f"waiting: {p.name} has no {MANIFEST_NAME} yet")
        if self.gaps:
            lines.append("missing nights: " + ", ".join(g.isoformat() for g in self.gaps))
        for p in self.ignored:
            lines.append(f"ignored: {p.name} (not a YYYY-MM-DD delivery folder)")
        return "\n".join(lines)


def today_in_source_timezone() -> date:
    """Today in Europe/Amsterdam, the contract's time zone."""
    return datetime.now(ZoneInfo(SOURCE_TIMEZONE)).date()


def delivery_date(name: str) -> date | None:
    """The extract date a folder name stands for: a valid ``jjjj-mm-dd`` date, else None."""
    if not DELIVERY_FOLDER.fullmatch(name):
        return None
    try:
        return date.fromisoformat(name)
    except ValueError:
        return None


def parse_timestamp(value: str) -> datetime:
    """Parse a manifest ISO timestamp (aware); one without an offset is Europe/Amsterdam time, the
    contract's time zone, like every other time in a delivery."""
    ts = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return ts if ts.tzinfo is not None else ts.replace(tzinfo=ZoneInfo(SOURCE_TIMEZONE))


def _as_naive_utc(ts: datetime) -> datetime:
    """UTC without a time zone, as ``raw.leveringen.aangemaakt_op`` holds it."""
    if ts.tzinfo is None:
        ts = ts.replace(tzinfo=ZoneInfo(SOURCE_TIMEZONE))
    return ts.astimezone(UTC).replace(tzinfo=None)


def read_manifest_json(path: Path):
    """The parsed ``manifest.json`` at ``path``; a UTF-8 byte-order mark (Windows tools write one) is allowed."""
    return json.loads(Path(path).read_text(encoding="utf-8-sig"))


def loaded_deliveries(warehouse_path: Path | None) -> dict[date, datetime]:
    """extractdatum -> aangemaakt_op (naive UTC) of every delivery in ``raw.leveringen``."""
    if warehouse_path is None or not Path(warehouse_path).exists():
        return {}
    import duckdb

    try:
        con = duckdb.connect(str(warehouse_path), read_only=True)
    except duckdb.IOException as exc:
        raise RuntimeError(
            f"the warehouse {warehouse_path} is in use by another process (one writer at a time); "
            f"scan the landing folder again when it is free ({str(exc).splitlines()[0]})"
        ) from exc
    try:
        exists = con.execute(
            "select count(*) from information_schema.tables where table_schema = 'raw' and table_name = 'leveringen'"
        ).fetchone()[0]
        if not exists:
            return {}
        return dict(con.execute("select extractdatum, aangemaakt_op from raw.leveringen").fetchall())
    finally:
        con.close()


def _daterange(start: date, end: date) -> list[date]:
    """Dates strictly between start and end."""
    return [start + timedelta(days=i) for i in range(1, (end - start).days)]


def scan_landing(landing: Path, warehouse_path: Path | None = None) -> LandingScan:
    landing = Path(landing)
    scan = LandingScan(landing=landing)
    loaded = loaded_deliveries(warehouse_path)
    scan.last_loaded = max(loaded) if loaded else None
    if not landing.exists():
        return scan
    present: set[date] = set()
    for entry in sorted(landing.iterdir()):
        d = delivery_date(entry.name) if entry.is_dir() else None
        if d is None:
            scan.ignored.append(entry)
            continue
        present.add(d)
        manifest = entry / MANIFEST_NAME
        if not manifest.exists():
            scan.incomplete.append(entry)
            continue
        aangemaakt, soort = None, None
        try:
            data = read_manifest_json(manifest)
            aangemaakt = parse_timestamp(str(data["aangemaakt_op"]))
            soort = data.get("soort")
        except (ValueError, KeyError, TypeError, OSError):
            pass  # verify_delivery will refuse it with a precise message
        prev = loaded.get(d)
        resent = prev is not None
        if prev is None:
            pending = True
        elif aangemaakt is None:
            pending = True
        else:
            pending = _as_naive_utc(aangemaakt) > prev
        scan.deliveries.append(LandedDelivery(d, entry, aangemaakt, soort, pending, resent and pending, prev))
    scan.deliveries.sort(key=lambda x: x.extractdatum)
    scan.incomplete.sort(key=lambda p: p.name)
    for p in scan.ignored:
        log.warning("ignored in the landing folder: %s (not a jjjj-mm-dd delivery folder)", p.name)
    # gaps: nights with no folder at all, between consecutive folders and the last loaded delivery;
    # a folder dated after today is no night (the load refuses it) and opens no gap up to it
    today = today_in_source_timezone()
    known = sorted(d for d in present | ({scan.last_loaded} if scan.last_loaded else set()) if d <= today)
    gaps: list[date] = []
    for a, b in pairwise(known):
        gaps.extend(_daterange(a, b))
    scan.gaps = gaps
    return scan
