"""The partitions of the per-article layers: 64 static shards of the raw root (ingest/shards.py).

``raw_articles``, ``articles``/``segments``/``parse_refusals`` and ``mention_candidates`` are partitioned by
shard; every other asset is corpus-wide and reads all shards (Dagster's default mapping from a partitioned asset
to an unpartitioned one). A backfill of the 64 shards runs as 4 runs of 16 shards each (the backfill policy),
launched by the instance's run launcher and queued by its run coordinator; each run owns a disjoint set of raw
files, so runs may overlap in time.
"""

from collections.abc import Mapping
from typing import Any

import dagster as dg
import polars as pl

from dagster_project.ingest.shards import SHARD_KEYS

raw_shards = dg.StaticPartitionsDefinition(SHARD_KEYS)

# 16 shards per run: a 64-shard backfill is 4 runs, each loading the model once for a quarter of the corpus.
shard_backfill_policy = dg.BackfillPolicy.multi_run(max_partitions_per_run=16)

# Run tags that make one run cover every shard (Dagster's partition-range tags): what `make dataset`, the refresh
# sensor and the schedule launch. Shards whose files did not change are cache hits (runtime/cache.py).
ALL_SHARDS_TAGS: dict[str, str] = {
    "dagster/asset_partition_range_start": SHARD_KEYS[0],
    "dagster/asset_partition_range_end": SHARD_KEYS[-1],
}

# The column the IO manager adds to an input that asks for it (metadata {"partition_column": ...}): the shard
# each row was read from, so a corpus-wide step can drop the copy of an article parsed in another shard.
SHARD_COLUMN = "raw_shard"


def without_copies(df: pl.DataFrame, copies: pl.DataFrame) -> pl.DataFrame:
    """Rows of a per-article table read from every shard (with its ``raw_shard`` column), without those of the
    articles ``copies`` names (``duplicate_articles``: a copy of a file whose original is in another shard).

    By shard and article id, not article id alone: an article id is a hash of its file's content, so a
    byte-identical copy and its original give the same id, and only the copy's shard loses it.
    """
    if not copies.height:  # the usual case; the anti-join alone costs ~0.15 s per 600,000 rows
        return df.drop(SHARD_COLUMN)
    return df.join(copies.select(SHARD_COLUMN, "article_id"), on=[SHARD_COLUMN, "article_id"], how="anti"
                   ).drop(SHARD_COLUMN)


def all_shards(columns: list[str] | None = None, rows: Mapping[str, list[str]] | None = None) -> dg.AssetIn:
    """The input of a corpus-wide asset reading a per-article table from every shard, each row with its shard
    (``raw_shard``, for :func:`without_copies`); ``columns``: read only these; ``rows``: only the rows whose
    ``column`` holds one of the listed values, for each column named (io_manager.py)."""
    return dg.AssetIn(metadata={"partition_column": SHARD_COLUMN, **({"columns": columns} if columns else {}),
                                **({"rows": dict(rows)} if rows else {})})


def per_shard_metadata(context: dg.AssetExecutionContext, asset: str, frames: dict[str, pl.DataFrame],
                       metadata: dict, shard_metadata: Mapping[str, Mapping[str, Any]] | None = None) -> dict:
    """The run's metadata for a partitioned output, with each shard's own row count on its materialization, and
    ``shard_metadata[shard]`` when given (what the shard was built from: runtime/shard_plan.py reads it back).

    Dagster records one materialization per partition and attaches the output's metadata to each, so a row count of
    the whole run would be shown for every shard; the run's total stays, as ``rows_in_run``.
    """
    for shard, frame in frames.items():
        extra = dict((shard_metadata or {}).get(shard, {}))
        context.add_asset_metadata({"dagster/row_count": dg.MetadataValue.int(frame.height), **extra},
                                   asset_key=asset, partition_key=shard)
    rest = {k: v for k, v in metadata.items() if k != "dagster/row_count"}
    return {**rest, "rows_in_run": sum(f.height for f in frames.values())}
