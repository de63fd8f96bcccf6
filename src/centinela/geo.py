"""Coordinates as people in the field read them: UTM easting/northing with the zone and latitude band a GPS shows
("19L"), and degrees-minutes-seconds. Used by the alert detail of the web API and by the GPS/GIS exports."""

from __future__ import annotations

import math
from functools import lru_cache

from pyproj import Transformer

from .errors import InputError

# Latitude bands of the Military Grid Reference System, 8° each from 80° S ("X" spans 72°-84° N); no I or O.
BANDS = "CDEFGHJKLMNPQRSTUVWX"


def utm_zone(lat: float, lon: float) -> int:
    """The standard UTM zone number of a point (no Norway/Svalbard exceptions: not needed in Peru)."""
    return int((lon + 180) // 6) % 60 + 1


def lat_band(lat: float) -> str:
    if not -80 <= lat <= 84:
        raise InputError(f"latitude {lat}: UTM covers 80° S to 84° N")
    return BANDS[min(int((lat + 80) // 8), len(BANDS) - 1)]


@lru_cache(maxsize=16)
def _to_utm(epsg: int) -> Transformer:
    return Transformer.from_crs(4326, epsg, always_xy=True)


def utm(lat: float, lon: float) -> dict:
    """``{"zone": "19L", "zone_number": 19, "hemisphere": "S", "epsg": 32719, "easting": …, "northing": …}``
    (metres, rounded to 1 m: what a handheld GPS shows)."""
    if not (math.isfinite(lat) and math.isfinite(lon)) or not -180 <= lon <= 180:
        raise InputError(f"coordinates {lat}, {lon}: expected a latitude and longitude in degrees")
    number = utm_zone(lat, lon)
    hemisphere = "S" if lat < 0 else "N"
    epsg = (32700 if lat < 0 else 32600) + number
    e, n = _to_utm(epsg).transform(lon, lat)
    return {
        "zone": f"{number}{lat_band(lat)}",
        "zone_number": number,
        "hemisphere": hemisphere,
        "epsg": epsg,
        "easting": int(round(e)),
        "northing": int(round(n)),
    }


def dms(value: float, positive: str, negative: str) -> str:
    """12.95555 → 12°57'20.0"; with the hemisphere letter (``positive`` for ≥ 0, ``negative`` below)."""
    sign = positive if value >= 0 else negative
    total = round(abs(value) * 3600, 1)
    d, rest = divmod(total, 3600)
    m, s = divmod(rest, 60)
    return f"{int(d)}°{int(m):02d}'{s:04.1f}\"{sign}"


def dms_pair(lat: float, lon: float) -> str:
    return f"{dms(lat, 'N', 'S')} {dms(lon, 'E', 'W')}"
