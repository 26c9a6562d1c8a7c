"""newsetl: a Dagster ETL that turns raw news reports into a versioned research dataset."""

__version__ = "0.1.0"
