"""Open a published atlas folder from a plain static web server in Chromium and report what its first view
costs: time to the `load` event, bytes fetched, vector tiles fetched, and whether features were drawn.

    python benchmarks/atlas_load.py DIR [--page atlas.html]

Chromium: $ZONING_CHROMIUM or /usr/bin/chromium (Debian's), driven by Playwright; nothing leaves the machine."""
from __future__ import annotations

import argparse
import functools
import http.server
import json
import os
import threading
import time
from pathlib import Path


def measure(folder: Path, page_name: str = "atlas.html", settle_s: float = 2.0) -> dict:
    from playwright.sync_api import sync_playwright
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *a):
            pass
    handler = functools.partial(Quiet, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/{page_name}"
    fetched, tiles, failed = [0], [0], []
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=os.environ.get("ZONING_CHROMIUM", "/usr/bin/chromium"),
                                        args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"])
            page = browser.new_page(viewport={"width": 1280, "height": 900})

            def route(r):
                if r.request.url.startswith("http://127.0.0.1"):
                    return r.continue_()
                return r.abort()            # basemap tiles and anything external: offline here
            page.route("**/*", route)

            def done(resp):
                size = int(resp.headers.get("content-length") or 0)
                fetched[0] += size
                if resp.url.endswith(".pbf"):
                    tiles[0] += 1
            page.on("response", done)
            page.on("pageerror", lambda e: failed.append(str(e)))
            t = time.perf_counter()
            page.goto(url, wait_until="load", timeout=120_000)
            load_s = time.perf_counter() - t
            page.wait_for_timeout(settle_s * 1000)          # the first view's tiles
            drawn = page.evaluate("document.querySelectorAll('.leaflet-tile-container canvas, "
                                  ".leaflet-overlay-pane path').length")
            browser.close()
    finally:
        server.shutdown()
    return {"load_s": round(load_s, 2), "first_view_mb": round(fetched[0] / 1e6, 2), "vector_tiles": tiles[0],
            "drawn_elements": drawn, "page_errors": failed}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("folder", type=Path)
    ap.add_argument("--page", default="atlas.html")
    a = ap.parse_args()
    print(json.dumps(measure(a.folder, a.page), ensure_ascii=False))


if __name__ == "__main__":
    main()
