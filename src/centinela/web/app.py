"""``create_app(settings)``: the FastAPI application — API under /api, tiles under /tiles, the map page at /."""

from __future__ import annotations

import base64
import hashlib
import re
from functools import partial
from importlib.resources import files
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.middleware.gzip import GZipMiddleware
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import FileResponse, HTMLResponse

from .. import __version__
from ..store import open_store
from .alerts import Context, alerts_router, export_router
from .auth import auth_router, current_user_dependency, require
from .drone import drone_router
from .errors import add_handlers
from .layers import layers_router
from .maps import maps_router
from .precompressed import PrecompressedStaticFiles
from .reports import ReportBodyLimit, reports_router
from .settings import Settings

# The page loads only its own files; MapLibre needs blob: workers and data:/blob: images.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; "
    "worker-src 'self' blob:; child-src blob:; connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; "
    "form-action 'self'"
)
# /docs and /redoc are FastAPI's Swagger UI and ReDoc pages: their scripts and styles come from this CDN, and
# Swagger UI starts from one inline script, allowed by its hash (docs_csp). Only those two pages get this policy.
DOCS_CDN = "https://cdn.jsdelivr.net"
IMMUTABLE = "public, max-age=31536000, immutable"
HASHED_CHUNK = re.compile(r"/static/[a-z0-9_]+-[A-Z0-9]{8}\.js")


def docs_csp(html: str) -> str:
    """The policy for one docs page: its own inline scripts by hash, the CDN's files, nothing else from outside."""
    inline = re.findall(r"<script>(.*?)</script>", html, flags=re.S)
    hashes = " ".join(f"'sha256-{base64.b64encode(hashlib.sha256(s.encode()).digest()).decode()}'" for s in inline)
    return (
        f"default-src 'self'; script-src 'self' {DOCS_CDN} {hashes}; style-src 'self' {DOCS_CDN} 'unsafe-inline'; "
        "img-src 'self' data: blob:; font-src 'self' data:; worker-src 'self' blob:; child-src blob:; "
        "connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
    )


def docs_page(page: HTMLResponse) -> HTMLResponse:
    page.headers["Content-Security-Policy"] = docs_csp(page.body.decode())
    return page


def static_dir() -> Path:
    return Path(str(files("centinela.web") / "static"))


def create_app(settings: Settings) -> FastAPI:
    from ..zones import load_zones

    store = open_store(settings.store, timeout_s=settings.store_timeout_s)
    ctx = Context(store, load_zones(settings.zones if settings.zones is not None else store), settings)
    settings.work_dir.mkdir(parents=True, exist_ok=True)

    app = FastAPI(
        docs_url=None,  # served below with their own Content-Security-Policy
        redoc_url=None,
        title="Centinela",
        version=__version__,
        description=(
            "Alerts of illegal gold mining in the Peruvian Amazon: alerts, zones, statistics, evidence, imagery tiles."
        ),
    )
    add_handlers(app)
    current_user = current_user_dependency(store)
    need = partial(require, current_user)
    auth = auth_router(store, settings, current_user)
    app.include_router(auth)
    app.state.login_limiter = auth.limiter  # the failed-login counters (web/limits.py), one per application
    app.include_router(alerts_router(ctx, current_user, need))
    app.include_router(export_router(ctx, need))
    app.include_router(maps_router(ctx, current_user))
    app.include_router(layers_router(ctx, current_user))
    app.include_router(drone_router(ctx, current_user))
    app.include_router(reports_router(ctx, current_user, need))

    # Which kind of store and its schema, never where it is (no path, host or database name to an anonymous caller).
    backend = {"store": "postgis" if store.url else "geopackage", "schema_version": store.schema_version()}

    @app.get("/api/health", tags=["meta"], summary="Liveness check (no login needed)")
    def health() -> dict:
        return {"status": "ok", "version": __version__, **backend}

    @app.get("/docs", include_in_schema=False)
    def swagger() -> HTMLResponse:
        html = get_swagger_ui_html(
            openapi_url=app.openapi_url,
            title="Centinela API",
            swagger_favicon_url="data:,",
            swagger_ui_parameters={"validatorUrl": None},  # no badge fetched from swagger.io
        )
        return docs_page(html)

    @app.get("/redoc", include_in_schema=False)
    def redoc() -> HTMLResponse:
        html = get_redoc_html(
            openapi_url=app.openapi_url, title="Centinela API", redoc_favicon_url="data:,", with_google_fonts=False
        )
        return docs_page(html)

    @app.middleware("http")
    async def security_headers(request: Request, call_next):
        response = await call_next(request)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("Content-Security-Policy", CSP)
        if request.url.path.startswith("/api/"):
            response.headers.setdefault("Cache-Control", "no-store")
        elif request.url.path.startswith("/static/"):
            # The page names its bundles with a content hash (?v=…): those never change and are kept a year; the
            # rest revalidate (StaticFiles answers 304 from its ETag), so a phone on a weak link refetches nothing.
            # Split chunks (NAME-HASH.js, web/frontend/build.mjs) carry their content hash in the name instead.
            versioned = "v" in request.query_params or HASHED_CHUNK.fullmatch(request.url.path) is not None
            response.headers.setdefault("Cache-Control", IMMUTABLE if versioned else "no-cache")
        elif request.url.path == "/":
            response.headers.setdefault("Cache-Control", "no-cache")
        return response

    # Compress what is worth it (the map bundle is ~1.1 MB, alert lists and zones are verbose JSON): a ranger's
    # phone on a 400 kbps link gets a fraction of it. Added last, so it wraps the other middleware.
    app.add_middleware(ReportBodyLimit)  # an oversized field report is refused before it is read
    app.add_middleware(GZipMiddleware, minimum_size=1000)

    static = static_dir()
    if (static / "index.html").exists():
        # NAME.br (built beside the large bundles) to browsers that accept brotli; the rest gzipped on the fly.
        app.mount("/static", PrecompressedStaticFiles(directory=static), name="static")

        @app.get("/", include_in_schema=False)
        def index() -> FileResponse:
            return FileResponse(static / "index.html", media_type="text/html")

        # Installable app (issue #19: offline): the service worker must be served from / to control the whole
        # site, and always revalidated, or a phone would keep an old worker (and its old files) for a day.
        @app.get("/sw.js", include_in_schema=False)
        def service_worker() -> FileResponse:
            headers = {"Service-Worker-Allowed": "/", "Cache-Control": "no-cache"}
            return FileResponse(static / "sw.js", media_type="text/javascript", headers=headers)

        @app.get("/manifest.webmanifest", include_in_schema=False)
        def manifest() -> FileResponse:
            return FileResponse(
                static / "manifest.webmanifest",
                media_type="application/manifest+json",
                headers={"Cache-Control": "no-cache"},
            )
    else:

        @app.get("/", include_in_schema=False)
        def index_missing() -> HTMLResponse:
            return HTMLResponse(
                "<h1>Centinela</h1><p>El mapa no está compilado / the map page is not built: "
                "<code>make web</code>. API: <a href='/docs'>/docs</a></p>"
            )

    app.state.ctx = ctx
    return app
