"""A table's published layout (contract columns first, rows sorted by primary key), as plain polars.

``publish.version.canonical`` applies it with each contract's columns and primary key.
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl


def in_published_order(df: pl.DataFrame, columns_first: Sequence[str], key: Sequence[str]) -> pl.DataFrame:
    """``columns_first`` (those present) in that order, then the other columns; rows sorted by ``key``."""
    order = [c for c in columns_first if c in df.columns]
    rest = [c for c in df.columns if c not in order]
    out = df.select([*order, *rest])
    pk = [c for c in key if c in out.columns]
    return out.sort(pk, nulls_last=True, maintain_order=True) if pk and out.height else out
