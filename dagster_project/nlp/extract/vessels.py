"""Ship and ship-class names, which the person and place models mistake for people and towns.

"USS Carney", "HMS Ark Royal", "USNS Leroy Grumman" name ships, and later in the report the bare name ("Carney
had shot down 15 drones", "Ark Royal was out operating with us") still names the ship; "Arleigh Burke-class" and
"Nimitz-class" name ship classes. Navy and coast-guard copy is full of them, and ships are named after people and
places, so a person or place mention that is part of such a name, or repeats it, is dropped. Pure text rules: the
prefixes are the navies' own ship prefixes, the class form is the "-class" suffix.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from dagster_project.nlp.extract.mention import Mention

# Ship prefixes of navies and coast guards written in English-language copy.
_PREFIXES = ("USS", "USNS", "USCGC", "HMS", "HMAS", "HMCS", "HMNZS", "INS", "ROKS", "JS", "HNLMS", "HDMS", "KRI", "BRP",
             "PNS", "BNS", "SLNS", "TCG", "ITS", "FS", "ESPS", "NRP", "HNoMS", "HSwMS", "ARA", "BAP", "RFS")
_NAME_WORD = r"(?:[A-Z][\w'\u2019-]*\.?|[A-Z]\.)"
# "USS Wayne E. Meyer (DDG 108)", "HMS Ark Royal", "USS Carney": up to five capitalised words after the prefix.
_SHIP = re.compile(rf"\b(?:{'|'.join(_PREFIXES)})\s+(?P<name>{_NAME_WORD}(?:\s+{_NAME_WORD}){{0,4}})")
# "Arleigh Burke-class", "Nimitz-class", "Ticonderoga class"
_CLASS = re.compile(rf"(?P<name>{_NAME_WORD}(?:\s+{_NAME_WORD}){{0,2}})[-\s]class\b")
# Words that end a ship's name rather than continue it ("USS Porter Sailors", "USS Nimitz Carrier Strike Group").
_STOP = frozenset({"Sailors", "Sailor", "Carrier", "Strike", "Group", "Public", "Affairs", "Command", "Crew", "Departs",
                   "Arrives", "Returns", "The", "A", "An", "In", "On", "At"})


@dataclass(frozen=True)
class VesselNames:
    spans: tuple[tuple[int, int], ...]  # character spans of the ship and class names in the text
    names: frozenset[str]  # the names as written without prefix ("Carney", "Ark Royal", "Arleigh Burke")


def vessel_names(text: str) -> VesselNames:
    spans: list[tuple[int, int]] = []
    names: set[str] = set()
    for pattern in (_SHIP, _CLASS):
        for m in pattern.finditer(text):
            words = m.group("name").split()
            lead = 0
            while lead < len(words) and words[lead].rstrip(".,") in _STOP:
                lead += 1  # "The Nimitz-class carrier"
            keep = []
            for w in words[lead:]:
                if w.rstrip(".,") in _STOP:
                    break
                keep.append(w)
            if not keep:
                continue
            name = " ".join(keep).rstrip(".")
            start = m.start("name") + len(" ".join(words[:lead])) + (1 if lead else 0)
            spans.append((start, start + len(name)))
            names.add(name)
    return VesselNames(tuple(spans), frozenset(names))


def drop_vessel_names(mentions: Iterable[Mention], text: str) -> list[Mention]:
    """The mentions without the people and places that are ships or ship classes (see the module docstring)."""
    found = vessel_names(text)
    out = []
    for m in mentions:
        if m.mention_type in ("person", "place") and found.names and (
            m.surface.rstrip(".") in found.names or any(s <= m.start and m.end <= e for s, e in found.spans)
        ):
            continue
        out.append(m)
    return out
