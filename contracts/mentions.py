"""Contracts for the extraction layer: mentions, canonical entities, quantities."""

import pandera.polars as pa
import polars as pl

from contracts.segments import IN_TEXT_KINDS

MENTION_TYPES = ["person", "aircraft", "quantity", "place"]
ENTITY_TYPES = ["person", "aircraft", "place"]


class Mentions(pa.DataFrameModel):
    """One row per mention: a span of an article's clean text naming a thing of interest."""

    mention_id: str = pa.Field(unique=True, description="Stable id of the mention.")
    article_id: str = pa.Field(description="Article the mention occurs in (articles.article_id).")
    mention_type: str = pa.Field(
        isin=MENTION_TYPES, description="One of 'person', 'aircraft', 'quantity', 'place'."
    )
    surface: str = pa.Field(description="Exact text of the span: articles.text[start:end].")
    start: int = pa.Field(ge=0, description="Start offset (Python str index) into articles.text.")
    end: int = pa.Field(ge=1, description="End offset, exclusive, into articles.text.")
    entity_id: str = pa.Field(
        nullable=True,
        description="Canonical entity (entities.entity_id); null for quantities and unresolved mentions.",
    )
    raw_start: int = pa.Field(
        ge=0,
        description="Start offset of the span in the raw file's decoded, normalized text (see 'Bad input' in the README).",
    )
    raw_end: int = pa.Field(ge=0, description="End offset, exclusive, of the span in the raw file's decoded, normalized text.")
    segment_kind: str = pa.Field(
        isin=IN_TEXT_KINDS,
        description="Kind of the segment of articles.text the mention starts in: 'body' (story paragraph), "
        "'heading' (subheading), 'social_post' (embedded tweet or post), 'contributor' (contributor credit line, "
        "'Reporting by ...'). Keep segment_kind in ('body', 'heading') for the story's own words.",
    )

    class Config:
        strict = False

    @pa.dataframe_check(description="Spans are non-empty: end > start.")
    @classmethod
    def span_not_empty(cls, data: pa.PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select(pl.col("end") > pl.col("start"))


class Entities(pa.DataFrameModel):
    """One row per canonical entity: the thing many mentions refer to."""

    entity_id: str = pa.Field(
        unique=True, description="Stable id, '<type>:<key>'; the key is a slug or a gazetteer id."
    )
    entity_type: str = pa.Field(
        isin=ENTITY_TYPES, description="One of 'person', 'aircraft', 'place'."
    )
    canonical_name: str = pa.Field(description="Preferred display name of the entity.")

    class Config:
        strict = False


class Quantities(pa.DataFrameModel):
    """One row per quantity mention, with its parsed value, unit and counted object."""

    mention_id: str = pa.Field(unique=True, description="The quantity's mention (mentions.mention_id).")
    value: float = pa.Field(
        nullable=True, description="Numeric value; null for vague amounts such as 'dozens'."
    )
    unit: str = pa.Field(
        description=(
            "'count' for a number of things, else a normalized unit: 'tonne', 'percent', 'USD', "
            "'kilometre', ..."
        )
    )
    quantified: str = pa.Field(
        nullable=True,
        description="Noun counted or measured, lower-cased as written, e.g. 'troops', 'equipment'; null when none found.",
    )
    qualifier: str = pa.Field(nullable=True, description="Hedge before the number, e.g. 'about', 'more than'; null when none.")
    unit_surface: str = pa.Field(nullable=True, description="The unit as written in the text, e.g. 'tons', '%'; null when none.")

    class Config:
        strict = False
