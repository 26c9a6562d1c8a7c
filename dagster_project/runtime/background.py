"""Warm helper processes for CPU work that can overlap the build's own, on the other core.

A refresh that adds a few articles spends most of its time after extraction, when the second core is idle:
drawing the version's plots alone takes over a second. Once extraction has finished and a new version is
coming, the build starts the helpers (:func:`prestart`), which import what they will need (matplotlib) and
draw a warm-up figure on the idle core while the corpus-wide steps run. Work is then handed to them with
:func:`submit` and collected later; without helpers, callers do the work themselves. The helpers are an
ordinary ``concurrent.futures`` process pool of *spawned* processes (the build process, which runs threads,
is never forked); as many as the caller asks for (the plots use one, see ``plots_ahead.HELPERS``).

(They run at normal priority: at the lowest one they starved whenever anything else kept both cores busy,
and the publisher waited for them.)
"""
from __future__ import annotations

import atexit
import importlib
import multiprocessing
import os
import sys
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import BrokenExecutor, Future, ProcessPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")

_POOL: ProcessPoolExecutor | None = None
_LOCK = threading.Lock()


def _init(modules: Sequence[str], warm_up: Callable[[], object] | None) -> None:
    # The pool's queues keep both ends of their pipes open in here, so a parent that exits without shutting the
    # pool down (the build ends with os._exit) would leave this process waiting forever: watch for it.
    threading.Thread(target=_exit_with_parent, args=(os.getppid(),), daemon=True).start()
    # Once multiprocessing has closed its queues, skip the interpreter's teardown of matplotlib, polars and
    # numpy (a few tenths of a second that the exiting build would wait for): the first exit handler to run.
    atexit.register(_exit_at_once)
    for name in modules:
        importlib.import_module(name)
    if warm_up is not None:
        warm_up()


def _exit_at_once() -> None:
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


def _exit_with_parent(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(0.5)
    os._exit(0)


def _ready() -> bool:
    return True


def prestart(modules: Sequence[str] = (), warm_up: Callable[[], object] | None = None, processes: int = 1) -> None:
    """Start the helpers now (if not started): each imports ``modules`` and calls ``warm_up`` (a module-level
    function, e.g. one that loads fonts) while it waits for work."""
    global _POOL
    with _LOCK:
        if _POOL is None:
            ctx = multiprocessing.get_context("spawn")
            _POOL = ProcessPoolExecutor(processes, mp_context=ctx, initializer=_init,
                                        initargs=(tuple(modules), warm_up))
            # A spawned pool starts a process per task submitted while none is idle: one task each starts them all.
            for _ in range(processes):
                _POOL.submit(_ready)


def submit(fn: Callable[..., T], *args: Any) -> Future[T] | None:
    """Run ``fn(*args)`` in a helper (``fn`` and its arguments must pickle); None when there is none.

    A pool whose process died (or was shut down) takes no more work: it is dropped and None returned, so the
    caller does the work itself.
    """
    global _POOL
    with _LOCK:
        if _POOL is None:
            return None
        try:
            return _POOL.submit(fn, *args)
        except (BrokenExecutor, RuntimeError):
            _POOL.shutdown(wait=False, cancel_futures=True)
            _POOL = None
            return None


def running() -> bool:
    return _POOL is not None


def shutdown() -> None:
    """Stop the helper and wait for it to exit (work not started is cancelled)."""
    global _POOL
    with _LOCK:
        pool, _POOL = _POOL, None
    if pool is not None:
        pool.shutdown(wait=True, cancel_futures=True)
