"""The build summary names the quarantined files and counts files and articles apart."""

from pathlib import Path

from published_rows import article_row, published_tables

from dagster_project.publish.summary import MAX_NAMED, build_summary, status_line
from dagster_project.publish.version import publish

TEXT = "Nicolas Maduro spoke in Caracas."


def _publish(curated: Path, n_quarantined: int) -> dict:
    # Two reports from one file and one from another: 3 articles from 2 files.
    arts = [article_row("a1", "two.txt", "1" * 64, "First", TEXT), article_row("a2", "two.txt", "1" * 64, "Second", TEXT),
            article_row("a3", "one.txt", "2" * 64, "Third", TEXT)]
    arts[1]["part"] = 1
    quarantine = [{"source_file": f"bad/{i:02d}.bin", "reason": "binary", "detail": "contains NUL bytes",
                   "source_sha256": f"{i:064x}"} for i in range(n_quarantined)]
    quarantine.append({"source_file": "aaa-empty.txt", "reason": "empty", "detail": "file is empty",
                       "source_sha256": None})
    tables = published_tables(articles=arts, quarantine=quarantine)
    sources = {"two.txt": "1" * 64, "one.txt": "2" * 64, **{q["source_file"]: q["source_sha256"] for q in quarantine}}
    r = publish(tables, curated, sources, {})
    return {"version": r.version, "published": r.published, "reason": r.reason, "row_counts": r.row_counts}


def test_summary_names_quarantined_files_and_labels_its_counts(tmp_path: Path) -> None:
    text = build_summary(_publish(tmp_path, 2), tmp_path)
    assert "published version 1.0.0" in text
    assert "raw files: 5; published (holding at least one article): 2 files; quarantined: 3 files" in text
    assert "articles: 3 (from 2 files)" in text
    assert "    - aaa-empty.txt: empty (file is empty)\n    - bad/00.bin: binary (contains NUL bytes)\n" in text
    assert "bad/01.bin: binary" in text and "more (all in quarantine.parquet)" not in text


def test_summary_names_at_most_the_limit_then_counts_the_rest(tmp_path: Path) -> None:
    text = build_summary(_publish(tmp_path, MAX_NAMED + 4), tmp_path)
    named = [line for line in text.splitlines() if line.startswith("    - ") and ": binary" in line]
    assert len(named) == MAX_NAMED - 1  # aaa-empty.txt comes first in path order
    assert "    - … and 5 more (all in quarantine.parquet)" in text


def test_no_change_says_latest_stays(tmp_path: Path) -> None:
    _publish(tmp_path, 1)
    again = _publish(tmp_path, 1)
    assert not again["published"]
    text = build_summary(again, tmp_path)
    assert text.startswith(f"newsetl: no change: LATEST stays 1.0.0 in {tmp_path} (no change since 1.0.0")
    assert status_line("1.2.0", False, "1.1.0") == "no change: LATEST stays 1.2.0"
    assert status_line("1.2.0", True, "1.1.0") == "published 1.2.0 (parent 1.1.0)"
    assert status_line("1.0.0", True, None) == "published 1.0.0 (first version)"
