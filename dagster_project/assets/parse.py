"""Parse layer: raw files to articles (metadata and clean body), typed segments, and syndication links."""


import dagster as dg
import polars as pl

from contracts import Articles, Segments, SyndicatedParagraphs, Syndication
from dagster_project.assets._tables import contract_check, table_metadata
from dagster_project.core.frames import records_to_frame
from dagster_project.core.parse import PARSER_VERSION, parse_file
from dagster_project.core.syndication import SYNDICATION_VERSION, ArticleRef, find_syndication

# Internal column beside the contract's: the clean-to-raw offset map (JSON), used by the extract
# layer for mentions' raw_start/raw_end and dropped when publishing.
ARTICLE_EXTRA = {"offset_map": pl.String()}
_ARTICLE_FIELDS = ("source_file", "source_sha256", "part", "title", "outlet", "agency", "author", "published_date",
                   "dateline", "language", "is_english", "raw_start", "raw_end", "text")


@dg.multi_asset(
    group_name="parse",
    outs={
        "articles": dg.AssetOut(
            description="One row per article (a raw file may hold several reports): metadata, language and the "
            "clean body, plus the internal offset_map column (clean -> raw offsets)."
        ),
        "segments": dg.AssetOut(
            description="One row per typed segment of an article (story paragraph, heading, caption, credit, "
            "embedded post, boilerplate, navigation, header line) with raw offsets and, for body kinds, offsets "
            "into articles.text."
        ),
    },
)
def parsed_articles(context: dg.AssetExecutionContext, raw_articles: pl.DataFrame):  # type: ignore[no-untyped-def]
    """Parse every accepted raw file once; both tables come from the same parse."""
    rows, seg_rows, failed = [], [], []
    accepted = raw_articles.filter(pl.col("quarantine_reason").is_null())
    for rec in accepted.iter_rows(named=True):
        try:
            parsed = parse_file(rec["text"], rec["source_file"], rec["source_sha256"])
        except Exception as exc:  # one odd file must not stop the build; it ends up in quarantine
            context.log.error(f"parse failed for {rec['source_file']}: {exc!r}")
            failed.append(rec["source_file"])
            continue
        for art in parsed:
            row = {k: getattr(art, k) for k in _ARTICLE_FIELDS}
            row["article_id"] = art.article_id
            row["offset_map"] = art.offset_map.to_json()
            rows.append(row)
            for s in art.segments:
                seg_rows.append({**s.__dict__, "article_id": art.article_id,
                                 "segment_id": f"{art.article_id}-{s.seq:04d}"})
    df = records_to_frame(rows, Articles, extra=ARTICLE_EXTRA)
    segs = records_to_frame(seg_rows, Segments)
    split = df.group_by("source_file").len().filter(pl.col("len") > 1).height
    context.log.info(f"parsed {df.height} article(s) from {accepted.height} file(s); {split} file(s) split")
    yield dg.Output(df, output_name="articles", metadata={
        **table_metadata(df, Articles, ["article_id", "title", "outlet", "published_date", "language"]),
        "parser_version": PARSER_VERSION,
        "split_files": split,
        "parse_failures": dg.MetadataValue.json(failed),
        "non_english": int(df.filter(pl.col("is_english").not_()).height),
    })
    yield dg.Output(segs, output_name="segments", metadata={
        **table_metadata(segs, Segments, ["article_id", "seq", "kind", "raw_start", "raw_end", "text"]),
        "by_kind": dg.MetadataValue.json(dict(segs.group_by("kind").len().sort("kind").iter_rows())),
    })


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
)
def syndication_links(articles: pl.DataFrame):  # type: ignore[no-untyped-def]
    """Paragraph-level near-duplicates across the whole corpus (MinHash LSH, verified exactly)."""
    refs = [ArticleRef(r["article_id"], r["published_date"], r["text"])
            for r in articles.select("article_id", "published_date", "text").iter_rows(named=True)]
    art_links, para_links = find_syndication(refs)
    synd = records_to_frame(art_links, Syndication).sort("article_id")
    paras = records_to_frame(para_links, SyndicatedParagraphs).sort("article_id", "paragraph_index")
    yield dg.Output(synd, output_name="syndication", metadata={
        **table_metadata(synd, Syndication, ["article_id", "source_article_id", "is_copy", "similarity", "coverage"]),
        "copies": int(synd["is_copy"].sum()),
        "syndication_version": SYNDICATION_VERSION,
    })
    yield dg.Output(paras, output_name="syndicated_paragraphs", metadata=table_metadata(
        paras, SyndicatedParagraphs, ["article_id", "paragraph_index", "source_article_id", "similarity"]))


articles_contract = contract_check("articles", Articles)
segments_contract = contract_check("segments", Segments)
syndication_contract = contract_check("syndication", Syndication)
syndicated_paragraphs_contract = contract_check("syndicated_paragraphs", SyndicatedParagraphs)
