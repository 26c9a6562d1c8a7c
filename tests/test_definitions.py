"""The definitions load, and the asset graph matches its committed snapshot."""

import json
from pathlib import Path

import dagster as dg

from dagster_project.definitions import defs

SNAPSHOT = Path(__file__).parent / "snapshots" / "asset_graph.json"


def asset_graph() -> dict[str, list[str]]:
    graph = defs.resolve_asset_graph()
    return {
        key.to_user_string(): sorted(p.to_user_string() for p in graph.get(key).parent_keys)
        for key in sorted(graph.get_all_asset_keys(), key=lambda k: k.to_user_string())
    }


def test_definitions_load() -> None:
    dg.Definitions.validate_loadable(defs)
    job = defs.resolve_implicit_global_asset_job_def()
    assert job is not None


def test_every_table_asset_has_a_blocking_contract_check() -> None:
    graph = defs.resolve_asset_graph()
    checks = {(k.asset_key.to_user_string(), k.name) for k in graph.asset_check_keys}
    for table in ("raw_articles", "articles", "mentions", "entities", "quantities", "quarantine"):
        assert (table, f"{table}_contract") in checks
    for key in graph.asset_check_keys:
        assert graph.get_check_spec(key).blocking


def test_asset_graph_snapshot() -> None:
    """Regenerate with `make snapshots` when the graph changes on purpose."""
    assert asset_graph() == json.loads(SNAPSHOT.read_text())


if __name__ == "__main__":
    SNAPSHOT.parent.mkdir(exist_ok=True)
    SNAPSHOT.write_text(json.dumps(asset_graph(), indent=2) + "\n")
