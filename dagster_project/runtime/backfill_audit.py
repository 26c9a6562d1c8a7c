"""What the runs of a partitioned backfill did, judged from their records alone (Dagster-free).

Dagster's backfill daemon splits an asset backfill by the assets' ``BackfillPolicy``: with
``multi_run(max_partitions_per_run=k)`` each run owns a range of at most ``k`` consecutive partition keys, named
by the run tags ``dagster/asset_partition_range_start`` / ``_end`` (a one-partition run may carry
``dagster/partition`` instead). ``scripts/pg_e2e.py`` reads those tags and the start/end times from the runs
table of the PostgreSQL instance and uses the functions here to check that the runs own disjoint sets of
partitions that together cover the backfill, and that some of them really ran at the same time.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import combinations

RANGE_START_TAG = "dagster/asset_partition_range_start"
RANGE_END_TAG = "dagster/asset_partition_range_end"
PARTITION_TAG = "dagster/partition"


@dataclass(frozen=True)
class RunSpan:
    """One run: its id, wall-clock start and end (epoch seconds, None while unknown) and the partitions it owns."""

    run_id: str
    start: float | None
    end: float | None
    partitions: tuple[str, ...]


def partitions_from_tags(tags: Mapping[str, str], keys: Sequence[str]) -> tuple[str, ...]:
    """The partition keys a run owns, from its tags, in the order of ``keys`` (empty for an unpartitioned run).

    A range is resolved by position in ``keys`` (the partitions definition's order), as Dagster resolves it;
    a range naming an unknown key, or ending before it starts, is an error rather than an empty set.
    """
    if RANGE_START_TAG in tags or RANGE_END_TAG in tags:
        start, end = tags.get(RANGE_START_TAG), tags.get(RANGE_END_TAG)
        if start not in keys or end not in keys:
            raise ValueError(f"partition range {start!r}..{end!r} names a key outside the partitions definition")
        i, j = keys.index(start), keys.index(end)
        if j < i:
            raise ValueError(f"partition range {start!r}..{end!r} ends before it starts")
        return tuple(keys[i : j + 1])
    if PARTITION_TAG in tags:
        if tags[PARTITION_TAG] not in keys:
            raise ValueError(f"partition {tags[PARTITION_TAG]!r} is outside the partitions definition")
        return (tags[PARTITION_TAG],)
    return ()


def overlapping_runs(records: Iterable[RunSpan]) -> list[tuple[str, str]]:
    """Pairs of runs that were running at the same moment: each started before the other ended.

    Runs without both a start and an end time are left out (not started, or still running): an overlap is only
    claimed between finished runs. Touching intervals (one ends exactly when the other starts) do not overlap.
    """
    spans = sorted((r.start, r.end, r.run_id) for r in records if r.start is not None and r.end is not None)
    return [(a_id, b_id) for (a_start, a_end, a_id), (b_start, b_end, b_id) in combinations(spans, 2)
            if a_start < b_end and b_start < a_end]


def ownership_problems(records: Iterable[RunSpan], keys: Sequence[str]) -> list[str]:
    """Why the runs do not split ``keys`` between them (empty when each key is owned by exactly one run)."""
    owner: dict[str, str] = {}
    problems = []
    for run in records:
        for key in run.partitions:
            if key in owner:
                problems.append(f"partition {key} is owned by runs {owner[key]} and {run.run_id}")
            else:
                owner[key] = run.run_id
    missing = [k for k in keys if k not in owner]
    if missing:
        problems.append(f"{len(missing)} partition(s) owned by no run, e.g. {missing[:3]}")
    unknown = sorted(set(owner) - set(keys))
    if unknown:
        problems.append(f"partition(s) outside the backfill: {unknown[:3]}")
    return problems
