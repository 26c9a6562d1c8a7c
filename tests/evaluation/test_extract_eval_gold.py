"""The gold itself is consistent: every annotated surface is really in its report, often enough."""

import re

import pytest

from dagster_project.evaluation.extract_eval import (
    CORPUS_DIR,
    HELDOUT_CORPUS_DIR,
    HELDOUT_GOLD_DIR,
    RAW_DIR,
    ROOT_DIR,
    AliasIndex,
    load_gold,
)

GOLD = load_gold()
# The held-out gold is checked for consistency here too (cheap: no pipeline run); it is scored only by
# `make eval-heldout`.
HELDOUT = load_gold(HELDOUT_GOLD_DIR)
_MARKUP = re.compile(r"<[^>\n]{1,200}>|\*{1,3}|\\(?=[$#*_])")


def _source(root: str, source_file: str) -> str:
    base = ROOT_DIR[root]
    return _MARKUP.sub("", (base / source_file).read_text(encoding="utf-8"))


def test_gold_covers_the_seeds_and_the_written_corpus() -> None:
    seeds = {g.source_file for g in GOLD if g.root == "raw"}
    assert seeds == {p.name for p in RAW_DIR.glob("*.txt")}
    corpus_files = {p.name for p in CORPUS_DIR.glob("*.txt")}
    assert {g.source_file for g in GOLD if g.root == "corpus"} == corpus_files


def test_heldout_gold_covers_the_heldout_corpus() -> None:
    assert {g.root for g in HELDOUT} == {"heldout"}
    assert {g.source_file for g in HELDOUT} == {p.name for p in HELDOUT_CORPUS_DIR.glob("*.txt")}


@pytest.mark.parametrize("g", GOLD + HELDOUT, ids=lambda g: g.name)
def test_every_gold_mention_occurs_in_its_source(g) -> None:  # type: ignore[no-untyped-def]
    text = _source(g.root, g.source_file)
    for (mtype, surface), count in g.mentions.items():
        pattern = r"(?<!\w)" + r"\s+".join(re.escape(w) for w in surface.split()) + r"(?!\w)"
        found = len(re.findall(pattern, text.replace("’", "'").replace("–", "-")))
        assert found >= count, f"{mtype} {surface!r}: annotated {count}x, found {found}x in {g.source_file}"


@pytest.mark.parametrize("g", GOLD + HELDOUT, ids=lambda g: g.name)
def test_every_gold_entity_is_mentioned(g) -> None:  # type: ignore[no-untyped-def]
    index = AliasIndex([g])
    mentioned = {index.lookup(t, s) for (t, s) in g.mentions if t != "quantity"}
    assert {e.canonical for e in g.entities} <= mentioned


def test_aliases_are_consistent_across_the_corpus() -> None:
    AliasIndex(GOLD)  # raises GoldError when one name belongs to two entities of a type
    AliasIndex(HELDOUT)  # raises GoldError when one name belongs to two entities of a type


def test_spans_follow_the_guidelines() -> None:
    titles = re.compile(r"^(?:Mr|Mrs|Ms|Dr|Gen|General|President|Prof|Pres|Sen|Col|Capt)\.?\s")
    for g in GOLD + HELDOUT:
        # A given name can look like a title ("Gen Nakatani"): a surface that is the entity's full name is exempt.
        full_names = {e.canonical for e in g.entities if e.type == "person"}
        for (mtype, surface) in g.mentions:
            assert not surface.lower().startswith("the "), (g.name, surface)
            assert not re.search(r"['’]s$", surface), (g.name, surface)
            if mtype == "person" and surface not in full_names:
                assert not titles.match(surface), (g.name, surface)
            if mtype == "quantity":
                assert not re.match(r"(?i)(about|around|nearly|up to|more than|at least|some|roughly|almost)\s", surface), (g.name, surface)
