"""The real-news gold (evaluation/extract/real/) is consistent and licensed: every surface occurs in its report as
often as annotated, every entity is mentioned, every report has its gold and a SOURCES.md row, and the development
part's pinned floors hold (one pipeline run over the 22 development reports, ~30 s)."""

import json
import re

import pytest

from dagster_project.evaluation.extract_eval import REAL_DIR, ROOT_DIR, AliasIndex, GoldArticle, load_gold
from dagster_project.evaluation.real_eval import FLOORS_PATH, META_FIELDS, SPLITS, check_floors, flat_scores

GOLD = {split: load_gold(path) for split, path in SPLITS.items()}
ALL = [g for gs in GOLD.values() for g in gs]


def test_every_report_has_gold_and_a_source_row() -> None:
    sources = (REAL_DIR / "SOURCES.md").read_text(encoding="utf-8")
    for split, gold in GOLD.items():
        files = {p.name for p in (REAL_DIR / split / "corpus").glob("*.txt")}
        assert {g.source_file for g in gold} == files
        for name in files:
            assert f"| {split}/{name} | http" in sources, name
    assert len(ALL) >= 30 and len(GOLD["heldout"]) >= 10


def test_the_parts_share_no_report() -> None:
    dev = {p.read_bytes() for p in (REAL_DIR / "dev" / "corpus").glob("*.txt")}
    assert not dev & {p.read_bytes() for p in (REAL_DIR / "heldout" / "corpus").glob("*.txt")}


@pytest.mark.parametrize("g", ALL, ids=lambda g: g.name)
def test_every_surface_occurs_in_its_report(g: GoldArticle) -> None:
    text = (ROOT_DIR[g.root] / g.source_file).read_text(encoding="utf-8").replace("’", "'").replace("–", "-")
    for (mtype, surface), count in g.mentions.items():
        pattern = r"(?<!\w)" + r"\s+".join(re.escape(w) for w in surface.split()) + r"(?!\w)"
        assert len(re.findall(pattern, text)) >= count, (mtype, surface)


@pytest.mark.parametrize("g", ALL, ids=lambda g: g.name)
def test_every_entity_is_mentioned_and_metadata_is_complete(g: GoldArticle) -> None:
    index = AliasIndex([g])
    assert {e.canonical for e in g.entities} <= {index.lookup(t, s) for (t, s) in g.mentions if t != "quantity"}
    assert g.metadata is not None and set(META_FIELDS) <= set(g.metadata)


def test_aliases_are_consistent_within_each_part() -> None:
    for gold in GOLD.values():
        AliasIndex(gold)


@pytest.mark.integration
def test_development_floors_hold() -> None:
    from dagster_project.evaluation.real_eval import run

    floors = json.loads(FLOORS_PATH.read_text(encoding="utf-8"))
    report = run("dev")
    assert set(floors) - {"_comment"} <= set(flat_scores(report))
    assert check_floors(report, floors) == []
