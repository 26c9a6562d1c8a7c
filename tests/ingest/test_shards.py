"""Raw shards (ingest/shards.py): a stable hash of the top-level raw path, the same in every process."""

import os
import subprocess
import sys

import polars as pl
import pytest

from dagster_project.ingest.shards import SHARD_COUNT, SHARD_KEYS, shard_of, split_by_shard, top_level_path

# Pinned by hand: int.from_bytes(blake2b(path.encode("utf-8"), digest_size=8).digest(), "big") % 64, computed outside
# the project with hashlib alone (the 8-byte digest is given for the record).
PINNED = [
    ("000_7d6fb3e3987d9f6f.txt", "53"),  # 07c28f9494ee1bb5
    ("news/2026/a.txt", "30"),  # 9f31df7da1648a9e
    ("crawl.warc.gz", "41"),  # 7893f1e56ee6e529
    ("é.txt", "56"),  # d9de776631446df8
    ("folder/", "30"),  # 3c2431b80f528b1e: a folder that could not be listed
]


@pytest.mark.parametrize(("path", "shard"), PINNED)
def test_the_shard_of_a_path_is_pinned(path: str, shard: str) -> None:
    assert shard_of(path) == shard


@pytest.mark.parametrize("record", ["crawl.warc.gz#<urn:uuid:1234>", "crawl.warc.gz#<urn:uuid:ffff>#x"])
def test_a_warc_record_lives_in_its_archive_s_shard(record: str) -> None:
    assert top_level_path(record) == "crawl.warc.gz"
    assert shard_of(record) == shard_of("crawl.warc.gz") == "41"


def test_the_keys_are_64_two_digit_strings_and_every_shard_is_one_of_them() -> None:
    assert SHARD_COUNT == 64 and len(SHARD_KEYS) == 64 == len(set(SHARD_KEYS))
    assert (SHARD_KEYS[0], SHARD_KEYS[-1]) == ("00", "63")
    assert sorted(SHARD_KEYS) == SHARD_KEYS
    shards = {shard_of(f"dir/{i}.txt") for i in range(2000)}
    assert shards == set(SHARD_KEYS)  # 2,000 paths reach every shard: the hash spreads them


@pytest.mark.parametrize("seed", ["0", "1", "12345"])
def test_the_shard_is_the_same_in_another_process_whatever_its_hash_seed(seed: str) -> None:
    paths = [p for p, _ in PINNED]
    code = f"from dagster_project.ingest.shards import shard_of; print(','.join(shard_of(p) for p in {paths!r}))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={**os.environ, "PYTHONHASHSEED": seed, "PYTHONWARNINGS": "ignore"})
    assert out.stdout.strip().split(",") == [s for _, s in PINNED]


def test_split_by_shard_gives_every_shard_of_the_run_even_an_empty_one() -> None:
    df = pl.DataFrame({"source_file": ["news/2026/a.txt", "folder/", "crawl.warc.gz#<r1>"], "n": [1, 2, 3]})
    parts = split_by_shard(df, ["30", "41", "63"], pl.col("source_file").map_elements(shard_of, return_dtype=pl.String))
    assert sorted(parts) == ["30", "41", "63"]
    assert parts["30"]["n"].to_list() == [1, 2] and parts["41"]["n"].to_list() == [3]
    assert parts["63"].is_empty() and parts["63"].columns == ["source_file", "n"]
    with pytest.raises(ValueError, match="outside the run's shards"):
        split_by_shard(df, ["30"], pl.col("source_file").map_elements(shard_of, return_dtype=pl.String))
