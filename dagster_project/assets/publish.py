"""Publish layer: the quarantine table and the published, versioned dataset."""


import dagster as dg
import polars as pl

import dagster_project
from contracts import PUBLISHED_TABLES, Quarantine
from dagster_project.assets._tables import contract_check, table_metadata, version_metadata
from dagster_project.core.card import version_docs_extra
from dagster_project.core.extract import EXTRACTOR_VERSION
from dagster_project.core.ingest import NO_ARTICLE_TEXT
from dagster_project.core.lineage import git_commit
from dagster_project.core.parse import PARSER_VERSION
from dagster_project.core.publish import publish
from dagster_project.resources import PROJECT_ROOT, NlpModel, StorageRoots


@dg.asset(
    group_name="publish",
    description="One row per raw file that produced no article, with a reason code and a human-readable detail.",
)
def quarantine(raw_articles: pl.DataFrame, articles: pl.DataFrame) -> dg.Output[pl.DataFrame]:
    refused = raw_articles.filter(pl.col("quarantine_reason").is_not_null()).select(
        "source_file", pl.col("quarantine_reason").alias("reason"), "detail", "source_sha256"
    )
    empty = (
        raw_articles.filter(pl.col("quarantine_reason").is_null())
        .join(articles.select("source_file").unique(), on="source_file", how="anti")
        .select(
            "source_file",
            pl.lit(NO_ARTICLE_TEXT).alias("reason"),
            pl.lit("no article text left after markup and boilerplate removal").alias("detail"),
            "source_sha256",
        )
    )
    df = pl.concat([refused, empty]).sort("source_file")
    return dg.Output(df, metadata=table_metadata(df, Quarantine))


# Further files written into each version before it is published: callables ``(staging_dir, manifest)``.
# The dataset card (README.md), plots/, CITATION.cff and copies of the evaluation reports it cites.
EXTRAS = [version_docs_extra(PROJECT_ROOT / "evaluation", PROJECT_ROOT / "dagster_project")]


@dg.asset(
    group_name="publish",
    description="The published dataset version in the curated root: one folder per version, LATEST naming the newest. "
    "Runs only when every blocking contract check upstream has passed.",
)
def published_version(
    context: dg.AssetExecutionContext,
    roots: StorageRoots,
    nlp: NlpModel,
    raw_articles: pl.DataFrame,
    articles: pl.DataFrame,
    mentions: pl.DataFrame,
    entities: pl.DataFrame,
    quantities: pl.DataFrame,
    quarantine: pl.DataFrame,
    segments: pl.DataFrame,
    syndication: pl.DataFrame,
    syndicated_paragraphs: pl.DataFrame,
) -> dg.MaterializeResult:
    tables = {
        "articles": articles.drop("offset_map"),
        "mentions": mentions,
        "entities": entities,
        "quantities": quantities,
        "quarantine": quarantine,
        "segments": segments,
        "syndication": syndication,
        "syndicated_paragraphs": syndicated_paragraphs,
    }
    sources = {
        r["source_file"]: r["source_sha256"]
        for r in raw_articles.filter(pl.col("source_sha256").is_not_null()).iter_rows(named=True)
    }
    model = nlp.load()
    lineage = {
        "code_version": dagster_project.__version__,
        "git_commit": git_commit(PROJECT_ROOT),
        "parser_version": PARSER_VERSION,
        "extractor_version": EXTRACTOR_VERSION,
        "spacy_model": model.meta.get("name"),
        "spacy_model_version": model.meta.get("version"),
        "dagster_run_id": context.run.run_id,
    }
    result = publish(tables, roots.curated_path, sources, lineage,
                     extras=lambda staging, manifest: [extra(staging, manifest) for extra in EXTRAS])
    context.log.info(
        f"{'published' if result.published else 'kept'} version {result.version}: {result.reason}"
    )
    return dg.MaterializeResult(
        metadata={
            "version": result.version,
            # The summary, card and plots first: what a reader opens.
            **version_metadata(result.path, result.row_counts),
            "published": result.published,
            "reason": result.reason,
            "path": dg.MetadataValue.path(str(result.path)),
            "row_counts": dg.MetadataValue.json(result.row_counts),
            "hashes": dg.MetadataValue.json(result.hashes),
            **{f"rows/{k}": v for k, v in result.row_counts.items()},
        }
    )


quarantine_contract = contract_check("quarantine", Quarantine)

_ = PUBLISHED_TABLES
