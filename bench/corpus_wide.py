"""The corpus-wide steps alone on a synthetic corpus (default 100,000 articles): refresh time and peak memory.

No spaCy: the articles and their mention candidates are generated directly (bench/synthetic.py), then

1. ``prepare``: the state a previous build would have left (syndication index, resolution, claims) is built
   by the incremental steps in chunks of 10,000 articles (the same rows as one cold pass, tested, with a
   bounded memory), and the inputs are written as Parquet;
2. ``refresh`` (a fresh process, measured by bench/run.py): 10 new articles arrive; the process reads every
   input table and the states, runs syndication, resolution, claims and the contract validation of the
   tables they produce over the whole corpus, and writes the new states, as the assets do.

``python bench/corpus_wide.py prepare DIR N`` then ``python bench/corpus_wide.py refresh DIR NEW``; bench/run.py
runs both (``BENCH_SYNTHETIC_N``, ``BENCH_SYNTHETIC_NEW``).
"""

from __future__ import annotations

import json
import resource
import sys
import time
from pathlib import Path

import polars as pl

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.synthetic import synthetic_articles  # noqa: E402
from contracts import Entities, Mentions, SyndicatedParagraphs, Syndication  # noqa: E402
from contracts.claims import Claims, ClaimValues  # noqa: E402
from dagster_project.nlp.claims_incremental import (  # noqa: E402
    REPORT_SCHEMA,
    ClaimsState,
    claims_incremental,
    copied_sources,
)
from dagster_project.nlp.resolve_incremental import ResolutionState, resolve_incremental  # noqa: E402
from dagster_project.nlp.syndication_index import SyndicationState, update_syndication  # noqa: E402

CHUNK = 10_000


def step(articles: pl.DataFrame, candidates: pl.DataFrame, state_dir: Path, validate: bool) -> dict[str, float]:
    """One build's corpus-wide work over the whole corpus; returns seconds per part."""
    t: dict[str, float] = {}
    t0 = time.perf_counter()
    synd_state = SyndicationState.load(state_dir / "syndication")
    synd, paras, synd_state, s_stats = update_syndication(articles.select("article_id", "published_date", "text"),
                                                          synd_state)
    t["syndication_s"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    ents, ids, _, res_state, r_stats = resolve_incremental(candidates, ResolutionState.load(state_dir / "resolution"))
    ents = ents.with_columns(pl.lit(None, pl.String()).alias("manufacturer"), pl.lit(None, pl.String()).alias("model"))
    t["resolution_s"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    quantities = candidates.filter((pl.col("mention_type") == "quantity") & pl.col("value").is_not_null()
                                   & pl.col("quantified").is_not_null())
    reports = (quantities.join(copied_sources(quantities, paras), on="mention_id", how="left")
               .with_columns(pl.col("unit").fill_null("count")).select(list(REPORT_SCHEMA)))
    claims, values, claims_state, c_stats = claims_incremental(
        reports, articles.select("article_id", "outlet"),
        synd.filter(pl.col("is_copy")).select("article_id", "source_article_id"),
        ClaimsState.load(state_dir / "claims"))
    t["claims_s"] = time.perf_counter() - t0
    if validate:
        t0 = time.perf_counter()
        mentions = (candidates.join(ids, on="mention_id", how="left")
                    .with_columns(pl.lit("body").alias("segment_kind"))
                    .select("mention_id", "article_id", "mention_type", "surface", "start", "end", "entity_id",
                            "segment_kind", "raw_start", "raw_end"))
        for df, model in ((synd, Syndication), (paras, SyndicatedParagraphs), (ents, Entities), (mentions, Mentions),
                          (claims, Claims), (values, ClaimValues)):
            model.validate(df, lazy=True)
        t["validation_s"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    synd_state.save(state_dir / "syndication")
    res_state.save(state_dir / "resolution")
    claims_state.save(state_dir / "claims")
    t["save_state_s"] = time.perf_counter() - t0
    t |= {"articles_linked": s_stats.articles_linked, "paragraphs_sketched": s_stats.paragraphs_sketched,
          "entities_recomputed": r_stats.entities_recomputed, "claim_groups_recomputed": c_stats.groups_recomputed,
          "rows": {"mentions": candidates.height, "entities": ents.height, "syndicated_paragraphs": paras.height,
                   "claim_values": values.height}}
    return t


def prepare(folder: Path, n: int) -> None:
    """Inputs for ``n`` articles and the states a build over them leaves (built in chunks)."""
    articles, candidates = synthetic_articles(n, start=0)
    articles.write_parquet(folder / "articles.parquet")
    candidates.write_parquet(folder / "candidates.parquet")
    state = folder / "state"
    for hi in range(CHUNK, n + CHUNK, CHUNK):
        t0 = time.perf_counter()
        part = articles.head(hi)
        step(part, candidates.join(part.select("article_id"), on="article_id", how="semi"), state, validate=False)
        print(f"prepare: state for {min(hi, n):,} articles ({time.perf_counter() - t0:.0f} s)", flush=True)


def refresh(folder: Path, new: int) -> dict:
    t0 = time.perf_counter()
    articles = pl.read_parquet(folder / "articles.parquet")
    candidates = pl.read_parquet(folder / "candidates.parquet")
    more_articles, more_candidates = synthetic_articles(new, start=articles.height)
    articles = pl.concat([articles, more_articles])
    candidates = pl.concat([candidates, more_candidates]).sort("article_id", "start", "end", "mention_type")
    load_s = time.perf_counter() - t0
    parts = step(articles, candidates, folder / "state", validate=True)
    return {"articles": articles.height, "new": new, "load_inputs_s": load_s, **parts,
            "total_s": time.perf_counter() - t0, "max_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


if __name__ == "__main__":
    mode, where, count = sys.argv[1], Path(sys.argv[2]), int(sys.argv[3])
    if mode == "prepare":
        prepare(where, count)
    else:
        print(json.dumps(refresh(where, count)))
