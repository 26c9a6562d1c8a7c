"""Near-duplicate paragraphs across the corpus (MinHash + LSH), and which article each copy came from.

Wire copy is republished verbatim, trimmed, or rewritten sentence by sentence. Comparing whole
articles misses the partial copies, so the unit is the paragraph: every paragraph of every
article is shingled (word 3-grams), sketched with a MinHash and indexed in a MinHash LSH. LSH
proposes candidate pairs cheaply; each candidate is then scored exactly (Jaccard and
containment of the shingle sets) so the published similarity is not an estimate.

"Earliest" orders articles by ``published_date`` (undated last), then ``article_id``, so the
answer is deterministic even when dates tie or are missing.
"""

from __future__ import annotations

import datetime as dt
import heapq
import re
from bisect import bisect_left
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import groupby, repeat
from operator import itemgetter
from typing import cast

from datasketch import MinHash, MinHashLSH

SYNDICATION_VERSION = "syndication-0.1"
SHINGLE_WORDS = 3
NUM_PERM = 128
LSH_THRESHOLD = 0.2  # generous on purpose: candidates are verified exactly below
# (bands, rows) datasketch derives for LSH_THRESHOLD and NUM_PERM by numerical integration (~15 ms a build);
# pinned, and a test checks it still matches.
LSH_PARAMS = (28, 2)
MIN_WORDS = 8  # shorter paragraphs (datelines, one-line quotes) match by chance
MIN_JACCARD = 0.35  # near-verbatim copies and light rewrites
MIN_CONTAINMENT = 0.6  # a paragraph kept whole inside a longer, merged one
MIN_COVERAGE = 0.4  # share of an article's paragraph text that must come from one source
# Candidate sources per near-duplicate paragraph: its earliest carriers (see find_syndication).
MAX_SOURCES = 32
EDGE_CACHE = 1 << 14  # paragraphs whose edge words are kept while shingling whole articles


@dataclass(frozen=True, slots=True)  # slots: one per paragraph, ~165,000 at 10,000 articles
class Paragraph:
    article_id: str
    index: int
    start: int
    end: int
    shingles: frozenset[str]


@dataclass(frozen=True, slots=True)
class ArticleRef:
    article_id: str
    published_date: dt.date | None
    text: str

    @property
    def order(self) -> tuple[bool, dt.date, str]:
        return (self.published_date is None, self.published_date or dt.date.max, self.article_id)


@dataclass(frozen=True, slots=True)
class ParagraphLink:
    """A paragraph of a later article and the earliest article carrying a near-duplicate of it."""

    article_id: str
    paragraph_index: int
    start: int
    end: int
    source_article_id: str
    source_paragraph_index: int
    source_start: int
    source_end: int
    similarity: float
    containment: float


@dataclass(frozen=True, slots=True)
class ArticleLink:
    """Every article with its earliest source: itself when it copies no earlier article."""

    article_id: str
    source_article_id: str
    is_copy: bool
    similarity: float | None
    coverage: float
    shared_paragraphs: int
    paragraphs: int


_WORD = re.compile(r"\w+")
# A paragraph: a run of non-empty lines (paragraphs are separated by blank lines).
_PARAGRAPH = re.compile(r"[^\n]+(?:\n(?!\n)[^\n]+)*")


def _tokens(text: str) -> list[str]:
    return _WORD.findall(text.casefold())


def _shingles(toks: list[str], k: int) -> frozenset[str]:
    if len(toks) < k:
        return frozenset([" ".join(toks)]) if toks else frozenset()
    # zip over k shifted views yields the k-grams without slicing a list per position (the hot path
    # when whole articles are shingled); the views differ in length on purpose, the shortest ends it.
    return frozenset(map(" ".join, zip(*(toks[i:] for i in range(k)), strict=False)))


def shingle(text: str, k: int = SHINGLE_WORDS) -> frozenset[str]:
    return _shingles(_tokens(text), k)


def _edge_tokens(chunk: str, n: int) -> tuple[str | None, ...]:
    """The first and last ``n`` tokens of a chunk with None between, tokenizing only its two ends.

    Every token of the chunk when it is too short for that. Case folding works character by character and
    a token never crosses a non-word character, so tokens read from a slice are the chunk's own, except a
    word cut at the slice's inner end: that is at worst the (n+1)th token from the edge, never one kept.
    """
    width = 16 * (n + 1)
    while width < len(chunk):
        head, tail = _tokens(chunk[:width]), _tokens(chunk[-width:])
        if len(head) > n and len(tail) > n:
            return (*head[:n], None, *tail[len(tail) - n:])
        width *= 2
    return tuple(_tokens(chunk))


def _text_shingles(
    text: str, plist: list[Paragraph], k: int = SHINGLE_WORDS,
    edge_tokens: Callable[[str, int], tuple[str | None, ...]] = _edge_tokens,
) -> frozenset[str]:
    """``shingle(text)`` for a text whose compared paragraphs ``plist`` are already shingled.

    Tokens never span a line break, so the text's k-grams are those inside one chunk (a paragraph's
    shingles) and those spanning chunk breaks, which use at most k-1 tokens at a paragraph's edge. Those
    edges and the short chunks left out of ``plist`` (datelines, bylines) are the only text tokenized
    again: for a copy that is a small part of it, and copies are most of a syndicated corpus.
    ``edge_tokens`` may be a cached ``_edge_tokens`` (verbatim paragraphs recur across copies).
    """
    by_index = {p.index: p for p in plist}
    inner: list[frozenset[str]] = []
    # The text's tokens in order, with None where a paragraph's middle is skipped (no k-gram spans it).
    seam: list[str | None] = []
    for i, m in enumerate(_PARAGRAPH.finditer(text)):
        p = by_index.get(i)
        if p is None:
            seam.extend(_tokens(m.group(0)))
        else:
            inner.append(p.shingles)
            seam.extend(edge_tokens(m.group(0), k - 1))
    if None not in seam:  # nothing skipped: these are all the tokens
        return _shingles(cast(list[str], seam), k)
    spanning = (" ".join(cast(tuple[str, ...], w)) for w in zip(*(seam[i:] for i in range(k)), strict=False)
                if None not in w)
    return frozenset().union(*inner, spanning)


def paragraphs(article_id: str, text: str, memo: dict[str, frozenset[str] | None] | None = None) -> list[Paragraph]:
    """The article's paragraphs (split on blank lines) long enough to compare, with offsets into text.

    ``memo`` (paragraph text -> shingles, None when too short) can be shared across articles, so a
    paragraph repeated verbatim across the corpus is tokenized once and its copies share one set.
    """
    memo = {} if memo is None else memo
    out = []
    for i, m in enumerate(_PARAGRAPH.finditer(text)):
        chunk = m.group(0)
        if chunk in memo:
            sh = memo[chunk]
        else:
            toks = _tokens(chunk)
            sh = memo[chunk] = _shingles(toks, SHINGLE_WORDS) if len(toks) >= MIN_WORDS else None
        if sh is not None:
            out.append(Paragraph(article_id, i, m.start(), m.end(), sh))
    return out


def _minhashes(sets: list[frozenset[str]]) -> list[MinHash]:
    # MinHash.generator sets up the permutations once and copies them: a new MinHash per set redraws them,
    # which cost more than hashing the set.
    batches = ([s.encode("utf-8") for s in sorted(sh)] for sh in sets)
    return list(MinHash.generator(batches, num_perm=NUM_PERM, seed=1))


def _scores(a: frozenset[str], b: frozenset[str]) -> tuple[float, float]:
    inter = len(a & b)
    if not inter:
        return 0.0, 0.0
    # |a | b| by inclusion-exclusion: the same integer without building the union of two large sets.
    return inter / (len(a) + len(b) - inter), inter / min(len(a), len(b))


def _candidate_sources(
    near: list[tuple[int, float, float]],
    carriers: Mapping[int, list[tuple[int, int, Paragraph]]] | Sequence[list[tuple[int, int, Paragraph]]],
    max_sources: int,
    before: int,
) -> tuple[list[int], list[tuple[float, float, Paragraph]]]:
    """Each candidate source article of one distinct paragraph with its best-matching paragraph, by rank.

    ``near`` is the paragraph's scored neighbours, ``carriers`` the (rank, index, paragraph) of every copy
    of each distinct paragraph, sorted. An article is a candidate when it is among the ``max_sources``
    earliest carriers of some neighbour, and ranks before ``before`` (the paragraph's last carrier: no copy
    needs a later source). Its best paragraph has the highest (jaccard, containment), then the lowest index.
    Returns the candidates' ranks ascending and, aligned, (jaccard, containment, paragraph). Every copy of
    the paragraph needs the same answer restricted to earlier ranks, so it is computed once.
    """
    best: dict[int, tuple[float, float, int, Paragraph]] = {}
    for other, jac, cont in near:
        for r, _, q in carriers[other][:max_sources]:
            if r >= before:
                break  # carriers are sorted by rank
            cand = (jac, cont, -q.index, q)
            prev = best.get(r)
            if prev is None or cand[:3] > prev[:3]:
                best[r] = cand
    ranks = sorted(best)
    return ranks, [(best[r][0], best[r][1], best[r][3]) for r in ranks]


def _earliest_source(matches: list[Iterable[tuple[int, int]]], total: int) -> tuple[int, int, int] | None:
    """The earliest source of an article: (rank, matched characters, shared paragraphs), or None.

    ``matches`` holds, per paragraph with an earlier near-duplicate, the (rank, paragraph length) of each
    candidate source in rank order; ``total`` is the length of all the article's compared paragraphs. A
    source must carry near-duplicates of ``MIN_COVERAGE`` of that text. Merging the lists visits sources
    earliest first, so the scan stops at the answer instead of tallying every candidate of every paragraph
    (a copy of widely syndicated text has dozens of candidates per paragraph).
    """
    if not total:
        return None
    for r, group in groupby(heapq.merge(*matches), key=itemgetter(0)):
        lengths = [n for _, n in group]
        if sum(lengths) / total >= MIN_COVERAGE:
            return r, sum(lengths), len(lengths)
    return None


def find_syndication(
    articles: Iterable[ArticleRef], max_sources: int = MAX_SOURCES
) -> tuple[list[ArticleLink], list[ParagraphLink]]:
    """Article-level and paragraph-level links for a whole corpus.

    Work is done per *distinct* paragraph (syndicated corpora repeat paragraphs verbatim): one shingle
    set, one MinHash, one LSH query and one exact score per pair of distinct paragraphs, so the cost
    grows with the distinct text, not with every copy of it. A paragraph's candidate sources are the
    ``max_sources`` earliest articles carrying each of its near-duplicates: the earliest carrier (the
    answer for the paragraph link) is always among them, and a paragraph copied by thousands of
    articles does not make every later article compare against all of them.
    """
    arts = {a.article_id: a for a in articles}
    rank = {aid: i for i, aid in enumerate(sorted(arts, key=lambda a: arts[a].order))}
    # Distinct paragraphs: shingle set -> small int id; each article keeps (paragraph, id) pairs.
    ids: dict[frozenset[str], int] = {}
    distinct: list[frozenset[str]] = []
    paras: dict[str, list[tuple[Paragraph, int]]] = {}
    carriers: list[list[tuple[int, int, Paragraph]]] = []  # per id: (rank, index, paragraph), sorted below
    memo: dict[str, frozenset[str] | None] = {}
    for aid, art in arts.items():
        plist = []
        for p in paragraphs(aid, art.text, memo):
            did = ids.setdefault(p.shingles, len(ids))
            if did == len(distinct):
                distinct.append(p.shingles)
                carriers.append([])
            if p.shingles is not distinct[did]:  # keep one shingle set per distinct paragraph, not one per copy
                p = Paragraph(p.article_id, p.index, p.start, p.end, distinct[did])
            plist.append((p, did))
            carriers[did].append((rank[aid], p.index, p))
        paras[aid] = plist
    del ids, memo
    for c in carriers:
        c.sort(key=lambda t: (t[0], t[1]))
    lsh = MinHashLSH(threshold=LSH_THRESHOLD, num_perm=NUM_PERM, params=LSH_PARAMS)
    sketches = _minhashes(distinct)
    for did, mh in enumerate(sketches):
        lsh.insert(did, mh)
    # Near-duplicate neighbours of each distinct paragraph (itself included), scored exactly, sorted by id
    # so every later step is independent of the LSH's set iteration order (which follows the hash seed).
    # Both the scores and the LSH are symmetric (two sketches collide when one band matches), so each pair is
    # scored once, from its lower id, and the higher id finds it already in its list (rewrites of one wire
    # story are each other's neighbours by the hundred).
    neighbours: list[list[tuple[int, float, float]]] = [[] for _ in distinct]
    for did, mh in enumerate(sketches):
        for other in sorted(o for o in lsh.query(mh) if o >= did):
            jac, cont = _scores(distinct[did], distinct[other])
            if jac >= MIN_JACCARD or cont >= MIN_CONTAINMENT:
                neighbours[did].append((other, jac, cont))
                if other != did:
                    neighbours[other].append((did, jac, cont))
    del sketches, lsh

    by_rank = sorted(arts, key=rank.__getitem__)
    art_links, para_links = link_articles(
        by_rank, rank, by_rank, paras, neighbours, carriers,
        text_of=lambda aid: arts[aid].text, source_paragraphs=lambda aid: [q for q, _ in paras[aid]],
        max_sources=max_sources,
    )
    art_links.sort(key=lambda a: a.article_id)
    return art_links, para_links


def link_articles(
    targets: Sequence[str],
    rank: Mapping[str, int],
    by_rank: Sequence[str] | Mapping[int, str],
    paras: Mapping[str, list[tuple[Paragraph, int]]],
    neighbours: Mapping[int, list[tuple[int, float, float]]] | Sequence[list[tuple[int, float, float]]],
    carriers: Mapping[int, list[tuple[int, int, Paragraph]]] | Sequence[list[tuple[int, int, Paragraph]]],
    text_of: Callable[[str], str],
    source_paragraphs: Callable[[str], list[Paragraph]],
    max_sources: int = MAX_SOURCES,
) -> tuple[list[ArticleLink], list[ParagraphLink]]:
    """The links of the articles ``targets`` (sorted by ``rank``), from the corpus-wide paragraph index.

    ``paras`` gives each target's compared paragraphs with their distinct-paragraph ids, ``neighbours`` each
    id's scored near-duplicates (itself included), ``carriers`` each id's (rank, index, paragraph) sorted by rank
    (only the first ``max_sources`` are read), ``by_rank`` the article at a rank. ``text_of`` and
    ``source_paragraphs`` give a source article's text and paragraphs (for the article similarity). Linking
    every article (find_syndication) or only those a change can affect (nlp/syndication_index.py) runs this
    same code, so both give the same rows.
    """
    # Candidate sources of one distinct paragraph, for every target carrying it: built on the first target and
    # dropped after the last one (bounded by neighbours x max_sources, and never held for all paragraphs).
    last: dict[int, tuple[int, int]] = {}
    for aid in targets:
        for p, did in paras[aid]:
            last[did] = (rank[aid], p.index)
    never = len(rank) + 1  # no rank bound on the candidates: each target takes those before itself below
    live: dict[int, tuple[list[int], list[tuple[float, float, Paragraph]]]] = {}
    para_links: list[ParagraphLink] = []
    art_links: list[ArticleLink] = []
    # Shingles of a source's whole text, for its copies' similarity (sources are few, copies many).
    source_shingles: dict[str, frozenset[str]] = {}
    # Verbatim paragraphs recur across copies; a bounded cache keeps memory flat on corpora that don't repeat.
    edge_tokens = lru_cache(maxsize=EDGE_CACHE)(_edge_tokens)
    for aid in targets:
        mine = rank[aid]
        # Per paragraph with an earlier near-duplicate: (rank, length) for each of its candidate sources.
        matches: list[Iterable[tuple[int, int]]] = []
        for p, did in paras[aid]:
            if did not in live:
                live[did] = _candidate_sources(neighbours[did], carriers, max_sources, never)
            ranks, cands = live[did]
            if last[did] == (mine, p.index):
                del live[did]
            # Only articles earlier than this one can be its source; the candidates are sorted by rank.
            n = bisect_left(ranks, mine)
            if not n:
                continue
            matches.append(zip(ranks[:n], repeat(p.end - p.start)))
            jac, cont, q = cands[0]
            para_links.append(ParagraphLink(aid, p.index, p.start, p.end, q.article_id, q.index, q.start, q.end,
                                            round(jac, 4), round(cont, 4)))
        total = sum(p.end - p.start for p, _ in paras[aid])
        found = _earliest_source(matches, total)
        if found is None:
            art_links.append(ArticleLink(aid, aid, False, None, 0.0, 0, len(paras[aid])))
            continue
        first, matched, shared = found
        src = by_rank[first]
        if src not in source_shingles:
            source_shingles[src] = _text_shingles(text_of(src), source_paragraphs(src), edge_tokens=edge_tokens)
        text_shingles = _text_shingles(text_of(aid), [q for q, _ in paras[aid]], edge_tokens=edge_tokens)
        jac, _ = _scores(text_shingles, source_shingles[src])
        art_links.append(ArticleLink(aid, src, True, round(jac, 4), round(matched / total, 4), shared,
                                     len(paras[aid])))
    return art_links, para_links
