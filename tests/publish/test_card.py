"""Data dictionary and dataset card: generated from the contracts and the tables, never typed in."""

import datetime as dt
import json
import os
from pathlib import Path

import pandera.polars as pa
import polars as pl
import pytest

from contracts import PUBLISHED_TABLES
from contracts.registry import ForeignKey, TableContract
from dagster_project.publish import card, dictionary

REPO = Path(__file__).resolve().parents[2]


class Widgets(pa.DataFrameModel):
    """One row per widget (a table no real contract has, to prove the generator is general).

    Second paragraph, indented in the source.
    """

    widget_id: str = pa.Field(unique=True, description="Stable id, '<kind>:<n>'.")
    weight: float = pa.Field(nullable=True, description="Weight; null when not weighed.", metadata={"unit": "kilogram"})
    colour: str = pa.Field(nullable=True, isin=["red", "blue"], description="Paint colour.")
    seen_on: dt.date = pa.Field(nullable=True, description="Day it was seen.", metadata={"null_means": "never seen"})
    offset: int = pa.Field(ge=0, description="Character offset into the label.")
    tags: list[str] = pa.Field(description="Tags, sorted.")


WIDGETS = TableContract("widgets", Widgets, ("widget_id",), (ForeignKey(("widget_id",), "articles", ("article_id",)),))


def test_docs_data_dictionary_is_up_to_date() -> None:
    committed = (REPO / "docs" / "data_dictionary.md").read_text(encoding="utf-8")
    assert committed == dictionary.render_document(), "docs/data_dictionary.md is stale: run `make docs`"


def test_dictionary_names_every_column_of_every_published_table() -> None:
    text = dictionary.render_document()
    for name, contract in PUBLISHED_TABLES.items():
        section = text[text.index(f"### `{name}`") :]
        section = section[: section.find("\n### ", 5)]
        for column in contract.model.to_schema().columns:
            assert f"| `{column}` |" in section, f"{name}.{column}"


def test_dictionary_covers_a_table_it_has_never_seen() -> None:
    (doc,) = dictionary.dictionary([WIDGETS])
    cols = {c.name: c for c in doc.columns}
    assert list(cols) == ["widget_id", "weight", "colour", "seen_on", "offset", "tags"]
    assert cols["tags"].dtype == "List(String)"
    assert (cols["weight"].units, cols["weight"].null_means) == ("kilogram", "null when not weighed")
    assert cols["colour"].constraints == "one of `red`, `blue`"
    assert cols["colour"].null_means == "may be null (meaning not stated in the contract)"
    assert cols["seen_on"].null_means == "never seen"
    assert cols["seen_on"].units == "calendar date (ISO 8601)"
    assert cols["offset"].units.startswith("characters")
    assert cols["offset"].constraints == "≥ 0"
    assert cols["widget_id"].constraints == "unique"
    assert doc.foreign_keys == ("(widget_id) → articles(article_id)",)
    assert doc.description.endswith("general).\n\nSecond paragraph, indented in the source.")
    rendered = dictionary.render([doc], rows={"widgets": 1234})
    assert "### `widgets` (`widgets.parquet`): 1,234 rows" in rendered
    assert "| `weight` | Float64 | null when not weighed | kilogram | Weight; null when not weighed. |  |" in rendered
    # Angle brackets would be read as HTML tags by Markdown renderers and vanish.
    assert "| Stable id, '&lt;kind&gt;:&lt;n&gt;'. | unique |" in rendered


def test_columns_beyond_the_contract_are_flagged_not_dropped() -> None:
    (doc,) = dictionary.dictionary([WIDGETS], observed={"widgets": {"widget_id": "String", "extra_col": "Int64"}})
    extra = doc.columns[-1]
    assert (extra.name, extra.dtype, extra.in_contract) == ("extra_col", "Int64", False)
    assert "| `extra_col` ⚠ | Int64 |" in dictionary.render([doc])


@pytest.mark.parametrize(
    ("nullable", "description", "expected"),
    [
        (False, "Anything; null when odd.", "never null"),
        (True, "Headline; null when the text states none.", "null when the text states none"),
        (True, "SHA-256 of the bytes when read, else null.", "SHA-256 of the bytes when read, else null"),
        (True, "Plain text.", "may be null (meaning not stated in the contract)"),
    ],
)
def test_null_semantics_from_the_description(nullable: bool, description: str, expected: str) -> None:
    assert dictionary.null_semantics(nullable, description, {}) == expected


@pytest.mark.parametrize(
    ("name", "dtype", "description", "siblings", "expected"),
    [
        ("value", "Float64", "Numeric value.", ["value", "unit"], "given by the row's `unit` column"),
        ("value", "Float64", "Numeric value.", ["value"], "—"),
        ("size", "Int64", "Size of the file in bytes.", [], "bytes"),
        ("n_articles", "Int64", "Articles reporting it.", ["unit"], "count"),
        ("hits", "Int64", "How many times the article states it.", [], "count"),
        ("raw_end", "Int64", "End offset into the raw text.", [], "characters (Python str index: Unicode code points)"),
        ("score", "Float64", "Jaccard similarity of the shingles.", [], "dimensionless (0 to 1)"),
        ("when", "Date", "Day.", [], "calendar date (ISO 8601)"),
        ("name", "String", "A name.", [], "—"),
    ],
)
def test_units_from_dtype_and_description(name: str, dtype: str, description: str, siblings: list, expected: str) -> None:
    assert dictionary.units_for(name, dtype, description, {}, siblings) == expected


def _tables() -> dict[str, pl.DataFrame]:
    articles = pl.DataFrame(
        {
            "article_id": ["a1", "a2", "a3"],
            "outlet": ["Reuters", "AFP", None],
            "published_date": [dt.date(2023, 8, 3), dt.date(2023, 8, 5), None],
            "title": ["One", "Two", None],
            "text": ["x", "y", "z"],
        }
    )
    mentions = pl.DataFrame(
        {
            "mention_id": ["m1", "m2", "m3", "m4"],
            "article_id": ["a1", "a2", "a2", "a3"],
            "mention_type": ["person", "person", "quantity", "place"],
            "entity_id": ["person:x", "person:x", None, None],
        }
    )
    quantities = pl.DataFrame(
        {"mention_id": ["m3"], "value": [None], "unit": ["count"], "quantified": ["troops"]},
        schema={"mention_id": pl.String, "value": pl.Float64, "unit": pl.String, "quantified": pl.String},
    )
    quarantine = pl.DataFrame({"source_file": ["bad.bin", "e.txt"], "reason": ["binary", "empty"]})
    return {"articles": articles, "mentions": mentions, "entities": pl.DataFrame({"entity_id": ["person:x"]}),
            "quantities": quantities, "quarantine": quarantine}


MANIFEST = {
    "name": "demo-set",
    "title": "Demo",
    "version": "2.1.0",
    "created": "2026-01-02T03:04:05+00:00",
    "licenses": [{"name": "CC-BY-4.0", "path": "https://creativecommons.org/licenses/by/4.0/"}],
    "sources": [{"path": "a.txt"}, {"path": "b.txt"}],
    "resources": [{"path": "articles.parquet", "bytes": 10, "hash": "sha256:" + "0" * 64}],
    "newsetl": {"parent_version": "2.0.0", "change": "inputs added", "lineage": {"extractor_version": "extract-9"}},
}


def test_card_without_report_says_quality_is_not_measured() -> None:
    text = card.render_card(MANIFEST, _tables())
    assert "**No evaluation report was found when this version was built**" in text
    assert "precision" not in text.lower().split("## measured quality")[1].split("##")[0]


def test_card_facts_come_from_the_tables() -> None:
    text = card.render_card(MANIFEST, _tables(), changelog_present=True)
    assert text.startswith("---\npretty_name: \"Demo\"\nlicense: cc-by-4.0\n")
    assert "- config_name: mentions\n  data_files: mentions.parquet\n  default: true" in text
    assert "3 news articles from 2 named outlets, published between 2023-08-03 and 2023-08-05" in text
    assert "| AFP | 1 | 2023-08-05 | 2023-08-05 | 0 |" in text
    assert "| (unknown) | 1 |  |  | 1 |" in text
    assert "2 raw files read" in text
    assert "Mentions of people, aircraft and places with no canonical entity (`entity_id` null): 1 of 3 (33%)." in text
    assert "Quantities with no numeric value (vague amounts): 1 of 1 (100%)." in text
    assert "Raw files not published as articles: 2 (binary: 1, empty: 1)" in text
    assert "This version: inputs added (parent version 2.0.0)." in text
    assert "[CHANGELOG.md](CHANGELOG.md)" in text
    assert "@misc{demo_set_2_1_0," in text and "version      = {2.1.0}" in text


def _write(path: Path, data: object) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(data if isinstance(data, str) else json.dumps(data), encoding="utf-8")
    return path


HARNESS_REPORT = {
    "corpus": {"articles": 23, "raw_files": 21, "mentions": {"person": 185, "place": 529}},
    "mention": {"person": {"tp": 150, "fp": 47, "fn": 35, "precision": 0.7614, "recall": 0.8108, "f1": 0.7853},
                "place": {"precision": 0.938, "recall": 0.801, "f1": 0.864}},
    "mention_macro_f1": 0.8246,
    "entity": {"person": {"precision": 0.695, "recall": 0.933, "f1": 0.797}, "place": {"precision": 0.5, "recall": 0.5, "f1": 0.5}},
    "entity_macro_f1": 0.6485,
    "resolution": {"splits": [{"type": "person", "gold": "Donald Trump", "entities": [
        {"entity_id": "person:donald-trump", "canonical_name": "Donald Trump", "mentions": 5},
        {"entity_id": "person:trump", "canonical_name": "Trump", "mentions": 3}]}], "merges": []},
    "quantity_attributes": {"qualifier": {"compared": 130, "correct": 130, "accuracy": 1.0, "errors": []}},
    "errors": {"mention_missed": {"person": {"Maduro [seed-002]": 2, "Kovalenko [e09]": 1}, "place": {}}},
}


def test_card_renders_the_extraction_harness_report(tmp_path: Path) -> None:
    _write(tmp_path / "extract" / "report.json", HARNESS_REPORT)
    text = card.render_card(MANIFEST, _tables(), card.load_reports(tmp_path))
    assert "Gold: 23 articles in 21 raw files." in text
    assert "| person | 185 | 0.761 | 0.811 | 0.785 | 0.695 | 0.933 | 0.797 |" in text
    assert "| **macro average** |  |  |  | 0.825 |  |  | 0.648 |" in text
    assert "- split person *Donald Trump*: Donald Trump (5), Trump (3)" in text
    assert "| qualifier | 130 | 130 | 1.000 |" in text
    assert "- extract, mention missed person (3): Maduro [seed-002] ×2; Kovalenko [e09]" in text
    assert "No evaluation report was found" not in text and "not measured** for this version" not in text


def test_card_renders_other_reports_generically_and_survives_a_broken_one(tmp_path: Path) -> None:
    _write(tmp_path / "parse" / "report.json", {
        "metrics": {"field_title": 0.95, "snippet_recall": 0.875},
        "per_type": {"person": {"precision": 0.9, "recall": 0.75, "f1": 0.818, "tp": 9, "fp": 1, "fn": 3}},
        "errors": ["000.txt#0 title: got None"],
        "extractor_version": "extract-8",
    })
    _write(tmp_path / "broken" / "report.json", "{not json")
    reports = card.load_reports(tmp_path)
    assert [r.name for r in reports] == ["broken", "parse"]
    text = card.render_card(MANIFEST, _tables(), reports)
    assert "| per_type / person | 0.900 | 0.750 | 0.818 | 9 | 1 | 3 |" in text
    assert "| metrics / field_title | 0.950 |" in text and "| metrics / snippet_recall | 0.875 |" in text
    assert "measured with extractor_version `extract-8`, this version was built with `extract-9`" in text
    assert "The report could not be read (JSONDecodeError" in text
    assert "- parse: 000.txt#0 title: got None" in text
    # Only an extraction report measures extraction: without one the card says so.
    assert "No extraction report (`evaluation/extract/report.json`) was found" in text


def test_report_older_than_the_code_is_flagged_stale(tmp_path: Path) -> None:
    report = _write(tmp_path / "evaluation" / "extract" / "report.json", HARNESS_REPORT)
    code = _write(tmp_path / "code" / "pkg" / "mod.py", "x = 1\n")
    os.utime(report, (1_700_000_000, 1_700_000_000))
    os.utime(code, (1_700_000_100, 1_700_000_100))
    (rep,) = card.load_reports(tmp_path / "evaluation", tmp_path / "code")
    assert rep.modified == "2023-11-14T22:13:20+00:00"
    assert rep.stale == "The code changed after this report was written (code 2023-11-14T22:15:00+00:00)"
    os.utime(code, (1_600_000_000, 1_600_000_000))
    assert card.load_reports(tmp_path / "evaluation", tmp_path / "code")[0].stale is None
    assert card.load_reports(tmp_path / "missing") == []


def test_card_on_empty_tables_still_names_every_column() -> None:
    from dagster_project.publish.schema import empty_frame

    tables = {n: empty_frame(c.model) for n, c in PUBLISHED_TABLES.items()}
    text = card.render_card({**MANIFEST, "sources": []}, tables)
    for name, contract in PUBLISHED_TABLES.items():
        for column in contract.model.to_schema().columns:
            assert f"| `{column}` |" in text, f"{name}.{column}"
    assert "_No articles in this version._" in text


def test_write_version_docs_writes_card_plots_citation_and_report_copy(tmp_path: Path) -> None:
    evaluation = tmp_path / "evaluation"
    (evaluation / "extract").mkdir(parents=True)
    (evaluation / "extract" / "report.json").write_text('{"f1": 0.5, "precision": 0.5, "recall": 0.5}')
    staging = tmp_path / "staging"
    staging.mkdir()
    docs = card.write_version_docs(staging, MANIFEST, _tables(), evaluation)
    assert docs.reports == ("evaluation/extract/report.json",)
    assert (staging / "evaluation" / "extract" / "report.json").read_text() == '{"f1": 0.5, "precision": 0.5, "recall": 0.5}'
    assert [p.path for p in docs.plots] == [f"plots/{p.filename}" for p in card.plots.PLOTS]
    assert all((staging / p.path).stat().st_size > 1000 for p in docs.plots)
    cff = (staging / "CITATION.cff").read_text()
    assert 'version: "2.1.0"' in cff and 'date-released: "2026-01-02"' in cff
    text = (staging / "README.md").read_text()
    assert "| overall | 0.500 | 0.500 | 0.500 |" in text
    assert "No `CHANGELOG.md` was published with this version." in text


def test_strip_front_matter() -> None:
    assert card.strip_front_matter("---\na: 1\n---\n\n# Title\n") == "# Title\n"
    assert card.strip_front_matter("# Title\n") == "# Title\n"


def test_extra_hook_reads_the_staged_tables(tmp_path: Path) -> None:
    staging = tmp_path / "staging"
    staging.mkdir()
    for name, df in _tables().items():
        df.write_parquet(staging / f"{name}.parquet")
    card.version_docs_extra(None)(staging, MANIFEST)
    text = (staging / "README.md").read_text(encoding="utf-8")
    assert "| mentions | 4 | `mentions.parquet` |" in text
    assert "**No evaluation report was found when this version was built**" in text
    assert sorted(p.name for p in (staging / "plots").iterdir()) == sorted(p.filename for p in card.plots.PLOTS)


@pytest.mark.parametrize(("rows", "label"), [(0, "n<1K"), (999, "n<1K"), (1000, "1K<n<10K"), (150_000, "100K<n<1M"),
                                             (2_000_000, "1M<n<10M")])
def test_front_matter_size_category(rows: int, label: str) -> None:
    header = card.front_matter({"version": "1.0.0"}, {"mentions": pl.DataFrame({"a": pl.int_range(rows, eager=True)})})
    assert f"size_categories:\n- {label}\n" in header
