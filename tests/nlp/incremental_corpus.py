"""Random small corpora of mention candidates for the incremental steps' tests (people, places, quantities).

Names are drawn so that the hard cases of resolution occur: spelling variants (fuzzy merges), lone surnames
that one or several full names own, two similar names in one article (cannot-link), places with and without
gazetteer ids, mixed spellings and roles.
"""

from __future__ import annotations

import random

import polars as pl

from dagster_project.nlp.extract.mention import make_mention_id

FIRST = ["Sergei", "Sergey", "Jane", "John", "Jose", "Josue", "Maria", "Kim", "Li", "Ana"]
# Surnames only one person carries (a lone "Maduro" links to him), beside the ambiguous ones below.
UNIQUE = ["Nicolás Maduro", "Nicolas Maduro", "Donald Trump", "Jair Bolsonaro"]
LAST = ["Lavrov", "Doe", "Garcia", "Castro", "Smith", "Zelensky", "Zelenskyy", "Peng", "Qiang", "Müller", "Muller"]
ROLES = [None, None, "minister", "president", "spokesman"]
PLACES = [("Caracas", "geonames", "3646738", "city", "VE"), ("Maiquetía", "geonames", "3632998", "city", "VE"),
          ("Maiquetia", "geonames", "3632998", "city", "VE"), ("Köln", "geonames", "2886242", "city", "DE"),
          ("Cologne", "geonames", "2886242", "city", "DE"), ("Hmeimim air base", None, None, "base", None),
          ("Hmeimim", None, None, None, None), ("Atlantis", None, None, None, None),
          ("Simon Bolivar Airport", "icao", "SVMI", "airport", "VE")]
UNITS = ["count", "tonne"]
NOUNS = ["troops", "soldiers", "aircraft", "planes", "tonnes of cargo", "people", "civilians"]
QUALIFIERS = [None, None, "about", "nearly", "more than", "up to"]

SCHEMA = {
    "mention_id": pl.String(), "article_id": pl.String(), "mention_type": pl.String(), "surface": pl.String(),
    "start": pl.Int64(), "end": pl.Int64(), "raw_start": pl.Int64(), "raw_end": pl.Int64(), "label": pl.String(),
    "family": pl.String(), "value": pl.Float64(), "unit": pl.String(), "unit_surface": pl.String(),
    "quantified": pl.String(), "qualifier": pl.String(), "canonical": pl.String(), "role": pl.String(),
    "place_type": pl.String(), "country_code": pl.String(), "latitude": pl.Float64(), "longitude": pl.Float64(),
    "gazetteer": pl.String(), "gazetteer_id": pl.String(), "gazetteer_name": pl.String(),
}


def article_mentions(rng: random.Random, article_id: str) -> list[dict]:
    """The candidate rows of one article."""
    rows: list[dict] = []
    pos = 0

    def add(mtype: str, surface: str, **fields: object) -> None:
        nonlocal pos
        start = pos + rng.randint(1, 30)
        end = start + len(surface)
        pos = end
        rows.append({"mention_id": make_mention_id(article_id, mtype, start, end), "article_id": article_id,
                     "mention_type": mtype, "surface": surface, "start": start, "end": end, "raw_start": start,
                     "raw_end": end, "label": {"person": "PERSON", "place": "GPE"}.get(mtype, "QUANTITY"), **fields})

    for _ in range(rng.randint(0, 4)):
        full = rng.choice(UNIQUE) if rng.random() < 0.4 else f"{rng.choice(FIRST)} {rng.choice(LAST)}"
        add("person", full, canonical=full, role=rng.choice(ROLES))
        if rng.random() < 0.5:  # the article refers to the person again by surname
            add("person", full.split()[-1], canonical=full)
    for _ in range(rng.randint(0, 2)):  # a lone surname the article itself never expands
        last = rng.choice([*LAST, "Maduro", "Trump", "Bolsonaro"])
        add("person", last, canonical=last)
    for _ in range(rng.randint(0, 3)):
        name, gaz, gid, ptype, cc = rng.choice(PLACES)
        add("place", name, canonical=name, gazetteer=gaz, gazetteer_id=gid, place_type=ptype, country_code=cc,
            gazetteer_name=name if gaz else None, latitude=10.5 if gaz else None, longitude=-66.9 if gaz else None)
    for _ in range(rng.randint(0, 3)):
        value = float(rng.choice([100, 105, 120, 300, 2, 50]))
        unit = rng.choice(UNITS)
        add("quantity", f"{value:g}", value=value, unit=None if unit == "count" else unit,
            quantified=rng.choice(NOUNS), qualifier=rng.choice(QUALIFIERS), unit_surface=None)
    return rows


def corpus(seed: int, n_articles: int) -> dict[str, list[dict]]:
    """article_id -> candidate rows, for ``n_articles`` articles."""
    rng = random.Random(seed)
    return {f"a{i:03d}": article_mentions(rng, f"a{i:03d}") for i in range(n_articles)}


def candidates(articles: dict[str, list[dict]]) -> pl.DataFrame:
    """The mention_candidates table of these articles, in the asset's order."""
    rows = [r for aid in sorted(articles) for r in articles[aid]]
    return pl.DataFrame(rows, schema=SCHEMA).sort("article_id", "start", "end", "mention_type")
