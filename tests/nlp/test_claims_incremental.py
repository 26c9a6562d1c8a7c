"""Claims recomputed per changed (subject, unit) group equal a cold grouping of every report."""

from __future__ import annotations

import random
from pathlib import Path

import polars as pl
import pytest

from contracts.claims import Claims, ClaimValues
from dagster_project.nlp.claims import Report, group_claims, paragraph_sources
from dagster_project.nlp.claims_incremental import ClaimsState, claims_incremental, copied_sources
from dagster_project.publish.frames import records_to_frame
from tests.nlp.incremental_corpus import candidates, corpus


def _inputs(arts: dict, seed: int) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """Quantity candidates, outlets, copies and copied paragraphs; each article's draws depend on it alone."""
    ids = sorted(arts)
    rng = {a: random.Random(f"{seed}-{a}") for a in ids}
    q = candidates(arts).filter(pl.col("mention_type") == "quantity")
    outlets = pl.DataFrame({"article_id": ids, "outlet": [rng[a].choice(["AP", "Reuters", None, "BBC"]) for a in ids]},
                           schema={"article_id": pl.String(), "outlet": pl.String()})
    earlier = {a: f"a{rng[a].randrange(int(a[1:]) or 1):03d}" for a in ids}
    copies = [(a, earlier[a]) for a in ids if rng[a].random() < 0.3 and earlier[a] in arts and earlier[a] != a]
    sources = pl.DataFrame(copies, schema={"article_id": pl.String(), "source_article_id": pl.String()}, orient="row")
    paras = pl.DataFrame([(a, 0, 60, earlier[a]) for a in ids if rng[a].random() < 0.3],
                         schema={"article_id": pl.String(), "start": pl.Int64(), "end": pl.Int64(),
                                 "source_article_id": pl.String()}, orient="row")
    return q, outlets, sources, paras


def _cold(q: pl.DataFrame, outlets: pl.DataFrame, sources: pl.DataFrame, paras: pl.DataFrame):  # type: ignore[no-untyped-def]
    copied = paragraph_sources(q.select("mention_id", "article_id", "start", "end").iter_rows(), paras.iter_rows())
    reports = [Report(r["mention_id"], r["article_id"], r["start"], r["value"], r["unit"] or "count", r["quantified"],
                      r["qualifier"], r["unit_surface"], copied.get(r["mention_id"])) for r in q.iter_rows(named=True)]
    claims, values = group_claims(reports, dict(outlets.iter_rows()), dict(sources.iter_rows()))
    return records_to_frame(claims, Claims), records_to_frame(values, ClaimValues)


def _incremental(q, outlets, sources, paras, state):  # type: ignore[no-untyped-def]
    copied = copied_sources(q, paras)
    reports = (q.join(copied, on="mention_id", how="left")
               .with_columns(pl.col("unit").fill_null("count")))
    return claims_incremental(reports, outlets, sources, state)


def _sorted(df: pl.DataFrame, *keys: str) -> pl.DataFrame:
    return df.sort(*keys)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_incremental_claims_equal_cold_in_any_arrival_order(seed: int, tmp_path: Path) -> None:
    full = corpus(seed, 60)
    order = sorted(full)
    random.Random(seed).shuffle(order)
    state = None
    recomputed = []
    for hi in (20, 35, 50, 59, 60):
        arts = {a: full[a] for a in order[:hi]}
        q, outlets, sources, paras = _inputs(arts, seed)
        claims, values = _cold(q, outlets, sources, paras)
        assert claims.height  # the corpus makes claims
        inc_claims, inc_values, state, stats = _incremental(q, outlets, sources, paras, state)
        assert _sorted(inc_claims, "claim_id").equals(_sorted(claims, "claim_id"))
        assert _sorted(inc_values, "claim_id", "article_id").equals(_sorted(values, "claim_id", "article_id"))
        recomputed.append(stats.groups_recomputed / stats.groups)
        state.save(tmp_path / "claims")
        state = ClaimsState.load(tmp_path / "claims")
    assert recomputed[0] == 1.0 and min(recomputed) < 1.0  # later builds reuse unchanged groups


def test_copied_sources_match_paragraph_sources() -> None:
    q, _, _, paras = _inputs(corpus(4, 50), 4)
    ref = paragraph_sources(q.select("mention_id", "article_id", "start", "end").iter_rows(), paras.iter_rows())
    assert dict(copied_sources(q, paras).iter_rows()) == ref
    assert ref  # some reports sit in copied paragraphs


def test_report_schema_is_the_report_fields_in_order() -> None:
    # claims_incremental builds each Report from a row of these columns by position.
    from dagster_project.nlp.claims import Report
    from dagster_project.nlp.claims_incremental import REPORT_SCHEMA

    assert list(REPORT_SCHEMA) == list(Report.__dataclass_fields__)
