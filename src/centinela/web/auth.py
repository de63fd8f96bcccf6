"""Who is asking: a browser session (cookie + CSRF header) or an API token (``Authorization: Bearer``).

Sessions and tokens live in the store (``centinela.store.users``); this module only reads requests. Failed
logins are counted in memory by :mod:`.limits` (per account, per address and account, per address, with a
capped back-off) and refused with 429, so a password cannot be guessed at speed; each one is logged (username
and address, never the password) and, for a user that exists, recorded in the audit chain.
"""

# No `from __future__ import annotations`: FastAPI reads the annotations at run time (some use closures).

import logging
from collections.abc import Callable

from fastapi import APIRouter, Depends, Request, Response
from pydantic import BaseModel, Field

from ..errors import InputError, StoreError
from ..store import users as U
from .errors import Forbidden, Unauthenticated
from .limits import HEADERS, LoginLimiter, client_address, parse_proxies
from .settings import Settings

log = logging.getLogger(__name__)

COOKIE = "centinela_session"
CSRF_HEADER = "X-CSRF-Token"
SAFE = {"GET", "HEAD", "OPTIONS"}


class LoginBody(BaseModel):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=U.MAX_PASSWORD)  # what can be set can be used


class Me(BaseModel):
    user: str
    role: str
    csrf_token: str | None = None
    permissions: list[str]


def _me(user: U.User, csrf: str | None) -> Me:
    perms = sorted(p for p in set().union(*U.PERMISSIONS.values()) if user.can(p))
    return Me(user=user.username, role=user.role, csrf_token=csrf, permissions=perms)


def current_user_dependency(store) -> Callable:
    def current_user(request: Request) -> U.User:
        header = request.headers.get("authorization", "")
        if header.lower().startswith("bearer "):
            user = store.user_for_token(header[7:].strip())
            if user is None:
                raise Unauthenticated("invalid or revoked API token")
            return user
        sid = request.cookies.get(COOKIE)
        found = store.session_user(sid) if sid else None
        if found is None:
            raise Unauthenticated("log in first (POST /api/login) or send an API token")
        user, csrf = found
        if request.method not in SAFE and request.headers.get(CSRF_HEADER) != csrf:
            raise Forbidden(f"missing or wrong {CSRF_HEADER} header (reload the page)")
        request.state.csrf = csrf
        return user

    return current_user


def require(current_user: Callable, permission: str) -> Callable:
    def dependency(user: U.User = Depends(current_user)) -> U.User:
        if not user.can(permission):
            raise Forbidden(f"the role '{user.role}' may not do this ({permission})")
        return user

    return dependency


def limiter_for(settings: Settings) -> LoginLimiter:
    return LoginLimiter(
        attempts=settings.login_attempts,
        account_attempts=settings.login_account_attempts,
        address_attempts=settings.login_address_attempts,
        window_s=settings.login_window_s,
        delay_s=settings.login_delay_s,
        max_delay_s=settings.login_max_delay_s,
        max_entries=settings.login_max_entries,
    )


def _known_user(store, request: Request) -> str | None:
    """The user whose valid API token or session this request carries (a known device), or None."""
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        user = store.user_for_token(header[7:].strip())
        return user.username if user else None
    sid = request.cookies.get(COOKIE)
    found = store.session_user(sid) if sid else None
    return found[0].username if found else None


def auth_router(store, settings: Settings, current_user: Callable) -> APIRouter:
    router = APIRouter(prefix="/api", tags=["auth"])
    limiter = limiter_for(settings)
    proxies = parse_proxies(settings.trusted_proxies)
    if settings.forwarded_header not in HEADERS:
        raise InputError(f"forwarded_header {settings.forwarded_header!r}: expected one of {', '.join(HEADERS)}")

    @router.post("/login", response_model=Me, summary="Log in with a password; sets the session cookie")
    def login(body: LoginBody, request: Request, response: Response) -> Me:
        address = client_address(request, proxies, settings.forwarded_header)
        known = _known_user(store, request)
        same = known is not None and known.casefold() == body.username.strip().casefold()
        attempt = limiter.begin(address, body.username, known=same)  # 429 here, before the password is checked
        try:
            user = store.authenticate(body.username, body.password)
        except Exception:
            limiter.cancel(attempt)  # a busy store is not a wrong password
            raise
        if user is None:
            _failed(store, body.username, address)
            raise Unauthenticated("wrong username or password")
        limiter.succeeded(attempt)
        sid, csrf = store.open_session(user, settings.session_hours)
        response.set_cookie(
            COOKIE,
            sid,
            httponly=True,
            samesite="strict",
            secure=settings.secure_cookies,
            max_age=int(settings.session_hours * 3600),
            path="/",
        )
        return _me(user, csrf)

    router.limiter = limiter  # create_app keeps it as app.state.login_limiter

    @router.post("/logout", status_code=204, summary="End the browser session")
    def logout(request: Request, response: Response, user: U.User = Depends(current_user)) -> Response:
        sid = request.cookies.get(COOKIE)
        if sid:
            store.close_session(sid)
        response = Response(status_code=204)
        response.delete_cookie(COOKIE, path="/")
        return response

    @router.get("/me", response_model=Me, summary="Who is logged in, their role and what they may do")
    def me(request: Request, user: U.User = Depends(current_user)) -> Me:
        return _me(user, getattr(request.state, "csrf", None))

    return router


def _failed(store, username: str, address: str) -> None:
    """Log a failed login (username and address; the time is the log record's) and audit it when the user
    exists; the password is never written. An audit entry that cannot be written does not turn 401 into 5xx."""
    log.warning("failed login for username %r from %s", username, address)
    try:
        store.log_failed_login(username, address)
    except StoreError as exc:
        log.warning("failed login for %r from %s not audited: %s", username, address, exc)
