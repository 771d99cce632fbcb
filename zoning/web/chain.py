"""The register's hash chain: every check, report, override and user change appends a row holding the SHA-256 of
its content and of the previous row, so that an edit or a deletion made outside the app shows.

Checks, reports and overrides are hashed from their rows as stored (an edited verdict changes the hash); user
changes carry their content in the chain itself, and `verify` also replays them against the users table."""
from __future__ import annotations

import hashlib
import json
import zlib

SCHEMA = """
CREATE TABLE IF NOT EXISTS chain (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,
    ref INTEGER,
    actor TEXT,
    created TEXT NOT NULL,
    payload TEXT,
    content_sha256 TEXT NOT NULL,
    prev_sha256 TEXT NOT NULL,
    row_sha256 TEXT NOT NULL
);
"""
GENESIS = "0" * 64
CHECK_FIELDS = ("id", "created", "case_ref", "project_name", "category", "verdict", "complete", "app_date",
                "input_name", "site_geojson", "result_json", "layer_versions", "rule_versions", "idem_key",
                "user_name")


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _canon(obj) -> bytes:
    return json.dumps(obj, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def check_content(row) -> str:
    d = {k: row[k] for k in CHECK_FIELDS if k in row.keys()}     # noqa: SIM118 - `in` on an sqlite3.Row is its values
    d["input_sha256"] = _sha(row["input_bytes"] or b"")
    return _sha(_canon(d))


def report_content(row) -> str:
    html = zlib.decompress(row["report_html"]) if row["report_html"] else b""
    return _sha(_canon({"check": row["id"], "report_sha256": _sha(html)}))


def override_content(row) -> str:
    return _sha(_canon({k: row[k] for k in row.keys()}))     # noqa: SIM118 - iterating an sqlite3.Row gives values


def event_content(kind: str, payload: dict, actor, created: str) -> str:
    return _sha(_canon({"kind": kind, "payload": payload, "actor": actor, "created": created}))


def _row_sha(prev: str, kind: str, ref, actor, created: str, content: str) -> str:
    return _sha(_canon([prev, kind, ref, actor, created, content]))


def append(c, kind: str, ref, actor, created: str, content: str, payload: dict | None = None) -> None:
    """Append one row; the caller holds a write transaction (BEGIN IMMEDIATE), so rows chain in order."""
    last = c.execute("SELECT row_sha256 FROM chain ORDER BY seq DESC LIMIT 1").fetchone()
    prev = last[0] if last else GENESIS
    c.execute("INSERT INTO chain (kind, ref, actor, created, payload, content_sha256, prev_sha256, row_sha256) "
              "VALUES (?,?,?,?,?,?,?,?)",
              (kind, ref, actor, created, None if payload is None else json.dumps(payload, ensure_ascii=False),
               content, prev, _row_sha(prev, kind, ref, actor, created, content)))


def verify(c) -> tuple[bool, str]:
    """(intact, message): the first row that does not match, or how many rows are intact."""
    prev, n = GENESIS, 0
    seen: dict = {"check": set(), "override": set()}
    users: dict = {}
    for row in c.execute("SELECT * FROM chain ORDER BY seq"):
        where = f"chain row {row['seq']} ({row['kind']}{'' if row['ref'] is None else ' #' + str(row['ref'])})"
        if row["prev_sha256"] != prev:
            return False, f"{where}: does not follow the row before it (a row was removed or inserted)"
        expected = _row_sha(prev, row["kind"], row["ref"], row["actor"], row["created"], row["content_sha256"])
        if row["row_sha256"] != expected:
            return False, f"{where}: its own hash does not match its content"
        problem = _row_problem(c, row, seen, users)
        if problem:
            return False, f"{where}: {problem}"
        prev, n = row["row_sha256"], n + 1
    problem = _unchained(c, seen) or _users_differ(c, users)
    return (False, problem) if problem else (True, f"{n} rows intact")


def _row_problem(c, row, seen: dict, users: dict) -> str | None:
    """What does not match between one chain row and the register row it hashes, or None."""
    kind, ref = row["kind"], row["ref"]
    if kind in ("check", "report"):
        rec = c.execute("SELECT * FROM checks WHERE id = ?", (ref,)).fetchone()
        if rec is None:
            return f"check #{ref} is missing from the register"
        if kind == "check":
            seen["check"].add(ref)
            return None if check_content(rec) == row["content_sha256"] else \
                f"check #{ref} was changed after it was filed"
        return None if report_content(rec) == row["content_sha256"] else \
            f"the report of check #{ref} was changed after it was filed"
    if kind == "override":
        rec = c.execute("SELECT * FROM overrides WHERE id = ?", (ref,)).fetchone()
        if rec is None:
            return f"override #{ref} is missing from the register"
        seen["override"].add(ref)
        return None if override_content(rec) == row["content_sha256"] else \
            f"override #{ref} was changed after it was filed"
    payload = json.loads(row["payload"] or "{}")
    if event_content(kind, payload, row["actor"], row["created"]) != row["content_sha256"]:
        return "the recorded user change was altered"
    _replay(users, kind, payload)
    return None


def _unchained(c, seen: dict) -> str | None:
    """A check or override in the register that no chain row covers (added outside the app), or None."""
    for table, kind in (("checks", "check"), ("overrides", "override")):
        for (rid,) in c.execute(f"SELECT id FROM {table} ORDER BY id"):
            if rid not in seen[kind]:
                return f"{kind} #{rid} is in the register but not in the chain (added outside the app)"
    return None


def _users_differ(c, users: dict) -> str | None:
    for row in c.execute("SELECT name, role, disabled, pw_hash FROM users"):
        want = users.get(row["name"])
        got = {"role": row["role"], "disabled": bool(row["disabled"]),
               "pw": hashlib.sha256(row["pw_hash"].encode()).hexdigest()}
        if want != got:
            return f"user '{row['name']}' differs from the recorded changes (role, state or password)"
    return None


def _replay(users: dict, kind: str, p: dict) -> None:
    if kind == "user_add":
        users[p["name"]] = {"role": p["role"], "disabled": False, "pw": p["pw"]}
    elif kind == "user_passwd" and p["name"] in users:
        users[p["name"]]["pw"] = p["pw"]
    elif kind == "user_disable" and p["name"] in users:
        users[p["name"]]["disabled"] = True
