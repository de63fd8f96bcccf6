"""Reference layers (rivers, roads, towns) for the map, and the attribution of every data source shown."""

# No `from __future__ import annotations`: FastAPI reads the annotations at run time (some use closures).

import datetime as dt
import json
from collections.abc import Callable
from typing import Any

import shapely
from fastapi import APIRouter, Depends

from ..errors import NotFoundError
from ..store import users as U
from .alerts import Context
from .params import BBoxText, parse_bbox

MAX_VERTICES = 20_000
"""Past this many vertices a layer is simplified for the view: a phone on a weak link draws the course of a
river just as well at ~10 m as at the surveyor's centimetres."""
SIMPLIFY_DEG = 0.0001  # ~11 m at 13° S, about one Sentinel-2 pixel
PRECISION_DEG = 1e-6  # ~0.1 m: more decimals are only bytes


def layers_router(ctx: Context, current_user: Callable) -> APIRouter:
    router = APIRouter(tags=["map"])

    @router.get("/api/layers", summary="Imported reference layers (rivers, roads, towns) with their attribution")
    def layers(user: U.User = Depends(current_user)) -> list[dict[str, Any]]:
        return ctx.store.reference_layers()

    @router.get("/api/layers/{name}", summary="One reference layer as GeoJSON (simplified for the view if large)")
    def layer(name: str, bbox: BBoxText = None, user: U.User = Depends(current_user)) -> dict[str, Any]:
        f = ctx.store.reference_features(name)
        if f is None:
            raise NotFoundError(f"no reference layer named {name!r}; see GET /api/layers")
        box = parse_bbox(bbox)
        if box is not None:
            f = f[f.intersects(box)]
        geoms = f.geometry.values
        simplified = int(shapely.get_num_coordinates(geoms).sum()) > MAX_VERTICES
        if simplified:
            geoms = shapely.simplify(geoms, SIMPLIFY_DEG, preserve_topology=True)
        f = f.set_geometry(shapely.set_precision(geoms, PRECISION_DEG), crs=4326)[["label", "geometry"]]
        out = (
            json.loads(f.to_json(na="null", drop_id=True)) if len(f) else {"type": "FeatureCollection", "features": []}
        )
        out["simplified"] = simplified
        return out

    @router.get("/api/attributions", summary="Who made each data source the map shows (for its attribution control)")
    def attributions(user: U.User = Depends(current_user)) -> list[dict[str, Any]]:
        out = []
        if ctx.settings.catalog is not None:
            # The wording the Copernicus data licence asks for, with the year of the data (this year's imagery).
            year = dt.datetime.now(dt.UTC).year
            out.append(
                {
                    "kind": "imagery",
                    "name": "Copernicus Sentinel-2",
                    "year": year,
                    "text": f"Contains modified Copernicus Sentinel data {year}",
                }
            )
        z = ctx.zones.zones
        if len(z) and "source" in z:
            licences = z["licence"] if "licence" in z else [None] * len(z)
            seen = set()
            for source, licence in zip(z["source"], licences, strict=True):
                if not isinstance(source, str) or not source.strip():
                    continue
                text = f"{source} ({licence})" if isinstance(licence, str) and licence.strip() else source
                if text not in seen:
                    seen.add(text)
                    out.append({"kind": "zones", "name": source, "text": text})
        for r in ctx.store.reference_layers():
            out.append({"kind": "layer", "name": r["name"], "text": r["attribution"]})
        return out

    return router
