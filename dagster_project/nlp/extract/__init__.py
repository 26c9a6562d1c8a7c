"""Mention extraction: people, aircraft, quantities and places from a parsed spaCy Doc.

* :mod:`.mention`: the :class:`Mention` record, its id and ``EXTRACTOR_VERSION`` (no spaCy, so entity
  resolution and publishing can use them in a process that never loads spaCy);
* :mod:`.pipeline`: ``mentions_from_doc`` / ``extract_mentions`` over a parsed Doc;
* :mod:`.aircraft`, :mod:`.quantities`, :mod:`.people`, :mod:`.places`: one extractor per mention type.
"""

from dagster_project.nlp.extract.mention import EXTRACTOR_VERSION, Mention, make_mention_id

__all__ = ["EXTRACTOR_VERSION", "Mention", "make_mention_id"]
