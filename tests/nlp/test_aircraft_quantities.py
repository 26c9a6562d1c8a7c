"""Aircraft resolution, quantity parsing, the aircraft reference contract and cross-source claims."""

import math

import pandera.errors as pa_errors
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from contracts.claims import Claims, ClaimValues
from contracts.reference import AircraftFamilies
from dagster_project.nlp.claims import Report, group_claims, hedge_interval, normalize_subject, paragraph_sources
from dagster_project.nlp.extract.aircraft import (
    aircraft_entities,
    aircraft_family_records,
    canonical_designator,
    load_aircraft_table,
    lookup,
)
from dagster_project.nlp.extract.pipeline import extract_mentions
from dagster_project.nlp.extract.quantities import normalize_unit, parse_number
from dagster_project.nlp.model import load_nlp
from dagster_project.publish.frames import records_to_frame


def _aircraft(nlp, text: str) -> list[tuple[str, str | None]]:  # type: ignore[no-untyped-def]
    return [(m.surface, m.family) for m in extract_mentions(nlp, [("a1", text)]) if m.mention_type == "aircraft"]


def _quantities(nlp, text: str) -> list:  # type: ignore[no-untyped-def]
    return [m for m in extract_mentions(nlp, [("a1", text)]) if m.mention_type == "quantity"]


# ----------------------------------------------------------------------------- aircraft


@pytest.mark.parametrize(
    ("surface", "family"),
    [
        ("Il-62", "Il-62"), ("II-62", "Il-62"), ("IL-62M", "Il-62"), ("1l-62", "Il-62"), ("Ilyushin Il-62", "Il-62"),
        ("il 62", "Il-62"), ("An-124", "An-124"), ("AN-124", "An-124"), ("Antonov-124", "An-124"),
        ("Antonov AN 124", "An-124"), ("An-124-100", "An-124"), ("TU-160", "Tu-160"), ("Tu-22M3", "Tu-22M"),
        ("Tu-22", "Tu-22"), ("Su-30MKI", "Su-30"), ("MiG-29K", "MiG-29"), ("Mi-171", "Mi-17"), ("F-16s", "F-16"),
        ("Boeing C-17", "C-17"), ("C-17 Globemaster III", "C-17"), ("Boeing 737-800", "Boeing 737"),
        ("737 MAX", "Boeing 737"), ("A320neo", "A320"), ("Airbus A400M", "A400M"), ("Q400", "Dash 8"),
        ("EC725", "H225"), ("F/A-18E", "F/A-18"), ("Bell 206", "Bell 206"), ("Bayraktar TB2", "TB2"),
        ("Ruslan", "An-124"), ("Black Hawk", "UH-60"), ("Xian Y-20", "Y-20"),
    ],
)
def test_lookup_resolves_variants_to_family(surface: str, family: str) -> None:
    match = lookup(surface)
    assert match.family is not None and match.family.family == family


@pytest.mark.parametrize("surface", ["KJ-600", "Xian Y-30", "Fokker", "G-20", "An-12345"])
def test_lookup_leaves_unknown_designators_unresolved(surface: str) -> None:
    assert lookup(surface).family is None


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ("An Antonov-124 cargo plane landed.", [("Antonov-124", "An-124")]),
        ("Before Monday, an II-62 had made regular trips.", [("II-62", "Il-62")]),
        ("The Ilyushin IL-62M is used to carry troops.", [("Ilyushin IL-62M", "Il-62")]),
        ("Two TU-160 bombers arrived.", [("TU-160", "Tu-160")]),
        ("Two C-17 Globemaster III transports landed.", [("C-17 Globemaster III", "C-17")]),
        ("A UH-60 Black Hawk crashed.", [("UH-60 Black Hawk", "UH-60")]),
        ("They bought 20 Boeing 737-800 jets.", [("Boeing 737-800", "Boeing 737")]),
        ("Four Hercules transport planes arrived.", [("Hercules", "C-130")]),
        ("China flew a KJ-600 early warning aircraft.", [("KJ-600", None)]),
        ("A Xian Y-30 transport was shown.", [("Xian Y-30", None)]),
        # Designator shapes that are not aircraft.
        ("The G-20 summit opened in Rome.", []),
        ("COVID-19 cases rose in the city.", []),
        ("He was refused an F-1 visa.", []),
        ("Traffic was slow on the A-1 highway.", []),
        ("M-23 rebels seized Goma.", []),
        ("MI6 said the report was accurate.", []),
        ("The flight MH17 was shot down over Ukraine.", []),
        ("Ruslan Pukhov, an analyst, said the plane was old.", []),
        ("The S-400 anti-aircraft missile system was deployed.", []),
        ("The Hercules myth inspired the play.", []),
        ("Tony Hawk skated while the plane landed.", []),
        ("Royal Air Force Typhoons were scrambled.", [("Typhoons", "Eurofighter Typhoon")]),
        ("Boeing delivered 32 737s in May.", [("737s", "Boeing 737")]),
        ("The 737 MAX 9 was grounded.", [("737 MAX 9", "Boeing 737")]),
        ("NORAD launched two F-35 Lightning IIs.", [("F-35 Lightning IIs", "F-35")]),
        ("In Harbin 9 people died when the bus crashed.", []),
        ("Samsung showed the Galaxy S24 and the iPhone 15.", []),
        ("Tanks such as the T-72 and M1 Abrams were sent with S-300 systems and Su-25 jets.", [("Su-25", "Su-25")]),
        # Mission or national letters before a table designator; the model's name after the number.
        ("Canada flew a CC-130J transport to the north.", [("CC-130J", "C-130")]),
        ("The twin-engine CN-235 had taken off at dawn.", [("CN-235", "CN-235")]),
        ("Two F-15C Eagles were scrambled.", [("F-15C Eagles", "F-15")]),
        ("The carrier ordered four 767F freighters.", [("767F", "Boeing 767")]),
        ("The airline will receive 30 737 MAX 10s next year.", [("737 MAX 10s", "Boeing 737")]),
        ("A Beechcraft King Air 350 landed at dawn.", [("Beechcraft King Air 350", "King Air")]),
        # A maker and a model number missing from the table: kept, unresolved; a year after a maker is not a model.
        ("A Cessna 310 landed in Atlanta.", [("Cessna 310", None)]),
        ("The Airbus 2024 results were strong.", []),
    ],
)
def test_aircraft_mentions(nlp, sentence: str, expected: list[tuple[str, str | None]]) -> None:  # type: ignore[no-untyped-def]
    assert _aircraft(nlp, sentence) == expected


def test_unresolved_maker_and_number_keeps_the_maker_in_its_name() -> None:
    assert canonical_designator("Cessna 310") == "Cessna 310"
    assert canonical_designator("Casa 101B") == "Casa 101"
    assert canonical_designator("Xian Y-30") == "Y-30"


def test_aircraft_entities_carry_table_attributes_and_unresolved_ids() -> None:
    ents, mapping = aircraft_entities([("m1", "An-124", "Antonov-124"), ("m2", None, "Xian Y-30"), ("m3", None, "Y-30")])
    by_id = {e["entity_id"]: e for e in ents}
    assert by_id["aircraft:an-124"]["manufacturer"] == "Antonov"
    assert by_id["aircraft:an-124"]["role"] == "cargo"
    assert mapping["m2"] == mapping["m3"] == "aircraft:unresolved:y-30"
    assert by_id["aircraft:unresolved:y-30"]["model"] is None
    assert by_id["aircraft:unresolved:y-30"]["manufacturer"] == "Xian"


def test_aircraft_table_satisfies_its_contract() -> None:
    df = records_to_frame(aircraft_family_records(), AircraftFamilies)
    AircraftFamilies.validate(df, lazy=True)
    assert df.height >= 200
    assert set(df["role"]) >= {"cargo", "passenger", "bomber", "fighter", "helicopter", "tanker", "business"}


def test_aircraft_contract_rejects_a_name_shared_by_two_families() -> None:
    df = records_to_frame(aircraft_family_records(), AircraftFamilies)
    bad = df.with_columns(pl.when(pl.col("family") == "C-5").then(pl.lit(["Hercules"])).otherwise(pl.col("aliases")).alias("aliases"))
    with pytest.raises(pa_errors.SchemaErrors):
        AircraftFamilies.validate(bad, lazy=True)


# ----------------------------------------------------------------------------- quantities


@pytest.mark.parametrize(
    ("text", "value"),
    [("35", 35.0), ("800,000", 800000.0), ("three million", 3e6), ("two", 2.0), ("dozens", None), ("1.5", 1.5),
     ("twenty-five", 25.0), ("two hundred thousand", 200000.0), ("1.5bn", 1.5e9), ("40m", 4e7),
     ("one hundred and fifty", 150.0), ("2.5 million", 2.5e6), ("a dozen", 12.0)],
)
def test_parse_number(text: str, value: float | None) -> None:
    assert parse_number(text) == value


@pytest.mark.parametrize(
    ("surface", "unit"),
    [("tons", "tonne"), ("tonnes", "tonne"), ("%", "percent"), ("per cent", "percent"), ("$", "USD"),
     ("dollars", "USD"), ("€", "EUR"), ("km", "kilometre"), ("roubles", "RUB"), ("soldiers", None)],
)
def test_normalize_unit(surface: str, unit: str | None) -> None:
    assert normalize_unit(surface) == unit


@pytest.mark.parametrize(
    ("sentence", "surface", "value", "unit", "quantified", "qualifier"),
    [
        ("He said around 100 Russian soldiers disembarked.", "100", 100.0, "count", "soldiers", "around"),
        ("They unloaded about 35 tons of equipment.", "35 tons", 35.0, "tonne", "equipment", "about"),
        ("It carried 35 tonnes of material.", "35 tonnes", 35.0, "tonne", "material", None),
        ("Inflation reached at least 800,000% last year.", "800,000%", 800000.0, "percent", "inflation", "at least"),
        ("It prompted more than three million people to leave.", "three million", 3e6, "count", "people", "more than"),
        ("Both have lent billions of dollars to the country.", "billions of dollars", None, "USD", "dollars", None),
        ("The quake caused $25 billion in damage.", "$25 billion", 2.5e10, "USD", "damage", None),
        ("They signed a deal valued at $19 billion.", "$19 billion", 1.9e10, "USD", "deal", None),
        ("The 19 crew members stayed.", "19", 19.0, "count", "members", None),
        ("At the camp it was minus 12 degrees Celsius.", "minus 12 degrees Celsius", -12.0, "degree Celsius", None, None),
        ("WFP pledged US$3.4 million.", "US$3.4 million", 3.4e6, "USD", None, None),
        ("Two Tu-95MS strategic bombers flew.", "Two", 2.0, "count", "bombers", None),
        ("They ordered 40 A350-1000s.", "40", 40.0, "count", "a350-1000s", None),
        ("Each flight carries up to 21 tonnes.", "21 tonnes", 21.0, "tonne", None, "up to"),
        ("The planes carried dozens of troops.", "dozens", None, "count", "troops", None),
        ("Arrival of up to 100 soldiers in Caracas.", "100", 100.0, "count", "soldiers", "up to"),
        ("Moscow had sent some 300 tonnes of humanitarian aid.", "300 tonnes", 300.0, "tonne", "aid", "some"),
        ("The deal is worth $2.3 billion.", "$2.3 billion", 2.3e9, "USD", "deal", None),
        ("It raised €40m for the fund.", "€40m", 4e7, "EUR", None, None),
        ("Prices rose 12 per cent.", "12 per cent", 12.0, "percent", "prices", None),
        ("Officials said 12 percent of tents were damaged.", "12 percent", 12.0, "percent", "tents", None),
        ("Twenty-five soldiers were hurt.", "Twenty-five", 25.0, "count", "soldiers", None),
        ("Two of the planes left.", "Two", 2.0, "count", "planes", None),
        ("Airbus handed over 63 jets.", "63", 63.0, "count", "jets", None),
        # A speed measures what the verb says is moving (the corpus gold, e14: "wind"), else "speed".
        ("The wind was gusting over 60 km/h.", "60 km/h", 60.0, "kilometre per hour", "wind", "over"),
        ("It carries 1,300 t.", "1,300 t", 1300.0, "tonne", None, None),
        ("They sent two CF-18 Hornets.", "two", 2.0, "count", "cf-18 hornets", None),
    ],
)
def test_quantity_mentions(nlp, sentence, surface, value, unit, quantified, qualifier) -> None:  # type: ignore[no-untyped-def]
    found = _quantities(nlp, sentence)
    assert [(m.surface, m.value, m.unit, m.quantified, m.qualifier) for m in found] == [
        (surface, value, unit, quantified, qualifier)
    ]
    assert all(sentence[m.start:m.end] == m.surface for m in found)


@pytest.mark.parametrize(
    "sentence",
    [
        "The planes landed on March 24, 2019.",
        "In 2019 the crisis deepened.",
        "It comes three months after the exercise.",
        "He was elected to a second term in May 2018.",
        "The first plane left at 8:22pm.",
        "Kiprono, 61, had been appointed in June.",
        "A 37-year-old pilot was hurt.",
        "Call +44 20 7946 0958 for details.",
        "Under section 3 of the act, flights stopped.",
        "Two TU-160 bombers arrived.".replace("Two ", "The "),
        "One of the planes left on Sunday.",
        "Several planes and many troops arrived.",
        "Russian aircraft were intercepted on Sept. 23 and 24.",
        "Two-thirds of the crew were hurt.",
        "They were met by jets from 4 Wing Cold Lake, in Alberta.",
        "Apple unveiled the iPhone 15, and Windows 11 and Python 3.12 were released.",
        "Trucking costs ten times less than flying.",
        "Volunteers arrived by the dozen.",
        "The sirens sounded at four in the afternoon.",
        "The 757 landed safely after the pilots declared an emergency.",
    ],
)
def test_non_quantities(nlp, sentence: str) -> None:  # type: ignore[no-untyped-def]
    assert [m.surface for m in _quantities(nlp, sentence)] == []


def test_the_first_number_of_a_range_shares_the_unit(nlp) -> None:  # type: ignore[no-untyped-def]
    found = [(m.surface, m.value, m.unit) for m in _quantities(nlp, "Each plane drops between 3,000 and 5,000 litres.")]
    assert found == [("3,000", 3000.0, "litre"), ("5,000 litres", 5000.0, "litre")]


def test_a_count_after_by_the_is_kept(nlp) -> None:  # type: ignore[no-untyped-def]
    found = [(m.surface, m.value) for m in _quantities(nlp, "The pilots were followed by the seven passengers.")]
    assert found == [("seven", 7.0)]


# ----------------------------------------------------------------------------- claims


def _r(mid: str, article: str, value: float, quantified: str, qualifier: str | None = None, unit: str = "count") -> Report:
    return Report(mid, article, 0, value, unit, quantified, qualifier, None)


@pytest.mark.parametrize(
    ("noun", "subject"),
    [("troops", "troops"), ("soldiers", "troops"), ("servicemen", "troops"), ("personnel", "troops"),
     ("planes", "aircraft"), ("jets", "aircraft"), ("equipment", "cargo"), ("material", "cargo"),
     ("nations", "countries"), ("bombers", "bomber"), ("supplies", "cargo"), ("batteries", "battery"),
     ("crew members", "crew member"), ("military personnel", "troops"), ("embassy staff", "embassy staff")],
)
def test_normalize_subject(noun: str, subject: str) -> None:
    assert normalize_subject(noun) == subject


def test_hedged_reports_of_one_number_form_one_agreeing_claim() -> None:
    reports = [_r("m1", "afp", 100, "soldiers", "around"), _r("m2", "bbc", 100, "troops", "about"),
               _r("m3", "grd", 100, "soldiers", "nearly"), _r("m4", "rtr", 100, "troops", "up to"),
               _r("m5", "grd", 100, "soldiers", "about")]
    outlets = {"afp": "AFP", "bbc": "BBC", "grd": "The Guardian", "rtr": "Reuters"}
    claims, values = group_claims(reports, outlets)
    assert len(claims) == 1
    c = claims[0]
    assert (c.subject, c.unit, c.value_min, c.value_max, c.n_articles, c.n_outlets) == ("troops", "count", 100, 100, 4, 4)
    assert c.agree and (c.agreed_low, c.agreed_high) == (90.0, 100.0)
    assert {v.article_id: v.qualifier for v in values} == {"afp": "around", "bbc": "about", "grd": "nearly", "rtr": "up to"}
    assert next(v for v in values if v.article_id == "grd").n_mentions == 2


def test_disagreeing_and_distinct_claims() -> None:
    reports = [_r("m1", "a", 100, "troops", "about"), _r("m2", "b", 120, "soldiers", "more than"),
               _r("m3", "a", 35, "equipment", None, "tonne"), _r("m4", "b", 35, "material", "about", "tonne"),
               _r("m5", "a", 35, "troops")]
    claims, _ = group_claims(reports)
    by = {(c.subject, c.unit, c.value_min): c for c in claims}
    assert not by[("troops", "count", 100)].agree  # about 100 admits at most 110, more than 120 at least 120
    assert by[("cargo", "tonne", 35)].agree
    assert ("troops", "count", 35) not in by  # a single article is not a cross-source claim


def test_syndicated_copies_count_once() -> None:
    reports = [_r("m1", "orig", 100, "troops", "about"), _r("m2", "copy", 100, "troops", "about"),
               _r("m3", "other", 100, "soldiers", "nearly")]
    claims, values = group_claims(reports, {"orig": "AFP", "copy": "Yahoo", "other": "Reuters"}, {"copy": "orig"})
    assert claims[0].n_articles == 2 and claims[0].n_reports == 3 and claims[0].outlets == ["AFP", "Reuters"]
    assert {v.article_id: v.counted for v in values} == {"orig": True, "copy": False, "other": True}
    only_copies = [_r("m1", "copy", 100, "troops"), _r("m2", "copy2", 100, "troops")]
    assert group_claims(only_copies, source_of={"copy": "orig", "copy2": "orig"})[0] == []


@pytest.mark.parametrize(
    ("value", "qualifier", "interval"),
    [(100, "about", (90.0, 110.00000000000001)), (100, "nearly", (85.0, 100.0)), (100, "up to", (0.0, 100.0)),
     (100, "more than", (100.0, math.inf)), (100, None, (99.0, 101.0))],
)
def test_hedge_interval(value: float, qualifier: str | None, interval: tuple[float, float]) -> None:
    assert hedge_interval(value, qualifier) == pytest.approx(interval)


def test_paragraph_sources_map_mentions_in_copied_paragraphs() -> None:
    mentions = [("m1", "b", 10, 13), ("m2", "b", 120, 125), ("m3", "a", 10, 13)]
    paragraphs = [("b", 0, 100, "a"), ("a", 0, 100, "a")]
    assert paragraph_sources(mentions, paragraphs) == {"m1": "a"}


def test_claim_frames_satisfy_contracts() -> None:
    claims, values = group_claims([_r("m1", "a", 100, "troops", "about"), _r("m2", "b", 100, "soldiers")], {"a": "AFP"})
    Claims.validate(records_to_frame(claims, Claims), lazy=True)
    ClaimValues.validate(records_to_frame(values, ClaimValues), lazy=True)


def test_unknown_outlet_of_a_source_is_taken_from_its_copy() -> None:
    reports = [_r("m1", "orig", 100, "troops"), _r("m2", "copy", 100, "troops"), _r("m3", "other", 100, "troops")]
    claims, _ = group_claims(reports, {"orig": None, "copy": "BBC", "other": "AFP"}, {"copy": "orig"})
    assert claims[0].outlets == ["AFP", "BBC"] and claims[0].n_articles == 2


def test_copied_paragraph_counts_for_its_source() -> None:
    # "b" wrote its own story but its sentence with the number was copied from "a"'s paragraph.
    reports = [_r("m1", "a", 100, "troops", "about"),
               Report("m2", "b", 0, 100, "count", "troops", "about", None, "a"),
               _r("m3", "c", 100, "soldiers", "nearly")]
    claims, values = group_claims(reports, {"a": "BBC", "b": "AFP", "c": "Reuters"})
    assert claims[0].n_articles == 2 and claims[0].outlets == ["BBC", "Reuters"]
    assert {v.article_id: (v.source_article_id, v.counted) for v in values} == {
        "a": ("a", True), "b": ("a", False), "c": ("c", True)}


_SOUP = ["An-124", "II-62", "$", "€", "5", "5m", "twenty", "-", "five", "of", "dollars", "billions", "tens", "about",
         "up", "to", "%", "per", "cent", "Boeing", "737", "MAX", "9", "Hercules", "plane", "landed", ".", "\n", "1.",
         "Sept.", "24", "and", "km", "/", "h.", "t.", "Galaxy", "S24", "C-17", "Globemaster", "III", "IIs", "hundred",
         "a", "million", "Bell", "206", "Ruslan", "Pukhov", "—", "1l-62", "F/A-18E", "Super", "Hornet", "one", "two",
         "dozens", "troops", "aged", "37", "year", "old", "+44", "020", "7946"]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from(_SOUP), max_size=30))
def test_mentions_are_exact_spans_of_any_token_soup(words: list[str]) -> None:
    text = " ".join(words)
    for m in extract_mentions(load_nlp(), [("a1", text)]):
        assert text[m.start:m.end] == m.surface
        assert m.mention_type != "aircraft" or m.family is None or m.family in {f.family for f in load_aircraft_table()}
