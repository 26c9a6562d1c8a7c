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
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from datasketch import MinHash, MinHashLSH

SYNDICATION_VERSION = "syndication-0.1"
SHINGLE_WORDS = 3
NUM_PERM = 128
LSH_THRESHOLD = 0.2  # generous on purpose: candidates are verified exactly below
MIN_WORDS = 8  # shorter paragraphs (datelines, one-line quotes) match by chance
MIN_JACCARD = 0.35  # near-verbatim copies and light rewrites
MIN_CONTAINMENT = 0.6  # a paragraph kept whole inside a longer, merged one
MIN_COVERAGE = 0.4  # share of an article's paragraph text that must come from one source


@dataclass(frozen=True)
class Paragraph:
    article_id: str
    index: int
    start: int
    end: int
    shingles: frozenset[str]


@dataclass(frozen=True)
class ArticleRef:
    article_id: str
    published_date: dt.date | None
    text: str

    @property
    def order(self) -> tuple[bool, dt.date, str]:
        return (self.published_date is None, self.published_date or dt.date.max, self.article_id)


@dataclass(frozen=True)
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


@dataclass(frozen=True)
class ArticleLink:
    """Every article with its earliest source: itself when it copies no earlier article."""

    article_id: str
    source_article_id: str
    is_copy: bool
    similarity: float | None
    coverage: float
    shared_paragraphs: int
    paragraphs: int


def _tokens(text: str) -> list[str]:
    return re.findall(r"\w+", text.casefold())


def shingle(text: str, k: int = SHINGLE_WORDS) -> frozenset[str]:
    toks = _tokens(text)
    if len(toks) < k:
        return frozenset([" ".join(toks)]) if toks else frozenset()
    return frozenset(" ".join(toks[i:i + k]) for i in range(len(toks) - k + 1))


def paragraphs(article_id: str, text: str) -> list[Paragraph]:
    """The article's paragraphs (split on blank lines) long enough to compare, with offsets into text."""
    out = []
    for i, m in enumerate(re.finditer(r"[^\n]+(?:\n(?!\n)[^\n]+)*", text)):
        if len(_tokens(m.group(0))) >= MIN_WORDS:
            out.append(Paragraph(article_id, i, m.start(), m.end(), shingle(m.group(0))))
    return out


def _minhash(sh: frozenset[str]) -> MinHash:
    mh = MinHash(num_perm=NUM_PERM, seed=1)
    mh.update_batch([s.encode("utf-8") for s in sorted(sh)])
    return mh


def _scores(a: frozenset[str], b: frozenset[str]) -> tuple[float, float]:
    inter = len(a & b)
    if not inter:
        return 0.0, 0.0
    return inter / len(a | b), inter / min(len(a), len(b))


def find_syndication(articles: Iterable[ArticleRef]) -> tuple[list[ArticleLink], list[ParagraphLink]]:
    """Article-level and paragraph-level links for a whole corpus."""
    arts = {a.article_id: a for a in articles}
    order = {aid: a.order for aid, a in arts.items()}
    paras = {a.article_id: paragraphs(a.article_id, a.text) for a in arts.values()}
    # Syndicated corpora repeat paragraphs verbatim. Identical shingle sets share one MinHash, one LSH
    # query and one exact score per pair: the results are the same, the cost grows with the distinct
    # paragraphs instead of with every copy.
    sketches: dict[frozenset[str], MinHash] = {}
    lsh = MinHashLSH(threshold=LSH_THRESHOLD, num_perm=NUM_PERM)
    by_key: dict[str, Paragraph] = {}
    for plist in paras.values():
        for p in plist:
            key = f"{p.article_id}#{p.index}"
            mh = sketches.get(p.shingles)
            if mh is None:
                mh = sketches[p.shingles] = _minhash(p.shingles)
            by_key[key] = p
            lsh.insert(key, mh)
    candidates: dict[frozenset[str], list[Paragraph]] = {}
    scores: dict[tuple[frozenset[str], frozenset[str]], tuple[float, float]] = {}

    para_links: list[ParagraphLink] = []
    # matched[b][a] = characters of b's paragraphs that have a near-duplicate in a
    matched: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    shared: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for aid in sorted(arts, key=order.__getitem__):
        mine = order[aid]
        for p in paras[aid]:
            cands = candidates.get(p.shingles)
            if cands is None:
                # Sorted, so ties (one source holding the same paragraph twice) resolve to the earliest
                # paragraph whatever the set iteration order, which varies with Python's hash seed.
                cands = candidates[p.shingles] = sorted(
                    (by_key[k] for k in lsh.query(sketches[p.shingles])),
                    key=lambda q: (order[q.article_id], q.index),
                )
            best: dict[str, tuple[float, float, Paragraph]] = {}
            for q in cands:
                if q.article_id == aid or order[q.article_id] >= mine:
                    continue
                pair = (p.shingles, q.shingles)
                sc = scores.get(pair)
                if sc is None:
                    sc = scores[pair] = _scores(p.shingles, q.shingles)
                jac, cont = sc
                if jac < MIN_JACCARD and cont < MIN_CONTAINMENT:
                    continue
                prev = best.get(q.article_id)
                if prev is None or (jac, cont) > prev[:2]:
                    best[q.article_id] = (jac, cont, q)
            if not best:
                continue
            for src in best:
                matched[aid][src] += p.end - p.start
                shared[aid][src] += 1
            src = min(best, key=order.__getitem__)
            jac, cont, q = best[src]
            para_links.append(ParagraphLink(aid, p.index, p.start, p.end, src, q.index, q.start, q.end,
                                            round(jac, 4), round(cont, 4)))

    art_links: list[ArticleLink] = []
    for aid in sorted(arts):
        total = sum(p.end - p.start for p in paras[aid])
        sources = [s for s, n in matched[aid].items() if total and n / total >= MIN_COVERAGE]
        if not sources:
            art_links.append(ArticleLink(aid, aid, False, None, 0.0, 0, len(paras[aid])))
            continue
        src = min(sources, key=order.__getitem__)
        jac, _ = _scores(shingle(arts[aid].text), shingle(arts[src].text))
        art_links.append(ArticleLink(aid, src, True, round(jac, 4), round(matched[aid][src] / total, 4),
                                     shared[aid][src], len(paras[aid])))
    return art_links, para_links
