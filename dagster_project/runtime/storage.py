"""Where the data lives: local folders or fsspec URLs, and a cheap listing of the raw root for the sensor.

Roots are plain paths (the default) or any fsspec URL (``s3://bucket/newsetl/raw``, ``gs://...``,
``memory://...``, ``file:///...``) through universal-pathlib. The ingest and publish code works on local
folders (atomic renames, fsync); for a remote root it runs unchanged on a local staging copy:

* raw: :func:`local_raw` downloads the raw files into a temporary folder that ingest then reads;
* curated: :func:`publish_to` gives publish a local mirror holding what it reads (``LATEST``, the latest
  version's files, every version's manifest), then uploads the new version's files and writes ``LATEST``
  last, so a reader never sees a version pointer before its files. Existing versions are never rewritten.
  The publish lock is local to the mirror: one publisher at a time is the run queue's job
  (``deploy/dagster.postgres.yaml`` limits refresh runs to one).
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from upath import UPath

from dagster_project.ingest.raw import iter_raw_names

R = TypeVar("R")
LATEST = "LATEST"


def is_url(root: str | Path) -> bool:
    """True for an fsspec URL other than a plain local path (``file://`` counts as a URL, handled by fsspec)."""
    return "://" in str(root)


def resolve_root(root: str | Path) -> Path | UPath:
    """A plain local ``Path`` (expanded, absolute) or a ``UPath`` for an fsspec URL (never a local UPath)."""
    if is_url(root):
        return UPath(str(root))
    return Path(root).expanduser().resolve()


def _remote_files(root: UPath) -> dict[str, dict[str, Any]]:
    """Relative path -> fsspec info of every file under a remote root."""
    base = root.path.rstrip("/")
    found = root.fs.find(base, detail=True)
    return {name[len(base) :].lstrip("/"): info for name, info in sorted(found.items()) if info.get("type") != "directory"}


def storage_dir(dagster_home: Path) -> Path:
    """Intermediate (unpublished) tables, kept with the Dagster instance so fresh homes are independent."""
    return dagster_home / "storage"


def cache_dir(dagster_home: Path) -> Path:
    """Per-article parse and extraction results reused by incremental builds (see runtime/cache.py)."""
    return storage_dir(dagster_home) / "cache"


def _download(remote: UPath, local: Path) -> None:
    """Copy every file under ``remote`` to the same relative path under ``local``."""
    for rel in _remote_files(remote):
        target = local / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes((remote / rel).read_bytes())


@contextmanager
def local_raw(root: str | Path) -> Iterator[Path]:
    """The raw root as a local folder: itself when local, else a temporary copy deleted afterwards."""
    resolved = resolve_root(root)
    if not isinstance(resolved, UPath):
        yield resolved
        return
    with tempfile.TemporaryDirectory(prefix="newsetl-raw-") as tmp:
        local = Path(tmp)
        _download(resolved, local)
        yield local


def _fill_mirror(resolved: UPath, mirror: Path) -> set[str]:
    """Copy what publish and verify read (LATEST, the latest version, every manifest); the existing names."""
    existing = set()
    if resolved.exists():
        for child in resolved.iterdir():
            if child.is_dir():
                existing.add(child.name)
                (mirror / child.name).mkdir()  # a placeholder: publish checks that the name is taken
                if (child / "datapackage.json").exists():  # what publish's version listing reads
                    (mirror / child.name / "datapackage.json").write_bytes((child / "datapackage.json").read_bytes())
    pointer = resolved / LATEST
    if pointer.exists():
        latest = pointer.read_text(encoding="utf-8").strip()
        (mirror / LATEST).write_text(latest + "\n", encoding="utf-8")
        if latest in existing:
            # The whole latest version: the changelog of the next one compares against its tables.
            _download(resolved / latest, mirror / latest)
    return existing


@contextmanager
def local_curated(curated: str | Path) -> Iterator[Path]:
    """The curated root as a local folder holding LATEST and the latest version (a temporary copy if remote)."""
    resolved = resolve_root(curated)
    if not isinstance(resolved, UPath):
        yield resolved
        return
    with tempfile.TemporaryDirectory(prefix="newsetl-curated-") as tmp:
        _fill_mirror(resolved, Path(tmp))
        yield Path(tmp)


def publish_to(curated: str | Path, publish: Callable[[Path], R]) -> R:
    """Run ``publish(local_curated_folder)`` against the curated root, local or remote."""
    resolved = resolve_root(curated)
    if not isinstance(resolved, UPath):
        return publish(resolved)
    with tempfile.TemporaryDirectory(prefix="newsetl-curated-") as tmp:
        mirror = Path(tmp)
        existing = _fill_mirror(resolved, mirror)
        result = publish(mirror)
        # Hidden folders (staging, lock) stay local; only new version folders go up.
        new = sorted(d.name for d in mirror.iterdir()
                     if d.is_dir() and d.name not in existing and not d.name.startswith("."))
        for version in new:
            for f in sorted((mirror / version).rglob("*")):
                if f.is_file():
                    remote = resolved / version / f.relative_to(mirror / version).as_posix()
                    remote.parent.mkdir(parents=True, exist_ok=True)
                    remote.write_bytes(f.read_bytes())
        if (mirror / LATEST).exists() and new:
            # Written last: the pointer moves only once the version's files are all there.
            (resolved / LATEST).write_text((mirror / LATEST).read_text(encoding="utf-8"), encoding="utf-8")
        return result


@dataclass(frozen=True)
class Entry:
    """A file under the raw root as seen by a directory listing (no content read)."""

    path: str
    size: int
    mtime_ns: int


def list_raw(root: Path | UPath) -> list[Entry]:
    """Every file under ``root`` (relative path, size, modification time), in the order ingest reads them."""
    if isinstance(root, UPath):
        return [Entry(rel, int(info.get("size") or 0), _mtime_ns(info)) for rel, info in _remote_files(root).items()]
    out = []
    for path, rel in iter_raw_names(root):
        try:
            st = os.lstat(path)
        except OSError:
            continue  # vanished between the listing and the stat: the next tick sees the new state
        out.append(Entry(rel, st.st_size, st.st_mtime_ns))
    return out


@dataclass(frozen=True)
class RawState:
    """A compact summary of a listing: a digest of every (path, size, mtime), the count and the newest mtime."""

    digest: str
    files: int
    newest_mtime_ns: int

    def to_cursor(self) -> str:
        return json.dumps({"digest": self.digest, "files": self.files, "newest_mtime_ns": self.newest_mtime_ns})

    @classmethod
    def from_cursor(cls, cursor: str | None) -> RawState | None:
        if not cursor:
            return None
        try:
            d = json.loads(cursor)
            return cls(str(d["digest"]), int(d["files"]), int(d["newest_mtime_ns"]))
        except (ValueError, KeyError, TypeError):
            return None  # a cursor from an older format: treat as first tick


def raw_state(entries: Iterable[Entry]) -> RawState:
    h = hashlib.sha256()
    n, newest = 0, 0
    for e in sorted(entries, key=lambda e: e.path):
        # surrogateescape: a file name that is not valid UTF-8 (kept by Python as lone surrogates) still hashes.
        h.update(f"{e.path}\0{e.size}\0{e.mtime_ns}\n".encode("utf-8", "surrogateescape"))
        n += 1
        newest = max(newest, e.mtime_ns)
    return RawState(h.hexdigest()[:32], n, newest)


def changed_since(entries: Iterable[Entry], previous: RawState | None) -> list[str]:
    """Files written after the previous state's newest file (new or rewritten), for run tags and logs."""
    return [e.path for e in entries if previous is None or e.mtime_ns > previous.newest_mtime_ns]


def _mtime_ns(info: dict[str, Any]) -> int:
    """A modification stamp from an fsspec info dict (the key differs between file systems)."""
    for key in ("mtime", "LastModified", "last_modified", "updated", "created"):
        value = info.get(key)
        if value is None:
            continue
        if hasattr(value, "timestamp"):
            return int(value.timestamp() * 1e9)
        try:
            return int(float(value) * 1e9)
        except (TypeError, ValueError):
            continue
    # No time at all: fall back to a content tag so a rewrite still changes the listing's digest.
    tag = str(info.get("ETag") or info.get("etag") or info.get("md5") or "")
    return int(hashlib.sha256(tag.encode()).hexdigest()[:12], 16) if tag else 0
