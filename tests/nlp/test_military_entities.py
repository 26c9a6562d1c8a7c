"""People, places and aircraft on military public-affairs copy (issue 20's real-news classes): unit names and
enlisted ratings are no people, a name after a rank keeps a word the tagger read as a verb. Sentences written
for these tests; each mechanism has its positive and its negative case."""

from __future__ import annotations

import pytest
from spacy.tokens import Doc, Span

from dagster_project.nlp.extract.people import _preceding_title_role, looks_like_name, org_word_in
from dagster_project.nlp.extract.pipeline import extract_mentions


def _of_type(nlp, text: str, mention_type: str) -> list[str]:  # type: ignore[no-untyped-def]
    return [m.surface for m in extract_mentions(nlp, [("a1", text)]) if m.mention_type == mention_type]


def _doc(nlp, words: list[str], pos: list[str] | None = None) -> Doc:  # type: ignore[no-untyped-def]
    """A Doc with the given words (and coarse POS tags), so a test pins one mechanism whatever the model says;
    a "." is glued to the word before it, as in "Col."."""
    spaces = [k + 1 == len(words) or words[k + 1] != "." for k in range(len(words))]
    return Doc(nlp.vocab, words=words, spaces=spaces, pos=pos)


@pytest.mark.parametrize(
    ("words", "is_unit"),
    [
        (["Fighter", "Wing"], True),
        (["Carrier", "Air", "Wing"], True),
        (["Aviation", "Regiment"], True),
        (["Destroyer", "Squadron"], True),
        (["Central", "Command"], True),
        (["Dana", "Ortiz"], False),
        (["Alan", "Winger"], False),
    ],
)
def test_a_name_ending_in_a_unit_noun_is_an_organisation(nlp, words: list[str], is_unit: bool) -> None:  # type: ignore[no-untyped-def]
    doc = _doc(nlp, words)
    assert org_word_in(Span(doc, 0, len(doc))) is is_unit


def test_a_unit_the_model_tags_as_a_person_is_dropped(nlp) -> None:  # type: ignore[no-untyped-def]
    sentence = "The aircraft carrier USS Ford, embarked Carrier Air Wing 8, and two destroyers arrived in Souda Bay."
    assert "Carrier Air Wing" not in _of_type(nlp, sentence, "person")


@pytest.mark.parametrize(
    ("sentence", "person", "rating"),
    [
        ("\u201cWe trained for it,\u201d recalled Fire Controlman (AEGIS) 2nd Class Mara Quill, a radar technician.",
         "Mara Quill", "Fire Controlman"),
        ("\u201cIt was loud,\u201d said Gunner\u2019s Mate 1st Class Owen Pratt, a gun technician aboard the ship.",
         "Owen Pratt", "Gunner"),
        ("Fireman Leo Brandt, a member of the engineering department, hurt his hand.", "Leo Brandt", "Fireman"),
        ("Airman 1st Class Nia Castle loaded the last pallet before dawn.", "Nia Castle", "Airman"),
    ],
)
def test_enlisted_ratings_are_peeled_not_people(nlp, sentence: str, person: str, rating: str) -> None:  # type: ignore[no-untyped-def]
    people = _of_type(nlp, sentence, "person")
    assert person in people
    assert not [p for p in people if rating in p]


def test_a_surname_that_is_a_rating_word_stays_a_name(nlp) -> None:  # type: ignore[no-untyped-def]
    # Negative case: no class, no name after it, so "Seaman" is the goalkeeper's surname.
    text = "Arsenal goalkeeper David Seaman was injured, and Seaman said he would miss the match."
    assert "David Seaman" in _of_type(nlp, text, "person")


@pytest.mark.parametrize(
    ("titled", "expected"),
    [(True, True), (False, False)],
)
def test_a_titled_name_keeps_a_word_the_tagger_read_as_a_verb(nlp, titled: bool, expected: bool) -> None:  # type: ignore[no-untyped-def]
    doc = _doc(nlp, ["Sami", "Said"], ["PROPN", "VERB"])
    assert looks_like_name(Span(doc, 0, 2), titled=titled) is expected


@pytest.mark.parametrize(
    ("words", "role"),
    [
        (["said", "Col", ".", "Sami", "Said"], "colonel"),  # the tokenizer split the title's full stop off
        (["said", "Lt", ".", "Col", ".", "Omar", "Said"], "lieutenant colonel"),
        (["the", "colonel", ".", "Sami", "Said"], None),  # a sentence ending in a lower-case rank word
        (["told", "him", ".", "Sami", "Said"], None),
    ],
)
def test_an_abbreviated_title_right_before_a_name_is_its_role(nlp, words: list[str], role: str | None) -> None:  # type: ignore[no-untyped-def]
    doc = _doc(nlp, words)
    assert _preceding_title_role(Span(doc, len(words) - 2, len(words))) == role


def test_an_untitled_verb_shaped_phrase_is_still_no_name(nlp) -> None:  # type: ignore[no-untyped-def]
    # Negative case: without a title before it, a capitalised verb keeps a phrase out of the people.
    people = _of_type(nlp, "Photographs Show the damage to the hangar, officials said on Monday.", "person")
    assert "Photographs Show" not in people
