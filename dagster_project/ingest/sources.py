"""Every source under the raw root, by kind: text files, HTML pages and WARC archives.

Text files are read as before (ingest/raw.py). An HTML page (by its name or its first bytes) is read the
same way under a page-sized limit, since the limit that protects extraction applies to its extracted
text (ingest/html.py). A WARC archive is streamed (ingest/warc.py): one row per HTML record plus one for
the archive with its other records counted. Duplicates are refused across all of them: byte-identical
content (files or record payloads) and, for web pages, the same URL seen earlier in path order.

The raw root is read one shard at a time (ingest/shards.py): ``scan_sources(..., shards=...)`` reads only the
files of those shards and refuses duplicates within each shard, so its rows do not depend on which shards a run
groups together. :func:`refuse_duplicates` then applies the same rule to the rows of every shard (a corpus-wide
step), which refuses exactly the files one scan of the whole root would: a copy within a shard is a copy in the
corpus too, so only files whose original is in another shard are added, and details name the corpus' original.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Collection, Iterable
from pathlib import Path
from typing import Any

import polars as pl

from dagster_project.ingest.html import DEFAULT_MAX_HTML_BYTES, is_html_file
from dagster_project.ingest.raw import DUPLICATE, UNREADABLE, display_name, display_path, iter_raw_names, read_raw_file
from dagster_project.ingest.shards import shard_of, top_level_path
from dagster_project.ingest.warc import is_warc_name, scan_warc

# Kinds of raw rows (raw_articles.source_format); only the first three are parsed.
TEXT, HTML, WARC_RECORD, WARC = "text", "html", "warc_record", "warc"
PARSED_FORMATS = (TEXT, HTML, WARC_RECORD)
# Internal column of raw_articles (beside the contract's): the file is a symbolic link inside the raw root. A real
# file is preferred over a link to the same content as the original of a duplicate pair.
SYMLINK = "is_symlink"


def scan_sources(
    root: Path, max_bytes: int, max_html_bytes: int = DEFAULT_MAX_HTML_BYTES, shards: Collection[str] | None = None
) -> list[dict[str, Any]]:
    """One row per raw file (and per HTML record of an archive), as ``raw_articles`` holds them.

    ``shards``: read only the files of these shards (ingest/shards.py) and refuse duplicates within each shard;
    None reads the whole root as one group.
    """
    errors: list[tuple[Path, OSError]] = []
    rows: list[dict[str, Any]] = []
    for name, rel in iter_raw_names(root, errors):
        if shards is not None and shard_of(display_name(rel)) not in shards:
            continue  # another shard's file: not even opened
        path = Path(name)
        link = path.is_symlink()
        if is_warc_name(path.name) and not link and path.is_file():
            rows.extend({**r, SYMLINK: False} for r in scan_warc(path, root, max_html_bytes))
            continue
        html = is_html_file(path)
        rf = read_raw_file(path, root, max_html_bytes if html else max_bytes)
        rows.append({**dataclasses.asdict(rf), "source_format": HTML if html else TEXT, SYMLINK: link})
    if shards is None:
        out = refuse_duplicates(rows)
    else:
        groups: dict[str, list[dict[str, Any]]] = {}
        for row in rows:
            groups.setdefault(shard_of(row["source_file"]), []).append(row)
        refused = {r["source_file"]: r for group in groups.values() for r in refuse_duplicates(group)}
        out = [refused[r["source_file"]] for r in rows]
    for folder, exc in errors:
        rel = display_path(folder, root) if folder.is_relative_to(root) else "."
        if shards is None or shard_of(rel + "/") in shards:
            out.append({"source_file": rel + "/", "bytes": 0, "quarantine_reason": UNREADABLE, SYMLINK: False,
                        "detail": f"folder could not be listed: {exc.strerror or exc}"})
    return out


def path_order(source_file: str, record_offset: int | None = None) -> tuple[Any, ...]:
    """Sort key giving the order the raw root is walked in (ingest/raw.iter_raw_paths): in each folder its files
    by name, then its sub-folders by name; a WARC archive's records by their offset in the archive."""
    *folders, name = top_level_path(source_file).split("/")
    return (*((1, f) for f in folders), (0, name), -1 if record_offset is None else record_offset)


def refuse_duplicates(rows: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """The rows, with later copies refused: the first real file in path order is the original, later ones (same
    content, or a page's URL) and symbolic links to it are refused as ``duplicate``, naming the original.

    Rows already refused as duplicates are judged again (so the rows of every shard, each deduplicated on its
    own, give the answer for the whole corpus); rows refused for another reason are left as they are.
    """
    rows = list(rows)
    candidates = [r for r in rows if r.get("source_format") != WARC and r.get("source_sha256")
                  and r.get("quarantine_reason") in (None, DUPLICATE)]
    by_sha: dict[str, str] = {}
    by_url: dict[str, str] = {}
    for row in sorted(candidates, key=lambda r: (bool(r.get(SYMLINK)), path_order(r["source_file"],
                                                                                  r.get("record_offset")))):
        by_sha.setdefault(row["source_sha256"], row["source_file"])
        if row.get("url"):
            by_url.setdefault(row["url"], row["source_file"])
    out = []
    for row in rows:
        if row.get("source_format") != WARC and row.get("quarantine_reason") in (None, DUPLICATE):
            first = by_sha.get(row.get("source_sha256") or "")
            same_url = by_url.get(row.get("url") or "")
            if first is not None and first != row["source_file"]:
                row = {**row, "text": None, "quarantine_reason": DUPLICATE, "detail": f"byte-identical to {first}"}
            elif same_url is not None and same_url != row["source_file"]:
                row = {**row, "text": None, "quarantine_reason": DUPLICATE,
                       "detail": f"same URL as {same_url} ({row['url']})"}
        out.append(row)
    return out


# What refuse_duplicates reads of a raw row.
DUPLICATE_COLUMNS = ("source_file", "source_sha256", "quarantine_reason", "source_format", "url", "record_offset",
                     SYMLINK)


def duplicates_of(rows: Iterable[dict[str, Any]]) -> dict[str, str]:
    """``source_file -> detail`` of every row :func:`refuse_duplicates` refuses as a duplicate of another row."""
    return {r["source_file"]: r["detail"] for r in refuse_duplicates(rows) if r.get("quarantine_reason") == DUPLICATE}


def with_duplicates(raw: pl.DataFrame, duplicates: pl.DataFrame) -> pl.DataFrame:
    """Raw rows with the corpus-wide duplicates (``source_file``, ``detail``) refused as ``duplicate`` (their
    ``detail``, when ``raw`` has that column, naming the corpus' original)."""
    dup = duplicates.select("source_file", pl.col("detail").alias("_dup_detail"))
    is_dup = pl.col("_dup_detail").is_not_null()
    exprs = [pl.when(is_dup).then(pl.lit(DUPLICATE)).otherwise(pl.col("quarantine_reason")).alias("quarantine_reason")]
    if "detail" in raw.columns:
        exprs.append(pl.when(is_dup).then(pl.col("_dup_detail")).otherwise(pl.col("detail")).alias("detail"))
    return raw.join(dup, on="source_file", how="left", maintain_order="left").with_columns(exprs).drop("_dup_detail")
