"""Process trees: find a process's descendants and end them (a stopped night, the local cluster)."""

from __future__ import annotations

import psutil


def process_tree(pid: int) -> list:
    """The process and all its descendants (``psutil.Process``; empty when it is gone). Task processes run
    in process groups of their own, so a group signal would miss them."""
    try:
        root = psutil.Process(pid)
        return [root, *root.children(recursive=True)]
    except psutil.NoSuchProcess:
        return []


def kill_processes(procs: list) -> None:
    """SIGKILL all of them at once, then wait for them (what a crashed node or ``docker kill`` does)."""
    for proc in procs:
        try:
            proc.kill()
        except psutil.NoSuchProcess:
            pass
    psutil.wait_procs(procs, timeout=10)


def end_processes(procs: list, grace_seconds: float) -> None:
    """Wait up to ``grace_seconds`` for the processes to end by themselves, then kill what is left."""
    _, alive = psutil.wait_procs(procs, timeout=max(grace_seconds, 1.0))
    kill_processes(alive)
