"""Every datapackage.json the build publishes passes the Frictionless Framework's validation (Data Package v2).

Two versions are built through the real build CLI (seed articles, a Spanish report, an empty and a binary file that
are quarantined; then one more article), and each is validated: descriptor, file sizes and hashes, rows against the
declared schemas and keys. The validation itself is shown to catch a broken descriptor, file, schema and key.
"""

from __future__ import annotations

import io
import json
import shutil
from collections.abc import Iterator
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import polars as pl
import pytest

from dagster_project import build, dataset
from tests.publish.frictionless_check import DATAPACKAGE, frictionless_errors

REPO = Path(__file__).resolve().parents[2]

SPANISH = """Llega a Caracas un segundo avión ruso

CARACAS (EFE) - Un segundo avión Antonov An-124 de la Fuerza Aérea rusa aterrizó el miércoles en el aeropuerto de
Maiquetía con 35 toneladas de carga, informó un funcionario venezolano, dos días después de la reunión del presidente
Nicolás Maduro con la delegación.
"""

NEW_ARTICLE = """Second cargo jet lands in Caracas

CARACAS (Reuters) - A second Russian Antonov An-124 landed at Maiquetia airport on Wednesday carrying 35 tonnes of
cargo, a Venezuelan official said, two days after President Nicolas Maduro met the delegation in the capital.
"""


def _build() -> None:
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = build.main([])
    assert code == 0, err.getvalue()[-3000:]


@pytest.fixture(scope="module")
def curated(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    tmp = tmp_path_factory.mktemp("datapackage")
    raw, curated = tmp / "raw", tmp / "curated"
    shutil.copytree(REPO / "raw", raw)
    (raw / "efe_es.txt").write_text(SPANISH, encoding="utf-8")
    (raw / "empty.txt").write_bytes(b"")
    (raw / "image.txt").write_bytes(bytes(range(256)) * 4)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("NEWSETL_RAW_DIR", str(raw))
        mp.setenv("NEWSETL_CURATED_DIR", str(curated))
        mp.setenv("DAGSTER_HOME", str(tmp / "home"))
        _build()
        (raw / "second_jet.txt").write_text(NEW_ARTICLE, encoding="utf-8")
        _build()
    yield curated


@pytest.mark.integration
def test_every_published_version_is_a_valid_data_package(curated: Path) -> None:
    versions = dataset.versions(curated)
    assert versions == ["1.0.0", "1.1.0"]
    for version in versions:
        assert frictionless_errors(curated / version) == [], version
    # The versions hold what makes the check worth running: quarantined files, several languages, every table.
    quarantine = pl.read_parquet(curated / "1.1.0" / "quarantine.parquet")
    assert quarantine.height >= 2
    assert {"en", "es"} <= set(pl.read_parquet(curated / "1.1.0" / "articles.parquet")["language"].to_list())
    manifest = json.loads((curated / "1.1.0" / DATAPACKAGE).read_text(encoding="utf-8"))
    assert manifest["$schema"] == "https://datapackage.org/profiles/2.0/datapackage.json"
    assert all(r["schema"].get("primaryKey") for r in manifest["resources"])
    assert any(r["schema"].get("foreignKeys") for r in manifest["resources"])


def _copy(curated: Path, tmp_path: Path) -> Path:
    target = tmp_path / "1.1.0"
    shutil.copytree(curated / "1.1.0", target)
    return target


def _edit_manifest(version: Path, edit) -> None:  # type: ignore[no-untyped-def]
    path = version / DATAPACKAGE
    manifest = json.loads(path.read_text(encoding="utf-8"))
    edit(manifest)
    path.write_text(json.dumps(manifest), encoding="utf-8")


def _resource(manifest: dict, name: str) -> dict:
    return next(r for r in manifest["resources"] if r["name"] == name)


@pytest.mark.integration
def test_a_descriptor_without_a_resource_path_fails(curated: Path, tmp_path: Path) -> None:
    version = _copy(curated, tmp_path)
    _edit_manifest(version, lambda m: _resource(m, "mentions").pop("path"))
    assert any('"path" or "data" is required' in e for e in frictionless_errors(version))


@pytest.mark.integration
def test_a_file_that_changed_fails_on_bytes_and_hash(curated: Path, tmp_path: Path) -> None:
    version = _copy(curated, tmp_path)
    path = version / "claims.parquet"
    pl.read_parquet(path).write_parquet(path, compression="uncompressed")  # the same rows, other bytes
    errors = frictionless_errors(version)
    assert any(e.startswith("claims.parquet: byte-count") for e in errors)
    assert any(e.startswith("claims.parquet: hash-count") for e in errors)


@pytest.mark.integration
def test_a_declared_type_the_data_does_not_have_fails(curated: Path, tmp_path: Path) -> None:
    version = _copy(curated, tmp_path)

    def edit(m: dict) -> None:
        field = next(f for f in _resource(m, "mentions")["schema"]["fields"] if f["name"] == "start")
        field["type"] = "date"

    _edit_manifest(version, edit)
    assert any(e.startswith("mentions: type-error") for e in frictionless_errors(version))


@pytest.mark.integration
def test_a_dangling_foreign_key_fails(curated: Path, tmp_path: Path) -> None:
    version = _copy(curated, tmp_path)
    path = version / "mentions.parquet"
    mentions = pl.read_parquet(path)
    mentions.with_columns(pl.when(pl.int_range(pl.len()) == 0).then(pl.lit("no-such-article"))
                          .otherwise(pl.col("article_id")).alias("article_id")).write_parquet(path)
    errors = frictionless_errors(version)
    assert any(e.startswith("mentions: foreign-key") for e in errors), errors
