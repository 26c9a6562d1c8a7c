"""Pictures of a published version, drawn with matplotlib's Agg canvas (no display, no pyplot state).

Each ``plot_*`` function takes the published tables and returns a ``Figure``; every one of them
draws a labelled "no data" panel instead of failing when its tables are empty or lack a column.
``write_plots`` saves them all as PNG files and returns what the card needs to show them.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl

if TYPE_CHECKING:  # matplotlib is imported when a picture is drawn: a build that publishes nothing never needs it
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

UNKNOWN_OUTLET = "(unknown outlet)"
OTHER_OUTLETS = "(other outlets)"
# Outlets drawn one per row; the rest are summed into one row so a big corpus still gives a readable picture.
MAX_OUTLETS = 25
NO_HEDGE = "exact (no hedge)"
# Preferred order of mention types in legends; types not listed follow alphabetically.
TYPE_ORDER = ("person", "aircraft", "place", "quantity")
_COLORS = ("#4477AA", "#EE6677", "#228833", "#CCBB44", "#66CCEE", "#AA3377", "#BBBBBB")
_MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*")
_DPI = 110

CLAIM_COLUMNS = {
    "fact": pl.String(),
    "outlet": pl.String(),
    "article_id": pl.String(),
    "value": pl.Float64(),
    "unit": pl.String(),
    "hedge": pl.String(),
    "surface": pl.String(),
    # From a claims table only (null when claims are derived): do the outlets' values agree, and
    # is this report counted (false for a syndicated copy of another report in the claim)?
    "agree": pl.Boolean(),
    "counted": pl.Boolean(),
}


@dataclass(frozen=True)
class PlotFile:
    """A written picture: its path relative to the version folder, a title and alt text."""

    path: str
    title: str
    alt: str


def _new_figure(width: float, height: float) -> Figure:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), dpi=_DPI, layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def _no_data(fig: Figure, title: str, message: str) -> Figure:
    ax = fig.add_subplot()
    ax.set_axis_off()
    ax.set_title(title)
    ax.text(0.5, 0.5, message, ha="center", va="center", fontsize=12, color="#555555", transform=ax.transAxes)
    return fig


def _has(tables: Mapping[str, pl.DataFrame], table: str, *cols: str) -> bool:
    df = tables.get(table)
    return df is not None and df.height > 0 and all(c in df.columns for c in cols)


def _outlets(tables: Mapping[str, pl.DataFrame]) -> pl.DataFrame:
    """article_id -> outlet, with unknown outlets labelled rather than dropped."""
    arts = tables.get("articles")
    if arts is None or "article_id" not in arts.columns:
        return pl.DataFrame(schema={"article_id": pl.String(), "outlet": pl.String()})
    outlet = pl.col("outlet").fill_null(UNKNOWN_OUTLET) if "outlet" in arts.columns else pl.lit(UNKNOWN_OUTLET)
    return arts.select("article_id", outlet.cast(pl.String).alias("outlet")).unique("article_id")


def _named_outlets() -> pl.Expr:
    """Distinct outlets, not counting the unknown-outlet label: two unknown outlets may be one."""
    return pl.col("outlet").filter(pl.col("outlet") != UNKNOWN_OUTLET).n_unique().cast(pl.UInt32)


def _type_order(types: Sequence[str]) -> list[str]:
    known = [t for t in TYPE_ORDER if t in types]
    return known + sorted(t for t in types if t not in TYPE_ORDER)


def cap_outlets(df: pl.DataFrame, weight: str | None = None, limit: int = MAX_OUTLETS) -> pl.DataFrame:
    """Keep the ``limit`` outlets with the most rows (or most ``weight``); relabel the rest as other outlets."""
    if df.height == 0 or df["outlet"].n_unique() <= limit:
        return df
    size = pl.col(weight).sum() if weight else pl.len()
    ranked = df.group_by("outlet").agg(size.alias("_size")).sort(["_size", "outlet"], descending=[True, False])
    keep = ranked.head(limit - 1)["outlet"]
    return df.with_columns(pl.when(pl.col("outlet").is_in(keep.implode())).then(pl.col("outlet"))
                           .otherwise(pl.lit(OTHER_OUTLETS)).alias("outlet"))


def mentions_by_outlet(tables: Mapping[str, pl.DataFrame], limit: int = MAX_OUTLETS) -> pl.DataFrame:
    """Counts of mentions per outlet and mention type (long format); outlets beyond ``limit`` summed."""
    if not _has(tables, "mentions", "article_id", "mention_type"):
        return pl.DataFrame(schema={"outlet": pl.String(), "mention_type": pl.String(), "n": pl.UInt32()})
    joined = (
        tables["mentions"]
        .select("article_id", "mention_type")
        .join(_outlets(tables), on="article_id", how="left")
        .with_columns(pl.col("outlet").fill_null(UNKNOWN_OUTLET))
    )
    return (
        cap_outlets(joined.select("outlet", "mention_type"), limit=limit)
        .group_by("outlet", "mention_type")
        .agg(pl.len().alias("n"))
        .sort("outlet", "mention_type")
    )


def plot_mentions_by_type_and_outlet(tables: Mapping[str, pl.DataFrame]) -> Figure:
    counts = mentions_by_outlet(tables)
    title = "Mentions by type and outlet"
    if counts.height == 0:
        return _no_data(_new_figure(8, 3), title, "no mentions in this version")
    outlets = (
        counts.group_by("outlet").agg(pl.col("n").sum()).sort(["n", "outlet"], descending=[False, True])["outlet"].to_list()
    )
    types = _type_order(counts["mention_type"].unique().to_list())
    fig = _new_figure(9, max(2.5, 0.45 * len(outlets) + 1.5))
    ax = fig.add_subplot()
    left = [0] * len(outlets)
    lookup = {(o, t): n for o, t, n in counts.iter_rows()}
    for i, mtype in enumerate(types):
        widths = [lookup.get((o, mtype), 0) for o in outlets]
        ax.barh(outlets, widths, left=left, color=_COLORS[i % len(_COLORS)], label=mtype)
        left = [a + b for a, b in zip(left, widths, strict=True)]
    for y, total in enumerate(left):
        ax.text(total, y, f" {total}", va="center", fontsize=9)
    ax.set_xlabel("mentions")
    ax.set_title(title)
    ax.legend(title="mention type", loc="lower right", fontsize=8)
    ax.margins(x=0.08)
    return fig


def top_entities(tables: Mapping[str, pl.DataFrame], limit: int = 10) -> pl.DataFrame:
    """Most-mentioned canonical entities per entity type, with how many outlets mention each."""
    empty = pl.DataFrame(
        schema={"entity_type": pl.String(), "canonical_name": pl.String(), "mentions": pl.UInt32(), "outlets": pl.UInt32()}
    )
    if not (_has(tables, "mentions", "entity_id", "article_id") and _has(tables, "entities", "entity_id")):
        return empty
    ents = tables["entities"]
    name = pl.col("canonical_name") if "canonical_name" in ents.columns else pl.col("entity_id")
    etype = pl.col("entity_type") if "entity_type" in ents.columns else pl.col("entity_id").str.split(":").list.first()
    return (
        tables["mentions"]
        .select("article_id", "entity_id")  # the two columns read: joined whole, 625,000 mentions took ~0.2 GB
        .filter(pl.col("entity_id").is_not_null())
        .join(_outlets(tables), on="article_id", how="left")
        .join(ents.select("entity_id", name.alias("canonical_name"), etype.alias("entity_type")), on="entity_id")
        .group_by("entity_type", "entity_id", "canonical_name")
        .agg(pl.len().alias("mentions"), _named_outlets().alias("outlets"))
        .sort(["entity_type", "mentions", "outlets", "canonical_name"], descending=[False, True, True, False])
        .group_by("entity_type", maintain_order=True)
        .head(limit)
        .select("entity_type", "canonical_name", "mentions", "outlets")
    )


def plot_top_entities(tables: Mapping[str, pl.DataFrame], limit: int = 10) -> Figure:
    top = top_entities(tables, limit)
    title = "Most mentioned people, aircraft and places"
    if top.height == 0:
        return _no_data(_new_figure(8, 3), title, "no resolved entities in this version")
    types = _type_order(top["entity_type"].unique().to_list())
    rows = max(top.group_by("entity_type").len()["len"].to_list())
    fig = _new_figure(5 * len(types), max(3.0, 0.4 * rows + 1.5))
    fig.suptitle(title)
    for i, etype in enumerate(types):
        ax = fig.add_subplot(1, len(types), i + 1)
        sub = top.filter(pl.col("entity_type") == etype).reverse()
        names = [n if len(n) <= 28 else n[:27] + "…" for n in sub["canonical_name"].to_list()]
        ax.barh(range(sub.height), sub["mentions"].to_list(), color=_COLORS[TYPE_ORDER.index(etype) if etype in TYPE_ORDER else -1])
        ax.set_yticks(range(sub.height), names, fontsize=8)
        for y, (m, o) in enumerate(zip(sub["mentions"].to_list(), sub["outlets"].to_list(), strict=True)):
            ax.text(m, y, f" {m} · {o} outlet{'s' if o != 1 else ''}", va="center", fontsize=7)
        ax.set_title(etype)
        ax.set_xlabel("mentions (· named outlets)")
        ax.margins(x=0.45)
    return fig


def uses_claims_table(tables: Mapping[str, pl.DataFrame]) -> bool:
    """Whether ``claim_rows`` reads a published claims table (else it derives facts from quantities)."""
    claims = tables.get("claims")
    return claims is not None and claims.height > 0 and _claims_via_mentions(tables, claims) is not None


def claim_rows(tables: Mapping[str, pl.DataFrame]) -> pl.DataFrame:
    """One row per reported value of a fact: fact label, outlet, value, unit and hedge.

    Uses the ``claims`` table when the version has one that links to quantity mentions (a
    ``mention_id`` column, directly or through a ``claim_*`` link table); otherwise groups the
    quantities by counted noun and unit, which is what a claim is before claims are resolved.
    """
    claims = tables.get("claims")
    if claims is not None and claims.height:
        linked = _claims_via_mentions(tables, claims)
        if linked is not None:
            return linked
    return _derived_claims(tables)


def _label_column(df: pl.DataFrame) -> str | None:
    return next((c for c in ("subject", "claim_subject", "quantified", "label", "fact") if c in df.columns), None)


def _claims_via_mentions(tables: Mapping[str, pl.DataFrame], claims: pl.DataFrame) -> pl.DataFrame | None:
    members = claims
    if "mention_id" not in claims.columns:
        link = next(
            (
                df
                for name, df in tables.items()
                if name.startswith("claim") and name != "claims" and {"claim_id", "mention_id"} <= set(df.columns)
            ),
            None,
        )
        if link is None or "claim_id" not in claims.columns:
            return None
        members = link.join(claims.drop([c for c in claims.columns if c in link.columns and c != "claim_id"]), on="claim_id")
    label = _label_column(members)
    quantities = tables.get("quantities", pl.DataFrame(schema={"mention_id": pl.String()}))
    extra = [c for c in ("value", "unit", "qualifier", "quantified") if c in quantities.columns and c not in members.columns]
    rows = members.join(quantities.select("mention_id", *extra), on="mention_id", how="left")
    if label is None:
        label = "quantified" if "quantified" in rows.columns else None
    if "article_id" not in rows.columns and _has(tables, "mentions", "mention_id", "article_id"):
        rows = rows.join(tables["mentions"].select("mention_id", "article_id"), on="mention_id", how="left")
    return _finish_claims(tables, rows, label)


def _derived_claims(tables: Mapping[str, pl.DataFrame]) -> pl.DataFrame:
    if not (_has(tables, "quantities", "mention_id", "quantified") and _has(tables, "mentions", "mention_id", "article_id")):
        return pl.DataFrame(schema=CLAIM_COLUMNS)
    rows = tables["quantities"].filter(pl.col("quantified").is_not_null())
    return _finish_claims(tables, rows.join(tables["mentions"].select("mention_id", "article_id"), on="mention_id"), "quantified")


def _finish_claims(tables: Mapping[str, pl.DataFrame], rows: pl.DataFrame, label: str | None) -> pl.DataFrame:
    if label is None or "article_id" not in rows.columns:
        return pl.DataFrame(schema=CLAIM_COLUMNS)
    if "surface" not in rows.columns and _has(tables, "mentions", "mention_id", "surface") and "mention_id" in rows.columns:
        rows = rows.join(tables["mentions"].select("mention_id", "surface"), on="mention_id", how="left")
    hedge = next((c for c in ("hedge", "qualifier") if c in rows.columns), None)
    unit = pl.col("unit").cast(pl.String) if "unit" in rows.columns else pl.lit(None, pl.String)
    if "outlet" not in rows.columns:
        rows = rows.join(_outlets(tables), on="article_id", how="left")

    def optional(name: str, dtype: pl.DataType) -> pl.Expr:
        return (pl.col(name) if name in rows.columns else pl.lit(None)).cast(dtype).alias(name)

    out = rows.select(
        pl.format("{} ({})", pl.col(label).cast(pl.String), unit.fill_null("?")).alias("fact"),
        pl.col("outlet").fill_null(UNKNOWN_OUTLET),
        pl.col("article_id").cast(pl.String),
        (pl.col("value") if "value" in rows.columns else pl.lit(None)).cast(pl.Float64).alias("value"),
        unit.alias("unit"),
        (pl.col(hedge).cast(pl.String) if hedge else pl.lit(None, pl.String)).alias("hedge"),
        (pl.col("surface").cast(pl.String) if "surface" in rows.columns else pl.lit(None, pl.String)).alias("surface"),
        optional("agree", pl.Boolean()),
        optional("counted", pl.Boolean()),
    )
    return out.filter(pl.col("fact").is_not_null()).sort(
        ["fact", "outlet", "value", "counted"], descending=[False, False, False, True], nulls_last=True,
        maintain_order=True,
    )


def cross_source_facts(claims: pl.DataFrame, limit: int = 8) -> list[str]:
    """Facts reported by the most outlets (then the most reports): those first, at most ``limit``."""
    if claims.height == 0:
        return []
    ranked = (
        claims.group_by("fact")
        .agg(_named_outlets().alias("outlets"), pl.len().alias("reports"))
        .sort(["outlets", "reports", "fact"], descending=[True, True, False])
    )
    multi = ranked.filter(pl.col("outlets") >= 2)
    return (multi if multi.height else ranked).head(limit)["fact"].to_list()


def _fmt(v: float) -> str:
    return f"{v:,.0f}" if float(v).is_integer() else f"{v:,.2f}"


def _claim_note(rows: pl.DataFrame) -> str:
    """'5 reports, 3 outlets, all 100' or '..., 90 to 120', plus vague reports."""
    n_out = rows.select(_named_outlets()).item()
    note = f"{rows.height} report{'s' if rows.height != 1 else ''}, {n_out} named outlet{'s' if n_out != 1 else ''}"
    values = rows["value"].drop_nulls()
    if values.len():
        lo, hi = float(values.min()), float(values.max())  # type: ignore[arg-type]
        note += f", all {_fmt(lo)}" if lo == hi else f", {_fmt(lo)} to {_fmt(hi)}"
    vague = rows.height - values.len()
    if vague:
        note += f", {vague} vague (no value)"
    agree = rows["agree"].drop_nulls().unique().to_list() if "agree" in rows.columns else []
    if agree == [True]:
        note += "; the hedged values agree"
    elif agree == [False]:
        note += "; the values disagree"
    copies = rows.filter(pl.col("counted").eq(False)).height if "counted" in rows.columns else 0
    if copies:
        note += f"; {copies} syndicated cop{'y' if copies == 1 else 'ies'} (hollow)"
    return note


def plot_cross_source_claims(tables: Mapping[str, pl.DataFrame], limit: int = 8) -> Figure:
    claims = claim_rows(tables)
    facts = cross_source_facts(claims, limit)
    title = "The same fact across outlets: reported value and hedge"
    if not facts:
        return _no_data(_new_figure(8, 3), title, "no quantities with a counted noun in this version")
    sub = claims.filter(pl.col("fact").is_in(facts)).with_columns(pl.col("hedge").fill_null(NO_HEDGE))
    hedges = sorted(sub["hedge"].unique().to_list(), key=lambda h: (h != NO_HEDGE, h))
    marker = {h: _MARKERS[i % len(_MARKERS)] for i, h in enumerate(hedges)}
    color = {h: _COLORS[i % len(_COLORS)] for i, h in enumerate(hedges)}
    heights = [max(1, sub.filter(pl.col("fact") == f)["outlet"].n_unique()) for f in facts]
    fig = _new_figure(10, max(3.0, 0.32 * sum(heights) + 0.75 * len(facts) + 1))
    if not uses_claims_table(tables):
        # Without resolved claims, reports of different events that count the same noun share a panel.
        title += "\n(grouped by counted noun and unit only: not event-aware; no claims table in this version)"
    fig.suptitle(title)
    grid = fig.add_gridspec(len(facts), 1, height_ratios=heights)
    for i, fact in enumerate(facts):
        ax = fig.add_subplot(grid[i])
        rows = sub.filter(pl.col("fact") == fact)
        outlets = sorted(rows["outlet"].unique().to_list(), reverse=True)
        numeric = rows.filter(pl.col("value").is_not_null())
        # One marker per distinct (value, hedge, copy) an outlet reported, with a count: a large corpus
        # repeats the same report hundreds of times, and one artist per report makes plotting cost grow
        # with the corpus rather than with what the picture shows.
        distinct = (
            numeric.with_columns(pl.col("counted").eq(False).fill_null(False).alias("_copy"))
            .group_by("outlet", "value", "hedge", "_copy")
            .len()
            .sort("outlet", "value", "hedge", "_copy")
        )
        for outlet, group in distinct.group_by("outlet", maintain_order=True):
            y0 = outlets.index(str(outlet[0]))
            reports = group.to_dicts()
            for k, r in enumerate(reports):
                # Several distinct reports from one outlet are fanned out within its row so none hides another.
                y = y0 + (k - (len(reports) - 1) / 2) * (0.7 / max(len(reports), 1))
                ax.scatter(r["value"], y, marker=marker[r["hedge"]], s=40, zorder=3,
                           facecolors="none" if r["_copy"] else color[r["hedge"]], edgecolors=color[r["hedge"]])
                prefix = "" if r["hedge"] == NO_HEDGE else f"{r['hedge']} "
                times = f" (x{r['len']})" if r["len"] > 1 else ""
                ax.annotate(f"{prefix}{_fmt(r['value'])}{times}", (r["value"], y), xytext=(6, -3),
                            textcoords="offset points", fontsize=7)
        ax.set_yticks(range(len(outlets)), outlets, fontsize=8)
        ax.set_ylim(-0.6, len(outlets) - 0.4)
        ax.grid(axis="x", color="#dddddd", zorder=0)
        ax.tick_params(axis="x", labelsize=7)
        ax.set_title(f"{fact}: {_claim_note(rows)}", fontsize=9, loc="left")
        if numeric.height == 0:
            ax.set_xticks([])
        else:
            lo, hi = float(numeric["value"].min()), float(numeric["value"].max())  # type: ignore[arg-type]
            if lo > 0 and hi / lo > 50:
                # Values orders of magnitude apart ("dozens" of thousands vs "3 million"): a log axis keeps both visible.
                ax.set_xscale("log")
                ax.set_xlim(lo / 2, hi * 4)
            else:
                pad = (hi - lo) * 0.25 if hi > lo else max(abs(lo) * 0.1, 1.0)
                ax.set_xlim(lo - pad, hi + pad * 1.6)
    handles = [
        fig.axes[0].scatter([], [], marker=marker[h], color=color[h], label=h) for h in hedges
    ]
    fig.legend(handles=handles, title="hedge", loc="outside lower center", ncols=min(len(hedges), 5), fontsize=8)
    return fig


def _date_axis(ax: Axes, first: dt.date, last: dt.date) -> None:
    """Whole days on the axis, padded so a single date is not a zero-width range of hours."""
    from matplotlib import dates as mdates

    span = (last - first).days
    pad = dt.timedelta(days=max(1, span // 10))
    ax.set_xlim(first - pad, last + pad)  # type: ignore[arg-type]
    if span <= 45:
        ax.xaxis.set_major_locator(mdates.DayLocator(interval=max(1, (span + 2) // 8)))
    else:
        ax.xaxis.set_major_locator(mdates.AutoDateLocator(minticks=3, maxticks=10))
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%Y-%m-%d"))


def plot_articles_timeline(tables: Mapping[str, pl.DataFrame]) -> Figure:
    title = "Articles over time, by outlet"
    arts = tables.get("articles")
    if arts is None or arts.height == 0 or "published_date" not in arts.columns:
        return _no_data(_new_figure(8, 3), title, "no articles in this version")
    outlet = pl.col("outlet").fill_null(UNKNOWN_OUTLET) if "outlet" in arts.columns else pl.lit(UNKNOWN_OUTLET)
    df = cap_outlets(arts.select(pl.col("published_date").cast(pl.Date), outlet.alias("outlet")))
    undated = df.filter(pl.col("published_date").is_null()).height
    dated = df.drop_nulls("published_date").group_by("published_date", "outlet").len().sort("published_date")
    suffix = f" ({undated} of {df.height} without a date)" if undated else ""
    if dated.height == 0:
        return _no_data(_new_figure(8, 3), title + suffix, "no article has a publication date")
    outlets = sorted(dated["outlet"].unique().to_list(), reverse=True)
    fig = _new_figure(9, max(2.5, 0.45 * len(outlets) + 1.6))
    ax = fig.add_subplot()
    ys = [outlets.index(o) for o in dated["outlet"].to_list()]
    counts = dated["len"].to_list()
    ax.scatter(dated["published_date"].to_list(), ys, s=[40 + 30 * (c - 1) for c in counts], color=_COLORS[0], zorder=3)
    for d, y, c in zip(dated["published_date"].to_list(), ys, counts, strict=True):
        if c > 1:
            ax.annotate(str(c), (d, y), xytext=(6, 4), textcoords="offset points", fontsize=7)
    ax.set_yticks(range(len(outlets)), outlets, fontsize=8)
    ax.set_ylim(-0.7, len(outlets) - 0.3)
    ax.grid(axis="x", color="#dddddd", zorder=0)
    ax.set_xlabel("publication date")
    ax.set_title(title + suffix)
    _date_axis(ax, dated["published_date"].min(), dated["published_date"].max())  # type: ignore[arg-type]
    fig.autofmt_xdate()
    return fig


@dataclass(frozen=True)
class Plot:
    """One picture of a version: its file name, title and alt text, how to draw it, and the tables it reads.

    ``draw`` is only ever given the tables in ``reads`` (see :func:`draw_png`), so what a picture depends on is
    declared next to it.
    """

    filename: str
    title: str
    alt: str
    draw: Callable[[Mapping[str, pl.DataFrame]], Figure]
    reads: tuple[str, ...]


PLOTS: tuple[Plot, ...] = (
    Plot(
        "mentions_by_type_and_outlet.png",
        "Mentions by type and outlet",
        "Stacked horizontal bars: for each outlet, its mentions of people, aircraft, places and quantities.",
        plot_mentions_by_type_and_outlet,
        ("mentions", "articles"),
    ),
    Plot(
        "top_entities.png",
        "Most mentioned people, aircraft and places",
        "One bar chart per entity type: the ten canonical entities with the most mentions, with how many named outlets mention each.",
        plot_top_entities,
        ("mentions", "entities", "articles"),
    ),
    Plot(
        "cross_source_claims.png",
        "The same fact across outlets",
        "One panel per counted thing and unit (e.g. troops, count): each outlet's reported value, marked by its hedge.",
        plot_cross_source_claims,
        # claim_rows: the claims and their link table (any other "claim*" table), else facts derived from quantities.
        ("claims", "claim_values", "quantities", "mentions", "articles"),
    ),
    Plot(
        "articles_timeline.png",
        "Articles over time",
        "Each dot is the articles one outlet published on one date; bigger dots are several articles.",
        plot_articles_timeline,
        ("articles",),
    ),
)


def png_bytes(fig: Figure) -> bytes:
    """The figure as a 256-colour PNG: flat charts lose nothing visible and weigh about 40% of RGBA.

    No Software/date metadata, so the same tables give byte-identical files. The canvas is rendered once and
    its pixels handed to Pillow directly: ``savefig`` would encode an RGBA PNG only for it to be decoded again
    (the same pixels, measured; ~0.15 s of every published version).
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from PIL import Image

    canvas = fig.canvas
    assert isinstance(canvas, FigureCanvasAgg)  # every figure here is made by _new_figure
    canvas.draw()
    rgba = Image.frombuffer("RGBA", canvas.get_width_height(physical=True), canvas.buffer_rgba(), "raw", "RGBA", 0, 1)
    out = io.BytesIO()
    rgba.convert("RGB").quantize(256).save(out, format="PNG", optimize=True)
    return out.getvalue()


def plot_paths(prefix: str = "plots") -> list[str]:
    """Where ``write_plots`` puts each picture, relative to the version folder, in display order."""
    return [f.path for f in plot_files(prefix)]


def plot_files(prefix: str = "plots") -> list[PlotFile]:
    """What ``write_plots`` writes, in display order (known before anything is drawn)."""
    return [PlotFile(f"{prefix}/{p.filename}", p.title, p.alt) for p in PLOTS]


def draw_png(plot: Plot, tables: Mapping[str, pl.DataFrame]) -> bytes:
    """The picture ``plot`` as PNG bytes, drawn from the tables it reads (and only those)."""
    return png_bytes(plot.draw({name: tables[name] for name in plot.reads if name in tables}))


def write_plots(
    tables: Mapping[str, pl.DataFrame], out_dir: Path, prefix: str = "plots", names: Sequence[str] | None = None
) -> list[PlotFile]:
    """Draw every plot (or those in ``names``) into ``out_dir`` as PNG; paths returned are ``<prefix>/<file>``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for plot, file in zip(PLOTS, plot_files(prefix), strict=True):
        if names is None or plot.filename in names:
            (out_dir / plot.filename).write_bytes(draw_png(plot, tables))
            written.append(file)
    return written
