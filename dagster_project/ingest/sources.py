"""Every source under the raw root, by kind: text files, HTML pages and WARC archives.

Text files are read as before (ingest/raw.py). An HTML page (by its name or its first bytes) is read the
same way under a page-sized limit, since the limit that protects extraction applies to its extracted
text (ingest/html.py). A WARC archive is streamed (ingest/warc.py): one row per HTML record plus one for
the archive with its other records counted. Duplicates are refused across all of them: byte-identical
content (files or record payloads) and, for web pages, the same URL seen earlier in path order.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from dagster_project.ingest.html import DEFAULT_MAX_HTML_BYTES, is_html_file
from dagster_project.ingest.raw import DUPLICATE, UNREADABLE, display_path, iter_raw_paths, read_raw_file
from dagster_project.ingest.warc import is_warc_name, scan_warc

# Kinds of raw rows (raw_articles.source_format); only the first three are parsed.
TEXT, HTML, WARC_RECORD, WARC = "text", "html", "warc_record", "warc"
PARSED_FORMATS = (TEXT, HTML, WARC_RECORD)


def scan_sources(root: Path, max_bytes: int, max_html_bytes: int = DEFAULT_MAX_HTML_BYTES) -> list[dict[str, Any]]:
    """One row per raw file (and per HTML record of an archive), as ``raw_articles`` holds them."""
    errors: list[tuple[Path, OSError]] = []
    rows: list[tuple[dict[str, Any], bool]] = []
    for path in iter_raw_paths(root, errors):
        link = path.is_symlink()
        if is_warc_name(path.name) and not link and path.is_file():
            rows.extend((r, False) for r in scan_warc(path, root, max_html_bytes))
            continue
        html = is_html_file(path)
        rf = read_raw_file(path, root, max_html_bytes if html else max_bytes)
        rows.append(({**dataclasses.asdict(rf), "source_format": HTML if html else TEXT}, link))
    out = _refuse_duplicates(rows)
    for folder, exc in errors:
        rel = display_path(folder, root) if folder.is_relative_to(root) else "."
        out.append({"source_file": rel + "/", "bytes": 0, "quarantine_reason": UNREADABLE,
                    "detail": f"folder could not be listed: {exc.strerror or exc}"})
    return out


def _refuse_duplicates(rows: list[tuple[dict[str, Any], bool]]) -> list[dict[str, Any]]:
    """The first real file in path order is the original; later copies (by content, or a page's URL) are refused."""
    by_sha: dict[str, str] = {}
    by_url: dict[str, str] = {}
    for row, _ in sorted(rows, key=lambda x: x[1]):  # stable: real files first, each in path order
        if row.get("quarantine_reason") is None and row.get("source_format") != WARC and row.get("source_sha256"):
            by_sha.setdefault(row["source_sha256"], row["source_file"])
            if row.get("url"):
                by_url.setdefault(row["url"], row["source_file"])
    out = []
    for row, _ in rows:
        if row.get("quarantine_reason") is None and row.get("source_format") != WARC:
            first = by_sha.get(row.get("source_sha256") or "")
            same_url = by_url.get(row.get("url") or "")
            if first is not None and first != row["source_file"]:
                row = {**row, "text": None, "quarantine_reason": DUPLICATE, "detail": f"byte-identical to {first}"}
            elif same_url is not None and same_url != row["source_file"]:
                row = {**row, "text": None, "quarantine_reason": DUPLICATE,
                       "detail": f"same URL as {same_url} ({row['url']})"}
        out.append(row)
    return out
