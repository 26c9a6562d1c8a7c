"""Launch and follow an asset backfill through the webserver's GraphQL API, as the UI's "Materialize all" does.

Dagster 1.13 has no CLI for asset backfills (``dagster job backfill`` is the older job backfill, which does not
split runs by the assets' ``BackfillPolicy`` nor run the unpartitioned assets once afterwards), and
``dagster_graphql.DagsterGraphQLClient`` has no backfill method (its query method is private). So this module
sends the ``launchPartitionBackfill`` mutation of Dagster's GraphQL schema with ``gql``, the client library
``DagsterGraphQLClient`` itself is built on. Dagster's backfill daemon then plans the runs: one per range of at
most ``max_partitions_per_run`` partitions, then the unpartitioned assets once every partition is done; the
queued run coordinator launches them within the instance's concurrency limits.

    python -m deploy.backfill --url http://127.0.0.1:3000 [--wait]
"""

from __future__ import annotations

import argparse
import sys
import time
from typing import Any

from gql import Client, GraphQLRequest, gql
from gql.transport.requests import RequestsHTTPTransport

REPOSITORIES = """
query Repositories {
  repositoriesOrError {
    __typename
    ... on RepositoryConnection {
      nodes {
        name
        location { name }
        assetNodes { assetKey { path } isPartitioned isMaterializable }
        sensors { id name sensorState { status } }
        schedules { id name scheduleState { status } }
      }
    }
    ... on PythonError { message }
  }
}
"""

LAUNCH = """
mutation Launch($params: LaunchBackfillParams!) {
  launchPartitionBackfill(backfillParams: $params) {
    __typename
    ... on LaunchBackfillSuccess { backfillId }
    ... on Error { message }
  }
}
"""

STATUS = """
query Status($id: String!) {
  partitionBackfillOrError(backfillId: $id) {
    __typename
    ... on PartitionBackfill { status numPartitions error { message } }
    ... on Error { message }
  }
}
"""

STOP_SENSOR = """
mutation StopSensor($id: String!) {
  stopSensor(id: $id) {
    __typename
    ... on StopSensorMutationResult { instigationState { status } }
    ... on Error { message }
  }
}
"""

STOP_SCHEDULE = """
mutation StopSchedule($id: String!) {
  stopRunningSchedule(id: $id) {
    __typename
    ... on ScheduleStateResult { scheduleState { status } }
    ... on Error { message }
  }
}
"""

START_SENSOR = """
mutation StartSensor($selector: SensorSelector!) {
  startSensor(sensorSelector: $selector) {
    __typename
    ... on Sensor { sensorState { status } }
    ... on Error { message }
  }
}
"""

# BulkActionStatus values after which the daemon does nothing more for a backfill.
FINISHED = {"COMPLETED", "COMPLETED_SUCCESS", "COMPLETED_FAILED", "FAILED", "CANCELED"}


class BackfillError(RuntimeError):
    """The webserver refused a request, or the backfill did not complete."""


class Webserver:
    """The GraphQL endpoint of a running ``dagster-webserver``."""

    def __init__(self, url: str, timeout: int = 120) -> None:
        self.client = Client(transport=RequestsHTTPTransport(url=f"{url.rstrip('/')}/graphql", timeout=timeout),
                             fetch_schema_from_transport=False)

    def execute(self, document: str, **variables: Any) -> dict[str, Any]:
        return self.client.execute(GraphQLRequest(gql(document), variable_values=variables or None))

    def repositories(self) -> list[dict[str, Any]]:
        out = self.execute(REPOSITORIES)["repositoriesOrError"]
        if out["__typename"] != "RepositoryConnection":
            raise BackfillError(f"cannot list the code locations: {out.get('message', out['__typename'])}")
        return out["nodes"]

    def asset_keys(self) -> list[list[str]]:
        """Every materializable asset the code locations define (the selection of "Materialize all")."""
        return [n["assetKey"]["path"] for repo in self.repositories() for n in repo["assetNodes"]
                if n["isMaterializable"]]

    def stop_instigators(self) -> list[str]:
        """Stop every sensor and schedule (so that only the backfill requests runs); returns their names."""
        stopped = []
        for repo in self.repositories():
            for sensor in repo["sensors"]:
                out = self.execute(STOP_SENSOR, id=sensor["id"])["stopSensor"]
                if out["__typename"] != "StopSensorMutationResult":
                    raise BackfillError(f"cannot stop sensor {sensor['name']}: {out.get('message')}")
                stopped.append(sensor["name"])
            for schedule in repo["schedules"]:
                out = self.execute(STOP_SCHEDULE, id=schedule["id"])["stopRunningSchedule"]
                if out["__typename"] != "ScheduleStateResult":
                    raise BackfillError(f"cannot stop schedule {schedule['name']}: {out.get('message')}")
                stopped.append(schedule["name"])
        return stopped

    def start_sensor(self, name: str) -> None:
        """Start the sensor ``name`` again (its cursor, kept in the instance, is where it left off)."""
        for repo in self.repositories():
            if any(sensor["name"] == name for sensor in repo["sensors"]):
                selector = {"repositoryName": repo["name"], "repositoryLocationName": repo["location"]["name"],
                            "sensorName": name}
                out = self.execute(START_SENSOR, selector=selector)["startSensor"]
                if out["__typename"] != "Sensor" or out["sensorState"]["status"] != "RUNNING":
                    raise BackfillError(f"cannot start sensor {name}: {out.get('message', out)}")
                return
        raise BackfillError(f"no sensor named {name}")

    def launch_backfill(self, asset_keys: list[list[str]], *, title: str,
                        tags: dict[str, str] | None = None) -> str:
        """An asset backfill of every partition of ``asset_keys`` (unpartitioned ones included); its id."""
        params = {
            "assetSelection": [{"path": key} for key in asset_keys],
            "allPartitions": True,
            "title": title,
            "tags": [{"key": k, "value": v} for k, v in (tags or {}).items()],
        }
        out = self.execute(LAUNCH, params=params)["launchPartitionBackfill"]
        if out["__typename"] != "LaunchBackfillSuccess":
            raise BackfillError(f"backfill refused ({out['__typename']}): {out.get('message')}")
        return out["backfillId"]

    def backfill_status(self, backfill_id: str) -> str:
        out = self.execute(STATUS, id=backfill_id)["partitionBackfillOrError"]
        if out["__typename"] != "PartitionBackfill":
            raise BackfillError(f"backfill {backfill_id}: {out.get('message', out['__typename'])}")
        if out.get("error"):
            raise BackfillError(f"backfill {backfill_id} failed: {out['error']['message'][:2000]}")
        return out["status"]

    def wait(self, backfill_id: str, timeout: float, poll: float = 3.0) -> str:
        """Wait until the daemon has finished the backfill; its final status."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            status = self.backfill_status(backfill_id)
            if status in FINISHED:
                return status
            time.sleep(poll)
        raise BackfillError(f"backfill {backfill_id} still {status} after {timeout:.0f} s")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Backfill every partition of every asset (then the corpus-wide "
                                     "assets once) through a running dagster-webserver.")
    parser.add_argument("--url", default="http://127.0.0.1:3000", help="the webserver's base URL")
    parser.add_argument("--title", default="newsetl full backfill")
    parser.add_argument("--wait", action="store_true", help="wait until the daemon has finished it")
    parser.add_argument("--timeout", type=float, default=24 * 3600)
    args = parser.parse_args(argv)
    web = Webserver(args.url)
    backfill_id = web.launch_backfill(web.asset_keys(), title=args.title)
    print(f"backfill {backfill_id} requested")
    if args.wait:
        status = web.wait(backfill_id, args.timeout)
        print(f"backfill {backfill_id}: {status}")
        return 0 if status in {"COMPLETED", "COMPLETED_SUCCESS"} else 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
