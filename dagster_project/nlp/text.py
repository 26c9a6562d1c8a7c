"""Text keys shared by the extractors and the resolver: accent folding and id slugs.

One definition, so a person, place or aircraft key folds the same way wherever it is built.
(The evaluation harness keeps its own fold on purpose: it must not share code with what it scores.)
"""

from __future__ import annotations

import re
import unicodedata

_SPACES = re.compile(r"\s+")


def strip_accents(text: str) -> str:
    """'Nicolás Maiquetía' -> 'Nicolas Maiquetia' (NFKD, combining marks dropped)."""
    if text.isascii():  # already decomposed, nothing to drop (the gazetteers fold ~350,000 names per process)
        return text
    return "".join(ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch))


def fold(text: str) -> str:
    """Accent-folded, lower-cased, whitespace-normalized form used as a matching key."""
    return _SPACES.sub(" ", strip_accents(text).replace("’", "'")).strip().lower()


def slug(text: str) -> str:
    """The key part of an entity id: folded, every run of other characters as one '-'."""
    return re.sub(r"[^a-z0-9]+", "-", fold(text)).strip("-") or "x"
