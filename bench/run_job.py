"""The refresh job under Dagster's multiprocess executor (each step its own process), for ``BENCH_COMPARE=1``."""

from __future__ import annotations

import sys

import dagster as dg


def refresh_job() -> dg.JobDefinition:
    from dagster_project.definitions import defs

    return defs.resolve_job_def("refresh")


def main() -> int:
    from dagster_project.assets.partitions import ALL_SHARDS_TAGS
    from dagster_project.build import ensure_environment

    ensure_environment()
    with dg.DagsterInstance.get() as instance:
        result = dg.execute_job(
            dg.reconstructable(refresh_job),
            instance=instance,
            run_config={"execution": {"config": {"multiprocess": {"max_concurrent": 2}}}},
            tags=ALL_SHARDS_TAGS,
        )
        print(f"multiprocess run {result.run_id}: success={result.success}")
        return 0 if result.success else 1


if __name__ == "__main__":
    sys.exit(main())
