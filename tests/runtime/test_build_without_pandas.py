"""The build process runs without pandas (build.without_pandas), and the contracts judge tables the same there."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest

from contracts import PUBLISHED_TABLES, Mentions
from dagster_project import build

REPO = Path(__file__).resolve().parents[2]


def contract_reports() -> dict[str, list[object]]:
    """Each contract's verdict and failure report on an empty table and on broken ones (no pandas needed)."""
    from dagster_project.assets._tables import validate
    from dagster_project.publish.schema import empty_frame

    out: dict[str, list[object]] = {name: list(validate(empty_frame(c.model), c.model)) for name, c in PUBLISHED_TABLES.items()}
    good = empty_frame(Mentions)
    broken = {
        "missing_columns": good.drop(good.columns[:3]),
        "wrong_dtype": good.with_columns(pl.col("start").cast(pl.String)),
        "bad_values": pl.concat([good, good.clear(1).with_columns(
            pl.lit("m1").alias("mention_id"), pl.lit("not-a-type").alias("mention_type"),
            pl.lit(-5, dtype=good.schema["start"]).alias("start"))], how="vertical"),
    }
    out.update({f"mentions/{k}": list(validate(df, Mentions)) for k, df in broken.items()})
    return out


def test_contracts_report_the_same_without_pandas() -> None:
    import pandas  # noqa: F401  (as in the tests and the UI: pandas is there)

    here = contract_reports()
    assert not here["mentions/missing_columns"][0] and not here["mentions/bad_values"][0]
    assert all(here[name][0] for name in PUBLISHED_TABLES)
    code = ("import json, sys; from dagster_project.build import without_pandas; assert without_pandas(); "
            "from tests.runtime.test_build_without_pandas import contract_reports; r = contract_reports(); "
            "print(json.dumps({'reports': r, 'pandas': sorted(m for m in sys.modules if m.split('.')[0] == 'pandas')}))")
    proc = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True)
    there = json.loads(proc.stdout)
    assert there["pandas"] == []
    assert there["reports"] == json.loads(json.dumps(here))


def test_a_process_that_has_pandas_keeps_it() -> None:
    import pandas  # noqa: F401

    before = list(sys.meta_path)
    assert build.without_pandas() is False
    assert sys.meta_path == before


def test_import_fails_as_where_pandas_is_not_installed() -> None:
    code = ("from dagster_project.build import without_pandas; assert without_pandas(); assert not without_pandas()\n"
            "try:\n    import pandas\nexcept ModuleNotFoundError as e:\n    print(e, e.name)")
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True).stdout
    assert out.strip() == "No module named 'pandas' pandas"  # the message pandera treats as "not installed"


@pytest.mark.integration
def test_the_build_cli_never_loads_pandas(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    raw.mkdir()
    seed = sorted((REPO / "raw").glob("*.txt"))[0]
    (raw / seed.name).write_bytes(seed.read_bytes())
    env = {**os.environ, "NEWSETL_RAW_DIR": str(raw), "NEWSETL_CURATED_DIR": str(tmp_path / "curated"),
           "DAGSTER_HOME": str(tmp_path / "home"), "NEWSETL_PRESTART": "0"}  # everything in the one process
    proc = subprocess.run([sys.executable, "-X", "importtime", "-m", "dagster_project.build"], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "published version 1.0.0" in proc.stdout
    # A failed attempt shows as a bare "pandas" line; a loaded pandas would list its submodules.
    loaded = re.findall(r"\|\s+(pandas\.\S+)", proc.stderr)
    assert loaded == []
    assert re.search(r"\|\s+polars\.dataframe", proc.stderr)  # importtime did report the build's imports
