"""Plots drawn by the helper as soon as their tables are final (runtime/plots_ahead.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import polars as pl
import pytest

from contracts import Mentions
from dagster_project.assets._tables import checked
from dagster_project.publish import plots
from dagster_project.publish.schema import empty_frame
from dagster_project.runtime import background, plots_ahead
from tests.publish.test_plots import _tables as plot_tables


def _tables() -> dict[str, pl.DataFrame]:
    """Every table some plot reads (test_plots' tables, with article texts), claims linked through claim_values."""
    tables = plot_tables()
    tables["articles"] = tables["articles"].with_columns(text=pl.Series(["w", "x", "y", "z"]))
    tables["claims"] = pl.DataFrame({"claim_id": ["c1"], "subject": ["deployment"], "unit": ["count"], "agree": [True]})
    tables["claim_values"] = pl.DataFrame({
        "claim_id": ["c1", "c1"], "article_id": ["a1", "a2"], "mention_id": ["m4", "m5"],
        "outlet": ["Reuters", "AFP"], "value": [300.0, 310.0], "qualifier": ["about", "nearly"],
        "counted": [True, True],
    })
    return tables


def _published(tables: dict[str, pl.DataFrame], tmp_path: Path) -> dict[str, bytes]:
    """Each plot as the publisher draws it without a helper."""
    plots.write_plots(tables, tmp_path / "here")
    return {p.filename: (tmp_path / "here" / p.filename).read_bytes() for p in plots.PLOTS}


@pytest.fixture
def helper() -> Iterator[None]:
    assert plots_ahead.start_plot_helpers(4)  # what a build that extracted new articles does
    try:
        yield
    finally:
        plots_ahead.reset()  # nothing offered here outlives the test
        background.shutdown()


@pytest.mark.parametrize("plot", plots.PLOTS, ids=lambda p: p.filename)
def test_a_plot_reads_only_the_tables_it_declares(plot: plots.Plot) -> None:
    # Drawn ahead, a plot is given only its declared tables: one it read without declaring would change the picture.
    tables = _tables()
    assert plots.draw_png(plot, tables) == plots.png_bytes(plot.draw(tables))
    assert plots.draw_png(plot, tables) != plots.draw_png(plot, {})  # the fixture gives each plot something to draw


def test_plots_start_as_soon_as_their_tables_are_offered(helper: None, tmp_path: Path) -> None:
    tables = _tables()
    plots_ahead.offer_tables({"articles": tables["articles"]})
    early = plots_ahead._EARLY
    assert early is not None and set(early.drawing) == {"articles_timeline.png"}
    plots_ahead.offer_tables({"mentions": tables["mentions"], "entities": tables["entities"]})
    assert set(early.drawing) == {"articles_timeline.png", "mentions_by_type_and_outlet.png", "top_entities.png"}
    plots_ahead.offer_tables({k: tables[k] for k in ("quantities", "claims", "claim_values")})
    assert set(early.drawing) == {p.filename for p in plots.PLOTS}

    ahead = plots_ahead.draw_plots_ahead(tables)
    assert ahead is not None and ahead.early == len(plots.PLOTS)
    assert {f.path.removeprefix("plots/"): png for f, png in ahead.wait()} == _published(tables, tmp_path)
    assert plots_ahead._EARLY is None  # consumed by the publisher


def test_a_table_changed_after_it_was_offered_is_drawn_again(helper: None, tmp_path: Path) -> None:
    offered = _tables()
    plots_ahead.offer_tables(offered)
    published = {**offered, "entities": offered["entities"].with_columns(canonical_name=pl.col("canonical_name").str.to_uppercase())}
    ahead = plots_ahead.draw_plots_ahead(published)
    assert ahead is not None
    assert ahead.early == sum("entities" not in p.reads for p in plots.PLOTS)
    drawn = {f.path.removeprefix("plots/"): png for f, png in ahead.wait()}
    assert drawn == _published(published, tmp_path)
    assert drawn["top_entities.png"] != plots.draw_png(plots.plot_named("top_entities.png"), offered)


def test_columns_the_plots_never_read_do_not_make_a_table_differ(helper: None) -> None:
    offered = _tables()
    plots_ahead.offer_tables({name: df.with_columns(offset_map=pl.lit("working column")) for name, df in offered.items()})
    published = {**offered, "articles": offered["articles"].with_columns(text=pl.lit("another text"))}
    ahead = plots_ahead.draw_plots_ahead(published)
    assert ahead is not None and ahead.early == len(plots.PLOTS)
    ahead.wait()


def test_reset_forgets_what_was_offered(helper: None) -> None:
    plots_ahead.offer_tables(_tables())
    assert plots_ahead._EARLY is not None and plots_ahead._EARLY.drawing
    plots_ahead.reset()
    assert plots_ahead._EARLY is None
    ahead = plots_ahead.draw_plots_ahead(_tables())  # the helper is still there: everything is drawn now
    assert ahead is not None and ahead.early == 0
    ahead.wait()


def test_nothing_is_kept_without_a_helper() -> None:
    plots_ahead.reset()
    plots_ahead.offer_tables(_tables())
    assert plots_ahead._EARLY is None
    assert plots_ahead.draw_plots_ahead(_tables()) is None  # the publisher draws the plots itself


def test_a_large_corpus_gets_no_helper() -> None:
    assert not plots_ahead.start_plot_helpers(plots_ahead.PLOT_HELPERS_MAX_ARTICLES + 1)
    assert not background.running() and plots_ahead._EARLY is None


def test_only_a_table_that_passed_its_contract_is_offered(helper: None) -> None:
    bad = pl.DataFrame({"mention_id": ["m1"]})  # most of the contract's columns missing
    list(checked("mentions", bad, Mentions, {}))
    early = plots_ahead._EARLY
    assert early is not None and "mentions" not in early.tables
    list(checked("articles", _tables()["articles"], Mentions, {}))  # not what the contract of mentions allows
    assert "articles" not in early.tables
    list(checked("mentions", empty_frame(Mentions), Mentions, {}))  # an empty table satisfies it
    assert "mentions" in early.tables
