"""Write-audit-publish of a dataset version into the curated root.

A build audits every table, writes them into a staging folder (``curated/.staging/<uuid>``),
lets extras (changelog, card, plots) add files, hashes everything into ``datapackage.json``,
makes the files read-only, renames the folder into place and only then swaps ``LATEST``
atomically (temporary file + ``os.replace``). A crash at any point leaves ``LATEST`` naming a
complete version; the next build removes stale staging folders and either adopts a version
folder that was renamed into place but not yet named by ``LATEST`` or publishes afresh.

Published folders are never written again. One build at a time holds ``curated/.publish.lock``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
import stat
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import pandera.errors as pa_errors
import polars as pl

from contracts.registry import PUBLISHED_TABLES
from dagster_project.publish.guard import ShrinkPolicy, shrink_failure
from dagster_project.publish.ordering import in_published_order
from dagster_project.publish.schema import columns, contracts_signature, frictionless_schema
from dagster_project.runtime.locking import curated_lock

LATEST = "LATEST"
# Working columns the pipeline carries between assets but never publishes.
INTERNAL_COLUMNS = ("offset_map",)
STAGING = ".staging"
DATAPACKAGE = "datapackage.json"

Extra = Callable[[Path, dict[str, Any]], None]


class AuditError(Exception):
    """Raised when a staged version fails its audit; nothing is published."""

    def __init__(self, failures: list[str]):
        super().__init__("audit failed, nothing published: " + "; ".join(failures))
        self.failures = failures


@dataclass
class PublishResult:
    version: str
    path: Path
    published: bool
    reason: str
    row_counts: dict[str, int] = field(default_factory=dict)
    hashes: dict[str, str] = field(default_factory=dict)
    parent_version: str | None = None
    # Problems that did not stop the publish (e.g. the curated folder could not be synced after LATEST moved).
    warnings: list[str] = field(default_factory=list)


def file_sha256(path: Path) -> str:
    with path.open("rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


def canonical_layout(name: str) -> tuple[list[str], list[str]]:
    """Table ``name``'s contract columns in contract order, and its primary key."""
    contract = PUBLISHED_TABLES[name]
    return [c["name"] for c in columns(contract.model)], list(contract.primary_key)


def canonical(name: str, df: pl.DataFrame) -> pl.DataFrame:
    """Contract columns first in contract order, rows sorted by primary key: one byte layout per content."""
    return in_published_order(df, *canonical_layout(name))


class _CanonicalTables(Mapping[str, pl.DataFrame]):
    """The published tables in canonical order, each sorted when it is read and not kept: one sorted copy exists at
    a time (all of them at once cost ~0.25 GB at 10,000 articles; sorting twice costs a fraction of a second)."""

    def __init__(self, tables: Mapping[str, pl.DataFrame]) -> None:
        self._tables = tables

    def __getitem__(self, name: str) -> pl.DataFrame:
        return canonical(name, self._tables[name])

    def __iter__(self) -> Iterator[str]:
        return iter(PUBLISHED_TABLES)

    def __len__(self) -> int:
        return len(PUBLISHED_TABLES)


# How frame_fingerprint hashes: polars' row hashes are stable within one polars version (and platform), not across
# versions, so the scheme names the version. A version published under another scheme is not compared value by
# value (plan_version says so instead of reporting changed values).
FINGERPRINT_SCHEME = f"rows/polars-{pl.__version__}"


def frame_fingerprint(df: pl.DataFrame) -> str:
    """Content hash of a table (schema and rows in their order), independent of Parquet encoding details.

    Each row's 64-bit hash (``hash_rows``, fixed seed) in order, hashed with the schema. Serializing every row to
    NDJSON and hashing the text, as before, took ~1.1 s of each build at 10,000 articles (~2 minutes at a
    million); the row hashes take 0.03 s.
    """
    h = hashlib.sha256()
    h.update(json.dumps(df.schema, default=str).encode())
    h.update(df.hash_rows(seed=0).to_numpy().tobytes())
    return f"{FINGERPRINT_SCHEME}:{h.hexdigest()}"


# ---------------------------------------------------------------------------------------------- audit


def audit(tables: Mapping[str, pl.DataFrame]) -> list[str]:
    """Contract validation plus the cross-table checks a single-table contract cannot express.

    Returns the failed checks, each named ``<table>: <check>``; empty when everything passes.
    """
    failures: list[str] = []
    for name, contract in PUBLISHED_TABLES.items():
        if name not in tables:
            failures.append(f"{name}: table missing")
            continue
        df = tables[name]
        try:
            contract.model.validate(df, lazy=True)
        except (pa_errors.SchemaErrors, pa_errors.SchemaError) as exc:
            failures.append(f"{name}: contract {contract.model.__name__} failed: {_summarize(exc)}")
            continue
        described = {c["name"] for c in columns(contract.model)}
        undescribed = [c for c in df.columns if c not in described]
        if undescribed:
            # Every published column must carry a type and description in datapackage.json.
            failures.append(f"{name}: column(s) {undescribed} not described by contracts.{contract.model.__name__}")
        pk = list(contract.primary_key)
        if df.select(pk).is_duplicated().any():
            failures.append(f"{name}: duplicate primary key {pk}")
        if df.select(pk).null_count().sum_horizontal().item():
            failures.append(f"{name}: null in primary key {pk}")
        for fk in contract.foreign_keys:
            ref = tables.get(fk.reference_table)
            if ref is None:
                failures.append(f"{name}: foreign key target {fk.reference_table} missing")
                continue
            left = df.select(list(fk.fields)).drop_nulls().unique()
            missing = left.join(ref.select(list(fk.reference_fields)), left_on=list(fk.fields),
                                right_on=list(fk.reference_fields), how="anti")
            if missing.height:
                failures.append(f"{name}: {missing.height} value(s) of {list(fk.fields)} not in {fk.reference_table}")
    if failures:
        return failures
    mentions, articles = tables["mentions"], tables["articles"]
    # Streamed: joined eagerly, every mention would carry a copy of its article's text (+1.7 GB at 10,000 articles).
    bad = (
        mentions.lazy()
        .select("article_id", "start", "end", "surface")
        .join(articles.lazy().select("article_id", "text"), on="article_id", how="left")
        .filter(
            pl.col("text").is_null()
            | (pl.col("start") < 0)
            | (pl.col("end") > pl.col("text").str.len_chars())
            | (pl.col("text").str.slice(pl.col("start"), pl.col("end") - pl.col("start")) != pl.col("surface"))
        )
        .select(pl.len())
        .collect(engine="streaming")
        .item()
    )
    if bad:
        failures.append(f"mentions: {bad} span(s) outside the text or where text[start:end] != surface")
    # Null raw offsets are allowed only where they cannot be given: a web page's paragraph not verbatim in its
    # HTML (ingest/html.py); a text file's rows always have them.
    pages = articles.lazy().filter(pl.col("source_format") == "html").select("article_id")
    for name in ("mentions", "segments"):
        unplaced = (tables[name].lazy().filter(pl.col("raw_start").is_null()).select("article_id")
                    .join(pages, on="article_id", how="anti").select(pl.len()).collect().item())
        if unplaced:
            failures.append(f"{name}: {unplaced} row(s) without raw offsets outside a web page")
    return failures


def _summarize(exc: Exception) -> str:
    """``column:check (n rows)`` for each failed check of a pandera error."""
    cases = getattr(exc, "failure_cases", None)
    if isinstance(cases, pl.DataFrame) and cases.height and {"column", "check"} <= set(cases.columns):
        grouped = cases.group_by("column", "check", maintain_order=True).len()
        parts = []
        for col, check, n in grouped.iter_rows():
            if check == "column_in_dataframe":
                parts.append("missing column(s) " + ", ".join(cases.filter(pl.col("check") == check)["failure_case"]))
            else:
                parts.append(f"{col}:{check} ({n} row(s))")
        return "; ".join(dict.fromkeys(parts))
    return str(exc).replace("\n", " ")[:300]


# ------------------------------------------------------------------------------------- curated state


def parse_version(v: str) -> tuple[int, int, int] | None:
    parts = v.split(".")
    if len(parts) != 3 or not all(p.isdigit() for p in parts):
        return None
    return int(parts[0]), int(parts[1]), int(parts[2])


def list_versions(curated: Path) -> list[str]:
    """Version folders holding a manifest, oldest first (SemVer order)."""
    if not curated.is_dir():
        return []
    found = [p.name for p in curated.iterdir() if p.is_dir() and parse_version(p.name) and (p / DATAPACKAGE).is_file()]
    return sorted(found, key=lambda v: parse_version(v) or (0, 0, 0))


def read_latest(curated: Path) -> str | None:
    p = curated / LATEST
    if not p.exists():
        return None
    name = p.read_text(encoding="utf-8").strip()
    return name if name and parse_version(name) and (curated / name / DATAPACKAGE).exists() else None


def read_manifest(curated: Path, version: str) -> dict[str, Any]:
    return dict(json.loads((curated / version / DATAPACKAGE).read_text(encoding="utf-8")))


def verify_version(folder: Path) -> list[str]:
    """Re-hash every file a version's manifest lists; returns the problems (empty when it verifies)."""
    try:
        manifest = json.loads((folder / DATAPACKAGE).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        return [f"{folder.name}/{DATAPACKAGE}: unreadable ({exc})"]
    problems = []
    listed: dict[str, str] = {r["path"]: r["hash"] for r in manifest.get("resources", [])}
    listed.update(manifest.get("newsetl", {}).get("files", {}))
    for rel, expected in sorted(listed.items()):
        path = folder / rel
        if not path.is_file():
            problems.append(f"{rel}: missing")
            continue
        actual = "sha256:" + file_sha256(path)
        if actual != expected:
            problems.append(f"{rel}: hash {actual} does not match manifest {expected}")
    for r in manifest.get("resources", []):
        path = folder / r["path"]
        if path.is_file() and path.stat().st_size != r.get("bytes"):
            problems.append(f"{r['path']}: {path.stat().st_size} bytes, manifest says {r.get('bytes')}")
    return problems


def recover(curated: Path) -> list[str]:
    """Undo what a killed build left behind (call under the publish lock). Returns what was cleaned."""
    cleaned = []
    staging = curated / STAGING
    if staging.is_dir():
        for p in staging.iterdir():
            _make_writable(p)
            if p.is_dir():
                shutil.rmtree(p, ignore_errors=True)
            else:
                p.unlink(missing_ok=True)
            cleaned.append(f"{STAGING}/{p.name}")
    for p in curated.glob(f".{LATEST}.*.tmp"):
        p.unlink(missing_ok=True)
        cleaned.append(p.name)
    return cleaned


def _make_writable(path: Path) -> None:
    for p in [path, *path.rglob("*")] if path.is_dir() else [path]:
        if not p.is_symlink():
            p.chmod(stat.S_IMODE(p.stat().st_mode) | stat.S_IWUSR | stat.S_IXUSR * p.is_dir())


def _make_read_only(folder: Path, top: bool = True) -> None:
    """Published files and folders are read-only so an accidental write fails loudly.

    ``top=False`` leaves the folder itself writable: renaming a folder to a new parent needs
    write permission on it (to update its ``..`` entry), so it is sealed after the rename.
    """
    for p in sorted(folder.rglob("*"), reverse=True):
        if p.is_symlink():
            continue
        p.chmod(0o555 if p.is_dir() else 0o444)
    if top:
        folder.chmod(0o555)


# -------------------------------------------------------------------------------------------- SemVer


def _bump(version: str, part: str) -> str:
    major, minor, patch = (int(x) for x in version.split("."))
    if part == "major":
        return f"{major + 1}.0.0"
    if part == "minor":
        return f"{major}.{minor + 1}.0"
    return f"{major}.{minor}.{patch + 1}"


def contract_changes(old: Mapping[str, Any], new: Mapping[str, Any]) -> tuple[list[str], list[str]]:
    """(incompatible, compatible) differences between two contract signatures."""
    breaking, compatible = [], []
    for table in sorted(set(old) | set(new)):
        if table not in new:
            breaking.append(f"table {table} removed")
            continue
        if table not in old:
            compatible.append(f"table {table} added")
            continue
        oc, nc = old[table], new[table]
        for col in oc:
            if col not in nc:
                breaking.append(f"column {table}.{col} removed")
            elif nc[col]["dtype"] != oc[col]["dtype"]:
                breaking.append(f"column {table}.{col} changed type {oc[col]['dtype']} -> {nc[col]['dtype']}")
            elif nc[col]["nullable"] != oc[col]["nullable"]:
                compatible.append(f"column {table}.{col} nullable {oc[col]['nullable']} -> {nc[col]['nullable']}")
        for col in nc:
            if col not in oc:
                compatible.append(f"column {table}.{col} added ({nc[col]['dtype']})")
    return breaking, compatible


def plan_version(
    previous: dict[str, Any] | None,
    fingerprints: Mapping[str, str],
    sources: Mapping[str, str | None],
    signature: dict[str, Any],
) -> tuple[str | None, str]:
    """SemVer as the Frictionless recipe reads it; ``None`` when nothing changed.

    major: a table or column removed, or a column's type changed (readers' code may break);
    minor: raw inputs added/removed/changed, or tables/columns added (data added);
    patch: same inputs and contracts, different values (an extractor or parser fix).
    """
    if previous is None:
        return "1.0.0", "first version"
    prev_version = str(previous["version"])
    prev_sig = previous.get("newsetl", {}).get("contracts", {})
    prev_fp = previous.get("newsetl", {}).get("fingerprints", {})
    prev_sources = {s["path"]: (s.get("hash") or "").removeprefix("sha256:") or None
                    for s in previous.get("sources", [])}
    breaking, compatible = contract_changes(prev_sig, signature)
    if breaking:
        return _bump(prev_version, "major"), "incompatible contract change: " + "; ".join(breaking)
    if dict(prev_fp) == dict(fingerprints) and not compatible and prev_sources == dict(sources):
        return None, f"no change since {prev_version}: same inputs, same contracts, same values"
    if prev_sources != dict(sources) or compatible:
        added = len(set(sources) - set(prev_sources))
        removed = len(set(prev_sources) - set(sources))
        changed = sum(1 for k in set(sources) & set(prev_sources) if sources[k] != prev_sources[k])
        what = [f"{n} raw file(s) {w}" for n, w in ((added, "added"), (removed, "removed"), (changed, "changed")) if n]
        return _bump(prev_version, "minor"), "; ".join(what + compatible) or "inputs changed"
    changed_tables = sorted(t for t in fingerprints if prev_fp.get(t) != fingerprints[t])
    schemes = {str(prev_fp.get(t, "")).rpartition(":")[0] for t in changed_tables}
    if FINGERPRINT_SCHEME not in schemes:
        return _bump(prev_version, "patch"), (f"same inputs and contracts; values not compared: {prev_version} was "
                                              f"fingerprinted otherwise than {FINGERPRINT_SCHEME}")
    return _bump(prev_version, "patch"), f"values changed under the same inputs in {', '.join(changed_tables)}"


# ------------------------------------------------------------------------------------------- writing


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write_atomic(path: Path, text: str) -> list[str]:
    """Replace ``path`` by ``text`` atomically; returns a warning when only the final folder sync failed.

    Once ``os.replace`` has succeeded, readers see the new file: a failed sync of the folder after it does not
    undo that (it only leaves the switch exposed to a power cut), so it is reported, not raised. Raising would
    report "nothing published" for a version LATEST already names.
    """
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    try:
        with tmp.open("w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)  # a full disk or a refused write leaves no half-written pointer behind
        raise
    try:
        _fsync_dir(path.parent)
    except OSError as exc:
        return [f"{path.name} was replaced, but syncing {path.parent} failed ({exc.strerror or exc}): the change "
                "may not survive a power cut"]
    return []


def _created(now: dt.datetime | None) -> str:
    """Build time, or ``SOURCE_DATE_EPOCH`` (the reproducible-builds convention) when set."""
    if now is None and os.environ.get("SOURCE_DATE_EPOCH", "").isdigit():
        now = dt.datetime.fromtimestamp(int(os.environ["SOURCE_DATE_EPOCH"]), dt.UTC)
    return (now or dt.datetime.now(dt.UTC)).replace(microsecond=0).isoformat()


def _dump(manifest: Mapping[str, Any]) -> str:
    return json.dumps(manifest, indent=2, default=str, ensure_ascii=False) + "\n"


def _adoptable(folder: Path, fingerprints: Mapping[str, str], parent: str | None) -> bool:
    """A folder renamed into place by a build killed before it updated LATEST, holding our data."""
    try:
        m = json.loads((folder / DATAPACKAGE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    nl = m.get("newsetl", {})
    return nl.get("fingerprints") == dict(fingerprints) and nl.get("parent_version") == parent and not verify_version(folder)


def publish(
    tables: Mapping[str, pl.DataFrame],
    curated: Path,
    sources: Mapping[str, str | None],
    lineage: Mapping[str, Any],
    name: str = "newsetl-caracas-airlift",
    now: dt.datetime | None = None,
    extras: Extra | Sequence[Extra] | None = None,
    source_details: Mapping[str, Mapping[str, Any]] | None = None,
    lock_timeout: float | None = None,
    shrink: ShrinkPolicy | None = None,
) -> PublishResult:
    """Audit, stage and atomically publish ``tables`` as a new version (or nothing if unchanged).

    ``sources`` maps every raw file to its sha256 (``None`` when it could not be read).
    ``extras`` (one callable or a list) are called as ``extra(staging_dir, manifest)`` after the
    tables and ``CHANGELOG.md`` are written, to add further files (card, plots); everything they
    write is hashed into the manifest and published atomically with the data.
    ``shrink`` (default: :class:`ShrinkPolicy` with its 20% limit) refuses a version that loses too many of its
    parent's articles, unless it allows it (``--allow-shrink``).
    Raises :class:`AuditError` naming the failed checks; then nothing is written.
    """
    failures = audit(tables)
    if failures:
        raise AuditError(failures)
    ordered = _CanonicalTables(tables)
    fingerprints = {n: frame_fingerprint(ordered[n]) for n in PUBLISHED_TABLES}
    signature = contracts_signature()
    counts = {n: tables[n].height for n in PUBLISHED_TABLES}
    with curated_lock(curated, timeout=lock_timeout):
        recover(curated)
        latest = read_latest(curated)
        previous = read_manifest(curated, latest) if latest else None
        version, reason = plan_version(previous, fingerprints, sources, signature)
        if version is not None and previous is not None and latest is not None:
            parent_articles = previous.get("newsetl", {}).get("row_counts", {}).get("articles")
            failure = shrink_failure(latest, int(parent_articles or 0), counts.get("articles", 0),
                                     shrink or ShrinkPolicy())
            if failure is not None:
                raise AuditError([failure])
        if version is None:
            assert latest is not None and previous is not None
            hashes = {r["name"]: r["hash"] for r in previous["resources"]}
            return PublishResult(latest, curated / latest, False, reason, counts, hashes,
                                 previous.get("newsetl", {}).get("parent_version"))
        while (curated / version).exists():
            if _adoptable(curated / version, fingerprints, latest):
                # Finish the killed build's publish: its folder is complete and verified.
                _make_read_only(curated / version)
                warnings = _write_atomic(curated / LATEST, version + "\n")
                m = read_manifest(curated, version)
                return PublishResult(version, curated / version, True, m["newsetl"]["change"] + " (recovered)",
                                     counts, {r["name"]: r["hash"] for r in m["resources"]}, latest, warnings)
            version = _bump(version, "patch")
        staging = curated / STAGING / uuid.uuid4().hex
        staging.mkdir(parents=True)
        try:
            manifest, hashes = _stage(staging, ordered, sources, source_details or {}, lineage, name, now,
                                      version, reason, latest, counts, fingerprints, signature)
            hooks: list[Extra] = [partial(write_changelog_hook, curated=curated)]
            if callable(extras):
                hooks.append(extras)
            elif extras:
                hooks.extend(extras)
            for hook in hooks:
                hook(staging, manifest)
            listed = {DATAPACKAGE, *(r["path"] for r in manifest["resources"])}
            manifest["newsetl"]["files"] = {
                rel: "sha256:" + file_sha256(staging / rel)
                for rel in sorted(p.relative_to(staging).as_posix() for p in staging.rglob("*") if p.is_file())
                if rel not in listed
            }
            (staging / DATAPACKAGE).write_text(_dump(manifest), encoding="utf-8")
            for f in staging.rglob("*"):
                if f.is_file():
                    with f.open("rb") as fh:
                        os.fsync(fh.fileno())
            _make_read_only(staging, top=False)
            _fsync_dir(staging)
            target = curated / version
            os.rename(staging, target)
            target.chmod(0o555)
            _fsync_dir(curated)
            warnings = _write_atomic(curated / LATEST, version + "\n")
        finally:
            if staging.exists():
                _make_writable(staging)
                shutil.rmtree(staging, ignore_errors=True)
    return PublishResult(version, curated / version, True, reason, counts, hashes, latest, warnings)


def _stage(
    staging: Path,
    ordered: Mapping[str, pl.DataFrame],
    sources: Mapping[str, str | None],
    source_details: Mapping[str, Mapping[str, Any]],
    lineage: Mapping[str, Any],
    name: str,
    now: dt.datetime | None,
    version: str,
    reason: str,
    parent: str | None,
    counts: Mapping[str, int],
    fingerprints: Mapping[str, str],
    signature: dict[str, Any],
) -> tuple[dict[str, Any], dict[str, str]]:
    """Write every table into ``staging``; return the manifest (written once, by ``publish``, after the extras:
    at 10,000 articles its ~10,000 sources take ~0.25 s per indented dump) and the tables' hashes."""
    resources = []
    hashes = {}
    for tname, contract in PUBLISHED_TABLES.items():
        path = staging / contract.filename
        table = ordered[tname]
        table.write_parquet(path, statistics=True)
        digest = file_sha256(path)
        hashes[tname] = f"sha256:{digest}"
        schema = frictionless_schema(contract)
        # Fields in file order (Frictionless matches fields to columns by position by default).
        by_name = {f["name"]: f for f in schema["fields"]}
        schema["fields"] = [by_name[c] for c in table.columns if c in by_name]
        del table
        resources.append(
            {
                "name": tname,
                "path": contract.filename,
                "type": "table",
                "format": "parquet",
                "mediatype": "application/vnd.apache.parquet",
                "bytes": path.stat().st_size,
                "hash": f"sha256:{digest}",
                "description": contract.description,
                "schema": schema,
            }
        )
    manifest: dict[str, Any] = {
        "$schema": "https://datapackage.org/profiles/2.0/datapackage.json",
        "name": name,
        "title": "News mentions of people, aircraft, quantities and places",
        "version": version,
        "created": _created(now),
        "licenses": [
            {
                "name": "CC-BY-4.0",
                "path": "https://creativecommons.org/licenses/by/4.0/",
                "title": "Extracted annotations; article texts remain the property of their publishers",
            }
        ],
        "resources": resources,
        "sources": [
            {"title": p, "path": p, **({"hash": f"sha256:{h}"} if h else {}), **dict(source_details.get(p, {}))}
            for p, h in sorted(sources.items())
        ],
        "newsetl": {
            "parent_version": parent,
            "change": reason,
            "lineage": {"parent_version": parent, **dict(lineage)},
            "row_counts": dict(counts),
            "fingerprints": dict(fingerprints),
            "contracts": signature,
        },
    }
    return manifest, hashes


def write_changelog_hook(staging: Path, manifest: dict[str, Any], curated: Path) -> None:
    """The built-in extra: ``CHANGELOG.md`` against the parent version."""
    from dagster_project.publish.changelog import write_changelog

    parent = manifest["newsetl"]["parent_version"]
    write_changelog(staging, manifest, curated / parent if parent else None)
