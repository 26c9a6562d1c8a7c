"""Dagster assets, one module per layer: ingest, parse, extract, publish."""
