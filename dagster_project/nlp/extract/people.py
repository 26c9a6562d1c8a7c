"""People: statistical PERSON spans cleaned by grammar, titles peeled off as role evidence.

The small English model finds most names but (a) puts titles inside the span ("Gen Vasily
Tonkoshkurov"), (b) tags platforms, news agencies and common nouns as people ("Twitter",
"Sputnik", "Photographs"), (c) tags places it does not know as people ("Chkalovsky") and
(d) misses re-mentions of a name it found elsewhere in the same article ("the Maduro
government"). Each is handled by a general mechanism rather than a list of seed names:
a title lexicon, a shape/POS check plus a small platform/organisation lexicon, the place
gazetteer and the dependency parse, and in-document label propagation.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from spacy.tokens import Doc, Span, Token

from dagster_project.nlp.text import fold

# Title, rank and honorific words that precede a name -> the role they state (None: an
# honorific that states no role). Keys are folded, without the trailing full stop.
TITLES: dict[str, str | None] = {
    "mr": None, "mrs": None, "ms": None, "miss": None, "mx": None, "sir": None, "dame": None,
    "lord": None, "lady": None, "madam": None, "messrs": None, "herr": None, "senor": None, "senora": None,
    "dr": "doctor", "prof": "professor", "professor": "professor",
    "gen": "general", "general": "general", "lt": "lieutenant", "lieut": "lieutenant", "lieutenant": "lieutenant",
    "col": "colonel", "colonel": "colonel", "maj": "major", "capt": "captain", "captain": "captain",
    "cmdr": "commander", "cdr": "commander", "commander": "commander", "adm": "admiral", "admiral": "admiral",
    "sgt": "sergeant", "sergeant": "sergeant", "cpl": "corporal", "corporal": "corporal", "pte": "private",
    "pvt": "private", "brig": "brigadier", "brigadier": "brigadier", "marshal": "marshal", "cmdt": "commandant",
    "president": "president", "pres": "president", "vice-president": "vice president", "premier": "premier",
    "minister": "minister", "secretary": "secretary", "senator": "senator", "sen": "senator",
    "rep": "representative", "representative": "representative", "congressman": "congressman",
    "congresswoman": "congresswoman", "governor": "governor", "gov": "governor", "mayor": "mayor",
    "king": "king", "queen": "queen", "prince": "prince", "princess": "princess", "emperor": "emperor",
    "pope": "pope", "rev": "reverend", "reverend": "reverend", "bishop": "bishop", "cardinal": "cardinal",
    "archbishop": "archbishop", "rabbi": "rabbi", "imam": "imam", "sheikh": "sheikh", "emir": "emir",
    "ayatollah": "ayatollah", "chancellor": "chancellor", "ambassador": "ambassador", "judge": "judge",
    "justice": "justice", "spokesman": "spokesman", "spokeswoman": "spokeswoman", "spokesperson": "spokesperson",
    "reporter": "reporter", "journalist": "journalist", "correspondent": "correspondent", "chairman": "chairman",
    "chairwoman": "chairwoman", "director": "director", "coach": "coach", "inspector": "inspector",
    "detective": "detective", "officer": "officer", "deputy": "deputy", "agent": "agent", "editor": "editor",
}
# Enlisted ratings and junior grades written before a service member's name, a closed class of job titles
# (US Navy / Coast Guard ratings, Air Force and Army junior grades): "Fire Controlman 2nd Class Justin Parker",
# "Gunner's Mate 1st Class X", "Fireman Ben Stamps", "Airman 1st Class X", "Spc. X". The model takes the rating for
# a name; as titles they are peeled like "Sgt." and state the role.
RATINGS: dict[str, str] = {
    "fireman": "fireman", "seaman": "seaman", "airman": "airman", "controlman": "fire controlman",
    "corpsman": "corpsman", "yeoman": "yeoman", "ordnanceman": "ordnanceman", "engineman": "engineman",
    "boatswain": "boatswain", "quartermaster": "quartermaster", "storekeeper": "storekeeper",
    "mate": "mate", "specialist": "specialist", "spc": "specialist", "technician": "technician",
    "pfc": "private first class", "ensign": "ensign", "midshipman": "midshipman", "cadet": "cadet",
}
TITLES.update({k: v for k, v in RATINGS.items() if k not in TITLES})
# Words that modify a following title ("Vice President", "Prime Minister", "Lt Gen", "Foreign Minister").
TITLE_MODIFIERS = {
    "vice", "prime", "deputy", "foreign", "defence", "defense", "interior", "finance", "health", "chief",
    "acting", "interim", "former", "first", "lt", "maj", "brig", "major", "lieutenant", "rear", "field",
    "attorney", "state", "home", "justice", "trade", "economy", "energy", "senior", "supreme", "opposition",
    "executive", "managing", "general", "secretary", "crown", "grand", "air", "vice-", "sen", "u.s.",
    # Enlisted grades written as two words ("Tech. Sgt.", "Staff Sgt.", "Master Sgt.", "Petty Officer").
    "tech", "technical", "staff", "master", "petty", "gunnery", "warrant", "command",
}
# Head nouns that name a role in an apposition or a pre-name compound ("Javier Mayorca, an
# independent journalist"; "spokesman Robert Palladino"; "opposition leader Juan Guaidó").
ROLE_NOUNS = set(TITLES.values()) - {None} | {
    "leader", "head", "chief", "official", "analyst", "expert", "economist", "lawyer", "attorney", "activist",
    "founder", "ceo", "chairman", "executive", "commander", "pilot", "soldier", "diplomat", "envoy",
    "negotiator", "adviser", "advisor", "aide", "candidate", "lawmaker", "legislator", "politician",
    "dictator", "strongman", "monarch", "ruler", "author", "writer", "researcher", "scientist", "historian",
    "blogger", "photographer", "columnist", "presenter", "anchor", "host", "producer", "owner",
    "manager", "businessman", "businesswoman", "tycoon", "billionaire", "banker", "investor",
    "nominee", "general", "admiral", "colonel", "captain", "minister", "secretary", "president", "prosecutor",
    "spokesperson", "representative", "deputy", "student", "teacher", "doctor", "physician", "surgeon",
    "nurse", "player", "striker", "athlete", "singer", "actor", "actress", "artist", "musician", "director",
    "lecturer", "vice-president", "premier", "chancellor", "ambassador", "governor", "mayor",
    "senator", "congressman", "congresswoman", "sheriff", "officer", "inspector", "detective", "king", "queen",
}
# Platforms, wire services and other organisations the small model is known to tag as people.
# General shape/grammar checks below catch most misfires; this lexicon holds only names that
# look exactly like personal names.
NOT_PEOPLE = frozenset({
    "twitter", "facebook", "instagram", "youtube", "telegram", "whatsapp", "tiktok", "snapchat", "linkedin",
    "reddit", "weibo", "wechat", "vkontakte", "google", "akismet", "flickr", "tumblr", "substack", "medium",
    "reuters", "afp", "ap", "bbc", "cnn", "getty", "getty images", "sputnik", "tass", "ria novosti", "interfax",
    "xinhua", "bloomberg", "al jazeera", "kyodo", "yonhap", "efe", "ansa", "dpa", "upi", "flightradar24",
    "adsbexchange", "wagner", "wagner group", "kremlin", "pentagon", "nato", "opec", "hezbollah", "hamas",
    "photographs", "photograph", "photo", "photos", "image", "images", "video", "pic", "copyright",
})
# Company names that look like surnames, rejected when written alone and no full name in the article
# contains them (aircraft makers, defence and aerospace firms).
ORG_NAMES = frozenset({
    "airbus", "boeing", "embraer", "leonardo", "antonov", "ilyushin", "tupolev", "sukhoi", "mikoyan", "lockheed",
    "northrop", "grumman", "dassault", "saab", "bombardier", "cessna", "gulfstream", "textron", "sikorsky", "kamov",
    "comac", "avic", "safran", "thales", "raytheon", "hawker", "piaggio", "pilatus", "beechcraft", "mcdonnell",
    "rolls-royce", "honeywell", "rostec", "rosoboronexport", "baykar", "elbit", "rafael", "hyundai", "samsung",
    "tesla", "amazon", "apple", "microsoft", "meta", "nvidia", "toyota", "siemens", "reuters", "bloomberg",
})
# Head nouns of military units and formations (a closed class of English words): a capitalised phrase ending in
# one is a unit, never a person ("Fighter Wing" of "144th Fighter Wing", "Carrier Air Wing").
MILITARY_UNIT_NOUNS = frozenset({
    "wing", "wings", "squadron", "squadrons", "battalion", "regiment", "brigade", "division", "corps", "fleet",
    "flotilla", "platoon", "detachment", "battery", "troop", "command", "garrison",
})
# Last words that make a capitalised phrase an organisation ("Simrik Air", "Wagner Group").
_ORG_SUFFIXES = frozenset({
    "air", "airlines", "airways", "aviation", "aerospace", "group", "inc", "ltd", "corp", "co", "company", "bank",
    "agency", "news", "institute", "university", "foundation", "party", "ministry", "council", "systems",
    "industries", "motors", "holdings", "technologies", "media", "press", "times", "post", "network", "fund",
    "advisory", "advisors", "advisers", "consulting", "consultants", "partners", "associates", "capital",
    "ventures", "securities", "analytics", "research", "strategies", "solutions", "insights", "llc", "plc",
    "gmbh", "ag", "tbk", "pty", "bv", "nv", "spa", "srl", "sa",
    # Military unit nouns, a closed class: "144th Fighter Wing", "Carrier Air Wing 14", "3rd Aviation Regiment".
    *MILITARY_UNIT_NOUNS,
})
# Legal-form words written before a company name ("PT Dirgantara Indonesia", "CV Maju", "OOO Gazprom").
_ORG_PREFIXES = frozenset({"pt", "cv", "ooo", "oao", "pao", "zao", "ao", "jsc", "pjsc", "llc", "ltd"})


def org_word_in(span: Span) -> bool:
    doc = span.doc
    before = doc[span.start - 1] if span.start > 0 else None
    legal_prefix = before is not None and before.is_upper and _tkey(before) in _ORG_PREFIXES
    return _tkey(span[-1]) in _ORG_SUFFIXES or legal_prefix


# Nouns that, as the head of an apposition or pre-name compound, say the "name" is an organisation.
ORG_NOUNS = frozenset({
    "agency", "newspaper", "site", "website", "company", "firm", "group", "channel", "network", "outlet",
    "broadcaster", "airline", "ministry", "party", "platform", "service", "app", "magazine", "daily",
    "station", "tracker", "organisation", "organization", "bank", "fund", "union", "movement", "militia",
    "airport", "airbase", "base", "airfield", "city", "town", "village", "region", "province", "port",
})
# Lower-case name particles allowed inside a personal name.
PARTICLES = frozenset({"de", "da", "del", "della", "di", "du", "dos", "das", "do", "van", "von", "der", "den",
                       "ter", "bin", "ibn", "al", "el", "la", "le", "y", "e", "bint", "abu", "ben", "mac", "st"})
_SUFFIXES = frozenset({"jr", "sr", "ii", "iii", "iv", "junior"})
_ROMAN = re.compile(r"^[IVX]+$")
_BAD_CHARS = re.compile(r"[@#_/\\|<>=+*\d]|https?:|www\.")


def _tkey(tok: Token | str) -> str:
    """Lexicon key of a word: folded, without a trailing full stop ("Gen." -> "gen")."""
    return word_key(tok if isinstance(tok, str) else tok.text)


@lru_cache(maxsize=1 << 16)
def word_key(text: str) -> str:
    """:func:`_tkey` of a token's text. Cached: the people and place extractors key the same words of an
    article over and over, and folding (Unicode decomposition) is the costly part."""
    return fold(text).rstrip(".")


def is_title(tok: Token) -> bool:
    return _tkey(tok) in TITLES


def _is_title_or_modifier(tok: Token) -> bool:
    key = _tkey(tok)
    return key in TITLES or key in TITLE_MODIFIERS


@dataclass(frozen=True)
class PersonSpan:
    """A cleaned person mention: character span, the in-article full name it resolves to, its role."""

    start: int
    end: int
    surface: str
    canonical: str
    role: str | None = None


def strip_titles(span: Span) -> tuple[Span, str | None]:
    """Peel leading titles/honorifics ("Gen", "Prof.", "President", "Mr") off a name span.

    Returns the bare name span and the role the title states (None for honorifics).
    """
    doc = span.doc
    start, end = span.start, span.end
    peeled: list[Token] = []
    while end - start > 1 and (_is_title_or_modifier(doc[start]) or doc[start].text in (".", "#", "@")):
        # Stop at a modifier that is not followed by a title: "General" alone peels, "Prime" only before "Minister".
        if not is_title(doc[start]) and doc[start].text not in (".", "#", "@"):
            nxt = doc[start + 1]
            if not _is_title_or_modifier(nxt):
                break
        peeled.append(doc[start])
        start += 1
    # A title inside the span, after the place or body it belongs to ("Okinawa Governor Denny Tamaki",
    # "Defence Minister Gen Nakatani" with the minister's title peeled): the name starts after it.
    inner = [k for k in range(start + 1, end - 1) if TITLES.get(_tkey(doc[k])) and doc[k].text[:1].isupper()]
    if inner and all(t.text[:1].isupper() for t in doc[inner[-1] + 1:end]):
        peeled = list(doc[start:inner[-1] + 1])
        start = inner[-1] + 1
    # Trailing possessive, punctuation and handle remnants.
    while end > start and (doc[end - 1].text in ("'s", "’s", "'", "’", ".", ",", "-", "(", ")") or doc[end - 1].is_space):
        end -= 1
    role = title_role(peeled)
    if (start, end) == (span.start, span.end):
        return span, role
    return Span(doc, start, end, label=span.label_), role


def title_role(tokens: Sequence[Token]) -> str | None:
    """Role stated by a run of title tokens: "Lt Gen" -> "lieutenant general", "Mr" -> None."""
    words: list[str] = []
    for tok in tokens:
        key = _tkey(tok)
        if key in TITLES:
            mapped = TITLES[key]
            if mapped is not None:
                words.append(mapped)
        elif key == "of" and words:
            words.append("of")
        elif key in TITLE_MODIFIERS and key not in ("u.s.",):
            words.append({"lt": "lieutenant", "maj": "major", "brig": "brigadier", "sen": "senator"}.get(key, key))
    return " ".join(words) if words else None


def _role_phrase(head: Token) -> str | None:
    """Lower-case role phrase headed by a common noun: modifiers + head + an 'of'-complement."""
    if head.pos_ not in ("NOUN",) and not (head.is_lower and head.pos_ == "PROPN"):
        return None
    key = _tkey(head)
    if key not in ROLE_NOUNS and not re.search(r"(?:ist|man|woman|person)$", key):
        return None
    # Noun compounds always ("opposition leader"); adjectives only when they are part of a title
    # ("foreign minister", "deputy head"), not descriptions ("an independent journalist").
    mods = [c for c in head.lefts if c.is_lower and c.is_alpha and (
        c.dep_ in ("compound", "nmod") or (c.dep_ == "amod" and _tkey(c) in TITLE_MODIFIERS))]
    # Keep only the modifiers adjacent to the head ("the Russian foreign minister" -> "foreign minister").
    words: list[str] = []
    pos = head.i - 1
    for mod in sorted(mods, key=lambda t: -t.i):
        if mod.i != pos:
            break
        words.insert(0, mod.lower_)
        pos -= 1
    words.append(head.lower_)
    for child in head.rights:
        if child.dep_ == "prep" and child.lower_ == "of":
            objs = [c for c in child.children if c.dep_ == "pobj"]
            if objs and objs[0].is_lower and objs[0].is_alpha and not any(c.dep_ == "det" for c in objs[0].children):
                words += ["of", objs[0].lower_]
            break
    return " ".join(words)


def role_from_parse(name: Span) -> str | None:
    """Role stated next to a name: apposition either way, or a role noun compounded before it."""
    head = name.root
    doc = name.doc
    # "the Russian foreign minister, Sergei Lavrov": the name is an apposition of the role.
    if head.dep_ == "appos":
        role = _role_phrase(head.head)
        if role:
            return role
    # "Javier Mayorca, an independent journalist": the role is an apposition of the name.
    for child in head.rights:
        if child.dep_ == "appos" and child.i >= name.end:
            role = _role_phrase(child)
            if role:
                return role
    # "spokesman Robert Palladino", "opposition leader Juan Guaidó", "Reporter Javier Mayorca".
    i = name.start - 1
    if i >= 0 and doc[i].pos_ in ("NOUN", "PROPN") and (_tkey(doc[i]) in ROLE_NOUNS) and doc[i].ent_type_ in ("", "PERSON"):
        mods: list[str] = []
        j = i - 1
        while j >= 0 and doc[j].is_lower and doc[j].is_alpha and doc[j].dep_ in ("amod", "compound") and len(mods) < 2:
            mods.insert(0, doc[j].lower_)
            j -= 1
        return " ".join([*mods, doc[i].lower_])
    return None


def _preceding_title_role(name: Span) -> str | None:
    """Titles written just before the NER span ("President Nicolas Maduro", "Russian General X")."""
    doc = name.doc
    i = name.start
    toks: list[Token] = []
    while i > 0:
        prev = doc[i - 1]
        title_word = _is_title_or_modifier(prev) and not prev.is_lower
        # "Secretary of State X": an "of" between a title and its complement.
        title_of = prev.lower_ == "of" and bool(toks) and i > 1 and is_title(doc[i - 2])
        # "Lt. Gen.": the tokenizer may split an abbreviation's full stop off.
        # "Col." + "Sami Said": the full stop of an abbreviated title right before the name.
        stop = prev.text == "." and i > 1 and _is_title_or_modifier(doc[i - 2]) \
            and (bool(toks) or (not doc[i - 2].whitespace_ and not doc[i - 2].is_lower))
        if stop:
            i -= 1
            continue
        if not (title_word or title_of):
            break
        toks.insert(0, prev)
        i -= 1
    if not any(is_title(t) for t in toks):
        return None
    return title_role(toks)


def _extend_name(span: Span) -> Span:
    """Repair a name the model cut short: "Ursula von" + "der Leyen", "Jean-Yves Le" + "Drian"."""
    doc = span.doc
    end = span.end
    while end < len(doc):
        nxt, last = doc[end], doc[end - 1]
        if not last.whitespace_ and last.text not in ("-",) and nxt.text not in ("-",):
            break
        particle_last = _tkey(last) in PARTICLES
        capital_next = nxt.text[:1].isupper() and nxt.is_alpha and not nxt.is_sent_start
        if particle_last and (capital_next or (_tkey(nxt) in PARTICLES and end + 1 < len(doc))):
            end += 1  # a particle is always followed by the rest of the name
        elif capital_next and nxt.pos_ == "PROPN" and nxt.ent_type_ in ("", "PERSON") and _tkey(nxt) not in TITLES:
            end += 1
        else:
            break
    return Span(doc, span.start, end, label=span.label_) if end != span.end else span


# Kinship nouns, a closed class: a name in apposition with one is a person ("his wife, Amy, and son, Titus").
KIN_NOUNS = frozenset({
    "wife", "husband", "son", "daughter", "mother", "father", "brother", "sister", "grandson", "granddaughter",
    "grandmother", "grandfather", "uncle", "aunt", "nephew", "niece", "cousin", "fiancee", "fiancée", "fiance",
    "fiancé", "widow", "widower", "stepson", "stepdaughter", "stepfather", "stepmother",
})


def kin_apposition(name: Span) -> bool:
    """The name stands in apposition with a kinship noun: "his son, Titus"."""
    root = name.root
    return root.dep_ == "appos" and root.head.pos_ == "NOUN" and _tkey(root.head) in KIN_NOUNS


def _nonhuman_relative(name: Span) -> bool:
    """A one-word "name" followed by ", which" is a thing or a company ("Afriqiyah, which operates ..."):
    people take "who"."""
    doc = name.doc
    return len(name) == 1 and name.end + 1 < len(doc) and doc[name.end].text == "," \
        and doc[name.end + 1].lower_ == "which"


def _place_before_title(ent: Span, name: Span) -> Span | None:
    """The capitalised words before a title that strip_titles peeled off inside the span, when the span starts
    with them ("Okinawa" of "Okinawa Governor Denny Tamaki"), else None."""
    doc = ent.doc
    k = ent.start
    while k < name.start and doc[k].text[:1].isupper() and not _is_title_or_modifier(doc[k]):
        k += 1
    if k == ent.start or k >= name.start or not is_title(doc[k]) and not _is_title_or_modifier(doc[k]):
        return None
    return Span(doc, ent.start, k)


def _has_org_context(name: Span) -> bool:
    """An organisation noun compounded before or in apposition with the name ("news agency Sputnik")."""
    doc = name.doc
    head = name.root
    if head.dep_ == "appos" and _tkey(head.head) in ORG_NOUNS:
        return True
    if any(c.dep_ == "appos" and _tkey(c) in ORG_NOUNS for c in head.rights):
        return True
    i = name.start - 1
    return i >= 0 and doc[i].is_lower and _tkey(doc[i]) in ORG_NOUNS


def _heads_a_title(name: Span) -> bool:
    """A lone title or rank word the model took for a name, the first word of a rank or title written before
    the real name ("Tech" of "By Tech. Sgt. Charles Vaughn", "Sgt" of "Staff Sgt. Ciara Wymbs"), or a rating
    ("Fire Controlman" of "Fire Controlman 2nd Class Justin Parker", "Gunner" of "Gunner's Mate 1st Class X")."""
    doc, k = name.doc, name.end
    if _is_rating(name, k):
        return True
    if len(name) != 1 or not _is_title_or_modifier(name[0]):
        return False
    if k < len(doc) and doc[k].text == "." and name[0].whitespace_ == "":
        k += 1
    return k < len(doc) and (_is_title_or_modifier(doc[k]) or (doc[k].is_title and doc[k].is_alpha))


_ORDINAL = re.compile(r"^\d+(?:st|nd|rd|th|d)$", re.IGNORECASE)


def _is_rating(name: Span, k: int) -> bool:
    """The span ends in an enlisted rating that heads the real name: a rating word (or "X's Mate") followed,
    after an optional parenthetical specialty, by its class ("2nd Class") or by a capitalised name. A surname
    that is also a rating word ("David Seaman said") is followed by neither."""
    doc = name.doc
    if k + 1 < len(doc) and doc[k].lower_ in ("'s", "’s") and _tkey(doc[k + 1]) in RATINGS:
        k += 2  # "Gunner" + "'s Mate"
    elif _tkey(name[-1]) not in RATINGS:
        return False
    if k < len(doc) and doc[k].text == "(":  # "Fire Controlman (AEGIS) 2nd Class"
        close = next((j for j in range(k + 1, min(k + 6, len(doc))) if doc[j].text == ")"), None)
        if close is None:
            return False
        k = close + 1
    if k + 1 < len(doc) and _ORDINAL.match(doc[k].text) and doc[k + 1].lower_ == "class":
        return True
    return k < len(doc) and doc[k].is_title and doc[k].is_alpha and doc[k].pos_ == "PROPN"


def looks_like_name(span: Span, titled: bool = False) -> bool:
    """Shape and POS checks a personal name passes: capitalised words, no digits/handles, not a plural noun.

    ``titled``: a title or rank stands right before the name ("Col. Sami Said"), so a capitalised word the tagger
    read as a verb or function word ("Said", "Will") is part of the name."""
    text = span.text
    if not text.strip() or _BAD_CHARS.search(text) or fold(text) in NOT_PEOPLE:
        return False
    words = [t for t in span if not t.is_punct]
    if not words:
        return False
    caps = 0
    for k, tok in enumerate(words):
        key = _tkey(tok)
        if tok.pos_ in ("ADP", "DET", "PRON", "AUX", "VERB", "CCONJ", "SCONJ", "NUM") and key not in PARTICLES \
                and not (titled and k > 0 and tok.is_title and tok.is_alpha):
            return False  # "Reporters Without Borders", "Photographs Show"
        if tok.is_lower:
            if key not in PARTICLES or k in (0, len(words) - 1):
                return False
            continue
        if not tok.text[0].isupper() and not tok.text[0].isalpha():
            return False
        if tok.is_upper and len(tok.text.rstrip(".")) > 1 and not (k > 0 and (_ROMAN.match(tok.text) or key in _SUFFIXES)):
            return False  # acronyms and all-caps junk
        caps += 1
    if caps == 0:
        return False
    # A lone plural or verb form is a common word capitalised at the start of a sentence ("Photographs").
    return not (len(words) == 1 and words[0].tag_ in ("NNS", "NNPS", "VBZ", "VBD", "VBG", "VBN", "JJ", "RB"))


def person_spans(
    doc: Doc,
    place_lookup: Callable[[Span], bool] | None = None,
    known_place: Callable[[str], bool] | None = None,
    not_a_name: Callable[[str], bool] | None = None,
) -> tuple[list[PersonSpan], list[Span]]:
    """Cleaned person mentions of one article, and the PERSON spans that are really places.

    ``place_lookup(span)`` says whether a one-word "name" is a known place ("Chkalovsky"); those
    spans are handed back so the place extractor can take them. ``known_place(text)`` says whether
    a place-labelled span is in the gazetteer; one that is not may be re-labelled as a person when
    the article names that person ("Ursula von der Leyen" ... "Von der Leyen"). ``not_a_name(text)``
    rejects words such as nationality adjectives ("Azerbaijani").
    """
    kept: list[tuple[Span, str | None]] = []
    to_places: list[Span] = []
    rejected_keys: set[str] = set()
    covered = [False] * len(doc)
    place_labelled = {e.text for e in doc.ents if e.label_ in ("GPE", "LOC")}
    for ent in doc.ents:
        if ent.label_ not in ("PERSON", "ORG") or any(covered[ent.start:ent.end]):
            continue
        name, title = strip_titles(_extend_name(_trim(ent)))
        if not len(name) or any(covered[name.start:name.end]) or _heads_a_title(name):
            continue
        if ent.label_ == "ORG":
            # The model often calls a full name an organisation ("Paraguay's intelligence chief, Esteban
            # Aquino"); the name shape plus a stated role or title turns it back into a person, and so does a
            # kinship noun it stands in apposition with, even for a first name alone ("his son, Titus").
            role = title or _preceding_title_role(name) or role_from_parse(name)
            kin = kin_apposition(name)
            if (2 <= len(name) <= 4 and role or kin and len(name) <= 4) and looks_like_name(name) \
                    and not org_word_in(name) and not (known_place is not None and known_place(name.text)):
                kept.append((name, role))
                covered[name.start:name.end] = [True] * len(name)
            continue
        # A place written before a title inside the model's span ("Okinawa Governor Denny Tamaki") is a place.
        lead = _place_before_title(Span(doc, ent.start, ent.end), name)
        if lead is not None and known_place is not None and known_place(lead.text):
            to_places.append(lead)
        # A word the model labels a place elsewhere in the same article ("the island of Evia" ... "Evia").
        labelled_place = len(name) == 1 and name.text in place_labelled
        if labelled_place or (place_lookup is not None and place_lookup(name)):
            to_places.append(name)
            rejected_keys.add(fold(name.text))
            continue
        titled = title is not None or _preceding_title_role(Span(doc, ent.start, ent.end)) is not None
        if not looks_like_name(name, titled) or org_word_in(name) or (not_a_name is not None and not_a_name(name.text)):
            rejected_keys.add(fold(name.text))
            continue
        if _has_org_context(name) or _nonhuman_relative(name):
            rejected_keys.add(fold(name.text))
            continue
        before = _preceding_title_role(Span(doc, ent.start, ent.end))
        # "Lt." outside the model's span and "Gen." inside it: one role, "lieutenant general".
        role = (f"{before} {title}" if before and title else title) or _preceding_title_role(name) or role_from_parse(name)
        kept.append((name, role))
        covered[name.start:name.end] = [True] * len(name)
    kept += _unlabelled_names_with_roles(doc, covered)
    # Full names' words, used to keep a lone word that is also a company or place name ("Anatoly Antonov").
    full_tokens = {_tkey(t) for s, _ in kept if len(s) > 1 for t in s}
    for s, _ in kept:
        if len(s) == 1 and _tkey(s[0]) in ORG_NAMES and _tkey(s[0]) not in full_tokens:
            rejected_keys.add(fold(s.text))
    # A lone word the model labels an organisation elsewhere in the article, and that ends no full name, is that
    # organisation ("Ryanair, easyJet and Vueling said" ... "Ryanair said").
    org_labelled = {fold(e.text) for e in doc.ents if e.label_ == "ORG" and len(e) == 1}
    for s, _ in kept:
        if len(s) == 1 and fold(s.text) in org_labelled and _tkey(s[0]) not in full_tokens and not kin_apposition(s):
            rejected_keys.add(fold(s.text))
    # A name rejected once as an organisation is rejected everywhere in the article ("Sputnik").
    kept = [(s, r) for s, r in kept if fold(s.text) not in rejected_keys]
    # Place-like single tokens only stay places when no full name in the article ends with them.
    back = [s for s in to_places if len(s) == 1 and _tkey(s[0]) in full_tokens]
    to_places = [s for s in to_places if not (len(s) == 1 and _tkey(s[0]) in full_tokens)]
    kept += [(s, None) for s in back]
    kept = _propagate(doc, kept, blocked=to_places, known_place=known_place)
    return _resolve_in_article(kept), to_places


def _unlabelled_names_with_roles(doc: Doc, covered: list[bool]) -> list[tuple[Span, str | None]]:
    """Names the model left untagged but the grammar marks as people: two or three capitalised proper
    nouns in apposition with a role ("Esteban Aquino, head of the National Intelligence Secretariat")."""
    out: list[tuple[Span, str | None]] = []
    proper = [t.pos_ == "PROPN" for t in doc]  # tested first, from a plain list: most words are not
    i = 0
    while i < len(doc):
        j = i
        while j < len(doc) and j - i < 3 and proper[j] and doc[j].is_title and not doc[j].ent_type_ \
                and not covered[j]:
            j += 1
        if j - i >= 2 and (j == len(doc) or not proper[j]):
            span = Span(doc, i, j, label="PERSON")
            role = role_from_parse(span)
            if role and looks_like_name(span) and not org_word_in(span) and not any(_tkey(t) in TITLES for t in span):
                out.append((span, role))
                covered[i:j] = [True] * (j - i)
        i = max(j, i + 1)
    return out


def _trim(span: Span) -> Span:
    """Drop determiners, possessives, punctuation and lower-case words the model let into the ends
    of a name ("Von der Leyen later")."""
    doc = span.doc
    start, end = span.start, span.end

    def loose(tok: Token) -> bool:
        return tok.is_punct or tok.lower_ in ("the", "'s", "’s", "'", "’", "#", "@") \
            or (tok.is_lower and _tkey(tok) not in PARTICLES)

    while start < end and loose(doc[start]):
        start += 1
    while end > start and loose(doc[end - 1]):
        end -= 1
    return Span(doc, start, end, label=span.label_) if (start, end) != (span.start, span.end) else span


def _name_tokens(span: Span) -> list[str]:
    return [_tkey(t) for t in span if not t.is_punct and _tkey(t) not in _SUFFIXES]


def _propagate(doc: Doc, kept: list[tuple[Span, str | None]], blocked: Iterable[Span],
               known_place: Callable[[str], bool] | None = None) -> list[tuple[Span, str | None]]:
    """Label propagation: later/earlier re-mentions of a found name the model missed ("the Maduro government")."""
    taken = [False] * len(doc)
    for ent in doc.ents:
        # A place-labelled span the gazetteer does not know may be a re-mention of a person ("Von der Leyen").
        if ent.label_ in ("GPE", "LOC", "FAC") and known_place is not None and not known_place(ent.text):
            continue
        # Names inside organisations and quoted titles still count ("the Trump administration", "regime of
        # Nicolás Maduro" tagged a work of art); inside aircraft ("Antonov An-124"), products or dates they do not.
        if ent.label_ not in ("ORG", "WORK_OF_ART", "EVENT", "LAW"):
            for i in range(ent.start, ent.end):
                taken[i] = True
    for span, _ in kept:
        for i in range(span.start, span.end):
            taken[i] = True
    for span in blocked:
        for i in range(span.start, span.end):
            taken[i] = True
    # Name strings to look for: every found surface, and each full name's surname.
    patterns: set[tuple[str, ...]] = set()
    for span, _ in kept:
        toks = tuple(_tkey(t) for t in span)
        patterns.add(toks)
        if len(span) > 1 and not span[-1].is_punct:
            patterns.add((toks[-1],))
        if len(span) > 2 and not span[-1].is_punct and all(t.text[:1].isupper() for t in span[-2:]):
            patterns.add(toks[-2:])  # a two-word surname ("Pinto Luz" of "Miguel Pinto Luz")
        # A surname with particles: "von der Leyen", "bin Salman".
        first_particle = next((k for k in range(1, len(toks) - 1) if toks[k] in PARTICLES), None)
        if first_particle is not None:
            patterns.add(toks[first_particle:])
    patterns = {p for p in patterns if p and p[0] not in PARTICLES or len(p) > 1}
    # First names used alone for a person introduced in full (common with Ethiopian, Indonesian, Icelandic or
    # Burmese names: "Mesfin Tasew" ... "Mesfin said"): looked for only as the subject of a reporting verb, and
    # only when one full name starts with that word and no name ends with it.
    surnames = {_tkey(s[-1]) for s, _ in kept if len(s) > 1}
    first_counts: dict[str, int] = {}
    for span, _ in kept:
        if len(span) > 1 and not is_title(span[0]):
            first_counts[_tkey(span[0])] = first_counts.get(_tkey(span[0]), 0) + 1
    firsts = {f for f, c in first_counts.items() if c == 1 and f not in surnames and f not in PARTICLES}
    out = list(kept)
    lengths = sorted({len(p) for p in patterns}, reverse=True)
    # Both tests below need a capitalised word at ``i``: check that first, from plain lists, since most words
    # are not (spaCy's token access is slow in a loop over every word).
    texts = [t.text for t in doc]
    capitalised = [text[:1].isupper() for text in texts]
    keys = [word_key(text) for text in texts]
    i = 0
    while i < len(doc):
        if not capitalised[i]:
            i += 1
            continue
        hit = 0
        for n in lengths:
            if i + n <= len(doc) and not any(taken[i:i + n]) \
                    and tuple(keys[i:i + n]) in patterns:
                # Not the first word of a longer capitalised name we don't know ("Maduro Moros" is fine, "Trump Tower" not).
                nxt = doc[i + n] if i + n < len(doc) else None
                if nxt is not None and nxt.text[:1].isupper() and nxt.pos_ == "PROPN" and not nxt.is_sent_start:
                    continue
                hit = n
                break
        if not hit and not taken[i] and keys[i] in firsts and _reports(doc[i]):
            hit = 1
        if hit:
            span = Span(doc, i, i + hit, label="PERSON")
            out.append((span, _preceding_title_role(span)))
            for k in range(i, i + hit):
                taken[k] = True
            i += hit
        else:
            i += 1
    return sorted(out, key=lambda sr: sr[0].start)


# Reporting verbs as written (the pipeline has no lemmatizer).
_REPORTING_VERBS = frozenset({
    "said", "says", "say", "told", "tells", "added", "adds", "wrote", "writes", "noted", "notes", "explained",
    "insisted", "argued", "warned", "warns", "announced", "declared", "claimed", "stated", "replied", "asked",
    "urged", "recalled", "acknowledged", "stressed", "insists", "argues",
})


def _reports(tok: Token) -> bool:
    """The word is the subject of a reporting verb ("Mesfin told reporters", "Prabowo, a former commander, said")."""
    if tok.i + 1 < len(tok.doc) and tok.doc[tok.i + 1].text[:1].isupper() and tok.doc[tok.i + 1].is_alpha:
        return False  # part of a longer capitalised name
    return tok.dep_ in ("nsubj", "nsubjpass") and tok.head.lower_ in _REPORTING_VERBS


def _resolve_in_article(kept: list[tuple[Span, str | None]]) -> list[PersonSpan]:
    """Each mention's in-article full name: "Maduro" -> "Nicolás Maduro" when that is the only candidate."""
    fulls: dict[tuple[str, ...], str] = {}
    for span, _ in kept:
        toks = tuple(_name_tokens(span))
        if len(toks) > 1:
            # Prefer the spelling with diacritics when several fold alike.
            prev = fulls.get(toks)
            if prev is None or (span.text != fold(span.text) and prev == fold(prev)):
                fulls[toks] = span.text
    surnames = {toks[-1] for toks in fulls}
    out: list[PersonSpan] = []
    for span, role in kept:
        toks = tuple(_name_tokens(span))
        canonical = fulls.get(toks, span.text)
        candidates = {full for full in fulls if full != toks and _compatible(toks, full, surnames)}
        # Keep the longest forms only: "Vasily Tonkoshkurov" and "Vasily V. Tonkoshkurov" are one candidate chain.
        maximal = {c for c in candidates if not any(c != d and set(c) < set(d) for d in candidates)}
        if len(maximal) == 1:
            canonical = fulls[next(iter(maximal))]
        out.append(PersonSpan(span.start_char, span.end_char, span.text, canonical, role))
    return out


def _compatible(short: tuple[str, ...], full: tuple[str, ...], surnames: set[str]) -> bool:
    """Whether a shorter name can refer to a fuller one in the same article."""
    if not short or len(short) >= len(full):
        return False
    if len(short) == 1:
        if short[0] == full[-1]:
            return True
        # A first name alone, when it is nobody's surname ("Boris" -> "Boris Johnson").
        return short[0] == full[0] and short[0] not in surnames
    # "von der Leyen" -> "Ursula von der Leyen": a surname with its particles; "Pinto Luz" -> "Miguel Pinto Luz".
    if full[-len(short):] == short and (short[0] in PARTICLES or len(full) > 2):
        return True
    # "George Bush" -> "George W. Bush": same first and last, the rest a subset.
    return short[0] == full[0] and short[-1] == full[-1] and set(short) <= set(full)
