"""Another process that holds a DuckDB file open read-write (a BI client that forgot ``read_only``)."""

from __future__ import annotations

import multiprocessing
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb


def _hold(path: str, ready, done) -> None:
    con = duckdb.connect(path)
    ready.set()
    done.wait(120)
    con.close()


@contextmanager
def held_read_write(path: Path) -> Iterator[multiprocessing.process.BaseProcess]:
    """While the block runs, a separate process holds ``path`` open read-write; yields that process."""
    spawn = multiprocessing.get_context("spawn")
    ready, done = spawn.Event(), spawn.Event()
    holder = spawn.Process(target=_hold, args=(str(path), ready, done))
    holder.start()
    try:
        assert ready.wait(60), "the holding process did not open the file"
        yield holder
    finally:
        done.set()
        holder.join(60)
