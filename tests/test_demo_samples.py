"""The ~20 named sample projects against the demo layers, on a fixed date under the 2024 regime."""
from __future__ import annotations

import json

import pytest

import zoning
from conftest import REPO

SITES = sorted((REPO / "seeds" / "sites").glob("*.geojson"))
DATE = "2026-11-21"
# the demo DEM and land cover cover 112.78-113.32 E, 27.73-28.17 N: sites beyond are not checked for them
OUTSIDE_RASTERS = {"guangzhou_office_outside", "liuyang_pumped_storage", "shaoshan_quarry", "yuelushan_pavilion"}


def props(path):
    return json.loads(path.read_text(encoding="utf-8"))["features"][0]["properties"]


@pytest.fixture(scope="module")
def results():
    return {p.stem: zoning.check(p, date=DATE) for p in SITES}


def test_there_are_about_twenty_samples_over_many_categories():
    assert len(SITES) >= 18
    assert len({props(p)["category"] for p in SITES}) >= 12


@pytest.mark.parametrize("path", SITES, ids=[p.stem for p in SITES])
def test_sample_verdict(results, path):
    r, expected = results[path.stem], props(path)["expected"]
    if expected == "incomplete":
        assert not r.complete and r.verdict == "permitted"
    else:
        assert r.verdict == expected
        assert r.complete == (path.stem not in OUTSIDE_RASTERS)
    if path.stem in OUTSIDE_RASTERS:
        assert {lr.id: lr.status for lr in r.layers}["slope"] == "not_checked"
    assert r.manifest["demo"] and "演示数据" in r.manifest["notice"]


def find(r, layer, kind="overlap"):
    return [f for f in r.findings if f.layer == layer and f.type == kind]


def test_boundary_touch_is_a_contact_not_a_hit(results):
    r = results["tongsheng_housing_touch"]
    contact = [f for f in find(r, "green_heart_2024", "boundary_contact") if f.zone == "core"]
    assert contact and not contact[0].drives_verdict and 0 < contact[0].overlap_m2 < 100
    assert r.verdict == "conditional"


def test_trail_severs_the_forest_belt(results):
    f = find(results["zhaoshan_shiyanhu_trail"], "corridors")[0]
    assert f.corridor[0]["severs"] and f.verdict == "prohibited" and f.rule.startswith("COR2018")


def test_road_crossing_stays_conditional_with_wildlife_passage(results):
    f = find(results["tiaoma_baijia_road"], "corridors")[0]
    assert f.corridor[0]["severs"] and f.verdict == "conditional"
    assert "生物通道" in f.conditions or "wildlife" in f.conditions_en.lower()


def test_far_away_site_is_not_checked_for_bounded_layers(results):
    r = results["guangzhou_office_outside"]
    status = {lr.id: lr.status for lr in r.layers}
    assert status["red_line"] == "not_checked" and status["corridors"] == "not_checked"
    assert status["green_heart_2024"] == "clear"
    assert len(r.incomplete_reasons) == 4          # red line, corridors, slope and land cover


def test_clear_site_lists_nearest_zones(results):
    r = results["xiangtan_concrete_plant"]
    near = {f.layer: f.distance_m for f in r.findings if f.type == "nearest"}
    assert {lr.id: lr.status for lr in r.layers}["slope"] == "clear"
    assert set(near) == {"red_line", "green_heart_2013", "green_heart_2024", "corridors"}
    assert all(d > 1000 for d in near.values())


def test_bowtie_site_repaired_with_warning(results):
    assert any("make_valid" in w for w in results["muyun_waste_station_bowtie"].warnings)


def test_nature_reserve_core_and_national_major(results):
    zones = {f.zone: f.verdict for f in find(results["shiyanhu_tea_plantation"], "red_line")}
    assert zones["nature_reserve_core"] == "prohibited" and zones["red_line"] == "conditional"
    f = find(results["liuyang_pumped_storage"], "red_line")[0]
    assert f.rule.endswith("-NM") and f.verdict == "conditional"


def test_superseded_2013_layer_reported_but_not_driving(results):
    r = results["tiaoma_campsite"]
    gh13 = find(r, "green_heart_2013")
    assert {f.zone for f in gh13} == {"prohibited", "restricted"}
    assert not any(f.drives_verdict for f in gh13)
    assert next(lr for lr in r.layers if lr.id == "green_heart_2013").status == "not_in_force"
    old = zoning.check(REPO / "seeds" / "sites" / "tiaoma_campsite.geojson", date="2020-01-01")
    assert old.verdict == "prohibited"     # tourism was not admitted in the 2013 禁止开发区


def test_steep_forested_hotel_site_gets_raster_findings(results):
    r = results["zhaoshan_hotel"]
    rules = {f.rule: f for f in r.findings if f.type == "raster"}
    assert rules["RAS-SLOPE-01"].verdict == "prohibited" and rules["RAS-SLOPE-01"].overlap_share >= 0.10
    assert rules["RAS-LC-01"].verdict == "conditional"
    stats = next(f for f in r.findings if f.type == "raster_stats" and f.layer == "slope").stats
    assert stats["max_slope_deg"] > 25 and 0 < stats["mean_slope_deg"] < stats["max_slope_deg"]
