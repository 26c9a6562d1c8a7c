"""Contract for typed segments: every piece of a report, story text or not, with its offsets."""

import pandera.polars as pa
import polars as pl

# The text convention, stated once: articles.text holds what a reader sees of the report: the headline (first),
# the byline, the wire dateline line under it ("LONDON 1996-08-30"), the standfirst (the deck under the headline), the story
# paragraphs, subheadings and the rows of lists and tables inside the story, plus the embedded social posts and
# contributor credit lines that belong to the story (so mentions inside them are extracted), each a segment of
# its own kind; the date and outlet lines, other header labels, captions, photo credits, boilerplate and
# navigation are kept only here. Filter mentions on segment_kind to keep the story paragraphs alone.
IN_TEXT_KINDS = ["title", "byline", "dateline", "standfirst", "body", "heading", "list", "social_post", "contributor"]
SEGMENT_KINDS = [
    "title", "dateline", "standfirst", "byline", "date", "outlet", "header", "body", "heading", "list", "caption", "credit",
    "contributor", "social_post", "boilerplate", "navigation", "separator",
]


class Segments(pa.DataFrameModel):
    """One row per segment: a contiguous span of a report's raw text with its kind (headline, dateline,
    standfirst, story paragraph, heading, list or table row, embedded social post, contributor line, caption,
    photo credit, boilerplate, navigation, header line), in raw order. Segments of the kinds in IN_TEXT_KINDS
    (title, byline, dateline, standfirst, body, heading, list, social_post, contributor) are in articles.text and carry
    offsets into it; the others are kept only here."""

    segment_id: str = pa.Field(unique=True, description="Stable id: '<article_id>-<seq>'.")
    article_id: str = pa.Field(description="Article the segment belongs to (articles.article_id).")
    seq: int = pa.Field(ge=0, description="0-based position of the segment in its article, in raw order.")
    kind: str = pa.Field(
        isin=SEGMENT_KINDS,
        description="In articles.text: 'title' (the headline, first in the text), 'byline' (the line naming "
        "the writer: 'By Ana Torres'), 'dateline' (a header line "
        "giving the place and date the report was filed from: 'LONDON 1996-08-30'), 'standfirst' (the deck under "
        "the headline: a header line that reads as a sentence), 'body' (story paragraph), 'heading' (subheading), "
        "'list' (a row of a list or table inside the story: a list mark or two or more figures, e.g. results, "
        "standings, agendas), 'social_post' (a line of an embedded tweet "
        "or post: author handle, post text, date), 'contributor' (contributor credit: 'Reporting by ...; editing "
        "by ...', 'X contributed to this report'). Not in articles.text: 'date' (a date line "
        "naming no place), 'outlet' (header lines), 'header' (any other header line that is not a sentence: desk or section label, kicker, "
        "timestamp), 'caption' (photo caption), 'credit' (photo or image credit, 'Source:'/'via:' line), "
        "'boilerplate' (appeals, comment notices, copyright, links), 'navigation' (menus, share widgets, tags, "
        "embed labels), 'separator'.",
    )
    raw_start: int = pa.Field(
        ge=0, nullable=True,
        description="Start offset into the raw file's decoded text (a web page's decoded HTML). Null only for a web "
        "page's paragraph that is not verbatim in its HTML (see articles.raw_offsets_note).",
    )
    raw_end: int = pa.Field(
        ge=0, nullable=True, description="End offset (exclusive) into the raw file's decoded text; null exactly "
        "when raw_start is."
    )
    start: int = pa.Field(
        nullable=True, ge=0, description="Start offset into articles.text; null for kinds not in articles.text."
    )
    end: int = pa.Field(
        nullable=True, ge=0, description="End offset (exclusive) into articles.text; null when start is null."
    )
    text: str = pa.Field(description="The segment's text without markup (for kinds in articles.text, articles.text[start:end]).")

    class Config:
        strict = False

    @pa.dataframe_check(description="raw_end >= raw_start; both null or neither.")
    @classmethod
    def raw_span_ordered(cls, data: pa.PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select(
            (pl.col("raw_start").is_null() == pl.col("raw_end").is_null())
            & (pl.col("raw_end") >= pl.col("raw_start")).fill_null(True)
        )

    @pa.dataframe_check(description="start/end are set exactly for the kinds kept in articles.text.")
    @classmethod
    def clean_offsets_match_kind(cls, data: pa.PolarsData) -> pl.LazyFrame:
        in_text = pl.col("kind").is_in(IN_TEXT_KINDS)
        return data.lazyframe.select(
            (in_text == pl.col("start").is_not_null())
            & (pl.col("start").is_null() == pl.col("end").is_null())
            & (pl.col("end").is_null() | (pl.col("end") >= pl.col("start")))
        )
