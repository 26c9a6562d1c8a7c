"""A case-normalised copy of an article's text for the statistical model, with the same offsets.

The small English model barely recognises names written in capitals: headlines ("RUGBY - ITALY STUN FRANCE IN
ROME"), wire datelines ("OSLO 1997-02-14", "LIMA (Reuters) -") and slugs. The model therefore reads a copy in
which such shouted stretches are recased, word by word, from the article's own evidence: a word written
elsewhere in the article in running text takes that casing ("Italy", "France", "stun"); a word the article
never writes in running text is a stop word (lower case), an abbreviation or a short acronym (kept), or
otherwise gets an initial capital, as in a title-case headline. Only letter case changes, never the length, so
every offset the model returns indexes the original text, and mention surfaces are cut from the original.
"""

from __future__ import annotations

import re
from collections import Counter

from spacy.lang.en.stop_words import STOP_WORDS

_LINE = re.compile(r"[^\n]+")
_WORD = re.compile(r"[^\W\d_](?:[\w'\u2019.&-]*[^\W_])?")
# Capitals at the start of a line, before a dateline's comma, parenthesis, dash or date: "LIMA (Reuters) -".
_LEADING_CAPS = re.compile(r"^[^\S\n]*((?:[A-Z][A-Z'\u2019.&-]+[^\S\n]+){0,3}[A-Z][A-Z'\u2019.&-]{2,})(?=[^\S\n]*(?:[,(/:]|[-\u2013\u2014]|\d))")
_SENTENCE_END = re.compile(r"[.!?:\"\u201d]\s*$")


def _is_shouted(words: list[str]) -> bool:
    """Most of the line's words (of two letters or more) are written in capitals, and there are two or more."""
    long = [w for w in words if sum(c.isalpha() for c in w) >= 2]
    caps = [w for w in long if w.isupper()]
    return len(caps) >= 2 and 3 * len(caps) >= 2 * len(long)


def shouted_spans(text: str) -> list[tuple[int, int]]:
    """Character spans of text written in capitals: whole lines that are mostly capitals, and a run of capitals
    opening a line before a dateline's punctuation or date."""
    out = []
    for line in _LINE.finditer(text):
        if _is_shouted(_WORD.findall(line.group())):
            out.append((line.start(), line.end()))
            continue
        m = _LEADING_CAPS.match(line.group())
        if m:
            out.append((line.start() + m.start(1), line.start() + m.end(1)))
    return out


def _evidence(text: str, shouted: list[tuple[int, int]]) -> dict[str, Counter[str]]:
    """How the article writes each word in running text (outside shouted spans), keyed by its lower case.
    A capitalised word opening a sentence says nothing about its case and is not counted."""
    inside = [False] * (len(text) + 1)
    for s, e in shouted:
        for i in range(s, e):
            inside[i] = True
    seen: dict[str, Counter[str]] = {}
    for m in _WORD.finditer(text):
        if inside[m.start()]:
            continue
        w = m.group()
        line_start = text.rfind("\n", 0, m.start()) + 1
        before = text[line_start:m.start()]
        if w[:1].isupper() and not w.isupper() and (not before.strip() or _SENTENCE_END.search(before)):
            continue
        seen.setdefault(w.lower(), Counter())[w] += 1
    return seen


def _recase_word(w: str, seen: dict[str, Counter[str]], first: bool) -> str:
    forms = seen.get(w.lower())
    if forms:
        out = forms.most_common(1)[0][0]
    elif w.lower() in STOP_WORDS:
        out = w.lower()
    elif "." in w or sum(c.isalpha() for c in w) <= 3:
        out = w  # "U.S.", "UN", "EU": an abbreviation or acronym stays as written
    else:
        # Initial capital on each part: "Chester-Le-Street", "O'Brien".
        out = re.sub(r"(^|[-'\u2019])([^\W\d_])([^\W\d_]*)",
                     lambda m: m.group(1) + m.group(2).upper() + m.group(3).lower(), w)
        if re.match(r"^[^\W\d_]{2,}['\u2019]", w):  # "SMITH'S": no capital after a possessive apostrophe
            out = re.sub(r"(['\u2019])([^\W\d_])", lambda m: m.group(1) + m.group(2).lower(), out)
    if first and out[:1].islower():
        out = out[:1].upper() + out[1:]
    return out if len(out) == len(w) else w


# A paragraph (headline, dateline, table row) ending without a full stop, before a blank line.
_OPEN_PARAGRAPH_END = re.compile(r"(?<=[^\s.!?:;\"'\u201d\u2019)\]])\n(?=\n)")


# A line naming a person ("By Ana Torres", "Andrew Roth"): a full stop after it makes the model take the next
# paragraph's first word for a name too ("Andrew Roth." + "Arrival of up to 100 soldiers").
_BYLINE_LIKE = re.compile(r"(?:By\s+)?[A-Z][a-z][\w'\u2019.-]*(?:\s+[A-Z][\w'\u2019.-]*){1,3}")


def model_text(text: str) -> str:
    """``text`` with its shouted stretches recased for the model; same length. A paragraph that ends without
    punctuation (a headline, a dateline, a table row) gets a full stop in place of its line break, so the model
    never runs a name across paragraphs ("...from Farnborough" + "FARNBOROUGH, England -")."""
    text = _OPEN_PARAGRAPH_END.sub(
        lambda m: "\n" if _BYLINE_LIKE.fullmatch(text, text.rfind("\n", 0, m.start()) + 1, m.start()) else ".", text)
    spans = shouted_spans(text)
    if not spans:
        return text
    seen = _evidence(text, spans)
    chars = list(text)
    for s, e in spans:
        for n, m in enumerate(_WORD.finditer(text, s, e)):
            w = m.group()
            if not any(c.isupper() for c in w):
                continue
            chars[m.start():m.end()] = _recase_word(w, seen, first=n == 0)
    return "".join(chars)
