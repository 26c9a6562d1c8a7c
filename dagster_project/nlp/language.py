"""Language identification of article bodies with langdetect (offline profiles shipped in the wheel).

langdetect spends nearly all of its time in per-character Python loops (text cleaning, n-gram
extraction) and in a per-language loop run for every sampled n-gram; in a build that was most
of the parsing time. :class:`_Detector` keeps langdetect's profiles, its random sampling and its
arithmetic, operation for operation, and only rewrites those loops (regex scans, list
comprehensions, a per-character cache), so it returns exactly what ``langdetect.detect_langs``
returns (``tests/test_language.py`` compares the two). The profiles are read as langdetect reads
them, but each n-gram's probability vector is built when a detection first draws it
(:class:`_Profiles`) instead of all 87,598 up front.
"""

from __future__ import annotations

import functools
import json
import os
import re
import threading

import numpy as np
import numpy.typing as npt
from langdetect import DetectorFactory, LangDetectException
from langdetect.detector import Detector
from langdetect.detector_factory import PROFILES_DIRECTORY
from langdetect.lang_detect_exception import ErrorCode
from langdetect.utils.ngram import NGram

# langdetect samples n-grams at random; a fixed seed makes the answer reproducible.
DetectorFactory.seed = 0
_LOCK = threading.Lock()
MIN_CHARS = 40
MIN_PROBABILITY = 0.7

# langdetect's cleaning counts characters in the ASCII range 'A'..'z' (which includes [\]^_`) as
# Latin, and every character from U+0300 up as non-Latin (its exception for Latin Extended
# Additional compares a block number with a block name, so it never applies; kept as is).
_ASCII_A_TO_z = re.compile("[A-z]")
_FROM_U0300 = re.compile("[\u0300-\U0010ffff]")
_SPACE_RUN = re.compile(" {2,}")


class _Profiles:
    """The shipped profiles in the shape ``Detector`` reads from a ``DetectorFactory``, built lazily.

    ``DetectorFactory.load_profile`` turns every n-gram of every profile into a 55-float list (0.4 s of
    every build that parses one article); a detection draws a few hundred n-grams. Here the profiles'
    JSON is read the same way (same files, same order) and :meth:`vector` computes one n-gram's list
    with langdetect's arithmetic when it is first needed. ``word_lang_prob_map`` is only used for
    membership ("is this a profile n-gram"), so it is the set of every profile's n-grams.
    """

    def __init__(self, directory: str) -> None:
        files = os.listdir(directory)
        self._size = len(files)  # load_profile sizes the vectors by the directory listing, as here
        self.langlist: list[str] = []
        self._freqs: list[dict[str, int]] = []
        self._n_words: list[list[int]] = []
        for name in files:
            path = os.path.join(directory, name)
            if name.startswith(".") or not os.path.isfile(path):
                continue
            with open(path, encoding="utf-8") as fh:
                data = json.load(fh)
            self.langlist.append(data["name"])
            self._freqs.append(data.get("freq") or {})
            self._n_words.append(data.get("n_words") or [0, 0, 0])
        self.word_lang_prob_map: frozenset[str] = frozenset().union(*self._freqs)

    @property
    def seed(self) -> int | None:
        return DetectorFactory.seed  # type: ignore[no-any-return]

    def vector(self, ngram: str) -> list[float]:
        """``DetectorFactory.add_profile``'s list for ``ngram``: its frequency over the profile's n-gram count of
        that length, 0.0 where a profile lacks it (and for n-grams longer than three characters)."""
        out = [0.0] * self._size
        length = len(ngram)
        if 1 <= length <= 3:
            for index, (freq, n_words) in enumerate(zip(self._freqs, self._n_words, strict=True)):
                count = freq.get(ngram)
                if count is not None:
                    out[index] = 1.0 * count / n_words[length - 1]
        return out


@functools.cache
def _factory() -> _Profiles:
    """The shipped profiles, read once (langdetect's own ``detect_langs`` loads the same directory)."""
    return _Profiles(PROFILES_DIRECTORY)


@functools.lru_cache(maxsize=65536)
def _norm_char(ch: str) -> str:
    # NGram.normalize is a pure function of one character (a Unicode block look-up by bisection).
    return str(NGram.normalize(ch))


@functools.lru_cache(maxsize=16384)
def _word_ngrams(word: str) -> tuple[str, ...]:
    """The profile n-grams langdetect extracts from one word (and the space after it, when any).

    At each character ``ch`` (after the space that opened the word) the window is the text up
    to ``ch``, at most three characters long; its 1-, 2- and 3-character tails are kept when the
    profiles know them, except inside an all-capitals word (``ch`` and the one before it upper case).
    """
    known = _factory().word_lang_prob_map
    s = " " + word
    out: list[str] = []
    for j in range(1, len(s)):
        ch, last = s[j], s[j - 1]
        if ch.isupper() and last.isupper():
            continue
        if ch != " " and ch in known:
            out.append(ch)
        if s[j - 1 : j + 1] in known:
            out.append(s[j - 1 : j + 1])
        if j >= 2 and s[j - 2 : j + 1] in known:
            out.append(s[j - 2 : j + 1])
    return tuple(out)


@functools.lru_cache(maxsize=20_000)
def _profile_vector(ngram: str) -> npt.NDArray[np.float64]:
    """The per-language probabilities of one profile n-gram, as a vector (in ``langlist`` order)."""
    vector = np.array(_factory().vector(ngram), dtype=np.float64)
    vector.flags.writeable = False  # shared through the cache
    return vector


class _Detector(Detector):  # type: ignore[misc]
    """langdetect's Detector with its hot loops rewritten; same inputs to the same float operations."""

    text: str  # set by Detector.__init__ (the base class is untyped)

    def append(self, text: str) -> None:
        text = self.URL_RE.sub(" ", text)
        text = self.MAIL_RE.sub(" ", text)
        text = NGram.normalize_vi(text)
        # The original copies character by character, dropping a space that follows a space.
        self.text += _SPACE_RUN.sub(" ", text[: self.max_text_length])

    def cleaning_text(self) -> None:
        latin = len(_ASCII_A_TO_z.findall(self.text))
        non_latin = len(_FROM_U0300.findall(self.text))
        if latin * 2 < non_latin:
            self.text = _ASCII_A_TO_z.sub("", self.text)

    def _extract_ngrams(self) -> list[str]:
        # NGram.add_char / get keep a window of the last three normalized characters, restarted at
        # each space, so the n-grams of a word depend on the word alone: they are computed once
        # per distinct word (and whether a space follows it), in the original order.
        words = "".join(map(_norm_char, self.text)).split(" ")
        result: list[str] = []
        for w in words[:-1]:
            if w:
                result.extend(_word_ngrams(w + " "))
        if words[-1]:
            result.extend(_word_ngrams(words[-1]))
        return result

    def _detect_block(self) -> None:
        # Detector._detect_block with the language-probability vector as a numpy array: each
        # element still gets ``p * (weight + q)`` and ``p / sum`` (both correctly rounded, as in
        # Python), the sum is Python's left-to-right ``sum`` as before, and the random draws are
        # the same calls in the same order, so every trial ends on the same numbers.
        self.cleaning_text()
        ngrams = self._extract_ngrams()
        if not ngrams:
            raise LangDetectException(ErrorCode.CantDetectError, "No features in text.")
        self.langprob = [0.0] * len(self.langlist)
        self.random.seed(self.seed)
        for _ in range(self.n_trial):
            prob = np.array(self._init_probability(), dtype=np.float64)
            alpha = self.alpha + self.random.gauss(0.0, 1.0) * self.ALPHA_WIDTH
            weight = alpha / self.BASE_FREQ
            i = 0
            while True:
                # Every extracted n-gram is in the profiles, so each draw updates the vector.
                prob *= weight + _profile_vector(self.random.choice(ngrams))
                if i % 5 == 0:
                    prob /= sum(prob.tolist())
                    # max() over 0.0 and the values is the original ``if maxp < p: maxp = p`` scan.
                    if max(0.0, *prob.tolist()) > self.CONV_THRESHOLD or i >= self.ITERATION_LIMIT:
                        break
                i += 1
            for j, p in enumerate(prob.tolist()):
                self.langprob[j] += p / self.n_trial


def detect_language(text: str) -> str | None:
    """ISO 639-1 code of ``text``'s language, or None when the text is too short or too mixed to tell."""
    sample = " ".join(text.split())[:3000]
    if len(sample) < MIN_CHARS:
        return None
    with _LOCK:  # the factory's seed is global state
        try:
            detector = _Detector(_factory())
            detector.append(sample)
            ranked = detector.get_probabilities()
        except LangDetectException:
            return None
    if not ranked or ranked[0].prob < MIN_PROBABILITY:
        return None
    return str(ranked[0].lang)
