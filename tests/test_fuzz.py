"""Property tests (Hypothesis) over ingest decoding, parsing and extraction.

Properties: no input raises; every offset is valid (clean spans map into the raw text, and
copied pieces are character-identical; mentions satisfy ``text[start:end] == surface``); and
parsing, normalization and extraction are deterministic. A few hundred examples run in CI; the
``slow`` variants run 10,000 each (``make test-all`` or ``pytest -m slow``).
"""

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dagster_project.ingest.raw import decode_bytes, normalize_text, read_raw_file
from dagster_project.nlp.extract.pipeline import mentions_from_doc
from dagster_project.nlp.parse import parse_file

CI_EXAMPLES = 300
SLOW_EXAMPLES = 10_000

# Pieces of real-looking news text, markup and hostile characters, glued at random.
TOKENS = [
    "Nicolás Maduro", "Vladimir Putin", "Caracas", "Venezuela", "Moscow", "An-124", "Il-62M", "Boeing 747",
    "(Reuters) - ", "CARACAS (AFP) — ", "By Ana Torres", "Reuters, 14 June 2021", "Mon 25 Mar 2019 07.00 GMT",
    "about 100 troops", "35 tonnes", "$1.5 billion", "12%", "dozens of", "more than 1,000", "two planes",
    "<b>", "</b>", "<a href='x'>", "&amp;", "&#8212;", "&nbsp;", "**", "__", "## ", "\\*", "[link](http://x.y)",
    "Advertisement", "Support the Guardian", "Copyright 2019", "https://example.com/a?b=c",
    "\n", "\n\n", "\n\n\n\n\n", "\r\n", "\r", "\t", " ", "  ", ".", ",", "!", "?", "”", "“", "’s", "'s",
    "\u200b", "\u200d", "\ufeff", "\u00a0", "\u2028", "\u00ad", "é", "ñ", "日本", "🙂", "\x00", "\x85",
]
ALPHABET = st.characters(codec="utf-8", exclude_categories=("Cs",))
PIECE = st.one_of(st.sampled_from(TOKENS), st.text(ALPHABET, max_size=12))
NEWS_TEXT = st.lists(PIECE, max_size=80).map("".join)
SENTENCE = st.lists(st.sampled_from(TOKENS[:20] + [" ", " said ", " landed in ", ". ", ", "]), max_size=40).map("".join)
SHA = "0" * 64


def check_parse(raw: str) -> None:
    arts = parse_file(raw, "f.txt", SHA)
    again = parse_file(raw, "f.txt", SHA)
    assert [(a.text, a.title, a.outlet, a.author, a.published_date, a.offset_map) for a in arts] == [
        (a.text, a.title, a.outlet, a.author, a.published_date, a.offset_map) for a in again
    ]
    for i, art in enumerate(arts):
        assert art.part == i and art.text.strip()
        prev_end = 0
        for p in art.offset_map.pieces:
            assert 0 <= p.raw_start <= p.raw_end <= len(raw)
            assert p.clean_start == prev_end and p.clean_end > p.clean_start
            prev_end = p.clean_end
            if p.copied:
                assert raw[p.raw_start:p.raw_end] == art.text[p.clean_start:p.clean_end]
        assert prev_end == len(art.text)
        for s, e in ((0, len(art.text)), (len(art.text) // 3, len(art.text) // 2)):
            rs, re_ = art.offset_map.raw_span(s, e)
            assert 0 <= rs <= re_ <= len(raw)


def check_normalize(raw: str) -> None:
    norm, omap = normalize_text(raw)
    assert normalize_text(norm) == (norm, None)  # idempotent
    assert not any(c in norm for c in "\u200b\u200d\ufeff\u00a0\u2028")
    if omap is None:
        assert norm == raw
        return
    for p in omap.pieces:
        assert 0 <= p.raw_start <= p.raw_end <= len(raw)
        if p.copied:
            assert raw[p.raw_start:p.raw_end] == norm[p.clean_start:p.clean_end]


def check_extract(nlp, text: str) -> None:  # type: ignore[no-untyped-def]
    first = mentions_from_doc(nlp(text), "a1")
    assert first == mentions_from_doc(nlp(text), "a1")
    ids = [m.mention_id for m in first]
    assert len(ids) == len(set(ids))
    for m in first:
        assert 0 <= m.start < m.end <= len(text)
        assert text[m.start:m.end] == m.surface
        assert m.mention_type in {"person", "aircraft", "quantity", "place"}


def fuzz_settings(n: int):  # type: ignore[no-untyped-def]
    return settings(max_examples=n, deadline=None, derandomize=n == CI_EXAMPLES,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@fuzz_settings(CI_EXAMPLES)
@given(NEWS_TEXT)
def test_parse_properties(raw: str) -> None:
    check_parse(raw)


@fuzz_settings(CI_EXAMPLES)
@given(NEWS_TEXT)
def test_normalize_properties(raw: str) -> None:
    check_normalize(raw)
    check_parse(normalize_text(raw)[0])


@fuzz_settings(CI_EXAMPLES)
@given(st.binary(max_size=600))
def test_decode_never_raises(data: bytes) -> None:
    out = decode_bytes(data)
    assert out is None or (isinstance(out[0], str) and not out[0].startswith("\ufeff"))


def test_read_raw_file_never_raises_on_random_bytes(tmp_path: Path) -> None:
    @fuzz_settings(CI_EXAMPLES)
    @given(st.binary(max_size=2000))
    def inner(data: bytes) -> None:
        f = tmp_path / "f.txt"
        f.write_bytes(data)
        rf = read_raw_file(f, tmp_path, max_bytes=1500)
        assert (rf.text is None) == (rf.quarantine_reason is not None)
        if rf.text is not None:
            check_parse(rf.text)

    inner()


@fuzz_settings(CI_EXAMPLES)
@given(st.one_of(SENTENCE, NEWS_TEXT))
def test_extract_properties(nlp, text: str) -> None:  # type: ignore[no-untyped-def]
    check_extract(nlp, text)


@pytest.mark.slow
@fuzz_settings(SLOW_EXAMPLES)
@given(NEWS_TEXT)
def test_parse_and_normalize_properties_10k(raw: str) -> None:
    check_normalize(raw)
    check_parse(raw)


@pytest.mark.slow
@fuzz_settings(SLOW_EXAMPLES)
@given(st.one_of(SENTENCE, NEWS_TEXT))
def test_extract_properties_10k(nlp, text: str) -> None:  # type: ignore[no-untyped-def]
    check_extract(nlp, text)
