"""Parse layer: raw files to articles (metadata and clean body), typed segments, and syndication links."""

import dataclasses
import json
from importlib.metadata import version
from pathlib import Path

import dagster as dg
import polars as pl

from contracts import Articles, Quarantine, Segments, SyndicatedParagraphs, Syndication
from dagster_project.assets._tables import CONTRACT_FAILED, checked, contract_spec, split_failing_rows, table_metadata
from dagster_project.assets.partitions import (
    SHARD_COLUMN,
    all_shards,
    per_shard_metadata,
    raw_shards,
    shard_backfill_policy,
    without_copies,
)
from dagster_project.ingest.html import Refusal, parse_page
from dagster_project.ingest.raw import UNDECODABLE
from dagster_project.ingest.shards import shard_column, split_by_shard
from dagster_project.ingest.sources import DUPLICATE_COLUMNS, HTML, PARSED_FORMATS, WARC_RECORD, duplicates_of
from dagster_project.ingest.warc import read_record_page
from dagster_project.nlp.parse import PARSER_VERSION, ParsedArticle, parse_file
from dagster_project.nlp.syndication import SYNDICATION_VERSION
from dagster_project.nlp.syndication_index import SyndicationState, update_syndication
from dagster_project.publish.schema import polars_schema
from dagster_project.resources import StorageRoots
from dagster_project.runtime.cache import KEY, ResultCache, content_key, parse_fingerprint
from dagster_project.runtime.shard_plan import CODE_KEY, PARSE_MODULES
from dagster_project.runtime.state import state_folder
from dagster_project.runtime.storage import local_raw

# Internal column beside the contract's: the clean-to-raw offset map (JSON), used by the extract
# layer for mentions' raw_start/raw_end and dropped when publishing.
ARTICLE_EXTRA = {"offset_map": pl.String()}
# Cached with each article: its segments as JSON, so one cache entry holds everything parsing produced.
_SEGMENTS = "segments_json"
_ARTICLE_FIELDS = ("source_file", "source_sha256", "part", "title", "outlet", "agency", "author", "published_date",
                   "dateline", "language", "is_english", "raw_start", "raw_end", "text", "url", "source_format",
                   "raw_offsets_note")
# Cached in place of articles for a page that gives none: {"reason", "detail"} as JSON (ingest/html.py Refusal).
_REFUSAL = "refusal_json"


def _article_row(art) -> dict:  # type: ignore[no-untyped-def]
    row = {k: getattr(art, k) for k in _ARTICLE_FIELDS}
    row["article_id"] = art.article_id
    row["offset_map"] = art.offset_map.to_json()
    row[_SEGMENTS] = json.dumps([{**s.__dict__, "article_id": art.article_id,
                                  "segment_id": f"{art.article_id}-{s.seq:04d}"} for s in art.segments])
    return row


def parse_source(rec: dict, root: Path, max_page_bytes: int) -> list[ParsedArticle] | Refusal:
    """The articles of one accepted raw row, by its format: text file, HTML page, or a WARC record read back."""
    fmt = rec.get("source_format")
    if fmt == WARC_RECORD:
        archive = rec["source_file"].split("#", 1)[0]
        page = read_record_page(root / archive, rec["record_offset"], max_page_bytes)
        if page is None:
            return Refusal(UNDECODABLE, "no character encoding decodes the record's payload as text")
        return parse_page(page[0], rec["source_file"], rec["source_sha256"], rec.get("url"))
    if fmt == HTML:
        return parse_page(rec["text"], rec["source_file"], rec["source_sha256"])
    return parse_file(rec["text"], rec["source_file"], rec["source_sha256"])


@dg.multi_asset(
    group_name="parse",
    outs={
        "articles": dg.AssetOut(
            description="One row per article (a raw file may hold several reports): metadata, language and the "
            "clean body, plus the internal offset_map column (clean -> raw offsets). Partitioned by raw shard."
        ),
        "segments": dg.AssetOut(
            description="One row per typed segment of an article (story paragraph, heading, caption, credit, "
            "embedded post, boilerplate, navigation, header line) with raw offsets and, for body kinds, offsets "
            "into articles.text. Partitioned by raw shard."
        ),
        "parse_refusals": dg.AssetOut(
            description="One row per accepted raw file (or WARC record) that gives no article for a stated reason "
            "(a web page whose main text is over the limit, or that has none); published through quarantine. "
            "Partitioned by raw shard."
        ),
    },
    check_specs=[contract_spec("articles", Articles), contract_spec("segments", Segments)],
    partitions_def=raw_shards,
    backfill_policy=shard_backfill_policy,
)
def parsed_articles(context: dg.AssetExecutionContext, raw_articles: pl.DataFrame, roots: StorageRoots):  # type: ignore[no-untyped-def]
    """Parse every accepted raw file of the run's shards once; the tables come from the same parse."""
    shards = sorted(context.partition_keys)
    failed: list[str] = []
    # A copy of a file in another shard of this run is not parsed (an article id is a hash of the content, so it
    # would be there twice); a copy in a shard of another run is left to the corpus-wide duplicate_files.
    copies = duplicates_of(raw_articles.select(DUPLICATE_COLUMNS).iter_rows(named=True))
    accepted = raw_articles.filter(pl.col("quarantine_reason").is_null()
                                   & pl.col("source_format").is_in(PARSED_FORMATS)
                                   & ~pl.col("source_file").is_in(list(copies)))
    # Incremental: a file is parsed only when its name, content or the parser's code changed (runtime/cache.py).
    # One cache per shard: runs of other shards, running at the same time, never write or compact it.
    schema = {**polars_schema(Articles), **ARTICLE_EXTRA, _SEGMENTS: pl.String(), _REFUSAL: pl.String()}
    fingerprint = parse_fingerprint(PARSE_MODULES)

    def compute(missing, root: Path):  # type: ignore[no-untyped-def]
        for key, rec in missing:
            try:
                parsed = parse_source(rec, root, roots.max_page_bytes)
            except Exception as exc:  # one odd file must not stop the build; it ends up in quarantine
                context.log.error(f"parse failed for {rec['source_file']}: {exc!r}")
                failed.append(rec["source_file"])
                continue  # not cached: tried again on the next build
            if isinstance(parsed, Refusal):
                yield key, [{"source_file": rec["source_file"], "source_sha256": rec["source_sha256"], "part": 0,
                             _REFUSAL: json.dumps({"reason": parsed.reason, "detail": parsed.detail})}]
                continue
            yield key, [_article_row(art) for art in parsed]

    accepted = accepted.with_columns(shard_column("source_file").alias("_shard"))
    seg_type = pl.List(pl.Struct(polars_schema(Segments)))
    keys = [content_key(f, h) for f, h in accepted.select("source_file", "source_sha256").iter_rows()]
    hits = misses = 0
    loaded_parts = []
    with local_raw(roots.raw_root) as root:  # WARC records are read back from their archive
        for shard in shards:
            mine = accepted.filter(pl.col("_shard") == shard)
            shard_keys = [content_key(f, h) for f, h in mine.select("source_file", "source_sha256").iter_rows()]
            cache = ResultCache(roots.cache_path, f"articles/{shard}", fingerprint, schema)
            cache.prune_stale()
            stats = cache.fill(zip(shard_keys, mine.drop("_shard").iter_rows(named=True), strict=True),
                               lambda missing: compute(missing, root))
            hits, misses = hits + stats.hits, misses + stats.misses
            # Segments decoded shard by shard, by polars, not json.loads (no Python object per segment): decoding
            # the whole corpus at once took ~0.5 GB of scratch memory at 10,000 files, one shard ~10 MB.
            loaded_parts.append(cache.load(shard_keys).with_columns(pl.col(_SEGMENTS).str.json_decode(seg_type)))
    order = pl.DataFrame({KEY: keys, "_order": range(len(keys))}, schema={KEY: pl.String(), "_order": pl.Int64()})
    loaded = pl.concat(loaded_parts).join(order, on=KEY).sort("_order", "part")
    refusal_type = pl.Struct({"reason": pl.String(), "detail": pl.String()})
    refusals = (loaded.filter(pl.col(_REFUSAL).is_not_null())
                .select("source_file", pl.col(_REFUSAL).str.json_decode(refusal_type).alias("r"), "source_sha256")
                .unnest("r").select("source_file", "reason", "detail", "source_sha256"))
    cached = loaded.filter(pl.col(_REFUSAL).is_null()).drop(_REFUSAL)
    segs = cached.select(_SEGMENTS).explode(_SEGMENTS).filter(pl.col(_SEGMENTS).is_not_null()).unnest(_SEGMENTS)
    df = cached.drop(KEY, "_order", _SEGMENTS)
    # One article's bad rows quarantine that article (reason contract_failed, the failed checks in detail)
    # instead of blocking the version; what is left is still checked, blocking, below.
    df, bad_articles = split_failing_rows(df, Articles)
    segs, bad_segments = split_failing_rows(segs, Segments)
    if bad_articles or bad_segments:
        bad = {k: f"articles: {v}" for k, v in bad_articles.items()}
        for k, v in bad_segments.items():
            bad[k] = f"{bad[k]}; segments: {v}" if k in bad else f"segments: {v}"
        dropped = cached.filter(pl.col("article_id").is_in(list(bad))).select(
            "source_file", "source_sha256", "article_id")
        refusals = pl.concat([refusals, dropped.select(
            "source_file", pl.lit(CONTRACT_FAILED).alias("reason"),
            pl.concat_str(pl.lit("contract failed: "), pl.col("article_id").replace_strict(bad, return_dtype=pl.String()))
            .alias("detail"),
            "source_sha256")])
        df = df.filter(~pl.col("article_id").is_in(list(bad)))
        segs = segs.filter(~pl.col("article_id").is_in(list(bad)))
        context.log.warning(f"{len(bad)} article(s) quarantined for contract failures: {bad}")
    split = df.group_by("source_file").len().filter(pl.col("len") > 1).height
    context.log.info(f"parsed {df.height} article(s) from {accepted.height} file(s); {split} file(s) split")
    articles = split_by_shard(df, shards, shard_column("source_file"))
    yield from checked("articles", df, Articles, output_name="articles", value=articles,
                       metadata=per_shard_metadata(context, "articles", articles, {
        **table_metadata(df, Articles, ["article_id", "title", "outlet", "published_date", "language"]),
        "parser_version": PARSER_VERSION,
        "split_files": split,
        "parse_failures": dg.MetadataValue.json(failed),
        "non_english": int(df.filter(pl.col("is_english").not_()).height),
        "files_parsed": misses, "files_cached": hits, "copies_in_other_shards_of_the_run": len(copies),
    }, {shard: {CODE_KEY: fingerprint} for shard in shards}))
    article_shard = df.select("article_id", shard_column("source_file").alias("_shard"))
    segments = split_by_shard(segs.join(article_shard, on="article_id", how="left"), shards, pl.col("_shard"))
    yield from checked("segments", segs, Segments, output_name="segments", value=segments,
                       metadata=per_shard_metadata(context, "segments", segments, {
        **table_metadata(segs, Segments, ["article_id", "seq", "kind", "raw_start", "raw_end", "text"]),
        "by_kind": dg.MetadataValue.json(dict(segs.group_by("kind").len().sort("kind").iter_rows())),
    }))
    refused = split_by_shard(refusals, shards, shard_column("source_file"))
    yield dg.Output(refused, output_name="parse_refusals", metadata=per_shard_metadata(
        context, "parse_refusals", refused, table_metadata(refusals, Quarantine, ["source_file", "reason", "detail"])))


@dg.multi_asset(
    group_name="parse",
    outs={
        "duplicate_files": dg.AssetOut(
            description="One row per raw file (or WARC record) refused as a duplicate across the whole corpus: a "
            "byte-identical copy, or a page whose URL was seen earlier, of the first real file in path order "
            "(named in detail). Ingest refuses copies within a shard; this adds copies of a file in another shard."
        ),
        "duplicate_articles": dg.AssetOut(
            description="The articles (shard and article id) parsed from a file whose original is in another "
            "shard: every corpus-wide table leaves them out, so no article or mention is published twice."
        ),
    },
    ins={"raw_articles": dg.AssetIn(metadata={"columns": list(DUPLICATE_COLUMNS)}),
         "articles": all_shards(["article_id", "source_file"])},
)
def corpus_duplicates(context: dg.AssetExecutionContext, raw_articles: pl.DataFrame, articles: pl.DataFrame):  # type: ignore[no-untyped-def]
    """The duplicate rule of ingest (ingest/sources.refuse_duplicates) over the rows of every shard at once."""
    dups = duplicates_of(raw_articles.iter_rows(named=True))
    files = pl.DataFrame({"source_file": list(dups), "detail": list(dups.values())},
                         schema={"source_file": pl.String(), "detail": pl.String()})
    files = (files.join(raw_articles.select("source_file", "source_sha256"), on="source_file", how="left")
             .select("source_file", "source_sha256", "detail").sort("source_file"))
    copies = (articles.join(files.select("source_file"), on="source_file", how="semi")
              .select(SHARD_COLUMN, "article_id", "source_file").sort(SHARD_COLUMN, "article_id"))
    context.log.info(f"{files.height} duplicate file(s) in the corpus; {copies.height} article(s) parsed from a copy "
                     "whose original is in another shard left out")
    yield dg.Output(files, output_name="duplicate_files",
                    metadata=table_metadata(files, None, ["source_file", "detail"]))
    yield dg.Output(copies, output_name="duplicate_articles",
                    metadata=table_metadata(copies, None, [SHARD_COLUMN, "article_id", "source_file"]))


@dg.multi_asset(
    group_name="parse",
    outs={
        "syndication": dg.AssetOut(
            description="One row per article: the earliest article it copies or rewrites (itself for an original), "
            "with similarity, coverage and the number of shared paragraphs."
        ),
        "syndicated_paragraphs": dg.AssetOut(
            description="One row per paragraph with a near-duplicate in an earlier article, linked to the earliest "
            "article carrying it and the matching paragraph."
        ),
    },
    check_specs=[contract_spec("syndication", Syndication),
                 contract_spec("syndicated_paragraphs", SyndicatedParagraphs)],
    ins={"articles": all_shards(["article_id", "published_date", "text"]), "duplicate_articles": dg.AssetIn()},
)
def syndication_links(context: dg.AssetExecutionContext, articles: pl.DataFrame, duplicate_articles: pl.DataFrame,  # type: ignore[no-untyped-def]
                      roots: StorageRoots):
    """Paragraph-level near-duplicates across the whole corpus (MinHash LSH, verified exactly).

    Incremental (nlp/syndication_index.py): the paragraph index of the previous build is kept in the cache, so
    only new or changed articles are shingled and sketched, and only the articles they can affect linked again.
    """
    folder = state_folder(roots.cache_path, "syndication-index", ["dagster_project.nlp.syndication_index"],
                          [SYNDICATION_VERSION, f"datasketch=={version('datasketch')}"])
    state = SyndicationState.load(folder)
    articles = without_copies(articles, duplicate_articles)
    synd, paras, new_state, stats = update_syndication(articles.select("article_id", "published_date", "text"), state)
    new_state.save(folder)
    context.log.info(f"syndication: {stats.articles_changed} article(s) new or changed, {stats.articles_removed} "
                     f"removed, {stats.paragraphs_sketched} paragraph(s) sketched, {stats.articles_linked} linked")
    yield from checked("syndication", synd, Syndication, output_name="syndication", metadata={
        **table_metadata(synd, Syndication, ["article_id", "source_article_id", "is_copy", "similarity", "coverage"]),
        "copies": int(synd["is_copy"].sum()),
        "syndication_version": SYNDICATION_VERSION,
        "incremental": dg.MetadataValue.json(dataclasses.asdict(stats)),
    })
    yield from checked("syndicated_paragraphs", paras, SyndicatedParagraphs, output_name="syndicated_paragraphs",
                       metadata=table_metadata(paras, SyndicatedParagraphs,
                                               ["article_id", "paragraph_index", "source_article_id", "similarity"]))
