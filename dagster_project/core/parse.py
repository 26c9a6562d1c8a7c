"""Turn a decoded raw file into one or more articles: metadata plus a clean body.

The clean body is built with :class:`~dagster_project.core.textmap.TextBuilder`, so every
clean character can be traced back to its raw offset.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import html
import re
from dataclasses import dataclass, field

import dateparser
from dateparser.search import search_dates

from dagster_project.core.textmap import OffsetMap, TextBuilder

PARSER_VERSION = "parse-0.1"

# Inline markup dropped from the body: HTML tags, markdown emphasis and heading marks.
_INLINE = re.compile(
    r"<[^>\n]{1,200}>"  # HTML tag
    r"|&(?:#\d{1,7}|#x[0-9a-fA-F]{1,6}|[a-zA-Z]{2,10});"  # HTML entity
    r"|\\(?=[\\`*_{}\[\]()#+\-.!$])"  # markdown backslash escape: drop the backslash
    r"|\*{1,3}|_{2,3}"  # emphasis marks
)
_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+")
_BOILERPLATE = re.compile(
    r"(?i)^(?:since you're here|\.\.\. we have a small favour|support the guardian|this site uses akismet"
    r"|copyright|all rights reserved|share this|click here|sign up|subscribe|https?://\S+$"
    r"|read more|related:|advertisement)"
)
_DONATION_HINT = re.compile(r"(?i)\b(?:contribution|donat|support (?:us|our|the)|favour to ask|funding our journalism)")
_AGENCY = r"AFP|Reuters|AP|BBC|Bloomberg|dpa|EFE|Xinhua|TASS|ANSA|UPI|Kyodo|Yonhap"
_DATELINE = re.compile(
    rf"^\s*(?:(?P<place>[A-Z][A-Za-z .'-]{{1,40}}?)\s*)?\((?P<agency>{_AGENCY})\)\s*[-–—:]?\s*"
)
_BY = re.compile(r"(?i)^by\s+(?P<who>.+?)(?:\s*[,|-]|$)")


@dataclass
class ParsedArticle:
    """One report found in a raw file."""

    source_file: str
    source_sha256: str
    part: int
    title: str | None
    outlet: str | None
    agency: str | None
    author: str | None
    published_date: dt.date | None
    dateline: str | None
    text: str
    offset_map: OffsetMap = field(default_factory=OffsetMap)

    @property
    def article_id(self) -> str:
        return make_article_id(self.source_sha256, self.part)


def make_article_id(source_sha256: str, part: int) -> str:
    """Stable for the same raw content: the file's hash plus the report's position in it."""
    return hashlib.sha256(f"{source_sha256}:{part}".encode()).hexdigest()[:16]


@dataclass
class _Line:
    start: int  # raw offset of the first non-blank character
    end: int  # raw offset after the last non-blank character
    text: str  # raw[start:end]


def _lines(raw: str) -> list[_Line]:
    """Lines with raw offsets, trimmed of surrounding white space; blank lines kept as ''."""
    out = []
    for m in re.finditer(r"[^\n]*(?:\n|$)", raw):
        if m.start() == m.end():
            continue
        s = m.group(0).rstrip("\r\n")
        lead = len(s) - len(s.lstrip())
        trail = len(s.rstrip())
        if trail <= lead:
            out.append(_Line(m.start(), m.start(), ""))
        else:
            out.append(_Line(m.start() + lead, m.start() + trail, s[lead:trail]))
    return out


def strip_markup(raw: str, start: int, end: int, builder: TextBuilder) -> None:
    """Append ``raw[start:end]`` to ``builder`` without inline markup."""
    heading = _HEADING.match(raw, start, end)
    pos = heading.end() if heading else start
    for m in _INLINE.finditer(raw, pos, end):
        builder.copy(raw, pos, m.start())
        tok = m.group(0)
        if tok.startswith("&"):
            builder.replace(html.unescape(tok), m.start(), m.end())
        pos = m.end()
    builder.copy(raw, pos, end)


def _plain(s: str) -> str:
    b = TextBuilder()
    strip_markup(s, 0, len(s), b)
    return re.sub(r"\s+", " ", b.build()[0]).strip()


def _split_reports(lines: list[_Line]) -> list[list[_Line]]:
    """A run of three or more blank lines separates two reports in one file."""
    parts: list[list[_Line]] = [[]]
    blanks = 0
    for ln in lines:
        if not ln.text:
            blanks += 1
            continue
        if blanks >= 4 and sum(len(x.text) for x in parts[-1]) > 400:
            parts.append([])
        blanks = 0
        parts[-1].append(ln)
    return [p for p in parts if p]


def _is_body_line(text: str) -> bool:
    plain = _plain(text)
    return len(plain) > 120 or (len(plain) > 40 and plain[-1:] in ".!?”")


def _parse_date(text: str) -> dt.date | None:
    if not re.search(r"\d", text) or len(text) > 120:
        return None
    found = search_dates(text, languages=["en"], settings={"REQUIRE_PARTS": ["day", "month", "year"]})
    if found:
        return found[0][1].date()
    parsed = dateparser.parse(text, languages=["en"], settings={"REQUIRE_PARTS": ["day", "month", "year"]})
    return parsed.date() if parsed else None


def parse_report(raw: str, lines: list[_Line], source_file: str, sha: str, part: int) -> ParsedArticle | None:
    """Parse one report: header lines first, then the body."""
    header: list[_Line] = []
    i = 0
    while i < len(lines) and not _is_body_line(lines[i].text) and len(header) < 8:
        header.append(lines[i])
        i += 1
    body = lines[i:]
    title = outlet = agency = author = dateline = None
    date: dt.date | None = None
    for ln in header:
        plain = _plain(ln.text)
        if not plain:
            continue
        if date is None and (d := _parse_date(plain)) is not None:
            date = d
            # "The Guardian, Mon 25 Mar 2019": the part before the date names the outlet.
            lead = plain.split(",")[0].strip()
            weekday = re.fullmatch(r"(?i)(mon|tues|wednes|thurs|fri|satur|sun)day", lead)
            if lead and lead != plain and not weekday and not re.search(r"\d", lead) and len(lead.split()) <= 4:
                outlet = outlet or lead
            continue
        if (m := _BY.match(plain)) is not None:
            author = author or m.group("who")
            continue
        if title is None:
            title = plain
    builder = TextBuilder()
    for ln in body:
        plain = _plain(ln.text)
        if not plain or _BOILERPLATE.search(plain):
            continue
        if _DONATION_HINT.search(plain) and len(plain) < 400:
            continue
        if len(builder):
            builder.replace("\n\n", ln.start, ln.start)
        strip_markup(raw, ln.start, ln.end, builder)
    text, omap = builder.build()
    if not text.strip():
        return None
    m = _DATELINE.match(text)
    if m:
        agency = m.group("agency")
        dateline = m.group("place").strip() if m.group("place") else None
        outlet = outlet or agency
    return ParsedArticle(source_file, sha, part, title, outlet, agency, author, date, dateline, text, omap)


def parse_file(raw: str, source_file: str, source_sha256: str) -> list[ParsedArticle]:
    """All reports in one raw file, in order; empty when no article text is left."""
    out: list[ParsedArticle] = []
    for part_lines in _split_reports(_lines(raw)):
        art = parse_report(raw, part_lines, source_file, source_sha256, len(out))
        if art is not None:
            out.append(art)
    return out
