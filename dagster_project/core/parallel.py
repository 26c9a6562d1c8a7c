"""Mention extraction over both cores: worker processes run spaCy *and* the extractors, and send back rows.

``nlp.pipe(n_process=2)`` ships every parsed ``Doc`` back to the parent, which deserializes it and runs the
extractors alone, so the parent becomes a third busy process on a two-core machine. Here each worker loads the
model once, runs ``nlp.pipe`` on a chunk of articles and returns only the mention rows (a few hundred bytes per
mention), so the parent does almost nothing and never loads the model.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Iterable, Iterator
from itertools import islice
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


def _init_worker(model: str, batch_size: int) -> None:
    global _NLP, _BATCH
    from dagster_project.core.nlp import load_nlp

    _NLP, _BATCH = load_nlp(model), batch_size


def _extract_chunk(chunk: list[Item]) -> list[tuple[str, Rows]]:
    assert _NLP is not None, "worker not initialized"
    return list(extract_items(_NLP, chunk, _BATCH))


def _chunks(items: Iterable[Item], size: int) -> Iterator[list[Item]]:
    it = iter(items)
    while chunk := list(islice(it, size)):
        yield chunk


def extract_parallel(
    items: Iterable[Item], model: str, batch_size: int, processes: int, chunk_size: int = 64
) -> Iterator[tuple[str, Rows]]:
    """``(key, rows)`` per item, in input order, computed by ``processes`` worker processes.

    Workers are spawned (not forked): the parent may be a threaded Dagster process.
    """
    ctx = multiprocessing.get_context("spawn")
    with ctx.Pool(processes, initializer=_init_worker, initargs=(model, batch_size)) as pool:
        for result in pool.imap(_extract_chunk, _chunks(items, chunk_size)):
            yield from result
