import pytest

from dagster_project.nlp.extract.aircraft import ROLES, load_aircraft_table
from dagster_project.nlp.extract.pipeline import extract_mentions
from dagster_project.nlp.extract.quantities import parse_number


@pytest.mark.parametrize(
    ("text", "value"),
    [("35", 35.0), ("800,000", 800000.0), ("three million", 3e6), ("two", 2.0), ("dozens", None), ("1.5", 1.5),
     ("twenty-five", 25.0), ("two hundred thousand", 200000.0)],
)
def test_parse_number(text: str, value: float | None) -> None:
    assert parse_number(text) == value


@pytest.mark.parametrize(
    ("sentence", "surface", "family"),
    [
        ("An Antonov-124 landed.", "Antonov-124", "An-124"),
        ("Before Monday, an II-62 had made regular trips.", "II-62", "Il-62"),
        ("The Ilyushin IL-62M is used to carry troops.", "Ilyushin IL-62M", "Il-62"),
        ("Two TU-160 bombers arrived.", "TU-160", "Tu-160"),
        ("A Boeing C-17 landed in Kenya.", "Boeing C-17", "C-17"),
    ],
)
def test_aircraft_variants_resolve_to_family(nlp, sentence: str, surface: str, family: str) -> None:  # type: ignore[no-untyped-def]
    found = [m for m in extract_mentions(nlp, [("a1", sentence)]) if m.mention_type == "aircraft"]
    assert [(m.surface, m.family) for m in found] == [(surface, family)]


def test_quantity_value_unit_and_object(nlp) -> None:  # type: ignore[no-untyped-def]
    text = "He said around 100 Russian soldiers disembarked along with about 35 tons of equipment."
    qs = {m.surface: m for m in extract_mentions(nlp, [("a1", text)]) if m.mention_type == "quantity"}
    tons = next(m for s, m in qs.items() if "35" in s)
    assert (tons.value, tons.unit, tons.quantified, tons.qualifier) == (35.0, "tonne", "equipment", "about")
    soldiers = next(m for s, m in qs.items() if "100" in s)
    assert (soldiers.value, soldiers.unit, soldiers.quantified) == (100.0, "count", "soldiers")


def test_offsets_match_surface(nlp) -> None:  # type: ignore[no-untyped-def]
    text = "Mike Pompeo spoke to Sergei Lavrov about Venezuela and 300 tonnes of aid."
    for m in extract_mentions(nlp, [("a1", text)]):
        assert text[m.start:m.end] == m.surface


def test_aircraft_table_is_well_formed() -> None:
    table = load_aircraft_table()
    families = [f.family for f in table]
    assert len(families) == len(set(families))
    assert all(f.role in ROLES for f in table)
