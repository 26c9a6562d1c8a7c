"""Which contracts make up a published version, with their keys.

The keys are not something pandera expresses, so they live here beside the model;
the publisher checks them and writes them into ``datapackage.json``.
"""

from dataclasses import dataclass, field

import pandera.polars as pa

from contracts.articles import Articles
from contracts.claims import Claims, ClaimValues
from contracts.mentions import Entities, Mentions, Quantities
from contracts.raw import Quarantine
from contracts.segments import Segments
from contracts.syndication import SyndicatedParagraphs, Syndication


@dataclass(frozen=True)
class ForeignKey:
    """``fields`` of this table reference ``reference_fields`` of ``reference_table``."""

    fields: tuple[str, ...]
    reference_table: str
    reference_fields: tuple[str, ...]


@dataclass(frozen=True)
class TableContract:
    """A published table: its file stem, its pandera model and its keys."""

    name: str
    model: type[pa.DataFrameModel]
    primary_key: tuple[str, ...]
    foreign_keys: tuple[ForeignKey, ...] = field(default_factory=tuple)

    @property
    def filename(self) -> str:
        return f"{self.name}.parquet"

    @property
    def description(self) -> str:
        return (self.model.__doc__ or "").strip()


PUBLISHED_TABLES: dict[str, TableContract] = {
    c.name: c
    for c in (
        TableContract("articles", Articles, ("article_id",)),
        TableContract(
            "mentions",
            Mentions,
            ("mention_id",),
            (
                ForeignKey(("article_id",), "articles", ("article_id",)),
                ForeignKey(("entity_id",), "entities", ("entity_id",)),
            ),
        ),
        TableContract("entities", Entities, ("entity_id",)),
        TableContract(
            "quantities",
            Quantities,
            ("mention_id",),
            (ForeignKey(("mention_id",), "mentions", ("mention_id",)),),
        ),
        TableContract("quarantine", Quarantine, ("source_file",)),
        TableContract(
            "segments", Segments, ("segment_id",), (ForeignKey(("article_id",), "articles", ("article_id",)),)
        ),
        TableContract(
            "syndication",
            Syndication,
            ("article_id",),
            (
                ForeignKey(("article_id",), "articles", ("article_id",)),
                ForeignKey(("source_article_id",), "articles", ("article_id",)),
            ),
        ),
        TableContract(
            "syndicated_paragraphs",
            SyndicatedParagraphs,
            ("article_id", "paragraph_index"),
            (
                ForeignKey(("article_id",), "articles", ("article_id",)),
                ForeignKey(("source_article_id",), "articles", ("article_id",)),
            ),
        ),
        TableContract("claims", Claims, ("claim_id",)),
        TableContract(
            "claim_values",
            ClaimValues,
            ("claim_id", "article_id"),
            (
                ForeignKey(("claim_id",), "claims", ("claim_id",)),
                ForeignKey(("article_id",), "articles", ("article_id",)),
                ForeignKey(("mention_id",), "mentions", ("mention_id",)),
            ),
        ),
    )
}


def published_contracts() -> list[TableContract]:
    """The published tables in a stable order."""
    return list(PUBLISHED_TABLES.values())
