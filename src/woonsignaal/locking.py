"""Locks: one writer at a time on the working warehouse (DuckDB allows a single writing process), one
night at a time (load, build, audit and publish of one delivery are one unit, across the Airflow tasks
of a DAG run), one ``woonsignaal run`` at a time, and who holds a DuckDB file another process locked."""

from __future__ import annotations

import fcntl
import json
import os
import re
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from woonsignaal.faults import Foutmelding


class WarehouseBusy(Foutmelding, RuntimeError):
    """Another process holds the writer lock; the message says which and since when."""

    klasse = "warehouse_bezet"


@contextmanager
def writer_lock(lock_path: Path, timeout_seconds: float = 600.0, poll_seconds: float = 0.5) -> Iterator[None]:
    """Hold an exclusive advisory lock on ``lock_path`` for the duration of the block.

    The lock is released by the kernel when the process dies, so a killed run never leaves a stale lock.
    """
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
    deadline = time.monotonic() + timeout_seconds
    try:
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    holder = Path(lock_path).read_text(errors="replace").strip() or "unknown"
                    raise WarehouseBusy(
                        f"het werk-warehouse is in gebruik door een ander woonsignaal-proces ({holder}); "
                        f"{timeout_seconds:.0f} s gewacht op {lock_path}"
                    ) from None
                time.sleep(poll_seconds)
        os.ftruncate(fd, 0)
        os.write(fd, f"pid {os.getpid()} since {time.strftime('%Y-%m-%d %H:%M:%S')}".encode())
        yield
    finally:
        try:
            fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)


# --- a DuckDB file locked by another process ---------------------------------------------------

_DUCKDB_LOCK_PID = re.compile(r"Conflicting lock is held in .* \(PID (\d+)\)")


class FileLocked(WarehouseBusy):
    """A DuckDB file is locked by another process (a BI tool that opened it read-write, say)."""


def process_name(pid: int) -> str | None:
    """The executable name of a process on this host (``/proc/<pid>/comm``), None when it is gone."""
    try:
        return Path(f"/proc/{pid}/comm").read_text(encoding="utf-8", errors="replace").strip() or None
    except OSError:
        return None


def describe_duckdb_lock(exc: BaseException, path: Path) -> FileLocked | None:
    """A ``FileLocked`` naming the process that holds ``path`` when ``exc`` is DuckDB's lock conflict.

    Only the PID is taken from DuckDB's message; the text is woonsignaal's own (the library's message is
    never passed on). None when ``exc`` is no lock conflict.
    """
    match = _DUCKDB_LOCK_PID.search(str(exc))
    if match is None:
        return None
    pid = int(match.group(1))
    name = process_name(pid)
    holder = f"proces {pid} ({name})" if name else f"proces {pid} (niet op deze machine of al gestopt)"
    return FileLocked(
        f"{path} is vergrendeld door {holder}: dat proces heeft het bestand schrijvend geopend. Een BI-tool "
        f"opent het gepubliceerde bestand alleen-lezen (zie docs/serving.md); sluit dat proces of zijn "
        f"verbinding en draai de nacht opnieuw."
    )


# --- one night at a time ---------------------------------------------------------------------

#: a holder whose process is gone counts as stale this long after its last step started; a running
#: Airflow task keeps its own pid alive, the gap between two tasks (retry delays) stays far below this
NIGHT_STALE_AFTER = timedelta(hours=2)
#: a holder on another host (a Celery worker) cannot be checked by pid: stale after the task timeout + margin
NIGHT_STALE_AFTER_OTHER_HOST = timedelta(hours=4)


class NightBusy(WarehouseBusy):
    """Another run holds the night (load, build, audit, publish); the message says which and since when."""

    klasse = "nacht_bezet"


@dataclass(frozen=True)
class NightHolder:
    extractdatum: str
    run_id: str
    stap: str
    host: str
    pid: int
    #: all steps of the run run in this one process (``woonsignaal run``): when it is gone the run is over
    een_proces: bool
    sinds: str
    bijgewerkt: str

    def is_stale(self, now: datetime | None = None) -> bool:
        now = now or datetime.now(UTC)
        age = now - datetime.fromisoformat(self.bijgewerkt)
        if self.host != socket.gethostname():
            return age > NIGHT_STALE_AFTER_OTHER_HOST
        if self.pid == os.getpid():  # runs in one process follow each other: the earlier one is over
            return True
        if _alive(self.pid):
            return False
        return self.een_proces or age > NIGHT_STALE_AFTER

    def describe(self) -> str:
        return (
            f"de nacht van levering {self.extractdatum} (run {self.run_id}) is bezig sinds {self.sinds}, "
            f"nu in stap {self.stap} (proces {self.pid} op {self.host})"
        )


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def night_lock_path(state_dir: Path) -> Path:
    return state_dir / "nacht.json"


def night_holder(state_dir: Path) -> NightHolder | None:
    """Who holds the night, or None (no holder, or an unreadable file a killed write left)."""
    path = night_lock_path(state_dir)
    try:
        return NightHolder(**json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, TypeError):
        return None


def hold_night(state_dir: Path, extractdatum: str, run_id: str, stap: str, een_proces: bool = False) -> NightHolder:
    """Take or confirm the night for ``run_id`` at the start of step ``stap``.

    Every step of a night calls this: the first takes the lock, the later ones confirm it and record
    where the run is. Raises ``NightBusy`` when another run holds it and is not stale (its process is
    gone, or it did not move for ``NIGHT_STALE_AFTER``).
    """
    with writer_lock(state_dir / "nacht.lock", timeout_seconds=30):
        current = night_holder(state_dir)
        if current is not None and current.run_id != run_id and not current.is_stale():
            raise NightBusy(
                f"{current.describe()}. Een nacht (laden, bouwen, controleren, publiceren) is één geheel: "
                f"run {run_id} voor levering {extractdatum} start pas als die klaar is."
            )
        now = datetime.now(UTC).isoformat(timespec="seconds")
        mine = current is not None and current.run_id == run_id
        holder = NightHolder(
            extractdatum=extractdatum,
            run_id=run_id,
            stap=stap,
            host=socket.gethostname(),
            pid=os.getpid(),
            een_proces=een_proces,
            sinds=current.sinds if mine else now,
            bijgewerkt=now,
        )
        path = night_lock_path(state_dir)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        tmp.write_text(json.dumps(asdict(holder)), encoding="utf-8")
        os.replace(tmp, path)
        return holder


def release_night(state_dir: Path, run_id: str) -> bool:
    """Release the night if ``run_id`` holds it (a finished, failed or stopped run). True when released."""
    with writer_lock(state_dir / "nacht.lock", timeout_seconds=30):
        current = night_holder(state_dir)
        if current is None or current.run_id != run_id:
            return False
        night_lock_path(state_dir).unlink(missing_ok=True)
        return True


# --- one `woonsignaal run` at a time ------------------------------------------------------------


class RunBusy(WarehouseBusy):
    """Another ``woonsignaal run`` (or ``demo``) is processing deliveries in this home folder."""


@contextmanager
def run_lock(lock_path: Path) -> Iterator[None]:
    """Hold the process-level lock of ``woonsignaal run`` for the whole command, or raise ``RunBusy``.

    Taken before Airflow is touched, so a second run gets a message instead of a crash on the embedded
    Airflow's SQLite metadata DB. A forked child inherits it: the lock holds until both are gone.
    """
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = lock_path.read_text(errors="replace").strip() or "onbekend proces"
            raise RunBusy(
                f"er draait al een `woonsignaal run` in deze map ({holder}); een nacht tegelijk. Wacht tot die "
                f"klaar is (`woonsignaal status` laat zien waar hij is) en start dan opnieuw."
            ) from None
        os.ftruncate(fd, 0)
        os.write(fd, f"pid {os.getpid()} sinds {time.strftime('%Y-%m-%d %H:%M:%S')}".encode())
        yield
    finally:
        os.close(fd)
