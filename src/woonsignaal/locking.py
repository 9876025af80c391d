"""One writer at a time on the working warehouse (DuckDB allows a single writing process)."""

from __future__ import annotations

import fcntl
import os
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

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
                        f"the working warehouse is in use by another woonsignaal process ({holder}); "
                        f"waited {timeout_seconds:.0f} s for {lock_path}"
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
