"""Field-report routes: a ranger files what they found at an alert (a verdict, notes, photos, the phone's
position and time), everyone who may see the alert reads the reports and their photos, an analyst marks the
report that stands when two disagree.

Filing is a multipart form (fields + photos) with a report id the phone made, so a report re-sent after a lost
answer is answered with the stored one (200) instead of a second copy; the same id with other content is 409.
Photos are served byte for byte as received (EXIF intact), to the people who may see their alert."""

# No `from __future__ import annotations`: FastAPI reads the annotations at run time (some use closures).

import re
import uuid
from collections.abc import Callable
from typing import Annotated, Any, Literal

# FastAPI parses multipart forms with it: imported here so a missing one stops the app at start, not at a report.
import python_multipart  # noqa: F401
from fastapi import APIRouter, Depends, File, Form, Path, Response, UploadFile
from fastapi.responses import JSONResponse

from ..errors import InputError, NotFoundError
from ..store import field as F
from ..store import users as U
from .errors import NotFound
from .params import AlertId

ReportId = Annotated[uuid.UUID, Path(description="The report's id, a UUID made by the phone")]
Sha256 = Annotated[str, Path(pattern="^[0-9a-f]{64}$", description="The photo's SHA-256 (hex)")]
Verdict = Literal["mining_active", "mining_abandoned", "not_mining", "not_reached"]


def photo_url(report_id: str, sha256: str) -> str:
    return f"/api/reports/{report_id}/photos/{sha256}"


def public(report: dict) -> dict:
    """A stored report for a client: its photos with their URLs (never the bytes)."""
    photos = [{**p, "url": photo_url(report["report_id"], p["sha256"])} for p in report.get("photos", [])]
    return {**report, "photos": photos}


def alert_field_summary(store, alert_id: str) -> dict[str, Any]:
    """``field_reports``, ``field_conflict``, ``field_standing`` for the alert's detail."""
    s = F.summary(store.field_reports(alert_id))
    s["field_reports"] = [public(r) for r in s["field_reports"]]
    return s


MAX_BODY = F.MAX_PHOTOS * F.MAX_PHOTO_BYTES + 1_000_000  # eight photos at their limit and the fields
_FILING = re.compile(r"^/api/alerts/[^/]+/reports/?$")


class ReportBodyLimit:
    """Refuse an oversized report before it is read: FastAPI parses (and spools to disk) a multipart body before
    any dependency runs, login included, so without this anyone could fill the server's disk with one request."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope["method"] != "POST" or not _FILING.match(scope["path"]):
            return await self.app(scope, receive, send)
        length = dict(scope["headers"]).get(b"content-length", b"")
        if not length.isdigit() or int(length) > MAX_BODY:
            status, detail = (
                (411, "a field report needs a Content-Length header")
                if not length.isdigit()
                else (413, f"a field report may be at most {MAX_BODY // 1_000_000} MB in all ({F.MAX_PHOTOS} photos)")
            )
            return await JSONResponse({"detail": detail}, status_code=status)(scope, receive, send)
        return await self.app(scope, receive, send)


def _read(upload: UploadFile) -> bytes:
    data = upload.file.read(F.MAX_PHOTO_BYTES + 1)  # one byte past the limit is enough to refuse it
    return data


def reports_router(ctx, current_user: Callable, require: Callable) -> APIRouter:
    """``ctx``: the routes' shared :class:`~centinela.web.alerts.Context` (not imported: alerts.py uses this module)."""
    router = APIRouter(prefix="/api", tags=["field reports"])

    def report_of(user: U.User, report_id: str) -> dict:
        """The report, or 404 when it does not exist or its alert is hidden from ``user`` (same answer)."""
        try:
            report = ctx.store.field_report(report_id)
        except NotFoundError as exc:
            raise NotFound(f"no field report '{report_id}'") from exc
        try:
            ctx.one(user, report["alert_id"])
        except NotFound as exc:
            raise NotFound(f"no field report '{report_id}'") from exc
        return report

    @router.post(
        "/alerts/{alert_id}/reports",
        summary="File a field report (multipart: fields and photos); re-sending the same report id is answered "
        "with the stored report",
        status_code=201,
        responses={200: {"description": "already stored (a re-send)"}, 409: {"description": "id taken"}},
    )
    def file_report(
        alert_id: AlertId,
        response: Response,
        user: Annotated[U.User, Depends(require("note"))],
        report_id: Annotated[uuid.UUID, Form(description="A UUID the phone made for this report")],
        verdict: Annotated[Verdict, Form()],
        notes: Annotated[str, Form(max_length=F.MAX_NOTES)] = "",
        observed_at: Annotated[str | None, Form(max_length=64, description="ISO 8601 with offset")] = None,
        lon: Annotated[float | None, Form(ge=-180, le=180)] = None,
        lat: Annotated[float | None, Form(ge=-90, le=90)] = None,
        accuracy_m: Annotated[float | None, Form(ge=0, le=1e6)] = None,
        photos: Annotated[list[UploadFile], File(description="JPEG, PNG or HEIC, kept byte for byte")] = [],  # noqa: B006
    ) -> dict[str, Any]:
        ctx.one(user, alert_id)
        if len(photos) > F.MAX_PHOTOS:
            raise InputError(f"{len(photos)} photos; at most {F.MAX_PHOTOS} per report")
        taken = [F.make_photo(_read(p), p.filename or f"photo_{i + 1}", p.content_type) for i, p in enumerate(photos)]
        report = F.make_report(str(report_id), alert_id, verdict, notes, observed_at, lon, lat, accuracy_m, taken)
        try:
            stored, created = ctx.store.add_field_report(report, user.username)
        except F.ReportConflict as exc:
            return JSONResponse({"detail": str(exc), "report_id": str(report_id)}, status_code=409)
        if not created:
            response.status_code = 200
        return public(stored)

    @router.get("/alerts/{alert_id}/reports", summary="The alert's field reports with their photos' hashes")
    def list_reports(alert_id: AlertId, user: U.User = Depends(current_user)) -> dict[str, Any]:
        ctx.one(user, alert_id)
        return alert_field_summary(ctx.store, alert_id)

    @router.get(
        "/reports/{report_id}/photos/{sha256}",
        summary="A field photo, byte for byte as received (EXIF intact)",
        response_class=Response,
    )
    def photo(report_id: ReportId, sha256: Sha256, user: U.User = Depends(current_user)) -> Response:
        report_of(user, str(report_id))
        try:
            meta, data = ctx.store.field_photo(str(report_id), sha256)
        except NotFoundError as exc:
            raise NotFound(str(exc)) from exc
        ext = F.CONTENT_TYPES.get(meta["content_type"], "bin")
        return Response(
            data,
            media_type=meta["content_type"],
            headers={
                "Content-Disposition": f'inline; filename="{sha256[:16]}.{ext}"',
                "X-Content-SHA256": sha256,
                # A photo never changes under its hash: the phone may keep it (private: it is not public data).
                "Cache-Control": "private, max-age=31536000, immutable",
            },
        )

    @router.post(
        "/reports/{report_id}/stands",
        summary="Mark the report that stands when field reports disagree (analysts); nothing is overwritten",
    )
    def stands(report_id: ReportId, user: Annotated[U.User, Depends(require("assign"))]) -> dict[str, Any]:
        report = report_of(user, str(report_id))
        ctx.store.mark_standing(str(report_id), user.username)
        return alert_field_summary(ctx.store, report["alert_id"])

    return router
