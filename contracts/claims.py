"""Contracts for cross-source claims: a quantity about the same thing reported by several articles."""

import pandera.polars as pa
import polars as pl


class Claims(pa.DataFrameModel):
    """One row per claim: the same quantity about the same subject, reported by at least two independent articles.

    Grouping and agreement rules: ``dagster_project/nlp/claims.py``.
    """

    claim_id: str = pa.Field(unique=True, description="Stable id of the claim (hash of subject, unit, source articles and lowest value).")
    subject: str = pa.Field(description="Normalized subject: the counted noun's synonym class ('troops' for soldiers, servicemen, personnel) or its singular.")
    unit: str = pa.Field(description="Normalized unit shared by every value ('count', 'tonne', 'USD', ...).")
    value_min: float = pa.Field(description="Lowest value reported by an independent article.")
    value_max: float = pa.Field(description="Highest value reported by an independent article.")
    n_articles: int = pa.Field(ge=2, description="Independent articles reporting it (syndicated copies count once).")
    n_reports: int = pa.Field(ge=2, description="All articles reporting it, syndicated copies included.")
    n_outlets: int = pa.Field(ge=0, description="Distinct known outlets among the independent articles.")
    outlets: list[str] = pa.Field(description="Those outlets, sorted.")
    qualifiers: list[str] = pa.Field(description="Distinct hedges used by the independent articles ('about', 'nearly', ...).")
    agree: bool = pa.Field(description="True when the ranges the hedged values admit share a value (see nlp/claims.py).")
    agreed_low: float = pa.Field(nullable=True, description="Lowest value every report admits; null when they disagree.")
    agreed_high: float = pa.Field(nullable=True, description="Highest value every report admits; null when unbounded or when they disagree.")

    class Config:
        strict = True

    @pa.dataframe_check(description="value_min <= value_max.")
    @classmethod
    def ordered(cls, data: pa.PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select(pl.col("value_min") <= pl.col("value_max"))

    @pa.dataframe_check(description="Independent articles are a subset of all reporting articles.")
    @classmethod
    def counts(cls, data: pa.PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select(pl.col("n_articles") <= pl.col("n_reports"))


class ClaimValues(pa.DataFrameModel):
    """One row per article's reported value in a claim (its first mention of it)."""

    claim_id: str = pa.Field(description="The claim (claims.claim_id).")
    article_id: str = pa.Field(description="The reporting article (articles.article_id).")
    mention_id: str = pa.Field(description="The quantity mention carrying the value (mentions.mention_id).")
    outlet: str = pa.Field(nullable=True, description="The article's outlet; null when unknown.")
    value: float = pa.Field(description="Value as reported.")
    qualifier: str = pa.Field(nullable=True, description="Hedge as reported ('about', 'up to', ...); null when flat.")
    quantified: str = pa.Field(description="Counted or measured noun as written, lower-cased.")
    unit_surface: str = pa.Field(nullable=True, description="Unit as written ('tons', 'tonnes'); null for counts.")
    low: float = pa.Field(description="Lowest value the hedged report admits.")
    high: float = pa.Field(nullable=True, description="Highest value the hedged report admits; null when unbounded ('more than').")
    source_article_id: str = pa.Field(description="Earliest article this one copies (itself when original).")
    counted: bool = pa.Field(description="False for a syndicated copy whose source already counts in the claim.")
    n_mentions: int = pa.Field(ge=1, description="How many times the article states a value in this claim.")

    class Config:
        strict = True

    @pa.dataframe_check(description="One row per claim and article.")
    @classmethod
    def one_per_article(cls, data: pa.PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select(~pl.struct("claim_id", "article_id").is_duplicated())
