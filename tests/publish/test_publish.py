"""Write-audit-publish, SemVer, manifest, changelog and loader on small hand-made tables."""

import datetime as dt
import json
import os
import stat
from pathlib import Path

import polars as pl
import pytest
from published_rows import article_row, mention_row, published_tables, table_frame

from contracts import PUBLISHED_TABLES
from dagster_project import dataset
from dagster_project.publish.schema import contracts_signature
from dagster_project.publish.version import (
    FINGERPRINT_SCHEME,
    AuditError,
    file_sha256,
    frame_fingerprint,
    plan_version,
    publish,
    read_latest,
    recover,
)

TEXT = "Mike Pompeo visited Caracas."
TEXT_B = "Vladimir Padrino met Russian officers in Caracas."


def _article(aid: str, source: str, sha: str, title: str, text: str) -> dict:
    return article_row(aid, source, sha, title, text, outlet="X", published_date=dt.date(2020, 1, 1))


def _tables(extra_article: bool = False) -> dict[str, pl.DataFrame]:
    arts = [_article("a1", "a.txt", "a" * 64, "Pompeo in Caracas", TEXT)]
    ments = [mention_row("m1", "a1", TEXT, "Mike Pompeo", entity_id="person:mike-pompeo")]
    ents = [{"entity_id": "person:mike-pompeo", "entity_type": "person", "canonical_name": "Mike Pompeo",
             "mention_count": 1}]
    if extra_article:
        arts.append(_article("a2", "nested/b.txt", "b" * 64, "Padrino meets officers", TEXT_B))
        ments.append(mention_row("m2", "a2", TEXT_B, "Vladimir Padrino", entity_id="person:vladimir-padrino"))
        ents.append({"entity_id": "person:vladimir-padrino", "entity_type": "person",
                     "canonical_name": "Vladimir Padrino", "mention_count": 1})
    return published_tables(articles=arts, mentions=ments, entities=ents)


def _sources(tables: dict[str, pl.DataFrame]) -> dict[str, str | None]:
    return dict(tables["articles"].select("source_file", "source_sha256").iter_rows())


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_no_change_rebuild_keeps_latest(tmp_path: Path) -> None:
    t = _tables()
    r1 = publish(t, tmp_path, _sources(t), {"dagster_run_id": "run-1"})
    assert (r1.version, r1.published) == ("1.0.0", True)
    before = _snapshot(tmp_path / "1.0.0")
    # A different run id, a later clock and shuffled rows are not a change.
    shuffled = {k: v.reverse() for k, v in t.items()}
    r2 = publish(shuffled, tmp_path, _sources(t), {"dagster_run_id": "run-2"}, now=dt.datetime(2030, 1, 1))
    assert (r2.version, r2.published) == ("1.0.0", False)
    assert r2.reason.startswith("no change since 1.0.0")
    assert read_latest(tmp_path) == "1.0.0"
    assert dataset.versions(tmp_path) == ["1.0.0"]
    assert _snapshot(tmp_path / "1.0.0") == before


def test_new_raw_article_gives_minor_version_and_parent_stays_byte_identical(tmp_path: Path) -> None:
    t1 = _tables()
    publish(t1, tmp_path, _sources(t1), {})
    before = _snapshot(tmp_path / "1.0.0")
    t2 = _tables(extra_article=True)
    r = publish(t2, tmp_path, _sources(t2), {})
    assert (r.version, r.published, r.parent_version) == ("1.1.0", True, "1.0.0")
    assert "1 raw file(s) added" in r.reason
    assert read_latest(tmp_path) == "1.1.0"
    assert dataset.versions(tmp_path) == ["1.0.0", "1.1.0"]
    assert _snapshot(tmp_path / "1.0.0") == before
    assert dataset.verify("1.0.0", tmp_path) == []
    manifest = dataset.manifest("1.1.0", tmp_path)
    assert manifest["newsetl"]["parent_version"] == "1.0.0"
    assert {s["path"] for s in manifest["sources"]} == {"a.txt", "nested/b.txt"}


def test_published_files_are_read_only(tmp_path: Path) -> None:
    t = _tables()
    r = publish(t, tmp_path, _sources(t), {})
    for p in r.path.rglob("*"):
        assert not stat.S_IMODE(p.stat().st_mode) & 0o222, p
    assert not stat.S_IMODE(r.path.stat().st_mode) & 0o222
    if os.geteuid() != 0:  # root ignores permission bits
        with pytest.raises(PermissionError):
            (r.path / "articles.parquet").write_bytes(b"x")


def test_every_manifest_hash_matches_its_file(tmp_path: Path) -> None:
    t = _tables(extra_article=True)

    def card(staging: Path, manifest: dict) -> None:
        (staging / "plots").mkdir()
        (staging / "plots" / "counts.svg").write_text("<svg/>")
        (staging / "README.md").write_text(f"# {manifest['name']} {manifest['version']}\n")

    r = publish(t, tmp_path, _sources(t), {"git_commit": "abc"}, extras=[card])
    manifest = json.loads((r.path / "datapackage.json").read_text())
    assert manifest["$schema"].startswith("https://datapackage.org/profiles/2.0/")
    assert {res["name"] for res in manifest["resources"]} == set(PUBLISHED_TABLES)
    for res in manifest["resources"]:
        path = r.path / res["path"]
        assert res["hash"] == "sha256:" + file_sha256(path)
        assert res["bytes"] == path.stat().st_size
        fields = res["schema"]["fields"]
        assert [f["name"] for f in fields] == pl.read_parquet_schema(path).names()
        assert all(f["description"] and f["type"] != "any" for f in fields)
        assert res["schema"]["primaryKey"] == list(PUBLISHED_TABLES[res["name"]].primary_key)
    mentions = next(res for res in manifest["resources"] if res["name"] == "mentions")
    assert {fk["reference"]["resource"] for fk in mentions["schema"]["foreignKeys"]} == {"articles", "entities"}
    files = manifest["newsetl"]["files"]
    assert set(files) == {"CHANGELOG.md", "README.md", "plots/counts.svg"}
    for rel, digest in files.items():
        assert digest == "sha256:" + file_sha256(r.path / rel)
    assert dataset.verify(root=tmp_path) == []


def test_verify_detects_a_tampered_file(tmp_path: Path) -> None:
    t = _tables()
    r = publish(t, tmp_path, _sources(t), {})
    target = r.path / "mentions.parquet"
    target.chmod(0o644)
    target.write_bytes(target.read_bytes() + b"\0")
    problems = dataset.verify("1.0.0", tmp_path)
    assert any("mentions.parquet" in p and "does not match" in p for p in problems)
    with pytest.raises(dataset.IntegrityError):
        dataset.load("mentions", root=tmp_path)
    assert dataset.main(["verify", "--root", str(tmp_path)]) == 1


def test_changelog_names_the_new_article_and_mentions(tmp_path: Path) -> None:
    t1 = _tables()
    publish(t1, tmp_path, _sources(t1), {})
    t2 = _tables(extra_article=True)
    r = publish(t2, tmp_path, _sources(t2), {})
    log = (r.path / "CHANGELOG.md").read_text()
    assert "Compared with parent version **1.0.0**" in log
    assert "“Padrino meets officers” (`nested/b.txt`, part 0)" in log
    assert "1 added, 0 removed, 0 changed" in log
    assert "| articles | 1 | 2 | +1 |" in log
    assert "1 mention(s) gained, 0 lost" in log
    assert "person “Vladimir Padrino” in `nested/b.txt`" in log
    assert "- added `nested/b.txt`" in log


def test_patch_version_when_values_change_under_same_inputs(tmp_path: Path) -> None:
    t = _tables()
    publish(t, tmp_path, _sources(t), {})
    fixed = dict(t)
    fixed["mentions"] = pl.concat([t["mentions"], table_frame("mentions", [mention_row("m9", "a1", TEXT, "Caracas", "place")])])
    r = publish(fixed, tmp_path, _sources(t), {})
    assert r.version == "1.0.1"
    log = (r.path / "CHANGELOG.md").read_text()
    assert "values changed under the same inputs in mentions" in log
    assert "place “Caracas” in `a.txt`" in log


def test_failed_audit_publishes_nothing_and_names_checks(tmp_path: Path) -> None:
    t = _tables()
    publish(t, tmp_path, _sources(t), {})
    before = _snapshot(tmp_path)
    bad = _tables(extra_article=True)
    bad["mentions"] = bad["mentions"].with_columns(pl.lit("Someone").alias("surface"))
    bad["entities"] = bad["entities"].head(1)
    with pytest.raises(AuditError) as info:
        publish(bad, tmp_path, _sources(bad), {})
    failures = info.value.failures
    assert any("entity_id" in f and "not in entities" in f for f in failures), failures
    assert read_latest(tmp_path) == "1.0.0"
    assert _snapshot(tmp_path) == before
    assert not list((tmp_path / ".staging").iterdir())


def test_audit_names_offset_and_undescribed_column_failures(tmp_path: Path) -> None:
    t = _tables()
    t["mentions"] = t["mentions"].with_columns(pl.lit("Someone").alias("surface"))
    with pytest.raises(AuditError, match=r"text\[start:end\] != surface"):
        publish(t, tmp_path, _sources(t), {})
    t = _tables()
    t["articles"] = t["articles"].with_columns(pl.lit(1).alias("secret_column"))
    with pytest.raises(AuditError, match="secret_column.*not described by contracts.Articles"):
        publish(t, tmp_path, _sources(t), {})
    assert read_latest(tmp_path) is None
    assert [p.name for p in tmp_path.iterdir() if not p.name.startswith(".")] == []


def test_recover_removes_stale_staging(tmp_path: Path) -> None:
    stale = tmp_path / ".staging" / "deadbeef"
    stale.mkdir(parents=True)
    (stale / "articles.parquet").write_bytes(b"half")
    (stale / "articles.parquet").chmod(0o444)
    (tmp_path / ".LATEST.0123.tmp").write_text("9.9.9")
    assert sorted(recover(tmp_path)) == [".LATEST.0123.tmp", ".staging/deadbeef"]
    assert not stale.exists()


def test_loader_polars_pandas_and_lineage(tmp_path: Path) -> None:
    t = _tables(extra_article=True)
    publish(t, tmp_path, _sources(t), {"extractor_version": "extract-9", "dagster_run_id": "run-42"})
    assert dataset.latest(tmp_path) == "1.0.0"
    m = dataset.load("mentions", version="1.0.0", root=tmp_path)
    assert isinstance(m, pl.DataFrame) and m.height == 2
    pdf = dataset.load("articles", root=tmp_path, backend="pandas")
    assert list(pdf["source_file"]) == ["a.txt", "nested/b.txt"]
    q = dataset.load("mentions", root=tmp_path, with_lineage=True)
    row = q.filter(pl.col("mention_id") == "m2").row(0, named=True)
    assert (row["source_sha256"], row["extractor_version"], row["dagster_run_id"]) == ("b" * 64, "extract-9", "run-42")
    with pytest.raises(KeyError, match="no table"):
        dataset.load("nope", root=tmp_path)


@pytest.mark.parametrize(
    ("change", "expected"),
    [("same", None), ("values", "1.2.4"), ("sources", "1.3.0"), ("add_column", "1.3.0"),
     ("drop_column", "2.0.0"), ("retype_column", "2.0.0"), ("drop_table", "2.0.0")],
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
    elif change == "add_column":
        new_sig["articles"]["new_col"] = {"dtype": "String", "nullable": True}
    elif change == "drop_column":
        del new_sig["articles"]["title"]
    elif change == "retype_column":
        new_sig["mentions"]["start"]["dtype"] = "String"
    elif change == "drop_table":
        del new_sig["quantities"]
    assert plan_version(prev, fps, sources, new_sig)[0] == expected


def test_plan_version_names_values_changed_or_a_fingerprint_scheme_it_cannot_compare() -> None:
    sig = contracts_signature()
    old, new = f"{FINGERPRINT_SCHEME}:aa", f"{FINGERPRINT_SCHEME}:bb"
    prev = {"version": "1.2.3", "sources": [], "newsetl": {"contracts": sig, "fingerprints": {"articles": old}}}
    assert plan_version(prev, {"articles": new}, {}, sig) == (
        "1.2.4", "values changed under the same inputs in articles")
    # A parent fingerprinted by another polars version (or the older NDJSON hash): a patch, but not called a change.
    prev["newsetl"]["fingerprints"] = {"articles": "rows/polars-0.0.1:aa"}
    version, reason = plan_version(prev, {"articles": new}, {}, sig)
    assert version == "1.2.4" and "values not compared" in reason and FINGERPRINT_SCHEME in reason


def test_frame_fingerprint_follows_values_order_and_schema_not_chunks() -> None:
    df = pl.DataFrame({"a": [1, 2, None], "b": ["x", None, "z"], "c": [["p"], [], None]})
    fp = frame_fingerprint(df)
    assert fp.startswith(FINGERPRINT_SCHEME + ":")
    assert frame_fingerprint(pl.concat([df.head(1), df.tail(2)], rechunk=False)) == fp
    assert frame_fingerprint(df.with_columns(b=pl.Series(["x", "", "z"]))) != fp  # null is not ""
    assert frame_fingerprint(df.reverse()) != fp
    assert frame_fingerprint(df.select("b", "a", "c")) != fp
    assert frame_fingerprint(df.with_columns(pl.col("a").cast(pl.Float64))) != fp
    assert frame_fingerprint(df.with_columns(c=pl.Series([["p"], [""], None]))) != fp


def test_git_lineage_inside_and_outside_a_checkout(tmp_path: Path) -> None:
    from dagster_project.publish.lineage import git_commit, git_dirty

    repo = Path(__file__).resolve().parents[2]
    sha = git_commit(repo)
    assert sha is not None and len(sha) == 40 and int(sha, 16) >= 0
    assert isinstance(git_dirty(repo), bool)
    assert git_commit(tmp_path) is None and git_dirty(tmp_path) is None


def test_added_column_is_a_minor_version_and_in_the_changelog(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import dataclasses

    import pandera.polars as pa

    from contracts import Articles

    class ArticlesWithSection(Articles):
        """Articles with a newspaper section."""

        section: str = pa.Field(nullable=True, description="Newspaper section, e.g. 'World'.")

    t = _tables()
    publish(t, tmp_path, _sources(t), {})
    monkeypatch.setitem(PUBLISHED_TABLES, "articles",
                        dataclasses.replace(PUBLISHED_TABLES["articles"], model=ArticlesWithSection))
    t2 = dict(t)
    t2["articles"] = t["articles"].with_columns(pl.lit("World").alias("section"))
    r = publish(t2, tmp_path, _sources(t), {})
    assert (r.version, r.reason) == ("1.1.0", "column articles.section added (String)")
    log = (r.path / "CHANGELOG.md").read_text()
    assert "- column articles.section added (String)" in log
    assert "“Pompeo in Caracas” (`a.txt`, part 0): section changed" not in log  # new column, not a change
    fields = {f["name"]: f for f in dataset.manifest("1.1.0", tmp_path)["resources"][0]["schema"]["fields"]}
    assert fields["section"]["description"] == "Newspaper section, e.g. 'World'."


def _versions_for_mention_diff(case: str) -> tuple[dict, dict]:
    """Two versions' articles and mentions (the columns the changelog reads) differing as ``case`` says."""
    arts = pl.DataFrame({"article_id": ["A", "B", "C"], "source_file": ["a.txt", "b.txt", "c.txt"], "part": [0, 0, 0]})
    ments = pl.DataFrame({"article_id": ["A", "A", "A", "B", "C"], "mention_type": ["person", "person", "place",
                          "place", "aircraft"], "surface": ["Maduro", "Maduro", "Caracas", "Moscow", "An-124"]})
    new_a, new_m = arts, ments
    if case == "article added":
        new_a = pl.concat([arts, pl.DataFrame({"article_id": ["D"], "source_file": ["d.txt"], "part": [0]})])
        new_m = pl.concat([ments, pl.DataFrame({"article_id": ["D"], "mention_type": ["place"], "surface": ["Caracas"]})])
    elif case == "article removed":
        new_a, new_m = arts.filter(pl.col("article_id") != "B"), ments.filter(pl.col("article_id") != "B")
    elif case == "file renamed, same content":  # same article id, another (source_file, part)
        new_a = arts.with_columns(pl.col("source_file").replace({"c.txt": "moved/c.txt"}))
    elif case == "one mention of a repeated surface lost":
        new_m = pl.concat([ments.slice(1), ments.head(0)])
    elif case == "extractor change in an unchanged article":
        new_m = ments.with_columns(pl.col("surface").replace({"Moscow": "Moscú"}))
    elif case == "no change":
        pass
    elif case == "parent without a part column":
        return {"articles": arts.drop("part"), "mentions": ments}, {"articles": arts, "mentions": new_m}
    return {"articles": arts, "mentions": ments}, {"articles": new_a, "mentions": new_m}


@pytest.mark.parametrize("case", ["article added", "article removed", "file renamed, same content",
                                  "one mention of a repeated surface lost", "extractor change in an unchanged article",
                                  "no change", "parent without a part column"])
def test_mention_changes_count_the_same_multiset_difference_as_every_mention_would(case: str) -> None:
    from collections import Counter

    from dagster_project.publish.changelog import _mention_changes

    old, new = _versions_for_mention_diff(case)

    def counts(v: dict) -> Counter:
        a = v["articles"] if "part" in v["articles"].columns else v["articles"].with_columns(part=pl.lit(0))
        where = {r["article_id"]: (r["source_file"], r["part"]) for r in a.iter_rows(named=True)}
        return Counter((*where[r["article_id"]], r["mention_type"], r["surface"]) for r in v["mentions"].iter_rows(named=True))

    gained, lost = counts(new) - counts(old), counts(old) - counts(new)
    text = "\n".join(_mention_changes(old, new))
    assert f"{sum(gained.values())} mention(s) gained, {sum(lost.values())} lost." in text
    for (f, p, t, s), n in (gained + lost).items():
        assert f"- {t} “{s}” in `{f}` part {p}" + (f" ×{n}" if n > 1 else "") in text
    assert text.count("\n- ") == len(gained) + len(lost)
