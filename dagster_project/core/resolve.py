"""Entity resolution: group mentions into canonical entities."""

from __future__ import annotations

import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from dagster_project.core.extract import Mention


@dataclass(frozen=True)
class Entity:
    entity_id: str
    entity_type: str
    canonical_name: str


def fold(text: str) -> str:
    """Accent-folded, lower-cased, whitespace-normalized form used as a matching key."""
    nfkd = unicodedata.normalize("NFKD", text)
    stripped = "".join(ch for ch in nfkd if not unicodedata.combining(ch))
    return re.sub(r"\s+", " ", stripped.replace("’", "'")).strip().lower()


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", fold(text)).strip("-") or "x"


def _key(m: Mention) -> str:
    if m.mention_type == "aircraft" and m.family:
        return m.family
    return fold(m.surface)


def resolve(mentions: Sequence[Mention]) -> tuple[list[Entity], dict[str, str]]:
    """Canonical entities and a ``mention_id -> entity_id`` map (quantities get none).

    People: a one-word name resolves to the longer name in the same article that ends with
    it ("Maduro" -> "Nicolás Maduro"). Everything else merges on the accent-folded key.
    """
    by_article: dict[str, list[Mention]] = defaultdict(list)
    for m in mentions:
        by_article[m.article_id].append(m)
    key_of: dict[str, tuple[str, str]] = {}
    for arts in by_article.values():
        full_names = [fold(m.surface) for m in arts if m.mention_type == "person" and " " in m.surface.strip()]
        for m in arts:
            if m.mention_type == "quantity":
                continue
            key = _key(m)
            if m.mention_type == "person" and " " not in key:
                longer = sorted({n for n in full_names if n.split()[-1] == key})
                if len(longer) == 1:
                    key = longer[0]
            key_of[m.mention_id] = (m.mention_type, key)
    names: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
    for m in mentions:
        if m.mention_id in key_of:
            k = key_of[m.mention_id]
            if m.mention_type == "aircraft" and m.family:
                names[k][m.family] += 1
            elif fold(m.surface) == k[1]:
                names[k][m.surface] += 1
    entities: dict[tuple[str, str], Entity] = {}
    for (etype, key), counter in names.items():
        # Prefer the spelling with diacritics when several fold to the same key.
        best = max(counter.items(), key=lambda kv: (kv[1], kv[0] != fold(kv[0]), kv[0]))[0]
        entities[(etype, key)] = Entity(f"{etype}:{slug(key)}", etype, best)
    mapping = {mid: entities[k].entity_id for mid, k in key_of.items() if k in entities}
    return sorted(entities.values(), key=lambda e: e.entity_id), mapping
