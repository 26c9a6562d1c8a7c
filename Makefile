# Every target sets up what it needs: a virtual environment in .venv with pinned packages.
SHELL := /bin/bash
PYTHON ?= python3
VENV := $(CURDIR)/.venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp

export NEWSETL_RAW_DIR ?= $(CURDIR)/raw
export NEWSETL_CURATED_DIR ?= $(CURDIR)/curated
export DAGSTER_HOME ?= $(CURDIR)/.dagster_home
DAGSTER_PORT ?= 3000

.PHONY: install dataset verify test test-all lint ui bench test-postgres clean snapshots eval eval-heldout eval-real eval-parse docs eval-conll

install: $(STAMP)

$(STAMP): pyproject.toml constraints.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -c constraints.txt -e '.[dev]'
	touch $(STAMP)

dataset: install
	mkdir -p "$(DAGSTER_HOME)"
	$(PY) -m dagster_project.build

# Re-check the hashes of a published version against its datapackage.json (VERSION=x.y.z, default LATEST).
verify: install
	$(PY) -m dagster_project.dataset verify $(if $(VERSION),--version $(VERSION))

test: install
	mkdir -p "$(DAGSTER_HOME)"
	$(PY) -m pytest

test-all: install
	$(PY) -m pytest -m ""

lint: install
	$(VENV)/bin/ruff check dagster_project contracts tests bench
	$(VENV)/bin/mypy

ui: install
	mkdir -p "$(DAGSTER_HOME)"
	$(PY) -c "from dagster_project.build import ensure_environment; ensure_environment()"
	$(VENV)/bin/dagster dev -h 127.0.0.1 -p $(DAGSTER_PORT) -w workspace.yaml

# Benchmark: synthetic corpus of N articles (default 1000), full/no-change/+1 rebuilds against bare spaCy.
N ?= 1000
bench: install
	N=$(N) $(PY) bench/run.py

# End to end on a throw-away PostgreSQL cluster (installed from Debian's packages if absent).
test-postgres: install
	PY=$(PY) bash scripts/test_postgres.sh

clean:
	rm -rf .dagster_home .pytest_cache .mypy_cache .ruff_cache

# Parsing quality against the hand-written gold in evaluation/parse/ (fails below the pinned floors).
eval-parse: install
	$(PY) -m dagster_project.evaluation.parse_eval

# Regenerate derived files (asset-graph snapshot) from the code instead of editing them by hand.
snapshots: install
	$(PY) tests/test_definitions.py

# Score what the pipeline publishes against the hand-written gold (evaluation/extract/). The JSON report is derived
# but committed: every version's card quotes it, keyed by the extraction code's fingerprint; run this and commit the
# report whenever tests/evaluation/test_report_fresh.py says the code changed (~1 minute).
eval: install
	$(PY) -m dagster_project.evaluation.extract_eval --json evaluation/extract/report.json

# The same harness on the held-out reports (evaluation/extract/heldout/), never used to develop the extractors.
eval-heldout: install
	$(PY) -m dagster_project.evaluation.extract_eval --heldout --check-floors --json evaluation/extract/heldout/report.json

# Real news (evaluation/extract/real/): the development part with its floors, and quantulum3 beside the pipeline.
eval-real: install
	$(PY) -m dagster_project.evaluation.real_eval --split dev --peer --check-floors

# People and places on CoNLL-2003 (Reuters; never committed): NEWSETL_CONLL_DIR names the folder holding eng.testa
# (dev, the default SPLIT), eng.testb (held out: SPLIT=test, scored once) and eng.train. The JSON report is derived.
SPLIT ?= dev
eval-conll: install
	$(PY) -m dagster_project.evaluation.conll_eval --split $(SPLIT) --json evaluation/conll/report-$(SPLIT).json

# Regenerate the data dictionary from the contracts (tests/test_card.py fails when it is out of date).
docs: install
	$(PY) -m dagster_project.publish.dictionary docs/data_dictionary.md
