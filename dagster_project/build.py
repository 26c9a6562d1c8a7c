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
import gc
import importlib.abc
import logging
import os
import sys
from pathlib import Path
from typing import Any, NoReturn

# Only light imports at the top: the extraction server is spawned from this module (see prestart_extraction),
# and a spawned process imports its parent's main module again.
from dagster_project import PROJECT_ROOT

DEFAULTS = {
    "NEWSETL_RAW_DIR": PROJECT_ROOT / "raw",
    "NEWSETL_CURATED_DIR": PROJECT_ROOT / "curated",
    "DAGSTER_HOME": PROJECT_ROOT / ".dagster_home",
}
EX_NOINPUT = 66
EX_TEMPFAIL = 75
# The dagster.yaml of a new DAGSTER_HOME. Text, not imported from instance_storage: that module imports Dagster's
# storage, and a first build should not wait for it before starting the extraction server.
INSTANCE_YAML = """\
# Written by newsetl for a new DAGSTER_HOME.
# No network at run time: Dagster's usage telemetry is off.
telemetry:
  enabled: false
# Dagster's SQLite storage and folder layout under $DAGSTER_HOME, keeping its database engines between
# calls (dagster_project/runtime/instance_storage.py). `storage: sqlite` opens the same files.
storage:
  custom:
    module: dagster_project.runtime.instance_storage
    class: PooledSqliteStorage
    config:
      base_dir:
        env: DAGSTER_HOME
"""
# What ensure_environment wrote into a new DAGSTER_HOME before runtime/instance_storage.py existed.
LEGACY_INSTANCE_YAML = "telemetry:\n  enabled: false\n"


def ensure_environment() -> None:
    """Fill in the storage environment with repository defaults (at run time, not import time)."""
    for name, default in DEFAULTS.items():
        value = os.environ.get(name) or str(default)
        # fsspec URLs (s3://..., memory://...) for the raw and curated roots are kept as they are.
        os.environ[name] = value if "://" in value else str(Path(value).expanduser().resolve())
    home = Path(os.environ["DAGSTER_HOME"])
    home.mkdir(parents=True, exist_ok=True)
    config = home / "dagster.yaml"
    # A new instance gets the project's dagster.yaml (no telemetry; SQLite storage that keeps its engines,
    # see runtime/instance_storage.py). The file this project wrote before that (telemetry only) is upgraded: same
    # folder layout, same database files. Any other dagster.yaml (PostgreSQL, a user's own) is left alone.
    if not config.exists() or config.read_text(encoding="utf-8") == LEGACY_INSTANCE_YAML:
        tmp = config.with_name(f".dagster.yaml.{os.getpid()}")
        tmp.write_text(INSTANCE_YAML, encoding="utf-8")
        tmp.replace(config)  # atomic: a build starting at the same time reads one file or the other


def prestart_extraction() -> bool:
    """Start the extraction server now if this build will probably extract (see runtime/warmup.py).

    It loads spaCy and the gazetteers on the other core while this process imports Dagster, ingests and
    parses, and the extraction step picks it up (``runtime.parallel.take_prestarted``). ``NEWSETL_PRESTART=0``
    turns this off.
    """
    from dagster_project.runtime.storage import cache_dir, is_url
    from dagster_project.runtime.warmup import extraction_likely, prestart_enabled

    raw = os.environ["NEWSETL_RAW_DIR"]
    if not prestart_enabled() or is_url(raw):
        return False

    cache = cache_dir(Path(os.environ["DAGSTER_HOME"]))
    if not extraction_likely(Path(raw), cache):
        return False
    from dagster_project.runtime.parallel import prestart

    prestart(gazetteer_cache=cache)  # the cache the extraction step uses (StorageRoots.cache_path)
    return True


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
            return _run(curated)
    except LockBusy as exc:
        print(f"newsetl: not building: {exc}. Try again when it has finished.", file=sys.stderr)
        return EX_TEMPFAIL


def _run(curated: Path) -> int:
    prestart_extraction()  # before the heavy imports below, which it overlaps
    # The imports, the job and the instance below create ~300,000 objects that live as long as the process.
    # Every full garbage collection walked all of them: seven of them took ~0.8 s of a one-article refresh.
    # No collection during the imports, then those objects are frozen out of the collector's reach for the run.
    enabled = gc.isenabled()
    gc.disable()
    try:
        return _execute(curated)  # freezes the heap and enables the collector once the run is set up
    finally:
        gc.unfreeze()  # build.main() called in-process (tests): the caller's heap is collectable again
        (gc.enable if enabled else gc.disable)()


def _execute(curated: Path) -> int:
    import dagster as dg

    # INFO on the console: progress and step results, without Dagster's per-event DEBUG lines (the UI keeps them all).
    log_level = os.environ.get("NEWSETL_LOG_LEVEL", "INFO")
    run_config = {"loggers": {"console": {"config": {"log_level": log_level}}}}
    # execute_job, not JobDefinition.execute_in_process: the latter keeps every step's output in memory until the
    # run ends (for ExecuteInProcessResult.output_for_node), so by publishing time the build held every
    # intermediate table twice (~0.5 GB at 10,000 articles). Steps still run in this process (in-process
    # executor), and the run shows in the UI like any other.
    job = dg.build_reconstructable_job("dagster_project.build", asset_job.__name__)
    # The instance is closed here, before the process exits (see the end of this file).
    with dg.DagsterInstance.get() as instance:
        gc.freeze()
        gc.enable()
        with dg.execute_job(job, instance=instance, raise_on_error=False, run_config=run_config) as result:
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


class _WithoutPandas(importlib.abc.MetaPathFinder):
    """Makes ``import pandas`` fail in this process exactly as it fails where pandas is not installed."""

    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> None:
        if fullname.partition(".")[0] == "pandas":
            raise ModuleNotFoundError(f"No module named {fullname!r}", name=fullname)
        return None


def without_pandas() -> bool:
    """Make this process one without pandas, unless it has imported pandas already.

    Nothing in a build uses pandas, but pandera imports it whenever it is installed (``pandera/__init__``), and it is
    installed for the tests and for researchers. That was ~0.4 s of every one-article refresh (8% of it, paired
    runs): pandas itself, pandera's pandas typing and engine, and their shared libraries. pandera supports
    installs without pandas (its check backends are registered for polars either way), and a test checks that the
    contracts report the same failures both ways. Only ``python -m dagster_project.build`` calls this: the tests,
    the UI and the daemon's run workers keep pandas.
    """
    if "pandas" in sys.modules or any(isinstance(f, _WithoutPandas) for f in sys.meta_path):
        return False
    sys.meta_path.insert(0, _WithoutPandas())
    return True


def exit_now(code: int) -> NoReturn:
    """Exit without the interpreter's teardown of a large heap (about 1 s per build at 1,000 articles).

    By now every table and version is written, fsynced and closed and the instance is disposed; only
    Python's own clean-up of millions of objects (spaCy, the gazetteers, Dagster) would be left, and it
    would count in every refresh. Logging and the standard streams are flushed first.
    """
    if "dagster_project.runtime.background" in sys.modules:  # a helper process still waiting for work
        sys.modules["dagster_project.runtime.background"].shutdown()
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":
    without_pandas()
    exit_now(main())
