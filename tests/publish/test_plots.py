"""Plots: the numbers behind each picture, and no crash on empty or partial tables."""

import datetime as dt
from pathlib import Path

import polars as pl
import pytest

from contracts import PUBLISHED_TABLES
from dagster_project.publish import plots
from dagster_project.publish.schema import empty_frame
from dagster_project.runtime.progress import default_every, progress_message, with_progress


def _tables() -> dict[str, pl.DataFrame]:
    articles = pl.DataFrame(
        {
            "article_id": ["a1", "a2", "a3", "a4"],
            "outlet": ["Reuters", "AFP", "AFP", None],
            "published_date": [dt.date(2023, 8, 3), dt.date(2023, 8, 4), dt.date(2023, 8, 4), None],
        }
    )
    mentions = pl.DataFrame(
        {
            "mention_id": ["m1", "m2", "m3", "m4", "m5", "m6", "m7"],
            "article_id": ["a1", "a2", "a3", "a1", "a2", "a4", "a4"],
            "mention_type": ["person", "person", "person", "quantity", "quantity", "quantity", "aircraft"],
            "surface": ["Macron", "Macron", "Lecornu", "about 300", "nearly 300", "dozens", "A400M"],
            "entity_id": ["person:macron", "person:macron", "person:lecornu", None, None, None, "aircraft:a400m"],
        }
    )
    entities = pl.DataFrame(
        {
            "entity_id": ["person:macron", "person:lecornu", "aircraft:a400m"],
            "entity_type": ["person", "person", "aircraft"],
            "canonical_name": ["Emmanuel Macron", "Sébastien Lecornu", "Airbus A400M"],
        }
    )
    quantities = pl.DataFrame(
        {
            "mention_id": ["m4", "m5", "m6"],
            "value": [300.0, 300.0, None],
            "unit": ["count", "count", "count"],
            "quantified": ["troops", "troops", "troops"],
            "qualifier": ["about", "nearly", None],
        }
    )
    return {"articles": articles, "mentions": mentions, "entities": entities, "quantities": quantities}


def test_mentions_by_outlet_counts_unknown_outlets_too() -> None:
    counts = {(o, t): n for o, t, n in plots.mentions_by_outlet(_tables()).iter_rows()}
    assert counts == {
        ("AFP", "person"): 2,
        ("AFP", "quantity"): 1,
        ("Reuters", "person"): 1,
        ("Reuters", "quantity"): 1,
        (plots.UNKNOWN_OUTLET, "aircraft"): 1,
        (plots.UNKNOWN_OUTLET, "quantity"): 1,
    }


def test_top_entities_counts_mentions_and_outlets() -> None:
    top = plots.top_entities(_tables())
    assert top.rows() == [
        ("aircraft", "Airbus A400M", 1, 0),  # its only article has no outlet
        ("person", "Emmanuel Macron", 2, 2),
        ("person", "Sébastien Lecornu", 1, 1),
    ]


def test_claims_are_derived_from_quantities_without_a_claims_table() -> None:
    rows = plots.claim_rows(_tables())
    assert rows.select("fact", "outlet", "value", "hedge").rows() == [
        ("troops (count)", plots.UNKNOWN_OUTLET, None, None),
        ("troops (count)", "AFP", 300.0, "nearly"),
        ("troops (count)", "Reuters", 300.0, "about"),
    ]
    assert plots.cross_source_facts(rows) == ["troops (count)"]


def test_claims_table_is_used_when_present() -> None:
    tables = _tables()
    # The claims table names the fact differently from the raw counted noun: its subject must win.
    tables["claims"] = pl.DataFrame(
        {"claim_id": ["c1", "c1"], "mention_id": ["m4", "m5"], "subject": ["troops landed", "troops landed"],
         "unit": ["count", "count"]}
    )
    rows = plots.claim_rows(tables)
    assert rows.select("fact", "outlet", "value", "hedge").rows() == [
        ("troops landed (count)", "AFP", 300.0, "nearly"),
        ("troops landed (count)", "Reuters", 300.0, "about"),
    ]


def test_claims_table_linked_through_a_member_table() -> None:
    tables = _tables()
    tables["claims"] = pl.DataFrame({"claim_id": ["c1"], "subject": ["deployment"], "unit": ["count"]})
    tables["claim_members"] = pl.DataFrame({"claim_id": ["c1", "c1"], "mention_id": ["m4", "m5"]})
    rows = plots.claim_rows(tables)
    assert set(rows["fact"]) == {"deployment (count)"} and rows.height == 2


def test_facts_reported_by_more_outlets_come_first() -> None:
    claims = pl.DataFrame(
        {
            "fact": ["a (count)", "b (count)", "b (count)", "c (count)", "c (count)", "c (count)"],
            "outlet": ["X", "X", "Y", "X", "X", "X"],
        }
    )
    assert plots.cross_source_facts(claims) == ["b (count)"]
    assert plots.cross_source_facts(claims.filter(pl.col("fact") != "b (count)")) == ["c (count)", "a (count)"]


@pytest.mark.parametrize(
    "tables",
    [
        {},
        {n: empty_frame(c.model) for n, c in PUBLISHED_TABLES.items()},
        {"articles": pl.DataFrame({"article_id": ["a"], "published_date": [None]}, schema={"article_id": pl.String, "published_date": pl.Date})},
        {"mentions": pl.DataFrame({"mention_id": ["m"], "article_id": ["a"], "mention_type": ["place"]})},
    ],
    ids=["no-tables", "empty-tables", "undated-article", "mentions-without-articles"],
)
def test_every_plot_is_written_for_empty_or_partial_tables(tables: dict, tmp_path: Path) -> None:
    written = plots.write_plots(tables, tmp_path / "plots")
    assert [p.path for p in written] == [f"plots/{p.filename}" for p in plots.PLOTS]
    for p in written:
        assert (tmp_path / p.path).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_plots_are_reproducible(tmp_path: Path) -> None:
    plots.write_plots(_tables(), tmp_path / "one")
    plots.write_plots(_tables(), tmp_path / "two")
    for name in (p.filename for p in plots.PLOTS):
        assert (tmp_path / "one" / name).read_bytes() == (tmp_path / "two" / name).read_bytes()


@pytest.mark.parametrize(
    ("done", "total", "elapsed", "expected"),
    [
        (120, 1000, 4.0, "extract: 120/1,000 articles (12%), 30.0/s, about 30 s left"),
        (1000, 1000, 10.0, "extract: 1,000/1,000 articles (100%), 100.0/s"),
        (0, 0, 0.0, "extract: 0/0 articles"),
    ],
)
def test_progress_message(done: int, total: int, elapsed: float, expected: str) -> None:
    assert progress_message("extract", done, total, elapsed) == expected


@pytest.mark.parametrize(("total", "every"), [(0, 1), (6, 1), (95, 10), (100_000, 500)])
def test_progress_every(total: int, every: int) -> None:
    assert default_every(total) == every


def test_unknown_outlets_do_not_count_as_outlets() -> None:
    tables = _tables()
    tables["mentions"] = tables["mentions"].with_columns(
        pl.when(pl.col("mention_id") == "m7").then(pl.lit("person:macron")).otherwise(pl.col("entity_id")).alias("entity_id"),
        pl.when(pl.col("mention_id") == "m7").then(pl.lit("person")).otherwise(pl.col("mention_type")).alias("mention_type"),
    )
    macron = plots.top_entities(tables).filter(pl.col("canonical_name") == "Emmanuel Macron")
    assert macron.select("mentions", "outlets").row(0) == (3, 2)
    claims = pl.DataFrame({"fact": ["a (count)", "a (count)"], "outlet": [plots.UNKNOWN_OUTLET, "X"]})
    # One named outlet only: not a cross-source fact, but still shown when nothing else is.
    assert plots.cross_source_facts(claims) == ["a (count)"]
    assert plots._claim_note(claims.with_columns(value=pl.lit(2.0))) == "2 reports, 1 named outlet, all 2"


def test_claims_with_a_claim_values_table() -> None:
    """The shape the claims helper publishes: claims (one row per claim) + claim_values (one per article)."""
    tables = _tables()
    tables["claims"] = pl.DataFrame({"claim_id": ["c1"], "subject": ["troops"], "unit": ["count"], "agree": [True],
                                     "n_outlets": [2]})
    tables["claim_values"] = pl.DataFrame(
        {"claim_id": ["c1", "c1", "c1"], "article_id": ["a1", "a2", "a3"], "mention_id": ["m4", "m5", "m5"],
         "outlet": ["Reuters", "AFP", "AFP"], "value": [300.0, 300.0, 300.0], "qualifier": ["about", "nearly", "nearly"],
         "quantified": ["troops", "soldiers", "soldiers"], "counted": [True, True, False]}
    )
    rows = plots.claim_rows(tables)
    assert rows.select("fact", "outlet", "value", "hedge", "agree", "counted").rows() == [
        ("troops (count)", "AFP", 300.0, "nearly", True, True),
        ("troops (count)", "AFP", 300.0, "nearly", True, False),
        ("troops (count)", "Reuters", 300.0, "about", True, True),
    ]
    assert plots._claim_note(rows) == (
        "3 reports, 2 named outlets, all 300; the hedged values agree; 1 syndicated copy (hollow)"
    )
    plots.plot_cross_source_claims(tables)


def test_outlets_beyond_the_limit_are_summed_into_one_row() -> None:
    articles = pl.DataFrame({"article_id": [f"a{i}" for i in range(30)], "outlet": [f"O{i:02d}" for i in range(30)]})
    mentions = pl.DataFrame(
        {"mention_id": [f"m{i}" for i in range(60)], "article_id": [f"a{i % 30}" for i in range(60)],
         "mention_type": ["place"] * 60}
    ).vstack(pl.DataFrame({"mention_id": ["x"], "article_id": ["a7"], "mention_type": ["person"]}))
    counts = plots.mentions_by_outlet({"articles": articles, "mentions": mentions}, limit=5)
    assert counts["outlet"].n_unique() == 5
    assert counts.filter(pl.col("outlet") == "O07").rows() == [("O07", "person", 1), ("O07", "place", 2)]
    # Kept: O07 (3 mentions) and the first three of the outlets tied at 2, by name; 26 outlets summed.
    assert sorted(counts["outlet"].unique()) == sorted(["O07", "O00", "O01", "O02", plots.OTHER_OUTLETS])
    assert counts.filter(pl.col("outlet") == plots.OTHER_OUTLETS)["n"].sum() == 61 - 3 - 3 * 2
    assert counts["n"].sum() == 61


def test_claims_far_apart_get_a_log_axis() -> None:
    tables = _tables()
    tables["quantities"] = tables["quantities"].with_columns(
        pl.when(pl.col("mention_id") == "m5").then(3_000_000.0).otherwise(pl.col("value")).alias("value"))
    fig = plots.plot_cross_source_claims(tables)
    assert fig.axes[0].get_xscale() == "log"
    assert plots.plot_cross_source_claims(_tables()).axes[0].get_xscale() == "linear"


@pytest.mark.parametrize(
    ("total", "every", "items", "expected"),
    [
        # The fake clock ticks once per reading (start = 0), so elapsed seconds count the reports.
        (5, 2, 5, [(2, 1.0), (4, 2.0), (5, 3.0)]),
        (4, 2, 4, [(2, 1.0), (4, 2.0)]),
        # Fewer items than announced: the last count is still reported.
        (10, 4, 5, [(4, 1.0), (5, 2.0)]),
        (0, None, 0, []),
    ],
)
def test_with_progress_reports_every_n_and_at_the_end(total: int, every: int | None, items: int, expected: list) -> None:
    ticks = iter(range(100))
    seen: list[tuple[int, float]] = []
    out = list(with_progress(range(items), total, lambda d, s: seen.append((d, s)), every, clock=lambda: float(next(ticks))))
    assert out == list(range(items))
    assert seen == expected


def test_claims_plot_says_when_facts_are_derived() -> None:
    derived = plots.plot_cross_source_claims(_tables())
    assert "not event-aware" in derived.get_suptitle()
    tables = _tables()
    tables["claims"] = pl.DataFrame({"claim_id": ["c1", "c1"], "mention_id": ["m4", "m5"], "subject": ["troops"] * 2})
    assert plots.uses_claims_table(tables)
    assert "not event-aware" not in plots.plot_cross_source_claims(tables).get_suptitle()


def test_each_plot_reads_published_tables_only() -> None:
    # A plot is drawn ahead once the tables in its reads are final; a name that is no published table never is.
    for plot in plots.PLOTS:
        assert plot.reads and set(plot.reads) <= set(PUBLISHED_TABLES), plot.filename
    assert len({p.filename for p in plots.PLOTS}) == len(plots.PLOTS)


def test_write_plots_draws_only_the_names_asked_for(tmp_path: Path) -> None:
    group = ("top_entities.png", "articles_timeline.png")
    written = plots.write_plots({}, tmp_path, names=group)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(group)
    assert [f.path for f in written] == [f"plots/{p.filename}" for p in plots.PLOTS if p.filename in group]


def test_in_published_order_matches_the_publisher() -> None:
    from dagster_project.publish.ordering import in_published_order
    from dagster_project.publish.version import canonical, canonical_layout

    df = pl.DataFrame({"extra": [1, 2, 3], "mention_id": ["m3", "m1", "m2"], "article_id": ["a", "a", "b"]})
    for name in ("mentions", "articles"):
        assert in_published_order(df, *canonical_layout(name)).equals(canonical(name, df))
    assert in_published_order(df, ["article_id"], ["mention_id"])["mention_id"].to_list() == ["m1", "m2", "m3"]
    assert in_published_order(df, ["article_id"], ["mention_id"]).columns == ["article_id", "extra", "mention_id"]


def _tables_with_claims() -> dict[str, pl.DataFrame]:
    """Every table some plot reads, claims linked through claim_values."""
    tables = _tables()
    tables["claims"] = pl.DataFrame({"claim_id": ["c1"], "subject": ["deployment"], "unit": ["count"], "agree": [True]})
    tables["claim_values"] = pl.DataFrame({
        "claim_id": ["c1", "c1"], "article_id": ["a1", "a2"], "mention_id": ["m4", "m5"],
        "outlet": ["Reuters", "AFP"], "value": [300.0, 310.0], "qualifier": ["about", "nearly"],
        "counted": [True, True],
    })
    return tables


@pytest.mark.parametrize("plot", plots.PLOTS, ids=lambda p: p.filename)
def test_a_plot_reads_only_the_tables_it_declares(plot: plots.Plot) -> None:
    # draw_png hands a plot only its declared tables: one it read without declaring would change the picture.
    tables = _tables_with_claims()
    assert plots.draw_png(plot, tables) == plots.png_bytes(plot.draw(tables))
    assert plots.draw_png(plot, tables) != plots.draw_png(plot, {})  # the fixture gives each plot something to draw
