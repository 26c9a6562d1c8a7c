"""A version's plots drawn in a warm helper process, each as soon as the tables it reads are final.

A refresh that adds a few articles spends its last second or so drawing plots (matplotlib, ~1.3 s at 1,000
articles), while the corpus-wide steps before publishing keep only one core busy. So, once extraction has found
new articles (a new version is coming), the build starts one helper process (:func:`start_plot_helpers`), and
every step that produces a table the plots read offers it here as soon as it has passed its contract
(:func:`offer_tables`). A plot whose tables have all been offered is handed to the helper at once: the articles
timeline while mentions are resolved, the entity charts while claims are built.

The publisher then asks for the plots of the tables it actually publishes (:func:`draw_plots_ahead`). A plot
drawn early is used only when every table it read equals the published one (``DataFrame.equals`` on the columns
the plots see); any other plot is drawn then, from the published tables. So what is published never depends on
when a picture was drawn: without helpers, or with a table changed in between, the pictures are the same.

State is per process: the build runs its steps in one process. A run whose steps run in separate processes
(Dagster's multiprocess executor) has no helper in the publishing process, and the publisher draws the plots.
"""

from __future__ import annotations

from collections.abc import Mapping
from concurrent import futures
from dataclasses import dataclass, field

import polars as pl

from dagster_project.publish import plots
from dagster_project.publish.version import INTERNAL_COLUMNS, canonical_layout
from dagster_project.runtime import background

# Largest corpus whose plots are drawn by a helper process. The helper holds its own copy of the tables the plots
# read, so its memory grows with the corpus while the time it saves does not: at ~13,600 articles two helpers
# raised the build's peak from 1.28 to 1.89 GB (over the 1.5 GB budget) to save ~1 s of a 12-minute build; at
# ~1,300 they added ~0.13 GB and took ~1.3 s off a 9-second refresh. Above it, the build draws them itself.
PLOT_HELPERS_MAX_ARTICLES = 2_500

# One helper. With two drawing half the plots each, the publisher hardly waited for the plots, but the second
# helper's imports of matplotlib and polars competed with the build for the two cores while the corpus-wide steps
# ran: a one-article refresh at 1,000 articles took 6.9 s with two and 6.4 s with one (five paired runs).
HELPERS = 1

# Free-text columns that neither the card nor the plots read. They are read back as typed all-null columns (the
# card's schema and row counts stay those of the files): at 10,000 articles that is ~0.1 GB less at publishing.
UNREAD_COLUMNS = {"articles": ("text",), "segments": ("text",)}

# The tables some plot reads (published tables, a test checks): only these are kept when offered.
_READ = frozenset(name for plot in plots.PLOTS for name in plot.reads)


def slim(name: str, df: pl.DataFrame) -> pl.DataFrame:
    """``df`` as the plots see table ``name``: without the working columns, the unread ones as typed nulls."""
    df = df.drop(INTERNAL_COLUMNS, strict=False)
    return df.with_columns(pl.lit(None, dtype=df.schema[c]).alias(c) for c in UNREAD_COLUMNS.get(name, ())
                           if c in df.columns)


@dataclass
class _Early:
    """Tables offered since the helper started, and the plots handed to it with the tables each read."""

    tables: dict[str, pl.DataFrame] = field(default_factory=dict)
    drawing: dict[str, tuple[futures.Future[bytes], dict[str, pl.DataFrame]]] = field(default_factory=dict)


_EARLY: _Early | None = None  # armed by start_plot_helpers, consumed by draw_plots_ahead


def start_plot_helpers(n_articles: int) -> bool:
    """Start the helper that will draw the plots of a version of ``n_articles`` articles, if it is small enough
    (``PLOT_HELPERS_MAX_ARTICLES``) and ``NEWSETL_PRESTART`` allows, and take tables offered from now on. The helper
    imports matplotlib and draws a warm-up figure meanwhile (runtime/background.py)."""
    global _EARLY
    from dagster_project.runtime.warmup import prestart_enabled

    if n_articles > PLOT_HELPERS_MAX_ARTICLES or not prestart_enabled():
        return False
    background.prestart([plots.__name__], plots.warm_up, processes=HELPERS)
    _EARLY = _Early()
    return True


def _inputs(plot: plots.Plot, tables: Mapping[str, pl.DataFrame]) -> dict[str, pl.DataFrame]:
    return {name: tables[name] for name in plot.reads if name in tables}


def _submit(plot: plots.Plot, inputs: Mapping[str, pl.DataFrame]) -> futures.Future[bytes] | None:
    """Hand ``plot`` to the helper with the tables it reads (only those are pickled to it)."""
    layouts = {name: canonical_layout(name) for name in inputs}
    return background.submit(plots.draw_in_published_order, inputs, layouts, plot.filename)


def offer_tables(tables: Mapping[str, pl.DataFrame]) -> None:
    """Tables that are final for this run (they passed their contracts): hand the helper every plot whose tables
    are now all here. Does nothing unless :func:`start_plot_helpers` started a helper."""
    early = _EARLY
    if early is None or not background.running():
        return
    early.tables.update((name, slim(name, df)) for name, df in tables.items() if name in _READ)
    for plot in plots.PLOTS:
        if plot.filename in early.drawing or not all(name in early.tables for name in plot.reads):
            continue
        inputs = _inputs(plot, early.tables)
        job = _submit(plot, inputs)
        if job is not None:
            early.drawing[plot.filename] = (job, inputs)


def reset() -> None:
    """Forget the tables offered so far and cancel the plots not yet started (e.g. after a failed run)."""
    global _EARLY
    early, _EARLY = _EARLY, None
    for job, _ in (early.drawing.values() if early else ()):
        job.cancel()


@dataclass(frozen=True)
class PlotsAhead:
    """The plots of a version being drawn by the helper (see :func:`draw_plots_ahead`), by file name."""

    jobs: tuple[tuple[str, futures.Future[bytes]], ...]
    early: int = 0  # how many were drawn from tables offered before publishing

    @property
    def pending(self) -> list[futures.Future[bytes]]:
        return [job for _, job in self.jobs]

    def wait(self) -> list[tuple[plots.PlotFile, bytes]]:
        """Each plot with its PNG bytes, in display order, once all are drawn (a helper's error is raised)."""
        drawn = {name: job.result() for name, job in self.jobs}
        return [(file, drawn[plot.filename]) for plot, file in zip(plots.PLOTS, plots.plot_files(), strict=True)
                if plot.filename in drawn]


def _same(early: Mapping[str, pl.DataFrame], now: Mapping[str, pl.DataFrame]) -> bool:
    return all(name in now and now[name].equals(df) for name, df in early.items())


def draw_plots_ahead(tables: Mapping[str, pl.DataFrame]) -> PlotsAhead | None:
    """The plots of the version ``tables`` (the published tables) would become, drawn by the helper; None
    without one (the caller draws them).

    A plot already drawn from tables offered earlier is kept when those tables equal these; the others are handed
    to the helper now. The helper puts the tables in their published form (``publish.version.canonical``, through
    ``plots.draw_in_published_order``), with the columns the card and plots never read as typed nulls, exactly as
    ``card.staged_tables`` reads them back from a staged version: the same pictures, drawn while the publisher
    audits, stages and writes the card.
    """
    early = _EARLY or _Early()
    try:
        if not background.running():
            return None
        slimmed = {name: slim(name, df) for name, df in tables.items() if name in _READ}
        jobs: list[tuple[str, futures.Future[bytes]]] = []
        reused = 0
        for plot in plots.PLOTS:
            drawn = early.drawing.pop(plot.filename, None)
            if drawn is not None and _same(drawn[1], slimmed):
                jobs.append((plot.filename, drawn[0]))
                reused += 1
                continue
            job = _submit(plot, _inputs(plot, slimmed))
            if job is None:  # the helper is gone: the caller draws every plot
                return None
            jobs.append((plot.filename, job))
        return PlotsAhead(tuple(jobs), reused)
    finally:
        reset()  # what was offered is used up; the early plots not kept above are cancelled
