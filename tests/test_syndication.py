"""Paragraph-level near-duplicate detection and the earliest-source mapping."""

import datetime as dt

from dagster_project.core.syndication import ArticleRef, find_syndication, shingle

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
