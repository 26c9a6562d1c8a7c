"""Contract for parsed articles: one row per news report."""

import datetime as _dt

import pandera.polars as pa
import polars as pl


class Articles(pa.DataFrameModel):
    """One row per article (a raw file may hold several reports, each its own article)."""

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
    outlet: str = pa.Field(
        nullable=True,
        description="Publisher of this copy (newspaper, site, broadcaster; the wire service itself for bare wire "
        "copy), as named in the text; null when the text names none.",
    )
    agency: str = pa.Field(
        nullable=True,
        description="Wire service(s) credited for the report (dateline credit, byline, 'contributed to this "
        "report'), canonical short names ('AFP', 'AP', 'Reuters', ...) joined by '; '; null when none is credited. "
        "Photo credits do not count.",
    )
    author: str = pa.Field(
        nullable=True,
        description="Byline person(s), joined by '; '; null when unstated or a generic credit ('staff', 'admin').",
    )
    published_date: _dt.date = pa.Field(
        nullable=True,
        description="Publication date stated for this report (ISO calendar date, parsed with dateparser); null "
        "when the report states no full date. Never inherited from another report in the same file.",
    )
    dateline: str = pa.Field(
        nullable=True,
        description="Place named in the story's dateline ('Caracas', 'Nairobi, Kenya'); all-caps names are "
        "title-cased; null when there is no dateline or it names no place.",
    )
    language: str = pa.Field(
        nullable=True,
        str_matches=r"^[a-z]{2,3}(-[a-z]{2})?$",
        description="ISO 639-1 code of the body's language detected with langdetect; null when too short to tell.",
    )
    is_english: bool = pa.Field(
        nullable=True,
        description="True when language is 'en'. Non-English articles are kept and flagged, not translated or "
        "altered; English-only extractors should filter on this.",
    )
    raw_start: int = pa.Field(
        ge=0,
        nullable=True,
        description="Start offset of this report in the raw file's decoded text (for a web page: in its decoded "
        "HTML, where the first paragraph located verbatim in the HTML starts). Null only for a web page none of "
        "whose paragraphs is verbatim in the HTML (raw_offsets_note says so).",
    )
    raw_end: int = pa.Field(
        ge=0,
        nullable=True,
        description="End offset (exclusive) of this report in the raw file's decoded text (for a web page: the end "
        "of the last paragraph located in the HTML); null exactly when raw_start is.",
    )
    url: str = pa.Field(
        nullable=True,
        description="Web pages: the page's canonical URL (<link rel=canonical>, else og:url, else the WARC "
        "target URI); null for text files.",
    )
    source_format: str = pa.Field(
        isin=["text", "html"],
        description="'text' for plain-text files (nlp/parse), 'html' for web pages and WARC records (trafilatura; "
        "see docs/web_pages.md).",
    )
    raw_offsets_note: str = pa.Field(
        nullable=True,
        description="Web pages only: why some raw offsets are null (how many paragraphs are not verbatim in the "
        "HTML, so their segments and mentions carry null raw_start/raw_end); null when every offset is set.",
    )
    text: str = pa.Field(
        description="Clean article text, paragraphs separated by blank lines: the headline (first, when there is "
        "one), the byline, the wire dateline line under it when the header has one ('LONDON 1996-08-30'), the standfirst (the "
        "deck under the headline), story paragraphs and subheadings, the rows of lists and tables in the story "
        "(each its own paragraph), plus embedded social posts and "
        "contributor credit lines ('Reporting by ...', 'X contributed to this report'), each typed in segments and "
        "in mentions.segment_kind. Markup, date-only and outlet lines and other header labels, "
        "photo captions and credits, boilerplate and navigation are removed (kept in segments). Mention offsets "
        "(start, end) index into this string."
    )

    class Config:
        strict = False

    @pa.dataframe_check(description="raw offsets are null only for web pages, with a note saying why, and "
                        "raw_start/raw_end are null together.")
    @classmethod
    def raw_offsets_null_only_for_pages(cls, data: pa.PolarsData) -> pl.LazyFrame:
        null = pl.col("raw_start").is_null()
        return data.lazyframe.select(
            (null == pl.col("raw_end").is_null())
            & (~null | ((pl.col("source_format") == "html") & pl.col("raw_offsets_note").is_not_null()))
        )

