"""deploy/backfill.py against a real dagster-webserver (no daemon): the asset backfill it launches is the one the
UI's "Materialize all" would, over every partition, with the unpartitioned assets; sensors can be stopped and
started again."""

from __future__ import annotations

import os
import socket
import textwrap

import pytest

from deploy.backfill import BackfillError, Webserver
from deploy.services import dagster_webserver

DEFS = textwrap.dedent("""
    import dagster as dg

    shards = dg.StaticPartitionsDefinition([f"{i:02d}" for i in range(8)])

    @dg.asset(partitions_def=shards, backfill_policy=dg.BackfillPolicy.multi_run(max_partitions_per_run=4))
    def per_shard() -> None: ...

    @dg.asset(deps=[per_shard])
    def corpus_wide() -> None: ...

    @dg.sensor(target=[corpus_wide], default_status=dg.DefaultSensorStatus.RUNNING)
    def watcher():
        return dg.SkipReason("never asks for a run")

    @dg.schedule(target=[corpus_wide], cron_schedule="0 0 * * *", default_status=dg.DefaultScheduleStatus.RUNNING)
    def nightly():
        return dg.RunRequest()

    defs = dg.Definitions(assets=[per_shard, corpus_wide], sensors=[watcher], schedules=[nightly])
""")


@pytest.fixture(scope="module")
def web(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    root = tmp_path_factory.mktemp("toy")
    (root / "toy_defs.py").write_text(DEFS)
    workspace = root / "workspace.yaml"
    workspace.write_text("load_from:\n  - python_file: {relative_path: toy_defs.py, working_directory: .}\n")
    home = root / "home"
    home.mkdir()
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "DAGSTER_HOME": str(home)}
    with dagster_webserver(workspace, port=port, env=env, log_dir=root) as url:
        yield Webserver(url)


def test_asset_keys_are_every_materializable_asset(web: Webserver) -> None:
    assert sorted(web.asset_keys()) == [["corpus_wide"], ["per_shard"]]


def test_instigators_stop_and_a_sensor_starts_again(web: Webserver) -> None:
    assert sorted(web.stop_instigators()) == ["nightly", "watcher"]
    states = {s["name"]: s["sensorState"]["status"] for r in web.repositories() for s in r["sensors"]}
    states |= {s["name"]: s["scheduleState"]["status"] for r in web.repositories() for s in r["schedules"]}
    assert states == {"watcher": "STOPPED", "nightly": "STOPPED"}
    web.start_sensor("watcher")
    assert [s["sensorState"]["status"] for r in web.repositories() for s in r["sensors"]] == ["RUNNING"]
    with pytest.raises(BackfillError, match="no sensor named"):
        web.start_sensor("nobody")


def test_backfill_targets_every_partition_and_the_unpartitioned_asset(web: Webserver) -> None:
    backfill_id = web.launch_backfill(web.asset_keys(), title="toy", tags={"who": "test"})
    # No daemon here: the backfill waits, as requested, for the daemon to plan its runs.
    assert web.backfill_status(backfill_id) == "REQUESTED"
    out = web.execute("""query ($id: String!) { partitionBackfillOrError(backfillId: $id) { ... on PartitionBackfill {
        isAssetBackfill title tags { key value } assetSelection { path }
        partitionsTargetedForAssetKey(assetKey: {path: ["per_shard"]}) { partitionKeys } } } }""", id=backfill_id)
    backfill = out["partitionBackfillOrError"]
    assert backfill["isAssetBackfill"] and backfill["title"] == "toy"
    assert {"key": "who", "value": "test"} in backfill["tags"]
    assert sorted(a["path"] for a in backfill["assetSelection"]) == [["corpus_wide"], ["per_shard"]]
    assert sorted(backfill["partitionsTargetedForAssetKey"]["partitionKeys"]) == [f"{i:02d}" for i in range(8)]


def test_a_refused_backfill_is_an_error(web: Webserver) -> None:
    with pytest.raises(BackfillError, match="nowhere"):
        web.launch_backfill([["nowhere"]], title="bad")
    with pytest.raises(BackfillError, match="nope"):
        web.backfill_status("nope")
