"""The committed extraction report (evaluation/extract/report.json) measures the code as it is now, and every card
quotes it.

The report is keyed by the fingerprint of the code it measured (``runtime.cache.evaluated_fingerprint``: extraction,
and the parser and resolver it is scored through). When that code changes, the first test below fails until the
report is regenerated with ``make eval`` and committed.
"""

import io
import json
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import pytest

from dagster_project.evaluation.extract_eval import check_floors, load_floors
from dagster_project.publish.card import load_reports, quality
from dagster_project.resources import PROJECT_ROOT, NlpModel
from dagster_project.runtime.cache import evaluated_fingerprint

REPORT = PROJECT_ROOT / "evaluation" / "extract" / "report.json"
REGENERATE = ("run `make eval` (about a minute) and commit evaluation/extract/report.json; every version's card "
              "quotes it")


def _report() -> dict:
    assert REPORT.is_file(), f"evaluation/extract/report.json is missing: {REGENERATE}"
    return dict(json.loads(REPORT.read_text(encoding="utf-8")))


def test_committed_report_measures_the_current_extraction_code() -> None:
    measured = _report().get("code", {}).get("fingerprint")
    current = evaluated_fingerprint(NlpModel().model)
    assert measured == current, (
        f"the extraction code changed since evaluation/extract/report.json was measured (report: {measured}, "
        f"code now: {current}): {REGENERATE}")


def test_committed_report_holds_the_floors() -> None:
    """A regenerated report below the pinned floors must not be committed as the card's figures."""
    failures = check_floors(_report(), load_floors())
    assert not failures, "\n".join(failures)


def _manifest(fingerprint: str | None) -> dict:
    lineage = {"evaluated_fingerprint": fingerprint} if fingerprint else {}
    return {"newsetl": {"lineage": lineage}}


def test_card_quotes_the_report_for_the_code_it_measured() -> None:
    reports = load_reports(PROJECT_ROOT / "evaluation", PROJECT_ROOT / "dagster_project")
    (extract,) = [r for r in reports if r.name == "extract"]
    assert extract.error is None and extract.stale is None  # judged by its fingerprint, not its file time
    fingerprint = _report()["code"]["fingerprint"]
    text = quality(reports, _manifest(fingerprint))
    assert "Measured on the extraction code that built this version" in text
    assert "not measured" not in text and "⚠" not in text
    person_f1 = _report()["mention"]["person"]["f1"]
    assert f"{person_f1:.3f}" in text

    other = quality(reports, _manifest("0" * 16))
    assert "⚠ Measured on other extraction code" in other and "`make eval`" in other


@pytest.mark.integration
def test_make_dataset_alone_gives_a_card_with_measured_scores(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from dagster_project import build, dataset

    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "report.txt").write_text(
        "Cargo jet lands in Caracas\n\nBy Ana Torres\n\nReuters, 27 March 2019\n\nCARACAS (Reuters) - A Russian "
        "Antonov An-124 landed at Maiquetia airport on Wednesday carrying 35 tonnes of cargo.\n", encoding="utf-8")
    monkeypatch.setenv("NEWSETL_RAW_DIR", str(raw))
    monkeypatch.setenv("NEWSETL_CURATED_DIR", str(tmp_path / "curated"))
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "home"))
    with redirect_stdout(io.StringIO()), redirect_stderr(io.StringIO()):
        assert build.main([]) == 0
    folder = tmp_path / "curated" / dataset.latest(tmp_path / "curated")
    card = (folder / "README.md").read_text(encoding="utf-8")
    assert "Measured on the extraction code that built this version" in card, REGENERATE
    assert "not measured" not in card
    assert f"{_report()['entity_macro_f1']:.3f}" in card or f"{_report()['mention']['place']['f1']:.3f}" in card
    assert (folder / "evaluation" / "extract" / "report.json").read_bytes() == REPORT.read_bytes()
