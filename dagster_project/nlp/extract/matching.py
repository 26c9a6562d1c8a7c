"""A cheaper stand-in for spaCy's Matcher on short fixed-length token patterns.

spaCy's Matcher steps every pattern through every token, so a few hundred patterns (the packaged
``attribute_ruler``) cost as much CPU as a statistical component. :class:`IndexedTokenMatcher` finds the same
``(match_id, start, end)`` matches from token attribute arrays:

- one-token patterns of exact values (the bulk of the attribute ruler: "TAG": "NNS"; "TAG": "PRP", "LOWER":
  "you") are grouped by the attributes they test and looked up in a dict, for candidate tokens only;
- the other patterns become vectorised comparisons over ``doc.to_array`` (each distinct test computed once per
  doc, a regex once per distinct word), matching where every token test holds at consecutive positions;
- a pattern with operators ("OP") or other attributes goes to a spaCy Matcher.

It pays off for many patterns of exact values; for a handful of regex patterns the Matcher is as fast.
tests/test_extract_matchers.py checks the matches against the Matcher's.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

import numpy as np
from spacy.attrs import IDS
from spacy.matcher import Matcher
from spacy.strings import get_string_id
from spacy.tokens import Doc
from spacy.vocab import Vocab

# One test of a token pattern on one attribute column: ("eq", column, hash), ("in" or "not_in", column, hashes)
# or ("regex", column, pattern).
_Test = tuple[str, int, Any]
# Token attributes compared here; patterns on anything else go to the spaCy Matcher.
_ARRAY_ATTRS = ("ORTH", "LOWER", "TAG", "POS", "DEP", "IS_SPACE")


class IndexedTokenMatcher:
    """Matches of fixed-length token patterns, the same as a spaCy Matcher given them (see the module docstring).

    Patterns are added as for a Matcher (``add(key, patterns)``); calling it returns a list of ``(match_id,
    start, end)`` tuples, in no particular order and without duplicates.
    """

    def __init__(self, vocab: Vocab) -> None:
        self.vocab = vocab
        self.fallback = Matcher(vocab, validate=False)
        self.columns: dict[str, int] = {}
        self.tests: list[_Test] = []  # distinct token tests; patterns refer to them by position
        self._test_ids: dict[tuple[str, int, Any], int] = {}
        self.sequences: list[tuple[int, list[list[int]]]] = []  # (match key, test ids of each token)
        # columns -> {values: match keys}, for the one-token patterns of exact values
        self.exact: dict[tuple[int, ...], dict[tuple[int, ...], list[int]]] = {}
        # Per exact group, its most varied column and that column's values: only tokens with one of them can match.
        self._filters: dict[tuple[int, ...], tuple[int, np.ndarray]] = {}

    def add(self, key: str, patterns: list[list[dict[str, Any]]]) -> None:
        match_key = self.vocab.strings.add(key)
        for pattern in patterns:
            token_tests = [self._token_tests(token) for token in pattern]
            ids = [tests for tests in token_tests if tests is not None]
            if len(ids) < len(token_tests) or not ids:
                self.fallback.add(key, [pattern])
            elif len(ids) == 1 and all(self.tests[t][0] == "eq" for t in ids[0]):
                exact = sorted(self.tests[t][1:] for t in ids[0])
                group = self.exact.setdefault(tuple(c for c, _ in exact), {})
                group.setdefault(tuple(v for _, v in exact), []).append(match_key)
            else:
                self.sequences.append((match_key, ids))
        self._filters = {}
        for columns, table in self.exact.items():
            distinct = [{row[k] for row in table} for k in range(len(columns))]
            k = max(range(len(columns)), key=lambda k: len(distinct[k]))
            self._filters[columns] = (columns[k], np.array(sorted(distinct[k]), dtype=np.uint64))

    def _token_tests(self, token: dict[str, Any]) -> list[int] | None:
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
                test = ident = ("eq", column, self.vocab.strings.add(value))
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

    def __call__(self, doc: Doc, *, allow_missing: bool = False, as_spans: bool = False) -> list[tuple[int, int, int]]:
        assert not as_spans, "only (match_id, start, end) tuples are supported"
        found: set[tuple[int, int, int]] = set()
        if len(self.fallback):
            found.update(self.fallback(doc, allow_missing=allow_missing))
        n = len(doc)
        if not n or not self.columns:
            return list(found)
        attrs = [IDS[a] for a in self.columns]
        values = doc.to_array(attrs).reshape(n, len(attrs))
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
    hits = [h for h in np.unique(column).tolist() if _regex_hit(value, doc.vocab.strings[h])]
    return _isin(column, np.array(hits, dtype=np.uint64))


@lru_cache(maxsize=1 << 16)
def _regex_hit(pattern: re.Pattern[str], word: str) -> bool:
    """Cached: the same words come back in every article."""
    return pattern.search(word) is not None


def _isin(column: np.ndarray, values: np.ndarray) -> np.ndarray:
    """``np.isin``, which sorts; a few equality tests are several times faster for the short sets used here."""
    if len(values) > 16:
        return np.isin(column, values)
    mask = np.zeros(len(column), dtype=bool)
    for value in values:
        mask |= column == value
    return mask
