"""``create_app(settings)``: the FastAPI application — API under /api, tiles under /tiles, the map page at /."""

from __future__ import annotations

from functools import partial
from importlib.resources import files
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import FileResponse, HTMLResponse
from fastapi.staticfiles import StaticFiles

from .. import __version__
from ..store import open_store
from .alerts import Context, alerts_router, export_router
from .auth import auth_router, current_user_dependency, require
from .drone import drone_router
from .errors import add_handlers
from .maps import maps_router
from .settings import Settings

# The page loads only its own files; MapLibre needs blob: workers and data:/blob: images.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; "
    "worker-src 'self' blob:; child-src blob:; connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; "
    "form-action 'self'"
)


def static_dir() -> Path:
    return Path(str(files("centinela.web") / "static"))


def create_app(settings: Settings) -> FastAPI:
    from ..zones import load_zones

    store = open_store(settings.store, timeout_s=settings.store_timeout_s)
    ctx = Context(store, load_zones(settings.zones if settings.zones is not None else store), settings)
    settings.work_dir.mkdir(parents=True, exist_ok=True)

    app = FastAPI(
        title="Centinela",
        version=__version__,
        description=(
            "Alerts of illegal gold mining in the Peruvian Amazon: alerts, zones, statistics, evidence, imagery tiles."
        ),
    )
    add_handlers(app)
    current_user = current_user_dependency(store)
    need = partial(require, current_user)
    app.include_router(auth_router(store, settings, current_user))
    app.include_router(alerts_router(ctx, current_user, need))
    app.include_router(export_router(ctx, need))
    app.include_router(maps_router(ctx, current_user))
    app.include_router(drone_router(ctx, current_user))

    @app.get("/api/health", tags=["meta"], summary="Liveness check (no login needed)")
    def health() -> dict:
        return {"status": "ok", "version": __version__, "store": store.label()}

    @app.middleware("http")
    async def security_headers(request: Request, call_next):
        response = await call_next(request)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("Content-Security-Policy", CSP)
        if request.url.path.startswith("/api/"):
            response.headers.setdefault("Cache-Control", "no-store")
        return response

    static = static_dir()
    if (static / "index.html").exists():
        app.mount("/static", StaticFiles(directory=static), name="static")

        @app.get("/", include_in_schema=False)
        def index() -> FileResponse:
            return FileResponse(static / "index.html", media_type="text/html")
    else:

        @app.get("/", include_in_schema=False)
        def index_missing() -> HTMLResponse:
            return HTMLResponse(
                "<h1>Centinela</h1><p>El mapa no está compilado / the map page is not built: "
                "<code>make web</code>. API: <a href='/docs'>/docs</a></p>"
            )

    app.state.ctx = ctx
    return app
