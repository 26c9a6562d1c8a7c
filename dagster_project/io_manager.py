"""An IO manager that stores every intermediate table as Parquet (never pickle), one file per partition."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import dagster as dg
import polars as pl

from dagster_project.resources import StorageRoots


class MissingPartitionError(dg.Failure):
    """An input needs a partition that was never materialized: that is not an empty shard, so the step fails."""


class PolarsParquetIOManager(dg.ConfigurableIOManager):
    """Reads and writes ``polars.DataFrame`` outputs as Parquet.

    * An unpartitioned asset: ``<storage>/<asset>.parquet``.
    * A partitioned asset returns ``{partition key: DataFrame}`` holding exactly the partitions of its run (a run
      may own a range of them); each is written to ``<storage>/<asset>/<partition>.parquet``. An input reads the
      partitions it depends on (all of them for an unpartitioned consumer) and concatenates them in key order.
    """

    roots: StorageRoots

    def _path(self, key: dg.AssetKey) -> Path:
        return self.roots.storage_path.joinpath(*key.path).with_suffix(".parquet")

    def _partition_path(self, key: dg.AssetKey, partition: str) -> Path:
        return self.roots.storage_path.joinpath(*key.path, f"{partition}.parquet")

    def has_partition(self, key: dg.AssetKey, partition: str) -> bool:
        """Whether a partition of ``key`` is in storage (a refresh builds a shard again when one is missing)."""
        return self._partition_path(key, partition).is_file()

    def handle_output(self, context: dg.OutputContext, obj: pl.DataFrame | Mapping[str, pl.DataFrame] | None) -> None:
        if obj is None:
            return
        if not context.has_asset_partitions:
            if not isinstance(obj, pl.DataFrame):
                raise TypeError(f"{context.asset_key.to_user_string()}: an unpartitioned asset returns a DataFrame")
            _atomic_write(obj, self._path(context.asset_key))
            return
        expected = set(context.asset_partition_keys)
        if not isinstance(obj, Mapping) or set(obj) != expected:
            got = sorted(obj) if isinstance(obj, Mapping) else type(obj).__name__
            raise TypeError(f"{context.asset_key.to_user_string()}: a partitioned asset returns one DataFrame per "
                            f"partition of its run, {sorted(expected)}; got {got}")
        for partition, frame in obj.items():
            _atomic_write(frame, self._partition_path(context.asset_key, partition))

    def load_input(self, context: dg.InputContext) -> pl.DataFrame:
        # An input declared with metadata {"columns": [...]} reads only those columns (e.g. publishing needs the
        # raw files' hashes and outcomes, not their texts); {"partition_column": name} adds each row's partition;
        # {"rows": {column: [values]}} reads only the rows holding one of those values in each such column.
        meta = context.definition_metadata or {}
        columns = list(meta["columns"]) if meta.get("columns") else None
        if not context.has_asset_partitions:
            return pl.read_parquet(self._path(context.asset_key), columns=columns)
        return self.load_partitions(context.asset_key, sorted(context.asset_partition_keys), columns,
                                    meta.get("partition_column"), meta.get("rows"))

    def load_partitions(self, key: dg.AssetKey, partitions: Sequence[str], columns: list[str] | None = None,
                        partition_column: str | None = None,
                        rows: Mapping[str, Sequence[object]] | None = None) -> pl.DataFrame:
        """The partitions of ``key`` concatenated; a partition never materialized raises, it is not read as empty.

        ``rows``: only the rows whose value in each named column is one of the given values (filtered while the
        files are read, before ``columns`` are picked).
        """
        paths = {p: self._partition_path(key, p) for p in partitions}
        missing = [p for p, path in paths.items() if not path.is_file()]
        if missing:
            raise MissingPartitionError(
                description=f"{key.to_user_string()}: partition(s) {', '.join(missing)} never materialized (no "
                f"{paths[missing[0]]}); materialize them first (a backfill of the missing shards, or `make dataset`)")
        if not paths:
            return pl.DataFrame()
        # One scan of every file, read by polars' threads: a corpus-wide step read the 64 shards of a 10,000-article
        # corpus one file at a time in ~0.8 s, ~0.15 s so. Shards written with other column types (a type changed
        # between builds) are read one by one and concatenated with the types widened, as before.
        keep = [pl.col(c).is_in(list(values)) for c, values in (rows or {}).items()]
        try:
            scan = pl.scan_parquet(list(paths.values()), include_file_paths=_FILE)
            scan = scan.filter(*keep) if keep else scan
            df = (scan.select(*columns, _FILE) if columns else scan).collect()
        except pl.exceptions.SchemaError:
            read = list(dict.fromkeys([*columns, *(rows or {})])) if columns else None
            frames = [pl.read_parquet(path, columns=read).filter(*keep or [pl.lit(True)])
                      .with_columns(pl.lit(str(path)).alias(_FILE)) for path in paths.values()]
            df = pl.concat(frames, how="vertical_relaxed")
            df = df.select(*columns, _FILE) if columns else df
        if partition_column:
            shard_of = {str(path): p for p, path in paths.items()}
            df = df.with_columns(pl.col(_FILE).replace_strict(shard_of, return_dtype=pl.String()).alias(partition_column))
        # One chunk, not one per file: grouping and sorting a 64-chunk frame took ~3x as long (resolution's
        # grouping of 625,000 mentions at 10,000 articles: 0.18-0.24 s, against 0.06 s after a 0.07 s rechunk).
        return df.drop(_FILE).rechunk()


_FILE = "__newsetl_file__"  # the path column of a scan, dropped before the frame is returned


def _atomic_write(df: pl.DataFrame, path: Path) -> None:
    """Write ``path`` through a temporary file and a rename: a reader never sees half a table."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".parquet.tmp")
    df.write_parquet(tmp)
    tmp.replace(path)
