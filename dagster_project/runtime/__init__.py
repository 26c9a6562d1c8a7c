"""Runtime plumbing: storage roots, the per-article cache, the build lock, progress and worker processes.

Dagster-free modules used by the assets and the build CLI; they may import ``nlp`` to run it, never ``assets``.
"""
