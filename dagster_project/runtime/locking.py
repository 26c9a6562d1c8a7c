"""The curated root's locks: exclusive, held through ``filelock`` (an ``flock`` the kernel releases if the holder dies).

Two locks live in the curated root: the build lock (``python -m dagster_project.build`` holds it for the whole run)
and the publish lock (held while a version is moved into place). The holder writes its pid into the lock file, so
a process that has to wait can say whom it waits for. A file system without ``flock`` is an error, not a silent
fallback to a lock file that a killed holder would leave behind.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO

from filelock import FileLock, Timeout

PUBLISH_LOCK = ".publish.lock"
BUILD_LOCK = ".build.lock"


class LockBusy(Exception):
    """Another process holds the curated root's lock and the wait timed out."""


def _write_pid(fd: int) -> None:
    """Called by filelock with the lock's descriptor once it is held."""
    os.ftruncate(fd, 0)
    os.pwrite(fd, str(os.getpid()).encode(), 0)


def _holder(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace").strip()[:64] or "unknown"
    except OSError:
        return "unknown"


@contextmanager
def curated_lock(curated: Path, name: str = PUBLISH_LOCK, timeout: float | None = None,
                 notify: TextIO | None = None) -> Iterator[None]:
    """Hold the exclusive lock ``curated/<name>``; the kernel releases it even if the holder is killed.

    ``timeout=None`` waits for as long as it takes; otherwise :class:`LockBusy` after ``timeout`` seconds. When the
    lock is busy, ``notify`` is told whom this process waits for.
    """
    curated.mkdir(parents=True, exist_ok=True)
    path = curated / name
    lock = FileLock(path, fallback_to_soft=False, on_acquired=_write_pid)
    try:
        lock.acquire(blocking=False)
    except Timeout:
        holder = _holder(path)
        if notify is not None:
            notify.write(f"newsetl: another build (pid {holder}) holds {path}; waiting for it to finish\n")
            notify.flush()
        try:
            lock.acquire(timeout=-1 if timeout is None else timeout, poll_interval=0.1)
        except Timeout:
            raise LockBusy(f"another build (pid {holder}) holds {path}; gave up after {timeout:g}s") from None
    try:
        yield
    finally:
        lock.release()
