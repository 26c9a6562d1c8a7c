"""Read the raw root: every file is either accepted with its decoded text, or refused with a reason.

Nothing here writes to the raw root; files are only opened for reading.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from charset_normalizer import from_bytes

DEFAULT_MAX_BYTES = 5_000_000

# Reason codes. They are published in quarantine.reason, so they are part of the contract.
EMPTY = "empty"
BINARY = "binary"
UNDECODABLE = "undecodable"
TOO_LARGE = "too_large"
UNREADABLE = "unreadable"
SYMLINK_OUTSIDE = "symlink_outside_root"
DUPLICATE = "duplicate"
NO_ARTICLE_TEXT = "no_article_text"


@dataclass(frozen=True)
class RawFile:
    """A file under the raw root as read, with the outcome of reading it."""

    source_file: str
    source_sha256: str | None
    bytes: int
    encoding: str | None
    text: str | None
    quarantine_reason: str | None = None
    detail: str | None = None


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _looks_binary(data: bytes) -> bool:
    if b"\x00" in data:
        return True
    # Control characters other than whitespace are rare in text; many of them mean binary.
    sample = data[:8192]
    controls = sum(1 for b in sample if b < 32 and b not in (9, 10, 12, 13, 27))
    return controls > max(8, len(sample) // 100)


def decode_bytes(data: bytes) -> tuple[str, str] | None:
    """Decode ``data``: UTF-8 first (with or without BOM), then charset detection.

    Returns ``(text, encoding)`` or ``None`` when no encoding gives plausible text.
    """
    try:
        if data.startswith(b"\xef\xbb\xbf"):
            return data.decode("utf-8-sig"), "utf-8-sig"
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    best = from_bytes(data).best()
    if best is None or best.encoding is None:
        return None
    return str(best), best.encoding


def iter_raw_paths(root: Path) -> Iterator[Path]:
    """Every entry under ``root`` in a stable order, without following directory symlinks."""
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        dirnames.sort()
        base = Path(dirpath)
        # Symlinked directories are not descended into, but they are reported.
        for d in list(dirnames):
            if (base / d).is_symlink():
                yield base / d
        for name in sorted(filenames):
            yield base / name


def read_raw_file(path: Path, root: Path, max_bytes: int = DEFAULT_MAX_BYTES) -> RawFile:
    """Read one file, never raising: problems become a quarantine reason."""
    rel = path.relative_to(root).as_posix()
    if path.is_symlink():
        target = path.resolve()
        if not target.is_relative_to(root.resolve()):
            return RawFile(rel, None, 0, None, None, SYMLINK_OUTSIDE, f"symbolic link to {target}, outside the raw root")
        if target.is_dir():
            return RawFile(rel, None, 0, None, None, SYMLINK_OUTSIDE, "symbolic link to a directory is not followed")
    try:
        size = path.stat().st_size
        if size > max_bytes:
            with path.open("rb") as fh:
                digest = hashlib.file_digest(fh, "sha256").hexdigest()
            return RawFile(rel, digest, size, None, None, TOO_LARGE, f"{size} bytes exceeds the limit of {max_bytes}")
        data = path.read_bytes()
    except OSError as exc:
        return RawFile(rel, None, 0, None, None, UNREADABLE, f"{type(exc).__name__}: {exc.strerror or exc}")
    digest = sha256_hex(data)
    if not data.strip():
        return RawFile(rel, digest, len(data), None, None, EMPTY, "file is empty or whitespace only")
    if _looks_binary(data):
        return RawFile(rel, digest, len(data), None, None, BINARY, "contains NUL bytes or control characters")
    decoded = decode_bytes(data)
    if decoded is None:
        return RawFile(rel, digest, len(data), None, None, UNDECODABLE, "no character encoding decodes it as text")
    text, encoding = decoded
    return RawFile(rel, digest, len(data), encoding, text)


def scan_raw(root: Path, max_bytes: int = DEFAULT_MAX_BYTES) -> list[RawFile]:
    """Read every file under ``root``; exact duplicates of an earlier file are refused."""
    out: list[RawFile] = []
    first_by_hash: dict[str, str] = {}
    for path in iter_raw_paths(root):
        rf = read_raw_file(path, root, max_bytes)
        if rf.quarantine_reason is None and rf.source_sha256 is not None:
            original = first_by_hash.setdefault(rf.source_sha256, rf.source_file)
            if original != rf.source_file:
                rf = RawFile(
                    rf.source_file, rf.source_sha256, rf.bytes, rf.encoding, None, DUPLICATE,
                    f"byte-identical to {original}",
                )
        out.append(rf)
    return out
