"""Convert lists of records to polars frames typed by a contract."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence
from typing import Any

import pandera.polars as pa
import polars as pl

from dagster_project.core.schema import polars_schema


def records_to_frame(
    records: Iterable[Any],
    model: type[pa.DataFrameModel],
    extra: dict[str, pl.DataType] | None = None,
) -> pl.DataFrame:
    """A frame with the contract's columns (typed) plus ``extra`` columns, from dataclasses or dicts."""
    schema = polars_schema(model) | (extra or {})
    rows: Sequence[dict[str, Any]] = [
        dataclasses.asdict(r) if dataclasses.is_dataclass(r) and not isinstance(r, type) else dict(r) for r in records
    ]
    if not rows:
        return pl.DataFrame(schema=schema)
    return pl.DataFrame([{k: r.get(k) for k in schema} for r in rows], schema=schema, orient="row")
