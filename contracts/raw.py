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
        "spaces, lone CR); null when refused. raw_start/raw_end offsets index this text.",
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

    class Config:
        coerce = False
        strict = False


class Quarantine(pa.DataFrameModel):
    """One row per raw file that was not published as an article, with the reason."""

    source_file: str = pa.Field(
        description="Path of the refused raw file relative to the raw root."
    )
    reason: str = pa.Field(
        description=(
            "Machine-readable reason code: 'empty', 'binary', 'undecodable', 'too_large', "
            "'no_article_text', 'duplicate', 'symlink_outside_root', 'not_regular_file', 'unreadable'."
        )
    )
    detail: str = pa.Field(nullable=True, description="Human-readable explanation of the reason.")
    source_sha256: str = pa.Field(
        nullable=True, description="SHA-256 of the raw bytes when they could be read, else null."
    )

    class Config:
        strict = False

