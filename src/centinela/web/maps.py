"""Map routes: page configuration, zones, monitored areas, monthly hectares by zone, imagery dates and tiles."""

# No `from __future__ import annotations`: FastAPI reads the annotations at run time (some use closures).

import datetime as dt
import json
import math
from collections.abc import Callable
from typing import Annotated, Any, Literal

import pandas as pd
from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import Response

from ..errors import InputError
from ..store import users as U
from ..zones.kinds import KINDS
from .alerts import Context
from .params import AlertId, BBoxText, Filter, parse_bbox
from .tilecache import TileCache
from .whatsnew import monthly_totals, palette
from .zoneview import MAX_ZOOM, ZoneSimplifier, json_with_etag

Kind = Literal[tuple(KINDS)]  # type: ignore[valid-type]
MIN_TILE_ZOOM = 6  # below this one tile covers hundreds of scenes: a STAC API search would return thousands


def maps_router(ctx: Context, current_user: Callable) -> APIRouter:
    router = APIRouter(tags=["map"])
    simplifier = ZoneSimplifier()  # /api/zones?zoom=…: simplified zones per zoom, made once
    tiles = TileCache(ctx.settings.work_dir / "tile-cache")

    @router.get("/api/config", summary="What the map page needs to start: language, view, date range, tiles")
    def config(user: U.User = Depends(current_user)) -> dict[str, Any]:
        a = ctx.visible(user)
        z = ctx.zones.zones
        frame = a if len(a) else z
        if len(frame):
            x0, y0, x1, y1 = (float(v) for v in frame.total_bounds)
            center, span = [(x0 + x1) / 2, (y0 + y1) / 2], max(x1 - x0, y1 - y0, 0.01)
        else:
            x0, y0, x1, y1 = -72.4, -13.4, -68.6, -9.9  # Madre de Dios
            center, span = [(x0 + x1) / 2, (y0 + y1) / 2], 3.5
        zoom = float(max(3, min(16, round(9 - math.log2(span), 1))))
        dates = (
            pd.to_datetime(a.first_seen, errors="coerce").dropna() if len(a) else pd.Series([], dtype="datetime64[ns]")
        )
        return {
            "default_lang": ctx.settings.default_lang,
            "center": center,
            "zoom": zoom,
            "bounds": [x0, y0, x1, y1],
            "first_date": str(dates.min().date()) if len(dates) else None,
            "last_date": str(dates.max().date()) if len(dates) else None,
            "tiles": ctx.settings.catalog is not None,
            **palette(),  # the causes' colours: the bulletin's (centinela.palette)
        }

    @router.get("/api/zones", summary="Zones as GeoJSON (protected areas, buffer zones, indigenous lands, corridor…)")
    def zones(
        request: Request,
        kind: Kind | None = None,
        bbox: BBoxText = None,
        zoom: Annotated[
            int | None,
            Query(
                ge=0,
                le=MAX_ZOOM,
                description="Map zoom (MapLibre's, 512-px tiles): geometries simplified to half a pixel there, "
                "coordinates rounded, with an ETag (304 when unchanged). Without it: the zones as stored.",
            ),
        ] = None,
        user: U.User = Depends(current_user),
    ) -> dict[str, Any]:
        z = ctx.zones.zones if zoom is None else simplifier.frame(ctx.zones.zones, zoom)
        if kind:
            z = z[z.kind == kind]
        box = parse_bbox(bbox)
        if box is not None:
            z = z[z.intersects(box)]
        sensitive = set(ctx.store.sensitive_areas())
        keep = [c for c in ("zone_id", "name", "kind", "layer", "illustrative", "source", "licence") if c in z.columns]
        out = z[keep + ["geometry"]].copy()
        out["sensitive"] = out["name"].isin(sensitive)
        # A layer without the column is not known to be authoritative: call it illustrative (was a 500).
        out["illustrative"] = out["illustrative"].astype(bool) if "illustrative" in out else True
        if zoom is not None:
            empty = '{"type":"FeatureCollection","features":[]}'
            text = out.to_json(na="null", drop_id=True, separators=(",", ":")) if len(out) else empty
            return json_with_etag(request, text.encode())
        return (
            json.loads(out.to_json(na="null", drop_id=True))
            if len(out)
            else {"type": "FeatureCollection", "features": []}
        )

    @router.get("/api/areas", summary="Monitored areas with their last run")
    def areas(user: U.User = Depends(current_user)) -> list[dict[str, Any]]:
        out = [{k: v for k, v in a.items() if k not in ("geometry", "geom", "fid")} for a in ctx.store.areas()]
        for a in out:  # issue #19: offline — each area's box [minx, miny, maxx, maxy], so the page can save it
            g = ctx.store.area(a["name"])["geometry"]
            a["bbox"] = None if g is None or g.is_empty else [round(float(v), 6) for v in g.bounds]
        return out

    @router.get(
        "/api/stats/monthly",
        summary="Detected hectares per month and cause: totals (each alert once) and by zone (equal-area)",
    )
    def monthly(f: Filter, user: U.User = Depends(current_user)) -> list[dict[str, Any]]:
        # Rows with "total": true count every alert once (its area_ha, as the bulletin does); the zone rows split
        # alerts at zone edges per layer, so an alert meeting two layers appears in both: never add those up.
        from ..zones import normalise_events, split_by_zones

        a = ctx.visible(user, f)
        if not len(a):
            return []
        pieces = split_by_zones(normalise_events(a.assign(first_seen=a.first_seen.astype(str)), "store"), ctx.zones)
        g = pieces.groupby(["month", "kind", "name", "cause"], as_index=False).area_ha.sum()
        return [
            {
                "month": str(r.month),
                "zone_kind": r.kind,
                "zone": r.name,
                "cause": r.cause,
                "hectares": round(float(r.area_ha), 4),
                "total": False,
            }
            for r in g.itertuples()
        ] + monthly_totals(a)

    @router.get("/api/imagery/dates", summary="Acquisition dates over a box, with cloud cover, for before/after views")
    def imagery_dates(
        bbox: BBoxText = None,
        start: dt.date | None = None,
        end: dt.date | None = None,
        user: U.User = Depends(current_user),
    ) -> list[dict[str, Any]]:
        from ..imagery.tiles import acquisition_dates

        if ctx.settings.catalog is None:
            raise InputError("this server has no imagery catalog (start it with --catalog)")
        box = parse_bbox(bbox)
        acq = acquisition_dates(ctx.settings.catalog, tuple(box.bounds) if box is not None else None, start, end)
        return [{"date": str(x.date), "cloud_cover": x.cloud_cover} for x in acq]

    @router.get(
        "/api/alerts/{alert_id}/imagery",
        summary="The alert's before/after pair: dates chosen by the clear share over the alert (as in its evidence)",
    )
    def imagery_pair(alert_id: AlertId, user: U.User = Depends(current_user)) -> dict[str, Any]:
        from ..jobs.evidence import imagery_pair as pair

        a = ctx.one(user, alert_id)  # hidden alerts stay hidden (404)
        if ctx.settings.catalog is None and not a.get("area_name"):
            raise InputError("this server has no imagery catalog (start it with --catalog)")
        return pair(ctx.store, alert_id, ctx.settings.catalog)

    def png_tile(z: int, x: int, y: int, key: str, last_date: dt.date, render: Callable[[], bytes]) -> Response:
        """One imagery tile, checked, drawn once (``tiles``) and cached an hour by the browser."""
        if ctx.settings.catalog is None:
            raise InputError("this server has no imagery catalog (start it with --catalog)")
        if x >= 2**z or y >= 2**z:
            raise InputError(f"tile {z}/{x}/{y}: x and y must be below 2^z = {2**z}")
        png = tiles.get_or_render(key, last_date, render)
        return Response(png, media_type="image/png", headers={"Cache-Control": "private, max-age=3600"})

    # Registered before /tiles/{date}/…: the first matching route wins, and "composite" is not a date.
    @router.get(
        "/tiles/composite/{z}/{x}/{y}.png",
        summary="XYZ tile of the clear composite: each pixel's latest clear observation in the weeks up to a date",
        response_class=Response,
        responses={200: {"content": {"image/png": {}}}},
    )
    def composite_tile(
        z: Annotated[int, Path(ge=MIN_TILE_ZOOM, le=22)],
        x: Annotated[int, Path(ge=0)],
        y: Annotated[int, Path(ge=0)],
        until: dt.date,
        weeks: Annotated[int, Query(ge=1, le=26)] = 6,
        style: Literal["true", "false"] = "true",
        user: U.User = Depends(current_user),
    ) -> Response:
        from ..imagery.composite import render_composite_tile

        key = f"composite|{ctx.settings.catalog}|{until}|{weeks}|{style}|{z}/{x}/{y}"
        return png_tile(
            z, x, y, key, until, lambda: render_composite_tile(ctx.settings.catalog, until, z, x, y, weeks, style)
        )

    @router.get(
        "/tiles/{date}/{z}/{x}/{y}.png",
        summary="XYZ imagery tile of one date (true or false colour)",
        response_class=Response,
        responses={200: {"content": {"image/png": {}}}},
    )
    def tile(
        date: dt.date,
        z: Annotated[int, Path(ge=MIN_TILE_ZOOM, le=22)],
        x: Annotated[int, Path(ge=0)],
        y: Annotated[int, Path(ge=0)],
        style: Literal["true", "false"] = "true",
        user: U.User = Depends(current_user),
    ) -> Response:
        from ..imagery.tiles import render_tile

        key = f"date|{ctx.settings.catalog}|{date}|{style}|{z}/{x}/{y}"
        return png_tile(z, x, y, key, date, lambda: render_tile(ctx.settings.catalog, date, z, x, y, style))

    return router
