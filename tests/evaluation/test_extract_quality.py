"""Quality gate: the published extraction, scored against the gold, stays at or above the pinned floors.

Runs the real pipeline on raw/ plus evaluation/extract/corpus (see dagster_project/evaluation/extract_eval.py).
Floors live in evaluation/extract/floors.json and are only ever raised; a floor is never lowered to make a
build pass. When this test fails, run ``make eval`` to see which mentions were missed or spurious.
"""

import pytest

from dagster_project.evaluation.extract_eval import TYPES, check_floors, format_report, load_floors, run


@pytest.fixture(scope="module")
def report() -> dict:
    return run()


@pytest.mark.integration
def test_every_gold_report_is_published(report: dict) -> None:
    assert report["missing_articles"] == []
    assert report["corpus"]["articles"] >= 21  # the six seed reports and at least fifteen written ones


@pytest.mark.integration
def test_scores_stay_above_the_pinned_floors(report: dict) -> None:
    floors = load_floors()
    # The gate covers every type at both levels, so no type can silently drop out of it.
    for level in ("mention", "entity"):
        assert set(floors[level]) == {*TYPES, "macro"}
    failures = check_floors(report, floors)
    assert not failures, "\n".join(failures) + "\n\n" + format_report(report, floors)
