"""The web app as an office runs it (issue #17): accounts and roles, sessions with CSRF tokens, API tokens, open
mode only on purpose, and a register whose hash chain shows tampering."""
from __future__ import annotations

import sqlite3
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient

from zoning.cli import main
from zoning.web.app import create_app

DATE = "2026-11-21"
PW = "correct horse battery"
SQUARE = {"type": "Polygon", "coordinates": [[[113.05, 27.95], [113.051, 27.95], [113.051, 27.951], [113.05, 27.95]]]}
COORDS = "113.05,27.95\n113.051,27.95\n113.051,27.951"


def cli(*args, input=None):
    return CliRunner().invoke(main, [str(a) for a in args], input=input)


@pytest.fixture
def office(tmp_path):
    db = tmp_path / "register.sqlite"
    for name, role in (("admin1", "admin"), ("rev1", "reviewer"), ("chk1", "checker")):
        r = cli("users", "add", name, "--role", role, "--password-stdin", "--db", db, input=PW + "\n")
        assert r.exit_code == 0, r.output
    app = create_app(db=db)
    return app, db


def login(app, name, password=PW):
    c = TestClient(app, raise_server_exceptions=False)
    r = c.post("/login", data={"name": name, "password": password, "next": "/"}, follow_redirects=False)
    return c, r


def csrf_of(page: str) -> str:
    return page.split('name="csrf" value="')[1].split('"')[0]


def test_the_cli_manages_accounts(tmp_path):
    db = tmp_path / "r.sqlite"
    assert cli("users", "add", "a", "--role", "admin", "--password-stdin", "--db", db, input="short\n").exit_code == 2
    assert cli("users", "add", "a", "--role", "admin", "--password-stdin", "--db", db, input=PW + "\n").exit_code == 0
    assert cli("users", "add", "a", "--role", "admin", "--password-stdin", "--db", db, input=PW + "\n").exit_code == 2
    assert cli("users", "add", "b", "--role", "boss", "--db", db).exit_code == 2
    r = cli("users", "token", "a", "--db", db)
    token = r.stdout.strip()
    assert r.exit_code == 0 and token.startswith("zt_") and len(r.stdout.strip().splitlines()) == 1
    with sqlite3.connect(db) as c:
        stored = [row[0] for row in c.execute("SELECT token_sha256 FROM tokens")]
        hashes = [row[0] for row in c.execute("SELECT pw_hash FROM users")]
    assert token not in stored and all(h.startswith("$argon2") for h in hashes) and PW not in str(hashes)
    assert cli("users", "passwd", "a", "--password-stdin", "--db", db, input="another long password\n").exit_code == 0
    assert cli("users", "disable", "a", "--db", db).exit_code == 0
    assert "a\tadmin\tdisabled" in cli("users", "list", "--db", db).stdout
    assert cli("register", "verify", "--db", db).exit_code == 0


def test_serve_needs_accounts_or_an_explicit_open_mode(tmp_path):
    r = cli("serve", "--db", tmp_path / "r.sqlite", "--port", "1")
    assert r.exit_code == 2 and "zoning users add NAME --role admin" in r.stderr
    r = cli("serve", "--no-auth", "--host", "0.0.0.0", "--port", "1", "--db", tmp_path / "r.sqlite")
    assert r.exit_code == 2 and "loopback" in r.stderr
    page = TestClient(create_app(auth=False, db=tmp_path / "o.sqlite")).get("/").text
    assert 'id="open-mode"' in page


def test_every_route_needs_a_session_or_a_token(office):
    app, _ = office
    c = TestClient(app, raise_server_exceptions=False)
    for path in ("/", "/checks", "/screen", "/docs", "/users", "/checks/1"):
        r = c.get(path, follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"].startswith("/login"), path
    assert c.post("/api/check", json={"site": SQUARE, "category": "commercial"}).status_code == 401
    assert c.get("/openapi.json").status_code == 401
    assert c.get("/login").status_code == 200 and c.get("/static/leaflet/leaflet.js").status_code == 200
    assert c.get("/api/checks/1", headers={"Authorization": "Bearer zt_forged"}).status_code == 401


def test_sessions_csrf_roles_and_logout(office):
    app, db = office
    c, r = login(app, "chk1", "wrong password!")
    assert r.status_code == 401
    c, r = login(app, "chk1")
    assert r.status_code == 303
    cookie = r.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie and "max-age=" in cookie
    page = c.get("/").text
    token = csrf_of(page)
    assert c.post("/check", data={"category": "commercial", "coords": COORDS, "date": DATE},
                  follow_redirects=False).status_code == 403          # no CSRF token
    r = c.post("/check", data={"category": "commercial", "coords": COORDS, "date": DATE, "csrf": token},
               follow_redirects=False)
    assert r.status_code == 303
    cid = int(r.headers["location"].rsplit("/", 1)[1])
    shown = c.get(f"/checks/{cid}").text
    assert 'id="override-form"' not in shown and "chk1" in shown        # a checker cannot override
    forged = c.post(f"/checks/{cid}/override", data={"finding": 0, "decision": "no_conflict", "reason": "x",
                                                    "reviewer": "rev1", "csrf": token}, follow_redirects=False)
    assert forged.status_code == 403
    assert c.get("/users", follow_redirects=False).status_code == 403
    rc, _ = login(app, "rev1")
    rpage = rc.get(f"/checks/{cid}").text
    assert 'id="override-form"' in rpage and 'name="reviewer"' not in rpage
    r = rc.post(f"/checks/{cid}/override", data={"finding": 0, "decision": "no_conflict", "reason": "现场核实",
                                                 "reviewer": "somebody else", "csrf": csrf_of(rpage)},
                follow_redirects=False)
    assert r.status_code == 303
    assert app.state.register.get(cid)["overrides"][0]["reviewer"] == "rev1"
    assert c.post("/logout", data={"csrf": token}, follow_redirects=False).status_code == 303
    assert c.get("/", follow_redirects=False).status_code == 303          # the session ended
    assert cli("register", "verify", "--db", db).exit_code == 0


def test_failed_logins_lock_the_account_for_a_while(office):
    app, _ = office
    for _ in range(5):
        assert login(app, "chk1", "not the password")[1].status_code == 401
    _, r = login(app, "chk1")                              # even the right password waits
    assert r.status_code == 401 and "try again later" in r.text


def test_tokens_and_fifty_concurrent_checks_by_five_users(office):
    app, db = office
    names = [f"user{k}" for k in range(5)]
    tokens = {}
    for n in names:
        assert (
            cli("users", "add", n, "--role", "checker", "--password-stdin", "--db", db, input=PW + "\n").exit_code == 0
        )
        tokens[n] = cli("users", "token", n, "--db", db).stdout.strip()
    c = TestClient(app, raise_server_exceptions=False)

    def one(k):
        n = names[k % 5]
        r = c.post("/api/check", json={"site": SQUARE, "category": "commercial", "date": DATE,
                                       "case_ref": f"{n}-{k}"}, headers={"Authorization": f"Bearer {tokens[n]}"})
        return r.status_code, r.json().get("check_id"), n
    with ThreadPoolExecutor(16) as pool:
        answers = list(pool.map(one, range(50)))
    assert {a[0] for a in answers} == {200}
    reg = app.state.register
    assert reg.count() == 50
    for _, cid, n in answers:
        assert reg.get(cid)["user_name"] == n
    assert cli("register", "verify", "--db", db).exit_code == 0
    assert cli("users", "token", names[0], "--revoke", "--db", db).exit_code == 0
    r = c.post("/api/check", json={"site": SQUARE, "category": "commercial"},
               headers={"Authorization": f"Bearer {tokens[names[0]]}"})
    assert r.status_code == 401


def test_verify_names_the_row_that_was_tampered_with(office):
    app, db = office
    c = TestClient(app, raise_server_exceptions=False)
    token = cli("users", "token", "chk1", "--db", db).stdout.strip()
    ids = [c.post("/api/check", json={"site": SQUARE, "category": "commercial", "date": DATE},
                  headers={"Authorization": f"Bearer {token}"}).json()["check_id"] for _ in range(3)]
    r = cli("register", "verify", "--db", db)
    assert r.exit_code == 0 and "intact" in r.stdout
    with sqlite3.connect(db) as con:
        con.execute("UPDATE checks SET verdict = 'permitted' WHERE id = ?", (ids[1],))
    r = cli("register", "verify", "--db", db)
    assert r.exit_code == 1 and f"check #{ids[1]} was changed" in r.stdout
    with sqlite3.connect(db) as con:
        con.execute("UPDATE checks SET verdict = (SELECT verdict FROM checks WHERE id = ?) WHERE id = ?",
                    (ids[0], ids[1]))
    assert cli("register", "verify", "--db", db).exit_code == 0            # restored
    with sqlite3.connect(db) as con:
        con.execute("UPDATE users SET role = 'admin' WHERE name = 'chk1'")
    r = cli("register", "verify", "--db", db)
    assert r.exit_code == 1 and "user 'chk1'" in r.stdout
    with sqlite3.connect(db) as con:
        con.execute("UPDATE users SET role = 'checker' WHERE name = 'chk1'")
        con.execute("DELETE FROM chain WHERE kind = 'check' AND ref = ?", (ids[2],))
    r = cli("register", "verify", "--db", db)
    assert r.exit_code == 1 and f"check #{ids[2]} is in the register but not in the chain" in r.stdout
    with sqlite3.connect(db) as con:                        # a row removed from the middle of the chain
        con.execute("DELETE FROM chain WHERE kind = 'check' AND ref = ?", (ids[0],))
    r = cli("register", "verify", "--db", db)
    assert r.exit_code == 1 and "does not follow" in r.stdout


def test_export_names_who_checked_and_who_overrode(office, tmp_path):
    app, db = office
    rc, _ = login(app, "rev1")
    token = csrf_of(rc.get("/").text)
    r = rc.post("/check", data={"category": "commercial", "coords": COORDS, "date": DATE, "csrf": token},
                follow_redirects=False)
    cid = int(r.headers["location"].rsplit("/", 1)[1])
    rc.post(f"/checks/{cid}/override", data={"finding": 0, "decision": "other", "reason": "r", "csrf": token})
    out = tmp_path / "export.csv"
    assert cli("register", "export", "--db", db, "--out", out).exit_code == 0
    text = out.read_text(encoding="utf-8-sig")
    assert "user_name" in text and "rev1" in text and "by rev1" in text
    assert "rev1" in rc.get("/checks").text


@pytest.mark.skipif(sys.platform != "linux", reason="uses a real server process")
def test_argon2_is_installed_with_the_web_extra():
    assert subprocess.run([sys.executable, "-c", "import argon2"]).returncode == 0


def test_impact_page_is_for_reviewers_and_admins(office):
    app, _ = office
    c, _ = login(app, "chk1")
    assert "/impact" not in c.get("/").text and c.get("/impact").status_code == 403
    c, _ = login(app, "rev1")
    page = c.get("/impact")
    assert page.status_code == 200 and 'href="/impact"' in page.text
    assert c.post("/impact", data={"manifest": "0"}).status_code == 403          # no CSRF token
