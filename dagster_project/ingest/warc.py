"""Web archives (``.warc``, ``.warc.gz``): read as a stream with warcio, one record at a time.

Each HTML ``response`` (or ``resource``) record is a page: it becomes a raw row named
``<file>#<WARC-Record-ID>`` with its target URI and its byte offset in the archive, and is read again from
that offset when it is parsed, so neither ingest nor parsing ever holds a whole archive (memory follows
the largest record, which is bounded by ``max_record_bytes``). Every other record (requests, warcinfo,
metadata, revisits, redirects, HTTP errors, robots.txt, images and other non-HTML payloads) is counted by
kind on the archive's own row (``raw_articles.warc_records``, published in datapackage.json), not
quarantined: it is part of a normal crawl.
"""

from __future__ import annotations

import hashlib
import json
import os
import zlib
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from dagster_project.ingest.html import sniff_html
from dagster_project.ingest.raw import TOO_LARGE, UNREADABLE, _sha256_stream, decode_bytes, display_path, normalize_text

WARC_SUFFIXES = (".warc", ".warc.gz")
_HTML_TYPES = ("text/html", "application/xhtml+xml")
_CHUNK = 1 << 16


def is_warc_name(name: str) -> bool:
    return name.lower().endswith(WARC_SUFFIXES)


class _Hashing:
    """A read-only file wrapper hashing every byte read (the archive's sha256 in the same single pass)."""

    def __init__(self, fh: BinaryIO) -> None:
        self._fh = fh
        self.sha = hashlib.sha256()
        self.bytes = 0

    def read(self, size: int = -1) -> bytes:
        data = self._fh.read(size)
        self.sha.update(data)
        self.bytes += len(data)
        return data

    def readline(self, size: int = -1) -> bytes:
        data = self._fh.readline(size)
        self.sha.update(data)
        self.bytes += len(data)
        return data

    def finish(self) -> str:
        while self.read(_CHUNK):
            pass
        return self.sha.hexdigest()


@dataclass(frozen=True)
class RecordKind:
    kind: str  # "html" for pages, else the counted kind
    content_type: str | None


def classify(record: Any) -> RecordKind:
    """What a WARC record is: an HTML page, or one of the kinds counted on the archive's row."""
    rtype = record.rec_type
    uri = record.rec_headers.get_header("WARC-Target-URI") or ""
    if rtype not in ("response", "resource"):
        return RecordKind(rtype or "unknown", None)
    http = record.http_headers
    if rtype == "response" and http is not None:
        status = http.get_statuscode() or ""
        ctype = (http.get_header("Content-Type") or "").lower()
        if status.startswith("3"):
            return RecordKind("redirect", ctype)
        if not status.startswith("2"):
            return RecordKind("http_error", ctype)
    else:
        ctype = (record.rec_headers.get_header("Content-Type") or "").lower()
    if uri.split("?", 1)[0].lower().endswith("/robots.txt"):
        return RecordKind("robots_txt", ctype)
    if ctype.startswith(_HTML_TYPES):
        return RecordKind("html", ctype)
    if not ctype:  # no declared type: the payload's first bytes decide (scan_warc sniffs them)
        return RecordKind("untyped", ctype)
    return RecordKind("non_html", ctype)


def _charset(content_type: str | None) -> str | None:
    for part in (content_type or "").split(";")[1:]:
        key, _, value = part.strip().partition("=")
        if key.lower() == "charset" and value:
            return value.strip("\"' ").lower()
    return None


def decode_payload(data: bytes, content_type: str | None) -> tuple[str, str] | None:
    """A page's payload as text: the charset its HTTP header declares when it decodes, else detection."""
    declared = _charset(content_type)
    if declared:
        try:
            return data.decode(declared), declared
        except (LookupError, UnicodeDecodeError):
            pass
    return decode_bytes(data)


def _opens_a_warc(head: bytes) -> bool:
    """The file starts with a WARC record (``WARC/1.x``), plain or in a gzip member."""
    if head.startswith(b"\x1f\x8b"):
        try:
            head = zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(head, 16)
        except zlib.error:
            return False
    return head.startswith(b"WARC/")


def scan_warc(path: Path, root: Path, max_record_bytes: int) -> Iterator[dict[str, Any]]:
    """The raw rows of one archive: its HTML records (text not kept), then the archive's own row with counts."""
    from warcio.archiveiterator import ArchiveIterator
    from warcio.exceptions import ArchiveLoadFailed

    rel = display_path(path, root)
    counts: Counter[str] = Counter()
    problem = None
    try:
        fh = path.open("rb")
    except OSError as exc:
        yield {"source_file": rel, "bytes": 0, "quarantine_reason": UNREADABLE, "source_format": "warc",
               "detail": f"{type(exc).__name__}: {exc.strerror or exc}"}
        return
    with fh:
        if not _opens_a_warc(fh.read(4096)):
            fh.seek(0)
            yield {"source_file": rel, "bytes": os.fstat(fh.fileno()).st_size, "quarantine_reason": UNREADABLE,
                   "source_format": "warc", "source_sha256": _sha256_stream(fh),
                   "detail": "not a readable WARC archive: it does not start with a WARC record"}
            return
        fh.seek(0)
        reader = _Hashing(fh)
        it = ArchiveIterator(reader)
        try:
            for record in it:
                kind = classify(record)
                if kind.kind not in ("html", "untyped"):
                    counts[kind.kind] += 1
                    continue
                payload = record.content_stream().read(max_record_bytes + 1)
                offset = it.get_record_offset()  # after the read: warcio finds it by reading to the record's end
                record_id = record.rec_headers.get_header("WARC-Record-ID") or f"offset-{offset}"
                if kind.kind == "untyped" and not sniff_html(payload[:4096]):
                    counts["non_html"] += 1
                    continue
                row = {"source_file": f"{rel}#{record_id}", "source_format": "warc_record",
                       "url": record.rec_headers.get_header("WARC-Target-URI"), "record_offset": offset,
                       "bytes": len(payload),
                       "source_sha256": hashlib.sha256(payload).hexdigest()}
                if len(payload) > max_record_bytes:
                    row |= {"quarantine_reason": TOO_LARGE, "detail": f"record payload over the limit of "
                            f"{max_record_bytes} bytes", "source_sha256": None}
                counts["html"] += 1
                yield row
        except (ArchiveLoadFailed, OSError, EOFError, ValueError) as exc:
            problem = f"{type(exc).__name__}: {exc}"
        digest = reader.finish()
    size = os.stat(path).st_size
    row = {"source_file": rel, "source_format": "warc", "bytes": size, "source_sha256": digest,
           "warc_records": json.dumps(dict(sorted(counts.items())))}
    if problem is None and not counts:
        problem = "no WARC record found"
    if problem is not None and not counts:
        row |= {"quarantine_reason": UNREADABLE, "detail": f"not a readable WARC archive: {problem}"}
    elif problem is not None:
        row |= {"detail": f"archive ends in an unreadable record after {sum(counts.values())} record(s): "
                          f"{problem}"}
    yield row


def read_record_page(path: Path, offset: int, max_record_bytes: int) -> tuple[str, str] | None:
    """The decoded, normalized HTML of the record at ``offset`` (a seek, then one record read) and its encoding."""
    from warcio.archiveiterator import ArchiveIterator

    with path.open("rb") as fh:
        fh.seek(offset)
        record = next(iter(ArchiveIterator(fh)))
        kind = classify(record)
        data = record.content_stream().read(max_record_bytes + 1)
    decoded = decode_payload(data, kind.content_type)
    if decoded is None:
        return None
    text, encoding = decoded
    return normalize_text(text.lstrip("\ufeff"))[0], encoding
