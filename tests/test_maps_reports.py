"""Per-site map, report and atlas: content, styling from maps/style.toml, escaping, basemaps, size."""
from __future__ import annotations

import re

from click.testing import CliRunner

import zoning
from conftest import DEMO_DATE as DATE, EVIL, REPO, ROAD
from zoning.cli import main
from zoning.render.atlas import build_atlas
from zoning.render.report import report_html
from zoning.render.site_map import build_site_map, map_html


def test_site_map_has_every_layer_legend_controls_and_popups(demo_ctx, road):
    text = map_html(build_site_map(road, demo_ctx))
    for spec in demo_ctx.manifest.layers:
        if not spec.is_raster:
            assert spec.id in text
    assert 'id="zoning-legend"' in text and "核心保护区 Core protection zone (2024)" in text
    for control in ("L.control.measure", "L.control.fullscreen", "L.Control.MiniMap", "L.Control.MousePosition",
                    "L.control.scale"):
        assert control.lower() in text.lower(), control
    assert "zoning-overlap" in text and "zoning-site" in text and "zoning-zone" in text
    assert "演示数据" in text
    assert not re.search(r'<script[^>]+src="https?://', text)       # self-contained


def test_superseded_layer_present_but_switched_off(demo_ctx, road):
    m = build_site_map(road, demo_ctx)
    groups = {c.layer_name: c for c in m._children.values() if type(c).__name__ == "FeatureGroup"}
    gh13 = next(g for name, g in groups.items() if name.startswith("green_heart_2013"))
    gh24 = next(g for name, g in groups.items() if name.startswith("green_heart_2024"))
    assert gh13.show is False and gh24.show is True


def test_style_file_drives_colours(demo_ctx, road, tmp_path):
    style = (REPO / "maps" / "style.toml").read_text(encoding="utf-8").replace('fill = "#238b45"', 'fill = "#123456"')
    (tmp_path / "s.toml").write_text(style, encoding="utf-8")
    text = map_html(build_site_map(road, demo_ctx, style_path=str(tmp_path / "s.toml")))
    assert "#123456" in text


def test_amap_basemap_shifts_overlays_for_display_only(demo_ctx, road):
    plain = map_html(build_site_map(road, demo_ctx))
    amap = map_html(build_site_map(road, demo_ctx, basemap="amap"))
    assert "autonavi" in amap and "GCJ-02" in amap and "openstreetmap" not in amap.lower().split("attribution")[0]
    lon = float(re.search(r'"coordinates": \[\[\[(113\.\d+)', plain).group(1))     # the same first vertex
    lon_shifted = float(re.search(r'"coordinates": \[\[\[(113\.\d+)', amap).group(1))
    assert 0.004 < lon_shifted - lon < 0.007
    assert road.site["bounds_lonlat"][0] < 113.2     # the analysis result itself is unshifted


def test_tianditu_with_key(demo_ctx, road):
    text = map_html(build_site_map(road, demo_ctx, tianditu_key="KEY123"))
    assert "tianditu.gov.cn" in text and "tk=KEY123" in text and "cva" in text


def test_report_html_content(demo_ctx, road):
    text = report_html(road, demo_ctx, map_html=map_html(build_site_map(road, demo_ctx)))
    assert 'id="verdict-banner"' in text and "有条件 CONDITIONAL" in text
    assert text.index("verdict-banner") < text.index("项目 Site")
    for f in road.findings:
        if f.drives_verdict:
            assert f.rule in text
    assert "data:image/png;base64," in text and 'id="interactive-map"' in text
    assert "sha-256" in text.lower() and "demo-2026.11" in text and road.site["geometry_sha256"] in text
    assert "不构成行政许可" in text and "演示数据" in text


def test_report_lists_layers_not_checked_at_the_top(demo_ctx):
    r = zoning.check(REPO / "seeds" / "sites" / "guangzhou_office_outside.geojson", context=demo_ctx)
    text = report_html(r, demo_ctx)
    top = text.split("<h1>")[0]
    assert "red_line" in top and "corridors" in top and "INCOMPLETE" in top


def test_user_strings_are_escaped(demo_ctx, tmp_path):
    site = tmp_path / "evil.geojson"
    evil = EVIL.replace("/", "\\/")
    site.write_text('{"type":"Feature","properties":{"name":"' + evil + '","id":"' + evil + '"},'
                    '"geometry":{"type":"Polygon",'
                    '"coordinates":[[[113.05,27.95],[113.06,27.95],[113.06,27.96],[113.05,27.95]]]}}', encoding="utf-8")
    r = zoning.check(site, category="industrial", context=demo_ctx)
    assert r.site["name"] == EVIL
    for text in (map_html(build_site_map(r, demo_ctx)), report_html(r, demo_ctx)):
        assert EVIL not in text and "&lt;script&gt;alert(1)&lt;/script&gt;" in text


def test_atlas_under_5_mb_with_search_table_and_results(demo_ctx, tmp_path):
    from zoning.screen import ScreenOptions, screen
    out = tmp_path / "s.gpkg"
    screen(REPO / "seeds" / "sample_projects.gpkg", out, ScreenOptions(date=DATE, quiet=True))
    text = map_html(build_atlas(demo_ctx, results=str(out)))
    assert len(text.encode("utf-8")) < 5_000_000
    assert "L.Control.Search" in text or "L.control.search" in text
    assert 'id="zoning-area-table"' in text and "301." in text          # the core zone's km²
    assert "Screening results (22)" in text


def test_cli_writes_map_report_pdf_and_atlas(tmp_path):
    r = CliRunner().invoke(main, ["check", str(ROAD), "--date", DATE, "--map", str(tmp_path / "m.html"),
                                  "--report", str(tmp_path / "r.html"), "--report", str(tmp_path / "r.pdf")])
    assert r.exit_code == 0, r.output
    assert (tmp_path / "m.html").stat().st_size > 50_000 and (tmp_path / "r.html").exists()
    assert (tmp_path / "r.pdf").read_bytes().startswith(b"%PDF")
    r = CliRunner().invoke(main, ["atlas", "--out", str(tmp_path / "atlas.html"), "--date", DATE])
    assert r.exit_code == 0, r.output
    assert (tmp_path / "atlas.html").exists()
