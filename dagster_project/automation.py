"""Refresh automation: a job over every asset, a sensor on the raw root and a fallback schedule.

Both are on by default, so ``make ui`` (``dagster dev``, which starts the daemon) refreshes the dataset
when articles arrive. A refresh run (the sensor's, and ``make dataset``'s) covers only the raw shards whose
files or per-article code changed since they were last built (runtime/shard_plan.py, from the instance's own
materialization records), then every corpus-wide asset, and publishes. With no stale shard it runs the
corpus-wide assets alone. The schedule, the fallback for changes a listing cannot see, covers every shard;
there, parsing and extraction of unchanged files are cache hits (``runtime/cache.py``).
"""

import functools
import os
import time
from collections.abc import Iterable, Sequence

import dagster as dg
from upath import UPath

from dagster_project.assets.partitions import ALL_SHARDS_TAGS
from dagster_project.ingest.published_state import matching_version
from dagster_project.ingest.shards import SHARD_KEYS
from dagster_project.io_manager import PolarsParquetIOManager
from dagster_project.resources import NlpModel, StorageRoots
from dagster_project.runtime.shard_plan import (
    CODE_KEY,
    RAW_DIGEST_KEY,
    BuiltShard,
    covering_range,
    per_article_code,
    shard_listing_digests,
    stale_shards,
)
from dagster_project.runtime.storage import Entry, RawState, changed_since, list_raw, raw_state

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
def raw_files_sensor(context: dg.SensorEvaluationContext, roots: StorageRoots, nlp: NlpModel
                     ) -> dg.SensorResult | dg.SkipReason:
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
    stale = plan_refresh(context.instance, roots, nlp.model, entries)
    tags, selection = refresh_run(stale)
    context.log.info(f"raw root changed: {state.files} file(s), {len(changed)} new or rewritten; "
                     f"{describe_plan(stale)}")
    return dg.SensorResult(
        run_requests=[
            dg.RunRequest(
                run_key=f"raw-{state.digest}",
                tags={**tags, "newsetl/raw_files": str(state.files), "newsetl/changed_files": str(len(changed)),
                      "newsetl/stale_shards": str(len(stale)), "newsetl/trigger": "sensor"},
                asset_selection=selection,
            )
        ],
        cursor=state.to_cursor(),
    )


def built_shards(instance: dg.DagsterInstance, roots: StorageRoots, assets: Iterable[str]) -> dict[str, BuiltShard]:
    """What the instance records of each shard's last build: the latest materialization of each of ``assets`` (the
    keys of per_article_code: one asset per step, since the parse step's segments and parse_refusals are materialized
    with articles), its run and metadata, and whether every partitioned output is still in storage."""
    io = PolarsParquetIOManager(roots=roots)
    out: dict[str, BuiltShard] = {}
    for shard in SHARD_KEYS:
        run_ids: dict[str, str] = {}
        code: dict[str, str | None] = {}
        raw_digest = None
        for asset in assets:
            records = instance.fetch_materializations(
                dg.AssetRecordsFilter(asset_key=dg.AssetKey(asset), asset_partitions=[shard]), limit=1).records
            if not records or records[0].asset_materialization is None:
                continue
            record = records[0]
            meta = record.asset_materialization.metadata  # type: ignore[union-attr]
            run_ids[asset] = record.run_id
            code[asset] = _text(meta.get(CODE_KEY))
            if asset == "raw_articles":
                raw_digest = _text(meta.get(RAW_DIGEST_KEY))
        present = all(io.has_partition(key, shard) for key in partitioned_keys())
        out[shard] = BuiltShard(run_ids, raw_digest, code, present)
    return out


def _text(value: object) -> str | None:
    inner = getattr(value, "value", value)
    return inner if isinstance(inner, str) else None


def plan_refresh(instance: dg.DagsterInstance, roots: StorageRoots, model: str,
                 entries: Sequence[Entry] | None = None) -> dict[str, str]:
    """The stale shards of the raw root now, each with its reason (runtime/shard_plan.py)."""
    digests = shard_listing_digests(list_raw(roots.raw_root) if entries is None else entries, str(roots.raw_root))
    code = per_article_code(model, roots.max_file_bytes, roots.max_page_bytes)
    return stale_shards(digests, code, built_shards(instance, roots, code))


def refresh_run(stale: dict[str, str]) -> tuple[dict[str, str], list[dg.AssetKey] | None]:
    """Run tags and asset selection of a refresh: every asset over the range of shards covering the stale ones,
    or, with none stale, the corpus-wide assets alone (``None``: every asset)."""
    covered = covering_range(stale)
    if covered is None:
        return {}, corpus_wide_keys()
    return {"dagster/asset_partition_range_start": covered[0], "dagster/asset_partition_range_end": covered[1]}, None


@functools.cache
def _keys_by_partitioning() -> dict[bool, list[dg.AssetKey]]:
    """Every asset key, split into partitioned (by raw shard) and unpartitioned (corpus-wide) ones."""
    from dagster_project.assets import extract, ingest, parse, publish

    out: dict[bool, list[dg.AssetKey]] = {True: [], False: []}
    for a in dg.load_assets_from_modules([ingest, parse, extract, publish]):
        if isinstance(a, dg.AssetsDefinition):
            out[a.partitions_def is not None].extend(a.keys)
    return {k: sorted(v, key=lambda key: key.to_user_string()) for k, v in out.items()}


def corpus_wide_keys() -> list[dg.AssetKey]:
    """The keys of every unpartitioned asset (what a refresh runs when no shard is stale)."""
    return _keys_by_partitioning()[False]


def partitioned_keys() -> list[dg.AssetKey]:
    """The keys of every per-shard output (each shard of each must be in storage for the shard to be fresh)."""
    return _keys_by_partitioning()[True]


def describe_plan(stale: dict[str, str]) -> str:
    """One line for logs: how many shards are stale, and why."""
    if not stale:
        return f"no stale shard of {len(SHARD_KEYS)}: the corpus-wide assets alone"
    reasons: dict[str, list[str]] = {}
    for shard, reason in stale.items():
        reasons.setdefault(reason, []).append(shard)
    detail = "; ".join(f"{reason}: {', '.join(shards[:8])}{' ...' if len(shards) > 8 else ''}"
                       for reason, shards in reasons.items())
    return f"{len(stale)} stale shard(s) of {len(SHARD_KEYS)} ({detail})"


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
