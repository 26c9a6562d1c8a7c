"""Read the raw root: every file is either accepted with its decoded text, or refused with a reason.

Nothing here writes to the raw root; files are only opened for reading, symbolic links are
never followed out of it, and special files (FIFOs, sockets, devices) are never opened.

Decoding is followed by a documented, traceable normalization (:func:`normalize_text`):
a lone CR (old Mac line end) and Unicode line/paragraph separators become LF (CRLF is kept: the
parser treats it as a line end, and keeping it keeps offset maps small), non-breaking and
other exotic spaces become an ASCII space, and zero-width characters (ZWSP, ZWNJ, ZWJ, word
joiner, soft hyphen, stray BOMs) are dropped. The edits are kept as an
:class:`~dagster_project.nlp.textmap.OffsetMap` from normalized to decoded offsets, so any
offset into the normalized text (which is what ``raw_start``/``raw_end`` index) maps back to
the decoded file.
"""

from __future__ import annotations

import hashlib
import os
import re
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from charset_normalizer import from_bytes

from dagster_project.ingest.charsets import choose
from dagster_project.nlp.textmap import OffsetMap, TextBuilder

# News reports are tens of kilobytes. The limit protects extraction: spaCy refuses documents over
# 1,000,000 characters (``nlp.max_length``), and well before that its memory grows with document
# length (a 219 kB single-paragraph text peaked at about 0.8 GB RSS with the packaged model).
# One UTF-8 byte is at most one character, so a byte limit bounds the characters too.
DEFAULT_MAX_BYTES = 300_000
# Files are hashed in chunks so an oversized file is never held in memory.
_CHUNK = 1 << 20

# Reason codes. They are published in quarantine.reason, so they are part of the contract.
EMPTY = "empty"
BINARY = "binary"
UNDECODABLE = "undecodable"
TOO_LARGE = "too_large"
UNREADABLE = "unreadable"
NOT_REGULAR = "not_regular_file"
SYMLINK_OUTSIDE = "symlink_outside_root"
DUPLICATE = "duplicate"
NO_ARTICLE_TEXT = "no_article_text"

REASONS = {
    EMPTY: "the file is empty or white space only",
    BINARY: "the file holds NUL bytes or control characters, not text",
    UNDECODABLE: "no character encoding decodes the file as plausible text",
    TOO_LARGE: "the file is over the configured size limit (StorageRoots.max_file_bytes)",
    UNREADABLE: "the operating system refused to read the file or folder",
    NOT_REGULAR: "a FIFO, socket or device: never opened",
    SYMLINK_OUTSIDE: "a symbolic link that points outside the raw root (or to a folder): never followed",
    DUPLICATE: "byte-identical to another raw file, which is published instead (named in detail)",
    NO_ARTICLE_TEXT: "nothing was left after markup and boilerplate removal",
}

_ZERO_WIDTH = "\u200b\u200c\u200d\u2060\ufeff\u00ad\u180e"
_SPACES = "\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u202f\u205f\u3000"
_NORMALIZE = re.compile(rf"\r(?!\n)|[\u2028\u2029\x85]|[{_ZERO_WIDTH}]+|[{_SPACES}]")
# Every character _NORMALIZE can edit, as one class (a CR may still be part of a CRLF, which is kept).
_MAY_NORMALIZE = re.compile(rf"[\r\u2028\u2029\x85{_ZERO_WIDTH}{_SPACES}]")
# Control characters other than tab, LF, form feed, CR and ESC.
_CONTROL_BYTES = bytes(b for b in range(32) if b not in (9, 10, 12, 13, 27))
_BOMS = (
    (b"\xef\xbb\xbf", "utf-8-sig"),
    (b"\xff\xfe\x00\x00", "utf-32"),
    (b"\x00\x00\xfe\xff", "utf-32"),
    (b"\xff\xfe", "utf-16"),
    (b"\xfe\xff", "utf-16"),
)


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
    # JSON OffsetMap from ``text`` offsets to offsets in the decoded file; null when no edit was needed.
    normalization: str | None = None


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _sha256_stream(fh: BinaryIO) -> str:
    """SHA-256 of an open file read in chunks (constant memory, whatever its size or line length)."""
    h = hashlib.sha256()
    while chunk := fh.read(_CHUNK):
        h.update(chunk)
    return h.hexdigest()


def display_path(path: Path, root: Path) -> str:
    """Relative ``/``-separated path that is always valid UTF-8 (undecodable name bytes are escaped)."""
    return display_name(path.relative_to(root).as_posix())


def _looks_binary(data: bytes) -> bool:
    if b"\x00" in data:
        return True
    # Control characters other than whitespace are rare in text; many of them mean binary.
    sample = data[:8192]
    # Count by deleting the control bytes (done in C) rather than a Python loop over 8 kB per file.
    controls = len(sample) - len(sample.translate(None, _CONTROL_BYTES))
    return controls > max(8, len(sample) // 100)


def decode_bytes(data: bytes) -> tuple[str, str] | None:
    """Decode ``data``: a byte-order mark first, then strict UTF-8, then charset detection (ties broken on the
    letters: ``ingest/charsets.py``).

    Returns ``(text, encoding)`` without any BOM, or ``None`` when no encoding gives plausible text.
    """
    for bom, codec in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(codec).lstrip("\ufeff"), codec
            except UnicodeDecodeError:
                break
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    # charset-normalizer proposes; where its candidates tie, the letters decide (ingest/charsets.py).
    chosen = choose(data, from_bytes(data))
    if chosen is None:
        return None
    text, encoding = chosen
    return text.lstrip("\ufeff"), encoding


def normalize_text(text: str) -> tuple[str, OffsetMap | None]:
    """Normalize line ends, exotic spaces and zero-width characters, keeping offsets traceable.

    Returns the normalized text and an OffsetMap from normalized to input offsets (``None`` when
    the text needed no edit). Idempotent: normalizing twice changes nothing more.
    """
    # One character-class scan first: much faster than the alternation tried at every position, and
    # most files hold none of these characters.
    if not _MAY_NORMALIZE.search(text) or not _NORMALIZE.search(text):
        return text, None
    b = TextBuilder()
    pos = 0
    for m in _NORMALIZE.finditer(text):
        b.copy(text, pos, m.start())
        tok = m.group(0)
        if tok[0] in "\r\u2028\u2029\x85":
            b.replace("\n", m.start(), m.end())
        elif tok[0] in _SPACES:
            b.replace(" ", m.start(), m.end())
        # zero-width runs are dropped: nothing appended, the map skips them
        pos = m.end()
    b.copy(text, pos, len(text))
    out, omap = b.build()
    return out, omap


def iter_raw_paths(root: Path, errors: list[tuple[Path, OSError]] | None = None) -> Iterator[Path]:
    """Every entry under ``root`` in a stable order, without following directory symlinks.

    Folders that cannot be listed are appended to ``errors`` rather than silently skipped.
    """
    for path, _ in iter_raw_names(root, errors):
        yield Path(path)


def iter_raw_names(root: Path, errors: list[tuple[Path, OSError]] | None = None) -> Iterator[tuple[str, str]]:
    """:func:`iter_raw_paths` as strings: each entry's path and its path relative to ``root`` (``/``-separated).

    Plain strings, because a listing of every file runs on each refresh: a pathlib object per file, joined and
    made relative, cost ~25 us of the ~30 us per file of listing a 10,000-file root (three listings a refresh).
    """

    def onerror(exc: OSError) -> None:
        if errors is not None:
            errors.append((Path(exc.filename) if exc.filename else root, exc))

    top = os.fspath(root)
    for dirpath, dirnames, filenames in os.walk(top, followlinks=False, onerror=onerror):
        dirnames.sort()
        # os.walk's folders are top + "/" + their relative path (POSIX separators, as everywhere in this project).
        prefix = os.path.relpath(dirpath, top).replace(os.sep, "/") + "/" if dirpath != top else ""
        # Symlinked directories are not descended into, but they are reported.
        for d in list(dirnames):
            if os.path.islink(os.path.join(dirpath, d)):
                yield os.path.join(dirpath, d), prefix + d
        for name in sorted(filenames):
            yield os.path.join(dirpath, name), prefix + name


def display_name(rel: str) -> str:
    """A ``/``-separated path relative to the raw root (as :func:`iter_raw_names` gives it), made valid UTF-8:
    undecodable name bytes are escaped."""
    return os.fsencode(rel).decode("utf-8", errors="backslashreplace")


def _refused(rel: str, reason: str, detail: str, sha: str | None = None, size: int = 0) -> RawFile:
    return RawFile(rel, sha, size, None, None, reason, detail)


def read_raw_file(path: Path, root: Path, max_bytes: int = DEFAULT_MAX_BYTES) -> RawFile:
    """Read one file, never raising: problems become a quarantine reason."""
    rel = display_path(path, root)
    try:
        lst = path.lstat()
    except OSError as exc:
        return _refused(rel, UNREADABLE, f"{type(exc).__name__}: {exc.strerror or exc}")
    target = path
    if stat.S_ISLNK(lst.st_mode):
        # realpath never raises (loops included); the target path itself is not published,
        # since it names something outside the raw root.
        target = Path(os.path.realpath(path))
        if not target.is_relative_to(root.resolve()):
            return _refused(rel, SYMLINK_OUTSIDE, "symbolic link pointing outside the raw root; not followed")
        if target.is_dir():
            return _refused(rel, SYMLINK_OUTSIDE, "symbolic link to a folder; not followed")
    try:
        # O_NOFOLLOW: a file swapped for a link after the check above is refused, not followed;
        # O_NONBLOCK: a FIFO swapped in cannot hang the build (it is refused by fstat below).
        fd = os.open(target, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError as exc:  # dangling link, link loop, permission
        return _refused(rel, UNREADABLE, f"{type(exc).__name__}: {exc.strerror or exc}")
    try:
        with os.fdopen(fd, "rb") as fh:
            st = os.fstat(fh.fileno())
            if not stat.S_ISREG(st.st_mode):
                return _refused(rel, NOT_REGULAR, "not a regular file (FIFO, socket or device); never read")
            if st.st_size > max_bytes:
                return _refused(rel, TOO_LARGE, f"{st.st_size} bytes is over the limit of {max_bytes} bytes",
                                _sha256_stream(fh), st.st_size)
            # Read at most one byte past the limit: a file growing while we read is still bounded.
            data = fh.read(max_bytes + 1)
            if len(data) > max_bytes:
                fh.seek(0)
                return _refused(rel, TOO_LARGE, f"over the limit of {max_bytes} bytes", _sha256_stream(fh),
                                len(data))
    except OSError as exc:
        return _refused(rel, UNREADABLE, f"{type(exc).__name__}: {exc.strerror or exc}")
    digest = sha256_hex(data)
    if not data.strip():
        return _refused(rel, EMPTY, "file is empty or white space only", digest, len(data))
    decoded = decode_bytes(data) if data.startswith(tuple(b for b, _ in _BOMS[1:])) else None
    if decoded is None:
        if _looks_binary(data):
            return _refused(rel, BINARY, "contains NUL bytes or control characters", digest, len(data))
        decoded = decode_bytes(data)
    if decoded is None:
        return _refused(rel, UNDECODABLE, "no character encoding decodes it as text", digest, len(data))
    text, encoding = decoded
    normalized, omap = normalize_text(text)
    if not normalized.strip():
        return _refused(rel, EMPTY, "only white space or invisible characters", digest, len(data))
    return RawFile(rel, digest, len(data), encoding, normalized,
                   normalization=omap.to_json() if omap is not None else None)
