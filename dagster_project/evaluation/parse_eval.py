"""Parsing quality against hand-written gold, in the style of trafilatura's evaluation corpus.

``evaluation/parse/gold.json`` holds, for each annotated article, the metadata a careful reader
would record and snippets its clean body must and must not contain. This module parses the
same raw files with the pipeline's parser and reports:

* per-field accuracy (title, outlet, agency, author, published_date, dateline, language);
* split accuracy (files cut into the right number of reports);
* body snippets as a confusion matrix: a must-contain snippet found is a true positive, missing
  a false negative; a must-not-contain snippet found is a false positive, absent a true
  negative. Precision, recall and accuracy follow;
* segment kinds: each ``segments`` expectation (a snippet and a kind) is met when the snippet
  lies inside one segment of that kind (embedded posts and contributor lines are in the text, so
  the gold says which kind of segment they must be typed as, not that the text lacks them);
* syndication links (an article linked to the source annotated for it).

Run ``python -m dagster_project.evaluation.parse_eval`` (``--json`` for machine output).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dagster_project.ingest.raw import decode_bytes, sha256_hex
from dagster_project.nlp.parse import ParsedArticle, parse_file
from dagster_project.nlp.syndication import ArticleRef, find_syndication

REPO = Path(__file__).resolve().parents[2]
GOLD = REPO / "evaluation" / "parse" / "gold.json"
FLOORS = REPO / "evaluation" / "parse" / "floors.json"
FIELDS = ("title", "outlet", "agency", "author", "published_date", "dateline", "language")
SET_FIELDS = {"agency", "author"}  # several values joined by "; ", compared as sets


def _norm(value: Any) -> str:
    s = unicodedata.normalize("NFC", str(value))
    s = s.replace("\u2019", "'").replace("\u2018", "'").replace("\u201c", '"').replace("\u201d", '"')
    return re.sub(r"\s+", " ", s).strip().strip(".").casefold()


def field_matches(name: str, got: Any, gold: Any) -> bool:
    """``gold`` may be a list of acceptable values; null only matches null."""
    options = gold if isinstance(gold, list) else [gold]
    for opt in options:
        if opt is None or got is None:
            if opt is None and got is None:
                return True
            continue
        if name in SET_FIELDS:
            if {_norm(x) for x in str(got).split(";")} == {_norm(x) for x in str(opt).split(";")}:
                return True
        elif _norm(got) == _norm(opt):
            return True
    return False


@dataclass
class Report:
    fields: dict[str, list[bool]] = field(default_factory=lambda: {f: [] for f in FIELDS})
    split: list[bool] = field(default_factory=list)
    tp: int = 0
    fn: int = 0
    fp: int = 0
    tn: int = 0
    syndication: list[bool] = field(default_factory=list)
    segment_kinds: list[bool] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def metrics(self) -> dict[str, float]:
        out = {f"field_{k}": (sum(v) / len(v) if v else 1.0) for k, v in self.fields.items()}
        allf = [x for v in self.fields.values() for x in v]
        out["fields_all"] = sum(allf) / len(allf) if allf else 1.0
        out["split_accuracy"] = sum(self.split) / len(self.split) if self.split else 1.0
        out["snippet_precision"] = self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0
        out["snippet_recall"] = self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0
        total = self.tp + self.fn + self.fp + self.tn
        out["snippet_accuracy"] = (self.tp + self.tn) / total if total else 1.0
        out["syndication_accuracy"] = sum(self.syndication) / len(self.syndication) if self.syndication else 1.0
        out["segment_kind_accuracy"] = sum(self.segment_kinds) / len(self.segment_kinds) if self.segment_kinds else 1.0
        return {k: round(v, 4) for k, v in out.items()}


def parse_path(path: Path, source_file: str) -> list[ParsedArticle]:
    data = path.read_bytes()
    decoded = decode_bytes(data)
    if decoded is None:
        return []
    return parse_file(decoded[0], source_file, sha256_hex(data))


def evaluate(gold_path: Path = GOLD, root: Path = REPO, *, heldout_only: bool = False) -> Report:
    """Score the parser on the gold; ``heldout_only`` keeps the articles annotated as held out
    (written after the parser, so never used to develop it)."""
    gold = json.loads(gold_path.read_text(encoding="utf-8"))
    if heldout_only:
        gold["articles"] = [a for a in gold["articles"] if a.get("heldout")]
        keep = {a["file"] for a in gold["articles"]}
        gold["files"] = {f: n for f, n in gold["files"].items() if f in keep}
        gold["syndication"] = [x for x in gold.get("syndication", []) if x["file"] in keep]
    rep = Report()
    parsed: dict[str, list[ParsedArticle]] = {f: parse_path(root / f, f) for f in gold["files"]}
    for f, n in gold["files"].items():
        ok = len(parsed[f]) == n
        rep.split.append(ok)
        if not ok:
            rep.errors.append(f"{f}: {len(parsed[f])} article(s), gold {n}")
    for g in gold["articles"]:
        arts = parsed[g["file"]]
        art = arts[g["part"]] if g["part"] < len(arts) else None
        label = f"{g['file']}#{g['part']}"
        for name in FIELDS:
            got = None if art is None else getattr(art, name)
            if name == "published_date" and got is not None:
                got = got.isoformat()
            ok = art is not None and field_matches(name, got, g[name])
            rep.fields[name].append(ok)
            if not ok:
                rep.errors.append(f"{label} {name}: got {got!r}, gold {g[name]!r}")
        text = _norm(story_text(art)) if art is not None else ""
        for s in g["must_contain"]:
            if _norm(s) in text:
                rep.tp += 1
            else:
                rep.fn += 1
                rep.errors.append(f"{label} missing: {s!r}")
        for s in g["must_not_contain"]:
            if art is not None and _snippet_in(s, story_text(art)):
                rep.fp += 1
                rep.errors.append(f"{label} should not contain: {s!r}")
            else:
                rep.tn += 1
        for exp in g.get("segments", []):
            got_kinds = [] if art is None else segment_kinds_holding(art, exp["snippet"])
            ok = exp["kind"] in got_kinds
            rep.segment_kinds.append(ok)
            if not ok:
                rep.errors.append(f"{label} segment {exp['snippet']!r}: kind {exp['kind']!r}, got {got_kinds or 'none'}")
    ids = {(f, a.part): a.article_id for f, arts in parsed.items() for a in arts}
    links, _ = find_syndication(ArticleRef(a.article_id, a.published_date, a.text) for arts in parsed.values() for a in arts)
    source = {lk.article_id: lk.source_article_id for lk in links}
    for s in gold.get("syndication", []):
        aid = ids.get((s["file"], s["part"]))
        want = ids.get((s["source_file"], s["source_part"]))
        ok = aid is not None and want is not None and source.get(aid) == want
        rep.syndication.append(ok)
        if not ok:
            rep.errors.append(f"{s['file']}#{s['part']} not linked to {s['source_file']}#{s['source_part']}")
    return rep


# Header lines kept at the top of articles.text since parse-0.5 (the headline, the byline, the wire dateline), so
# the names in them become mentions; the gold's must/must-not snippets describe the story below them, scored
# without them.
HEADER_KINDS_IN_TEXT = ("title", "byline", "dateline")


def story_text(art: ParsedArticle) -> str:
    """``art.text`` without its headline, byline and dateline segments: the story the snippets are written against."""
    text = art.text
    for seg in sorted((s for s in art.segments if s.kind in HEADER_KINDS_IN_TEXT and s.start is not None),
                      key=lambda s: -(s.start or 0)):
        text = text[:seg.start] + text[seg.end:]
    return text


def segment_kinds_holding(art: ParsedArticle, snippet: str) -> list[str]:
    """Kinds of the segments of ``art`` whose text contains ``snippet`` (normalized), in order."""
    want = _norm(snippet)
    return [s.kind for s in art.segments if want in _norm(s.text)]


def _snippet_in(snippet: str, text: str) -> bool:
    # A snippet ending in a newline means "as a line of its own"; otherwise compare normalized text.
    if snippet.endswith("\n"):
        return snippet in text
    return _norm(snippet) in _norm(text)


def below_floors(metrics: dict[str, float], floors: dict[str, float]) -> list[str]:
    return [f"{k}: {metrics.get(k, 0.0)} < floor {v}" for k, v in floors.items() if metrics.get(k, 0.0) < v]


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--json", action="store_true", help="print the metrics as JSON")
    ap.add_argument("--gold", type=Path, default=GOLD)
    ap.add_argument("--heldout", action="store_true", help="score only the held-out articles")
    args = ap.parse_args(argv)
    rep = evaluate(args.gold, heldout_only=args.heldout)
    metrics = rep.metrics()
    floors = json.loads(FLOORS.read_text()) if FLOORS.exists() else {}
    failed = below_floors(metrics, floors)
    if args.json:
        print(json.dumps({"metrics": metrics, "errors": rep.errors, "below_floors": failed}, indent=2))
    else:
        n = len(next(iter(rep.fields.values())))
        print(f"parse evaluation: {n} gold article(s), {len(rep.split)} file(s)")
        for k, v in metrics.items():
            floor = floors.get(k)
            print(f"  {k:22s} {v:7.2%}" + (f"   (floor {floor:.2%})" if floor is not None else ""))
        print(f"  snippets: tp={rep.tp} fn={rep.fn} fp={rep.fp} tn={rep.tn}; "
              f"segment kinds: {sum(rep.segment_kinds)}/{len(rep.segment_kinds)}")
        for e in rep.errors:
            print(f"  - {e}")
        for f in failed:
            print(f"  BELOW FLOOR {f}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
