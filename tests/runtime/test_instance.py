"""The project's dagster.yaml (runtime/instance.py): Dagster's own SQLite storage, and old homes upgraded."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import pytest
import yaml
from dagster._core.storage.event_log import SqliteEventLogStorage

from dagster_project import build
from dagster_project.runtime.instance import INSTANCE_YAML, LEGACY_INSTANCE_YAML

# What the build wrote into a new DAGSTER_HOME while the project had its own storage class.
POOLED_YAML = """\
telemetry:
  enabled: false
storage:
  custom:
    module: dagster_project.runtime.instance_storage
    class: PooledSqliteStorage
    config:
      base_dir:
        env: DAGSTER_HOME
"""


@dg.asset
def numbers() -> dg.MaterializeResult:
    return dg.MaterializeResult(metadata={"rows": 3})


def _ensure(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, existing: str | None) -> Path:
    home = tmp_path / "home"
    home.mkdir()
    if existing is not None:
        (home / "dagster.yaml").write_text(existing, encoding="utf-8")
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    build.ensure_environment()
    return home


@pytest.mark.parametrize("existing", [None, LEGACY_INSTANCE_YAML, POOLED_YAML,
                                      POOLED_YAML.replace("runtime.instance_storage", "instance_storage")])
def test_new_and_old_homes_get_dagsters_sqlite_storage(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, existing: str | None) -> None:
    home = _ensure(tmp_path, monkeypatch, existing)
    assert (home / "dagster.yaml").read_text(encoding="utf-8") == INSTANCE_YAML
    assert [p.name for p in home.iterdir()] == ["dagster.yaml"]  # no temporary file left behind
    with dg.DagsterInstance.get() as instance:
        assert type(instance.event_log_storage) is SqliteEventLogStorage
        assert not instance.telemetry_enabled
        run_id = dg.materialize([numbers], instance=instance).run_id
        event = instance.get_latest_materialization_event(dg.AssetKey("numbers"))
        assert event is not None and event.run_id == run_id
    assert (home / "history" / "runs" / f"{run_id}.db").is_file()  # under $DAGSTER_HOME, Dagster's layout


def test_an_upgraded_home_keeps_its_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The removed storage class used Dagster's files: runs recorded under it are read by `storage: sqlite`.
    home = _ensure(tmp_path, monkeypatch, None)
    with dg.DagsterInstance.get() as instance:
        run_id = dg.materialize([numbers], instance=instance).run_id
    (home / "dagster.yaml").write_text(POOLED_YAML, encoding="utf-8")
    build.ensure_environment()
    with dg.DagsterInstance.get() as instance:
        assert instance.get_run_by_id(run_id) is not None


def test_settings_beside_the_removed_storage_are_kept(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    own = POOLED_YAML + "run_retries:\n  enabled: true\n"
    home = _ensure(tmp_path, monkeypatch, own)
    config = yaml.safe_load((home / "dagster.yaml").read_text(encoding="utf-8"))
    assert config == {"telemetry": {"enabled": False}, "run_retries": {"enabled": True},
                      "storage": {"sqlite": {"base_dir": {"env": "DAGSTER_HOME"}}}}


@pytest.mark.parametrize("own", ["storage:\n  postgres:\n    postgres_url: postgresql://localhost/dagster\n",
                                 "telemetry:\n  enabled: true\n", "storage: [unclosed\n"])
def test_any_other_instance_yaml_is_left_alone(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, own: str) -> None:
    home = _ensure(tmp_path, monkeypatch, own)
    assert (home / "dagster.yaml").read_text(encoding="utf-8") == own
