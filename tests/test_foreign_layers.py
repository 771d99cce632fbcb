"""Layers the tool has never seen: other field names, CRSs, encodings and formats."""
from __future__ import annotations

import pytest
from shapely.geometry import Polygon

import zoning
from conftest import GK, sq, write_layer, write_manifest
from zoning.geometry.project import reproject


def gh24_rows():
    return [{"GNFQ": "核心保护区", "MC": "昭山片区", "geometry": sq(0, 0, 1000)},
            {"GNFQ": "融合发展区", "MC": "暮云片区", "geometry": sq(1000, 0, 1000)}]


def entry(path, **kw):
    return dict(id="gh", kind="green_heart", rule_set="green_heart_2024", path=path, zone_field="GNFQ",
                name_field="MC", coverage="unbounded", **kw)


def check(manifest, x=100):
    return zoning.check(sq(x, 100, 100), category="commercial", layers=manifest, crs=GK, date="2026-01-01")


def only(result):
    (layer,) = result.layers
    return layer


@pytest.mark.parametrize("declare", [False, True])
def test_gbk_shapefile_without_cpg(tmp_path, declare):
    shp = write_layer(tmp_path, "gh", gh24_rows(), driver="ESRI Shapefile", encoding="GBK")
    shp.with_suffix(".cpg").unlink()
    raw = shp.with_suffix(".dbf").read_bytes()
    assert "核心保护区".encode("gbk") in raw          # really GBK on disk
    manifest = write_manifest(tmp_path, [entry("gh.shp", **({"encoding": "gbk"} if declare else {}))])
    r = check(manifest)
    assert only(r).status == "hit"
    f = next(f for f in r.findings if f.type == "overlap")
    assert f.zone == "core" and f.feature == "昭山片区"
    assert r.verdict == "prohibited"


def test_geojson_in_cgcs2000_geographic(tmp_path):
    rows = [dict(r, geometry=reproject(r["geometry"], GK, "EPSG:4490")) for r in gh24_rows()]
    path = write_layer(tmp_path, "gh", rows, crs="EPSG:4490", driver="GeoJSON")
    assert "4490" in path.read_text(encoding="utf-8")
    r = check(write_manifest(tmp_path, [entry("gh.geojson")]), x=1100)
    f = next(f for f in r.findings if f.type == "overlap")
    assert f.zone == "integrated" and f.verdict == "conditional"
    assert f.overlap_m2 == pytest.approx(10_000, rel=1e-4)     # projected back to GK: area preserved


def test_file_without_crs_needs_manifest_crs(tmp_path):
    shp = write_layer(tmp_path, "gh", gh24_rows(), driver="ESRI Shapefile", encoding="UTF-8")
    shp.with_suffix(".prj").unlink()
    r = check(write_manifest(tmp_path, [entry("gh.shp")]))
    assert only(r).status == "failed" and "no CRS" in only(r).error and not r.complete
    r = check(write_manifest(tmp_path, [entry("gh.shp", crs="EPSG:4547")]))
    assert only(r).status == "hit"


def test_unmapped_zone_value_fails_the_layer_with_what_to_fix(tmp_path):
    rows = gh24_rows() + [{"GNFQ": "生态缓冲区", "MC": "x", "geometry": sq(3000, 0, 10)}]
    write_layer(tmp_path, "gh", rows)
    r = check(write_manifest(tmp_path, [entry("gh.gpkg")]))
    err = only(r).error
    assert only(r).status == "failed"
    assert "生态缓冲区" in err and "GNFQ" in err and "zone_values" in err


def test_zone_values_mapping_and_missing_field(tmp_path):
    rows = [
        {"GNFQ": "A", "MC": "x", "geometry": sq(0, 0, 1000)},
        {"GNFQ": "B", "MC": "y", "geometry": sq(1000, 0, 1000)},
    ]
    write_layer(tmp_path, "gh", rows)
    r = check(write_manifest(tmp_path, [entry("gh.gpkg", zone_values={"A": "core", "B": "integrated"})]))
    assert next(f for f in r.findings if f.type == "overlap").zone == "core"
    bad = entry("gh.gpkg")
    bad["zone_field"] = "分区"
    r = check(write_manifest(tmp_path, [bad]))
    assert "分区" in only(r).error and "GNFQ" in only(r).error


def test_invalid_layer_polygon_is_repaired_and_reported(tmp_path):
    from zoning.layers import load_manifest
    from zoning.overlay.prepared import load_layer
    from zoning.layers.inspect import inspect_layer
    from zoning.rules import load_catalogue
    from conftest import X0, Y0
    bow = Polygon([(X0, Y0), (X0 + 100, Y0 + 100), (X0 + 100, Y0), (X0, Y0 + 100)])
    write_layer(tmp_path, "gh", [{"GNFQ": "核心保护区", "MC": "bow", "geometry": bow},
                                 {"GNFQ": "融合发展区", "MC": "over", "geometry": sq(50, 0, 200)}])
    m = load_manifest(write_manifest(tmp_path, [entry("gh.gpkg")]))
    info = inspect_layer(load_layer(m.layers[0], load_catalogue().rule_set("green_heart_2024")))
    assert len(info["invalid_geometries"]) == 1 and "Self-intersection" in info["invalid_geometries"][0]["reason"]
    assert len(info["overlaps"]) == 1 and info["overlaps"][0]["zones"] == ["core", "integrated"]
    assert info["overlaps"][0]["area_m2"] == pytest.approx(2500.0, abs=1)    # the bowtie's east lobe
