"""Zones for one map view: geometries simplified for a zoom level, coordinates rounded to what that zoom can show,
and a strong ETag, so a phone on a weak link gets a few kilobytes (or a 304) instead of the whole zones file.

The zoom is MapLibre's: at zoom z the world is 512·2^z pixels wide, so one pixel spans 360 / (512·2^z) degrees
of longitude. Geometries are simplified in degrees (Douglas-Peucker keeping topology) to half a pixel, which no
eye can tell apart on screen; in Madre de Dios (~12° S) a degree of longitude is 98 % of one of latitude, close
enough for a tolerance. Coordinates keep one decimal more than a pixel needs.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import shapely
from fastapi import Request
from fastapi.responses import Response

MAX_ZOOM = 16  # past this a pixel is under 2 m: the zones' own precision, nothing left to simplify
TILE_PX = 512
CACHE_CONTROL = "private, no-cache"  # kept by the browser, revalidated with the ETag at each use


def pixel_degrees(zoom: int) -> float:
    return 360.0 / (TILE_PX * 2**zoom)


def decimals(zoom: int) -> int:
    """Decimal places whose rounding step is at most a tenth of a pixel at `zoom` (4 at zoom 9, 6 at zoom 16)."""
    return min(7, math.ceil(-math.log10(pixel_degrees(zoom))) + 1)


def simplify(geoms: np.ndarray, zoom: int) -> np.ndarray:
    simple = shapely.simplify(geoms, pixel_degrees(zoom) / 2, preserve_topology=True)
    places = decimals(zoom)
    return shapely.transform(simple, lambda xy: np.round(xy, places))


@dataclass
class ZoneSimplifier:
    """Simplified copies of a zones frame, one per zoom, made at first use (~0.1 s each for the demo's zones)."""

    _cache: dict[int, tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]] = field(default_factory=dict)

    def frame(self, zones: gpd.GeoDataFrame, zoom: int) -> gpd.GeoDataFrame:
        hit = self._cache.get(zoom)
        if hit is not None and hit[0] is zones:  # the same zones object: a reload brings a new one
            return hit[1]
        out = zones.copy()
        simple = simplify(np.asarray(zones.geometry.values), zoom)
        out[zones.geometry.name] = gpd.GeoSeries(simple, index=zones.index, crs=zones.crs)
        self._cache[zoom] = (zones, out)
        return out


def json_with_etag(request: Request, body: bytes) -> Response:
    """`body` as JSON with a strong ETag (its SHA-256); 304 when the browser already holds exactly this."""
    etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    headers = {"ETag": etag, "Cache-Control": CACHE_CONTROL}
    sent = request.headers.get("if-none-match", "")
    # GZip may have been applied in between: compare the opaque part, ignoring a weak prefix a proxy might add.
    if any(tag.strip().removeprefix("W/") == etag for tag in sent.split(",")):
        return Response(status_code=304, headers=headers)
    return Response(body, media_type="application/json", headers=headers)
