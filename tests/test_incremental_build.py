"""The same corpus built cold and built incrementally, in several orders of arrival, publishes the same tables.

The corpus-wide steps (syndication, resolution, claims) keep state between builds (runtime/state.py); each
incremental build starts from the state its predecessor left, with files added and, in one order, a file
removed and put back. Only the published tables are compared (versions and lineage differ by design).
"""

from __future__ import annotations

import random
import shutil
from pathlib import Path

import dagster as dg
import polars as pl
import pytest

from bench.corpus import write_corpus
from contracts import PUBLISHED_TABLES
from dagster_project.assets import extract, ingest, parse, publish
from dagster_project.assets.partitions import ALL_SHARDS_TAGS
from dagster_project.io_manager import PolarsParquetIOManager
from dagster_project.resources import NlpModel, StorageRoots
from tests.conftest import SEEDS

ASSETS = [*dg.load_assets_from_modules([ingest, parse, extract, publish]),
          *dg.load_asset_checks_from_modules([ingest, parse, extract, publish])]


def _corpus(tmp: Path) -> dict[str, bytes]:
    """The seed articles and synthetic ones recombined from their paragraphs (so copies and shared claims)."""
    files = {p.name: p.read_bytes() for p in sorted(SEEDS.iterdir()) if p.is_file()}
    for p in write_corpus(SEEDS, tmp / "synthetic", 9, seed=7):
        files[f"synthetic-{p.name}"] = p.read_bytes()
    return files


def _build(raw: Path, home: Path, curated: Path, instance: dg.DagsterInstance) -> dict[str, pl.DataFrame]:
    roots = StorageRoots(raw_dir=str(raw), curated_dir=str(curated), dagster_home=str(home))
    resources = {"roots": roots, "nlp": NlpModel(), "io_manager": PolarsParquetIOManager(roots=roots)}
    result = dg.materialize(ASSETS, resources=resources, instance=instance, tags=ALL_SHARDS_TAGS)
    assert result.success
    version = curated / (curated / "LATEST").read_text().strip()
    return {name: pl.read_parquet(version / f"{name}.parquet") for name in PUBLISHED_TABLES}


def _put(raw: Path, files: dict[str, bytes], names: list[str]) -> None:
    raw.mkdir(exist_ok=True)
    for name in names:
        (raw / name).write_bytes(files[name])


@pytest.mark.integration
def test_cold_and_incremental_builds_publish_identical_tables(tmp_path: Path) -> None:
    files = _corpus(tmp_path)
    names = sorted(files)
    with dg.instance_for_test() as instance:
        _put(tmp_path / "raw-cold", files, names)
        cold = _build(tmp_path / "raw-cold", tmp_path / "home-cold", tmp_path / "curated-cold", instance)
        assert cold["syndication"]["is_copy"].sum() > 0 and cold["claims"].height > 0
        assert cold["entities"].filter(pl.col("entity_type") == "person").height > 0
        for n, batches in enumerate(([5, 10, len(names)], [8, len(names)])):
            order = names[:]
            random.Random(n).shuffle(order)
            raw, home, curated = tmp_path / f"raw-{n}", tmp_path / f"home-{n}", tmp_path / f"curated-{n}"
            lo = 0
            for i, hi in enumerate(batches):
                _put(raw, files, order[lo:hi])
                if n == 0 and i == 1:  # a file leaves the corpus for one build, then comes back
                    (raw / order[0]).unlink()
                if n == 0 and i == 2:
                    _put(raw, files, [order[0]])
                tables = _build(raw, home, curated, instance)
                lo = hi
            for name, df in cold.items():
                assert tables[name].equals(df), f"{name} differs after arrival order {n}"
            shutil.rmtree(home)  # keep tmp small: the homes hold every intermediate table
