"""Language identification of article bodies with langdetect (offline profiles shipped in the wheel)."""

from __future__ import annotations

import threading

from langdetect import DetectorFactory, LangDetectException, detect_langs

# langdetect samples n-grams at random; a fixed seed makes the answer reproducible.
DetectorFactory.seed = 0
_LOCK = threading.Lock()
MIN_CHARS = 40
MIN_PROBABILITY = 0.7


def detect_language(text: str) -> str | None:
    """ISO 639-1 code of ``text``'s language, or None when the text is too short or too mixed to tell."""
    sample = " ".join(text.split())[:3000]
    if len(sample) < MIN_CHARS:
        return None
    with _LOCK:  # the factory's seed is global state
        try:
            ranked = detect_langs(sample)
        except LangDetectException:
            return None
    if not ranked or ranked[0].prob < MIN_PROBABILITY:
        return None
    return str(ranked[0].lang)
