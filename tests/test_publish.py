import datetime as dt
import json
from pathlib import Path

import polars as pl
import pytest

from contracts import PUBLISHED_TABLES
from dagster_project.core.publish import AuditError, file_sha256, plan_version, publish, read_latest
from dagster_project.core.schema import contracts_signature, empty_frame

TEXT = "Mike Pompeo visited Caracas."


def _tables(extra_article: bool = False) -> dict[str, pl.DataFrame]:
    arts = [{"article_id": "a1", "source_file": "a.txt", "source_sha256": "a" * 64, "part": 0, "title": "T",
             "outlet": "X", "author": None, "published_date": dt.date(2020, 1, 1), "text": TEXT,
             "raw_start": 0, "raw_end": len(TEXT)}]
    if extra_article:
        arts.append({**arts[0], "article_id": "a2", "source_file": "b.txt", "source_sha256": "b" * 64})
    articles = pl.DataFrame(arts, schema=empty_frame(PUBLISHED_TABLES["articles"].model).schema)
    mentions = pl.DataFrame(
        {"mention_id": ["m1"], "article_id": ["a1"], "mention_type": ["person"], "surface": ["Mike Pompeo"],
         "start": [0], "end": [11], "entity_id": ["person:mike-pompeo"]}
    )
    entities = pl.DataFrame([{"entity_id": "person:mike-pompeo", "entity_type": "person",
                              "canonical_name": "Mike Pompeo", "mention_count": 1}],
                            schema=empty_frame(PUBLISHED_TABLES["entities"].model).schema)
    # Every published table, empty unless the test fills it; then the ones under test.
    return {**{n: empty_frame(c.model) for n, c in PUBLISHED_TABLES.items()}, "articles": articles, "mentions": mentions, "entities": entities,
            "quantities": empty_frame(PUBLISHED_TABLES["quantities"].model),
            "quarantine": empty_frame(PUBLISHED_TABLES["quarantine"].model)}


def _sources(tables: dict[str, pl.DataFrame]) -> dict[str, str]:
    return dict(tables["articles"].select("source_file", "source_sha256").iter_rows())


def test_publish_then_noop_then_minor(tmp_path: Path) -> None:
    t1 = _tables()
    r1 = publish(t1, tmp_path, _sources(t1), {"run": "1"})
    assert (r1.version, r1.published) == ("1.0.0", True)
    snapshot = {p.name: p.read_bytes() for p in (tmp_path / "1.0.0").iterdir()}
    r2 = publish(t1, tmp_path, _sources(t1), {"run": "2"})
    assert (r2.version, r2.published) == ("1.0.0", False)
    t3 = _tables(extra_article=True)
    r3 = publish(t3, tmp_path, _sources(t3), {"run": "3"})
    assert (r3.version, r3.published) == ("1.1.0", True)
    assert read_latest(tmp_path) == "1.1.0"
    assert {p.name: p.read_bytes() for p in (tmp_path / "1.0.0").iterdir()} == snapshot


def test_manifest_hashes_match_files(tmp_path: Path) -> None:
    t = _tables()
    r = publish(t, tmp_path, _sources(t), {})
    manifest = json.loads((r.path / "datapackage.json").read_text())
    assert {res["name"] for res in manifest["resources"]} == set(PUBLISHED_TABLES)
    for res in manifest["resources"]:
        assert res["hash"] == "sha256:" + file_sha256(r.path / res["path"])
        assert all(f["description"] for f in res["schema"]["fields"])


def test_failed_audit_publishes_nothing(tmp_path: Path) -> None:
    t = _tables()
    t["mentions"] = t["mentions"].with_columns(pl.lit("Someone").alias("surface"))
    with pytest.raises(AuditError, match="surface"):
        publish(t, tmp_path, _sources(t), {})
    assert read_latest(tmp_path) is None
    assert not [p for p in tmp_path.iterdir() if not p.name.startswith(".")]


def test_dangling_foreign_key_fails_audit(tmp_path: Path) -> None:
    t = _tables()
    t["entities"] = t["entities"].clear()
    with pytest.raises(AuditError, match="entity_id"):
        publish(t, tmp_path, _sources(t), {})


@pytest.mark.parametrize(
    ("change", "expected"),
    [("same", None), ("values", "1.2.4"), ("sources", "1.3.0"), ("drop_column", "2.0.0")],
)
def test_plan_version_semver(change: str, expected: str | None) -> None:
    sig = contracts_signature()
    prev = {"version": "1.2.3", "sources": [{"path": "a", "hash": "sha256:x"}],
            "newsetl": {"contracts": sig, "fingerprints": {"articles": "f"}}}
    fps, sources, new_sig = {"articles": "f"}, {"a": "x"}, json.loads(json.dumps(sig))
    if change == "values":
        fps = {"articles": "g"}
    elif change == "sources":
        sources = {"a": "x", "b": "y"}
    elif change == "drop_column":
        del new_sig["articles"]["title"]
    assert plan_version(prev, fps, sources, new_sig)[0] == expected
