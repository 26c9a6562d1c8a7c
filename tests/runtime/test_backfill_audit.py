"""runtime/backfill_audit.py: which runs of a backfill overlapped in time, and whether they split the partitions."""

from __future__ import annotations

import pytest

from dagster_project.runtime.backfill_audit import (
    PARTITION_TAG,
    RANGE_END_TAG,
    RANGE_START_TAG,
    RunSpan,
    overlapping_runs,
    ownership_problems,
    partitions_from_tags,
)

KEYS = [f"{i:02d}" for i in range(8)]


def span(run_id: str, start: float | None, end: float | None, keys: tuple[str, ...] = ()) -> RunSpan:
    return RunSpan(run_id, start, end, keys)


@pytest.mark.parametrize(
    ("records", "expected"),
    [
        ([], []),
        ([span("a", 0, 10)], []),
        # One inside the other, and a partial overlap.
        ([span("a", 0, 10), span("b", 2, 5)], [("a", "b")]),
        ([span("a", 0, 10), span("b", 9, 20)], [("a", "b")]),
        # Back to back: one ends exactly when the next starts (a queue of one), and strictly after.
        ([span("a", 0, 10), span("b", 10, 20)], []),
        ([span("a", 0, 10), span("b", 11, 20)], []),
        # Given in any order, reported by start time.
        ([span("b", 9, 20), span("a", 0, 10)], [("a", "b")]),
        # Three runs under a limit of two: the first overlaps both, the other two do not meet.
        ([span("a", 0, 10), span("b", 1, 5), span("c", 6, 12)], [("a", "b"), ("a", "c")]),
        # A run not started, or not finished, is never claimed to overlap.
        ([span("a", 0, 10), span("b", None, None), span("c", 3, None)], []),
    ],
)
def test_overlapping_runs(records: list[RunSpan], expected: list[tuple[str, str]]) -> None:
    assert overlapping_runs(records) == expected


@pytest.mark.parametrize(
    ("tags", "expected"),
    [
        ({RANGE_START_TAG: "00", RANGE_END_TAG: "03"}, ("00", "01", "02", "03")),
        ({RANGE_START_TAG: "05", RANGE_END_TAG: "05"}, ("05",)),
        ({PARTITION_TAG: "07"}, ("07",)),
        ({"dagster/backfill": "abc"}, ()),  # the publish run of the same backfill: no partition
    ],
)
def test_partitions_from_tags(tags: dict[str, str], expected: tuple[str, ...]) -> None:
    assert partitions_from_tags(tags, KEYS) == expected


@pytest.mark.parametrize(
    "tags",
    [
        {RANGE_START_TAG: "00", RANGE_END_TAG: "99"},
        {RANGE_START_TAG: "04", RANGE_END_TAG: "02"},
        {RANGE_START_TAG: "04"},
        {PARTITION_TAG: "x"},
    ],
)
def test_a_range_that_cannot_be_resolved_is_an_error(tags: dict[str, str]) -> None:
    with pytest.raises(ValueError, match="partition"):
        partitions_from_tags(tags, KEYS)


def test_runs_that_split_the_keys_have_no_problem() -> None:
    runs = [span("a", 0, 1, tuple(KEYS[:3])), span("b", 0, 1, tuple(KEYS[3:])), span("publish", 2, 3)]
    assert ownership_problems(runs, KEYS) == []


@pytest.mark.parametrize(
    ("runs", "fragment"),
    [
        ([span("a", 0, 1, tuple(KEYS[:5])), span("b", 0, 1, tuple(KEYS[4:]))], "04 is owned by runs a and b"),
        ([span("a", 0, 1, tuple(KEYS[:5]))], "3 partition(s) owned by no run"),
        ([span("a", 0, 1, (*KEYS, "99"))], "outside the backfill"),
    ],
)
def test_ownership_problems_name_the_fault(runs: list[RunSpan], fragment: str) -> None:
    problems = ownership_problems(runs, KEYS)
    assert len(problems) == 1 and fragment in problems[0], problems
