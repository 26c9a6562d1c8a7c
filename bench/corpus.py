"""A synthetic corpus of N articles recombined from the paragraphs of the seed articles (deterministic)."""

from __future__ import annotations

import random
import re
from pathlib import Path


def _blocks(text: str) -> list[str]:
    return [re.sub(r"\s+", " ", b).strip() for b in re.split(r"\n\s*\n", text) if b.strip()]


def paragraph_pools(seed_dir: Path) -> tuple[list[str], list[str]]:
    """Headline-like lines and body paragraphs found in the seed articles."""
    titles, paragraphs = [], []
    for path in sorted(seed_dir.glob("*")):
        if not path.is_file():
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        blocks = _blocks(text)
        for b in blocks:
            if len(b) >= 80 and " " in b:
                paragraphs.append(b)
            elif 15 <= len(b) < 120 and not b.endswith(".") and re.search(r"[A-Za-z]{4}", b):
                titles.append(b)
    if not paragraphs:
        raise SystemExit(f"no paragraphs found under {seed_dir}")
    return titles or ["Untitled report"], paragraphs


def make_article(rng: random.Random, titles: list[str], paragraphs: list[str], index: int) -> str:
    """One article: a headline, a dateline paragraph and 4 to 9 shuffled paragraphs."""
    body = rng.sample(paragraphs, k=min(len(paragraphs), rng.randint(4, 9)))
    title = rng.choice(titles)
    return f"{title} ({index})\n\n" + "\n\n".join(body) + "\n"


def write_corpus(seed_dir: Path, out: Path, n: int, seed: int = 20190324, start: int = 0) -> list[Path]:
    """Write articles ``start .. start+n-1`` into ``out`` (sharded in folders of 1,000 files)."""
    titles, paragraphs = paragraph_pools(seed_dir)
    written = []
    for i in range(start, start + n):
        rng = random.Random(seed * 1_000_003 + i)  # one stream per article: article i is the same in any run
        path = out / f"batch-{i // 1000:04d}" / f"article-{i:06d}.txt"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(make_article(rng, titles, paragraphs, i), encoding="utf-8")
        written.append(path)
    return written
