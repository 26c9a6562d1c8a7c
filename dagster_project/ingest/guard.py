"""Is the raw root usable at all? A user's mistake (a typo in ``NEWSETL_RAW_DIR``, an unmounted disk, an empty
folder) must fail the build loudly instead of publishing an empty version.

A single unreadable file or sub-folder is not a mistake of that kind: it is quarantined with a reason (see
``ingest/raw.py``). Only the root itself is judged here: it must exist, be a folder, be listable, and hold at
least one file somewhere below it.
"""

from __future__ import annotations

import os
from pathlib import Path


class RawRootError(Exception):
    """The raw root is missing, not a folder, cannot be listed, or holds no files: nothing may be published."""


def raw_root_problem(root: Path) -> str | None:
    """Why ``root`` cannot be the raw root of a build, or ``None`` when it can.

    The message names the folder and says what to check; it is printed as it is by the build.
    """
    hint = "check NEWSETL_RAW_DIR; nothing was published and LATEST is unchanged"
    try:
        if not root.exists() and not root.is_symlink():
            return f"raw root {root} does not exist ({hint})"
        if not root.is_dir():
            return f"raw root {root} is not a folder ({hint})"
        with os.scandir(root) as it:
            first = list(it)
    except OSError as exc:
        return f"raw root {root} cannot be listed: {exc.strerror or exc} ({hint})"
    if not first or not _holds_a_file(root, first):
        return f"raw root {root} holds no files ({hint})"
    return None


def _holds_a_file(root: Path, entries: list[os.DirEntry[str]]) -> bool:
    """True when any entry below ``root`` is something other than a folder (a file, a link, a FIFO...).

    Anything that is not a folder counts: ingest then reads or quarantines it, so the build has something to
    report. Sub-folders that cannot be listed are skipped here (ingest quarantines them).
    """
    for entry in entries:
        if not entry.is_dir(follow_symlinks=False):
            return True
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        # A symbolic link to a folder is listed with the folders; ingest reports it (never followed).
        if filenames or any(os.path.islink(os.path.join(dirpath, d)) for d in dirnames):
            return True
    return False


def preflight(raw_root: str) -> str | None:
    """The build's check before it starts anything: :func:`raw_root_problem` for a local raw root.

    An fsspec URL is checked by the ``raw_articles`` asset on its local copy (an empty copy holds no files).
    """
    return None if "://" in raw_root else raw_root_problem(Path(raw_root))


def check_raw_root(root: Path) -> None:
    """Raise :class:`RawRootError` when :func:`raw_root_problem` finds one."""
    problem = raw_root_problem(root)
    if problem is not None:
        raise RawRootError(problem)
