"""Choosing among legacy encodings that charset-normalizer finds equally likely, by what the letters say.

charset-normalizer scores a decoding by how chaotic and how coherent it looks. For short news text in the
Windows code pages the scores often tie, and its first candidate then wins: Spanish "Peña" in cp1252 came out
as cp1250 "Peńa", Polish "Wałęsa" in cp1250 as cp1252 "Wa³êsa". Names are what this dataset is about, so a
tie is broken here on the letters themselves:

1. **Garbage inside words.** A symbol or a superscript digit glued to letters ("Wa³êsa", "£ódŸ"), or a
   capital after a small letter in the same word ("ódŸ", KOI8-R read as cp1251) is what a wrong code page
   produces; right ones do not.
2. **Words a language can spell.** Each word with letters beyond ASCII should be spellable in one language's
   alphabet: "Garção" is Portuguese, "Garçăo" (ç with ă) is no language's.
3. **Few alphabets for the text.** How many alphabets it takes to spell all those letters (German and French
   names: two; the same bytes read as cp1250 add Polish for "pręts"), then the share of them in the alphabet of
   the language detected in the candidate text (langdetect, ``nlp/language.py``) and in the best single one.

Only decodings that charset-normalizer itself proposes with (nearly) its best chaos score compete, together
with the code pages it says decode the bytes to the same text; cp1252 is added where ISO-8859-1 or -15 is
proposed (they are subsets of it outside 0x80-0x9F, where cp1252 has punctuation and ISO-8859-1 control
characters; WHATWG decodes "latin1" as windows-1252 for that reason).
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from collections.abc import Iterable

from charset_normalizer import CharsetMatches

# Letters beyond a-z that each language's alphabet uses (lower case; upper case is folded before the look-up).
# Western and Central European languages news names come from, the languages of cp1250/cp1252/ISO-8859-x.
ALPHABETS: dict[str, str] = {
    "es": "áéíóúüñ",
    "pt": "áâãàçéêíóôõú",
    "fr": "àâæçéèêëîïôœùûüÿ",
    "it": "àèéìíîòóù",
    "ca": "àçéèíïòóúü·",
    "de": "äöüß",
    "nl": "éèëïóöü",
    "da": "æøåé",
    "no": "æøåéèóô",
    "sv": "åäöé",
    "fi": "åäöšž",
    "is": "áðéíóúýþæö",
    "et": "äöõüšž",
    "pl": "ąćęłńóśźż",
    "cs": "áčďéěíňóřšťúůýž",
    "sk": "áäčďéíĺľňóôŕšťúýž",
    "hu": "áéíóöőúüű",
    "ro": "ăâîșțşţ",
    "sl": "čšž",
    "hr": "čćđšž",
    "lt": "ąčęėįšųūž",
    "lv": "āčēģīķļņšūž",
    "tr": "çğıöşüâî",
    "sq": "çë",
    "ru": "абвгдеёжзийклмнопрстуфхцчшщъыьэюя",
    "uk": "абвгґдеєжзиіїйклмнопрстуфхцчшщьюя",
    "bg": "абвгдежзийклмнопрстуфхцчшщъьюя",
    "sr": "абвгдђежзијклљмнњопрстћуфхцчџш",
    "el": "αάβγδεέζηήθιίϊΐκλμνξοόπρσςτυύϋΰφχψωώ",
}
# The legacy code pages news files come in (Western and Central European, Cyrillic), always tried.
NEWS_CODE_PAGES = ("cp1252", "cp1250", "iso8859_2", "cp1251", "koi8_r")
# A candidate this much chaos worse than charset-normalizer's best is not a tie (its chaos is 0..1).
CHAOS_TIE = 0.05
_WORD = re.compile(r"\S+")


def _strict(data: bytes, encoding: str) -> str | None:
    try:
        return data.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        return None


def candidates(data: bytes, matches: CharsetMatches) -> list[tuple[str, str]]:
    """``(encoding, text)`` of every decoding that competes, charset-normalizer's tied best ones first.

    When it proposes anything, the code pages of :data:`NEWS_CODE_PAGES` compete too: on English text with a few accented names
    charset-normalizer proposed only multi-byte Asian encodings (johab, shift_jis) and no code page at all.
    """
    best = matches.best()
    if best is None:  # no encoding gives plausible text (random bytes): undecodable, as charset-normalizer says
        return []
    names: list[str] = []
    for m in matches:
        if m.chaos > best.chaos + CHAOS_TIE:
            continue
        for name in (m.encoding, *m.could_be_from_charset):
            names.append(name)
            if codecs.lookup(name).name in ("iso8859-1", "iso8859-15", "latin-1"):
                names.append("cp1252")
    names.extend(NEWS_CODE_PAGES)
    out, seen = [], set()
    for name in names:
        canonical = codecs.lookup(name).name
        if canonical in seen:
            continue
        seen.add(canonical)
        text = _strict(data, name)
        if text is not None:
            out.append((name, text))
    return out


def _is_letter(ch: str) -> bool:
    return unicodedata.category(ch)[0] in "LM"


def _script(ch: str) -> str:
    """LATIN, CYRILLIC, GREEK, CJK, HANGUL...: the first word of the character's Unicode name."""
    return unicodedata.name(ch, "?").split(" ", 1)[0]


def _looks_wrong(w: str, i: int) -> bool:
    """Is ``w[i]`` (not ASCII) what a wrong code page makes of a letter?"""
    ch, cat = w[i], unicodedata.category(w[i])
    prev = w[i - 1] if i > 0 else ""
    after = w[i + 1] if i + 1 < len(w) else ""
    if cat[0] in "SNC":  # a symbol, digit or control glued to a letter: "Wa³êsa"
        return any(c and _is_letter(c) for c in (prev, after))
    if not prev or not _is_letter(prev):
        return False
    if cat[0] == "L" and _script(prev) != _script(ch):  # two scripts in one word: "Mar솬"
        return True
    if cat == "Lu" and unicodedata.category(prev) == "Ll":  # a capital after a small letter: "ódŸ"
        return True
    # one small letter among capitals: "ПрИВЕТ"
    return cat == "Ll" and unicodedata.category(prev) == "Lu" and bool(after) and unicodedata.category(after) == "Lu"


def garbled(words: Iterable[str]) -> int:
    """How many non-ASCII characters look like a wrong code page (:func:`_looks_wrong`)."""
    return sum(_looks_wrong(w, i) for w in words for i, ch in enumerate(w) if not ch.isascii())


def _extra_letters(word: str) -> list[str]:
    """The word's non-ASCII letters of the alphabetic scripts :data:`ALPHABETS` describes (others are their own
    script: a Chinese word needs no alphabet)."""
    return [ch for ch in word.lower() if not ch.isascii() and _is_letter(ch)
            and _script(ch) in ("LATIN", "CYRILLIC", "GREEK")]


def spelled(words: list[str]) -> float:
    """Share of the words with non-ASCII letters that one language's alphabet can spell (1.0 when none has any)."""
    marked = [set(_extra_letters(w)) for w in words]
    marked = [m for m in marked if m]
    if not marked:
        return 1.0
    alphabets = [set(a) for a in ALPHABETS.values()]
    return sum(any(m <= a for a in alphabets) for m in marked) / len(marked)


def cohesion(words: list[str], language: str | None) -> tuple[float, float]:
    """(share of non-ASCII letters in the detected language's alphabet, share in the best single alphabet)."""
    letters = [ch for w in words for ch in _extra_letters(w)]
    if not letters:
        return 1.0, 1.0
    best = max(sum(ch in a for ch in letters) for a in ALPHABETS.values()) / len(letters)
    own = ALPHABETS.get(language or "")
    detected = sum(ch in own for ch in letters) / len(letters) if own else 0.0
    return detected, best


def alphabets_needed(words: list[str]) -> int:
    """How many alphabets spell every non-ASCII letter of ``words`` (greedy set cover; a letter no alphabet has
    counts as one more)."""
    left = {ch for w in words for ch in _extra_letters(w)}
    needed = 0
    while left:
        best = max((left & set(a) for a in ALPHABETS.values()), key=len)
        if not best:
            return needed + len(left)
        left -= best
        needed += 1
    return needed


def plausibility(text: str) -> tuple[float, ...]:
    """Higher is more plausible: (-garbled share, spelled words, -alphabets needed, detected-language fit,
    best-alphabet fit)."""
    from dagster_project.nlp.language import detect_language

    words = [w for w in _WORD.findall(text) if not w.isascii()]
    if not words:
        return (0.0, 1.0, 0.0, 1.0, 1.0)
    n = sum(1 for w in words for ch in w if not ch.isascii())
    return (-garbled(words) / n, spelled(words), -alphabets_needed(words), *cohesion(words, detect_language(text)))


def choose(data: bytes, matches: CharsetMatches) -> tuple[str, str] | None:
    """``(text, encoding)``: among the tied candidates, the one whose letters are most plausible.

    charset-normalizer's order breaks remaining ties, so its choice stands unless the letters speak against it.
    """
    found = candidates(data, matches)
    if not found:
        return None
    if len({text for _, text in found}) == 1:
        encoding, text = found[0]
        return text, encoding
    ranked = sorted(enumerate(found), key=lambda c: (plausibility(c[1][1]), -c[0]), reverse=True)
    encoding, text = ranked[0][1]
    # Several code pages can give the same text (ISO-8859-1, cp1254 and cp1252 for most Western text): the name
    # recorded is cp1252 then, the superset readers and browsers use for all three.
    if any(codecs.lookup(e).name == "cp1252" and t == text for e, t in found):
        encoding = "cp1252"
    return text, encoding
