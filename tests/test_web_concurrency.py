"""The web app under concurrent checks: worker processes, a dead worker replaced, idempotent submissions, and a
stress run against a real `zoning serve` that would have caught the GEOS crash of shared layers (issue #24)."""
from __future__ import annotations

import json
import os
import signal
import sys
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from conftest import REPO, serve_process
from zoning.web.app import create_app

DATE = "2026-11-21"
SQUARE = {"type": "Polygon", "coordinates": [[[113.05, 27.95], [113.051, 27.95], [113.051, 27.951], [113.05, 27.95]]]}
sys.path.insert(0, str(REPO / "benchmarks"))


def test_one_idempotency_key_sent_fifty_times_at_once_files_one_check(tmp_path):
    app = create_app(auth=False, db=tmp_path / "r.sqlite")
    c = TestClient(app, raise_server_exceptions=False)
    body = {"site": SQUARE, "category": "commercial", "date": DATE, "case_ref": "K1"}

    def one(_):
        r = c.post("/api/check", json=body, headers={"Idempotency-Key": "office-42-0001"})
        return r.status_code, r.json().get("check_id"), r.json().get("verdict")

    with ThreadPoolExecutor(max_workers=25) as pool:
        answers = list(pool.map(one, range(50)))
    assert {a[0] for a in answers} == {200}
    assert len({a[1] for a in answers}) == 1 and len({a[2] for a in answers}) == 1
    assert app.state.register.count() == 1
    again = c.post("/api/check", json=body, headers={"Idempotency-Key": "office-42-0001"}).json()
    assert again["check_id"] == answers[0][1] and app.state.register.count() == 1
    other = c.post("/api/check", json=body, headers={"Idempotency-Key": "office-42-0002"}).json()
    assert other["check_id"] != answers[0][1] and app.state.register.count() == 2
    assert c.post("/api/check", json=body, headers={"Idempotency-Key": "x" * 201}).status_code == 400


def test_a_resent_form_files_once(tmp_path):
    app = create_app(auth=False, db=tmp_path / "r.sqlite")
    c = TestClient(app, raise_server_exceptions=False)
    page = c.get("/").text
    token = page.split('name="submission" value="')[1].split('"')[0]
    assert len(token) >= 16
    form = {"category": "commercial", "date": DATE, "coords": "113.05,27.95\n113.051,27.95\n113.051,27.951",
            "submission": token}
    first = c.post("/check", data=form, follow_redirects=False)
    second = c.post("/check", data=form, follow_redirects=False)
    assert first.status_code == second.status_code == 303
    assert first.headers["location"] == second.headers["location"]
    assert app.state.register.count() == 1
    assert c.get("/").text.split('name="submission" value="')[1].split('"')[0] != token    # one per page


def _children(pid: int) -> list[tuple[int, str]]:
    out = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            cmd = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if ppid == pid:
            out.append((int(entry.name), cmd))
    return out


def _post(url, payload, timeout=120):
    req = urllib.request.Request(url, data=json.dumps(payload).encode(), headers={"content-type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


@pytest.mark.skipif(not Path("/proc").exists(), reason="finds worker processes through /proc")
def test_a_killed_worker_is_replaced_and_its_request_gets_an_error(tmp_path):
    with serve_process(tmp_path / "r.sqlite", workers=1) as (server, url):
        assert _post(url + "/api/check", {"site": SQUARE, "category": "commercial", "date": DATE})[0] == 200
        workers = [p for p, cmd in _children(server.pid) if "spawn_main" in cmd]
        assert len(workers) == 1
        # a long request (a list of 6,000 sites), then its worker killed while it works on it
        import httpx
        sys.path.insert(0, str(REPO / "seeds"))
        from random_sites import write_list
        csv = write_list(tmp_path / "list.csv", 6000, seed=3, vertices=12).read_bytes()

        def screen():
            r = httpx.post(url + "/api/screen", files={"file": ("list.csv", csv, "text/csv")},
                           data={"category": "industrial", "date": DATE}, timeout=120)
            return r.status_code, r.json()
        with ThreadPoolExecutor(1) as pool:
            pending = pool.submit(screen)
            time.sleep(1.0)
            assert not pending.done()
            os.kill(workers[0], signal.SIGKILL)
            status, body = pending.result(timeout=60)
        assert status == 503 and "worker" in body["error"] and set(body) == {"error"}
        assert server.poll() is None                       # the server lives on
        status, body = _post(url + "/api/check", {"site": SQUARE, "category": "commercial", "date": DATE})
        assert status == 200 and body["verdict"]
        fresh = [p for p, cmd in _children(server.pid) if "spawn_main" in cmd]
        assert fresh and workers[0] not in fresh
    assert not [p for p, _ in _children(server.pid)]


@pytest.mark.slow
def test_stress_no_death_and_rows_equal_replies():
    """A shortened stress run (one cycle of 771 checks, up to 200 at once, with screens beside them)
    against a real `zoning serve --workers 2`: no death, no error, one register row per reply."""
    import serve_stress
    out = serve_stress.run(cycles=1, workers=2, mixed=True, say=lambda *_: None)
    assert out["server_deaths"] == 0 and out["errors"] == 0, out["error_texts"][:5]
    assert out["checks_sent"] >= 700 and out["replies"] == out["checks_sent"] == out["register_rows"]
