"""Ship and ship-class names are neither people nor places (nlp/extract/vessels.py)."""

import pytest

from dagster_project.nlp.extract.pipeline import extract_mentions
from dagster_project.nlp.extract.vessels import vessel_names


def test_ship_and_class_names_are_found_without_prefix_or_trailing_words() -> None:
    text = ("The Nimitz-class carrier USS Ronald Reagan (CVN 76) met HMS Ark Royal and USS Wayne E. Meyer, "
            "while USS Porter Sailors watched the Arleigh Burke-class destroyer.")
    found = vessel_names(text)
    assert found.names == {"Nimitz", "Ronald Reagan", "Ark Royal", "Wayne E. Meyer", "Porter", "Arleigh Burke"}
    assert sorted(text[s:e] for s, e in found.spans) == sorted(found.names)
    assert vessel_names("Senator Ronald Wyden flew to Oslo.").names == frozenset()


@pytest.fixture(scope="module")
def nlp():  # type: ignore[no-untyped-def]
    from dagster_project.nlp.model import load_nlp

    return load_nlp()


def test_re_mentions_of_a_ship_are_dropped_but_real_people_and_places_stay(nlp) -> None:  # type: ignore[no-untyped-def]
    text = ("Sailors aboard USS Carney (DDG 64) steamed through the Red Sea. By evening Carney had shot down 15 drones, "
            "said Fire Controlman Justin Parker. Fireman Ben Stamps was flown to HMS Ark Royal, and Ark Royal sailed "
            "for Norway.")
    found = {(m.mention_type, m.surface) for m in extract_mentions(nlp, [("a", text)]) if m.mention_type in ("person", "place")}
    assert not {s for _, s in found} & {"Carney", "Ark Royal"}
    assert {("place", "Red Sea"), ("place", "Norway")} <= found
    # (peeling the rate "Fire Controlman" off the name is the person extractor's business, not checked here)
    assert any(t == "person" and s.endswith("Justin Parker") for t, s in found)
