import pytest
from hypothesis import given
from hypothesis import strategies as st

from dagster_project.nlp.extract import Mention
from dagster_project.nlp.resolve import fold, resolve, resolve_with_stats


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


def _p(mid: str, art: str, surface: str, canonical: str | None = None, role: str | None = None) -> Mention:
    return Mention(mid, art, "person", surface, 0, len(surface), "PERSON", canonical=canonical or surface, role=role)


@pytest.mark.parametrize(
    ("a", "b"),
    [("Sergei Lavrov", "Sergey Lavrov"), ("Volodymyr Zelensky", "Volodymyr Zelenskyy"),
     ("Kim Jong-un", "Kim Jong Un"), ("Juan Guaidó", "Juan Guaido"), ("George W. Bush", "George Bush"),
     ("Alexander Lukashenko", "Alexander Lukashenka")],
)
def test_spelling_variants_are_one_person(a: str, b: str) -> None:
    ents, mapping = resolve([_p("1", "A", a), _p("2", "B", b)])
    assert mapping["1"] == mapping["2"]
    assert len(ents) == 1


@pytest.mark.parametrize(
    ("a", "b"),
    [("Raúl Castro", "Fidel Castro"), ("Kim Jong Un", "Kim Jong Il"), ("George H. W. Bush", "George W. Bush"),
     ("Mike Pompeo", "Mike Pence"), ("Ed Miliband", "David Miliband"), ("Sergei Lavrov", "Sergei Shoigu"),
     ("Li Peng", "Li Qiang"), ("Jair Bolsonaro", "Eduardo Bolsonaro")],
)
def test_different_people_with_similar_names_are_not_merged(a: str, b: str) -> None:
    _, mapping = resolve([_p("1", "A", a), _p("2", "B", b)])
    assert mapping["1"] != mapping["2"]


def test_names_written_as_two_people_in_one_article_never_merge() -> None:
    # Fuzzy-similar, but the article itself names both: a cannot-link constraint.
    _, mapping = resolve([_p("1", "A", "Jose Garcia"), _p("2", "A", "Josue Garcia")])
    assert mapping["1"] != mapping["2"]


def test_lone_surname_links_across_articles_only_when_unambiguous() -> None:
    ms = [_p("1", "A", "Donald Trump"), _p("2", "B", "Trump"),
          _p("3", "A", "Raúl Castro"), _p("4", "B", "Fidel Castro"), _p("5", "C", "Castro")]
    ents, mapping, stats = resolve_with_stats(ms)
    assert mapping["1"] == mapping["2"]
    assert mapping["5"] not in {mapping["3"], mapping["4"]}
    assert (stats.surname_links, stats.ambiguous_surnames) == (1, 1)


def test_person_role_is_the_most_frequent_stated_one() -> None:
    ms = [_p("1", "A", "Sergei Lavrov", role="foreign minister"), _p("2", "B", "Sergei Lavrov", role="foreign minister"),
          _p("3", "C", "Sergei Lavrov", role="minister"), _p("4", "C", "Lavrov")]
    ents, _ = resolve(ms)
    assert [(e.canonical_name, e.role, e.mention_count) for e in ents] == [("Sergei Lavrov", "foreign minister", 4)]


def _place(mid: str, surface: str, gid: str | None, name: str, gazetteer: str | None = "geonames") -> Mention:
    return Mention(mid, "A", "place", surface, 0, len(surface), "GPE", canonical=name, place_type="country",
                   country_code="US" if gid else None, gazetteer=gazetteer if gid else None, gazetteer_id=gid,
                   gazetteer_name=name if gid else None)


def test_places_collapse_on_gazetteer_id_not_spelling() -> None:
    ms = [_place("1", "US", "6252001", "United States"), _place("2", "America", "6252001", "United States"),
          _place("3", "U.S.", "6252001", "United States"), _place("4", "Latin America", None, "Latin America")]
    ents, mapping, stats = resolve_with_stats(ms)
    assert mapping["1"] == mapping["2"] == mapping["3"] == "place:geonames:6252001"
    assert mapping["4"] == "place:unresolved:latin-america"
    us = next(e for e in ents if e.entity_id == "place:geonames:6252001")
    assert (us.canonical_name, us.gazetteer, us.country_code, us.mention_count) == ("United States", "geonames", "US", 3)
    assert stats.aliases_merged["place"] == 2 and stats.unresolved_places == 1


def test_unknown_airport_and_its_facility_form_are_one_place() -> None:
    ms = [Mention("1", "A", "place", "Hmeimim", 0, 7, "GPE", canonical="Hmeimim"),
          Mention("2", "A", "place", "Hmeimim air base", 0, 16, "GPE", canonical="Hmeimim Air Base", place_type="base")]
    ents, mapping = resolve(ms)
    assert mapping["1"] == mapping["2"]
    assert [(e.canonical_name, e.place_type) for e in ents] == [("Hmeimim Air Base", "base")]


def test_canonical_name_keeps_diacritics_even_when_outnumbered() -> None:
    ms = [_p("1", "A", "Nicolas Maduro"), _p("2", "B", "Nicolas Maduro"), _p("3", "C", "Nicolás Maduro")]
    ents, _ = resolve(ms)
    assert [e.canonical_name for e in ents] == ["Nicolás Maduro"]


def _located(mid: str, art: str, surface: str, gid: str | None, ptype: str | None = "city") -> Mention:
    return Mention(mid, art, "place", surface, 0, len(surface), "GPE", canonical=surface, place_type=ptype,
                   country_code="VE" if gid else None, gazetteer="geonames" if gid else None, gazetteer_id=gid)


def test_resolving_the_table_once_per_distinct_mention_equals_resolving_every_row() -> None:
    import dataclasses

    import polars as pl

    from dagster_project.nlp.resolve import resolve_table

    # Repeats across and within articles, ties between spellings and roles, a surname-only mention.
    rows = [
        _p("1", "A", "Nicolás Maduro", role="president"), _p("2", "A", "Maduro", "Nicolás Maduro", "president"),
        _p("3", "B", "Nicolas Maduro", role="leader"), _p("4", "B", "Nicolas Maduro", role="leader"),
        _p("5", "C", "Maduro"), _p("6", "C", "Juan Guaidó"), _p("7", "D", "Juan Guaido", role="opposition leader"),
        _located("8", "A", "Caracas", "3646738"), _located("9", "B", "Caracas", "3646738"),
        _located("10", "B", "CARACAS", "3646738"), _located("11", "C", "Maiquetia Airport", None, "airport"),
        _located("12", "D", "Maiquetía airport", None, "airport"), _located("13", "D", "Caracas", "3646738"),
    ]
    expected_entities, expected_map, expected_stats = resolve_with_stats(rows)
    frame = pl.DataFrame([dataclasses.asdict(m) for m in rows])
    entities, ids, stats = resolve_table(frame)
    assert entities == expected_entities
    assert dict(ids.iter_rows()) == expected_map
    assert stats == expected_stats
    assert {e.entity_id: e.mention_count for e in entities}["place:geonames:3646738"] == 4


@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=40) | st.text(alphabet=st.characters(codec="ascii")))
def test_fold_shortcut_for_ascii_gives_the_full_fold(text: str) -> None:
    # The definition: NFKD, combining marks dropped, curly apostrophe straightened, spaces collapsed, lower case.
    import re
    import unicodedata

    decomposed = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    assert fold(text) == re.sub(r"\s+", " ", decomposed.replace("’", "'")).strip().lower()
