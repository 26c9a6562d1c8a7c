"""Mention extraction from a parsed spaCy Doc: aircraft (from the pipeline's aircraft components), quantities,
people and places, each through its own module."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from spacy.language import Language
from spacy.tokens import Doc

from dagster_project.nlp.extract.aircraft import AIRCRAFT_LABEL
from dagster_project.nlp.extract.doclabels import refine
from dagster_project.nlp.extract.mention import Mention, make_mention_id
from dagster_project.nlp.extract.people import person_spans
from dagster_project.nlp.extract.places import is_demonym, looks_like_place, lookup_place, place_spans
from dagster_project.nlp.extract.quantities import find_quantities
from dagster_project.nlp.extract.vessels import drop_vessel_names


def _quantity_mentions(doc: Doc, article_id: str) -> list[Mention]:
    """Quantities come from token and dependency rules (nlp/extract/quantities.py), not the NER labels."""
    out = []
    for q in find_quantities(doc):
        start, end = q.span.start_char, q.end_char
        p = q.parse
        out.append(Mention(make_mention_id(article_id, "quantity", start, end), article_id, "quantity", q.text,
                           start, end, q.label, None, p.value, p.unit, p.unit_surface, p.quantified, p.qualifier))
    return out


def mentions_from_doc(doc: Doc, article_id: str) -> list[Mention]:
    """All mentions of interest in one parsed article, in text order."""
    out: list[Mention] = []
    for ent in doc.ents:
        # Aircraft spans are already extended and trimmed by the aircraft_resolver pipeline step;
        # people and places come from their own modules below.
        if ent.label_ != AIRCRAFT_LABEL or not ent.text.strip():
            continue
        start, end = ent.start_char, ent.end_char
        out.append(Mention(make_mention_id(article_id, "aircraft", start, end), article_id, "aircraft", ent.text,
                           start, end, ent.label_, ent.kb_id_ or None))
    out += _quantity_mentions(doc, article_id)
    out += _people_and_places(doc, article_id)
    # What the whole article says about a name: shapes the model missed, propagation, clubs and companies; then
    # ships and ship classes leave the people and places (after propagation, so it cannot bring them back).
    return drop_vessel_names(refine(doc, out, article_id, _gazetteer_type), doc.text)


def _gazetteer_type(name: str) -> str | None:
    place = lookup_place(name)
    return place.place_type if place is not None and place.gazetteer else None


def _people_and_places(doc: Doc, article_id: str) -> list[Mention]:
    """Person mentions (titles peeled, in-article full name, role) and gazetteer-resolved place mentions."""
    people, handed_over = person_spans(doc, place_lookup=looks_like_place,
                                       known_place=lambda text: lookup_place(text) is not None,
                                       not_a_name=is_demonym)
    out = [
        Mention(make_mention_id(article_id, "person", p.start, p.end), article_id, "person", p.surface, p.start, p.end,
                "PERSON", canonical=p.canonical, role=p.role)
        for p in people
    ]
    for ps in place_spans(doc, extra=handed_over, persons=[(p.start, p.end) for p in people]):
        pl = ps.place
        out.append(Mention(make_mention_id(article_id, "place", ps.start, ps.end), article_id, "place", ps.surface,
                           ps.start, ps.end, "GPE", canonical=ps.display or pl.name, place_type=pl.place_type,
                           country_code=pl.country_code, latitude=pl.latitude, longitude=pl.longitude,
                           gazetteer=pl.gazetteer, gazetteer_id=pl.gazetteer_id,
                           gazetteer_name=pl.name if pl.gazetteer else None))
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


__all__ = ["extract_mentions", "mentions_from_doc"]
