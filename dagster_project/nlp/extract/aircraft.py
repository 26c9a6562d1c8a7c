"""Aircraft: the reference table of families, candidate patterns and their matcher, and resolution.

How an aircraft mention is found and resolved (general, table-driven; nothing here knows the seed articles):

1. ``aircraft_ruler`` (a :class:`CandidateMatcher` built from :func:`ruler_patterns`) proposes candidate spans: a
   designator-shaped token ("An-124", "IL-62", "KJ-500", "F-16s", "A320neo"), a known prefix or maker word plus a
   number ("AN 124", "Antonov 124", "Boeing 737", "JAS 39"), a maker plus either of those ("Ilyushin IL-62"), and
   the names of the table ("Globemaster", "Black Hawk").
2. ``aircraft_resolver`` (:func:`resolve_aircraft_ents`) takes in glued variant suffixes ("IL-62" + "M") and
   trailing family names ("C-17 Globemaster III"), looks the text up with :func:`lookup` (tolerant of case,
   dashes, spacing and the I/l/1 confusion of typed or scanned text; variants map to their family) and keeps a
   candidate only when the evidence is strong enough:

   - a resolved designator is kept unless it is short and ambiguous (one-letter prefix and at most two digits,
     no maker: "C-5", "B-2", "J-20"), which needs aviation words in the sentence;
   - an unresolved designator ("Xian Y-30") needs a maker written before it, or an aircraft noun right after or
     just before it ("KJ-600 early-warning aircraft"), and is never kept next to words that show another kind of
     designator ("F-1 visa", "A-1 highway", "M-23 rebels", "G-20 summit", "COVID-19");
   - a name alone ("Hercules") needs aviation words in the sentence and must not be part of a longer proper name
     ("Ruslan Pukhov").

Unresolved designators keep ``family`` null; their entity is ``aircraft:unresolved:<slug of the designator>``.
"""

from __future__ import annotations

import csv
import itertools
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the reference table and entity ids are used without spaCy (entity resolution, publishing)
    from spacy.tokens import Doc, Span, Token
    from spacy.vocab import Vocab

from dagster_project.nlp.text import slug, strip_accents

AIRCRAFT_LABEL = "AIRCRAFT"
ROLES = (
    "cargo", "passenger", "bomber", "fighter", "attack", "helicopter", "tanker", "business",
    "reconnaissance", "patrol", "trainer", "utility", "drone",
)
UNRESOLVED_PREFIX = "aircraft:unresolved:"

_DASHES = "‐‑‒–—-"
# A designator: letters (possibly with the I/l/1 confusion or a slash, "F/A-18"), optional separator, a code
# starting with a digit.
_DESIGNATOR_RE = re.compile(r"^(?P<prefix>[a-z1/]*[a-z](?: [a-z]+)?)?[ -]?(?P<code>\d[a-z0-9-]*)$")
_ROMAN_RE = re.compile(r"^(?:i{1,3}|iv|v)$")

# Head nouns that make a designator-shaped token an aircraft ("KJ-500 early-warning aircraft").
AIRCRAFT_NOUNS = frozenset(
    ["aircraft", "airplane", "airplanes", "aeroplane", "aeroplanes", "plane", "planes", "jet", "jets", "jetliner", "jetliners", "airliner", "airliners", "bomber", "bombers", "fighter", "fighters", "helicopter", "helicopters", "chopper", "choppers", "gunship", "gunships", "freighter", "freighters", "airlifter", "airlifters", "tanker", "tankers", "drone", "drones", "uav", "uavs", "warplane", "warplanes", "interceptor", "interceptors", "turboprop", "turboprops", "airframe", "airframes", "seaplane", "seaplanes", "transport", "transports", "trainer", "trainers", "airship", "rotorcraft", "tiltrotor"]
)
# Words that put a sentence in aviation context, beside the nouns above.
AVIATION_WORDS = AIRCRAFT_NOUNS | frozenset(
    ["flew", "fly", "flies", "flying", "flown", "flight", "flights", "landed", "landing", "landings", "takeoff", "airport", "airports", "airbase", "airbases", "airfield", "airfields", "runway", "runways", "tarmac", "pilot", "pilots", "squadron", "squadrons", "sortie", "sorties", "cockpit", "hangar", "hangars", "aviation", "aerial", "airspace", "airlift", "airlifted", "crashed", "crash", "aircrew", "airmen", "airshow", "air-force", "airforce", "airline", "airlines", "carrier", "carriers", "grounded", "delivery", "deliveries", "fleet", "fleets"]
)
# Nouns after (or before) a designator-shaped token that show it names something other than an aircraft.
_NOT_AIRCRAFT_CONTEXT = frozenset(
    ["visa", "visas", "highway", "highways", "motorway", "road", "roads", "route", "routes", "interstate", "rebels", "rebel", "group", "groups", "summit", "summits", "meeting", "virus", "vaccine", "vaccines", "variant", "pandemic", "rifle", "rifles", "tank", "tanks", "missile", "missiles", "rocket", "rockets", "launcher", "launchers", "system", "systems", "howitzer", "howitzers", "vehicle", "vehicles", "truck", "trucks", "ship", "ships", "frigate", "frigates", "destroyer", "destroyers", "corvette", "corvettes", "submarine", "submarines", "satellite", "satellites", "engine", "engines", "bus", "buses", "train", "trains", "gun", "guns", "mortar", "mortars", "grenade", "grenades", "form", "forms", "class", "resolution", "section", "article", "chapter", "flight", "bill", "law", "regulation", "stage", "phase", "level", "platform", "gate", "terminal", "lane", "exit", "junction"]
)


@dataclass(frozen=True)
class AircraftFamily:
    """One row of ``data/aircraft.csv``."""

    family: str
    manufacturer: str
    model: str
    prefixes: tuple[str, ...]
    number: str
    aliases: tuple[str, ...]
    variants: tuple[str, ...]
    role: str


@dataclass(frozen=True)
class Manufacturer:
    """One row of ``data/aircraft_manufacturers.csv``."""

    manufacturer: str
    aliases: tuple[str, ...]
    country: str


@dataclass(frozen=True)
class AircraftMatch:
    """What a surface resolves to: a family (or None when unresolved) and how it was recognized."""

    family: AircraftFamily | None
    designator: str | None  # canonical designator as written when unresolved ("KJ-500"), the family when resolved
    maker: Manufacturer | None
    via: str  # "designator", "maker-number", "alias" or "none"
    prefix: str = ""
    code: str = ""


def _split(cell: str) -> tuple[str, ...]:
    return tuple(p.strip() for p in cell.split("|") if p.strip())


def _read_csv(name: str) -> list[dict[str, str]]:
    text = resources.files("dagster_project.data").joinpath(name).read_text(encoding="utf-8")
    return list(csv.DictReader(text.splitlines()))


@lru_cache(maxsize=1)
def load_aircraft_table() -> tuple[AircraftFamily, ...]:
    """The packaged reference table (``dagster_project/data/aircraft.csv``)."""
    return tuple(
        AircraftFamily(
            r["family"], r["manufacturer"], r["model"], _split(r["prefixes"]), r["number"].strip().lower(),
            _split(r["aliases"]), _split(r["variants"]), r["role"],
        )
        for r in _read_csv("aircraft.csv")
    )


@lru_cache(maxsize=1)
def load_manufacturers() -> tuple[Manufacturer, ...]:
    """The packaged manufacturer table (``dagster_project/data/aircraft_manufacturers.csv``)."""
    return tuple(
        Manufacturer(r["manufacturer"], _split(r["aliases"].lower()), r["country"])
        for r in _read_csv("aircraft_manufacturers.csv")
    )


def aircraft_family_records() -> list[dict[str, Any]]:
    """The reference table as records for a published frame (list columns for the pipe-separated cells)."""
    makers = {m.manufacturer: m for m in load_manufacturers()}
    return [
        {
            "family": f.family, "manufacturer": f.manufacturer, "model": f.model, "role": f.role,
            "designator_prefixes": list(f.prefixes), "number": f.number or None, "aliases": list(f.aliases),
            "variants": list(f.variants), "manufacturer_country": makers[f.manufacturer].country
            if f.manufacturer in makers else None,
        }
        for f in load_aircraft_table()
    ]


def fold_text(text: str) -> str:
    """Accent-folded, lower-cased text with every dash as '-' and spaces collapsed."""
    t = re.sub(rf"[{_DASHES}]", "-", strip_accents(text).lower())
    return re.sub(r"\s+", " ", t).strip()


def _fold_prefix(prefix: str) -> str:
    """Prefix key: I, l and 1 are one letter in typed or scanned designators ("II-62", "1l-62" = "Il-62")."""
    return re.sub(r"[l1]", "i", prefix.replace(" ", "").replace("/", ""))


def _norm_code(code: str) -> str:
    return re.sub(r"-+", "-", code.replace(" ", "-")).strip("-")


def parse_designator(text: str) -> tuple[str, str] | None:
    """'IL-62M' -> ('ii', '62m'); 'Boeing 737-800' is not a bare designator (maker first): None."""
    t = fold_text(text)
    m = _DESIGNATOR_RE.match(t)
    if not m:
        return None
    return _fold_prefix(m.group("prefix") or ""), _norm_code(m.group("code"))


@dataclass(frozen=True)
class _Index:
    by_code: dict[tuple[str, str], AircraftFamily]
    by_maker: dict[tuple[str, str], AircraftFamily]
    by_alias: dict[str, AircraftFamily]
    makers: dict[str, Manufacturer]  # folded alias -> manufacturer
    prefixes: frozenset[str]  # folded designator prefixes of the table
    bare_series: dict[str, AircraftFamily]  # "777" of "777-9": numbers written bare with a series


@lru_cache(maxsize=1)
def _index() -> _Index:
    table = load_aircraft_table()
    by_code: dict[tuple[str, str], AircraftFamily] = {}
    by_alias: dict[str, AircraftFamily] = {}
    maker_codes: dict[tuple[str, str], list[AircraftFamily]] = {}
    makers = {a: m for m in load_manufacturers() for a in m.aliases}
    for fam in table:
        if fam.number:
            for p in fam.prefixes:  # families named by maker and number only ("Bell 206") go in by_maker
                by_code.setdefault((_fold_prefix(p), _norm_code(fam.number)), fam)
            maker_codes.setdefault((fam.manufacturer, _norm_code(fam.number)), []).append(fam)
        for alias in fam.aliases:
            by_alias.setdefault(fold_text(alias), fam)
        for variant in fam.variants:
            low = fold_text(variant)
            maker = _leading_maker(low, makers)
            rest = low[len(maker[0]):].strip(" -") if maker else low
            parsed = parse_designator(rest)
            if parsed and parsed[0]:
                by_code.setdefault(parsed, fam)
            elif parsed and maker:
                maker_codes.setdefault((maker[1].manufacturer, parsed[1]), []).append(fam)
            elif parsed and not parsed[1].isdigit():
                by_code.setdefault(parsed, fam)  # a bare code that names one variant ("737-800", "737 max")
            else:
                by_alias.setdefault(low, fam)
    # "Antonov 124", "Bell 206": a maker plus a number, kept only when the number names one family of that maker.
    by_maker = {k: v[0] for k, v in maker_codes.items() if len({f.family for f in v}) == 1}
    prefixes = frozenset(_fold_prefix(p) for f in table for p in f.prefixes)
    bare_series = {m.group(1): fam for (p, c), fam in by_code.items() if not p and (m := re.match(r"^(\d{3})-", c))}
    return _Index(by_code, by_maker, by_alias, makers, prefixes, bare_series)


def _leading_maker(low: str, makers: dict[str, Manufacturer]) -> tuple[str, Manufacturer] | None:
    """The longest manufacturer name at the start of ``low``, followed by a space, a dash or the end."""
    best: tuple[str, Manufacturer] | None = None
    for alias, maker in makers.items():
        at_boundary = low.startswith(alias) and (len(low) == len(alias) or low[len(alias)] in " -")
        if at_boundary and (best is None or len(alias) > len(best[0])):
            best = (alias, maker)
    return best


def _code_lookup(index: _Index, prefix: str, code: str) -> AircraftFamily | None:
    """Exact code, else the longest table code the written one starts with at a boundary ('62mk' -> '62m' -> '62')."""
    hit = index.by_code.get((prefix, code))
    if hit is not None:
        return hit
    best: tuple[int, AircraftFamily] | None = None
    for (p, c), fam in index.by_code.items():
        if p != prefix or not code.startswith(c) or len(c) == len(code):
            continue
        nxt = code[len(c)]
        if (c[-1].isalpha() or not nxt.isdigit()) and (best is None or len(c) > best[0]):
            best = (len(c), fam)
    return best[1] if best else None


def _related_prefix_lookup(index: _Index, prefix: str, code: str) -> AircraftFamily | None:
    """A written prefix that adds one or two letters to a table prefix for the same number: national or mission
    letters written before it ('CC-130J', 'KC-390', 'EC-130') or a maker's longer prefix ('CN-295' for C-295).
    Kept only when exactly one family answers, so it never guesses between two."""
    if not prefix.isalpha() or len(prefix) > 3:
        return None
    hits = set()
    for p in index.prefixes:
        if p == prefix or not p.isalpha() or not (prefix.endswith(p) or prefix.startswith(p)) \
                or len(prefix) - len(p) > 2:
            continue
        fam = _code_lookup(index, p, code)
        if fam is not None:
            hits.add(fam)
    return next(iter(hits)) if len(hits) == 1 else None


def _alias_lookup(index: _Index, text: str) -> AircraftFamily | None:
    """A family name, also in the plural ('Bears', 'Typhoons', 'Fighting Falcons')."""
    for form in (text, re.sub(r"s$", "", text), re.sub(r"es$", "", text)):
        if form in index.by_alias:
            return index.by_alias[form]
    return None


def lookup(text: str) -> AircraftMatch:
    """Resolve a surface to its family: 'II-62', 'IL-62M', 'Ilyushin Il-62' -> Il-62; 'Xian Y-30' -> unresolved."""
    index = _index()
    low = fold_text(text).strip(" -'’")
    low = re.sub(r"['’]s$", "", low)
    maker_hit = _leading_maker(low, index.makers)
    maker = maker_hit[1] if maker_hit else None
    rest = low[len(maker_hit[0]):].strip(" -") if maker_hit else low
    if not rest and maker is not None:
        # The whole text is a maker name that is also a family name ("Eurofighter"), or nothing.
        fam = index.by_alias.get(low)
        return AircraftMatch(fam, fam.family if fam else None, maker, "alias" if fam else "none")
    fam = _alias_lookup(index, rest)
    if fam is not None:
        return AircraftMatch(fam, fam.family, maker, "alias")
    # "737 MAX 9" -> "737-max-9"
    rest = re.sub(r"^(\d{3}) (max|neo|ng|er|lr|xlr)(?: (\d{1,2})s?)?$", lambda m: "-".join(g for g in m.groups() if g), rest)
    words = rest.split(" ")
    # Drop trailing family names or roman numerals: "c-17 globemaster iii" -> "c-17".
    for cut in range(len(words) - 1, 0, -1):
        head, tail = " ".join(words[:cut]), " ".join(words[cut:])
        tail_core = re.sub(r" (?:i{1,3}|iv)s?$", "", tail)
        if _alias_lookup(index, tail_core) is not None or _alias_lookup(index, tail) is not None or _ROMAN_RE.match(tail) or tail in ("max", "neo", "ng", "mrtt"):
            rest_head = parse_designator(head)
            if rest_head:
                rest = head if tail not in ("max", "neo", "ng", "mrtt") else rest
                break
    parsed = parse_designator(rest)
    if parsed is None:
        return AircraftMatch(None, None, maker, "none")
    prefix, code = parsed
    code_base = re.sub(r"(?<=\d)s$", "", code)  # plural "F-16s"
    if prefix:
        fam = _code_lookup(index, prefix, code) or _code_lookup(index, prefix, code_base)
        if fam is None and prefix not in index.makers:
            fam = _related_prefix_lookup(index, prefix, code_base)
        if fam is not None:
            return AircraftMatch(fam, fam.family, maker, "designator", prefix, code_base)
        if prefix in index.makers:
            maker = index.makers[prefix]
            prefix = ""
    if not prefix:
        fam = _code_lookup(index, "", code)
        lettered = re.fullmatch(r"\d{3}[a-z]{1,3}", code_base) is not None  # "777f", "767er"
        series = re.match(r"^(\d{3})(?:-[a-z0-9]+|[a-z]{1,3})?$", code_base) \
            if code != code_base or "-" in code or lettered else None
        if fam is None and series:
            fam = index.bare_series.get(series.group(1))
        if fam is None and maker is not None:
            fam = index.by_maker.get((maker.manufacturer, code_base))
            if fam is None:
                m = re.match(r"^(\d+[a-z]*)", code_base)
                fam = index.by_maker.get((maker.manufacturer, m.group(1))) if m else None
                if fam is None and m:
                    digits = re.match(r"^\d+", code_base)
                    fam = index.by_maker.get((maker.manufacturer, digits.group(0))) if digits else None
        if fam is not None:
            return AircraftMatch(fam, fam.family, maker, "maker-number", "", code_base)
        return AircraftMatch(None, None, maker, "none", "", code_base)
    written = re.sub(rf"^[\s{_DASHES}]+", "", text)
    return AircraftMatch(None, canonical_designator(rest if not maker_hit else written), maker, "designator",
                         prefix, code_base)


@lru_cache(maxsize=1)
def airliner_series() -> frozenset[str]:
    """Numbers that name an airliner series when written bare ("737", "757"), from the reference table."""
    numbers = {f.number for f in load_aircraft_table() if f.role == "passenger" and re.fullmatch(r"\d{3}", f.number)}
    return frozenset(_index().bare_series) | frozenset(numbers)


def canonical_designator(text: str) -> str:
    """Display form of an unresolved designator: 'kj500' -> 'KJ-500', 'Xian Y-20' -> 'Y-20'."""
    low = fold_text(text)
    maker_hit = _leading_maker(low, _index().makers)
    if maker_hit:
        low = low[len(maker_hit[0]):].strip(" -")
        bare = re.fullmatch(r"(\d{2,4})[a-z]{0,3}", low)
        if bare:  # a maker and a number name the model together: "Casa 212", "Boeing 720B" -> "Boeing 720"
            written = " ".join(text.split()[: len(maker_hit[0].split())])
            return f"{written} {bare.group(1)}"
    m = _DESIGNATOR_RE.match(low)
    if not m:
        return text.strip()
    prefix = (m.group("prefix") or "").upper().replace(" ", "")
    code = _norm_code(m.group("code")).upper()
    code = re.sub(r"(?<=\d)S$", "", code)
    return f"{prefix}-{code}" if prefix else code


# --------------------------------------------------------------------------- candidate patterns and matching

def _fuzzy(word: str) -> str:
    """Regex for a prefix tolerant of the I/l/1 confusion."""
    return "".join("[il1]" if ch in "il" else re.escape(ch) for ch in word.lower())


Words = tuple[str, ...]
TokenPattern = list[dict[str, Any]]


@dataclass(frozen=True)
class RulerPatterns:
    """Candidate patterns for :class:`CandidateMatcher`, grouped by how each is matched cheaply.

    A span is a candidate when it is written as one of ``names`` (case-sensitive words) or ``lower_words``
    (case-insensitive), matches one of ``token_patterns`` or ``bodies`` (spaCy Matcher patterns), or is one of
    ``makers`` (lower-case words) followed by a match of ``bodies`` ("Antonov" + "An-124").
    """

    bodies: tuple[TokenPattern, ...]
    token_patterns: tuple[TokenPattern, ...]
    makers: frozenset[Words]
    names: frozenset[Words]
    lower_words: frozenset[Words]

    def entity_ruler_patterns(self) -> list[dict[str, Any]]:
        """The same candidates as patterns for a plain spaCy EntityRuler (a thousand, slow): the reference
        :class:`CandidateMatcher` is tested against."""
        token_patterns = [*self.bodies, *self.token_patterns]
        token_patterns += [[{"LOWER": w} for w in maker] + body for maker in sorted(self.makers) for body in self.bodies]
        token_patterns += [[{"TEXT": w} for w in words] for words in sorted(self.names)]
        token_patterns += [[{"LOWER": w} for w in words] for words in sorted(self.lower_words)]
        return [{"label": AIRCRAFT_LABEL, "pattern": p} for p in token_patterns]


def ruler_patterns(tokenize: Callable[[str], list[str]] | None = None) -> RulerPatterns:
    """Candidate patterns for the aircraft ruler; :func:`resolve_aircraft_ents` decides which to keep.

    ``tokenize`` splits a phrase as the pipeline's tokenizer does (for multi-word makers and names); the default
    splits on spaces.
    """
    tok = tokenize or (lambda s: s.split())
    index = _index()
    table = load_aircraft_table()
    word_prefixes = sorted({p for f in table for p in f.prefixes if len(p) >= 2 and " " not in p and "/" not in p})
    maker_words = sorted({a for m in load_manufacturers() for a in m.aliases if " " not in a and "-" not in a})
    prefix_alt = "|".join(_fuzzy(p) for p in sorted(set(word_prefixes) | set(maker_words), key=len, reverse=True))
    # One token: prefix (table prefix, maker word, or 1-4 letters), optional dash, code starting with a digit.
    desig = {"LOWER": {"REGEX": rf"^(?:{prefix_alt}|[a-z1]{{0,3}}[a-z])[{_DASHES}]?\d{{1,4}}[a-z0-9]{{0,6}}"
                                rf"(?:[{_DASHES}][a-z0-9]{{1,5}})*$"}}
    prefix_tok = {"LOWER": {"REGEX": rf"^(?:{prefix_alt})$"}}
    number_tok = {"LOWER": {"REGEX": r"^[-‐‑–]?\d{1,4}[a-z]{0,3}$"}}
    dash_tok = {"ORTH": {"IN": list(_DASHES)}, "OP": "?"}
    bodies: list[TokenPattern] = [
        [desig],
        [prefix_tok, dash_tok, number_tok],
        [{"LOWER": {"REGEX": r"^[a-z]$"}}, {"ORTH": "/"}, desig],  # "F/A-18E"
    ]
    # Maker names written before a body ("Ilyushin IL-62", "Lockheed Martin F-35"); aliases are lower-case.
    makers = {tuple(tok(alias)) for m in load_manufacturers() for alias in m.aliases}
    # Names and variants from the table, as written (names are case-sensitive to keep common words out): the
    # name, its plural, and any of its words in capitals ("BLACK Hawk"). A maker written before a name
    # ("Lockheed Hercules") is taken in by the resolver (_maker_start).
    names: set[Words] = set()
    lower_words: set[Words] = set()
    for fam in table:
        for name in fam.aliases:
            words = tok(name)
            names.add(tuple(words))
            names.add((*words[:-1], words[-1] + "s"))
            names.update(itertools.product(*({w, w.upper()} for w in words)))
        for variant in fam.variants:
            words = tok(variant)
            if len(words) > 1:
                lower_words.add(tuple(w.lower() for w in words))
    token_patterns: list[TokenPattern] = []
    # A bare number with a series ("777-9s", "787-10").
    if index.bare_series:
        nums = "|".join(sorted(index.bare_series))
        token_patterns.append([{"LOWER": {"REGEX": rf"^(?:{nums})-\d{{1,3}}[a-z]{{0,3}}$"}}])
        # Plural airliner numbers ("32 737s") name the type; a bare "737" is too often just a number.
        lower_words.update((f"{n}s",) for n in index.bare_series)
        # A series with a letter suffix names a variant ("777F", "767ER"); a plain number never has one.
        token_patterns.append([{"LOWER": {"REGEX": rf"^(?:{nums})[a-z]{{1,3}}$"}}])
        token_patterns.append([{"LOWER": {"IN": sorted(index.bare_series)}}, {"ORTH": "-"},
                               {"LOWER": {"REGEX": r"^\d{1,3}[a-z]{0,3}$"}}])
    # Bare codes that name one variant ("737-800", "737 MAX"); codes are folded, so already lower-case.
    for (prefix, code), _fam in index.by_code.items():
        if not prefix:
            lower_words.add(tuple(tok(code.replace("-", " - ") if code[0].isdigit() and "-" in code
                                      else code.replace("-", " "))))
    return RulerPatterns(tuple(bodies), tuple(token_patterns), frozenset(makers), frozenset(names),
                         frozenset(lower_words))


class CandidateMatcher:
    """Finds the candidate spans of a :class:`RulerPatterns` in a Doc and sets them as AIRCRAFT entities.

    Written out as spaCy Matcher patterns these are about a thousand (every name, every maker before every
    designator shape), and the Matcher tries each pattern at each token: that cost more than the statistical
    NER. Here exact word sequences (names, variants, bare codes, makers) go to PhraseMatchers, which look each
    token up once in a trie, and only the few patterns with regexes or optional tokens stay in a Matcher. A
    maker plus a designator is the join of a maker match and a body match that starts where it ends, which is
    exactly what the concatenated pattern matches. Overlaps are then resolved as spaCy's EntityRuler does with
    ``overwrite_ents``, so the entities are the same as an EntityRuler given every pattern written out.
    """

    def __init__(self, vocab: Vocab, patterns: RulerPatterns) -> None:
        from spacy.matcher import Matcher, PhraseMatcher
        from spacy.tokens import Doc

        self.label = vocab.strings.add(AIRCRAFT_LABEL)
        self._body_key = vocab.strings.add("aircraft_body")
        self.matcher = Matcher(vocab)
        self.matcher.add("aircraft_body", list(patterns.bodies))
        self.matcher.add(AIRCRAFT_LABEL, list(patterns.token_patterns))
        self.names = PhraseMatcher(vocab, attr="ORTH")
        self.names.add(AIRCRAFT_LABEL, [Doc(vocab, words=list(w)) for w in sorted(patterns.names)])
        self.lower_words = PhraseMatcher(vocab, attr="LOWER")
        self.lower_words.add(AIRCRAFT_LABEL, [Doc(vocab, words=list(w)) for w in sorted(patterns.lower_words)])
        self.makers = PhraseMatcher(vocab, attr="LOWER")
        self.makers.add("aircraft_maker", [Doc(vocab, words=list(w)) for w in sorted(patterns.makers)])

    def spans(self, doc: Doc) -> set[tuple[int, int]]:
        """Every candidate ``(start, end)`` token span."""
        found: set[tuple[int, int]] = set()
        body_ends: dict[int, list[int]] = {}
        for key, start, end in self.matcher(doc):
            found.add((start, end))
            if key == self._body_key:
                body_ends.setdefault(start, []).append(end)
        found.update((start, end) for _, start, end in self.names(doc))
        found.update((start, end) for _, start, end in self.lower_words(doc))
        for _, start, end in self.makers(doc):
            found.update((start, body_end) for body_end in body_ends.get(end, ()))
        return found

    def __call__(self, doc: Doc) -> Doc:
        """Set the candidates as entities: longest (then leftmost) first, skipping one whose first or last token is
        taken, and dropping earlier entities they overlap (spaCy's EntityRuler with ``overwrite_ents``)."""
        from spacy.tokens import Span

        entities = list(doc.ents)
        new_entities: list[Span] = []
        seen: set[int] = set()
        for start, end in sorted(self.spans(doc), key=lambda se: (se[1] - se[0], -se[0]), reverse=True):
            if start == end or start in seen or end - 1 in seen:
                continue
            new_entities.append(Span(doc, start, end, label=self.label))
            entities = [e for e in entities if not (e.start < end and e.end > start)]
            seen.update(range(start, end))
        doc.ents = entities + new_entities
        return doc


# --------------------------------------------------------------------------- resolution component

def _glued_end(doc: Doc, end: int) -> int:
    """Take in suffix tokens written without a space: 'IL-62' + 'M', 'An-124' + '-' + '100', '737' + '-' + '800'."""
    while end < len(doc) and not doc[end - 1].whitespace_:
        nxt = doc[end]
        if nxt.text in _DASHES and end + 1 < len(doc) and not nxt.whitespace_ and re.fullmatch(r"[A-Za-z0-9]{1,5}", doc[end + 1].text):
            end += 2
        elif re.fullmatch(r"[A-Za-z]{1,3}|\d{1,3}[A-Za-z]{0,3}", nxt.text) and nxt.text.lower() not in ("s",):
            end += 1
        else:
            break
    return end


_VARIANT_WORD = re.compile(r"^(?:[A-HJ-Z][A-Z]?\d{0,2}|[A-Z]{1,2}\d{1,2}[A-Z]?)s?$")


def _plural_match(doc: Doc, start: int, words: list[str]) -> int | None:
    """End of ``words`` written at ``start`` (case-insensitive, the last word possibly plural), else None."""
    stop = start + len(words)
    if stop > len(doc):
        return None
    written = [t.lower_ for t in doc[start:stop]]
    if written[:-1] != words[:-1] or written[-1] not in (words[-1], words[-1] + "s", words[-1] + "es"):
        return None
    return stop


def _trailing_name_end(doc: Doc, end: int, fam: AircraftFamily | None) -> int:
    """Take in what is written after the designator or name: a family name ('C-17 Globemaster III', 'F-16
    Fighting Falcons'), a variant word ('Gripen E', 'Hawk T1s', 'AS350 B3'), 'MAX 9' or 'neo'."""
    if fam is None:
        return end
    if end < len(doc) and doc[end - 1].whitespace_ and _VARIANT_WORD.match(doc[end].text) \
            and doc[end].text not in ("A", "I", "US", "UK", "EU", "UN"):
        nxt = doc[end + 1] if end + 1 < len(doc) else None
        if nxt is None or not (nxt.is_title and nxt.pos_ == "PROPN" and nxt.lower_ not in _alias_words(fam)):
            end += 1
    names = sorted((fold_text(a).split(" ") for a in (*fam.aliases, *_model_names(fam))), key=len, reverse=True)
    for words in names:
        if end < len(doc) and not doc[end].text[:1].isupper():
            break
        stop = _plural_match(doc, end, words)
        if stop is not None:
            end = stop
            if end < len(doc) and doc[end].text in ("II", "III", "IIs", "IIIs"):
                end += 1
            return end
    if end < len(doc) and doc[end].text in ("MAX", "Max", "neo", "NG", "MRTT"):
        end += 1
    if end < len(doc) and re.fullmatch(r"\d{1,2}s?", doc[end].text) and doc[end - 1].text in ("MAX", "Max"):
        end += 1
    return end


def _model_names(fam: AircraftFamily) -> tuple[str, ...]:
    """The name written after the number in the model ('Cessna 208 Caravan' -> 'Caravan', 'F-15 Eagle' -> 'Eagle')."""
    if not fam.number:
        return ()
    m = re.search(rf"(?<![0-9]){re.escape(fam.number)}\b\s+(?P<name>[A-Z][A-Za-z]+(?: [A-Z][A-Za-z]+)*)$", fam.model,
                  flags=re.IGNORECASE)
    return (m.group("name"),) if m else ()


def _alias_words(fam: AircraftFamily) -> set[str]:
    return {w for a in fam.aliases for w in fold_text(a).split(" ")}


def _sentence_has_aviation(span: Span) -> bool:
    """Aviation words or another aircraft in the span's sentence or the sentences just before and after it."""
    doc = span.doc
    if doc.has_annotation("SENT_START"):
        sent = span.sent
        before = doc[sent.start - 1].sent if sent.start > 0 else sent
        after = doc[sent.end].sent if sent.end < len(doc) else sent
        window = doc[before.start:after.end]
    else:
        window = doc[:]
    for tok in window:
        if span.start <= tok.i < span.end:
            continue
        if tok.lower_ in AVIATION_WORDS and not _is_anti(tok):
            return True
        if tok.ent_type_ == AIRCRAFT_LABEL and tok.ent_iob_ == "B" and _strong_candidate(tok):
            return True
    text = window.text.lower()
    return "air force" in text or "air base" in text


def _strong_candidate(tok: Token) -> bool:
    """Another ruler candidate counts as aviation context only when it is a clear, resolved designator."""
    ent = next((e for e in tok.doc.ents if e.start == tok.i), None)
    if ent is None:
        return False
    match = lookup(ent.text)
    return match.family is not None and match.via == "designator" and not _is_weak(match, ent.text)


def _is_anti(tok: Token) -> bool:
    """'anti-aircraft' is not about an aircraft."""
    doc = tok.doc
    return tok.i >= 2 and doc[tok.i - 1].text in _DASHES and doc[tok.i - 2].lower_ == "anti"


_AVIATION_VERBS = frozenset(["fly", "flew", "flown", "flies", "flying", "land", "landed", "lands", "take", "took", "taxi", "taxied", "crash", "crashed"])


def _subject_of_flying(span: Span) -> bool:
    """'the KJ-600 flew', 'a Kenyan Huey crashed'."""
    root = span.root
    return root.dep_ in ("nsubj", "nsubjpass") and root.head.lower_ in _AVIATION_VERBS


def _noun_context(span: Span) -> bool:
    """An aircraft noun shortly after the designator (before any verb or other-thing noun), or just before it,
    or the designator is the subject of a flying verb ('the KJ-600 flew')."""
    doc = span.doc
    if _subject_of_flying(span) or _listed_after_aircraft_noun(span):
        return True
    sent_end = span.sent.end if doc.has_annotation("SENT_START") else len(doc)
    sent_start = span.sent.start if doc.has_annotation("SENT_START") else 0
    quoted = False
    for tok in doc[span.end: min(span.end + 8, sent_end)]:
        low = tok.lower_
        if low in AIRCRAFT_NOUNS and not _is_anti(tok):
            return True
        if tok.is_quote:  # a nickname in quotes ('AT-802 "Fire Boss" tanker') is transparent
            quoted = not quoted
            continue
        if quoted or (tok.i > 0 and doc[tok.i - 1].text in _DASHES and not doc[tok.i - 1].whitespace_):
            continue  # inside the quotes, or the head of a compound modifier ("single-engine")
        if low in _NOT_AIRCRAFT_CONTEXT or tok.pos_ in ("VERB", "AUX", "ADP", "SCONJ") or tok.text in ".;:!?()":
            return False
    for tok in doc[max(span.start - 4, sent_start): span.start]:
        if tok.lower_ in AIRCRAFT_NOUNS and not _is_anti(tok):
            return True
    return False


def _listed_after_aircraft_noun(span: Span) -> bool:
    """The designator is listed in brackets after an aircraft noun: "trainers (T-37, T-38)", "fighters (F-4)"."""
    doc = span.doc
    k = span.start - 1
    while k >= max(0, span.start - 12) and (doc[k].text in (",", "and", "or", "/") or any(c.isdigit() for c in doc[k].text)):
        k -= 1
    return k >= 1 and doc[k].text == "(" and doc[k - 1].lower_ in AIRCRAFT_NOUNS and not _is_anti(doc[k - 1])


def _quoted_names(doc: Doc, taken: set[int]) -> list[tuple[int, int]]:
    """A name in quotes right before an aircraft noun is the aircraft's name: '"Commando Solo" planes',
    '"Air Force One" aircraft'. Returns the token spans of the names, without their quotes."""
    out = []
    for i, tok in enumerate(doc):
        if not tok.is_quote or i + 2 >= len(doc):
            continue
        j = i + 1
        while j < len(doc) and j - i <= 4 and doc[j].text[:1].isupper() and doc[j].is_alpha:
            j += 1
        if j == i + 1 or j + 1 >= len(doc) or not doc[j].is_quote:
            continue
        if doc[j + 1].lower_ in AIRCRAFT_NOUNS and taken.isdisjoint(range(i + 1, j)):
            out.append((i + 1, j))
    return out


def _bad_neighbour(span: Span) -> bool:
    doc = span.doc
    after = doc[span.end].lower_ if span.end < len(doc) else ""
    before = doc[span.start - 1].lower_ if span.start > 0 else ""
    if span.start >= 2 and doc[span.start - 2].text in _DASHES and not doc[span.start - 2].whitespace_:
        before = ""  # the head of a compound modifier describes the aircraft: "twin-engine", "wide-body"
    return after in _NOT_AIRCRAFT_CONTEXT or before in _NOT_AIRCRAFT_CONTEXT


def _inside_longer_name(span: Span, maker_written: bool) -> bool:
    """A name such as 'Ruslan' followed or preceded by another capitalized word is someone's name."""
    doc = span.doc
    after = doc[span.end] if span.end < len(doc) else None
    before = doc[span.start - 1] if span.start > 0 else None
    if after is not None and after.is_title and after.lower_ not in AVIATION_WORDS and after.pos_ == "PROPN":
        return True
    operator = before is not None and before.lower_ in _OPERATOR_WORDS  # "Royal Air Force Typhoons"
    return bool(before is not None and not maker_written and before.is_title and before.pos_ == "PROPN"
                and before.lower_ not in _index().makers and not operator)


# Last words of the name of an operator written before the aircraft it flies.
_OPERATOR_WORDS = frozenset({"force", "navy", "army", "corps", "guard", "airlines", "airways", "air", "aviation"})


def _is_weak(match: AircraftMatch, text: str) -> bool:
    """Short designators ('C-5', 'B-2', 'J-20', 'MI6') are too ambiguous to keep on their own."""
    if match.maker is not None:
        return False
    digits = re.match(r"\d+", match.code or "")
    n = len(digits.group(0)) if digits else 0
    separated = bool(re.search(rf"[A-Za-z][\s{_DASHES}]\d", text))
    return (len(match.prefix) <= 1 and n <= 2) or (not separated and n <= 1)


def _maker_start(doc: Doc, start: int) -> int:
    """Take in a manufacturer written just before the candidate ('Boeing' + '737-800')."""
    makers = _index().makers
    for width in (3, 2, 1):
        if start - width < 0:
            continue
        words = doc[start - width:start]
        capitalized = words[0].is_title or words[0].is_upper
        if capitalized and fold_text(words.text) in makers and fold_text(doc[start:start + 1].text) not in makers:
            return start - width
    return start


def _maker_number_ok(span: Span) -> bool:
    """'Bell 206' is an aircraft, 'Harbin 9 people' is not: a maker and a bare number followed by another plural
    noun, or a short number without aviation context, are rejected."""
    doc = span.doc
    nxt = doc[span.end] if span.end < len(doc) else None
    if re.fullmatch(r"\d{3}-\d{1,3}[a-z]{0,3}", span.text.lower()):
        return True  # an airliner series and its variant ("777-9 arrivals") is never a count of the next noun
    if nxt is not None and nxt.tag_ == "NNS" and nxt.lower_ not in AIRCRAFT_NOUNS:
        return False
    digits = re.search(r"\d+", span.text)
    return bool(digits and len(digits.group(0)) >= 3) or _sentence_has_aviation(span)


# A model number written after a maker: 2-4 digits and a short letter suffix, never a year ("Airbus 2024").
_MAKER_MODEL_NUMBER = re.compile(r"(?!(?:19|20)\d\d$)\d{2,4}[a-z]{0,3}")


def judge_candidate(span: Span) -> tuple[Span, AircraftMatch] | None:
    """Extend a candidate span, resolve it, and keep it only with enough evidence (see the module docstring)."""
    from spacy.tokens import Span

    doc = span.doc
    end = _glued_end(doc, span.end)
    start = _maker_start(doc, span.start)
    text = doc[start:end].text
    match = lookup(text)
    if match.family is None and end != span.end:
        # The glued tail was not part of the designator after all.
        end = span.end
        text = doc[start:end].text
        match = lookup(text)
    designator_end = end
    end = _trailing_name_end(doc, end, match.family)
    named = end > designator_end and doc[designator_end].text[:1].isupper()  # "F-35 Lightning IIs"
    out = Span(doc, start, end, label=AIRCRAFT_LABEL)
    maker_written = match.maker is not None
    if match.via == "alias" and match.family is not None and start > 0:
        # A number or designator of the same family written before the name: "787 Dreamliners".
        prev = doc[start - 1]
        prev_match = lookup(prev.text) if prev.text[:1].isdigit() or prev.text[:1].isupper() else None
        bare = match.family.number and prev.lower_ == match.family.number
        if bare or (prev_match is not None and prev_match.family == match.family):
            start = _maker_start(doc, start - 1)
            out = Span(doc, start, end, label=AIRCRAFT_LABEL)
            return out, match
    if match.via == "alias" and not re.search(r"\d", doc[start:designator_end].text):
        if end < len(doc) and doc[end - 1].whitespace_ and re.fullmatch(r"\d{2,4}[A-Z]{0,2}", doc[end].text) \
                and not (end + 1 < len(doc) and doc[end + 1].tag_ == "NNS" and doc[end + 1].lower_ not in AIRCRAFT_NOUNS):
            end += 1  # a model number written after the name ("King Air 350")
            out = Span(doc, start, end, label=AIRCRAFT_LABEL)
        noun_after = end < len(doc) and doc[end].lower_ in AIRCRAFT_NOUNS or _subject_of_flying(out)
        if not noun_after and (not _sentence_has_aviation(out) or (not maker_written and _inside_longer_name(out, maker_written))):
            return None
        return out, match
    if match.via == "none":
        if not (maker_written and _MAKER_MODEL_NUMBER.fullmatch(match.code or "") and _maker_number_ok(out)):
            return None
        return out, match
    if _bad_neighbour(out) and not maker_written:
        return None
    if match.via == "maker-number" and not _maker_number_ok(out):
        return None
    if match.family is not None:
        if not named and _is_weak(match, out.text) and not (_noun_context(out) or _sentence_has_aviation(out)):
            return None
        return out, match
    # Unresolved: must look like a written designator (capital letters) and have an aircraft noun or a maker.
    first = doc[start:end].text
    letters = re.sub(r"[^A-Za-z]", "", re.split(r"\d", first.split()[-1])[0]) if first.split() else ""
    if not maker_written and (not letters or not letters.isupper() or len(letters) > 3):
        return None
    if not maker_written and not _noun_context(out):
        return None
    return out, match


def resolve_aircraft_ents(doc: Doc) -> Doc:
    """Pipeline step after the ruler: keep judged AIRCRAFT spans (kb_id = family, or '' when unresolved)."""
    from spacy.tokens import Span

    kept: list[Span] = []
    others: list[Span] = []
    for ent in doc.ents:
        if ent.label_ != AIRCRAFT_LABEL:
            others.append(ent)
            continue
        judged = judge_candidate(ent)
        if judged is None:
            continue
        span, match = judged
        fam = match.family.family if match.family else ""
        kept.append(Span(doc, span.start, span.end, label=AIRCRAFT_LABEL, kb_id=fam,
                         span_id=match.designator or ""))
    taken: set[int] = set()
    final: list[Span] = []
    for span in sorted(kept, key=lambda s: (s.start, -len(s))):
        if taken.isdisjoint(range(span.start, span.end)):
            final.append(span)
            taken.update(range(span.start, span.end))
    for start, end in _quoted_names(doc, taken):
        final.append(Span(doc, start, end, label=AIRCRAFT_LABEL, kb_id=""))
        taken.update(range(start, end))
    final += [e for e in others if taken.isdisjoint(range(e.start, e.end))]
    doc.ents = sorted(final, key=lambda s: s.start)
    return doc


def family_of(name: str) -> AircraftFamily | None:
    """The table row for a family designator."""
    return _families_by_name().get(name)


@lru_cache(maxsize=1)
def _families_by_name() -> dict[str, AircraftFamily]:
    return {f.family: f for f in load_aircraft_table()}


def aircraft_entity_id(family: str | None, designator: str | None, surface: str) -> str:
    """Entity id: 'aircraft:<slug of family>' when resolved, else 'aircraft:unresolved:<slug of designator>'."""
    if family:
        return f"aircraft:{slug(family)}"
    return f"{UNRESOLVED_PREFIX}{slug(designator or canonical_designator(surface))}"


def aircraft_entities(mentions: Iterable[tuple[str, str | None, str]]) -> tuple[list[dict[str, Any]], dict[str, str]]:
    """Entities (with manufacturer, model and role) and a mention -> entity map for ``(mention_id, family, surface)``.

    Resolved mentions merge on their family; unresolved ones on their canonical designator ("Xian Y-30",
    "Y-30" -> ``aircraft:unresolved:y-30``), with manufacturer, model and role null.
    """
    entities: dict[str, dict[str, Any]] = {}
    mapping: dict[str, str] = {}
    for mention_id, family, surface in mentions:
        fam = family_of(family) if family else None
        designator = None if fam else canonical_designator(surface)
        eid = aircraft_entity_id(fam.family if fam else None, designator, surface)
        mapping[mention_id] = eid
        if eid not in entities:
            entities[eid] = {
                "entity_id": eid, "entity_type": "aircraft",
                "canonical_name": fam.family if fam else designator,
                "manufacturer": fam.manufacturer if fam else _maker_of(surface),
                "model": fam.model if fam else None,
                "role": fam.role if fam else None,
            }
    return sorted(entities.values(), key=lambda e: e["entity_id"]), mapping


def _maker_of(surface: str) -> str | None:
    hit = _leading_maker(fold_text(surface), _index().makers)
    return hit[1].manufacturer if hit else None
