"""Names a reader sees in capitals, briefs and tables, and what the whole article says about a name."""

import pytest

from dagster_project.nlp.extract.pipeline import mentions_from_doc
from dagster_project.nlp.model import load_nlp
from dagster_project.nlp.parse import parse_file
from dagster_project.nlp.truecase import model_text, shouted_spans


def test_shouted_headline_and_dateline_are_recased_from_the_article_itself() -> None:
    text = ("ATHLETICS - GARCIA BEATS LINDQVIST IN OSLO\n\nOSLO (Reuters) - Maria Garcia won the final in Oslo on "
            "Friday, ahead of Eva Lindqvist, who beats her rivals most seasons.\n")
    out = model_text(text)
    # Same length; the headline's open end gets a full stop so the model ends the sentence there.
    assert out == text.replace("ATHLETICS - GARCIA BEATS LINDQVIST IN OSLO\n", "Athletics - Garcia beats Lindqvist in Oslo.") \
        .replace("OSLO (", "Oslo (")
    # Acronyms in running text and text without capitals are left alone.
    assert model_text("The UN and NATO met.\n") == "The UN and NATO met.\n"
    assert shouted_spans("Nothing shouted here, only the UN.\n") == []


@pytest.fixture(scope="module")
def nlp():  # type: ignore[no-untyped-def]
    return load_nlp()


def _people_places(nlp, text: str) -> list[tuple[str, str, str]]:  # type: ignore[no-untyped-def]
    doc = nlp(model_text(text))
    return [(m.mention_type, text[m.start:m.end], m.surface) for m in mentions_from_doc(doc, "a")
            if m.mention_type in ("person", "place")]


def test_names_in_capitals_become_mentions_with_original_surfaces(nlp) -> None:  # type: ignore[no-untyped-def]
    text = ("MERKEL MEETS CHIRAC IN PARIS\n\nBERLIN 2024-02-14\n\nGerman Chancellor Angela Merkel met French "
            "President Jacques Chirac in Paris on Tuesday to discuss the budget.\n")
    found = {(t, s) for t, s, _ in _people_places(nlp, text)}
    assert ("place", "BERLIN") in found and ("place", "PARIS") in found
    assert ("person", "MERKEL") in found and ("person", "CHIRAC") in found


def test_initials_nationality_lists_and_surname_propagation(nlp) -> None:  # type: ignore[no-untyped-def]
    text = ("Results of the women's 800 metres on Sunday :\n\n1. Anna Berg ( Norway ) 1:58.32\n\n"
            "2. Lena Holm ( Sweden ) 1:58.90\n\nThe bowling figures were good for A. Dale and R. Smith .\n\n"
            "Coach Peter Lindqvist said Berg had trained in Oslo all winter, and Lindqvist was pleased .\n")
    people = [s for t, s, _ in _people_places(nlp, text) if t == "person"]
    for name in ("Anna Berg", "Lena Holm", "A. Dale", "R. Smith", "Berg", "Lindqvist"):
        assert name in people, (name, people)
    assert "Norway" not in people


def test_clubs_named_after_places_are_not_places(nlp) -> None:  # type: ignore[no-untyped-def]
    text = ("Results of English county championship matches on Friday :\n\n"
            "Leicestershire beat Somerset by an innings and 39 runs at Leicester .\n\n"
            "Somerset 83 and 174 , Leicestershire 296 .\n")
    found = _people_places(nlp, text)
    assert not [f for f in found if f[1] in ("Somerset", "Leicestershire")], found


def test_brief_and_table_only_reports_are_articles() -> None:
    brief = "Air crash kills four in Alaska .\n\nANCHORAGE 2024-06-02\n\nFour people died when a small plane crashed .\n"
    arts = parse_file(brief, "brief.txt", "0" * 64)
    assert len(arts) == 1
    kinds = {s.kind: arts[0].text[s.start:s.end] for s in arts[0].segments if s.start is not None}
    assert kinds["title"] == "Air crash kills four in Alaska ."
    assert kinds["dateline"] == "ANCHORAGE 2024-06-02"
    assert arts[0].dateline == "Anchorage"
    table = "SOCCER - LEAGUE RESULTS .\n\nLONDON 2024-06-01\n\nLeeds 3 Wigan 1\nHull 0 York 2\n"
    arts = parse_file(table, "table.txt", "1" * 64)
    assert len(arts) == 1
    rows = [s.text for s in arts[0].segments if s.kind == "list"]
    assert rows == ["Leeds 3 Wigan 1", "Hull 0 York 2"]
    assert all(arts[0].text[s.start:s.end] == s.text for s in arts[0].segments if s.start is not None)
    # A page of nothing but site furniture is still no article.
    assert parse_file("Advertisement\n\nSubscribe to our newsletter\n\nShare this article\n", "b.txt", "2" * 64) == []


def test_dateline_lines_result_lines_labels_and_hyphenated_names(nlp) -> None:  # type: ignore[no-untyped-def]
    text = ("Results of the league on Saturday :\n\nHARTLEPOOL , England 2024-03-02\n\n"
            "Kirkby Rovers 2 Hollin Athletic 1\n\nAttendance : 2,000\n\n"
            "Red Cross president Li Song-ho said the players were safe .\n")
    found = _people_places(nlp, text)
    people = [s for t, s, _ in found if t == "person"]
    places = [s for t, s, _ in found if t == "place"]
    assert "HARTLEPOOL" in places and "England" in places
    assert "Li Song-ho" in people
    assert not {"Kirkby Rovers", "Hollin Athletic", "Attendance"} & {s for _, s, _ in found}, found


def test_sides_named_after_counties_and_nationality_led_names(nlp) -> None:  # type: ignore[no-untyped-def]
    from dagster_project.nlp.extract.doclabels import refine
    from dagster_project.nlp.extract.mention import Mention

    text = "Essex , Derbyshire and Surrey closed in while Ian Kent watched .\n"
    doc = nlp(text)

    def person(word: str) -> Mention:
        s = text.index(word)
        return Mention(f"m{s}", "a", "person", word, s, s + len(word), "PERSON", canonical=word)

    counties = {"Essex": "adm2", "Derbyshire": "adm2", "Surrey": "adm2", "Kent": "adm2"}
    got = refine(doc, [person("Essex"), person("Derbyshire"), person("Surrey"), person("Ian Kent")], "a",
                 counties.get)
    # Three one-word "people" that are all sub-national places are sides; a full name keeps its surname.
    assert [m.surface for m in got if m.mention_type == "person"] == ["Ian Kent"]
    # Two are not enough evidence (the list then makes its third item a person too).
    two = refine(doc, [person("Essex"), person("Surrey")], "a", counties.get)
    assert {"Essex", "Surrey"} <= {m.surface for m in two if m.mention_type == "person"}

    found = _people_places(nlp, "The final pits second-seeded Australian Rodney Eyles against the champion .\n\n"
                                "Eyles said he was ready .\n")
    assert ("person", "Rodney Eyles") in {(t, s) for t, s, _ in found}


def test_rank_words_are_no_people_and_a_middle_initial_keeps_the_first_name(nlp) -> None:  # type: ignore[no-untyped-def]
    credit = "Tags: training, navy Credit: Navy Petty Officer 3rd Class Rhea Q. Lindqvist VIRIN: 230812-N-PT973.JPG\n"
    # The model's own "Rhea Q. Lindqvist" was judged (a photo credit): the initial-and-surname shape leaves it.
    assert not [s for t, s, _ in _people_places(nlp, credit) if t == "person" and s.startswith("Q.")]
    text = "By Tech. Sgt. Dana Whitcombe\n\nCitizen Airmen like Tech. Sgt. Omar Reyes worked all day.\n"
    people = [s for t, s, _ in _people_places(nlp, text) if t == "person"]
    assert people == ["Dana Whitcombe", "Omar Reyes"]


def test_a_form_line_with_colons_and_slashes_is_no_breadcrumb_trail() -> None:
    from dagster_project.nlp.parse.units import _is_menu

    assert _is_menu("Home : Media : News : News Article View")
    assert _is_menu("Home | World | Sport")
    assert not _is_menu("M / SP / F : NA / NA / NA BOOK ENTRY : N")
