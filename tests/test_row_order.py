"""Every feature is judged on its own geometry: verdicts and findings do not depend on the order of a layer's rows,
and a site severing the second of two overlapping corridors is judged on the second."""
from __future__ import annotations

import sys
import tomllib

import geopandas as gpd
import numpy as np
import pytest
import shapely

import zoning
from conftest import REPO, sq, write_layer, write_manifest
from zoning.api import make_context
from zoning.engine import run
from zoning.geometry.normalise import normalise_batch
from zoning.inputs import SiteInput

sys.path.insert(0, str(REPO / "seeds"))
from random_sites import random_sites  # noqa: E402

GK = "EPSG:4547"
# a tourism strip inside 湘江生态廊道 that cuts 坪塘-昭山-石燕湖-云峰湖 东西向森林带 in two (issue #23)
STRIP = shapely.from_wkt("POLYGON ((112.95740553721731 28.00077555034077, 112.95692447056145 28.000854340128075, "
                         "112.95236966007774 27.978941041837114, 112.95285063166088 27.97886226519672, "
                         "112.95740553721731 28.00077555034077))")


def _permuted_manifest(tmp_path, seed: int):
    """The demo manifest with every vector layer's rows written in another order."""
    src = REPO / "layers" / "layers.toml"
    doc = tomllib.loads(src.read_text(encoding="utf-8"))
    rng = np.random.default_rng(seed)
    entries = []
    for e in doc["layers"]:
        e = dict(e)
        if e["kind"] == "raster_constraint":
            e["path"] = str(REPO / "layers" / e["path"])
        else:
            gdf = gpd.read_file(REPO / "layers" / e["path"], layer=e.get("table"))
            order = np.arange(len(gdf))[::-1] if seed == 0 else rng.permutation(len(gdf))
            gdf.iloc[order].to_file(tmp_path / f"{e['id']}.gpkg", layer=e.get("table") or e["id"], driver="GPKG")
            e["path"] = f"{e['id']}.gpkg"
        if isinstance(e.get("coverage"), str) and e["coverage"] != "unbounded":
            e["coverage"] = str(REPO / "layers" / e["coverage"])
        entries.append(e)
    return write_manifest(tmp_path, entries, title=doc["title"], demo=doc["demo"], notice=doc["notice"])


def _sites():
    polys, cats, majors = random_sites(150, seed=23)
    # strips across the corridors where they overlap each other, in several directions
    c = STRIP.centroid
    extra = [STRIP] + [shapely.affinity.rotate(STRIP, a, origin=c) for a in (30, 60, 90, 120)]
    extra += [shapely.affinity.translate(STRIP, dx, dy) for dx, dy in ((0.01, 0), (-0.01, 0.005), (0.02, -0.01))]
    polys = np.r_[polys, np.array(extra, dtype=object)]
    cats = np.r_[cats, ["tourism_leisure"] * len(extra)]
    majors = np.r_[majors, [False] * len(extra)]
    return polys, cats, majors


def _signature(ctx, polys, cats, majors):
    batch = normalise_batch([SiteInput(geometry=p, crs="EPSG:4490", source="t") for p in polys])
    out = run(batch, list(cats), list(majors), ctx)
    sig = []
    for i in range(len(polys)):
        o = out.site(i)
        rows = sorted((f.layer, f.type, f.zone or "", f.feature, round(f.overlap_m2, 3),
                       None if f.distance_m is None else round(f.distance_m, 3), f.verdict, f.drives_verdict,
                       f.rule, tuple(sorted((c["feature"], c["severs"], c["narrows_below_min_width"],
                                             c["residual_width_m"]) for c in f.corridor)),
                       tuple(sorted((x["name"], round(x["overlap_m2"], 3)) for x in f.features)))
                      for f in o.findings)
        sig.append((o.verdict, o.complete, tuple(r.status for r in o.layers), tuple(rows)))
    return sig


import shapely.affinity  # noqa: E402


@pytest.mark.parametrize("seed", [0, 1])
def test_findings_do_not_depend_on_the_order_of_layer_rows(tmp_path, seed, monkeypatch):
    monkeypatch.setenv("ZONING_CACHE", str(tmp_path / "cache"))
    polys, cats, majors = _sites()
    want = _signature(make_context(date="2026-11-21"), polys, cats, majors)
    got = _signature(make_context(layers=_permuted_manifest(tmp_path, seed), date="2026-11-21"), polys, cats, majors)
    assert len(want) == len(got)
    for i, (a, b) in enumerate(zip(want, got, strict=False)):
        assert a == b, i
    assert want[150][0] == "prohibited"          # the strip severs the east-west forest belt


def test_a_site_severing_the_second_of_two_overlapping_corridors(tmp_path, monkeypatch):
    """Corridor A (first row) and corridor B (second) share ground; a tourism strip inside A cuts B in two."""
    monkeypatch.setenv("ZONING_CACHE", str(tmp_path / "cache"))
    a = sq(0, -2000, 400, 6000)                  # north-south, 400 m wide
    b = sq(-2000, 0, 4400, 300)                  # east-west, 300 m wide, crosses A
    for order in ((a, b), (b, a)):
        write_layer(tmp_path, "cor", [{"名称": n, "宽度": 100, "geometry": g}
                                      for n, g in zip(("A" if order[0] is a else "B", "B" if order[0] is a else "A"),
                                                      order, strict=False)])
        manifest = write_manifest(tmp_path, [dict(id="cor", kind="corridor", rule_set="corridor_2018",
                                                  path="cor.gpkg", name_field="名称", width_field="宽度",
                                                  coverage="unbounded")])
        strip = sq(150, -100, 100, 500)            # inside A, across B's whole width
        r = zoning.check(strip, category="tourism_leisure", layers=manifest, crs=GK, date="2026-11-21")
        assert r.verdict == "prohibited", order
        (f,) = [f for f in r.findings if f.type == "overlap"]
        effects = {c["feature"]: c for c in f.corridor}
        assert effects["B"]["severs"] and not effects["A"]["severs"]
        assert f.overlap_m2 == pytest.approx(50_000, rel=1e-9)          # the union, not A + B
        assert {x["name"]: x["overlap_m2"] for x in f.features} == {"A": 50_000.0, "B": 30_000.0}
        # a site beside B, over the ground A and B share, is not "near" a corridor it overlaps
        r = zoning.check(sq(50, 50, 100, 100), category="tourism_leisure", layers=manifest, crs=GK,
                         date="2026-11-21")
        assert not [f for f in r.findings if f.type == "adjacency"]
