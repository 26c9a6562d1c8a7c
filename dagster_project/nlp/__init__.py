"""Language work: parsing raw text into articles, extracting and resolving mentions, syndication and claims.

Pure, Dagster-free modules; they may import ``contracts`` and each other, never ``assets``, ``publish`` or ``runtime``.
"""
