"""Official-size maps: the atlas drawn from vector tiles (scaled down here, forced with --tiles yes) served by
`zoning serve --atlas` and by a plain static web server, opened in Chromium; and the web app's draw map showing
the zones around the site, read by window."""
from __future__ import annotations

import functools
import http.server
import threading
import time

import pytest
from click.testing import CliRunner

from browser import page_opener  # noqa: F401
from conftest import live_server
from test_prepared_store import _official_like
from zoning.cli import main
from zoning.web.app import create_app


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("atlas")
    mp = pytest.MonkeyPatch()
    mp.setenv("ZONING_CACHE", str(tmp / "cache"))
    manifest = _official_like(tmp, count=250)
    out = tmp / "pub" / "atlas.html"
    r = CliRunner().invoke(main, ["atlas", "--layers", str(manifest), "--out", str(out), "--tiles", "yes"])
    assert r.exit_code == 0, r.output
    yield manifest, out
    mp.undo()


def _first_view(page_opener, url):
    """(opened page, vector tiles fetched, bytes fetched) once the page's first view has drawn."""
    got = {"tiles": 0, "bytes": 0, "missing": []}
    opened_cm = page_opener(url)
    opened = opened_cm.__enter__()
    page = opened.page

    def seen(resp):
        got["bytes"] += int(resp.headers.get("content-length") or 0)
        got["tiles"] += resp.url.endswith(".pbf")
        if resp.status == 404:
            got["missing"].append(resp.url)
    page.on("response", seen)
    page.reload(wait_until="load")
    page.wait_for_function("document.querySelectorAll('.leaflet-tile-container svg path').length > 0")
    page.wait_for_timeout(500)
    return opened_cm, opened, got


def _assert_clean(opened, got):
    """Clean but for empty tiles: GDAL's MVT folders (like tippecanoe's) hold no file for a tile without
    features, which the viewer reads as empty."""
    assert all(u.endswith(".pbf") for u in got["missing"]), got["missing"]
    opened.console_errors = [m for m in opened.console_errors if "404 (Not Found)" not in m]
    opened.assert_clean()


def test_the_tiled_atlas_opens_pans_and_finds_features(page_opener, published, tmp_path):
    manifest, out = published
    html = out.read_text(encoding="utf-8")
    assert "atlas_tiles/red_line/{z}/{x}/{y}.pbf" in html and "图斑0001" not in html      # geometry never inlined
    assert (out.parent / "atlas_tiles" / "names.json").exists()
    app = create_app(layers=manifest, db=tmp_path / "register.sqlite", auth=False, atlas=out.parent)
    with live_server(app) as base:
        t = time.perf_counter()
        cm, opened, got = _first_view(page_opener, base + "/atlas/atlas.html")
        try:
            load_s = time.perf_counter() - t
            page = opened.page
            assert got["tiles"] > 0 and got["bytes"] < 20e6, got
            print(f"tiled atlas first view: {load_s:.2f} s, {got['bytes'] / 1e6:.2f} MB, {got['tiles']} tiles")
            page.fill("#zoning-search-box", "图斑0003")
            page.wait_for_selector(".zoning-search-hit")
            page.click(".zoning-search-hit")
            page.wait_for_timeout(1500)
            box = page.locator(".folium-map").bounding_box()
            page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
            page.wait_for_selector(".leaflet-popup-content")
            assert "图斑0003" in page.inner_text(".leaflet-popup-content")
            _assert_clean(opened, got)
        finally:
            cm.__exit__(None, None, None)


def test_the_published_folder_works_from_a_plain_static_server(page_opener, published):
    _, out = published

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *a):
            pass
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(out.parent)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        cm, opened, got = _first_view(page_opener, f"http://127.0.0.1:{server.server_address[1]}/atlas.html")
        try:
            assert got["tiles"] > 0
            _assert_clean(opened, got)
        finally:
            cm.__exit__(None, None, None)
    finally:
        server.shutdown()


def test_the_draw_map_shows_the_zones_around(page_opener, published, tmp_path):
    manifest, _ = published
    app = create_app(layers=manifest, db=tmp_path / "register.sqlite", auth=False)
    with live_server(app) as base:
        with page_opener(base + "/") as opened:
            page = opened.page
            page.wait_for_selector("#draw-map .zoning-zone", timeout=20_000)
            n = page.locator("#draw-map .zoning-zone").count()
            assert n > 10
            assert "Zones shown" in page.inner_text(".zone-note")
            opened.assert_clean()
        from fastapi.testclient import TestClient
        with TestClient(app) as client:
            assert client.get("/api/zones", params={"bbox": "112,27,114,29"}).json()["zoom_in"] is True
            assert client.get("/api/zones", params={"bbox": "1,2,x"}).status_code in (400, 422)
