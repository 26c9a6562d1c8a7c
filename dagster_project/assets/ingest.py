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
    description="One row per file under the raw root: relative path, sha256, bytes, decoded text, "
    "and the quarantine reason when the file was refused.",
)
def raw_articles(context: dg.AssetExecutionContext, roots: StorageRoots) -> dg.Output[pl.DataFrame]:
    with local_raw(roots.raw_root) as root:  # a temporary local copy when the raw root is an fsspec URL
        files = scan_raw(root, roots.max_file_bytes)
    df = records_to_frame(files, RawArticles, extra={"detail": pl.String()})
    refused = df.filter(pl.col("quarantine_reason").is_not_null()).height
    context.log.info(f"read {df.height} raw file(s) from {roots.raw_root}; {refused} refused")
    return dg.Output(df, metadata={**table_metadata(df, RawArticles, ["source_file", "bytes", "quarantine_reason"]),
                                   "refused": refused, "raw_root": str(roots.raw_root)})


raw_articles_contract = contract_check("raw_articles", RawArticles)
