"""Entity resolution that updates from the previous build instead of resolving every mention again.

The answer is, by construction and by test (tests/nlp/test_resolve_incremental.py), the one
:func:`nlp.resolve.resolve_with_stats` gives on the whole corpus; only the work differs. What costs time
in a cold resolution, and how it is avoided here:

1. **Which mentions belong together** is recomputed for the whole corpus every time, but vectorized
   (polars): the distinct mentions, each place's key (its gazetteer id or folded name, computed once per
   distinct name), each person's key. People are the only cross-mention case: a full name joins the
   connected component of its spelling variants (:func:`same_person` links, minus pairs two articles
   name as different people), a lone surname joins the one component whose names end with it. The
   fuzzy tests are the expensive part: a pair of names is tested once, when the newer of the two first
   appears, and the links found are kept (``edges``); a build only tests its new names against their
   surname block.
2. **What each entity looks like** (display name, role, counts, place attributes) is recomputed only for
   entities whose members changed: each entity's members (distinct mentions with their weights, in corpus
   order) are hashed into a signature, and an entity whose signature equals the previous build's keeps
   its previous row.

**A new article that changes old rows.** Keys are recomputed for every mention, not only the new ones,
so a change anywhere reaches every row it affects. Example: an old article says only "Doe"; no full
name ends with "doe", so its mention is the entity ``person:doe``. A new article names "Jane Doe": the
surname "doe" now has exactly one owner, so the old mention's key becomes Jane Doe's component, its
``entity_id`` in ``mentions`` becomes ``person:jane-doe``, ``person:doe`` loses its only member and
disappears from ``entities``, and ``person:jane-doe`` (its member signature changed) is recomputed with
the old mention counted. The reverse (a second "... Doe" making the surname ambiguous again) works the
same way.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from dagster_project.nlp.extract.mention import Mention
from dagster_project.nlp.resolve import (
    _RESOLUTION_FIELDS,
    Entity,
    ResolutionStats,
    fold,
    name_tokens,
    person_entity,
    place_entity,
    place_key,
    same_person,
)
from dagster_project.runtime.state import load_typed, save_tables

_ENTITY_FIELDS = tuple(Entity.__dataclass_fields__)
_ENTITY_SCHEMA: dict[str, pl.DataType] = {
    "entity_id": pl.String(), "entity_type": pl.String(), "canonical_name": pl.String(), "role": pl.String(),
    "place_type": pl.String(), "country_code": pl.String(), "latitude": pl.Float64(), "longitude": pl.Float64(),
    "gazetteer": pl.String(), "gazetteer_id": pl.String(), "gazetteer_name": pl.String(),
    "mention_count": pl.Int64(),
}
_STATE_ENTITY_SCHEMA = {"_key": pl.String(), "_signature": pl.UInt64(), "_aliases": pl.Int64(), **_ENTITY_SCHEMA}
_EDGE_SCHEMA = {"a": pl.String(), "b": pl.String()}


@dataclass
class ResolutionState:
    """What a build keeps for the next one (Parquet tables, see runtime/state.py).

    ``names``: the full names (folded tokens joined by spaces) already tested against their surname block; ``edges``: the pairs
    of them :func:`same_person` accepts (``a < b``); ``entities``: one row per entity key with the signature of
    its members, its alias count and its ``entities`` row.
    """

    names: pl.DataFrame
    edges: pl.DataFrame
    entities: pl.DataFrame

    @classmethod
    def empty(cls) -> ResolutionState:
        return cls(pl.DataFrame(schema={"name": pl.String()}), pl.DataFrame(schema=_EDGE_SCHEMA),
                   pl.DataFrame(schema=_STATE_ENTITY_SCHEMA))

    def save(self, folder: Path) -> None:
        save_tables(folder, {"names": self.names, "edges": self.edges, "entities": self.entities})

    @classmethod
    def load(cls, folder: Path) -> ResolutionState | None:
        tables = load_typed(folder, {"names": {"name": pl.String()}, "edges": _EDGE_SCHEMA,
                                     "entities": _STATE_ENTITY_SCHEMA})
        return cls(**tables) if tables is not None else None


@dataclass
class IncrementalStats:
    """How much of a resolution was reused: for asset metadata and the bench."""

    distinct_mentions: int = 0
    names_tested: int = 0
    entities_recomputed: int = 0
    entities_reused: int = 0


def _text(col: str = "canonical") -> pl.Expr:
    """``m.canonical or m.surface``: an empty canonical counts as absent, as in Python."""
    return pl.when(pl.col(col).is_not_null() & (pl.col(col) != "")).then(pl.col(col)).otherwise(pl.col("surface"))


def _truthy(col: str) -> pl.Expr:
    return pl.col(col).is_not_null() & (pl.col(col) != "")


def _distinct(candidates: pl.DataFrame) -> pl.DataFrame:
    """One row per distinct person/place mention as :func:`resolve_table` groups them, in corpus order, with
    its mention ids, weight (``_w``) and first position (``_pos``)."""
    needed = [*_RESOLUTION_FIELDS, "mention_id", "article_id", "start", "end"]
    rows = candidates.select(needed).filter(pl.col("mention_type").is_in(["person", "place"])).with_row_index("_pos")
    scope = pl.when(pl.col("mention_type") == "person").then(pl.col("article_id")).alias("_scope")
    return (
        rows.with_columns(scope)
        .group_by([*_RESOLUTION_FIELDS, "_scope"], maintain_order=True)
        .agg(pl.col("mention_id"), pl.col("article_id", "start", "end", "_pos").first(), pl.len().alias("_w"))
    )


def _union_roots(links: Iterable[tuple[str, str]]) -> tuple[dict[str, str], int]:
    """Name -> the smallest name of its connected component, for the names in ``links``; and the unions made."""
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    unions = 0
    for a, b in links:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
            unions += 1
    return {n: find(n) for n in parent}, unions


def _person_keys(people: pl.DataFrame, state: ResolutionState, stats: ResolutionStats,
                 inc: IncrementalStats) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """``people`` with ``_key``; the names and same_person links to keep for the next build.

    Names are their folded tokens joined by spaces (tokens never contain one).
    """
    texts = people.select(_text().alias("t")).unique()["t"].to_list()
    tokens = {t: " ".join(name_tokens(t)) for t in texts}
    people = people.with_columns(_text().replace_strict(tokens, return_dtype=pl.String()).alias("_name"))
    people = people.with_columns(
        pl.when(pl.col("_name") == "").then(0).otherwise(pl.col("_name").str.count_matches(" ") + 1).alias("_ntok"))
    names = people.filter(pl.col("_ntok") > 1).select(pl.col("_name").alias("name")).unique().sort("name")
    fulls = names["name"].to_list()
    known = set(state.names["name"].to_list())
    new = [n for n in fulls if n not in known]
    inc.names_tested = len(new)
    # Pairs tested before keep their answer; each new name is tested against its surname block once.
    old = (state.edges.join(names, left_on="a", right_on="name", how="semi")
           .join(names, left_on="b", right_on="name", how="semi"))
    found: set[tuple[str, str]] = set()
    if new:
        by_block: dict[str, list[str]] = defaultdict(list)
        for n in fulls:
            by_block[n.rsplit(" ", 1)[1][:2]].append(n)
        fresh = set(new)
        for a in new:
            ta = tuple(a.split(" "))
            for b in by_block[a.rsplit(" ", 1)[1][:2]]:
                # A pair of two new names is tested once, from its smaller name.
                if (b <= a if b in fresh else a == b):
                    continue
                if same_person(ta, tuple(b.split(" "))):
                    found.add((min(a, b), max(a, b)))
    edges = pl.concat([old, pl.DataFrame(sorted(found), schema=_EDGE_SCHEMA, orient="row")]).unique().sort("a", "b")
    # Cannot-link: two full names written as separate people in one article.
    per_article = people.filter(pl.col("_ntok") > 1).select("article_id", pl.col("_name").alias("a")).unique()
    apart = per_article.join(per_article.rename({"a": "b"}), on="article_id").select("a", "b")
    usable = edges.join(apart, on=["a", "b"], how="anti")
    root, unions = _union_roots(usable.iter_rows())
    stats.fuzzy_person_merges = unions
    roots = names.join(pl.DataFrame({"name": list(root), "_root": list(root.values())},
                                    schema={"name": pl.String(), "_root": pl.String()}), on="name", how="left")
    roots = roots.with_columns(pl.col("_root").fill_null(pl.col("name")),
                               pl.col("name").str.split(" ").list.last().alias("_last"))
    owners = roots.group_by("_last").agg(pl.col("_root").n_unique().alias("_owners"), pl.col("_root").min().alias("_owner"))
    people = (people.join(roots.select(pl.col("name").alias("_name"), "_root"), on="_name", how="left")
              .join(owners.rename({"_last": "_name"}), on="_name", how="left"))
    is_lone = pl.col("_ntok") <= 1
    linked = is_lone & (pl.col("_owners") == 1)
    people = people.with_columns(
        pl.when(~is_lone).then(pl.lit("f:") + pl.col("_root")).when(linked).then(pl.lit("f:") + pl.col("_owner"))
        .otherwise(pl.lit("s:") + pl.col("_name")).alias("_key"))
    stats.surname_links = int(people.filter(linked)["_w"].sum())
    stats.ambiguous_surnames = int(people.filter(is_lone & (pl.col("_owners") > 1))["_w"].sum())
    return people.drop("_name", "_ntok", "_root", "_owners", "_owner"), names, edges


def _place_keys(places: pl.DataFrame, stats: ResolutionStats) -> pl.DataFrame:
    cols = ["gazetteer", "gazetteer_id", "canonical", "surface", "place_type"]
    combos = places.select(cols).unique()
    keys = combos.with_columns(pl.Series("_key", [place_key(*r) for r in combos.iter_rows()], dtype=pl.String()))
    stats.unresolved_places = int(places.filter(~(_truthy("gazetteer") & _truthy("gazetteer_id")))["_w"].sum())
    return places.join(keys, on=cols, how="left", nulls_equal=True)


def _mention(r: dict) -> Mention:
    return Mention(mention_id=r["mention_id"][0], label=r["label"], mention_type=r["mention_type"],
                   surface=r["surface"], article_id=r["article_id"], start=r["start"], end=r["end"],
                   family=r["family"], canonical=r["canonical"], role=r["role"], place_type=r["place_type"],
                   country_code=r["country_code"], latitude=r["latitude"], longitude=r["longitude"],
                   gazetteer=r["gazetteer"], gazetteer_id=r["gazetteer_id"], gazetteer_name=r["gazetteer_name"])


def resolve_incremental(
    candidates: pl.DataFrame, state: ResolutionState | None = None
) -> tuple[pl.DataFrame, pl.DataFrame, ResolutionStats, ResolutionState, IncrementalStats]:
    """:func:`nlp.resolve.resolve_table` on ``candidates`` (its entities as a frame, sorted by id) (every mention of the corpus, in the table's order:
    article, start, end), reusing ``state`` from an earlier build; also returns the state for the next build.

    Without a state (or with one from any other corpus) the result is the same, only computed from scratch.
    """
    state = state or ResolutionState.empty()
    stats, inc = ResolutionStats(), IncrementalStats()
    groups = _distinct(candidates)
    inc.distinct_mentions = groups.height
    people, names, edges = _person_keys(groups.filter(pl.col("mention_type") == "person"), state, stats, inc)
    places = _place_keys(groups.filter(pl.col("mention_type") == "place"), stats)
    keyed = pl.concat([people, places.select(people.columns)]).sort("_pos")
    # An entity's signature: its members, their weights and their order, as the attribute code reads them.
    signatures = (
        keyed.with_columns(pl.struct(*_RESOLUTION_FIELDS, "_w").hash(seed=0).alias("_h"))
        .group_by("_key", maintain_order=True).agg(pl.col("_h"))
        .select("_key", pl.col("_h").hash(seed=0).alias("_signature"))
    )
    previous = state.entities.join(signatures, on=["_key", "_signature"], how="semi")
    dirty = signatures.join(previous, on="_key", how="anti")
    inc.entities_reused, inc.entities_recomputed = previous.height, dirty.height
    members: dict[str, list[Mention]] = defaultdict(list)
    weight: dict[str, int] = {}
    todo = keyed.join(dirty, on="_key", how="semi")
    # person_entity reads a member's name forms and role with its weight, and the aliases count its surface: a
    # person's distinct mentions (one per article) collapse to their distinct (surface, canonical, role), in
    # first-occurrence order with the weights summed, which gives it the same counts and the same first role. A
    # widely reported person is otherwise one Python object per article on every refresh (88,000 at 10,000
    # bench articles: ~1.5 s). Places read their first member's attributes and stay as they are.
    person = pl.col("mention_type") == "person"
    collapsed = (todo.filter(person).group_by("_key", "surface", "canonical", "role", maintain_order=True)
                 .agg(pl.all().exclude("_w").first(), pl.col("_w").sum()).select(todo.columns))
    for r in pl.concat([collapsed, todo.filter(~person)]).iter_rows(named=True):
        m = _mention(r)
        members[r["_key"]].append(m)
        weight[m.mention_id] = r["_w"]

    def w(m: Mention) -> int:
        return weight[m.mention_id]

    fresh = []
    for key, ms in members.items():
        ent = person_entity(ms, w) if ms[0].mention_type == "person" else place_entity(key, ms, w)
        fresh.append({"_key": key, "_aliases": len({fold(m.surface) for m in ms}) - 1,
                      **{f: getattr(ent, f) for f in _ENTITY_FIELDS}})
    recomputed = pl.DataFrame(fresh, schema={k: v for k, v in _STATE_ENTITY_SCHEMA.items() if k != "_signature"})
    rows = pl.concat([
        previous.select(list(_STATE_ENTITY_SCHEMA)),
        recomputed.join(signatures, on="_key").select(list(_STATE_ENTITY_SCHEMA)),
    ]).sort("_key")
    for etype in ("person", "place", "aircraft"):  # as resolve_with_stats counts them
        part = rows.filter(pl.col("entity_type") == etype)
        stats.entities[etype] = part.height
        if part.height:
            stats.aliases_merged[etype] = int(part["_aliases"].sum())
    ids = (keyed.select("mention_id", "_key").explode("mention_id")
           .join(rows.select("_key", "entity_id"), on="_key").select("mention_id", "entity_id"))
    entities = rows.select(list(_ENTITY_SCHEMA)).sort("entity_id")
    return entities, ids, stats, ResolutionState(names, edges, rows), inc
