"""Which shards a refresh runs: the listing digest per shard, and why a shard is stale."""

from __future__ import annotations

import pytest

from dagster_project.ingest.shards import SHARD_KEYS, shard_of
from dagster_project.runtime.shard_plan import (
    BuiltShard,
    covering_range,
    shard_listing_digests,
    stale_reason,
    stale_shards,
)
from dagster_project.runtime.storage import Entry

CODE = {"raw_articles": "i1", "articles": "p1", "mention_candidates": "e1"}
LISTING = [Entry("a.txt", 10, 1), Entry("b/c.html", 20, 2), Entry("d.warc.gz", 30, 3)]


def _fresh(digest: str, **changes: object) -> BuiltShard:
    fields: dict[str, object] = {"run_ids": dict.fromkeys(CODE, "run-1"), "raw_digest": digest, "code": dict(CODE),
                                 "outputs_present": True}
    fields.update(changes)
    return BuiltShard(**fields)  # type: ignore[arg-type]


def test_every_shard_has_a_digest_and_an_empty_listing_differs_from_a_full_one() -> None:
    empty, full = shard_listing_digests([], "/raw"), shard_listing_digests(LISTING, "/raw")
    assert set(empty) == set(full) == set(SHARD_KEYS)
    holding = {shard_of(e.path) for e in LISTING}
    assert {k for k in SHARD_KEYS if empty[k] != full[k]} == holding


@pytest.mark.parametrize("change", [
    Entry("a.txt", 11, 1),  # rewritten: another size
    Entry("a.txt", 10, 9),  # touched: another mtime
    None,  # removed
])
def test_a_changed_file_changes_its_shard_digest_only(change: Entry | None) -> None:
    before = shard_listing_digests(LISTING, "/raw")
    listing = [e for e in LISTING if e.path != "a.txt"] + ([change] if change else [])
    after = shard_listing_digests(reversed(listing), "/raw")  # the order of the listing does not matter
    assert {k for k in SHARD_KEYS if before[k] != after[k]} == {shard_of("a.txt")}


def test_another_raw_root_changes_every_digest() -> None:
    one, other = shard_listing_digests(LISTING, "/raw"), shard_listing_digests(LISTING, "/elsewhere")
    assert all(one[k] != other[k] for k in SHARD_KEYS)


@pytest.mark.parametrize(("built", "reason"), [
    (None, "never built"),
    (BuiltShard(), "never built"),
    (_fresh("d", run_ids={"raw_articles": "run-1", "articles": "run-1"}), "mention_candidates never materialized"),
    # A run that failed after ingest: the shard's later assets are from an older run.
    (_fresh("d", run_ids={"raw_articles": "run-2", "articles": "run-1", "mention_candidates": "run-1"}),
     "its assets were last materialized by different runs"),
    (_fresh("d", outputs_present=False), "an output is missing from storage"),
    (_fresh("d", code={**CODE, "mention_candidates": "e0"}), "code changed (mention_candidates)"),
    (_fresh("d", code={**CODE, "articles": None}), "code changed (articles)"),
    (_fresh("old"), "raw files changed"),
    (_fresh("d"), None),
])
def test_stale_reason(built: BuiltShard | None, reason: str | None) -> None:
    assert stale_reason("d", CODE, built) == reason


def test_stale_shards_names_each_stale_shard_with_its_reason() -> None:
    digests = dict.fromkeys(SHARD_KEYS, "d")
    built = {k: _fresh("d") for k in SHARD_KEYS}
    assert stale_shards(digests, CODE, built) == {}
    built["07"] = _fresh("old")
    del built["41"]
    assert stale_shards(digests, CODE, built) == {"07": "raw files changed", "41": "never built"}


@pytest.mark.parametrize(("shards", "expected"), [
    ([], None), (["17"], ("17", "17")), (["41", "07", "12"], ("07", "41")), (SHARD_KEYS, ("00", "63")),
])
def test_covering_range(shards: list[str], expected: tuple[str, str] | None) -> None:
    assert covering_range(shards) == expected


def test_an_undecodable_file_name_is_in_the_shard_ingest_reads_it_in() -> None:
    name = b"bad-\xff.txt".decode("utf-8", "surrogateescape")  # as os.listdir returns a non-UTF-8 name
    before = shard_listing_digests([], "/raw")
    after = shard_listing_digests([Entry(name, 1, 1)], "/raw")
    assert {k for k in SHARD_KEYS if before[k] != after[k]} == {shard_of("bad-\\xff.txt")}
