"""Ingest layer: every file under the raw root, read but never modified, one shard at a time."""

import json
from collections.abc import Iterator

import dagster as dg
import polars as pl

from contracts import RawArticles
from dagster_project.assets._tables import checked, contract_spec, table_metadata
from dagster_project.assets.partitions import per_shard_metadata, raw_shards, shard_backfill_policy
from dagster_project.ingest.guard import raw_root_problem
from dagster_project.ingest.shards import shard_column, split_by_shard
from dagster_project.ingest.sources import SYMLINK, scan_sources
from dagster_project.publish.frames import records_to_frame
from dagster_project.resources import StorageRoots
from dagster_project.runtime.shard_plan import CODE_KEY, RAW_DIGEST_KEY, ingest_fingerprint, shard_listing_digests
from dagster_project.runtime.storage import list_raw, local_raw


@dg.asset(
    group_name="ingest",
    description="One row per file under the raw root (and per HTML record of a WARC archive): relative path, "
    "sha256, bytes, decoded and normalized text (CRLF, BOM, zero-width characters and non-breaking spaces "
    "normalized; 'normalization' maps offsets back to the decoded file), its format (text, html, warc, "
    "warc_record), and the quarantine reason when the file was refused. Partitioned by raw shard (a hash of the "
    "file's path, ingest/shards.py); duplicates are refused within a shard here and across shards by "
    "duplicate_files.",
    check_specs=[contract_spec("raw_articles", RawArticles)],
    partitions_def=raw_shards,
    backfill_policy=shard_backfill_policy,
)
def raw_articles(context: dg.AssetExecutionContext, roots: StorageRoots) -> Iterator[dg.Output | dg.AssetCheckResult]:
    """Scan the run's shards of the raw root (ingest/sources.py): refused files stay as rows with a reason."""
    shards = sorted(context.partition_keys)
    # The listing of the run's shards, taken before their files are read: a file rewritten while it is read then
    # leaves a digest that no longer matches, so the next refresh builds its shard again (runtime/shard_plan.py).
    digests = (shard_listing_digests(list_raw(roots.raw_root), str(roots.raw_root))
               if roots.raw_root.is_dir() else {})
    code = ingest_fingerprint(roots.max_file_bytes, roots.max_page_bytes)
    with local_raw(roots.raw_root) as root:  # a temporary local copy when the raw root is an fsspec URL
        # A missing, unlistable or empty raw root is a user's mistake, not a corpus of zero articles: the run fails
        # here, so nothing downstream runs and nothing is published (LATEST stays).
        problem = raw_root_problem(root)
        if problem is not None:
            raise dg.Failure(description=problem.replace(str(root), str(roots.raw_root)))
        files = scan_sources(root, roots.max_file_bytes, roots.max_page_bytes, shards=set(shards))
    df = records_to_frame(files, RawArticles, {SYMLINK: pl.Boolean()})
    refused = df.filter(pl.col("quarantine_reason").is_not_null()).height
    by_reason = dict(df.drop_nulls("quarantine_reason").group_by("quarantine_reason").len().sort("quarantine_reason").iter_rows())
    context.log.info(f"read {df.height} raw file(s) of {len(shards)} shard(s) from {roots.raw_root}; {refused} refused")
    frames = split_by_shard(df, shards, shard_column("source_file"))
    yield from checked("raw_articles", df, RawArticles, per_shard_metadata(context, "raw_articles", frames, {
        **table_metadata(df, RawArticles, ["source_file", "bytes", "quarantine_reason"]),
        "shards": len(shards),
        "refused": refused, "refused_by_reason": dg.MetadataValue.json(by_reason),
        "normalized": df.filter(pl.col("normalization").is_not_null()).height,
        "by_format": dg.MetadataValue.json(dict(df.drop_nulls("source_format").group_by("source_format").len()
                                                .sort("source_format").iter_rows())),
        "warc_records": dg.MetadataValue.json(warc_record_counts(df)),
        "max_file_bytes": roots.max_file_bytes, "max_page_bytes": roots.max_page_bytes,
        "raw_root": str(roots.raw_root)},
        {shard: {RAW_DIGEST_KEY: digests.get(shard, ""), CODE_KEY: code} for shard in shards}), value=frames)


def warc_record_counts(df: pl.DataFrame) -> dict[str, int]:
    """Records of every WARC archive by kind, summed (HTML pages and the other records, which are not errors)."""
    total: dict[str, int] = {}
    for counts in df.get_column("warc_records").drop_nulls():
        for kind, n in json.loads(counts).items():
            total[kind] = total.get(kind, 0) + n
    return dict(sorted(total.items()))
