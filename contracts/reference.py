"""Contracts for packaged reference data: the aircraft families table."""

import pandera.polars as pa
import polars as pl

AIRCRAFT_ROLES = [
    "cargo", "passenger", "bomber", "fighter", "attack", "helicopter", "tanker", "business",
    "reconnaissance", "patrol", "trainer", "utility", "drone",
]


class AircraftFamilies(pa.DataFrameModel):
    """One row per aircraft family of the reference table (``dagster_project/data/aircraft.csv``).

    Aircraft mentions resolve to a family; variants ("Il-62M", "737-800") map to their family.
    """

    family: str = pa.Field(unique=True, description="Family designator used as the canonical aircraft name, e.g. 'An-124', 'Boeing 737'.")
    manufacturer: str = pa.Field(description="Manufacturer as listed in data/aircraft_manufacturers.csv, e.g. 'Antonov'.")
    model: str = pa.Field(description="Model name for display, with its popular name: 'An-124 Ruslan'.")
    role: str = pa.Field(isin=AIRCRAFT_ROLES, description="Primary role: " + ", ".join(AIRCRAFT_ROLES) + ".")
    designator_prefixes: list[str] = pa.Field(
        description="Designator prefixes written before the number, lower case ('an' for 'An-124'); empty for families named by maker and number or by name only."
    )
    number: str = pa.Field(nullable=True, description="Designator code after the prefix, lower case ('124', '22m', '400m'); null for name-only families.")
    aliases: list[str] = pa.Field(description="Names that stand for the family alone: NATO reporting and popular names ('Ruslan', 'Condor').")
    variants: list[str] = pa.Field(description="Variant designators that map to this family ('Il-62M', 'An-124-100').")
    manufacturer_country: str = pa.Field(nullable=True, description="ISO 3166 alpha-2 country (or 'EU' for European consortia) of the manufacturer.")

    class Config:
        strict = True

    @pa.dataframe_check(description="A family is reachable: it has a designator number or at least one alias.")
    @classmethod
    def reachable(cls, data: pa.PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select(pl.col("number").is_not_null() | (pl.col("aliases").list.len() > 0))

    @pa.dataframe_check(description="Every family's manufacturer is in the manufacturers table (country known).")
    @classmethod
    def manufacturer_known(cls, data: pa.PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select(pl.col("manufacturer_country").is_not_null())

    @pa.dataframe_check(description="A name or variant belongs to one family only (otherwise lookups would be ambiguous).")
    @classmethod
    def names_unique(cls, data: pa.PolarsData) -> pl.LazyFrame:
        names = pl.concat_list(pl.col("aliases"), pl.col("variants")).list.eval(pl.element().str.to_lowercase())
        exploded = data.lazyframe.select(names.alias("n")).explode("n").drop_nulls()
        return exploded.select(~pl.col("n").is_duplicated())
