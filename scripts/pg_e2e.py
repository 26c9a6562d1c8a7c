"""End to end on a PostgreSQL-backed Dagster instance (scripts/test_postgres.sh runs ``python -m scripts.pg_e2e``).

Expects DAGSTER_HOME with deploy/dagster.postgres.yaml, DAGSTER_PG_* pointing at a running server,
NEWSETL_RAW_DIR / NEWSETL_CURATED_DIR in a scratch folder and PG_E2E_SERVICES naming a file for the process-group
ids of the services it starts (the shell's exit trap stops any left behind).

1. The instance: PostgreSQL storages, Dagster's QueuedRunCoordinator (>= 2 concurrent runs) and DefaultRunLauncher.
2. ``dagster-webserver`` on 127.0.0.1, then ``dagster-daemon``, on the project's workspace. The sensor and the
   schedule are stopped first through the webserver, so that only the backfill requests runs.
3. An asset backfill of every asset over all 64 shards, launched as the UI's "Materialize all" does (the
   ``launchPartitionBackfill`` GraphQL mutation, deploy/backfill.py). Nothing of ours schedules anything: the
   daemon's backfill loop splits it by the assets' BackfillPolicy into runs of 16 shards, the queued run
   coordinator launches them (DefaultRunLauncher: one process per run) and the corpus-wide assets follow, each
   once, in runs of their own as soon as what they read is complete; the last of them publishes.
4. Checks, read from PostgreSQL's runs, run_tags and event_logs tables: >= 2 partition runs, each owning a disjoint
   range of shards (Dagster's partition-range tags), together all 64; at least two overlapping in time; all
   succeeded; every per-article asset materialized for every shard by the run owning it, and raw_articles' row
   count per shard equal to the number of raw files hashing to it (each run read its own files); every
   corpus-wide asset materialized once, in runs without partitions, and the one run holding ``published_version``
   started after the last partition run; the published version passes ``dataset verify`` and accounts for every
   raw file (an article or a quarantine row).
5. The sensor, restarted, sees the published raw state and requests nothing; an article added to the raw root
   gets one refresh run over that file's shard alone (the other 63 are fresh in PostgreSQL's records), which parses
   that file alone; then ``make dataset``'s entry point runs on the same instance and finds no stale shard.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import dagster as dg
import psycopg2

from dagster_project.assets.partitions import shard_backfill_policy
from dagster_project.dataset import load
from dagster_project.ingest.shards import SHARD_KEYS, shard_of
from dagster_project.runtime.backfill_audit import RunSpan, overlapping_runs, ownership_problems, partitions_from_tags
from deploy.backfill import Webserver
from deploy.services import dagster_daemon, dagster_webserver

REPO = Path(__file__).resolve().parent.parent

WORKSPACE = REPO / "workspace.yaml"
TIMEOUT_S = 900
# The per-article layers, partitioned by raw shard (assets/partitions.py); every other asset is corpus-wide.
PER_ARTICLE = {"raw_articles", "articles", "segments", "parse_refusals", "mention_candidates"}


def connect():  # type: ignore[no-untyped-def]
    e = os.environ
    return psycopg2.connect(host=e["DAGSTER_PG_HOST"], port=int(e["DAGSTER_PG_PORT"]), user=e["DAGSTER_PG_USER"],
                            password=e["DAGSTER_PG_PASSWORD"], dbname=e["DAGSTER_PG_DB"])


def query(sql: str, *args: object) -> list[tuple]:
    with contextlib.closing(connect()) as conn, conn.cursor() as cur:
        cur.execute(sql, args)
        return cur.fetchall()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def tags_of(run_id: str) -> dict[str, str]:
    return dict(query("select key, value from run_tags where run_id = %s", run_id))


def metadata_of(event: str) -> dict:
    """The metadata of a serialized materialization event, label -> value."""
    md = json.loads(event)["dagster_event"]["event_specific_data"]["materialization"]["metadata_entries"]
    # Serialized metadata values look like {"__class__": "IntMetadataEntryData", "value": 1}.
    return {m["label"]: next((v for k, v in m.get("entry_data", {}).items() if k != "__class__"), None) for m in md}


def materialized(run_id: str) -> dict[str, dict]:
    """Asset key -> materialization metadata of one run (the last one per asset), from the event_logs table."""
    rows = query("select asset_key, event from event_logs where run_id = %s and dagster_event_type = %s order by id",
                 run_id, "ASSET_MATERIALIZATION")
    return {json.loads(key)[0]: metadata_of(event) for key, event in rows}


def explain_failures(run_ids: list[str]) -> None:
    for run_id in run_ids:
        for (event,) in query("select event from event_logs where run_id = %s and dagster_event_type in "
                              "('STEP_FAILURE', 'RUN_FAILURE') order by id", run_id)[-3:]:
            print(f"   {run_id}: {json.loads(event).get('user_message', '')[:1500]}", file=sys.stderr)


def iso(ts: float | None) -> str:
    return "-" if ts is None else datetime.fromtimestamp(ts, UTC).strftime("%H:%M:%S.%f")[:-3]


def check_instance() -> None:
    # Opening the instance creates Dagster's tables in PostgreSQL (and proves the template is what is loaded).
    with dg.DagsterInstance.get() as instance:
        kinds = {type(s).__name__ for s in (instance.run_storage, instance.event_log_storage, instance.schedule_storage)}
        assert kinds == {"PostgresRunStorage", "PostgresEventLogStorage", "PostgresScheduleStorage"}, kinds
        assert isinstance(instance.run_coordinator, dg.QueuedRunCoordinator), instance.run_coordinator
        assert isinstance(instance.run_launcher, dg.DefaultRunLauncher), instance.run_launcher
        queue = instance.get_concurrency_config().run_queue_config
        assert queue is not None and queue.max_concurrent_runs >= 2, queue


def raw_listing(raw: Path) -> set[str]:
    """Every file under the raw root, as raw_articles names it (path relative to the root, with /)."""
    return {p.relative_to(raw).as_posix() for p in raw.rglob("*") if p.is_file()}


def check_corpus(raw: Path) -> None:
    """The raw corpus must exercise the split: files in >= 4 shards, falling in >= 2 of the backfill's runs."""
    per_run = shard_backfill_policy.max_partitions_per_run
    assert per_run is not None and len(SHARD_KEYS) > per_run, per_run
    shards = {shard_of(path) for path in raw_listing(raw)}
    chunks = {SHARD_KEYS.index(s) // per_run for s in shards}
    assert len(shards) >= 4 and len(chunks) >= 2, (sorted(shards), chunks)
    print(f"pg-e2e: {len(raw_listing(raw))} raw file(s) in shards {sorted(shards)}, "
          f"{len(chunks)} of the {-(-len(SHARD_KEYS) // per_run)} runs of a full backfill", flush=True)


def check_backfill(backfill_id: str, expected_corpus_wide: set[str], raw_files: set[str]) -> int:
    """The runs-table checks of the backfill (module docstring, step 4); how many runs it made."""
    rows = query("select r.run_id, r.status, r.start_time, r.end_time from runs r join run_tags t on "
                 "t.run_id = r.run_id and t.key = 'dagster/backfill' where t.value = %s order by r.start_time",
                 backfill_id)
    failed = [run_id for run_id, status, _, _ in rows if status != "SUCCESS"]
    if failed:
        explain_failures(failed)
        raise SystemExit(f"pg-e2e: backfill run(s) did not succeed: {[(r[0], r[1]) for r in rows]}")
    spans = [RunSpan(run_id, start, end, partitions_from_tags(tags_of(run_id), SHARD_KEYS))
             for run_id, _, start, end in rows]
    partition_runs = [s for s in spans if s.partitions]
    other_runs = [s for s in spans if not s.partitions]

    print("pg-e2e: runs of the backfill (runs table; times UTC):")
    print(f"  {'run_id':36}  {'shards':8}  {'start':12}  {'end':12}  status   assets")
    for s in spans:
        shards = f"{s.partitions[0]}..{s.partitions[-1]}" if s.partitions else "-"
        assets = "per-article" if s.partitions else ", ".join(sorted(materialized(s.run_id)))
        print(f"  {s.run_id:36}  {shards:8}  {iso(s.start):12}  {iso(s.end):12}  SUCCESS  {assets}")

    assert len(partition_runs) >= 2, spans
    assert ownership_problems(partition_runs, SHARD_KEYS) == [], ownership_problems(partition_runs, SHARD_KEYS)
    overlaps = overlapping_runs(partition_runs)
    assert overlaps, "no two partition runs of the backfill overlapped in time"
    print(f"pg-e2e: {len(partition_runs)} partition runs own disjoint shard ranges covering all {len(SHARD_KEYS)}; "
          f"{len(overlaps)} pair(s) overlap in time, e.g. {overlaps[0]}", flush=True)

    # Every per-article asset was materialized for every shard, by the run that owns the shard.
    owner = {key: s.run_id for s in partition_runs for key in s.partitions}
    events = query("select run_id, asset_key, partition from event_logs where dagster_event_type = %s and "
                   "run_id = any(%s)", "ASSET_MATERIALIZATION", [s.run_id for s in partition_runs])
    by_asset: dict[str, dict[str, str]] = {}
    for run_id, key, partition in events:
        by_asset.setdefault(json.loads(key)[0], {})[partition] = run_id
    assert set(by_asset) == PER_ARTICLE, sorted(by_asset)  # nothing corpus-wide ran in a partition run
    for asset, runs in by_asset.items():
        assert runs == owner, (asset, {p: r for p, r in runs.items() if owner.get(p) != r})
    # Each run read exactly its own shards' files: raw_articles' row count per shard is the number of raw files
    # whose path hashes to that shard (zero for the other shards).
    rows = query("select partition, event from event_logs where dagster_event_type = %s and asset_key = %s and "
                 "run_id = any(%s)", "ASSET_MATERIALIZATION", json.dumps(["raw_articles"]),
                 [s.run_id for s in partition_runs])
    counted = {partition: metadata_of(event).get("dagster/row_count") for partition, event in rows}
    expected = dict.fromkeys(SHARD_KEYS, 0)
    for path in raw_files:
        expected[shard_of(path)] += 1
    assert counted == expected, {k: (counted.get(k), v) for k, v in expected.items() if counted.get(k) != v}
    print(f"pg-e2e: raw_articles rows per shard = the raw files hashing there: "
          f"{ {k: v for k, v in counted.items() if v} }, 0 in the {sum(1 for v in counted.values() if not v)} others",
          flush=True)

    # The corpus-wide assets: Dagster runs each once, as soon as what it reads is complete (so a step that reads
    # only raw_articles may start while the last partition run is still extracting); one of those runs published,
    # after the last partition run, since published_version reads everything.
    corpus_wide: dict[str, str] = {}
    for s in other_runs:
        for asset in materialized(s.run_id):
            assert asset not in PER_ARTICLE and asset not in corpus_wide, (asset, s.run_id, corpus_wide)
            corpus_wide[asset] = s.run_id
    assert set(corpus_wide) == expected_corpus_wide, sorted(set(corpus_wide) ^ expected_corpus_wide)
    publish = next(s for s in other_runs if s.run_id == corpus_wide["published_version"])
    assert publish.start is not None and publish.start >= max(s.end or 0.0 for s in partition_runs), publish
    print(f"pg-e2e: {len(other_runs)} run(s) of the corpus-wide assets, each asset once; {publish.run_id} published",
          flush=True)
    return len(spans)


def check_published(curated: Path, raw: Path) -> str:
    version = (curated / "LATEST").read_text().strip()
    verify = subprocess.run([sys.executable, "-m", "dagster_project.dataset", "verify", "--root", str(curated)],
                            cwd=REPO, capture_output=True, text=True)
    assert verify.returncode == 0, verify.stdout[-2000:] + verify.stderr[-2000:]
    # Every shard's files reached the corpus-wide publish: each raw file is an article or a quarantined file.
    seen = set(load("articles", root=curated)["source_file"]) | set(load("quarantine", root=curated)["source_file"])
    assert seen == raw_listing(raw), (sorted(seen), sorted(raw_listing(raw)))
    return version


def wait_until(what: str, condition, timeout: float = TIMEOUT_S, poll: float = 2.0):  # type: ignore[no-untyped-def]
    """Poll ``condition()`` until it returns something truthy; that value."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(poll)
    raise SystemExit(f"pg-e2e: timed out after {timeout:.0f} s waiting for {what}")


def sensor_ticks(after_id: int) -> dict[str, int]:
    """Tick statuses of the sensor since the tick ``after_id``, from the schedule storage's job_ticks table."""
    return dict(query("select status, count(*) from job_ticks where type = 'SENSOR' and id > %s group by status",
                      after_id))


def refresh_by_the_sensor(web: Webserver, raw: Path, backfill_version: str) -> str:
    """Module docstring, step 5: the restarted sensor starts from the published state; one new article, one run."""
    runs_before = query("select count(*) from runs")[0][0]
    last_tick = query("select coalesce(max(id), 0) from job_ticks")[0][0]
    web.start_sensor("raw_files_sensor")
    wait_until("the sensor's first tick", lambda: sensor_ticks(last_tick).get("SKIPPED"))
    assert query("select count(*) from runs")[0][0] == runs_before, "the sensor asked for a run of published files"
    (raw / "late_report.txt").write_text(
        "Second Russian jet lands in Caracas\n\nCARACAS (Reuters) - A second Antonov An-124 landed at "
        "Maiquetia airport on Monday, officials said, carrying about 20 tonnes of equipment.\n", encoding="utf-8")
    print("pg-e2e: sensor restarted, skipped the published files; added an article", flush=True)

    def finished() -> list[tuple] | None:
        rows = query("select r.run_id, r.status from runs r join run_tags t on t.run_id = r.run_id and "
                     "t.key = 'dagster/sensor_name' where t.value = 'raw_files_sensor'")
        if any(status in ("FAILURE", "CANCELED") for _, status in rows):
            explain_failures([run_id for run_id, _ in rows])
            raise SystemExit(f"pg-e2e: the sensor's refresh failed: {rows}")
        return rows if rows and all(status == "SUCCESS" for _, status in rows) else None

    ((run_id, _),) = wait_until("the sensor's refresh run", finished)
    start, end = query("select start_time, end_time from runs where run_id = %s", run_id)[0]
    print(f"pg-e2e: the sensor's refresh run {run_id} ran {iso(start)}..{iso(end)} ({end - start:.0f} s)", flush=True)
    time.sleep(12)  # two more ticks on an unchanged folder: they must not request another run
    assert len(finished() or []) == 1, finished()
    ticks = sensor_ticks(last_tick)
    assert ticks.get("SUCCESS") == 1 and ticks.get("SKIPPED", 0) >= 2 and set(ticks) <= {"SUCCESS", "SKIPPED"}, ticks
    tags = tags_of(run_id)
    assert tags.get("dagster/run_key", "").startswith("raw-"), tags
    assert tags.get("newsetl/changed_files") == "1", tags
    done = materialized(run_id)
    assert set(done) >= PER_ARTICLE | {"published_version"}, sorted(done)
    # The refresh ran the new file's shard alone (the planner found every other shard fresh in PostgreSQL's
    # records of the backfill), parsed and extracted only the new file, and read every shard for publishing.
    shard = shard_of("late_report.txt")
    assert (tags.get("dagster/asset_partition_range_start"), tags.get("dagster/asset_partition_range_end"),
            tags.get("newsetl/stale_shards")) == (shard, shard, "1"), tags
    neighbours = sum(shard_of(p.name) == shard for p in raw.iterdir() if p.is_file()) - 1
    assert (done["articles"]["files_parsed"], done["articles"]["files_cached"]) == (1, neighbours), done["articles"]
    assert done["mention_candidates"]["articles_extracted"] == 1, done["mention_candidates"]
    version = done["published_version"]["version"]
    assert version != backfill_version, version
    return run_id


def main() -> int:
    # A SIGTERM (the shell's trap) unwinds like an exception, so the services are stopped on the way out.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    home = Path(os.environ["DAGSTER_HOME"])
    raw = Path(os.environ["NEWSETL_RAW_DIR"])
    curated = Path(os.environ["NEWSETL_CURATED_DIR"])
    pids = Path(os.environ.get("PG_E2E_SERVICES") or home / "services.pids")
    check_instance()
    check_corpus(raw)
    env = {**os.environ, "NEWSETL_SENSOR_INTERVAL": "5"}
    started = time.monotonic()
    with dagster_webserver(WORKSPACE, port=free_port(), env=env, log_dir=home, pid_file=pids) as url:
        web = Webserver(url)
        stopped = web.stop_instigators()
        assert {"raw_files_sensor", "refresh_schedule"} <= set(stopped), stopped
        asset_keys = web.asset_keys()
        partitioned = {n["assetKey"]["path"][0] for r in web.repositories() for n in r["assetNodes"]
                       if n["isPartitioned"]}
        assert partitioned == PER_ARTICLE, partitioned
        with dagster_daemon(WORKSPACE, env=env, log_dir=home, pid_file=pids):
            backfill_id = web.launch_backfill(asset_keys, title="pg-e2e: every asset, all shards",
                                              tags={"newsetl/trigger": "pg-e2e"})
            print(f"pg-e2e: backfill {backfill_id} of {len(asset_keys)} assets requested", flush=True)
            status = web.wait(backfill_id, TIMEOUT_S)
            print(f"pg-e2e: backfill {status} after {time.monotonic() - started:.0f} s", flush=True)
            if status != "COMPLETED_SUCCESS":
                runs = [r[0] for r in query("select run_id from run_tags where key = 'dagster/backfill' and "
                                            "value = %s", backfill_id)]
                explain_failures(runs)
                raise SystemExit(f"pg-e2e: backfill {backfill_id} ended {status}")
            backfill_runs = check_backfill(backfill_id, {k[0] for k in asset_keys} - PER_ARTICLE, raw_listing(raw))
            version = check_published(curated, raw)
            print(f"pg-e2e: the backfill published {version} (verified) after "
                  f"{time.monotonic() - started:.0f} s", flush=True)
            refresh_by_the_sensor(web, raw, version)
    refreshed = check_published(curated, raw)

    # make dataset's entry point on the same instance: one more run, recorded in PostgreSQL too.
    build = subprocess.run([sys.executable, "-m", "dagster_project.build"], cwd=REPO, capture_output=True, text=True)
    assert build.returncode == 0, build.stderr[-3000:]
    # Every shard was built by the backfill or the sensor's refresh: the corpus-wide assets alone.
    assert "no stale shard of 64" in build.stderr, build.stderr[-3000:]
    statuses = dict(query("select status, count(*) from runs group by status"))
    assert statuses == {"SUCCESS": backfill_runs + 2}, statuses  # + the sensor's refresh + make dataset's
    checks = query("select count(*) from event_logs where dagster_event_type = %s", "ASSET_CHECK_EVALUATION")[0][0]
    keys = {json.loads(k)[0] for (k,) in query("select asset_key from asset_keys")}
    assert keys >= {k[0] for k in asset_keys}, keys
    print(f"pg-e2e: OK in {time.monotonic() - started:.0f} s: {statuses['SUCCESS']} runs succeeded (the backfill's, "
          f"the sensor's refresh publishing {refreshed}, make dataset's), {checks} check evaluations; "
          f"{build.stdout.strip()}", flush=True)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BaseException as exc:
        if not (isinstance(exc, SystemExit) and exc.code in (0, None)):
            for name in ("daemon.log", "webserver.log"):  # the services' own account of what went wrong
                log = Path(os.environ["DAGSTER_HOME"]) / name
                if log.exists():
                    sys.stderr.write(f"--- last lines of {log}\n" + "".join(log.read_text().splitlines(True)[-40:]))
        raise
