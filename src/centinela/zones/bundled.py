"""The real layers shipped with Centinela (see each folder's ATTRIBUTION.md)."""

from __future__ import annotations

from dataclasses import dataclass

from .. import data
from .layers import ZoneLayer, read_zone_file


@dataclass(frozen=True)
class Bundled:
    file: str
    kind: str
    name_field: str
    layer: str
    source: str
    licence: str


BUNDLED = (
    Bundled(
        "boundaries/peru_departamental_simple.geojson",
        "admin",
        "NOMBDEP",
        "departments",
        "INEI 2007 departmental limits (simplified), via juaneladio/peru-geojson",
        "MPL-2.0",
    ),
    Bundled(
        "boundaries/peru_provincial_simple.geojson",
        "admin",
        "NOMBPROV",
        "provinces",
        "INEI 2007 provincial limits (simplified), via juaneladio/peru-geojson",
        "MPL-2.0",
    ),
    Bundled(
        "boundaries/madre_de_dios_districts.geojson",
        "admin",
        "NOMBDIST",
        "districts",
        "INEI 2007 district limits of Madre de Dios (simplified), via juaneladio/peru-geojson",
        "MPL-2.0",
    ),
    Bundled(
        "protected-areas/mdd_protected_areas_generalized.geojson",
        "protected_area",
        "nombre",
        "protected_areas_generalized",
        "Generalised from a public educational map of Madre de Dios; authoritative layer: SERNANP",
        "prototyping only",
    ),
    Bundled(
        "indigenous-territories/amw_impacted_territories_peru.geojson",
        "indigenous_land",
        "name_field",
        "amw_impacted_territories",
        "Amazon Mining Watch / Earth Genome (communities affected by mining)",
        "CC BY 4.0",
    ),
)

REFERENCE_MINING = (
    "amazon-mining-watch/amw_mining_madre_de_dios_2018-2025Q3.geojson",
    "Amazon Mining Watch / Earth Genome, mining footprints 2018–2025 Q3",
    "CC BY 4.0",
)


def bundled_layers() -> list[ZoneLayer]:
    return [read_zone_file(data.path(b.file), b.kind, b.name_field, b.source, b.licence, b.layer) for b in BUNDLED]
