"""Storage roots as fsspec URLs: raw and curated on an in-memory file system, end to end through Dagster."""

import io
import uuid
from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import polars as pl
import pytest
from upath import UPath

from dagster_project.assets.partitions import ALL_SHARDS_TAGS
from dagster_project.runtime.storage import is_url, list_raw, local_raw, publish_to, resolve_root
from tests.conftest import BLOG, WIRE


@pytest.fixture
def bucket() -> Iterator[UPath]:
    root = UPath(f"memory://newsetl-test-{uuid.uuid4().hex[:8]}")
    root.mkdir(parents=True, exist_ok=True)
    yield root
    root.fs.rm(root.path, recursive=True)


def test_roots_resolve_to_local_paths_or_upaths(tmp_path: Path) -> None:
    assert not is_url(tmp_path) and type(resolve_root(str(tmp_path))) is type(Path())
    assert isinstance(resolve_root("memory://b/raw"), UPath)
    assert is_url("s3://bucket/raw") and is_url("file:///tmp/raw")


def test_remote_raw_is_listed_and_staged_locally(bucket: UPath) -> None:
    raw = bucket / "raw"
    (raw / "2021").mkdir(parents=True, exist_ok=True)
    (raw / "2021" / "wire.txt").write_text(WIRE, encoding="utf-8")
    (raw / "blog.md").write_text(BLOG, encoding="utf-8")
    entries = list_raw(raw)
    assert [(e.path, e.size) for e in entries] == [("2021/wire.txt", len(WIRE.encode())), ("blog.md", len(BLOG.encode()))]
    with local_raw(str(raw)) as local:
        assert sorted(p.relative_to(local).as_posix() for p in local.rglob("*") if p.is_file()) == ["2021/wire.txt", "blog.md"]
        assert (local / "2021" / "wire.txt").read_text(encoding="utf-8") == WIRE
    assert not local.exists()  # the staging copy is temporary


def test_publish_to_a_local_root_is_a_direct_call(tmp_path: Path) -> None:
    assert publish_to(str(tmp_path), lambda folder: folder) == tmp_path.resolve()


def _materialize(raw: str, curated: str, home: Path) -> dg.ExecuteInProcessResult:
    from dagster_project.assets import extract, ingest, parse, publish
    from dagster_project.io_manager import PolarsParquetIOManager
    from dagster_project.resources import NlpModel, StorageRoots

    roots = StorageRoots(raw_dir=raw, curated_dir=curated, dagster_home=str(home))
    assets = [*dg.load_assets_from_modules([ingest, parse, extract, publish]),
              *dg.load_asset_checks_from_modules([ingest, parse, extract, publish])]
    with dg.instance_for_test() as instance:
        result = dg.materialize(assets, instance=instance, tags=ALL_SHARDS_TAGS, resources={
            "roots": roots, "nlp": NlpModel(), "io_manager": PolarsParquetIOManager(roots=roots)})
    assert result.success
    return result


@pytest.mark.integration
def test_pipeline_reads_and_publishes_on_an_fsspec_file_system(bucket: UPath, tmp_path: Path) -> None:
    raw, curated = bucket / "raw", bucket / "curated"
    raw.mkdir(parents=True, exist_ok=True)
    (raw / "wire.txt").write_text(WIRE, encoding="utf-8")
    (raw / "blog.md").write_text(BLOG, encoding="utf-8")
    _materialize(str(raw), str(curated), tmp_path / "home")
    first = (curated / "LATEST").read_text(encoding="utf-8").strip()
    names = {p.name for p in (curated / first).iterdir()}
    assert {"articles.parquet", "mentions.parquet", "entities.parquet", "quantities.parquet", "quarantine.parquet",
            "datapackage.json"} <= names
    articles = pl.read_parquet(io.BytesIO((curated / first / "articles.parquet").read_bytes()))
    assert set(articles["source_file"]) == {"wire.txt", "blog.md"}
    frozen = {p.name: p.read_bytes() for p in (curated / first).iterdir() if p.is_file()}

    (raw / "late.txt").write_text(WIRE.replace("Lagos", "Abuja").replace("LAGOS", "ABUJA"), encoding="utf-8")
    _materialize(str(raw), str(curated), tmp_path / "home")
    second = (curated / "LATEST").read_text(encoding="utf-8").strip()
    assert second != first
    articles = pl.read_parquet(io.BytesIO((curated / second / "articles.parquet").read_bytes()))
    assert "late.txt" in set(articles["source_file"])
    # The earlier version is immutable: same files, same bytes.
    assert {p.name: p.read_bytes() for p in (curated / first).iterdir() if p.is_file()} == frozen
    assert not Path("memory:").exists()  # nothing leaked onto the local disk under a URL-like name


def test_sensor_watches_a_remote_raw_root(bucket: UPath, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSETL_SENSOR_SETTLE_SECONDS", "0")  # memory:// files cannot be dated back
    from dagster_project.automation import raw_files_sensor
    from dagster_project.resources import StorageRoots

    raw = bucket / "raw"
    raw.mkdir(parents=True, exist_ok=True)
    (raw / "wire.txt").write_text(WIRE, encoding="utf-8")
    roots = StorageRoots(raw_dir=str(raw), curated_dir=str(bucket / "curated"), dagster_home=str(tmp_path))
    from dagster_project.resources import NlpModel

    def tick(cursor: str | None):  # type: ignore[no-untyped-def]
        with (dg.instance_for_test() as instance,
              dg.build_sensor_context(cursor=cursor, resources={"roots": roots, "nlp": NlpModel()},
                                      instance=instance) as ctx):
            return raw_files_sensor(ctx)

    first = tick(None)
    assert len(first.run_requests) == 1
    assert first.run_requests[0].tags["newsetl/stale_shards"] == "64"  # nothing built yet
    same = tick(first.cursor)
    assert isinstance(same, dg.SkipReason)
    (raw / "blog.md").write_text(BLOG, encoding="utf-8")
    new = tick(first.cursor)
    assert new.run_requests[0].tags["newsetl/raw_files"] == "2"


def test_io_manager_reads_only_the_columns_an_input_declares(tmp_path: Path) -> None:
    from dagster_project.io_manager import PolarsParquetIOManager
    from dagster_project.resources import StorageRoots

    manager = PolarsParquetIOManager(roots=StorageRoots(dagster_home=str(tmp_path)))
    frame = pl.DataFrame({"source_file": ["a.txt"], "text": ["long text"], "bytes": [9]})
    manager.handle_output(dg.build_output_context(asset_key=dg.AssetKey("raw_articles")), frame)
    narrow = manager.load_input(dg.build_input_context(asset_key=dg.AssetKey("raw_articles"),
                                                       definition_metadata={"columns": ["source_file", "bytes"]}))
    assert narrow.columns == ["source_file", "bytes"] and narrow.row(0) == ("a.txt", 9)
    whole = manager.load_input(dg.build_input_context(asset_key=dg.AssetKey("raw_articles")))
    assert whole.equals(frame)
