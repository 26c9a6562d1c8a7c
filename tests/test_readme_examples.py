"""The README's pandas, polars and DuckDB examples, run against a dataset built by the real pipeline.

A small corpus written for this test (three outlets reporting one deployment, none of it from the seeds)
is built with ``dg.materialize`` into ``tmp_path``; the snippets are then executed exactly as printed in
README.md, from a working directory laid out like the repository (``curated/LATEST``). The same build
is used to check what a published version carries besides the data: the card, plots and citation.
"""

import re
from pathlib import Path

import dagster as dg
import polars as pl
import pytest

from contracts import PUBLISHED_TABLES
from dagster_project.assets import extract, ingest, parse, publish
from dagster_project.assets.partitions import ALL_SHARDS_TAGS
from dagster_project.io_manager import PolarsParquetIOManager
from dagster_project.resources import NlpModel, StorageRoots

REPO = Path(__file__).resolve().parent.parent
SECTION = "## Examples"
LIBRARIES = ("pandas", "polars", "DuckDB")

CORPUS = {
    "reuters.txt": """France sends troops to secure Niamey airport

By Claire Dubois

Reuters, 3 August 2023

PARIS (Reuters) - France flew about 300 troops to Niger on Thursday, the defence ministry said. President Emmanuel Macron said the soldiers would protect French citizens in Niamey.

Two Airbus A400M transport planes landed at Niamey airport. Defence minister Sebastien Lecornu said more flights would follow.
""",
    "afp.txt": """French soldiers land in Niger as crisis deepens

By Marc Lefevre

AFP, 4 August 2023

NIAMEY (AFP) - Nearly 300 French soldiers arrived in Niamey on Friday aboard an Airbus A400M, officials said. Emmanuel Macron told reporters that France would not abandon its citizens.

The United Nations said dozens of troops from other countries were also on the ground.
""",
    "guardian.txt": """Macron defends Niger deployment

By Jane Holloway

The Guardian, 5 August 2023

Emmanuel Macron on Saturday defended the deployment of up to 350 troops to Niger, saying the mission would last weeks, not months. Critics in Paris said the government had not explained the cost.
""",
    "empty.txt": "",
}
# What the corpus states, by construction: (outlet, value, hedge) of every numeric troop figure.
TROOP_CLAIMS = {("Reuters", 300.0, "about"), ("AFP", 300.0, "nearly"), ("The Guardian", 350.0, "up to")}


def readme_snippets(text: str) -> dict[str, str]:
    """The fenced python block under each library's heading in the README's examples section."""
    start = text.index(f"\n{SECTION}\n")
    end = text.find("\n## ", start + len(SECTION) + 2)
    section = text[start : end if end != -1 else None]
    found = {}
    for part in re.split(r"\n### ", section)[1:]:
        heading, _, body = part.partition("\n")
        blocks = re.findall(r"```python\n(.*?)```", body, re.S)
        assert len(blocks) == 1, f"expected one python block under '### {heading}'"
        found[heading.strip()] = blocks[0]
    return found


@pytest.fixture(scope="module")
def materialized(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, dict]]:
    """A project-shaped folder (raw/, curated/) built by the pipeline from CORPUS, and each asset's metadata."""
    root = tmp_path_factory.mktemp("project")
    raw = root / "raw"
    raw.mkdir()
    for name, text in CORPUS.items():
        (raw / name).write_text(text, encoding="utf-8")
    roots = StorageRoots(raw_dir=str(raw), curated_dir=str(root / "curated"), dagster_home=str(root / "home"))
    modules = [ingest, parse, extract, publish]
    assets = [*dg.load_assets_from_modules(modules), *dg.load_asset_checks_from_modules(modules)]
    with dg.instance_for_test() as instance:
        result = dg.materialize(
            assets,
            resources={"roots": roots, "nlp": NlpModel(), "io_manager": PolarsParquetIOManager(roots=roots)},
            instance=instance,
            tags=ALL_SHARDS_TAGS,
        )
    assert result.success
    metadata = {
        e.asset_key.to_user_string(): dict(e.materialization.metadata) for e in result.get_asset_materialization_events()
    }
    return root, metadata


@pytest.fixture(scope="module")
def built(materialized: tuple[Path, dict[str, dict]]) -> Path:
    return materialized[0]


def test_readme_has_one_example_per_library() -> None:
    snippets = readme_snippets((REPO / "README.md").read_text(encoding="utf-8"))
    assert tuple(snippets) == LIBRARIES


def _run(snippet: str, cwd: Path, monkeypatch: pytest.MonkeyPatch) -> dict:
    monkeypatch.chdir(cwd)
    namespace: dict = {"__name__": "__readme__"}
    exec(compile(snippet, "README.md", "exec"), namespace)
    return namespace


def _as_polars(frame: object) -> pl.DataFrame:
    return frame if isinstance(frame, pl.DataFrame) else pl.from_pandas(frame)  # type: ignore[arg-type]


@pytest.mark.integration
@pytest.mark.parametrize("library", LIBRARIES)
def test_readme_example_runs_and_answers(library: str, built: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    snippet = readme_snippets((REPO / "README.md").read_text(encoding="utf-8"))[library]
    ns = _run(snippet, built, monkeypatch)
    people = _as_polars(ns["people"])
    troops = _as_polars(ns["troops"])
    # Macron is named by all three outlets; every listed person is named by at least two.
    macron = people.filter(pl.col("canonical_name") == "Emmanuel Macron")
    assert macron["outlets"].to_list() == [3]
    assert people["outlets"].min() >= 2  # type: ignore[operator]
    # Every numeric troop figure in the corpus, with its outlet and hedge; and nothing that is not about troops.
    numeric = troops.filter(pl.col("value").is_not_null())
    assert {(r["outlet"], r["value"], r["qualifier"]) for r in numeric.iter_rows(named=True)} == TROOP_CLAIMS
    assert troops["quantified"].str.contains("troop|soldier").all()


@pytest.mark.integration
def test_readme_examples_agree_across_libraries(built: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    snippets = readme_snippets((REPO / "README.md").read_text(encoding="utf-8"))
    answers = {}
    for library, snippet in snippets.items():
        ns = _run(snippet, built, monkeypatch)
        people = _as_polars(ns["people"]).select("canonical_name", pl.col("outlets").cast(pl.Int64)).sort("canonical_name")
        troops = _as_polars(ns["troops"]).select("outlet", "surface", "value").sort("outlet", "surface")
        answers[library] = (people.rows(), troops.rows())
    assert answers["pandas"] == answers["polars"] == answers["DuckDB"]


@pytest.mark.integration
def test_version_carries_card_plots_and_citation(built: Path) -> None:
    curated = built / "curated"
    version_dir = curated / (curated / "LATEST").read_text().strip()
    card = (version_dir / "README.md").read_text(encoding="utf-8")
    # The card names every column of every published file, table by table.
    for name in PUBLISHED_TABLES:
        schema = pl.read_parquet_schema(version_dir / f"{name}.parquet")
        section = card[card.index(f"### `{name}`") :]
        section = section[: section.find("\n### ", 5)]
        for column in schema:
            assert f"| `{column}`" in section, f"{name}.{column} missing from the card"
    for heading in ("## Summary", "## Sources", "## Collection and processing", "## Dataset structure",
                    "## Conventions", "## Measured quality", "## Limitations and known errors", "## Licence",
                    "## Citation", "## Changelog"):
        assert heading in card
    # Sources name the outlets and dates found in the articles.
    for outlet, date in (("Reuters", "2023-08-03"), ("AFP", "2023-08-04"), ("The Guardian", "2023-08-05")):
        assert re.search(rf"\| {re.escape(outlet)} \| 1 \| {date} \| {date} \| 0 \|", card)
    # The quarantined empty file is counted in the limitations.
    assert "Raw files not published as articles: 1 (empty: 1)" in card
    pngs = sorted(p.name for p in (version_dir / "plots").glob("*.png"))
    assert pngs == ["articles_timeline.png", "cross_source_claims.png", "mentions_by_type_and_outlet.png",
                    "top_entities.png"]
    for png in pngs:
        assert (version_dir / "plots" / png).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert f"(plots/{png})" in card
    version = version_dir.name
    assert f'version: "{version}"' in (version_dir / "CITATION.cff").read_text(encoding="utf-8")
    assert f"version      = {{{version}}}" in card


@pytest.mark.integration
def test_every_table_asset_shows_rows_schema_and_preview(materialized: tuple[Path, dict[str, dict]]) -> None:
    _, metadata = materialized
    tables = {name: md for name, md in metadata.items() if name != "published_version"}
    assert {"raw_articles", "articles", "mention_candidates", "mentions", "entities", "quantities"} <= set(tables)
    for name, md in tables.items():
        assert isinstance(md.get("dagster/row_count"), dg.IntMetadataValue), name
        schema = md.get("dagster/column_schema")
        assert isinstance(schema, dg.TableSchemaMetadataValue) and schema.schema.columns, name
        assert all(c.description for c in schema.schema.columns), f"{name}: a column without description"
        assert isinstance(md.get("preview"), dg.MarkdownMetadataValue), name


@pytest.mark.integration
def test_published_version_shows_version_card_and_plots(materialized: tuple[Path, dict[str, dict]]) -> None:
    root, metadata = materialized
    md = metadata["published_version"]
    version = (root / "curated" / "LATEST").read_text().strip()
    assert md["version"].value == version
    assert md["card"].value.startswith("# ") and f"version {version}" in md["card"].value.splitlines()[0]
    assert md["plots"].value.count("](data:image/png;base64,") == 4
    assert "| mentions |" in md["summary"].value
