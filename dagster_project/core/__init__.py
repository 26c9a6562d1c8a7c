"""Pure, Dagster-free logic: ingest, parse, extract, resolve and publish.

Nothing in this package imports dagster; assets in ``dagster_project.assets`` are thin
wrappers that call into here, so the logic is testable as plain functions.
"""
