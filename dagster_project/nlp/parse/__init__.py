"""Turn a decoded raw file into one or more articles: metadata, typed segments and a clean body.

The clean body is built with :class:`~dagster_project.nlp.textmap.TextBuilder`, so every
clean character can be traced back to its raw offset. See ``document.py`` for the steps.
"""

from dagster_project.nlp.parse.document import (
    IN_TEXT,
    PARSER_VERSION,
    SEGMENT_KINDS,
    ParsedArticle,
    Segment,
    make_article_id,
    parse_file,
    parse_report,
)
from dagster_project.nlp.parse.markup import plain, strip_markup

__all__ = [
    "IN_TEXT",
    "PARSER_VERSION",
    "SEGMENT_KINDS",
    "ParsedArticle",
    "Segment",
    "make_article_id",
    "parse_file",
    "parse_report",
    "plain",
    "strip_markup",
]
