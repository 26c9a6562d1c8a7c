"""The ``dagster.yaml`` of the project's own ``DAGSTER_HOME`` (``make dataset``, ``make ui``, the build CLI).

A new home gets Dagster's own SQLite storage with usage telemetry off (nothing goes out over the network at run
time). Homes written by earlier versions of this project are upgraded in place: the telemetry-only file, and the
one whose ``storage: custom`` named the project's former engine-keeping storage class (removed: it subclassed
Dagster's private SQLite storage). That class used Dagster's file layout, so ``storage: sqlite`` opens the same
database files and the run history is kept. Any other ``dagster.yaml`` (PostgreSQL, a user's own) is left alone.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import yaml

INSTANCE_YAML = """\
# Written by newsetl for a new DAGSTER_HOME.
# No network at run time: Dagster's usage telemetry is off.
telemetry:
  enabled: false
# Dagster's SQLite storage (run history, event logs, schedules) under $DAGSTER_HOME.
storage:
  sqlite:
    base_dir:
      env: DAGSTER_HOME
"""

# What earlier versions of the project wrote: telemetry only, then a custom storage class in one of these modules.
LEGACY_INSTANCE_YAML = "telemetry:\n  enabled: false\n"
REMOVED_STORAGE_MODULES = frozenset({"dagster_project.instance_storage", "dagster_project.runtime.instance_storage"})


def _upgraded(text: str) -> str | None:
    """The text to write instead of ``text``, or None to keep it."""
    if text == LEGACY_INSTANCE_YAML:
        return INSTANCE_YAML
    try:
        config: Any = yaml.safe_load(text)
    except yaml.YAMLError:
        return None  # not ours to repair: Dagster reports it
    custom = config.get("storage", {}).get("custom") if isinstance(config, dict) else None
    if not isinstance(custom, dict) or custom.get("module") not in REMOVED_STORAGE_MODULES:
        return None
    config["storage"] = yaml.safe_load(INSTANCE_YAML)["storage"]
    if config == yaml.safe_load(INSTANCE_YAML):
        return INSTANCE_YAML
    return "# Upgraded by newsetl: Dagster's own SQLite storage.\n" + yaml.safe_dump(config, sort_keys=False)


def ensure_instance_yaml(home: Path) -> None:
    """Write the project's ``dagster.yaml`` into ``home`` if it has none, or upgrade one the project wrote."""
    home.mkdir(parents=True, exist_ok=True)
    config = home / "dagster.yaml"
    new = INSTANCE_YAML if not config.exists() else _upgraded(config.read_text(encoding="utf-8"))
    if new is None:
        return
    tmp = config.with_name(f".dagster.yaml.{os.getpid()}")
    tmp.write_text(new, encoding="utf-8")
    tmp.replace(config)  # atomic: a build starting at the same time reads one file or the other
