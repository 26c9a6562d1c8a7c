"""Cross-source claims: the same quantity about the same thing, reported by several articles, grouped into one claim.

A *report* is one quantity mention with a value and a counted object. Reports are grouped when

1. their subjects fall in the same class: the counted noun is normalized (lower case, singular) and mapped through
   general synonym classes ("troops", "soldiers", "servicemen", "personnel" -> ``troops``; "planes", "jets",
   "aircraft" -> ``aircraft``; "equipment", "material", "cargo" -> ``cargo``), else kept as its singular form;
2. their units are equal (``tonne`` with ``tonne``; a count only with a count);
3. their values are close: within :data:`GROUP_TOLERANCE` (25 %) of each other, linked transitively.

Each article contributes one value per claim (its first report; ``n_mentions`` says how many it made). Syndicated
copies count once: given an ``article -> source article`` mapping, copies are kept as rows but flagged
``counted = False`` and left out of ``n_articles``, ``n_outlets``, min/max and agreement. A claim needs at least
:data:`MIN_ARTICLES` independent articles.

**Agreement.** Each hedge turns a value *v* into the interval of values it admits:

- flat statement: [0.99 v, 1.01 v] (news rounds);
- about, around, approximately, roughly, some, an estimated, or so, close to: [0.9 v, 1.1 v];
- nearly, almost, just under: [0.85 v, v];
- up to, at most, as many as, no more than, less than, fewer than, under, below: [0, v];
- more than, over, at least, above, upwards of, in excess of, or more, plus: [v, +inf).

The reports agree when all their intervals share at least one value; ``agreed_low``/``agreed_high`` give that
common range. "about", "around", "nearly" and "up to" 100 agree (common range [90, 100]); "about 100" and
"more than 150" do not.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

GROUP_TOLERANCE = 0.25
MIN_ARTICLES = 2

# General synonym classes for counted objects; the key is the class name used as the claim subject.
SUBJECT_CLASSES: dict[str, frozenset[str]] = {
    "troops": frozenset(["troop", "soldier", "serviceman", "servicemen", "personnel", "military", "servicemember", "service-member", "marine", "paratrooper", "commando", "infantryman", "infantrymen", "force", "sailor", "airman", "airmen", "guardsman", "guardsmen", "reservist", "conscript"]),
    "aircraft": frozenset(["aircraft", "plane", "airplane", "aeroplane", "jet", "jetliner", "airliner", "warplane"]),
    "cargo": frozenset(["equipment", "material", "materiel", "cargo", "freight", "supply", "supplies", "gear", "hardware"]),
    "people": frozenset(["people", "person", "individual"]),
    "civilians": frozenset(["civilian", "resident", "inhabitant"]),
    "refugees": frozenset(["refugee", "migrant", "asylum-seeker", "evacuee"]),
    "deaths": frozenset(["death", "dead", "fatality", "killed"]),
    "injured": frozenset(["injured", "wounded", "injury", "casualty"]),
    "countries": frozenset(["country", "nation", "state"]),
    "vehicles": frozenset(["vehicle", "truck", "lorry"]),
    "helicopters": frozenset(["helicopter", "chopper"]),
    "ships": frozenset(["ship", "vessel", "boat", "warship"]),
    "aid": frozenset(["aid", "humanitarian"]),
}
_CLASS_OF = {word: cls for cls, words in SUBJECT_CLASSES.items() for word in words}

_ROUNDING = (0.99, 1.01)
_APPROX = (0.9, 1.1)
HEDGE_INTERVALS: dict[str, tuple[float, float]] = {
    **{q: _APPROX for q in ("about", "around", "approximately", "roughly", "some", "an estimated", "estimated",
                            "circa", "approx.", "or so", "close to")},
    **{q: (0.85, 1.0) for q in ("nearly", "almost", "just under")},
    **{q: (0.0, 1.0) for q in ("up to", "at most", "as many as", "as much as", "no more than", "less than",
                               "fewer than", "under", "below", "or less", "or fewer", "as few as", "as little as")},
    **{q: (1.0, math.inf) for q in ("more than", "over", "at least", "above", "upwards of", "in excess of",
                                    "or more", "plus", "just over", "well over", "no fewer than", "no less than")},
    **{q: _ROUNDING for q in ("only", "just")},
    **{q: (0.9, 1.0) for q in ("barely",)},
    **{q: (0.5, 1.5) for q in ("perhaps", "possibly")},
}


@dataclass(frozen=True)
class Report:
    """One quantity mention usable as a claim value."""

    mention_id: str
    article_id: str
    start: int
    value: float
    unit: str
    quantified: str
    qualifier: str | None = None
    unit_surface: str | None = None
    # Set when the sentence carrying the value was copied from another article (paragraph-level syndication);
    # it then overrides the article-level mapping.
    source_article_id: str | None = None


@dataclass(frozen=True)
class ClaimValue:
    """One article's value in a claim (``claim_values`` row)."""

    claim_id: str
    article_id: str
    mention_id: str
    outlet: str | None
    value: float
    qualifier: str | None
    quantified: str
    unit_surface: str | None
    low: float
    high: float | None  # None stands for no upper bound
    source_article_id: str
    counted: bool
    n_mentions: int


@dataclass(frozen=True)
class Claim:
    """One claim (``claims`` row)."""

    claim_id: str
    subject: str
    unit: str
    value_min: float
    value_max: float
    n_articles: int
    n_reports: int
    n_outlets: int
    outlets: list[str]
    qualifiers: list[str]
    agree: bool
    agreed_low: float | None
    agreed_high: float | None


def singular(noun: str) -> str:
    """A rough English singular for matching: 'soldiers' -> 'soldier', 'supplies' -> 'supply', 'aircraft' stays."""
    w = noun.lower().strip()
    if w.endswith("men") and len(w) > 4:
        return w[:-3] + "man"
    if w.endswith("ies") and len(w) > 4:
        return w[:-3] + "y"
    if re.search(r"(?:ss|sh|ch|x|z)es$", w):
        return w[:-2]
    if w.endswith("s") and not w.endswith(("ss", "us", "is")) and len(w) > 3:
        return w[:-1]
    return w


# Called once per report, and reports repeat a handful of nouns (28,000 calls, ~0.3 s, per refresh of a 10,000-article
# corpus); the function is pure.
@lru_cache(maxsize=8192)
def normalize_subject(noun: str) -> str:
    """The claim subject for a counted noun: its synonym class, else its singular form. A compound ("crew
    members") is classed by its head word."""
    w = noun.lower().strip()
    head = w.split()[-1] if w.split() else w
    for form in (w, singular(w), head, singular(head)):
        if form in _CLASS_OF:
            return _CLASS_OF[form]
    return singular(w)


def hedge_interval(value: float, qualifier: str | None) -> tuple[float, float]:
    """Values admitted by a hedged report (see the module docstring)."""
    lo, hi = HEDGE_INTERVALS.get(qualifier or "", _ROUNDING)
    return value * lo, value * hi if math.isfinite(hi) else math.inf


def _close(a: float, b: float) -> bool:
    top = max(abs(a), abs(b))
    return top == 0 or abs(a - b) <= GROUP_TOLERANCE * top


def _clusters(reports: Sequence[Report]) -> list[list[Report]]:
    """Single-linkage groups of reports whose values are within the tolerance of a neighbour (sorted by value)."""
    ordered = sorted(reports, key=lambda r: (r.value, r.article_id, r.start))
    groups: list[list[Report]] = []
    for r in ordered:
        if groups and _close(groups[-1][-1].value, r.value):
            groups[-1].append(r)
        else:
            groups.append([r])
    return groups


def _claim_id(subject: str, unit: str, sources: Iterable[str], value: float) -> str:
    key = f"{subject}|{unit}|{','.join(sorted(set(sources)))}|{value:g}"
    return hashlib.sha256(key.encode()).hexdigest()[:16]


def _group_outlet(article: str, src_of: Mapping[str, str], outlet_of: Mapping[str, str | None]) -> str | None:
    """The outlet a counted report stands for: its own, else (when unknown) that of a copy of the same source."""
    own = outlet_of.get(article)
    if own:
        return own
    src = src_of[article]
    return next((o for a, s in sorted(src_of.items()) if s == src and (o := outlet_of.get(a))), None)


def group_claims(
    reports: Iterable[Report],
    outlet_of: Mapping[str, str | None] | None = None,
    source_of: Mapping[str, str] | None = None,
    min_articles: int = MIN_ARTICLES,
) -> tuple[list[Claim], list[ClaimValue]]:
    """Group reports into cross-source claims (see the module docstring).

    ``outlet_of`` maps article -> outlet; ``source_of`` maps a syndicated article to the earliest article it copies
    (articles absent from it are their own source); a report's own ``source_article_id`` (its paragraph was copied)
    takes precedence.
    """
    outlet_of = outlet_of or {}
    source_of = source_of or {}
    by_key: dict[tuple[str, str], list[Report]] = {}
    for r in reports:
        if r.value is None or not r.quantified or not math.isfinite(r.value):
            continue
        by_key.setdefault((normalize_subject(r.quantified), r.unit), []).append(r)
    claims: list[Claim] = []
    values: list[ClaimValue] = []
    for (subject, unit), group in sorted(by_key.items()):
        for cluster in _clusters(group):
            per_article: dict[str, list[Report]] = {}
            for r in sorted(cluster, key=lambda r: (r.article_id, r.start)):
                per_article.setdefault(r.article_id, []).append(r)
            firsts = {a: rs[0] for a, rs in per_article.items()}
            src_of = {a: r.source_article_id or source_of.get(a, a) for a, r in firsts.items()}
            # A copy is not counted when its source is in the claim; copies of one absent source count once.
            members = set(firsts)
            seen_src: set[str] = set()
            independent: set[str] = set()
            for a in sorted(firsts):
                src = src_of[a]
                if (src != a and src in members) or src in seen_src:
                    continue
                seen_src.add(src)
                independent.add(a)
            if len(independent) < min_articles:
                continue
            vals = [firsts[a].value for a in independent]
            intervals = [hedge_interval(firsts[a].value, firsts[a].qualifier) for a in independent]
            low = max(i[0] for i in intervals)
            high = min(i[1] for i in intervals)
            agree = low <= high
            cid = _claim_id(subject, unit, (src_of[a] for a in independent), min(vals))
            outlets = sorted({o for a in independent if (o := _group_outlet(a, src_of, outlet_of))})
            claims.append(Claim(
                cid, subject, unit, min(vals), max(vals), len(independent), len(firsts), len(outlets), outlets,
                sorted({firsts[a].qualifier or "" for a in independent} - {""}), agree,
                low if agree else None, (high if math.isfinite(high) else None) if agree else None,
            ))
            for a, r in sorted(firsts.items()):
                lo, hi = hedge_interval(r.value, r.qualifier)
                values.append(ClaimValue(
                    cid, a, r.mention_id, outlet_of.get(a), r.value, r.qualifier, r.quantified, r.unit_surface,
                    lo, hi if math.isfinite(hi) else None, src_of[a], a in independent,
                    len(per_article[a]),
                ))
    return claims, values


def paragraph_sources(
    mentions: Iterable[tuple[str, str, int, int]],
    paragraphs: Iterable[tuple[str, int, int, str]],
) -> dict[str, str]:
    """``mention -> source article`` for mentions inside a paragraph copied from an earlier article.

    ``mentions`` are ``(mention_id, article_id, start, end)``; ``paragraphs`` are ``(article_id, start, end,
    source_article_id)`` (the parse layer's ``syndicated_paragraphs``). A report whose sentence was copied counts
    for the article it was copied from, even when the rest of the article is original.
    """
    by_article: dict[str, list[tuple[int, int, str]]] = {}
    for article_id, start, end, source in paragraphs:
        by_article.setdefault(article_id, []).append((start, end, source))
    out: dict[str, str] = {}
    for mention_id, article_id, start, end in mentions:
        for p_start, p_end, source in by_article.get(article_id, ()):
            if p_start <= start and end <= p_end and source != article_id:
                out[mention_id] = source
                break
    return out
