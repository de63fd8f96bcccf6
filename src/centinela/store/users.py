"""People who use the web API, their roles, API tokens, browser sessions, and areas whose alerts only some
may see. Kept in the store (embedded or PostGIS) so one store is one deployment; every change is audited.

Passwords are hashed with Argon2id (argon2-cffi); API tokens and session ids are random and only their
SHA-256 is stored, so a copied store file leaks no usable credential. Secrets are never logged or audited.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

import shapely
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from ..errors import InputError, NotFoundError

ROLES = ("viewer", "ranger", "analyst", "admin")
PERMISSIONS = {
    "viewer": {"read"},
    "ranger": {"read", "status", "note", "evidence", "see_sensitive"},
    "analyst": {"read", "status", "note", "evidence", "assign", "export", "see_sensitive"},
    "admin": {"read", "status", "note", "evidence", "assign", "export", "see_sensitive", "users"},
}
# Only viewers are kept out of sensitive areas (unless allowed one by one): the other roles work those alerts.
# Rangers confirm or dismiss in the field; referring to prosecutors and closing is the analysts' call.
RANGER_STATUSES = {"under_review", "verified_mining", "verified_other", "false_positive"}
MIN_PASSWORD = 10
_hasher = PasswordHasher()  # Argon2id with the library's current recommended parameters


@dataclass(frozen=True)
class User:
    username: str
    role: str
    see_sensitive: bool = False

    def can(self, permission: str) -> bool:
        if permission == "see_sensitive" and self.see_sensitive:
            return True
        return permission in PERMISSIONS[self.role]


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _check_name(username: str) -> str:
    name = (username or "").strip()
    if not (1 <= len(name) <= 64) or not all(ch.isalnum() or ch in "._-@" for ch in name):
        raise InputError(f"username {username!r}: expected 1–64 letters, digits or . _ - @")
    return name


def _user(row) -> User:
    return User(row["username"], row["role"], bool(row["see_sensitive"]))


class UserTables:
    """The store's users, tokens, sessions and sensitive areas (mixed into the store class, which brings
    ``connect``, ``_audit`` and ``_ref``)."""

    def add_user(
        self, username: str, password: str | None, role: str, see_sensitive: bool = False, actor: str = "admin"
    ) -> User:
        name = _check_name(username)
        if role not in ROLES:
            raise InputError(f"role {role!r}: expected one of {', '.join(ROLES)}")
        if password is not None and len(password) < MIN_PASSWORD:
            raise InputError(f"the password must have at least {MIN_PASSWORD} characters")
        with self.connect(write=True) as c:
            if c.execute("SELECT 1 FROM users WHERE username = ?", (name,)).fetchone():
                raise InputError(f"user '{name}' already exists")
            c.execute(
                "INSERT INTO users (username, password_hash, role, see_sensitive, disabled, created_at) "
                "VALUES (?,?,?,?,0,?)",
                (name, _hasher.hash(password) if password else None, role, int(see_sensitive), _now().isoformat()),
            )
            self._audit(
                c,
                actor,
                "user_added",
                None,
                {"user": [None, name], "role": [None, role], "see_sensitive": [None, see_sensitive]},
                self._ref(c, "users", name),
            )
        return User(name, role, see_sensitive)

    def set_role(self, username: str, role: str, see_sensitive: bool | None = None, actor: str = "admin") -> None:
        if role not in ROLES:
            raise InputError(f"role {role!r}: expected one of {', '.join(ROLES)}")
        with self.connect(write=True) as c:
            row = c.execute("SELECT role, see_sensitive FROM users WHERE username = ?", (username,)).fetchone()
            if not row:
                raise NotFoundError(f"no user '{username}'")
            see = bool(row["see_sensitive"]) if see_sensitive is None else see_sensitive
            c.execute("UPDATE users SET role = ?, see_sensitive = ? WHERE username = ?", (role, int(see), username))
            self._audit(
                c,
                actor,
                "user_role",
                None,
                {
                    "user": [username, username],
                    "role": [row["role"], role],
                    "see_sensitive": [bool(row["see_sensitive"]), see],
                },
                self._ref(c, "users", username),
            )

    def set_password(self, username: str, password: str, actor: str = "admin") -> None:
        if len(password) < MIN_PASSWORD:
            raise InputError(f"the password must have at least {MIN_PASSWORD} characters")
        with self.connect(write=True) as c:
            if not c.execute("SELECT 1 FROM users WHERE username = ?", (username,)).fetchone():
                raise NotFoundError(f"no user '{username}'")
            c.execute("UPDATE users SET password_hash = ? WHERE username = ?", (_hasher.hash(password), username))
            c.execute("DELETE FROM sessions WHERE username = ?", (username,))  # a new password ends old sessions
            self._audit(
                c, actor, "user_password", None, {"user": [username, username]}, self._ref(c, "users", username)
            )

    def disable_user(self, username: str, actor: str = "admin") -> None:
        with self.connect(write=True) as c:
            if not c.execute("SELECT 1 FROM users WHERE username = ?", (username,)).fetchone():
                raise NotFoundError(f"no user '{username}'")
            c.execute("UPDATE users SET disabled = 1 WHERE username = ?", (username,))
            c.execute("DELETE FROM sessions WHERE username = ?", (username,))
            live = [
                r["token_hash"]
                for r in c.execute("SELECT token_hash FROM api_tokens WHERE username = ? AND revoked = 0", (username,))
            ]
            c.execute("UPDATE api_tokens SET revoked = 1 WHERE username = ?", (username,))
            self._audit(
                c, actor, "user_disabled", None, {"user": [username, username]}, self._ref(c, "users", username)
            )
            for token_hash in live:  # one entry per revoked token, each binding its row
                self._audit(
                    c,
                    actor,
                    "token_revoked",
                    None,
                    {"user": [username, username]},
                    self._ref(c, "api_tokens", token_hash),
                )

    def list_users(self) -> list[dict]:
        with self.connect() as c:
            rows = c.execute(
                "SELECT username, role, see_sensitive, disabled, created_at FROM users ORDER BY username"
            ).fetchall()
        return [dict(r) for r in rows]

    def authenticate(self, username: str, password: str) -> User | None:
        """The user when the password matches; None otherwise (same answer for unknown users and bad passwords)."""
        with self.connect() as c:
            row = c.execute(
                "SELECT * FROM users WHERE username = ? AND disabled = 0", ((username or "").strip(),)
            ).fetchone()
        if row is None or not row["password_hash"]:
            _hasher.hash("x" * MIN_PASSWORD)  # spend the same time, so timing does not tell which usernames exist
            return None
        try:
            _hasher.verify(row["password_hash"], password or "")
        except (VerificationError, InvalidHashError):
            return None
        return _user(row)

    def create_token(self, username: str, label: str = "", actor: str = "admin") -> str:
        """A new API token for ``username``; the token itself is returned once and never stored."""
        token = "cnt_" + secrets.token_urlsafe(32)
        with self.connect(write=True) as c:
            if not c.execute("SELECT 1 FROM users WHERE username = ? AND disabled = 0", (username,)).fetchone():
                raise NotFoundError(f"no active user '{username}'")
            c.execute(
                "INSERT INTO api_tokens (token_hash, username, label, created_at, revoked) VALUES (?,?,?,?,0)",
                (_sha(token), username, label, _now().isoformat()),
            )
            self._audit(
                c,
                actor,
                "token_created",
                None,
                {"user": [None, username], "label": [None, label]},
                self._ref(c, "api_tokens", _sha(token)),
            )
        return token

    def user_for_token(self, token: str) -> User | None:
        with self.connect() as c:
            row = c.execute(
                "SELECT u.* FROM api_tokens t JOIN users u ON u.username = t.username "
                "WHERE t.token_hash = ? AND t.revoked = 0 AND u.disabled = 0",
                (_sha(token),),
            ).fetchone()
        return _user(row) if row else None

    def open_session(self, user: User, hours: float = 12.0) -> tuple[str, str]:
        """(session id for the cookie, CSRF token for the page); only the id's hash is stored."""
        sid, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(24)
        now = _now()
        with self.connect(write=True) as c:
            c.execute("DELETE FROM sessions WHERE expires_at < ?", (now.isoformat(),))
            c.execute(
                "INSERT INTO sessions (session_hash, username, csrf, created_at, expires_at) VALUES (?,?,?,?,?)",
                (_sha(sid), user.username, csrf, now.isoformat(), (now + dt.timedelta(hours=hours)).isoformat()),
            )
        return sid, csrf

    def session_user(self, sid: str) -> tuple[User, str] | None:
        """(user, CSRF token) of a live session, or None."""
        with self.connect() as c:
            row = c.execute(
                "SELECT u.*, s.csrf, s.expires_at FROM sessions s JOIN users u ON u.username = s.username "
                "WHERE s.session_hash = ? AND u.disabled = 0",
                (_sha(sid),),
            ).fetchone()
        if row is None or row["expires_at"] < _now().isoformat():
            return None
        return _user(row), row["csrf"]

    def close_session(self, sid: str) -> None:
        with self.connect(write=True) as c:
            c.execute("DELETE FROM sessions WHERE session_hash = ?", (_sha(sid),))

    def mark_sensitive(self, name: str, geom: shapely.Geometry, reason: str = "", actor: str = "admin") -> None:
        """Alerts meeting ``geom`` are hidden from people without the see_sensitive permission."""
        if geom is None or geom.is_empty:
            raise InputError(f"sensitive area '{name}': empty geometry")
        with self.connect(write=True) as c:
            c.execute("DELETE FROM sensitive_areas WHERE name = ?", (name,))
            c.execute(
                "INSERT INTO sensitive_areas (name, wkb, reason, created_at) VALUES (?,?,?,?)",
                (name, shapely.to_wkb(geom), reason, _now().isoformat()),
            )
            self._audit(
                c,
                actor,
                "sensitive_area",
                None,
                {"area": [None, name], "reason": [None, reason]},
                self._ref(c, "sensitive_areas", name),
            )

    def sensitive_areas(self) -> dict[str, shapely.Geometry]:
        with self.connect() as c:
            rows = c.execute("SELECT name, wkb FROM sensitive_areas ORDER BY name").fetchall()
        return {r["name"]: shapely.from_wkb(bytes(r["wkb"])) for r in rows}
