"""Web pages: main text and metadata from trafilatura, with raw offsets located in the decoded HTML.

A page is one article. Its text is trafilatura's main text (no markup: trafilatura parses the page with
lxml and drops scripts, templates, navigation, related-article blocks and comments), one paragraph per
line of its output, joined by blank lines as for text files. Title, outlet (site name), author, date and
canonical URL come from the page's metadata (``<title>``, ``og:``/``article:`` meta tags, JSON-LD, ``<time>``,
``<link rel=canonical>``), read by trafilatura and htmldate.

Raw offsets. ``raw_start``/``raw_end`` index the decoded, normalized HTML (the ``raw_articles.text`` of a
page, or a WARC record's decoded payload). trafilatura does not report where its text came from, so each
paragraph is *located*: the page's visible text is rebuilt with a map back to the HTML (tags, comments,
scripts and styles dropped, character references decoded, white space collapsed) and the paragraph is
searched in it, in reading order. A paragraph found there maps character by character to the HTML, so its
segment and the mentions in it carry true offsets. A paragraph that is not found verbatim (trafilatura
joined text from several elements, or took it from metadata) gets null raw offsets, and the article's
``raw_offsets_note`` says how many paragraphs that concerns; no offset is ever estimated.
"""

from __future__ import annotations

import bisect
import dataclasses
import datetime as dt
import html as html_lib
import itertools
import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path

from dagster_project.nlp.language import detect_language
from dagster_project.nlp.parse.document import ParsedArticle, Segment
from dagster_project.nlp.textmap import UNMAPPED, OffsetMap, Piece, TextBuilder

HTML_SUFFIXES = (".html", ".htm", ".xhtml", ".shtml")
# A saved page is often 1-5 MB (inline scripts, styles, SVG, JSON state); the limit that protects extraction
# applies to the extracted text (MAX_TEXT_CHARS), so the page itself is only bounded generously.
DEFAULT_MAX_HTML_BYTES = 32_000_000
# The same bound as a text file's (ingest/raw.py DEFAULT_MAX_BYTES): what spaCy is given stays small.
MAX_TEXT_CHARS = 300_000

# Reasons published in quarantine.reason for pages (besides ingest/raw.py's).
TEXT_TOO_LARGE = "too_large"
NO_ARTICLE_TEXT = "no_article_text"

_SNIFF = re.compile(rb"^\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html[\s>]|head[\s>])",
                    re.IGNORECASE | re.DOTALL)


def is_html_name(name: str) -> bool:
    return name.lower().endswith(HTML_SUFFIXES)


def sniff_html(head: bytes) -> bool:
    """True when the first bytes of a file open an HTML document (doctype, ``<html>`` or ``<head>``).

    Only a document's opening counts: a text file quoting a tag or two stays on the text parser.
    """
    for bom in (b"\xef\xbb\xbf",):
        if head.startswith(bom):
            head = head[len(bom):]
    return _SNIFF.match(head[:4096]) is not None


def is_html_file(path: Path) -> bool:
    """An HTML page by its name, or by its first bytes when the name says nothing."""
    if is_html_name(path.name):
        return True
    try:
        # Only a regular file is sniffed, never through a link: a FIFO or device must not be opened (it could
        # block the build); read_raw_file refuses those with their reason.
        if not stat.S_ISREG(path.lstat().st_mode):
            return False
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
        with os.fdopen(fd, "rb") as fh:
            return sniff_html(fh.read(4096))
    except OSError:
        return False  # read_raw_file reports the error with its reason


# ------------------------------------------------------------------------------------ visible text

# Elements whose content is never shown as text.
_SKIP = re.compile(r"<(script|style|template|noscript|svg|textarea|iframe|object)\b[^>]*>.*?</\1\s*>|<!--.*?-->|"
                   r"<!\[CDATA\[.*?\]\]>|<![^>]*>|<\?.*?>", re.IGNORECASE | re.DOTALL)
_TAG = re.compile(r"</?([a-zA-Z][a-zA-Z0-9:-]*)(?:[^>\"']|\"[^\"]*\"|'[^']*')*>")
_BLOCK = frozenset(
    ["address", "article", "aside", "blockquote", "br", "dd", "div", "dl", "dt", "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "li", "main", "nav", "ol", "p", "pre", "section", "table", "tbody", "td", "tfoot", "th", "thead", "title", "tr", "ul", "body", "head", "html"]
)
_ENTITY = re.compile(r"&(?:#[0-9]+|#[xX][0-9a-fA-F]+|[a-zA-Z][a-zA-Z0-9]*);?")
_SPACE = re.compile(r"\s+")


def visible_text(page: str) -> tuple[str, OffsetMap, int]:
    """The page's text with white space collapsed, a map from it back to offsets in ``page``, and where the
    ``<body>`` starts in it (0 when the page has no body tag)."""
    b = TextBuilder()
    body_at = -1
    last_space = True  # no leading space

    def add_text(start: int, end: int) -> None:
        nonlocal last_space
        pos = start
        chunk = page[start:end]
        for m in re.finditer(r"\s+|&(?:#[0-9]+|#[xX][0-9a-fA-F]+|[a-zA-Z][a-zA-Z0-9]*);?", chunk):
            s, e = start + m.start(), start + m.end()
            if s > pos:
                b.copy(page, pos, s)
                last_space = False
            tok = m.group(0)
            if tok[0] == "&":
                ch = html_lib.unescape(tok)
                if ch.isspace():
                    if not last_space:
                        b.replace(" ", s, e)
                        last_space = True
                else:
                    b.replace(ch, s, e) if ch != tok else b.copy(page, s, e)
                    last_space = False
            elif not last_space:
                if tok == " ":
                    b.copy(page, s, e)
                else:
                    b.replace(" ", s, e)
                last_space = True
            pos = e
        if end > pos:
            b.copy(page, pos, end)
            last_space = False

    def add_break(start: int, end: int) -> None:
        nonlocal last_space
        if not last_space:
            b.replace(" ", start, end)
            last_space = True

    pos = 0
    for m in re.finditer(rf"{_SKIP.pattern}|{_TAG.pattern}", page, re.IGNORECASE | re.DOTALL):
        if m.start() > pos:
            add_text(pos, m.start())
        name = m.group(2)
        if name is None or name.lower() in _BLOCK:
            add_break(m.start(), m.end())
        if body_at < 0 and name is not None and name.lower() == "body" and page[m.start() + 1] != "/":
            body_at = len(b)
        pos = m.end()
    if pos < len(page):
        add_text(pos, len(page))
    text, omap = b.build()
    return text, omap, max(body_at, 0)


# ------------------------------------------------------------------------------------ extraction


@dataclass(frozen=True)
class Page:
    """What trafilatura read from one page."""

    paragraphs: list[str]
    title: str | None
    outlet: str | None
    author: str | None
    published_date: dt.date | None
    url: str | None
    declared_language: str | None


_LANG = re.compile(r"<html\b[^>]*?\blang\s*=\s*[\"']?([A-Za-z]{2,3})(?:[-_][A-Za-z0-9]+)?", re.IGNORECASE)


def _clean(value: str | None) -> str | None:
    if value is None:
        return None
    value = _SPACE.sub(" ", value).strip()
    return value or None


def extract_page(page: str, url: str | None = None) -> Page:
    """Main text and metadata of one decoded HTML page (trafilatura, no network access)."""
    from trafilatura import bare_extraction

    # include_comments=True makes trafilatura find the comment section and cut it out of the main text; the
    # comments it returns apart are not used (with False, a comment thread could stay in the body).
    doc = bare_extraction(page, url=url, with_metadata=True, include_comments=True, include_tables=True,
                          include_images=False, include_links=False, include_formatting=False,
                          deduplicate=False, output_format="python")
    if doc is None:
        return Page([], None, None, None, None, url, _declared_language(page))
    get = doc.as_dict() if hasattr(doc, "as_dict") else dict(doc)  # type: ignore[call-overload]
    text = get.get("text") or ""
    paragraphs = [p for p in (_clean(line) for line in text.split("\n")) if p]
    date = None
    if get.get("date"):
        try:
            date = dt.date.fromisoformat(str(get["date"])[:10])
        except ValueError:
            date = None
    outlet = _clean(get.get("sitename"))
    return Page(
        paragraphs=paragraphs,
        title=_without_site(_clean(get.get("title")), outlet),
        outlet=outlet,
        author=_clean(get.get("author")),
        published_date=date,
        url=_clean(get.get("url")) or url,
        declared_language=_declared_language(page),
    )


def _without_site(title: str | None, outlet: str | None) -> str | None:
    """'Headline | Site' -> 'Headline': a <title> often ends with the site's name, which is the outlet."""
    if not title or not outlet:
        return title
    for sep in (" | ", " - ", " – ", " — ", " :: ", " : "):
        head, found, tail = title.rpartition(sep)
        if found and head and outlet.casefold() in tail.casefold():
            return head.strip()
    return title


def _declared_language(page: str) -> str | None:
    m = _LANG.search(page[:20000])
    return m.group(1).lower() if m else None


# ------------------------------------------------------------------------------------ articles


@dataclass(frozen=True)
class Refusal:
    """A page that gives no article, with the quarantine reason."""

    reason: str
    detail: str


# A tag written out as text: a code listing the extractor kept (never left in articles.text).
_MARKUP = re.compile(r"<\s*/?\s*[A-Za-z][A-Za-z0-9:-]*(?:\s[^<>]*)?/?>")

# trafilatura writes a list item as "- item": the bullet is its own, the item is in the HTML.
_BULLET = "- "


def locate(paragraphs: list[str], visible: str, body_at: int = 0) -> list[tuple[int, int] | None]:
    """Where each paragraph is in the visible text, searched in reading order from the ``<body>`` (the headline
    is also in ``<title>``): ``(start, skipped)``, ``skipped`` being the length of a list bullet the extractor
    added (not in the HTML); None when the paragraph is not verbatim in the page."""
    out: list[tuple[int, int] | None] = []
    cursor = body_at
    for p in paragraphs:
        found = None
        for skip in (0, len(_BULLET)) if p.startswith(_BULLET) else (0,):
            q = p[skip:]
            at = visible.find(q, cursor)
            if at < 0:
                at = visible.find(q)  # out of order (a lead repeated from metadata): still a true location
            if at >= 0:
                found = (at, skip)
                if at >= cursor:
                    cursor = at + len(q)
                break
        out.append(found)
    return out


def parse_page(page: str, source_file: str, source_sha256: str, url: str | None = None,
               max_text_chars: int = MAX_TEXT_CHARS) -> list[ParsedArticle] | Refusal:
    """One decoded, normalized HTML page as an article (or the reason it gives none)."""
    meta = extract_page(page, url)
    if meta.paragraphs and meta.title and _same(meta.paragraphs[0], meta.title):
        # The headline heads the extracted text too; like a text file's, it is kept in title, not in text.
        meta = dataclasses.replace(meta, paragraphs=meta.paragraphs[1:])
    if not meta.paragraphs:
        return Refusal(NO_ARTICLE_TEXT, "the extractor found no main text in the page")
    size = sum(len(p) for p in meta.paragraphs) + 2 * (len(meta.paragraphs) - 1)
    if size > max_text_chars:
        return Refusal(TEXT_TOO_LARGE, f"the page's main text is {size} characters, over the limit of "
                                       f"{max_text_chars}")
    visible, vmap, body_at = visible_text(page)
    starts = locate(meta.paragraphs, visible, body_at)
    pieces: list[Piece] = []
    segments: list[Segment] = []
    kept: list[str] = []
    clean = 0
    for seq, (p, at) in enumerate(zip(meta.paragraphs, starts, strict=True)):
        rs = re_ = None
        if at is not None:
            rs, re_ = vmap.raw_span(at[0], at[0] + len(p) - at[1])
        if _MARKUP.search(p):
            # Markup shown as text (a code listing in <pre>): kept out of the text, as a segment of its own.
            segments.append(Segment(seq, "boilerplate", rs, re_, None, None, p))
            continue
        if kept:
            pieces.append(Piece(clean, clean + 2, UNMAPPED, UNMAPPED, False))  # the blank line between paragraphs
            clean += 2
        if at is None:
            pieces.append(Piece(clean, clean + len(p), UNMAPPED, UNMAPPED, False))
        else:
            start, skip = at
            if skip:  # the bullet maps nowhere; the item itself maps to the HTML
                pieces.append(Piece(clean, clean + skip, UNMAPPED, UNMAPPED, False))
            pieces.extend(_sub_map(vmap, start, start + len(p) - skip, clean + skip))
        segments.append(Segment(seq, "body", rs, re_, clean, clean + len(p), p))
        kept.append(p)
        clean += len(p)
    if not kept:
        return Refusal(NO_ARTICLE_TEXT, "the page's main text is all markup shown as text (code listings)")
    located = [s for s in segments if s.raw_start is not None]
    missing = len(segments) - len(located)
    note = None
    if missing:
        note = (f"{missing} of {len(segments)} paragraph(s) are not verbatim in the HTML (the extractor joined "
                "text across elements or took it from metadata): their segments and mentions have null raw offsets")
    text = "\n\n".join(kept)
    language = detect_language(text) or meta.declared_language
    art = ParsedArticle(
        source_file=source_file, source_sha256=source_sha256, part=0, title=meta.title, outlet=meta.outlet,
        agency=None, author=meta.author, published_date=meta.published_date, dateline=None, text=text,
        offset_map=OffsetMap(pieces), language=language, segments=segments,
        raw_start=min(s.raw_start for s in located) if located else None,  # type: ignore[arg-type,type-var]
        raw_end=max(s.raw_end for s in located) if located else None,  # type: ignore[arg-type,type-var]
        url=meta.url, source_format="html", raw_offsets_note=note,
    )
    return [art]


def _same(a: str, b: str) -> bool:
    return a.casefold().strip(" .") == b.casefold().strip(" .")


def _sub_map(vmap: OffsetMap, start: int, end: int, clean_at: int) -> list[Piece]:
    """The pieces of ``vmap`` covering visible ``[start, end)``, moved to start at clean offset ``clean_at``."""
    out: list[Piece] = []
    shift = clean_at - start
    first = max(bisect.bisect_right(vmap.pieces, start, key=lambda p: p.clean_start) - 1, 0)
    for p in itertools.islice(vmap.pieces, first, None):
        if p.clean_start >= end:
            break
        if p.clean_end <= start:
            continue
        s, e = max(p.clean_start, start), min(p.clean_end, end)
        if p.copied:
            out.append(Piece(s + shift, e + shift, p.raw_start + (s - p.clean_start), p.raw_start + (e - p.clean_start),
                             True))
        else:
            out.append(Piece(s + shift, e + shift, p.raw_start, p.raw_end, False))
    return out
