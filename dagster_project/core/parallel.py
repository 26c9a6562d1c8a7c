"""Mention extraction over both cores: worker processes run spaCy *and* the extractors, and send back rows.

``nlp.pipe(n_process=2)`` ships every parsed ``Doc`` back to the parent, which deserializes it and runs the
extractors alone, so the parent becomes a third busy process on a two-core machine. Here workers run
``nlp.pipe`` and the extractors on chunks of articles and return only the mention rows (a few hundred bytes
per mention), so the parent does almost nothing and never loads the model.

Layout: the parent *spawns* one extraction server. The server loads the spaCy pipeline, warms the extractors'
lazy resources (gazetteers, lexicons) on a sample sentence, moves all of it out of the garbage collector's
reach (``gc.freeze``) and *forks* the workers from itself, so they share those pages copy-on-write instead of
each building and holding its own copy. The parent sends chunks of articles over one pipe and reads rows back
over another; when the stream ends, the server and its workers exit, so nothing stays resident for the rest of
the build. Forking is safe there: the server is a fresh process with a single thread when it forks (the parent,
a Dagster process that may run threads, is never forked).
"""

from __future__ import annotations

import contextlib
import gc
import multiprocessing
import threading
import traceback
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import islice
from multiprocessing.connection import Connection
from typing import Any

from spacy.language import Language
from spacy.tokens import Doc

from dagster_project.core.extract import mentions_from_doc
from dagster_project.core.textmap import OffsetMap

# (cache key, article_id, clean text, offset map as JSON)
Item = tuple[str, str, str, str]
Rows = list[dict[str, Any]]

_NLP: Language | None = None
_BATCH = 16
# Exercises every extractor once, so resources they build on first use exist before the workers fork.
_WARM_UP = ("President Jane Doe said on Monday that two Antonov An-124 aircraft carrying about 35 tonnes "
            "of equipment landed at Maiquetia airport near Caracas, Venezuela.")


@dataclass(frozen=True)
class _Failure:
    """What the server sends instead of rows when extraction raised."""

    message: str


def mention_rows(doc: Doc, article_id: str, offset_map_json: str) -> Rows:
    """The mention-candidate rows of one parsed article, with offsets into the raw text."""
    offsets = OffsetMap.from_json(offset_map_json)
    rows = []
    for m in mentions_from_doc(doc, article_id):
        raw_start, raw_end = offsets.raw_span(m.start, m.end)
        rows.append({**m.__dict__, "raw_start": raw_start, "raw_end": raw_end})
    return rows


def extract_items(nlp: Language, items: Iterable[Item], batch_size: int) -> Iterator[tuple[str, Rows]]:
    """``(key, rows)`` per item, in order, in this process."""
    stream = ((text, (key, aid, omap)) for key, aid, text, omap in items)
    for doc, (key, aid, omap) in nlp.pipe(stream, as_tuples=True, batch_size=batch_size):
        yield key, mention_rows(doc, aid, omap)


def _extract_chunk(chunk: list[Item]) -> list[tuple[str, Rows]]:
    assert _NLP is not None, "worker not initialized"
    return list(extract_items(_NLP, chunk, _BATCH))


def _chunks(items: Iterable[Item], size: int) -> Iterator[list[Item]]:
    it = iter(items)
    while chunk := list(islice(it, size)):
        yield chunk


def _received(conn: Connection) -> Iterator[list[Item]]:
    while (chunk := conn.recv()) is not None:
        yield chunk


def _serve(items: Connection, results: Connection, model: str, batch_size: int, processes: int) -> None:
    """The extraction server: load once, fork ``processes`` workers, stream chunks through them."""
    global _NLP, _BATCH
    try:
        from dagster_project.core.nlp import load_nlp

        _NLP, _BATCH = load_nlp(model), batch_size
        mentions_from_doc(_NLP(_WARM_UP), "warm-up")
        # Full collections would otherwise touch every object's header and un-share its page in each worker.
        gc.freeze()
        with multiprocessing.get_context("fork").Pool(processes) as pool:
            for result in pool.imap(_extract_chunk, _received(items)):
                results.send(result)
        results.send(None)
    except BaseException:  # the parent raises it; a worker's traceback is included by Pool
        results.send(_Failure(traceback.format_exc()))
    finally:
        results.close()


def _feed(conn: Connection, chunks: Iterator[list[Item]], failed: list[BaseException]) -> None:
    try:
        for chunk in chunks:
            conn.send(chunk)
    except BaseException as exc:  # re-raised by the reading side
        failed.append(exc)
    finally:
        with contextlib.suppress(OSError):  # the server is gone; the reading side reports why
            conn.send(None)
        conn.close()


def extract_parallel(
    items: Iterable[Item], model: str, batch_size: int, processes: int, chunk_size: int = 64
) -> Iterator[tuple[str, Rows]]:
    """``(key, rows)`` per item, in input order, computed by ``processes`` workers of one extraction server."""
    ctx = multiprocessing.get_context("spawn")
    items_out, items_in = ctx.Pipe(duplex=False)
    results_out, results_in = ctx.Pipe(duplex=False)
    server = ctx.Process(target=_serve, args=(items_out, results_in, model, batch_size, processes),
                         name="newsetl-extract")
    server.start()
    items_out.close()  # the server's ends: closed here so a dead server shows as EOF, not a hang
    results_in.close()
    failed: list[BaseException] = []
    # Items are sent from a thread while this one reads rows: neither side can block the other on a full pipe.
    feeder = threading.Thread(target=_feed, args=(items_in, _chunks(items, chunk_size), failed), daemon=True)
    feeder.start()
    try:
        while True:
            try:
                msg = results_out.recv()
            except EOFError:
                server.join(timeout=10)
                raise RuntimeError(f"extraction server exited unexpectedly (exit code {server.exitcode})") from None
            if msg is None:
                break
            if isinstance(msg, _Failure):
                raise RuntimeError(f"extraction failed in the extraction server:\n{msg.message}")
            yield from msg
        feeder.join()
        if failed:
            raise failed[0]
    finally:
        results_out.close()
        server.join(timeout=10)
        if server.is_alive():  # the consumer stopped early or an error above: don't leave workers behind
            server.terminate()
            server.join()
