"""Entity resolution: group mentions across the corpus into canonical entities.

- People: each mention arrives with its in-article full name (``Mention.canonical``, see
  nlp/extract/people.py). Full names are merged across articles on accent-folded keys, then
  aliased with rapidfuzz when they are spelling/transliteration variants of one another
  ("Sergei"/"Sergey", "Zelensky"/"Zelenskyy"), never when two of them are named as different
  people in the same article. A lone surname links to the one full name that ends with it.
- Places: collapsed on their gazetteer id (``geonames:3646738``, ``icao:SVMI``), never on spelling;
  places no gazetteer knows fall back to their folded name.
- Aircraft: collapsed on the family designator the aircraft extractor assigns (``Mention.family``).
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import polars as pl
from rapidfuzz import fuzz

from dagster_project.nlp.extract.airports import airport_words
from dagster_project.nlp.extract.mention import Mention
from dagster_project.nlp.text import fold, slug

__all__ = ["Entity", "ResolutionStats", "fold", "resolve", "resolve_with_stats", "same_person", "slug"]


@dataclass(frozen=True)
class Entity:
    entity_id: str
    entity_type: str
    canonical_name: str
    role: str | None = None
    place_type: str | None = None
    country_code: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    gazetteer: str | None = None
    gazetteer_id: str | None = None
    gazetteer_name: str | None = None
    mention_count: int = 0


@dataclass
class ResolutionStats:
    """What resolution did: counts to report in asset metadata and to watch between runs."""

    entities: dict[str, int] = field(default_factory=dict)
    # Distinct folded surfaces collapsed into one entity beyond the first (e.g. "US", "America" -> +1).
    aliases_merged: dict[str, int] = field(default_factory=dict)
    # Person full names joined by the fuzzy matcher (beyond exact folded equality).
    fuzzy_person_merges: int = 0
    # Lone surnames linked across articles to the one full name ending with them.
    surname_links: int = 0
    # Lone surnames left alone because several full names end with them.
    ambiguous_surnames: int = 0
    # Place mentions with no gazetteer match (slug ids).
    unresolved_places: int = 0


@functools.lru_cache(maxsize=1 << 16)  # the same few thousand names are tokenized again and again
def name_tokens(name: str) -> tuple[str, ...]:
    """Folded tokens of a personal name; hyphens split ("Jong-un" == "Jong Un"), full stops dropped."""
    return tuple(t for t in re.split(r"[\s\-‐]+", fold(name).replace(".", " ")) if t)


def _first_compatible(a: str, b: str) -> bool:
    if a == b:
        return True
    if len(a) == 1 or len(b) == 1:  # an initial
        return a[0] == b[0]
    # Transliteration variants differ late in the word (Sergei/Sergey, Yevgeny/Yevgeniy).
    return a[:3] == b[:3] and abs(len(a) - len(b)) <= 1 and fuzz.ratio(a, b) >= 80


def same_person(a: Sequence[str], b: Sequence[str]) -> bool:
    """Whether two folded full names are spelling variants of one person's name.

    The surname must match exactly with a compatible first name, or the first name exactly with
    a surname at least 88% similar (and both surnames 5+ letters). Middle names, when both have
    them, must agree: "George H. W. Bush" and "George W. Bush" stay two people.
    """
    if len(a) < 2 or len(b) < 2:
        return False
    if tuple(a) == tuple(b):
        return True
    first_ok = _first_compatible(a[0], b[0])
    last_a, last_b = a[-1], b[-1]
    if last_a == last_b:
        ok = first_ok
    else:
        ok = a[0] == b[0] and min(len(last_a), len(last_b)) >= 5 and fuzz.ratio(last_a, last_b) >= 88
    if not ok:
        return False
    mid_a, mid_b = a[1:-1], b[1:-1]
    if mid_a and mid_b:
        return len(mid_a) == len(mid_b) and all(_first_compatible(x, y) for x, y in zip(mid_a, mid_b, strict=True))
    return True


class _UnionFind:
    def __init__(self, items: Iterable[tuple[str, ...]]) -> None:
        self.parent = {i: i for i in items}

    def find(self, x: tuple[str, ...]) -> tuple[str, ...]:
        while self.parent[x] != x:
            self.parent[x] = self.parent[self.parent[x]]
            x = self.parent[x]
        return x

    def union(self, a: tuple[str, ...], b: tuple[str, ...]) -> bool:
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return False
        self.parent[max(ra, rb)] = min(ra, rb)
        return True


def _display(surfaces: Counter[str]) -> str:
    """The most used name (compared accent- and case-folded), written with its diacritics when some
    spelling has them: "Maiquetia Airport" x2 + "Maiquetía Airport" x1 -> "Maiquetía Airport"."""
    by_fold: Counter[str] = Counter()
    for name, n in surfaces.items():
        by_fold[fold(name)] += n
    top = max(by_fold.items(), key=lambda kv: (kv[1], len(kv[0]), kv[0]))[0]
    spellings = [(name, n) for name, n in surfaces.items() if fold(name) == top]
    return max(spellings, key=lambda kv: (_has_marks(kv[0]) and not kv[0].isupper(), kv[1], kv[0]))[0]


def _has_marks(name: str) -> bool:
    return any(unicodedata.combining(ch) for ch in unicodedata.normalize("NFKD", name))


def _role(roles: Sequence[tuple[str | None, int]]) -> str | None:
    """The most stated role (weighted), ties to the role stated first."""
    counts: Counter[str] = Counter()
    first: dict[str, int] = {}
    for i, (role, n) in enumerate(roles):
        if role:
            counts[role] += n
            first.setdefault(role, i)
    if not counts:
        return None
    return max(counts.items(), key=lambda kv: (kv[1], -first[kv[0]]))[0]


Resolved = tuple[list[Entity], dict[str, str]]
# How many mentions a (distinct) mention stands for; see resolve_with_stats.
Weight = Callable[[Mention], int]


def _counts(pairs: Iterable[tuple[str, int]]) -> Counter[str]:
    out: Counter[str] = Counter()
    for key, n in pairs:
        out[key] += n
    return out


def _emit(entity: Entity, ms: Sequence[Mention], out: Resolved, stats: ResolutionStats) -> None:
    """Record one entity, map its mentions to it and count the surface variants it merged."""
    out[0].append(entity)
    out[1].update({m.mention_id: entity.entity_id for m in ms})
    merged = len({fold(m.surface) for m in ms}) - 1
    stats.aliases_merged[entity.entity_type] = stats.aliases_merged.get(entity.entity_type, 0) + merged


def _resolve_people(people: Sequence[Mention], stats: ResolutionStats, w: Weight) -> Resolved:
    name_of = {m.mention_id: name_tokens(m.canonical or m.surface) for m in people}
    fulls = sorted({n for n in name_of.values() if len(n) > 1})
    # Cannot-link: two full names written as separate people in one article are different people.
    per_article: dict[str, set[tuple[str, ...]]] = defaultdict(set)
    for m in people:
        if len(name_of[m.mention_id]) > 1:
            per_article[m.article_id].add(name_of[m.mention_id])
    apart = {(a, b) for names in per_article.values() for a in names for b in names if a != b}
    uf = _UnionFind(fulls)
    by_last: dict[str, list[tuple[str, ...]]] = defaultdict(list)
    for n in fulls:
        by_last[n[-1][:2]].append(n)
    for a in fulls:
        # Candidates share the surname's first two letters; cheap blocking before the fuzzy test.
        for b in by_last[a[-1][:2]]:
            if b <= a or (a, b) in apart or not same_person(a, b):
                continue
            if uf.union(a, b):
                stats.fuzzy_person_merges += int(a != b)
    groups: dict[tuple[str, ...], list[tuple[str, ...]]] = defaultdict(list)
    for n in fulls:
        groups[uf.find(n)].append(n)
    # Surname -> the groups whose full names end with it.
    surname_groups: dict[str, set[tuple[str, ...]]] = defaultdict(set)
    for root, names in groups.items():
        for n in names:
            surname_groups[n[-1]].add(root)
    key_of: dict[str, tuple[str, ...]] = {}
    for m in people:
        n = name_of[m.mention_id]
        if len(n) > 1:
            key_of[m.mention_id] = uf.find(n)
            continue
        owners = surname_groups.get(n[0], set()) if n else set()
        if len(owners) == 1:
            key_of[m.mention_id] = next(iter(owners))
            stats.surname_links += w(m)
        else:
            stats.ambiguous_surnames += w(m) * int(len(owners) > 1)
            key_of[m.mention_id] = n
    members: dict[tuple[str, ...], list[Mention]] = defaultdict(list)
    for m in people:
        members[key_of[m.mention_id]].append(m)
    out: Resolved = ([], {})
    for ms in members.values():
        _emit(person_entity(ms, w), ms, out, stats)
    return out


def person_entity(ms: Sequence[Mention], w: Weight) -> Entity:
    """The entity of one group of person mentions (in corpus order): its most used full name, role and count."""
    full_forms = _counts((m.canonical or m.surface, w(m)) for m in ms
                         if len(name_tokens(m.canonical or m.surface)) > 1)
    forms = full_forms or _counts((m.surface, w(m)) for m in ms)
    # The group's most used full name (folded), then its best spelling.
    by_fold: Counter[tuple[str, ...]] = Counter()
    for form, c in forms.items():
        by_fold[name_tokens(form)] += c
    best_key = max(by_fold.items(), key=lambda kv: (kv[1], len(kv[0]), kv[0]))[0]
    name = _display(Counter({f: c for f, c in forms.items() if name_tokens(f) == best_key}))
    eid = f"person:{slug(' '.join(best_key))}"
    return Entity(eid, "person", name, role=_role([(m.role, w(m)) for m in ms]), mention_count=sum(map(w, ms)))


def _exonym(name: str, ms: Sequence[Mention], w: Weight) -> str:
    """GeoNames names places in their own language ("Köln", "Århus"); English-language reports that
    consistently write another plain-ASCII name ("Cologne", "Aarhus") give the entity that name. A spelling that
    only drops the accents ("Bogota" for "Bogotá") keeps the gazetteer's."""
    if name.isascii():
        return name
    written = _counts((m.surface, w(m)) for m in ms if m.surface[:1].isupper() and not m.surface.isupper())
    if not written:
        return name
    top, _ = written.most_common(1)[0]
    return top if top.isascii() and fold(top) != fold(name) and top.replace(" ", "").replace("-", "").isalpha() else name


def _resolve_places(places: Sequence[Mention], stats: ResolutionStats, w: Weight) -> Resolved:
    members: dict[str, list[Mention]] = defaultdict(list)
    for m in places:
        if not (m.gazetteer and m.gazetteer_id):
            stats.unresolved_places += w(m)
        members[place_key(m.gazetteer, m.gazetteer_id, m.canonical, m.surface, m.place_type)].append(m)
    out: Resolved = ([], {})
    for eid, ms in members.items():
        _emit(place_entity(eid, ms, w), ms, out, stats)
    return out


def place_key(gazetteer: str | None, gazetteer_id: str | None, canonical: str | None, surface: str,
              place_type: str | None) -> str:
    """The entity id of a place mention: its gazetteer id, else its folded name (a function of the mention alone)."""
    if gazetteer and gazetteer_id:
        return f"place:{gazetteer}:{gazetteer_id}"
    # Unknown airports and bases key on their distinctive words: "Hmeimim" == "Hmeimim air base".
    words = airport_words(canonical or surface) if place_type in ("airport", "base", None) else []
    # Kept, not dropped: a place the model is sure of but no gazetteer knows ("place:unresolved:<slug>").
    return f"place:unresolved:{slug(' '.join(words) or canonical or surface)}"


def place_entity(eid: str, ms: Sequence[Mention], w: Weight) -> Entity:
    """The entity of the place mentions ``ms`` (in corpus order) sharing the id ``eid``."""
    first = ms[0]
    types = _counts((m.place_type, w(m)) for m in ms if m.place_type)
    if first.gazetteer == "icao" or not first.gazetteer:
        # Airports are named as the text names them (airportsdata's names mix languages); see gazetteer_name.
        with_facility = _counts((m.canonical or m.surface, w(m)) for m in ms if m.place_type)
        name = _display(with_facility or _counts((m.canonical or m.surface, w(m)) for m in ms))
    else:
        name = _exonym(first.canonical or first.surface, ms, w)
    return Entity(
        eid, "place", name or first.surface,
        place_type=types.most_common(1)[0][0] if types else None,
        country_code=first.country_code, latitude=first.latitude, longitude=first.longitude,
        gazetteer=first.gazetteer, gazetteer_id=first.gazetteer_id, gazetteer_name=first.gazetteer_name,
        mention_count=sum(map(w, ms)),
    )


def _resolve_aircraft(aircraft: Sequence[Mention], stats: ResolutionStats, w: Weight) -> Resolved:
    members: dict[str, list[Mention]] = defaultdict(list)
    for m in aircraft:
        members[f"aircraft:{slug(m.family or m.surface)}"].append(m)
    out: Resolved = ([], {})
    for eid, ms in members.items():
        family = next((m.family for m in ms if m.family), None)
        _emit(Entity(eid, "aircraft", family or _display(_counts((m.surface, w(m)) for m in ms)),
                     mention_count=sum(map(w, ms))), ms, out, stats)
    return out


def resolve_with_stats(
    mentions: Sequence[Mention], weights: Mapping[str, int] | None = None
) -> tuple[list[Entity], dict[str, str], ResolutionStats]:
    """Canonical entities, a ``mention_id -> entity_id`` map (quantities get none) and resolution counts.

    ``weights`` (mention_id -> how many identical mentions it stands for) lets a caller pass each distinct
    mention once: counts, display names and ties come out as if every copy had been passed, while memory
    and time follow the distinct mentions (a large corpus repeats "Caracas" thousands of times).
    """
    stats = ResolutionStats()
    weight: Weight = (lambda m: weights.get(m.mention_id, 1)) if weights else (lambda m: 1)
    by_type: dict[str, list[Mention]] = defaultdict(list)
    for m in mentions:
        by_type[m.mention_type].append(m)
    entities: list[Entity] = []
    mapping: dict[str, str] = {}
    for mtype, fn in (("person", _resolve_people), ("place", _resolve_places), ("aircraft", _resolve_aircraft)):
        ents, ids = fn(by_type.get(mtype, []), stats, weight)
        entities += ents
        mapping.update(ids)
        stats.entities[mtype] = len(ents)
    return sorted(entities, key=lambda e: e.entity_id), mapping, stats


def resolve(mentions: Sequence[Mention]) -> tuple[list[Entity], dict[str, str]]:
    """Canonical entities and a ``mention_id -> entity_id`` map (quantities get none)."""
    entities, mapping, _ = resolve_with_stats(mentions)
    return entities, mapping


# What resolution reads of a person or place mention (besides its id). Rows equal on these are resolved once.
_RESOLUTION_FIELDS = ("mention_type", "surface", "label", "canonical", "role", "family", "place_type", "country_code",
                      "latitude", "longitude", "gazetteer", "gazetteer_id", "gazetteer_name")


def resolve_table(candidates: pl.DataFrame) -> tuple[list[Entity], pl.DataFrame, ResolutionStats]:
    """Resolve the people and places of a mention-candidates table (one row per mention).

    Returns the entities, a ``(mention_id, entity_id)`` frame and the counts. Mentions identical in
    everything resolution reads (for people, also within the same article, since names are told apart
    per article) are resolved once with a weight, in first-occurrence order, so the result is the one
    :func:`resolve_with_stats` gives on every row while memory follows the distinct mentions.
    """
    needed = [*_RESOLUTION_FIELDS, "mention_id", "article_id", "start", "end"]
    rows = candidates.select(needed).filter(pl.col("mention_type").is_in(["person", "place"]))
    scope = pl.when(pl.col("mention_type") == "person").then(pl.col("article_id")).alias("_scope")
    groups = (
        rows.with_columns(scope)
        .group_by([*_RESOLUTION_FIELDS, "_scope"], maintain_order=True)
        .agg(pl.col("mention_id"), pl.col("article_id", "start", "end").first())
        .with_columns(pl.col("mention_id").list.first().alias("_first"))
    )
    # Quantity fields stay at their defaults: people and places have none.
    cols = [f for f in Mention.__dataclass_fields__ if f in groups.columns and f != "mention_id"]
    distinct = [Mention(mention_id=r.pop("_first"), **r) for r in groups.select(*cols, "_first").iter_rows(named=True)]
    weights = dict(zip(groups["_first"], groups["mention_id"].list.len(), strict=True))
    entities, mapping, stats = resolve_with_stats(distinct, weights)
    first_to_entity = pl.DataFrame({"_first": list(mapping), "entity_id": list(mapping.values())},
                                   schema={"_first": pl.String(), "entity_id": pl.String()})
    ids = (groups.select("_first", "mention_id").explode("mention_id")
           .join(first_to_entity, on="_first", how="inner").select("mention_id", "entity_id"))
    return entities, ids, stats
