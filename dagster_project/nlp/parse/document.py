"""Split a raw file into reports and parse each: header metadata, typed segments, clean body."""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import re
from collections import Counter
from dataclasses import dataclass, field

import dateparser
from dateparser.search import search_dates

from contracts.segments import IN_TEXT_KINDS
from contracts.segments import SEGMENT_KINDS as _SEGMENT_KINDS
from dagster_project.nlp.language import detect_language
from dagster_project.nlp.parse import lexicon as lx
from dagster_project.nlp.parse.markup import is_markdown_heading, strip_markup
from dagster_project.nlp.parse.units import Unit, split_units
from dagster_project.nlp.textmap import OffsetMap, TextBuilder

PARSER_VERSION = "parse-0.6"  # 0.6: the headline chosen among the header lines (furniture above it, list pages); 0.5: title, byline, header dateline and list rows in the text, briefs published; 0.4: the standfirst is in the text; 0.3: embedded posts and contributor lines
MAX_HEADER_UNITS = 25

# Kinds whose text is part of the clean body; every other kind is kept only as a segment.
IN_TEXT = tuple(IN_TEXT_KINDS)
# The story's own paragraphs: a hard-wrapped or broken paragraph is joined back only between these.
_STORY = ("body", "heading")
SEGMENT_KINDS = tuple(_SEGMENT_KINDS)


@dataclass(frozen=True)
class Segment:
    """A typed, contiguous span of one report: where it is in the raw text and, when kept, in ``text``."""

    seq: int
    kind: str
    raw_start: int | None  # None only for a web page's paragraph not found verbatim in its HTML (ingest/html.py)
    raw_end: int | None
    start: int | None
    end: int | None
    text: str


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
    language: str | None = None
    segments: list[Segment] = field(default_factory=list)
    raw_start: int | None = 0
    raw_end: int | None = 0
    # Web pages (ingest/html.py): the page's URL, the source format and why some raw offsets are null.
    url: str | None = None
    source_format: str = "text"
    raw_offsets_note: str | None = None

    @property
    def article_id(self) -> str:
        return make_article_id(self.source_sha256, self.part)

    @property
    def is_english(self) -> bool | None:
        return None if self.language is None else self.language == "en"


def make_article_id(source_sha256: str, part: int) -> str:
    """Stable for the same raw content: the file's hash plus the report's position in it."""
    return hashlib.sha256(f"{source_sha256}:{part}".encode()).hexdigest()[:16]


# ---------------------------------------------------------------- line shapes

_TERMINAL = re.compile(r"(?:[.!?:;\u2026][\"\u201d\u2019')\u00bb]*|[.!?]\s*[\u00bb\u201d\"])$")


def _words(t: str) -> int:
    return len(t.split())


def _is_prose(u: Unit) -> bool:
    """A line that reads as story text rather than a label: long, or a finished sentence."""
    return _is_prose_text(u.text)


# Asked three or four times per line (splitting, header, body, joins); the answer depends on the text only.
@functools.lru_cache(maxsize=16384)
def _is_prose_text(t: str) -> bool:
    if lx.DATELINE_CREDIT.match(t) and _words(t) >= 6:
        return True
    return len(t) >= 110 and _words(t) >= 15 or (_words(t) >= 8 and _TERMINAL.search(t) is not None and len(t) >= 50)


# Marks of a label rather than a sentence: a clock time ("09:12", "2200 est"), a list or breadcrumb separator, a link.
_LABEL_MARK = re.compile(
    r"\b\d{1,2}:\d{2}\b|\b\d{4} ?(?i:hrs|est|edt|cst|cdt|pst|pdt|gmt|utc)\b|\s[|/\u00bb>\u2022\u00b7]\s|https?://|www\."
)


def _is_standfirst(u: Unit) -> bool:
    """A header line under the headline that reads as a sentence: the standfirst (deck), not a label.

    Several words (at least eight) in running text, i.e. mostly lower-case words after the first
    (sentence case in any Latin or Cyrillic script; German capitalised nouns still leave a third),
    with no clock time, list separator or link. Desk labels ("Business desk"), kickers, "Live
    updates, compiled by ..." and timestamps fail it and stay out of the text.
    """
    t = u.text
    if _is_prose(u):
        return True
    words = t.split()
    if len(words) < 8 or len(t) > 400 or t.endswith((",", ";", ":")) or _LABEL_MARK.search(t):
        return False
    running = [w for w in words[1:] if w[:1].isalpha()]
    return len(running) >= 6 and 3 * sum(w[:1].islower() for w in running) >= len(running)


def _is_title_like(u: Unit) -> bool:
    t = u.text
    return 2 <= _words(t) <= 25 and len(t) <= 200 and not t.endswith((",", ";"))


def _norm_date_text(t: str) -> str:
    # dateparser does not read "Oct. 3" or "Sept. 3"; drop the abbreviation dots.
    return re.sub(r"\b(Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)\.", r"\1", t)


_YEAR = re.compile(r"\d{4}")


def find_date(t: str, languages: list[str]) -> tuple[dt.date, str] | None:
    """A full calendar date (day, month and year) stated in a short line, and the words that state it."""
    if len(t) > 160 or not _YEAR.search(t):
        return None
    return _find_date(t, tuple(languages))


# dateparser takes milliseconds per line; the same header line (a date line, a wire slug) recurs
# across a report's header, the split check and syndicated copies, so answers are remembered.
# The line must state a year to get here, and only full dates (day, month, year) are accepted.
@functools.lru_cache(maxsize=8192)
def _find_date(t: str, languages: tuple[str, ...]) -> tuple[dt.date, str] | None:
    text = _norm_date_text(t)
    settings = {"REQUIRE_PARTS": ["day", "month", "year"], "PREFER_DATES_FROM": "past"}
    try:
        found = search_dates(text, languages=list(languages), settings=settings)  # type: ignore[arg-type]
    except Exception:  # dateparser raises assorted errors on odd input; a line without a date is the answer
        found = None
    for surface, when in found or []:
        if _YEAR.search(surface) and when.year <= _LAST_YEAR:
            return when.date(), surface
    try:
        parsed = dateparser.parse(text, languages=list(languages), settings=settings)  # type: ignore[arg-type]
    except Exception:
        parsed = None
    return (parsed.date(), text) if parsed and parsed.year <= _LAST_YEAR else None


# "February 14th 2200 est.": four digits after a day are a 24-hour clock time as often as a year; no news header is
# dated after 2100, so such a "year" is the time.
_LAST_YEAR = 2100


def _clean_name(name: str) -> str:
    name = re.sub(r"\s+", " ", name).strip(" ,;:|-\u2013\u2014*_")
    if name.isupper() and len(name) > 3:
        name = " ".join(w.capitalize() if len(w) > 1 else w for w in name.split())
    return name


def _strip_rank(name: str) -> str:
    """"Tech. Sgt. Charles Vaughn" -> "Charles Vaughn"; "Chris Cavagnaro USS George Washington Public Affairs" ->
    "Chris Cavagnaro": a rank before a byline's name and the unit written after it are not the name."""
    name = lx.RANK_PREFIX.sub("", name.strip())
    if not name.isupper():
        # The unit after the name starts with a ship prefix or an acronym ("USS George Washington", "DESRON 26").
        name = re.split(r"\s+(?=(?:USS|USNS|HMS|HMAS|HMCS)\s|[A-Z]{2,}\b)", name)[0]
    return name


def parse_authors(who: str) -> tuple[str | None, list[str]]:
    """People named in a byline (joined by ``'; '``) and the wire services named with them."""
    agencies = lx.agencies_in(who)
    for code in agencies:
        for alias in lx.AGENCIES[code]:
            who = re.sub(rf"(?<![\w-]){re.escape(alias)}(?![\w-])", " ", who)
    who = re.split(r"\s+[|\u00b7\u2022]\s+|\s+[-\u2013\u2014]\s+|,\s*(?=(?:the\s)?[A-Z][\w ]*(?:News|Press|Times|Post)\b)", who)[0]
    names = []
    for part in re.split(r"\s*(?:,|;|&|\band\b|\by\b|\bet\b|\bund\b)\s*", who):
        if lx.GENERIC_AUTHOR.match(_clean_name(part)):
            continue  # "Staff Writer" is no rank before a name
        part = _clean_name(_strip_rank(part))
        if not part or lx.GENERIC_AUTHOR.match(part) or _words(part) > 5:
            continue
        # "By Barbie Nadeau, CNN": the organisation is not an author.
        if re.fullmatch(r"[A-Z]{2,6}", part) or _outlet_from_line(part):
            continue
        if re.search(r"\d|@|https?:", part):
            continue
        names.append(part)
    return ("; ".join(names) or None), agencies


def _title_case_place(place: str) -> str:
    place = re.sub(r"\s+", " ", place).strip(" ,")
    head, _, rest = place.partition(",")
    if head.isupper():
        head = " ".join(w.capitalize() for w in head.split())
    return head + ("," + rest if rest else "")


# ---------------------------------------------------------------- splitting


def _separator_or_gap(units: list[Unit], i: int, big_gap: int) -> bool:
    """A large blank gap, or a rule line followed by something that opens a report (a headline-like
    line or a dateline); a rule followed by more prose is a section break inside one story."""
    if units[i].gap >= big_gap:
        return True
    if units[i].kind != "separator":
        return False
    nxt = next((u for u in units[i + 1:] if u.kind != "separator"), None)
    if nxt is None:
        return False
    return nxt.gap >= big_gap or _has_dateline(nxt.text) or (_is_title_like(nxt) and not _is_prose(nxt))


def split_reports(units: list[Unit]) -> list[list[Unit]]:
    """Cut where one report ends and another starts.

    A boundary is an unusually large run of blank lines (larger than the file's usual paragraph
    gap) or a separator line, with a real story (two or more prose paragraphs) on both sides;
    or a fresh header (a title-like line followed by a byline or a date line) after a story.
    """
    if not units:
        return []
    gaps = Counter(u.gap for u in units[1:] if u.gap)
    usual = gaps.most_common(1)[0][0] if gaps else 1
    big_gap = max(3, usual + 2)
    # prose[i] = prose paragraphs among units[:i], so both sides of a cut are counted in O(1).
    prose = [0]
    for u in units:
        prose.append(prose[-1] + (1 if u.kind is None and _is_prose(u) else 0))
    cuts = [0]
    for i in range(1, len(units)):
        if prose[i] - prose[cuts[-1]] < 2 or prose[-1] - prose[i] < 2:
            continue
        if _separator_or_gap(units, i, big_gap) and units[i - 1].kind != "separator":
            cuts.append(i)
            continue
        u = units[i]
        # Wire stories carry a dateline only at their top: a second one starts another report.
        if u.kind is None and u.gap >= 1 and _has_dateline(u.text):
            cuts.append(i)
            continue
        if u.kind is None and _is_title_like(u) and not _is_prose(u) and u.gap >= 1 and i + 1 < len(units):
            follow = units[i + 1]
            if follow.kind is None and not _is_prose(follow) and (
                lx.BYLINE.match(follow.text) or find_date(follow.text, ["en"]) is not None
            ):
                cuts.append(i)
    return [units[a:b] for a, b in zip(cuts, [*cuts[1:], len(units)], strict=True)]


def _has_dateline(t: str) -> bool:
    m = lx.DATELINE_CREDIT.match(t)
    if m and m.group("place") and lx.agencies_in(m.group("credit") or m.group("slash_credit")):
        return True
    return lx.DATELINE_PLAIN.match(t) is not None and _words(t) >= 8


# ---------------------------------------------------------------- one report


@dataclass
class _Meta:
    title: str | None = None
    outlet: str | None = None
    outlet_weak: str | None = None
    agencies: list[str] = field(default_factory=list)
    author: str | None = None
    author_fallback: str | None = None
    date: dt.date | None = None
    dateline: str | None = None

    def add_agencies(self, codes: list[str]) -> None:
        for c in codes:
            if c not in self.agencies:
                self.agencies.append(c)


def _outlet_from_line(t: str) -> str | None:
    """A publication named on a short header line: ``The Deccan Ledger``, ``Reuters``."""
    t = _AND_AGENCIES.sub("", t).strip(" |,-\u2013\u2014*_")
    if not t or _words(t) > 6 or re.search(r"[.!?]$|\d", t):
        return None
    if lx.agency_code(t):
        return t
    if t.lower() in _SECTION_WORDS:
        return None  # "NEWS | Aug. 1, 2014": a section label, not a publication
    # A publication's name is a proper name: every word capitalized but for particles
    # ("The Daily Ledger", "El País"), so "CRLF report" or "live report" is not an outlet.
    if lx.OUTLET_WORDS.search(t) and all(w[:1].isupper() or w[:1].isdigit() or w.lower() in _NAME_PARTICLES
                                         for w in re.findall(r"[^\s]+", t)):
        return t
    return None


_SECTION_WORDS = {"news", "media", "press", "report", "today", "online", "daily", "weekly", "magazine", "radio",
                  "television", "tv", "network", "wire", "agency", "bulletin", "latest news", "world news", "press release",
                  "news release", "defense news", "military news"}
_NAME_PARTICLES = {"the", "of", "de", "del", "el", "la", "le", "les", "du", "des", "di", "da", "and", "&", "on", "der", "die"}


_TAIL_CREDIT = re.compile(r"(?:\(|\[|\s[-\u2013\u2014]\s*)(?P<credit>[^\W\d][\w .-]{1,30}?)[)\]]?\.?\s*$")
_AND_AGENCIES = re.compile(r"(?i)\s+(?:and|with|&|,)\s+(?:news |wire )?(?:agencies|wires|agency reports)\b.*$")
_PUBLISHED_BY = re.compile(
    r"(?i)(?:originally (?:published|appeared) (?:by|in|on|at)|first (?:published|appeared) (?:by|in|on)"
    r"|this (?:article|story) (?:was )?(?:originally |first )?(?:published|appeared) (?:by|in|on)"
    r"|^(?:source|fuente|fonte|quelle|bron)\s*:"
    r"|^via\s*:?)\s+(?P<name>[^.,;\n]{2,60})"
)
_COPYRIGHT = re.compile(
    r"(?i)(?:copyright|\u00a9|\(c\))\s*(?:\d{4}(?:\s*[-\u2013]\s*\d{4})?)?\s*"
    r"(?P<name>(?:[^.,;\n]|\.(?=[a-z]\.|[a-z]\b))+(?:(?<=\b[a-z])\.)?)"  # keeps "L.P.", "Co."-style initials
)
_NAME_WITH_URL = re.compile(r"^(?P<name>[A-Z][\w'\u2019&]*(?:\s+[A-Z][\w'\u2019&]*){0,5})[.:,]?\s+(?:https?://)?(?:www\.)?(?P<host>[\w.-]+)\S*$")


def _publisher_mentions(units: list[Unit]) -> tuple[str | None, str | None]:
    """(strong, weak) publisher named in credits or footers of the report."""
    strong = weak = None
    for u in units:
        site = lx.FROM_SITE.match(u.text)
        if site and strong is None:
            strong = _clean_name(site.group("name"))
        m = _PUBLISHED_BY.search(u.text)
        if m and strong is None:
            strong = _clean_name(_AND_AGENCIES.sub("", m.group("name")))
        if u.kind == "boilerplate" and weak is None:
            c = _COPYRIGHT.search(u.text)
            if c and not re.match(r"(?i)applies|notice|\d", c.group("name").strip()):
                weak = _clean_name(re.split(r"\s+[-\u2013\u2014|\u00b7\u2022]\s+", c.group("name"))[0])
            n = _NAME_WITH_URL.match(u.text)
            if n and weak is None:
                weak = _name_matching_host(n.group("name"), n.group("host"))
    return strong, weak


def _name_matching_host(name: str, host: str) -> str | None:
    """``Inverse Times Open Publishing`` on ``inversetimes.example.net`` -> ``Inverse Times``."""
    labels = [lab for lab in host.lower().split(".") if len(lab) >= 4]
    words = name.split()
    for k in range(1, len(words) + 1):
        squashed = re.sub(r"[^a-z0-9]", "", "".join(words[:k]).lower())
        if squashed in labels or re.sub(r"^the", "", squashed) in labels:
            return " ".join(words[:k])
    return None


def _read_header(header: list[Unit], meta: _Meta, languages: list[str], *, listing: bool = False) -> dict[int, str]:
    """Type each header unit (title, byline, date, outlet, standfirst, other header line) and fill ``meta``.
    ``listing``: the page lists several stories (``is_listing``), so no header line is their headline."""
    kinds: dict[int, str] = {}
    title_at = None if listing else headline_index(header, languages)
    for idx, u in enumerate(header):
        if u.kind is not None:
            continue
        t = u.text
        if idx == title_at:
            # "Headline - The Outlet" / "Headline | Outlet": a web page title names the site.
            sm = _TITLE_SUFFIX.match(t)
            if sm and (o := _outlet_from_line(sm.group("site"))):
                meta.outlet = meta.outlet or o
                t = sm.group("title")
            meta.title = t
            kinds[idx] = "title"
            continue
        if meta.author is None and (ranked := _ranked_name(t)) is not None:
            meta.author = ranked  # "Sgt. Andrew McNeil" on a line of its own: the writer, not a headline
            kinds[idx] = "byline"
            continue
        rest = t
        kind = None
        got = find_date(t, languages) if _words(t) <= 25 else None
        if got is not None:
            when, surface = got
            # dateparser takes a byline's "By" as part of the date ("Dec 4, 2020 | BY"): leave it to the byline.
            surface = re.sub(r"(?i)[\s|,\u00b7\u2022-]*\b(?:by|por|par|von)$", "", surface)
            meta.date = meta.date or when
            kind = "date"
            rest = _norm_date_text(t).replace(surface, " ")
            rest = lx.DATE_PREFIX.sub("", rest.strip())
            rest = re.sub(r"(?i)\b(?:on|le|el|am)\s*$|^\s*(?:on|le|el)\b", " ", rest)
            rest = re.sub(r"(?i)\b\d+\s*min(?:ute)?s?\s+read\b", " ", rest)
            rest = re.sub(r"(?i)\b(?:mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun)(?:day|nesday|rsday|urday)?\b,?", " ", rest)
            rest = re.sub(r"\s+", " ", rest).strip(" ,|\u00b7\u2022-\u2013\u2014*_")
            if not rest and "|" in t:
                # dateparser read the whole line as the date: keep the fields around it ("Dec. 4, 2020 | BY X, Y").
                rest = " | ".join(p.strip() for p in t.split("|") if p.strip() and find_date(p, languages) is None)
        by = lx.BYLINE.match(rest) or (lx.BY_INSIDE.search(rest) if kind == "date" else None)
        if by and _words(rest) <= 20:
            who_text = by.group("who")
            # "By Kate Hughes For The Daily Post": the publication the writer files for.
            m_for = re.search(r"\s+(?:for|For|FOR)\s+(?P<o>(?:the\s|The\s)?[A-Z][^|]*)$", who_text)
            if m_for and (o := _outlet_from_line(m_for.group("o"))):
                meta.outlet = meta.outlet or o
                who_text = who_text[: m_for.start()]
            who, agencies = parse_authors(who_text)
            meta.add_agencies(agencies)
            if who is not None and kind == "date" and re.fullmatch(r"[a-z0-9_.]+", who):
                # "Posted on August 18, 2022 by coastwatcher": the account that posted, unless no byline names a writer
                meta.author_fallback = meta.author_fallback or who
            else:
                meta.author = meta.author or who
            # "BY JIM GARAMONE, DOD News": the publication named after the writer.
            for part in who_text.split(",")[1:]:
                if meta.outlet is None and (o := _outlet_from_line(part)):
                    meta.outlet = o
            if kind is None:
                kind = "byline"
            continue_rest = rest[: by.start()].strip(" ,|\u00b7\u2022-")
            if continue_rest and (o := _outlet_from_line(continue_rest)):
                meta.outlet = meta.outlet or o
            kinds[idx] = kind
            continue
        if kind == "date":
            if rest and (o := _outlet_from_line(rest)):
                meta.outlet = meta.outlet or o
                meta.add_agencies(lx.agencies_in(o))
            kinds[idx] = kind
            continue
        if (o := _outlet_from_line(t)) and (meta.title is not None or _next_titleish(header, idx)):
            meta.outlet = meta.outlet or o
            meta.add_agencies(lx.agencies_in(o))
            kinds[idx] = "outlet"
            continue
        if _CREDIT_ORG.search(t) and idx > 0 and kinds.get(idx - 1) == "byline":
            kinds[idx] = "byline"  # "23d Wing Public Affairs" under "By Airman Jarrod Grammel": the writer's unit
            continue
        if meta.title is not None and _norm_title(t) == _norm_title(meta.title):
            kinds[idx] = "title"  # the headline repeated (page <title> and <h1> both dumped)
            continue
        if title_at is not None and meta.author is None and lx.PERSON_NAME.match(t) and idx > title_at:
            meta.author = _clean_name(t)
            kinds[idx] = "byline"
            continue
        if meta.title is None:
            # Above the headline (or in a header without one): page furniture, a section label, a field.
            kinds[idx] = "header"
        else:
            # Under the headline: the deck when it reads as a sentence (kept in the text), otherwise
            # a header label the parser cannot name (desk, kicker, timestamp), kept out of it.
            kinds[idx] = "standfirst" if _is_standfirst(u) else "header"
    return kinds


# ---------------------------------------------------------------- the headline
#
# Pages keep furniture above the headline (a section name, "Photos", "Article Display", a sidebar's links, a
# "Story Number: ... Release Date: ..." header), so the first title-like line is not always the headline.
# HTML extractors (trafilatura, newspaper4k) choose among <title>, og:title and <h1> and trust their agreement;
# a text dump has none of that markup, so the header's lines are scored by their shape and by where they stand:
# a headline has a headline's length, is no label, field, list item, name or date, and leads to the story
# (only date, byline, credit or deck lines between it and the first paragraph).

# "Story Number: NNS180205-07", "Release Date: 2/5/2018 9:24:00 AM", "FROM: U.S. DEPARTMENT OF DEFENSE",
# "Location: ATLANTIC OCEAN": a header field (a CMS label and its value), not a headline.
_FIELD = re.compile(
    r"^(?P<key>(?:[A-Za-z][\w.'-]*\s+){0,2}[A-Za-z][\w.'-]*)\s*:\s*(?P<value>\S.{0,80})$"
)
_FIELD_KEYS = re.compile(
    r"(?i)\b(?:story|release|released|date|number|no|id|location|from|to|subject|source|category|section|posted"
    r"|updated|published|taken|filed|unit|virin|credit|dateline|ref|reference|issue|volume|edition|tags?|archives?"
    r"|author|keywords?|labels?|topics?)\b"
)
_LABEL_KEYS = re.compile(r"(?i)\b(?:tags?|archives?|categor(?:y|ies)|topics?|keywords?|labels?|filed under)\b")
# "[Image 2 of 6]", "(video)": a bracketed note closing a gallery or page title.
_BRACKETED_END = re.compile(r"\s*[\[(][^\[\]()]{1,30}[\])]\s*$")
# An image's alt text left in the page text: "Defense Visual Information Distribution Service Logo".
_ALT_TEXT = re.compile(r"(?i)\b(?:logo|icon|banner image|thumbnail|avatar)$")
# A list item's mark at the start of the raw line: a row of a list of stories, not one story's headline.
_LIST_ITEM = re.compile(r"^\s*(?:[\u2022\u00b7\u25aa\u25cf*+-]|\d{1,2}[.)])\s+")


def _ranked_name(t: str) -> str | None:
    """"Sgt. Andrew McNeil" alone on a header line: a rank before a person's name is a writer's credit."""
    m = lx.RANK_PREFIX.match(t)
    if m is None or m.end() == 0:
        return None
    name = t[m.end():].strip()
    if not lx.PERSON_NAME.match(name) or _words(name) > 4 or re.search(r"\d", name):
        return None
    return _clean_name(name)


def is_header_field(t: str) -> bool:
    """A ``Key: value`` header field: a CMS label ("Story Number", "Release Date", "From") and a short value
    written as a code, a date or in capitals (no running lower-case words), several fields on one line, or a tag or
    category label and its name."""
    m = _FIELD.match(t)
    if m is None or not _FIELD_KEYS.search(m.group("key")):
        return False
    value = m.group("value")
    if _LABEL_KEYS.search(m.group("key")) and _words(value) <= 6:
        return True  # "Tag Archives: deployed", "Category: Navy news": a page of a tag, whatever its words
    if len(re.findall(r"\b[A-Za-z][\w ]{0,20}:\s*\S", t)) >= 2:
        return True  # "Story Number: NNS180205-07 Release Date: 2/5/2018"
    words = re.findall(r"[^\W\d_][\w'\u2019-]*", value)
    return _words(value) <= 8 and not any(w[:1].islower() for w in words if len(w) > 3)


def is_chrome_label(t: str) -> bool:
    """A line made only of page-chrome words: "Photos", "Article Display", "News | Press Releases"."""
    words = re.findall(r"[^\W\d_][\w'\u2019-]*", t.casefold())
    return bool(words) and len(words) <= 4 and all(lx.CHROME_WORD.fullmatch(w) for w in words)


def is_label_like(t: str) -> bool:
    """A short name-like line: at most four words, each capitalised or a number, no sentence mark ("Daily Press
    Briefing", "3rd Combat Aviation Brigade", "Business Desk"). A section, unit or desk label as often as a
    headline, so it is the headline only when no better line is there ("Drill Duty" on a photo page)."""
    words = t.split()
    if len(words) <= 2:
        return True  # "Forgot Password?", "Breaking News", "Drill Duty"
    if len(words) > 4 or _TERMINAL.search(t):
        return False
    return all(w[:1].isupper() or w[:1].isdigit() or not w[:1].isalnum() for w in words)


def _headline_candidate(u: Unit, languages: list[str]) -> bool:
    """A header line that may be the headline at all: one kind-less line that is no date, byline, field, list
    item, page-chrome label, ranked name or single word, and short enough for a headline."""
    t = u.text
    if u.kind is not None or _words(t) < 2 or len(t) > 200 or _words(t) > 25 or t.endswith((",", ";", ":")):
        return False
    if _LIST_ITEM.match(u.raw) and not is_markdown_heading(u.raw):
        return False
    if lx.BYLINE.match(t) or is_header_field(t) or is_chrome_label(t) or _ranked_name(t) is not None:
        return False
    if _CREDIT_ORG.search(t) or _ALT_TEXT.search(t):
        return False  # "23d Wing Public Affairs": the writer's office; "... Service Logo": an image's alt text
    return find_date(t, languages) is None


# A finished sentence: a full stop after a lower-case word or a figure, not after an abbreviation ("U.S.", "Gen.").
_SENTENCE_END = re.compile(r"(?:[a-z]{3}|\d)\.[\"\u201d\u2019')]*$")


def _headline_shape(t: str) -> int:
    """2: reads as a headline; 1: a short label, a headline only when nothing better is there; 0: a finished
    sentence (an image's alt text, a site's tagline), a publication's name, or a line with a clock time, a list
    separator or a link."""
    if _SENTENCE_END.search(t) or _outlet_from_line(t) is not None or _LABEL_MARK.search(t) is not None \
            or "@" in t or (t.startswith("(") and t.endswith(")")):
        return 0
    return 1 if is_label_like(t) else 2


def _headline_cased(u: Unit) -> bool:
    """A line set as a headline however long: no sentence end, at most 25 words, and at least four in five of its
    longer words capitalised (Title Case or capitals)."""
    t = u.text
    if _TERMINAL.search(t) or _words(t) > 25:
        return False
    words = [w for w in re.findall(r"[^\W\d_][\w'\u2019-]*", t) if len(w) > 3]
    return len(words) >= 3 and 5 * sum(w[:1].isupper() for w in words) >= 4 * len(words)


def _past_lead_in(units: list[Unit], body_at: int, languages: list[str]) -> int:
    """Where the story starts when one to three short sentences (a site's tagline, an image's alt text) stand
    above the headline: "Snapshots of what's happening in the Defense Department." / "A small boat operates in
    the sea at twilight." / "Overboard Drill" / the story. Only when no line that could be a headline comes before them,
    the line after them is a headline or label (no sentence) and a full paragraph follows it."""
    if any(_headline_candidate(u, languages) for u in units[:body_at]):
        return body_at
    i = body_at
    while i < len(units) and i - body_at < 3 and units[i].kind is None and len(units[i].text) <= 120 \
            and _TERMINAL.search(units[i].text):
        i += 1
    if i == body_at or i + 1 >= len(units):
        return body_at
    head, lead = units[i], units[i + 1]
    if head.kind is None and lead.kind is None and not _is_prose(head) and _headline_candidate(head, languages) \
            and _headline_shape(head.text) >= 1 and _is_prose(lead) and len(lead.text) >= 150:
        return i + 1
    return body_at


# A teaser cut short by a blog or CMS: "... the Congo, and [\u2026]", "... Read More", "Continue reading".
_TEASER_END = re.compile(r"(?i)(?:\[(?:\u2026|\.\.\.)\]|\w\u2026|\bread more|\bcontinue reading)\s*\W{0,3}$")


def is_listing(units: list[Unit], body_at: int) -> bool:
    """A page that lists stories (a tag, category or archive page, a blog's front page): two or more list items of
    headline length each followed by its summary paragraph, headline lines each over a teaser cut short, or headline
    lines each directly over a date line, where the story would start."""
    hits = 0
    for i in range(max(0, body_at - 2), min(len(units) - 1, body_at + 8)):
        u, nxt = units[i], units[i + 1]
        if u.kind not in (None, "navigation") or _words(u.text) > 25 or len(u.text) > 200 or nxt.kind is not None:
            continue
        if (_LIST_ITEM.match(u.raw) and not _LIST_ITEM.match(nxt.raw) and len(nxt.text) >= 60) \
                or (not _is_prose(u) and _TEASER_END.search(nxt.text)) \
                or (_is_title_like(u) and not _is_prose(u) and find_date(u.text, ["en"]) is None and _words(nxt.text) <= 5
                    and find_date(nxt.text, ["en"]) is not None and nxt.gap == 0):
            # "• Headline" over its summary; "Headline" over a teaser cut short ("... and [...]"); "Headline" over
            # its date line
            hits += 1
    return hits >= 2


def headline_index(header: list[Unit], languages: list[str]) -> int | None:
    """Which header line is the headline (None when none is).

    Each candidate line scores its shape (``_headline_shape``: 2 headline, 1 label, 0 sentence, outlet name or
    marked line), 1 more for being the first candidate (plain-text copy puts the
    headline first), 1 for leading to the story (no other candidate between it and the first paragraph but a
    deck, i.e. a line that reads as a sentence), less 1 for a deck under a line of headline shape. The best score
    wins; a tie goes to the earlier line.
    """
    cands = [i for i, u in enumerate(header) if _headline_candidate(u, languages)]
    if not cands:
        return None
    # A deck is a finished sentence under the headline; a sentence-case line without a full stop is a headline.
    deck = {i: _is_standfirst(header[i]) and _TERMINAL.search(header[i].text) is not None for i in cands}
    again: dict[str, list[int]] = {}
    for j, u in enumerate(header):
        again.setdefault(_norm_title(_BRACKETED_END.sub("", u.text)), []).append(j)
    best, best_score, strong_seen = None, -99, False
    for n, i in enumerate(cands):
        shape = _headline_shape(header[i].text)
        strong = shape == 2
        score = shape + (1 if n == 0 else 0) - (1 if deck[i] and strong_seen else 0)
        copies = again.get(_norm_title(_BRACKETED_END.sub("", header[i].text)), [])
        if i + 1 not in copies and any(j > i + 1 for j in copies):
            score += 1  # repeated further down the page: the page's <title> and its <h1>, or a gallery's caption
        if all(deck[j] for j in cands[n + 1:]):
            score += 1
        if score > best_score:
            best, best_score = i, score
        strong_seen = strong_seen or strong
    return best


_CREDIT_ORG = re.compile(r"(?i)\b(?:public affairs(?: office)?|press office|press service|news service|bureau)$")
_TITLE_SUFFIX = re.compile(r"^(?P<title>.{12,}?)\s+[|\-\u2013\u2014\u00b7]\s+(?P<site>[^|\u2013\u2014\u00b7]{2,40})$")


def _norm_title(t: str) -> str:
    return re.sub(r"\W+", " ", t).casefold().strip()


def _next_titleish(header: list[Unit], idx: int) -> bool:
    """An outlet-looking line counts as the outlet only when a headline follows it."""
    for u in header[idx + 1:]:
        if u.kind is None:
            return _is_title_like(u) and _outlet_from_line(u.text) is None
    return False


# "5/1/2012 - MOODY AIR FORCE BASE, Ga. --": a numeric date, then the dateline (US military public-affairs copy).
_DATE_FIRST = re.compile(r"^(?P<date>\d{1,2}/\d{1,2}/\d{4})\s+[-\u2013]\s+(?P<place>[A-Z][A-Z .'\u2019-]{2,40}(?:,\s*[A-Z][\w.]{1,12})?)\s*(?:--|\u2014)\s")


def _dated_dateline(first: str, meta: _Meta, languages: list[str]) -> bool:
    """A dateline that carries the report's date as its credit ("SOUTH CHINA SEA (Nov. 25, 2023) -") or before the
    place ("5/1/2012 - MOODY AIR FORCE BASE, Ga. --"): the date and the place; False when the line is neither."""
    m = lx.DATELINE_CREDIT.match(first)
    text, place = (m.group("credit"), m.group("place")) if m and m.group("credit") else (None, None)
    if text is None and (d := _DATE_FIRST.match(first)):
        text, place = d.group("date"), d.group("place")
    if text is None or not re.search(r"\d{4}", text) or (got := find_date(text, languages)) is None:
        return False
    meta.date = meta.date or got[0]
    if place:
        meta.dateline = _title_case_place(place)
    return True


def _dateline(first: str, meta: _Meta, languages: list[str]) -> None:
    if _dated_dateline(first, meta, languages):
        return
    m = lx.DATELINE_CREDIT.match(first) or lx.DATELINE_PLAIN.match(first)
    # "Lisboa, 5 ago 2023 (Lusa) -": a dateline that states the year dates the report.
    if m and m.group("date") and meta.date is None and re.search(r"\d{4}", m.group("date")):
        got = find_date(m.group("date"), languages)
        meta.date = got[0] if got else None
    m = lx.DATELINE_CREDIT.match(first)
    if m:
        credit = (m.group("credit") or m.group("slash_credit")).strip()
        codes = lx.agencies_in(credit)
        # "The World Food Programme (WFP) said": an acronym after a name, not a dateline credit.
        after = first[m.end("credit") + 1 if m.group("credit") else m.end("slash_credit") + 1:m.end()]
        if m.group("place") and not codes and (m.group("place").startswith(("The ", "the ")) or not after.strip()):
            m = None
    if m:
        credit = (m.group("credit") or m.group("slash_credit")).strip()
        codes = lx.agencies_in(credit)
        if codes or (_words(credit) <= 4 and credit[:1].isupper() and not re.search(r"\d", credit)):
            if codes:
                meta.add_agencies(codes)
                meta.outlet_weak = meta.outlet_weak or codes[0]
            else:
                meta.outlet_weak = meta.outlet_weak or credit
            if m.group("place"):
                meta.dateline = _title_case_place(m.group("place"))
            return
    m2 = lx.DATELINE_PLAIN.match(first)
    if m2 and _words(m2.group("place")) <= 6:
        meta.dateline = _title_case_place(m2.group("place"))


def parse_report(raw: str, units: list[Unit], source_file: str, sha: str, part: int) -> ParsedArticle | None:
    """Parse one report: header lines, then the body paragraphs and the typed leftovers."""
    if not units:
        return None
    prose_text = " ".join(u.text for u in units if u.kind is None and _is_prose(u))
    language = detect_language(prose_text)
    languages = [language, "en"] if language and language != "en" else ["en"]
    languages = [lang for lang in languages if lang in _dateparser_languages()] or ["en"]

    meta = _Meta()
    # A long line set as a headline (Title Case or capitals, no sentence end) is not the story's first paragraph.
    body_at = next((i for i, u in enumerate(units) if u.kind is None and _is_prose(u) and not _headline_cased(u)),
                   next((i for i, u in enumerate(units) if u.kind is None and _is_prose(u)), len(units)))
    if body_at == len(units):
        # No paragraph of running prose: a brief (a title and one short sentence) or a results table is still an
        # article when a line follows its header; otherwise nothing to publish (quarantined if no report is left).
        short_at = _short_body_start(units, languages)
        if short_at is None:
            return None
        body_at = short_at
        if language is None:
            language = detect_language(" ".join(u.text for u in units if u.kind is None))
    body_at = _past_lead_in(units, body_at, languages)
    # A header is a handful of lines; a longer run before the story is page furniture.
    header_from = max(0, body_at - MAX_HEADER_UNITS)
    header_kinds = {header_from + k: v for k, v in _read_header(
        units[header_from:body_at], meta, languages, listing=is_listing(units, body_at)).items()}

    kinds: list[str] = []
    for i, u in enumerate(units):
        if i < header_from:
            kinds.append(u.kind or "navigation")
        elif i < body_at:
            kinds.append(u.kind or header_kinds.get(i, "header"))
        else:
            kinds.append(u.kind or ("body" if _is_prose(u) or not _looks_heading(u) else "heading"))
    # Trailers run to the end of the report once they start: a press release's end mark or closing
    # "About X" block (a few paragraphs at most), or an appeal for money.
    for i in range(body_at + 1, len(units)):
        t = units[i].text
        if (lx.END_MARK.match(t) or (lx.ABOUT_BLOCK.match(t) and len(units) - i <= 4)
                or (lx.APPEAL_START.match(t) and (len(t) < 80 or lx.APPEAL_WORDS.search(t)))):
            kinds[i:] = ["boilerplate"] * (len(units) - i)
            break
    _mark_header_datelines(units, kinds, meta, languages)
    _mark_list_rows(units, kinds, body_at)
    # A heading at the very end (after the last body paragraph) is a leftover label, not a heading.
    last_body = max((i for i, k in enumerate(kinds) if k in ("body", "list")), default=-1)
    for i in range(last_body + 1, len(units)):
        if kinds[i] == "heading":
            kinds[i] = "boilerplate"

    # Contributor lines tell which wire services and reporters worked on the report.
    for u, k in zip(units, kinds, strict=True):
        if k == "contributor":
            if re.search(r"(?i)contributed|report", u.text):  # "AFP and Reuters contributed to this report"
                meta.add_agencies(lx.agencies_in(u.text))
            rb = re.match(r"(?i)^[(\[_*]{0,2}\s*reporting by\s+(?P<who>.+?)(?:\s+in\s+[A-Z][\w .'-]*)?(?:;|\)|$)", u.text)
            if rb:
                meta.author_fallback = meta.author_fallback or parse_authors(rb.group("who"))[0]
    strong, weak = _publisher_mentions(units)

    builder = TextBuilder()
    segments: list[Segment] = []
    prev_body: Unit | None = None
    prev_kind = ""
    for u, k in zip(units, kinds, strict=True):
        if k in IN_TEXT:
            if prev_body is not None:
                # Posts and contributor lines are paragraphs of their own, never run into the story.
                joined = prev_kind in _STORY and k in _STORY and _continues(prev_body, u)
                sep = " " if joined else "\n\n"
                builder.replace(sep, prev_body.end, u.start)
            start = len(builder)
            for n, (ls, le) in enumerate(u.spans):
                if n:  # a hard-wrapped line break is a space in the clean text
                    builder.replace(" ", u.spans[n - 1][1], ls)
                strip_markup(raw, ls, le, builder)
            # The text of segments in the clean body is cut from it once built (below), so a joined
            # segment only grows its spans here (appending text would copy it for every line joined).
            if segments and joined_to_last(segments, prev_body, u, k):
                last = segments[-1]
                segments[-1] = Segment(last.seq, last.kind, last.raw_start, u.end, last.start, len(builder), "")
            else:
                segments.append(Segment(len(segments), k, u.start, u.end, start, len(builder), ""))
            prev_body, prev_kind = u, k
        else:
            segments.append(Segment(len(segments), k, u.start, u.end, None, None, u.text))
    text, omap = builder.build()
    if not text.strip():
        return None
    # Whole-report text back, so segments and the segment text agree with ``text``.
    segments = [s if s.start is None else Segment(s.seq, s.kind, s.raw_start, s.raw_end, s.start, s.end,
                                                  text[s.start:s.end]) for s in segments]
    first_body = next((units[i].text for i, k in enumerate(kinds) if k == "body"), "")
    _dateline(first_body, meta, languages)
    # "... the last sentence. (ANSA)" / "... - AFP": a wire credit closing the story.
    closing = next((units[i].text for i in range(len(units) - 1, -1, -1) if kinds[i] == "body"), "")
    tail = _TAIL_CREDIT.search(closing)
    if tail and (codes := lx.agencies_in(tail.group("credit"))):
        meta.add_agencies(codes)
        meta.outlet_weak = meta.outlet_weak or codes[0]
    # The publisher: named in the header, then credited ("Originally published by"), then the
    # copyright holder or footer site, and last the organisation credited in the dateline.
    outlet = meta.outlet or strong or weak or meta.outlet_weak
    return ParsedArticle(
        source_file=source_file,
        source_sha256=sha,
        part=part,
        title=meta.title,
        outlet=outlet,
        agency="; ".join(meta.agencies) or None,
        author=meta.author or meta.author_fallback,
        published_date=meta.date,
        dateline=meta.dateline,
        text=text,
        offset_map=omap,
        language=language,
        segments=segments,
        raw_start=units[0].start,
        raw_end=units[-1].end,
    )


def _short_body_start(units: list[Unit], languages: list[str]) -> int | None:
    """Where the text of a report without a prose paragraph starts: after its headline (the first line the
    splitter left untyped) and any date or byline lines under it, when an untyped line follows them."""
    open_ = [i for i, u in enumerate(units) if u.kind is None]
    if len(open_) < 2 or not _is_title_like(units[open_[0]]):
        return None
    for i in open_[1:]:
        t = units[i].text
        if (_words(t) <= 8 and find_date(t, languages) is not None) or lx.BYLINE.match(t):
            continue
        return i
    return None


def _header_dateline_place(t: str, languages: list[str]) -> str | None:
    """The place of a header line that is a wire dateline with a date ("LONDON 1996-08-30", "Oslo, 14 Feb 2024"):
    what is left once the date is removed, when it is a short capitalised name and neither an outlet nor an
    agency nor a "Published"/"Updated" label."""
    got = find_date(t, languages) if _words(t) <= 8 else None
    if got is None:
        return None
    rest = _norm_date_text(t).replace(got[1], " ")
    rest = re.sub(r"\s+", " ", rest).strip(" ,.|\u00b7\u2022-\u2013\u2014*_:")
    if not rest or lx.DATE_PREFIX.match(rest) or lx.BYLINE.match(rest) or lx.agencies_in(rest) or _outlet_from_line(rest):
        return None
    if _words(rest) > 4 or re.search(r"\d", rest) or not re.fullmatch(r"[^\W\d_][\w'\u2019.\- ]*(?:, ?[^\W\d_][\w'\u2019.\- ]*)?", rest):
        return None
    if not all(w[:1].isupper() for w in rest.replace(",", " ").split() if w.lower() not in _NAME_PARTICLES):
        return None
    if re.search(r"(?i)\b(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*day\b|\b(?:updated|published|posted|am|pm|gmt|utc)\b", rest):
        return None
    return rest


def _mark_header_datelines(units: list[Unit], kinds: list[str], meta: _Meta, languages: list[str]) -> None:
    """A header date line that names a place is the wire dateline: typed 'dateline' and kept in the text, so the
    place in it becomes a mention; it dates the report (done by the header reader) and names its dateline."""
    for i, (u, k) in enumerate(zip(units, kinds, strict=True)):
        if k == "date" and (place := _header_dateline_place(u.text, languages)) is not None:
            kinds[i] = "dateline"
            meta.dateline = meta.dateline or _title_case_place(place)


_LIST_MARK = re.compile(r"^(?:\(?\d{1,3}[.)]|[-*\u2022\u00b7\u2013\u2014>])\s+\S")
_NUMBER = re.compile(r"(?<![\w.])[-+]?\d[\d.,:/-]*")


def _is_list_row(t: str) -> bool:
    """A row of a list or table: a list mark ("1.", "-", "*"), or a short line of two or more figures
    ("Leeds 3 Wigan 1", "1. Anna Berg (Norway) 1:47.32")."""
    return _LIST_MARK.match(t) is not None or (len(_NUMBER.findall(t)) >= 2 and not _is_prose_text(t))


def _mark_list_rows(units: list[Unit], kinds: list[str], body_at: int) -> None:
    """Rows of lists and tables inside the story (results, standings, agendas) are typed 'list'; they stay in
    the text, each its own paragraph, so the names in them become mentions."""
    for i in range(body_at, len(units)):
        if kinds[i] in ("body", "heading") and not _is_prose(units[i]) and _is_list_row(units[i].text):
            kinds[i] = "list"


def joined_to_last(segments: list[Segment], prev: Unit | None, u: Unit, kind: str) -> bool:
    """The unit continues the previous body segment (a wrapped line or a paragraph broken in two)."""
    if prev is None or kind != "body":
        return False
    last = segments[-1]
    return last.kind == "body" and last.raw_end == prev.end and _continues(prev, u)


def _continues(prev: Unit, u: Unit) -> bool:
    """``u`` carries on ``prev``'s sentence: a hard-wrapped line, or a paragraph split mid-sentence."""
    if _TERMINAL.search(prev.text) or not _is_prose(prev) and len(prev.text) < 60:
        return False
    first = u.text[:1]
    if u.gap == 0:
        return True
    return first.islower()


def _looks_heading(u: Unit) -> bool:
    t = u.text
    return is_markdown_heading(u.raw) or (_words(t) <= 12 and len(t) < 90 and not _TERMINAL.search(t))


_DP_LANGS: set[str] = set()


def _dateparser_languages() -> set[str]:
    if not _DP_LANGS:
        from dateparser.languages.loader import default_loader

        _DP_LANGS.update(default_loader.get_locale_map().keys())
    return _DP_LANGS


def parse_file(raw: str, source_file: str, source_sha256: str) -> list[ParsedArticle]:
    """All reports in one raw file, in order; empty when no article text is left."""
    out: list[ParsedArticle] = []
    for report in split_reports(split_units(raw)):
        art = parse_report(raw, report, source_file, source_sha256, len(out))
        if art is not None:
            out.append(art)
    return out
