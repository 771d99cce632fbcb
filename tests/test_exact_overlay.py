"""Exact means exact: zones with holes, islands and shared edges, stored in another CRS, subdivided or not, from a
fresh build, the prepared store or a window of it, give the overlap of a direct intersection with the zone's union."""
from __future__ import annotations

import json

import numpy as np
import pytest
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from shapely.geometry import MultiPolygon, Polygon, box

import zoning
from conftest import write_layer, write_manifest
from zoning.geometry.project import reproject
from zoning.layers import load_manifest
from zoning.overlay import prepared
from zoning.overlay.prepared import load_layer
from zoning.layers.loader import read_source
from zoning.overlay import index as ix
from zoning.overlay import window as window_module
from zoning.overlay.measure import measure
from zoning.rules import load_catalogue

GK = "EPSG:4547"
X0, Y0 = 444_000.0, 3_104_000.0


def _zone_layer(holes_n: int, fill: list[int], second_w: float, shift: float):
    """An integrated zone of two parts (the second sharing an edge with a third feature, a core zone) whose
    first part has a grid of holes, some filled by core islands; hole edges lie on the halving lines of the
    subdivision, a hair off once stored in another CRS."""
    w = 12_000.0
    step = w / holes_n
    holes = [box(X0 + i * step + step / 4 + shift, Y0 + j * step + step / 2, X0 + i * step + step * 3 / 4 + shift,
                 Y0 + j * step + step * 0.9) for i in range(holes_n) for j in range(holes_n)]
    first = Polygon(box(X0, Y0, X0 + w, Y0 + w).exterior.coords, [h.exterior.coords for h in holes])
    second = box(X0 + w + 1000, Y0, X0 + w + 1000 + second_w, Y0 + 5000)
    rows = [{"GNFQ": "融合发展区", "MC": "融合", "geometry": MultiPolygon([first, second])}]
    rows += [{"GNFQ": "核心保护区", "MC": f"核心岛{k}", "geometry": holes[k % len(holes)]} for k in fill]
    rows.append({"GNFQ": "核心保护区", "MC": "核心邻", "geometry": box(X0 + w + 1000 + second_w, Y0,
                                                                 X0 + w + 3000 + second_w, Y0 + 5000)})
    return rows


def _write(tmp_path, rows, crs, driver="GPKG"):
    stored = [dict(r, geometry=reproject(r["geometry"], GK, crs)) for r in rows]
    if crs == "EPSG:4526":     # zone-prefixed GK: reproject gives the prefix already
        assert stored[0]["geometry"].bounds[0] > 38_000_000
    path = write_layer(tmp_path, "gh", stored, crs=crs, driver=driver)
    return write_manifest(tmp_path, [dict(id="gh", kind="green_heart", rule_set="green_heart_2024",
                                          path=path.name, zone_field="GNFQ", name_field="MC",
                                          coverage="unbounded")])


def _layer(manifest):
    prepared._LOADED.clear()
    spec = load_manifest(manifest).layers[0]
    return load_layer(spec, load_catalogue().rule_set(spec.rule_set))


def _built(manifest):
    """Built in memory from the source, as `prepare` builds it before writing the store."""
    spec = load_manifest(manifest).layers[0]
    rs = load_catalogue().rule_set(spec.rule_set)
    return ix.IndexedLayer.build(read_source(spec, rs), 4547)


def _sites(rng, n):
    out = []
    for _ in range(n):
        x, y = X0 - 500 + rng.uniform(0, 17_000), Y0 - 500 + rng.uniform(0, 13_000)
        if rng.random() < 0.5:
            out.append(box(x, y, x + rng.uniform(5, 2500), y + rng.uniform(5, 2500)))
        else:
            out.append(shapely.Point(x, y).buffer(rng.uniform(5, 1500), quad_segs=8))
    return np.array(out, dtype=object)


def _zone_overlaps(ixl, sites):
    m = measure(sites, shapely.area(sites), shapely.length(sites), ixl, tolerance=0.0, nearest=False)
    return m.zone_area


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(holes_n=st.integers(2, 5), fill=st.lists(st.integers(0, 24), max_size=3, unique=True),
       second_w=st.sampled_from([1000.0, 2000.0, 2500.0]), shift=st.sampled_from([0.0, 250.0, 1e-7]),
       crs=st.sampled_from(["EPSG:4326", "EPSG:4526", "EPSG:4490"]), seed=st.integers(0, 2 ** 16),
       max_vertices=st.sampled_from([8, 16, 10 ** 9]))
def test_zone_overlaps_equal_direct_intersection(tmp_path_factory, monkeypatch, holes_n, fill, second_w, shift, crs,
                                                 seed, max_vertices):
    tmp = tmp_path_factory.mktemp("layer")
    monkeypatch.setenv("ZONING_CACHE", str(tmp / "cache"))
    monkeypatch.setattr(ix, "MAX_VERTICES", max_vertices)
    monkeypatch.setattr(window_module, "WINDOW_FROM_PARTS", 0)        # read by window, as official-size layers
    manifest = _write(tmp, _zone_layer(holes_n, fill, second_w, shift), crs)
    built = _built(manifest)                       # built and verified in memory
    layer = _layer(manifest)                       # built, verified and written to its prepared store
    assert list((tmp / "cache" / "stores").glob("gh-*-4547.gpkg"))
    cached = _layer(manifest).indexed(4547)        # the whole store read back in another "process"
    assert len(cached.parts) == len(built.parts)
    zones = built.layer.zones
    union = {z: shapely.union_all(built.features[zones == z]) for z in np.unique(zones)}
    for z, u in union.items():        # the parts of each zone add up to its union
        assert shapely.area(built.parts[built.part_zone == z]).sum() == pytest.approx(u.area, rel=1e-9)
    sites = _sites(np.random.default_rng(seed), 40)
    windowed = layer.window(4547, sites, grow=0.0, nearest=False)    # only what the sites need
    assert len(windowed.parts) <= len(built.parts)
    for got in (_zone_overlaps(built, sites), _zone_overlaps(cached, sites), _zone_overlaps(windowed, sites)):
        for i, s in enumerate(sites):
            for z, u in union.items():
                want = shapely.area(shapely.intersection(s, u))
                assert got.get((i, z), 0.0) == pytest.approx(want, rel=1e-6, abs=1e-3), (i, z)


def test_a_site_inside_the_integrated_zone_of_a_reprojected_layer_is_prohibited(tmp_path, monkeypatch):
    """The issue's case: FlatGeobuf in EPSG:4326, an integrated MultiPolygon with holes and a core island."""
    monkeypatch.setenv("ZONING_CACHE", str(tmp_path / "cache"))
    manifest = _write(tmp_path, _zone_layer(5, [7], 2000.0, 0.0), "EPSG:4326", driver="FlatGeobuf")
    run = lambda geom, category="industrial": zoning.check(geom, category=category, layers=manifest,  # noqa: E731
                                                             crs=GK, date="2025-06-01")
    inside = box(X0 + 6500, Y0 + 7000, X0 + 7500, Y0 + 7100)            # between two hole rows
    r = run(inside)
    assert r.verdict == "prohibited"
    (f,) = [f for f in r.findings if f.type == "overlap"]
    assert f.zone == "integrated" and f.overlap_m2 == pytest.approx(100_000, rel=1e-6)
    island = _zone_layer(5, [7], 2000.0, 0.0)[1]["geometry"]           # the core island filling hole 7
    r = run(island.buffer(-50))
    assert {f.zone for f in r.findings if f.type == "overlap"} == {"core"}
    edge = shapely.Point(island.bounds[0], island.centroid.y).buffer(100, quad_segs=64)   # half core, half integrated
    r = run(edge, "tourism_leisure")
    areas = {f.zone: f.overlap_m2 for f in r.findings if f.type in ("overlap", "boundary_contact")}
    assert areas["integrated"] == pytest.approx(edge.area / 2, rel=1e-4)
    assert areas["core"] == pytest.approx(edge.area / 2, rel=1e-4)


def test_parts_that_do_not_tile_their_feature_fail_the_layer(tmp_path, monkeypatch):
    """A layer whose parts fail the check is `failed` with a message, never used; a corrupt cache is rebuilt."""
    monkeypatch.setenv("ZONING_CACHE", str(tmp_path / "cache"))
    manifest = _write(tmp_path, _zone_layer(3, [], 1000.0, 0.0), "EPSG:4490")
    site = box(X0 + 100, Y0 + 100, X0 + 200, Y0 + 200)

    def lossy(geom, boxes):         # a clip that drops area, as the unchecked fast clip could
        return [polygonal_scaled(shapely.clip_by_rect(geom, *b)) for b in boxes]

    def polygonal_scaled(g):
        return shapely.affinity.scale(g, 0.99, 0.99) if not g.is_empty else g
    import shapely.affinity
    monkeypatch.setattr(ix, "MAX_VERTICES", 8)
    monkeypatch.setattr(ix, "_halves", lossy)
    prepared._LOADED.clear()
    r = zoning.check(site, category="industrial", layers=manifest, crs=GK, date="2025-06-01")
    (layer,) = r.layers
    assert layer.status == "failed" and "subdivided parts" in layer.error and not r.complete
    assert not list((tmp_path / "cache" / "stores").glob("*.gpkg"))     # nothing broken is kept
    monkeypatch.undo()
    monkeypatch.setenv("ZONING_CACHE", str(tmp_path / "cache"))
    prepared._LOADED.clear()
    r = zoning.check(site, category="industrial", layers=manifest, crs=GK, date="2025-06-01")
    assert r.layers[0].status == "hit" and r.verdict == "prohibited"
    (cache,) = (tmp_path / "cache" / "stores").glob("*.gpkg")
    cache.write_bytes(cache.read_bytes()[: cache.stat().st_size // 2])     # truncated
    prepared._LOADED.clear()
    r = zoning.check(site, category="industrial", layers=manifest, crs=GK, date="2025-06-01")
    assert r.layers[0].status == "hit" and r.verdict == "prohibited"
    assert json.loads(json.dumps(r.to_dict()))["verdict"] == "prohibited"
