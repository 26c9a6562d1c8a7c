"""Everything derived from the pandera contracts: Frictionless schemas, dictionaries, polars schemas.

Derived files (``datapackage.json`` schemas, the data dictionary) are generated from here,
never written by hand, so they cannot drift from the contracts.
"""

from __future__ import annotations

from typing import Any

import pandera.polars as pa
import polars as pl

from contracts.registry import PUBLISHED_TABLES, TableContract

_FRICTIONLESS = {
    "String": "string",
    "Utf8": "string",
    "Int8": "integer",
    "Int16": "integer",
    "Int32": "integer",
    "Int64": "integer",
    "UInt32": "integer",
    "UInt64": "integer",
    "Float32": "number",
    "Float64": "number",
    "Boolean": "boolean",
    "Date": "date",
    "Datetime": "datetime",
}


def _type_name(dtype: Any) -> str:
    return str(dtype).split("(")[0]


def frictionless_type(dtype: Any) -> str:
    name = _type_name(dtype)
    if name.startswith("List"):
        return "list"
    return _FRICTIONLESS.get(name, "any")


def columns(model: type[pa.DataFrameModel]) -> list[dict[str, Any]]:
    """Column facts from a contract: name, dtype, nullable, unique, description, checks."""
    schema = model.to_schema()
    out = []
    for name, col in schema.columns.items():
        out.append(
            {
                "name": name,
                "dtype": _type_name(col.dtype),
                "nullable": bool(col.nullable),
                "unique": bool(col.unique),
                "description": col.description or "",
                "checks": [str(c) for c in col.checks],
            }
        )
    return out


def frictionless_schema(contract: TableContract) -> dict[str, Any]:
    """A Frictionless Table Schema (v2) for one published table."""
    fields = []
    for col in columns(contract.model):
        constraints: dict[str, Any] = {"required": not col["nullable"]}
        if col["unique"]:
            constraints["unique"] = True
        fields.append(
            {
                "name": col["name"],
                "type": frictionless_type(col["dtype"]),
                "description": col["description"],
                "constraints": constraints,
            }
        )
    schema: dict[str, Any] = {"fields": fields, "primaryKey": list(contract.primary_key)}
    if contract.foreign_keys:
        schema["foreignKeys"] = [
            {"fields": list(fk.fields), "reference": {"resource": fk.reference_table, "fields": list(fk.reference_fields)}}
            for fk in contract.foreign_keys
        ]
    return schema


def contract_fingerprint(contract: TableContract) -> dict[str, Any]:
    """The parts of a contract that decide compatibility: column names, types and nullability."""
    return {c["name"]: {"dtype": c["dtype"], "nullable": c["nullable"]} for c in columns(contract.model)}


def contracts_signature() -> dict[str, Any]:
    return {name: contract_fingerprint(c) for name, c in PUBLISHED_TABLES.items()}


def polars_dtype(dtype_name: str) -> pl.DataType:
    """Polars dtype for a contract dtype name, used to build typed empty tables."""
    mapping: dict[str, pl.DataType] = {
        "String": pl.String(),
        "Int64": pl.Int64(),
        "Int32": pl.Int32(),
        "Float64": pl.Float64(),
        "Boolean": pl.Boolean(),
        "Date": pl.Date(),
        "List": pl.List(pl.String()),  # every list column of the contracts holds strings
    }
    return mapping.get(dtype_name, pl.String())


def polars_schema(model: type[pa.DataFrameModel]) -> dict[str, pl.DataType]:
    """The contract's columns and their polars dtypes, in contract order."""
    return {c["name"]: polars_dtype(c["dtype"]) for c in columns(model)}


def empty_frame(model: type[pa.DataFrameModel]) -> pl.DataFrame:
    """A zero-row frame with the contract's columns and dtypes."""
    return pl.DataFrame(schema=polars_schema(model))
