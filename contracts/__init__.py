"""Data contracts for every table the pipeline writes.

Each table is a pandera polars ``DataFrameModel``. The same classes are used by the
Dagster assets (validation), the blocking asset checks, the tests, the published
``datapackage.json`` schema and the data dictionary, so a column is described in
exactly one place.
"""

from contracts.articles import Articles
from contracts.claims import Claims, ClaimValues
from contracts.mentions import Entities, Mentions, Quantities
from contracts.raw import Quarantine, RawArticles
from contracts.reference import AircraftFamilies
from contracts.registry import PUBLISHED_TABLES, TableContract, published_contracts
from contracts.segments import Segments
from contracts.syndication import SyndicatedParagraphs, Syndication

__all__ = [
    "AircraftFamilies",
    "Articles",
    "ClaimValues",
    "Claims",
    "Entities",
    "Mentions",
    "PUBLISHED_TABLES",
    "Quantities",
    "Quarantine",
    "RawArticles",
    "Segments",
    "SyndicatedParagraphs",
    "Syndication",
    "TableContract",
    "published_contracts",
]
