import pytest

from dagster_project.core.extract import Mention
from dagster_project.core.resolve import fold, resolve


def _m(mid: str, art: str, typ: str, surface: str, family: str | None = None) -> Mention:
    return Mention(mid, art, typ, surface, 0, len(surface), "X", family)


@pytest.mark.parametrize(("a", "b"), [("Nicolás Maduro", "Nicolas Maduro"), ("Juan Guaidó", "JUAN GUAIDO"),
                                      ("Maiquetía", "Maiquetia")])
def test_fold_merges_accents_and_case(a: str, b: str) -> None:
    assert fold(a) == fold(b)


def test_surname_resolves_within_article_and_accents_merge_across() -> None:
    ms = [
        _m("1", "A", "person", "Nicolás Maduro"),
        _m("2", "A", "person", "Maduro"),
        _m("3", "B", "person", "Nicolas Maduro"),
        _m("4", "B", "aircraft", "II-62", "Il-62"),
        _m("5", "A", "aircraft", "Ilyushin IL-62M", "Il-62"),
    ]
    ents, mapping = resolve(ms)
    assert mapping["1"] == mapping["2"] == mapping["3"]
    assert mapping["4"] == mapping["5"]
    maduro = next(e for e in ents if e.entity_id == mapping["1"])
    assert maduro.canonical_name == "Nicolás Maduro"


def test_quantities_get_no_entity() -> None:
    _, mapping = resolve([_m("q", "A", "quantity", "100")])
    assert "q" not in mapping
