"""Raster constraints on hand-built rasters with known answers: partial cells weighted by covered fraction,
nodata left out, Horn slope, thresholds from the rule files, layer status and verdicts."""
from __future__ import annotations

import numpy as np
import pytest
import rasterio
from rasterio.transform import from_origin

import zoning
from conftest import GK, X0, Y0, sq, write_layer, write_manifest

DATE = "2026-11-21"
CELL = 10.0


def write_raster(path, array, nodata):
    h, w = array.shape
    with rasterio.open(path, "w", driver="GTiff", width=w, height=h, count=1, dtype=array.dtype, crs=GK,
                       transform=from_origin(X0, Y0 + h * CELL, CELL, CELL), nodata=nodata) as ds:
        ds.write(array, 1)
    return path


@pytest.fixture
def raster_manifest(tmp_path):
    lc = np.full((20, 20), 3, dtype="uint8")
    lc[:, :10] = 1                              # forest on the west half
    lc[12, 3] = 0                               # one nodata cell: x 30-40, y 70-80
    write_raster(tmp_path / "lc.tif", lc, 0)
    xs = (np.arange(22) - 1) * CELL              # plane rising east at 0.5 m per m: atan(0.5) = 26.565 degrees
    dem = np.tile(0.5 * xs[1:-1], (20, 1)).astype("float32")
    write_raster(tmp_path / "dem.tif", dem, -9999.0)
    gentle = (dem * 0.8).astype("float32")       # atan(0.4) = 21.8 degrees
    write_raster(tmp_path / "gentle.tif", gentle, -9999.0)
    write_layer(tmp_path, "gh", [{"分区": "融合发展区", "geometry": sq(-500, -500, 2000)}])

    def manifest(dem_file="dem.tif"):
        return write_manifest(tmp_path, [
            dict(id="gh", kind="green_heart", rule_set="green_heart_2024", path="gh.gpkg", zone_field="分区",
                 coverage="unbounded"),
            dict(id="slope", kind="raster_constraint", rule_set="terrain_slope", path=dem_file, version="t"),
            dict(id="landcover", kind="raster_constraint", rule_set="landcover", path="lc.tif", version="t"),
        ])
    return manifest


def run(manifest, geom, category):
    return zoning.check(geom, category=category, layers=manifest, crs=GK, date=DATE)


def finding(r, layer, kind):
    return [f for f in r.findings if f.layer == layer and f.type == kind]


def test_class_areas_weight_partial_cells_and_leave_out_nodata(raster_manifest):
    r = run(raster_manifest(), sq(5, 50, 100, 100), "eco_restoration")
    (st,) = finding(r, "landcover", "raster_stats")
    areas = st.stats["class_area_m2"]
    # forest x 5-100 minus the nodata cell (100 m²); farmland x 100-105; half cells at both edges
    assert areas["forest"] == pytest.approx(9500 - 100, abs=1e-6)
    assert areas["farmland"] == pytest.approx(500, abs=1e-6)
    assert st.stats["nodata_m2"] == pytest.approx(100, abs=1e-6)
    assert st.stats["covered_share"] == pytest.approx(0.99)
    lc = next(lr for lr in r.layers if lr.id == "landcover")
    assert lc.status == "not_checked" and not r.complete      # nodata under the site: not silently clear


def test_forest_share_threshold_raises_the_verdict(raster_manifest):
    r = run(raster_manifest(), sq(0, 0, 90, 60), "commercial")        # wholly forest
    (hit,) = finding(r, "landcover", "raster")
    assert hit.rule == "RAS-LC-01" and hit.verdict == "conditional" and hit.drives_verdict
    assert hit.overlap_share == pytest.approx(1.0) and "林地" in hit.zone_name
    r = run(raster_manifest(), sq(110, 0, 80, 60), "commercial")      # farmland: below the threshold
    assert finding(r, "landcover", "raster") == []
    assert next(lr for lr in r.layers if lr.id == "landcover").status == "clear"


def test_horn_slope_and_threshold(raster_manifest):
    r = run(raster_manifest(), sq(50, 50, 60, 60), "commercial")     # conditional in the integrated zone
    (st,) = finding(r, "slope", "raster_stats")
    assert st.stats["mean_slope_deg"] == pytest.approx(26.565, abs=0.01)
    assert st.stats["max_slope_deg"] == pytest.approx(26.565, abs=0.01)
    assert st.stats["over_25_deg_share"] == pytest.approx(1.0)
    (hit,) = finding(r, "slope", "raster")
    assert hit.rule == "RAS-SLOPE-01" and hit.verdict == "prohibited" and r.verdict == "prohibited"
    eco = run(raster_manifest(), sq(50, 50, 60, 60), "eco_restoration")
    assert finding(eco, "slope", "raster") == []                     # restoration is not raised by slope
    gentle = run(raster_manifest("gentle.tif"), sq(50, 50, 60, 60), "commercial")
    assert finding(gentle, "slope", "raster") == [] and gentle.verdict == "conditional"
    assert finding(gentle, "slope", "raster_stats")[0].stats["mean_slope_deg"] == pytest.approx(21.801, abs=0.01)


def test_site_outside_the_raster_is_not_checked(raster_manifest):
    r = run(raster_manifest(), sq(1000, 1000, 50, 50), "industrial")
    status = {lr.id: lr.status for lr in r.layers}
    assert status["slope"] == "not_checked" and status["landcover"] == "not_checked" and not r.complete


def test_only_the_window_is_read(raster_manifest, raster_reads):
    reads = raster_reads
    run(raster_manifest(), sq(50, 50, 20, 20), "industrial")
    assert reads and all(w is not None and w.width <= 6 and w.height <= 6 for w in reads)
