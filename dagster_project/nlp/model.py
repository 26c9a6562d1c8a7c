"""Loading the spaCy pipeline, with the project's rule components added."""

from __future__ import annotations

from functools import lru_cache

import spacy
from spacy.language import Language
from spacy.matcher import Matcher
from spacy.tokens import Doc
from spacy.vocab import Vocab

from dagster_project.nlp.extract.aircraft import CandidateMatcher, resolve_aircraft_ents, ruler_patterns
from dagster_project.nlp.extract.candidates import DEFAULT_MODEL
from dagster_project.nlp.extract.matching import IndexedTokenMatcher

# The lemmatizer is the only component whose output the extractors never read.
UNUSED_COMPONENTS = ("lemmatizer",)


@Language.factory("aircraft_candidates")
def aircraft_candidates(nlp: Language, name: str) -> CandidateMatcher:
    """Propose aircraft candidate spans (see nlp/extract/aircraft.py), tokenizing multi-word names as the
    pipeline's tokenizer does."""
    return CandidateMatcher(nlp.vocab, ruler_patterns(lambda s: [t.text for t in nlp.tokenizer(s)]))


@Language.component("aircraft_resolver")
def aircraft_resolver(doc: Doc) -> Doc:
    """Extend, resolve and filter the aircraft ruler's candidates (see nlp/extract/aircraft.py)."""
    return resolve_aircraft_ents(doc)


class AttributeMatcher(IndexedTokenMatcher):
    """The packaged ``attribute_ruler``'s patterns (tag -> part of speech and morphology, plus exceptions), matched
    by :class:`IndexedTokenMatcher`: the same matches, for a quarter of the CPU of its spaCy Matcher (~180 patterns
    stepped through every token cost more than the tagger and the parser together). ``AttributeRuler.match`` sorts
    the matches and applies them as before; ``original`` keeps the Matcher for ``AttributeRuler.patterns``."""

    def __init__(self, vocab: Vocab, original: Matcher, n_rules: int) -> None:
        super().__init__(vocab)
        self.original = original
        for i in range(n_rules):  # AttributeRuler keys its rules "0", "1", ...
            self.add(str(i), original.get(str(i))[1])

    def get(self, key: str) -> tuple[object, list[list[dict[str, object]]]]:
        return self.original.get(key)  # type: ignore[no-any-return]

    def __len__(self) -> int:
        return len(self.original)


@lru_cache(maxsize=2)
def load_nlp(model: str = DEFAULT_MODEL) -> Language:
    """The packaged English model plus aircraft rules placed before the statistical NER.

    ``aircraft_ruler`` (:class:`~dagster_project.nlp.extract.aircraft.CandidateMatcher`, an EntityRuler built
    for speed) proposes designator-shaped and named candidates; ``aircraft_resolver`` resolves them against the
    reference table and drops those without enough evidence, so the NER can still label the tokens they
    covered. Both run after the parser, so the resolver can read parts of speech and sentences. The model's
    ``attribute_ruler`` matches its own patterns through :class:`AttributeMatcher` (same output, less CPU).
    Loaded from site-packages only: nothing is downloaded at run time.
    """
    nlp = spacy.load(model, exclude=list(UNUSED_COMPONENTS))
    if "attribute_ruler" in nlp.pipe_names:
        ruler = nlp.get_pipe("attribute_ruler")
        ruler.matcher = AttributeMatcher(nlp.vocab, ruler.matcher, len(ruler.attrs))  # type: ignore[attr-defined]
    nlp.add_pipe("aircraft_candidates", name="aircraft_ruler", before="ner")
    nlp.add_pipe("aircraft_resolver", after="aircraft_ruler")
    return nlp
