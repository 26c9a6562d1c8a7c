"""Document-level decisions on people and places, after the span extractors (people.py, places.py).

A name is the same thing throughout one article: these steps use what the whole article says about a name
rather than what one sentence says.

- **Name shapes the model misses**: an initial and a surname ("A. Dale", "J.R. Smith"), and a capitalised name
  followed by a country in parentheses, the way results, rosters and agendas give a person's nationality
  ("Tegla Loroupe ( Kenya )").
- **Label propagation**: every other occurrence of a person's full name or surname (a name of two or more words
  found in the article) is that person, also where the model took the word for a place ("Washington" after
  "MaliVai Washington"), unless a locative word introduces it ("in Washington").
- **Organisations named like places or people**: a sub-national place that heads a score or result ("Surrey
  429-7", "Leicestershire beat Somerset") is a club, not a place or a person; so is a name followed by a
  company suffix ("Philips Inc") or preceded by "shares of". Countries stay places (national teams are named
  after the country a reader counts).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Sequence

from spacy.tokens import Doc

from dagster_project.nlp.extract.mention import Mention, make_mention_id
from dagster_project.nlp.extract.people import (
    ROLE_NOUNS,
    TITLE_MODIFIERS,
    TITLES,
    kin_apposition,
    org_word_in,
    word_key,
)
from dagster_project.nlp.extract.places import is_demonym, lookup_place

# Company suffixes written after a name.
_COMPANY_SUFFIX = re.compile(r"^\s*(?:Inc|Corp|Corporation|Co|Ltd|Plc|PLC|plc|AG|SA|S\.A|NV|N\.V|GmbH|LLC|Group|Holdings)\b")
_SHARES_OF = re.compile(r"(?i)\b(?:shares|stock|stake|shareholders?)\s+(?:of|in)\s+$")
# A figure right after a name: a score, points, runs, a time ("Surrey 429-7", "Leeds 3", "Kenya 15:08.79").
_SCORE_AFTER = re.compile(r"^\s*(?!(?:1[89]|20)\d\d\b)\d{1,3}(?:[-:/.]\d+)*\b(?!\s*(?:per\s?cent|%))")
_RESULT_VERB = re.compile(r"^\s*(?:beat|beats|drew|draw|lost|lose|defeated|defeat|thrashed|edged|routed|v|vs\.?)\b")
_RESULT_VERB_BEFORE = re.compile(r"\b(?:beat|beats|drew with|lost to|defeated|thrashed|edged|routed|v|vs\.?)\s+$")
_LOCATIVE_BEFORE = re.compile(r"(?i)\b(?:in|at|from|to|near|into|of|outside|across|around|via)\s+(?:the\s+)?$")
_NAME_WORD = r"(?:(?:Mc|Mac|O'|O\u2019|D')[A-Z][a-z]+|[A-Z][a-z]+(?:[-'\u2019][A-Z]?[a-z]+)*(?![A-Za-z]))"
# "A. Dale", "J.R. Smith", "M. Van der Berg": an initial (never "U.S.") and a capitalised surname.
_INITIAL_NAME = re.compile(rf"(?<![\w.'\u2019])(?:[A-Z]\.\s?){{1,2}}(?:(?:[Vv]an|[Dd]e|[Dd]er|[Vv]on|[Dd]i|[Ll]e|[Dd]u)\s)*{_NAME_WORD}\b(?!\.\w)")
# Two to four capitalised words and a parenthesis: "Olabisi Afolabi ( Nigeria )".
_NAME_THEN_PAREN = re.compile(rf"(?<![\w.'\u2019-])({_NAME_WORD}(?:\s(?:[a-z]{{1,3}}\s)?{_NAME_WORD}){{1,3}})\s*\(\s*([^()\n]{{2,30}}?)\s*\)")


_PARTICLE = r"(?:de|da|del|der|van|von|di|du|dos|le|la|bin|al|el)"
_ITEM = rf"(?:(?:[A-Z]\.\s?){{1,2}})?{_NAME_WORD}(?:\s(?:{_PARTICLE}\s)*{_NAME_WORD}){{0,2}}"
# Three or more name-shaped items in a row, separated by commas, semicolons or "and", each perhaps followed by a
# parenthesis ("Ian Healy ( captain ) , Michael Bevan , Damien Flemming and Jason Gillespie").
_NUMBERED = r"(?:\d{1,2}\s?[-.]?\s+)?"  # a shirt or seed number before the name: "10 - Andrew Mehrtens"
_FIGURES = r"(?:\s+\d[\d.:/-]*)*"  # a score or time after the name: "Muralitharan 10-0-41-2"
_ENUMERATION = re.compile(rf"(?<![\w'\u2019.-]){_ITEM}(?:\s*\([^()\n]{{1,40}}\))?{_FIGURES}"
                          rf"(?:(?:\s*[,;]\s*|\s+and\s+){_NUMBERED}{_ITEM}(?:\s*\([^()\n]{{1,40}}\))?{_FIGURES}){{2,}}")
_ITEM_RE = re.compile(rf"(?<![\w'\u2019.-]){_ITEM}")


_MONTH = r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]*\.?"
_DATE = rf"(?:\d{{4}}-\d{{2}}-\d{{2}}|{_MONTH}\s+\d{{1,2}}(?:\s*,\s*\d{{4}})?|\d{{1,2}}\s+{_MONTH}(?:\s+\d{{4}})?)"
_PLACE_PART = r"[A-Z][A-Za-z'\u2019.\-]*(?:\s+[A-Z][A-Za-z'\u2019.\-]*){0,3}"
# A dateline line: "BUCHAREST 1996-08-30", "IRVINE , Calif 1996-08-30", "Oslo, Feb. 14".
_DATELINE_LINE = re.compile(rf"(?m)^(?P<a>{_PLACE_PART})(?:\s*,\s*(?P<b>{_PLACE_PART}))?\s*,?\s+{_DATE}\.?[^\S\n]*$")


_TEAM = r"[A-Z][\w'\u2019.&-]*(?:\s[A-Z][\w'\u2019.&-]*){0,3}"
_RESULT_LINE = re.compile(rf"(?m)^(?P<a>{_TEAM})\s\d{{1,3}}\s(?P<b>{_TEAM})\s\d{{1,3}}\b(?:\s*\([^()\n]*\))?[\s.]*$")
# A word that heads a table's label: a colon, then a figure or the end of the line.
_LABEL_AFTER = re.compile(r"\s*:\s*(?:[\d(]|$)", re.MULTILINE)


def _overlaps(a: tuple[int, int], b: tuple[int, int]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def _person(article_id: str, start: int, end: int, surface: str, canonical: str | None = None) -> Mention:
    return Mention(make_mention_id(article_id, "person", start, end), article_id, "person", surface, start, end,
                   "PERSON", canonical=canonical or surface)


def refine(doc: Doc, mentions: Sequence[Mention], article_id: str,
           place_type: Callable[[str], str | None]) -> list[Mention]:
    """People and places of one article after the document-level steps above. ``place_type(name)`` is the
    gazetteer's type for a name (None when unknown)."""
    text = doc.text
    out = list(mentions)
    out = _with_name_tails(text, out)
    out = _drop_organisations(doc, out, place_type)
    out = _add_name_shapes(text, out, article_id, place_type)
    out = _dateline_places(text, out, article_id)
    out = _demonym_led_names(doc, out, article_id)
    out = _propagate_people(text, out, article_id)
    out = _enumerated_people(text, out, article_id, place_type)
    out = _extend_left(text, out)
    out = _first_name_before_initial(text, out)
    return sorted(out, key=lambda m: (m.start, m.end))



def _extend_left(text: str, mentions: list[Mention]) -> list[Mention]:
    """A person mention right after a capitalised word the article uses as a word of another person's name
    starts at that word ("Mushtaq Ahmed" after "Saqlain Mushtaq")."""
    name_words = {w for m in mentions if m.mention_type == "person" and " " in m.surface for w in m.surface.split()}
    starts = {m.start for m in mentions}
    out = []
    for m in mentions:
        if m.mention_type == "person":
            before = re.search(r"(?<![\w'\u2019.-])([A-Z][a-z]+)\s$", text[max(0, m.start - 30):m.start])
            if before and before.group(1) in name_words and (m.start - len(before.group(0))) not in starts:
                s = m.start - len(before.group(0))
                if not any(o is not m and _overlaps((o.start, o.end), (s, m.start)) for o in mentions):
                    m = dataclasses.replace(m, start=s, surface=text[s:m.end], canonical=text[s:m.end],
                                            mention_id=make_mention_id(m.article_id, "person", s, m.end))
        out.append(m)
    return out


# A capitalised word right before a span: "Lloyd " of "Lloyd J. Austin III".
_FIRST_NAME_BEFORE = re.compile(r"(?<![\w'\u2019.-])([A-Z][a-z]+) $")


def _first_name_before_initial(text: str, mentions: list[Mention]) -> list[Mention]:
    """A person mention that opens with an initial ("J. Austin III") right after a capitalised word that is no
    title or rank starts at that word: the initial is a middle one ("Lloyd J. Austin III")."""
    spans = [(m.start, m.end) for m in mentions]
    out = []
    for m in mentions:
        before = _FIRST_NAME_BEFORE.search(text, max(0, m.start - 30), m.start)
        if m.mention_type == "person" and re.match(r"[A-Z]\.\s", m.surface) and before is not None:
            first = before.group(1)
            key = word_key(first)
            s = before.start(1)
            if key not in TITLES and key not in TITLE_MODIFIERS and key not in ROLE_NOUNS \
                    and not any(_overlaps(o, (s, m.start)) for o in spans):
                canonical = text[s:m.end] if (m.canonical or m.surface) == m.surface else m.canonical
                m = dataclasses.replace(m, start=s, surface=text[s:m.end], canonical=canonical,
                                        mention_id=make_mention_id(m.article_id, "person", s, m.end))
        out.append(m)
    return out


def _enumerated_people(text: str, mentions: list[Mention], article_id: str,
                       place_type: Callable[[str], str | None]) -> list[Mention]:
    """A list of names (a roster, a line-up, a list of attendees) is a list of one kind of thing: when most of
    its items (two at least) are people, its other name-shaped items are people too, except countries."""
    out = list(mentions)
    for enum in _ENUMERATION.finditer(text):
        items = [(m.start() + enum.start(), m.end() + enum.start())
                 for m in _ITEM_RE.finditer(re.sub(r"\([^()\n]*\)", lambda x: " " * len(x.group()), enum.group()))]
        items = [(a, b) for a, b in items if text[a:b] != "and"]
        if len(items) < 3:
            continue
        exact = {(m.start, m.end): m for m in out}
        people = sum(1 for it in items if it in exact and exact[it].mention_type == "person")
        places = sum(1 for it in items if it in exact and exact[it].mention_type == "place")
        if people < 2 or people <= places:
            continue
        for a, b in items:
            if (a, b) in exact and exact[(a, b)].mention_type == "person":
                continue
            if place_type(text[a:b]) in ("country", "continent"):
                continue
            clash = [m for m in out if _overlaps((m.start, m.end), (a, b))]
            if any(m.mention_type not in ("person", "place") for m in clash):
                continue
            if word_key(text[a:b].split()[0]) in TITLES:
                continue  # "President Clinton": a title, not part of the name (people.py peels it)
            out = [m for m in out if m not in clash]
            out.append(_person(article_id, a, b, text[a:b]))
    return out


def _drop_organisations(doc: Doc, mentions: list[Mention], place_type: Callable[[str], str | None]) -> list[Mention]:
    text = doc.text
    full_words = {w for m in mentions if m.mention_type == "person" and " " in m.surface for w in m.surface.split()}
    club: set[str] = set()
    for m in mentions:
        if m.mention_type not in ("place", "person") or m.surface in full_words:
            continue
        after, before = text[m.end:m.end + 40], text[max(0, m.start - 40):m.start]
        if _COMPANY_SUFFIX.match(after) or _SHARES_OF.search(before):
            club.add(m.surface)
            continue
        ptype = place_type(m.surface)
        if ptype in (None, "country", "continent"):
            continue
        line_end = text.find("\n", m.end)
        rest_of_line = text[m.end:line_end if line_end >= 0 else len(text)]
        if _SCORE_AFTER.match(rest_of_line) or _RESULT_VERB.match(rest_of_line) or _RESULT_VERB_BEFORE.search(before):
            club.add(m.surface)
    # A one-word "person" the model calls an organisation more often than a person in the same article
    # ("Surrey", "Ericsson"), and that ends no full name there, is that organisation.
    labels: dict[str, dict[str, int]] = {}
    for ent in doc.ents:
        if len(ent) == 1:
            counts = labels.setdefault(ent.text, {})
            counts[ent.label_] = counts.get(ent.label_, 0) + 1
    # ... or that opens one of the model's organisation names in the article ("Mercantile" of "Mercantile Bancorp").
    org_heads = {ent[0].text for ent in doc.ents if ent.label_ == "ORG" and len(ent) >= 2 and ent[0].is_title}
    for m in mentions:
        if m.mention_type == "person" and " " not in m.surface and m.surface not in full_words:
            counts = labels.get(m.surface, {})
            span = doc.char_span(m.start, m.end)
            if span is not None and kin_apposition(span):
                continue  # "his son, Titus": the grammar says person, whatever the label
            if counts.get("ORG", 0) > counts.get("PERSON", 0) or m.surface in org_heads:
                club.add(m.surface)
    # Three or more different one-word "people" that are all sub-national places and end no full name in the
    # article are sides named after their county or city ("Essex , Derbyshire and Surrey all closed in on victory"):
    # people's surnames seldom collide with three place names in one article.
    placelike = {m.surface for m in mentions if m.mention_type == "person" and " " not in m.surface
                 and m.surface not in full_words and place_type(m.surface) not in (None, "country", "continent")}
    if len(placelike) >= 3:
        club |= placelike
    # The two sides of a result line are teams: "Hansa Rostock 1 Fortuna Duesseldorf 2", "Wigan 42 Bradford Bulls 36".
    for line in _RESULT_LINE.finditer(text):
        for group in ("a", "b"):
            if place_type(line.group(group)) not in ("country", "continent"):
                club.add(line.group(group))
    out = []
    for m in mentions:
        if m.mention_type in ("place", "person") and m.surface in club:
            continue
        if m.mention_type == "person" and (is_demonym(m.surface) or (" " not in m.surface and _LABEL_AFTER.match(text, m.end))):
            continue  # "Sri Lankan"; "Attendance : 2,000", "Scorers :": a nationality or a table's label
        out.append(m)
    return out


def _place(article_id: str, start: int, end: int, surface: str) -> Mention:
    """A place mention, resolved by the gazetteer when it knows the name, else kept unresolved."""
    place = lookup_place(surface)
    known = place is not None and place.gazetteer is not None
    return Mention(
        make_mention_id(article_id, "place", start, end), article_id, "place", surface, start, end, "GPE",
        canonical=place.name if place is not None else surface,
        place_type=place.place_type if place is not None else None,
        country_code=place.country_code if place is not None else None,
        latitude=place.latitude if place is not None else None,
        longitude=place.longitude if place is not None else None,
        gazetteer=place.gazetteer if place is not None else None,
        gazetteer_id=place.gazetteer_id if place is not None else None,
        gazetteer_name=place.name if known and place is not None else None)


_NAME_TAIL = re.compile(r"-[a-z]{2,}\b")


def _with_name_tails(text: str, mentions: list[Mention]) -> list[Mention]:
    """A person's name ends after the lower-case syllable hyphenated to its last word ("Li Song-ho", "Kang
    Young-hoon"), which the model's tokens leave out."""
    out = []
    for m in mentions:
        tail = _NAME_TAIL.match(text, m.end) if m.mention_type == "person" else None
        if tail is not None:
            m = dataclasses.replace(m, end=tail.end(), surface=text[m.start:tail.end()],
                                    mention_id=make_mention_id(m.article_id, "person", m.start, tail.end()),
                                    canonical=(m.canonical or m.surface) + tail.group()
                                    if (m.canonical or m.surface).endswith(m.surface) else m.canonical)
        out.append(m)
    return out


def _dateline_places(text: str, mentions: list[Mention], article_id: str) -> list[Mention]:
    """The place a dateline line names is a place, whether or not the model tags it: a line of its own, a
    place (and its region or country) and a date. Unknown to the gazetteer, it is kept unresolved."""
    out = list(mentions)
    for line in _DATELINE_LINE.finditer(text):
        for group in ("a", "b"):
            s, e = line.span(group)
            if s < 0:
                continue
            # The model sometimes reads a dateline's place as a person ("Edmonton 1996-08-31"): the line says place.
            out = [m for m in out if not (m.mention_type == "person" and (m.start, m.end) == (s, e))]
            if any(_overlaps((m.start, m.end), (s, e)) for m in out):
                continue
            out.append(_place(article_id, s, e, text[s:e]))
    return out


def _demonym_led_names(doc: Doc, mentions: list[Mention], article_id: str) -> list[Mention]:
    """The model often swallows a nationality into an organisation span before a name ("Australian Rodney
    Eyles"): two or three capitalised words after the nationality, none an organisation word, are the name."""
    out = list(mentions)
    for ent in doc.ents:
        if ent.label_ not in ("ORG", "PERSON") or not 3 <= len(ent) <= 4 or not is_demonym(ent[0].text):
            continue
        rest = ent[1:]
        if not all(t.is_alpha and t.is_title for t in rest) or org_word_in(rest) or any(word_key(t.text) in TITLES for t in rest):
            continue
        s, e = rest.start_char, rest.end_char
        # The surname must also stand alone elsewhere in the article ("Eyles said"), which "Air Force" never does.
        last = re.escape(rest[-1].text)
        alone = [h for h in re.finditer(rf"(?<![\w'\u2019.-]){last}(?![\w-])", doc.text) if not s <= h.start() < e
                 and not re.search(rf"{re.escape(rest[-2].text)}\s+$", doc.text[max(0, h.start() - 30):h.start()])]
        if not alone:
            continue
        clash = [m for m in out if _overlaps((m.start, m.end), (s, e))]
        if any(m.mention_type not in ("person", "place") or m.end - m.start >= e - s for m in clash):
            continue
        out = [m for m in out if m not in clash]
        out.append(_person(article_id, s, e, rest.text))
    return out


def _unknown_place(m: Mention) -> bool:
    return m.mention_type == "place" and m.gazetteer is None


def _add_name_shapes(text: str, mentions: list[Mention], article_id: str,
                     place_type: Callable[[str], str | None]) -> list[Mention]:
    found: list[tuple[int, int]] = []
    for m in _INITIAL_NAME.finditer(text):
        if _FIRST_NAME_BEFORE.search(text, max(0, m.start() - 30), m.start()):
            continue  # a middle initial ("Hailey A. Servedio"): the whole name was the model's to judge
        initials = re.match(r"(?:[A-Z]\.\s?)+", m.group()).group().replace(" ", "")  # type: ignore[union-attr]
        # "U.S. Open", "U.N. Ambassador": a country or organisation abbreviation, not a person's initials.
        if len(initials) > 2 and (place_type(initials) is not None or initials in ("U.N.", "E.U.")):
            continue
        surname = m.group()[len(re.match(r"(?:[A-Z]\.\s?)+", m.group()).group()):]  # type: ignore[union-attr]
        if is_demonym(surname):  # "S. Korean", "S. African": an abbreviated adjective, not a person
            continue
        if not _COMPANY_SUFFIX.match(text[m.end():m.end() + 12]):
            found.append((m.start(), m.end()))
    for m in _NAME_THEN_PAREN.finditer(text):
        inside = m.group(2)
        if place_type(inside) == "country" or re.fullmatch(r"(?:[A-Z]\.){2,3}", inside):
            found.append((m.start(1), m.end(1)))
    out = list(mentions)
    for s, e in found:
        clash = [m for m in out if _overlaps((m.start, m.end), (s, e))]
        # A longer mention already there wins; shorter person or place pieces of the name give way, and so does a
        # "place" no gazetteer knows that the name's shape says is a person ("Adem Hacini ( Algeria )").
        if any(m.mention_type not in ("person", "place") or (m.end - m.start >= e - s and not _unknown_place(m))
               for m in clash):
            continue
        out = [m for m in out if m not in clash]
        out.append(_person(article_id, s, e, text[s:e]))
    return out


def _propagate_people(text: str, mentions: list[Mention], article_id: str) -> list[Mention]:
    """Other occurrences of found full names and of their surnames become person mentions."""
    full = [m for m in mentions if m.mention_type == "person" and len(m.surface.split()) >= 2]
    # A "name" holding the surnames of two other people the article names ran over the words between them
    # ("Merkel Meets Chirac" in a recased headline): it is dropped, and the names in it are found below.
    containers = set()
    for m in full:
        others = {o.surface.split()[-1] for o in full if o.surface != m.surface and o.surface not in m.surface}
        if len(others & set(m.surface.split())) >= 2:
            containers.add(m.surface)
    mentions = [m for m in mentions if not (m.mention_type == "person" and m.surface in containers)]
    full = [m for m in full if m.surface not in containers]
    if not full:
        return mentions
    names: dict[str, str] = {}
    for m in full:
        words = m.surface.split()
        names.setdefault(m.surface, m.canonical or m.surface)
        last = words[-1]
        if len(last) >= 3 and last[:1].isupper() and not last.isupper() and "." not in last:
            names.setdefault(last, m.canonical or m.surface)
    # A surname shared by two different full names stays ambiguous but is still a person.
    pattern = re.compile(r"(?<![\w'\u2019.-])(" + "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True))
                         + r")(?![\w-]|\.\w)")
    out = list(mentions)
    spans = sorted((m.start, m.end, k) for k, m in enumerate(out))
    headline_end = text.find("\n")
    for hit in pattern.finditer(text):
        s, e = hit.start(), hit.end()
        # Not the first word of a longer capitalised name ("Washington Post"), except in the headline, where
        # every word may carry a capital.
        if s > headline_end >= 0 and re.match(r"\s+[A-Z][a-z]", text[e:e + 3]):
            continue
        clash = [k for a, b, k in spans if a < e and s < b]
        if any(out[k].mention_type == "person" for k in clash):
            continue
        if any(out[k].mention_type not in ("place",) or (out[k].start, out[k].end) != (s, e) for k in clash):
            continue  # inside a longer mention or an aircraft or quantity: leave it
        if clash and _LOCATIVE_BEFORE.search(text[max(0, s - 20):s]):
            continue  # "in Washington": the place
        for k in clash:
            out[k] = dataclasses.replace(out[k], mention_type="drop")
        out.append(_person(article_id, s, e, hit.group(), names[hit.group()]))
    return [m for m in out if m.mention_type != "drop"]
