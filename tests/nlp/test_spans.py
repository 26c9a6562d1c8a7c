import polars as pl
import pytest

from dagster_project.nlp.parse import parse_file
from dagster_project.nlp.spans import with_segment_kind

SEGMENTS = pl.DataFrame(
    {
        "article_id": ["a", "a", "a", "a", "a", "b"],
        "kind": ["title", "body", "social_post", "caption", "contributor", "body"],
        "start": [None, 0, 12, None, 30, 0],
        "end": [None, 10, 28, None, 50, 40],
    },
    schema={"article_id": pl.String, "kind": pl.String, "start": pl.Int64, "end": pl.Int64},
)


@pytest.mark.parametrize(
    ("article_id", "start", "kind"),
    [
        ("a", 0, "body"),  # first character of a segment
        ("a", 9, "body"),  # last character
        ("a", 12, "social_post"),
        ("a", 27, "social_post"),
        ("a", 30, "contributor"),
        ("b", 12, "body"),  # same offset, other article
        ("a", 10, None),  # between two segments: no segment holds it
        ("a", 50, None),  # end offsets are exclusive
    ],
)
def test_segment_kind_is_the_kind_of_the_segment_holding_the_start(article_id: str, start: int, kind: str | None) -> None:
    mentions = pl.DataFrame({"mention_id": ["m"], "article_id": [article_id], "start": [start], "end": [start + 1]})
    out = with_segment_kind(mentions, SEGMENTS)
    assert out.height == 1
    assert out["segment_kind"].item() == kind


def test_every_mention_row_is_kept_once() -> None:
    mentions = pl.DataFrame({"mention_id": ["m1", "m2", "m3"], "article_id": ["a", "a", "zz"],
                             "start": [1, 14, 3], "end": [4, 20, 5]})
    out = with_segment_kind(mentions, SEGMENTS).sort("mention_id")
    assert out["mention_id"].to_list() == ["m1", "m2", "m3"]
    assert out["segment_kind"].to_list() == ["body", "social_post", None]


def test_kinds_on_a_parsed_report_with_a_tweet_and_a_contributor_line() -> None:
    raw = ("Storm closes airport\n\nBy Jo Smith\n\n"
           "MIAMI (AP) - Miami International Airport closed on Sunday as the storm approached Florida, officials said.\n\n"
           "Miami-Dade County (@MiamiDadeCounty)\n\nStay indoors, Florida. Shelters are open in Miami.\n\nSeptember 3, 2023\n\n"
           "Flights would resume on Tuesday, the airport said in a statement.\n\n"
           "Associated Press writer Ana Ruiz in Orlando contributed to this report.\n")
    [art] = parse_file(raw, "s.txt", "0" * 64)
    segs = pl.DataFrame([{"article_id": art.article_id, "kind": s.kind, "start": s.start, "end": s.end}
                         for s in art.segments])
    spans = [("Miami", art.text.index("Miami")), ("Shelters", art.text.index("Shelters")),
             ("Orlando", art.text.index("Orlando"))]
    mentions = pl.DataFrame({"mention_id": [s for s, _ in spans], "article_id": [art.article_id] * 3,
                             "start": [i for _, i in spans], "end": [i + 1 for _, i in spans]})
    kinds = dict(with_segment_kind(mentions, segs).select("mention_id", "segment_kind").iter_rows())
    assert kinds == {"Miami": "body", "Shelters": "social_post", "Orlando": "contributor"}
