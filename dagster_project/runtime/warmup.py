"""Whether a build will probably extract anything, decided before anything heavy is imported.

Starting the extraction server takes seconds (imports, the spaCy model, the gazetteers). A build that will
extract can start it first thing, so the loading overlaps the build's own imports, ingest and parsing on the
other core (``runtime.parallel.prestart``). A build that finds every article in the cache should not pay for it.

The signal: a stamp beside the extraction cache records the raw root's listing (relative path, size and
modification time of every file; see ``runtime.storage.raw_state``) as of the last build that left every article
extracted. A build whose listing still matches will most likely find all its articles in the cache; any other
(a new, changed or removed file, a first build, a cleared cache) will probably extract. A wrong guess only
costs time: an unneeded server is stopped, and a missing one is started when extraction begins. (The stamp is
taken when extraction finishes, so a file that lands during a build is counted as extracted; the next build
then starts the server late, not wrongly.)
"""

from __future__ import annotations

import os
from pathlib import Path

from dagster_project.runtime.storage import list_raw, raw_state

STAMP = Path("mention_candidates") / "extracted-listing"


def prestart_enabled() -> bool:
    """``NEWSETL_PRESTART=0`` turns off every process started ahead of its work: the extraction server a build
    starts before it parses, and the helpers that draw the plots (read at run time, not import time)."""
    return os.environ.get("NEWSETL_PRESTART", "1") != "0"


def listing_digest(raw_root: Path) -> str | None:
    """The digest of the raw root's listing, or None when it is not a readable local folder."""
    if not raw_root.is_dir():
        return None
    return raw_state(list_raw(raw_root)).digest


def extraction_likely(raw_root: Path, cache_root: Path) -> bool:
    """True unless the listing is the one recorded by the last build that extracted everything."""
    try:
        recorded = (cache_root / STAMP).read_text(encoding="utf-8").strip()
    except OSError:
        return True
    return recorded != listing_digest(raw_root)


def record_extracted(raw_root: Path, cache_root: Path) -> None:
    """Record the listing as fully extracted (after a build whose every article is in the cache)."""
    digest = listing_digest(raw_root)
    path = cache_root / STAMP
    if digest is None:
        path.unlink(missing_ok=True)
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    tmp.write_text(digest + "\n", encoding="utf-8")
    tmp.replace(path)
