"""Quality gate: parsing scored against the hand-written gold must stay above the pinned floors.

Like trafilatura's evaluation, the expected values come from people (evaluation/parse/gold.json),
never from the parser's own output; the floors live in evaluation/parse/floors.json.
"""

import json

import pytest

from dagster_project.evaluation.parse_eval import FLOORS, GOLD, Report, below_floors, evaluate, field_matches


@pytest.fixture(scope="module")
def report() -> Report:
    return evaluate()


def test_gold_covers_seeds_and_hand_written_corpus() -> None:
    gold = json.loads(GOLD.read_text(encoding="utf-8"))
    files = gold["files"]
    assert sum(1 for f in files if f.startswith("raw/")) == 5
    assert sum(n for f, n in files.items() if not f.startswith("raw/")) >= 12
    assert len(gold["articles"]) == sum(files.values())


def test_metrics_at_or_above_floors(report: Report) -> None:
    floors = json.loads(FLOORS.read_text())
    metrics = report.metrics()
    assert not below_floors(metrics, floors), "\n".join(report.errors)


@pytest.mark.parametrize(
    ("name", "got", "gold", "ok"),
    [
        ("title", "A  Title.", "a title", True),
        ("outlet", "Guardian", ["The Guardian", "Guardian"], True),
        ("agency", "AP; AFP", "AFP; AP", True),
        ("author", None, None, True),
        ("author", "Jane Doe", None, False),
        ("dateline", None, "Lima", False),
    ],
)
def test_field_matching_rules(name: str, got: object, gold: object, ok: bool) -> None:
    assert field_matches(name, got, gold) is ok
