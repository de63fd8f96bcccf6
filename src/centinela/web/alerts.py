"""Alert routes: list (GeoJSON, filters, paging), one alert with its history, status changes, notes,
assignment, evidence package and exports. Alerts inside sensitive areas are invisible (404, not 403) to
people whose role does not allow seeing them, so their existence does not leak either."""

# No `from __future__ import annotations`: FastAPI reads the annotations at run time (some use closures).

import hashlib
import json
import uuid
from collections.abc import Callable
from typing import Annotated, Any, Literal
from urllib.parse import urlencode

import geopandas as gpd
import shapely
from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import FileResponse
from pydantic import BaseModel, Field
from starlette.background import BackgroundTask

from ..errors import InputError, NotFoundError
from ..store import users as U
from ..store.lifecycle import check_transition, next_statuses
from .errors import Forbidden, NotFound
from .params import AlertFilter, AlertId, ExportFormat, Filter, Status, safe_name
from .reports import alert_field_summary
from .whatsnew import NewSince, field_coordinates

MEDIA = {
    "geojson": "application/geo+json",
    "gpkg": "application/geopackage+sqlite3",
    "kml": "application/vnd.google-earth.kml+xml",
    "kmz": "application/vnd.google-earth.kmz",
    "gpx": "application/gpx+xml",
    "csv": "text/csv",
}


_NOWHERE = shapely.box(-180, -90, -179.999, -89.999)  # stands in for a missing alert's outline

# Filters that a paging link carries on (the names of ``params.alert_filter``'s arguments).
FILTER_PARAMS = ("bbox", "since", "until", "status", "cause", "confidence", "zone", "min_area_ha", "min_prob", "area")


class StatusBody(BaseModel):
    status: Status
    note: str | None = Field(default=None, max_length=2000)


class NoteBody(BaseModel):
    text: str = Field(min_length=1, max_length=2000)


class AssignBody(BaseModel):
    assignee: str = Field(min_length=1, max_length=64)


class Context:
    """What the routes share: the store, the zones, the settings (state that lives as long as the app)."""

    def __init__(self, store, zones, settings):
        self.store, self.zones, self.settings = store, zones, settings

    def hidden_area(self, user: U.User) -> shapely.Geometry | None:
        if user.can("see_sensitive"):
            return None
        areas = self.store.sensitive_areas()
        return shapely.union_all(list(areas.values())) if areas else None

    def visible(self, user: U.User, f: AlertFilter | None = None) -> gpd.GeoDataFrame:
        f = f or AlertFilter(None, None, None, None, None, None, None, None)
        a = self.store.alerts(
            status=f.status,
            cause=f.cause,
            confidence=f.confidence,
            since=f.since,
            until=f.until,
            min_area_ha=f.min_area_ha,
            within=f.bbox,
            min_prob=f.min_prob,
            area=f.area,
        )
        if f.zone:
            zone = self.zones.find(f.zone).union_all()
            a = a[a.intersects(zone)]
        hidden = self.hidden_area(user)
        if hidden is not None and len(a):
            a = a[~a.intersects(hidden)]
        return a.reset_index(drop=True)

    def one(self, user: U.User, alert_id: str) -> dict:
        """The alert, or 404. An alert hidden from ``user`` and one that does not exist take the same reads,
        the same test and the same answer, so neither the body nor the time tells them apart."""
        hidden = self.hidden_area(user)
        geom = self.store.alert_geometry(alert_id)
        inside = hidden is not None and (_NOWHERE if geom is None else geom).intersects(hidden)
        if geom is None or inside:
            raise NotFound(f"no alert '{alert_id}'")
        try:
            return self.store.alert(alert_id)
        except NotFoundError as exc:  # deleted meanwhile
            raise NotFound(f"no alert '{alert_id}'") from exc


def _features(a: gpd.GeoDataFrame) -> list[dict]:
    return json.loads(a.to_json(na="null", drop_id=True))["features"] if len(a) else []


def allowed(user: U.User, status: str) -> list[str]:
    """The statuses this user may set next (the store's lifecycle rules for the user's role)."""
    return list(next_statuses(status, user.role)) if user.can("status") else []


def alerts_router(ctx: Context, current_user: Callable, require: Callable) -> APIRouter:
    router = APIRouter(prefix="/api/alerts", tags=["alerts"])

    @router.get("", summary="Alerts as GeoJSON, filtered and paged")
    def list_alerts(
        request: Request,
        f: Filter,
        user: U.User = Depends(current_user),
        limit: Annotated[int, Query(ge=1, le=ctx.settings.max_page)] = 100,
        offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
    ) -> dict[str, Any]:
        a = ctx.visible(user, f)
        page = a.iloc[offset : offset + limit]
        # Paging links repeat the request's filters as sent, so following them stays inside the same selection.
        kept = [(k, v) for k, v in request.query_params.multi_items() if k in FILTER_PARAMS]

        def link(rel: str, at: int) -> dict[str, str]:
            return {"rel": rel, "href": "?" + urlencode([*kept, ("offset", at), ("limit", limit)])}

        links = []
        if offset + limit < len(a):
            links.append(link("next", offset + limit))
        if offset > 0:
            links.append(link("prev", max(0, offset - limit)))
        return {
            "type": "FeatureCollection",
            "features": _features(page),
            "numberMatched": len(a),
            "numberReturned": len(page),
            "links": links,
        }

    @router.get("/summary", summary="What is new: unreviewed alerts that arrived since a time, per zone")
    def summary(f: Filter, new_since: NewSince = None, user: U.User = Depends(current_user)) -> dict[str, Any]:
        from .whatsnew import whats_new

        return whats_new(ctx, user, f, new_since)

    @router.get("/{alert_id}", summary="One alert with its zones, legal status, notes, history and allowed actions")
    def get_alert(alert_id: AlertId, user: U.User = Depends(current_user)) -> dict[str, Any]:
        from ..zones import assess, legal_verdict, load_rules

        a = ctx.one(user, alert_id)
        props = {k: v for k, v in a.items() if k not in ("geometry", "history", "notes", "fid", "geom")}
        one = gpd.GeoDataFrame([props], geometry=[a["geometry"]], crs=4326)
        rules = load_rules()
        judged = assess(one, ctx.zones, rules, ctx.settings.default_lang).iloc[0]
        # The verdict never travels without its caveats (instrument, article, verification, layer); the page
        # shows the sentence in its own language.
        legal = legal_verdict(judged, rules, ctx.settings.default_lang).as_dict()
        legal["sentences"] = {lang: legal_verdict(judged, rules, lang).sentence for lang in ("es", "en")}
        props.update(
            zones=judged["zones"],
            legal_status=judged["legal_status"],
            legal_label=judged["legal_label"],
            legal_reasons=judged["legal_reasons"],
            legal_caveat=legal["sentence"],
            legal=legal,
        )
        props["notes"] = a["notes"]
        props["history"] = [
            {**h, "detail": json.loads(h["detail"]) if isinstance(h["detail"], str) else h["detail"]}
            for h in a["history"]
        ]
        props["allowed_transitions"] = allowed(user, a["status"])
        props.update(field_coordinates(a))  # issue #19 (go there): UTM zone/easting/northing and DMS
        props.update(alert_field_summary(ctx.store, alert_id))  # issue #19 (report): field reports, conflict
        can_pkg = user.can("evidence") and (ctx.settings.catalog is not None or bool(a.get("area_name")))
        props["evidence_url"] = f"/api/alerts/{alert_id}/evidence.zip" if can_pkg else None
        return {
            "type": "Feature",
            "id": alert_id,
            "geometry": shapely.geometry.mapping(a["geometry"]),
            "properties": props,
        }

    @router.post("/{alert_id}/status", summary="Change the status (lifecycle rules and the role decide which)")
    def set_status(
        alert_id: AlertId, body: StatusBody, user: Annotated[U.User, Depends(require("status"))]
    ) -> dict[str, Any]:
        a = ctx.one(user, alert_id)
        try:  # the store checks again inside its transaction, with the role: the same rules as the CLI
            check_transition(alert_id, a["status"], body.status, user.role)
        except InputError as exc:  # a step the lifecycle never allows: forbidden to everyone
            raise Forbidden(str(exc)) from exc
        ctx.store.set_status(alert_id, body.status, actor=user.username, note=body.note, role=user.role)
        return get_alert(alert_id, user)

    @router.post("/{alert_id}/notes", summary="Add a note (audited)")
    def add_note(
        alert_id: AlertId, body: NoteBody, user: Annotated[U.User, Depends(require("note"))]
    ) -> dict[str, Any]:
        ctx.one(user, alert_id)
        ctx.store.add_note(alert_id, body.text, actor=user.username)
        return get_alert(alert_id, user)

    @router.post("/{alert_id}/assign", summary="Assign the alert to someone (analysts)")
    def assign(
        alert_id: AlertId, body: AssignBody, user: Annotated[U.User, Depends(require("assign"))]
    ) -> dict[str, Any]:
        ctx.one(user, alert_id)
        ctx.store.assign(alert_id, body.assignee, actor=user.username)
        return get_alert(alert_id, user)

    @router.get(
        "/{alert_id}/evidence.zip",
        summary="The alert's evidence package (zip with SHA-256 manifest)",
        response_class=FileResponse,
    )
    def evidence(alert_id: AlertId, user: Annotated[U.User, Depends(require("evidence"))]):
        # Built once per content (alert, notes, history, imagery items, code version, signing key) and served
        # from the cache after that; concurrent requests for one alert wait for a single build. A date with
        # no clear view before or after the alert is a fact the package states (X-Evidence-Note), not an error.
        from ..jobs.evidence import cached_evidence

        ctx.one(user, alert_id)
        zip_path, _ = cached_evidence(
            ctx.store,
            alert_id,
            ctx.settings.work_dir / "evidence" / "cache",
            ctx.settings.catalog,
            ctx.settings.default_lang,
            ctx.settings.zones,
            actor=user.username,
        )
        digest = hashlib.sha256(zip_path.read_bytes()).hexdigest()
        ctx.store.log_event(
            user.username, "evidence_downloaded", alert_id, {"file": [None, zip_path.name], "sha256": [None, digest]}
        )
        facts = json.loads((zip_path.parent / zip_path.stem / "facts.json").read_text(encoding="utf-8"))
        missing = (facts.get("imagery_note") or {}).get("missing") or []
        headers = {"X-Evidence-SHA256": digest}
        if missing:
            headers["X-Evidence-Note"] = "no clear image " + " and ".join(missing) + " the first detection"
        return FileResponse(
            zip_path, media_type="application/zip", filename=f"{safe_name(alert_id)}.zip", headers=headers
        )

    return router


def export_router(ctx: Context, require: Callable) -> APIRouter:
    router = APIRouter(prefix="/api", tags=["alerts"])

    @router.get("/export", summary="Alerts matching the filters as a file for GIS or GPS", response_class=FileResponse)
    def export(
        f: Filter,
        user: Annotated[U.User, Depends(require("export"))],
        format: ExportFormat = "geojson",
        lang: Literal["es", "en"] | None = None,
    ):
        from ..store.exports import export as write

        a = ctx.visible(user, f)
        out = ctx.settings.work_dir / "exports" / f"alerts_{uuid.uuid4().hex}.{format}"  # one file per request
        write(a, out, format, zones=ctx.zones, lang=lang or ctx.settings.default_lang)  # with legal caveats
        ctx.store.log_event(user.username, "export", None, {"format": [None, format], "alerts": [None, len(a)]})
        return FileResponse(
            out,
            media_type=MEDIA[format],
            filename=f"centinela_alerts.{format}",
            background=BackgroundTask(out.unlink, missing_ok=True),
        )

    return router
