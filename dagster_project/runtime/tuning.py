"""The one process setting the build makes for speed or memory, and why it is the only one.

Earlier sessions tuned the build's fixed start-up cost with tricks tied to private behaviour of Dagster, pandera
or glibc (pandas made unimportable, a subclass of Dagster's SQLite storage, ``gc.freeze``, ``malloc_trim``, a
prestarted extraction server, plot helper processes, ``compileall``). They were removed: together they saved a
few seconds of fixed cost per build, and each could break silently on an upgrade (see docs/benchmark.md).

What stays is polars' allocator setting, because it is about memory, not start-up, and it is public configuration:
polars allocates through jemalloc, which by default keeps freed pages for ~10 s before returning them. The build
runs one polars-heavy step after another, so each step's freed memory stayed resident under the next one's: at
10,000 articles the build peaked near 1.9 GB instead of ~1.25 GB (over the 1.5 GB budget ``make bench`` checks).
Returning pages at once costs little CPU. It must be in the environment before polars is first imported, so the
build CLI sets it first thing (:func:`tune_process`), and the extraction workers it spawns inherit it. Runs started
from the UI or a deployment use polars' default unless their environment sets the variable. If polars ever stops
using jemalloc the variable is simply ignored, and the bench's memory check shows it.
"""

from __future__ import annotations

import os
from collections.abc import MutableMapping

# jemalloc's MALLOC_CONF under the prefix polars' Rust allocator (tikv-jemallocator) reads.
ALLOCATOR_ENV = {"_RJEM_MALLOC_CONF": "dirty_decay_ms:0,muzzy_decay_ms:0"}


def tune_process(environ: MutableMapping[str, str] | None = None) -> bool:
    """Set the allocator environment unless already set (an explicit setting wins); whether polars was already
    imported, in which case it has no effect in this process (only in processes started from it)."""
    import sys

    env = os.environ if environ is None else environ
    for name, value in ALLOCATOR_ENV.items():
        env.setdefault(name, value)
    return "polars" not in sys.modules
