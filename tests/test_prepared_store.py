"""Prepared stores: a windowed read gives exactly the whole layer's answers, and a store that is stale, truncated,
corrupt or half-written is rebuilt, never used."""
from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys

import geopandas as gpd
import numpy as np
import pyogrio
import pytest
import shapely
from click.testing import CliRunner

from conftest import write_layer, write_manifest
from zoning.api import make_context
from zoning.cli import main
from zoning.engine import run
from zoning.geometry.normalise import normalise_batch
from zoning.inputs import SiteInput
from zoning.layers import load_manifest
from zoning.overlay import prepared
from zoning.layers.loader import read_source
from zoning.layers import store as store_module
from zoning.overlay import window as window_module
from zoning.overlay.index import IndexedLayer
from zoning.rules import load_catalogue

GK = "EPSG:4547"
X0, Y0, SPAN = 400_000.0, 3_080_000.0, 30_000.0


def _ring(rng, cx, cy, r, n):
    ang = np.sort(rng.uniform(0, 2 * np.pi, n))
    rad = r * (1 + 0.25 * np.sin(ang * rng.integers(2, 7)) + rng.uniform(-0.08, 0.08, n))
    return np.c_[cx + rad * np.cos(ang), cy + rad * np.sin(ang)]


def _official_like(folder, seed=15, count=400):
    """The benchmark's official-size red line scaled down: noisy polygons, some with holes, some multi-part,
    many overlapping (also within a zone), and a corridor layer."""
    rng = np.random.default_rng(seed)
    rows = []
    for k in range(count):
        cx, cy, r = X0 + rng.uniform(0, SPAN), Y0 + rng.uniform(0, SPAN), rng.uniform(150, 900)
        holes = [_ring(rng, cx, cy, r * 0.3, 30)] if k % 10 == 3 else []
        g = shapely.Polygon(_ring(rng, cx, cy, r, 300), holes).buffer(0)
        if k % 10 == 7:
            g = shapely.union(g, shapely.Polygon(_ring(rng, cx + 2.6 * r, cy, r * 0.4, 60)).buffer(0))
        rows.append({"类型": "自然保护地核心保护区" if k % 20 == 0 else "生态保护红线", "名称": f"图斑{k:04d}",
                     "geometry": g})
    red = write_layer(folder, "red", rows)
    strips = [{"名称": f"廊道{k}", "宽度": 300.0, "geometry": shapely.LineString(
        np.c_[X0 + 5000 + 9000 * k + np.cumsum(rng.normal(0, 150, 200)), np.linspace(Y0, Y0 + SPAN, 200)])
        .buffer(250, quad_segs=2)} for k in range(3)]
    cor = write_layer(folder, "cor", strips)
    return write_manifest(folder, [
        dict(id="red_line", kind="red_line", rule_set="red_line_2022", path=red.name, zone_field="类型",
             name_field="名称", coverage="unbounded"),
        dict(id="corridors", kind="corridor", rule_set="corridor_2018", path=cor.name, name_field="名称",
             width_field="宽度", coverage="unbounded")])


def _sites(rng, n):
    out = []
    for _ in range(n):
        x, y = X0 - 6000 + rng.uniform(0, SPAN + 12_000), Y0 - 6000 + rng.uniform(0, SPAN + 12_000)
        if rng.random() < 0.5:
            out.append(shapely.box(x, y, x + rng.uniform(5, 1500), y + rng.uniform(5, 1500)))
        else:
            out.append(shapely.Point(x, y).buffer(rng.uniform(5, 900), quad_segs=8))
    out.append(shapely.box(X0 + SPAN * 3, Y0 + SPAN * 3, X0 + SPAN * 3 + 50, Y0 + SPAN * 3 + 50))   # far outside
    return out


def _outcomes(ctx, sites):
    batch = normalise_batch([SiteInput(geometry=s, crs=GK, source="t") for s in sites])
    n = len(sites)
    out = run(batch, ["industrial"] * n, [False] * n, ctx)
    rows = []
    for i in range(n):
        s = out.site(i)
        finds = sorted((f.type, f.layer, f.zone, f.feature, f.verdict, f.drives_verdict,
                        round(f.overlap_m2 or 0.0, 3), round(f.distance_m, 2) if f.distance_m is not None else None)
                       for f in s.findings)
        rows.append((s.verdict, [r.status for r in s.layers], finds))
    return rows


@pytest.fixture(autouse=True)
def windows(monkeypatch):
    """Read these small layers by window, as official-size ones are (a small layer is otherwise read whole)."""
    monkeypatch.setattr(window_module, "WINDOW_FROM_PARTS", 0)


@pytest.mark.parametrize("batch", ["one by one", "as a chunk"])
def test_windowed_reads_give_the_whole_layers_answers(tmp_path, monkeypatch, batch):
    monkeypatch.setenv("ZONING_CACHE", str(tmp_path / "cache"))
    if batch == "as a chunk":                 # the in-memory box index of large batches, not a query per box
        monkeypatch.setattr(store_module, "SMALL", 0)
    manifest = _official_like(tmp_path)
    sites = _sites(np.random.default_rng(7), 80)
    ctx = make_context(layers=manifest, date="2026-11-21")
    windowed = [_outcomes(ctx, [s])[0] for s in sites] if batch == "one by one" else _outcomes(ctx, sites)
    stores = list((tmp_path / "cache" / "stores").glob("*.gpkg"))
    assert len(stores) == 2
    whole = {}

    def whole_layer(self, epsg, sites, *, grow, nearest=True):      # the full in-memory path, as before stores
        if (self.spec.id, epsg) not in whole:
            whole[(self.spec.id, epsg)] = IndexedLayer.build(read_source(self.spec, self.rule_set), epsg)
            whole[(self.spec.id, epsg)].layer = self
        return whole[(self.spec.id, epsg)]
    monkeypatch.setattr(prepared.LoadedLayer, "window", whole_layer)
    full = _outcomes(make_context(layers=manifest, date="2026-11-21"), sites)
    assert {w[0] for w in windowed} >= {"prohibited", "permitted"}
    assert any(f[0] == "nearest" for w in windowed for f in w[2])
    for i, (a, b) in enumerate(zip(windowed, full, strict=False)):
        assert a[0] == b[0] and a[1] == b[1], i
        assert [f[:6] for f in a[2]] == [f[:6] for f in b[2]], i
        for fa, fb in zip(a[2], b[2], strict=False):
            assert fa[6] == pytest.approx(fb[6], rel=1e-9, abs=1e-3), (i, fa)
            if fa[7] is not None:
                assert abs(fa[7] - fb[7]) <= 0.01, (i, fa)


def _check(manifest, site, category="industrial"):
    import zoning
    return zoning.check(site, category=category, layers=manifest, crs=GK, date="2026-11-21")


def test_a_store_that_is_stale_truncated_corrupt_or_half_written_is_rebuilt(tmp_path, monkeypatch):
    cache = tmp_path / "cache"
    monkeypatch.setenv("ZONING_CACHE", str(cache))
    folder = tmp_path / "layers"
    folder.mkdir()
    manifest = _official_like(folder, count=60)
    before = sorted(p.name for p in folder.iterdir())
    r = CliRunner().invoke(main, ["layers", "prepare", "--layers", str(manifest)])
    assert r.exit_code == 0, r.output
    assert sorted(p.name for p in folder.iterdir()) == before          # nothing written beside the layers
    (store,) = (cache / "stores").glob("red_line-*.gpkg")
    assert {"features", "parts", "zoning_meta"} <= {n for n, _ in pyogrio.list_layers(store)}   # a GIS opens it
    src = read_source(load_manifest(manifest).layers[0], load_catalogue().rule_set("red_line_2022"))
    inside = shapely.Point(shapely.get_coordinates(src.geoms[1].representative_point())[0]).buffer(5)
    want = _check(manifest, inside)
    assert want.verdict == "prohibited"
    size = store.stat().st_size

    def again():
        prepared._LOADED.clear()
        got = _check(manifest, inside)
        assert got.verdict == want.verdict and got.layers[0].sha256 == want.layers[0].sha256
        assert [f.overlap_m2 for f in got.findings] == pytest.approx([f.overlap_m2 for f in want.findings])
        return got

    store.write_bytes(store.read_bytes()[: size // 2])                   # truncated
    again()
    assert store.stat().st_size == size
    con = sqlite3.connect(store)              # corrupt: a coordinate flipped in each part of the feature under the site
    blobs = [bytes(b) for (b,) in con.execute("SELECT geom FROM parts WHERE feature = 1")]
    con.close()
    data = bytearray(store.read_bytes())
    for blob in blobs:
        at = data.find(blob[:80])
        assert at > 0
        data[at + 70] ^= 0x01
    store.write_bytes(bytes(data))
    again()
    assert store.read_bytes() != bytes(data)
    con = sqlite3.connect(store)                                          # half-written: no completion mark
    con.execute("DELETE FROM zoning_meta WHERE key = 'complete'")
    con.commit()
    con.close()
    again()
    con = sqlite3.connect(store)
    assert con.execute("SELECT value FROM zoning_meta WHERE key = 'complete'").fetchone() == ("true",)
    con.close()
    # the source edited: the feature under the site is gone, so a new store and a new verdict
    gdf = gpd.read_file(folder / "red.gpkg")
    gdf = gdf[gdf["名称"] != "图斑0001"]
    gdf.to_file(folder / "red.gpkg", layer="red", driver="GPKG")
    prepared._LOADED.clear()
    edited = _check(manifest, inside)
    assert edited.layers[0].sha256 != want.layers[0].sha256
    assert not any(f.feature == "图斑0001" for f in edited.findings if f.type == "overlap")
    assert len(list((cache / "stores").glob("red_line-*.gpkg"))) == 2     # keyed by content: both kept


def test_prepare_killed_midway_leaves_no_store_and_the_next_run_builds_it(tmp_path):
    cache = tmp_path / "cache"
    manifest = _official_like(tmp_path, count=40)
    script = (
        "import os, time, sys\nfrom zoning.layers import store\nreal = os.replace\n"
        "def slow(a, b):\n    if str(b).endswith('.gpkg'):\n"
        "        print('WRITTEN', flush=True)\n        time.sleep(60)\n"
        "    real(a, b)\n"
        "store.os.replace = slow\nfrom zoning.cli import main\n"
        f"main(['layers', 'prepare', '--layers', {str(manifest)!r}])\n"
    )
    env = dict(os.environ, ZONING_CACHE=str(cache))
    proc = subprocess.Popen([sys.executable, "-c", script], env=env, stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "WRITTEN"
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    stores = cache / "stores"
    assert list(stores.glob("*.tmp-*.gpkg")) and not [p for p in stores.glob("*.gpkg") if ".tmp-" not in p.name]
    r = subprocess.run([sys.executable, "-m", "zoning", "layers", "prepare", "--layers", str(manifest)], env=env,
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    assert not list(stores.glob("*.tmp-*.gpkg"))                        # the dead run's temporary file removed
    assert len(list(stores.glob("*.gpkg"))) == 2


def test_the_store_folder_is_configurable_and_an_unwritable_one_still_checks(tmp_path, monkeypatch):
    monkeypatch.setenv("ZONING_CACHE", str(tmp_path / "cache"))
    manifest = _official_like(tmp_path, count=40)
    text = manifest.read_text(encoding="utf-8")
    manifest.write_text('store = "prepared"\n' + text, encoding="utf-8")
    prepared._LOADED.clear()
    site = shapely.box(X0 + 100, Y0 + 100, X0 + 300, Y0 + 300)
    first = _check(manifest, site)
    assert len(list((tmp_path / "prepared").glob("*.gpkg"))) == 2 and not (tmp_path / "cache" / "stores").exists()
    (tmp_path / "blocker").write_text("a file where the store folder would be")
    manifest.write_text('store = "blocker/prepared"\n' + text, encoding="utf-8")
    prepared._LOADED.clear()
    r = _check(manifest, site)
    assert r.verdict == first.verdict and r.layers[0].status == first.layers[0].status
    assert any("no prepared store could be written" in w for w in r.layers[0].warnings)


def test_a_changed_manifest_entry_gets_a_store_of_its_own(tmp_path, monkeypatch):
    monkeypatch.setenv("ZONING_CACHE", str(tmp_path / "cache"))
    manifest = _official_like(tmp_path, count=40)
    src = read_source(load_manifest(manifest).layers[0], load_catalogue().rule_set("red_line_2022"))
    site = shapely.Point(shapely.get_coordinates(src.geoms[1].representative_point())[0]).buffer(5)
    prepared._LOADED.clear()
    named = _check(manifest, site)
    assert any(f.feature == "图斑0001" for f in named.findings)
    manifest.write_text(manifest.read_text(encoding="utf-8").replace('name_field = "名称"\n', "", 1), encoding="utf-8")
    prepared._LOADED.clear()
    unnamed = _check(manifest, site)
    assert not any(f.feature == "图斑0001" for f in unnamed.findings) and unnamed.verdict == named.verdict
    assert len(list((tmp_path / "cache" / "stores").glob("red_line-*.gpkg"))) == 2
