"""Shared fixtures: tiny raw corpora in tmp_path and a session-wide spaCy pipeline."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import dagster as dg
import polars as pl
import pytest

REPO = Path(__file__).resolve().parent.parent
SEEDS = REPO / "raw"

WIRE = """Gunmen seize oil tanker off Lagos

By Amina Okafor

Reuters, 14 June 2021

LAGOS (Reuters) - Pirates boarded a tanker carrying 40,000 tonnes of crude near Lagos on Sunday, the Nigerian navy said. President Muhammadu Buhari ordered an inquiry.

A navy spokesman said about 20 sailors were taken hostage. Buhari said the attack would not go unanswered.
"""

BLOG = """## **Cargo jet lands in Nairobi**

*Tuesday, Jul 6 2021*

A Boeing C-17 carrying 12 armoured vehicles landed at Jomo Kenyatta airport in Kenya on Monday, officials said.

Defence secretary Eugene Wamalwa said the <u>aircraft</u> left from Germany.

Support our journalism. Donate today to keep it free for everyone.
"""


@pytest.fixture
def raw_root(tmp_path: Path) -> Path:
    root = tmp_path / "raw"
    root.mkdir()
    (root / "wire.txt").write_text(WIRE, encoding="utf-8")
    (root / "blog.md").write_text(BLOG, encoding="utf-8")
    (root / "empty.txt").write_bytes(b"")
    return root


@pytest.fixture(scope="session")
def nlp():  # type: ignore[no-untyped-def]
    from dagster_project.nlp.model import load_nlp

    return load_nlp()


def outputs(events: Iterable[Any]) -> dict[str, Any]:
    """The values an asset called directly yielded, by output name (its check results are left out); a
    partitioned asset's frames, one per shard, concatenated in shard order."""
    return {e.output_name: pl.concat([e.value[k] for k in sorted(e.value)]) if isinstance(e.value, dict) else e.value
            for e in events if isinstance(e, dg.Output)}


def all_shards_context() -> dg.AssetExecutionContext:
    """A context for calling a partitioned asset directly over every raw shard (what `make dataset` runs)."""
    from dagster_project.ingest.shards import SHARD_KEYS

    return dg.build_asset_context(partition_key_range=dg.PartitionKeyRange(SHARD_KEYS[0], SHARD_KEYS[-1]))


def every_shard(df: pl.DataFrame) -> pl.DataFrame:
    """A per-article table as a corpus-wide asset reads it: with each row's shard (the IO manager adds it)."""
    from dagster_project.ingest.shards import shard_column

    return df.with_columns(shard_column("source_file").alias("raw_shard"))


# duplicate_articles when no file has a copy in another shard.
NO_COPIES = pl.DataFrame(schema={"raw_shard": pl.String(), "article_id": pl.String(), "source_file": pl.String()})
