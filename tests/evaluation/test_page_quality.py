"""The page benchmark: the harness's scoring on a page written here, and the floors on the real pages."""

from pathlib import Path

import pytest

from dagster_project.evaluation.page_eval import Case, Output, load_cases, pages_dir, pipeline, score


def test_snippet_scoring_counts_found_missing_and_leaked(tmp_path: Path) -> None:
    body = ("The council approved the new bridge over the river after a long debate on Monday evening.\n"
            "Construction is expected to start next spring and to last about two years in total.")
    html = (f"<html><head><title>Bridge approved</title></head><body><nav><ul><li>Subscribe to our daily "
            f"newsletter for all the latest local news</li></ul></nav><p>{body.splitlines()[0]}</p>"
            f"<p>{body.splitlines()[1]}</p></body></html>")
    (tmp_path / "bridge.html").write_text(html, encoding="utf-8")
    (tmp_path / "bridge.txt").write_text(body, encoding="utf-8")
    [case] = load_cases(tmp_path)
    assert len(case.must) == 2 and case.must_not == ["subscribe to our daily newsletter for all the latest local n"]

    def leaky(_: str) -> Output:
        return Output(body.splitlines()[0] + " Subscribe to our daily newsletter for all the latest local news",
                      "Bridge approved | Town", None)

    s, _ = score([case], leaky, "leaky")
    assert (s.precision, s.recall, s.titles_stated, s.dates_stated) == (0.5, 0.5, 0, 0)  # no .json: nothing stated
    dated = Case(case.name, html, body, "Other", "2024-01-02", case.must, case.must_not)
    s, _ = score([dated], lambda _: Output("<p>" + body + "</p>", "Bridge", "2024-01-02"), "tagged")
    assert (s.recall, s.titles_right, s.dates_right, s.pages_with_markup) == (1.0, 0, 1, 1)


@pytest.mark.integration
def test_pipeline_matches_trafilatura_on_real_pages() -> None:
    folder = pages_dir()
    cases = load_cases(folder) if folder.is_dir() else []
    if not cases:
        pytest.skip(f"no benchmark pages under {folder}: third-party pages are not committed; set "
                    "NEWSETL_PAGES_DIR (see docs/web_pages.md)")
    from dagster_project.evaluation.page_eval import bare_trafilatura

    ours, _ = score(cases, pipeline, "newsetl")
    bare, _ = score(cases, bare_trafilatura, "trafilatura")
    assert ours.f1 >= bare.f1
    assert ours.pages_with_markup == 0
    assert ours.dates_right >= 0.85 * ours.dates_stated
    assert ours.titles_right >= 0.85 * ours.titles_stated
