"""The mention record every extractor returns, its id, and the extractor version (no spaCy needed)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

EXTRACTOR_VERSION = "extract-0.4"  # 0.4: capitals recased for the model, document-level labels


@dataclass(frozen=True)
class Mention:
    """A typed span of an article's clean text; quantity fields are null for other types."""

    mention_id: str
    article_id: str
    mention_type: str
    surface: str
    start: int
    end: int
    label: str
    family: str | None = None
    value: float | None = None
    unit: str | None = None
    unit_surface: str | None = None
    quantified: str | None = None
    qualifier: str | None = None
    # People and places (nlp/extract/people.py, places.py); null for other types.
    canonical: str | None = None
    role: str | None = None
    place_type: str | None = None
    country_code: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    gazetteer: str | None = None
    gazetteer_id: str | None = None
    gazetteer_name: str | None = None


def make_mention_id(article_id: str, mention_type: str, start: int, end: int) -> str:
    return hashlib.sha256(f"{article_id}:{mention_type}:{start}:{end}".encode()).hexdigest()[:16]
