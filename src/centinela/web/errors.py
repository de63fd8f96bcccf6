"""The one place where errors become HTTP answers: bad input 4xx with a clear message, never a 500 for it."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from ..errors import (
    CatalogError,
    CentinelaError,
    InputError,
    NoImageryError,
    NotFoundError,
    RasterReadError,
    StoreError,
    StoreUnavailableError,
)

log = logging.getLogger(__name__)

STATUS = (  # most specific first
    (NoImageryError, 404),
    (CatalogError, 502),
    (RasterReadError, 502),  # the server's imagery is broken, not the request
    (PermissionError, 403),  # e.g. a lifecycle step the user's role may not make (store/lifecycle.py)
    (InputError, 422),
    (CentinelaError, 400),
)


class NotFound(NotFoundError):
    """Something named in the URL does not exist."""


# Store messages name the file or database; a web client gets neither (the server's log keeps them).
STORE_BUSY = (
    "the store is busy or unreachable; try again shortly / "
    "el almacén está ocupado o no responde; intente de nuevo en unos segundos"
)
STORE_BROKEN = "the store could not be used; see the server's log / no se pudo usar el almacén; vea el registro"
RETRY_AFTER_S = 5


class Forbidden(CentinelaError, PermissionError):
    """The user is known but their role does not allow this."""


class Unauthenticated(CentinelaError, PermissionError):
    """No valid session or token."""


class TooManyAttempts(CentinelaError):
    def __init__(self, retry_after: int):
        super().__init__(f"too many failed logins; try again in {retry_after} s")
        self.retry_after = retry_after


def add_handlers(app: FastAPI) -> None:
    @app.exception_handler(Unauthenticated)
    async def _unauth(request: Request, exc: Unauthenticated):
        return JSONResponse({"detail": str(exc)}, status_code=401, headers={"WWW-Authenticate": "Bearer"})

    @app.exception_handler(Forbidden)
    async def _forbidden(request: Request, exc: Forbidden):
        return JSONResponse({"detail": str(exc)}, status_code=403)

    @app.exception_handler(NotFoundError)
    async def _notfound(request: Request, exc: NotFoundError):
        return JSONResponse({"detail": str(exc)}, status_code=404)

    @app.exception_handler(StoreUnavailableError)
    async def _busy(request: Request, exc: StoreUnavailableError):
        log.warning("store unavailable for %s %s: %s", request.method, request.url.path, exc)
        return JSONResponse({"detail": STORE_BUSY}, status_code=503, headers={"Retry-After": str(RETRY_AFTER_S)})

    @app.exception_handler(StoreError)
    async def _store(request: Request, exc: StoreError):
        log.error("store error for %s %s: %s", request.method, request.url.path, exc)
        return JSONResponse({"detail": STORE_BROKEN}, status_code=500)

    @app.exception_handler(TooManyAttempts)
    async def _toomany(request: Request, exc: TooManyAttempts):
        return JSONResponse({"detail": str(exc)}, status_code=429, headers={"Retry-After": str(exc.retry_after)})

    @app.exception_handler(CentinelaError)
    async def _ours(request: Request, exc: CentinelaError):
        code = next((c for t, c in STATUS if isinstance(exc, t)), 400)
        return JSONResponse({"detail": str(exc)}, status_code=code)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError):
        # FastAPI's default body would echo the input back; keep field and reason only.
        errors = [{"loc": list(e.get("loc", ())), "msg": e.get("msg", "")} for e in exc.errors()]
        return JSONResponse({"detail": errors}, status_code=422)
