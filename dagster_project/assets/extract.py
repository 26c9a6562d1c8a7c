"""Extract layer: mentions from the clean bodies, then canonical entities and quantities."""

import dataclasses
import itertools
import time
from collections.abc import Iterator

import dagster as dg
import polars as pl

from contracts import Entities, Mentions, Quantities
from contracts.claims import Claims, ClaimValues
from contracts.reference import AircraftFamilies
from dagster_project.assets._tables import checked, contract_spec, table_metadata
from dagster_project.assets.partitions import (
    all_shards,
    per_shard_metadata,
    raw_shards,
    shard_backfill_policy,
    without_copies,
)
from dagster_project.ingest.shards import shard_column
from dagster_project.nlp.claims_incremental import REPORT_SCHEMA, ClaimsState, claims_incremental, copied_sources
from dagster_project.nlp.extract import EXTRACTOR_VERSION
from dagster_project.nlp.extract.aircraft import aircraft_entities, aircraft_family_records
from dagster_project.nlp.extract.candidates import Item, extract_items
from dagster_project.nlp.resolve_incremental import ResolutionState, resolve_incremental
from dagster_project.nlp.spans import with_segment_kind
from dagster_project.publish.frames import records_to_frame
from dagster_project.resources import NlpModel, StorageRoots
from dagster_project.runtime.cache import KEY, ResultCache, content_key, extract_fingerprint
from dagster_project.runtime.progress import default_every, progress_message
from dagster_project.runtime.shard_plan import CODE_KEY
from dagster_project.runtime.state import state_folder

CANDIDATE_SCHEMA = {
    "mention_id": pl.String(), "article_id": pl.String(), "mention_type": pl.String(), "surface": pl.String(),
    "start": pl.Int64(), "end": pl.Int64(), "raw_start": pl.Int64(), "raw_end": pl.Int64(), "label": pl.String(),
    "family": pl.String(), "value": pl.Float64(), "unit": pl.String(), "unit_surface": pl.String(),
    "quantified": pl.String(), "qualifier": pl.String(),
    # People and places (see Mention): in-article canonical name, stated role, gazetteer resolution.
    "canonical": pl.String(), "role": pl.String(), "place_type": pl.String(), "country_code": pl.String(),
    "latitude": pl.Float64(), "longitude": pl.Float64(), "gazetteer": pl.String(), "gazetteer_id": pl.String(),
    "gazetteer_name": pl.String(),
}
# What each corpus-wide reader of mention_candidates reads of it: resolution not the quantities' fields, the
# quantity tables only the quantity rows (a seventh of the rows at 10,000 bench articles).
_QUANTITY_FIELDS = ("value", "unit", "unit_surface", "quantified", "qualifier")
RESOLUTION_COLUMNS = [c for c in CANDIDATE_SCHEMA if c not in _QUANTITY_FIELDS]
QUANTITY_COLUMNS = ["mention_id", "article_id", "mention_type", "start", "end", *_QUANTITY_FIELDS]
QUANTITY_ROWS = {"mention_type": ["quantity"]}


@dg.asset(
    group_name="extract",
    description="One row per extracted mention before entity resolution, with quantity details and raw offsets. "
    "Partitioned by raw shard (the shard of the article's raw file).",
    partitions_def=raw_shards,
    backfill_policy=shard_backfill_policy,
    ins={"articles": dg.AssetIn(metadata={"columns": ["article_id", "source_file", "text", "offset_map"]})},
)
def mention_candidates(
    context: dg.AssetExecutionContext, articles: pl.DataFrame, nlp: NlpModel, roots: StorageRoots
) -> dg.Output[dict[str, pl.DataFrame]]:
    """spaCy and the extractors over the articles of the run's shards (nlp/extract/candidates.py), in this process:
    Dagster's runs over groups of shards are what spreads the corpus over processes or pods."""
    shards = sorted(context.partition_keys)
    # Incremental: an article goes through spaCy only when its text or the extraction code/model changed. One cache
    # per shard, so runs of other shards running at the same time never write or compact it.
    fingerprint = extract_fingerprint(nlp.model)
    articles = articles.with_columns(shard_column("source_file").alias("_shard"))
    caches = {s: ResultCache(roots.cache_path, f"mention_candidates/{s}", fingerprint, CANDIDATE_SCHEMA) for s in shards}
    keys: dict[str, list[str]] = {s: [] for s in shards}
    for aid, text, shard in articles.select("article_id", "text", "_shard").iter_rows():
        keys[shard].append(content_key(aid, text))
    n_missing = 0
    for shard, cache in caches.items():
        cache.prune_stale()
        n_missing += len(set(keys[shard]) - cache.cached_keys())

    def items(shard: str) -> Iterator[tuple[str, Item]]:
        # One shard's articles as Python objects at a time, made as the cache asks for them: all of them at once
        # were ~90 MB at 10,000 articles, held until the step ended.
        rows = articles.filter(pl.col("_shard") == shard).select("article_id", "text", "offset_map").iter_rows()
        for key, (aid, text, omap) in zip(keys[shard], rows, strict=True):
            yield key, (key, aid, text, omap)
    done, every, started = 0, default_every(n_missing), time.monotonic()

    def compute(missing):  # type: ignore[no-untyped-def]
        nonlocal done
        missing = iter(missing)
        first = next(missing, None)
        if first is None:  # nothing new in this shard: the model is not even loaded
            return
        items = (item for _, item in itertools.chain([first], missing))
        for result in extract_items(load(), items, nlp.batch_size):
            done += 1
            if done % every == 0 or done == n_missing:  # counted on finished articles, not queued ones
                context.log.info(progress_message("extract", done, n_missing, time.monotonic() - started))
            yield result

    def load():  # type: ignore[no-untyped-def]
        # Here, not at the top: places imports spaCy, which this process otherwise never needs.
        from dagster_project.nlp.extract.places import use_gazetteer_cache

        use_gazetteer_cache(roots.cache_path)  # content-addressed file, replaced atomically: safe across runs
        return nlp.load()

    hits = misses = 0
    # Each shard's frame is its output partition as loaded; the whole run's is their concatenation (chunks, not a
    # copy). Splitting one concatenated frame by shard again cost ~0.4 GB of scratch memory at 10,000 articles.
    by_shard: dict[str, pl.DataFrame] = {}
    for shard, cache in caches.items():
        stats = cache.fill(items(shard), compute)
        hits, misses = hits + stats.hits, misses + stats.misses
        by_shard[shard] = cache.load(keys[shard]).drop(KEY).sort("article_id", "start", "end", "mention_type")
    if misses:
        _release_gazetteer()
    df = pl.concat(by_shard.values())
    context.log.info(f"extracted {df.height} mention(s) from {articles.height} article(s) of {len(shards)} "
                     f"shard(s); {misses} article(s) through spaCy now, {hits} from the cache")
    return dg.Output(by_shard, metadata=per_shard_metadata(context, "mention_candidates", by_shard, {
        **table_metadata(df, None, ["mention_type", "surface", "start", "end", "quantified"], (Mentions, Quantities)),
        "extractor_version": EXTRACTOR_VERSION,
        "articles_extracted": misses, "articles_cached": hits,
        "by_type": dg.MetadataValue.json(dict(df.group_by("mention_type").len().iter_rows())),
    }, {shard: {CODE_KEY: fingerprint} for shard in shards}))


@dg.multi_asset(
    group_name="extract",
    outs={
        "mentions": dg.AssetOut(description="One row per mention: type, span offsets into articles.text, kind of the segment it is in, raw offsets, canonical entity."),
        "entities": dg.AssetOut(description=(
            "One row per canonical entity (person, aircraft, place): people with their stated role, places with "
            "type, country code, coordinates and gazetteer id.")),
    },
    check_specs=[contract_spec("mentions", Mentions), contract_spec("entities", Entities)],
    # Not the quantities' columns, nor the segments' texts.
    ins={"mention_candidates": all_shards(RESOLUTION_COLUMNS),
         "segments": all_shards(["article_id", "start", "end", "kind"]), "duplicate_articles": dg.AssetIn()},
)
def resolved_mentions(  # type: ignore[no-untyped-def]
    context: dg.AssetExecutionContext, mention_candidates: pl.DataFrame, segments: pl.DataFrame,
    duplicate_articles: pl.DataFrame, roots: StorageRoots,
):
    """Resolve candidates into canonical entities and attach each mention's entity_id and segment_kind."""
    mention_candidates = without_copies(mention_candidates, duplicate_articles)
    segments = without_copies(segments, duplicate_articles)
    # People and places through nlp.resolve (in-article full names, rapidfuzz aliases, gazetteer ids), each
    # distinct mention once, updated from the previous build's state (nlp/resolve_incremental.py); aircraft
    # against the reference table (family, or an unresolved designator).
    folder = state_folder(roots.cache_path, "resolution", ["dagster_project.nlp.resolve_incremental"])
    entities, ids, stats, state, inc = resolve_incremental(mention_candidates, ResolutionState.load(folder))
    state.save(folder)
    context.log.info(f"resolution: {inc.entities_recomputed} entit(ies) recomputed, {inc.entities_reused} reused, "
                     f"{inc.names_tested} new full name(s) tested")
    # Aircraft: each distinct (family, surface) once, in first-occurrence order (an entity's name and maker come
    # from its first mention), then back to every mention by a join.
    air = mention_candidates.filter(pl.col("mention_type") == "aircraft").select("mention_id", "family", "surface")
    forms = air.select("family", "surface").unique(maintain_order=True).with_row_index("_form")
    aircraft, form_map = aircraft_entities((str(i), f, s) for i, f, s in forms.iter_rows())
    forms = forms.with_columns(pl.Series("entity_id", [form_map[str(i)] for i in forms["_form"]], dtype=pl.String()))
    air_ids = air.join(forms, on=["family", "surface"], how="left", nulls_equal=True).select(ids.columns)
    ids = pl.concat([ids, air_ids])
    planes = records_to_frame(aircraft, Entities)
    both = pl.concat([entities, planes], how="diagonal_relaxed").select(planes.columns).cast(planes.schema)
    ents = _with_mention_counts(both, ids).sort("entity_id")
    # The published columns picked before the joins, which then gather 8 columns instead of 24.
    picked = mention_candidates.select("mention_id", "article_id", "mention_type", "surface", "start", "end",
                                       "raw_start", "raw_end")
    mentions = with_segment_kind(picked.join(ids, on="mention_id", how="left"), segments).select(
        "mention_id", "article_id", "mention_type", "surface", "start", "end", "entity_id", "segment_kind",
        "raw_start", "raw_end",
    ).sort("article_id", "start", "end")
    yield from checked("mentions", mentions, Mentions, output_name="mentions",
                       metadata=table_metadata(mentions, Mentions, ["mention_type", "surface", "start", "end", "entity_id"]))
    yield from checked("entities", ents, Entities, output_name="entities",
                       metadata={**table_metadata(ents, Entities), "resolution": dg.MetadataValue.json(dataclasses.asdict(stats)),
                                 "incremental": dg.MetadataValue.json(dataclasses.asdict(inc))})


def _release_gazetteer() -> None:
    """Drop the gazetteer and name keys extraction loaded in this process (~170 MB; the next extraction reads them
    back from the cache folder in ~0.35 s). A build runs its corpus-wide steps in the process that extracted, and
    none of them reads the gazetteer: kept, it was a tenth of a 10,000-article refresh's peak."""
    from dagster_project.nlp.extract.places import gazetteer, norm

    gazetteer.cache_clear()
    norm.cache_clear()


def _with_mention_counts(ents: pl.DataFrame, ids: pl.DataFrame) -> pl.DataFrame:
    """Fill entities.mention_count from the (mention_id, entity_id) map, whichever resolver made the entity."""
    counts = ids.group_by("entity_id").len()
    return (ents.join(counts, on="entity_id", how="left")
            .with_columns(pl.col("len").cast(pl.Int64).alias("mention_count")).drop("len").sort("entity_id"))


@dg.asset(group_name="extract", description="One row per quantity mention: value, unit, counted object and hedge.",
          check_specs=[contract_spec("quantities", Quantities)],
          ins={"mention_candidates": all_shards(QUANTITY_COLUMNS, QUANTITY_ROWS), "duplicate_articles": dg.AssetIn()})
def quantities(mention_candidates: pl.DataFrame, duplicate_articles: pl.DataFrame) -> Iterator[dg.Output | dg.AssetCheckResult]:
    df = (
        without_copies(mention_candidates, duplicate_articles).filter(pl.col("mention_type") == "quantity")
        .select("mention_id", "value", pl.col("unit").fill_null("count"), "quantified", "qualifier", "unit_surface")
        .sort("mention_id")
    )
    yield from checked("quantities", df, Quantities, table_metadata(df, Quantities))


@dg.asset(
    group_name="extract",
    description="One row per aircraft family of the packaged reference table (data/aircraft.csv), "
    "with manufacturer, model, designators, names, variants and role.",
    check_specs=[contract_spec("aircraft_families", AircraftFamilies)],
)
def aircraft_families() -> Iterator[dg.Output | dg.AssetCheckResult]:
    df = records_to_frame(aircraft_family_records(), AircraftFamilies)
    yield from checked("aircraft_families", df, AircraftFamilies,
                       table_metadata(df, AircraftFamilies, ["family", "manufacturer", "model", "role"]))


@dg.multi_asset(
    group_name="extract",
    outs={
        "claims": dg.AssetOut(description="One row per cross-source claim: the same quantity about the same "
                              "subject reported by at least two independent articles, with min, max and agreement."),
        "claim_values": dg.AssetOut(description="One row per claim and reporting article: its value, hedge, "
                                    "outlet and whether it counts (syndicated copies do not)."),
    },
    check_specs=[contract_spec("claims", Claims), contract_spec("claim_values", ClaimValues)],
    ins={"articles": all_shards(["article_id", "outlet"]),  # not the texts
         "mention_candidates": all_shards(QUANTITY_COLUMNS, QUANTITY_ROWS), "syndication": dg.AssetIn(),
         "syndicated_paragraphs": dg.AssetIn(),
         "duplicate_articles": dg.AssetIn()},
)
def claim_tables(
    context: dg.AssetExecutionContext,
    articles: pl.DataFrame,
    mention_candidates: pl.DataFrame,
    syndication: pl.DataFrame,
    syndicated_paragraphs: pl.DataFrame,
    duplicate_articles: pl.DataFrame,
    roots: StorageRoots,
):  # type: ignore[no-untyped-def]
    """Group quantity mentions across articles into claims (nlp/claims.py).

    Syndicated copies count once: an article copying an earlier one (``syndication``) counts for its source, and
    so does a value stated in a paragraph copied from another article (``syndicated_paragraphs``). Only the
    (subject, unit) groups whose reports, outlets or sources changed are grouped again (nlp/claims_incremental.py).
    """
    articles = without_copies(articles, duplicate_articles)
    quantities = without_copies(mention_candidates, duplicate_articles).filter(
        (pl.col("mention_type") == "quantity") & pl.col("value").is_not_null() & pl.col("quantified").is_not_null()
    )
    copied = copied_sources(quantities, syndicated_paragraphs)
    reports = (quantities.join(copied, on="mention_id", how="left")
               .with_columns(pl.col("unit").fill_null("count")).select(list(REPORT_SCHEMA)))
    folder = state_folder(roots.cache_path, "claims", ["dagster_project.nlp.claims_incremental"])
    claims_df, values_df, state, stats = claims_incremental(
        reports, articles.select("article_id", "outlet"),
        syndication.filter(pl.col("is_copy")).select("article_id", "source_article_id"), ClaimsState.load(folder))
    state.save(folder)
    context.log.info(f"claims: {stats.groups_recomputed} of {stats.groups} (subject, unit) group(s) recomputed")
    yield from checked("claims", claims_df, Claims, output_name="claims", metadata=table_metadata(
        claims_df, Claims, ["subject", "unit", "value_min", "value_max", "n_articles", "agree"]))
    yield from checked("claim_values", values_df, ClaimValues, output_name="claim_values", metadata=table_metadata(
        values_df, ClaimValues, ["claim_id", "outlet", "value", "qualifier", "quantified"]))
