"""Accounts of the web app, kept in the register's database: users with roles, hashed passwords (argon2), API tokens
and login sessions (both stored as SHA-256 of a random secret), and a growing delay after failed logins.

Roles: a checker runs checks and lists and reads the register; a reviewer also overrides findings; an admin also
manages users. Every change of a user is an event in the register's hash chain (see register.py)."""
from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
import sqlite3

from ..errors import InputError
from ..messages import error

ROLES = ("checker", "reviewer", "admin")
RANK = {r: k for k, r in enumerate(ROLES)}
SESSION_HOURS = 10          # a working day
LOCK_AFTER = 5              # failed logins before the delay starts
LOCK_MAX_S = 900

SCHEMA = """
CREATE TABLE IF NOT EXISTS users (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL UNIQUE,
    role TEXT NOT NULL,
    pw_hash TEXT NOT NULL,
    disabled INTEGER NOT NULL DEFAULT 0,
    failed INTEGER NOT NULL DEFAULT 0,
    locked_until TEXT,
    created TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS tokens (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id INTEGER NOT NULL REFERENCES users(id),
    token_sha256 TEXT NOT NULL UNIQUE,
    created TEXT NOT NULL,
    revoked INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS sessions (
    sid_sha256 TEXT PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id),
    csrf TEXT NOT NULL,
    expires TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS secrets (name TEXT PRIMARY KEY, value TEXT NOT NULL);
"""


class AuthError(InputError):
    """Not logged in, a bad password, a locked or disabled account (HTTP 401)."""


class Forbidden(InputError):
    """Logged in, but the role does not allow it, or a form without its CSRF token (HTTP 403)."""


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _hasher():
    from argon2 import PasswordHasher
    return PasswordHasher()


class Accounts:
    """Users, tokens and sessions in the register's database (`register` gives connections and the chain)."""

    def __init__(self, register):
        self.register = register
        with register._conn() as c:
            c.executescript(SCHEMA)
            row = c.execute("SELECT value FROM secrets WHERE name = 'session'").fetchone()
            if row is None:
                c.execute("INSERT OR IGNORE INTO secrets VALUES ('session', ?)", (secrets.token_hex(32),))
                row = c.execute("SELECT value FROM secrets WHERE name = 'session'").fetchone()
        self._key = bytes.fromhex(row["value"])

    # ---------------------------------------------------------------- users (the CLI and the admin page)
    def count(self) -> int:
        with self.register._conn() as c:
            return int(c.execute("SELECT count(*) FROM users WHERE disabled = 0").fetchone()[0])

    def add(self, name: str, role: str, password: str, *, actor: str = "cli") -> None:
        name = (name or "").strip()
        if not name or len(name) > 64 or not name.isprintable():
            raise InputError(error("bad_user_name", name=name), source="users add",
                             expected="1-64 printable characters")
        if role not in ROLES:
            raise InputError(error("bad_role", role=role), source="users add", expected=" | ".join(ROLES))
        _check_password(password)
        pw = _hasher().hash(password)
        try:
            self.register.append_event("user_add", {"name": name, "role": role, "pw": _sha(pw)}, actor,
                                       "INSERT INTO users (name, role, pw_hash, created) VALUES (?,?,?,?)",
                                       (name, role, pw, _now().isoformat(timespec="seconds")))
        except sqlite3.IntegrityError:
            raise InputError(error("user_exists", name=name), source="users add",
                             expected="another name, or `zoning users passwd`") from None

    def set_password(self, name: str, password: str, *, actor: str = "cli") -> None:
        _check_password(password)
        self._user(name)
        pw = _hasher().hash(password)
        self.register.append_event("user_passwd", {"name": name, "pw": _sha(pw)}, actor,
                                   "UPDATE users SET pw_hash = ?, failed = 0, locked_until = NULL WHERE name = ?",
                                   (pw, name))

    def disable(self, name: str, *, actor: str = "cli") -> None:
        user = self._user(name)
        self.register.append_event("user_disable", {"name": name}, actor,
                                   "UPDATE users SET disabled = 1 WHERE name = ?", (name,))
        with self.register._conn() as c:
            c.execute("DELETE FROM sessions WHERE user_id = ?", (user["id"],))
            c.execute("UPDATE tokens SET revoked = 1 WHERE user_id = ?", (user["id"],))

    def list(self) -> list[dict]:
        with self.register._conn() as c:
            return [dict(r) for r in c.execute("SELECT name, role, disabled, created FROM users ORDER BY name")]

    def token(self, name: str, *, actor: str = "cli") -> str:
        """A new API token for `name`, shown once; only its hash is kept."""
        user = self._user(name)
        if user["disabled"]:
            raise InputError(error("user_disabled", name=name), source="users token")
        token = "zt_" + secrets.token_urlsafe(32)
        self.register.append_event("token_issue", {"name": name, "token": _sha(token)}, actor,
                                   "INSERT INTO tokens (user_id, token_sha256, created) VALUES (?,?,?)",
                                   (user["id"], _sha(token), _now().isoformat(timespec="seconds")))
        return token

    def revoke_tokens(self, name: str, *, actor: str = "cli") -> None:
        user = self._user(name)
        self.register.append_event("token_revoke", {"name": name}, actor,
                                   "UPDATE tokens SET revoked = 1 WHERE user_id = ?", (user["id"],))

    def _user(self, name: str) -> sqlite3.Row:
        with self.register._conn() as c:
            row = c.execute("SELECT * FROM users WHERE name = ?", (name,)).fetchone()
        if row is None:
            raise InputError(error("no_user", name=name), source="users",
                             expected="a name listed by `zoning users list`")
        return row

    # ---------------------------------------------------------------- login, sessions, tokens
    def login(self, name: str, password: str) -> tuple[str, dict]:
        """(cookie value, user) for a right password; AuthError otherwise, with a growing delay after failures."""
        from argon2.exceptions import InvalidHashError, VerificationError
        with self.register._conn() as c:
            row = c.execute("SELECT * FROM users WHERE name = ?", ((name or "").strip(),)).fetchone()
        if row is None or row["disabled"]:
            _hasher().hash("timing")           # the same work whether or not the name exists
            raise AuthError(error("wrong_login"), source="login")
        if row["locked_until"] and dt.datetime.fromisoformat(row["locked_until"]) > _now():
            raise AuthError(error("locked_out"), source="login",
                            expected=f"wait until {row['locked_until'][11:19]} UTC")
        try:
            _hasher().verify(row["pw_hash"], password or "")
        except (VerificationError, InvalidHashError):
            failed = row["failed"] + 1
            lock = None
            if failed >= LOCK_AFTER:
                lock = (_now() + dt.timedelta(seconds=min(2 ** (failed - LOCK_AFTER + 1), LOCK_MAX_S))).isoformat()
            with self.register._conn() as c:
                c.execute("UPDATE users SET failed = ?, locked_until = ? WHERE id = ?", (failed, lock, row["id"]))
            raise AuthError(error("wrong_login"), source="login") from None
        sid = secrets.token_urlsafe(32)
        expires = _now() + dt.timedelta(hours=SESSION_HOURS)
        with self.register._conn() as c:
            c.execute("UPDATE users SET failed = 0, locked_until = NULL WHERE id = ?", (row["id"],))
            c.execute("DELETE FROM sessions WHERE expires < ?", (_now().isoformat(),))
            c.execute("INSERT INTO sessions VALUES (?,?,?,?)",
                      (_sha(sid), row["id"], secrets.token_urlsafe(24), expires.isoformat()))
        return self._sign(sid), {"name": row["name"], "role": row["role"]}

    def _sign(self, sid: str) -> str:
        return sid + "." + hmac.new(self._key, sid.encode(), hashlib.sha256).hexdigest()[:32]

    def session(self, cookie: str | None) -> dict | None:
        """The user of a signed, unexpired session cookie: {name, role, csrf}, or None."""
        if not cookie or "." not in cookie:
            return None
        sid, sig = cookie.rsplit(".", 1)
        if not hmac.compare_digest(self._sign(sid).rsplit(".", 1)[1], sig):
            return None
        with self.register._conn() as c:
            row = c.execute("SELECT u.name, u.role, u.disabled, s.csrf, s.expires FROM sessions s "
                            "JOIN users u ON u.id = s.user_id WHERE s.sid_sha256 = ?", (_sha(sid),)).fetchone()
        if row is None or row["disabled"] or dt.datetime.fromisoformat(row["expires"]) < _now():
            return None
        return {"name": row["name"], "role": row["role"], "csrf": row["csrf"]}

    def logout(self, cookie: str | None) -> None:
        if cookie and "." in cookie:
            with self.register._conn() as c:
                c.execute("DELETE FROM sessions WHERE sid_sha256 = ?", (_sha(cookie.rsplit(".", 1)[0]),))

    def bearer(self, token: str | None) -> dict | None:
        if not token:
            return None
        with self.register._conn() as c:
            row = c.execute("SELECT u.name, u.role, u.disabled FROM tokens t JOIN users u ON u.id = t.user_id "
                            "WHERE t.token_sha256 = ? AND t.revoked = 0", (_sha(token),)).fetchone()
        if row is None or row["disabled"]:
            return None
        return {"name": row["name"], "role": row["role"], "csrf": None}


def allowed(user: dict | None, role: str) -> bool:
    return user is not None and RANK.get(user["role"], -1) >= RANK[role]


def _check_password(password: str) -> None:
    if not password or len(password) < 10:
        raise InputError(error("short_password"), source="password", expected="at least 10 characters")
