"""Real mining outlines from Amazon Mining Watch (Earth Genome, CC BY 4.0), moved and scaled into a scene.

AMW polygons are detection patches drawn on a ~240 m grid, so they are blocky; what is kept from them is
their real extent and layout (elongated fronts, L-shapes, clusters with holes). Each outline is centred
on its centroid, optionally mirrored, and scaled to the area a scene needs.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely
from shapely import affinity

REPO = Path(__file__).resolve().parents[2]
AMW_FILE = REPO / "src/centinela/data/amazon-mining-watch/amw_mining_madre_de_dios_2018-2025Q3.geojson"
ATTRIBUTION = "Amazon Mining Watch / Earth Genome, CC BY 4.0 (amazonminingwatch.org)"


@dataclass(frozen=True)
class Outline:
    shape: shapely.Polygon  # metres, centred on (0, 0)
    period: int  # AMW period code (201800 = mining up to 2018, YYYY00 = new in year YYYY)
    source_ha: float  # area of the original AMW polygon
    source_index: int  # row in the AMW file, so a reader can find the original


@lru_cache(maxsize=1)
def _table() -> gpd.GeoDataFrame:
    g = gpd.read_file(AMW_FILE).to_crs(32719)  # UTM 19S covers Madre de Dios: areas in m²
    g = g[g.geometry.geom_type == "Polygon"].copy()
    g["ha"] = g.area / 1e4
    # Compactness 4πA/P²: 0.785 is a lone square grid cell; lower values are the real, irregular fronts.
    g["compact"] = 4 * np.pi * g.area / g.length**2
    return g


def pick(rng: np.random.Generator, periods: tuple[int, ...], min_ha: float = 8.0, max_ha: float = 80.0) -> Outline:
    """One irregular AMW outline of the given periods, centred on (0, 0)."""
    g = _table()
    ok = g[g.period.isin(periods) & g.ha.between(min_ha, max_ha) & (g.compact < 0.7)]
    i = int(rng.integers(len(ok)))
    row = ok.iloc[i]
    shape = affinity.translate(row.geometry, -row.geometry.centroid.x, -row.geometry.centroid.y)
    if rng.random() < 0.5:  # a mirrored copy is as plausible a mine and doubles the variety
        shape = affinity.scale(shape, xfact=-1, origin=(0, 0))
    return Outline(shape, int(row.period), float(row.ha), int(ok.index[i]))


def scaled(outline: Outline, target_ha: float) -> shapely.Polygon:
    """The outline scaled (same shape) to ``target_ha`` hectares."""
    f = float(np.sqrt(target_ha * 1e4 / outline.shape.area))
    return affinity.scale(outline.shape, xfact=f, yfact=f, origin=(0, 0))
