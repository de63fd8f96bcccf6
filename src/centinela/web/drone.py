"""Drone routes: the ingested flights (for a layer list) and XYZ tiles of their orthomosaics."""

# No `from __future__ import annotations`: FastAPI reads the annotations at run time (some use closures).

import json
from collections.abc import Callable
from typing import Annotated, Any

import shapely
from fastapi import APIRouter, Depends, Path
from fastapi.responses import Response

from ..drone.flights import FLIGHT_ID, list_flights, stored_path
from ..drone.tiles import MAX_ZOOM, MIN_ZOOM, render_ortho_tile
from ..errors import InputError
from ..store import users as U
from .alerts import Context
from .errors import NotFound

FlightId = Annotated[str, Path(pattern=FLIGHT_ID, description="Drone flight id, e.g. 20240715-3fa2c1d9")]


def drone_router(ctx: Context, current_user: Callable) -> APIRouter:
    router = APIRouter(tags=["drone"])

    def flights() -> dict[str, dict]:
        return {r["flight_id"]: r for r in list_flights(ctx.store).to_dict(orient="records")}

    def visible(user: U.User) -> dict[str, dict]:
        # Flights over a sensitive area are hidden from roles that may not see it (as alerts are): 404, not 403.
        hidden = ctx.hidden_area(user)
        found = flights()
        if hidden is None:
            return found
        return {k: r for k, r in found.items() if r.get("geometry") is None or not r["geometry"].intersects(hidden)}

    def one(user: U.User, flight_id: str) -> dict:
        rec = visible(user).get(flight_id)
        if rec is None:
            raise NotFound(f"no drone flight '{flight_id}'")
        return rec

    @router.get(
        "/api/drone/flights", summary="Ingested drone orthomosaics: date, resolution, cover, footprint, tile URL"
    )
    def list_(user: U.User = Depends(current_user)) -> list[dict[str, Any]]:
        out = []
        for fid, r in visible(user).items():
            geom = r.get("geometry")
            out.append(
                {
                    "flight_id": fid,
                    "flight_date": r.get("flight_date"),
                    "file_name": r.get("file_name"),
                    "res_m": float(r["res_m"]),
                    "bands": str(r["bands"]).split(","),
                    "simulated": bool(r.get("simulated")),
                    "bbox": list(geom.bounds) if geom is not None else None,
                    "footprint": shapely.geometry.mapping(geom) if geom is not None else None,
                    "cover": {c: float(r[f"{c}_frac"]) for c in ("vegetation", "bare", "water", "shadow")},
                    "valid_ha": float(r["valid_ha"]),
                    "sites": json.loads(r.get("sites_json") or "[]"),
                    "tiles": f"/tiles/drone/{fid}/{{z}}/{{x}}/{{y}}.png",
                }
            )
        return out

    @router.get(
        "/tiles/drone/{flight_id}/{z}/{x}/{y}.png",
        summary="XYZ tile of a drone orthomosaic (true colour)",
        response_class=Response,
        responses={200: {"content": {"image/png": {}}}},
    )
    def tile(
        flight_id: FlightId,
        z: Annotated[int, Path(ge=MIN_ZOOM, le=MAX_ZOOM)],
        x: Annotated[int, Path(ge=0)],
        y: Annotated[int, Path(ge=0)],
        user: U.User = Depends(current_user),
    ) -> Response:
        if x >= 2**z or y >= 2**z:
            raise InputError(f"tile {z}/{x}/{y}: x and y must be below 2^z = {2**z}")
        rec = one(user, flight_id)
        path = stored_path(ctx.store, rec)
        if not path.exists():
            raise NotFound(f"drone flight '{flight_id}': its orthomosaic is missing on the server")
        idx = json.loads(rec["band_index"])
        lo = [float(v) for v in str(rec.get("display_min") or "").split(",") if v] or None
        hi = [float(v) for v in str(rec.get("display_max") or "").split(",") if v] or None
        png = render_ortho_tile(
            path, z, x, y, rgb=(idx["red"], idx["green"], idx["blue"]), display_min=lo, display_max=hi
        )
        return Response(png, media_type="image/png", headers={"Cache-Control": "private, max-age=3600"})

    return router
