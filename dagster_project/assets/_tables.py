"""Shared helpers for table assets: metadata from contracts and blocking contract checks."""

import base64
from collections.abc import Iterator, Sequence
from pathlib import Path

import dagster as dg
import pandera.errors as pa_errors
import pandera.polars as pa
import polars as pl

from dagster_project.publish.card import CARD, strip_front_matter
from dagster_project.publish.plots import plot_paths
from dagster_project.publish.schema import columns


def table_schema(
    model: type[pa.DataFrameModel] | None, df: pl.DataFrame | None = None, describe_from: Sequence[type[pa.DataFrameModel]] = ()
) -> dg.TableSchema:
    """Dagster's column schema, generated from the pandera contract.

    Columns the frame carries beyond its contract (or every column, for a table without one) are
    listed too, typed from the frame and described by the first of ``describe_from`` that has them.
    """
    facts = columns(model) if model is not None else []
    known = {c["name"] for c in facts}
    borrowed = {c["name"]: c for m in reversed(describe_from) for c in columns(m)}
    cols = [
        dg.TableColumn(
            name=c["name"],
            type=c["dtype"],
            description=_ui_text(c["description"]),
            constraints=dg.TableColumnConstraints(nullable=c["nullable"], unique=c["unique"]),
        )
        for c in facts
    ]
    for name, dtype in (df.schema.items() if df is not None else []):
        if name in known:
            continue
        hint = borrowed.get(name)
        cols.append(
            dg.TableColumn(
                name=name,
                type=str(dtype),
                description=_ui_text(_extra_description(hint["description"] if hint else None, model is not None)),
            )
        )
    return dg.TableSchema(columns=cols)


def _ui_text(text: str) -> str:
    """The UI renders column descriptions as Markdown with HTML: '<type>:<key>' would vanish as a tag."""
    return text.replace("<", "&lt;").replace(">", "&gt;")


def _extra_description(borrowed: str | None, has_contract: bool) -> str:
    if borrowed is None:
        return "Not in this table's contract." if has_contract else "Not in a contract."
    return f"{borrowed} (not in this table's contract)" if has_contract else borrowed


def table_metadata(
    df: pl.DataFrame,
    model: type[pa.DataFrameModel] | None,
    preview_cols: Sequence[str] = (),
    describe_from: Sequence[type[pa.DataFrameModel]] = (),
) -> dict:
    """Row count, column schema and a short markdown preview for an asset materialization."""
    cols = [c for c in (preview_cols or df.columns) if c in df.columns][:6]
    head = df.select(cols).head(5).with_columns(pl.col(pl.String).str.slice(0, 40))
    return {
        "dagster/row_count": dg.MetadataValue.int(df.height),
        "dagster/column_schema": table_schema(model, df, describe_from),
        "preview": dg.MetadataValue.md(_markdown(head)),
    }


def version_metadata(version_dir: Path, row_counts: dict[str, int] | None = None) -> dict:
    """The published version as the UI shows it: a short summary inline, the card and plots, their paths.

    Images are inlined as data URIs because the UI may be served from another host than the curated folder.
    """
    meta: dict = {}
    pngs = [version_dir / p for p in plot_paths() if (version_dir / p).exists()]
    inline = {p.relative_to(version_dir).as_posix(): _data_uri(p) for p in pngs}
    if row_counts is not None:
        lines = [f"**Version {version_dir.name}** in `{version_dir}`", "", "| table | rows |", "|---|---|"]
        lines += [f"| {name} | {n:,} |" for name, n in row_counts.items()]
        meta["summary"] = dg.MetadataValue.md("\n".join(lines))
    card_path = version_dir / CARD
    if card_path.exists():
        text = strip_front_matter(card_path.read_text(encoding="utf-8"))
        for rel, uri in inline.items():
            text = text.replace(f"]({rel})", f"]({uri})")
        meta["card"] = dg.MetadataValue.md(text)
        meta["card_path"] = dg.MetadataValue.path(str(card_path))
    if pngs:
        images = [f"**{p.stem.replace('_', ' ')}**\n\n![{p.stem}]({inline[rel]})" for rel, p in zip(inline, pngs, strict=True)]
        meta["plots"] = dg.MetadataValue.md("\n\n".join(images))
        for p in pngs:
            meta[f"plot/{p.stem}"] = dg.MetadataValue.path(str(p))
    return meta


def _data_uri(path: Path) -> str:
    return f"data:image/png;base64,{base64.b64encode(path.read_bytes()).decode()}"


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


CONTRACT_FAILED = "contract_failed"


def split_failing_rows(
    df: pl.DataFrame, model: type[pa.DataFrameModel], key: str = "article_id"
) -> tuple[pl.DataFrame, dict[str, str]]:
    """``df`` without the rows of every ``key`` (article) that one of its rows makes fail the contract, and per
    such key the failed checks ('column: check').

    Only failures pinned to rows are split off this way; one that is not (a missing column, a wrong type)
    leaves ``df`` whole, so the blocking check still fails and nothing is published.
    """
    try:
        model.validate(df, lazy=True)
    except (pa_errors.SchemaErrors, pa_errors.SchemaError) as exc:
        cases = getattr(exc, "failure_cases", None)
        if not isinstance(cases, pl.DataFrame) or "index" not in cases.columns or cases["index"].null_count():
            return df, {}
        rows = df.with_row_index("_row").join(
            cases.select(pl.col("index").cast(pl.UInt32).alias("_row"),
                         pl.concat_str("column", pl.lit(": "), "check").alias("_check")),
            on="_row")
        failed: dict[str, str] = {}
        for k, check in rows.select(key, "_check").unique(maintain_order=True).iter_rows():
            failed[k] = f"{failed[k]}; {check}" if k in failed else check
        return df.filter(~pl.col(key).is_in(list(failed))), failed
    return df, {}


def contract_spec(asset: str, model: type[pa.DataFrameModel]) -> dg.AssetCheckSpec:
    """The blocking check that ``asset`` satisfies its pandera contract, declared on the asset itself.

    The asset validates the eager frame it has just built, in its own step (``checked``): no reload from
    storage and no extra step per table, which at 1,000 articles saved about 2 s of every refresh. A
    failure (severity ERROR) fails the step, so nothing downstream runs and nothing is published.
    """
    return dg.AssetCheckSpec(
        f"{asset}_contract", asset=asset, blocking=True,
        description=f"Blocking: every row of {asset} satisfies contracts.{model.__name__}.",
    )


def contract_result(asset: str, df: pl.DataFrame, model: type[pa.DataFrameModel]) -> dg.AssetCheckResult:
    """The result of ``asset``'s contract check on ``df``."""
    passed, report = validate(df, model)
    return dg.AssetCheckResult(
        asset_key=asset,
        check_name=f"{asset}_contract",
        passed=passed,
        severity=dg.AssetCheckSeverity.ERROR,
        metadata={"rows": df.height, "contract": model.__name__, "failures": dg.MetadataValue.md(report or "none")},
    )


def checked(
    asset: str, df: pl.DataFrame, model: type[pa.DataFrameModel], metadata: dict, output_name: str = "result",
    value: object = None,
) -> Iterator[dg.Output | dg.AssetCheckResult]:
    """The table as the asset's output, then its contract check (for an asset declaring ``contract_spec``).

    ``value``: what the output stores instead of ``df`` itself, e.g. ``df`` split into one frame per partition
    of the run (assets/partitions.py); the check still validates ``df`` as a whole.
    """
    yield dg.Output(df if value is None else value, output_name=output_name, metadata=metadata)
    yield contract_result(asset, df, model)
