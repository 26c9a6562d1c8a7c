"""People: misfire filters, title stripping, in-article name resolution and role extraction."""

from __future__ import annotations

import pytest

from dagster_project.nlp.extract.pipeline import extract_mentions


def _people(nlp, text: str):  # type: ignore[no-untyped-def]
    return [m for m in extract_mentions(nlp, [("a1", text)]) if m.mention_type == "person"]


@pytest.mark.parametrize(
    ("sentence", "surface", "role"),
    [
        ("He said 100 soldiers were led by Gen Vasily Tonkoshkurov of the ground forces.", "Vasily Tonkoshkurov", "general"),
        ("More soldiers arrived, wrote Prof. Steve Hanke on his blog.", "Steve Hanke", "professor"),
        ("Mr Guaidó has accused the government of fraud.", "Guaidó", None),
        ("The deal was signed by President Nicolas Maduro on Monday.", "Nicolas Maduro", "president"),
        ("Secretary of State Antony Blinken flew to Kyiv.", "Antony Blinken", "secretary of state"),
        ("Lt. Gen. Mark Hertling told reporters the base was a hub.", "Mark Hertling", "lieutenant general"),
    ],
)
def test_titles_are_peeled_off_and_kept_as_role(nlp, sentence: str, surface: str, role: str | None) -> None:  # type: ignore[no-untyped-def]
    people = _people(nlp, sentence)
    assert [(p.surface, p.role) for p in people] == [(surface, role)]
    for p in people:
        assert sentence[p.start:p.end] == p.surface


@pytest.mark.parametrize(
    ("sentence", "surface", "role"),
    [
        ("Javier Mayorca, an independent journalist, reported the arrival on Saturday.", "Javier Mayorca", "journalist"),
        ("Pompeo had spoken to the Russian foreign minister, Sergei Lavrov, about it.", "Sergei Lavrov", "foreign minister"),
        ("The state department spokesman Robert Palladino said the talks went well.", "Robert Palladino", "state department spokesman"),
        ("It backed Venezuelan opposition leader Juan Guaidó in January.", "Juan Guaidó", "opposition leader"),
        ("Reporter Javier Mayorca wrote on Twitter on Saturday.", "Javier Mayorca", "reporter"),
    ],
)
def test_role_from_apposition_or_compound(nlp, sentence: str, surface: str, role: str) -> None:  # type: ignore[no-untyped-def]
    found = {p.surface: p.role for p in _people(nlp, sentence)}
    assert found[surface] == role


@pytest.mark.parametrize(
    ("sentence", "not_people"),
    [
        ("Mr Mayorca said on Twitter that a plane had landed.", {"Twitter"}),
        ("The flights carried officials, wrote Russian news agency Sputnik, which quoted a source.", {"Sputnik"}),
        ("Reporters Without Borders condemned the arrest of journalist Luis Carlos Díaz.", {"Without Borders", "Reporters Without Borders"}),
        ("The plane left from Russian military airport Chkalovsky, stopping in Syria.", {"Chkalovsky"}),
        ("A crowd of Azerbaijani firefighters arrived, said Maria Kostova.", {"Azerbaijani"}),
        ("Embraer's defence chief, Bosco da Costa Junior, said talks went well.", {"Embraer"}),
    ],
)
def test_known_misfires_are_not_people(nlp, sentence: str, not_people: set[str]) -> None:  # type: ignore[no-untyped-def]
    surfaces = {p.surface for p in _people(nlp, sentence)}
    assert not surfaces & not_people


def test_a_place_tagged_as_person_becomes_a_place(nlp) -> None:  # type: ignore[no-untyped-def]
    text = "The jet left for Caracas on Friday from Russian military airport Chkalovsky, stopping in Syria."
    places = {m.surface: m for m in extract_mentions(nlp, [("a1", text)]) if m.mention_type == "place"}
    assert places["Chkalovsky"].gazetteer_id == "UUMU"
    assert places["Chkalovsky"].place_type == "airport"


def test_surname_resolves_to_the_full_name_in_the_article(nlp) -> None:  # type: ignore[no-untyped-def]
    text = ("President Nicolás Maduro spoke on Monday. Later, Maduro said the Maduro government would stay. "
            "Donald Trump disagreed, and Trump said so twice.")
    people = _people(nlp, text)
    canon = {(p.surface, p.canonical) for p in people}
    assert ("Maduro", "Nicolás Maduro") in canon
    assert ("Trump", "Donald Trump") in canon
    # Label propagation: "the Maduro government" is a mention the model alone misses.
    assert sum(p.surface == "Maduro" for p in people) == 2


def test_ambiguous_surname_stays_unresolved(nlp) -> None:  # type: ignore[no-untyped-def]
    text = "Raúl Castro met Fidel Castro in Havana. Castro said nothing afterwards."
    lone = [p for p in _people(nlp, text) if p.surface == "Castro"]
    assert lone and all(p.canonical == "Castro" for p in lone)


def test_cut_names_are_repaired(nlp) -> None:  # type: ignore[no-untyped-def]
    text = ("European Commission President Ursula von der Leyen met French Foreign Minister Jean-Yves Le Drian. "
            "Von der Leyen later flew to Brussels.")
    people = _people(nlp, text)
    assert {p.surface for p in people} >= {"Ursula von der Leyen", "Jean-Yves Le Drian", "Von der Leyen"}
    assert next(p for p in people if p.surface == "Von der Leyen").canonical == "Ursula von der Leyen"
    places = [m.surface for m in extract_mentions(nlp, [("a1", text)]) if m.mention_type == "place"]
    assert "Leyen" not in places


def test_organisation_tagged_full_name_with_a_role_is_a_person(nlp) -> None:  # type: ignore[no-untyped-def]
    people = _people(nlp, "Paraguay's intelligence chief, Esteban Aquino, said the plane was seized.")
    assert [(p.surface, p.role) for p in people] == [("Esteban Aquino", "intelligence chief")]


def test_untagged_name_with_a_role_apposition_is_a_person(nlp) -> None:  # type: ignore[no-untyped-def]
    text = ("Esteban Aquino, head of the National Intelligence Secretariat, told a radio station in Asunción "
            "that the plane was under surveillance.")
    assert [(p.surface, p.role) for p in _people(nlp, text)] == [("Esteban Aquino", "head")]


def test_surname_inside_an_aircraft_name_is_not_a_person(nlp) -> None:  # type: ignore[no-untyped-def]
    text = "Russian ambassador Anatoly Antonov said an Antonov An-124 had landed."
    assert [p.surface for p in _people(nlp, text)] == ["Anatoly Antonov"]


def test_title_inside_the_span_is_peeled_with_what_precedes_it(nlp) -> None:  # type: ignore[no-untyped-def]
    people = _people(nlp, "Hokkaido Governor Naomichi Suzuki visited the base on Monday.")
    assert [(p.surface, p.role) for p in people] == [("Naomichi Suzuki", "governor")]


def test_two_word_surname_resolves_to_the_full_name(nlp) -> None:  # type: ignore[no-untyped-def]
    people = _people(nlp, "Economy Minister Pedro Reis Sampaio spoke first. Later, Reis Sampaio said the plan would work.")
    assert ("Reis Sampaio", "Pedro Reis Sampaio") in {(p.surface, p.canonical) for p in people}


def test_first_name_re_mention_as_subject_of_a_reporting_verb(nlp) -> None:  # type: ignore[no-untyped-def]
    text = "Chief executive Abiy Gebremedhin opened the hub. Abiy, a former pilot, said traffic would double."
    people = _people(nlp, text)
    assert ("Abiy", "Abiy Gebremedhin") in {(p.surface, p.canonical) for p in people}


def test_companies_are_not_people(nlp) -> None:  # type: ignore[no-untyped-def]
    text = ("Pilots said Lufthansa, Condor and Eurowings were flying, a Lufthansa spokesman said. "
            "Analyst Maria Lopes of Lisbon-based Tejo Advisory and PT Garuda Maintenance agreed.")
    assert {p.surface for p in _people(nlp, text)} == {"Maria Lopes"}


def test_a_word_followed_by_which_is_not_a_person(nlp) -> None:  # type: ignore[no-untyped-def]
    text = "Condor, which operates a fleet of jets, said Maria Lopes had resigned."
    assert "Condor" not in {p.surface for p in _people(nlp, text)}


def test_a_place_before_a_title_in_the_span_becomes_a_place(nlp) -> None:  # type: ignore[no-untyped-def]
    text = "The air bridge has flown more rotations than Okinawa Governor Denny Tamaki expected."
    mentions = list(extract_mentions(nlp, [("a1", text)]))
    assert ("Okinawa", "place") in {(m.surface, m.mention_type) for m in mentions}
    assert ("Denny Tamaki", "person") in {(m.surface, m.mention_type) for m in mentions}
