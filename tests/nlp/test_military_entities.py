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


@pytest.mark.parametrize(
    ("text", "people"),
    [
        # The model calls the names organisations; the kinship noun they stand in apposition with says person.
        ("The sergeant said goodbye to his wife, Carys, and son, Titus, at the hangar.", ["Carys", "Titus"]),
        # Negative case: an organisation noun in the same construction keeps the name out.
        ("The firm, Titus, said its profits rose sharply this year.", []),
    ],
)
def test_a_name_in_apposition_with_a_kinship_noun_is_a_person(nlp, text: str, people: list[str]) -> None:  # type: ignore[no-untyped-def]
    assert _of_type(nlp, text, "person") == people


# --- places -----------------------------------------------------------------------------------------------------

def test_service_members_are_no_place(nlp) -> None:  # type: ignore[no-untyped-def]
    text = "The team of Airmen flew to Guam on Monday, and the Airmen returned a week later."
    assert _of_type(nlp, text, "place") == ["Guam"]


@pytest.mark.parametrize(
    ("text", "places"),
    [
        # The apposition names an event: no place, here nor at its other mention in the article.
        ("The frigates sailed to participate in Northern Trident, a multinational exercise. Northern Trident ends "
         "in May.", []),
        ("The frigates sailed to participate in Northern Trident, a multinational exercise led by Norway.", ["Norway"]),
        # Negative case: no event noun says otherwise, so the grammar ("in") keeps the unknown name a place.
        ("The ships sailed in Northern Trident with allies from Norway.", ["Northern Trident", "Norway"]),
    ],
)
def test_a_name_in_apposition_with_an_event_noun_is_no_place(nlp, text: str, places: list[str]) -> None:  # type: ignore[no-untyped-def]
    assert _of_type(nlp, text, "place") == places


def test_a_mark_number_is_no_place(nlp) -> None:  # type: ignore[no-untyped-def]
    assert _of_type(nlp, "The gunner checked a Mk. 38 gun aboard the ship.", "place") == []


@pytest.mark.parametrize(
    ("words", "designation"),
    [
        (["a", "Mk", ".", "38", "gun"], True),
        (["No", ".", "10", "Squadron"], True),
        (["beat", "Scotland", "15-10", "in", "the", "final"], False),  # a score after a name is no designation
        (["Notts", "County", "3", "1", "1"], False),
    ],
)
def test_an_abbreviation_and_a_number_is_a_designation(nlp, words: list[str], designation: bool) -> None:  # type: ignore[no-untyped-def]
    from dagster_project.nlp.extract.places import _designation

    doc = _doc(nlp, words)
    end = next(k for k, w in enumerate(words) if w in (".", "15-10", "3"))
    start = end - 1 if words[end - 1] != "County" else end - 2
    assert _designation(doc, start, end) is designation


@pytest.mark.parametrize(
    ("text", "places"),
    [
        ("The jets belong to the United States Air Force and fly from Guam.", ["Guam"]),
        # Negative case: a country that merely modifies ("U.S. forces") is a place.
        ("U.S. forces arrived in Poland on Sunday.", ["U.S.", "Poland"]),
    ],
)
def test_a_country_opening_an_armed_service_name_is_no_place(nlp, text: str, places: list[str]) -> None:  # type: ignore[no-untyped-def]
    assert _of_type(nlp, text, "place") == places


@pytest.mark.parametrize(
    ("words", "opens_org"),
    [
        (["United", "States", "Air", "Force", "jets"], True),
        (["U.S.", "7th", "Fleet", "ships"], True),
        (["U.S.", "Fleet", "Forces", "Command"], True),
        (["U.S.", "forces", "arrived"], False),
        (["United", "States", "and", "Japan"], False),
        (["Japan", "Self", "Sufficiency", "Report"], False),
    ],
)
def test_service_words_after_a_country_make_an_organisation_name(nlp, words: list[str], opens_org: bool) -> None:  # type: ignore[no-untyped-def]
    from dagster_project.nlp.extract.places import _starts_org_name

    doc = _doc(nlp, words)
    country_end = 2 if words[0] == "United" else 1
    assert _starts_org_name(doc, country_end) is opens_org


@pytest.mark.parametrize(
    ("words", "is_installation"),
    [(["Fort", "McCoy"], True), (["Camp", "Humphreys"], True), (["Fort"], False), (["camp", "Humphreys"], False),
     (["Fort", "of", "Doom"], False)],
)
def test_fort_and_camp_name_installations(nlp, words: list[str], is_installation: bool) -> None:  # type: ignore[no-untyped-def]
    from dagster_project.nlp.extract.places import _installation

    doc = _doc(nlp, words)
    assert _installation(Span(doc, 0, len(doc))) is is_installation


def test_an_installation_the_model_calls_a_facility_is_a_base(nlp) -> None:  # type: ignore[no-untyped-def]
    from dagster_project.nlp.extract.places import place_spans

    doc = _doc(nlp, ["They", "trained", "at", "Fort", "McCoy", "and", "at", "the", "Old", "Mill", "."])
    doc.ents = [Span(doc, 3, 5, label="FAC"), Span(doc, 8, 10, label="FAC")]
    found = [(p.surface, p.place.place_type) for p in place_spans(doc)]
    assert found == [("Fort McCoy", "base")]  # a FAC that is no installation still needs the gazetteer


@pytest.mark.parametrize(
    ("text", "lead"),
    [
        ("the Indo-Pacific region", 1),
        ("the Russia-Ukraine talks", None),  # two places, no prefix
        ("the Indo - Pacific", None),  # spaced: no compound
    ],
)
def test_a_hyphen_prefix_joins_a_region(nlp, text: str, lead: int | None) -> None:  # type: ignore[no-untyped-def]
    from dagster_project.nlp.extract.places import _hyphen_prefix

    doc = nlp.make_doc(text)
    assert doc[2].text == "-"  # the tokenizer splits the hyphen off: prefix, hyphen, region
    assert _hyphen_prefix(doc, 3) == lead


@pytest.mark.parametrize(
    ("words", "label", "qualified"),
    [
        (["visit", "to", "Laem", "Chabang", ",", "Thailand", ",", "and"], "PERSON", True),
        (["visit", "to", "Laem", "Chabang", ",", "Thailand", "'s", "port"], "PERSON", False),
        (["visit", "to", "Laem", "Chabang", ",", "Ohio", "-", "based"], "PERSON", False),
        (["visit", "to", "Laem", "Chabang", ",", "Thailand", ",", "and"], "ORG", False),  # only what the model read as a person
        (["said", "Jane", "Doe", ",", "a", "pilot"], "PERSON", False),
    ],
)
def test_a_person_read_name_qualified_by_its_country_is_a_place(nlp, words: list[str], label: str,
                                                                qualified: bool) -> None:  # type: ignore[no-untyped-def]
    from dagster_project.nlp.extract.places import _qualified_by_region

    doc = _doc(nlp, words)
    start = 2 if words[0] == "visit" else 1
    assert _qualified_by_region(Span(doc, start, start + 2, label=label)) is qualified


# --- aircraft ---------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("text", "mention_type", "surface"),
    [
        # Bases written with their abbreviation, or in a dateline after a date.
        ("The prototype was scrapped at Tinker AFB in 1965.", "place", "Tinker AFB"),
        ("4/2/2019 - DYESS AIR FORCE BASE, Texas -- Crews loaded the bombers on Monday.", "place", "DYESS AIR FORCE BASE"),
        # A quoted name right before an aircraft noun is the aircraft's name.
        ("The aircraft, EC-130J's, are code-named \"Senior Scout\" planes, officials said.", "aircraft", "Senior Scout"),
        ("The report notes \"Senior Scout\" aircraft have been used before.", "aircraft", "Senior Scout"),
    ],
)
def test_bases_and_aircraft_names_in_military_copy(nlp, text: str, mention_type: str, surface: str) -> None:  # type: ignore[no-untyped-def]
    assert surface in _of_type(nlp, text, mention_type)


@pytest.mark.parametrize(
    "text",
    [
        "He told the \"Morning Show\" audience that the plan was good.",
        "The \"Desert Storm\" campaign used many aircraft.",  # the aircraft noun is not right after the quotes
    ],
)
def test_a_quoted_name_before_another_noun_is_no_aircraft(nlp, text: str) -> None:  # type: ignore[no-untyped-def]
    assert _of_type(nlp, text, "aircraft") == []


def test_designators_listed_in_brackets_after_an_aircraft_noun(nlp) -> None:  # type: ignore[no-untyped-def]
    # "T-37" is not in the reference table: the noun before the bracket is its evidence.
    text = "The rate was 20 percent for fighters (F-4, F-111) and trainers (T-37, T-38) that year."
    assert _of_type(nlp, text, "aircraft") == ["F-4", "F-111", "T-37", "T-38"]


def test_an_unknown_designator_in_brackets_after_another_noun_stays_out(nlp) -> None:  # type: ignore[no-untyped-def]
    text = "The road links two towns (T-37, T-39) in the north."
    assert _of_type(nlp, text, "aircraft") == []


@pytest.mark.parametrize(
    ("text", "person", "place"),
    [
        # A full name the model reads as a person stays one after a bare "in" ("swore in").
        ("Navy Secretary Carlos Del Toro swore in Laura Benton as the new commander.", "Laura Benton", None),
        # Negative case: a place noun after the name ("... district") still makes it a place.
        ("Afghan forces detained five fighters in Herat province's Shindand Kohna district.", None, "Shindand Kohna"),
    ],
)
def test_a_person_read_name_after_a_bare_in_stays_a_person(nlp, text: str, person: str | None,
                                                           place: str | None) -> None:  # type: ignore[no-untyped-def]
    if person is not None:
        assert person in _of_type(nlp, text, "person")
        assert person not in _of_type(nlp, text, "place")
    if place is not None:
        assert place in _of_type(nlp, text, "place")
