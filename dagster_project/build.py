"""``python -m dagster_project.build``: materialize every asset into a published version.

Runs on the Dagster instance at ``DAGSTER_HOME`` (SQLite by default), so the runs, their checks and
materializations show in ``make ui`` afterwards. Each run goes in a spawned process that this one waits for: one
run for a refresh, two (the per-article layers, then the corpus-wide assets) when 16 or more shards are stale.

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
import contextlib
import functools
import io
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
    return _execute(Path(os.environ["NEWSETL_CURATED_DIR"]), args.wait)


# A build with at least this many stale shards (a first build, a code upgrade, a large arrival: one backfill run's
# worth of shards, assets/partitions.py) runs its per-article layers and its corpus-wide assets as two runs.
SPLIT_MIN_SHARDS = 16
_CORPUS_WIDE_NEXT = "corpus-wide run next"


def _execute(curated: Path, wait: float) -> int:
    """Plan and run the build, each Dagster run in a fresh process of its own (spawned: nothing of this one is
    inherited), which this one waits for.

    After spaCy has gone over thousands of articles, a process keeps most of that heap (~1 GB after 13,600
    articles), whatever is freed: the allocator does not give it back. A large build's corpus-wide assets (with
    syndication's cold start) therefore run in a second process, after the first has exited; at 10,000 articles,
    one process peaked at 1.64 GB. A refresh of a few shards is one run in one process, as before.
    """
    outcome = _in_fresh_process(_locked, _plan_and_run, str(curated), wait, SPLIT_MIN_SHARDS)
    if outcome == _CORPUS_WIDE_NEXT:
        outcome = _in_fresh_process(_locked, _run_corpus_wide, str(curated), wait)
    code, out, err = outcome
    sys.stdout.write(out)
    sys.stderr.write(err)
    return int(code)


def _in_fresh_process(fn: Any, *args: Any) -> Any:
    """``fn(*args)`` in a new spawned interpreter, which ends when this process does; its result (or exception)
    comes back here."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"),
                             initializer=_end_with_parent, initargs=(os.getpid(),)) as pool:
        return pool.submit(fn, *args).result()


def _end_with_parent(parent: int) -> None:
    """Kill this process once ``parent`` is gone: a build killed (by a supervisor, a timeout) stops all of its
    work, as it did in one process, instead of leaving its run going on without it."""
    import signal
    import threading
    import time

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os.kill(os.getpid(), signal.SIGKILL)

    threading.Thread(target=watch, name="newsetl-parent-watch", daemon=True).start()


def _locked(run: Any, curated: str, wait: float, *args: Any) -> tuple[int, str, str] | str:
    """``run(curated, *args)`` holding the curated root's build lock, in the process doing the work (so the lock
    goes with it): two builds sharing a curated root, and usually a DAGSTER_HOME with its intermediate tables,
    would otherwise interleave their writes. Between the two runs of a large build another build may go first;
    the corpus-wide run then finds its work done and publishes nothing new."""
    from dagster_project.runtime.locking import BUILD_LOCK, LockBusy, curated_lock

    try:
        with curated_lock(Path(curated), BUILD_LOCK, timeout=wait, notify=sys.stderr):
            return run(curated, *args)  # type: ignore[no-any-return]
    except LockBusy as exc:
        return EX_TEMPFAIL, "", f"newsetl: not building: {exc}. Try again when it has finished.\n"


def _run_config() -> dict:
    # INFO on the console: progress and step results, without Dagster's per-event DEBUG lines (the UI keeps them all).
    log_level = os.environ.get("NEWSETL_LOG_LEVEL", "INFO")
    return {"loggers": {"console": {"config": {"log_level": log_level}}}}


def _plan_and_run(curated: str, split_min_shards: int) -> tuple[int, str, str] | str:
    """The stale shards, then either the whole build as one run, or (many stale shards) the per-article layers over
    them: then ``_CORPUS_WIDE_NEXT``, and the caller runs the corpus-wide assets in a new process."""
    import dagster as dg

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
    from dagster_project.automation import describe_plan, partitioned_keys, plan_refresh, refresh_run
    from dagster_project.resources import NlpModel, StorageRoots

    roots = StorageRoots(raw_dir=os.environ["NEWSETL_RAW_DIR"], curated_dir=os.environ["NEWSETL_CURATED_DIR"],
                         dagster_home=os.environ["DAGSTER_HOME"])
    job = dg.build_reconstructable_job("dagster_project.build", asset_job.__name__)
    with dg.DagsterInstance.get() as instance:
        stale = plan_refresh(instance, roots, NlpModel().model)
        tags, selection = refresh_run(stale)
        print(f"newsetl: {describe_plan(stale)}", file=sys.stderr, flush=True)
        split = len(stale) >= split_min_shards
        with dg.execute_job(job, instance=instance, raise_on_error=False, run_config=_run_config(),
                            tags={**tags, "newsetl/stale_shards": str(len(stale))},
                            asset_selection=partitioned_keys() if split else selection) as result:
            if split and result.success:
                return _CORPUS_WIDE_NEXT
            return _reported(result, Path(curated))


def _run_corpus_wide(curated: str) -> tuple[int, str, str]:
    """The corpus-wide assets alone, over every shard as stored (the second run of a large build)."""
    import dagster as dg

    from dagster_project.automation import corpus_wide_keys

    job = dg.build_reconstructable_job("dagster_project.build", asset_job.__name__)
    with dg.DagsterInstance.get() as instance, dg.execute_job(
            job, instance=instance, raise_on_error=False, run_config=_run_config(),
            tags={"newsetl/stale_shards": "0"}, asset_selection=corpus_wide_keys()) as result:
        return _reported(result, Path(curated))


@functools.cache  # Dagster asks for the job several times per run
def asset_job():  # type: ignore[no-untyped-def]
    """The ``refresh`` job (every asset and check), the one the sensor and the schedule run too; a module-level
    function, so Dagster can rebuild the job by name (``build_reconstructable_job``)."""
    from dagster_project.automation import refresh_job
    from dagster_project.definitions import defs

    return defs.resolve_job_def(refresh_job.name)


def _reported(result: Any, curated: Path) -> tuple[int, str, str]:
    """``_report``'s exit code and what it prints, for the process that started the build to print (so the summary
    and the failures reach its ``sys.stdout`` and ``sys.stderr``, wherever they point)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = _report(result, curated)
    return code, out.getvalue(), err.getvalue()


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
