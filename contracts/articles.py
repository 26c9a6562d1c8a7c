"""Contract for parsed articles: one row per news report."""

import datetime as _dt

import pandera.polars as pa
import polars as pl


class Articles(pa.DataFrameModel):
    """One row per article (a raw file may hold several reports)."""

    article_id: str = pa.Field(
        unique=True,
        description="Stable id: derived from the raw file's SHA-256 and the report's position in it.",
    )
    source_file: str = pa.Field(description="Path of the raw file relative to the raw root.")
    source_sha256: str = pa.Field(
        str_matches=r"^[0-9a-f]{64}$", description="SHA-256 of the raw file this article came from."
    )
    part: int = pa.Field(ge=0, description="0-based position of this report inside its raw file.")
    title: str = pa.Field(nullable=True, description="Headline; null when the text states none.")
    outlet: str = pa.Field(nullable=True, description="Publisher of the article; null when unknown.")
    author: str = pa.Field(nullable=True, description="Byline author(s); null when unstated.")
    published_date: _dt.date = pa.Field(
        nullable=True, description="Publication date (ISO calendar date); null when unknown."
    )
    text: str = pa.Field(
        description="Clean body text. Mention offsets (start, end) index into this string."
    )
    agency: str = pa.Field(nullable=True, description="News agency named in the dateline (e.g. 'Reuters'); null when none.")
    dateline: str = pa.Field(nullable=True, description="Place named in the dateline (e.g. 'CARACAS'); null when none.")

    class Config:
        strict = False


_ = pl
