"""Incremental entity resolution gives what a cold resolution of the whole corpus gives, in any arrival order."""

from __future__ import annotations

import dataclasses
import random
from pathlib import Path

import polars as pl
import pytest

from dagster_project.nlp.resolve import resolve_table
from dagster_project.nlp.resolve_incremental import ResolutionState, resolve_incremental
from tests.nlp.incremental_corpus import candidates, corpus


def _ids(df: pl.DataFrame) -> list[tuple[str, str]]:
    return sorted(df.iter_rows())


def _check_same(arts: dict, state: ResolutionState | None) -> ResolutionState:
    cands = candidates(arts)
    ref_entities, ref_ids, ref_stats = resolve_table(cands)
    entities, ids, stats, new_state, _ = resolve_incremental(cands, state)
    assert entities.to_dicts() == [dataclasses.asdict(e) for e in ref_entities]
    assert _ids(ids) == _ids(ref_ids)
    assert stats == ref_stats
    return new_state


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5])
def test_incremental_equals_cold_in_any_arrival_order(seed: int, tmp_path: Path) -> None:
    full = corpus(seed, 40)
    order = sorted(full)
    random.Random(seed).shuffle(order)
    state: ResolutionState | None = None
    present: dict = {}
    cuts = sorted(random.Random(seed + 100).sample(range(1, len(order)), 4))
    for lo, hi in zip([0, *cuts], [*cuts, len(order)], strict=True):
        present.update({a: full[a] for a in order[lo:hi]})
        state = _check_same(present, state)
        state.save(tmp_path / "state")  # through Parquet, as between builds
        state = ResolutionState.load(tmp_path / "state")
    # Articles removed and one rewritten: old rows must follow as well.
    for aid in order[:5]:
        del present[aid]
    present[order[6]] = corpus(seed + 7, 1)["a000"]
    present[order[6]] = [{**r, "article_id": order[6]} for r in present[order[6]]]
    _check_same(present, state)


def _person(aid: str, surface: str, start: int, canonical: str | None = None) -> dict:
    from tests.nlp.incremental_corpus import SCHEMA

    row = dict.fromkeys(SCHEMA)
    row.update(mention_id=f"{aid}-{start}", article_id=aid, mention_type="person", surface=surface, start=start,
               end=start + len(surface), label="PERSON", canonical=canonical or surface)
    return row


def test_a_new_full_name_updates_old_surname_mentions() -> None:
    old = {"a1": [_person("a1", "Doe", 10)], "a2": [_person("a2", "Doe", 5), _person("a2", "Smith", 40)]}
    entities, ids, _, state, _ = resolve_incremental(candidates(old))
    assert dict(ids.iter_rows())["a1-10"] == "person:doe"
    assert set(entities["entity_id"]) == {"person:doe", "person:smith"}
    # A new article names Jane Doe: the old "Doe" rows now resolve to her, person:doe disappears.
    new = {**old, "a3": [_person("a3", "Jane Doe", 0)]}
    entities, ids, _, state, inc = resolve_incremental(candidates(new), state)
    got = dict(ids.iter_rows())
    assert got["a1-10"] == got["a2-5"] == got["a3-0"] == "person:jane-doe"
    jane = entities.filter(pl.col("entity_id") == "person:jane-doe").row(0, named=True)
    assert (jane["canonical_name"], jane["mention_count"]) == ("Jane Doe", 3)
    assert "person:doe" not in set(entities["entity_id"])
    assert inc.entities_reused == 1  # Smith, untouched
    # A second Doe makes the surname ambiguous again: the lone "Doe" rows go back to person:doe.
    newer = {**new, "a4": [_person("a4", "John Doe", 0)]}
    entities, ids, _, _, _ = resolve_incremental(candidates(newer), state)
    got = dict(ids.iter_rows())
    assert got["a1-10"] == got["a2-5"] == "person:doe"
    assert (got["a3-0"], got["a4-0"]) == ("person:jane-doe", "person:john-doe")
    assert _ids(ids) == _ids(resolve_table(candidates(newer))[1])


@pytest.mark.parametrize("roles", [
    ["minister", "general", "general", "minister"],  # a tie: the role stated first wins
    ["general", None, "minister", "minister"],
    [None, None, None, "general"],
])
def test_a_person_named_in_many_articles_gets_the_cold_name_role_and_count(roles: list[str | None]) -> None:
    # The same person in several articles, spelled and titled differently: the incremental path collapses the
    # per-article mentions before computing the entity, the cold path does not.
    spellings = ["Jane Doe", "JANE DOE", "Jane Doe", "Jane Dóe"]
    arts = {f"a{i}": [{**_person(f"a{i}", name, 3), "role": role}, _person(f"a{i}", "Doe", 40)]
            for i, (name, role) in enumerate(zip(spellings, roles, strict=True))}
    _check_same(arts, None)
    entities, *_ = resolve_incremental(candidates(arts))
    jane = entities.row(0, named=True)
    assert jane["mention_count"] == 8
    assert jane["role"] == next((r for r in roles if r and roles.count(r) == max(map(roles.count, filter(None, roles)))), None)


def test_only_new_names_are_fuzzy_tested_and_unchanged_entities_reused() -> None:
    arts = corpus(11, 30)
    *_, state, first = resolve_incremental(candidates(arts))
    assert first.entities_reused == 0 and first.names_tested > 0
    *_, again = resolve_incremental(candidates(arts), state)
    assert (again.names_tested, again.entities_recomputed) == (0, 0)
    assert again.entities_reused == first.entities_recomputed


def test_a_broken_state_means_a_cold_run(tmp_path: Path) -> None:
    folder = tmp_path / "state"
    *_, state, _ = resolve_incremental(candidates(corpus(3, 10)))
    state.save(folder)
    (folder / "edges.parquet").write_bytes(b"not parquet")
    assert ResolutionState.load(folder) is None
    assert ResolutionState.load(tmp_path / "absent") is None
