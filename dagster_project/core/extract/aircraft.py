"""Aircraft reference table and the EntityRuler patterns generated from it."""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

AIRCRAFT_LABEL = "AIRCRAFT"


@dataclass(frozen=True)
class AircraftFamily:
    family: str
    manufacturer: str
    model: str
    prefixes: tuple[str, ...]
    number: str
    aliases: tuple[str, ...]
    role: str


@lru_cache(maxsize=1)
def load_aircraft_table() -> tuple[AircraftFamily, ...]:
    """The packaged reference table (``dagster_project/data/aircraft.csv``)."""
    text = resources.files("dagster_project.data").joinpath("aircraft.csv").read_text(encoding="utf-8")
    rows = csv.DictReader(text.splitlines())
    return tuple(
        AircraftFamily(
            r["family"], r["manufacturer"], r["model"],
            tuple(p for p in r["prefixes"].split("|") if p), r["number"],
            tuple(a for a in r["aliases"].split("|") if a), r["role"],
        )
        for r in rows
    )


def _fuzzy_prefix(prefix: str) -> str:
    """Regex for a designator prefix tolerant of the I/l/1 confusion of typed or scanned text."""
    return "".join("[il1]" if ch in "il" else re.escape(ch) for ch in prefix.lower())


def designator_key(text: str) -> str:
    """Normalize a designator for lookup: lower case, no separators, I/l/1 folded to 'i'."""
    t = re.sub(r"[\s\-‐‑–—_.]", "", text.lower())
    return re.sub(r"^[il1]{2}", "ii", t) if re.match(r"^[il1]{2}\d", t) else t


def ruler_patterns() -> list[dict[str, Any]]:
    """EntityRuler patterns: 'An-124', 'AN 124', 'Antonov-124', 'Ilyushin Il-62M', 'II-62'."""
    pats: list[dict[str, Any]] = []
    for fam in load_aircraft_table():
        num = re.escape(fam.number.lower())
        for prefix in fam.prefixes:
            words = prefix.split()
            fp = _fuzzy_prefix(words[-1])
            head = [{"LOWER": w} for w in words[:-1]]
            one = head + [{"LOWER": {"REGEX": rf"^{fp}[-‐‑–]?{num}[a-z]{{0,2}}$"}}]
            two = head + [{"LOWER": {"REGEX": rf"^{fp}$"}}, {"LOWER": {"REGEX": rf"^-?{num}[a-z]{{0,2}}$"}}]
            for p in (one, two):
                pats.append({"label": AIRCRAFT_LABEL, "pattern": p, "id": fam.family})
                maker = fam.manufacturer.lower().split()
                if maker[-1] != words[0]:
                    pats.append({"label": AIRCRAFT_LABEL, "pattern": [{"LOWER": w} for w in maker] + p, "id": fam.family})
        for alias in fam.aliases:
            pats.append({"label": AIRCRAFT_LABEL, "pattern": [{"LOWER": w} for w in alias.lower().split()], "id": fam.family})
    return pats
