"""Parse layer: raw files to articles with metadata and a clean body."""


import dagster as dg
import polars as pl

from contracts import Articles
from dagster_project.assets._tables import contract_check, table_metadata
from dagster_project.core.frames import records_to_frame
from dagster_project.core.parse import parse_file

# Columns kept beside the contract's: the published table carries them too.
ARTICLE_EXTRA = {"agency": pl.String(), "dateline": pl.String(), "offset_map": pl.String()}


@dg.asset(
    group_name="parse",
    description="One row per article (a raw file may hold several reports): metadata and the clean body.",
)
def articles(context: dg.AssetExecutionContext, raw_articles: pl.DataFrame) -> dg.Output[pl.DataFrame]:
    rows = []
    accepted = raw_articles.filter(pl.col("quarantine_reason").is_null())
    for rec in accepted.iter_rows(named=True):
        for art in parse_file(rec["text"], rec["source_file"], rec["source_sha256"]):
            row = {k: getattr(art, k) for k in ("source_file", "source_sha256", "part", "title", "outlet",
                                                 "agency", "author", "published_date", "dateline", "text")}
            row["article_id"] = art.article_id
            row["offset_map"] = art.offset_map.to_json()
            rows.append(row)
    df = records_to_frame(rows, Articles, extra=ARTICLE_EXTRA)
    context.log.info(f"parsed {df.height} article(s) from {accepted.height} file(s)")
    return dg.Output(df, metadata=table_metadata(df, Articles, ["article_id", "title", "outlet", "published_date"]))


articles_contract = contract_check("articles", Articles)
