"""Load on a running `zoning serve` from a second process on loopback, against the same check in-process.

Starts the server on 127.0.0.1 with a temporary register, sends a bounded number of POST /api/check requests
(a typical demo site, JSON body) from a thread pool, and prints requests per second and p50 / p95 latency, beside
the in-process `zoning.check` latency measured in the same run (the baseline: what HTTP, JSON and the register add).
Traffic goes only to 127.0.0.1; the request count and concurrency are bounded by the options.
"""
from __future__ import annotations

import argparse
import json
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SITE = REPO / "seeds" / "sites" / "zhaoshan_hotel.geojson"


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-n", type=int, default=200, help="requests (bounded)")
    ap.add_argument("-c", type=int, default=4, help="concurrent clients")
    args = ap.parse_args()
    n, c = min(args.n, 5000), min(args.c, 64)
    site = json.loads(SITE.read_text(encoding="utf-8"))["features"][0]["geometry"]
    body = json.dumps({"site": site, "category": "commercial", "date": "2026-11-21"}).encode()

    import zoning
    ctx = zoning.api.make_context(date="2026-11-21")
    zoning.check(SITE, category="commercial", context=ctx)
    base = []
    for _ in range(50):
        t = time.perf_counter()
        zoning.check(SITE, category="commercial", context=ctx)
        base.append(time.perf_counter() - t)

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    db = Path(tempfile.mkdtemp()) / "register.sqlite"
    server = subprocess.Popen(
        [sys.executable, "-m", "zoning", "serve", "--no-auth", "--port", str(port), "--db", str(db)],
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                urllib.request.urlopen(url + "/openapi.json", timeout=1)
                break
            except OSError:
                time.sleep(0.1)

        def one(_):
            req = urllib.request.Request(url + "/api/check", data=body, headers={"content-type": "application/json"})
            t = time.perf_counter()
            with urllib.request.urlopen(req, timeout=60) as r:
                r.read()
            return time.perf_counter() - t

        one(0)
        t0 = time.perf_counter()
        with ThreadPoolExecutor(max_workers=c) as pool:
            lat = sorted(pool.map(one, range(n)))
        wall = time.perf_counter() - t0
    finally:
        server.terminate()
        server.wait(timeout=10)
    p50, p95 = lat[len(lat) // 2], lat[int(len(lat) * 0.95) - 1]
    b50 = statistics.median(base)
    print(f"{n} POST /api/check, {c} concurrent clients, loopback")
    print(f"server: {n / wall:7.1f} requests/s   p50 {p50 * 1000:7.1f} ms   p95 {p95 * 1000:7.1f} ms")
    print(f"baseline in-process zoning.check: p50 {b50 * 1000:.1f} ms   (HTTP + JSON + register: "
          f"{p50 / b50:.1f}x the bare check at p50)")


if __name__ == "__main__":
    main()
