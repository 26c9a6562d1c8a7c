"""Baseline: bare spaCy ``nlp.pipe`` over the texts of a corpus, one process, the packaged model as shipped.

Prints one JSON line: seconds to load, seconds in ``nlp.pipe``, texts and tokens. Run as its own process so
its memory and start-up are measured like the build's.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path


def main(root: str, model: str, exclude: str = "") -> None:
    t0 = time.perf_counter()
    import spacy

    nlp = spacy.load(model, exclude=[c for c in exclude.split(",") if c])
    t1 = time.perf_counter()
    texts = (p.read_text(encoding="utf-8") for p in sorted(Path(root).rglob("*")) if p.is_file())
    n_texts = n_tokens = 0
    for doc in nlp.pipe(texts):  # spaCy's default batch size: what a bare script does
        n_texts += 1
        n_tokens += len(doc)
    t2 = time.perf_counter()
    print(json.dumps({"load_s": t1 - t0, "pipe_s": t2 - t1, "texts": n_texts, "tokens": n_tokens,
                      "components": nlp.pipe_names}))


if __name__ == "__main__":
    main(*sys.argv[1:4])
