"""Verify a delivery before anything is loaded: manifest, contract version, files, sha256, rows, UTF-8.

Every problem found is collected; a delivery with any problem is refused whole with
:class:`DeliveryRejected`, whose message names each file and what differs.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import json
import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

import numpy as np

from woonsignaal.contract import (
    CONTRACT_VERSION,
    CSV_DELIMITER,
    CSV_QUOTE,
    FILES,
    FILES_BY_NAME,
    MANIFEST_NAME,
    SOORT_DELTA,
    SOORT_VOLLEDIG,
)
from woonsignaal.faults import Fout
from woonsignaal.ingest.csvread import read_csv_sql
from woonsignaal.ingest.errors import DeliveryIncomplete, DeliveryRejected
from woonsignaal.ingest.landing import parse_timestamp, read_manifest_json, today_in_source_timezone

_CHUNK = 4 * 1024 * 1024
SUPPORTED_MAJOR = CONTRACT_VERSION.split(".")[0]


@dataclass(frozen=True)
class ManifestFile:
    naam: str
    rijen: int
    sha256: str


@dataclass(frozen=True)
class FileCheck:
    """What one pass over a file's bytes found (computed by :func:`check_file_bytes`)."""

    sha256: str
    size: int
    newlines: int  # count of b"\n" in the file
    ends_with_newline: bool
    utf8_error: str | None  # the message when the file is not valid UTF-8 (naming the line), else None
    has_quote: bool = True  # a '"' occurs: records may span lines
    padded: bool = True  # a field may start or end with a space that trim removes (see EdgeSpaces)
    utf8_where: tuple[int | None, str | None] = (None, None)  # line and column of the bad byte

    def utf8_fout(self, filename: str) -> Fout | None:
        if not self.utf8_error:
            return None
        return Fout("codering", filename, self.utf8_where[0], self.utf8_where[1], self.utf8_error)

    @property
    def records_if_unquoted(self) -> int | None:
        """Data rows counted from line breaks, valid only when no field is quoted."""
        if self.has_quote or self.size == 0:
            return None
        lines = self.newlines + (0 if self.ends_with_newline else 1)
        return lines - 1


@dataclass
class Manifest:
    path: Path  # the delivery folder
    contract_versie: str
    bron: str | None
    corporatie: str | None
    extractdatum: date
    aangemaakt_op: datetime
    soort: str
    bestanden: dict[str, ManifestFile]
    checks: dict[str, FileCheck] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    rows_verified: bool = False

    def file_path(self, name: str) -> Path:
        return self.path / FILES_BY_NAME[name].filename


def _describe_bad_bytes(data: bytes, offset: int) -> str:
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or b"\x00" in data[:200]:
        return "het lijkt UTF-16"
    try:
        data.decode("cp1252")
        return "het lijkt Latin-1/Windows-1252"
    except UnicodeDecodeError:
        return "de codering is onbekend"


def _locate(path: Path, offset: int) -> tuple[int, str | None]:
    """The physical line (1 = header) of byte ``offset`` and, when it can be told, its column's header name.

    Read again from the start of the file, in chunks, only when a fault was found there. The column is
    named when the line starts a record (an even number of quotes before it) and its fields before the
    byte can be counted; a line inside a quoted field gets no column name.
    """
    newlines = quotes = quotes_before_line = line_start = pos = 0
    with open(path, "rb") as fh:
        header = fh.readline()
        fh.seek(0)
        while pos < offset:
            chunk = fh.read(min(_CHUNK, offset - pos))
            if not chunk:
                break
            last = chunk.rfind(b"\n")
            if last >= 0:
                line_start = pos + last + 1
                quotes_before_line = quotes + chunk.count(b'"', 0, last + 1)
            newlines += chunk.count(b"\n")
            quotes += chunk.count(b'"')
            pos += len(chunk)
        fh.seek(line_start)
        prefix = fh.read(offset - line_start)
    line = newlines + 1
    if line == 1 or quotes_before_line % 2:
        return line, None
    names = next(
        csv.reader([header.decode("utf-8-sig", "replace").strip()], delimiter=CSV_DELIMITER, quotechar=CSV_QUOTE), []
    )
    fields = next(csv.reader([prefix.decode("latin-1")], delimiter=CSV_DELIMITER, quotechar=CSV_QUOTE), [""])
    index = len(fields) - 1
    return line, (names[index].strip() or None) if index < len(names) else None


def not_utf8_message(path: Path, byte: int, offset: int, head: bytes) -> tuple[str, int, str | None]:
    """ "<file> is geen UTF-8: byte 0xE9 op regel 5, kolom 'naam' (positie 235; het lijkt ...)", with
    the line and column."""
    line, column = _locate(path, offset)
    where = f"regel {line}" + (f", kolom {column!r}" if column else "")
    return (
        f"{path.name} is geen UTF-8: byte 0x{byte:02X} op {where} (positie {offset}; "
        f"{_describe_bad_bytes(head, offset)}): exporteer het bestand opnieuw als UTF-8",
        line,
        column,
    )


class EdgeSpaces:
    """Whether any field of a CSV file may start or end with a space that ``trim`` removes.

    DuckDB's ``trim`` strips U+0020 and the Unicode space separators (U+00A0, U+1680, U+2000-U+200A,
    U+202F, U+205F, U+3000), nothing else. A field starts after ``;``, a line break or an opening
    quote and ends before ``;``, a line break, a closing quote or the end of the file, so a value
    with a leading or trailing U+0020 puts a space next to one of those bytes. ``padded`` is True
    when such a pair occurs, or when a Unicode space separator occurs anywhere (its UTF-8 lead and
    second byte). It may be True for a file none of whose values change under ``trim`` (a quoted
    ``" `` inside a text), never False for one that has such a value: the parse then trims every
    value of the file, and otherwise leaves the trimming out, which makes the parse of a large file
    noticeably cheaper.

    Fed chunk by chunk (:meth:`update`) by :func:`check_file_bytes`, which reads every byte anyway.
    With numpy, the scan and the line count cost little more than ``bytes.count`` of the line breaks
    alone.
    """

    _EDGE = np.zeros(256, dtype=bool)
    _EDGE[[ord(";"), ord("\n"), ord("\r"), ord('"')]] = True
    #: (lead, second) bytes of the UTF-8 encodings of the Unicode space separators trim strips
    _UNICODE_SPACES = ((0xC2, 0xA0), (0xE1, 0x9A), (0xE2, 0x80), (0xE2, 0x81), (0xE3, 0x80))

    def __init__(self) -> None:
        self.padded = False
        self.newlines = 0
        self._prev = ord("\n")  # the byte before the chunk (the file starts a line)
        self._prev_lead = -1  # the last byte of the previous chunk when it may lead a space separator

    def update(self, chunk: bytes) -> None:
        a = np.frombuffer(chunk, dtype=np.uint8)
        if not a.size:
            return
        self.newlines += int(np.count_nonzero(a == 10))
        if not self.padded:
            self.padded = self._edge_space(a) or self._unicode_space(a)
        self._prev = int(a[-1])

    def finish(self) -> bool:
        """True when a field may need trimming (a space as the file's last byte included)."""
        return self.padded or self._prev == ord(" ")

    def _edge_space(self, a: np.ndarray) -> bool:
        if self._prev == 32 and self._EDGE[a[0]]:  # the previous chunk ended with a space
            return True
        at = np.flatnonzero(a == 32)
        if not at.size:
            return False
        # the byte before each space (for a space first in the chunk: the previous chunk's last) and
        # after it (within this chunk; a space last in it is checked with the next chunk, above)
        first = at[0] == 0
        if first and self._EDGE[self._prev]:
            return True
        return bool(self._EDGE[a[at[1:] - 1 if first else at - 1]].any()) or bool(
            self._EDGE[a[at[at + 1 < a.size] + 1]].any()
        )

    def _unicode_space(self, a: np.ndarray) -> bool:
        if self._prev_lead >= 0 and (self._prev_lead, int(a[0])) in self._UNICODE_SPACES:
            return True
        self._prev_lead = int(a[-1]) if a[-1] >= 0xC2 else -1
        if a.max() < 0xC2:  # no lead byte of a space separator in this chunk (ASCII, or Latin letters)
            return False
        leads = np.flatnonzero((a[:-1] >= 0xC2) & (a[:-1] <= 0xE3))
        pairs = set(zip(a[leads].tolist(), a[leads + 1].tolist(), strict=True))
        return any(p in pairs for p in self._UNICODE_SPACES)


def check_file_bytes(path: Path) -> FileCheck:
    """One pass over the file: sha256, size, newline count, whether a field may need trimming
    (:class:`EdgeSpaces`) and UTF-8 validity (the first bad byte, its line and column)."""
    sha = hashlib.sha256()
    decoder = codecs.getincrementaldecoder("utf-8")()
    edges = EdgeSpaces()
    size = 0
    last = b""
    error: str | None = None
    where: tuple[int | None, str | None] = (None, None)
    head = b""
    has_quote = False
    with open(path, "rb") as fh:
        while True:
            chunk = fh.read(_CHUNK)
            if not chunk:
                break
            if not head:
                head = chunk[:65536]
            sha.update(chunk)
            edges.update(chunk)
            if not has_quote:
                has_quote = b'"' in chunk
            if error is None:
                pending = decoder.getstate()[0]  # a sequence begun at the end of the previous chunk
                try:
                    decoder.decode(chunk)
                except UnicodeDecodeError as exc:
                    bad = size - len(pending) + exc.start
                    error, *located = not_utf8_message(path, (pending + chunk)[exc.start], bad, head)
                    where = (located[0], located[1])
            size += len(chunk)
            last = chunk[-1:]
        if error is None:
            try:
                decoder.decode(b"", final=True)
            except UnicodeDecodeError:
                error = f"{path.name} is geen UTF-8: het bestand eindigt midden in een UTF-8-teken (positie {size})"
    return FileCheck(sha.hexdigest(), size, edges.newlines, last == b"\n", error, has_quote, edges.finish(), where)


def line_break_problem(path: Path) -> Fout | None:
    """The message for a file with a carriage return that ends no line (not followed by a line feed),
    naming its line (and column, as :func:`_locate` tells it); None when there is none. Asked only
    once the CSV reader has failed; the file is read in chunks."""
    path = Path(path)
    at = _lone_carriage_return(path)
    if at is None:
        return None
    line, column = _locate(path, at)
    where = f"regel {line}" + (f", kolom {column!r}," if column else "")
    return Fout(
        "regeleinde",
        path.name,
        line,
        column,
        (
            f"{path.name} is niet als CSV te lezen: {where} bevat een carriage return (CR) die geen deel is van "
            f"een CRLF-regeleinde; volgens het contract eindigt een regel op CRLF of LF en staat een veld met een "
            f"regeleinde tussen aanhalingstekens"
        ),
    )


def csv_read_fout(path: Path, exc: BaseException, check: FileCheck | None = None) -> Fout:
    """The fault of a file DuckDB could not read as CSV, built from the file and the line DuckDB
    names: never DuckDB's text, which quotes the offending record ("Original Line: ..."). Asked only
    once the reader has failed: the encoding (when no byte check was made) and a bare CR first."""
    path = Path(path)
    if check is None:
        bad = check_file_bytes(path).utf8_fout(path.name)
        if bad is not None:
            return bad
    lone = line_break_problem(path)
    if lone is not None:
        return lone
    text = str(exc)
    found = re.search(r"CSV Error on Line: (\d+)", text)
    line = int(found.group(1)) if found else None
    what = (
        "een record langer dan de maximale regellengte van de lezer"
        if "Maximum line size" in text
        else ("een record dat niet in de velden van de kopregel te splitsen is")
    )
    return Fout(
        "csv_structuur",
        path.name,
        line,
        None,
        (
            f"{path.name} is niet als CSV te lezen: {what}"
            + (f" (record op regel {line})" if line else "")
            + "; controleer de aanhalingstekens rond ';', '\"' en regeleinden"
        ),
    )


def _lone_carriage_return(path: Path) -> int | None:
    """Offset of the first CR not followed by LF (a CR ending the file included), or None."""
    pos = 0
    carried = False  # the previous chunk ended with a CR
    with open(path, "rb") as fh:
        while chunk := fh.read(_CHUNK):
            if carried and not chunk.startswith(b"\n"):
                return pos - 1
            carried = chunk.endswith(b"\r")
            body = chunk[:-1] if carried else chunk
            if body.count(b"\r") != body.count(b"\r\n"):  # only then look for it, CR by CR
                at = body.find(b"\r")
                while body[at + 1 : at + 2] == b"\n":
                    at = body.find(b"\r", at + 2)
                return pos + at
            pos += len(chunk)
    return pos - 1 if carried else None


def read_manifest(path: Path) -> Manifest:
    """Read and check ``manifest.json`` of the delivery folder ``path`` (no file checks yet)."""
    path = Path(path)
    mpath = path / MANIFEST_NAME
    if not mpath.exists():
        raise DeliveryIncomplete(f"{path.name}: nog geen {MANIFEST_NAME}; de levering is nog niet compleet (wachten)")
    outside = files_outside_folder(path)
    if outside:
        raise DeliveryRejected(outside)
    try:
        data = read_manifest_json(mpath)
    except UnicodeDecodeError:
        raise DeliveryRejected(Fout("manifest", MANIFEST_NAME, detail=f"{MANIFEST_NAME} is geen UTF-8")) from None
    except json.JSONDecodeError as exc:  # its position only: the text around it is the supplier's
        raise DeliveryRejected(
            Fout(
                "manifest",
                MANIFEST_NAME,
                exc.lineno,
                detail=(f"{MANIFEST_NAME} is geen geldige JSON (regel {exc.lineno}, teken {exc.colno})"),
            )
        ) from None
    if not isinstance(data, dict):
        raise DeliveryRejected(Fout("manifest", MANIFEST_NAME, detail=f"{MANIFEST_NAME} is geen JSON-object"))
    problems: list[Fout] = []

    def fault(detail: str, klasse: str = "manifest") -> None:
        problems.append(Fout(klasse, MANIFEST_NAME, detail=detail))

    for key in ("contract_versie", "extractdatum", "aangemaakt_op", "soort", "bestanden"):
        if key not in data:
            fault(f"{MANIFEST_NAME} mist {key!r}")
    if problems:
        raise DeliveryRejected(problems)

    versie = str(data["contract_versie"])
    if versie.split(".")[0] != SUPPORTED_MAJOR:
        fault(f"{MANIFEST_NAME}: contract_versie {versie} wordt niet ondersteund (verwacht {SUPPORTED_MAJOR}.x)")
    try:
        extractdatum = _iso_date(str(data["extractdatum"]))
    except ValueError:
        raise DeliveryRejected(
            Fout(
                "manifest",
                MANIFEST_NAME,
                detail=(f"{MANIFEST_NAME}: extractdatum is geen datum in de vorm jjjj-mm-dd"),
            )
        ) from None
    if path.name != extractdatum.isoformat():
        fault(f"{MANIFEST_NAME}: extractdatum {extractdatum.isoformat()} past niet bij de mapnaam {path.name}")
    try:
        aangemaakt = parse_timestamp(str(data["aangemaakt_op"]))
    except ValueError:
        fault(f"{MANIFEST_NAME}: aangemaakt_op is geen ISO-tijdstip")
        aangemaakt = datetime.min
    else:
        problems += date_problems(path, extractdatum, aangemaakt)
    soort = str(data["soort"])
    if soort not in (SOORT_VOLLEDIG, SOORT_DELTA):
        fault(f"{MANIFEST_NAME}: soort moet {SOORT_VOLLEDIG!r} of {SOORT_DELTA!r} zijn")

    bestanden: dict[str, ManifestFile] = {}
    warnings: list[str] = []
    entries = data["bestanden"]
    if not isinstance(entries, list):
        fault(f"{MANIFEST_NAME}: 'bestanden' is geen lijst")
        raise DeliveryRejected(problems, extractdatum)
    for i, entry in enumerate(entries, 1):
        try:
            naam = str(entry["naam"])
            rijen = int(entry["rijen"])
            sha = str(entry["sha256"]).lower()
        except (KeyError, TypeError, ValueError):
            fault(f"{MANIFEST_NAME}: element {i} van 'bestanden' heeft naam, rijen (een getal) en sha256 nodig")
            continue
        name = naam.removesuffix(".csv")
        if name not in FILES_BY_NAME or not naam.endswith(".csv"):
            warnings.append(f"{naam}: listed in {MANIFEST_NAME} but not a contract file (ignored)")
            continue
        bestanden[name] = ManifestFile(naam, rijen, sha)
    for f in FILES:
        if f.name not in bestanden:
            problems.append(
                Fout(
                    "bestand_ontbreekt",
                    f.filename,
                    detail=f"{f.filename}: staat niet in {MANIFEST_NAME} (elke levering bevat alle bestanden)",
                )
            )
    if problems:
        raise DeliveryRejected(problems, extractdatum)
    return Manifest(
        path=path,
        contract_versie=versie,
        bron=data.get("bron"),
        corporatie=data.get("corporatie"),
        extractdatum=extractdatum,
        aangemaakt_op=aangemaakt,
        soort=soort,
        bestanden=bestanden,
        warnings=warnings,
    )


def _iso_date(text: str) -> date:
    """A ``jjjj-mm-dd`` date, nothing else (``date.fromisoformat`` also reads ``2026-W48-1``)."""
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        raise ValueError(text)
    return date.fromisoformat(text)


#: how far the supplier's clock may run ahead of ours before an aangemaakt_op counts as "in the future"
CLOCK_SKEW = timedelta(hours=1)


def date_problems(path: Path, extractdatum: date, aangemaakt: datetime, today: date | None = None) -> list[Fout]:
    """An extract date after the manifest's ``aangemaakt_op`` or after today, or an ``aangemaakt_op``
    more than :data:`CLOCK_SKEW` in the future (all in Europe/Amsterdam): a typo year would load, and
    then refuse every real delivery after it (deliveries load in extractdatum order). ``today`` is for
    tests; the checks against the clock use the real one."""
    from zoneinfo import ZoneInfo

    from woonsignaal.contract import SOURCE_TIMEZONE

    where = f"{path.name}/{MANIFEST_NAME}"
    now = datetime.now(ZoneInfo(SOURCE_TIMEZONE))
    today = today or today_in_source_timezone()
    made = aangemaakt.astimezone(ZoneInfo(SOURCE_TIMEZONE))
    out = []
    if made > now + CLOCK_SKEW:
        out.append(
            Fout(
                "extractdatum",
                where,
                detail=(
                    f"{where}: aangemaakt_op {made.isoformat(timespec='seconds')} ligt in de toekomst "
                    f"(nu is het {now.isoformat(timespec='seconds')}, Europe/Amsterdam); controleer de klok of het "
                    f"jaartal van de export"
                ),
            )
        )
    if extractdatum > today:
        out.append(
            Fout(
                "extractdatum",
                where,
                detail=(
                    f"{where}: extractdatum {extractdatum.isoformat()} ligt na vandaag ({today.isoformat()}, "
                    f"Europe/Amsterdam); een levering beschrijft een dag die voorbij is"
                ),
            )
        )
    elif extractdatum > made.date():
        out.append(
            Fout(
                "extractdatum",
                where,
                detail=(
                    f"{where}: extractdatum {extractdatum.isoformat()} ligt na aangemaakt_op "
                    f"{made.isoformat(timespec='seconds')}; een export kan geen dag beschrijven die nog moet komen"
                ),
            )
        )
    return out


def files_outside_folder(path: Path) -> list[Fout]:
    """Entries of the delivery folder that are symbolic links or resolve outside it (and the folder
    itself when it is a link): a delivery is the files in its folder, nothing a link points to."""
    path = Path(path)
    if path.is_symlink():
        return [
            Fout(
                "buiten_levering",
                path.name,
                detail=(
                    f"{path.name}: de leveringsmap is een symbolische link; kopieer de levering naar de landingsmap"
                ),
            )
        ]
    root = path.resolve()
    out = []
    for entry in sorted(path.iterdir()):
        if entry.is_symlink() or entry.resolve().parent != root:
            out.append(
                Fout(
                    "buiten_levering",
                    entry.name,
                    detail=(
                        f"{entry.name}: een symbolische link (of een naam die buiten de leveringsmap uitkomt); "
                        f"alleen gewone bestanden in de map worden gelezen"
                    ),
                )
            )
    return out


def count_rows(path: Path) -> int:
    """Data rows of a contract CSV as the loader parses it (header excluded); a file DuckDB cannot
    read raises :class:`DeliveryRejected` built by :func:`csv_read_fout`, never DuckDB's text."""
    import duckdb

    con = duckdb.connect()
    try:
        return con.execute(f"select count(*) from {read_csv_sql(path)}").fetchone()[0]
    except duckdb.Error as exc:
        raise DeliveryRejected(csv_read_fout(path, exc)) from None
    finally:
        con.close()


def row_count_problem(naam: str, expected: int, actual: int) -> Fout:
    return Fout("rijen", naam, detail=f"{naam}: het manifest noemt {expected} rijen, het bestand heeft er {actual}")


def sha256_problem(mf: ManifestFile, chk: FileCheck) -> Fout:
    """The file differs from the manifest. When it has fewer complete lines than the manifest's rows
    need, or its last line has no line break, it looks cut off (a transfer stopped early): said so,
    with the last complete line, and the file is not parsed."""
    complete = chk.newlines  # lines 1..newlines end with a line break
    if chk.size and (not chk.ends_with_newline or complete < mf.rijen + 1):
        return Fout(
            "afgebroken",
            mf.naam,
            complete,
            detail=(
                f"{mf.naam}: sha256 verschilt van het manifest; het bestand lijkt afgebroken na regel {complete} "
                f"(het manifest noemt {mf.rijen} rijen): laat de levering opnieuw sturen"
            ),
        )
    return Fout(
        "sha256",
        mf.naam,
        detail=(f"{mf.naam}: sha256 verschilt van het manifest (manifest {mf.sha256}, bestand {chk.sha256})"),
    )


class FileChecks:
    """The byte checks of a delivery's files, running in a thread pool (:func:`start_file_checks`).

    ``get(name)`` waits for one file's :class:`FileCheck`; ``finish()`` waits for all of them and
    refuses the delivery when any file differs from the manifest. Hashing releases the GIL, so the
    loader parses the files meanwhile: the parse reads only the scratch database, and nothing
    reaches the warehouse before ``finish()`` has passed.
    """

    def __init__(self, manifest: Manifest, present: dict[str, Path], threads: int):
        self.manifest = manifest
        self._present = present
        self.sizes = {n: p.stat().st_size for n, p in present.items()}  # bytes per file
        self._pool = ThreadPoolExecutor(max_workers=max(1, threads), thread_name_prefix="verify")
        # biggest first, so the pool stays busy
        order = sorted(present, key=self.sizes.get, reverse=True)
        self._futures = {n: self._pool.submit(check_file_bytes, present[n]) for n in order}
        self._finished = False

    def get(self, name: str) -> FileCheck | None:
        """The check of file ``name`` (waits for it); None for a file that is not present."""
        future = self._futures.get(name)
        return None if future is None else future.result()

    def finish(self, *, rows: bool = False) -> None:
        """Wait for every check; fill ``manifest.checks``; raise :class:`DeliveryRejected` listing
        every file whose sha256 or encoding (and, with ``rows``, row count) differs."""
        if self._finished:
            return
        self._finished = True
        try:
            results = {n: f.result() for n, f in self._futures.items()}
        finally:
            self._pool.shutdown(wait=True, cancel_futures=True)
        manifest = self.manifest
        problems: list[Fout] = []
        differs = set()
        for name in manifest.bestanden:
            if name not in results:
                continue
            mf, chk = manifest.bestanden[name], results[name]
            manifest.checks[name] = chk
            cut = False
            if chk.sha256 != mf.sha256:
                differs.add(name)
                problems.append(sha256_problem(mf, chk))
                cut = problems[-1].klasse == "afgebroken"
            if chk.utf8_error and not cut:  # a file cut off mid-character: the cut is the fault
                problems.append(chk.utf8_fout(mf.naam))
        if rows:
            for name, mf in manifest.bestanden.items():
                # a file that differs from the manifest is not parsed: the difference is the fault
                if name not in results or results[name].utf8_error or name in differs:
                    continue
                # without quotes a record is a line: no parse needed when the count already matches
                quick = results[name].records_if_unquoted
                n = quick if quick == mf.rijen else count_rows(self._present[name])
                if n != mf.rijen:
                    problems.append(row_count_problem(mf.naam, mf.rijen, n))
            manifest.rows_verified = True
        if problems:
            raise DeliveryRejected(problems, manifest.extractdatum)


def start_file_checks(manifest: Manifest, *, threads: int = 2) -> FileChecks:
    """Refuse a delivery with a listed file missing (at once); start the byte checks of the others.

    Files in the folder but not in the manifest are reported in ``manifest.warnings``.
    """
    problems: list[Fout] = []
    present = {}
    for name, mf in manifest.bestanden.items():
        p = manifest.path / mf.naam
        if not p.is_file():
            problems.append(
                Fout("bestand_ontbreekt", mf.naam, detail=f"{mf.naam} staat in het manifest maar ontbreekt")
            )
        else:
            present[name] = p
    if problems:
        raise DeliveryRejected(problems, manifest.extractdatum)
    listed = {mf.naam for mf in manifest.bestanden.values()} | {MANIFEST_NAME}
    for extra in sorted(manifest.path.iterdir()):
        if extra.name not in listed and extra.is_file():
            manifest.warnings.append(f"{extra.name}: in the delivery folder but not in {MANIFEST_NAME} (ignored)")
    return FileChecks(manifest, present, threads)


def verify_files(manifest: Manifest, *, rows: bool = True, threads: int = 2) -> None:
    """Check every listed file: present, sha256, UTF-8 (and row count when ``rows``).

    Raises :class:`DeliveryRejected` listing every problem; fills ``manifest.checks``.
    """
    start_file_checks(manifest, threads=threads).finish(rows=rows)


def verify_delivery(path: Path, *, rows: bool = True) -> Manifest:
    """Verify the delivery in folder ``path``; return its manifest or raise DeliveryRejected.

    Checks the contract version, that every contract file is listed and present, each file's
    sha256 and UTF-8 encoding, and (``rows=True``) its data-row count against the manifest.
    ``load_delivery`` passes ``rows=False`` and compares the counts of its own parse instead
    (same message), so a file is parsed once.
    """
    manifest = read_manifest(Path(path))
    verify_files(manifest, rows=rows)
    return manifest
