"""Refresh automation: a job over every asset, a sensor on the raw root and a fallback schedule.

Both are on by default, so ``make ui`` (``dagster dev``, which starts the daemon) refreshes the dataset
when articles arrive. A refresh run covers every raw shard (assets/partitions.py) and publishes; it is cheap
when little changed: parsing and extraction reuse per-article results cached by content hash and code
fingerprint (``runtime/cache.py``), so an unchanged shard costs a cache lookup.
"""

import os
import time

import dagster as dg
from upath import UPath

from dagster_project.assets.partitions import ALL_SHARDS_TAGS
from dagster_project.ingest.published_state import matching_version
from dagster_project.resources import StorageRoots
from dagster_project.runtime.storage import RawState, changed_since, list_raw, raw_state

REFRESH_TAG = "newsetl/refresh"

refresh_job = dg.define_asset_job(
    "refresh",
    selection=dg.AssetSelection.all(),
    description="Rebuild and publish the dataset from the raw root; unchanged articles come from the cache.",
    tags={REFRESH_TAG: "true"},
)


@dg.sensor(
    job=refresh_job,
    minimum_interval_seconds=int(os.environ.get("NEWSETL_SENSOR_INTERVAL", "30")),
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Requests a refresh when a file under the raw root is added, changed, renamed or removed. "
    "The cursor holds a digest of the listing (path, size, mtime); the run key is that digest, so one "
    "state of the folder yields at most one run. With no cursor yet, it starts from the raw state of the "
    "published LATEST version when the raw files match its manifest (no refresh right after make dataset).",
)
def raw_files_sensor(context: dg.SensorEvaluationContext, roots: StorageRoots) -> dg.SensorResult | dg.SkipReason:
    root = roots.raw_root
    if not root.is_dir():
        return dg.SkipReason(f"raw root {root} does not exist")
    entries = list_raw(root)
    # A file modified in the last few seconds may still be being written: wait for it to settle, or the
    # half-written and the finished file would each get a run.
    settle_ns = int(float(os.environ.get("NEWSETL_SENSOR_SETTLE_SECONDS", "3")) * 1e9)
    busy = [e.path for e in entries if e.mtime_ns > time.time_ns() - settle_ns]
    if busy:
        return dg.SkipReason(f"{len(busy)} file(s) modified in the last {settle_ns / 1e9:g} s, e.g. {busy[0]}; "
                             "waiting for writes to settle")
    previous = RawState.from_cursor(context.cursor)
    state = raw_state(entries)
    if previous is not None and previous.digest == state.digest:
        return dg.SkipReason(f"no change under {root} ({state.files} file(s))")
    if previous is None and not isinstance(root, UPath) and not isinstance(roots.curated_root, UPath):
        # First tick (no cursor yet, e.g. `make ui` right after `make dataset`): start from the published state
        # when LATEST was built from exactly these files, instead of rebuilding them.
        version = matching_version(root, roots.curated_root)
        if version is not None:
            return dg.SensorResult(
                skip_reason=f"raw root {root} unchanged since published version {version} "
                f"({state.files} file(s)); watching for changes from here",
                cursor=state.to_cursor(),
            )
    changed = changed_since(entries, previous)
    context.log.info(f"raw root changed: {state.files} file(s), {len(changed)} new or rewritten")
    return dg.SensorResult(
        run_requests=[
            dg.RunRequest(
                run_key=f"raw-{state.digest}",
                tags={**ALL_SHARDS_TAGS, "newsetl/raw_files": str(state.files),
                      "newsetl/changed_files": str(len(changed)), "newsetl/trigger": "sensor"},
            )
        ],
        cursor=state.to_cursor(),
    )


@dg.schedule(
    name="refresh_schedule",
    job=refresh_job,
    cron_schedule=os.environ.get("NEWSETL_REFRESH_CRON", "0 */6 * * *"),
    execution_timezone="UTC",
    default_status=dg.DefaultScheduleStatus.RUNNING,
    description="Fallback refresh every six hours (NEWSETL_REFRESH_CRON), for changes a listing cannot see "
    "(e.g. a file rewritten with the same size and mtime) or a sensor that was off.",
)
def refresh_schedule(context: dg.ScheduleEvaluationContext) -> dg.RunRequest:
    # A run over every raw shard: partition-range tags are set on the run request (a definition's own tags may not
    # carry Dagster's reserved ones).
    return dg.RunRequest(tags={**ALL_SHARDS_TAGS, "newsetl/trigger": "schedule"})


def executor_from_env(env: dict[str, str] | None = None) -> dg.ExecutorDefinition:
    """The executor for runs launched by the daemon or the UI.

    In-process by default: the graph is a chain, and one process per step re-imports the project and reloads
    the model for every step, measured ~5x slower (``BENCH_COMPARE=1 make bench``, README "Running at scale").
    What runs in parallel is runs, not steps: a backfill of the raw shards is several runs (assets/partitions.py).
    ``NEWSETL_EXECUTOR=multiprocess`` switches to Dagster's multiprocess executor, bounded by
    ``NEWSETL_MAX_CONCURRENT`` (default 2, the cores of this machine).
    """
    env = dict(os.environ if env is None else env)
    kind = env.get("NEWSETL_EXECUTOR", "in_process")
    if kind == "multiprocess":
        return dg.multiprocess_executor.configured(
            {"max_concurrent": int(env.get("NEWSETL_MAX_CONCURRENT") or 2)}, name="newsetl_multiprocess"
        )
    if kind != "in_process":
        raise ValueError(f"NEWSETL_EXECUTOR must be in_process or multiprocess, not {kind!r}")
    return dg.in_process_executor
