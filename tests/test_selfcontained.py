"""Self-contained maps: folium's CDN scripts/stylesheets are replaced by the vendored copies."""

from __future__ import annotations

import re

import folium
import pytest
from folium import plugins

from zoning.render.selfcontained import ASSET_VERSIONS, CDN_ASSETS, inline_assets, read_asset

OSM_TILES = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"


def _full_map() -> folium.Map:
    """A map using every plugin folium may pull a CDN file for in our maps."""
    m = folium.Map(location=[27.85, 112.95], zoom_start=11, tiles="OpenStreetMap", control_scale=True)
    plugins.MeasureControl().add_to(m)
    plugins.Fullscreen().add_to(m)
    plugins.MiniMap().add_to(m)
    plugins.MousePosition().add_to(m)
    cluster = plugins.MarkerCluster(name="cluster").add_to(m)
    folium.Marker(
        [27.85, 112.95],
        popup=folium.Popup("<b>site</b>"),
        tooltip=folium.Tooltip("site"),
        icon=folium.Icon(color="red", icon="info-sign", angle=30),
    ).add_to(cluster)
    folium.Marker([27.86, 112.96]).add_to(cluster)
    plugins.FastMarkerCluster([[27.80, 112.90], [27.81, 112.91], [27.82, 112.92]], name="fast").add_to(m)
    sites = folium.GeoJson(
        {
            "type": "FeatureCollection",
            "features": [
                {
                    "type": "Feature",
                    "properties": {"name": "Site A", "zone": "core"},
                    "geometry": {
                        "type": "Polygon",
                        "coordinates": [[[112.9, 27.8], [113.0, 27.8], [113.0, 27.9], [112.9, 27.8]]],
                    },
                },
                {
                    "type": "Feature",
                    "properties": {"name": "Site B", "zone": "buffer"},
                    "geometry": {"type": "Point", "coordinates": [112.97, 27.83]},
                },
            ],
        },
        name="sites",
        popup=folium.GeoJsonPopup(fields=["name", "zone"]),
        tooltip=folium.GeoJsonTooltip(fields=["name"]),
    ).add_to(m)
    plugins.Search(layer=sites, search_label="name", placeholder="Site").add_to(m)
    plugins.VectorGridProtobuf("atlas_tiles/red_line/{z}/{x}/{y}.pbf", "red_line", {}).add_to(m)   # tiled atlas
    folium.LayerControl().add_to(m)
    return m


@pytest.fixture(scope="module")
def rendered() -> tuple[str, str]:
    html = _full_map().get_root().render()
    return html, inline_assets(html)


def _external_tags(html: str) -> list[str]:
    return re.findall(r"<(?:script|link)\b[^>]*\b(?:src|href)\s*=\s*[\"']?(?:https?:)?//[^>]*>", html, re.I)


def test_folium_urls_are_all_vendored(rendered):
    html, _ = rendered
    urls = re.findall(r"<script\b[^>]*\bsrc=\"([^\"]+)\"", html) + re.findall(
        r"<link\b[^>]*\bhref=\"([^\"]+)\"", html
    )
    assert urls, "folium emitted no CDN tags; the test map is not exercising anything"
    assert set(urls) <= set(CDN_ASSETS), set(urls) - set(CDN_ASSETS)
    # every plugin of the test map is present, so every vendored URL is used
    assert set(urls) == set(CDN_ASSETS)


def test_no_external_script_or_link_left(rendered):
    _, out = rendered
    assert 'src="http' not in out
    assert 'href="http' not in re.sub(r"<a\b[^>]*>", "", out)  # attribution <a href> links are fine
    assert _external_tags(out) == []
    assert "cdn.jsdelivr.net" not in out and "cdnjs.cloudflare.com" not in out
    assert "code.jquery.com" not in out and "netdna.bootstrapcdn.com" not in out


def test_leaflet_and_plugins_are_inlined(rendered):
    _, out = rendered
    assert 't.version="1.9.3"' in out  # leaflet.js
    assert "L.Icon.Default.imagePath" in out  # the default-icon data: URIs
    assert ".leaflet-control-layers-toggle" in out  # leaflet.css
    for marker in (
        "L.Control.Measure",
        "L.Control.MousePosition",
        "MarkerClusterGroup",
        "L.Control.Search",
        "MiniMap",
        "fullscreen",
        "AwesomeMarkers",
        "jQuery",
        "glyphicon-info-sign",
        ".fa-rotate-30{",
    ):
        assert marker in out, marker
    # each vendored file appears once even though inline_assets was given one tag per URL
    assert out.count('t.version="1.9.3"') == 1


def test_inline_css_has_no_external_url(rendered):
    _, out = rendered
    css = "\n".join(re.findall(r"<style\b[^>]*>(.*?)</style>", out, re.S))
    for m in re.finditer(r"""url\(\s*(?:"([^"]*)"|'([^']*)'|([^'")\s]*))\s*\)""", css):
        url = next(g for g in m.groups() if g is not None)
        assert url.startswith(("data:", "#")), url[:100]
    assert "@font-face" in css  # glyphicons font, inlined


def test_inline_code_is_untouched(rendered):
    html, out = rendered
    assert OSM_TILES in out  # tile URL template in the map's JS is left alone
    vendored = re.compile(r"<(script|style) data-vendored=[^>]*>(.*?)</\1>", re.S)
    # vendored code holds no "</script" / "</style", so the first closing tag really ends the element
    for _, body in vendored.findall(out):
        assert "</script" not in body.lower() and "</style" not in body.lower()
    inline_before = re.findall(r"<script>(.*?)</script>", html, re.S)
    inline_after = re.findall(r"<script>(.*?)</script>", vendored.sub("", out), re.S)
    assert inline_before and inline_before == inline_after


def test_vendored_files_exist_and_versions_recorded():
    for parts in CDN_ASSETS.values():
        for part in parts:
            assert read_asset(part).strip(), part
            assert part.split("/", 1)[0] in ASSET_VERSIONS, part
        assert not any(p.startswith("/") or ".." in p for p in parts)


def test_unknown_cdn_url_raises():
    # a plain page, not folium's add_js_link: that mutates folium's class-level list for every later map
    page = '<html><head><script src="https://cdn.jsdelivr.net/npm/d3@7/dist/d3.min.js"></script></head></html>'
    with pytest.raises(ValueError, match=re.escape("https://cdn.jsdelivr.net/npm/d3@7/dist/d3.min.js")):
        inline_assets(page)
    css = '<html><head><link rel="stylesheet" href="//unpkg.com/x@1/x.css"/></head></html>'
    with pytest.raises(ValueError, match=re.escape("//unpkg.com/x@1/x.css")):
        inline_assets(css)
    with pytest.raises(ValueError, match="fonts.googleapis.com"):
        inline_assets('<link rel="preconnect" href="https://fonts.googleapis.com">')


def test_only_tags_are_rewritten():
    leaflet = "https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.js"
    page = (
        "<!-- <script src=\"https://example.org/a.js\"></script> -->"
        f'<script>var s = \'<script src="{leaflet}"><\\/script>\'; var t = "{OSM_TILES}";</script>'
        '<script src="local.js"></script>'
        "<style>.a{background:url(https://example.org/b.png)}</style>"
    )
    assert inline_assets(page) == page
