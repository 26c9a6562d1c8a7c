"""Inline markup removal that keeps the clean-to-raw offset map exact.

Raw dumps mix HTML (tags, entities), markdown (headings, emphasis, links, escapes, bullets,
block quotes) and plain text. Everything here appends to a
:class:`~dagster_project.nlp.textmap.TextBuilder`: kept characters are *copied* (so they map
one to one onto the raw text) and decoded entities are *replaced* (mapping onto the entity).
"""

from __future__ import annotations

import html
import re

from dagster_project.nlp.textmap import TextBuilder

# Line-start markers that are markup, not text: markdown headings, block quotes and bullets.
_LINE_PREFIX = re.compile(r"(?:>\s?)*(?:#{1,6}\s+|[*+\-\u2022]\s+(?=\S)|\d{1,2}[.)]\s+(?=[A-Z]))?")
_HEADING_PREFIX = re.compile(r"(?:>\s?)*#{1,6}\s+")
# A MediaWiki heading "= Title =" / "== Section ==" (and a closed ATX heading "## Title ##"): the marks on both sides.
_WIKI_HEADING = re.compile(r"(?P<m>={1,6}|#{1,6})[ \t]*(?P<t>[^=#\s](?:[^\n]*?[^=#\s])?)[ \t]*(?P=m)[ \t]*")

# One alternation scanned left to right; the group that matched says what to do.
_INLINE = re.compile(
    r"(?P<comment><!--.*?(?:-->|$))"
    r"|(?P<tag></?[A-Za-z][A-Za-z0-9]*(?:\s[^<>]{0,400})?/?>|<![A-Za-z][^<>]{0,200}>|<\?[^<>]{0,200}\?>)"
    r"|(?P<entity>&(?:#\d{1,7}|#[xX][0-9a-fA-F]{1,6}|[a-zA-Z][a-zA-Z0-9]{1,31});)"
    r"|(?P<image>!\[[^\]\n]{0,300}\]\([^)\s]{0,500}(?:\s+\"[^\"]*\")?\))"
    r"|(?P<link>\[(?P<link_text>[^\]\n]{1,300})\]\((?P<link_url>[^)\s]{0,500})(?:\s+\"[^\"]*\")?\))"
    r"|(?P<autolink><https?://[^>\s]{1,500}>)"
    r"|(?P<escape>\\[\\`*_{}\[\]()#+\-.!$|<>~\"'])"
    r"|(?P<emph>(?<![\w*\\])\*{1,3}(?=[^\s*])|(?<=[^\s*\\])\*{1,3}(?![\w*])"
    r"|(?<![\w\\])_{1,3}(?=[^\s_])|(?<=[^\s_\\])_{1,3}(?!\w))"
)

# Every alternative of _INLINE starts with one of these characters (an image's "![" holds a "["), so
# a span without any of them has no inline markup: one cheap scan instead of the full alternation
# tried at every position (most body paragraphs are plain text).
_MARKUP_CHAR = re.compile(r"[<&\[\\*_]")

_SPACE_ENTITIES = {"\xa0", "\u2009", "\u202f", "\u2002", "\u2003"}


def _entity(tok: str) -> str:
    out = html.unescape(tok)
    if out == tok:  # not a known entity: keep the characters as they are
        return tok
    return " " if out in _SPACE_ENTITIES else out


def strip_markup(raw: str, start: int, end: int, builder: TextBuilder, *, line_start: bool = True) -> None:
    """Append ``raw[start:end]`` to ``builder`` without inline markup.

    ``line_start`` says ``start`` is the beginning of a line, where heading marks, quote marks
    and bullets are markup.
    """
    pos = start
    if line_start:
        w = _WIKI_HEADING.fullmatch(raw, start, end)
        if w:
            strip_markup(raw, w.start("t"), w.end("t"), builder, line_start=False)
            return
        m = _LINE_PREFIX.match(raw, start, end)
        if m:
            pos = m.end()
    if not _MARKUP_CHAR.search(raw, pos, end):
        builder.copy(raw, pos, end)
        return
    for m in _INLINE.finditer(raw, pos, end):
        builder.copy(raw, pos, m.start())
        kind = m.lastgroup
        if kind == "entity":
            dec = _entity(m.group(0))
            if dec == m.group(0):
                builder.copy(raw, m.start(), m.end())
            else:
                builder.replace(dec, m.start(), m.end())
        elif kind == "link":
            builder.copy(raw, m.start("link_text"), m.end("link_text"))
        elif kind == "escape":
            builder.copy(raw, m.start() + 1, m.end())
        # comment, tag, image, autolink, emphasis marks: dropped
        pos = m.end()
    builder.copy(raw, pos, end)


def is_markdown_heading(line: str) -> bool:
    """True for an ATX heading line (``## Title``), possibly inside a block quote, or a wiki heading (``= Title =``)."""
    return _HEADING_PREFIX.match(line) is not None or _WIKI_HEADING.fullmatch(line.strip()) is not None


def plain(s: str) -> str:
    """``s`` without markup, white space collapsed: for classifying lines, not for offsets."""
    b = TextBuilder()
    strip_markup(s, 0, len(s), b)
    return re.sub(r"\s+", " ", b.build()[0]).strip()
