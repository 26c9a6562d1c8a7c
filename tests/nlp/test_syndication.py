"""Paragraph-level near-duplicate detection and the earliest-source mapping."""

import datetime as dt

import pytest
from datasketch import MinHashLSH

from dagster_project.nlp.syndication import (
    LSH_PARAMS,
    LSH_THRESHOLD,
    NUM_PERM,
    ArticleRef,
    _text_shingles,
    find_syndication,
    paragraphs,
    shingle,
)

P1 = "Pirates boarded a tanker carrying forty thousand tonnes of crude oil near Lagos on Sunday, the navy said."
P2 = "A navy spokesman said about twenty sailors were taken hostage and that a search was under way at sea."
P3 = "The president ordered an inquiry and said the attack on the vessel would not go unanswered by the state."
OTHER = "Farmers in the north reported a bumper harvest of sorghum after late rains filled reservoirs across the region."


def _links(*arts: ArticleRef):  # type: ignore[no-untyped-def]
    art_links, para_links = find_syndication(arts)
    return {a.article_id: a for a in art_links}, para_links


def test_copy_links_to_earliest_and_original_to_itself() -> None:
    orig = ArticleRef("b-orig", dt.date(2021, 6, 13), "\n\n".join([P1, P2, P3]))
    copy = ArticleRef("a-copy", dt.date(2021, 6, 14), "\n\n".join([P1, P2.replace("twenty", "20"), OTHER]))
    arts, paras = _links(orig, copy)
    assert arts["b-orig"].source_article_id == "b-orig" and not arts["b-orig"].is_copy
    assert arts["a-copy"].source_article_id == "b-orig" and arts["a-copy"].is_copy
    assert arts["a-copy"].shared_paragraphs == 2
    assert {(p.article_id, p.paragraph_index, p.source_paragraph_index) for p in paras} == {
        ("a-copy", 0, 0), ("a-copy", 1, 1)}
    assert all(p.similarity >= 0.35 for p in paras)


def test_undated_articles_come_after_dated_ones_then_by_id() -> None:
    dated = ArticleRef("z", dt.date(2020, 1, 1), "\n\n".join([P1, P2]))
    undated = ArticleRef("a", None, "\n\n".join([P1, P2]))
    arts, _ = _links(dated, undated)
    assert arts["a"].source_article_id == "z"
    tie1, tie2 = ArticleRef("m", None, P1 + "\n\n" + P2), ArticleRef("n", None, P1 + "\n\n" + P2)
    arts, _ = _links(tie2, tie1)
    assert arts["n"].source_article_id == "m" and arts["m"].source_article_id == "m"


def test_one_shared_quote_does_not_make_a_copy() -> None:
    a = ArticleRef("a", dt.date(2020, 1, 1), "\n\n".join([P1, P2, P3]))
    b = ArticleRef("b", dt.date(2020, 1, 2), "\n\n".join([P3, OTHER, OTHER.replace("north", "south"),
                                                          OTHER.replace("sorghum", "maize")]))
    arts, paras = _links(a, b)
    assert not arts["b"].is_copy
    assert [(p.article_id, p.source_article_id) for p in paras] == [("b", "a")]


def test_shingles_ignore_case_and_punctuation() -> None:
    assert shingle("The Navy, said: Sunday") == shingle("the navy said sunday")


def test_a_paragraph_copied_by_many_articles_links_every_copy_to_the_earliest() -> None:
    # More carriers than max_sources: later copies still find the earliest article, whose text they share whole.
    original = ArticleRef("orig", dt.date(2020, 1, 1), "\n\n".join([P1, P2]))
    copies = [ArticleRef(f"copy-{i:02d}", dt.date(2020, 1, 2), "\n\n".join([P1, P2])) for i in range(12)]
    arts, paras = find_syndication([*copies, original], max_sources=3)
    linked = {a.article_id: a.source_article_id for a in arts}
    assert linked == {"orig": "orig", **{c.article_id: "orig" for c in copies}}
    assert {p.source_article_id for p in paras} == {"orig"} and len(paras) == 2 * len(copies)


def test_result_does_not_depend_on_input_order() -> None:
    arts = [ArticleRef(f"a{i}", None, "\n\n".join([P1, P2, P3][: 1 + i % 3] + [OTHER] * (i % 2))) for i in range(9)]
    forward, backward = find_syndication(arts), find_syndication(arts[::-1])
    assert forward == backward


@pytest.mark.parametrize(("text", "expected"), [
    ("One two three four", {"one two three", "two three four"}),
    ("One two three", {"one two three"}),
    ("One two", {"one two"}),  # shorter than a shingle: the whole text is the one shingle
    ("", set()),
    ("a b a b a", {"a b a", "b a b"}),  # repeated 3-grams count once
])
def test_shingles_are_the_word_3grams(text: str, expected: set[str]) -> None:
    assert shingle(text) == expected


def _day(n: int) -> dt.date:
    return dt.date(2021, 3, n)


def test_article_source_is_the_earliest_with_enough_coverage_not_the_earliest_carrier() -> None:
    # x carries only P1 (a third of z): below MIN_COVERAGE, so z's source is y even though P1 links to x.
    x = ArticleRef("x", _day(1), "\n\n".join([P1, OTHER]))
    y = ArticleRef("y", _day(2), "\n\n".join([P1, P2, P3]))
    z = ArticleRef("z", _day(3), "\n\n".join([P1, P2, P3]))
    arts, paras = _links(z, y, x)
    assert (arts["z"].source_article_id, arts["z"].shared_paragraphs, arts["z"].coverage) == ("y", 3, 1.0)
    assert arts["y"].source_article_id == "y" and not arts["y"].is_copy  # P1 alone is under a third of y
    assert [(p.article_id, p.paragraph_index, p.source_article_id, p.source_paragraph_index) for p in paras] == [
        ("y", 0, "x", 0), ("z", 0, "x", 0), ("z", 1, "y", 1), ("z", 2, "y", 2)]


def test_paragraphs_from_several_sources_link_each_to_its_own() -> None:
    a = ArticleRef("a", _day(1), "\n\n".join([P1, P2]))
    b = ArticleRef("b", _day(2), "\n\n".join([P3, OTHER]))
    c = ArticleRef("c", _day(3), "\n\n".join([P1, P2, P3]))
    arts, paras = _links(a, b, c)
    assert arts["c"].source_article_id == "a" and arts["c"].shared_paragraphs == 2
    assert arts["c"].coverage == round((len(P1) + len(P2)) / (len(P1) + len(P2) + len(P3)), 4)
    assert [(p.paragraph_index, p.source_article_id, p.source_paragraph_index) for p in paras] == [
        (0, "a", 0), (1, "a", 1), (2, "b", 0)]


REWRITE = P1.replace("Sunday", "Monday")


@pytest.mark.parametrize(("source", "copy", "expected"), [
    # The same paragraph twice in the source: the earlier one is the match.
    ([P1, P2, P1], [P2, P1], [(0, 1, 1.0), (1, 0, 1.0)]),
    # A closer match beats an earlier one: the exact copy at index 1, not the rewrite at index 0.
    ([REWRITE, P1], [P1, P2], [(0, 1, 1.0)]),
    # A paragraph repeated in the copy links each time.
    ([P1, P2], [P1, P1, P2], [(0, 0, 1.0), (1, 0, 1.0), (2, 1, 1.0)]),
])
def test_which_paragraph_of_the_source_is_linked(
    source: list[str], copy: list[str], expected: list[tuple[int, int, float]]
) -> None:
    _, paras = _links(ArticleRef("s", _day(1), "\n\n".join(source)), ArticleRef("c", _day(2), "\n\n".join(copy)))
    assert [(p.paragraph_index, p.source_paragraph_index, p.similarity) for p in paras] == expected


def test_sources_are_drawn_from_the_earliest_max_sources_carriers_of_each_paragraph() -> None:
    # With max_sources=2, P1's candidates are o1 and o2 only: y's P1 does not count towards x,
    # so x is y's source through P2 and P3 alone.
    o1, o2 = ArticleRef("o1", _day(1), P1), ArticleRef("o2", _day(2), P1)
    x = ArticleRef("x", _day(3), "\n\n".join([P1, P2, P3]))
    y = ArticleRef("y", _day(4), "\n\n".join([P1, P2, P3]))
    art_links, paras = find_syndication([y, x, o2, o1], max_sources=2)
    arts = {a.article_id: a for a in art_links}
    assert (arts["y"].source_article_id, arts["y"].shared_paragraphs) == ("x", 2)
    assert arts["y"].coverage == round((len(P2) + len(P3)) / (len(P1) + len(P2) + len(P3)), 4)
    assert (arts["x"].source_article_id, arts["o2"].source_article_id) == ("x", "o1")
    assert [(p.article_id, p.paragraph_index, p.source_article_id) for p in paras] == [
        ("o2", 0, "o1"), ("x", 0, "o1"), ("y", 0, "o1"), ("y", 1, "x"), ("y", 2, "x")]


@pytest.mark.parametrize("text", [
    "",
    "Caracas",
    "CARACAS, March 24\n\n" + P1 + "\n\n" + P2,  # a dateline too short to compare, joined to the first paragraph
    P1 + "\n\nReuters\n\n" + P2 + "\nA second line of the same paragraph here.",
    "\n\n".join([P3] * 3) + "\n",
    "x" * 400 + " long-word start\n\n" + P1.upper() + " " + "y" * 300 + "\n\nand a tail",  # words longer than a slice
    P2 + " " + "q" * 50 + " e\n\n" + P3,  # a slice would cut the second word from the edge
    "Caracas Venezuela\n\n" + "h" * 10 + " " + "i" * 60 + " " + P2,  # the same at the start
    "Straße ΟΔΟΣ " * 12 + "\r\n\r\n" + P2,  # folding that changes length; \r inside a chunk
])
def test_whole_text_shingles_built_from_paragraphs_equal_shingling_the_text(text: str) -> None:
    assert _text_shingles(text, paragraphs("a", text)) == shingle(text)


def test_pinned_lsh_bands_are_the_ones_datasketch_derives_for_the_threshold() -> None:
    lsh = MinHashLSH(threshold=LSH_THRESHOLD, num_perm=NUM_PERM)
    assert (lsh.b, lsh.r) == LSH_PARAMS
