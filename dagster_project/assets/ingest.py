"""Ingest layer: every file under the raw root, read but never modified."""


import dagster as dg
import polars as pl

from contracts import RawArticles
from dagster_project.assets._tables import contract_check, table_metadata
from dagster_project.core.frames import records_to_frame
from dagster_project.core.ingest import scan_raw
from dagster_project.core.storage import local_raw
from dagster_project.resources import StorageRoots


@dg.asset(
    group_name="ingest",
    description="One row per file under the raw root: relative path, sha256, bytes, decoded and normalized "
    "text (CRLF, BOM, zero-width characters and non-breaking spaces normalized; 'normalization' maps offsets "
    "back to the decoded file), and the quarantine reason when the file was refused.",
)
def raw_articles(context: dg.AssetExecutionContext, roots: StorageRoots) -> dg.Output[pl.DataFrame]:
    with local_raw(roots.raw_root) as root:  # a temporary local copy when the raw root is an fsspec URL
        files = scan_raw(root, roots.max_file_bytes)
    df = records_to_frame(files, RawArticles)
    refused = df.filter(pl.col("quarantine_reason").is_not_null()).height
    by_reason = dict(df.drop_nulls("quarantine_reason").group_by("quarantine_reason").len().sort("quarantine_reason").iter_rows())
    context.log.info(f"read {df.height} raw file(s) from {roots.raw_root}; {refused} refused")
    return dg.Output(df, metadata={**table_metadata(df, RawArticles, ["source_file", "bytes", "quarantine_reason"]),
                                   "refused": refused, "refused_by_reason": dg.MetadataValue.json(by_reason),
                                   "normalized": df.filter(pl.col("normalization").is_not_null()).height,
                                   "max_file_bytes": roots.max_file_bytes, "raw_root": str(roots.raw_root)})


raw_articles_contract = contract_check("raw_articles", RawArticles)
