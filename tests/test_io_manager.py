"""The Parquet IO manager: one file per partition, every partition loaded for a corpus-wide asset, and a partition
that was never materialized fails the step instead of reading as empty."""

from pathlib import Path

import dagster as dg
import polars as pl
import pytest

from dagster_project.assets.partitions import ALL_SHARDS_TAGS, SHARD_COLUMN, raw_shards
from dagster_project.io_manager import MissingPartitionError, PolarsParquetIOManager
from dagster_project.resources import StorageRoots


@dg.asset(partitions_def=raw_shards)
def per_shard(context: dg.AssetExecutionContext) -> dict[str, pl.DataFrame]:
    return {k: pl.DataFrame({"shard": [k], "n": [int(k)]}) for k in context.partition_keys}


@dg.asset(ins={"per_shard": dg.AssetIn(metadata={"partition_column": SHARD_COLUMN})})
def corpus(per_shard: pl.DataFrame) -> pl.DataFrame:
    return per_shard.select(pl.len().alias("rows"), pl.col("n").sum(), (pl.col("shard") == pl.col(SHARD_COLUMN)).all())


@dg.asset(partitions_def=raw_shards)
def wrong_keys() -> dict[str, pl.DataFrame]:
    return {"00": pl.DataFrame({"n": [1]}), "01": pl.DataFrame({"n": [2]})}


def _io(tmp_path: Path) -> PolarsParquetIOManager:
    return PolarsParquetIOManager(roots=StorageRoots(dagster_home=str(tmp_path / "home")))


def test_each_partition_is_written_to_its_own_parquet(tmp_path: Path) -> None:
    io = _io(tmp_path)
    with dg.instance_for_test() as instance:
        assert dg.materialize([per_shard], partition_key="07", resources={"io_manager": io}, instance=instance).success
        tags = {"dagster/asset_partition_range_start": "10", "dagster/asset_partition_range_end": "12"}
        assert dg.materialize([per_shard], tags=tags, resources={"io_manager": io}, instance=instance).success
    folder = io.roots.storage_path / "per_shard"
    assert sorted(p.name for p in folder.iterdir()) == ["07.parquet", "10.parquet", "11.parquet", "12.parquet"]
    assert pl.read_parquet(folder / "11.parquet").to_dicts() == [{"shard": "11", "n": 11}]


def test_a_corpus_wide_asset_reads_every_partition(tmp_path: Path) -> None:
    io = _io(tmp_path)
    with dg.instance_for_test() as instance:
        result = dg.materialize([per_shard, corpus], tags=ALL_SHARDS_TAGS, resources={"io_manager": io},
                                instance=instance)
    assert result.success
    out = pl.read_parquet(io.roots.storage_path / "corpus.parquet")
    assert out.row(0) == (64, sum(range(64)), True)  # each row tagged with the partition it was read from


def test_a_partition_never_materialized_fails_loudly(tmp_path: Path) -> None:
    io = _io(tmp_path)
    with dg.instance_for_test() as instance:
        assert dg.materialize([per_shard], partition_key="03", resources={"io_manager": io}, instance=instance).success
        result = dg.materialize([per_shard, corpus], selection=[corpus], resources={"io_manager": io},
                                instance=instance, raise_on_error=False)
    assert not result.success
    (failure,) = [e for e in result.all_events if e.event_type_value == "STEP_FAILURE"]
    assert "partition(s) 00, 01, 02, 04," in str(failure.step_failure_data.error)  # 03 exists, the others do not
    assert not (io.roots.storage_path / "corpus.parquet").exists()
    with pytest.raises(MissingPartitionError, match=r"per_shard: partition\(s\) 00, 01 never materialized"):
        io.load_partitions(dg.AssetKey("per_shard"), ["00", "01", "03"])
    assert io.load_partitions(dg.AssetKey("per_shard"), ["03"])["n"].to_list() == [3]


def test_a_partitioned_asset_must_return_exactly_its_run_s_partitions(tmp_path: Path) -> None:
    with dg.instance_for_test() as instance:
        result = dg.materialize([wrong_keys], partition_key="00", resources={"io_manager": _io(tmp_path)},
                                instance=instance, raise_on_error=False)
    assert not result.success
    assert not (tmp_path / "home").exists() or not any((tmp_path / "home").rglob("*.parquet"))


@pytest.mark.parametrize(("columns", "partition_column"), [(None, None), (["n"], None), (None, "shard_key"),
                                                           (["label", "n"], "shard_key")])
@pytest.mark.parametrize("widened", [False, True], ids=["same-types", "a-shard-with-narrower-ints"])
def test_load_partitions_reads_in_key_order_with_the_asked_columns(
        tmp_path: Path, columns: list[str] | None, partition_column: str | None, widened: bool) -> None:
    io = _io(tmp_path)
    key = dg.AssetKey("per_shard")
    frames = {"02": pl.DataFrame({"n": [20, 21], "label": ["b", None]}),
              "00": pl.DataFrame({"n": [1], "label": ["a"]}),
              "05": pl.DataFrame({"n": [], "label": []}, schema={"n": pl.Int64(), "label": pl.String()})}
    if widened:  # e.g. written by an older build: read one by one and concatenated with the wider type
        frames["00"] = frames["00"].cast({"n": pl.Int32()})
    for shard, frame in frames.items():
        path = io.roots.storage_path / "per_shard" / f"{shard}.parquet"
        path.parent.mkdir(parents=True, exist_ok=True)
        frame.write_parquet(path)
    got = io.load_partitions(key, ["00", "02", "05"], columns, partition_column)
    want = pl.DataFrame({"n": [1, 20, 21], "label": ["a", "b", None], "shard_key": ["00", "02", "02"]})
    want = want.select(*(columns or ["n", "label"]), *([partition_column] if partition_column else []))
    assert got.equals(want) and got.schema == want.schema, got  # n widened to Int64


@pytest.mark.parametrize(("columns", "rows", "want_n"), [
    (["n"], {"label": ["b"]}, [20]),  # filtered on a column that is not read
    (None, {"label": ["a", "b"]}, [1, 20]),  # a null is in no list
    (["n", "label"], {"label": ["a"], "n": [1, 21]}, [1]),  # every named column must match
    (["n"], {"label": ["zzz"]}, []),
])
@pytest.mark.parametrize("widened", [False, True], ids=["same-types", "a-shard-with-narrower-ints"])
def test_load_partitions_reads_only_the_asked_rows(
        tmp_path: Path, columns: list[str] | None, rows: dict, want_n: list[int], widened: bool) -> None:
    io = _io(tmp_path)
    frames = {"00": pl.DataFrame({"n": [1], "label": ["a"]}), "02": pl.DataFrame({"n": [20, 21], "label": ["b", None]})}
    if widened:
        frames["00"] = frames["00"].cast({"n": pl.Int32()})
    for shard, frame in frames.items():
        path = io.roots.storage_path / "per_shard" / f"{shard}.parquet"
        path.parent.mkdir(parents=True, exist_ok=True)
        frame.write_parquet(path)
    got = io.load_partitions(dg.AssetKey("per_shard"), ["00", "02"], columns, "shard_key", rows)
    assert got["n"].to_list() == want_n
    assert got.columns == [*(columns or ["n", "label"]), "shard_key"]
    assert got.schema["n"] == pl.Int64()
