"""Progress of long loops, reported every N items: done out of total, rate, time left."""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterable, Iterator
from typing import TypeVar

T = TypeVar("T")


def default_every(total: int) -> int:
    """About ten reports per loop, but at least one every 500 items on big corpora."""
    return max(1, min(500, math.ceil(total / 10)))


def progress_message(what: str, done: int, total: int, elapsed: float, unit: str = "articles") -> str:
    """'extract: 120/1,000 articles (12%), 35.1/s, about 25 s left'."""
    pct = f" ({100 * done / total:.0f}%)" if total else ""
    msg = f"{what}: {done:,}/{total:,} {unit}{pct}"
    if elapsed > 0 and done:
        rate = done / elapsed
        msg += f", {rate:.1f}/s"
        if total > done:
            msg += f", about {math.ceil((total - done) / rate)} s left"
    return msg


def with_progress(
    items: Iterable[T],
    total: int,
    report: Callable[[int, float], None],
    every: int | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> Iterator[T]:
    """Yield ``items`` unchanged; call ``report(done, seconds)`` every ``every`` items and after the last.

    An item counts as done once the consumer asks for the next one, so wrapping the output of
    ``nlp.pipe`` counts articles fully processed, not merely queued.
    """
    step = every or default_every(total)
    start = clock()
    done = 0
    for item in items:
        yield item
        done += 1
        if done % step == 0 or done == total:
            report(done, clock() - start)
    if done % step and done != total:
        report(done, clock() - start)
