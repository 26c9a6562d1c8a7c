"""Text keys shared by the extractors and the resolver: accent folding and id slugs.

One definition, so a person, place or aircraft key folds the same way wherever it is built.
(The evaluation harness keeps its own fold on purpose: it must not share code with what it scores.)
"""

from __future__ import annotations

import hashlib
import re
import unicodedata

from anyascii import anyascii

_SPACES = re.compile(r"\s+")


def strip_accents(text: str) -> str:
    """'Nicolás Maiquetía' -> 'Nicolas Maiquetia' (NFKD, combining marks dropped)."""
    if text.isascii():  # already decomposed, nothing to drop (the gazetteers fold ~350,000 names per process)
        return text
    return "".join(ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch))


def fold(text: str) -> str:
    """Accent-folded, lower-cased, whitespace-normalized form used as a matching key."""
    return _SPACES.sub(" ", strip_accents(text).replace("’", "'")).strip().lower()


def _latin(ch: str) -> bool:
    return ch.isascii() or not ch.isalpha() or unicodedata.name(ch, "").startswith("LATIN")


def slug(text: str) -> str:
    """The key part of an entity id: folded, transliterated to ASCII, every run of other characters as one '-'.

    Names in other scripts are transliterated with anyascii ('Αλέξης Τσίπρας' -> 'alexis-tsipras',
    '习近平' -> 'xijinping'), and a short hash of the original is appended: a transliteration can map two
    names to the same letters, and the id must stay unique. Latin names keep their old ids (no suffix).
    """
    folded = fold(text)
    if not folded:
        return "x"
    key = re.sub(r"[^a-z0-9]+", "-", anyascii(folded).lower() if not folded.isascii() else folded).strip("-")
    if all(map(_latin, folded)) and key:
        return key
    digest = hashlib.sha256(folded.encode()).hexdigest()[:8]
    return f"{key}-{digest}" if key else digest
