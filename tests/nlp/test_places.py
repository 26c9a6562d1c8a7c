"""Places: gazetteer lookups (countries, aliases, cities, airports), and what is not a place."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dagster_project.nlp.extract import places as places_module
from dagster_project.nlp.extract.pipeline import extract_mentions
from dagster_project.nlp.extract.places import is_demonym, lookup_airport, lookup_place


@pytest.mark.parametrize(
    ("name", "place_type", "country", "gazetteer_id"),
    [
        ("US", "country", "US", "6252001"),
        ("U.S.", "country", "US", "6252001"),
        ("America", "country", "US", "6252001"),
        ("the United States", "country", "US", "6252001"),
        ("Britain", "country", "GB", "2635167"),
        ("UK", "country", "GB", "2635167"),
        ("Russia", "country", "RU", "2017370"),
        ("Russian Federation", "country", "RU", "2017370"),
        ("Venezuela", "country", "VE", "3625428"),
        ("Caracas", "city", "VE", "3646738"),
        ("Moscow", "city", "RU", "524901"),
        ("Washington", "city", "US", "4140963"),
        ("Minsk", "city", "BY", "625144"),
        ("South America", "continent", None, "6255150"),
        ("Florida", "region", "US", "4155751"),
    ],
)
def test_lookup_place(name: str, place_type: str, country: str | None, gazetteer_id: str) -> None:
    place = lookup_place(name)
    assert place is not None
    assert (place.place_type, place.country_code, place.gazetteer_id) == (place_type, country, gazetteer_id)


def test_city_coordinates_come_from_geonames() -> None:
    caracas = lookup_place("Caracas")
    assert caracas is not None and caracas.latitude is not None and caracas.longitude is not None
    assert abs(caracas.latitude - 10.49) < 0.1 and abs(caracas.longitude + 66.88) < 0.1


@pytest.mark.parametrize(
    ("name", "icao"),
    [("Maiquetía", "SVMI"), ("Maiquetia", "SVMI"), ("Chkalovsky", "UUMU"), ("Gatwick", "EGKK"),
     ("Incirlik", "LTAG"), ("RAF Brize Norton", "EGVN"), ("Caracas", "SVMI")],
)
def test_lookup_airport_by_name_or_city(name: str, icao: str) -> None:
    airport = lookup_airport(name)
    assert airport is not None and airport.gazetteer == "icao" and airport.gazetteer_id == icao


@pytest.mark.parametrize("word", ["Russian", "Venezuelan", "Chinese", "Syrian", "Ukrainian", "American", "British"])
def test_nationality_adjectives_are_demonyms(word: str) -> None:
    assert is_demonym(word)


@pytest.mark.parametrize("word", ["Russia", "Venezuela", "Caracas", "Moscow"])
def test_place_names_are_not_demonyms(word: str) -> None:
    assert not is_demonym(word)


def _places(nlp, text: str):  # type: ignore[no-untyped-def]
    return [m for m in extract_mentions(nlp, [("a1", text)]) if m.mention_type == "place"]


@pytest.mark.parametrize(
    ("sentence", "surface", "place_type", "gazetteer_id"),
    [
        ("The aircraft was seen at Maiquetia airport outside Caracas.", "Maiquetia airport", "airport", "SVMI"),
        ("A plane flying the Russian flag at Maiquetía airport in Caracas.", "Maiquetía airport", "airport", "SVMI"),
        ("Drones were launched at its Hmeimim air base in western Syria.", "Hmeimim air base", "base", None),
        ("Tornado jets flew from RAF Marham on Monday.", "RAF Marham", "base", "EGYM"),
        ("The diverted jet landed at Minsk National Airport on Sunday.", "Minsk National Airport", "airport", "UMMS"),
        ("A chartered Boeing 777 flew from Gatwick on Sunday.", "Gatwick", "airport", "EGKK"),
    ],
)
def test_airports_in_text(nlp, sentence: str, surface: str, place_type: str, gazetteer_id: str | None) -> None:  # type: ignore[no-untyped-def]
    found = {m.surface: m for m in _places(nlp, sentence)}
    assert surface in found
    m = found[surface]
    assert (m.place_type, m.gazetteer_id) == (place_type, gazetteer_id)
    assert sentence[m.start:m.end] == surface


def test_aliases_share_one_gazetteer_id(nlp) -> None:  # type: ignore[no-untyped-def]
    text = ("US sanctions hurt. The U.S. said America would act, and the United States did. "
            "Britain and the UK agreed.")
    ids = {m.surface: (m.gazetteer, m.gazetteer_id) for m in _places(nlp, text)}
    assert ids["US"] == ids["U.S."] == ids["America"] == ids["United States"] == ("geonames", "6252001")
    assert ids["Britain"] == ids["UK"]


@pytest.mark.parametrize(
    "sentence",
    [
        "The Kremlin echoed that line and the EU condemned it.",
        "Russian troops and Venezuelan guardsmen stood on the tarmac.",
        "The state department said the White House was briefed, and the Pentagon agreed.",
        "More soldiers unload to help prop up Pres. Maduro.",
    ],
)
def test_organisations_adjectives_and_titles_are_not_places(nlp, sentence: str) -> None:  # type: ignore[no-untyped-def]
    assert _places(nlp, sentence) == []


@pytest.mark.parametrize(
    ("sentence", "surface", "place_type"),
    [
        # Features no gazetteer lists are places by their capitalised head word, and "King" stays in the name.
        ("The team skied across Dorrel Glacier before the storm.", "Dorrel Glacier", "region"),
        ("The ship crossed Keller Passage on Monday.", "Keller Passage", "sea"),
        # Bases named after people, with a lower-case facility word.
        ("The crew spent the night at the Arturo Prat base.", "Arturo Prat base", "base"),
        ("Supplies reached the Juan Gomez air base by road.", "Juan Gomez air base", "base"),
    ],
)
def test_unlisted_features_and_bases(nlp, sentence: str, surface: str, place_type: str) -> None:  # type: ignore[no-untyped-def]
    found = {m.surface: m for m in _places(nlp, sentence)}
    assert surface in found, found
    assert found[surface].place_type == place_type


@pytest.mark.parametrize(
    ("sentence", "not_places"),
    [
        ("Environment Canada issued a heat warning on Monday.", {"Canada"}),
        ("The lobby group Airlines for Europe said strikes cost millions.", {"Europe"}),
        ("The mayor said so in a post on X.", {"X", "X."}),
    ],
)
def test_a_place_closing_an_organisation_name_is_not_a_place(nlp, sentence: str, not_places: set[str]) -> None:  # type: ignore[no-untyped-def]
    assert not_places.isdisjoint(m.surface for m in _places(nlp, sentence))


def test_dotted_state_and_province_abbreviations(nlp) -> None:  # type: ignore[no-untyped-def]
    found = {m.surface: m for m in _places(nlp, "Fires burned near Kamloops, B.C., and Albany, N.Y., on Friday.")}
    assert (found["B.C."].gazetteer_id, found["N.Y."].gazetteer_id) == ("CA-BC", "US-NY")


def test_long_country_name_is_not_cut(nlp) -> None:  # type: ignore[no-untyped-def]
    text = "Peacekeepers from the Democratic Republic of the Congo arrived in Juba."
    surfaces = [m.surface for m in _places(nlp, text)]
    assert "Democratic Republic of the Congo" in surfaces


def test_city_in_a_named_region_is_disambiguated(nlp) -> None:  # type: ignore[no-untyped-def]
    found = {m.surface: m for m in _places(nlp, "Joe Biden will visit St. Petersburg, Florida, next week.")}
    assert found["St. Petersburg"].country_code == "US"


def test_unknown_place_keeps_null_gazetteer_fields(nlp) -> None:  # type: ignore[no-untyped-def]
    found = {m.surface: m for m in _places(nlp, "Fighters crossed near the Latin America border.")}
    latin = found["Latin America"]
    assert (latin.gazetteer, latin.gazetteer_id, latin.place_type) == (None, None, "region")


@pytest.mark.parametrize(("code", "icao"), [("JFK", "KJFK"), ("CCS", "SVMI"), ("SVMI", "SVMI"), ("UUMU", "UUMU")])
def test_airport_by_iata_or_icao_code(code: str, icao: str) -> None:
    airport = lookup_airport(code)
    assert airport is not None and airport.gazetteer_id == icao


@pytest.mark.parametrize(
    ("sentence", "surface"),
    [
        ("Two soldiers survived and were airlifted to Eldoret, where they are stable.", "Eldoret"),
        ("A school in the village of Chesegon was evacuated.", "Chesegon"),
        ("Erdoğan, who visited Kahramanmaraş and Hatay province on Wednesday, spoke.", "Kahramanmaraş"),
        ("Personnel operate from bases including Tyndall, in Florida, and North Bay.", "Tyndall"),
        ("Typhoons took off from CFB Goose Bay in Labrador.", "CFB Goose Bay"),
    ],
)
def test_grammar_places_names_the_model_missed(nlp, sentence: str, surface: str) -> None:  # type: ignore[no-untyped-def]
    assert surface in [m.surface for m in _places(nlp, sentence)]


@pytest.mark.parametrize(
    ("sentence", "not_place"),
    [
        ("Michael Kofman, a senior fellow at CNA, said forces were close.", "CNA"),
        ("Jordan Peterson spoke at the event.", "Jordan"),
        ("Faury said Airbus was still aiming to build 75 jets a month.", "Airbus"),
        ("The jet belonged to Riyadh Air, a new carrier.", "Riyadh Air"),
    ],
)
def test_grammar_does_not_make_places_of_people_or_companies(nlp, sentence: str, not_place: str) -> None:  # type: ignore[no-untyped-def]
    assert not_place not in [m.surface for m in _places(nlp, sentence)]


@pytest.mark.parametrize(
    ("text", "surface", "gazetteer_id"),
    [("KATHMANDU (Reuters) - A helicopter crashed.", "KATHMANDU", "1283240"),
     ("FARNBOROUGH, England - The airshow in Hampshire closed.", "FARNBOROUGH", "2649672"),
     ("FARNBOROUGH, England - The airshow in Hampshire closed.", "Hampshire", "GB-HAM")],
)
def test_datelines_and_counties(nlp, text: str, surface: str, gazetteer_id: str) -> None:  # type: ignore[no-untyped-def]
    found = {m.surface: m.gazetteer_id for m in _places(nlp, text)}
    assert found[surface] == gazetteer_id


# ---------------------------------------------------------------------------------------------- gazetteer cache


def test_the_cached_gazetteer_is_the_one_built(tmp_path: Path) -> None:
    built = places_module._cached_gazetteer(tmp_path)  # nothing cached yet: built and stored
    stored = list(tmp_path.glob("gazetteer-*"))
    assert [p.name for p in stored] == [f"gazetteer-{places_module.gazetteer_fingerprint()}.json"]
    read = places_module._cached_gazetteer(tmp_path)
    assert read is not built  # read back, not the same object
    assert read == built  # every index, every place with its coordinates, population and capital flag
    # A place indexed under several names is one object after reading back too.
    us = [p for _, p in read.names["us"] if p.place_type == "country"]
    assert us and any(p is us[0] for _, p in read.names["united states"])
    assert read.countries["US"] is us[0]


def _tiny() -> places_module.Gazetteer:
    gaz = places_module.Gazetteer()
    gaz.add("Caracas", 1, places_module.Place("Caracas", "city", "VE", 10.488, -66.879, "geonames", "3646738", 3000000))
    return gaz


@pytest.mark.parametrize("content", ["", "not json", '{"names": {}}', '{"fields": ["name"], "places": []}',
                                     json.dumps({"fields": ["name", "place_type"], "places": [["x"]]})])
def test_an_unreadable_cached_gazetteer_is_built_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, content: str
) -> None:
    monkeypatch.setattr(places_module, "_build_gazetteer", _tiny)
    path = tmp_path / f"gazetteer-{places_module.gazetteer_fingerprint()}.json"
    path.write_text(content)  # truncated, garbage, or of another layout
    gaz = places_module._cached_gazetteer(tmp_path)
    assert gaz == _tiny()
    assert places_module.gazetteer_from_json(path.read_text()) == gaz  # replaced by the one built


def test_gazetteers_of_other_code_are_removed_and_a_cache_that_cannot_be_written_is_no_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(places_module, "_build_gazetteer", _tiny)
    (tmp_path / "gazetteer-0123456789abcdef.json").write_text("from an earlier version of the code")
    places_module._cached_gazetteer(tmp_path)
    assert [p.name for p in tmp_path.iterdir()] == [f"gazetteer-{places_module.gazetteer_fingerprint()}.json"]
    not_a_folder = tmp_path / "file"
    not_a_folder.write_text("x")
    assert places_module._cached_gazetteer(not_a_folder) == _tiny()
