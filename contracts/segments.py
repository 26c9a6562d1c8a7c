"""Contract for typed segments: every piece of a report, story text or not, with its offsets."""

import pandera.polars as pa
import polars as pl

# The text convention, stated once: articles.text holds the standfirst (the deck under the headline), the
# story paragraphs and subheadings, plus the embedded social posts and contributor credit lines that belong
# to the story (so mentions inside them are extracted), each a segment of its own kind; the headline, byline,
# date and outlet lines, other header labels, captions, photo credits, boilerplate and navigation are kept
# only here. Filter mentions on segment_kind to keep the story paragraphs alone.
IN_TEXT_KINDS = ["standfirst", "body", "heading", "social_post", "contributor"]
SEGMENT_KINDS = [
    "title", "standfirst", "byline", "date", "outlet", "header", "body", "heading", "caption", "credit",
    "contributor", "social_post", "boilerplate", "navigation", "separator",
]


class Segments(pa.DataFrameModel):
    """One row per segment: a contiguous span of a report's raw text with its kind (standfirst, story
    paragraph, heading, embedded social post, contributor line, caption, photo credit, boilerplate,
    navigation, header line), in raw order. Segments of the kinds in IN_TEXT_KINDS (standfirst, body,
    heading, social_post, contributor) are in articles.text and carry offsets into it; the others are kept
    only here."""

    segment_id: str = pa.Field(unique=True, description="Stable id: '<article_id>-<seq>'.")
    article_id: str = pa.Field(description="Article the segment belongs to (articles.article_id).")
    seq: int = pa.Field(ge=0, description="0-based position of the segment in its article, in raw order.")
    kind: str = pa.Field(
        isin=SEGMENT_KINDS,
        description="In articles.text: 'standfirst' (the deck under the headline: a header line that reads as a "
        "sentence), 'body' (story paragraph), 'heading' (subheading), 'social_post' (a line of an embedded tweet "
        "or post: author handle, post text, date), 'contributor' (contributor credit: 'Reporting by ...; editing "
        "by ...', 'X contributed to this report'). Not in articles.text: 'title', 'byline', 'date', 'outlet' "
        "(header lines), 'header' (any other header line that is not a sentence: desk or section label, kicker, "
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
