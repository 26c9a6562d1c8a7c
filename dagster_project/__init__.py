"""newsetl: a Dagster ETL that turns raw news reports into a versioned research dataset."""

from pathlib import Path

__version__ = "0.1.0"

# The repository root; defaults are absolute so nothing depends on the working directory.
PROJECT_ROOT = Path(__file__).resolve().parent.parent
