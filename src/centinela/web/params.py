"""Typed, validated request parameters shared by the routes (a bad value is a 422 that says what was expected)."""

# No `from __future__ import annotations`: FastAPI reads the annotations at run time (some use closures).

import datetime as dt
import re
from dataclasses import dataclass
from typing import Annotated, Literal

import shapely
from fastapi import Depends, Path, Query

from ..errors import InputError
from ..store.lifecycle import STATUSES

ALERT_ID = r"^[A-Za-z0-9][A-Za-z0-9._:\-]{0,127}$"
Status = Literal[STATUSES]  # type: ignore[valid-type]
Cause = Literal["mining", "other"]
Confidence = Literal["high", "low"]
ExportFormat = Literal["geojson", "gpkg", "kml", "kmz", "gpx", "csv"]

AlertId = Annotated[str, Path(pattern=ALERT_ID, description="Alert identifier, e.g. CEN-20240720-12.95555-69.7134W")]
BBoxText = Annotated[
    str | None,
    Query(
        description="minLon,minLat,maxLon,maxLat in WGS84 degrees", max_length=200, examples=["-70.2,-13.2,-69.5,-12.6"]
    ),
]


def parse_bbox(text: str | None) -> shapely.Geometry | None:
    if text is None or text == "":
        return None
    parts = text.split(",")
    try:
        x0, y0, x1, y1 = (float(p) for p in parts)
    except ValueError:
        raise InputError(f"bbox {text!r}: expected four numbers minLon,minLat,maxLon,maxLat") from None
    if not all(map(lambda v: v == v and abs(v) != float("inf"), (x0, y0, x1, y1))):
        raise InputError(f"bbox {text!r}: expected finite numbers")
    if not (-180 <= x0 < x1 <= 180 and -90 <= y0 < y1 <= 90):
        raise InputError(f"bbox {text!r}: expected -180 ≤ minLon < maxLon ≤ 180 and -90 ≤ minLat < maxLat ≤ 90")
    return shapely.box(x0, y0, x1, y1)


@dataclass(frozen=True)
class AlertFilter:
    bbox: shapely.Geometry | None
    since: dt.date | None
    until: dt.date | None
    status: str | None
    cause: str | None
    confidence: str | None
    zone: str | None
    min_area_ha: float | None
    min_prob: float | None = None
    area: str | None = None  # the monitored area that reported the alert


def alert_filter(
    bbox: BBoxText = None,
    since: Annotated[dt.date | None, Query(description="first seen on or after (YYYY-MM-DD)")] = None,
    until: Annotated[dt.date | None, Query(description="first seen on or before (YYYY-MM-DD)")] = None,
    status: Status | None = None,
    cause: Cause | None = None,
    confidence: Confidence | None = None,
    zone: Annotated[
        str | None, Query(max_length=200, description="only alerts meeting the zone with this name")
    ] = None,
    min_area_ha: Annotated[float | None, Query(ge=0, le=1e7)] = None,
    min_prob: Annotated[float | None, Query(ge=0, le=1, description="probability of mining at least this")] = None,
    area: Annotated[
        str | None, Query(max_length=200, description="only alerts reported by this monitored area")
    ] = None,
) -> AlertFilter:
    if since and until and until < since:
        raise InputError(f"until {until} is before since {since}")
    return AlertFilter(parse_bbox(bbox), since, until, status, cause, confidence, zone, min_area_ha, min_prob, area)


Filter = Annotated[AlertFilter, Depends(alert_filter)]


def safe_name(text: str) -> str:
    """A file-system-safe version of an id (ids are validated already; this is belt and braces)."""
    return re.sub(r"[^A-Za-z0-9._-]", "_", text)[:128]
