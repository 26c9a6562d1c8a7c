"""Publishing a version: write-audit-publish, the manifest and Frictionless schemas, changelog, card, dictionary and plots.

Pure, Dagster-free modules; they may import ``contracts`` and ``runtime``, never ``assets``.
"""
