"""The parse-layer assets run on the seeds, and their place in the definitions."""

import dagster as dg
import polars as pl
import pytest

from contracts import Articles, Segments, SyndicatedParagraphs, Syndication
from dagster_project.assets import ingest, parse
from dagster_project.definitions import defs
from dagster_project.io_manager import PolarsParquetIOManager
from dagster_project.resources import StorageRoots
from tests.conftest import SEEDS, materialized_tables


@pytest.fixture(scope="module")
def seed_tables(tmp_path_factory: pytest.TempPathFactory) -> dict[str, pl.DataFrame]:
    tmp = tmp_path_factory.mktemp("parse_assets")
    roots = StorageRoots(raw_dir=str(SEEDS), curated_dir=str(tmp / "curated"), dagster_home=str(tmp / "home"))
    assets = [*dg.load_assets_from_modules([ingest, parse]), *dg.load_asset_checks_from_modules([ingest, parse])]
    return materialized_tables(assets, {"roots": roots, "io_manager": PolarsParquetIOManager(roots=roots)},
                               ["articles", "segments", "syndication", "syndicated_paragraphs"])


def _article(tables: dict[str, pl.DataFrame], prefix: str, part: int = 0) -> dict:
    return tables["articles"].filter(pl.col("source_file").str.starts_with(prefix) & (pl.col("part") == part)).row(
        0, named=True)


def test_tables_satisfy_their_contracts(seed_tables: dict[str, pl.DataFrame]) -> None:
    for name, model in (("articles", Articles), ("segments", Segments), ("syndication", Syndication),
                        ("syndicated_paragraphs", SyndicatedParagraphs)):
        model.validate(seed_tables[name])
    assert "offset_map" in seed_tables["articles"].columns  # internal, dropped at publishing


def test_seed_000_is_two_articles_and_003_links_to_the_afp_report(seed_tables: dict[str, pl.DataFrame]) -> None:
    arts = seed_tables["articles"]
    assert arts.filter(pl.col("source_file").str.starts_with("000_")).height == 2
    synd = {r["article_id"]: r for r in seed_tables["syndication"].iter_rows(named=True)}
    afp, bbc_copy = _article(seed_tables, "000_", 0), _article(seed_tables, "000_", 1)
    rewrite, bbc = _article(seed_tables, "003_"), _article(seed_tables, "001_")
    assert synd[rewrite["article_id"]]["source_article_id"] == afp["article_id"]
    # The two BBC copies share one source (both undated: the smaller article_id is the earlier).
    assert {synd[bbc["article_id"]]["source_article_id"], synd[bbc_copy["article_id"]]["source_article_id"]} == {
        min(bbc["article_id"], bbc_copy["article_id"])}
    assert set(seed_tables["syndication"]["article_id"]) == set(arts["article_id"])
    paras = seed_tables["syndicated_paragraphs"].filter(pl.col("article_id") == rewrite["article_id"])
    assert paras.height >= 3


def test_body_segments_index_the_article_text(seed_tables: dict[str, pl.DataFrame]) -> None:
    texts = dict(seed_tables["articles"].select("article_id", "text").iter_rows())
    body = seed_tables["segments"].filter(pl.col("start").is_not_null())
    assert body.height > 50
    for r in body.iter_rows(named=True):
        assert texts[r["article_id"]][r["start"]:r["end"]] == r["text"]
    kinds = set(seed_tables["segments"]["kind"])
    assert {"caption", "social_post", "boilerplate", "contributor", "title"} <= kinds


def test_new_tables_are_checked_and_published() -> None:
    graph = defs.resolve_asset_graph()
    checks = {(k.asset_key.to_user_string(), k.name) for k in graph.asset_check_keys}
    for table in ("segments", "syndication", "syndicated_paragraphs"):
        assert (table, f"{table}_contract") in checks
    published = graph.get(dg.AssetKey("published_version")).parent_keys
    assert {dg.AssetKey(t) for t in ("segments", "syndication", "syndicated_paragraphs")} <= published


