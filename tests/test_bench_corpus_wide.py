"""The corpus-wide bench (bench/corpus_wide.py) on a small synthetic corpus: deterministic inputs, a refresh that
links only the new articles."""

from __future__ import annotations

from pathlib import Path

from bench.corpus_wide import prepare, refresh
from bench.synthetic import synthetic_articles


def test_synthetic_articles_are_the_same_in_any_range() -> None:
    arts, cands = synthetic_articles(30)
    tail_arts, tail_cands = synthetic_articles(10, start=20)
    assert arts.tail(10).equals(tail_arts)
    assert cands.filter(cands["article_id"] >= "s0000020").equals(tail_cands)
    assert arts["text"].str.starts_with("Copy").sum() > 0  # wire copies to find


def test_refresh_of_new_articles_reuses_the_prepared_state(tmp_path: Path) -> None:
    prepare(tmp_path, 300)
    out = refresh(tmp_path, 5)
    assert out["articles"] == 305
    assert out["articles_linked"] == 5  # the newest articles relink nothing old
    assert 0 < out["entities_recomputed"] < out["rows"]["entities"] / 2
