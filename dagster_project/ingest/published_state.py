"""Does the raw root still hold exactly what the latest published version was built from?

The sensor's cursor is empty the first time ``make ui`` runs (a new daemon, or a DAGSTER_HOME the sensor never
ticked in). Without this check its first tick requested a full refresh right after ``make dataset`` had built
the same files. Here every raw file is hashed as ingest hashes it (same paths, same rules for links, special
files and unlistable folders, no decoding) and compared with the ``sources`` of the version ``LATEST`` names.
"""

from __future__ import annotations

import hashlib
import os
import stat
from pathlib import Path

from dagster_project.ingest.raw import display_path, iter_raw_paths

_CHUNK = 1 << 20


def source_hash(path: Path, root: Path) -> str | None:
    """SHA-256 of a raw file as ingest records it: ``None`` where ingest records none (unreadable, a special
    file, a link out of the root or to a folder)."""
    try:
        target = path
        if stat.S_ISLNK(path.lstat().st_mode):
            target = Path(os.path.realpath(path))
            if not target.is_relative_to(root.resolve()) or target.is_dir():
                return None
        fd = os.open(target, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
        with os.fdopen(fd, "rb") as fh:
            if not stat.S_ISREG(os.fstat(fh.fileno()).st_mode):
                return None
            h = hashlib.sha256()
            while chunk := fh.read(_CHUNK):
                h.update(chunk)
            return h.hexdigest()
    except OSError:
        return None


def raw_sources(root: Path) -> dict[str, str | None]:
    """Every entry ingest would record for ``root``: display path -> sha256 (or ``None``)."""
    errors: list[tuple[Path, OSError]] = []
    found = {display_path(p, root): source_hash(p, root) for p in iter_raw_paths(root, errors)}
    for folder, _ in errors:  # ingest records a folder it cannot list as "<folder>/", without a hash
        found[(display_path(folder, root) if folder.is_relative_to(root) else ".") + "/"] = None
    return found


def manifest_sources(manifest: dict) -> dict[str, str | None]:
    """The raw files a version's ``datapackage.json`` lists: path -> sha256 (or ``None``)."""
    return {s["path"]: (s.get("hash") or "").removeprefix("sha256:") or None for s in manifest.get("sources", [])}


def matching_version(raw_root: Path, curated: Path) -> str | None:
    """The version ``LATEST`` names when it was built from exactly the files under ``raw_root`` now, else ``None``."""
    from dagster_project.publish.version import read_latest, read_manifest

    try:
        latest = read_latest(curated)
        if latest is None:
            return None
        published = manifest_sources(read_manifest(curated, latest))
    except (OSError, ValueError):
        return None
    return latest if published and raw_sources(raw_root) == published else None
