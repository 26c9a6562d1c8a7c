"""Runtime plumbing: storage roots, the per-article cache, the build lock, progress, the extraction worker pool,
the instance's dagster.yaml, and the one process setting that survives (``tuning``, which says why).

Dagster-free modules used by the assets and the build CLI; they may import ``nlp`` to run it, never ``assets``.
"""
