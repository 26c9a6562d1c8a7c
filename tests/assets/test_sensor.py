"""The raw-root sensor requests a run for a new or changed file and none for an unchanged folder."""

import os
import time
from pathlib import Path

import dagster as dg

from dagster_project.automation import raw_files_sensor, refresh_job, refresh_schedule
from dagster_project.definitions import defs
from dagster_project.resources import StorageRoots


def _settle(root: Path) -> None:
    """Date every file a minute back, as if written earlier (the sensor waits for fresh writes to settle)."""
    now = time.time_ns()
    for p in root.rglob("*"):
        if p.stat().st_mtime_ns > now - 30 * 10**9:  # files dated back before keep their time
            os.utime(p, ns=(now - 60 * 10**9,) * 2)


def _tick(raw: Path, tmp: Path, cursor: str | None, settle: bool = True):  # type: ignore[no-untyped-def]
    if settle and raw.exists():
        _settle(raw)
    roots = StorageRoots(raw_dir=str(raw), curated_dir=str(tmp / "curated"), dagster_home=str(tmp / "home"))
    ctx = dg.build_sensor_context(cursor=cursor, resources={"roots": roots})
    return raw_files_sensor(ctx)


def test_first_tick_requests_a_refresh(raw_root: Path, tmp_path: Path) -> None:
    result = _tick(raw_root, tmp_path, None)
    assert isinstance(result, dg.SensorResult)
    assert len(result.run_requests) == 1
    assert result.run_requests[0].run_key.startswith("raw-")
    assert result.run_requests[0].tags["newsetl/raw_files"] == "3"
    assert result.cursor


def test_unchanged_folder_requests_nothing(raw_root: Path, tmp_path: Path) -> None:
    first = _tick(raw_root, tmp_path, None)
    second = _tick(raw_root, tmp_path, first.cursor)
    assert isinstance(second, dg.SkipReason)
    assert "no change" in (second.skip_message or "")


def test_new_file_requests_one_run_with_a_new_key(raw_root: Path, tmp_path: Path) -> None:
    first = _tick(raw_root, tmp_path, None)
    new = raw_root / "sub" / "late.txt"
    new.parent.mkdir()
    new.write_text("Late report\n\nA second An-124 landed in Caracas on Monday.\n", encoding="utf-8")
    os.utime(new, ns=(first_newest(first.cursor) + 10**9,) * 2)
    second = _tick(raw_root, tmp_path, first.cursor, settle=False)
    assert isinstance(second, dg.SensorResult)
    (req,) = second.run_requests
    assert req.run_key != first.run_requests[0].run_key
    assert req.tags["newsetl/raw_files"] == "4"
    assert req.tags["newsetl/changed_files"] == "1"
    # Same folder state again: the same run key, so Dagster would not launch it twice.
    again = _tick(raw_root, tmp_path, first.cursor, settle=False)
    assert again.run_requests[0].run_key == req.run_key


def test_changed_and_removed_files_are_seen(raw_root: Path, tmp_path: Path) -> None:
    first = _tick(raw_root, tmp_path, None)
    (raw_root / "wire.txt").write_text("Rewritten wire story with different length.\n", encoding="utf-8")
    changed = _tick(raw_root, tmp_path, first.cursor)
    assert isinstance(changed, dg.SensorResult) and len(changed.run_requests) == 1
    (raw_root / "blog.md").unlink()
    removed = _tick(raw_root, tmp_path, changed.cursor)
    assert isinstance(removed, dg.SensorResult)
    assert removed.run_requests[0].tags["newsetl/raw_files"] == "2"


def test_a_file_still_being_written_is_waited_for(raw_root: Path, tmp_path: Path) -> None:
    first = _tick(raw_root, tmp_path, None)
    (raw_root / "arriving.txt").write_text("Half a rep", encoding="utf-8")  # modified just now
    waiting = _tick(raw_root, tmp_path, first.cursor, settle=False)
    assert isinstance(waiting, dg.SkipReason) and "settle" in (waiting.skip_message or "")
    later = _tick(raw_root, tmp_path, first.cursor)  # the same file, once its writes have settled
    assert isinstance(later, dg.SensorResult) and len(later.run_requests) == 1


def test_missing_root_is_skipped_not_crashed(tmp_path: Path) -> None:
    assert isinstance(_tick(tmp_path / "nowhere", tmp_path, None), dg.SkipReason)


def test_sensor_and_schedule_are_registered_and_on_by_default() -> None:
    assert defs.resolve_sensor_def("raw_files_sensor").default_status == dg.DefaultSensorStatus.RUNNING
    schedule = defs.resolve_schedule_def("refresh_schedule")
    assert schedule.default_status == dg.DefaultScheduleStatus.RUNNING
    assert schedule.job_name == refresh_job.name == raw_files_sensor.job_name
    assert refresh_schedule.cron_schedule.count(" ") == 4
    job = defs.resolve_job_def("refresh")
    assert {k.to_user_string() for k in job.asset_layer.executable_asset_keys} >= {"articles", "published_version"}


def first_newest(cursor: str | None) -> int:
    import json

    return int(json.loads(cursor or "{}")["newest_mtime_ns"])
