"""Quantities in the constructions real reports use (issue 20): counted objects through the parse, weight versus
sterling pounds, measured attributes of speeds and distances, ranges, and numbers that name rather than count.

The sentences are written for these tests; the real-news gold (evaluation/extract/real/) measures the same classes.
"""

import pytest

from dagster_project.nlp.extract.pipeline import extract_mentions


@pytest.fixture(scope="module")
def nlp():  # type: ignore[no-untyped-def]
    from dagster_project.nlp.model import load_nlp

    return load_nlp()


def _quantities(nlp, text: str) -> list[tuple[str, float | None, str, str | None, str | None]]:  # type: ignore[no-untyped-def]
    return [(m.surface, m.value, m.unit, m.quantified, m.qualifier)
            for m in extract_mentions(nlp, [("a1", text)]) if m.mention_type == "quantity"]


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        # predicative and comparative: the counted object comes from the verb's subject, not the nearest noun
        ("The number of advisers fell from about 2,000 to 400.",
         [("2,000", 2000.0, "count", "advisers", "about"), ("400", 400.0, "count", "advisers", None)]),
        ("Moscow sent a contingent numbering about 300 to the base.", [("300", 300.0, "count", "contingent", "about")]),
        ("The transport carried 500 people although it was built for 90.",
         [("500", 500.0, "count", "people", None), ("90", 90.0, "count", "people", None)]),
        ("US forces numbered about 2,500, down from 5,200 last year.",
         [("2,500", 2500.0, "count", "forces", "about"), ("5,200", 5200.0, "count", "forces", None)]),
        ("More than 300 strike group sailors will volunteer.", [("300", 300.0, "count", "sailors", "more than")]),
        ("Commanders flew two prototype YC-130s.", [("two", 2.0, "count", "yc-130s", None)]),
        # ranges: two rows, one per bound, sharing the unit and the counted object written after the second
        ("Between 40 and 60 soldiers were wounded.",
         [("40", 40.0, "count", "soldiers", None), ("60", 60.0, "count", "soldiers", None)]),
        ("The loss rate was 5 percent, against 1 to 2 percent for airliners.",
         [("5 percent", 5.0, "percent", "rate", None), ("1", 1.0, "percent", "rate", None),
          ("2 percent", 2.0, "percent", "rate", None)]),
        # weight or sterling
        ("Each jet dropped 30,000 pounds of supplies.", [("30,000 pounds", 30000.0, "pound", "supplies", None)]),
        ("The refit will cost 40 million pounds.", [("40 million pounds", 4e7, "GBP", "refit", None)]),
        ("Crews loaded a 2,000-pound bomb.", [("2,000-pound", 2000.0, "pound", "bomb", None)]),
        # speeds and distances with what they measure
        ("The bomber has a range of 9,000 km and cruises at 500 mph.",
         [("9,000 km", 9000.0, "kilometre", "range", None), ("500 mph", 500.0, "mile per hour", "speed", None)]),
        ("The tanker offloaded fuel 150 nautical miles offshore.", [("150 nautical miles", 150.0, "nautical mile", None, None)]),
        ("She walked the first 100 yards.", [("100 yards", 100.0, "yard", None, None)]),
        # durations only as the value of an attribute
        ("The drone has an endurance of 30 hours and a flight time of up to 14 hours.",
         [("30 hours", 30.0, "hour", "endurance", None), ("14 hours", 14.0, "hour", "time", "up to")]),
        ("The deployment lasted three months after a flight of more than six hours.", []),
        # a hedge across a hard line break
        ("More\nthan 50 ships took part.", [("50", 50.0, "count", "ships", "more than")]),
        # vague: "a few hundred"
        ("Only a few hundred troops remain.", [("hundred", None, "count", "troops", None)]),
    ],
)
def test_constructions(nlp, sentence, expected) -> None:  # type: ignore[no-untyped-def]
    assert _quantities(nlp, sentence) == expected


@pytest.mark.parametrize(
    "sentence",
    [
        "Sailors from USS Porter (DDG 78) and USS Stout (DDG 55) joined the exercise.",
        "Ships of Destroyer Squadron (DESRON) 26 and Carrier Strike Group 7 sailed with Task Force 71.",
        "The DESRON 24 commander and a Mk. 45 gun technician spoke.",
        "The prototypes, serial numbers 53-3396 and 53-3397, were given c/ns 1001 and 1002.",
        "The photo is filed as VIRIN 230812-N-PT973-1357C.",
        "The exercise Joint Warrior 15-1 began on Monday.",
        "One loss occurred per 250,000 flying hours over the period.",
    ],
)
def test_numbers_that_name_or_measure_time_are_not_quantities(nlp, sentence) -> None:  # type: ignore[no-untyped-def]
    assert _quantities(nlp, sentence) == []


def test_a_number_never_counts_itself_and_shouting_keeps_counts(nlp) -> None:  # type: ignore[no-untyped-def]
    found = _quantities(nlp, "KILLED 14 SOLDIERS IN RAID NEAR THE BORDER")
    assert [(s, v) for s, v, *_ in found] == [("14", 14.0)]
    for surface, _, _, quantified, _ in _quantities(nlp, "Officials counted 2,000 in the square and 3,000 at the port."):
        assert quantified is None or quantified != surface
