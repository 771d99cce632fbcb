"""The generated map, report and atlas in headless Chromium: no console errors, legend and every layer toggle
present, clicking a zone opens its popup, an injected script does not run; screenshots in tests/artifacts/."""
from __future__ import annotations

import pytest

import zoning
from conftest import DEMO_DATE as DATE, EVIL, REPO
from browser import fits_the_window, page_opener, pdf_to_png_nonblank  # noqa: F401
from zoning.render.atlas import write_atlas
from zoning.render.report import write_report
from zoning.render.site_map import build_site_map, map_html, write_site_map


def _layer_labels(page):
    return page.locator(".leaflet-control-layers-overlays label").all_inner_texts()


def _click_zone_opens_popup(page, selector="path.zoning-zone"):
    page.locator(selector).first.dispatch_event("click")
    popup = page.locator(".leaflet-popup-content")
    popup.first.wait_for(state="visible", timeout=5000)
    return popup.first.inner_text()


def test_site_map_in_browser(page_opener, demo_ctx, road, tmp_path):
    path = write_site_map(road, demo_ctx, tmp_path / "site.html")
    with page_opener(path) as opened:
        page = opened.page
        assert page.locator("#zoning-legend").is_visible()
        labels = " ".join(_layer_labels(page))
        for spec in demo_ctx.manifest.layers:
            if not spec.is_raster:
                assert spec.id in labels, spec.id
        assert "Overlaps" in labels and "Site" in labels
        for control in (".leaflet-control-measure", ".leaflet-control-zoom-fullscreen", ".leaflet-control-minimap",
                        ".leaflet-control-scale", ".leaflet-control-mouseposition"):
            assert page.locator(control).count() >= 1, control
        text = _click_zone_opens_popup(page)
        assert "要素 Feature" in text and ("m²" in text)
        opened.screenshot("site_map")
        opened.assert_clean()


def test_report_in_browser_and_pdf(page_opener, demo_ctx, road, tmp_path):
    html_path = write_report(
        road, demo_ctx, tmp_path / "report.html", map_html=map_html(build_site_map(road, demo_ctx))
    )
    with page_opener(html_path) as opened:
        banner = opened.page.locator("#verdict-banner")
        assert banner.is_visible() and "CONDITIONAL" in banner.inner_text()
        assert opened.page.locator("iframe#interactive-map").count() == 1
        assert opened.page.locator("img.static").evaluate("img => img.naturalWidth") > 500
        opened.screenshot("report", full_page=True)
        opened.assert_clean()
    pdf = write_report(road, demo_ctx, tmp_path / "report.pdf")
    png, fraction = pdf_to_png_nonblank(pdf)
    assert fraction > 0.02, fraction


def test_atlas_in_browser(page_opener, demo_ctx, tmp_path):
    from zoning.screen import ScreenOptions, screen
    results = tmp_path / "s.gpkg"
    screen(REPO / "seeds" / "sample_projects.gpkg", results, ScreenOptions(date=DATE, quiet=True))
    path = write_atlas(demo_ctx, tmp_path / "atlas.html", results=str(results))
    assert path.stat().st_size < 5_000_000
    with page_opener(path) as opened:
        page = opened.page
        assert page.locator("#zoning-legend").is_visible() and page.locator("#zoning-area-table").is_visible()
        labels = " ".join(_layer_labels(page))
        for spec in demo_ctx.manifest.layers:
            if not spec.is_raster:
                assert spec.id in labels
        assert "Screening results (22)" in labels
        assert page.locator(".leaflet-control-search input").count() == 1
        text = _click_zone_opens_popup(page)
        assert "要素 Feature" in text
        opened.screenshot("atlas")
        opened.assert_clean()


def test_injected_script_does_not_run(page_opener, demo_ctx, tmp_path):
    site = tmp_path / "evil.geojson"
    evil = EVIL.replace("/", "\\/")
    site.write_text('{"type":"Feature","properties":{"name":"' + evil + '","id":"' + evil + '"},'
                    '"geometry":{"type":"Polygon",'
                    '"coordinates":[[[113.05,27.95],[113.06,27.95],[113.06,27.96],[113.05,27.95]]]}}', encoding="utf-8")
    r = zoning.check(site, category="industrial", context=demo_ctx)
    m = write_site_map(r, demo_ctx, tmp_path / "evil_map.html")
    rep = write_report(r, demo_ctx, tmp_path / "evil_report.html", map_html=map_html(build_site_map(r, demo_ctx)))
    for path in (m, rep):
        with page_opener(path) as opened:
            opened.page.locator("path.zoning-site").first.dispatch_event("click") if path == m else None
            opened.settle()
            assert opened.dialogs == []
            assert EVIL in opened.page.content().replace("&lt;", "<").replace("&gt;", ">")
            opened.assert_clean()


def _box(page, selector):
    return page.locator(selector).first.bounding_box()


def _overlap(a, b) -> bool:
    return not (a["x"] + a["width"] <= b["x"] or b["x"] + b["width"] <= a["x"]
                or a["y"] + a["height"] <= b["y"] or b["y"] + b["height"] <= a["y"])


@pytest.mark.parametrize("viewport", [(1366, 768), (1920, 1080)])
def test_site_map_says_the_verdict_and_nothing_covers_anything(page_opener, demo_ctx, road, tmp_path, viewport):
    path = write_site_map(road, demo_ctx, tmp_path / "site.html")
    with page_opener(path, viewport=viewport) as opened:
        page = opened.page
        banner = page.locator("#zoning-verdict")
        assert banner.is_visible() and "结论" in banner.inner_text()
        assert road.verdict.upper() in banner.inner_text()
        assert page.locator(".leaflet-control-layers-expanded").count() == 0          # collapsed by default
        boxes = {name: _box(page, sel) for name, sel in (
            ("verdict", "#zoning-verdict"), ("legend", "#zoning-legend"), ("minimap", ".leaflet-control-minimap"),
            ("readout", ".leaflet-control-mouseposition"), ("layers", ".leaflet-control-layers"),
            ("zoom", ".leaflet-control-zoom"), ("scale", ".leaflet-control-scale"))}
        names = list(boxes)
        for i, a in enumerate(names):
            for b in names[i + 1:]:
                assert not _overlap(boxes[a], boxes[b]), (a, b, boxes[a], boxes[b])
        for name, b in boxes.items():                                       # all inside the window
            assert b["x"] >= 0 and b["y"] >= 0 and b["x"] + b["width"] <= viewport[0] + 1, name
            assert b["y"] + b["height"] <= viewport[1] + 1, name
        opened.screenshot(f"site_map_{viewport[0]}x{viewport[1]}")


FIND_ZONE_POINT = """() => {
    for (let y = 120; y < window.innerHeight - 120; y += 17) {
        for (let x = 360; x < window.innerWidth - 260; x += 17) {
            const el = document.elementFromPoint(x, y);
            if (el && el.classList && el.classList.contains('zoning-zone')) { return [x, y]; }
        }
    }
    return null;
}"""


def _real_click_on_a_zone(page):
    """A real mouse click and hover where a zone is the topmost element (no invisible layer may sit above it)."""
    point = page.evaluate(FIND_ZONE_POINT)
    assert point, "no zone is the topmost element anywhere in the map"
    page.mouse.move(*point)
    tooltip = page.locator(".leaflet-tooltip")
    tooltip.first.wait_for(state="visible", timeout=5000)
    page.mouse.click(*point)
    popup = page.locator(".leaflet-popup-content")
    popup.first.wait_for(state="visible", timeout=5000)
    return tooltip.first.inner_text(), popup.first.inner_text()


def _no_overlaps_inside(page, selectors: dict, viewport):
    boxes = {name: _box(page, sel) for name, sel in selectors.items()}
    missing = [name for name, b in boxes.items() if b is None]
    assert not missing, missing
    names = list(boxes)
    for i, a in enumerate(names):
        for b in names[i + 1:]:
            assert not _overlap(boxes[a], boxes[b]), (a, b, boxes[a], boxes[b])
    for name, b in boxes.items():
        assert b["x"] >= 0 and b["y"] >= 0, name
        assert b["x"] + b["width"] <= viewport[0] + 1 and b["y"] + b["height"] <= viewport[1] + 1, name


@pytest.fixture(scope="module")
def atlas_path(demo_ctx, tmp_path_factory):
    from zoning.screen import ScreenOptions, screen
    folder = tmp_path_factory.mktemp("atlas")
    results = folder / "s.gpkg"
    screen(REPO / "seeds" / "sample_projects.gpkg", results, ScreenOptions(date=DATE, quiet=True, workers=1))
    return write_atlas(demo_ctx, folder / "atlas.html", results=str(results))


@pytest.mark.parametrize("viewport", [(1366, 768), (1920, 1080)])
def test_atlas_works_by_hand_at_two_sizes(page_opener, atlas_path, viewport):
    with page_opener(atlas_path, viewport=viewport) as opened:
        page = opened.page
        _no_overlaps_inside(page, {
            "legend": "#zoning-legend", "areas": "#zoning-area-table", "notice": "#zoning-notice",
            "layers": ".leaflet-control-layers", "search": ".leaflet-control-search", "zoom": ".leaflet-control-zoom",
            "measure": ".leaflet-control-measure", "scale": ".leaflet-control-scale",
            "minimap": ".leaflet-control-minimap"}, viewport)
        tooltip, popup = _real_click_on_a_zone(page)
        assert tooltip.strip() and "要素 Feature" in popup
        clusters = page.locator(".zoning-cluster")
        assert clusters.count() >= 1
        for k in range(clusters.count()):     # the demo's clusters each hold a prohibited site: red, not by count
            assert "rank-0" in clusters.nth(k).get_attribute("class")
        fits_the_window(page)
        opened.screenshot(f"atlas_{viewport[0]}x{viewport[1]}")
        opened.assert_clean()


@pytest.mark.parametrize("viewport", [(1366, 768), (1920, 1080)])
def test_report_reads_at_two_sizes(page_opener, demo_ctx, road, tmp_path, viewport):
    path = write_report(road, demo_ctx, tmp_path / "report.html", report_no="ZN-000007")
    with page_opener(path, viewport=viewport) as opened:
        page = opened.page
        assert "ZN-000007" in page.locator("#report-no").inner_text()
        assert "结论" in page.locator("body").inner_text()
        fits_the_window(page)
        opened.screenshot(f"report_{viewport[0]}x{viewport[1]}", full_page=True)
        opened.assert_clean()


def test_site_map_draws_raster_cells_without_a_window_edge(page_opener, demo_ctx, tmp_path):
    hotel = zoning.check(REPO / "seeds" / "sites" / "zhaoshan_hotel.geojson", category="commercial", date=DATE)
    assert {f.rule for f in hotel.findings if f.type == "raster"} >= {"RAS-SLOPE-01", "RAS-LC-01"}
    path = write_site_map(hotel, demo_ctx, tmp_path / "hotel.html")
    with page_opener(path) as opened:
        page = opened.page
        assert page.locator("path.raster-slope").count() >= 1 and page.locator("path.raster-landcover").count() >= 1
        legend = page.locator("#zoning-legend").inner_text()
        assert "RAS-SLOPE-01" in legend and "RAS-LC-01" in legend
        # zones are filled without a stroke; their outlines are separate lines that stop at the clipping window
        assert page.locator("path.zoning-zone[stroke='none']").count() == page.locator("path.zoning-zone").count()
        opened.assert_clean()
