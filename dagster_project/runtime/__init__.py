"""Runtime plumbing: storage roots, the per-article cache, the build lock, progress, the extraction worker pool and
the instance's dagster.yaml. No process tuning: the start-up tricks once here were removed (docs/benchmark-history.md).

Dagster-free modules used by the assets and the build CLI; they may import ``nlp`` to run it, never ``assets``.
"""
