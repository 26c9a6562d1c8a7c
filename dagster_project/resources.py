"""Typed Dagster resources: where the data lives and which NLP model is used."""

from __future__ import annotations

import json
from pathlib import Path

import dagster as dg
from upath import UPath

from dagster_project import PROJECT_ROOT
from dagster_project.ingest.html import DEFAULT_MAX_HTML_BYTES
from dagster_project.ingest.raw import DEFAULT_MAX_BYTES
from dagster_project.nlp.extract.candidates import DEFAULT_BATCH_SIZE, DEFAULT_MODEL
from dagster_project.runtime.cache import package_dir
from dagster_project.runtime.storage import cache_dir, is_url, resolve_root, storage_dir

__all__ = ["PROJECT_ROOT", "NlpModel", "StorageRoots"]


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
    # Web pages (files and WARC records) are bounded far higher: a 1-5 MB page is normal, and the limit that
    # protects extraction applies to the extracted text (ingest/html.py MAX_TEXT_CHARS).
    max_page_bytes: int = DEFAULT_MAX_HTML_BYTES

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
    def raw_root(self) -> Path | UPath:
        """The raw root as a local path or, for an fsspec URL (``s3://...``, ``memory://...``), a UPath."""
        return resolve_root(self.raw_dir) if is_url(self.raw_dir) else self.raw_path

    @property
    def curated_root(self) -> Path | UPath:
        """The curated root as a local path or, for an fsspec URL, a UPath."""
        return resolve_root(self.curated_dir) if is_url(self.curated_dir) else self.curated_path

    @property
    def storage_path(self) -> Path:
        """Intermediate (unpublished) tables, kept with the instance so fresh homes are independent."""
        return storage_dir(self.home_path)

    @property
    def cache_path(self) -> Path:
        """Per-article parse and extraction results reused by incremental builds (see runtime/cache.py)."""
        return cache_dir(self.home_path)


class NlpModel(dg.ConfigurableResource):
    """The spaCy pipeline used for extraction, loaded from an installed package."""

    model: str = DEFAULT_MODEL
    # Texts per nlp.pipe batch (see nlp/extract/candidates.py: memory grows with it, throughput does not).
    batch_size: int = DEFAULT_BATCH_SIZE

    def meta(self) -> dict:
        """The installed model package's meta.json (name, version, ...), read without loading the model.

        The package is found, not imported: its ``__init__`` imports spaCy (~0.4 s), which publishing a version
        does not otherwise need.
        """
        folder = package_dir(self.model)
        if folder is None:
            raise ModuleNotFoundError(f"spaCy model package {self.model!r} is not installed")
        meta: dict = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
        return meta

    def load(self):  # type: ignore[no-untyped-def]
        from dagster_project.nlp.model import load_nlp

        return load_nlp(self.model)
