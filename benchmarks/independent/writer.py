"""Files a scene is delivered as: Cloud-Optimised GeoTIFFs, a static STAC catalog, truth layers, the AOI.

Digital numbers follow Sentinel-2 L2A: uint16, 0 = no data, reflectance = DN x 0.0001 + offset. With
``dn_offset`` the files carry processing baseline 04.00's +1000 DN shift and every asset declares
``raster:bands`` scale 0.0001 / offset -0.1, as Earth Search v1 does; without it the offset declared is 0
(a harmonised collection). Both are conventions centinela.imagery.scaling documents it reads.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import pystac
import rasterio
import shapely
from pyproj import Transformer
from pystac.extensions.eo import Band, EOExtension
from pystac.extensions.projection import ProjectionExtension
from pystac.extensions.raster import DataType, RasterBand, RasterExtension

from landscape import Grid
from spectra import BANDS

COMMON_NAMES = dict(zip(BANDS, ("blue", "green", "red", "nir", "swir16", "swir22"), strict=True))
OFFSET_DN = 1000


def to_dn(refl: np.ndarray, dn_offset: bool) -> np.ndarray:
    """uint16 digital numbers; 1 is the floor so that no valid pixel reads as no data (0)."""
    dn = np.rint(refl * 10000) + (OFFSET_DN if dn_offset else 0)
    return np.clip(dn, 1, 65535).astype(np.uint16)


def write_cog(path: Path, band: np.ndarray, grid: Grid) -> None:
    profile = {
        "driver": "COG",
        "width": grid.size,
        "height": grid.size,
        "count": 1,
        "dtype": band.dtype.name,
        "crs": f"EPSG:{grid.epsg}",
        "transform": grid.transform,
        "nodata": 0,
        "compress": "DEFLATE",
        "predictor": 2,
        "blocksize": 256,
    }
    with rasterio.open(path, "w", **profile) as dst:
        dst.write(band, 1)


def footprint_wgs84(grid: Grid, inset_m: float = 0.0) -> shapely.Polygon:
    """The grid's outline (optionally shrunk) in longitude/latitude, densified so it follows the UTM edges."""
    to_ll = Transformer.from_crs(grid.epsg, 4326, always_xy=True)
    box = shapely.box(*grid.bounds).buffer(-inset_m, join_style="mitre")
    box = shapely.segmentize(box, max_segment_length=grid.size * grid.pixel_m / 8)
    x, y = np.asarray(box.exterior.coords).T
    lon, lat = to_ll.transform(x, y)
    return shapely.geometry.polygon.orient(shapely.Polygon(zip(lon, lat, strict=True)), 1.0)  # RFC 7946: CCW


class CatalogWriter:
    """Collects one item per acquisition, writes them as a self-contained static catalog."""

    def __init__(self, root: Path, scene: str, grid: Grid, dn_offset: bool):
        self.root, self.grid, self.dn_offset = root, grid, dn_offset
        self.catalog = pystac.Catalog(
            id=f"independent-{scene}",
            description=f"Independent benchmark scene {scene} (synthetic Sentinel-2 L2A; not the centinela simulator)",
        )
        self.footprint = footprint_wgs84(grid)

    def add(self, date: dt.date, refl: np.ndarray, scl: np.ndarray, cloud_cover: float) -> None:
        platform = "sentinel-2a" if (date.toordinal() // 5) % 2 == 0 else "sentinel-2b"
        item_id = f"S2{platform[-1].upper()}_MSIL2A_{date:%Y%m%d}_{self.catalog.id}"
        folder = self.root / item_id
        folder.mkdir(parents=True, exist_ok=True)
        props = {
            "platform": platform,
            "constellation": "sentinel-2",
            "instruments": ["msi"],
            "eo:cloud_cover": round(100 * cloud_cover, 2),
        }
        if self.dn_offset:
            props["s2:processing_baseline"] = "05.10"
        item = pystac.Item(
            item_id,
            shapely.geometry.mapping(self.footprint),
            list(self.footprint.bounds),
            dt.datetime.combine(date, dt.time(14, 54), tzinfo=dt.UTC),
            props,
        )
        proj = ProjectionExtension.ext(item, add_if_missing=True)
        proj.epsg = self.grid.epsg
        proj.shape = list(self.grid.shape)
        proj.transform = list(self.grid.transform)[:6]
        EOExtension.add_to(item)
        RasterExtension.add_to(item)
        dn = to_dn(refl, self.dn_offset)
        for k, key in enumerate(BANDS):
            self._asset(
                item,
                key,
                dn[k],
                f"{COMMON_NAMES[key]} reflectance",
                RasterBand.create(
                    nodata=0, data_type=DataType.UINT16, scale=0.0001, offset=-0.1 if self.dn_offset else 0.0
                ),
            )
            EOExtension.ext(item.assets[key]).bands = [Band.create(name=key, common_name=COMMON_NAMES[key])]
        self._asset(item, "SCL", scl, "scene classification", RasterBand.create(nodata=0, data_type=DataType.UINT8))
        self.catalog.add_item(item)

    def _asset(self, item: pystac.Item, key: str, band: np.ndarray, title: str, raster: RasterBand) -> None:
        path = self.root / item.id / f"{key}.tif"
        write_cog(path, band, self.grid)
        item.add_asset(key, pystac.Asset(str(path), title=title, media_type=pystac.MediaType.COG, roles=["data"]))
        RasterExtension.ext(item.assets[key]).bands = [raster]

    def save(self) -> Path:
        self.catalog.normalize_hrefs(str(self.root))
        for item in self.catalog.get_items():
            item.make_asset_hrefs_relative()
        self.catalog.save(pystac.CatalogType.SELF_CONTAINED)
        return self.root / "catalog.json"


def write_aoi(path: Path, grid: Grid) -> None:
    """The monitored area: the scene shrunk by 50 m, so no edge pixel is half outside the files."""
    fc = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"name": path.stem},
                "geometry": shapely.geometry.mapping(footprint_wgs84(grid, inset_m=50.0)),
            }
        ],
    }
    path.write_text(json.dumps(fc))


def write_truth(path: Path, events: list, grid: Grid) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """Truth layers ``events`` (final footprint) and ``steps`` (new area of each step, with its date)."""
    crs = f"EPSG:{grid.epsg}"
    px_ha = grid.pixel_m**2 / 1e4
    ev_rows, step_rows = [], []
    for ev in events:
        ev_rows.append(
            {
                "event_id": ev.event_id,
                "kind": ev.kind,
                "cause": ev.cause,
                "setting": ev.setting,
                "start": ev.start.isoformat(),
                "ends": ev.ends.isoformat() if ev.ends else None,
                "n_steps": len(ev.steps),
                "area_ha": round(float(ev.footprint.sum()) * px_ha, 3),
                "geometry": grid.outline(ev.footprint),
            }
        )
        for k, s in enumerate(ev.steps, start=1):
            step_rows.append(
                {
                    "event_id": ev.event_id,
                    "step": k,
                    "date": s.date.isoformat(),
                    "kind": ev.kind,
                    "cause": ev.cause,
                    "area_ha": round(float(s.mask.sum()) * px_ha, 3),
                    "geometry": grid.outline(s.mask),
                }
            )
    evs = gpd.GeoDataFrame(ev_rows, geometry="geometry", crs=crs)
    steps = gpd.GeoDataFrame(step_rows, geometry="geometry", crs=crs)
    if path.exists():
        path.unlink()
    evs.to_file(path, layer="events", driver="GPKG")
    steps.to_file(path, layer="steps", driver="GPKG")
    return evs, steps
