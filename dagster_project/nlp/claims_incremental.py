"""Claims recomputed only for the value clusters whose reports changed.

:func:`nlp.claims.group_claims` treats every (subject, unit) pair on its own, and within a pair every value
cluster (single linkage on sorted values) on its own: a cluster's claims are a function of its reports and of
the outlets and sources of the articles making them. The clusters are found here the way group_claims finds
them (vectorized), each cluster's inputs (its reports joined with their article's outlet and article-level
source, in a fixed order) are hashed, and a cluster whose hash equals the previous build's keeps its previous
``claims`` and ``claim_values`` rows; the others go through ``group_claims``. A new article reporting "about
300 troops" recomputes the troops cluster around 300 only; a new syndication link recomputes the clusters of
the copy's reports.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from contracts.claims import Claims, ClaimValues
from dagster_project.nlp.claims import GROUP_TOLERANCE, Report, group_claims, normalize_subject
from dagster_project.publish.frames import records_to_frame
from dagster_project.publish.schema import polars_schema
from dagster_project.runtime.state import load_typed, save_tables

# A claim group: subject, unit and value cluster (named by its first report).
_KEY = ["_subject", "_unit", "_cluster"]
REPORT_SCHEMA: dict[str, pl.DataType] = {
    "mention_id": pl.String(), "article_id": pl.String(), "start": pl.Int64(), "value": pl.Float64(),
    "unit": pl.String(), "quantified": pl.String(), "qualifier": pl.String(), "unit_surface": pl.String(),
    "source_article_id": pl.String(),
}


def _state_schemas() -> dict[str, dict[str, pl.DataType]]:
    key = {"_subject": pl.String(), "_unit": pl.String(), "_cluster": pl.String()}
    return {"signatures": {**key, "_signature": pl.UInt64()},
            "claims": {**key, **polars_schema(Claims)}, "claim_values": {**key, **polars_schema(ClaimValues)}}


@dataclass
class ClaimsState:
    signatures: pl.DataFrame
    claims: pl.DataFrame
    claim_values: pl.DataFrame

    @classmethod
    def empty(cls) -> ClaimsState:
        s = _state_schemas()
        return cls(*(pl.DataFrame(schema=s[n]) for n in ("signatures", "claims", "claim_values")))

    def save(self, folder: Path) -> None:
        save_tables(folder, {"signatures": self.signatures, "claims": self.claims, "claim_values": self.claim_values})

    @classmethod
    def load(cls, folder: Path) -> ClaimsState | None:
        tables = load_typed(folder, _state_schemas())
        return cls(**tables) if tables is not None else None


@dataclass
class ClaimsIncrementalStats:
    groups: int = 0
    groups_recomputed: int = 0


def claims_incremental(
    reports: pl.DataFrame,
    outlets: pl.DataFrame,
    sources: pl.DataFrame,
    state: ClaimsState | None = None,
) -> tuple[pl.DataFrame, pl.DataFrame, ClaimsState, ClaimsIncrementalStats]:
    """``claims`` and ``claim_values`` frames as ``group_claims`` gives them for every report, and the next state.

    ``reports`` has :data:`REPORT_SCHEMA` (``unit`` already defaulted to ``count``, ``source_article_id`` set
    when the report's paragraph was copied); ``outlets`` is ``(article_id, outlet)``; ``sources`` is
    ``(article_id, source_article_id)`` for the syndicated copies.
    """
    state = state or ClaimsState.empty()
    usable = reports.select(list(REPORT_SCHEMA)).filter(
        pl.col("value").is_not_null() & pl.col("value").is_finite() & _truthy("quantified"))
    nouns = usable["quantified"].unique().to_list()
    subject = pl.col("quantified").replace_strict({n: normalize_subject(n) for n in nouns}, return_dtype=pl.String())
    keyed = (
        usable.with_columns(subject.alias("_subject"), pl.col("unit").alias("_unit"))
        .join(outlets.select("article_id", pl.col("outlet").alias("_outlet")), on="article_id", how="left")
        .join(sources.select("article_id", pl.col("source_article_id").alias("_art_source")), on="article_id",
              how="left")
    )
    keyed = _with_clusters(keyed).sort(*_KEY, "mention_id")
    signatures = (
        keyed.with_columns(pl.struct(pl.all().exclude(_KEY)).hash(seed=0).alias("_h"))
        .group_by(_KEY, maintain_order=True).agg(pl.col("_h"))
        .select(*_KEY, pl.col("_h").hash(seed=0).alias("_signature"))
    )
    kept = state.signatures.join(signatures, on=[*_KEY, "_signature"], how="semi").select(_KEY)
    dirty = signatures.join(kept, on=_KEY, how="anti")
    todo = keyed.join(dirty, on=_KEY, how="semi")
    outlet_of: Mapping[str, str | None] = dict(todo.select("article_id", "_outlet").unique().iter_rows())
    source_of = {a: s for a, s in todo.select("article_id", "_art_source").unique().iter_rows() if s is not None}
    claim_rows, value_rows = [], []
    # One cluster at a time: group_claims finds it again as one cluster, and nothing else.
    for part in todo.partition_by(_KEY, maintain_order=True):
        key = part.row(0, named=True)
        rows = [Report(*r) for r in part.select(list(REPORT_SCHEMA)).iter_rows()]  # REPORT_SCHEMA is Report's fields
        claims, values = group_claims(rows, outlet_of, source_of)
        claim_rows.append(_keyed(records_to_frame(claims, Claims), key))
        value_rows.append(_keyed(records_to_frame(values, ClaimValues), key))
    s = _state_schemas()
    all_claims = pl.concat([state.claims.join(kept, on=_KEY, how="semi"),
                            *(f.select(list(s["claims"])) for f in claim_rows)])
    all_values = pl.concat([state.claim_values.join(kept, on=_KEY, how="semi"),
                            *(f.select(list(s["claim_values"])) for f in value_rows)])
    stats = ClaimsIncrementalStats(groups=signatures.height, groups_recomputed=dirty.height)
    return (all_claims.drop(_KEY), all_values.drop(_KEY), ClaimsState(signatures, all_claims, all_values), stats)


def _with_clusters(keyed: pl.DataFrame) -> pl.DataFrame:
    """Each report's value cluster as group_claims forms it (``_clusters``: sorted by value, article and start, a
    new cluster where a value is not within GROUP_TOLERANCE of the previous one), named by its first report."""
    ordered = keyed.sort("_subject", "_unit", "value", "article_id", "start")
    prev = pl.col("value").shift(1).over(["_subject", "_unit"])
    top = pl.max_horizontal(prev.abs(), pl.col("value").abs())
    close = (top == 0) | ((prev - pl.col("value")).abs() <= GROUP_TOLERANCE * top)
    first = pl.when(prev.is_null() | ~close).then(pl.col("mention_id"))
    return ordered.with_columns(first.forward_fill().over(["_subject", "_unit"]).alias("_cluster"))


def _keyed(frame: pl.DataFrame, key: dict) -> pl.DataFrame:
    return frame.with_columns(*(pl.lit(key[k], pl.String()).alias(k) for k in _KEY))


def _truthy(col: str) -> pl.Expr:
    return pl.col(col).is_not_null() & (pl.col(col) != "")



def copied_sources(mentions: pl.DataFrame, paragraphs: pl.DataFrame) -> pl.DataFrame:
    """:func:`nlp.claims.paragraph_sources` as a join: ``(mention_id, source_article_id)`` for the mentions of
    ``mentions`` (mention_id, article_id, start, end) inside a paragraph of ``paragraphs`` (article_id, start,
    end, source_article_id) copied from another article."""
    p = paragraphs.select("article_id", pl.col("start").alias("_ps"), pl.col("end").alias("_pe"),
                          "source_article_id")
    return (
        mentions.select("mention_id", "article_id", "start", "end").join(p, on="article_id")
        .filter((pl.col("_ps") <= pl.col("start")) & (pl.col("end") <= pl.col("_pe"))
                & (pl.col("source_article_id") != pl.col("article_id")))
        .sort("mention_id", "_ps").unique("mention_id", keep="first", maintain_order=True)
        .select("mention_id", "source_article_id")
    )
