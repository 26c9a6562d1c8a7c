"""Contracts for syndication: which article (and which paragraph) each copy came from."""

import pandera.polars as pa
import polars as pl


class Syndication(pa.DataFrameModel):
    """One row per article: the earliest article it copies or rewrites (itself when it copies none).

    An article is a copy when at least 40% of its paragraph text has near-duplicates (MinHash LSH
    candidates verified by exact shingle Jaccard >= 0.35 or containment >= 0.6) in one earlier article.
    "Earliest" orders by published_date (undated last), then article_id. To count a report once,
    group by source_article_id.
    """

    article_id: str = pa.Field(unique=True, description="The article (articles.article_id).")
    source_article_id: str = pa.Field(
        description="Earliest article this one copies or rewrites; equal to article_id for an original."
    )
    is_copy: bool = pa.Field(description="True when source_article_id is another article.")
    similarity: float = pa.Field(
        nullable=True, ge=0, le=1,
        description="Jaccard similarity of the two articles' word 3-shingle sets; null for originals.",
    )
    coverage: float = pa.Field(
        ge=0, le=1, description="Share of this article's paragraph text with a near-duplicate in the source."
    )
    shared_paragraphs: int = pa.Field(ge=0, description="Paragraphs of this article matched in the source.")
    paragraphs: int = pa.Field(ge=0, description="Paragraphs of this article long enough to compare (>= 8 words).")

    class Config:
        strict = False

    @pa.dataframe_check(description="is_copy exactly when source_article_id differs from article_id.")
    @classmethod
    def copy_flag_matches(cls, data: pa.PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select(pl.col("is_copy") == (pl.col("source_article_id") != pl.col("article_id")))


class SyndicatedParagraphs(pa.DataFrameModel):
    """One row per paragraph that has a near-duplicate in an earlier article, linked to the earliest such
    article and its matching paragraph."""

    article_id: str = pa.Field(description="Article holding the paragraph (articles.article_id).")
    paragraph_index: int = pa.Field(ge=0, description="0-based index of the paragraph in articles.text.")
    start: int = pa.Field(ge=0, description="Start offset of the paragraph in articles.text.")
    end: int = pa.Field(ge=0, description="End offset (exclusive) of the paragraph in articles.text.")
    source_article_id: str = pa.Field(description="Earliest article carrying a near-duplicate of the paragraph.")
    source_paragraph_index: int = pa.Field(ge=0, description="The matching paragraph's index in the source.")
    source_start: int = pa.Field(ge=0, description="Start offset of the matching paragraph in the source's text.")
    source_end: int = pa.Field(ge=0, description="End offset (exclusive) of the matching paragraph in the source.")
    similarity: float = pa.Field(ge=0, le=1, description="Exact Jaccard similarity of the paragraphs' word 3-shingles.")
    containment: float = pa.Field(
        ge=0, le=1, description="Shared shingles over the smaller paragraph's shingles (a paragraph kept whole "
        "inside a longer one scores 1)."
    )

    class Config:
        strict = False
