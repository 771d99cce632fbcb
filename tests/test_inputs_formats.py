"""Every input format yields the canonical site: area within 0.01 %, Hausdorff distance under 0.5 m (GCJ/BD 1 m)."""
from __future__ import annotations

import pytest
import shapely

import zoning
from fixtures import CANONICAL_GK, GK, make_all
from zoning.geometry.project import reproject

DATE = "2026-11-21"


@pytest.fixture(scope="module")
def formats(tmp_path_factory):
    return make_all(tmp_path_factory.mktemp("formats"))


NAMES = ["geojson", "gpkg", "shp_file", "shp_folder", "shp_zip", "kml", "kmz", "geoparquet", "flatgeobuf",
         "csv_wkt_utf8_bom", "csv_wkt_gbk_gk", "xlsx_wkt", "jzd_gbk_crlf_prefixed", "jzd_utf8bom_lf_zone_header",
         "jzd_two_parcels", "dxf_polylines", "dxf_hatch", "gcj02", "bd09", "swapped_xy", "latlon_swapped"]


@pytest.mark.parametrize("name", NAMES)
def test_format_yields_the_canonical_site(formats, name):
    path, kw, tol = formats[name]
    r = zoning.check(path, category="public_facility", date=DATE, **kw)
    got = _site_gk(r)
    assert got.area == pytest.approx(CANONICAL_GK.area, rel=1e-4), name
    assert shapely.hausdorff_distance(got, CANONICAL_GK) < tol, name
    assert r.verdict in ("prohibited", "conditional", "permitted")


def _site_gk(result):
    return reproject(result.site_geometry, "EPSG:4490", GK)


def test_attributes_come_from_the_file(formats):
    path, kw, _ = formats["gpkg"]
    r = zoning.check(path, date=DATE)               # category from the 项目类型 column: 公共设施 -> public_facility
    assert r.site["category"] == "public_facility"
    assert r.site["id"] == "XM-2026-001" and r.site["name"] == "昭山生态停车场"


@pytest.mark.parametrize("name", ["shp_file", "shp_folder", "shp_zip"])
def test_gbk_attributes_of_shapefile_without_cpg(formats, name):
    path, kw, _ = formats[name]
    r = zoning.check(path, date=DATE)
    assert r.site["name"] == "昭山生态停车场" and r.site["category"] == "public_facility"


def test_swaps_and_offsets_are_reported(formats):
    for name, needle in (("swapped_xy", "swapped"), ("latlon_swapped", "swapped"), ("gcj02", "GCJ-02"),
                         ("bd09", "BD-09"), ("kml", "GCJ-02")):
        path, kw, _ = formats[name]
        r = zoning.check(path, category="public_facility", date=DATE, **kw)
        assert any(needle in w for w in r.warnings), (name, r.warnings)


def test_gcj02_site_taken_as_wgs84_would_be_660_m_off(formats):
    path, kw, _ = formats["gcj02"]
    wrong = zoning.check(path, category="public_facility", date=DATE, crs="wgs84")
    d = shapely.hausdorff_distance(_site_gk(wrong), CANONICAL_GK)
    assert 600 < d < 700


def test_point_with_radius_from_csv_lon_lat(tmp_path):
    p = tmp_path / "points.csv"
    p.write_text("编号,项目名称,经度,纬度\nA1,测站,113°02′24″,27.95\nA2,测站2,113.1,27.9\n", encoding="gbk")
    r = zoning.check(p, category="research_monitoring", radius_m=50, site_id="A1", date=DATE)
    assert r.site["area_m2"] == pytest.approx(shapely.Point(0, 0).buffer(50, quad_segs=16).area, rel=1e-6)
    assert "50 m" in r.site["footprint"]
    lon = r.site["bounds_lonlat"][0] + (r.site["bounds_lonlat"][2] - r.site["bounds_lonlat"][0]) / 2
    assert lon == pytest.approx(113.04, abs=1e-6)


def test_dxf_line_with_width(tmp_path):
    import ezdxf
    doc = ezdxf.new()
    doc.modelspace().add_lwpolyline([(402000, 3093000), (402000, 3094000)], dxfattribs={"layer": "道路中线"})
    doc.saveas(tmp_path / "road.dxf")
    r = zoning.check(tmp_path / "road.dxf", category="linear_infrastructure", crs="cgcs2000-gk3:114", width_m=20,
                     date=DATE)
    assert r.site["area_m2"] == pytest.approx(20_000, rel=1e-6) and "20 m" in r.site["footprint"]
