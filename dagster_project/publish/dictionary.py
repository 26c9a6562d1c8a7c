"""The data dictionary: every column of every published table, generated from the contracts.

Each column's meaning comes from its pandera ``description``; its type, nullability, uniqueness and
allowed values from the pandera schema; keys from ``contracts.registry``. Units and null semantics
are taken from a column's pandera ``metadata`` (``{"unit": ..., "null_means": ...}``) when a contract
states them, and otherwise read from the description and dtype by the general rules below. Nothing
here names a particular column, so a table or column added to ``PUBLISHED_TABLES`` is documented on
the next build without touching this module.

``python -m dagster_project.publish.dictionary [PATH]`` writes the standalone dictionary (``make docs``).
"""

from __future__ import annotations

import inspect
import re
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from contracts.registry import PUBLISHED_TABLES, TableContract

DEFAULT_PATH = Path("docs") / "data_dictionary.md"
NOT_IN_CONTRACT = "Not described by the contract: present in the published file only."

_INTEGER = {"Int8", "Int16", "Int32", "Int64", "UInt8", "UInt16", "UInt32", "UInt64"}
_FLOAT = {"Float32", "Float64"}
_OFFSET_WORDS = re.compile(r"\boffsets?\b", re.IGNORECASE)
_NULL_WORD = re.compile(r"\bnull\b", re.IGNORECASE)


@dataclass(frozen=True)
class ColumnDoc:
    """Everything a reader needs about one column."""

    name: str
    dtype: str
    nullable: bool
    unique: bool
    description: str
    units: str
    null_means: str
    constraints: str
    in_contract: bool = True


@dataclass(frozen=True)
class TableDoc:
    """One published table: its grain, keys, row-level checks and columns."""

    name: str
    filename: str
    description: str
    primary_key: tuple[str, ...]
    foreign_keys: tuple[str, ...]
    checks: tuple[str, ...]
    columns: tuple[ColumnDoc, ...]


def _dtype_name(dtype: Any) -> str:
    """'String', 'Int64', 'Date'; nested types keep their inner type: 'List(String)'."""
    text = str(dtype)
    if text.startswith(("List", "Array", "Struct")):
        return text
    return text.split("(")[0]


def units_for(name: str, dtype: str, description: str, metadata: Mapping[str, Any], sibling_columns: Iterable[str]) -> str:
    """The unit a value is measured in, or an em dash where the column is not a measurement."""
    if metadata.get("unit"):
        return str(metadata["unit"])
    if dtype == "Date":
        return "calendar date (ISO 8601)"
    if dtype == "Datetime":
        return "timestamp (ISO 8601)"
    if dtype in _INTEGER and _OFFSET_WORDS.search(description):
        return "characters (Python str index: Unicode code points)"
    if dtype in _INTEGER and re.search(r"\bbytes\b", f"{name} {description}", re.IGNORECASE):
        return "bytes"
    if dtype in _INTEGER and (name.startswith("n_") or re.search(r"\b(how many|number of)\b", description, re.I)):
        return "count"
    if dtype in _FLOAT and "unit" in sibling_columns:
        return "given by the row's `unit` column"
    if dtype in _FLOAT and re.search(r"\b(score|similarity|ratio|confidence|probability)\b", description, re.IGNORECASE):
        return "dimensionless (0 to 1)"
    return "—"


def null_semantics(nullable: bool, description: str, metadata: Mapping[str, Any]) -> str:
    """What a null in this column means, as the contract states it."""
    if metadata.get("null_means"):
        return str(metadata["null_means"])
    if not nullable:
        return "never null"
    clauses = [c.strip() for c in re.split(r"[;.]\s*", description) if _NULL_WORD.search(c)]
    if clauses:
        return "; ".join(clauses)
    return "may be null (meaning not stated in the contract)"


def _describe_check(check: Any) -> str:
    stats = dict(getattr(check, "statistics", None) or {})
    name = getattr(check, "name", "") or ""
    if name == "isin" and "allowed_values" in stats:
        return "one of " + ", ".join(f"`{v}`" for v in stats["allowed_values"])
    if name == "notin" and "forbidden_values" in stats:
        return "none of " + ", ".join(f"`{v}`" for v in stats["forbidden_values"])
    symbols = {
        "greater_than_or_equal_to": "≥",
        "greater_than": ">",
        "less_than_or_equal_to": "≤",
        "less_than": "<",
        "equal_to": "=",
        "not_equal_to": "≠",
    }
    if name in symbols and stats:
        return f"{symbols[name]} {next(iter(stats.values()))}"
    if name == "in_range" and stats:
        return f"in [{stats.get('min_value')}, {stats.get('max_value')}]"
    if name == "str_matches" and stats:
        return f"matches `{next(iter(stats.values()))}`"
    if name in ("str_length",) and stats:
        return f"length in [{stats.get('min_value')}, {stats.get('max_value')}]"
    return str(getattr(check, "description", None) or getattr(check, "error", None) or name)


def table_doc(contract: TableContract, observed: Mapping[str, str] | None = None) -> TableDoc:
    """Document one published table from its contract.

    ``observed`` maps the columns actually present in a published frame to their dtype; columns the
    frame carries beyond the contract are documented too (flagged as not in the contract), so a card
    built from real tables names every column it ships.
    """
    schema = contract.model.to_schema()
    names = list(schema.columns)
    docs = []
    for name, col in schema.columns.items():
        dtype = _dtype_name(col.dtype)
        meta = dict(col.metadata or {})
        description = (col.description or "").strip()
        constraints = [_describe_check(c) for c in col.checks]
        if col.unique:
            constraints.insert(0, "unique")
        docs.append(
            ColumnDoc(
                name=name,
                dtype=dtype,
                nullable=bool(col.nullable),
                unique=bool(col.unique),
                description=description,
                units=units_for(name, dtype, description, meta, names),
                null_means=null_semantics(bool(col.nullable), description, meta),
                constraints="; ".join(constraints),
            )
        )
    for name, dtype in (observed or {}).items():
        if name in schema.columns:
            continue
        docs.append(
            ColumnDoc(
                name=name,
                dtype=_dtype_name(dtype),
                nullable=True,
                unique=False,
                description=NOT_IN_CONTRACT,
                units="—",
                null_means="not stated (no contract)",
                constraints="",
                in_contract=False,
            )
        )
    fks = tuple(
        f"({', '.join(fk.fields)}) → {fk.reference_table}({', '.join(fk.reference_fields)})" for fk in contract.foreign_keys
    )
    checks = tuple(
        f"{c.name}: {c.description}" if getattr(c, "description", None) else str(c.name) for c in schema.checks
    )
    return TableDoc(
        name=contract.name,
        filename=contract.filename,
        # Docstrings carry indentation and hard wraps; Markdown would read the indented lines as code.
        description=re.sub(r"\n\s*\n", "\n\n", inspect.cleandoc(contract.description)),
        primary_key=tuple(contract.primary_key),
        foreign_keys=fks,
        checks=checks,
        columns=tuple(docs),
    )


def dictionary(
    contracts: Iterable[TableContract] | None = None, observed: Mapping[str, Mapping[str, str]] | None = None
) -> list[TableDoc]:
    """Docs for every published table (``PUBLISHED_TABLES`` at call time unless given)."""
    chosen = list(PUBLISHED_TABLES.values()) if contracts is None else list(contracts)
    return [table_doc(c, (observed or {}).get(c.name)) for c in chosen]


def _cell(text: str) -> str:
    # '<type>:<key>' would be read as an HTML tag by Markdown renderers (GitHub, Hugging Face, Dagster).
    return _escape_html(text).replace("|", "\\|").replace("\n", " ")


def _escape_html(text: str) -> str:
    return text.replace("<", "&lt;").replace(">", "&gt;")


def render_table(doc: TableDoc, heading: str = "###", rows: int | None = None) -> str:
    """One table's section in Markdown: grain, keys, checks, then a row per column."""
    title = f"{heading} `{doc.name}` (`{doc.filename}`)"
    if rows is not None:
        title += f": {rows:,} rows"
    lines = [title, "", _escape_html(doc.description) or "_No table description in the contract._", ""]
    lines.append(f"- Primary key: {', '.join(f'`{k}`' for k in doc.primary_key) or 'none'}")
    if doc.foreign_keys:
        lines.append(f"- Foreign keys: {'; '.join(f'`{fk}`' for fk in doc.foreign_keys)}")
    for check in doc.checks:
        lines.append(f"- Row check: {check}")
    lines += [
        "",
        "| column | type | null means | units | meaning | constraints |",
        "|---|---|---|---|---|---|",
    ]
    for c in doc.columns:
        name = f"`{c.name}`" + ("" if c.in_contract else " ⚠")
        lines.append(
            f"| {name} | {c.dtype} | {_cell(c.null_means)} | {_cell(c.units)} | {_cell(c.description)} | "
            f"{_cell(c.constraints)} |"
        )
    return "\n".join(lines)


def render(docs: Sequence[TableDoc], heading: str = "###", rows: Mapping[str, int] | None = None) -> str:
    """Every table's section, in registry order."""
    return "\n\n".join(render_table(d, heading, (rows or {}).get(d.name)) for d in docs) + "\n"


def render_document(docs: Sequence[TableDoc] | None = None) -> str:
    """The standalone ``docs/data_dictionary.md``."""
    docs = dictionary() if docs is None else docs
    head = [
        "<!-- Generated from contracts/ by `make docs` (dagster_project/publish/dictionary.py). Do not edit by hand. -->",
        "",
        "# Data dictionary",
        "",
        f"The published dataset has {len(docs)} tables, one Parquet file each in `curated/<version>/`. "
        "Every column below comes from the table's pandera contract in `contracts/`; the same facts are in each "
        "version's `datapackage.json` and dataset card.",
        "",
        "Offsets (`start`, `end`) are Python `str` indices (Unicode code points), end-exclusive, into "
        "`articles.text`, so `text[start:end] == surface`. Types are polars dtypes; `Date` is a calendar date.",
        "",
        "## Tables",
        "",
        "",
    ]
    return "\n".join(head) + render(docs, heading="###")


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    path = Path(args[0]) if args else DEFAULT_PATH
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_document(), encoding="utf-8")
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
