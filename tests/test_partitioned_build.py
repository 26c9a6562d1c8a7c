"""Partitioned per-article layers: runs over single shards, then the corpus-wide assets, publish what one run over
every shard publishes; a copy of a file in another shard is quarantined once and published nowhere."""

from __future__ import annotations

import shutil
from pathlib import Path

import dagster as dg
import polars as pl
import pytest

from contracts import PUBLISHED_TABLES
from dagster_project.assets import extract, ingest, parse, publish
from dagster_project.assets.partitions import ALL_SHARDS_TAGS
from dagster_project.automation import corpus_wide_keys, partitioned_keys, plan_refresh, refresh_run
from dagster_project.ingest.shards import shard_of
from dagster_project.io_manager import PolarsParquetIOManager
from dagster_project.resources import NlpModel, StorageRoots
from tests.conftest import SEEDS

ASSETS = [*dg.load_assets_from_modules([ingest, parse, extract, publish]),
          *dg.load_asset_checks_from_modules([ingest, parse, extract, publish])]
PER_SHARD = dg.AssetSelection.assets(*partitioned_keys())
CORPUS_WIDE = dg.AssetSelection.all() - PER_SHARD
SEED_FILES = sorted(p.name for p in SEEDS.iterdir() if p.is_file())


class Build:
    """One raw root, Dagster home and curated root, materialized run by run."""

    def __init__(self, tmp: Path, name: str, instance: dg.DagsterInstance) -> None:
        self.raw, self.curated = tmp / f"raw-{name}", tmp / f"curated-{name}"
        self.raw.mkdir()
        roots = StorageRoots(raw_dir=str(self.raw), curated_dir=str(self.curated), dagster_home=str(tmp / f"home-{name}"))
        self.resources = {"roots": roots, "nlp": NlpModel(), "io_manager": PolarsParquetIOManager(roots=roots)}
        self.instance = instance

    def put(self, names: list[str], as_name: str | None = None) -> None:
        for name in names:
            shutil.copyfile(SEEDS / name, self.raw / (as_name or name))

    def run(self, selection: dg.AssetSelection | None = None, **kwargs: object) -> dg.ExecuteInProcessResult:
        result = dg.materialize(ASSETS, selection=selection, resources=self.resources, instance=self.instance,
                                **kwargs)  # type: ignore[arg-type]
        assert result.success
        return result

    def everything(self) -> None:
        self.run(tags=ALL_SHARDS_TAGS)

    def shard(self, key: str) -> None:
        self.run(PER_SHARD, partition_key=key)

    def published(self) -> dict[str, pl.DataFrame]:
        version = self.curated / (self.curated / "LATEST").read_text().strip()
        return {name: pl.read_parquet(version / f"{name}.parquet") for name in PUBLISHED_TABLES}


def _assert_same(got: dict[str, pl.DataFrame], want: dict[str, pl.DataFrame], skip: tuple[str, ...] = ()) -> None:
    for name, df in want.items():
        if name not in skip:
            assert got[name].equals(df), f"{name} differs"


@pytest.mark.integration
def test_two_single_shard_runs_then_the_corpus_wide_assets_publish_the_cold_tables(tmp_path: Path) -> None:
    late = [SEED_FILES[3], SEED_FILES[4]]
    shards = sorted({shard_of(n) for n in late})
    assert len(shards) == 2  # two files of two different shards arrive late
    with dg.instance_for_test() as instance:
        cold = Build(tmp_path, "cold", instance)
        cold.put(SEED_FILES)
        cold.everything()
        part = Build(tmp_path, "part", instance)
        part.put([n for n in SEED_FILES if n not in late])
        part.everything()
        assert part.published()["articles"].height < cold.published()["articles"].height
        part.put(late)
        for key in shards:  # one run per shard, each reading, parsing and extracting only its own files
            part.shard(key)
            raw = pl.read_parquet(part.resources["io_manager"].roots.storage_path / "raw_articles" / f"{key}.parquet")
            assert set(raw["source_file"]) == {n for n in SEED_FILES if shard_of(n) == key}
        part.run(CORPUS_WIDE)
        _assert_same(part.published(), cold.published())
        # The partitions are recorded per shard in the instance, as Dagster's UI and backfills see them, each with
        # its own row count.
        materialized = instance.get_materialized_partitions(dg.AssetKey("mention_candidates"))
        assert set(shards) <= materialized and len(materialized) == 64
        for key in shards:
            [record] = instance.fetch_materializations(
                dg.AssetRecordsFilter(asset_key=dg.AssetKey("raw_articles"), asset_partitions=[key]), limit=1).records
            rows = record.asset_materialization.metadata["dagster/row_count"].value  # type: ignore[union-attr]
            assert rows == sum(shard_of(n) == key for n in SEED_FILES)


def _partitions_written(result: dg.ExecuteInProcessResult) -> set[str]:
    return {e.partition for e in result.get_asset_materialization_events()
            if e.asset_key in partitioned_keys() and e.partition is not None}


@pytest.mark.integration
def test_a_refresh_runs_only_the_stale_shards_and_publishes_the_cold_tables(tmp_path: Path) -> None:
    late = SEED_FILES[-1]
    with dg.instance_for_test() as instance, dg.instance_for_test() as cold_instance:
        inc = Build(tmp_path, "inc", instance)
        roots, model = inc.resources["roots"], inc.resources["nlp"].model
        inc.put([n for n in SEED_FILES if n != late])
        first = plan_refresh(instance, roots, model)
        assert len(first) == 64 and set(first.values()) == {"never built"}
        inc.run(tags=refresh_run(first)[0])
        assert plan_refresh(instance, roots, model) == {}

        # One new file: its shard alone is stale, and the refresh run writes that shard only.
        inc.put([late])
        stale = plan_refresh(instance, roots, model)
        assert stale == {shard_of(late): "raw files changed"}
        tags, selection = refresh_run(stale)
        assert selection is None and tags["dagster/asset_partition_range_start"] == shard_of(late)
        assert _partitions_written(inc.run(tags=tags)) == {shard_of(late)}
        assert plan_refresh(instance, roots, model) == {}
        cold = Build(tmp_path, "cold", cold_instance)
        cold.put(SEED_FILES)
        cold.everything()
        _assert_same(inc.published(), cold.published())

        # Nothing stale: the corpus-wide assets alone, reading every shard from storage; nothing changes.
        tags, selection = refresh_run({})
        assert tags == {} and selection == corpus_wide_keys()
        assert _partitions_written(inc.run(selection)) == set()
        _assert_same(inc.published(), cold.published())

        # A shard's output lost from storage, or new extraction code (another model), makes shards stale again.
        storage = roots.storage_path
        (storage / "segments" / f"{shard_of(late)}.parquet").unlink()
        assert plan_refresh(instance, roots, model) == {shard_of(late): "an output is missing from storage"}
        upgraded = plan_refresh(instance, roots, "another_model")
        assert len(upgraded) == 64 and "code changed (mention_candidates)" in upgraded.values()


@pytest.mark.integration
@pytest.mark.parametrize("copy_first", [False, True], ids=["copy-later-in-path-order", "copy-earlier-in-path-order"])
def test_a_copy_in_another_shard_is_quarantined_once_and_published_nowhere(tmp_path: Path, copy_first: bool) -> None:
    original = SEED_FILES[0]
    # A name in another shard, sorting after (or before) the original in path order.
    prefix = "000" if copy_first else "zz"
    copy = next(n for i in range(100) if shard_of(n := f"{prefix}-copy-{i}.txt") not in {shard_of(original)})
    assert (copy < original) == copy_first
    kept, refused = (copy, original) if copy_first else (original, copy)
    with dg.instance_for_test() as instance:
        plain = Build(tmp_path, "plain", instance)
        plain.put(SEED_FILES)
        plain.everything()
        whole = Build(tmp_path, "whole", instance)  # original and copy in one run over every shard
        whole.put(SEED_FILES)
        whole.put([original], as_name=copy)
        whole.everything()
        split = Build(tmp_path, "split", instance)  # the copy's shard run on its own, after the rest
        split.put(SEED_FILES)
        split.everything()
        split.put([original], as_name=copy)
        split.shard(shard_of(copy))
        split.run(CORPUS_WIDE)
        for build in (whole, split):
            tables = build.published()
            q = tables["quarantine"].filter(pl.col("source_file").is_in([copy, original]))
            assert q.select("source_file", "reason", "detail").rows() == [
                (refused, "duplicate", f"byte-identical to {kept}")]
            assert refused not in set(tables["articles"]["source_file"])
            assert kept in set(tables["articles"]["source_file"])
            # Nothing else changes: the article (same id, a hash of the content) and its mentions appear once.
            same = plain.published()
            if copy_first:
                same = {**same, "articles": same["articles"].with_columns(
                    pl.col("source_file").replace(original, copy))}
            _assert_same(tables, same, skip=("quarantine",))
            assert tables["quarantine"].height == same["quarantine"].height + 1
