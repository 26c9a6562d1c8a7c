"""The curated root's locks: an exclusive ``flock`` on a file inside it, released by the kernel if the holder dies.

Standard library only: ``python -m dagster_project.build`` takes the build lock before anything heavy is
imported, so it can start the extraction server at once (see ``dagster_project/build.py``).
"""

from __future__ import annotations

import errno
import fcntl
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO

PUBLISH_LOCK = ".publish.lock"
BUILD_LOCK = ".build.lock"


class LockBusy(Exception):
    """Another process holds the curated root's lock and the wait timed out."""


@contextmanager
def curated_lock(curated: Path, name: str = PUBLISH_LOCK, timeout: float | None = None,
                 notify: TextIO | None = None) -> Iterator[None]:
    """Exclusive ``flock`` on ``curated/<name>``, released by the kernel even if the holder is killed.

    ``timeout=None`` waits for as long as it takes; otherwise :class:`LockBusy` after ``timeout`` seconds.
    """
    curated.mkdir(parents=True, exist_ok=True)
    path = curated / name
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            if exc.errno not in (errno.EAGAIN, errno.EACCES):
                raise
            holder = os.pread(fd, 64, 0).decode(errors="replace").strip() or "unknown"
            if notify is not None:
                notify.write(f"newsetl: another build (pid {holder}) holds {path}; waiting for it to finish\n")
                notify.flush()
            deadline = None if timeout is None else time.monotonic() + timeout
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except OSError:
                    if deadline is not None and time.monotonic() >= deadline:
                        raise LockBusy(
                            f"another build (pid {holder}) holds {path}; gave up after {timeout:g}s"
                        ) from None
                    time.sleep(0.1)
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the flock
