"""Score the published mentions and entities against hand-written gold.

``python -m dagster_project.evaluation.extract_eval [--json report.json]``

The harness evaluates exactly what gets published: it copies ``raw/`` and the gold corpus
(``evaluation/extract/corpus/``) into a temporary raw root, materializes every asset and check of
``dagster_project.definitions.defs`` into a temporary curated root and Dagster home, reads the
published Parquet tables back and compares them with ``evaluation/extract/gold/*.json``
(rules: ``evaluation/extract/GUIDELINES.md``).

Nothing here uses character offsets: the parser's clean text keeps changing, so mentions match on
type plus normalized surface as a multiset per article, and entities on their folded canonical name
or an alias. Measured, per type and macro-averaged over the four types:

- **mention**: precision/recall/F1 of (type, surface) occurrences per article;
- **entity**: precision/recall/F1 of article × canonical entity (quantities: article × (value, unit));
- **resolution**: gold entities split over several ``entity_id``s and ``entity_id``s merging several
  gold entities, across the whole corpus;
- **quantity attributes**: value/unit, qualifier and counted-object agreement on matched quantities.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import re
import shutil
import sys
import tempfile
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dagster_project.resources import PROJECT_ROOT

TYPES: tuple[str, ...] = ("person", "aircraft", "place", "quantity")
ENTITY_TYPES: tuple[str, ...] = ("person", "aircraft", "place")
EVAL_DIR = PROJECT_ROOT / "evaluation" / "extract"
GOLD_DIR = EVAL_DIR / "gold"
CORPUS_DIR = EVAL_DIR / "corpus"
RAW_DIR = PROJECT_ROOT / "raw"
FLOORS_PATH = EVAL_DIR / "floors.json"
# Held-out reports, written and annotated after the extractors, so never used to develop them: scored with
# ``--heldout`` (``make eval-heldout``) and kept out of the default test run.
HELDOUT_DIR = EVAL_DIR / "heldout"
HELDOUT_GOLD_DIR = HELDOUT_DIR / "gold"
HELDOUT_CORPUS_DIR = HELDOUT_DIR / "corpus"
# Real news (US-government public domain, Wikinews, Wikipedia; see real/SOURCES.md), annotated before the pipeline
# ever ran on it: a development part and a held-out part scored once (``real_eval``).
REAL_DIR = EVAL_DIR / "real"
REAL_DEV_GOLD_DIR = REAL_DIR / "dev" / "gold"
REAL_HELDOUT_GOLD_DIR = REAL_DIR / "heldout" / "gold"
# Where each gold "root" is placed inside the temporary raw root, so source_file values line up.
ROOT_PREFIX = {"raw": "", "corpus": "corpus/", "heldout": "heldout/", "real_dev": "real_dev/", "real_heldout": "real_heldout/"}
# The folder each gold "root" names.
ROOT_DIR = {"raw": RAW_DIR, "corpus": CORPUS_DIR, "heldout": HELDOUT_CORPUS_DIR,
            "real_dev": REAL_DIR / "dev" / "corpus", "real_heldout": REAL_DIR / "heldout" / "corpus"}

# Segment kinds in articles.text the gold does not annotate (GUIDELINES.md, Scope): headline, byline, header dateline.
UNANNOTATED_KINDS: tuple[str, ...] = ("title", "byline", "dateline")

_QUOTES = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"', "‐": "-", "‑": "-", "‒": "-", "–": "-", "—": "-"})


# ---------------------------------------------------------------------------------------------
# Normalization
# ---------------------------------------------------------------------------------------------


def norm_surface(text: str) -> str:
    """Mention surfaces compare exactly, up to Unicode form, quote/dash variants and white space."""
    text = unicodedata.normalize("NFKC", text).translate(_QUOTES)
    return re.sub(r"\s+", " ", text).strip()


def fold(text: str) -> str:
    """Entity names compare folded: no accents, no case, no leading 'the', uniform quotes and dashes."""
    text = unicodedata.normalize("NFKD", norm_surface(text))
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).lower()
    return re.sub(r"^the\s+", "", text)


def quantity_key(value: float | None, unit: str | None) -> tuple[float | None, str]:
    """Article-level identity of a quantity: its value (None when vague) and normalized unit."""
    v = None if value is None or (isinstance(value, float) and math.isnan(value)) else float(f"{float(value):.6g}")
    return v, (unit or "count").strip().lower()


# ---------------------------------------------------------------------------------------------
# Gold
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class GoldEntity:
    type: str
    canonical: str
    aliases: tuple[str, ...] = ()

    def names(self) -> set[str]:
        return {self.canonical, *self.aliases}


@dataclass
class GoldArticle:
    """One report's annotations, keyed by where its raw file sits in the evaluation raw root."""

    name: str
    root: str
    source_file: str
    part: int
    mentions: Counter[tuple[str, str]]
    entities: list[GoldEntity]
    quantities: list[dict[str, Any]]
    # Header metadata a careful reader records (title, published_date, outlet, author, ...); real-news gold only.
    metadata: dict[str, Any] | None = None

    @property
    def key(self) -> tuple[str, int]:
        return ROOT_PREFIX[self.root] + self.source_file, self.part


class GoldError(ValueError):
    """The gold files are inconsistent (a typo in an annotation, an unknown type, a clash of aliases)."""


def parse_gold(name: str, data: Mapping[str, Any]) -> GoldArticle:
    """Validate one gold record; every mention surface must be a name of one of the article's entities."""
    if data.get("root") not in ROOT_PREFIX:
        raise GoldError(f"{name}: root must be one of {sorted(ROOT_PREFIX)}")
    mentions: Counter[tuple[str, str]] = Counter()
    for m in data.get("mentions", []):
        if m["type"] not in TYPES:
            raise GoldError(f"{name}: unknown mention type {m['type']!r}")
        if int(m["count"]) < 1:
            raise GoldError(f"{name}: count must be >= 1 for {m}")
        mentions[(m["type"], norm_surface(m["surface"]))] += int(m["count"])
    entities = [GoldEntity(e["type"], e["canonical"], tuple(e.get("aliases", []))) for e in data.get("entities", [])]
    for e in entities:
        if e.type not in ENTITY_TYPES:
            raise GoldError(f"{name}: unknown entity type {e.type!r}")
    owner: dict[tuple[str, str], str] = {}
    for e in entities:
        for n in e.names():
            prev = owner.setdefault((e.type, fold(n)), e.canonical)
            if prev != e.canonical:
                raise GoldError(f"{name}: {e.type} name {n!r} belongs to both {prev!r} and {e.canonical!r}")
    for (mtype, surface) in mentions:
        if mtype != "quantity" and (mtype, fold(surface)) not in owner:
            raise GoldError(f"{name}: {mtype} mention {surface!r} is not a name of any gold entity")
    quantities = list(data.get("quantities", []))
    qsurfaces = {norm_surface(q["surface"]) for q in quantities}
    for (mtype, surface) in mentions:
        if mtype == "quantity" and surface not in qsurfaces:
            raise GoldError(f"{name}: quantity mention {surface!r} has no value/unit record")
    return GoldArticle(name, data["root"], data["source_file"], int(data.get("part", 0)), mentions, entities, quantities,
                       data.get("metadata"))


def load_gold(gold_dir: Path = GOLD_DIR) -> list[GoldArticle]:
    """All gold records, sorted by file name; two records for the same report are an error."""
    out = [parse_gold(p.stem, json.loads(p.read_text(encoding="utf-8"))) for p in sorted(gold_dir.glob("*.json"))]
    seen: dict[tuple[str, int], str] = {}
    for g in out:
        if g.key in seen:
            raise GoldError(f"{g.name} and {seen[g.key]} annotate the same report {g.key}")
        seen[g.key] = g.name
    return out


def _iso_country_names(names: Iterable[str]) -> set[str]:
    """ISO 3166 names (short, official, common) of the country any of ``names`` denotes, so a pycountry-style
    canonical name ("Venezuela, Bolivarian Republic of") also matches. Short aliases are not looked up, since
    pycountry would read them as country codes."""
    import pycountry

    out: set[str] = set()
    for name in names:
        if len(name) <= 3 and name != "US":
            continue
        try:
            c = pycountry.countries.lookup(name)
        except LookupError:
            continue
        out |= {n for n in (getattr(c, "name", None), getattr(c, "official_name", None), getattr(c, "common_name", None)) if n}
    return out


class AliasIndex:
    """(type, folded name) -> gold canonical name, united over the whole gold corpus."""

    def __init__(self, articles: Iterable[GoldArticle], iso_names: bool = True) -> None:
        self._index: dict[tuple[str, str], str] = {}
        for g in articles:
            for e in g.entities:
                names = e.names() | (_iso_country_names(e.names()) if iso_names and e.type == "place" else set())
                for n in names:
                    prev = self._index.setdefault((e.type, fold(n)), e.canonical)
                    if prev != e.canonical:
                        raise GoldError(f"{g.name}: {e.type} name {n!r} belongs to both {prev!r} and {e.canonical!r}")

    def lookup(self, etype: str, name: str) -> str | None:
        return self._index.get((etype, fold(name)))


# ---------------------------------------------------------------------------------------------
# Predictions (read from the published tables)
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PredMention:
    type: str
    surface: str
    entity_id: str | None = None
    canonical_name: str | None = None
    value: float | None = None
    unit: str | None = None
    quantified: str | None = None
    qualifier: str | None = None


@dataclass
class PredArticle:
    source_file: str
    part: int
    mentions: list[PredMention] = field(default_factory=list)

    @property
    def key(self) -> tuple[str, int]:
        return self.source_file, self.part


# ---------------------------------------------------------------------------------------------
# Scores
# ---------------------------------------------------------------------------------------------


@dataclass
class PRF:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    def add(self, other: PRF) -> None:
        self.tp += other.tp
        self.fp += other.fp
        self.fn += other.fn

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else (1.0 if not self.fn else 0.0)

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def as_dict(self) -> dict[str, float | int]:
        return {"tp": self.tp, "fp": self.fp, "fn": self.fn, "precision": round(self.precision, 4),
                "recall": round(self.recall, 4), "f1": round(self.f1, 4)}


def multiset_prf(gold: Counter[str], pred: Counter[str]) -> tuple[PRF, Counter[str], Counter[str]]:
    """Multiset matching: a surface predicted n times and annotated g times gives min(n, g) hits."""
    hit = gold & pred
    tp = sum(hit.values())
    missed = gold - pred
    extra = pred - gold
    return PRF(tp, sum(extra.values()), sum(missed.values())), missed, extra


def macro_f1(scores: Mapping[str, PRF]) -> float:
    return sum(scores[t].f1 for t in TYPES) / len(TYPES)


def mention_scores(gold: GoldArticle, pred: PredArticle | None) -> dict[str, tuple[PRF, Counter[str], Counter[str]]]:
    """Per type: (counts, missed surfaces, spurious surfaces) for one article."""
    out = {}
    for t in TYPES:
        g = Counter({s: n for (mt, s), n in gold.mentions.items() if mt == t})
        p = Counter(norm_surface(m.surface) for m in (pred.mentions if pred else []) if m.type == t)
        out[t] = multiset_prf(g, p)
    return out


def predicted_entities(pred: PredArticle | None, etype: str) -> dict[str, str]:
    """Distinct predicted entities of a type in one article: entity_id -> display name.

    A mention left without an entity_id (an unresolved aircraft model, say) stands for itself,
    keyed by its folded surface, so it can still be credited.
    """
    out: dict[str, str] = {}
    for m in pred.mentions if pred else []:
        if m.type != etype:
            continue
        if m.entity_id:
            out.setdefault(m.entity_id, m.canonical_name or m.surface)
        else:
            out.setdefault(f"unresolved:{fold(m.surface)}", m.surface)
    return out


def entity_scores(gold: GoldArticle, pred: PredArticle | None, index: AliasIndex) -> dict[str, tuple[PRF, list[str], list[str]]]:
    """Per type: article × canonical entity counts, with missed gold names and spurious predicted names.

    Matching is one-to-one: a second predicted entity naming the same gold entity is a false positive
    (the article then lists one real entity twice).
    """
    out: dict[str, tuple[PRF, list[str], list[str]]] = {}
    for t in ENTITY_TYPES:
        gold_names = {e.canonical for e in gold.entities if e.type == t}
        matched: set[str] = set()
        spurious: list[str] = []
        for name in predicted_entities(pred, t).values():
            canon = index.lookup(t, name)
            if canon in gold_names and canon not in matched:
                matched.add(canon)
            else:
                spurious.append(name)
        missed = sorted(gold_names - matched)
        out[t] = (PRF(len(matched), len(spurious), len(missed)), missed, sorted(spurious))
    g = Counter(quantity_key(q.get("value"), q.get("unit")) for q in gold.quantities
                if (("quantity", norm_surface(q["surface"])) in gold.mentions))
    p = Counter(quantity_key(m.value, m.unit) for m in (pred.mentions if pred else []) if m.type == "quantity")
    gset, pset = set(g), set(p)
    out["quantity"] = (PRF(len(gset & pset), len(pset - gset), len(gset - pset)),
                       sorted(map(str, gset - pset)), sorted(map(str, pset - gset)))
    return out


@dataclass
class AttributeScore:
    """Agreement of one quantity attribute on quantity mentions whose surface matched the gold."""

    compared: int = 0
    correct: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)

    @property
    def accuracy(self) -> float:
        return self.correct / self.compared if self.compared else 1.0


def quantity_attribute_scores(pairs: Iterable[tuple[str, GoldArticle, PredArticle]]) -> dict[str, AttributeScore]:
    """value+unit, qualifier and counted object on matched quantity mentions.

    A surface can mean different things in one article ("two planes", "two nations"): a predicted
    attribute is correct when any gold record for that surface in the article carries it.
    """
    scores = {k: AttributeScore() for k in ("value_unit", "qualifier", "quantified")}
    for name, gold, pred in pairs:
        by_surface: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for q in gold.quantities:
            by_surface[norm_surface(q["surface"])].append(q)
        budget = Counter({s: n for (t, s), n in gold.mentions.items() if t == "quantity"})
        for m in pred.mentions:
            s = norm_surface(m.surface)
            if m.type != "quantity" or budget[s] <= 0:
                continue
            budget[s] -= 1
            recs = by_surface[s]
            checks: dict[str, tuple[object, set[Any]]] = {
                "value_unit": (quantity_key(m.value, m.unit), {quantity_key(r.get("value"), r.get("unit")) for r in recs}),
                "qualifier": ((m.qualifier or "").lower() or None, {(r.get("qualifier") or "").lower() or None for r in recs}),
                "quantified": ((m.quantified or "").lower() or None,
                               {(r.get("quantified") or "").lower() or None for r in recs}),
            }
            for attr, (got, ok) in checks.items():
                sc = scores[attr]
                sc.compared += 1
                if got in ok:
                    sc.correct += 1
                else:
                    sc.errors.append({"article": name, "surface": s, "predicted": str(got), "gold": sorted(map(str, ok))})
    return scores


def resolution_errors(pairs: Iterable[tuple[str, GoldArticle, PredArticle]]) -> dict[str, Any]:
    """Splits and merges across the corpus, by aligning predicted mentions to gold entities via surfaces.

    A predicted mention is aligned when its surface is an annotated mention of that type in the same
    article; it then belongs to the gold entity whose names include the surface. A gold entity reached
    through several entity_ids is split; an entity_id reaching several gold entities is a merge.
    """
    ids_of: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
    gold_of: dict[str, Counter[str]] = defaultdict(Counter)
    names: dict[str, str] = {}
    unresolved: Counter[str] = Counter()
    for _name, gold, pred in pairs:
        owner = {(e.type, fold(n)): e.canonical for e in gold.entities for n in e.names()}
        for m in pred.mentions:
            if m.type == "quantity" or (m.type, norm_surface(m.surface)) not in gold.mentions:
                continue
            canon = owner.get((m.type, fold(m.surface)))
            if canon is None:
                continue
            if not m.entity_id:
                unresolved[m.type] += 1
                continue
            ids_of[(m.type, canon)][m.entity_id] += 1
            gold_of[m.entity_id][canon] += 1
            names[m.entity_id] = m.canonical_name or m.surface
    splits = [
        {"type": t, "gold": canon,
         "entities": [{"entity_id": i, "canonical_name": names[i], "mentions": n} for i, n in sorted(ids.items())]}
        for (t, canon), ids in sorted(ids_of.items()) if len(ids) > 1
    ]
    merges = [
        {"entity_id": i, "canonical_name": names[i], "gold": sorted(golds)}
        for i, golds in sorted(gold_of.items()) if len(golds) > 1
    ]
    return {"splits": splits, "merges": merges, "unresolved_mentions": dict(unresolved),
            "aligned_entities": len(ids_of), "predicted_entities_aligned": len(gold_of)}


def evaluate(gold: Sequence[GoldArticle], predicted: Sequence[PredArticle]) -> dict[str, Any]:
    """The full report, from gold records and the published mentions grouped by article."""
    index = AliasIndex(gold)
    by_key = {p.key: p for p in predicted}
    mention_total = {t: PRF() for t in TYPES}
    entity_total = {t: PRF() for t in TYPES}
    missed_m: dict[str, Counter[str]] = {t: Counter() for t in TYPES}
    extra_m: dict[str, Counter[str]] = {t: Counter() for t in TYPES}
    missed_e: dict[str, Counter[str]] = {t: Counter() for t in TYPES}
    extra_e: dict[str, Counter[str]] = {t: Counter() for t in TYPES}
    per_article = []
    pairs: list[tuple[str, GoldArticle, PredArticle]] = []
    missing = []
    for g in gold:
        p = by_key.get(g.key)
        if p is None:
            missing.append({"gold": g.name, "source_file": g.key[0], "part": g.key[1]})
        else:
            pairs.append((g.name, g, p))
        ms = mention_scores(g, p)
        es = entity_scores(g, p, index)
        row: dict[str, Any] = {"gold": g.name, "source_file": g.key[0], "part": g.key[1], "found": p is not None}
        for t in TYPES:
            prf, miss, extra = ms[t]
            mention_total[t].add(prf)
            missed_m[t].update({f"{s} [{g.name}]": n for s, n in miss.items()})
            extra_m[t].update({f"{s} [{g.name}]": n for s, n in extra.items()})
            eprf, emiss, eextra = es[t]
            entity_total[t].add(eprf)
            missed_e[t].update(f"{s} [{g.name}]" for s in emiss)
            extra_e[t].update(f"{s} [{g.name}]" for s in eextra)
            row[t] = {"mention_f1": round(prf.f1, 4), "entity_f1": round(eprf.f1, 4)}
        per_article.append(row)
    covered = {g.key for g in gold}
    ungraded = sorted(f"{k[0]}#{k[1]}" for k in by_key if k not in covered)
    attrs = quantity_attribute_scores(pairs)
    return {
        "corpus": corpus_stats(gold),
        "mention": {t: mention_total[t].as_dict() for t in TYPES},
        "mention_macro_f1": round(macro_f1(mention_total), 4),
        "entity": {t: entity_total[t].as_dict() for t in TYPES},
        "entity_macro_f1": round(macro_f1(entity_total), 4),
        "resolution": resolution_errors(pairs),
        "quantity_attributes": {k: {"compared": v.compared, "correct": v.correct, "accuracy": round(v.accuracy, 4),
                                    "errors": v.errors} for k, v in attrs.items()},
        "errors": {
            "mention_missed": {t: dict(missed_m[t].most_common()) for t in TYPES},
            "mention_spurious": {t: dict(extra_m[t].most_common()) for t in TYPES},
            "entity_missed": {t: dict(missed_e[t].most_common()) for t in TYPES},
            "entity_spurious": {t: dict(extra_e[t].most_common()) for t in TYPES},
        },
        "articles": per_article,
        "missing_articles": missing,
        "ungraded_articles": ungraded,
    }


def corpus_stats(gold: Sequence[GoldArticle]) -> dict[str, Any]:
    mentions: Counter[str] = Counter()
    for g in gold:
        for (t, _), n in g.mentions.items():
            mentions[t] += n
    article_entities = Counter(e.type for g in gold for e in g.entities)
    article_entities["quantity"] = sum(len({quantity_key(q.get("value"), q.get("unit")) for q in g.quantities}) for g in gold)
    distinct = Counter(t for t, _ in {(e.type, e.canonical) for g in gold for e in g.entities})
    return {
        "articles": len(gold),
        "raw_files": len({g.key[0] for g in gold}),
        "mentions": {t: mentions[t] for t in TYPES},
        "article_entities": {t: article_entities[t] for t in TYPES},
        "distinct_entities": {t: distinct[t] for t in ENTITY_TYPES},
    }


def check_floors(report: Mapping[str, Any], floors: Mapping[str, Any]) -> list[str]:
    """Every score below its floor (and split/merge count above its ceiling), as readable lines; empty when it passes."""
    failures = []
    for level in ("mention", "entity"):
        spec = floors.get(level, {})
        for t in TYPES:
            if t in spec and report[level][t]["f1"] < spec[t]:
                failures.append(f"{level} {t} F1 {report[level][t]['f1']:.4f} < floor {spec[t]:.2f}")
        if "macro" in spec and report[f"{level}_macro_f1"] < spec["macro"]:
            failures.append(f"{level} macro-F1 {report[f'{level}_macro_f1']:.4f} < floor {spec['macro']:.2f}")
    ceilings = floors.get("resolution", {})
    for kind in ("splits", "merges"):
        limit = ceilings.get(f"max_{kind}")
        found = len(report.get("resolution", {}).get(kind, []))
        if limit is not None and found > limit:
            failures.append(f"{found} entity {kind} > ceiling {limit}")
    return failures


# ---------------------------------------------------------------------------------------------
# Running the real pipeline
# ---------------------------------------------------------------------------------------------


def build_raw_root(dest: Path, gold: Sequence[GoldArticle], roots: Mapping[str, Path] | None = None) -> Path:
    """A raw root holding each folder the gold annotates under its prefix: raw/ at the top, the gold corpus under
    corpus/, the held-out corpus under heldout/ (files copied, never moved)."""
    roots = dict(ROOT_DIR if roots is None else roots)
    dest.mkdir(parents=True, exist_ok=True)
    for root in sorted({g.root for g in gold}):
        target = dest / ROOT_PREFIX[root]
        target.mkdir(parents=True, exist_ok=True)
        for src in sorted(roots[root].iterdir()):
            if src.is_file():
                shutil.copy2(src, target / src.name)
    for g in gold:
        if not (dest / g.key[0]).is_file():
            raise GoldError(f"{g.name}: source file {g.root}/{g.source_file} does not exist")
    return dest


@contextlib.contextmanager
def _storage_env(raw_root: Path, work: Path) -> Iterator[None]:
    """Point the storage environment at the temporary roots for the run, so nothing can reach the real ones."""
    values = {"NEWSETL_RAW_DIR": str(raw_root), "NEWSETL_CURATED_DIR": str(work / "curated"), "DAGSTER_HOME": str(work / "home")}
    saved = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def run_pipeline(raw_root: Path, work: Path) -> Path:
    """Materialize every asset and check of the project's definitions; return the published version folder."""
    import dagster as dg

    from dagster_project.assets.partitions import ALL_SHARDS_TAGS
    from dagster_project.definitions import defs
    from dagster_project.io_manager import PolarsParquetIOManager
    from dagster_project.resources import StorageRoots

    roots = StorageRoots(raw_dir=str(raw_root), curated_dir=str(work / "curated"), dagster_home=str(work / "home"))
    resources: dict[str, Any] = dict(defs.resources or {})
    resources["roots"] = roots
    resources["io_manager"] = PolarsParquetIOManager(roots=roots)
    (work / "home").mkdir(parents=True, exist_ok=True)
    with _storage_env(raw_root, work), dg.DagsterInstance.ephemeral(tempdir=str(work / "home")) as instance:
        result = dg.materialize(
            [*(defs.assets or []), *(defs.asset_checks or [])],  # type: ignore[list-item]
            resources=resources,
            instance=instance,
            raise_on_error=False,
            tags=ALL_SHARDS_TAGS,
            # The step-by-step debug log would bury the report; failures are summarized below.
            run_config={"loggers": {"console": {"config": {"log_level": "WARNING"}}}},
        )
    failed = [f"{e.asset_key.to_user_string()}:{e.check_name}" for e in result.get_asset_check_evaluations() if not e.passed]
    latest = work / "curated" / "LATEST"
    if not result.success or failed or not latest.is_file():
        steps = [e.step_key for e in result.all_events if e.event_type_value == "STEP_FAILURE"]
        raise RuntimeError(f"pipeline run failed, nothing to evaluate: failed checks {failed}, failed steps {steps}")
    return work / "curated" / latest.read_text().strip()


def read_published(version_dir: Path) -> list[PredArticle]:
    """Published mentions grouped by (source_file, part), joined with entity names and quantity details."""
    import polars as pl

    articles = pl.read_parquet(version_dir / "articles.parquet")
    # The guidelines leave the headline and the date line above the story unannotated (GUIDELINES.md, Scope).
    mentions = pl.read_parquet(version_dir / "mentions.parquet")
    if "segment_kind" in mentions.columns:  # versions before segment kinds had no header lines in the text
        mentions = mentions.filter(~pl.col("segment_kind").is_in(UNANNOTATED_KINDS))
    entities = pl.read_parquet(version_dir / "entities.parquet").select("entity_id", "canonical_name")
    quantities = pl.read_parquet(version_dir / "quantities.parquet")
    qcols = [c for c in ("value", "unit", "quantified", "qualifier") if c in quantities.columns]
    rows = (
        mentions.join(entities, on="entity_id", how="left")
        .join(quantities.select("mention_id", *qcols), on="mention_id", how="left")
        .join(articles.select("article_id", "source_file", "part"), on="article_id", how="inner")
        .sort("source_file", "part", "start", "end")
    )
    out: dict[tuple[str, int], PredArticle] = {
        (a["source_file"], a["part"]): PredArticle(a["source_file"], a["part"])
        for a in articles.select("source_file", "part").iter_rows(named=True)
    }
    for r in rows.iter_rows(named=True):
        out[(r["source_file"], r["part"])].mentions.append(PredMention(
            r["mention_type"], r["surface"], r["entity_id"], r["canonical_name"],
            r.get("value"), r.get("unit"), r.get("quantified"), r.get("qualifier"),
        ))
    return list(out.values())


def run(gold_dir: Path = GOLD_DIR, keep: Path | None = None) -> dict[str, Any]:
    """Build the evaluation corpus, run the pipeline on it, and score what it published."""
    gold = load_gold(gold_dir)
    with tempfile.TemporaryDirectory(prefix="newsetl-eval-") as tmp:
        work = keep if keep is not None else Path(tmp)
        raw_root = build_raw_root(work / "raw", gold)
        version_dir = run_pipeline(raw_root, work)
        report = evaluate(gold, read_published(version_dir))
    report["published_version"] = version_dir.name
    report["code"] = measured_code()
    return report


def measured_code() -> dict[str, str]:
    """Which code the report measured: the fingerprint it is keyed by (the card and a test compare it with the
    code's own, ``runtime.cache.evaluated_fingerprint``), and the versions a reader recognises."""
    from importlib.metadata import version

    from dagster_project.nlp.extract import EXTRACTOR_VERSION
    from dagster_project.nlp.parse import PARSER_VERSION
    from dagster_project.resources import NlpModel
    from dagster_project.runtime.cache import evaluated_fingerprint

    model = NlpModel().model
    return {"fingerprint": evaluated_fingerprint(model), "extractor_version": EXTRACTOR_VERSION,
            "parser_version": PARSER_VERSION, "spacy_model": model, "spacy_model_version": version(model)}


# ---------------------------------------------------------------------------------------------
# Output
# ---------------------------------------------------------------------------------------------


def format_report(report: Mapping[str, Any], floors: Mapping[str, Any] | None = None, top: int = 8) -> str:
    c = report["corpus"]
    lines = [
        f"extraction quality: {c['articles']} gold articles in {c['raw_files']} raw files; gold mentions "
        + ", ".join(f"{t} {c['mentions'][t]}" for t in TYPES),
        "",
        f"{'level':<8} {'type':<9} {'P':>6} {'R':>6} {'F1':>6} {'floor':>6} {'tp':>5} {'fp':>5} {'fn':>5}",
    ]
    for level in ("mention", "entity"):
        spec = (floors or {}).get(level, {})
        for t in TYPES:
            s = report[level][t]
            fl = f"{spec[t]:.2f}" if t in spec else ""
            lines.append(f"{level:<8} {t:<9} {s['precision']:>6.3f} {s['recall']:>6.3f} {s['f1']:>6.3f} {fl:>6} "
                         f"{s['tp']:>5} {s['fp']:>5} {s['fn']:>5}")
        fl = f"{spec['macro']:.2f}" if "macro" in spec else ""
        lines.append(f"{level:<8} {'macro':<9} {'':>6} {'':>6} {report[f'{level}_macro_f1']:>6.3f} {fl:>6}")
    res = report["resolution"]
    lines += ["", f"entity resolution: {len(res['splits'])} split(s), {len(res['merges'])} merge(s), "
              f"unresolved mentions {res['unresolved_mentions'] or 0}"]
    for s in res["splits"]:
        parts = "; ".join(f"{e['canonical_name']} ({e['entity_id']}, {e['mentions']})" for e in s["entities"])
        lines.append(f"  split {s['type']} {s['gold']!r}: {parts}")
    for m in res["merges"]:
        lines.append(f"  merge {m['entity_id']} ({m['canonical_name']!r}): {', '.join(m['gold'])}")
    weakest = sorted(report["articles"], key=lambda a: sum(a[t]["mention_f1"] for t in TYPES))[:5]
    lines += ["", "weakest articles (mention F1 person/aircraft/place/quantity): " + "; ".join(
        f"{a['gold']} " + "/".join(f"{a[t]['mention_f1']:.2f}" for t in TYPES) for a in weakest)]
    qa = report["quantity_attributes"]
    lines += ["", "quantity attributes on matched mentions: "
              + ", ".join(f"{k} {v['correct']}/{v['compared']}" for k, v in qa.items())]
    errs = report["errors"]
    for kind, label in (("mention_missed", "missed"), ("mention_spurious", "spurious")):
        for t in TYPES:
            items = list(errs[kind][t].items())[:top]
            if items:
                lines.append(f"  {label} {t}: " + "; ".join(f"{k} x{n}" if n > 1 else k for k, n in items))
    if report.get("missing_articles"):
        lines.append(f"gold articles not published: {[m['gold'] for m in report['missing_articles']]}")
    return "\n".join(lines)


def format_delta(report: Mapping[str, Any], baseline: Mapping[str, Any]) -> str:
    """F1 changes against an earlier report, so an extractor change is judged by its effect on every type."""
    lines = ["change against baseline (F1):"]
    for level in ("mention", "entity"):
        cells = []
        for t in TYPES:
            d = report[level][t]["f1"] - baseline[level][t]["f1"]
            cells.append(f"{t} {report[level][t]['f1']:.3f} ({d:+.3f})")
        d = report[f"{level}_macro_f1"] - baseline[f"{level}_macro_f1"]
        cells.append(f"macro {report[f'{level}_macro_f1']:.3f} ({d:+.3f})")
        lines.append(f"  {level:<8} " + ", ".join(cells))
    before = {(s["type"], s["gold"]) for s in baseline["resolution"]["splits"]}
    after = {(s["type"], s["gold"]) for s in report["resolution"]["splits"]}
    if before - after:
        lines.append("  splits fixed: " + ", ".join(g for _, g in sorted(before - after)))
    if after - before:
        lines.append("  new splits: " + ", ".join(g for _, g in sorted(after - before)))
    return "\n".join(lines)


def load_floors(path: Path = FLOORS_PATH) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--json", type=Path, help="write the full report (scores, errors, per article) to this file")
    ap.add_argument("--gold", type=Path, default=None, help="folder of gold JSON files (default: evaluation/extract/gold)")
    ap.add_argument("--heldout", action="store_true",
                    help="score the held-out reports (evaluation/extract/heldout/), never used to develop the extractors")
    ap.add_argument("--keep", type=Path, help="build in this folder and keep it (raw root, curated, home)")
    ap.add_argument("--check-floors", action="store_true", help="exit 1 when a score is below evaluation/extract/floors.json")
    ap.add_argument("--baseline", type=Path, help="an earlier --json report to print F1 changes against")
    args = ap.parse_args(argv)
    baseline = json.loads(args.baseline.read_text(encoding="utf-8")) if args.baseline else None
    gold_dir = args.gold or (HELDOUT_GOLD_DIR if args.heldout else GOLD_DIR)
    report = run(gold_dir, args.keep)
    # The held-out set has its own floors (only ever raised, like the development ones).
    floors = load_floors(HELDOUT_DIR / "floors.json" if args.heldout else FLOORS_PATH)
    print(format_report(report, floors))
    if baseline is not None:
        print()
        print(format_delta(report, baseline))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(report, ensure_ascii=False, indent=1, sort_keys=False) + "\n", encoding="utf-8")
    failures = check_floors(report, floors)
    for f in failures:
        print(f"BELOW FLOOR: {f}", file=sys.stderr)
    return 1 if failures and args.check_floors else 0


if __name__ == "__main__":
    sys.exit(main())
