"""The planners' atlas: every layer styled and toggleable, a search box over feature names, a table of area per
zone and layer, and optionally a screening result as verdict-coloured, clustered sites. Display geometry is
simplified (never the analysis geometry) so that the page stays small."""
from __future__ import annotations

import html
from pathlib import Path

import shapely

from ..geometry.project import reproject
from ..geometry.repair import polygonal
from ..units import areas
from .basemaps import AMAP_NOTE, add_basemaps
from .clusters import RANK, cluster_icon
from .labels import VERDICT
from .site_map import add_controls, map_html, notice_html, write_text
from .style import load_style, verdict_style, zone_style
from .folium_typed import root as page_root

SIMPLIFY_M = 15.0
ANALYSIS_EPSG = 4547
MIN_TILE_ZOOM, MAX_TILE_ZOOM = 5, 13     # as written by atlas_tiles


def _e(v) -> str:
    return html.escape("" if v is None else str(v))


def _display(geom, epsg):
    g = polygonal(shapely.make_valid(shapely.simplify(geom, SIMPLIFY_M, preserve_topology=True)))
    return shapely.set_precision(reproject(g, f"EPSG:{epsg}", "EPSG:4490"), 1e-6)


def build_atlas(ctx, *, results: str | None = None, basemap: str = "osm", tianditu_key=None, style_path=None,
                overlay=None, tiles_url: str | None = None):
    """The atlas as a folium.Map. With `tiles_url` (relative to the page) the layers are drawn from the vector
    tiles written there (`atlas_tiles.write_tiles`) and searched through its name index; without, inlined."""
    import folium
    from folium.plugins import Search
    style = load_style(style_path)
    m = folium.Map(location=[27.95, 113.05], zoom_start=10, tiles=None, control_scale=True)
    shift = add_basemaps(m, basemap, tianditu_key)
    if overlay:
        from .basemaps import add_overlay
        add_overlay(m, overlay)
    from ..geometry.offsets import from_wgs84
    search_features, table_rows, codes = [], [], []
    for spec in ctx.manifest.layers:
        if spec.is_raster:
            continue      # rasters are summarised in the findings, not drawn
        layer, rs, error = ctx.layer(spec)
        if layer is None:
            table_rows.append((spec.id, "—", f"加载失败 failed: {error}", "", ""))
            continue
        epsg = ANALYSIS_EPSG
        in_force = rs.status_on(ctx.date) == "in_force"
        title = _e(f"{spec.id} · {rs.title}" + ("" if in_force else " [未生效/已废止 not in force]"))
        table_rows += _area_rows(spec.id, rs, layer)
        codes += [str(z) for z in dict.fromkeys(layer.zones.tolist())]
        if tiles_url:
            _add_tiled_layer(m, spec.id, title, in_force, style, tiles_url, layer)
            continue
        indexed = layer.indexed(epsg)
        group = folium.FeatureGroup(name=title, show=in_force)
        features = []
        for f in range(len(indexed.features)):
            zone = str(layer.zones[f])
            geom = _display(indexed.features[f], epsg)
            if shift:
                geom = from_wgs84(geom, shift)
            z = rs.zones[zone]
            a = areas(float(indexed.features[f].area))
            props = {"name": str(layer.names[f]), "zone": zone,
                     "popup": (f"<b>{_e(z.name)} {_e(z.name_en)}</b><br>要素 Feature: {_e(layer.names[f])}<br>"
                               f"图层 Layer: {_e(spec.id)} · {_e(rs.id)} · {_e(layer.version)}<br>"
                               f"面积 Area: {a['m2'] / 1e6:,.3f} km² · {a['ha']:,.1f} 公顷 · {a['mu']:,.0f} 亩")}
            features.append({"type": "Feature", "properties": props, "geometry": shapely.geometry.mapping(geom)})
        fc = {"type": "FeatureCollection", "features": features}
        gj = folium.GeoJson(fc, style_function=lambda feat: _zone_css(style, feat["properties"]["zone"]),
                            popup=folium.GeoJsonPopup(fields=["popup"], labels=False),
                            tooltip=folium.GeoJsonTooltip(fields=["name"], labels=False))
        gj.add_to(group)
        group.add_to(m)
        search_features += features
    if tiles_url:
        page_root(m).html.add_child(folium.Element(_search_html(tiles_url)))
        page_root(m).script.add_child(folium.Element(_search_js(m.get_name(), tiles_url)))
    else:
        # one invisible layer of all features for the search box (searching needs a single GeoJSON layer)
        # not interactive: clicks and hovers reach the zones beneath (their popups and tooltips)
        searchable = folium.GeoJson({"type": "FeatureCollection", "features": search_features}, name="搜索 search",
                                    style_function=lambda _: {"opacity": 0, "fillOpacity": 0}, show=True,
                                    control=False, interactive=False)
        searchable.add_to(m)
        Search(layer=searchable, search_label="name", placeholder="搜索要素名称 Search feature names",
               collapsed=False, search_zoom=13).add_to(m)
    if results:
        _add_results(m, results, style, shift)
    root = add_controls(m, style, codes)
    rows = "".join("<tr>" + "".join(f"<td>{_e(c)}</td>" for c in r) + "</tr>" for r in table_rows)
    root.html.add_child(folium.Element(
        '<details id="zoning-area-table" style="position:fixed;top:58px;right:10px;z-index:800;background:#fff;'
        'border:1px solid #888;padding:4px 8px;font:12px sans-serif;max-height:60vh;overflow:auto">'
        '<summary><b>分区面积 Area per zone</b></summary><table style="border-collapse:collapse">'
        '<tr><th>图层 Layer</th><th>分区 Zone</th><th>km²</th><th>公顷 ha</th><th>要素 features</th></tr>'
        f'{rows}</table></details>'))
    notes = [ctx.manifest.notice] if ctx.manifest.demo else []
    if shift:
        notes.append(AMAP_NOTE)
    if notes:
        root.html.add_child(folium.Element(notice_html(" ".join(notes))))
    root.header.add_child(folium.Element(f"<title>{_e(ctx.manifest.title or 'zoning atlas')}</title>"))
    return m


def _area_rows(layer_id, rs, layer) -> list:
    """Area per zone from the layer's inventory (measured once when it was prepared: the zone's union)."""
    zones = (layer.info or {}).get("zones") or {}
    rows = []
    for code, zone in rs.zones.items():
        a = areas(float(zones.get(code, {}).get("area_km2", 0.0)) * 1e6)
        rows.append((layer_id, zone.name + " " + zone.name_en, f"{a['m2'] / 1e6:,.3f}", f"{a['ha']:,.1f}",
                     f"{int((layer.zones == code).sum())}"))
    return rows


def _add_tiled_layer(m, layer_id, title, show, style, tiles_url, layer):
    """A layer drawn from its vector tiles (SVG: a click reaches the layer under another, which canvas tiles do
    not let through), styled per zone, with a popup per feature."""
    import json

    import folium
    from branca.element import MacroElement
    from folium.plugins import VectorGridProtobuf
    from jinja2 import Template
    styles = {str(z): dict(_zone_css(style, str(z)), fill=True) for z in dict.fromkeys(layer.zones.tolist())}
    for st in styles.values():
        st.pop("className", None)
    bounds = "undefined"
    if layer.bounds is not None:         # no requests for tiles outside the layer
        from ..geometry.project import reproject
        b = reproject(shapely.box(*layer.bounds), layer.crs, "EPSG:4490").bounds
        bounds = f"L.latLngBounds([{b[1]:.6f}, {b[0]:.6f}], [{b[3]:.6f}, {b[2]:.6f}])"
    options = ("{rendererFactory: L.svg.tile, interactive: true, minNativeZoom: %d, maxNativeZoom: %d, bounds: %s, "  # noqa: UP031 - JavaScript, full of braces
               "getFeatureId: function (f) { return f.properties.feature; }, "
               "vectorTileLayerStyles: {%s: function (p) { return (%s)[p.zone] || {}; }}}"
               % (MIN_TILE_ZOOM, MAX_TILE_ZOOM, bounds, json.dumps(layer_id),
                  json.dumps(styles, ensure_ascii=False)))
    group = folium.FeatureGroup(name=title, show=show)
    vg = VectorGridProtobuf(f"{tiles_url}/{layer_id}/{{z}}/{{x}}/{{y}}.pbf", layer_id, options, control=False)
    vg.add_to(group)
    popup = MacroElement()
    popup._template = Template("""{% macro script(this, kwargs) %}
    __VG__.on('click', function (e) {
        var p = e.layer.properties, esc = function (s) { var d = document.createElement('div');
            d.textContent = s == null ? '' : String(s); return d.innerHTML; };
        L.popup().setLatLng(e.latlng).setContent('<b>' + esc(p.label) + '</b><br>要素 Feature: ' + esc(p.name)
            + '<br>图层 Layer: ' + esc(__LABEL__) + '<br>面积 Area: ' + esc(p.area)).openOn(__MAP__);
    });
    {% endmacro %}""".replace("__VG__", vg.get_name()).replace("__MAP__", m.get_name()).replace(
        "__LABEL__", json.dumps(f"{layer_id} · {layer.rule_set.id} · {layer.version}", ensure_ascii=False)))
    vg.add_child(popup)
    group.add_to(m)


def _search_html(tiles_url) -> str:
    return ('<div id="zoning-search" style="position:fixed;top:10px;left:60px;z-index:9999;background:#fff;'
            'border:1px solid #888;padding:4px;font:12px sans-serif"><input id="zoning-search-box" '
            'placeholder="搜索要素名称 Search feature names" style="width:240px"><div id="zoning-search-hits" '
            'style="max-height:240px;overflow:auto"></div></div>')


def _search_js(map_name, tiles_url) -> str:
    """Search over the tiles' name index, fetched when the box is first used (it is not part of the first view)."""
    import json
    return """
    (function () {
        var box = document.getElementById('zoning-search-box'), hits = document.getElementById('zoning-search-hits');
        var names = null;
        function show() {
            var q = box.value.trim(); hits.innerHTML = '';
            if (!names || !q) return;
            var n = 0;
            for (var i = 0; i < names.length && n < 20; i++) {
                if (names[i][0].indexOf(q) < 0) continue;
                n++;
                var a = document.createElement('div'), row = names[i];
                a.textContent = row[0] + ' · ' + row[2] + ' · ' + row[1];
                a.style.cursor = 'pointer';
                a.className = 'zoning-search-hit';
                a.onclick = function () { %s.setView([this.lat, this.lon], 14); }.bind({lat: row[3], lon: row[4]});
                hits.appendChild(a);
            }
        }
        box.addEventListener('input', function () {
            if (names === null) {
                names = [];
                fetch(%s).then(function (r) { return r.json(); }).then(function (d) { names = d; show(); });
            } else { show(); }
        });
    })();
    """ % (map_name, json.dumps(tiles_url + "/names.json"))  # noqa: UP031 - JavaScript, full of braces


def _zone_css(style, zone):
    z = zone_style(style, zone)
    return {"color": z.get("colour"), "fillColor": z.get("fill"), "fillOpacity": z.get("fill_opacity", 0.4),
            "weight": z.get("weight", 1), "className": f"zoning-zone zone-{zone}"}


def _add_results(m, path, style, shift):
    """Sites of a `zoning screen` result (.gpkg layer 'screen' or .parquet) as verdict-coloured points."""
    import pyogrio
    from folium.plugins import FastMarkerCluster
    from ..errors import InputError
    p = Path(path)
    try:
        if p.suffix.lower() == ".parquet":
            import geopandas as gpd
            df = gpd.read_parquet(p)
        else:
            df = pyogrio.read_dataframe(p, layer="screen")
    except Exception as exc:   # any reader error is the user's file, reported as such
        raise InputError(f"cannot read the screening result: {exc}", source=str(p),
                         expected="the .gpkg or .parquet written by zoning screen") from None
    data = []
    for geom, row in zip(df.geometry.values, df.to_dict("records"), strict=False):
        if geom is None or geom.is_empty:
            continue
        pt = geom.representative_point()
        if shift:
            from ..geometry.offsets import from_wgs84
            pt = from_wgs84(pt, shift)
        v = verdict_style(style, row.get("verdict") or None)
        popup = (f"<b>{_e(row.get('name'))}</b> [{_e(row.get('id'))}]<br>{_e(row.get('category_name'))} "
                 f"{_e(row.get('category'))}<br>结论 Verdict: "
                 f"{_e(VERDICT.get(row.get('verdict')) if row.get('verdict') else row.get('error'))}")
        data.append([round(pt.y, 6), round(pt.x, 6), v.get("fill", "#555"), popup,
                     RANK.get(row.get("verdict") or "error", 3)])
    callback = """function (row) {
        var marker = L.circleMarker(new L.LatLng(row[0], row[1]), {radius: 6, color: row[2], fillColor: row[2],
            fillOpacity: 0.85, weight: 1, className: 'zoning-result', rank: row[4]});
        marker.bindPopup(row[3]);
        return marker;
    }"""
    FastMarkerCluster(data, callback=callback, name=f"筛查结果 Screening results ({len(data)})",
                      icon_create_function=cluster_icon()).add_to(m)


def write_atlas(ctx, path, *, tiles: str = "auto", **kw) -> Path:
    """Write the atlas page; with vector tiles (`tiles` "yes", or "auto" for layer sets over
    INLINE_MAX_VERTICES vertices) beside it in `<name>_tiles/`, else as one self-contained file."""
    from .atlas_tiles import INLINE_MAX_VERTICES, vertex_count, write_tiles
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tiled = []
    if tiles != "no":
        for spec in ctx.manifest.layers:
            layer, rs, _ = (None, None, None) if spec.is_raster else ctx.layer(spec)
            if layer is not None:
                tiled.append((spec.id, layer.indexed(ANALYSIS_EPSG), layer, rs))
        if tiles == "auto" and vertex_count([t[1] for t in tiled]) <= INLINE_MAX_VERTICES:
            tiled = []
    if not tiled:
        return write_text(path, map_html(build_atlas(ctx, **kw)))
    from .basemaps import basemap_shift
    folder = path.with_name(f"{path.stem}_tiles")
    write_tiles(folder, tiled, basemap_shift(kw.get("basemap", "osm")))
    return write_text(path, map_html(build_atlas(ctx, tiles_url=folder.name, **kw)))
