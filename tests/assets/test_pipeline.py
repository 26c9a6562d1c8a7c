"""One dg.materialize smoke run over tiny fixture articles in tmp_path, plus assets called directly."""

from pathlib import Path

import dagster as dg
import polars as pl
import pytest

from dagster_project.assets import extract, ingest, parse, publish
from dagster_project.assets.partitions import ALL_SHARDS_TAGS
from dagster_project.definitions import defs
from dagster_project.io_manager import PolarsParquetIOManager
from dagster_project.resources import NlpModel, StorageRoots
from tests.conftest import materialized_tables


def _resources(raw: Path, tmp: Path) -> dict:
    roots = StorageRoots(raw_dir=str(raw), curated_dir=str(tmp / "curated"), dagster_home=str(tmp / "home"))
    return {"roots": roots, "nlp": NlpModel(), "io_manager": PolarsParquetIOManager(roots=roots)}


def test_raw_articles_asset_alone(raw_root: Path, tmp_path: Path) -> None:
    resources = _resources(raw_root, tmp_path)
    del resources["nlp"]
    df = materialized_tables([ingest.raw_articles], resources, ["raw_articles"])["raw_articles"]  # its check passed
    assert set(df["source_file"]) == {"wire.txt", "blog.md", "empty.txt"}
    assert df.filter(pl.col("source_file") == "empty.txt")["quarantine_reason"].item() == "empty"


@pytest.mark.integration
def test_materialize_smoke(raw_root: Path, tmp_path: Path) -> None:
    assets = [*dg.load_assets_from_modules([ingest, parse, extract, publish]),
              *dg.load_asset_checks_from_modules([ingest, parse, extract, publish])]
    with dg.instance_for_test() as instance:
        result = dg.materialize(assets, resources=_resources(raw_root, tmp_path), instance=instance, tags=ALL_SHARDS_TAGS)
    assert result.success
    assert all(e.passed for e in result.get_asset_check_evaluations())
    curated = tmp_path / "curated"
    version = (curated / "LATEST").read_text().strip()
    assert version == "1.0.0"
    mentions = pl.read_parquet(curated / version / "mentions.parquet")
    articles = pl.read_parquet(curated / version / "articles.parquet")
    quarantine = pl.read_parquet(curated / version / "quarantine.parquet")
    assert set(mentions["mention_type"]) >= {"person", "place", "quantity", "aircraft"}
    assert quarantine.to_dicts()[0]["source_file"] == "empty.txt"
    joined = mentions.join(articles.select("article_id", "text"), on="article_id")
    for row in joined.iter_rows(named=True):
        assert row["text"][row["start"]:row["end"]] == row["surface"]


@pytest.mark.integration
def test_a_failed_contract_blocks_everything_downstream(
    raw_root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from contracts import Entities
    from dagster_project.assets import _tables

    real = _tables.validate
    monkeypatch.setattr(_tables, "validate", lambda df, model: (False, "forced") if model is Entities else real(df, model))
    assets = [*dg.load_assets_from_modules([ingest, parse, extract, publish]),
              *dg.load_asset_checks_from_modules([ingest, parse, extract, publish])]
    with dg.instance_for_test() as instance:
        result = dg.materialize(assets, resources=_resources(raw_root, tmp_path), instance=instance, raise_on_error=False,
                                tags=ALL_SHARDS_TAGS)
    assert not result.success
    failed = [(e.asset_key.to_user_string(), e.check_name) for e in result.get_asset_check_evaluations() if not e.passed]
    assert failed == [("entities", "entities_contract")]
    materialized = {e.asset_key.to_user_string() for e in result.get_asset_materialization_events()}
    assert "published_version" not in materialized and "articles" in materialized
    assert not (tmp_path / "curated" / "LATEST").exists()

def test_defs_use_env_vars_for_roots() -> None:
    roots = defs.resources["roots"]
    assert isinstance(roots, StorageRoots)
