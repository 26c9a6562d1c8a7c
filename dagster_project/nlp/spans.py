"""Relate mention spans to the typed segments of the text they were found in."""

from __future__ import annotations

import polars as pl


def with_segment_kind(mentions: pl.DataFrame, segments: pl.DataFrame) -> pl.DataFrame:
    """``mentions`` plus ``segment_kind``: the kind of the segment (standfirst, body, heading, social_post, contributor)
    that holds each mention's start offset in ``articles.text``.

    Only segments with offsets into the text (the kinds kept in ``articles.text``) can hold a mention;
    segments never overlap, so each mention gets at most one kind. A mention whose start lies in no
    segment (only possible between paragraphs, where there is no text to mention) keeps a null kind.
    Rows keep their order.
    """
    segs = segments.filter(pl.col("start").is_not_null()).select(
        "article_id",
        pl.col("start").alias("_seg_start"),
        pl.col("end").alias("_seg_end"),
        pl.col("kind").alias("segment_kind"),
    ).sort("_seg_start")
    # For each mention, the segment of its article starting last at or before it (segments never overlap), kept
    # when the mention starts before that segment ends. An as-of join forms one pair per mention; a plain join on
    # article_id formed mentions x segments per article (9 M rows, +1.2 GB, at 10,000 articles).
    rows = mentions.select("article_id", "start").with_row_index("_row")
    hits = (
        rows.sort("start")
        .join_asof(segs, left_on="start", right_on="_seg_start", by="article_id", strategy="backward",
                   check_sortedness=False)  # both sides are sorted on the offsets just above
        .filter(pl.col("start") < pl.col("_seg_end"))
        .select("_row", "segment_kind")
    )
    # The kinds put beside the mentions by row number: joining the mentions themselves gathered every column of
    # every row (~0.4 s at 10,000 articles).
    kind = rows.join(hits, on="_row", how="left", maintain_order="left")["segment_kind"]
    return mentions.with_columns(kind)
