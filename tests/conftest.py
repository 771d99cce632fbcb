"""Shared fixtures: tiny hand-built layers in CGCS2000 GK CM 114E (EPSG:4547), where areas are exact."""
from __future__ import annotations

import contextlib
import sys

from pathlib import Path

import geopandas as gpd
import pytest
from shapely.geometry import box

REPO = Path(__file__).resolve().parents[1]
GK = "EPSG:4547"
X0, Y0 = 406_000.0, 3_093_000.0   # about 113.04 E, 27.95 N: inside the green heart, on CM 114E


def sq(x, y, w, h=None):
    """A box with its lower-left corner (x, y) metres from the test origin."""
    return box(X0 + x, Y0 + y, X0 + x + w, Y0 + y + (w if h is None else h))


def write_layer(folder: Path, name: str, rows: list[dict], crs=GK, driver="GPKG", **kw) -> Path:
    ext = {"GPKG": ".gpkg", "ESRI Shapefile": ".shp", "GeoJSON": ".geojson", "FlatGeobuf": ".fgb"}[driver]
    path = folder / f"{name}{ext}"
    gdf = gpd.GeoDataFrame(rows, geometry="geometry", crs=crs)
    if driver == "GPKG":
        kw.setdefault("layer", name)
    gdf.to_file(path, driver=driver, **kw)
    return path


def toml_value(v):
    if isinstance(v, str):
        return '"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, dict):
        return "{ " + ", ".join(f"{toml_value(k)} = {toml_value(x)}" for k, x in v.items()) + " }"
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(toml_value(x) for x in v) + "]"
    return repr(v)


def write_manifest(folder: Path, entries: list[dict], **top) -> Path:
    lines = [f"{k} = {toml_value(v)}" for k, v in top.items()]
    for e in entries:
        lines.append("\n[[layers]]")
        lines += [f"{k} = {toml_value(v)}" for k, v in e.items()]
    path = folder / "layers.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def tiny(tmp_path):
    """A manifest with one layer per kind on a 1 km grid:

    green_heart_2024: core = [0,1000]x[0,1000] as two overlapping features; integrated = [1000,2000]x[0,1000]
    green_heart_2013: prohibited = [0,1000]x[0,1000]; controlled = [1000,2000]x[0,1000]
    red_line:         red_line = [0,500]x[2000,2500], nature_reserve_core = [100,200]x[2100,2200]
    corridors:        a 200 m wide east-west belt [0,3000]x[3000,3200], min width 100 m
    Coverage of red line and corridors: [-1000,4000]x[-1000,4000] (bbox in the layer CRS).
    """
    cov = [X0 - 1000, Y0 - 1000, X0 + 4000, Y0 + 4000]
    write_layer(tmp_path, "gh24", [
        {"分区": "核心保护区", "名称": "核心A", "geometry": sq(0, 0, 600, 1000)},
        {"分区": "核心保护区", "名称": "核心B", "geometry": sq(400, 0, 600, 1000)},
        {"分区": "融合发展区", "名称": "融合C", "geometry": sq(1000, 0, 1000)},
    ])
    write_layer(tmp_path, "gh13", [
        {"zone": "禁止开发区", "name": "禁开1", "geometry": sq(0, 0, 1000)},
        {"zone": "控制建设区", "name": "控建1", "geometry": sq(1000, 0, 1000)},
    ])
    write_layer(tmp_path, "rl", [
        {"类型": "生态保护红线", "名称": "红线1", "geometry": sq(0, 2000, 500)},
        {"类型": "自然保护地核心保护区", "名称": "保护区核心", "geometry": sq(100, 2100, 100)},
    ])
    write_layer(tmp_path, "cor", [
        {"名称": "东西廊道", "宽度": 100, "geometry": sq(0, 3000, 3000, 200)},
    ])
    manifest = write_manifest(tmp_path, [
        dict(id="green_heart_2024", kind="green_heart", rule_set="green_heart_2024", path="gh24.gpkg",
             table="gh24", zone_field="分区", name_field="名称", version="t1", coverage="unbounded"),
        dict(id="green_heart_2013", kind="green_heart", rule_set="green_heart_2013", path="gh13.gpkg",
             zone_field="zone", name_field="name", version="t1", coverage="unbounded"),
        dict(id="red_line", kind="red_line", rule_set="red_line_2022", path="rl.gpkg", zone_field="类型",
             zone_values={"生态保护红线": "red_line", "自然保护地核心保护区": "nature_reserve_core"},
             name_field="名称", version="t1", coverage=cov),
        dict(id="corridors", kind="corridor", rule_set="corridor_2018", path="cor.gpkg", name_field="名称",
             width_field="宽度", version="t1", coverage=cov),
    ], title="tiny test layers")
    return manifest


DEMO_DATE = "2026-11-21"
ROAD = REPO / "seeds" / "sites" / "tiaoma_baijia_road.geojson"
EVIL = "<script>alert(1)</script>"


@pytest.fixture(scope="module")
def demo_ctx():
    """The demo layers, loaded once per test module, on the date the samples' expectations are for."""
    from zoning.api import make_context
    return make_context(date=DEMO_DATE)


@pytest.fixture(scope="module")
def road(demo_ctx):
    import zoning
    return zoning.check(ROAD, context=demo_ctx)


@pytest.fixture
def raster_reads(monkeypatch):
    """Every window rasterio reads during the test (None for a whole-raster read)."""
    from rasterio.io import DatasetReader
    reads = []
    original = DatasetReader.read

    def spy(self, *a, **kw):
        reads.append(kw.get("window"))
        return original(self, *a, **kw)

    monkeypatch.setattr(DatasetReader, "read", spy)
    return reads


def free_port() -> int:
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def serve_process(db, workers: int):
    """A real `zoning serve --no-auth` process on a free loopback port, ready (its /healthz answers); yields
    (process, base URL) and terminates it afterwards."""
    import subprocess
    import time
    import urllib.request
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "zoning", "serve", "--no-auth", "--port", str(port), "--workers",
                             str(workers), "--db", str(db)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(600):
            try:
                urllib.request.urlopen(url + "/healthz", timeout=1)
                break
            except OSError:
                time.sleep(0.1)
        else:
            raise RuntimeError("server not ready")
        yield proc, url
    finally:
        proc.terminate()
        proc.wait(30)


@contextlib.contextmanager
def live_server(app):
    """The app served by uvicorn on a free loopback port, for the browser tests; yields its base URL."""
    import threading
    import time

    import uvicorn
    port = free_port()
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.time() + 30
    while not srv.started and time.time() < deadline:
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        srv.should_exit = True
        thread.join(timeout=10)


def pytest_configure(config):
    """The suite's prepared stores go to a folder of its own (the user's ~/.cache/zoning stays as it was), shared
    by the tests and the commands they run; a test that needs its own sets ZONING_CACHE itself."""
    import os
    import tempfile
    if "ZONING_CACHE" not in os.environ:
        config._zoning_cache = os.environ["ZONING_CACHE"] = tempfile.mkdtemp(prefix="zoning-test-cache-")


def pytest_unconfigure(config):
    import os
    import shutil
    made = getattr(config, "_zoning_cache", None)
    if made:
        shutil.rmtree(made, ignore_errors=True)
        os.environ.pop("ZONING_CACHE", None)


BROWSER_FIXTURES = {"page_opener"}


def pytest_collection_modifyitems(config, items):
    """Tests that drive Chromium are marked `browser`, so that `-m "not browser"` runs the quick suite."""
    for item in items:
        if BROWSER_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.browser)
