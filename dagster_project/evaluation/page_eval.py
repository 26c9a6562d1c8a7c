"""Development benchmark of real web pages: this pipeline's HTML parsing next to bare trafilatura.

The pages are third-party (news sites' HTML kept as test fixtures by news-extraction projects, e.g.
newspaper4k's ``tests/data``: ``<name>.html``, the expected main text ``<name>.txt`` and metadata
``<name>.json`` with ``title`` and ``publish_date``). They are not committed: the harness reads them from
``NEWSETL_PAGES_DIR`` (default ``/work/data/pages``), one folder per source, and says so when absent.

Body extraction is scored the ScrapingHub / trafilatura way, with snippets: *must appear* snippets are
taken from the expected text (up to 10 lines of 40+ characters, evenly spaced, first 60 characters), *must
not appear* snippets from the page's furniture (blocks of 40+ characters not in the expected text, inside
nav/footer/aside/header/form elements or elements whose class or id says menu, related, share, comment,
newsletter...). A found must-appear snippet is a true positive,
a missing one a false negative, a found must-not-appear snippet a false positive. Titles count as right
when one contains the other (case-folded, white space collapsed); dates when the calendar day equals the
expected one. "Markup" counts pages whose text still holds a tag.

The snippet selection and text normalization below are the harness's own; it shares no code with what it
scores (ingest/html.py). Run: ``python -m dagster_project.evaluation.page_eval [--json report.json]``.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import unicodedata
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

DEFAULT_PAGES_DIR = Path("/work/data/pages")
_TAG = re.compile(r"<\s*/?\s*[a-zA-Z][a-zA-Z0-9-]*(?:\s[^<>]*)?/?>")


def norm(text: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", text).split()).casefold()


_QUOTES = str.maketrans("\u2018\u2019\u201c\u201d", "''\"\"")


def title_key(text: str) -> str:
    """Titles compare without white space and with straight quotes (CJK titles space punctuation freely)."""
    return "".join(norm(text).translate(_QUOTES).split())


@dataclass(frozen=True)
class Case:
    name: str
    html: str
    expected: str
    title: str | None
    date: str | None
    must: list[str]
    must_not: list[str]


@dataclass
class Output:
    text: str
    title: str | None
    date: str | None


def _spaced(items: list[str], n: int) -> list[str]:
    if len(items) <= n:
        return items
    return [items[round(i * (len(items) - 1) / (n - 1))] for i in range(n)]


# Page furniture, by element or by a class/id word: where must-not-appear snippets are taken from. Taking every
# block missing from the expected text would count a truncated expectation's (goose3 keeps a prefix) later
# paragraphs as leaks.
_FURNITURE_TAGS = ("nav", "footer", "aside", "header", "form", "menu")
_FURNITURE = re.compile(r"nav|menu|footer|sidebar|related|share|social|comment|promo|newsletter|subscri|cookie|"
                        r"breadcrumb|widget|banner|popular|trending|recommend|more-|tags", re.IGNORECASE)


def _is_furniture(el) -> bool:  # type: ignore[no-untyped-def]
    for a in el.iterancestors():
        if a.tag in _FURNITURE_TAGS or _FURNITURE.search(f"{a.get('class', '')} {a.get('id', '')}"):
            return True
    return False


def _other_blocks(html: str, expected: str) -> list[str]:
    import lxml.html

    tree = lxml.html.fromstring(html.encode("utf-8"))
    for bad in tree.xpath("//script|//style|//noscript|//template|//head"):
        bad.drop_tree()
    exp = norm(expected)
    out = []
    for el in tree.iter("p", "li", "a", "div", "span", "h1", "h2", "h3", "h4", "td"):
        if len(el) > 3 or not _is_furniture(el):  # containers: their children are looked at themselves
            continue
        t = norm(el.text_content())
        if len(t) >= 40 and t[:60] not in exp and t[:60] not in out:
            out.append(t[:60])
    return out


def load_cases(pages_dir: Path) -> list[Case]:
    cases = []
    for html_path in sorted(pages_dir.rglob("*.html")):
        txt = html_path.with_suffix(".txt")
        if not txt.exists():
            continue
        html = html_path.read_bytes().decode("utf-8", errors="replace")
        expected = txt.read_text(encoding="utf-8", errors="replace")
        meta_path = html_path.with_suffix(".json")
        meta = json.loads(meta_path.read_text(encoding="utf-8")) if meta_path.exists() else {}
        lines = [norm(line) for line in expected.splitlines() if len(norm(line)) >= 40]
        must = [line[:60] for line in _spaced(lines, 10)]
        if not must:
            continue
        date = str(meta["publish_date"])[:10] if meta.get("publish_date") else None
        cases.append(Case(f"{html_path.parent.name}/{html_path.stem}", html, expected, meta.get("title") or None,
                          date, must, _spaced(_other_blocks(html, expected), 10)))
    return cases


def pipeline(html: str) -> Output:
    from dagster_project.ingest.html import Refusal, parse_page

    res = parse_page(html, "page.html", "0" * 64)
    if isinstance(res, Refusal) or not res:
        return Output("", None, None)
    a = res[0]
    return Output(a.text, a.title, a.published_date.isoformat() if a.published_date else None)


def bare_trafilatura(html: str) -> Output:
    from trafilatura import bare_extraction

    doc = bare_extraction(html, with_metadata=True)
    if doc is None:
        return Output("", None, None)
    d = doc.as_dict()
    return Output(d.get("text") or "", d.get("title"), (d.get("date") or "")[:10] or None)


@dataclass
class Score:
    system: str
    pages: int
    precision: float
    recall: float
    f1: float
    titles_right: int
    titles_stated: int
    dates_right: int
    dates_stated: int
    pages_with_markup: int


def score(cases: list[Case], system: Callable[[str], Output], name: str) -> tuple[Score, list[dict]]:
    tp = fn = fp = 0
    titles = dates = markup = 0
    per_page = []
    for c in cases:
        out = system(c.html)
        text = norm(out.text)
        found = sum(s in text for s in c.must)
        leaked = sum(s in text for s in c.must_not)
        tp, fn, fp = tp + found, fn + len(c.must) - found, fp + leaked
        t_ok = bool(c.title and out.title) and (title_key(c.title or "") in title_key(out.title or "")
                                                 or title_key(out.title or "") in title_key(c.title or ""))
        d_ok = c.date is not None and out.date == c.date
        has_markup = _TAG.search(out.text) is not None
        titles, dates, markup = titles + t_ok, dates + d_ok, markup + has_markup
        per_page.append({"page": c.name, "must_found": found, "must": len(c.must), "must_not_found": leaked,
                         "must_not": len(c.must_not), "title_ok": t_ok, "date_ok": d_ok, "date": out.date,
                         "expected_date": c.date, "markup": has_markup})
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * p * r / (p + r) if p + r else 0.0
    return Score(name, len(cases), round(p, 3), round(r, 3), round(f1, 3), titles,
                 sum(c.title is not None for c in cases), dates, sum(c.date is not None for c in cases),
                 markup), per_page


def pages_dir() -> Path:
    return Path(os.environ.get("NEWSETL_PAGES_DIR") or DEFAULT_PAGES_DIR)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--json", type=Path, help="write the report here")
    args = ap.parse_args(argv)
    folder = pages_dir()
    cases = load_cases(folder) if folder.is_dir() else []
    if not cases:
        print(f"no benchmark pages under {folder} (set NEWSETL_PAGES_DIR; see docs/web_pages.md)", file=sys.stderr)
        return 2
    report = {}
    for name, system in (("newsetl", pipeline), ("trafilatura", bare_trafilatura)):
        s, per_page = score(cases, system, name)
        report[name] = {"summary": asdict(s), "pages": per_page}
        print(f"{name:12} pages={s.pages} body P/R/F1={s.precision}/{s.recall}/{s.f1} "
              f"titles={s.titles_right}/{s.titles_stated} dates={s.dates_right}/{s.dates_stated} "
              f"markup={s.pages_with_markup}")
    if args.json:
        args.json.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
