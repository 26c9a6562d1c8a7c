"""The embedded instance's SQLite storage that keeps its engines (dagster_project/runtime/instance_storage.py)."""

from __future__ import annotations

import os
from pathlib import Path

import dagster as dg
import pytest
import yaml
from dagster._core.storage.event_log import SqliteEventLogStorage

from dagster_project import build
from dagster_project.runtime.instance_storage import (
    EngineCache,
    PooledSqliteEventLogStorage,
    PooledSqliteRunStorage,
    PooledSqliteScheduleStorage,
)


@dg.asset(check_specs=[dg.AssetCheckSpec("positive", asset="numbers")])
def numbers() -> dg.MaterializeResult:
    return dg.MaterializeResult(metadata={"rows": 3},
                                check_results=[dg.AssetCheckResult(check_name="positive", passed=True)])


def _home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str) -> Path:
    home = tmp_path / "home"
    home.mkdir()
    (home / "dagster.yaml").write_text(text, encoding="utf-8")
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    return home


def test_project_instance_uses_pooled_storage_and_reads_back_what_it_wrote(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    home = _home(tmp_path, monkeypatch, build.INSTANCE_YAML)
    with dg.DagsterInstance.get() as instance:
        assert isinstance(instance.event_log_storage, PooledSqliteEventLogStorage)
        assert isinstance(instance.run_storage, PooledSqliteRunStorage)
        assert isinstance(instance.schedule_storage, PooledSqliteScheduleStorage)
        assert not instance.telemetry_enabled
        for _ in range(2):
            result = dg.materialize([numbers], instance=instance)
            assert result.success
        run_id = result.run_id
        event = instance.get_latest_materialization_event(dg.AssetKey("numbers"))
        assert event is not None and event.run_id == run_id
        assert event.asset_materialization is not None and event.asset_materialization.metadata["rows"].value == 3
        checks = [e for e in result.get_asset_check_evaluations() if e.check_name == "positive"]
        assert len(checks) == 1 and checks[0].passed
        assert len(instance.get_runs()) == 2
        logs = instance.all_logs(run_id)
        assert any(e.dagster_event and e.dagster_event.event_type == dg.DagsterEventType.RUN_SUCCESS for e in logs)
    # Dagster's layout: the UI and `storage: sqlite` find the same files.
    assert (home / "history" / "runs.db").is_file() and (home / "history" / "runs" / "index.db").is_file()
    assert (home / "history" / "runs" / f"{run_id}.db").is_file() and (home / "schedules" / "schedules.db").is_file()
    # A run's own log is closed after every write: its write-ahead log is folded back into the file the UI
    # watches to follow a running run, instead of growing beside it.
    assert not (home / "history" / "runs" / f"{run_id}.db-wal").exists()


def test_dagster_default_sqlite_storage_opens_the_same_instance(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    home = _home(tmp_path, monkeypatch, build.INSTANCE_YAML)
    with dg.DagsterInstance.get() as instance:
        run_id = dg.materialize([numbers], instance=instance).run_id
    (home / "dagster.yaml").write_text(build.LEGACY_INSTANCE_YAML + "# plain storage\n", encoding="utf-8")
    with dg.DagsterInstance.get() as instance:
        assert type(instance.event_log_storage) is SqliteEventLogStorage
        assert instance.get_run_by_id(run_id) is not None
        event = instance.get_latest_materialization_event(dg.AssetKey("numbers"))
        assert event is not None and event.run_id == run_id
        second = dg.materialize([numbers], instance=instance).run_id
    (home / "dagster.yaml").write_text(build.INSTANCE_YAML, encoding="utf-8")
    with dg.DagsterInstance.get() as instance:
        event = instance.get_latest_materialization_event(dg.AssetKey("numbers"))
        assert event is not None and event.run_id == second


def test_wipe_closes_connections_before_deleting_run_logs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    home = _home(tmp_path, monkeypatch, build.INSTANCE_YAML)
    with dg.DagsterInstance.get() as instance:
        run_id = dg.materialize([numbers], instance=instance).run_id
        instance.wipe()
        assert not (home / "history" / "runs" / f"{run_id}.db").exists()
        assert instance.get_latest_materialization_event(dg.AssetKey("numbers")) is None
        # Writes after the wipe land in new files, not in the deleted ones.
        again = dg.materialize([numbers], instance=instance).run_id
        assert instance.get_latest_materialization_event(dg.AssetKey("numbers")).run_id == again  # type: ignore[union-attr]


def test_engine_cache_reuses_and_evicts_least_recently_used(tmp_path: Path) -> None:
    cache = EngineCache(size=2)
    urls = [f"sqlite:///{tmp_path / name}.db" for name in "abc"]
    a = cache.get(urls[0], pooled=True)
    assert cache.get(urls[0], pooled=True) is a
    b = cache.get(urls[1], pooled=False)
    assert cache.get(urls[0], pooled=True) is a  # a is now the most recently used
    cache.get(urls[2], pooled=True)
    assert len(cache) == 2
    assert cache.get(urls[0], pooled=True) is a and cache.get(urls[1], pooled=False) is not b  # b was evicted
    cache.dispose()
    assert len(cache) == 0


def test_forked_child_does_not_inherit_engines(tmp_path: Path) -> None:
    cache = EngineCache()
    engine = cache.get(f"sqlite:///{tmp_path / 'x.db'}", pooled=True)
    with engine.connect() as conn:
        conn.exec_driver_sql("create table t (x integer)")
        conn.commit()
    pid = os.fork()
    if pid == 0:  # the child: the parent's engines are forgotten, a new one is made on demand
        ok = len(cache) == 0 and cache.get(f"sqlite:///{tmp_path / 'x.db'}", pooled=True) is not engine
        os._exit(0 if ok else 1)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    assert len(cache) == 1  # the parent's own engine is untouched
    with engine.connect() as conn:
        assert conn.exec_driver_sql("select count(*) from t").scalar() == 0
    cache.dispose()


@pytest.mark.parametrize("existing", [None, build.LEGACY_INSTANCE_YAML])
def test_ensure_environment_writes_the_project_instance_yaml(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, existing: str | None) -> None:
    home = tmp_path / "home"
    home.mkdir()
    if existing is not None:
        (home / "dagster.yaml").write_text(existing, encoding="utf-8")
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    build.ensure_environment()
    config = yaml.safe_load((home / "dagster.yaml").read_text(encoding="utf-8"))
    assert config["telemetry"] == {"enabled": False}
    storage = config["storage"]["custom"]
    assert (storage["module"], storage["class"]) == ("dagster_project.runtime.instance_storage", "PooledSqliteStorage")
    assert [p.name for p in home.iterdir()] == ["dagster.yaml"]  # no temporary file left behind


def test_ensure_environment_keeps_any_other_instance_yaml(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    home = tmp_path / "home"
    home.mkdir()
    own = "storage:\n  postgres:\n    postgres_url: postgresql://localhost/dagster\n"
    (home / "dagster.yaml").write_text(own, encoding="utf-8")
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    build.ensure_environment()
    assert (home / "dagster.yaml").read_text(encoding="utf-8") == own
