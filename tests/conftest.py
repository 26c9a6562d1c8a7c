"""Shared fixtures: tiny raw corpora in tmp_path and a session-wide spaCy pipeline."""

from __future__ import annotations

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


def materialized_tables(assets: list[Any], resources: dict[str, Any], names: list[str]) -> dict[str, pl.DataFrame]:
    """Materialize ``assets`` in one run over every raw shard and read the tables ``names`` back through the IO
    manager (a partitioned one from every shard). Partitioned assets are run, not called directly: Dagster's direct
    invocation has no per-partition metadata."""
    from dagster_project.assets.partitions import ALL_SHARDS_TAGS
    from dagster_project.ingest.shards import SHARD_KEYS

    with dg.instance_for_test() as instance:
        result = dg.materialize(assets, resources=resources, instance=instance, tags=ALL_SHARDS_TAGS)
    assert result.success
    assert all(e.passed for e in result.get_asset_check_evaluations())
    io = resources["io_manager"]
    out = {}
    for name in names:
        single = io.roots.storage_path / f"{name}.parquet"
        out[name] = pl.read_parquet(single) if single.is_file() else io.load_partitions(dg.AssetKey(name), SHARD_KEYS)
    return out
