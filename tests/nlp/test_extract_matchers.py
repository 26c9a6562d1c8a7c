"""The fast matchers (nlp/extract/matching.py, aircraft.py, nlp.py) against the spaCy components they stand in for.

CandidateMatcher (the aircraft ruler) must set the same entities as a plain EntityRuler given every candidate
pattern written out; AttributeMatcher (inside the attribute ruler) must find the same matches as spaCy's
Matcher with the packaged patterns, and IndexedTokenMatcher the same as a Matcher on sets and regexes. Texts: the seed articles, sentences written for the edge cases, and seeded
random strings of the words the patterns use.
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from spacy.matcher import Matcher
from spacy.pipeline import EntityRuler

from dagster_project.nlp.extract.aircraft import CandidateMatcher, ruler_patterns
from dagster_project.nlp.extract.matching import IndexedTokenMatcher
from dagster_project.nlp.model import AttributeMatcher
from dagster_project.nlp.parse import parse_file

RAW = Path(__file__).resolve().parents[2] / "raw"

SENTENCES = [
    "The Antonov An-124 and an Ilyushin IL-62M landed; Boeing 737-800s, two 737s and a 777F followed.",
    "Lockheed Martin F-35 Lightning IIs, F/A-18E Super Hornets and a C-17 Globemaster III flew over.",
    "AN - 124, An–124-100, Antonov 124, Il 76 and the Xian Y-20 were parked by the 787-10 and 777-9s.",
    "BLACK HAWK and Black Hawks, a Hercules, KJ-500 early-warning aircraft and F-1 visa holders.",
    "He ain't gonna say y'all gotta c'mon, let's go. There's a  \n\n   gap and there are two gets.",
    "",
    "   ",
]


def _texts() -> list[str]:
    texts = [a.text for f in sorted(RAW.glob("*.txt")) for a in parse_file(f.read_text(), f.name, "x")]
    return texts + SENTENCES


def _random_texts(words: list[str], n: int) -> list[str]:
    rnd = random.Random(7)
    extra = ["-", "–", "/", "A", "F", "IL", "An", "124", "62M", "737", "800", "s", "Boeing", "an", "C", "17", "MAX",
             "9", "737s", "777F", "787-10", "F/A-18E", "Il-76", "KJ-500", "the", ",", "and"]
    out = []
    for _ in range(n):
        picked = [rnd.choice(words + extra * 10) for _ in range(rnd.randint(1, 10))]
        out.append("".join(w + rnd.choice([" ", "", " "]) for w in picked))
    return out


@pytest.fixture(scope="module")
def reference_ruler(nlp):  # type: ignore[no-untyped-def]
    patterns = ruler_patterns(lambda s: [t.text for t in nlp.tokenizer(s)])
    ruler = EntityRuler(nlp, name="reference", overwrite_ents=True)
    ruler.add_patterns(patterns.entity_ruler_patterns())
    return ruler, CandidateMatcher(nlp.vocab, patterns), patterns


def test_candidate_matcher_sets_the_entities_of_an_entity_ruler(nlp, reference_ruler) -> None:  # type: ignore[no-untyped-def]
    ruler, fast, patterns = reference_ruler
    words = sorted({w for group in (patterns.makers, patterns.names, patterns.lower_words) for ws in group for w in ws})
    texts = _texts() + _random_texts(words, 400)
    compared = 0
    for text in texts:
        expected, got = ruler(nlp.make_doc(text)), fast(nlp.make_doc(text))
        assert [(e.start, e.end, e.label_) for e in got.ents] == [(e.start, e.end, e.label_) for e in expected.ents], text
        compared += len(expected.ents)
    assert compared > 300  # the texts do exercise the patterns


def test_aircraft_ruler_in_the_pipeline_is_the_candidate_matcher(nlp) -> None:  # type: ignore[no-untyped-def]
    assert isinstance(nlp.get_pipe("aircraft_ruler"), CandidateMatcher)


def test_indexed_matcher_finds_the_matches_of_spacys_matcher(nlp) -> None:  # type: ignore[no-untyped-def]
    matcher = nlp.get_pipe("attribute_ruler").matcher
    assert isinstance(matcher, AttributeMatcher)
    assert matcher.sequences and matcher.exact and not len(matcher.fallback)
    total = 0
    for doc in nlp.pipe(_texts()):
        expected = sorted(matcher.original(doc, allow_missing=True))
        assert sorted(matcher(doc, allow_missing=True)) == expected, doc.text[:80]
        total += len(expected)
    assert total > 1000


def test_indexed_matcher_hands_operators_to_spacy_and_matches_sets_and_regexes(nlp) -> None:  # type: ignore[no-untyped-def]
    patterns = [
        [{"LOWER": {"REGEX": r"^[a-z]{2}$"}}, {"ORTH": {"IN": ["-", "–"]}}, {"LOWER": {"REGEX": r"^\d+$"}}],
        [{"LOWER": "boeing"}, {"IS_SPACE": False}, {"LOWER": {"NOT_IN": ["the", "a"]}}],
        [{"LOWER": "very"}, {"LOWER": "very", "OP": "*"}, {"LOWER": "big"}],  # an operator: left to spaCy's Matcher
    ]
    fast = IndexedTokenMatcher(nlp.vocab)
    reference = Matcher(nlp.vocab)
    for key, pattern in enumerate(patterns):
        fast.add(str(key), [pattern])
        reference.add(str(key), [pattern])
    assert len(fast.fallback) == 1 and len(fast.sequences) == 2
    texts = ["An 124 and an - 124, AN – 12; Boeing 737 , boeing the, Boeing  \n big", "very very very big, very big",
             *_texts()]
    found = 0
    for text in texts:
        doc = nlp.make_doc(text)
        expected = sorted(reference(doc))
        assert sorted(fast(doc)) == expected, text
        found += len(expected)
    assert found >= 10
