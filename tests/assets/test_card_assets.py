"""What the Dagster UI shows: column schemas from the contracts, row counts, previews, the card and plots."""

from pathlib import Path

import dagster as dg
import pandera.polars as pa
import polars as pl

from contracts import Articles, Mentions, Quantities
from dagster_project.assets._tables import table_metadata, table_schema, version_metadata
from dagster_project.assets.extract import CANDIDATE_SCHEMA


class Keyed(pa.DataFrameModel):
    """One row per keyed thing."""

    key: str = pa.Field(description="Id, '<type>:<key>'.")


def test_table_without_contract_borrows_descriptions() -> None:
    df = pl.DataFrame(schema=CANDIDATE_SCHEMA)
    schema = table_schema(None, df, (Mentions, Quantities))
    cols = {c.name: c for c in schema.columns}
    assert list(cols) == list(CANDIDATE_SCHEMA)
    assert cols["start"].description == Mentions.to_schema().columns["start"].description
    assert cols["quantified"].description == Quantities.to_schema().columns["quantified"].description
    assert cols["label"].description == "Not in a contract."


def test_contract_columns_first_then_extra_columns_flagged() -> None:
    df = pl.DataFrame({"article_id": ["a"], "offset_map": ["{}"]})
    schema = table_schema(Articles, df)
    names = [c.name for c in schema.columns]
    assert names[: len(Articles.to_schema().columns)] == list(Articles.to_schema().columns)
    extra = schema.columns[-1]
    assert (extra.name, extra.description) == ("offset_map", "Not in this table's contract.")
    published_date = next(c for c in schema.columns if c.name == "published_date")
    assert published_date.type == "Date" and published_date.constraints.nullable
    assert table_schema(Keyed).columns[0].description == "Id, '&lt;type&gt;:&lt;key&gt;'."


def test_table_metadata_has_row_count_schema_and_preview() -> None:
    df = pl.DataFrame({"mention_type": ["person", "place"], "surface": ["A | B", "x" * 100]})
    meta = table_metadata(df, None)
    assert meta["dagster/row_count"].value == 2
    assert isinstance(meta["dagster/column_schema"], dg.TableSchema)
    preview = meta["preview"].value
    assert preview.splitlines()[0] == "| mention_type | surface |"
    assert "A \\| B" in preview and "x" * 40 + " |" in preview and "x" * 41 not in preview


def test_version_metadata_shows_card_without_yaml_and_inline_plots(tmp_path: Path) -> None:
    (tmp_path / "plots").mkdir()
    (tmp_path / "plots" / "top_entities.png").write_bytes(b"\x89PNG\r\n\x1a\nrest")
    (tmp_path / "README.md").write_text("---\nlicense: x\n---\n\n# Card\n![alt](plots/top_entities.png)\n",
                                        encoding="utf-8")
    meta = version_metadata(tmp_path, {"articles": 1234})
    assert meta["card"].value == "# Card\n![alt](data:image/png;base64,iVBORw0KGgpyZXN0)\n"
    assert "| articles | 1,234 |" in meta["summary"].value
    assert "![top_entities](data:image/png;base64,iVBORw0KGgpyZXN0)" in meta["plots"].value
    assert meta["plot/top_entities"].value == str(tmp_path / "plots" / "top_entities.png")
    assert version_metadata(tmp_path / "missing") == {}

