"""``python -m dagster_project.build``: materialize every asset into a published version.

Runs in-process on the Dagster instance at ``DAGSTER_HOME`` (SQLite by default), so the
run, its checks and materializations show in ``make ui`` afterwards.

* Exit 0 when the contracts and the publish audit pass; prints a summary (version, rows,
  raw files published and quarantined, by reason).
* Exit 1 when a check, a step or the audit failed: nothing is published, ``LATEST`` is kept,
  and the failed checks are named on stderr.
* Exit 66 (EX_NOINPUT) when the raw root is missing, cannot be listed or holds no files: nothing is built.
* ``--allow-shrink`` (``NEWSETL_ALLOW_SHRINK=1``): publish even if the new version loses more than
  ``NEWSETL_MAX_SHRINK`` (default 0.2) of its parent's articles; the audit refuses it otherwise.
* Exit 75 (EX_TEMPFAIL) when another build holds the curated root's lock for longer than
  ``--wait`` seconds (``NEWSETL_LOCK_WAIT``, default 1800); a second build otherwise waits.
"""

from __future__ import annotations

import argparse
import functools
import os
import sys
from pathlib import Path
from typing import Any

# Only light imports at the top: the argument errors and the preflight answer before Dagster and polars are loaded.
from dagster_project import PROJECT_ROOT
from dagster_project.runtime.instance import ensure_instance_yaml

DEFAULTS = {
    "NEWSETL_RAW_DIR": PROJECT_ROOT / "raw",
    "NEWSETL_CURATED_DIR": PROJECT_ROOT / "curated",
    "DAGSTER_HOME": PROJECT_ROOT / ".dagster_home",
}
EX_NOINPUT = 66
EX_TEMPFAIL = 75


def ensure_environment() -> None:
    """Fill in the storage environment with repository defaults (at run time, not import time)."""
    for name, default in DEFAULTS.items():
        value = os.environ.get(name) or str(default)
        # fsspec URLs (s3://..., memory://...) for the raw and curated roots are kept as they are.
        os.environ[name] = value if "://" in value else str(Path(value).expanduser().resolve())
    ensure_instance_yaml(Path(os.environ["DAGSTER_HOME"]))  # Dagster's own SQLite storage, no telemetry


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m dagster_project.build", description=__doc__.splitlines()[0])
    parser.add_argument("--wait", type=float, default=float(os.environ.get("NEWSETL_LOCK_WAIT", "1800")),
                        help="seconds to wait for another build on the same curated root (default 1800)")
    parser.add_argument("--allow-shrink", action="store_true",
                        help="publish even if the new version loses over NEWSETL_MAX_SHRINK (20%%) of its parent's "
                        "articles (same as NEWSETL_ALLOW_SHRINK=1)")
    args = parser.parse_args(argv)
    ensure_environment()
    if args.allow_shrink:
        os.environ["NEWSETL_ALLOW_SHRINK"] = "1"  # read by the publish step (publish/guard.py)
    from dagster_project.ingest.guard import preflight

    if problem := preflight(os.environ["NEWSETL_RAW_DIR"]):
        print(f"newsetl: build FAILED: {problem}", file=sys.stderr)
        return EX_NOINPUT
    from dagster_project.runtime.locking import BUILD_LOCK, LockBusy, curated_lock

    curated = Path(os.environ["NEWSETL_CURATED_DIR"])
    try:
        # The whole build holds the lock: two builds sharing a curated root (and usually a
        # DAGSTER_HOME with its intermediate tables) would otherwise interleave their writes.
        with curated_lock(curated, BUILD_LOCK, timeout=args.wait, notify=sys.stderr):
            return _execute(curated)
    except LockBusy as exc:
        print(f"newsetl: not building: {exc}. Try again when it has finished.", file=sys.stderr)
        return EX_TEMPFAIL


def _execute(curated: Path) -> int:
    import dagster as dg

    # INFO on the console: progress and step results, without Dagster's per-event DEBUG lines (the UI keeps them all).
    log_level = os.environ.get("NEWSETL_LOG_LEVEL", "INFO")
    run_config = {"loggers": {"console": {"config": {"log_level": log_level}}}}
    # execute_job, not JobDefinition.execute_in_process: the latter keeps every step's output in memory until the
    # run ends (for ExecuteInProcessResult.output_for_node), so by publishing time the build held every
    # intermediate table twice (~0.5 GB at 10,000 articles). Steps still run in this process (in-process
    # executor), and the run shows in the UI like any other.
    #
    # One run over the range of raw shards that covers the stale ones (Dagster's partition-range tags): shards whose
    # files and per-article code did not change since their last build are not run at all, and the corpus-wide
    # assets read them from storage (automation.plan_refresh). A first build, or one after a code upgrade, covers
    # every shard. The backfill policy's limit of 16 shards per run applies to backfills launched through the
    # instance (the daemon splits them), not to a run asked for a range directly.
    from dagster_project.automation import describe_plan, plan_refresh, refresh_run
    from dagster_project.resources import NlpModel, StorageRoots

    roots = StorageRoots(raw_dir=os.environ["NEWSETL_RAW_DIR"], curated_dir=os.environ["NEWSETL_CURATED_DIR"],
                         dagster_home=os.environ["DAGSTER_HOME"])
    job = dg.build_reconstructable_job("dagster_project.build", asset_job.__name__)
    with dg.DagsterInstance.get() as instance:
        stale = plan_refresh(instance, roots, NlpModel().model)
        tags, selection = refresh_run(stale)
        print(f"newsetl: {describe_plan(stale)}", file=sys.stderr, flush=True)
        with dg.execute_job(job, instance=instance, raise_on_error=False, run_config=run_config,
                            tags={**tags, "newsetl/stale_shards": str(len(stale))},
                            asset_selection=selection) as result:
            return _report(result, curated)


@functools.cache  # Dagster asks for the job several times per run
def asset_job():  # type: ignore[no-untyped-def]
    """The ``refresh`` job (every asset and check), the one the sensor and the schedule run too; a module-level
    function, so Dagster can rebuild the job by name (``build_reconstructable_job``)."""
    from dagster_project.automation import refresh_job
    from dagster_project.definitions import defs

    return defs.resolve_job_def(refresh_job.name)


def _report(result: Any, curated: Path) -> int:
    """Exit code and console output for a finished run."""
    failed_checks = [
        f"{e.asset_key.to_user_string()}:{e.check_name}"
        for e in result.get_asset_check_evaluations()
        if not e.passed
    ]
    failed_steps = _step_failures(result.all_events)
    publish = next(
        (m for m in result.get_asset_materialization_events() if m.asset_key.to_user_string() == "published_version"),
        None,
    )
    if not result.success or failed_checks or publish is None:
        print(
            f"newsetl: build FAILED, nothing published (LATEST unchanged). "
            f"failed checks: {failed_checks or 'none'}; failed steps: {failed_steps or 'none'} (run {result.run_id})",
            file=sys.stderr,
        )
        return 1
    md = {k: v.value for k, v in publish.materialization.metadata.items()}
    print(summary(md, curated))
    return 0


def _step_failures(events: list[Any]) -> list[str]:
    """``step: root cause`` for each failed step (the audit's failed checks are in the root cause)."""
    out = []
    for e in events:
        if e.event_type_value != "STEP_FAILURE":
            continue
        err = e.step_failure_data.error if e.step_failure_data else None
        message = ""
        while err is not None:
            message = (err.message or "").strip().splitlines()[0] if err.message else message
            err = err.cause
        out.append(f"{e.step_key}: {message}")
    return out


def summary(md: dict[str, Any], curated: Path) -> str:
    """The summary printed after a successful build (publish/summary.py): files and articles apart, refused files
    named."""
    from dagster_project.publish.summary import build_summary

    return build_summary(md, curated)


if __name__ == "__main__":
    sys.exit(main())
