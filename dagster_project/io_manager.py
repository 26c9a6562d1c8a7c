"""An IO manager that stores every intermediate table as Parquet (never pickle)."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import polars as pl

from dagster_project.resources import StorageRoots


class PolarsParquetIOManager(dg.ConfigurableIOManager):
    """Reads and writes ``polars.DataFrame`` outputs as ``<storage>/<asset>.parquet``."""

    roots: StorageRoots

    def _path(self, key: dg.AssetKey) -> Path:
        return self.roots.storage_path.joinpath(*key.path).with_suffix(".parquet")

    def handle_output(self, context: dg.OutputContext, obj: pl.DataFrame) -> None:
        if obj is None:
            return
        path = self._path(context.asset_key)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".parquet.tmp")
        obj.write_parquet(tmp)
        tmp.replace(path)

    def load_input(self, context: dg.InputContext) -> pl.DataFrame:
        # An input declared with metadata {"columns": [...]} reads only those columns (e.g. publishing needs the
        # raw files' hashes and outcomes, not their texts).
        columns = (context.definition_metadata or {}).get("columns")
        return pl.read_parquet(self._path(context.asset_key), columns=list(columns) if columns else None)
