"""Assemble the Dagster definitions: assets, checks, resources, refresh job, sensor and schedule."""

import dagster as dg

from dagster_project.assets import extract, ingest, parse, publish
from dagster_project.automation import executor_from_env, raw_files_sensor, refresh_job, refresh_schedule
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
    jobs=[refresh_job],
    executor=executor_from_env(),
    sensors=[raw_files_sensor],
    schedules=[refresh_schedule],
    resources={
        "roots": roots,
        "nlp": NlpModel(),
        "io_manager": PolarsParquetIOManager(roots=roots),
    },
)
