"""Every clean character traces back to the raw text: checked over the seeds and the hand-written corpus."""

import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dagster_project.nlp.extract.pipeline import extract_mentions
from dagster_project.nlp.parse import ParsedArticle, parse_file, plain
from tests.conftest import REPO

FILES = sorted((REPO / "raw").glob("*")) + sorted((REPO / "evaluation" / "parse" / "corpus").glob("*"))


def _parsed(path: Path) -> tuple[str, list[ParsedArticle]]:
    raw = path.read_text(encoding="utf-8")
    return raw, parse_file(raw, path.name, "0" * 64)


def _squash(s: str) -> str:
    return re.sub(r"\s+", " ", s).strip()


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_copied_characters_map_to_themselves(path: Path) -> None:
    raw, arts = _parsed(path)
    assert arts
    for art in arts:
        for piece in art.offset_map.pieces:
            if piece.copied:
                assert art.text[piece.clean_start:piece.clean_end] == raw[piece.raw_start:piece.raw_end]
        # The report's raw span covers every character it was built from.
        assert all(art.raw_start <= p.raw_start and p.raw_end <= art.raw_end for p in art.offset_map.pieces)


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_segments_point_at_their_text(path: Path) -> None:
    raw, arts = _parsed(path)
    for art in arts:
        for seg in art.segments:
            assert _squash(plain(raw[seg.raw_start:seg.raw_end])) == _squash(seg.text) or seg.start is not None
            if seg.start is not None and seg.end is not None:
                assert art.text[seg.start:seg.end] == seg.text
                rs, re_ = art.offset_map.raw_span(seg.start, seg.end)
                # Within the segment's raw span (which may also hold markup around the text).
                assert seg.raw_start <= rs <= re_ <= seg.raw_end


def test_mentions_raw_offsets_hold_the_surface_modulo_markup(nlp) -> None:  # type: ignore[no-untyped-def]
    checked = 0
    for path in FILES:
        raw, arts = _parsed(path)
        maps = {a.article_id: a.offset_map for a in arts}
        for m in extract_mentions(nlp, [(a.article_id, a.text) for a in arts]):
            rs, re_ = maps[m.article_id].raw_span(m.start, m.end)
            assert _squash(plain(raw[rs:re_])) == _squash(m.surface), (path.name, m.surface, raw[rs:re_])
            checked += 1
    assert checked > 300


_PIECES = st.lists(
    st.sampled_from(["Tom", "Jerry", " ", "\n", "\n\n", "&amp;", "&#8217;", "<u>", "</u>", "**", "_", "\\$1", "# ",
                     "[link](http://x.y/z)", "said.", "(AFP)", "CARACAS", "-", "pic.twitter.com/x", "Photo: A/B"]),
    max_size=40,
)


@given(_PIECES)
def test_any_markup_mix_parses_with_exact_offsets(pieces: list[str]) -> None:
    raw = "".join(pieces)
    for art in parse_file(raw, "x", "0" * 64):
        for piece in art.offset_map.pieces:
            assert 0 <= piece.raw_start <= piece.raw_end <= len(raw)
            if piece.copied:
                assert art.text[piece.clean_start:piece.clean_end] == raw[piece.raw_start:piece.raw_end]
