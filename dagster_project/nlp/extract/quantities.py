"""Quantities: numbers in digits or words with their unit, hedge and counted object, found from tokens.

spaCy's CARDINAL/QUANTITY/PERCENT/MONEY labels miss numbers and over-fire on years, list numbering, phone numbers
and designators, so quantities are found here from the tokens and the dependency parse:

- a number phrase is a run of number tokens: digits ("800,000", "1.5", "1.5bn", "40m"), number words ("two",
  "twenty-five", "three million", "one hundred and fifty") or a vague plural ("dozens", "hundreds", "tens of
  thousands"), with a currency sign before ("$2.3 billion", "US$5m", "€40m") and a unit after ("35 tons",
  "800,000%", "12 per cent", "billions of dollars", "35-ton");
- it is dropped when it is a date, year, time, duration or age ("March 24", "in 2019", "8:22pm", "three months",
  "a 37-year-old"), a label number ("section 3", "flight 17", "Resolution 2254"), list numbering, a phone number,
  part of a name ("Tu-160", "Windows 10"), or a lone "one"/"a";
- the hedge before it ("about", "up to", "at least", "some", ...) becomes ``qualifier`` and stays outside the span;
- the counted object comes from the parse: the noun the number modifies ("100 Russian soldiers" -> soldiers),
  the object of "of" after a unit or vague amount ("35 tons of equipment" -> equipment, "hundreds of troops" ->
  troops), or for a percentage the thing that reaches or rises by it ("inflation reaching 800,000%" -> inflation).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from functools import lru_cache

from spacy.tokens import Doc, Span, Token

from contracts.mentions import QUALIFIERS, QUALIFIERS_AFTER, QUALIFIERS_BEFORE

_WORDS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15,
    "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30,
    "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90, "a": 1, "an": 1,
    "dozen": 12,
}
_SCALES = {"hundred": 100, "thousand": 1_000, "million": 1_000_000, "billion": 1_000_000_000, "trillion": 10**12}
_NUMBER_WORDS = frozenset(_SCALES) | frozenset(_WORDS)
# Abbreviated scales written after a number: "1.5bn", "€40m", "5k".
_SCALE_ABBREV = {"k": 1_000, "m": 1_000_000, "mn": 1_000_000, "mln": 1_000_000, "bn": 1_000_000_000,
                 "b": 1_000_000_000, "tn": 10**12, "trn": 10**12}
# Single-letter scales are read as such only after a currency sign ("$5m", "€40k"): "100m" alone is more often
# metres, "221B" an address.
_AMBIGUOUS_SCALES = frozenset({"k", "m", "b"})
# Plural number words that stand for a vague amount (value null).
VAGUE = frozenset({"dozens", "hundreds", "thousands", "millions", "billions", "trillions", "scores", "tens"})

UNITS = {
    "%": "percent", "percent": "percent", "per cent": "percent", "pct": "percent", "percentage points": "percentage point",
    "ton": "tonne", "tons": "tonne", "tonne": "tonne", "tonnes": "tonne", "t": "tonne", "metric tons": "tonne",
    "kg": "kilogram", "kilogram": "kilogram", "kilograms": "kilogram", "kilo": "kilogram", "kilos": "kilogram",
    "g": "gram", "gram": "gram", "grams": "gram", "lb": "pound", "lbs": "pound",
    "km": "kilometre", "kilometre": "kilometre", "kilometres": "kilometre", "kilometer": "kilometre",
    "kilometers": "kilometre", "mile": "mile", "miles": "mile", "yard": "yard", "yards": "yard",
    "inch": "inch", "inches": "inch", "metre": "metre", "metres": "metre",
    "meter": "metre", "meters": "metre", "m": "metre", "feet": "foot", "foot": "foot", "ft": "foot",
    "nautical miles": "nautical mile", "nautical mile": "nautical mile",
    "square kilometres": "square kilometre", "square kilometers": "square kilometre", "sq km": "square kilometre",
    "hectares": "hectare", "hectare": "hectare", "acres": "acre", "acre": "acre",
    "litre": "litre", "litres": "litre", "liter": "litre", "liters": "litre", "gallons": "gallon",
    "gallon": "gallon", "barrels": "barrel", "barrel": "barrel", "bpd": "barrel per day",
    "mph": "mile per hour", "km/h": "kilometre per hour", "km / h": "kilometre per hour", "kph": "kilometre per hour", "knots": "knot",
    "degrees": "degree", "degree": "degree", "°c": "degree Celsius", "°f": "degree Fahrenheit",
    "celsius": "degree Celsius", "fahrenheit": "degree Fahrenheit", "degrees celsius": "degree Celsius",
    "degrees fahrenheit": "degree Fahrenheit", "degrees c": "degree Celsius", "degrees f": "degree Fahrenheit",
    "degree celsius": "degree Celsius", "mm": "millimetre", "cm": "centimetre", "ppm": "part per million", "mg": "milligram",
    "ml": "millilitre", "kwh": "kilowatt hour", "megawatts": "megawatt", "mw": "megawatt", "gigawatts": "gigawatt", "gw": "gigawatt",
    "$": "USD", "us$": "USD", "usd": "USD", "dollar": "USD", "dollars": "USD",
    "a$": "AUD", "c$": "CAD", "hk$": "HKD", "r$": "BRL",
    "€": "EUR", "euro": "EUR", "euros": "EUR", "eur": "EUR", "£": "GBP", "gbp": "GBP", "sterling": "GBP",
    "pounds sterling": "GBP", "¥": "JPY", "yen": "JPY", "yuan": "CNY", "renminbi": "CNY", "cny": "CNY",
    "rouble": "RUB", "roubles": "RUB", "ruble": "RUB", "rubles": "RUB", "rub": "RUB",
    "rupee": "INR", "rupees": "INR", "rs": "INR", "₹": "INR", "bolivar": "VES", "bolivars": "VES",
    "bolívares": "VES", "riyal": "SAR", "riyals": "SAR", "dirham": "AED", "dirhams": "AED", "shekels": "ILS", "pesos": "MXN", "hryvnia": "UAH", "hryvnias": "UAH", "lira": "TRY", "liras": "TRY",
}
# Currency signs and codes written before the number.
_CURRENCY_BEFORE = {"$", "us$", "usd", "a$", "c$", "hk$", "r$", "€", "eur", "£", "gbp", "¥", "₹", "rs", "rs.",
                    "rub", "cny"}
CURRENCIES = frozenset({"USD", "AUD", "CAD", "HKD", "BRL", "EUR", "GBP", "JPY", "CNY", "RUB", "INR", "VES", "MXN",
                        "UAH", "TRY", "SAR", "AED", "ILS"})
_TIME_UNITS = frozenset(
    ["second", "seconds", "minute", "minutes", "hour", "hours", "day", "days", "week", "weeks", "month", "months", "year", "years", "decade", "decades", "century", "centuries", "night", "nights", "weekend", "weekends", "yr", "yrs", "hrs", "hr", "mins", "min", "sec", "secs"]
)
_FRACTIONS = frozenset({"half", "third", "quarter", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth"})
_MONTHS = frozenset(
    ["january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november", "december", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec"]
)
# A number right after these is a label, not an amount ("section 3", "flight 17", "Resolution 2254").
_LABEL_NOUNS = frozenset(
    ["section", "sections", "article", "articles", "chapter", "chapters", "page", "pages", "paragraph", "paragraphs", "clause", "clauses", "resolution", "flight", "flights", "route", "routes", "highway", "road", "interstate", "no", "no.", "number", "nos", "room", "gate", "gates", "terminal", "platform", "line", "level", "phase", "stage", "channel", "episode", "season", "volume", "vol", "item", "figure", "fig", "table", "part", "amendment", "district", "zone", "block", "lot", "unit", "apartment", "apt", "street", "avenue", "runway", "building", "floor", "grade", "size", "version", "model", "type", "class", "category", "rank", "row", "seat", "bus", "squad", "division", "brigade", "battalion", "regiment", "corps", "fleet", "group", "pier", "lane", "exit", "junction", "ward", "precinct", "box", "code", "round", "game", "match", "week", "day", "year", "act", "title", "rule", "step", "point", "option", "plan", "tier", "cat", "category", "window", "squadron", "wing", "mk", "mk.",
     "c/n", "c/ns", "serial", "hull", "tail", "pennant"]
)
# Unit and formation names written in title case before a number: "Task Force 71", "Carrier Air Wing 14".
_TITLE_LABEL_NOUNS = frozenset({"force", "fleet", "command", "warrior", "exercise", "operation", "team", "mark"})
# A unit written after a number and "pounds": weight or sterling, told apart by the words around them.
_MONEY_WORDS = frozenset(
    ["cost", "costs", "costing", "paid", "pay", "pays", "worth", "spend", "spent", "spending", "budget", "price",
     "priced", "fine", "fined", "contract", "deal", "sale", "sold", "fund", "funds", "funding", "funded", "salary",
     "revenue", "profit", "profits", "loss", "invest", "investment", "invested", "raise", "raised", "bill", "fee",
     "fees", "grant", "award", "awarded", "compensation", "bonus", "tax", "donated", "donation", "sterling"]
)
_SPEED_UNITS = frozenset({"mile per hour", "kilometre per hour", "knot"})
__all__ = ["QUALIFIERS", "QuantityMatch", "QuantityParse", "find_quantities", "normalize_unit", "parse_number"]

_NAME_LABELS = frozenset({"ORG", "PRODUCT", "EVENT", "LAW", "WORK_OF_ART", "FAC", "GPE", "LOC", "PERSON", "NORP",
                          "AIRCRAFT"})
_DIGITS_RE = re.compile(r"^[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?$")
_DIGITS_SCALE_RE = re.compile(r"^(\d+(?:\.\d+)?)(k|m|mn|mln|bn|b|tn|trn)$", re.I)


@dataclass(frozen=True)
class QuantityParse:
    value: float | None
    unit: str
    unit_surface: str | None
    quantified: str | None
    qualifier: str | None


@dataclass(frozen=True)
class QuantityMatch:
    """A quantity found in a Doc: token span (number plus unit) and its parse."""

    span: Span
    label: str
    parse: QuantityParse
    trim: int = 0  # characters to drop from the span's end (a sentence period glued to "km/h.", "t.")

    @property
    def end_char(self) -> int:
        return self.span.end_char - self.trim

    @property
    def text(self) -> str:
        return self.span.text[: len(self.span.text) - self.trim] if self.trim else self.span.text


def parse_number(text: str) -> float | None:
    """'35' -> 35.0, '800,000' -> 800000.0, 'three million' -> 3e6, '1.5bn' -> 1.5e9, 'dozens' -> None."""
    t = text.lower().replace(",", "").strip()
    t = re.sub(r"[%$€£¥₹]", "", t).strip()
    try:
        return float(t)
    except ValueError:
        pass
    m = _DIGITS_SCALE_RE.match(t)
    if m:
        return float(m.group(1)) * _SCALE_ABBREV[m.group(2).lower()]
    total, current, seen = 0.0, 0.0, False
    for word in re.split(r"[\s-]+", t):
        if not word or word == "and":
            continue
        if re.fullmatch(r"\d+(?:\.\d+)?", word):
            current += float(word)
            seen = True
        elif word in _WORDS:
            current = current * 12 if word == "dozen" and current else current + _WORDS[word]
            seen = True
        elif word in _SCALES or word in _SCALE_ABBREV:
            scale = _SCALES.get(word) or _SCALE_ABBREV[word]
            current = (current or 1.0) * scale
            if scale >= 1000:
                total += current
                current = 0.0
            seen = True
        else:
            return None
    return total + current if seen else None


def normalize_unit(surface: str) -> str | None:
    """'tons' -> 'tonne', '%' -> 'percent', '$' -> 'USD', 'per cent' -> 'percent'; None when not a unit."""
    return UNITS.get(re.sub(r"\s+", " ", surface.lower().strip()))


def _is_number_token(tok: Token) -> bool:
    return _is_number_text(tok.text)


@lru_cache(maxsize=1 << 16)
def _is_number_text(text: str) -> bool:
    """:func:`_is_number_token` of a token's text; cached, since it is asked of every word of every article."""
    t = text.lower()
    return bool(_DIGITS_RE.match(t) or _DIGITS_SCALE_RE.match(t)) or (t in _WORDS and t not in ("a", "an")) \
        or t in _SCALES


def _is_year(tok: Token) -> bool:
    return bool(re.fullmatch(r"1[6-9]\d\d|20\d\d|2100", tok.text))


def _unit_at(doc: Doc, i: int) -> tuple[int, str] | None:
    """A unit starting at token i: returns (end token index, surface); longest first ('per cent', 'km/h').

    A sentence period the tokenizer glued to an abbreviation ('t.', 'h.') is left out of the surface.
    """
    for width in (3, 2, 1):
        if i + width > len(doc):
            continue
        words = doc[i:i + width]
        text = words.text
        if text.endswith(".") and len(doc[i + width - 1].text) > 1 and not normalize_unit(text):
            text = text[:-1]
        if normalize_unit(text) and text.lower() not in _CURRENCY_BEFORE - {"$", "€", "£", "¥", "₹"}:
            if width == 1 and text.lower() in ("m", "t", "g") and not _DIGITS_RE.match(doc[i - 1].text):
                continue  # a lone "m" after a number word is more often an initial than metres
            return i + width, text
    return None


def _in_name(tok: Token) -> bool:
    """Digits that belong to a name ('Tu-160', 'Windows 10', '4 Wing', 'Seven Summit Treks'), not an amount."""
    if tok.ent_type_ in _NAME_LABELS and tok.ent_iob_ != "B" or tok.ent_type_ == "AIRCRAFT":
        return True
    doc = tok.doc
    nxt = doc[tok.i + 1] if tok.i + 1 < len(doc) else None
    if tok.ent_type_ in ("ORG", "FAC", "PRODUCT", "EVENT", "WORK_OF_ART", "LAW") and nxt is not None \
            and nxt.ent_iob_ == "I" and nxt.is_title:
        return True  # "4 Wing Cold Lake" labelled as one organisation
    # Digits before a run of proper nouns that ends the phrase ("4 Wing Cold Lake,"): a unit or place name.
    if tok.like_num and nxt is not None and nxt.is_title and nxt.pos_ == "PROPN" and nxt.ent_type_ != "AIRCRAFT":
        j = tok.i + 1
        while j < len(doc) and doc[j].is_title and doc[j].pos_ == "PROPN" and doc[j].ent_type_ != "AIRCRAFT":
            j += 1
        if j - tok.i >= 3 and (j >= len(doc) or doc[j].pos_ != "NOUN"):
            return True
    # A version or model number after a product or other proper name ("iPhone 15,", "Windows 11 and"), when no
    # counted noun follows: place names are excluded ("Kharkiv 12 ..." is rare but "Moscow 2" is not a product).
    prev = doc[tok.i - 1] if tok.i > 0 else None
    if tok.like_num and prev is not None and prev.pos_ == "PROPN" and not prev.is_sent_start \
            and prev.ent_type_ not in ("GPE", "LOC", "NORP", "DATE", "TIME", "MONEY") \
            and prev.lower_.rstrip(".") not in _MONTHS and (nxt is None or nxt.pos_ not in ("NOUN", "ADJ", "PROPN")):
        return True
    # A capitalized number word inside a title-case name ("Seven Summit Treks"), not at a sentence start.
    return bool(tok.is_title and tok.is_alpha and not tok.is_sent_start and nxt is not None and nxt.is_title
                and nxt.pos_ == "PROPN")


def _bare_word(tok: Token) -> str:
    """A token's leading letters, lower-cased: "years.[1" (a citation glued on) -> "years"."""
    m = re.match(r"[a-z]+", tok.lower_)
    return m.group(0) if m else tok.lower_


def _date_or_time(doc: Doc, start: int, end: int) -> bool:
    first, last = doc[start], doc[end - 1]
    prev = doc[start - 1] if start > 0 else None
    nxt = doc[end] if end < len(doc) else None
    nxt2 = doc[end + 1] if end + 1 < len(doc) else None
    if prev is not None and prev.lower_ in ("and", "or", "to", "through", "-", "–") and start > 1 \
            and doc[start - 2].like_num and _date_or_time(doc, start - 2, start - 1):
        return True  # "Sept. 23 and 24", "March 3-5"
    if prev is not None and prev.text == "." and start > 1:
        prev = doc[start - 2]  # "Sept. 24"
    day_like = end - start == 1 and first.text.isdigit() and (int(first.text) <= 31 or _is_year(first))
    if prev is not None and prev.lower_.rstrip(".") in _MONTHS and prev.is_title and day_like:
        return True  # "March 24", "Mar 24 2019", "December 2018"
    if nxt is not None and nxt.lower_.rstrip(".") in _MONTHS and nxt.is_title and end - start == 1 and first.text.isdigit() and int(first.text) <= 31:
        return True  # "28 April"
    if nxt is not None and _bare_word(nxt) in _TIME_UNITS:
        return True  # "three months", "48 hours", "fifty years.[1]"
    if nxt is not None and nxt2 is not None and nxt.is_alpha and nxt.is_lower and nxt.pos_ in ("VERB", "ADJ", "NOUN") \
            and _bare_word(nxt2) in ("hours", "hrs", "minutes", "days") and nxt.lower_ not in VAGUE:
        return True  # "250,000 flying hours", "600 flight hours": time measured, a duration
    if nxt is not None and nxt.text in "-‐–" and nxt2 is not None and nxt2.lower_ in _TIME_UNITS:
        return True  # "37-year-old", "a 10-day visit"
    if nxt is not None and nxt.lower_ in ("am", "pm", "a.m.", "p.m.", "gmt", "utc", "bst", "est", "o'clock"):
        return True
    if ":" in last.text or re.search(r"\d(?:am|pm)$", last.text.lower()):
        return True
    if prev is not None and prev.lower_ in ("aged", "age", "ages"):
        return True
    if prev is not None and prev.text == "," and nxt is not None and nxt.text == "," and start > 1 \
            and doc[start - 2].pos_ == "PROPN" and first.text.isdigit() and int(first.text) < 120:
        return True  # "Kiprono, 61, had been appointed": an age in apposition
    return end - start == 1 and _is_year(first) and not (nxt is not None and nxt.tag_ == "NNS" and nxt.lower_ not in _TIME_UNITS)


def _word_before(doc: Doc, i: int) -> Token | None:
    """The token before ``i``, skipping line breaks and other white-space tokens ("DESRON\n26")."""
    j = i - 1
    while j >= 0 and doc[j].is_space:
        j -= 1
    return doc[j] if j >= 0 else None


_ACRONYM = re.compile(r"^[A-Z][A-Z&-]{1,9}$")


def _is_acronym(tok: Token | None) -> bool:
    """An all-capitals name ("DDG", "CSG", "DESRON", "USAF"), not a unit or currency code written before amounts."""
    return tok is not None and bool(_ACRONYM.match(tok.text)) and tok.lower_ not in _CURRENCY_BEFORE \
        and normalize_unit(tok.text) is None


def _shouting(tok: Token) -> bool:
    """The sentence is written in capitals (a heading, a wire slug): capitalized words there are not acronyms."""
    words = [t for t in tok.sent if t.is_alpha and len(t) > 1]
    return len(words) >= 3 and 2 * sum(t.is_upper for t in words) > len(words)


def _designator(doc: Doc, start: int, end: int) -> bool:
    """A number that names rather than counts: a hull, unit or formation number after an acronym ("USS Porter (DDG
    78)", "CSG 11", "Destroyer Squadron (DESRON) 26", "Task Force 71", "Mk. 45"), a citation marker ("[3]"), or part
    of a code or serial ("230812-N-PT973", "53-3396")."""
    prev = _word_before(doc, start)
    if _is_acronym(prev) and not _shouting(doc[start]):
        return True
    if prev is not None and prev.text == "." and prev.i > 0 and doc[prev.i - 1].lower_ in _LABEL_NOUNS:
        return True  # "Mk. 45"
    if prev is not None and prev.is_alpha and len(prev) <= 3 and prev.i > 1 and doc[prev.i - 1].text == "/" \
            and doc[prev.i - 2].is_alpha and len(doc[prev.i - 2]) <= 2:
        return True  # "c/n 3002", "s/n 117": an abbreviated serial label
    if prev is not None and prev.text in "-\u2010" and prev.i > 0 and not doc[prev.i - 1].whitespace_ \
            and doc[prev.i - 1].like_num and (_in_name(doc[prev.i - 1]) or _designator(doc, prev.i - 1, prev.i)):
        return True  # "Joint Warrior 15-1": the second half of a designation
    if prev is not None and prev.lower_ in ("and", "or", ",", "to", "&") and prev.i > 0 and doc[prev.i - 1].like_num \
            and _designator(doc, prev.i - 1, prev.i):
        return True  # "c/ns 1001 and 1002", "DDG 78 and 79"
    if prev is not None and prev.text == ")" and prev.i >= 3 and _is_acronym(doc[prev.i - 1]) and doc[prev.i - 2].text == "(" \
            and doc[prev.i - 3].is_title and doc[start].text.isdigit():
        return True  # "Destroyer Squadron (DESRON) 26", but not "(BBC) Two Russian planes"
    if prev is not None and prev.is_title and prev.lower_ in _TITLE_LABEL_NOUNS:
        return True
    nxt = doc[end] if end < len(doc) else None
    if prev is not None and prev.text == "[" and nxt is not None and nxt.text == "]":
        return True
    first = doc[start]
    if nxt is not None and nxt.text in "-\u2010" and not first.whitespace_ and end + 1 < len(doc):
        after = doc[end + 1]
        if after.text[:1].isupper() and (after.text.isupper() or any(c.isdigit() for c in after.text)):
            return True  # "230812-N-PT973": an identifier
        if re.fullmatch(r"\d{1,2}", first.text) and re.fullmatch(r"\d{4,}", after.text):
            return True  # "53-3396": a serial number, not a range
    # "53-3396" seen from its second half
    return bool(prev is not None and prev.lower_ == "-" and not doc[prev.i - 1].whitespace_
                and re.fullmatch(r"\d{1,2}", doc[prev.i - 1].text) and re.fullmatch(r"\d{4,}", first.text))


def _label_or_listing(doc: Doc, start: int, end: int) -> bool:
    prev = doc[start - 1] if start > 0 else None
    nxt = doc[end] if end < len(doc) else None
    if prev is not None and (prev.lower_ in _LABEL_NOUNS or prev.text in ("#", "No", "No.", "Nr")):
        return True
    if _designator(doc, start, end):
        return True
    line_start = start == 0 or "\n" in doc[start - 1].text or "\n" in doc[start - 1].whitespace_
    if line_start and nxt is not None and nxt.text in (".", ")") and doc[start].text.isdigit():
        return True  # "1. ..." list numbering
    first = doc[start].text
    if re.fullmatch(r"0\d+", first) or first.startswith("+"):
        return True  # phone numbers, codes
    # Runs of bare digit groups ("020 7946 0958") are phone or reference numbers.
    neighbours = [doc[i] for i in (start - 1, end) if 0 <= i < len(doc)]
    return any(re.fullmatch(r"\d{2,}", t.text) and t.ent_type_ != "AIRCRAFT" for t in neighbours) \
        and bool(re.fullmatch(r"\d+", first))


# The hedges as word lists, split once.
_QUALIFIER_WORDS_BEFORE = tuple((q, q.split()) for q in QUALIFIERS_BEFORE)
_QUALIFIER_WORDS_AFTER = tuple((q, q.split()) for q in QUALIFIERS_AFTER)


def _qualifier(doc: Doc, start: int) -> tuple[str | None, int]:
    """The hedge written just before token ``start`` and the index where it starts."""
    if start == 0:
        return None, start
    # Words before the number, line breaks skipped: a hard-wrapped "More\nthan 50" is still hedged.
    before: list[Token] = []
    j = start - 1
    while j >= 0 and len(before) < 4:
        if not doc[j].is_space:
            before.insert(0, doc[j])
        j -= 1
    if not before:
        return None, start
    last = before[-1].lower_  # every hedge must end with the word before the number: test that first
    for q, words in _QUALIFIER_WORDS_BEFORE:
        if len(words) > len(before) or words[-1] != last:
            continue
        toks = before[len(before) - len(words):]
        if [t.lower_ for t in toks] == words and (len(words) > 1 or toks[0].dep_ != "prt"):
            return q, toks[0].i  # but "handed over 63 jets": a verb particle, not a hedge
    return None, start


def _qualifier_after(doc: Doc, end: int) -> str | None:
    if end >= len(doc):
        return None
    first = doc[end].lower_  # every hedge must start with the word after the number: test that first
    for q, words in _QUALIFIER_WORDS_AFTER:
        if end + len(words) <= len(doc) and words[0] == first and [t.lower_ for t in doc[end:end + len(words)]] == words:
            return q
    return None


def _of_object(tok: Token) -> Token | None:
    """'tons of equipment' -> equipment (the pobj of an 'of' child)."""
    for prep in tok.children:
        if prep.dep_ == "prep" and prep.lower_ in ("of", "in"):
            for obj in prep.children:
                if obj.dep_ == "pobj" and obj.pos_ in ("NOUN", "PROPN"):
                    return obj
    return None


def _next_of_object(doc: Doc, end: int) -> Token | None:
    """The head noun of the phrase after 'of' following the span ('dozens of troops', 'two of the planes')."""
    if end < len(doc) and doc[end].lower_ == "of":
        for tok in doc[end + 1: end + 6]:
            if tok.pos_ in ("NOUN", "PROPN") and (tok.i + 1 >= len(doc) or doc[tok.i + 1].pos_ not in ("NOUN",)):
                return tok
            if tok.pos_ not in ("DET", "ADJ", "NOUN", "PROPN", "NUM", "ADV", "PUNCT"):
                return None
    return None


def _counted_noun(doc: Doc, start: int, end: int) -> Token | None:
    """The noun a count modifies: its syntactic head, else the first noun after it in the same phrase."""
    last = doc[end - 1]
    head = last.head
    if last.dep_ in ("nummod", "compound", "quantmod", "amod") and head.pos_ in ("NOUN", "PROPN") and head.i >= end:
        # "two prototype YC-130s": the aircraft are what is counted (but "two CL-415 planes" count planes, below);
        # "300 strike group Sailors": the last noun of the compound
        if head.ent_type_ != "AIRCRAFT":
            # "250 pilots, maintenance and other support personnel": the number counts the whole list, named by
            # the "other Xs" that closes it
            closing = next((c for c in head.conjuncts if c.i > head.i and any(a.lower_ == "other" for a in c.children)), None)
            return _compound_head(closing if closing is not None else head)
        if end < len(doc) and doc[end].ent_type_ != "AIRCRAFT":
            return head
    of_obj = _next_of_object(doc, end)
    if of_obj is not None:
        return of_obj
    if end < len(doc) and doc[end].ent_type_ == "AIRCRAFT":
        # "two TU-160 strategic bombers" -> bombers; "two CF-18 Hornets" -> the aircraft are what is counted
        j = end
        while j < len(doc) and doc[j].ent_type_ == "AIRCRAFT" and (j == end or doc[j].ent_iob_ != "B"):
            j += 1
        for k in range(j, min(j + 3, len(doc))):
            if doc[k].pos_ == "NOUN" and doc[k].ent_type_ != "AIRCRAFT":
                return doc[k]
            if doc[k].pos_ != "ADJ":
                break
        return doc[j - 1]
    for tok in doc[end: end + 4]:
        if tok.pos_ in ("NOUN",) and (tok.i + 1 >= len(doc) or doc[tok.i + 1].pos_ != "NOUN"):
            return tok
        if tok.pos_ not in ("ADJ", "NOUN", "PROPN", "PUNCT") or tok.text in (",", ";", ".", ":"):
            return None
    return None


def _compound_head(tok: Token) -> Token:
    """The noun a compound modifier belongs to: "strike group Sailors" -> Sailors."""
    while tok.dep_ == "compound" and tok.head.i > tok.i and tok.head.pos_ in ("NOUN", "PROPN"):
        tok = tok.head
    return tok


def _of_head(tok: Token) -> Token | None:
    """The noun an amount is stated for: "a range of 9,000 km" -> range, "an attrition rate of 5 percent" -> rate."""
    if tok.dep_ == "pobj" and tok.head.lower_ == "of" and tok.head.head.pos_ == "NOUN":
        return tok.head.head
    return None


# Verbs that state a count or its change as a predicate: "a contingent numbering about 300", "the number of advisers
# fell from about 2,000 to a few hundred", "strength stood at 1,200".
# Written out in their inflected forms: the pipeline's model has no lemmatizer.
_COUNT_VERBS = frozenset(
    ["number", "numbers", "numbered", "numbering", "total", "totals", "totaled", "totalled", "totaling", "totalling",
     "reach", "reached", "reaches", "reaching", "fall", "falls", "fell", "fallen", "falling", "rise", "rises", "rose",
     "risen", "rising", "grow", "grows", "grew", "grown", "growing", "drop", "drops", "dropped", "dropping", "climb",
     "climbs", "climbed", "climbing", "increase", "increased", "increases", "increasing", "decrease", "decreased",
     "decreasing", "exceed", "exceeded", "exceeds", "exceeding", "stand", "stands", "stood", "standing", "swell",
     "swelled", "swollen", "shrink", "shrank", "shrunk", "decline", "declined", "declining", "jump", "jumped",
     "double", "doubled", "top", "topped", "amount", "amounted", "amounts", "count", "counted", "surpass",
     "surpassed", "hit", "hits"]
)
# Subjects that name a count rather than the counted thing: "the number of advisers" -> advisers.
_COUNT_NOUNS = frozenset({"number", "total", "count", "strength", "size", "tally", "toll", "figure", "headcount"})


def _predicate_subject(tok: Token) -> Token | None:
    """The counted noun of a number stated as a predicate of a counting verb, through the parse (see _COUNT_VERBS)."""
    node = tok
    for _ in range(3):
        node = node.head
        if node.pos_ in ("VERB", "AUX") or node.i == node.head.i:
            break
        if node.pos_ not in ("ADP", "NUM", "ADV", "PART"):
            return None
    if node.pos_ not in ("VERB", "AUX") or node.lower_ not in _COUNT_VERBS:
        return None
    subj = next((c for c in node.children if c.dep_ in ("nsubj", "nsubjpass") and c.pos_ in ("NOUN", "PROPN")), None)
    before = node.doc[node.i - 1] if node.i > 0 else None
    if subj is None and node.dep_ in ("acl", "relcl", "advcl") and before is not None and before.pos_ == "NOUN":
        subj = before  # "a contingent numbering about 300"
    if subj is not None and subj.lower_ in _COUNT_NOUNS:
        subj = _of_object(subj) or subj
    return _compound_head(subj) if subj is not None else None


def _pound_unit(doc: Doc, i: int) -> str:
    """"pounds" after a number: a weight ("50,000 pounds of fuel", "a 2,000-pound bomb") unless the sentence is about
    money ("cost 5 million pounds", "a 40 million pound contract")."""
    tok = doc[i]
    of_obj = _next_of_object(doc, i + 1) if i + 1 < len(doc) and doc[i + 1].lower_ == "of" else None
    if of_obj is not None and of_obj.lower_ not in _MONEY_WORDS:
        return "pound"
    if any(t.lower_ in _MONEY_WORDS for t in tok.sent):
        return "GBP"
    if i > 0 and doc[i - 1].lower_ in ("million", "billion", "trillion", "m", "bn"):
        return "GBP"
    return "pound"


def _percent_subject(tok: Token) -> Token | None:
    """'inflation reaching 800,000%' -> inflation; 'prices rose 12%' -> prices."""
    of_obj = _of_object(tok)
    if of_obj is not None:
        return of_obj
    verb = tok.head
    for _ in range(2):
        if verb.pos_ in ("VERB", "AUX"):
            # Common nouns only: "WFP pledged US$3.4 million" is about the money, not about WFP.
            subj = next((c for c in verb.children if c.dep_ in ("nsubj", "nsubjpass") and c.pos_ == "NOUN"), None)
            if subj is not None:
                return subj
            if verb.dep_ in ("acl", "relcl") and verb.head.pos_ == "NOUN":
                return verb.head
        verb = verb.head
    return None


_NOT_OBJECTS = frozenset({"others", "other", "ones", "one", "more", "them", "those", "these", "each", "all", "both",
                          "times", "percent", "cent"})


def _clean_noun(tok: Token | None) -> str | None:
    """The counted noun as written, lower-cased: the head only ('staff' of 'embassy staff'), or the whole aircraft
    name when aircraft are counted ('two CF-18 Hornets')."""
    if tok is not None and tok.ent_type_ == "AIRCRAFT":
        ent = next((e for e in tok.doc.ents if e.start <= tok.i < e.end), None)
        return ent.text.lower() if ent is not None else tok.text.lower()
    if tok is None or tok.like_num or tok.lower_ in UNITS or tok.lower_ in VAGUE or tok.lower_ in _TIME_UNITS \
            or tok.lower_ in _NOT_OBJECTS or tok.pos_ not in ("NOUN", "PROPN"):
        return None
    return tok.text.lower()


def _measured_thing(doc: Doc, start: int, end: int) -> Token | None:
    """What an amount of money or a percentage measures: 'of'/'in' object ('12 percent of tents', '$25 billion in
    damage'), the noun it modifies ('a $1.2 billion budget'), else the subject or noun around the verb it
    complements ('revenue rose to €14.6bn', 'a deal valued at $19 billion', 'inflation reaching 800,000%')."""
    for tok in (doc[end - 1], doc[start:end].root):
        obj = _of_object(tok)
        if obj is not None:
            return obj
    nxt = _next_of_object(doc, end)
    if nxt is not None:
        return nxt
    root = doc[start:end].root
    if root.dep_ in ("nummod", "compound", "amod", "quantmod") and root.head.pos_ == "NOUN" and root.head.i >= end:
        return root.head
    for tok in (doc[end - 1], root):
        held = _of_head(tok)
        if held is not None:
            return held
    return _percent_subject(root)


def _joins_number_words(doc: Doc, i: int) -> bool:
    """'twenty' '-' 'five' and 'hundred' 'and' 'fifty' continue a number phrase."""
    if i + 1 >= len(doc) or doc[i + 1].lower_ not in _WORDS:
        return False
    t, prev = doc[i], doc[i - 1]
    if t.text in "-‐" and not prev.whitespace_ and prev.lower_ in _WORDS:
        return True
    return t.lower_ == "and" and prev.lower_ in _SCALES


_RATIO_AFTER = frozenset({"as", "more", "less", "fewer", "the", "that", "higher", "larger", "bigger", "greater",
                          "faster", "cheaper", "smaller", "lower", "over"})
_DAY_PARTS = frozenset({"morning", "afternoon", "evening", "night"})


def _not_an_amount(doc: Doc, start: int, end: int) -> bool:
    """Numbers that count nothing: ratios ("ten times the cost"), idioms ("by the dozen", "by the hundreds"),
    clock times in words ("at four in the afternoon") and an airliner series standing for its type ("the 757
    carries", "a 737 landed")."""
    n = len(doc)
    nxt = doc[end] if end < n else None
    prev = doc[start - 1] if start > 0 else None
    if nxt is not None and nxt.lower_ == "times" and end + 1 < n and (doc[end + 1].lower_ in _RATIO_AFTER or doc[end + 1].tag_ == "JJR"):
        return True
    if prev is not None and prev.lower_ == "the" and start > 1 and doc[start - 2].lower_ == "by" \
            and (nxt is None or nxt.pos_ not in ("NOUN", "PROPN", "ADJ", "NUM")):
        return True  # "by the dozen", "by the hundreds"; not "followed by the seven crew members"
    if nxt is not None and nxt.lower_ == "in" and end + 2 < n and doc[end + 1].lower_ == "the" and doc[end + 2].lower_ in _DAY_PARTS:
        return True
    from dagster_project.nlp.extract.aircraft import airliner_series  # deferred: aircraft imports spaCy patterns

    determined = prev is not None and (prev.tag_ in ("DT", "PRP$") or prev.lower_ in ("first", "last", "new"))
    counted = nxt is not None and nxt.tag_ in ("NNS", "NNPS")
    return end - start == 1 and doc[start].text in airliner_series() and determined and not counted


def _range_partner_unit(doc: Doc, end: int) -> tuple[str | None, str | None]:
    """A number with no unit of its own that opens a range shares the unit written after the second number
    ("between 6,000 and 10,000 litres", "from 20 to 30 tonnes"): (None, unit), else (None, None)."""
    if end + 2 >= len(doc) or doc[end].lower_ not in ("and", "to", "-", "–") or not _is_number_token(doc[end + 1]):
        return None, None
    k = end + 2
    while k < len(doc) and (doc[k].lower_ in _SCALES):
        k += 1
    after = _unit_at(doc, k) if k < len(doc) else None
    return (None, normalize_unit(after[1])) if after is not None else (None, None)


def find_quantities(doc: Doc) -> list[QuantityMatch]:
    """Every quantity in a parsed Doc, in order (see the module docstring for what counts)."""
    out: list[QuantityMatch] = []
    i, n = 0, len(doc)
    while i < n:
        tok = doc[i]
        low = tok.lower_
        vague = low in VAGUE and not (low == "tens" and not (i + 2 < n and doc[i + 1].lower_ == "of"
                                                           and doc[i + 2].lower_ in VAGUE))
        if not (_is_number_token(tok) or vague or (low in ("a", "an") and i + 1 < n and doc[i + 1].lower_ in _SCALES)):
            i += 1
            continue
        start = end = i
        # Extend over the number phrase: "three million", "one hundred and fifty", "twenty-five", "tens of thousands".
        end = i + 1
        while end < n:
            t = doc[end]
            if t.lower_ in _SCALES or t.lower_ in _SCALE_ABBREV and not doc[end - 1].whitespace_ and doc[end - 1].like_num or t.lower_ in _WORDS and t.lower_ not in ("a", "an") and doc[end - 1].lower_ in _NUMBER_WORDS:
                end += 1
            elif _joins_number_words(doc, end):
                end += 2
            elif vague and t.lower_ == "of" and end + 1 < n and doc[end + 1].lower_ in VAGUE:
                end += 2  # "tens of thousands"
            else:
                break
        numeric = doc[start:end]
        # Currency sign or code before ("$2.3 billion", "US$5m", "€40m").
        cur_surface: str | None = None
        if start > 0 and doc[start - 1].lower_ in _CURRENCY_BEFORE and not vague:
            start -= 1
            cur_surface = doc[start].text
        unit_surface: str | None = cur_surface
        unit = normalize_unit(cur_surface) if cur_surface else None
        after = _unit_at(doc, end) if end < n else None
        pound: str | None = None
        if after is None and cur_surface is None and end < n and doc[end].lower_ in ("pound", "pounds"):
            after, pound = (end + 1, doc[end].text), _pound_unit(doc, end)
        if after is None and end + 1 < n and doc[end].text in "-‐" and not doc[end - 1].whitespace_:
            hyph = _unit_at(doc, end + 1)
            if hyph is None and cur_surface is None and doc[end + 1].lower_ == "pound":
                hyph, pound = (end + 2, doc[end + 1].text), _pound_unit(doc, end + 1)  # "a 2,000-pound bomb"
            if hyph is not None and normalize_unit(hyph[1]) not in CURRENCIES:
                after = hyph  # "35-ton"
        if vague and after is None and end + 1 < n and doc[end].lower_ == "of":
            of_unit = _unit_at(doc, end + 1)
            if of_unit is not None and normalize_unit(of_unit[1]) in CURRENCIES:
                after = of_unit  # "billions of dollars"
        if after is not None and unit is None:
            end, unit_surface = after
            unit = pound or normalize_unit(unit_surface)
        elif after is not None and normalize_unit(after[1]) in CURRENCIES and unit in CURRENCIES:
            end = after[0]  # "$5 dollars" is rare; keep the sign's currency
        words = [t.lower_ for t in numeric]
        glued = _DIGITS_SCALE_RE.match(numeric.text.lower().replace(" ", ""))
        bare_letter = (glued and glued.group(2) in _AMBIGUOUS_SCALES) or (
            len(numeric) > 1 and numeric[-1].lower_ in _AMBIGUOUS_SCALES)
        if bare_letter and cur_surface is None:
            i = max(end, i + 1)
            continue
        lone = len(words) == 1 and words[0] in ("one",) and unit is None
        fraction = end + 1 < n and doc[end].text in "-‐" and doc[end + 1].lower_.rstrip("s") in _FRACTIONS
        if fraction:
            i = end + 2
            continue
        if _not_an_amount(doc, numeric.start, numeric.end):
            i = max(end, i + 1)
            continue
        attribute = _duration_attribute(doc, numeric.start, numeric.end) if unit is None and not vague else None
        if attribute is not None and (value := parse_number(numeric.text)) is not None:
            # "an endurance of 30 hours": a duration stated as the value of an attribute is a measurement
            qualifier = _qualifier(doc, numeric.start)[0]
            span = doc[numeric.start:numeric.end + 1]
            unit_word = doc[numeric.end].lower_
            out.append(QuantityMatch(span, "QUANTITY", QuantityParse(
                value, _DURATION_UNITS[unit_word], doc[numeric.end].text, attribute.lower_, qualifier)))
            i = numeric.end + 1
            continue
        if lone or any(_in_name(t) for t in numeric) or _date_or_time(doc, numeric.start, numeric.end) \
                or _label_or_listing(doc, numeric.start, numeric.end) or (tok.ent_type_ in ("DATE", "TIME") and not vague and _is_year(tok)):
            i = max(end, i + 1)
            continue
        # "a few hundred", "several thousand": a scale word after a vague determiner is a vague amount.
        few = len(numeric) == 1 and numeric[0].lower_ in _SCALES and numeric.start > 0 \
            and doc[numeric.start - 1].lower_ in ("few", "several", "many", "couple")
        value = None if vague or few else parse_number(numeric.text)
        if value is None and not (vague or few):
            i = max(end, i + 1)
            continue
        if value is not None and start > 0 and doc[start - 1].lower_ == "minus" and cur_surface is None:
            start -= 1  # "minus 27 degrees Celsius": the sign is part of the number
            value = -value
        if unit is None and after is None:
            unit_surface, unit = _range_partner_unit(doc, end)
        qualifier, _ = _qualifier(doc, start)
        qualifier = qualifier or _qualifier_after(doc, end)
        span = doc[start:end]
        unit = unit or "count"
        if unit == "percent":
            noun = _clean_noun(_measured_thing(doc, start, end))
            label = "PERCENT"
        elif unit in CURRENCIES:
            # "billions of dollars": the dollars are what is counted; else what the money pays for or measures.
            noun = unit_surface.lower() if vague and unit_surface else _clean_noun(_measured_thing(doc, start, end))
            label = "MONEY"
        elif unit != "count":
            unit_tok = doc[end - 1]
            noun = _clean_noun(_of_object(unit_tok) or _next_of_object(doc, end))
            if noun is None and end < n and doc[start:end].text.find("-") > 0:
                noun = _clean_noun(unit_tok.head if unit_tok.head.i >= end else None)  # "a 35-ton truck"
            if noun is None:
                noun = _clean_noun(_of_head(unit_tok))  # "a range of 9,000 km", "a payload of 20 tonnes"
            if noun is None and unit in _SPEED_UNITS:
                # "the wind was gusting over 60 km/h" -> wind; else "flying at 500 mph" measures a speed
                noun = _clean_noun(_percent_subject(doc[start:end].root)) or "speed"
            label = "QUANTITY"
        else:
            noun = _clean_noun(_counted_noun(doc, start, end))
            if noun is None:
                noun = _clean_noun(_predicate_subject(doc[start:end].root))
            label = "CARDINAL"
        if noun is not None and any(noun == t.lower_ and _is_number_text(t.text) for t in doc[start:end]):
            noun = None  # a number never counts itself
        trim = len(span.text) - len(span.text.rstrip(".")) if unit_surface and span.text.endswith(".") \
            and not unit_surface.endswith(".") else 0
        out.append(QuantityMatch(span, label, QuantityParse(value, unit, unit_surface, noun, qualifier), trim))
        i = max(end, i + 1)
    return _share_counted_objects(doc, out)


_RANGE_JOINS = frozenset({"and", "to", "-", "–", "or"})
# Durations are not quantities (a "three months" deployment is a time span), except as the value of one of these
# attributes: "an endurance of 30 hours", "a flight time of 14 hours", "a service life of 30 years".
_DURATION_ATTRIBUTES = frozenset({"endurance", "time", "duration", "life", "lifespan", "lifetime", "range"})
_DURATION_UNITS = {"second": "second", "seconds": "second", "minute": "minute", "minutes": "minute", "hour": "hour",
                   "hours": "hour", "day": "day", "days": "day", "week": "week", "weeks": "week", "month": "month",
                   "months": "month", "year": "year", "years": "year"}


def _duration_attribute(doc: Doc, start: int, end: int) -> Token | None:
    """The attribute noun of "<attribute> of [hedge] N <time unit>", else None."""
    if end >= len(doc) or doc[end].lower_ not in _DURATION_UNITS:
        return None
    of_i = _qualifier(doc, start)[1] - 1
    if of_i < 1 or doc[of_i].lower_ != "of":
        return None
    noun = doc[of_i - 1]
    return noun if noun.lower_ in _DURATION_ATTRIBUTES and noun.pos_ == "NOUN" else None


def _elliptic(doc: Doc, q: QuantityMatch) -> bool:
    """A count or percentage standing alone where its noun was left out: nothing nominal follows it and it is the
    object of a preposition other than "of" or a conjunct ("built for 90", "including 70 by the Air Force", "1 to 2
    percent for airliners, 10 percent for bombers"); not "a target of 800", "three others", "five of whom"."""
    if q.parse.unit not in ("count", "percent"):
        return False
    nxt = next((t for t in doc[q.span.end:q.span.end + 3] if not t.is_space), None)
    # "down from 5,200 last year": a time phrase after the number is no noun of its own
    timeword = nxt is not None and nxt.lower_ in ("last", "this", "next", "a", "each", "per") and nxt.i + 1 < len(doc) \
        and doc[nxt.i + 1].lower_ in ("year", "month", "week", "day", "night", "time", "decade", "season", "spring",
                                      "summer", "autumn", "fall", "winter")
    if nxt is not None and not timeword and (nxt.pos_ in ("NOUN", "PROPN", "ADJ", "NUM", "DET")
                                             or nxt.lower_ in ("of", "per", "others")):
        return False
    root = q.span.root
    if timeword and nxt is not None and root.dep_ in ("nummod", "npadvmod") and root.head.i > root.i \
            and root.head.lower_ == doc[nxt.i + 1].lower_:
        root = root.head  # the parser hung the number on the time phrase ("from 5,200 last year")
    if root.dep_ == "pobj":
        return root.head.lower_ != "of"
    return root.dep_ in ("conj", "appos", "npadvmod", "dobj")


def _share_counted_objects(doc: Doc, found: list[QuantityMatch]) -> list[QuantityMatch]:
    """Counted objects written once for several numbers, in the same sentence and unit.

    A range states its noun after the second bound ("between 40 and 60 soldiers": 40 soldiers, 60 soldiers); a number
    repeated after its noun leaves it out ("the transport carried 500 people ... built for 90", "2,350 hulls have been
    lost, including 70 by the Air Force"): it takes the nearest earlier object of the same unit in its sentence.
    """
    out = _share_in_ranges(doc, list(found))
    for k, q in enumerate(out):
        if q.parse.quantified is not None or q.parse.value is None or not _elliptic(doc, q):
            continue
        for prev in reversed(out[:k]):
            # same sentence: no sentence-closing token or line break between (the parser's sentence split stumbles
            # on abbreviations such as "U.S.," inside long comparisons)
            between = doc[prev.span.end:q.span.start]
            if any(t.text in (".", "!", "?") or "\n" in t.text or "\n" in t.whitespace_ for t in between) or len(between) > 40:
                break
            if prev.parse.unit == q.parse.unit and prev.parse.quantified is not None:
                out[k] = replace(q, parse=replace(q.parse, quantified=prev.parse.quantified))
                break
    return _share_in_ranges(doc, out)  # again: a range's upper bound may have taken its object from before


def _share_in_ranges(doc: Doc, out: list[QuantityMatch]) -> list[QuantityMatch]:
    for k in range(len(out) - 2, -1, -1):  # right to left, so a chain "10, 20 or 30 tonnes" shares
        a, b = out[k], out[k + 1]
        between = [t for t in doc[a.span.end:b.span.start] if not t.is_space]
        if a.parse.quantified is None and b.parse.quantified is not None and a.parse.unit == b.parse.unit \
                and len(between) == 1 and between[0].lower_ in _RANGE_JOINS:
            out[k] = replace(a, parse=replace(a.parse, quantified=b.parse.quantified))
    return out
