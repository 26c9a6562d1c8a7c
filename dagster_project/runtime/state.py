"""State kept between builds by the incremental corpus-wide steps: a folder of Parquet tables, never pickle.

A state folder is written whole or not at all: the tables go to a temporary sibling folder that is then renamed
into place, so a build killed half-way leaves the previous state (or none), never a mix. A state that is missing,
unreadable or lacks a table is reported as ``None``: the step then runs cold, which is always correct, only slower.

The steps that keep state (nlp/resolve_incremental.py, nlp/syndication_index.py, nlp/claims_incremental.py)
never trust it blindly: every reused result is keyed by a signature of the inputs it was computed from, so a
state left by another corpus, an older build or a failed run can only make a build slower, never different.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Mapping, Sequence
from pathlib import Path

import polars as pl


def save_tables(folder: Path, tables: Mapping[str, pl.DataFrame]) -> None:
    """Write ``tables`` as ``<name>.parquet`` into ``folder``, replacing what was there in one rename."""
    folder = Path(folder)
    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = folder.with_name(f".{folder.name}.tmp-{uuid.uuid4().hex[:8]}")
    tmp.mkdir()
    try:
        for name, df in tables.items():
            df.write_parquet(tmp / f"{name}.parquet")
        old = folder.with_name(f".{folder.name}.old-{uuid.uuid4().hex[:8]}")
        if folder.exists():
            os.replace(folder, old)
        os.replace(tmp, folder)
        shutil.rmtree(old, ignore_errors=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def load_tables(folder: Path, names: Sequence[str]) -> dict[str, pl.DataFrame] | None:
    """The tables ``names`` of a state folder, or None when any of them is missing or unreadable."""
    out = {}
    for name in names:
        path = Path(folder) / f"{name}.parquet"
        try:
            out[name] = pl.read_parquet(path)
        except (OSError, pl.exceptions.PolarsError):
            return None
    return out


def load_typed(folder: Path, schemas: Mapping[str, Mapping[str, pl.DataType]]) -> dict[str, pl.DataFrame] | None:
    """The tables of a state folder with exactly the columns and types of ``schemas``, or None when one is missing,
    unreadable or of another layout (a state written by other code starts the step cold)."""
    tables = load_tables(folder, list(schemas))
    if tables is None:
        return None
    try:
        return {name: tables[name].select(list(schema)).cast(pl.Schema(schema)) for name, schema in schemas.items()}
    except pl.exceptions.PolarsError:
        return None


def state_folder(cache_root: Path, namespace: str, modules: Sequence[str], salts: Sequence[str] = ()) -> Path:
    """The state folder of a step: ``<cache>/<namespace>/<fingerprint of the step's code>``; the folders of other
    fingerprints (states written by code that no longer exists) are deleted."""
    from importlib.metadata import version

    from dagster_project.runtime.cache import code_fingerprint

    # The polars version too: states hold polars hashes, which a new polars may compute differently.
    fingerprint = code_fingerprint(modules, "dagster_project", salts=[*salts, f"polars=={version('polars')}"])
    base = Path(cache_root) / namespace
    if base.is_dir():
        for child in base.iterdir():
            if child.name != fingerprint:
                shutil.rmtree(child, ignore_errors=True)
    return base / fingerprint
