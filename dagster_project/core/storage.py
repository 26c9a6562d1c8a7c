"""Where the data lives: listing the raw root cheaply, so a sensor can tell when something changed."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from dagster_project.core.ingest import iter_raw_paths


@dataclass(frozen=True)
class Entry:
    """A file under the raw root as seen by a directory listing (no content read)."""

    path: str
    size: int
    mtime_ns: int


def list_raw(root: Path) -> list[Entry]:
    """Every file under ``root`` (relative path, size, modification time), in the order ingest reads them."""
    out = []
    for path in iter_raw_paths(root):
        try:
            st = path.lstat()
        except OSError:
            continue  # vanished between the listing and the stat: the next tick sees the new state
        out.append(Entry(path.relative_to(root).as_posix(), st.st_size, st.st_mtime_ns))
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
        h.update(f"{e.path}\0{e.size}\0{e.mtime_ns}\n".encode())
        n += 1
        newest = max(newest, e.mtime_ns)
    return RawState(h.hexdigest()[:32], n, newest)


def changed_since(entries: Iterable[Entry], previous: RawState | None) -> list[str]:
    """Files written after the previous state's newest file (new or rewritten), for run tags and logs."""
    return [e.path for e in entries if previous is None or e.mtime_ns > previous.newest_mtime_ns]
