"""The syndication index kept between builds: only new paragraphs are sketched and looked up.

:func:`nlp.syndication.find_syndication` shingles, sketches and indexes every paragraph of the corpus on each
build. This module keeps what that work produced as Parquet tables (runtime/state.py, never pickle):

* ``articles``: each article's id, date and a hash of its text (what a change is detected on);
* ``paragraphs``: every compared paragraph (article, index, offsets) with the id of its distinct shingle set
  (``did``, a 64-bit BLAKE2b hash of the sorted shingles: stable across builds);
* ``distinct``: per distinct paragraph, its MinHash LSH bucket keys: the 128 MinHash values (datasketch,
  same seed and permutations as find_syndication) cut into :data:`LSH_PARAMS` bands of 2 values, each band
  one 64-bit key (the values are 32-bit, so the key is the band itself, nothing hashed away). Two
  paragraphs are LSH candidates when any band key is equal, exactly what ``MinHashLSH.query`` returns
  (tested); looking them up is a join on each band column;
* ``neighbours``: every pair of distinct paragraphs that are candidates and pass the exact thresholds
  (scored on their shingle sets), both ways, each paragraph its own neighbour;
* ``article_links`` and ``paragraph_links``: the previous build's answer.

A build shingles only the new or changed articles, sketches only the distinct paragraphs not seen before,
scores only their candidate pairs (the old side's shingles recomputed from one carrier's text), then links
again only the articles a change can affect: the new and changed ones, and the later-ranked articles
carrying a near-duplicate of a paragraph of an added, changed or removed article (those are the only
articles whose candidate sources can change). Everything else keeps its previous rows. The linking is
:func:`nlp.syndication.link_articles`, the code find_syndication runs, so the rows are the ones a cold
find_syndication gives (tests/nlp/test_syndication_index.py, in random arrival orders with removals,
rewrites and back-dated articles).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from array import array
from collections import defaultdict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl

from contracts import SyndicatedParagraphs, Syndication
from dagster_project.nlp.syndication import (
    LSH_PARAMS,
    MAX_SOURCES,
    MIN_CONTAINMENT,
    MIN_JACCARD,
    Paragraph,
    _minhashes,
    _scores,
    link_articles,
    paragraphs,
    shingle,
)
from dagster_project.publish.frames import records_to_frame
from dagster_project.publish.schema import polars_schema
from dagster_project.runtime.state import load_typed, save_tables

BANDS, ROWS = LSH_PARAMS
BAND_COLUMNS = [f"band_{i:02d}" for i in range(BANDS)]
_ART_LINK_SCHEMA = polars_schema(Syndication)
_PARA_LINK_SCHEMA = polars_schema(SyndicatedParagraphs)
_SCHEMAS: dict[str, dict[str, pl.DataType]] = {
    "articles": {"article_id": pl.String(), "published_date": pl.Date(), "text_hash": pl.UInt64()},
    "paragraphs": {"article_id": pl.String(), "index": pl.Int64(), "start": pl.Int64(), "end": pl.Int64(),
                   "did": pl.UInt64()},
    "distinct": {"did": pl.UInt64(), **dict.fromkeys(BAND_COLUMNS, pl.UInt64())},
    "neighbours": {"did": pl.UInt64(), "other": pl.UInt64(), "jaccard": pl.Float64(), "containment": pl.Float64()},
    "article_links": _ART_LINK_SCHEMA,
    "paragraph_links": _PARA_LINK_SCHEMA,
}


@dataclass
class SyndicationState:
    tables: dict[str, pl.DataFrame]

    @classmethod
    def empty(cls) -> SyndicationState:
        return cls({name: pl.DataFrame(schema=s) for name, s in _SCHEMAS.items()})

    def save(self, folder: Path) -> None:
        save_tables(folder, self.tables)

    @classmethod
    def load(cls, folder: Path) -> SyndicationState | None:
        tables = load_typed(folder, _SCHEMAS)
        return cls(tables) if tables is not None else None


@dataclass
class SyndicationIncrementalStats:
    articles_changed: int = 0
    articles_removed: int = 0
    paragraphs_sketched: int = 0
    candidate_pairs_scored: int = 0
    articles_linked: int = 0
    articles_settled: int = 0  # later carriers of a changed paragraph's near-duplicates whose links cannot change


def shingle_id(shingles: frozenset[str]) -> int:
    """A stable 64-bit id of a shingle set (the same set in any build, any process)."""
    h = hashlib.blake2b(digest_size=8)
    for s in sorted(shingles):
        h.update(s.encode("utf-8"))
        h.update(b"\x00")
    return int.from_bytes(h.digest(), "little")


def band_keys(shingle_sets: list[frozenset[str]]) -> np.ndarray:
    """One row of :data:`BANDS` 64-bit LSH bucket keys per shingle set (the MinHash values two by two)."""
    if not shingle_sets:
        return np.zeros((0, BANDS), dtype=np.uint64)
    values = np.stack([m.hashvalues for m in _minhashes(shingle_sets)]).astype(np.uint64)
    pairs = values[:, : BANDS * ROWS].reshape(len(shingle_sets), BANDS, ROWS)
    return (pairs[:, :, 0] << np.uint64(32)) | pairs[:, :, 1]


_HIGH = 1 << 32  # row numbers are 32-bit: a pair key is high * row + other row


def lsh_candidates(new: pl.DataFrame, index: pl.DataFrame) -> pl.DataFrame:
    """``(did, other)`` for every new distinct paragraph and every indexed one sharing a bucket in some band; a pair
    of two new paragraphs once, as ``did <= other`` (``new`` is part of ``index``)."""
    if not new.height:
        return pl.DataFrame(schema={"did": pl.UInt64(), "other": pl.UInt64()})
    # Each pair as one 64-bit key: the two paragraphs' row numbers in the index sorted by did (so comparing row
    # numbers compares ids), deduplicated by polars' streaming engine. Near-identical paragraphs share most of their
    # band keys, so the bands' joins repeat the same pairs many times over: collected at once as two id columns, a
    # cold build of 10,000 bench articles (4,035 distinct paragraphs, 1.9 million pairs) peaked at 6.1 GB here;
    # streamed as two columns, 2.1 GB in 5.6 s; as one key, with the pairs of two new paragraphs halved, 0.69 GB in
    # 1.05 s (the whole process, measured on that build's index).
    idx = index.sort("did").with_row_index("j").with_columns(pl.col("did").is_in(new["did"].implode()).alias("_new"))
    left = idx.lazy().filter("_new").select(pl.col("j").alias("i"), *BAND_COLUMNS)
    right = idx.lazy().select("j", "_new", *BAND_COLUMNS)
    parts = [left.select("i", pl.col(b).alias("_k")).join(right.select("j", "_new", pl.col(b).alias("_k")), on="_k")
             .filter(~pl.col("_new") | (pl.col("i") <= pl.col("j")))
             .select((pl.col("i").cast(pl.UInt64) * _HIGH + pl.col("j").cast(pl.UInt64)).alias("_pair"))
             for b in BAND_COLUMNS]
    keys = pl.concat(parts).unique().collect(engine="streaming")["_pair"].to_numpy()
    dids = idx["did"].to_numpy()
    return pl.DataFrame({"did": pl.Series(dids[keys // _HIGH], dtype=pl.UInt64()),
                         "other": pl.Series(dids[keys % _HIGH], dtype=pl.UInt64())})


def _leading(rows: pl.DataFrame, paragraphs: pl.DataFrame, articles: pl.DataFrame, max_sources: int) -> pl.DataFrame:
    """The ``did`` of each paragraph of ``rows`` whose article is among the first ``max_sources`` carriers of that
    distinct paragraph in ``paragraphs``, ranked by ``articles``' dates (carrier rows in link order: rank, index)."""
    if not rows.height:
        return rows.select("did")
    carriers = (paragraphs.join(rows.select("did").unique(), on="did", how="semi").select("did", "article_id", "index")
                .join(articles.select("article_id", *_order_key()), on="article_id")
                .sort("did", "_undated", "_date", "_id", "index")
                .group_by("did", maintain_order=True).head(max_sources))
    return carriers.join(rows.select("did", "article_id"), on=["did", "article_id"], how="semi").select("did").unique()


def _order_key(date_col: str = "published_date", id_col: str = "article_id") -> list[pl.Expr]:
    """ArticleRef.order as columns: undated last, then date, then id."""
    return [pl.col(date_col).is_null().alias("_undated"), pl.col(date_col).fill_null(dt.date.max).alias("_date"),
            pl.col(id_col).alias("_id")]


def update_syndication(
    articles: pl.DataFrame, state: SyndicationState | None = None, max_sources: int = MAX_SOURCES
) -> tuple[pl.DataFrame, pl.DataFrame, SyndicationState, SyndicationIncrementalStats]:
    """``(syndication, syndicated_paragraphs)`` rows for ``articles`` (article_id, published_date, text), as
    find_syndication gives them, computed from ``state``; also returns the state for the next build."""
    state = state or SyndicationState.empty()
    old = state.tables
    stats = SyndicationIncrementalStats()
    current = articles.select("article_id", pl.col("published_date").cast(pl.Date()), "text").with_columns(
        pl.col("text").hash(seed=0).alias("text_hash"))
    meta = current.select("article_id", "published_date", "text_hash")
    changed = meta.join(old["articles"], on=["article_id", "published_date", "text_hash"], how="anti", nulls_equal=True)
    removed = old["articles"].join(meta, on=["article_id", "published_date", "text_hash"], how="anti", nulls_equal=True)
    stats.articles_changed, stats.articles_removed = changed.height, removed.height
    gone_ids = pl.concat([changed["article_id"], removed["article_id"]]).unique()
    text_of_changed = dict(current.join(changed, on="article_id", how="semi").select("article_id", "text").iter_rows())

    # 1. Shingle the new and changed articles only; their paragraphs replace the old rows of those articles.
    memo: dict[str, frozenset[str] | None] = {}
    shingles_of: dict[int, frozenset[str]] = {}
    rows = []
    for aid in sorted(text_of_changed):
        for p in paragraphs(aid, text_of_changed[aid], memo):
            did = shingle_id(p.shingles)
            shingles_of.setdefault(did, p.shingles)
            rows.append((aid, p.index, p.start, p.end, did))
    fresh = pl.DataFrame(rows, schema=_SCHEMAS["paragraphs"], orient="row")
    paras = pl.concat([old["paragraphs"].filter(~pl.col("article_id").is_in(gone_ids.implode())), fresh])
    carried = paras.select("did").unique()
    distinct_old = old["distinct"].join(carried, on="did", how="semi")

    # 2. Sketch the distinct paragraphs never seen before and look their LSH buckets up in the index.
    new_dids = sorted(set(shingles_of) - set(distinct_old["did"].to_list()))
    stats.paragraphs_sketched = len(new_dids)
    keys = band_keys([shingles_of[d] for d in new_dids])
    new_distinct = pl.DataFrame({"did": pl.Series(new_dids, dtype=pl.UInt64()),
                                 **{b: pl.Series(keys[:, i], dtype=pl.UInt64()) for i, b in enumerate(BAND_COLUMNS)}},
                                schema=_SCHEMAS["distinct"])
    distinct = pl.concat([distinct_old, new_distinct])
    pairs = lsh_candidates(new_distinct, distinct)
    stats.candidate_pairs_scored = pairs.height
    # The old side's shingles, from the text of one article carrying it.
    need = pairs.filter(~pl.col("other").is_in(list(shingles_of)))["other"].unique()
    if need.len():
        reps = (paras.filter(pl.col("did").is_in(need.implode())).sort("did", "article_id", "index")
                .unique("did", keep="first", maintain_order=True))
        texts = dict(articles.join(reps, on="article_id", how="semi").select("article_id", "text").iter_rows())
        for aid, _, start, end, did in reps.iter_rows():
            shingles_of[did] = shingle(texts[aid][start:end])
    # Scores kept one way in typed arrays (8 bytes a value): as Python tuples both ways, the 1.9 million pairs of a
    # cold build of 10,000 bench articles held about 0.8 GB.
    jaccard, containment = array("d"), array("d")
    for a, b in pairs.iter_rows():
        jac, cont = _scores(shingles_of[a], shingles_of[b])
        jaccard.append(jac)
        containment.append(cont)
    kept = pairs.with_columns(jaccard=pl.Series(np.frombuffer(jaccard), dtype=pl.Float64()),
                              containment=pl.Series(np.frombuffer(containment), dtype=pl.Float64())
                              ).filter((pl.col("jaccard") >= MIN_JACCARD) | (pl.col("containment") >= MIN_CONTAINMENT))
    scored = pl.concat([kept, kept.filter(pl.col("did") != pl.col("other"))
                        .select(pl.col("other").alias("did"), pl.col("did").alias("other"), "jaccard", "containment")])
    # The old pairs whose two paragraphs are still carried: all of them when none left the index, the usual refresh
    # (the two joins over the 3.9 million pairs of 10,000 bench articles cost ~0.4 s).
    still = old["neighbours"]
    pruned = distinct_old.height < old["distinct"].height
    if pruned:
        still = (still.join(distinct_old.select("did"), on="did", how="semi")
                 .join(distinct_old.select(pl.col("did").alias("other")), on="other", how="semi"))
    neighbours = pl.concat([still, scored.select(list(_SCHEMAS["neighbours"]))])

    # 3. Which articles to link again: the new and changed ones, and later articles carrying a near-duplicate
    # of a paragraph of an added, changed or removed article.
    ranked = current.select("article_id", "published_date").sort(_order_key()).with_row_index("rank")
    # An article's candidate sources are the first max_sources carriers of each neighbour of its paragraphs, so a
    # change can only move the links of a paragraph whose changed carrier is (or was) among those first carriers.
    # Every carrier at all made a widely copied paragraph relink all its later copies (3,300 articles per new one
    # at 10,000 bench articles, where every paragraph is shared by thousands).
    touched_dids = pl.concat([
        _leading(fresh, paras, meta, max_sources),
        _leading(old["paragraphs"].filter(pl.col("article_id").is_in(gone_ids.implode())), old["paragraphs"],
                 old["articles"], max_sources),
    ])
    # Old neighbours too when paragraphs left the index (a removed article's may have gone with it); otherwise every
    # old pair is among the neighbours already.
    near = (pl.concat([n.join(touched_dids, on="did", how="semi")
                       for n in ((old["neighbours"], neighbours) if pruned else (neighbours,))])
            .select(pl.col("other").alias("did")).unique())
    changes = pl.concat([changed.select("article_id", "published_date"), removed.select("article_id", "published_date")])
    targets = set(changed["article_id"].to_list())
    if changes.height:
        earliest = changes.select(_order_key()).sort("_undated", "_date", "_id").row(0)
        u, d, i = earliest
        after = ((pl.col("_undated") > u) | ((pl.col("_undated") == u)
                 & ((pl.col("_date") > d) | ((pl.col("_date") == d) & (pl.col("_id") > i)))))
        order_keys = ranked.select("article_id", *_order_key())
        later = order_keys.filter(after)
        affected = paras.join(near, on="did", how="semi").join(later, on="article_id", how="semi")
        # Of those, an article whose links all point before every change keeps them: it is linked to its earliest
        # source with enough coverage, and each paragraph to its earliest candidate, and a change only adds or
        # removes candidates at its own rank or later (a new paragraph is carried by changed articles only; a
        # carrier pushed out of, or into, the first max_sources of a paragraph is later than the change that moved
        # it). So a copy whose source, and each of whose paragraphs near a changed one, link to an earlier article
        # than any change is settled. On the bench corpus, where every paragraph is shared by hundreds of copies,
        # a new article with a paragraph of its own relinked ~650 articles at 10,000 (+0.7 s of a refresh).
        before = ~after & ~((pl.col("_undated") == u) & (pl.col("_date") == d) & (pl.col("_id") == i))
        early = order_keys.filter(before).select(pl.col("article_id").alias("source_article_id"))
        settled_source = (old["article_links"].filter(pl.col("is_copy")
                                                      & (pl.col("source_article_id") != pl.col("article_id")))
                          .join(early, on="source_article_id", how="semi").select("article_id"))
        open_paragraphs = affected.select("article_id", pl.col("index").alias("paragraph_index")).join(
            old["paragraph_links"].join(early, on="source_article_id", how="semi"),
            on=["article_id", "paragraph_index"], how="anti")
        moved = (affected.select("article_id").unique().join(settled_source, on="article_id", how="anti")
                 .vstack(open_paragraphs.select("article_id")))
        stats.articles_settled = affected["article_id"].n_unique() - moved["article_id"].n_unique()
        targets |= set(moved["article_id"].unique().to_list())
    stats.articles_linked = len(targets)

    art_rows, para_rows = _link(targets, ranked, paras, neighbours, articles, max_sources)
    kept_art = old["article_links"].filter(~pl.col("article_id").is_in(list(targets)) & ~pl.col("article_id").is_in(gone_ids.implode()))
    kept_para = old["paragraph_links"].filter(~pl.col("article_id").is_in(list(targets)) & ~pl.col("article_id").is_in(gone_ids.implode()))
    art_links = pl.concat([kept_art, art_rows]).sort("article_id")
    para_links = pl.concat([kept_para, para_rows]).sort("article_id", "paragraph_index")
    new_state = SyndicationState({
        "articles": meta.select(list(_SCHEMAS["articles"])), "paragraphs": paras, "distinct": distinct,
        "neighbours": neighbours, "article_links": art_links, "paragraph_links": para_links,
    })
    return art_links, para_links, new_state, stats


def _link(
    targets: set[str], ranked: pl.DataFrame, paras: pl.DataFrame, neighbours: pl.DataFrame, articles: pl.DataFrame,
    max_sources: int,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """link_articles for ``targets``, with just the part of the index they read."""
    if not targets:
        return pl.DataFrame(schema=_ART_LINK_SCHEMA), pl.DataFrame(schema=_PARA_LINK_SCHEMA)
    rank = dict(ranked.select("article_id", "rank").iter_rows())
    target_list = sorted(targets, key=rank.__getitem__)
    mine = paras.filter(pl.col("article_id").is_in(target_list))
    their_dids = mine.select("did").unique()
    near = neighbours.join(their_dids, on="did", how="semi")
    # The earliest max_sources carriers of every neighbour of the targets' paragraphs.
    carrier_rows = (
        paras.join(near.select(pl.col("other").alias("did")).unique(), on="did", how="semi")
        .join(ranked.select("article_id", "rank"), on="article_id")
        .sort("did", "rank", "index")
        .group_by("did", maintain_order=True).head(max_sources)
    )
    carriers: dict[int, list[tuple[int, int, Paragraph]]] = defaultdict(list)
    for did, aid, index, start, end, r in carrier_rows.select("did", "article_id", "index", "start", "end", "rank").iter_rows():
        carriers[did].append((r, index, Paragraph(aid, index, start, end, frozenset())))
    nb = _Neighbours(near)
    by_rank: dict[int, str] = {}
    for did_list in carriers.values():
        for r, _, q in did_list:
            by_rank[r] = q.article_id
    # The texts of the targets and of every carrier they may cite (the only sources link_articles reads), in one
    # pass: one filter of the whole corpus per cited article made relinking O(corpus) per target (3,800 targets at
    # 10,000 bench articles: 7 s).
    text_cache: dict[str, str] = dict(articles.filter(pl.col("article_id").is_in([*target_list, *by_rank.values()]))
                                      .select("article_id", "text").iter_rows())
    memo: dict[str, frozenset[str] | None] = {}
    para_map: dict[str, list[tuple[Paragraph, int]]] = defaultdict(list)
    dids_of = {(a, i): d for a, i, d in mine.select("article_id", "index", "did").iter_rows()}
    for aid in target_list:
        para_map[aid] = [(p, dids_of[(aid, p.index)]) for p in paragraphs(aid, text_cache[aid], memo)]

    art_links, para_links = link_articles(
        target_list, rank, by_rank, para_map, nb, carriers, text_cache.__getitem__,
        source_paragraphs=lambda aid: paragraphs(aid, text_cache[aid], memo), max_sources=max_sources)
    return records_to_frame(art_links, Syndication), records_to_frame(para_links, SyndicatedParagraphs)


class _Neighbours(Mapping[int, list[tuple[int, float, float]]]):
    """Each paragraph's scored neighbours ``(other, jaccard, containment)`` by ``other``, made on access from sorted
    columns. link_articles reads each paragraph's list once, while its carriers are being linked; built for every
    paragraph at once, the lists of a cold build of 10,000 bench articles (3.9 million rows) took about 0.6 GB."""

    def __init__(self, near: pl.DataFrame) -> None:
        near = near.sort("did", "other")
        self._other = near["other"].to_numpy()
        self._jaccard = near["jaccard"].to_numpy()
        self._containment = near["containment"].to_numpy()
        dids, starts = np.unique(near["did"].to_numpy(), return_index=True)
        ends = [*starts[1:].tolist(), near.height]
        self._span = dict(zip(dids.tolist(), zip(starts.tolist(), ends, strict=True), strict=True))

    def __getitem__(self, did: int) -> list[tuple[int, float, float]]:
        start, end = self._span.get(did, (0, 0))
        return list(zip(self._other[start:end].tolist(), self._jaccard[start:end].tolist(),
                        self._containment[start:end].tolist(), strict=True))

    def __iter__(self) -> Iterator[int]:
        return iter(self._span)

    def __len__(self) -> int:
        return len(self._span)
