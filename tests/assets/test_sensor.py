"""The raw-root sensor requests a run for a new or changed file and none for an unchanged folder."""

import os
import time
from pathlib import Path

import dagster as dg
import pytest

from dagster_project.automation import raw_files_sensor, refresh_job, refresh_schedule
from dagster_project.definitions import defs
from dagster_project.resources import NlpModel, StorageRoots


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
    # A new instance: no shard was ever built, all are stale.
    with (dg.instance_for_test() as instance,
          dg.build_sensor_context(cursor=cursor, resources={"roots": roots, "nlp": NlpModel()},
                                  instance=instance) as ctx):
        return raw_files_sensor(ctx)


def test_first_tick_requests_a_refresh(raw_root: Path, tmp_path: Path) -> None:
    result = _tick(raw_root, tmp_path, None)
    assert isinstance(result, dg.SensorResult)
    assert len(result.run_requests) == 1
    assert result.run_requests[0].run_key.startswith("raw-")
    assert result.run_requests[0].tags["newsetl/raw_files"] == "3"
    # Nothing built yet: every shard is stale, and the run covers the range of shards holding them.
    assert result.run_requests[0].tags["newsetl/stale_shards"] == "64"
    assert result.run_requests[0].tags["dagster/asset_partition_range_start"] == "00"
    assert result.run_requests[0].tags["dagster/asset_partition_range_end"] == "63"
    assert result.run_requests[0].asset_selection is None
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


def _publish_manifest_of(raw: Path, curated: Path, version: str = "1.0.0") -> None:
    """A published version whose datapackage.json lists ``raw``'s files and hashes, as a build writes it."""
    import hashlib
    import json

    sources = [{"title": p.relative_to(raw).as_posix(), "path": p.relative_to(raw).as_posix(),
                "hash": "sha256:" + hashlib.sha256(p.read_bytes()).hexdigest()}
               for p in sorted(raw.rglob("*")) if p.is_file()]
    (curated / version).mkdir(parents=True)
    (curated / version / "datapackage.json").write_text(json.dumps({"version": version, "sources": sources}))
    (curated / "LATEST").write_text(version + "\n")


def test_first_tick_after_a_build_of_the_same_files_starts_no_run(raw_root: Path, tmp_path: Path) -> None:
    _publish_manifest_of(raw_root, tmp_path / "curated")
    first = _tick(raw_root, tmp_path, None)
    assert isinstance(first, dg.SensorResult) and not first.run_requests
    assert "unchanged since published version 1.0.0" in (first.skip_reason.skip_message or "")  # type: ignore[union-attr]
    assert first.cursor
    # From that cursor: still nothing, and a new file then requests exactly one run.
    assert isinstance(_tick(raw_root, tmp_path, first.cursor), dg.SkipReason)
    (raw_root / "late.txt").write_text("Late report\n\nA second An-124 landed in Caracas.\n", encoding="utf-8")
    os.utime(raw_root / "late.txt", ns=(first_newest(first.cursor) + 10**9,) * 2)
    later = _tick(raw_root, tmp_path, first.cursor, settle=False)
    assert isinstance(later, dg.SensorResult) and len(later.run_requests) == 1


def test_first_tick_refreshes_when_the_raw_files_differ_from_latest(raw_root: Path, tmp_path: Path) -> None:
    _publish_manifest_of(raw_root, tmp_path / "curated")
    (raw_root / "wire.txt").write_text("Rewritten report\n\nNicolas Maduro spoke in Caracas.\n", encoding="utf-8")
    result = _tick(raw_root, tmp_path, None)
    assert isinstance(result, dg.SensorResult) and len(result.run_requests) == 1


@pytest.mark.integration
def test_make_ui_right_after_make_dataset_starts_no_run(raw_root: Path, tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """The real sequence: a build on a DAGSTER_HOME, then the sensor's first tick (no cursor) on the same roots."""
    import io
    from contextlib import redirect_stderr, redirect_stdout

    from dagster_project import build

    monkeypatch.setenv("NEWSETL_RAW_DIR", str(raw_root))
    monkeypatch.setenv("NEWSETL_CURATED_DIR", str(tmp_path / "curated"))
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "home"))
    with redirect_stdout(io.StringIO()), redirect_stderr(io.StringIO()):
        assert build.main([]) == 0
    result = _tick(raw_root, tmp_path, None)
    assert isinstance(result, dg.SensorResult) and result.run_requests == []
    assert result.skip_reason is not None and "unchanged since published version 1.0.0" in result.skip_reason.skip_message
