"""Shared helpers for table assets: metadata from contracts and blocking contract checks."""


from collections.abc import Sequence

import dagster as dg
import pandera.errors as pa_errors
import pandera.polars as pa
import polars as pl

from dagster_project.core.schema import columns


def table_schema(model: type[pa.DataFrameModel]) -> dg.TableSchema:
    """Dagster's column schema, generated from the pandera contract."""
    return dg.TableSchema(
        columns=[
            dg.TableColumn(
                name=c["name"],
                type=c["dtype"],
                description=c["description"],
                constraints=dg.TableColumnConstraints(nullable=c["nullable"], unique=c["unique"]),
            )
            for c in columns(model)
        ]
    )


def table_metadata(df: pl.DataFrame, model: type[pa.DataFrameModel], preview_cols: Sequence[str] = ()) -> dict:
    """Row count, column schema and a short markdown preview for an asset materialization."""
    cols = [c for c in (preview_cols or df.columns) if c in df.columns][:6]
    head = df.select(cols).head(5).with_columns(pl.col(pl.String).str.slice(0, 60))
    return {
        "dagster/row_count": dg.MetadataValue.int(df.height),
        "dagster/column_schema": table_schema(model),
        "preview": dg.MetadataValue.md(_markdown(head)),
    }


def _markdown(df: pl.DataFrame) -> str:
    if not df.width:
        return "_empty_"
    lines = ["| " + " | ".join(df.columns) + " |", "|" + "---|" * df.width]
    for row in df.iter_rows():
        lines.append("| " + " | ".join("" if v is None else str(v).replace("|", "\\|").replace("\n", " ") for v in row) + " |")
    return "\n".join(lines)


def validate(df: pl.DataFrame, model: type[pa.DataFrameModel]) -> tuple[bool, str]:
    """Validate an eager frame; returns (passed, first lines of the failure report)."""
    try:
        model.validate(df, lazy=True)
    except (pa_errors.SchemaErrors, pa_errors.SchemaError) as exc:
        return False, "\n".join(str(exc).splitlines()[:20])
    return True, ""


def contract_check(asset: str, model: type[pa.DataFrameModel]) -> dg.AssetChecksDefinition:
    """A blocking check that ``asset`` satisfies its pandera contract."""

    @dg.asset_check(
        asset=asset,
        name=f"{asset}_contract",
        blocking=True,
        description=f"Blocking: every row of {asset} satisfies contracts.{model.__name__}.",
    )
    def _check(df: pl.DataFrame) -> dg.AssetCheckResult:
        passed, report = validate(df, model)
        return dg.AssetCheckResult(
            passed=passed,
            severity=dg.AssetCheckSeverity.ERROR,
            metadata={"rows": df.height, "contract": model.__name__, "failures": dg.MetadataValue.md(report or "none")},
        )

    return _check
