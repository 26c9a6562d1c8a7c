"""Relate mention spans to the typed segments of the text they were found in."""

from __future__ import annotations

import polars as pl


def with_segment_kind(mentions: pl.DataFrame, segments: pl.DataFrame) -> pl.DataFrame:
    """``mentions`` plus ``segment_kind``: the kind of the segment (standfirst, body, heading, social_post, contributor)
    that holds each mention's start offset in ``articles.text``.

    Only segments with offsets into the text (the kinds kept in ``articles.text``) can hold a mention;
    segments never overlap, so each mention gets at most one kind. A mention whose start lies in no
    segment (only possible between paragraphs, where there is no text to mention) keeps a null kind.
    Row order is not guaranteed; sort afterwards.
    """
    segs = segments.filter(pl.col("start").is_not_null()).select(
        "article_id",
        pl.col("start").alias("_seg_start"),
        pl.col("end").alias("_seg_end"),
        pl.col("kind").alias("segment_kind"),
    )
    # Joined per article, so the pairs formed are (mentions x segments) of one article at a time.
    hits = (
        mentions.select("mention_id", "article_id", "start")
        .join(segs, on="article_id", how="inner")
        .filter((pl.col("start") >= pl.col("_seg_start")) & (pl.col("start") < pl.col("_seg_end")))
        .group_by("mention_id")
        .agg(pl.col("segment_kind").first())
    )
    return mentions.join(hits, on="mention_id", how="left")
