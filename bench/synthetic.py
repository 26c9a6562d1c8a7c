"""A synthetic corpus for the corpus-wide steps: articles (text, date, outlet) and their mention candidates.

Deterministic per article: article ``i`` is the same whatever range it is generated in, so a corpus can be
built in chunks and extended. About a fifth of the articles are wire copies of an earlier original (most of
its paragraphs, some words rewritten); names, places and counted nouns follow Zipf-like frequencies, with
spelling variants of full names and lone surnames, so resolution and claims see the cases they handle.
"""

from __future__ import annotations

import datetime as dt
import itertools
import random
from dataclasses import fields
from functools import cache

import polars as pl

from dagster_project.nlp.extract.mention import Mention, make_mention_id

SYLLABLES = ["ka", "ri", "mo", "ta", "le", "su", "vi", "na", "po", "de", "lu", "zo", "ga", "ne", "fi", "ro", "sa", "ma", "ti", "be", "ko", "da", "ye", "hu", "li", "ra", "no", "se", "va", "mi", "ur", "an", "el", "os", "in", "ar", "ek", "ov", "ich", "sky", "ez"]
COPY_SHARE = 0.2  # articles that copy an earlier original
OUTLETS = [f"Outlet {i}" for i in range(60)]
QUALIFIERS = [None, None, None, "about", "nearly", "more than", "up to", "at least", "around"]
UNITS = [None] * 7 + ["tonne"] * 2 + ["km"]


def _words(n: int, seed: int, lo: int = 2, hi: int = 3, lead: bool = False) -> list[str]:
    """``n`` distinct made-up words; ``lead``: each starts with two random letters (surnames: resolution blocks
    its fuzzy tests on the first two letters, and syllables alone would make a few huge blocks)."""
    rng = random.Random(seed)
    out: list[str] = []
    seen: set[str] = set()
    while len(out) < n:
        w = "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(lo, hi)))
        if lead:
            w = rng.choice("bcdfghjklmnprstvz") + rng.choice("aeiouy") + w
        if w not in seen:
            seen.add(w)
            out.append(w)
    return out


@cache
def _pools() -> dict[str, list[str]]:
    return {
        "vocab": _words(6000, 1, 1, 3),
        "first": [w.capitalize() for w in _words(400, 2)],
        "last": [w.capitalize() for w in _words(6000, 3, 1, 3, lead=True)],
        "places": [w.capitalize() for w in _words(8000, 4)],
        "nouns": ["troops", "soldiers", "aircraft", "planes", "tonnes of cargo", "people", "civilians", "refugees",
                  *(w + "s" for w in _words(200, 5))],
    }


@cache
def _zipf(n: int) -> list[float]:
    return list(itertools.accumulate(1 / (k + 1) for k in range(n)))


def _pick(rng: random.Random, pool: list[str]) -> str:
    return rng.choices(pool, cum_weights=_zipf(len(pool)))[0]


def _is_copy(i: int) -> bool:
    return i > 0 and random.Random(i * 7919).random() < COPY_SHARE


def _original_paragraphs(i: int) -> list[str]:
    rng = random.Random(i * 104729)
    vocab = _pools()["vocab"]
    return [" ".join(rng.choices(vocab, k=rng.randint(18, 36))).capitalize() + "." for _ in range(rng.randint(3, 6))]


def _text(i: int) -> tuple[str, int | None]:
    """The article's text and, for a copy, the original it copies."""
    if not _is_copy(i):
        return f"Report {i}\n\n" + "\n\n".join(_original_paragraphs(i)), None
    rng = random.Random(i * 15485863)
    j = max(0, i - rng.randint(1, 2000))
    while _is_copy(j):
        j -= 1
    vocab = _pools()["vocab"]
    paras = []
    for p in _original_paragraphs(j):
        if rng.random() < 0.85:
            words = p.split()
            for _ in range(rng.randint(0, 3)):
                words[rng.randrange(len(words))] = rng.choice(vocab)
            paras.append(" ".join(words))
    return f"Copy {i}\n\n" + "\n\n".join(paras or ["Nothing."]), j


def _candidates(i: int, aid: str) -> list[dict]:
    rng = random.Random(i * 32452843)
    pools = _pools()
    rows: list[dict] = []
    pos = 0

    def add(mtype: str, surface: str, label: str, **extra: object) -> None:
        nonlocal pos
        start = pos + rng.randint(1, 40)
        pos = start + len(surface)
        rows.append({"mention_id": make_mention_id(aid, mtype, start, pos), "article_id": aid, "mention_type": mtype,
                     "surface": surface, "start": start, "end": pos, "raw_start": start, "raw_end": pos,
                     "label": label, **extra})

    for _ in range(rng.randint(1, 4)):
        first, last = _pick(rng, pools["first"]), _pick(rng, pools["last"])
        if rng.random() < 0.05:  # a transliteration variant of the first name
            first = first[:-1] + ("y" if first[-1] != "y" else "i")
        full = f"{first} {last}"
        add("person", full, "PERSON", canonical=full, role=rng.choice([None, None, "minister", "spokesman"]))
        for _ in range(rng.randint(0, 2)):
            add("person", last, "PERSON", canonical=full)
    if rng.random() < 0.3:  # a surname the article never expands
        last = _pick(rng, pools["last"])
        add("person", last, "PERSON", canonical=last)
    for _ in range(rng.randint(1, 5)):
        k = pools["places"].index(place := _pick(rng, pools["places"]))
        known = k % 5 != 0
        add("place", place, "GPE", canonical=place, place_type="city", country_code="VE" if known else None,
            gazetteer="geonames" if known else None, gazetteer_id=str(1_000_000 + k) if known else None,
            gazetteer_name=place if known else None, latitude=float(k % 90) if known else None,
            longitude=float(k % 180) if known else None)
    for _ in range(rng.randint(0, 4)):
        value = float(round(10 ** rng.uniform(0, 5)))
        add("quantity", f"{value:g}", "CARDINAL", value=value, unit=rng.choice(UNITS), unit_surface=None,
            quantified=_pick(rng, pools["nouns"]), qualifier=rng.choice(QUALIFIERS))
    return rows


def candidate_schema() -> dict[str, pl.DataType]:
    """The mention_candidates columns, typed from the Mention record (plus raw offsets)."""
    kinds = {"str": pl.String(), "int": pl.Int64(), "float": pl.Float64()}
    schema: dict[str, pl.DataType] = {}
    for f in fields(Mention):
        base = str(f.type).split("|")[0].strip()
        schema[f.name] = kinds[base]
    return {**schema, "raw_start": pl.Int64(), "raw_end": pl.Int64()}


def synthetic_articles(n: int, start: int = 0) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Articles ``start .. start+n-1``: ``(articles, mention_candidates)``, each in the pipeline's order."""
    ids, dates, texts, outlets, rows = [], [], [], [], []
    for i in range(start, start + n):
        aid = f"s{i:07d}"
        text, _ = _text(i)
        ids.append(aid)
        dates.append(dt.date(2020, 1, 1) + dt.timedelta(days=i // 100))
        texts.append(text)
        outlets.append(OUTLETS[random.Random(i).randrange(len(OUTLETS))])
        rows.extend(_candidates(i, aid))
    articles = pl.DataFrame({"article_id": ids, "published_date": dates, "text": texts, "outlet": outlets},
                            schema={"article_id": pl.String(), "published_date": pl.Date(), "text": pl.String(),
                                    "outlet": pl.String()})
    candidates = (pl.DataFrame(rows, schema=candidate_schema(), orient="row") if rows
                  else pl.DataFrame(schema=candidate_schema())).sort("article_id", "start", "end", "mention_type")
    return articles, candidates
