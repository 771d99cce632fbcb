"""The batch computations that replace per-site GEOS work: exact raster cell fractions, the nearest zone over a
boundary-segment tree, and the geometry hash, each against a direct per-site computation."""
from __future__ import annotations

import hashlib
import sys

import numpy as np
import pytest
import shapely
import shapely.affinity
from affine import Affine

from conftest import REPO
from zoning.geometry.normalise import geometry_sha256
from zoning.geometry.project import reproject
from zoning.overlay.coverage import coverage
from zoning.overlay.measure import _nearest

sys.path.insert(0, str(REPO / "seeds"))
from random_sites import random_sites  # noqa: E402

CELL = 30.0
T = Affine(CELL, 0, 500_000, 0, -CELL, 3_100_000)


def _polygons(rng, n):
    out = []
    for i in range(n):
        cx, cy, r = 500_000 + rng.uniform(0, 3000), 3_100_000 - rng.uniform(0, 3000), rng.uniform(5, 300)
        ang = np.sort(rng.uniform(0, 2 * np.pi, 24))
        rad = r * rng.uniform(0.6, 1.3, 24)
        p = shapely.Polygon(np.c_[cx + rad * np.cos(ang), cy + rad * np.sin(ang)]).buffer(0)
        if i % 3 == 0:       # a hole
            p = p.difference(p.centroid.buffer(np.sqrt(p.area) / 6))
        if i % 7 == 0:       # two parts
            p = shapely.union(p, shapely.box(p.bounds[2] + 40, p.bounds[1], p.bounds[2] + 95, p.bounds[1] + 70))
        if i % 5 == 0:       # drawn clockwise
            p = shapely.reverse(p)
        out.append(p)
    # edges on the grid lines, a sliver, a site inside one cell
    out += [shapely.box(500_030, 3_099_940, 500_090, 3_100_000), shapely.box(500_015, 3_099_955, 500_045, 3_099_985),
            shapely.box(500_031, 3_099_971, 500_032, 3_099_999), shapely.box(500_100, 3_099_900, 500_160, 3_099_900.5)]
    return np.array(out, dtype=object)


def test_cell_fractions_equal_polygon_clipping():
    geoms = _polygons(np.random.default_rng(1), 120)
    cov = coverage(geoms, T)
    for s, g in enumerate(geoms):
        sel = cov.site == s
        x0, y0 = T.c + cov.col[sel] * CELL, T.f + cov.row[sel] * -CELL
        clipped = shapely.area(shapely.intersection(shapely.box(x0, y0 - CELL, x0 + CELL, y0), g)) / CELL ** 2
        assert np.abs(clipped - cov.frac[sel]).max() < 1e-9
        assert cov.frac[sel].sum() * CELL ** 2 == pytest.approx(g.area, rel=1e-12)   # no cell left out


def test_nearest_zone_equals_brute_force(demo_ctx):
    polys, _, _ = random_sites(300, seed=11)
    sites = reproject(polys, "EPSG:4490", "EPSG:4547")
    for spec in demo_ctx.manifest.layers:
        if spec.is_raster:
            continue
        indexed = demo_ctx.layer(spec)[0].indexed(4547)
        touching = np.unique(indexed.tree.query(sites, predicate="intersects")[0])
        rows = np.setdiff1d(np.arange(len(sites)), touching)
        s, f, d = _nearest(indexed, sites, rows)
        assert list(s) == list(rows)
        one = [_nearest(indexed, sites[i:i + 1], np.array([0])) for i in rows[:40]]     # as `check` asks
        assert [(int(f[k]), float(d[k])) for k in range(len(one))] == [(int(x[1][0]), float(x[2][0])) for x in one]
        for i, feat, dist in zip(s, f, d, strict=False):
            every = shapely.distance(sites[i], indexed.parts)
            assert dist == pytest.approx(every.min(), abs=1e-9)
            assert every[indexed.part_feature == feat].min() == pytest.approx(every.min(), abs=1e-9)


def test_geometry_hash_equals_set_precision_hash():
    polys, _, _ = random_sites(2000, seed=3)
    reference = [hashlib.sha256(w).hexdigest() for w in shapely.to_wkb(
        shapely.normalize(shapely.set_precision(polys, 1e-9)), output_dimension=2, byte_order=1)]
    assert geometry_sha256(polys) == reference


def test_zonal_statistics_read_in_spatial_groups_equal_one_window(demo_ctx, monkeypatch):
    from zoning.overlay import raster_stats
    polys, _, _ = random_sites(200, seed=5)
    sites = reproject(polys, "EPSG:4490", "EPSG:4547")
    for spec in demo_ctx.manifest.layers:
        if not spec.is_raster:
            continue
        layer = demo_ctx.layer(spec)[0]
        whole = raster_stats.zonal_batch(layer, sites, 4547)
        monkeypatch.setattr(raster_stats, "MAX_WINDOW_CELLS", 40_000)      # tiles of 100 x 100 cells
        assert len(raster_stats._groups(*_cells(layer, sites))) > 10
        grouped = raster_stats.zonal_batch(layer, sites, 4547)
        monkeypatch.undo()
        for name in ("covered_share", "valid_area", "nodata_area", "mean_slope", "max_slope", "class_area"):
            a, b = getattr(whole, name), getattr(grouped, name)
            assert (a is None and b is None) or np.array_equal(a, b), name
        assert all(np.array_equal(whole.over[t], grouped.over[t]) for t in whole.over)


def _cells(layer, sites):
    with layer.open() as ds:
        cov = coverage(sites, ds.transform)
    return cov.site, cov.row, cov.col


def test_overlay_areas_equal_clipping_whole_features(monkeypatch):
    """Per (site, feature) overlap areas of `measure` (the feature view, and the shortcut for sites inside a
    whole feature) against clipping each site with each feature on its own; per (site, zone) against clipping
    with the zone's union, where two features of the zone overlap."""
    from types import SimpleNamespace

    from zoning.overlay import index as ix
    from zoning.overlay.measure import measure
    monkeypatch.setattr(ix, "MAX_VERTICES", 16)            # many parts: sites straddle their cut lines
    big = shapely.Point(501_500, 3_098_500).buffer(1400, quad_segs=32)
    features = np.array([big, shapely.box(501_000, 3_097_000, 503_500, 3_098_200),      # overlaps `big`, same zone
                         shapely.Point(499_600, 3_099_600).buffer(700, quad_segs=16)], dtype=object)
    zones = np.array(["a", "a", "b"], dtype=object)
    disjoint = ix._disjoint_per_zone(features, zones)
    changed = ix._changed(features, disjoint)
    parts, owner, own_parts, own_owner = ix._parts(features, disjoint, changed)
    ix.verify(features, disjoint, parts, owner, own_parts, own_owner, where="test", changed=changed)
    layer = ix.IndexedLayer(layer=SimpleNamespace(zones=zones, names=np.array(["x", "y", "z"], dtype=object)),
                            epsg=4547, features=features, parts=parts, part_feature=owner, part_zone=zones[owner],
                            tree=shapely.STRtree(parts), coverage=None, intact=ix._intact(features, parts, owner),
                            own_parts=own_parts, own_feature=own_owner, own_tree=shapely.STRtree(own_parts))
    assert list(layer.intact) == [True, False, True]
    sites = _polygons(np.random.default_rng(5), 200)
    m = measure(sites, shapely.area(sites), shapely.length(sites), layer, tolerance=0.0)
    got = {(int(s), int(f)): a for s, f, a in zip(m.hit_site, m.hit_feature, m.hit_area, strict=False)}
    want = {}
    for s, g in enumerate(sites):
        for f, h in enumerate(features):
            a = shapely.area(shapely.intersection(g, h))
            if a > 1e-6:
                want[(s, f)] = a
    assert set(want) <= set(got)
    assert sum(1 for k in want if k[1] == 1 and shapely.contains_properly(features[0], sites[k[0]])) > 3
    assert sum(1 for k in want if shapely.contains_properly(features[k[1]], sites[k[0]])) > 10   # the shortcut ran
    for k, a in got.items():
        assert a == pytest.approx(want.get(k, 0.0), rel=1e-9, abs=1e-6), k
    union = {"a": shapely.union_all(features[:2]), "b": features[2]}
    for (s, z), a in m.zone_area.items():
        assert a == pytest.approx(shapely.area(shapely.intersection(sites[s], union[z])), rel=1e-9, abs=1e-6)


def test_raster_cells_clipped_and_tiled_equal_the_whole_computation(demo_ctx, monkeypatch):
    """Sites clipped to the raster's extent, cut into cell-aligned tiles and computed in chunks get the cells and
    fractions of one pass over the whole sites (cells beyond the raster dropped)."""
    from zoning.overlay import raster_stats
    layer = next(demo_ctx.layer(s)[0] for s in demo_ctx.manifest.layers if s.id == "slope")
    with layer.open() as ds:
        b = ds.bounds
        sites = list(_polygons(np.random.default_rng(3), 40))
        sites = [shapely.affinity.translate(g, b.left - 500_000 + 200, b.top - 3_100_000 - 200) for g in sites]
        sites += [shapely.box(b.left - 3000, b.bottom + 1000, b.left + 2500, b.bottom + 4000),      # half outside
                  shapely.Point(b.right, b.top).buffer(2000, quad_segs=32),                       # a quarter in
                  shapely.box(b.left + 7000, b.bottom + 7000, b.left + 12_000, b.bottom + 9000)]  # many tiles
        sites = np.array(sites, dtype=object)

        def cells(cov):
            return {
                (int(s), int(r), int(c)): f for s, r, c, f in zip(cov.site, cov.row, cov.col, cov.frac, strict=False)
            }

        whole = coverage(sites, ds.transform)
        inside = (whole.row >= 0) & (whole.row < ds.height) & (whole.col >= 0) & (whole.col < ds.width)
        want = {k: f for k, f, keep in zip(cells(whole), whole.frac, inside, strict=False) if keep}
        monkeypatch.setattr(raster_stats, "TILE", 16)
        monkeypatch.setattr(raster_stats, "CHUNK_CELLS", 3000)
        got = cells(raster_stats._coverage_within(sites, ds))
    assert set(got) == set(want)
    assert max(abs(got[k] - want[k]) for k in want) < 1e-9


def test_a_huge_site_is_refused_and_a_large_one_costs_what_it_covers(tmp_path):
    """A 2° square is refused as its row's error, naming the limit; a 0.4° square (1,750 km²) half beyond the
    demo rasters is computed in a process whose peak memory stays under 500 MB."""
    import json
    import subprocess
    zoning_cmd = [sys.executable, "-m", "zoning", "check", "--category", "industrial", "--date", "2026-11-21"]
    two = "POLYGON((112.5 27.5, 114.5 27.5, 114.5 29.5, 112.5 29.5, 112.5 27.5))"
    p = subprocess.run(zoning_cmd + ["--wkt", two], capture_output=True, text=True, timeout=120)
    assert p.returncode == 2 and "2,000 km²" in p.stderr and "Traceback" not in p.stderr
    big = "POLYGON((112.6 27.6, 113.0 27.6, 113.0 28.0, 112.6 28.0, 112.6 27.6))"
    # the child reports its own peak: VmHWM of its memory map (ru_maxrss would carry the forking parent's peak)
    probe = ("import runpy, sys\n"
             "sys.argv = ['zoning'] + sys.argv[1:]\n"
             "try:\n    runpy.run_module('zoning', run_name='__main__')\n"
             "finally:\n    hwm = [l for l in open('/proc/self/status') if l.startswith('VmHWM')][0].split()[1]\n"
             "    print('PEAK', hwm, file=sys.stderr)\n")
    p = subprocess.run([sys.executable, "-c", probe] + zoning_cmd[3:] + ["--wkt", big, "--format", "json"],
                       capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    peak_mb = int(p.stderr.split("PEAK")[-1]) / 1024
    result = json.loads(p.stdout)
    assert {layer["id"]: layer["status"] for layer in result["layers"]}["slope"] == "not_checked"   # half beyond
    assert any(f["layer"] == "slope" and f["type"] == "raster_stats" for f in result["findings"])
    assert peak_mb < 500, peak_mb
