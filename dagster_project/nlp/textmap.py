"""Build a clean text while remembering where every character came from in the raw text.

Cleaning (dropping tags, boilerplate, markup) is done by appending pieces to a
:class:`TextBuilder`. A piece is either *copied* from the raw text (one clean character
per raw character) or *replaced* (an entity such as ``&amp;`` becoming ``&``, or a
synthetic paragraph break). The resulting :class:`OffsetMap` maps any clean span back to
the raw span it came from, which is what lets every mention carry ``raw_start``/``raw_end``.
"""

from __future__ import annotations

import bisect
import json
import operator
from dataclasses import dataclass, field

# raw_start/raw_end of a piece whose clean text has no place in the raw text (a web page's paragraph that the
# extractor did not take verbatim from the HTML, see ingest/html.py): spans touching it have no raw offsets.
UNMAPPED = -1


@dataclass(frozen=True)
class Piece:
    """A run of clean text ``[clean_start, clean_end)`` produced from raw ``[raw_start, raw_end)``.

    When ``copied`` the two runs have the same length and map character by character;
    otherwise the whole clean run maps to the whole raw run.
    """

    clean_start: int
    clean_end: int
    raw_start: int
    raw_end: int
    copied: bool


_clean_start = operator.attrgetter("clean_start")


@dataclass
class OffsetMap:
    """Clean-to-raw offset mapping made of sorted, contiguous pieces."""

    pieces: list[Piece] = field(default_factory=list)

    def _piece_at(self, pos: int) -> Piece:
        # Bisect on the pieces themselves: O(log n) per look-up, where building the list of starts
        # first cost O(n) for every mention of an article.
        i = bisect.bisect_right(self.pieces, pos, key=_clean_start) - 1
        return self.pieces[max(i, 0)]

    def raw_pos(self, pos: int) -> int:
        """Raw offset of the clean character at ``pos``."""
        if not self.pieces:
            return pos
        p = self._piece_at(pos)
        if p.copied:
            return p.raw_start + (pos - p.clean_start)
        return p.raw_start

    def raw_span(self, start: int, end: int) -> tuple[int, int]:
        """Raw ``[start, end)`` covering the clean ``[start, end)``; ``end`` is exclusive."""
        if not self.pieces:
            return start, end
        if self._piece_at(start).raw_start == UNMAPPED or self._piece_at(max(end - 1, start)).raw_start == UNMAPPED:
            return UNMAPPED, UNMAPPED
        if end <= start:
            r = self.raw_pos(start)
            return r, r
        first = self.raw_pos(start)
        last_piece = self._piece_at(end - 1)
        if last_piece.copied:
            last = last_piece.raw_start + (end - 1 - last_piece.clean_start) + 1
        else:
            last = last_piece.raw_end
        return first, max(last, first)

    def shifted(self, clean_offset: int) -> OffsetMap:
        """The map of ``text[clean_offset:]``: clean positions move left by ``clean_offset``."""
        out: list[Piece] = []
        for p in self.pieces:
            if p.clean_end <= clean_offset:
                continue
            cut = max(0, clean_offset - p.clean_start)
            raw_cut = cut if p.copied else 0
            out.append(
                Piece(
                    p.clean_start + cut - clean_offset,
                    p.clean_end - clean_offset,
                    p.raw_start + raw_cut,
                    p.raw_end,
                    p.copied,
                )
            )
        return OffsetMap(out)

    def to_json(self) -> str:
        """Compact JSON: a list of ``[clean_start, clean_end, raw_start, raw_end, copied]``."""
        return json.dumps(
            [[p.clean_start, p.clean_end, p.raw_start, p.raw_end, int(p.copied)] for p in self.pieces],
            separators=(",", ":"),
        )

    @classmethod
    def from_json(cls, data: str) -> OffsetMap:
        return cls([Piece(a, b, c, d, bool(e)) for a, b, c, d, e in json.loads(data)])


class TextBuilder:
    """Accumulates clean text and its :class:`OffsetMap`."""

    def __init__(self) -> None:
        self._parts: list[str] = []
        self._pieces: list[Piece] = []
        self._len = 0

    def __len__(self) -> int:
        return self._len

    def copy(self, raw: str, start: int, end: int) -> None:
        """Append ``raw[start:end]`` verbatim."""
        if end <= start:
            return
        chunk = raw[start:end]
        last = self._pieces[-1] if self._pieces else None
        # Merge with the previous piece when contiguous, keeping the map small.
        if last is not None and last.copied and last.raw_end == start and last.clean_end == self._len:
            self._pieces[-1] = Piece(last.clean_start, last.clean_end + len(chunk), last.raw_start, end, True)
        else:
            self._pieces.append(Piece(self._len, self._len + len(chunk), start, end, True))
        self._parts.append(chunk)
        self._len += len(chunk)

    def replace(self, text: str, raw_start: int, raw_end: int) -> None:
        """Append ``text`` standing for raw ``[raw_start, raw_end)`` (e.g. a decoded entity)."""
        if not text:
            return
        self._pieces.append(Piece(self._len, self._len + len(text), raw_start, raw_end, False))
        self._parts.append(text)
        self._len += len(text)

    def last_char(self) -> str:
        for part in reversed(self._parts):
            if part:
                return part[-1]
        return ""

    def build(self) -> tuple[str, OffsetMap]:
        return "".join(self._parts), OffsetMap(list(self._pieces))
