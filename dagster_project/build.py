"""``python -m dagster_project.build``: materialize every asset into a published version.

Runs in-process on the Dagster instance at ``DAGSTER_HOME`` (SQLite by default), so the
run, its checks and materializations show in ``make ui`` afterwards. Exits 0 when the
contracts pass and prints a one-line summary; non-zero when a check or step failed.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from dagster_project.resources import PROJECT_ROOT

DEFAULTS = {
    "NEWSETL_RAW_DIR": PROJECT_ROOT / "raw",
    "NEWSETL_CURATED_DIR": PROJECT_ROOT / "curated",
    "DAGSTER_HOME": PROJECT_ROOT / ".dagster_home",
}


def ensure_environment() -> None:
    """Fill in the storage environment with repository defaults (at run time, not import time)."""
    for name, default in DEFAULTS.items():
        value = os.environ.get(name) or str(default)
        os.environ[name] = str(Path(value).expanduser().resolve())
    Path(os.environ["DAGSTER_HOME"]).mkdir(parents=True, exist_ok=True)


def main(argv: list[str] | None = None) -> int:
    ensure_environment()
    import dagster as dg

    from dagster_project.definitions import defs

    instance = dg.DagsterInstance.get()
    job = defs.resolve_implicit_global_asset_job_def()
    # INFO on the console: progress and step results, without Dagster's per-event DEBUG lines (the UI keeps them all).
    log_level = os.environ.get("NEWSETL_LOG_LEVEL", "INFO")
    run_config = {"loggers": {"console": {"config": {"log_level": log_level}}}}
    result = job.execute_in_process(instance=instance, raise_on_error=False, run_config=run_config)
    failed_checks = [
        f"{e.asset_key.to_user_string()}:{e.check_name}"
        for e in result.get_asset_check_evaluations()
        if not e.passed
    ]
    failed_steps = [e.step_key for e in result.all_events if e.event_type_value == "STEP_FAILURE"]
    publish = next(
        (m for m in result.get_asset_materialization_events() if m.asset_key.to_user_string() == "published_version"),
        None,
    )
    if not result.success or failed_checks or publish is None:
        print(
            f"newsetl: build FAILED, nothing published. failed checks: {failed_checks or 'none'}; "
            f"failed steps: {failed_steps or 'none'} (run {result.run_id})",
            file=sys.stderr,
        )
        return 1
    md = {k: v.value for k, v in publish.materialization.metadata.items()}
    counts = md.get("row_counts", {})
    curated = Path(os.environ["NEWSETL_CURATED_DIR"])
    quarantine = _quarantine_summary(curated / str(md["version"]) / "quarantine.parquet")
    verb = "published" if md.get("published") else "unchanged, kept"
    print(
        f"newsetl: {verb} version {md['version']} in {curated} ({md.get('reason')}); "
        f"rows {json.dumps(counts)}; quarantined {quarantine}"
    )
    return 0


def _quarantine_summary(path: Path) -> str:
    import polars as pl

    if not path.exists():
        return "0"
    q = pl.read_parquet(path)
    by = dict(q.group_by("reason").len().sort("reason").iter_rows())
    return f"{q.height} {json.dumps(by)}" if q.height else "0"


if __name__ == "__main__":
    sys.exit(main())
