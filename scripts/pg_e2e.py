"""End to end on a PostgreSQL-backed Dagster instance (called by scripts/test_postgres.sh).

Expects DAGSTER_HOME with deploy/dagster.postgres.yaml, DAGSTER_PG_* pointing at a running server, and
NEWSETL_RAW_DIR / NEWSETL_CURATED_DIR in a scratch folder. It starts ``dagster-daemon`` on the project's
workspace, lets the raw-root sensor request the refresh, lets the queued run coordinator launch it, adds an
article and waits for the second (incremental) refresh, then runs ``make dataset``'s in-process build on the
same instance. Every check reads PostgreSQL's tables directly.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import psycopg2

REPO = Path(__file__).resolve().parent.parent
TIMEOUT_S = 600
ASSETS = {"raw_articles", "articles", "mention_candidates", "mentions", "entities", "quantities", "quarantine",
          "published_version"}


def connect():  # type: ignore[no-untyped-def]
    e = os.environ
    return psycopg2.connect(host=e["DAGSTER_PG_HOST"], port=int(e["DAGSTER_PG_PORT"]), user=e["DAGSTER_PG_USER"],
                            password=e["DAGSTER_PG_PASSWORD"], dbname=e["DAGSTER_PG_DB"])


def query(sql: str, *args: object) -> list[tuple]:
    with connect() as conn, conn.cursor() as cur:
        cur.execute(sql, args)
        return cur.fetchall()


def wait_for_runs(n: int, log: Path) -> list[tuple[str, str]]:
    """Wait until ``n`` runs have finished; fail fast if one failed."""
    deadline = time.monotonic() + TIMEOUT_S
    while time.monotonic() < deadline:
        runs = query("select run_id, status from runs order by create_timestamp")
        failed = [r for r in runs if r[1] in ("FAILURE", "CANCELED")]
        if failed:
            sys.stderr.write(log.read_text()[-6000:])
            raise SystemExit(f"pg-e2e: run(s) failed: {failed}")
        done = [r for r in runs if r[1] == "SUCCESS"]
        if len(done) >= n and len(runs) == len(done):
            return done
        time.sleep(2)
    sys.stderr.write(log.read_text()[-6000:])
    raise SystemExit(f"pg-e2e: fewer than {n} successful run(s) after {TIMEOUT_S}s: {runs}")


def materialized(run_id: str) -> dict[str, dict]:
    """Asset key -> materialization metadata, read from the event_logs table."""
    rows = query("select asset_key, event from event_logs where run_id = %s and dagster_event_type = %s",
                 run_id, "ASSET_MATERIALIZATION")
    out = {}
    for key, event in rows:
        body = json.loads(event)
        md = body["dagster_event"]["event_specific_data"]["materialization"]["metadata_entries"]
        # Serialized metadata values look like {"__class__": "IntMetadataEntryData", "value": 1}.
        out[json.loads(key)[0]] = {
            m["label"]: next((v for k, v in m.get("entry_data", {}).items() if k != "__class__"), None) for m in md
        }
    return out


def main() -> int:
    home = Path(os.environ["DAGSTER_HOME"])
    raw = Path(os.environ["NEWSETL_RAW_DIR"])
    curated = Path(os.environ["NEWSETL_CURATED_DIR"])
    log = home / "daemon.log"
    import dagster as dg

    # Opening the instance creates Dagster's tables in PostgreSQL (and proves the template is what is loaded).
    with dg.DagsterInstance.get() as instance:
        kinds = {type(s).__name__ for s in (instance.run_storage, instance.event_log_storage, instance.schedule_storage)}
        assert kinds == {"PostgresRunStorage", "PostgresEventLogStorage", "PostgresScheduleStorage"}, kinds
        assert type(instance.run_coordinator).__name__ == "QueuedRunCoordinator"
    env = {**os.environ, "NEWSETL_SENSOR_INTERVAL": "5"}
    daemon_bin = Path(sys.executable).parent / "dagster-daemon"
    with log.open("w") as fh:
        daemon = subprocess.Popen([str(daemon_bin), "run", "-w", str(REPO / "workspace.yaml")], cwd=REPO, env=env,
                                  stdout=fh, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        print("pg-e2e: daemon started; waiting for the sensor's refresh run", flush=True)
        (first_id, _), = wait_for_runs(1, log)
        (raw / "late_report.txt").write_text(
            "Second Russian jet lands in Caracas\n\nCARACAS (Reuters) - A second Antonov An-124 landed at "
            "Maiquetia airport on Monday, officials said, carrying about 20 tonnes of equipment.\n", encoding="utf-8")
        print("pg-e2e: first run succeeded; added an article, waiting for the incremental refresh", flush=True)
        runs = wait_for_runs(2, log)
        time.sleep(12)  # two more sensor ticks on an unchanged folder: they must not request another run
    finally:
        # The daemon's code server and run workers may start sessions of their own: stop every descendant.
        family = psutil.Process(daemon.pid).children(recursive=True)
        os.killpg(daemon.pid, signal.SIGTERM)
        try:
            daemon.wait(60)
        except subprocess.TimeoutExpired:
            os.killpg(daemon.pid, signal.SIGKILL)
            daemon.wait()
        for p in family:
            with contextlib.suppress(psutil.Error):
                p.terminate()
        _, alive = psutil.wait_procs(family, timeout=20)
        for p in alive:
            with contextlib.suppress(psutil.Error):
                p.kill()

    runs = query("select run_id, status, pipeline_name from runs order by create_timestamp")
    if [(r[1], r[2]) for r in runs] != [("SUCCESS", "refresh")] * 2:
        for run_id, status, _ in runs:
            print(run_id, status, dict(query("select key, value from run_tags where run_id = %s", run_id)))
            for (event,) in query("select event from event_logs where run_id = %s and dagster_event_type in "
                                  "('STEP_FAILURE', 'RUN_FAILURE', 'ENGINE_EVENT')", run_id)[-3:]:
                print("   ", json.loads(event).get("user_message", "")[:600])
        raise SystemExit(f"pg-e2e: expected two successful refresh runs, got {runs}")
    second_id = runs[1][0]
    tags = dict(query("select key, value from run_tags where run_id = %s", second_id))
    assert tags.get("dagster/sensor_name") == "raw_files_sensor", tags
    assert tags.get("dagster/run_key", "").startswith("raw-"), tags
    assert tags.get("newsetl/changed_files") == "1", tags

    first, second = materialized(first_id), materialized(second_id)
    assert set(first) >= ASSETS and set(second) >= ASSETS, (sorted(first), sorted(second))
    # The second refresh parsed and extracted only the new file; the rest came from the cache.
    assert (second["articles"]["files_parsed"], second["articles"]["files_cached"]) == (1, 5), second["articles"]
    assert second["mention_candidates"]["articles_extracted"] == 1, second["mention_candidates"]
    assert first["published_version"]["version"] != second["published_version"]["version"]
    checks = query("select count(*) from event_logs where dagster_event_type = %s", "ASSET_CHECK_EVALUATION")[0][0]
    assert checks >= 12, checks
    keys = {json.loads(k)[0] for (k,) in query("select asset_key from asset_keys")}
    assert keys >= ASSETS, keys

    sensor = query("select status, instigator_body from instigators where instigator_type = 'SENSOR'")
    assert sensor and "digest" in sensor[0][1], sensor  # the cursor lives in the schedule storage
    ticks = dict(query("select status, count(*) from job_ticks group by status"))
    assert ticks.get("SUCCESS", 0) == 2 and ticks.get("SKIPPED", 0) >= 1, ticks

    # make dataset's entry point on the same instance: a third run, recorded in PostgreSQL too.
    build = subprocess.run([sys.executable, "-m", "dagster_project.build"], cwd=REPO, capture_output=True, text=True)
    assert build.returncode == 0, build.stderr[-3000:]
    assert query("select count(*) from runs where status = 'SUCCESS'")[0][0] == 3
    version = (curated / "LATEST").read_text().strip()
    assert (curated / version / "datapackage.json").exists()
    print(f"pg-e2e: OK: 3 runs, {len(ASSETS)} assets materialized per run, {checks} check evaluations, "
          f"sensor ticks {ticks}, published {version}; {build.stdout.strip()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
