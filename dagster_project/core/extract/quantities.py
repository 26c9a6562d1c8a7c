"""Quantities: a numeric value, a normalized unit and the noun counted or measured."""

from __future__ import annotations

import re
from dataclasses import dataclass

from spacy.tokens import Span, Token

_WORDS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15,
    "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30,
    "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90, "a": 1, "an": 1,
}
_SCALES = {"hundred": 100, "thousand": 1_000, "million": 1_000_000, "billion": 1_000_000_000, "trillion": 10**12}
_VAGUE = {"dozens", "hundreds", "thousands", "millions", "billions", "scores", "several", "many", "few", "dozen"}
UNITS = {
    "%": "percent", "percent": "percent", "per cent": "percent",
    "ton": "tonne", "tons": "tonne", "tonne": "tonne", "tonnes": "tonne", "t": "tonne",
    "kg": "kilogram", "kilogram": "kilogram", "kilograms": "kilogram",
    "km": "kilometre", "kilometre": "kilometre", "kilometres": "kilometre", "kilometer": "kilometre",
    "kilometers": "kilometre", "mile": "mile", "miles": "mile", "metre": "metre", "metres": "metre",
    "meter": "metre", "meters": "metre", "m": "metre",
    "$": "USD", "us$": "USD", "dollar": "USD", "dollars": "USD", "usd": "USD",
    "€": "EUR", "euro": "EUR", "euros": "EUR", "eur": "EUR", "£": "GBP", "pound": "GBP", "pounds": "GBP",
    "rouble": "RUB", "roubles": "RUB", "ruble": "RUB", "rubles": "RUB",
    "hour": "hour", "hours": "hour", "day": "day", "days": "day",
}
QUALIFIERS = ("more than", "less than", "fewer than", "at least", "at most", "up to", "about", "around",
              "nearly", "almost", "approximately", "roughly", "some", "over", "under", "as many as")


@dataclass(frozen=True)
class QuantityParse:
    value: float | None
    unit: str
    unit_surface: str | None
    quantified: str | None
    qualifier: str | None


def parse_number(text: str) -> float | None:
    """'35' -> 35.0, '800,000' -> 800000.0, 'three million' -> 3e6, 'dozens' -> None."""
    t = text.lower().replace(",", "").strip()
    t = re.sub(r"[%$€£]", "", t).strip()
    try:
        return float(t)
    except ValueError:
        pass
    total, current, seen = 0.0, 0.0, False
    for word in re.split(r"[\s-]+", t):
        if not word or word == "and":
            continue
        if re.fullmatch(r"\d+(?:\.\d+)?", word):
            current += float(word)
            seen = True
        elif word in _WORDS:
            current += _WORDS[word]
            seen = True
        elif word in _SCALES:
            current = max(current, 1.0) * _SCALES[word]
            if _SCALES[word] >= 1000:
                total += current
                current = 0.0
            seen = True
        else:
            return None
    return total + current if seen else None


def _object_of(noun: Token) -> Token | None:
    """'tons of equipment' -> equipment."""
    for prep in noun.children:
        if prep.dep_ == "prep" and prep.lower_ == "of":
            for obj in prep.children:
                if obj.dep_ == "pobj":
                    return obj
    return None


def _quantified_noun(span: Span) -> tuple[str | None, str | None, str | None]:
    """(unit_surface, unit, noun) from the dependency parse around the number."""
    root: Token = span.root
    noun: Token | None = None
    if root.pos_ in ("NOUN", "PROPN") and not root.like_num:
        noun = root  # the span already contains its noun: "35 tons", "three million people"
    elif root.head is not root and root.head.pos_ in ("NOUN", "PROPN"):
        noun = root.head  # "100 Russian soldiers": 100 is a nummod of soldiers
    unit_surface = unit = None
    if noun is not None and noun.lower_ in UNITS:
        unit_surface, unit = noun.text, UNITS[noun.lower_]
        noun = _object_of(noun)
    elif noun is not None and noun.lower_ in _VAGUE:
        noun = _object_of(noun)
    for tok in span:
        if unit is None and tok.lower_ in UNITS and not tok.like_num:
            unit_surface, unit = tok.text, UNITS[tok.lower_]
    if noun is not None and (noun.lower_ in UNITS or noun.like_num):
        noun = None
    return unit_surface, unit, (noun.lower_ if noun is not None else None)


def parse_quantity(span: Span) -> QuantityParse:
    text = span.text
    low = text.lower()
    qualifier = next((q for q in QUALIFIERS if low.startswith(q + " ")), None)
    if qualifier is None:
        prev = span.doc[max(span.start - 2, 0): span.start].text.lower()
        qualifier = next((q for q in QUALIFIERS if prev.endswith(q)), None)
    core = text[len(qualifier) + 1:] if qualifier and low.startswith(qualifier + " ") else text
    unit_surface, unit, noun = _quantified_noun(span)
    words = [w for w in re.split(r"\s+", core) if w]
    numeric = [w for w in words if w.lower() not in UNITS or w in "%$€£"]
    value = parse_number(" ".join(numeric)) if numeric else None
    if any(w.lower() in _VAGUE for w in words):
        value = None
    if "%" in text or "percent" in low or "per cent" in low:
        unit_surface, unit = unit_surface or "%", "percent"
    if "$" in text:
        unit_surface, unit = unit_surface or "$", "USD"
    return QuantityParse(value, unit or "count", unit_surface, noun, qualifier)
