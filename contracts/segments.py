"""Contract for typed segments: every piece of a report, story text or not, with its offsets."""

import pandera.polars as pa
import polars as pl

# Kinds kept in articles.text; every other kind is removed from the body but kept here.
IN_TEXT_KINDS = ["body", "heading"]
SEGMENT_KINDS = [
    "title", "standfirst", "byline", "date", "outlet", "body", "heading", "caption", "credit",
    "social_post", "boilerplate", "navigation", "separator",
]


class Segments(pa.DataFrameModel):
    """One row per segment: a contiguous span of a report's raw text with its kind (story paragraph, heading,
    caption, photo credit, embedded social post, boilerplate, navigation, header line), in raw order."""

    segment_id: str = pa.Field(unique=True, description="Stable id: '<article_id>-<seq>'.")
    article_id: str = pa.Field(description="Article the segment belongs to (articles.article_id).")
    seq: int = pa.Field(ge=0, description="0-based position of the segment in its article, in raw order.")
    kind: str = pa.Field(
        isin=SEGMENT_KINDS,
        description="'body' (story paragraph), 'heading' (subheading), 'title', 'standfirst', 'byline', 'date', "
        "'outlet' (header lines), 'caption' (photo caption), 'credit' (photo or reporting credit), 'social_post' "
        "(embedded tweet or post), 'boilerplate' (appeals, comment notices, copyright, links), 'navigation' "
        "(menus, share widgets, tags), 'separator'.",
    )
    raw_start: int = pa.Field(ge=0, description="Start offset into the raw file's decoded text.")
    raw_end: int = pa.Field(ge=0, description="End offset (exclusive) into the raw file's decoded text.")
    start: int = pa.Field(
        nullable=True, ge=0, description="Start offset into articles.text; null for kinds removed from the body."
    )
    end: int = pa.Field(
        nullable=True, ge=0, description="End offset (exclusive) into articles.text; null when start is null."
    )
    text: str = pa.Field(description="The segment's text without markup (for body kinds, articles.text[start:end]).")

    class Config:
        strict = False

    @pa.dataframe_check(description="raw_end >= raw_start.")
    @classmethod
    def raw_span_ordered(cls, data: pa.PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select(pl.col("raw_end") >= pl.col("raw_start"))

    @pa.dataframe_check(description="start/end are set exactly for the kinds kept in articles.text.")
    @classmethod
    def clean_offsets_match_kind(cls, data: pa.PolarsData) -> pl.LazyFrame:
        in_text = pl.col("kind").is_in(IN_TEXT_KINDS)
        return data.lazyframe.select(
            (in_text == pl.col("start").is_not_null())
            & (pl.col("start").is_null() == pl.col("end").is_null())
            & (pl.col("end").is_null() | (pl.col("end") >= pl.col("start")))
        )
