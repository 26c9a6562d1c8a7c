"""Duplicates refused per shard, then across shards (ingest/sources.refuse_duplicates), are those one scan of the
whole raw root refuses: same files, same reasons, and details naming the corpus' original."""

import random
from pathlib import Path

import pytest

from dagster_project.ingest.raw import DUPLICATE
from dagster_project.ingest.shards import SHARD_KEYS, shard_of
from dagster_project.ingest.sources import duplicates_of, path_order, refuse_duplicates, scan_sources


def _rows(rng: random.Random, n: int) -> list[dict]:
    rows = []
    for i in range(n):
        folder = rng.choice(["", "a/", "a/b/", "z/"])
        kind = rng.random()
        row = {"source_file": f"{folder}{rng.choice('abcxyz')}{i}.txt", "source_sha256": f"{rng.randrange(8):064x}",
               "quarantine_reason": None, "source_format": "text", "url": None, "is_symlink": rng.random() < 0.1}
        if kind < 0.2:  # a page of an archive, with a URL
            row.update(source_file=f"{folder}crawl{i % 3}.warc.gz#<r{i}>", source_format="warc_record",
                       url=f"https://example.org/{rng.randrange(5)}", record_offset=i, is_symlink=False)
        elif kind < 0.3:
            row.update(quarantine_reason="empty", source_sha256=None)
        rows.append(row)
    return rows


@pytest.mark.parametrize("seed", range(20))
def test_per_shard_then_corpus_wide_equals_one_scan(seed: int) -> None:
    rng = random.Random(seed)
    rows = _rows(rng, 60)
    rows.sort(key=lambda r: path_order(r["source_file"], r.get("record_offset")))  # the order the root is walked in
    whole = {r["source_file"]: (r["quarantine_reason"], r.get("detail")) for r in refuse_duplicates(rows)}
    # Per shard (each shard on its own, as raw_articles does), then the rule again over every shard's rows.
    by_shard: dict[str, list[dict]] = {}
    for r in rows:
        by_shard.setdefault(shard_of(r["source_file"]), []).append(r)
    per_shard = [r for group in by_shard.values() for r in refuse_duplicates(group)]
    shard_dups = {r["source_file"] for r in per_shard if r["quarantine_reason"] == DUPLICATE}
    corpus = duplicates_of(per_shard)
    assert shard_dups <= set(corpus)  # a copy within a shard is a copy in the corpus
    assert corpus == {f: d for f, (reason, d) in whole.items() if reason == DUPLICATE}
    assert any(len(g) > 1 for g in by_shard.values()) and corpus


def test_a_real_file_is_the_original_of_a_link_to_the_same_content(tmp_path: Path) -> None:
    (tmp_path / "b.txt").write_text("Same story.\n", encoding="utf-8")
    (tmp_path / "a.txt").symlink_to(tmp_path / "b.txt")  # first in path order, but a link
    rows = scan_sources(tmp_path, 10_000, shards=set(SHARD_KEYS))
    assert duplicates_of(rows) == {"a.txt": "byte-identical to b.txt"}


def test_path_order_is_the_walk_order_files_before_sub_folders() -> None:
    paths = ["b.txt", "a/z.txt", "a/b/c.txt", "a.txt", "c.warc.gz#<2>", "c.warc.gz#<1>"]
    offsets = {"c.warc.gz#<2>": 20, "c.warc.gz#<1>": 10}
    ordered = sorted(paths, key=lambda p: path_order(p, offsets.get(p)))
    assert ordered == ["a.txt", "b.txt", "c.warc.gz#<1>", "c.warc.gz#<2>", "a/z.txt", "a/b/c.txt"]
