"""Hand-made rows for the published tables, typed by the contracts.

Shared by the tests that publish without running the pipeline (test_publish.py, and the child process of
test_crash.py, which puts this folder on its PYTHONPATH).
"""

import datetime as dt

import polars as pl

from contracts import PUBLISHED_TABLES
from dagster_project.publish.schema import empty_frame, polars_schema


def article_row(article_id: str, source_file: str, source_sha256: str, title: str, text: str, *,
                outlet: str | None = None, published_date: dt.date | None = None) -> dict:
    """One ``articles`` row whose whole raw file is ``text``."""
    return {"article_id": article_id, "source_file": source_file, "source_sha256": source_sha256, "part": 0,
            "title": title, "outlet": outlet, "author": None, "published_date": published_date, "text": text,
            "agency": None, "dateline": None, "raw_start": 0, "raw_end": len(text), "source_format": "text"}


def mention_row(mention_id: str, article_id: str, text: str, surface: str, mention_type: str = "person",
                entity_id: str | None = None) -> dict:
    """One ``mentions`` row for the first occurrence of ``surface`` in the article ``text``."""
    start = text.index(surface)
    end = start + len(surface)
    return {"mention_id": mention_id, "article_id": article_id, "mention_type": mention_type, "surface": surface,
            "start": start, "end": end, "entity_id": entity_id, "raw_start": start, "raw_end": end,
            "segment_kind": "body"}


def table_frame(name: str, rows: list[dict]) -> pl.DataFrame:
    """``rows`` as the published table ``name``, with the contract's columns and dtypes."""
    return pl.DataFrame(rows, schema=polars_schema(PUBLISHED_TABLES[name].model))


def published_tables(**rows: list[dict]) -> dict[str, pl.DataFrame]:
    """Every published table, empty unless rows are given, so tables added to the registry are covered."""
    return {name: table_frame(name, rows[name]) if name in rows else empty_frame(contract.model)
            for name, contract in PUBLISHED_TABLES.items()}
