"""Assemble the Dagster definitions: assets, checks, resources."""

import dagster as dg

from dagster_project.assets import extract, ingest, parse, publish
from dagster_project.io_manager import PolarsParquetIOManager
from dagster_project.resources import NlpModel, StorageRoots

roots = StorageRoots(
    raw_dir=dg.EnvVar("NEWSETL_RAW_DIR"),
    curated_dir=dg.EnvVar("NEWSETL_CURATED_DIR"),
    dagster_home=dg.EnvVar("DAGSTER_HOME"),
)

defs = dg.Definitions(
    assets=dg.load_assets_from_modules([ingest, parse, extract, publish]),
    asset_checks=dg.load_asset_checks_from_modules([ingest, parse, extract, publish]),
    resources={
        "roots": roots,
        "nlp": NlpModel(),
        "io_manager": PolarsParquetIOManager(roots=roots),
    },
)
