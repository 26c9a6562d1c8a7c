"""Parse layer: raw files to articles with metadata and a clean body."""


import dagster as dg
import polars as pl

from contracts import Articles
from dagster_project.assets._tables import contract_check, table_metadata
from dagster_project.core.cache import KEY, ResultCache, content_key, parse_fingerprint
from dagster_project.core.frames import records_to_frame
from dagster_project.core.parse import parse_file
from dagster_project.resources import StorageRoots

# Columns kept beside the contract's: the published table carries them too.
ARTICLE_EXTRA = {"agency": pl.String(), "dateline": pl.String(), "offset_map": pl.String()}


@dg.asset(
    group_name="parse",
    description="One row per article (a raw file may hold several reports): metadata and the clean body.",
)
def articles(context: dg.AssetExecutionContext, raw_articles: pl.DataFrame, roots: StorageRoots) -> dg.Output[pl.DataFrame]:
    accepted = raw_articles.filter(pl.col("quarantine_reason").is_null())
    # Incremental: a file is parsed only when its name, content or the parser's code changed.
    schema = dict(records_to_frame([], Articles, extra=ARTICLE_EXTRA).schema)
    cache = ResultCache(roots.cache_path, "articles", parse_fingerprint(), schema)
    cache.prune_stale()
    keyed = ((content_key(r["source_file"], r["source_sha256"]), r) for r in accepted.iter_rows(named=True))
    stats = cache.fill(keyed, lambda missing: ((key, _parse_rows(rec)) for key, rec in missing))
    keys = [content_key(f, h) for f, h in accepted.select("source_file", "source_sha256").iter_rows()]
    df = cache.load(keys).drop(KEY).sort("source_file", "part")
    context.log.info(f"parsed {df.height} article(s) from {accepted.height} file(s); "
                     f"{stats.misses} file(s) parsed now, {stats.hits} from the cache")
    return dg.Output(df, metadata={**table_metadata(df, Articles, ["article_id", "title", "outlet", "published_date"]),
                                   "files_parsed": stats.misses, "files_cached": stats.hits})


def _parse_rows(rec: dict) -> list[dict]:
    rows = []
    for art in parse_file(rec["text"], rec["source_file"], rec["source_sha256"]):
        row = {k: getattr(art, k) for k in ("source_file", "source_sha256", "part", "title", "outlet",
                                             "agency", "author", "published_date", "dateline", "text")}
        row["article_id"] = art.article_id
        row["offset_map"] = art.offset_map.to_json()
        rows.append(row)
    return rows


articles_contract = contract_check("articles", Articles)
