"""What a build says when it is done: the version, raw files and articles counted apart, the refused files named.

Files and articles are different units (one raw file can hold several reports, and a file may yield none), so
each count says which it is. The quarantined files are listed by name with their reason, up to a limit, so
nobody has to open Parquet to learn which files were refused.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import polars as pl

# Quarantined files named in the summary; the rest are counted (all of them are in quarantine.parquet).
MAX_NAMED = 20
_DETAIL_CHARS = 100


def status_line(version: str, published: bool, parent: str | None) -> str:
    """One line for the ``published_version`` asset and the build: what happened to ``LATEST``."""
    if not published:
        return f"no change: LATEST stays {version}"
    return f"published {version} (parent {parent})" if parent else f"published {version} (first version)"


def quarantined_lines(quarantine: pl.DataFrame, limit: int = MAX_NAMED) -> list[str]:
    """``- path: reason (detail)`` for the first ``limit`` quarantined files in path order, then how many more."""
    rows = quarantine.sort("source_file").head(limit).iter_rows(named=True)
    lines = []
    for r in rows:
        detail = (r.get("detail") or "").replace("\n", " ")
        detail = detail if len(detail) <= _DETAIL_CHARS else detail[: _DETAIL_CHARS - 1] + "…"
        lines.append(f"    - {r['source_file']}: {r['reason']}" + (f" ({detail})" if detail else ""))
    if quarantine.height > limit:
        lines.append(f"    - … and {quarantine.height - limit} more (all in quarantine.parquet)")
    return lines


def build_summary(md: Mapping[str, Any], curated: Path, limit: int = MAX_NAMED) -> str:
    """The summary printed after a successful build, from the ``published_version`` metadata and the version."""
    version = str(md["version"])
    folder = curated / version
    manifest = json.loads((folder / "datapackage.json").read_text(encoding="utf-8"))
    sources = manifest.get("sources", [])
    quarantine = pl.read_parquet(folder / "quarantine.parquet")
    articles = pl.read_parquet(folder / "articles.parquet", columns=["source_file"])
    published_files = articles["source_file"].n_unique()
    raw_files = len(sources) or published_files + quarantine.height
    by_reason = dict(quarantine.group_by("reason").len().sort("reason").iter_rows())
    if md.get("published"):
        head = f"newsetl: published version {version} in {curated} ({md.get('reason')})."
    else:
        head = f"newsetl: {status_line(version, False, None)} in {curated} ({md.get('reason')})."
    lines = [
        head,
        f"  raw files: {raw_files}; published (holding at least one article): {published_files} files; "
        f"quarantined: {quarantine.height} files{' ' + json.dumps(by_reason) if by_reason else ''}",
        f"  articles: {articles.height} (from {published_files} files)",
    ]
    if quarantine.height:
        lines.append("  quarantined files:")
        lines += quarantined_lines(quarantine, limit)
    lines.append(f"  rows per table: {json.dumps(md.get('row_counts', {}))}")
    return "\n".join(lines)
