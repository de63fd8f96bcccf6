"""Who is asking: a browser session (cookie + CSRF header) or an API token (``Authorization: Bearer``).

Sessions and tokens live in the store (``centinela.store.users``); this module only reads requests. Failed
logins are counted per address and username in memory and refused with 429 past the limit, so a password
cannot be guessed at speed.
"""

# No `from __future__ import annotations`: FastAPI reads the annotations at run time (some use closures).

import time
from collections import defaultdict, deque
from collections.abc import Callable

from fastapi import APIRouter, Depends, Request, Response
from pydantic import BaseModel, Field

from ..store import users as U
from .errors import Forbidden, TooManyAttempts, Unauthenticated
from .settings import Settings

COOKIE = "centinela_session"
CSRF_HEADER = "X-CSRF-Token"
SAFE = {"GET", "HEAD", "OPTIONS"}


class LoginLimiter:
    """Failed attempts per key in a sliding window (state that must live as long as the server)."""

    def __init__(self, attempts: int, window_s: float):
        self.attempts, self.window_s = attempts, window_s
        self.failures: dict[str, deque] = defaultdict(deque)

    def _prune(self, key: str, now: float) -> deque:
        q = self.failures[key]
        while q and now - q[0] > self.window_s:
            q.popleft()
        return q

    def check(self, key: str) -> None:
        now = time.monotonic()
        q = self._prune(key, now)
        if len(q) >= self.attempts:
            raise TooManyAttempts(int(self.window_s - (now - q[0])) + 1)

    def fail(self, key: str) -> None:
        self._prune(key, time.monotonic()).append(time.monotonic())

    def clear(self, key: str) -> None:
        self.failures.pop(key, None)


class LoginBody(BaseModel):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=256)


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


def auth_router(store, settings: Settings, current_user: Callable) -> APIRouter:
    router = APIRouter(prefix="/api", tags=["auth"])
    per_user = LoginLimiter(settings.login_attempts, settings.login_window_s)
    per_address = LoginLimiter(settings.login_attempts * 4, settings.login_window_s)  # one address trying many names

    @router.post("/login", response_model=Me, summary="Log in with a password; sets the session cookie")
    def login(body: LoginBody, request: Request, response: Response) -> Me:
        client = request.client.host if request.client else "unknown"
        key = f"{client}|{body.username.strip().lower()}"
        per_user.check(key)
        per_address.check(client)
        user = store.authenticate(body.username, body.password)
        if user is None:
            per_user.fail(key)
            per_address.fail(client)
            raise Unauthenticated("wrong username or password")
        per_user.clear(key)
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
