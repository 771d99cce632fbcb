"""Suitability raster against full vector checks of tiny sites at >= 1,000 cell centres; the suggestion for a
prohibited sample site verified by a full check of the suggested footprint."""
from __future__ import annotations

import json

import numpy as np
import pytest
import rasterio
import shapely

import zoning
from conftest import REPO
from zoning.api import make_context
from zoning.suitability import LEVEL, build

DATE = "2026-11-21"
EXTENT = (398_000.0, 3_088_000.0, 410_000.0, 3_100_000.0)   # 12 km around 昭山 and 石燕湖, EPSG:4547


@pytest.fixture(scope="module")
def ctx():
    return make_context(date=DATE)


@pytest.mark.parametrize("category", ["commercial", "eco_restoration"])
def test_suitability_agrees_with_full_checks(ctx, tmp_path, category):
    info = build(ctx, category, tmp_path / f"s_{category}.tif", cell=40.0, extent=EXTENT)
    with rasterio.open(info["tif"]) as ds:
        grid = ds.read(1)
        assert ds.crs.to_epsg() == 4547 and ds.profile["tiled"] and ds.overviews(1) == [2, 4, 8, 16]
        assert ds.profile["compress"] == "deflate"
        rng = np.random.default_rng(1)
        rows = rng.integers(0, ds.height, 1000)
        cols = rng.integers(0, ds.width, 1000)
        xs, ys = rasterio.transform.xy(ds.transform, rows, cols)
    # a 0.2 m site at each cell centre, on its south-east side: when a centre falls exactly on a raster cell edge,
    # the suitability samples the cell to the south-east (rasterio's rowcol floors), and so does this site
    sites = [shapely.box(x, y - 0.2, x + 0.2, y) for x, y in zip(xs, ys, strict=False)]
    levels = grid[rows, cols]
    disagree = []
    for site, level in zip(sites, levels, strict=False):
        r = zoning.check(site, category=category, crs="EPSG:4547", context=ctx, tolerance_m=0.0)
        if LEVEL[r.verdict] != level:
            disagree.append((site.centroid.wkt, r.verdict, int(level)))
    assert disagree == []
    assert set(np.unique(levels)) >= ({3, 2} if category == "commercial" else {2})
    assert json.loads((tmp_path / f"s_{category}.json").read_text())["bounds"][0][0] > 27
    assert (tmp_path / f"s_{category}.png").read_bytes().startswith(b"\x89PNG")


def test_suggestion_is_verified_by_a_full_check(ctx):
    from zoning.suggest import suggest
    r = zoning.check(REPO / "seeds" / "sites" / "zhaoshan_hotel.geojson", context=ctx)
    assert r.verdict == "prohibited"
    sg = suggest(r, ctx, radius_m=3000)
    assert sg["found"] and 0 < sg["distance_m"] <= 3000 and sg["verdict"] in ("conditional", "permitted")
    moved = shapely.geometry.shape(sg["geometry"])
    again = zoning.check(moved, category=r.site["category"], context=ctx)
    assert again.verdict == sg["verdict"] and again.verdict != "prohibited"
    assert again.site["area_m2"] == pytest.approx(r.site["area_m2"], rel=1e-3)     # same footprint, translated
    r.suggestion = sg
    assert r.to_dict()["suggestion"]["direction"] == sg["direction"]


def test_cli_suggest_and_suitability(tmp_path):
    from click.testing import CliRunner
    from zoning.cli import main
    site = REPO / "seeds" / "sites" / "zhaoshan_hotel.geojson"
    r = CliRunner().invoke(main, ["check", str(site), "--date", DATE, "--suggest", "--suggest-radius", "2000",
                                  "--map", str(tmp_path / "m.html"),
                                  "--report", str(tmp_path / "r.html"), "--format", "json"])
    assert r.exit_code == 0, r.output
    d = json.loads(r.output[r.output.index("{"):r.output.rindex("}") + 1])
    assert d["suggestion"]["found"] and "zoning-suggestion" in (tmp_path / "m.html").read_text(encoding="utf-8")
    assert 'id="suggestion"' in (tmp_path / "r.html").read_text(encoding="utf-8")
    r = CliRunner().invoke(main, ["suitability", "-c", "工业", "--date", DATE, "--cell", "100", "--extent",
                                  ",".join(map(str, EXTENT)), "--out", str(tmp_path / "s.tif")])
    assert r.exit_code == 0, r.output
    assert (tmp_path / "s.tif").exists()


def test_overlay_on_atlas_and_site_map(ctx, tmp_path):
    from zoning.render.atlas import build_atlas
    from zoning.render.site_map import build_site_map, map_html
    info = build(ctx, "commercial", tmp_path / "s.tif", cell=100.0, extent=EXTENT)
    r = zoning.check(REPO / "seeds" / "sites" / "zhaoshan_hotel.geojson", context=ctx)
    for text in (
        map_html(build_site_map(r, ctx, overlay=info["png"])),
        map_html(build_atlas(ctx, overlay=info["png"])),
    ):
        assert "L.imageOverlay" in text and "data:image/png;base64," in text and "zoning-overlay" in text


def test_suitability_reads_rasters_by_window(ctx, tmp_path, raster_reads):
    reads = raster_reads
    build(ctx, "commercial", tmp_path / "w.tif", cell=100.0, extent=EXTENT)
    assert reads and all(w is not None and w.height < 1640 for w in reads)


def test_the_static_map_shows_the_suggestion_beside_the_site(ctx):
    from matplotlib.figure import Figure

    from zoning.geometry.project import reproject
    from zoning.render.static_map import draw_site_map
    from zoning.render.style import load_style
    from zoning.suggest import suggest
    r = zoning.check(REPO / "seeds" / "sites" / "zhaoshan_hotel.geojson", context=ctx)
    r.suggestion = suggest(r, ctx, radius_m=3000)
    ax = Figure().add_subplot()
    handles, _ = draw_site_map(ax, r, ctx, load_style())
    assert any(h.get_label().startswith("建议选址 Suggested") for h in handles)
    epsg = int(r.analysis_crs.split()[0].split(":")[1])
    x0, x1, y0, y1 = *ax.get_xlim(), *ax.get_ylim()
    for geom in (r.site_geometry, shapely.geometry.shape(r.suggestion["geometry"])):
        b = reproject(geom, "EPSG:4490", f"EPSG:{epsg}").bounds       # both wholly in the view
        assert x0 <= b[0] and b[2] <= x1 and y0 <= b[1] and b[3] <= y1
