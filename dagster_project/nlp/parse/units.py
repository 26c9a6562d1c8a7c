"""Cut a raw file into units (lines, or HTML blocks) with raw offsets, and type the obvious ones.

A unit is the smallest piece the parser classifies: a line of plain text, or the content of
one HTML block element. Its ``kind`` is set here when the unit alone says what it is
(navigation, boilerplate, caption, credit, contributor line, social post, separator); the rest stay ``None``
and are typed by their position in a report (title, byline, date, body, ...).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from dagster_project.nlp.parse import lexicon as lx
from dagster_project.nlp.parse.markup import plain

_BLOCK_TAG = re.compile(
    r"</?(?P<name>p|div|h[1-6]|li|ul|ol|figure|figcaption|header|footer|nav|section|article|aside|blockquote|br"
    r"|tr|td|table|time|script|style|noscript|form|main|body|html|head|title|span class=\"byline\")\b[^<>]{0,400}>",
    re.IGNORECASE,
)
# Containers whose content has a kind whatever it says.
_CONTAINER_KIND = {"nav": "navigation", "footer": "boilerplate", "aside": "boilerplate", "figcaption": "caption",
                   "figure": "caption", "form": "boilerplate"}
_DROP = {"script", "style", "noscript", "head"}


@dataclass
class Unit:
    start: int  # raw offset of the first non-blank character
    end: int  # raw offset after the last non-blank character
    raw: str  # raw[start:end]
    text: str  # without markup, white space collapsed
    gap: int  # blank lines between this unit and the previous one
    html_block: str | None = None  # enclosing HTML block element, when any
    kind: str | None = None
    # Raw (start, end) of each physical line when hard-wrapped lines were joined into this unit.
    lines: tuple[tuple[int, int], ...] = ()

    @property
    def spans(self) -> tuple[tuple[int, int], ...]:
        return self.lines or ((self.start, self.end),)


def _trimmed(raw: str, start: int, end: int) -> tuple[int, int]:
    while start < end and raw[start].isspace():
        start += 1
    while end > start and raw[end - 1].isspace():
        end -= 1
    return start, end


def split_units(raw: str) -> list[Unit]:
    """Every unit of ``raw`` in order; blank lines are counted into the next unit's ``gap``."""
    units: list[Unit] = []
    gap = 0
    stack: list[str] = []
    for m in re.finditer(r"[^\n]*(?:\n|$)", raw):
        if m.start() == m.end():
            continue
        ls, le = m.start(), m.end()
        pieces: list[tuple[int, int, str | None]] = []
        pos = ls
        for t in _BLOCK_TAG.finditer(raw, ls, le):
            pieces.append((pos, t.start(), stack[-1] if stack else None))
            name = t.group("name").lower().split()[0]
            closing = t.group(0).startswith("</")
            if name in _CONTAINER_KIND or name in _DROP or name == "title":
                if closing:
                    if name in stack:
                        del stack[len(stack) - 1 - stack[::-1].index(name):]
                elif not t.group(0).endswith("/>"):
                    stack.append(name)
            pos = t.end()
        pieces.append((pos, le, stack[-1] if stack else None))
        produced = False
        for ps, pe, ctx in pieces:
            s, e = _trimmed(raw, ps, pe)
            if e <= s or (ctx in _DROP):
                continue
            text = plain(raw[s:e])
            if not text:
                continue
            head = _STORE_HEADER.match(raw, s, e)
            if head is not None and head.end() < e:
                # "date 2020-05-17 Navy Sailors ...": a store's header field glued to the story's first line.
                hs, he = _trimmed(raw, s, head.end())
                units.append(Unit(hs, he, raw[hs:he], plain(raw[hs:he]), gap, ctx))
                gap = 0
                s = head.end()
                text = plain(raw[s:e])
            credit = _PHOTO_CREDIT_END.search(raw, s, e)
            if credit is not None and credit.start() > s:
                # "... during a drill. (U.S. Navy photo by Jane Roe)": the credit is a unit of its own, kept out of
                # the text, and the sentence before it a caption unless the report has a story besides (below).
                cs, ce = _trimmed(raw, credit.start(), e)
                s2, e2 = _trimmed(raw, s, credit.start())
                units.append(Unit(s2, e2, raw[s2:e2], plain(raw[s2:e2]), gap, ctx))
                units.append(Unit(cs, ce, raw[cs:ce], plain(raw[cs:ce]), 0, ctx, "credit"))
                gap = 0
                produced = True
                continue
            units.append(Unit(s, e, raw[s:e], text, gap, ctx))
            gap = 0
            produced = True
        if not produced and not raw[ls:le].strip():
            gap += 1
    for u in units:
        u.kind = u.kind or intrinsic_kind(u)
    units = unwrap(units)
    _propagate(units)
    _credited_captions(raw, units)
    return units


def _credited_captions(raw: str, units: list[Unit]) -> None:
    """The sentence a photo credit closes is a caption when a story follows it; on a photo page (the caption and
    its credit are all there is) it is the story."""
    for i, u in enumerate(units):
        story_follows = any(v.kind is None and len(v.text) >= 200 for v in units[i + 1:])
        if u.kind is None and len(u.text) < 700 and _PHOTO_BY_END.search(u.text) and story_follows:
            u.kind = "caption"  # "... in Helmand province, June 8, 2013. U.S. Marine Corps photo by Sgt. Jane Roe"
            continue
        if u.kind == "credit" and lx.PHOTO_BY_LINE.match(u.text) and _headline_after_caption(units, i + 1):
            # "Photos by Sgt. Jane Roe" over a short paragraph, then a headline and the story: the photo's caption
            # sits between the page header and the headline (army.mil, DVIDS story pages).
            units[i + 1].kind = "caption"
            continue
        if u.kind != "credit" or i == 0 or not _PHOTO_CREDIT_END.match(u.raw):
            continue
        prev = units[i - 1]
        if prev.kind is None and "\n" not in raw[prev.end:u.start] and story_follows:
            prev.kind = "caption"


def _headline_after_caption(units: list[Unit], i: int) -> bool:
    """``units[i]`` is a short paragraph followed by a headline-like line (a few words, no sentence end) and then
    the story's first paragraph."""
    if i + 2 >= len(units) or any(units[j].kind is not None for j in (i, i + 1, i + 2)):
        return False
    cap, head, lead = units[i], units[i + 1], units[i + 2]
    return (len(cap.text) < 700 and 3 <= len(head.text.split()) <= 20 and len(head.text) < 160
            and not _END.search(head.text) and len(lead.text) >= 150)


_END = re.compile(r"[.!?:;\u2026][\"\u201d\u2019')\u00bb]*$")
# A photo credit in parentheses closing a paragraph: "(U.S. Navy photo by MC1 Greg Johnson)", "(DoD photo by ...)".
_PHOTO_CREDIT_END = re.compile(
    r"\s*\((?:[^()]{0,60}\s)?(?:photos?|photograph|image|video)\s+(?:by|courtesy of)\s[^()]{2,140}\)(?:\s*Hi-res)?\s*$",
    re.IGNORECASE,
)
# A caption's closing credit without parentheses: "... June 8, 2013. U.S. Marine Corps photo by Sgt. Gabriela Garcia".
_PHOTO_BY_END = re.compile(r"[.!?]\s+[^.!?]{0,60}\b(?:photo|photograph)\s+by\s+(?:[A-Z][\w'\u2019-]*\.?\s*){1,8}$")
# A store or CMS header field opening a line: "date 2020-05-17", "Published: 2020-05-17", "Updated 17/05/2020".
_STORE_HEADER = re.compile(
    r"(?i)(?:date|published|updated|posted)\s*:?\s*(?:\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2})?(?:Z|[+-]\d{2}:?\d{2})?)?"
    r"|\d{1,2}[./]\d{1,2}[./]\d{4})\s+(?=\S)"
)


def unwrap(units: list[Unit]) -> list[Unit]:
    """Join hard-wrapped lines (e-mail, plain-text dumps) back into paragraphs.

    A line carries on into the next one (no blank line between, neither typed) when it stops
    mid-sentence, or, in a file whose text is wrapped at a fixed width, whenever it is long.
    Header lines (a byline or date under a headline) never join.
    """
    pairs = [(a, b) for a, b in zip(units, units[1:], strict=False) if b.gap == 0 and a.kind is None and b.kind is None]
    # Wrapped at a fixed width: several long lines stop mid-sentence and go on in lower case.
    wrapped = sum(1 for a, b in pairs if 45 <= len(a.text) <= 100 and not _END.search(a.text) and b.text[:1].islower()) >= 2
    # Each paragraph is gathered as a run of lines and built once: joining line by line copied the
    # growing paragraph (and searched all of it) for every line, quadratic on a long wrapped file.
    runs: list[list[Unit]] = []
    for u in units:
        run = runs[-1] if runs else None
        if run is not None and len(run) == 1 and u.gap == 0 and run[0].kind is None and u.kind is None \
                and re.fullmatch(r"(?i)by:?", run[0].text):
            run.append(u)  # "By" alone on a line, the name on the next: one byline
            continue
        if run is not None and u.gap == 0 and run[0].kind is None and u.kind is None and u.html_block is None \
                and not lx.BYLINE.match(u.text) and not lx.DATE_PREFIX.match(u.text) and not _header_date(u.text):
            last = run[-1]
            # Lines are joined with a space, so the paragraph so far ends a sentence when its last line does.
            ends = _END.search(last.text) is not None
            last_len = last.spans[-1][1] - last.spans[-1][0]
            if (not ends and last_len >= 30 and u.text[:1].islower()) or (wrapped and last_len >= 45):
                run.append(u)
                continue
        runs.append([u])
    return [run[0] if len(run) == 1 else _joined(run) for run in runs]


def _joined(run: list[Unit]) -> Unit:
    """One paragraph from hard-wrapped lines: raw lines joined by their line break, text by a space."""
    return Unit(run[0].start, run[-1].end, "\n".join(u.raw for u in run), " ".join(u.text for u in run), run[0].gap,
                None, None, tuple(span for u in run for span in u.spans))


def _header_date(t: str) -> bool:
    return len(t) < 60 and bool(re.search(r"\b\d{4}\b", t)) and bool(
        re.search(r"(?i)\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\b|\d{1,2}[./-]\d{1,2}[./-]\d{2,4}", t))


def intrinsic_kind(u: Unit) -> str | None:
    """The kind a unit has on its own, or ``None`` when its position decides."""
    t = u.text
    if u.html_block in _CONTAINER_KIND:
        return _CONTAINER_KIND[u.html_block]
    if lx.SEPARATOR.match(u.raw):
        return "separator"
    if lx.EMBED_LABEL.match(t):
        return "navigation"
    if lx.SOCIAL_MARK.search(t):
        return "social_post"
    if len(t) < 100 and (lx.CREDIT_ONLY.match(t) or lx.PHOTO_BY_LINE.match(t)):
        return "credit"
    short = len(t) < 300
    if short and lx.CAPTION.search(t):
        return "caption"
    if len(t) < 250 and lx.PAREN_CREDIT_END.search(t) and not lx.DATELINE_CREDIT.match(t):
        return "caption"
    if short and lx.CONTRIBUTOR_LINE.search(t):
        return "contributor"
    if short and (lx.SOURCE_LINE.search(t) or lx.RELEASE_SOURCE.match(t)):
        return "credit"
    if short and lx.FROM_SITE.match(t):
        return "credit"
    if len(t) < 200 and (lx.URL_ONLY.match(t) or lx.SHORTENER.search(t)):
        return "boilerplate"
    if short and (lx.is_boilerplate(t) or lx.COPYRIGHT_LINE.match(t)):
        return "boilerplate"
    if len(t) < 120 and (lx.NAVIGATION.match(t) or lx.SHARE.match(t) or _is_menu(t)):
        return "navigation"
    return None


def _is_menu(t: str) -> bool:
    """``Home | World | Sport`` or ``Home > News > India``: several short items between separators."""
    # A colon beside other separators is a form's "KEY : value" pair ("M / SP / F : NA / NA"), not a trail's step.
    colon = not re.search(r"\s[|»›>/·•]\s|\|", t)
    parts = re.split(r"\s+[|»›>/·•:]\s+|\s*\|\s*" if colon else r"\s+[|»›>/·•]\s+|\s*\|\s*", t)
    if len(parts) < 2 or (len(parts) < 3 and not re.search(r"\s[|»›>/·•]\s|\|", t)):
        return False  # colons only make a menu as a breadcrumb trail ("Home : Media : News"), not "SNCF : trafic"
    return all(0 < len(p.split()) <= 4 and not re.search(r"[.!?]$|\d{4}", p) for p in parts)


def _propagate(units: list[Unit]) -> None:
    """Kinds that spread to neighbours: lists under a ``Share this:`` opener, repeated captions,
    and the lines of an embedded post between its ``Name (@handle)`` line and its date."""
    in_list = False
    for i, u in enumerate(units):
        prev = units[i - 1] if i else None
        if prev is None:
            continue
        if u.kind is None and u.text == prev.text and prev.kind in {"caption", "credit"}:
            u.kind = prev.kind
        in_list = bool(lx.LIST_OPENER.match(prev.text)) or (in_list and prev.kind in {"navigation", "boilerplate"})
        if (
            in_list
            and u.gap == 0
            and len(u.text) < 40
            and not re.search(r"[.!?\"\u201d]$", u.text)
            and (u.kind is None or u.kind in {"navigation", "boilerplate"})
        ):
            u.kind = prev.kind if prev.kind in {"navigation", "boilerplate"} else "navigation"
        else:
            in_list = in_list and u.kind in {"navigation", "boilerplate"}
    for i, u in enumerate(units):
        if (
            lx.SOCIAL_HANDLE_LINE.match(u.text)
            and len(u.text) < 120
            and u.kind in (None, "social_post")
            and not u.text.startswith(("\u2014", "\u2013", "-"))
        ):
            # An embed header "Name (@handle)": its post text follows, closed by a date line.
            u.kind = "social_post"
            if re.match(r"(?i)a post shared by", u.text):
                continue
            # Only when a date line closes the post within three lines: otherwise it was a mention.
            close = next((j for j in range(i + 1, min(i + 4, len(units)))
                          if units[j].kind in (None, "social_post") and _is_bare_date(units[j].text)), None)
            if close is not None and all(units[j].kind in (None, "social_post") for j in range(i + 1, close)):
                for j in range(i + 1, close + 1):
                    units[j].kind = "social_post"
        if u.kind == "social_post" and lx.SOCIAL_MARK.search(u.text) and u.text.lstrip().startswith(("\u2014", "-")):
            # "— Name (@handle) date" closes a post whose text is the unit just before it.
            for j in range(i - 1, max(i - 3, -1), -1):
                if units[j].kind is None and units[j + 1].gap == 0:
                    units[j].kind = "social_post"
                else:
                    break


def _is_bare_date(t: str) -> bool:
    return bool(re.fullmatch(r"[A-Z][a-z]{2,8}\.? \d{1,2}, \d{4}|\d{1,2} [A-Z][a-z]{2,8}\.? \d{4}", t.strip()))
