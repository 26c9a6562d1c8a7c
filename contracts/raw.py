"""Contracts for the ingest layer: raw files as read, and files refused."""

import pandera.polars as pa


class RawArticles(pa.DataFrameModel):
    """One row per file found under the raw root, accepted or not."""

    source_file: str = pa.Field(
        unique=True, description="Path of the raw file relative to the raw root, with '/' separators."
    )
    source_sha256: str = pa.Field(
        nullable=True,
        str_matches=r"^[0-9a-f]{64}$",
        description="SHA-256 of the raw bytes, lower-case hex. Null only when the file could not be read.",
    )
    bytes: int = pa.Field(ge=0, description="Size of the raw file in bytes.")
    encoding: str = pa.Field(
        nullable=True, description="Character encoding used to decode the file; null when not decoded."
    )
    text: str = pa.Field(
        nullable=True,
        description="Decoded text of the file after ingest normalization (BOM, zero-width characters, exotic "
        "spaces, lone CR); null when refused, and for WARC archives and their records (a record is read again "
        "from its archive at record_offset when parsed, so no archive is held in memory). raw_start/raw_end "
        "offsets index this text (for a WARC record, its decoded payload).",
    )
    quarantine_reason: str = pa.Field(
        nullable=True, description="Why the file was refused at ingest; null when it was accepted."
    )
    detail: str = pa.Field(nullable=True, description="Human-readable explanation of the quarantine reason.")
    normalization: str = pa.Field(
        nullable=True,
        description="JSON offset map from text offsets to offsets in the decoded file "
        "([[start, end, decoded_start, decoded_end, copied], ...]); null when normalization changed nothing.",
    )

    source_format: str = pa.Field(
        nullable=True,
        isin=["text", "html", "warc", "warc_record"],
        description="'text' (plain-text file, parsed by nlp/parse), 'html' (web page by its name .html/.htm or its "
        "first bytes, parsed by trafilatura), 'warc' (a WARC archive's own row: its other records counted in "
        "warc_records), 'warc_record' (an HTML response record of an archive, source_file "
        "'<archive>#<WARC-Record-ID>'); null only for a folder that could not be listed.",
    )
    url: str = pa.Field(nullable=True, description="A WARC record's WARC-Target-URI; null for files.")
    record_offset: int = pa.Field(
        nullable=True, ge=0, description="Byte offset of a WARC record in its (possibly gzipped) archive; null "
        "for files."
    )
    warc_records: str = pa.Field(
        nullable=True,
        description="For a WARC archive's row: JSON count of its records by kind ('html' pages, which have rows of "
        "their own, and 'request', 'warcinfo', 'metadata', 'revisit', 'redirect', 'http_error', 'robots_txt', "
        "'non_html' (images, scripts, feeds...), counted and not quarantined); null otherwise.",
    )

    class Config:
        coerce = False
        strict = False


class Quarantine(pa.DataFrameModel):
    """One row per raw file that was not published as an article, with the reason."""

    source_file: str = pa.Field(
        description="Path of the refused raw file relative to the raw root ('<archive>#<WARC-Record-ID>' for a "
        "WARC record)."
    )
    reason: str = pa.Field(
        description=(
            "Machine-readable reason code: 'empty', 'binary', 'undecodable', 'too_large', "
            "'no_article_text', 'duplicate', 'symlink_outside_root', 'not_regular_file', 'unreadable'. For web pages "
            "'too_large' means the extracted main text is over the limit (a page's HTML may be far larger) and "
            "'duplicate' also covers a page whose URL was seen earlier. 'contract_failed': an article whose own rows "
            "failed a contract check (named in detail) is quarantined instead of blocking the version."
        )
    )
    detail: str = pa.Field(nullable=True, description="Human-readable explanation of the reason.")
    source_sha256: str = pa.Field(
        nullable=True, description="SHA-256 of the raw bytes when they could be read, else null."
    )

    class Config:
        strict = False

