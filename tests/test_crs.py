"""CRS names people use, the analysis CRS choice, and the same site given in different CRSs."""
from __future__ import annotations

import pytest

import zoning
from conftest import GK, sq
from zoning.errors import InputError
from zoning.geometry.crs import analysis_epsg, parse_crs
from zoning.geometry.project import reproject


@pytest.mark.parametrize("name,epsg", [("cgcs2000", 4490), ("wgs84", 4326), ("xian80", 4610), ("beijing54", 4214),
                                       ("4547", 4547), ("EPSG:4490", 4490), ("cgcs2000-gk3:38", 4526),
                                       ("cgcs2000-gk3:114", 4547), ("xian80-gk3:38", 2362),
                                       ("beijing54-gk3:114", 2435), ("2000国家大地坐标系", 4490)])
def test_crs_names(name, epsg):
    assert parse_crs(name) == f"EPSG:{epsg}"


def test_offset_and_partial_names():
    from zoning.geometry.crs import GKSpec
    assert parse_crs("GCJ02") == "gcj02" and parse_crs("高德") == "gcj02" and parse_crs("bd09") == "bd09"
    assert parse_crs("xian80-gk3") == GKSpec("xian80", 3)
    assert parse_crs("cgcs2000-gk6:19") == "EPSG:4497" and parse_crs("cgcs2000-gk6:111") == "EPSG:4508"


@pytest.mark.parametrize("bad", ["cgcs2000-gk3:100", "cgcs2000-gk6:114", "EPSG:99999", "mars"])
def test_bad_crs_names(bad):
    with pytest.raises(InputError):
        parse_crs(bad)


@pytest.mark.parametrize("lon,epsg", [(113.05, 4547), (112.49, 4546), (112.51, 4547), (115.6, 4548), (75.0, 4534)])
def test_analysis_crs_is_the_gk_zone_of_the_longitude(lon, epsg):
    assert analysis_epsg(lon, 28.0) == epsg


def test_same_site_in_four_crss_gives_the_same_result(tiny):
    site = sq(900, 100, 200, 100)
    variants = [(site, GK), (reproject(site, GK, "EPSG:4490"), "cgcs2000"),
                (reproject(site, GK, "EPSG:4526"), "cgcs2000-gk3:38"), (reproject(site, GK, "EPSG:4490"), None)]
    results = [zoning.check(g, category="commercial", layers=tiny, crs=c, date="2026-01-01") for g, c in variants]
    for r in results:
        assert r.verdict == "prohibited"
        assert r.site["area_m2"] == pytest.approx(20000, rel=1e-6)
        core = next(f for f in r.findings if f.zone == "core")
        assert core.overlap_m2 == pytest.approx(10000, rel=1e-6)
    assert "taken as CGCS2000" in results[-1].warnings[0]
