"""Raw shards: every raw file belongs to one of a fixed number of shards, by a hash of its path.

The per-article layers (ingest, parse, extract) are partitioned by these shards (assets/partitions.py). The
hash is of the *top-level* raw path relative to the raw root, so:

* a WARC record (``<archive>#<WARC-Record-ID>``) lives in its archive's shard: one archive is read by one run;
* a file rewritten in place keeps its path and so its shard: only that shard is dirty on the next refresh;
* the shard of a path never depends on the rest of the corpus, the process or the machine (BLAKE2b, never
  Python's salted ``hash``).

Everything before the first ``#`` is the top-level path. A plain file whose name holds a ``#`` is therefore
hashed by its name's first part; that is still a function of the path alone, so the file keeps one shard.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import polars as pl

SHARD_COUNT = 64
SHARD_KEYS: list[str] = [f"{i:02d}" for i in range(SHARD_COUNT)]


def top_level_path(source_file: str) -> str:
    """The raw file a ``source_file`` is read from: the archive of a WARC record, else the path itself."""
    return source_file.split("#", 1)[0]


def shard_of(source_file: str) -> str:
    """The shard key ("00" to "63") of a raw row's ``source_file``: BLAKE2b-64 of its top-level path, modulo 64."""
    digest = hashlib.blake2b(top_level_path(source_file).encode("utf-8"), digest_size=8).digest()
    return SHARD_KEYS[int.from_bytes(digest, "big") % SHARD_COUNT]


def shard_column(path: str) -> pl.Expr:
    """The shard of each row's raw path in column ``path`` (``source_file``), as a polars expression."""
    return pl.col(path).map_elements(shard_of, return_dtype=pl.String())


def split_by_shard(df: pl.DataFrame, shards: Sequence[str], shard: pl.Expr) -> dict[str, pl.DataFrame]:
    """``df`` as one frame per key of ``shards``, by the shard key ``shard`` gives for each row. A shard without
    rows gets an empty frame with the same columns: an empty shard, not a missing one. A row of a shard not in
    ``shards`` is an error (a run must write only its own shards)."""
    keyed = df.with_columns(shard.alias("_shard"))
    parts = {str(key[0]): part.drop("_shard") for key, part in keyed.partition_by("_shard", as_dict=True).items()}
    unexpected = sorted(set(parts) - set(shards))
    if unexpected:
        raise ValueError(f"rows of shard(s) {unexpected} are outside the run's shards {list(shards)}")
    empty = keyed.drop("_shard").clear()
    return {s: parts.get(s, empty) for s in shards}
