"""deploy/: the PostgreSQL instance template and the Kubernetes code location, checked against Dagster's schemas."""

import importlib
from pathlib import Path

import dagster as dg
import pytest
import yaml
from dagster._config import validate_config
from dagster._core.instance.config import dagster_instance_config_schema

from dagster_project.definitions import defs as local_defs

DEPLOY = Path(__file__).resolve().parent.parent / "deploy"


def _instance_errors(config: dict) -> list[str]:
    result = validate_config(dagster_instance_config_schema(), config)
    return [e.message for e in result.errors or []]


@pytest.mark.parametrize("name", ["dagster.postgres.yaml", "k8s/dagster.yaml"])
def test_instance_templates_match_dagsters_instance_schema(name: str) -> None:
    config = yaml.safe_load((DEPLOY / name).read_text())
    assert _instance_errors(config) == []
    pg = config["storage"]["postgres"]["postgres_db"]
    # Connection settings come from the environment, never from the file.
    assert pg.pop("scheme") == "postgresql+psycopg2"  # the pinned driver, not SQLAlchemy 2.1's psycopg 3 default
    assert {k: v["env"] for k, v in pg.items()} == {
        "hostname": "DAGSTER_PG_HOST", "port": "DAGSTER_PG_PORT", "username": "DAGSTER_PG_USER",
        "password": "DAGSTER_PG_PASSWORD", "db_name": "DAGSTER_PG_DB",
    }
    assert config["run_coordinator"]["class"] == "QueuedRunCoordinator"
    assert config["concurrency"]["runs"]["max_concurrent_runs"] > 0


def test_instance_schema_check_is_not_vacuous() -> None:
    config = yaml.safe_load((DEPLOY / "dagster.postgres.yaml").read_text())
    config["concurrency"]["runs"]["max_concurent_runs"] = 2  # misspelled key
    assert _instance_errors(config)


def _run_coordinator(name: str) -> tuple[type, dict]:
    block = yaml.safe_load((DEPLOY / name).read_text())["run_coordinator"]
    return getattr(importlib.import_module(block["module"]), block["class"]), block.get("config") or {}


@pytest.mark.parametrize("name", ["dagster.postgres.yaml", "k8s/dagster.yaml"])
def test_run_coordinator_is_dagsters_queued_one_with_a_valid_config(name: str) -> None:
    cls, config = _run_coordinator(name)
    assert cls is dg.QueuedRunCoordinator
    assert validate_config(cls.config_type(), config).success, config
    # Dagster's own reading of the coordinator and concurrency blocks (the daemon dequeues by this config): a
    # backfill's runs can run side by side, and at most one refresh publishes at a time.
    whole = yaml.safe_load((DEPLOY / name).read_text())
    with dg.instance_for_test(overrides={k: whole[k] for k in ("run_coordinator", "concurrency")}) as instance:
        assert isinstance(instance.run_coordinator, dg.QueuedRunCoordinator)
        queue = instance.get_concurrency_config().run_queue_config
        assert queue is not None and queue.max_concurrent_runs >= 2, queue
        assert {"key": "newsetl/refresh", "limit": 1} in queue.tag_concurrency_limits, queue


def test_run_coordinator_check_is_not_vacuous() -> None:
    cls, config = _run_coordinator("k8s/dagster.yaml")
    assert not validate_config(cls.config_type(), {**config, "dequeue_num_workrs": 4}).success
    assert not validate_config(cls.config_type(), {**config, "dequeue_use_threads": "yes please"}).success


def test_postgres_storage_and_launcher_config_match_their_classes_schemas() -> None:
    from dagster_k8s import K8sRunLauncher
    from dagster_postgres import PostgresEventLogStorage, PostgresRunStorage, PostgresScheduleStorage

    pg = yaml.safe_load((DEPLOY / "dagster.postgres.yaml").read_text())["storage"]["postgres"]
    for storage in (PostgresRunStorage, PostgresEventLogStorage, PostgresScheduleStorage):
        assert validate_config(storage.config_type(), pg).success, storage.__name__
    launcher = yaml.safe_load((DEPLOY / "k8s" / "dagster.yaml").read_text())["run_launcher"]
    assert validate_config(K8sRunLauncher.config_type(), launcher["config"]).success
    bad = {**launcher["config"], "image_pull_polcy": "Always"}
    assert not validate_config(K8sRunLauncher.config_type(), bad).success


def test_k8s_code_location_loads_with_the_k8s_executor(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in ("NEWSETL_RAW_DIR", "NEWSETL_CURATED_DIR", "DAGSTER_HOME"):
        monkeypatch.setenv(name, str(tmp_path / name.lower()))
    from deploy.k8s.definitions import EXECUTOR_CONFIG, defs

    dg.Definitions.validate_loadable(defs)
    job = defs.resolve_job_def("refresh")
    assert job.executor_def.name == "newsetl_k8s"
    # The baked-in executor config satisfies k8s_job_executor's published schema...
    assert dg.validate_run_config(job, {}) is not None
    # ...and the same assets, checks, sensor and schedule are served as locally.
    assert defs.resolve_asset_graph().get_all_asset_keys() == local_defs.resolve_asset_graph().get_all_asset_keys()
    assert defs.resolve_sensor_def("raw_files_sensor").job_name == "refresh"
    assert EXECUTOR_CONFIG["per_step_k8s_config"]["mention_candidates"]["container_config"]["resources"]


def test_k8s_executor_config_is_really_validated() -> None:
    from dagster_k8s import k8s_job_executor

    from deploy.k8s.definitions import EXECUTOR_CONFIG

    assert validate_config(k8s_job_executor.config_schema.config_type, EXECUTOR_CONFIG).success
    broken = {**EXECUTOR_CONFIG, "max_concurrent": "four"}
    assert not validate_config(k8s_job_executor.config_schema.config_type, broken).success
    unknown = {**EXECUTOR_CONFIG, "job_namspace": "x"}
    assert not validate_config(k8s_job_executor.config_schema.config_type, unknown).success


def test_executor_is_in_process_unless_multiprocess_is_asked_for(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in ("NEWSETL_RAW_DIR", "NEWSETL_CURATED_DIR", "DAGSTER_HOME"):
        monkeypatch.setenv(name, str(tmp_path / name.lower()))
    from dagster_project.automation import executor_from_env

    assert executor_from_env({}) is dg.in_process_executor
    mp = executor_from_env({"NEWSETL_EXECUTOR": "multiprocess", "NEWSETL_MAX_CONCURRENT": "3"})
    assert mp.name == "newsetl_multiprocess"
    job = dg.Definitions(assets=local_defs.assets, resources=local_defs.resources,
                         executor=mp).resolve_implicit_global_asset_job_def()
    # The bound is baked in and valid for Dagster's multiprocess executor schema: no run config needed.
    assert job.executor_def.name == "newsetl_multiprocess"
    resolved = dg.validate_run_config(job, {})["execution"]["newsetl_multiprocess"]
    assert resolved["max_concurrent"] == 3
    with pytest.raises(ValueError, match="NEWSETL_EXECUTOR"):
        executor_from_env({"NEWSETL_EXECUTOR": "celery"})
