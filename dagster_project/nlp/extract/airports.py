"""Airport names reduced to their distinctive words (no spaCy: entity resolution uses this too)."""

from __future__ import annotations

import re

from dagster_project.nlp.text import fold

_GENERIC_AIRPORT_WORDS = frozenset({
    "airport", "international", "internacional", "internacional)", "air", "base", "airbase", "airfield", "field",
    "aerodrome", "regional", "municipal", "county", "military", "naval", "station", "force", "afb", "ab", "de",
    "del", "la", "el", "the", "of", "and", "y", "national", "aeropuerto", "intl", "heliport", "airstrip",
    "raf", "raaf", "rcaf", "cfb", "nas", "mcas", "jb", "joint", "rnas", "space",
})


def airport_words(text: str) -> list[str]:
    """The distinctive words of an airport name: "RAF Brize Norton" -> ["brize", "norton"]."""
    return [w for w in re.findall(r"[a-z0-9]+", fold(text)) if w not in _GENERIC_AIRPORT_WORDS]
