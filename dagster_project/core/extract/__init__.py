"""Mention extraction: people, aircraft, quantities and places from a parsed spaCy Doc."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from spacy.language import Language
from spacy.tokens import Doc, Span

from dagster_project.core.extract.aircraft import AIRCRAFT_LABEL
from dagster_project.core.extract.quantities import QUALIFIERS, find_quantities

EXTRACTOR_VERSION = "extract-0.2"

_LABEL_TO_TYPE = {
    "PERSON": "person",
    AIRCRAFT_LABEL: "aircraft",
    "GPE": "place",
    "LOC": "place",
    "FAC": "place",
}
# Platforms and common nouns the small model is known to tag as people.
_NOT_PEOPLE = {"twitter", "facebook", "instagram", "photographs", "photograph", "reuters", "afp", "getty"}


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


def make_mention_id(article_id: str, mention_type: str, start: int, end: int) -> str:
    return hashlib.sha256(f"{article_id}:{mention_type}:{start}:{end}".encode()).hexdigest()[:16]


def _trim(span: Span) -> Span:
    """Drop a leading determiner or possessive so 'the United States' keeps its span tight."""
    doc = span.doc
    start, end = span.start, span.end
    while start < end and doc[start].lower_ in ("the", "'s", "’s"):
        start += 1
    while end > start and doc[end - 1].lower_ in ("'s", "’s", "'", "’"):
        end -= 1
    return Span(doc, start, end, label=span.label_) if (start, end) != (span.start, span.end) else span


def _quantity_mentions(doc: Doc, article_id: str) -> list[Mention]:
    """Quantities come from token and dependency rules (core/extract/quantities.py), not the NER labels."""
    out = []
    for q in find_quantities(doc):
        start, end = q.span.start_char, q.end_char
        p = q.parse
        out.append(Mention(make_mention_id(article_id, "quantity", start, end), article_id, "quantity", q.text,
                           start, end, q.label, None, p.value, p.unit, p.unit_surface, p.quantified, p.qualifier))
    return out


def mentions_from_doc(doc: Doc, article_id: str) -> list[Mention]:
    """All mentions of interest in one parsed article."""
    out: list[Mention] = []
    for ent in doc.ents:
        mtype = _LABEL_TO_TYPE.get(ent.label_)
        if mtype is None:
            continue
        span = ent if mtype == "quantity" else _trim(ent)
        if mtype == "aircraft":
            span = ent  # extended and trimmed by the aircraft_resolver pipeline step
        if not len(span) or not span.text.strip():
            continue
        if mtype == "person" and (span.text.lower() in _NOT_PEOPLE or not any(t.is_alpha for t in span)):
            continue
        start, end = span.start_char, span.end_char
        mid = make_mention_id(article_id, mtype, start, end)
        family = ent.kb_id_ or None if mtype == "aircraft" else None
        out.append(Mention(mid, article_id, mtype, span.text, start, end, ent.label_, family))
    out.extend(_quantity_mentions(doc, article_id))
    return out


def extract_mentions(
    nlp: Language,
    articles: Iterable[tuple[str, str]],
    batch_size: int = 32,
    n_process: int = 1,
) -> Iterator[Mention]:
    """Mentions for ``(article_id, text)`` pairs, streamed through ``nlp.pipe``."""
    stream = ((text, article_id) for article_id, text in articles)
    for doc, article_id in nlp.pipe(stream, as_tuples=True, batch_size=batch_size, n_process=n_process):
        yield from mentions_from_doc(doc, article_id)


__all__ = ["EXTRACTOR_VERSION", "Mention", "QUALIFIERS", "extract_mentions", "mentions_from_doc"]
