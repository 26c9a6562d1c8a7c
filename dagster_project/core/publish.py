"""Write-audit-publish of a dataset version into the curated root.

A build writes every table into a staging folder, audits it, then renames the folder
into place and swaps ``LATEST`` atomically. Published folders are never written again.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandera.errors as pa_errors
import polars as pl

from contracts.registry import PUBLISHED_TABLES
from dagster_project.core.schema import contracts_signature, frictionless_schema

LATEST = "LATEST"
STAGING = ".staging"
DATAPACKAGE = "datapackage.json"


class AuditError(Exception):
    """Raised when a staged version fails its audit; nothing is published."""

    def __init__(self, failures: list[str]):
        super().__init__("; ".join(failures))
        self.failures = failures


@dataclass
class PublishResult:
    version: str
    path: Path
    published: bool
    reason: str
    row_counts: dict[str, int] = field(default_factory=dict)
    hashes: dict[str, str] = field(default_factory=dict)


def file_sha256(path: Path) -> str:
    with path.open("rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


def frame_fingerprint(df: pl.DataFrame) -> str:
    """Content hash of a table independent of Parquet encoding details."""
    h = hashlib.sha256()
    h.update(json.dumps(df.schema, default=str).encode())
    # NDJSON is a stable, library-version-independent serialization (unlike hash_rows).
    h.update(df.write_ndjson().encode())
    return h.hexdigest()


def audit(tables: Mapping[str, pl.DataFrame]) -> list[str]:
    """Contract validation plus the cross-table checks a single-table contract cannot express."""
    failures: list[str] = []
    for name, contract in PUBLISHED_TABLES.items():
        if name not in tables:
            failures.append(f"{name}: table missing")
            continue
        try:
            contract.model.validate(tables[name], lazy=True)
        except (pa_errors.SchemaErrors, pa_errors.SchemaError) as exc:
            failures.append(f"{name}: contract failed: {str(exc).splitlines()[0][:300]}")
        df = tables[name]
        pk = list(contract.primary_key)
        if df.select(pk).is_duplicated().any():
            failures.append(f"{name}: duplicate primary key {pk}")
        for fk in contract.foreign_keys:
            ref = tables.get(fk.reference_table)
            if ref is None:
                continue
            left = df.select(list(fk.fields)).drop_nulls().unique()
            missing = left.join(ref.select(list(fk.reference_fields)), left_on=list(fk.fields),
                                right_on=list(fk.reference_fields), how="anti")
            if missing.height:
                failures.append(f"{name}: {missing.height} value(s) of {list(fk.fields)} not in {fk.reference_table}")
    if "mentions" in tables and "articles" in tables:
        joined = tables["mentions"].join(tables["articles"].select("article_id", "text"), on="article_id", how="left")
        bad = joined.filter(
            pl.col("text").is_null()
            | (pl.col("end") > pl.col("text").str.len_chars())
            | (pl.col("text").str.slice(pl.col("start"), pl.col("end") - pl.col("start")) != pl.col("surface"))
        )
        if bad.height:
            failures.append(f"mentions: {bad.height} span(s) where text[start:end] != surface")
    return failures


def read_latest(curated: Path) -> str | None:
    p = curated / LATEST
    if not p.exists():
        return None
    name = p.read_text(encoding="utf-8").strip()
    return name if name and (curated / name / DATAPACKAGE).exists() else None


def read_manifest(curated: Path, version: str) -> dict[str, Any]:
    return dict(json.loads((curated / version / DATAPACKAGE).read_text(encoding="utf-8")))


def _bump(version: str, part: str) -> str:
    major, minor, patch = (int(x) for x in version.split("."))
    if part == "major":
        return f"{major + 1}.0.0"
    if part == "minor":
        return f"{major}.{minor + 1}.0"
    return f"{major}.{minor}.{patch + 1}"


def plan_version(
    previous: dict[str, Any] | None,
    fingerprints: Mapping[str, str],
    sources: Mapping[str, str],
    signature: dict[str, Any],
) -> tuple[str | None, str]:
    """SemVer as the Frictionless recipe reads it; ``None`` when nothing changed."""
    if previous is None:
        return "1.0.0", "first version"
    prev_version = str(previous["version"])
    prev_sig = previous.get("newsetl", {}).get("contracts", {})
    prev_fp = previous.get("newsetl", {}).get("fingerprints", {})
    prev_sources = {s["path"]: s["hash"].removeprefix("sha256:") for s in previous.get("sources", [])}
    # Incompatible: a table or column dropped, or a column's type or nullability changed.
    for table, cols in prev_sig.items():
        new_cols = signature.get(table)
        if new_cols is None:
            return _bump(prev_version, "major"), f"table {table} removed"
        for col, spec in cols.items():
            if col not in new_cols:
                return _bump(prev_version, "major"), f"column {table}.{col} removed"
            if new_cols[col]["dtype"] != spec["dtype"]:
                return _bump(prev_version, "major"), f"column {table}.{col} changed type"
    if dict(prev_fp) == dict(fingerprints) and prev_sig == signature and prev_sources == dict(sources):
        return None, f"no change since {prev_version}"
    if prev_sources != dict(sources) or prev_sig != signature:
        return _bump(prev_version, "minor"), "inputs or columns added or changed"
    return _bump(prev_version, "patch"), "values changed under the same inputs"


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    with tmp.open("w", encoding="utf-8") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    _fsync_dir(path.parent)


def publish(
    tables: Mapping[str, pl.DataFrame],
    curated: Path,
    sources: Mapping[str, str],
    lineage: Mapping[str, Any],
    name: str = "newsetl-caracas-airlift",
    now: dt.datetime | None = None,
    extras: Callable[[Path, dict[str, Any]], None] | None = None,
) -> PublishResult:
    """Stage, audit, and atomically publish ``tables`` as a new version (or nothing if unchanged).

    ``extras(staging_dir, manifest)`` may write further files (card, plots, changelog) into the
    staging folder before it is moved into place, so they are published atomically with the data.
    """
    curated.mkdir(parents=True, exist_ok=True)
    failures = audit(tables)
    if failures:
        raise AuditError(failures)
    latest = read_latest(curated)
    previous = read_manifest(curated, latest) if latest else None
    fingerprints = {n: frame_fingerprint(tables[n]) for n in PUBLISHED_TABLES}
    signature = contracts_signature()
    version, reason = plan_version(previous, fingerprints, sources, signature)
    counts = {n: tables[n].height for n in PUBLISHED_TABLES}
    if version is None:
        assert latest is not None
        hashes = {r["name"]: r["hash"] for r in previous["resources"]} if previous else {}
        return PublishResult(latest, curated / latest, False, reason, counts, hashes)
    while (curated / version).exists():  # a folder left by a crashed build between rename and LATEST
        version = _bump(version, "patch")
    staging = curated / STAGING / uuid.uuid4().hex
    staging.mkdir(parents=True)
    try:
        resources = []
        hashes = {}
        for tname, contract in PUBLISHED_TABLES.items():
            path = staging / contract.filename
            tables[tname].write_parquet(path, statistics=True)
            digest = file_sha256(path)
            hashes[tname] = f"sha256:{digest}"
            resources.append(
                {
                    "name": tname,
                    "path": contract.filename,
                    "format": "parquet",
                    "mediatype": "application/vnd.apache.parquet",
                    "bytes": path.stat().st_size,
                    "hash": f"sha256:{digest}",
                    "description": contract.description,
                    "schema": frictionless_schema(contract),
                }
            )
        created = (now or dt.datetime.now(dt.UTC)).replace(microsecond=0).isoformat()
        manifest = {
            "$schema": "https://datapackage.org/profiles/2.0/datapackage.json",
            "name": name,
            "title": "News mentions of people, aircraft, quantities and places",
            "version": version,
            "created": created,
            "licenses": [
                {
                    "name": "CC-BY-4.0",
                    "path": "https://creativecommons.org/licenses/by/4.0/",
                    "title": "Extracted annotations; article texts remain the property of their publishers",
                }
            ],
            "resources": resources,
            "sources": [{"title": p, "path": p, "hash": f"sha256:{h}"} for p, h in sorted(sources.items())],
            "newsetl": {
                "parent_version": latest,
                "change": reason,
                "lineage": dict(lineage),
                "row_counts": counts,
                "fingerprints": fingerprints,
                "contracts": signature,
            },
        }
        (staging / DATAPACKAGE).write_text(json.dumps(manifest, indent=2, default=str) + "\n", encoding="utf-8")
        if extras is not None:
            extras(staging, manifest)
        for f in staging.rglob("*"):
            if not f.is_file():
                continue
            with f.open("rb") as fh:
                os.fsync(fh.fileno())
        _fsync_dir(staging)
        target = curated / version
        os.rename(staging, target)
        _fsync_dir(curated)
        _write_atomic(curated / LATEST, version + "\n")
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
    return PublishResult(version, curated / version, True, reason, counts, hashes)
