"""Score the published dataset on real news: ``python -m dagster_project.evaluation.real_eval [--split dev|heldout]``.

The reports in ``evaluation/extract/real/`` are real pages (US-government public domain, Wikinews, Wikipedia; see
``real/SOURCES.md``) kept exactly as collected, junk included, and annotated by ``evaluation/extract/GUIDELINES.md``
before the pipeline ever ran on them. The development part is used to improve the code; the held-out part is scored
once and its first figures recorded unedited in ``real/README.md``.

On top of :mod:`extract_eval`'s mention/entity report, this scores what the issue that introduced the set asked for:

- **quantity triples**: precision/recall/F1 of (value, unit, counted object) per article, matched as multisets, so a
  quantity counts only when all three are right;
- **value+unit**: the same without the counted object, for the side-by-side with quantulum3;
- **metadata**: the share of published titles, dates, outlets and authors equal to the gold (``parse_eval``'s rules:
  a gold list lists acceptable values, null only matches null);
- **peer** (``--peer``): quantulum3 (pinned dev dependency) run on the same published article texts, scored on
  value+unit against the same gold.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import tempfile
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from dagster_project.evaluation.extract_eval import (
    PRF,
    REAL_DEV_GOLD_DIR,
    REAL_DIR,
    REAL_HELDOUT_GOLD_DIR,
    GoldArticle,
    PredArticle,
    build_raw_root,
    evaluate,
    format_report,
    load_gold,
    multiset_prf,
    norm_surface,
    read_published,
    run_pipeline,
)
from dagster_project.evaluation.parse_eval import field_matches

SPLITS = {"dev": REAL_DEV_GOLD_DIR, "heldout": REAL_HELDOUT_GOLD_DIR}
FLOORS_PATH = REAL_DIR / "dev" / "floors.json"
META_FIELDS = ("title", "published_date", "outlet", "author")

Triple = tuple[float | None, str, str | None]


def _value(v: Any) -> float | None:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return None
    return float(f"{float(v):.6g}")


def _noun(q: str | None) -> str | None:
    return (q or "").strip().lower() or None


def gold_quantities(g: GoldArticle) -> list[dict[str, Any]]:
    """The gold quantity records whose surface is annotated as a mention (the records a reader counted)."""
    return [q for q in g.quantities if ("quantity", norm_surface(q["surface"])) in g.mentions]


def triple_prf(gold: Sequence[GoldArticle], preds: Mapping[tuple[str, int], PredArticle], *,
               with_object: bool = True) -> tuple[PRF, list[dict[str, Any]]]:
    """(value, unit[, counted object]) per article as multisets; the errors list what was missed or spurious."""
    total, errors = PRF(), []
    for g in gold:
        p = preds.get(g.key)
        def key(value: Any, unit: str | None, noun: str | None) -> str:
            parts: tuple[Any, ...] = (_value(value), (unit or "count").lower(), _noun(noun)) if with_object \
                else (_value(value), (unit or "count").lower())
            return json.dumps(parts)
        want = Counter(key(q.get("value"), q.get("unit"), q.get("quantified")) for q in gold_quantities(g))
        got = Counter(key(m.value, m.unit, m.quantified) for m in (p.mentions if p else []) if m.type == "quantity")
        prf, missed, extra = multiset_prf(want, got)
        total.add(prf)
        if missed or extra:
            errors.append({"article": g.name, "missed": sorted(missed.elements()), "spurious": sorted(extra.elements())})
    return total, errors


def unit_accuracy(gold: Sequence[GoldArticle], preds: Mapping[tuple[str, int], PredArticle]) -> dict[str, Any]:
    """Unit parsing alone: of the gold quantities whose value a system found in the article, the share it gave the
    gold unit (each predicted quantity answers at most one gold quantity)."""
    found = right = 0
    errors = []
    for g in gold:
        p = preds.get(g.key)
        pool = [(_value(m.value), (m.unit or "count").lower()) for m in (p.mentions if p else []) if m.type == "quantity"]
        for q in gold_quantities(g):
            v, u = _value(q.get("value")), (q.get("unit") or "count").lower()
            if v is None:
                continue
            same_value = [i for i, (pv, _) in enumerate(pool) if pv == v]
            if not same_value:
                continue
            found += 1
            exact = next((i for i in same_value if pool[i][1] == u), None)
            if exact is not None:
                right += 1
                pool.pop(exact)
            else:
                errors.append(f"{g.name}: {q['surface']!r} gold {u}, got {pool[same_value[0]][1]}")
                pool.pop(same_value[0])
    return {"value_found": found, "unit_right": right, "accuracy": round(right / found, 4) if found else 1.0,
            "errors": errors}


def metadata_scores(gold: Sequence[GoldArticle], articles: Mapping[tuple[str, int], Mapping[str, Any]]) -> dict[str, Any]:
    """Share of gold articles whose published field equals the gold value (or one of the listed values)."""
    out: dict[str, Any] = {}
    errors = []
    for name in META_FIELDS:
        ok = 0
        for g in gold:
            want = (g.metadata or {}).get(name)
            row = articles.get(g.key)
            got = None if row is None else row.get(name)
            if got is not None and name == "published_date":
                got = got.isoformat()
            hit = row is not None and field_matches(name, got, want)
            ok += hit
            if not hit:
                errors.append(f"{g.name} {name}: got {got!r}, gold {want!r}")
        out[name] = {"correct": ok, "total": len(gold), "share": round(ok / len(gold), 4) if gold else 1.0}
    out["errors"] = errors
    return out


# --------------------------------------------------------------------------------------------- quantulum3 (peer)

# quantulum3 unit names -> this pipeline's normalized units (contracts/mentions.py Quantities.unit).
_PEER_UNITS = {
    "dimensionless": "count", "percentage": "percent", "pound-mass": "pound", "pound sterling": "GBP",
    "dollar": "USD", "united states dollar": "USD", "euro": "EUR", "metre": "metre", "kilometre": "kilometre",
    "mile": "mile", "nautical mile": "nautical mile", "yard": "yard", "foot": "foot", "inch": "inch",
    "tonne": "tonne", "short ton": "tonne", "long ton": "tonne", "kilogram": "kilogram", "gram": "gram",
    "litre": "litre", "gallon": "gallon", "mile per hour": "mile per hour", "kilometre per hour": "kilometre per hour",
    "knot": "knot", "degree Celsius": "degree Celsius", "degree fahrenheit": "degree Fahrenheit", "hectare": "hectare",
    "acre": "acre", "square kilometre": "square kilometre", "barrel": "barrel",
}


def peer_unit(name: str, entity: str, currency_code: str | None) -> str:
    """A quantulum3 unit in this pipeline's vocabulary; unknown units keep quantulum3's name (scored as wrong)."""
    if entity == "currency" and currency_code:
        return currency_code.upper()
    return _PEER_UNITS.get(name, _PEER_UNITS.get(name.lower(), name))


def quantulum_predictions(texts: Mapping[tuple[str, int], str]) -> dict[tuple[str, int], PredArticle]:
    """quantulum3's quantities for each article text, as predicted quantity mentions (no counted object)."""
    import warnings

    from dagster_project.evaluation.extract_eval import PredMention

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "classifier dependencies not installed": the rule-based parser is what we pin
        from quantulum3 import parser

        out: dict[tuple[str, int], PredArticle] = {}
        for key, text in texts.items():
            pred = PredArticle(*key)
            for q in parser.parse(text):
                unit = peer_unit(q.unit.name, q.unit.entity.name, getattr(q.unit, "currency_code", None))
                pred.mentions.append(PredMention("quantity", q.surface, value=q.value, unit=unit))
            out[key] = pred
    return out


# --------------------------------------------------------------------------------------------- running


def read_articles(version_dir: Path) -> dict[tuple[str, int], dict[str, Any]]:
    import polars as pl

    df = pl.read_parquet(version_dir / "articles.parquet")
    return {(r["source_file"], r["part"]): r for r in df.iter_rows(named=True)}


def score(gold: Sequence[GoldArticle], preds: Sequence[PredArticle], articles: Mapping[tuple[str, int], Mapping[str, Any]],
          *, peer: bool = False) -> dict[str, Any]:
    report = evaluate(gold, preds)
    by_key = {p.key: p for p in preds}
    triples, triple_errors = triple_prf(gold, by_key)
    value_unit, _ = triple_prf(gold, by_key, with_object=False)
    report["quantity_triples"] = {**triples.as_dict(), "errors": triple_errors}
    report["quantity_value_unit"] = value_unit.as_dict()
    report["quantity_unit_accuracy"] = unit_accuracy(gold, by_key)
    report["metadata"] = metadata_scores(gold, articles)
    if peer:
        texts = {g.key: str(articles[g.key]["text"]) for g in gold if g.key in articles}
        peer_preds = quantulum_predictions(texts)
        pv, perr = triple_prf(gold, peer_preds, with_object=False)
        report["peer_quantulum3"] = {"value_unit": pv.as_dict(), "unit_accuracy": unit_accuracy(gold, peer_preds),
                                     "errors": perr}
    return report


def run(split: str, *, peer: bool = False, keep: Path | None = None) -> dict[str, Any]:
    gold = load_gold(SPLITS[split])
    with tempfile.TemporaryDirectory(prefix="newsetl-real-") as tmp:
        work = keep if keep is not None else Path(tmp)
        raw_root = build_raw_root(work / "raw", gold)
        version_dir = run_pipeline(raw_root, work)
        report = score(gold, read_published(version_dir), read_articles(version_dir), peer=peer)
    report["split"] = split
    return report


def format_real(report: Mapping[str, Any]) -> str:
    lines = [format_report(report), ""]
    t, vu = report["quantity_triples"], report["quantity_value_unit"]
    lines.append(f"quantity (value, unit, counted object): P {t['precision']:.3f} R {t['recall']:.3f} F1 {t['f1']:.3f} "
                 f"(tp {t['tp']}, fp {t['fp']}, fn {t['fn']}); value+unit F1 {vu['f1']:.3f}")
    if "peer_quantulum3" in report:
        p = report["peer_quantulum3"]["value_unit"]
        ua = report["peer_quantulum3"]["unit_accuracy"]
        lines.append(f"quantulum3 value+unit: P {p['precision']:.3f} R {p['recall']:.3f} F1 {p['f1']:.3f} "
                     f"(tp {p['tp']}, fp {p['fp']}, fn {p['fn']}); unit right on found values "
                     f"{ua['unit_right']}/{ua['value_found']}")
        for e in ua["errors"]:
            lines.append(f"  quantulum3 unit: {e}")
    ua = report["quantity_unit_accuracy"]
    lines.append(f"pipeline unit right on found values {ua['unit_right']}/{ua['value_found']}")
    for e in ua["errors"]:
        lines.append(f"  pipeline unit: {e}")
    meta = report["metadata"]
    lines.append("metadata right: " + ", ".join(f"{k} {meta[k]['correct']}/{meta[k]['total']}" for k in META_FIELDS))
    for e in meta["errors"]:
        lines.append(f"  - {e}")
    for e in t["errors"]:
        lines.append(f"  quantity {e['article']}: missed {e['missed']} spurious {e['spurious']}")
    return "\n".join(lines)


def check_floors(report: Mapping[str, Any], floors: Mapping[str, float]) -> list[str]:
    """Scores below the pinned floors of the development part (``real/dev/floors.json``)."""
    got = flat_scores(report)
    return [f"{k} {got.get(k, 0.0):.4f} < floor {v:.2f}" for k, v in floors.items() if not k.startswith("_") and got.get(k, 0.0) < v]


def flat_scores(report: Mapping[str, Any]) -> dict[str, float]:
    out = {f"mention_{t}": report["mention"][t]["f1"] for t in ("person", "aircraft", "place", "quantity")}
    out.update({f"entity_{t}": report["entity"][t]["f1"] for t in ("person", "aircraft", "place")})
    out["quantity_triple_f1"] = report["quantity_triples"]["f1"]
    out.update({f"meta_{k}": report["metadata"][k]["share"] for k in META_FIELDS})
    return out


def main(argv: Iterable[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--split", choices=sorted(SPLITS), default="dev")
    ap.add_argument("--peer", action="store_true", help="also score quantulum3 on the same texts (dev dependency)")
    ap.add_argument("--json", type=Path, help="write the full report here")
    ap.add_argument("--keep", type=Path, help="build in this folder and keep it")
    ap.add_argument("--check-floors", action="store_true", help="exit 1 below real/dev/floors.json (dev split only)")
    args = ap.parse_args(list(argv) if argv is not None else None)
    report = run(args.split, peer=args.peer, keep=args.keep)
    print(format_real(report))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(report, ensure_ascii=False, indent=1, default=str) + "\n", encoding="utf-8")
    floors = json.loads(FLOORS_PATH.read_text(encoding="utf-8")) if FLOORS_PATH.is_file() and args.split == "dev" else {}
    failures = check_floors(report, floors)
    for f in failures:
        print(f"BELOW FLOOR: {f}", file=sys.stderr)
    return 1 if failures and args.check_floors else 0


if __name__ == "__main__":
    sys.exit(main())
