"""``CHANGELOG.md`` of a version against its parent: what a researcher citing both needs to know.

Articles are matched across versions by ``(source_file, part)`` (ids derive from content, so
they change when a file changes); mentions by ``(source_file, part, mention_type, surface)`` as
a multiset, so a mention that only moved because text before it changed is not reported.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import polars as pl

from dagster_project.core.publish import DATAPACKAGE, contract_changes

CHANGELOG = "CHANGELOG.md"
# Long lists are cut; the counts are always complete.
MAX_LISTED = 50


def _read(folder: Path, table: str) -> pl.DataFrame | None:
    path = folder / f"{table}.parquet"
    return pl.read_parquet(path) if path.is_file() else None


def _label(row: dict[str, Any]) -> str:
    title = (row.get("title") or "").replace("\n", " ").strip() or "(untitled)"
    title = title if len(title) <= 90 else title[:87] + "..."
    return f"“{title}” (`{row['source_file']}`, part {row.get('part', 0)})"


def _cut(lines: list[str]) -> list[str]:
    return lines if len(lines) <= MAX_LISTED else [*lines[:MAX_LISTED], f"- … and {len(lines) - MAX_LISTED} more"]


def _article_changes(old: pl.DataFrame | None, new: pl.DataFrame) -> list[str]:
    key = ("source_file", "part")
    old_rows = {(r["source_file"], r.get("part", 0)): r for r in (old.to_dicts() if old is not None else [])}
    new_rows = {(r["source_file"], r.get("part", 0)): r for r in new.to_dicts()}
    added = [_label(new_rows[k]) for k in sorted(set(new_rows) - set(old_rows))]
    removed = [_label(old_rows[k]) for k in sorted(set(old_rows) - set(new_rows))]
    changed = []
    for k in sorted(set(new_rows) & set(old_rows)):
        a, b = old_rows[k], new_rows[k]
        diffs = [c for c in b if c in a and c != "article_id" and a[c] != b[c]]
        if diffs:
            changed.append(f"{_label(b)}: {', '.join(diffs)} changed")
    out = [f"## Articles\n\n{len(added)} added, {len(removed)} removed, {len(changed)} changed "
           f"(matched by {' + '.join(key)}).\n"]
    for head, items in (("Added", added), ("Removed", removed), ("Changed", changed)):
        if items:
            out.append(f"### {head}\n")
            out.extend(_cut([f"- {i}" for i in items]))
            out.append("")
    return out


def _mention_keys(folder_tables: dict[str, pl.DataFrame | None]) -> Counter[tuple[str, int, str, str]]:
    m, a = folder_tables.get("mentions"), folder_tables.get("articles")
    if m is None or a is None or not m.height:
        return Counter()
    cols = ["article_id", "source_file", *(["part"] if "part" in a.columns else [])]
    j = m.join(a.select(cols), on="article_id", how="left")
    if "part" not in j.columns:
        j = j.with_columns(pl.lit(0).alias("part"))
    return Counter(j.select("source_file", "part", "mention_type", "surface").iter_rows())


def _mention_changes(old: dict[str, pl.DataFrame | None], new: dict[str, pl.DataFrame | None]) -> list[str]:
    ok, nk = _mention_keys(old), _mention_keys(new)
    gained, lost = nk - ok, ok - nk
    by_type: dict[str, list[int]] = {}
    for (_, _, t, _), n in gained.items():
        by_type.setdefault(t, [0, 0])[0] += n
    for (_, _, t, _), n in lost.items():
        by_type.setdefault(t, [0, 0])[1] += n
    out = [f"## Extraction changes\n\n{sum(gained.values())} mention(s) gained, {sum(lost.values())} lost.\n"]
    if by_type:
        out += ["| mention type | gained | lost |", "|---|---:|---:|"]
        out += [f"| {t} | {g} | {lo} |" for t, (g, lo) in sorted(by_type.items())]
        out.append("")
    for head, c in (("Gained", gained), ("Lost", lost)):
        if c:
            out.append(f"### {head}\n")
            out.extend(_cut([f"- {t} “{s}” in `{f}` part {p}" + (f" ×{n}" if n > 1 else "")
                             for (f, p, t, s), n in sorted(c.items())]))
            out.append("")
    return out


def render_changelog(manifest: dict[str, Any], new_folder: Path, parent_folder: Path | None) -> str:
    """The changelog text; ``parent_folder`` is ``None`` for a first version."""
    version = manifest["version"]
    nl = manifest.get("newsetl", {})
    tables = [r["name"] for r in manifest["resources"]]
    new = {t: _read(new_folder, t) for t in tables}
    parent_manifest: dict[str, Any] = {}
    old: dict[str, pl.DataFrame | None] = {}
    if parent_folder is not None:
        import json

        parent_manifest = json.loads((parent_folder / DATAPACKAGE).read_text(encoding="utf-8"))
        old = {t: _read(parent_folder, t) for t in {*tables, *(r["name"] for r in parent_manifest["resources"])}}
    lines = [f"# Changelog for {manifest['name']} {version}", ""]
    if parent_folder is None:
        lines += ["First version: no parent to compare with.", ""]
    else:
        lines += [f"Compared with parent version **{parent_manifest['version']}**.", ""]
    lines += [f"Change: {nl.get('change', '')}.", ""]
    lin = nl.get("lineage", {})
    if lin:
        lines += ["Produced by: " + ", ".join(f"{k} `{v}`" for k, v in lin.items() if v is not None) + ".", ""]
    # Sources
    old_src = {s["path"]: s.get("hash") for s in parent_manifest.get("sources", [])}
    new_src = {s["path"]: s.get("hash") for s in manifest.get("sources", [])}
    src_lines = [f"- added `{p}`" for p in sorted(set(new_src) - set(old_src))]
    src_lines += [f"- removed `{p}`" for p in sorted(set(old_src) - set(new_src))]
    src_lines += [f"- changed `{p}`" for p in sorted(set(new_src) & set(old_src)) if new_src[p] != old_src[p]]
    lines += ["## Raw files", "", f"{len(new_src)} raw file(s); {len(src_lines)} added, removed or changed.", ""]
    lines += [*_cut(src_lines), ""] if src_lines else []
    # Articles
    if new.get("articles") is not None:
        lines += _article_changes(old.get("articles"), new["articles"])  # type: ignore[arg-type]
    # Row deltas
    lines += ["## Rows per table", "", "| table | parent | this version | delta |", "|---|---:|---:|---:|"]
    for t in sorted(set(new) | set(old)):
        o = old.get(t)
        n = new.get(t)
        on, nn = (o.height if o is not None else 0), (n.height if n is not None else 0)
        lines.append(f"| {t} | {on if o is not None else '–'} | {nn if n is not None else '–'} | {nn - on:+d} |")
    lines.append("")
    # Contracts
    breaking, compatible = contract_changes(parent_manifest.get("newsetl", {}).get("contracts", {}),
                                            nl.get("contracts", {})) if parent_folder else ([], [])
    lines += ["## Contract changes", ""]
    if breaking or compatible:
        lines += [f"- **incompatible**: {c}" for c in breaking] + [f"- {c}" for c in compatible]
    else:
        lines.append("None." if parent_folder else "First version: contracts as listed in datapackage.json.")
    lines.append("")
    lines += _mention_changes(old, new)
    # Quarantine
    q_old, q_new = old.get("quarantine"), new.get("quarantine")
    if q_new is not None:
        before = set(q_old.select("source_file", "reason").iter_rows()) if q_old is not None else set()
        after = set(q_new.select("source_file", "reason").iter_rows())
        q_lines = [f"- now quarantined: `{f}` ({r})" for f, r in sorted(after - before)]
        q_lines += [f"- no longer quarantined: `{f}` (was {r})" for f, r in sorted(before - after)]
        lines += ["## Quarantine", "", f"{len(after)} raw file(s) quarantined.", "", *_cut(q_lines), ""]
    return "\n".join(lines).rstrip() + "\n"


def write_changelog(staging: Path, manifest: dict[str, Any], parent_folder: Path | None) -> Path:
    path = staging / CHANGELOG
    path.write_text(render_changelog(manifest, staging, parent_folder), encoding="utf-8")
    return path
