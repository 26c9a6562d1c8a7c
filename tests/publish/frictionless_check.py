"""Validate a published version with the Frictionless Framework (v5, Data Package v2): every error, as text.

Three passes, all by frictionless:

* the descriptor (``datapackage.json``) against the Data Package profile;
* each file against its ``bytes`` and ``hash`` (read as a plain file);
* every table's rows against the schema the descriptor declares: field types, constraints, primary and foreign
  keys across the package.

The rows are read with pyarrow as Python values and handed to frictionless inline. Its own Parquet reader goes
through pandas, which turns a nullable integer column into floats and a list column into numpy arrays, and then
reports those as type errors in files that are correct; it also cannot count a Parquet file's bytes.
"""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq
from frictionless import FrictionlessException, Package, Resource, Schema, validate
from frictionless.resources import TableResource

DATAPACKAGE = "datapackage.json"


def frictionless_errors(version_dir: Path) -> list[str]:
    """Every error frictionless finds in the published version ``version_dir`` (empty when valid)."""
    descriptor = json.loads((version_dir / DATAPACKAGE).read_text(encoding="utf-8"))
    try:
        errors = [f"{DATAPACKAGE}: {e.note}" for e in Package.metadata_validate(descriptor)]
    except FrictionlessException as exc:
        errors = [f"{DATAPACKAGE}: {exc.error.note}"]
    if errors:
        return errors  # the passes below read the descriptor's resources

    tables = []
    for res in descriptor["resources"]:
        stats = {"name": res["name"], "path": res["path"], "bytes": res["bytes"], "hash": res["hash"], "type": "file"}
        report = validate(Resource.from_descriptor(stats, basepath=str(version_dir)))
        errors += [f"{res['path']}: {e.type}: {e.note}" for task in report.tasks for e in task.errors]
        errors += [f"{res['path']}: {e.type}: {e.note}" for e in report.errors]
        try:
            table = pq.read_table(version_dir / res["path"])
        except (OSError, ValueError) as exc:  # pyarrow's ArrowInvalid is a ValueError
            errors.append(f"{res['path']}: unreadable: {exc}")
            continue
        rows = [list(row.values()) for row in table.to_pylist()]
        tables.append(TableResource(name=res["name"], data=[table.column_names, *rows],
                                    schema=Schema.from_descriptor(res["schema"])))
    report = Package(resources=tables).validate()
    errors += [f"{DATAPACKAGE}: {e.type}: {e.note}" for e in report.errors]
    for task in report.tasks:
        errors += [f"{task.name}: {e.type}: {e.note}" for e in task.errors]
    return errors
