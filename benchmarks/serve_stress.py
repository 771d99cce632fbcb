"""Stress a real `zoning serve` on loopback: an office's morning rush, cycle after cycle.

Each cycle: a warm-up check, 20 sequential checks, then 3 x 50 and 3 x 200 concurrent `POST /api/check` (random demo
sites and categories, JSON bodies); with `--mixed`, small screens (`POST /api/screen`, 20 rows) and PDF downloads
run beside the concurrent checks. It reports p50 / p95 latency, errors, server deaths (the process gone) and, at
the end, the register's rows against the replies the clients got (each reply names its check_id, so rows = replies
means nothing lost and nothing filed twice). `--fresh` starts a new server for every cycle.

Traffic goes only to 127.0.0.1; request counts, concurrency and run time are bounded by the options.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "seeds"))
from random_sites import random_sites  # noqa: E402

MAX_CONCURRENCY = 400
MAX_CYCLES = 100


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """`zoning serve` in a child process with a register of its own."""

    def __init__(self, db: Path, workers: int | None, log: Path):
        self.port = _port()
        self.url = f"http://127.0.0.1:{self.port}"
        cmd = [sys.executable, "-m", "zoning", "serve", "--no-auth", "--port", str(self.port), "--db", str(db)]
        if workers is not None:
            cmd += ["--workers", str(workers)]
        env = dict(os.environ, PYTHONFAULTHANDLER="1")
        self.log = open(log, "ab")    # noqa: SIM115 - the server's log for its whole life, closed by stop()
        self.proc = subprocess.Popen(cmd, stdout=self.log, stderr=self.log, env=env)
        self.started = time.perf_counter()

    def wait_ready(self, timeout=120.0) -> float:
        import urllib.request
        end = time.perf_counter() + timeout
        while time.perf_counter() < end:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited with {self.proc.returncode} before it was ready")
            try:
                urllib.request.urlopen(self.url + "/healthz", timeout=1)
                return time.perf_counter() - self.started
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("server not ready in time")

    def alive(self) -> bool:
        return self.proc.poll() is None

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()


class Tally:
    def __init__(self):
        self.latency, self.errors, self.ids, self.kinds = [], [], set(), {}

    def ok(self, kind, seconds, check_id=None):
        self.latency.append(seconds)
        self.kinds[kind] = self.kinds.get(kind, 0) + 1
        if check_id is not None:
            self.ids.add(check_id)

    def error(self, kind, text):
        self.errors.append(f"{kind}: {text}"[:300])


def _bodies(n: int, seed: int) -> list[bytes]:
    import shapely
    polys, cats, _ = random_sites(n, seed=seed, vertices=16)
    return [json.dumps({"site": json.loads(shapely.to_geojson(p)), "category": str(c), "date": "2026-11-21"}).encode()
            for p, c in zip(polys, cats, strict=False)]


async def _check(client, url, body, tally):
    t = time.perf_counter()
    try:
        r = await client.post(url + "/api/check", content=body, headers={"content-type": "application/json"})
        if r.status_code == 200:
            tally.ok("check", time.perf_counter() - t, r.json()["check_id"])
        else:
            tally.error("check", f"HTTP {r.status_code} {r.text[:200]}")
    except Exception as exc:      # a dropped connection is what a client of a dead server sees
        tally.error("check", f"{type(exc).__name__}: {exc}")


async def _screen(client, url, csv_bytes, tally):
    t = time.perf_counter()
    try:
        r = await client.post(url + "/api/screen", files={"file": ("list.csv", csv_bytes, "text/csv")},
                              data={"category": "industrial", "date": "2026-11-21"})
        if r.status_code == 200:
            tally.ok("screen", time.perf_counter() - t)
        else:
            tally.error("screen", f"HTTP {r.status_code} {r.text[:200]}")
    except Exception as exc:
        tally.error("screen", f"{type(exc).__name__}: {exc}")


async def _pdf(client, url, check_id, tally):
    t = time.perf_counter()
    try:
        r = await client.get(url + f"/checks/{check_id}/report.pdf")
        if r.status_code == 200 and r.content[:4] == b"%PDF":
            tally.ok("pdf", time.perf_counter() - t)
        else:
            tally.error("pdf", f"HTTP {r.status_code}")
    except Exception as exc:
        tally.error("pdf", f"{type(exc).__name__}: {exc}")


def _list_csv(seed: int) -> bytes:
    import shapely
    polys, cats, _ = random_sites(20, seed=seed, vertices=12)
    lines = ["编号,category,wkt"] + [f'L{i},{c},"{shapely.to_wkt(p, rounding_precision=7)}"'
                                    for i, (p, c) in enumerate(zip(polys, cats, strict=False))]
    return ("\n".join(lines) + "\n").encode("utf-8")


async def cycle(url: str, bodies, tally: Tally, *, mixed: bool, pdf: bool, waves=(50, 50, 50, 200, 200, 200)):
    import httpx
    limits = httpx.Limits(max_connections=MAX_CONCURRENCY, max_keepalive_connections=MAX_CONCURRENCY)
    async with httpx.AsyncClient(timeout=300, limits=limits) as client:
        k = 0
        await _check(client, url, bodies[k], tally)            # warm-up
        for _ in range(20):
            k += 1
            await _check(client, url, bodies[k % len(bodies)], tally)
        for size in waves:
            jobs = []
            for _ in range(size):
                k += 1
                jobs.append(_check(client, url, bodies[k % len(bodies)], tally))
            if mixed:
                jobs += [_screen(client, url, _list_csv(k + j), tally) for j in range(2)]
                if pdf and tally.ids:
                    jobs.append(_pdf(client, url, min(tally.ids), tally))
            await asyncio.gather(*jobs)
        return k + 1


def _in_thread(fn):
    """Run `fn` in a thread of its own (its own event loop, whatever loop the caller's thread has)."""
    from concurrent.futures import ThreadPoolExecutor
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(fn).result()


def register_rows(db: Path) -> int:
    with sqlite3.connect(db) as c:
        return c.execute("SELECT count(*) FROM checks").fetchone()[0]


def run(cycles: int = 3, seconds: float = 600.0, workers: int | None = None, mixed: bool = False, pdf: bool = False,
        fresh: bool = False, waves=(50, 50, 50, 200, 200, 200), say=print) -> dict:
    """Run the stress cycles; returns the figures (also printed through `say`)."""
    cycles = min(cycles, MAX_CYCLES)
    waves = tuple(min(w, MAX_CONCURRENCY) for w in waves)
    folder = Path(tempfile.mkdtemp(prefix="zoning-stress-"))
    db, log = folder / "register.sqlite", folder / "server.log"
    bodies = _bodies(600, seed=7)
    tally, deaths, sent, ready = Tally(), 0, 0, []
    server = Server(db, workers, log)
    ready.append(server.wait_ready())
    end = time.perf_counter() + seconds
    try:
        for c in range(cycles):
            if time.perf_counter() > end:
                break
            if fresh and c:
                server.stop()
                server = Server(db, workers, log)
                ready.append(server.wait_ready())
            errors_before = len(tally.errors)
            t = time.perf_counter()
            sent += _in_thread(lambda: asyncio.run(cycle(server.url, bodies, tally, mixed=mixed, pdf=pdf,
                                                         waves=waves)))
            died = not server.alive()
            say(f"cycle {c + 1}: {time.perf_counter() - t:.1f} s, {len(tally.errors) - errors_before} errors"
                + (f", SERVER DIED (exit {server.proc.returncode})" if died else ""))
            if died:
                deaths += 1
                server.stop()
                server = Server(db, workers, log)
                ready.append(server.wait_ready())
    finally:
        server.stop()
    lat = sorted(tally.latency)
    q = statistics.quantiles(lat, n=20) if len(lat) >= 20 else [float("nan")] * 19
    rows = register_rows(db)
    out = {"cycles": c + 1, "checks_sent": sent, "replies": len(tally.ids), "register_rows": rows,
           "errors": len(tally.errors), "server_deaths": deaths, "p50_ms": round(q[9] * 1000, 1),
           "p95_ms": round(q[18] * 1000, 1), "ready_s": [round(r, 2) for r in ready], "by_kind": tally.kinds,
           "log": str(log)}
    say(json.dumps(out, ensure_ascii=False))
    kinds = {}
    for e in tally.errors:
        kinds.setdefault(e[:80], []).append(e)
    for group in kinds.values():
        say(f"  error x{len(group)}: {group[0]}")
    return out | {"error_texts": tally.errors}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cycles", type=int, default=20)
    ap.add_argument("--seconds", type=float, default=1800, help="stop starting new cycles after this")
    ap.add_argument("--workers", type=int, default=None, help="zoning serve --workers (default: its own)")
    ap.add_argument("--mixed", action="store_true", help="screens of small lists and PDF downloads beside checks")
    ap.add_argument("--pdf", action="store_true", help="with --mixed: PDF downloads too (needs Chromium)")
    ap.add_argument("--fresh", action="store_true", help="a new server for every cycle")
    a = ap.parse_args()
    out = run(a.cycles, a.seconds, a.workers, a.mixed, a.pdf, a.fresh)
    sys.exit(0 if out["server_deaths"] == 0 and out["errors"] == 0 and out["replies"] == out["register_rows"]
             else 1)


if __name__ == "__main__":
    main()
