"""An overview web map of a screening run: the zones in force (small layers; official-size ones are the atlas's
job), every site as a point coloured by its verdict, clustered, each cluster in the colour of its worst verdict."""
from __future__ import annotations

import html
from pathlib import Path

import shapely

from ..render.clusters import COLOURS, LABELS, RANK, cluster_icon
from ..render.folium_typed import root as page_root

MAX_ZONE_VERTICES = 300_000        # beyond this the zones are left to `zoning atlas` (vector tiles)
ANALYSIS_EPSG = 4547


def _zones(m, ctx) -> str | None:
    """Each vector layer in force as a toggle (simplified to 20 m), or why the zones are not drawn."""
    import folium

    from ..geometry.project import reproject
    from ..render.style import load_style, zone_style
    layers = []
    for spec in ctx.manifest.layers:
        if spec.is_raster:
            continue
        layer, rs, _ = ctx.layer(spec)
        if layer is not None and rs.status_on(ctx.date) == "in_force":
            layers.append((spec, layer, rs, layer.indexed(ANALYSIS_EPSG)))
    if sum(int(shapely.get_num_coordinates(ix.features).sum()) for *_, ix in layers) > MAX_ZONE_VERTICES:
        return "分区未绘制（官方规模图层）：见 zoning atlas · zones not drawn (official-size layers): see zoning atlas"
    style = load_style()
    for spec, layer, rs, ix in layers:
        group = folium.FeatureGroup(name=f"{spec.id} · {rs.title}", show=True)
        geoms = reproject(shapely.simplify(ix.features, 20.0), f"EPSG:{ANALYSIS_EPSG}", "EPSG:4490")
        for f, g in enumerate(geoms):
            zone = str(layer.zones[f])
            z = zone_style(style, zone)
            folium.GeoJson(shapely.geometry.mapping(g), style_function=lambda _, z=z: {
                "color": z.get("colour"), "fillColor": z.get("fill"), "fillOpacity": 0.25, "weight": 1,
                "className": "zoning-zone"}, tooltip=f"{rs.zones[zone].name} · {layer.names[f]}").add_to(group)
        group.add_to(m)
    return None


def overview_map(state, indices, ctx, path: Path) -> Path:

    import folium
    from folium.plugins import FastMarkerCluster
    data = []
    for i in indices:
        t = state.rows(i, ["row", "id", "name", "verdict", "category", "error", "geometry_wkb"]).to_pylist()
        for r in t:
            if r["geometry_wkb"] is None:
                continue
            p = shapely.from_wkb(r["geometry_wkb"]).representative_point()
            key = r["verdict"] or "error"
            popup = (f"<b>{html.escape(str(r['name'] or ''))}</b> [{html.escape(str(r['id'] or ''))}]<br>"
                     f"row {r['row']} · {html.escape(str(r['category'] or ''))}<br>{LABELS.get(key, key)}")
            data.append([round(p.y, 6), round(p.x, 6), COLOURS.get(key, "#555"), popup, RANK.get(key, 3)])
    centre = [28.0, 113.05] if not data else [sum(d[0] for d in data) / len(data), sum(d[1] for d in data) / len(data)]
    m = folium.Map(location=centre, zoom_start=10, tiles="OpenStreetMap", control_scale=True)
    skipped = _zones(m, ctx)
    callback = """function (row) {
        var marker = L.circleMarker(new L.LatLng(row[0], row[1]),
            {radius: 6, color: row[2], fillColor: row[2], fillOpacity: 0.8, weight: 1, rank: row[4]});
        marker.bindPopup(row[3]);
        return marker;
    }"""
    FastMarkerCluster(data, callback=callback, name="项目 sites", icon_create_function=cluster_icon()).add_to(m)
    if data:
        lats, lons = [d[0] for d in data], [d[1] for d in data]
        m.fit_bounds([[min(lats), min(lons)], [max(lats), max(lons)]])
    legend = "".join(f'<div><span style="display:inline-block;width:12px;height:12px;background:{c};'
                     f'margin-right:6px"></span>{LABELS[k]}</div>' for k, c in COLOURS.items())
    notes = [html.escape(ctx.manifest.notice)] if ctx.manifest.demo else []
    if skipped:
        notes.append(html.escape(skipped))
    page_root(m).html.add_child(folium.Element(
        '<div id="zoning-legend" style="position:fixed;bottom:40px;left:12px;z-index:900;background:white;'
        'padding:8px 10px;border:1px solid #999;font:13px sans-serif">'
        f'<b>结论 Verdict</b> <small>(簇按最差结论着色 clusters in their worst verdict\'s colour)</small>{legend}'
        + "".join(f'<div style="max-width:320px;margin-top:6px;color:#a00">{n}</div>' for n in notes) + "</div>"))
    folium.LayerControl(collapsed=True).add_to(m)
    from ..atomic import write_text
    from ..render.site_map import map_html
    return write_text(path, map_html(m))
