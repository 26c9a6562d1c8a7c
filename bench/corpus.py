"""A synthetic corpus of N articles recombined from the paragraphs of the seed articles (deterministic)."""

from __future__ import annotations

import random
import re
from pathlib import Path


def _blocks(text: str) -> list[str]:
    return [re.sub(r"\s+", " ", b).strip() for b in re.split(r"\n\s*\n", text) if b.strip()]


def paragraph_pools(seed_dir: Path) -> tuple[list[str], list[str], list[int]]:
    """Headline-like lines, body paragraphs and article lengths (characters) found in the seed articles."""
    titles, paragraphs, lengths = [], [], []
    for path in sorted(seed_dir.glob("*")):
        if not path.is_file():
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        blocks = _blocks(text)
        lengths.append(len(text))
        for b in blocks:
            if len(b) >= 80 and " " in b:
                paragraphs.append(b)
            elif 15 <= len(b) < 120 and not b.endswith(".") and re.search(r"[A-Za-z]{4}", b):
                titles.append(b)
    if not paragraphs:
        raise SystemExit(f"no paragraphs found under {seed_dir}")
    return titles or ["Untitled report"], paragraphs, lengths


def make_article(rng: random.Random, titles: list[str], paragraphs: list[str], lengths: list[int], index: int) -> str:
    """One article: a headline and shuffled paragraphs up to the length of a seed article (+/- 30%)."""
    target = rng.choice(lengths) * rng.uniform(0.7, 1.3)
    order = rng.sample(paragraphs, k=len(paragraphs))
    body: list[str] = []
    while order and sum(map(len, body)) < target:
        body.append(order.pop())
    title = rng.choice(titles)
    return f"{title} ({index})\n\n" + "\n\n".join(body) + "\n"


def write_corpus(seed_dir: Path, out: Path, n: int, seed: int = 20190324, start: int = 0) -> list[Path]:
    """Write articles ``start .. start+n-1`` into ``out`` (sharded in folders of 1,000 files)."""
    titles, paragraphs, lengths = paragraph_pools(seed_dir)
    written = []
    for i in range(start, start + n):
        rng = random.Random(seed * 1_000_003 + i)  # one stream per article: article i is the same in any run
        path = out / f"batch-{i // 1000:04d}" / f"article-{i:06d}.txt"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(make_article(rng, titles, paragraphs, lengths, i), encoding="utf-8")
        written.append(path)
    return written
