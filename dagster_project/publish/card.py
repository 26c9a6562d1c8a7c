"""The dataset card (``README.md``) of a published version, in the Hugging Face / Datasheets style.

Everything in the card is computed from what is being published (the tables, the
``datapackage.json`` manifest, the contracts) or read from the evaluation reports on disk;
figures are never typed in. When no evaluation report exists the card says so. The extraction report is
committed, keyed by the fingerprint of the code it measured; the card says whether that is this version's code.

``write_version_docs`` is the ``extras`` hook for ``publish.version.publish``: it writes the
plots, the card, ``CITATION.cff`` and a copy of the evaluation reports it cites into the
staging folder, so they are published atomically with the data.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

from contracts.registry import PUBLISHED_TABLES
from dagster_project.publish import dictionary, plots

CARD = "README.md"
CHANGELOG = "CHANGELOG.md"
CITATION = "CITATION.cff"
EVAL_DIR = "evaluation"
REPORT = "report.json"
_METRICS = ("precision", "recall", "f1")
_COUNTS = ("tp", "fp", "fn", "support", "gold", "predicted", "n")
# Free-text columns that neither the card nor the plots read. They are read back as typed all-null columns (the
# card's schema and row counts stay those of the files): at 10,000 articles that is ~0.1 GB less at publishing.
UNREAD_COLUMNS = {"articles": ("text",), "segments": ("text",)}


@dataclass(frozen=True)
class EvalReport:
    """One evaluation report found on disk: ``evaluation/<name>/report.json``."""

    name: str
    path: str
    data: Any
    error: str | None = None
    modified: str | None = None
    stale: str | None = None


@dataclass(frozen=True)
class VersionDocs:
    """What ``write_version_docs`` wrote, relative to the version folder."""

    card: str
    plots: tuple[plots.PlotFile, ...]
    reports: tuple[str, ...]


def load_reports(eval_root: Path | None, code_root: Path | None = None) -> list[EvalReport]:
    """Every ``<eval_root>/<name>/report.json``; an unreadable one is kept with its error, not dropped.

    A report that names the code it measured (``code.fingerprint``, see ``evaluation/extract_eval.py``) is judged
    by that fingerprint in :func:`quality` (it is committed, so its file time says nothing). Any other report
    older than the newest ``*.py`` under ``code_root`` is marked stale: the code it measured has changed since.
    """
    if eval_root is None or not eval_root.is_dir():
        return []
    newest_code = max((p.stat().st_mtime for p in code_root.rglob("*.py")), default=0.0) if code_root else 0.0
    found = []
    for path in sorted(eval_root.glob(f"*/{REPORT}")):
        rel = f"{EVAL_DIR}/{path.parent.name}/{REPORT}"
        mtime = path.stat().st_mtime
        modified = _utc(mtime)
        stale = (f"The code changed after this report was written (code {_utc(newest_code)})"
                 if newest_code > mtime else None)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            found.append(EvalReport(path.parent.name, rel, None, f"{type(exc).__name__}: {exc}", modified))
            continue
        if _fingerprint(data) is not None:
            stale = None
        found.append(EvalReport(path.parent.name, rel, data, None, modified, stale))
    return found


def _fingerprint(data: Any) -> str | None:
    """The code fingerprint a report says it measured (``{"code": {"fingerprint": ...}}``), if any."""
    code = data.get("code") if isinstance(data, dict) else None
    value = code.get("fingerprint") if isinstance(code, dict) else None
    return str(value) if value else None


def _measured_on(rep: EvalReport, built: Any) -> list[str]:
    """Whether a fingerprinted report measured the code that built this version (lineage ``evaluated_fingerprint``)."""
    measured = _fingerprint(rep.data)
    if measured is None:
        return []
    if built is None:
        return [f"Measured on code fingerprint `{measured[:16]}`; this version does not record its own.", ""]
    if str(built) == measured:
        return [f"Measured on the extraction code that built this version (code fingerprint `{measured[:16]}`).", ""]
    return [f"⚠ Measured on other extraction code (fingerprint `{measured[:16]}`; this version was built with "
            f"`{str(built)[:16]}`): the figures may not describe this data. `make eval` measures the current code.",
            ""]


def _utc(timestamp: float) -> str:
    return dt.datetime.fromtimestamp(timestamp, dt.UTC).replace(microsecond=0).isoformat()


# ---------------------------------------------------------------------------------------------
# Small formatting helpers


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.3f}"
    return str(value).replace("<", "&lt;").replace(">", "&gt;").replace("|", "\\|").replace("\n", " ")


def _md_table(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(_cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


def _plural(n: int, word: str) -> str:
    return f"{n:,} {word}{'' if n == 1 else 's'}"


def _pct(part: int, whole: int) -> str:
    return f"{part:,} of {whole:,} ({100 * part / whole:.0f}%)" if whole else f"{part:,} of 0"


def _frame(tables: Mapping[str, pl.DataFrame], name: str) -> pl.DataFrame:
    return tables.get(name, pl.DataFrame())


# ---------------------------------------------------------------------------------------------
# Sections


def front_matter(manifest: Mapping[str, Any], tables: Mapping[str, pl.DataFrame]) -> str:
    """Hugging Face dataset-card YAML header: licence, language, size and one config per table."""
    biggest = max((df.height for df in tables.values()), default=0)
    bounds = ((1_000, "n<1K"), (10_000, "1K<n<10K"), (100_000, "10K<n<100K"), (1_000_000, "100K<n<1M"))
    size = next((label for limit, label in bounds if biggest < limit), "1M<n<10M")
    licence = (manifest.get("licenses") or [{"name": "other"}])[0].get("name", "other").lower()
    lines = [
        "---",
        f"pretty_name: {json.dumps(manifest.get('title', manifest.get('name', 'dataset')))}",
        f"license: {licence}",
        "language:",
        "- en",
        "task_categories:",
        "- token-classification",
        "task_ids:",
        "- named-entity-recognition",
        "size_categories:",
        f"- {size}",
        "tags:",
        "- news",
        "- entity-linking",
        "- quantities",
        f"version: {json.dumps(str(manifest.get('version', '')))}",
        "configs:",
    ]
    for name, contract in PUBLISHED_TABLES.items():
        if name in tables:
            lines += [f"- config_name: {name}", f"  data_files: {contract.filename}"]
            if name == "mentions":
                lines.append("  default: true")
    lines.append("---")
    return "\n".join(lines)


def summary(manifest: Mapping[str, Any], tables: Mapping[str, pl.DataFrame]) -> str:
    arts, mentions = _frame(tables, "articles"), _frame(tables, "mentions")
    outlets = arts["outlet"].drop_nulls().n_unique() if "outlet" in arts.columns else 0
    by_type = (
        dict(mentions.group_by("mention_type").len().sort("mention_type").iter_rows())
        if "mention_type" in mentions.columns
        else {}
    )
    parts = ", ".join(f"{n:,} {t}" for t, n in by_type.items()) or "none"
    dates = ""
    if "published_date" in arts.columns and arts["published_date"].drop_nulls().len():
        first, last = arts["published_date"].min(), arts["published_date"].max()
        dates = f", published between {first!s} and {last!s}"
    return "\n".join(
        [
            "## Summary",
            "",
            f"Version **{manifest.get('version')}** of *{manifest.get('title', manifest.get('name'))}* "
            f"(`{manifest.get('name')}`), built {manifest.get('created')}.",
            "",
            f"{_plural(arts.height, 'news article')} from {_plural(outlets, 'named outlet')}{dates}, and the "
            f"{_plural(mentions.height, 'mention')} found in them ({parts}). Every mention is a span of an "
            "article's clean text with character offsets; people, aircraft and places are linked to "
            f"{_frame(tables, 'entities').height:,} canonical entities, and quantities carry a parsed value, "
            "unit, counted noun and hedge.",
            "",
            "Use it to study who and what news reports name, and how outlets report the same numbers: "
            "which figures agree, which are hedged, which differ.",
            "",
            _md_table(["table", "rows", "file"], [(n, f"{df.height:,}", f"`{PUBLISHED_TABLES[n].filename}`")
                                                  for n, df in tables.items() if n in PUBLISHED_TABLES]),
        ]
    )


def sources(manifest: Mapping[str, Any], tables: Mapping[str, pl.DataFrame], list_limit: int = 40) -> str:
    arts = _frame(tables, "articles")
    n_files = len(manifest.get("sources", []))
    lines = [
        "## Sources",
        "",
        f"{_plural(n_files, 'raw file')} read (listed with their SHA-256 under `sources` in `datapackage.json`), "
        f"giving {_plural(arts.height, 'article')}.",
        "",
    ]
    if arts.height and "outlet" in arts.columns:
        date = pl.col("published_date") if "published_date" in arts.columns else pl.lit(None, pl.Date)
        per_outlet = (
            arts.with_columns(pl.col("outlet").fill_null("(unknown)"), date.alias("_d"))
            .group_by("outlet")
            .agg(pl.len().alias("articles"), pl.col("_d").min().alias("first"), pl.col("_d").max().alias("last"),
                 pl.col("_d").null_count().alias("undated"))
            .sort(["articles", "outlet"], descending=[True, False])
        )
        lines += [_md_table(["outlet", "articles", "first date", "last date", "undated"],
                            per_outlet.head(list_limit).iter_rows()), ""]
        if per_outlet.height > list_limit:
            lines += [f"… and {per_outlet.height - list_limit:,} more outlets.", ""]
        cols = [c for c in ("published_date", "outlet", "title", "source_file") if c in arts.columns]
        listing = arts.select(cols).sort(cols[0], nulls_last=True) if cols else arts
        lines += ["Articles:", "", _md_table(cols, listing.head(list_limit).iter_rows())]
        if arts.height > list_limit:
            lines.append(f"\n… and {arts.height - list_limit:,} more (see `articles.parquet`).")
        unknown = {c: arts[c].null_count() for c in ("outlet", "published_date", "author", "title") if c in arts.columns}
        missing = [f"{c}: {n}" for c, n in unknown.items() if n]
        if missing:
            lines += ["", "Articles whose text does not state a field have it null, not guessed: " + ", ".join(missing) + "."]
    else:
        lines.append("_No articles in this version._")
    return "\n".join(lines)


def processing(manifest: Mapping[str, Any]) -> str:
    lineage = dict(manifest.get("newsetl", {}).get("lineage", {}))
    facts = [(k, v) for k, v in lineage.items() if v is not None]
    return "\n".join(
        [
            "## Collection and processing",
            "",
            "1. **Ingest.** Every file under the raw folder is read as bytes, hashed (SHA-256) and decoded; raw files "
            "are never modified. Files that are empty, binary, undecodable or too large are not parsed and are listed "
            "in `quarantine` with a reason.",
            "2. **Parse.** Markup, navigation and boilerplate are removed; title, outlet, author, date and dateline are "
            "read from the text when it states them (else null); a file holding several reports becomes several "
            "articles. The clean body is `articles.text`; an offset map keeps every clean character's position in the "
            "raw file.",
            "3. **Extract.** A spaCy pipeline with an aircraft entity ruler finds people, aircraft, places and "
            "quantities; quantities are parsed into value, unit, counted noun and hedge.",
            "4. **Resolve.** Mentions of the same person, aircraft type or place are grouped into one canonical entity.",
            "5. **Validate and publish.** Every table is checked against its pandera contract by a blocking check; "
            "the version is staged, audited (keys, foreign keys, `text[start:end] == surface`) and moved into place "
            "atomically. Published versions are never rewritten.",
            "",
            "Lineage of this build:",
            "",
            _md_table(["fact", "value"], [(k, f"`{v}`") for k, v in facts] or [("lineage", "not recorded")]),
        ]
    )


def structure(tables: Mapping[str, pl.DataFrame]) -> str:
    observed = {name: {c: str(t) for c, t in df.schema.items()} for name, df in tables.items()}
    docs = dictionary.dictionary(observed=observed)
    rows = {name: df.height for name, df in tables.items()}
    extras = [f"`{d.name}.{c.name}`" for d in docs for c in d.columns if not c.in_contract]
    lines = [
        "## Dataset structure",
        "",
        "One Parquet file per table. The data dictionary below is generated from the pandera contracts in "
        "`contracts/` and from the files being published, so it names every column they contain. Types are "
        "polars dtypes (`String` is UTF-8, `Date` a calendar date, `Float64` a double). The same schema, as a "
        "Frictionless Table Schema with keys, is in `datapackage.json`.",
        "",
    ]
    if extras:
        lines += [
            "⚠ Columns published without a contract description (their meaning is not guaranteed across versions): "
            + ", ".join(extras) + ".",
            "",
        ]
    return "\n".join(lines) + "\n" + dictionary.render(docs, heading="###", rows=rows)


CONVENTIONS = """## Conventions

- **Ids.** `article_id` is derived from the raw file's SHA-256 and the report's position in the file, so it is
  stable across builds of the same input. `mention_id` is derived from the article, type and span. `entity_id` is
  `<type>:<key>` (for example `person:nicolas-maduro`), where the key is an accent-folded slug or a gazetteer id; it
  is stable while the canonical name is. Names in non-Latin scripts are transliterated (anyascii) and carry a short
  hash of the original for uniqueness (`person:vladimir-putin-273ec7b0`).
- **Offsets.** `mentions.start` and `mentions.end` are Python `str` indices (Unicode code points, not bytes),
  end-exclusive, into `articles.text`: `articles.text[start:end] == mentions.surface` holds for every row (checked
  before publishing). Where present, `raw_start` and `raw_end` index the same way into the raw file *as decoded*
  (its text, not its bytes), so a span can be found in the original. For web pages (`articles.source_format` =
  `html`) they index the decoded HTML; they are null where the extractor's text is not verbatim in the page
  (`articles.raw_offsets_note` says how much), never estimated.
- **Quantities.** `value` is the number as stated ("three million" is 3000000.0); `unit` is normalized (`count`
  for a number of things, `tonne`, `percent`, `USD`, ...) and the written unit is kept where the table has
  `unit_surface`, since "tons" is ambiguous. `quantified` is the counted or measured noun as written, lower-cased.
  Vague amounts ("dozens") have a null `value`.
- **Hedges.** Where the table has a `qualifier` column it holds the hedge written before the number (`about`,
  `around`, `nearly`, `up to`, `more than`, `at least`, `some`); null means the number was stated without one. A
  hedged value is the number as written, not an interval.
- **Nulls.** Null always means "not stated in the text" or "not applicable"; nothing is filled with a guess. Each
  column's null meaning is in the data dictionary above.
- **Dates.** `published_date` is a calendar date in the outlet's own reckoning; no time zone is implied."""


def _metric_rows(data: Any, path: tuple[str, ...] = ()) -> list[tuple[str, dict[str, Any]]]:
    """Every dict in a report that carries precision/recall/F1, with the path of keys leading to it."""
    found: list[tuple[str, dict[str, Any]]] = []
    if isinstance(data, dict):
        keys = {str(k).lower(): k for k in data}
        if any(m in keys for m in _METRICS):
            found.append((" / ".join(path) or "overall", {m: data[keys[m]] for m in (*_METRICS, *_COUNTS) if m in keys}))
        for k, v in data.items():
            if isinstance(v, dict | list):
                found += _metric_rows(v, (*path, str(k)))
    elif isinstance(data, list):
        for i, v in enumerate(data):
            label = str(v.get("name", v.get("type", i))) if isinstance(v, dict) else str(i)
            found += _metric_rows(v, (*path, label))
    return found


def _scalar_facts(data: Any) -> list[tuple[str, Any]]:
    if not isinstance(data, dict):
        return []
    return [(str(k), v) for k, v in data.items() if isinstance(v, str | int | float | bool) and str(k).lower() not in _METRICS]


def _find_key(data: Any, key: str) -> Any:
    if isinstance(data, dict):
        if key in data:
            return data[key]
        for v in data.values():
            hit = _find_key(v, key)
            if hit is not None:
                return hit
    return None


def quality(reports: Sequence[EvalReport], manifest: Mapping[str, Any]) -> str:
    lines = ["## Measured quality", ""]
    names = {r.name for r in reports}
    if not reports:
        return "\n".join(
            lines
            + [
                "**No evaluation report was found when this version was built** (expected "
                "`evaluation/extract/report.json`, written by `make eval` against hand-annotated gold). The "
                "extraction and parsing quality of this version is therefore **not measured**: treat every mention, "
                "entity link and quantity as unverified machine output.",
            ]
        )
    lines += [
        "Scores from the evaluation harness, which runs the pipeline on hand-annotated gold articles and compares "
        "what it publishes with the annotations. They describe the pipeline on that gold, not this version's "
        "articles, which have no gold. Copies of the reports are in this version's `evaluation/` folder.",
        "",
    ]
    lineage = manifest.get("newsetl", {}).get("lineage", {})
    for rep in reports:
        lines += [f"### {rep.name} (`{rep.path}`)", ""]
        if rep.error:
            lines += [f"The report could not be read ({rep.error}); no figures are given for it.", ""]
            continue
        lines += _measured_on(rep, lineage.get("evaluated_fingerprint"))
        if rep.modified and _fingerprint(rep.data) is None:
            lines += [f"Report written {rep.modified}.", ""]
        if rep.stale:
            lines += [f"⚠ {rep.stale}: the figures may not describe the code that built this version.", ""]
        for key in ("extractor_version", "parser_version", "git_commit"):
            reported, built = _find_key(rep.data, key), lineage.get(key)
            if reported is not None and built is not None and str(reported) != str(built):
                lines += [f"⚠ The report was measured with {key} `{reported}`, this version was built with "
                          f"`{built}`: the figures may not describe this data.", ""]
        body = _extraction_report(rep.data) if _is_extraction_report(rep.data) else _generic_report(rep.data)
        lines += [body, ""]
    if "extract" not in names:
        lines += ["No extraction report (`evaluation/extract/report.json`) was found: extraction quality is "
                  "**not measured** for this version.", ""]
    return "\n".join(lines).rstrip()


def _is_extraction_report(data: Any) -> bool:
    return isinstance(data, dict) and isinstance(data.get("mention"), dict) and isinstance(data.get("entity"), dict)


def _prf(d: Any) -> tuple[Any, Any, Any]:
    d = d if isinstance(d, dict) else {}
    return d.get("precision"), d.get("recall"), d.get("f1")


def _extraction_report(data: Mapping[str, Any], top: int = 5) -> str:
    """The extraction harness's report: per-type scores, resolution errors, quantity attributes, top errors."""
    corpus = data.get("corpus") or {}
    gold_mentions = corpus.get("mentions") or {}
    types = list(data["mention"])
    lines = []
    if corpus:
        lines += [
            f"Gold: {corpus.get('articles', '?')} articles in {corpus.get('raw_files', '?')} raw files. "
            "*Mention* scores match (type, surface) occurrences per article; *entity* scores match article × "
            "canonical entity (for quantities, article × value and unit).",
            "",
        ]
    rows = []
    for etype in types:
        mp, mr, mf = _prf(data["mention"].get(etype))
        ep, er, ef = _prf(data["entity"].get(etype))
        rows.append((etype, gold_mentions.get(etype), mp, mr, mf, ep, er, ef))
    rows.append(("**macro average**", None, None, None, data.get("mention_macro_f1"), None, None,
                 data.get("entity_macro_f1")))
    lines += [_md_table(["type", "gold mentions", "mention P", "mention R", "mention F1", "entity P", "entity R",
                         "entity F1"], rows), ""]
    resolution = data.get("resolution") or {}
    if isinstance(resolution, dict) and ("splits" in resolution or "merges" in resolution):
        splits, merges = resolution.get("splits") or [], resolution.get("merges") or []
        lines.append(f"Entity resolution: {len(splits)} gold entities split over several ids, {len(merges)} ids "
                     "merging several gold entities.")
        for s in splits[:top]:
            parts = ", ".join(f"{e.get('canonical_name')} ({e.get('mentions')})" for e in s.get("entities", []))
            lines.append(f"- split {s.get('type')} *{s.get('gold')}*: {parts}")
        for m in merges[:top]:
            lines.append(f"- merged: {json.dumps(m, ensure_ascii=False, default=str)[:160]}")
        lines.append("")
    attrs = data.get("quantity_attributes") or {}
    if isinstance(attrs, dict) and attrs:
        lines += ["Quantity attributes on matched quantity mentions:", ""]
        lines += [_md_table(["attribute", "correct", "compared", "accuracy"],
                            [(k, v.get("correct"), v.get("compared"), v.get("accuracy")) for k, v in attrs.items()
                             if isinstance(v, dict)]), ""]
    return "\n".join(lines).rstrip()


def _generic_report(data: Any) -> str:
    """Any other report: precision/recall/F1 rows where it has them, else its numeric figures."""
    rows = _metric_rows(data)
    lines = []
    if rows:
        cols = [c for c in (*_METRICS, *_COUNTS) if any(c in r for _, r in rows)]
        lines += [_md_table(["measure", *cols], [(label, *(r.get(c) for c in cols)) for label, r in rows]), ""]
    numbers = [(k, v) for k, v in _numeric_leaves(data) if k.split(" / ")[-1].lower() not in (*_METRICS, *_COUNTS)]
    if numbers:
        lines += [_md_table(["figure", "value"], numbers), ""]
    facts = [(k, v) for k, v in _scalar_facts(data) if isinstance(v, str | bool)]
    lines += [f"- {k}: `{v}`" for k, v in facts]
    return "\n".join(lines).rstrip() or "The report holds no figures."


def _numeric_leaves(data: Any, path: tuple[str, ...] = (), depth: int = 3) -> list[tuple[str, Any]]:
    if isinstance(data, bool) or depth < 0:
        return []
    if isinstance(data, int | float):
        return [(" / ".join(path), data)]
    if isinstance(data, dict):
        return [leaf for k, v in data.items() for leaf in _numeric_leaves(v, (*path, str(k)), depth - 1)]
    return []


def limitations(tables: Mapping[str, pl.DataFrame], reports: Sequence[EvalReport], model: str = "") -> str:
    mentions, quantities, quarantine = _frame(tables, "mentions"), _frame(tables, "quantities"), _frame(tables, "quarantine")
    measured: list[str] = []
    if "entity_id" in mentions.columns and "mention_type" in mentions.columns:
        linkable = mentions.filter(pl.col("mention_type") != "quantity")
        measured.append(f"Mentions of people, aircraft and places with no canonical entity (`entity_id` null): "
                        f"{_pct(linkable['entity_id'].null_count(), linkable.height)}.")
    if "value" in quantities.columns:
        measured.append(f"Quantities with no numeric value (vague amounts): "
                        f"{_pct(quantities['value'].null_count(), quantities.height)}.")
    if "quantified" in quantities.columns:
        measured.append(f"Quantities with no counted noun found (`quantified` null): "
                        f"{_pct(quantities['quantified'].null_count(), quantities.height)}.")
    if quarantine.height and "reason" in quarantine.columns:
        reasons = ", ".join(f"{r}: {n}" for r, n in quarantine.group_by("reason").len().sort("reason").iter_rows())
        measured.append(f"Raw files not published as articles: {quarantine.height} ({reasons}); see `quarantine`.")
    else:
        measured.append("No raw file was quarantined in this build.")
    if not any(r.name == "extract" and r.error is None for r in reports):
        measured.append("Extraction quality is not measured for this version (no evaluation report).")
    errors = _known_errors(reports)
    lines = [
        "## Limitations and known errors",
        "",
        f"- Mentions are machine output from a small general-purpose English spaCy model (`{model or 'unknown'}`) plus "
        "rules and gazetteers; people and places it has not seen, titles glued to names, and non-English text are "
        "the usual misses. Organisations are not extracted.",
        "- Entity resolution merges by accent-folded name, surname within an article, aircraft family and gazetteer "
        "id. Two people with one surname in one article, or one person spelled two ways across articles, can be "
        "merged or split wrongly.",
        "- The counted noun of a quantity comes from the dependency parse and is the word as written (`troops` and "
        "`soldiers` are different facts to the plots). A hedged number is recorded as stated, not as a range.",
        "- The same report syndicated by several outlets counts once per article here unless the version has a "
        "syndication table: do not read article counts as independent confirmations.",
        "- Metadata is null when the text does not state it, so outlet and date coverage is incomplete by design.",
        *([] if plots.uses_claims_table(tables) else [
            "- This version has no resolved claims table: the cross-source picture groups quantities by counted noun "
            "and unit only, so figures about different events that count the same noun share a panel."]),
        "",
        "Measured on this version:",
        "",
        *[f"- {m}" for m in measured],
    ]
    if errors:
        lines += ["", "Known errors on the gold, most frequent first (surface [gold article]):", "",
                  *[f"- {e}" for e in errors]]
    return "\n".join(lines)


def _known_errors(reports: Sequence[EvalReport], per_kind: int = 4) -> list[str]:
    """The most frequent errors a report lists (missed and spurious mentions per type, or plain error lines)."""
    out: list[str] = []
    for rep in reports:
        errors = rep.data.get("errors") if isinstance(rep.data, dict) else None
        if isinstance(errors, dict):
            for kind, by_type in errors.items():
                if not isinstance(by_type, dict):
                    continue
                for etype, counts in by_type.items():
                    if isinstance(counts, dict) and counts:
                        top = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:per_kind]
                        shown = "; ".join(f"{s} ×{n}" if n != 1 else str(s) for s, n in top)
                        out.append(f"{rep.name}, {kind.replace('_', ' ')} {etype} ({sum(counts.values())}): {shown}")
        elif isinstance(errors, list):
            out += [f"{rep.name}: {str(e)[:200]}" for e in errors[: per_kind * 4]]
    return out


def licence(manifest: Mapping[str, Any]) -> str:
    lic = (manifest.get("licenses") or [{}])[0]
    name, url = lic.get("name", "unspecified"), lic.get("path", "")
    return "\n".join(
        [
            "## Licence",
            "",
            "- **Article texts belong to their publishers.** `articles.text`, `articles.title` and `mentions.surface` "
            "quote the news reports as received; they are included so that offsets can be checked and are not "
            "relicensed. Reuse of the texts is subject to each publisher's terms and to the exceptions of your "
            "jurisdiction (research, quotation).",
            f"- **Annotations** (ids, offsets, types, entities, values, units, hedges, the tables' structure) are "
            f"released under **{name}**" + (f" ({url})" if url else "") + ".",
        ]
    )


def _year(manifest: Mapping[str, Any]) -> str:
    return str(manifest.get("created", ""))[:4] or "n.d."


def citation_cff(manifest: Mapping[str, Any]) -> str:
    """A CITATION.cff (Citation File Format 1.2.0) for this version."""
    lic = (manifest.get("licenses") or [{}])[0].get("name", "")
    return "\n".join(
        [
            "cff-version: 1.2.0",
            "message: If you use this dataset, please cite this version.",
            "type: dataset",
            f"title: {json.dumps(manifest.get('title', manifest.get('name', '')))}",
            "authors:",
            "  - name: newsetl contributors",
            f"version: {json.dumps(str(manifest.get('version', '')))}",
            f"date-released: {json.dumps(str(manifest.get('created', ''))[:10])}",
            f"license: {json.dumps(lic)}",
            "keywords:",
            "  - news",
            "  - named entities",
            "  - quantities",
            "",
        ]
    )


def citation(manifest: Mapping[str, Any]) -> str:
    version = str(manifest.get("version", ""))
    key = f"{manifest.get('name', 'dataset')}_{version}".replace("-", "_").replace(".", "_")
    bib = "\n".join(
        [
            f"@misc{{{key},",
            f"  title        = {{{manifest.get('title', manifest.get('name', ''))}}},",
            "  author       = {{newsetl contributors}},",
            f"  year         = {{{_year(manifest)}}},",
            f"  version      = {{{version}}},",
            f"  note         = {{Dataset version {version}, created {manifest.get('created', '')}}},",
            "}",
        ]
    )
    return "\n".join(
        [
            "## Citation",
            "",
            f"Cite the version you used (this is **{version}**); `{CITATION}` in this folder has the same in Citation "
            "File Format.",
            "",
            "```bibtex",
            bib,
            "```",
            "",
            "```text",
            f"newsetl contributors ({_year(manifest)}). {manifest.get('title', '')} (Version {version}) [Data set].",
            "```",
        ]
    )


def changes(manifest: Mapping[str, Any], changelog_present: bool) -> str:
    ext = manifest.get("newsetl", {})
    parent = ext.get("parent_version")
    line = f"This version: {ext.get('change', 'no change recorded')}" + (f" (parent version {parent})." if parent else ".")
    link = (f"The history of every version is in [{CHANGELOG}]({CHANGELOG})." if changelog_present
            else f"No `{CHANGELOG}` was published with this version.")
    return "\n".join(["## Changelog", "", line, link])


def pictures(files: Sequence[plots.PlotFile]) -> str:
    if not files:
        return ""
    lines = ["## Pictures", ""]
    for f in files:
        lines += [f"### {f.title}", "", f.alt, "", f"![{f.alt}]({f.path})", ""]
    return "\n".join(lines).rstrip()


def files_section(manifest: Mapping[str, Any]) -> str:
    rows = [(f"`{r.get('path')}`", f"{int(r.get('bytes', 0)):,}", f"`{str(r.get('hash', ''))[:23]}…`")
            for r in manifest.get("resources", [])]
    return "\n".join(
        [
            "## Files and loading",
            "",
            _md_table(["file", "bytes", "hash"], rows),
            "",
            "`datapackage.json` is a Frictionless Data Package (schemas, keys, hashes, lineage). Load a table with "
            "pandas, polars or DuckDB:",
            "",
            "```python",
            "import polars as pl",
            'mentions = pl.read_parquet("mentions.parquet")',
            'articles = pl.read_parquet("articles.parquet")',
            'print(mentions.join(articles, on="article_id").select("outlet", "mention_type", "surface").head())',
            "```",
        ]
    )


def render_card(
    manifest: Mapping[str, Any],
    tables: Mapping[str, pl.DataFrame],
    reports: Sequence[EvalReport] = (),
    plot_files: Sequence[plots.PlotFile] = (),
    changelog_present: bool = False,
) -> str:
    """The whole card, Markdown with a YAML header."""
    title = manifest.get("title", manifest.get("name", "Dataset"))
    order = list(PUBLISHED_TABLES)
    tables = dict(sorted(tables.items(), key=lambda kv: order.index(kv[0]) if kv[0] in order else len(order)))
    sections = [
        front_matter(manifest, tables),
        f"# {title} — version {manifest.get('version')}",
        summary(manifest, tables),
        sources(manifest, tables),
        processing(manifest),
        structure(tables).rstrip(),
        CONVENTIONS,
        quality(reports, manifest),
        pictures(plot_files),
        limitations(tables, reports, str(manifest.get("newsetl", {}).get("lineage", {}).get("spacy_model") or "")),
        files_section(manifest),
        licence(manifest),
        citation(manifest),
        changes(manifest, changelog_present),
    ]
    return "\n\n".join(s for s in sections if s) + "\n"


def strip_front_matter(card: str) -> str:
    """The card without its YAML header (for viewers that do not understand it, e.g. Dagster's)."""
    if card.startswith("---\n"):
        end = card.find("\n---\n", 4)
        if end != -1:
            return card[end + 5 :].lstrip()
    return card


def staged_tables(staging: Path) -> dict[str, pl.DataFrame]:
    """Every table already written into a staged version folder, by file stem (see ``UNREAD_COLUMNS``)."""
    out = {}
    for path in sorted(staging.glob("*.parquet")):
        schema = pl.read_parquet_schema(path)
        skip = [c for c in UNREAD_COLUMNS.get(path.stem, ()) if c in schema]
        df = pl.read_parquet(path, columns=[c for c in schema if c not in skip])
        out[path.stem] = df.with_columns(pl.lit(None, dtype=schema[c]).alias(c) for c in skip).select(list(schema))
    return out


def version_docs_extra(
    eval_root: Path | None, code_root: Path | None = None
) -> Callable[[Path, Mapping[str, Any]], None]:
    """The ``extras(staging_dir, manifest)`` hook for ``publish.version.publish``: card, plots, citation, drawn
    from the tables already staged (so the pictures show exactly what is published)."""

    def extra(staging: Path, manifest: Mapping[str, Any]) -> None:
        write_version_docs(staging, manifest, staged_tables(staging), eval_root, code_root)

    return extra


def write_version_docs(
    staging: Path,
    manifest: Mapping[str, Any],
    tables: Mapping[str, pl.DataFrame],
    eval_root: Path | None,
    code_root: Path | None = None,
) -> VersionDocs:
    """Write plots, evaluation report copies, ``CITATION.cff`` and the card into a staged version."""
    plot_files = plots.write_plots(tables, staging / "plots")
    reports = load_reports(eval_root, code_root)
    copied = []
    for rep in reports:
        if eval_root is None or rep.error:
            continue
        target = staging / rep.path
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(eval_root / rep.name / REPORT, target)
        copied.append(rep.path)
    (staging / CITATION).write_text(citation_cff(manifest), encoding="utf-8")
    card = render_card(manifest, tables, reports, plot_files, (staging / CHANGELOG).exists())
    (staging / CARD).write_text(card, encoding="utf-8")
    return VersionDocs(CARD, tuple(plot_files), tuple(copied))
