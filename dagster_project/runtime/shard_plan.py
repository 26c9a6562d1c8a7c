"""Which raw shards a refresh must run: the shards whose files, or whose per-article code, changed since they
were last built.

A refresh used to run ingest, parse and extract over all 64 shards and let the per-article caches answer for the
unchanged ones. The answers were cheap, but not free: every shard's cached rows were loaded and written back, and
each of the five partitioned outputs recorded 64 materializations in the instance. That work grows with the
corpus. A refresh now runs the per-article assets over the stale shards only; the corpus-wide assets then read
every shard from storage, as they do after a backfill.

A shard is **fresh** when the latest materializations of its per-article assets

* come from one run (a run that failed half-way leaves its later assets older than its first);
* record the digest of the shard's listing (path, size, mtime of each file) that the planner sees now;
* record the code fingerprint of each asset that the planner computes now (parser, extractor and model
  versions: an upgrade re-runs every shard, as it must);

and its stored outputs are all there. Anything else is **stale**, with a reason. The refresh schedule still runs
every shard: it is the fallback for changes a listing cannot see (a file rewritten with the same size and mtime).

Dagster-free: the instance's records are read by ``dagster_project.automation``. The fingerprints are computed
here and not in runtime/cache.py, which extraction imports: a change to the planner must not change the extraction
fingerprint (that would send every cached article through spaCy again).
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from dagster_project.ingest.shards import SHARD_KEYS, shard_of
from dagster_project.runtime.cache import code_fingerprint, extract_fingerprint, parse_fingerprint
from dagster_project.runtime.storage import Entry

# Per-partition metadata keys on the per-article assets' materializations.
RAW_DIGEST_KEY = "newsetl/raw_digest"
CODE_KEY = "newsetl/code"


# Parsing also reads web pages and WARC records back from the raw root.
PARSE_MODULES = ("dagster_project.ingest.html", "dagster_project.ingest.warc")


def ingest_fingerprint(max_file_bytes: int, max_page_bytes: int) -> str:
    """Code identity of ingest: ``ingest.sources`` and its imports, and the size limits that refuse files."""
    return code_fingerprint(["dagster_project.ingest.sources"], "dagster_project", (),
                            [f"max_file_bytes={max_file_bytes}", f"max_page_bytes={max_page_bytes}"])


def per_article_code(model: str, max_file_bytes: int, max_page_bytes: int) -> dict[str, str]:
    """The code fingerprint each per-article asset records on its shards' materializations, and that a refresh
    compares them with (runtime/shard_plan.py): raw_articles, articles (the parse, for its three tables) and
    mention_candidates."""
    return {
        "raw_articles": ingest_fingerprint(max_file_bytes, max_page_bytes),
        "articles": parse_fingerprint(PARSE_MODULES),
        "mention_candidates": extract_fingerprint(model),
    }


def shard_listing_digests(entries: Iterable[Entry], root: str) -> dict[str, str]:
    """A digest of the listing of each shard of the raw root ``root`` (every shard, an empty one included): it
    changes when a file of that shard is added, removed, renamed or rewritten, and for no other shard. The root is
    hashed too, so a Dagster home pointed at another raw root builds every shard again."""
    hashes = {key: hashlib.sha256(f"{root}\n".encode("utf-8", "surrogateescape")) for key in SHARD_KEYS}
    for e in sorted(entries, key=lambda e: e.path):
        # surrogateescape: a file name that is not valid UTF-8 still hashes (as in storage.raw_state).
        hashes[shard_of(_display(e.path))].update(f"{e.path}\0{e.size}\0{e.mtime_ns}\n".encode("utf-8", "surrogateescape"))
    return {key: h.hexdigest()[:32] for key, h in hashes.items()}


def _display(path: str) -> str:
    """A listed path as ingest names the file (ingest.raw.display_path: undecodable name bytes escaped), so the
    shard is the one ingest reads it in."""
    return os.fsencode(path).decode("utf-8", errors="backslashreplace")


@dataclass(frozen=True)
class BuiltShard:
    """What the latest materialization of each per-article asset of one shard records.

    ``run_ids``: asset -> run id of its latest materialization (absent: never materialized); ``raw_digest``: the
    listing digest raw_articles recorded; ``code``: asset -> the code fingerprint it recorded; ``outputs_present``:
    every partitioned output of the shard is in storage.
    """

    run_ids: Mapping[str, str] = field(default_factory=dict)
    raw_digest: str | None = None
    code: Mapping[str, str | None] = field(default_factory=dict)
    outputs_present: bool = False


def stale_reason(digest: str, code: Mapping[str, str], built: BuiltShard | None) -> str | None:
    """Why a shard must be built again (``None``: it is fresh). ``code``: asset -> current fingerprint, one entry
    per per-article asset whose latest run and fingerprint are checked."""
    if built is None or not built.run_ids:
        return "never built"
    missing = sorted(set(code) - set(built.run_ids))
    if missing:
        return f"{', '.join(missing)} never materialized"
    if len({built.run_ids[asset] for asset in code}) > 1:
        return "its assets were last materialized by different runs"
    if not built.outputs_present:
        return "an output is missing from storage"
    changed = sorted(asset for asset, fp in code.items() if built.code.get(asset) != fp)
    if changed:
        return f"code changed ({', '.join(changed)})"
    if built.raw_digest != digest:
        return "raw files changed"
    return None


def stale_shards(digests: Mapping[str, str], code: Mapping[str, str], built: Mapping[str, BuiltShard]
                 ) -> dict[str, str]:
    """Every stale shard with its reason, in key order."""
    reasons = {key: stale_reason(digests[key], code, built.get(key)) for key in sorted(digests)}
    return {key: reason for key, reason in reasons.items() if reason is not None}


def covering_range(shards: Iterable[str]) -> tuple[str, str] | None:
    """The smallest contiguous range of shard keys holding ``shards`` (a run covers one range: the fresh shards
    inside it are cache hits), ``None`` for none."""
    keys = sorted(shards)
    return (keys[0], keys[-1]) if keys else None
