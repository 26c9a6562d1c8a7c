"""Load a published version, checking its bytes against the manifest first.

    from dagster_project.dataset import load, versions, latest, verify
    mentions = load("mentions", version="1.2.0")               # polars, hash-checked
    articles = load("articles", backend="pandas")              # LATEST
    traced = load("mentions", with_lineage=True)               # + raw file sha256, extractor, run

Command line::

    python -m dagster_project.dataset verify [--version V | --all] [--root DIR]
    python -m dagster_project.dataset versions [--root DIR]

The curated root defaults to ``$NEWSETL_CURATED_DIR`` or ``curated/`` in the repository.
Dependencies are kept to polars (and pandas when asked for): no Dagster import.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any, Literal

import polars as pl

from dagster_project.publish.version import (
    DATAPACKAGE,
    file_sha256,
    list_versions,
    read_latest,
    read_manifest,
    verify_version,
)

__all__ = ["IntegrityError", "curated_root", "latest", "load", "manifest", "verify", "versions"]

_PROJECT_ROOT = Path(__file__).resolve().parent.parent


class IntegrityError(Exception):
    """A published file does not match the hash its manifest records."""


def curated_root(root: str | os.PathLike[str] | None = None) -> Path:
    if root is not None:
        return Path(root).expanduser().resolve()
    return Path(os.environ.get("NEWSETL_CURATED_DIR") or _PROJECT_ROOT / "curated").expanduser().resolve()


def versions(root: str | os.PathLike[str] | None = None) -> list[str]:
    """Every published version in the curated root, oldest first."""
    return list_versions(curated_root(root))


def latest(root: str | os.PathLike[str] | None = None) -> str:
    """The version ``LATEST`` names."""
    name = read_latest(curated_root(root))
    if name is None:
        raise FileNotFoundError(f"no published version in {curated_root(root)} (LATEST missing or dangling)")
    return name


def manifest(version: str | None = None, root: str | os.PathLike[str] | None = None) -> dict[str, Any]:
    """The parsed ``datapackage.json`` of ``version`` (default LATEST)."""
    base = curated_root(root)
    return read_manifest(base, version or latest(root))


def verify(version: str | None = None, root: str | os.PathLike[str] | None = None) -> list[str]:
    """Re-hash every file of ``version`` (default LATEST) against its manifest; the problems found."""
    base = curated_root(root)
    v = version or latest(root)
    if not (base / v / DATAPACKAGE).is_file():
        return [f"version {v} not found in {base}"]
    return verify_version(base / v)


def _resource(m: dict[str, Any], table: str) -> dict[str, Any]:
    for r in m["resources"]:
        if r["name"] == table:
            return dict(r)
    raise KeyError(f"no table {table!r} in version {m['version']}; tables: {[r['name'] for r in m['resources']]}")


def _read_checked(folder: Path, res: dict[str, Any]) -> pl.DataFrame:
    path = folder / res["path"]
    actual = "sha256:" + file_sha256(path)
    if actual != res["hash"]:
        raise IntegrityError(f"{path}: sha256 {actual} does not match the manifest's {res['hash']}")
    return pl.read_parquet(path)


def load(
    table: str,
    version: str | None = None,
    root: str | os.PathLike[str] | None = None,
    backend: Literal["polars", "pandas"] = "polars",
    with_lineage: bool = False,
) -> Any:
    """One table of a published version (default LATEST) after checking its sha256.

    ``with_lineage=True`` adds, to every row, the raw file it came from (``source_file``,
    ``source_sha256``, joined through ``article_id`` or ``mention_id``), and the version's
    ``dataset_version``, ``extractor_version``, ``parser_version`` and ``dagster_run_id``.
    """
    base = curated_root(root)
    v = version or latest(root)
    m = read_manifest(base, v)
    df = _read_checked(base / v, _resource(m, table))
    if with_lineage:
        df = _add_lineage(df, base / v, m)
    if backend == "pandas":
        return df.to_pandas()
    if backend != "polars":
        raise ValueError(f"backend must be 'polars' or 'pandas', not {backend!r}")
    return df


def _add_lineage(df: pl.DataFrame, folder: Path, m: dict[str, Any]) -> pl.DataFrame:
    if "source_sha256" not in df.columns:
        arts = _read_checked(folder, _resource(m, "articles")).select("article_id", "source_file", "source_sha256")
        if "article_id" in df.columns:
            df = df.join(arts, on="article_id", how="left")
        elif "mention_id" in df.columns:
            ments = _read_checked(folder, _resource(m, "mentions")).select("mention_id", "article_id")
            df = df.join(ments.join(arts, on="article_id", how="left").drop("article_id"), on="mention_id", how="left")
    lin = m.get("newsetl", {}).get("lineage", {})
    return df.with_columns(
        pl.lit(m["version"]).alias("dataset_version"),
        pl.lit(lin.get("extractor_version"), dtype=pl.String).alias("extractor_version"),
        pl.lit(lin.get("parser_version"), dtype=pl.String).alias("parser_version"),
        pl.lit(lin.get("dagster_run_id"), dtype=pl.String).alias("dagster_run_id"),
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m dagster_project.dataset", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    pv = sub.add_parser("verify", help="re-check a version's file hashes against its datapackage.json")
    group = pv.add_mutually_exclusive_group()
    group.add_argument("--version", help="version to check (default: LATEST)")
    group.add_argument("--all", action="store_true", help="check every published version")
    pv.add_argument("--root", help="curated root (default: $NEWSETL_CURATED_DIR or curated/)")
    pl_ = sub.add_parser("versions", help="list published versions")
    pl_.add_argument("--root")
    args = parser.parse_args(argv)
    base = curated_root(args.root)
    if args.command == "versions":
        current = read_latest(base)
        for v in list_versions(base):
            m = read_manifest(base, v)
            mark = " (LATEST)" if v == current else ""
            print(f"{v}{mark}\t{m.get('created')}\t{m.get('newsetl', {}).get('change', '')}")
        return 0
    try:
        targets = list_versions(base) if args.all else [args.version or latest(base)]
    except FileNotFoundError as exc:
        print(f"verify: {exc}", file=sys.stderr)
        return 2
    bad = 0
    for v in targets:
        problems = verify(v, base)
        if problems:
            bad += 1
            print(f"{v}: FAILED", file=sys.stderr)
            for p in problems:
                print(f"  {p}", file=sys.stderr)
        else:
            files = len(json.loads((base / v / DATAPACKAGE).read_text(encoding="utf-8"))["resources"])
            print(f"{v}: OK ({files} tables and every listed file match their sha256)")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
