"""People who use the web API, their roles, API tokens, browser sessions, and areas whose alerts only some
may see. Kept in the store (embedded or PostGIS) so one store is one deployment; every change is audited.

Passwords are hashed with Argon2id (argon2-cffi); API tokens and session ids are random and only their
SHA-256 is stored, so a copied store file leaks no usable credential. Secrets are never logged or audited.
Passwords are 10–256 characters and not mostly one repeated character or pattern; API tokens expire (90 days
unless asked otherwise), are revoked one by one by their id (the first 12 hex digits of their hash), and all
of a user's tokens are revoked when the password changes or the user is disabled.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections import Counter
from dataclasses import dataclass

import shapely
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from ..errors import InputError, NotFoundError

ROLES = ("viewer", "ranger", "analyst", "admin")
PERMISSIONS = {
    # Every role that sees alerts may take them to a GPS or GIS (issue #19: rangers got 403 on KML/GPX); an export
    # holds only what its user may see (sensitive areas stay out for viewers).
    "viewer": {"read", "export"},
    "ranger": {"read", "status", "note", "evidence", "export", "see_sensitive"},
    "analyst": {"read", "status", "note", "evidence", "assign", "export", "see_sensitive"},
    "admin": {"read", "status", "note", "evidence", "assign", "export", "see_sensitive", "users"},
}
# Only viewers are kept out of sensitive areas (unless allowed one by one): the other roles work those alerts.
# Rangers confirm or dismiss in the field; referring to prosecutors and closing is the analysts' call.
RANGER_STATUSES = {"under_review", "verified_mining", "verified_other", "false_positive"}
MIN_PASSWORD = 10
MAX_PASSWORD = 256  # the login form accepts this many too: a password that can be set can be used
MIN_DISTINCT = 5  # different characters a password needs
DEFAULT_TOKEN_DAYS = 90
MAX_TOKEN_DAYS = 3650
TOKEN_ID = 12  # hex digits of a token's hash that name it in lists and `token revoke`
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


def check_password(password: str) -> None:
    """Raise InputError unless ``password`` is usable: 10–256 characters, not only spaces, not mostly one
    character, not a short pattern repeated (each message says what is expected, never the password)."""
    if not isinstance(password, str):
        raise InputError("the password must be text")
    n = len(password)
    if n < MIN_PASSWORD:
        raise InputError(f"the password must have at least {MIN_PASSWORD} characters")
    if n > MAX_PASSWORD:
        raise InputError(f"the password must have at most {MAX_PASSWORD} characters (it has {n})")
    if not password.strip():
        raise InputError("the password must not be only spaces")
    top = Counter(password).most_common(1)[0][1]
    if top * 2 > n or len(set(password)) < MIN_DISTINCT:
        raise InputError(
            f"the password repeats too much (one character in more than half of it, or fewer than {MIN_DISTINCT} "
            "different characters): use a phrase of several words"
        )
    period = next((p for p in range(1, n // 2 + 1) if all(password[i] == password[i % p] for i in range(n))), None)
    if period is not None:
        raise InputError(f"the password is a pattern of {period} characters repeated: use a phrase of several words")


def token_id(token_hash: str) -> str:
    return token_hash[:TOKEN_ID]


def token_id_of(token: str) -> str:
    """The id of a token (as ``token list`` shows it) from the token itself."""
    return token_id(_sha(token))


def _when(text: str | None) -> dt.datetime | None:
    try:
        when = dt.datetime.fromisoformat(text) if text else None
    except ValueError:
        return None
    return when if when is None or when.tzinfo else when.replace(tzinfo=dt.UTC)


def _token_state(row) -> str:
    if row["revoked"]:
        return "revoked"
    expires = _when(row["expires_at"])
    return "active" if expires is not None and expires > _now() else "expired"


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
        if password is not None:
            check_password(password)
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

    def set_password(self, username: str, password: str, actor: str = "admin") -> int:
        """Set a new password; it ends the user's sessions and revokes their API tokens (the old password may
        be what leaked). Returns how many tokens were revoked."""
        check_password(password)
        with self.connect(write=True) as c:
            if not c.execute("SELECT 1 FROM users WHERE username = ?", (username,)).fetchone():
                raise NotFoundError(f"no user '{username}'")
            c.execute("UPDATE users SET password_hash = ? WHERE username = ?", (_hasher.hash(password), username))
            c.execute("DELETE FROM sessions WHERE username = ?", (username,))  # a new password ends old sessions
            self._audit(
                c, actor, "user_password", None, {"user": [username, username]}, self._ref(c, "users", username)
            )
            return self._revoke_all(c, username, actor)

    def _revoke_all(self, c, username: str, actor: str) -> int:
        """Revoke every live token of ``username`` inside the open transaction, one audit entry per token."""
        live = [
            r["token_hash"]
            for r in c.execute("SELECT token_hash FROM api_tokens WHERE username = ? AND revoked = 0", (username,))
        ]
        c.execute("UPDATE api_tokens SET revoked = 1 WHERE username = ?", (username,))
        for token_hash in live:  # one entry per revoked token, each binding its row
            self._audit(
                c,
                actor,
                "token_revoked",
                None,
                {"user": [username, username], "token": [None, token_id(token_hash)]},
                self._ref(c, "api_tokens", token_hash),
            )
        return len(live)

    def disable_user(self, username: str, actor: str = "admin") -> None:
        with self.connect(write=True) as c:
            if not c.execute("SELECT 1 FROM users WHERE username = ?", (username,)).fetchone():
                raise NotFoundError(f"no user '{username}'")
            c.execute("UPDATE users SET disabled = 1 WHERE username = ?", (username,))
            c.execute("DELETE FROM sessions WHERE username = ?", (username,))
            self._audit(
                c, actor, "user_disabled", None, {"user": [username, username]}, self._ref(c, "users", username)
            )
            self._revoke_all(c, username, actor)

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
        if row is None or not row["password_hash"] or len(password or "") > MAX_PASSWORD:
            _hasher.hash("x" * MIN_PASSWORD)  # spend the same time, so timing does not tell which usernames exist
            return None
        try:
            _hasher.verify(row["password_hash"], password or "")
        except (VerificationError, InvalidHashError):
            return None
        return _user(row)

    def create_token(
        self, username: str, label: str = "", actor: str = "admin", days: float = DEFAULT_TOKEN_DAYS
    ) -> str:
        """A new API token for ``username``, valid ``days`` days; the token itself is returned once and never
        stored (its id is :func:`token_id` of its hash)."""
        if not (0 < days <= MAX_TOKEN_DAYS):
            raise InputError(f"token validity {days} days: expected more than 0 and at most {MAX_TOKEN_DAYS}")
        token = "cnt_" + secrets.token_urlsafe(32)
        now = _now()
        expires = (now + dt.timedelta(days=days)).isoformat()
        with self.connect(write=True) as c:
            if not c.execute("SELECT 1 FROM users WHERE username = ? AND disabled = 0", (username,)).fetchone():
                raise NotFoundError(f"no active user '{username}'")
            c.execute(
                "INSERT INTO api_tokens (token_hash, username, label, created_at, revoked, expires_at) "
                "VALUES (?,?,?,?,0,?)",
                (_sha(token), username, label, now.isoformat(), expires),
            )
            self._audit(
                c,
                actor,
                "token_created",
                None,
                {
                    "user": [None, username],
                    "label": [None, label],
                    "token": [None, token_id(_sha(token))],
                    "expires_at": [None, expires],
                },
                self._ref(c, "api_tokens", _sha(token)),
            )
        return token

    def user_for_token(self, token: str) -> User | None:
        """The token's user while the token is neither revoked nor expired and the user is enabled."""
        with self.connect() as c:
            row = c.execute(
                "SELECT u.*, t.revoked, t.expires_at FROM api_tokens t JOIN users u ON u.username = t.username "
                "WHERE t.token_hash = ? AND t.revoked = 0 AND u.disabled = 0",
                (_sha(token),),
            ).fetchone()
        return _user(row) if row and _token_state(row) == "active" else None

    def list_tokens(self, username: str | None = None) -> list[dict]:
        """Tokens (never the secret): id, user, label, created and expiry times, state (active, expired,
        revoked)."""
        sql = "SELECT * FROM api_tokens" + (" WHERE username = ?" if username else "") + " ORDER BY created_at"
        with self.connect() as c:
            rows = c.execute(sql, (username,) if username else ()).fetchall()
        return [
            {
                "id": token_id(r["token_hash"]),
                "username": r["username"],
                "label": r["label"] or "",
                "created_at": r["created_at"],
                "expires_at": r["expires_at"],
                "state": _token_state(r),
            }
            for r in rows
        ]

    def revoke_token(self, token: str, actor: str = "admin") -> bool:
        """Revoke one token named by its id (or a longer prefix of its hash, or the token itself). False when
        it was revoked already."""
        text = (token or "").strip()
        if text.startswith("cnt_"):
            prefix = _sha(text)
        else:
            prefix = text.lower()
            if len(prefix) < 8 or any(ch not in "0123456789abcdef" for ch in prefix):
                raise InputError(
                    f"token id {token!r}: expected the id `token list` shows ({TOKEN_ID} hex digits, at least 8)"
                )
        with self.connect(write=True) as c:
            rows = c.execute(
                "SELECT token_hash, username, revoked FROM api_tokens WHERE token_hash LIKE ?", (prefix + "%",)
            ).fetchall()
            if not rows:
                raise NotFoundError(f"no API token with id {text[:TOKEN_ID]!r} (see `token list`)")
            if len(rows) > 1:
                raise InputError(f"token id {text!r} names {len(rows)} tokens: give more of its digits")
            row = rows[0]
            if row["revoked"]:
                return False
            c.execute("UPDATE api_tokens SET revoked = 1 WHERE token_hash = ?", (row["token_hash"],))
            self._audit(
                c,
                actor,
                "token_revoked",
                None,
                {"user": [row["username"], row["username"]], "token": [None, token_id(row["token_hash"])]},
                self._ref(c, "api_tokens", row["token_hash"]),
            )
        return True

    def log_failed_login(self, username: str, address: str) -> bool:
        """An audit entry for a failed login to a user that exists (username and address; the entry has the
        time; never the password). Unknown usernames are not written: anyone could fill the log with them.
        Returns whether an entry was written."""
        name = (username or "").strip()
        with self.connect() as c:
            if not c.execute("SELECT 1 FROM users WHERE username = ?", (name,)).fetchone():
                return False
        with self.connect(write=True) as c:
            self._audit(c, "anonymous", "login_failed", None, {"user": [None, name], "address": [None, address]})
        return True

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


def migrate(store, c) -> None:
    """Schema 12: API tokens expire. Tokens made before get ``expires_at`` = now + 90 days (not their creation
    + 90, which would cut off running integrations on upgrade). Adding the column changes each row's content
    hash, so each token is re-recorded in the audit chain, but only a row that still matched its last entry:
    a row edited outside Centinela before the upgrade stays reported, never blessed."""
    from .audit import BASELINE, audited_rows
    from .ddl import add_columns

    before = {r["token_hash"]: store._hash_row(dict(r)) for r in c.execute("SELECT * FROM api_tokens")}
    log = [
        dict(r)
        for r in c.execute(
            "SELECT seq, action, detail, row_ref, row_hash FROM audit_log WHERE row_ref LIKE ? OR action = ? "
            "ORDER BY seq",
            ("api_tokens:%", BASELINE),
        )
    ]
    audited = audited_rows(log)
    add_columns(c, "api_tokens", {"expires_at": "TEXT"})
    expires = (_now() + dt.timedelta(days=DEFAULT_TOKEN_DAYS)).isoformat()
    c.execute("UPDATE api_tokens SET expires_at = ? WHERE expires_at IS NULL", (expires,))
    for token_hash, digest in sorted(before.items()):
        if audited.get(f"api_tokens:{token_hash}", (None,))[0] != digest:
            continue
        user = c.execute("SELECT username FROM api_tokens WHERE token_hash = ?", (token_hash,)).fetchone()["username"]
        store._audit(
            c,
            "centinela",
            "token_expiry",
            None,
            {"user": [user, user], "token": [None, token_id(token_hash)], "expires_at": [None, expires]},
            store._ref(c, "api_tokens", token_hash),
        )
