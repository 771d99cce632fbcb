"""An overview web map of a screening run: every site as a point coloured by its verdict, clustered."""
from __future__ import annotations

import html
from pathlib import Path

import shapely
from ..render.folium_typed import root as page_root

COLOURS = {"prohibited": "#d7191c", "conditional": "#fdae61", "permitted": "#1a9641", "error": "#7b3294"}
LABELS = {"prohibited": "禁止 prohibited", "conditional": "有条件 conditional", "permitted": "准入 permitted",
          "error": "错误 error (not screened)"}


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
            data.append([round(p.y, 6), round(p.x, 6), COLOURS.get(key, "#555"), popup])
    centre = [28.0, 113.05] if not data else [sum(d[0] for d in data) / len(data), sum(d[1] for d in data) / len(data)]
    m = folium.Map(location=centre, zoom_start=10, tiles="OpenStreetMap")
    callback = """function (row) {
        var marker = L.circleMarker(new L.LatLng(row[0], row[1]),
            {radius: 6, color: row[2], fillColor: row[2], fillOpacity: 0.8, weight: 1});
        marker.bindPopup(row[3]);
        return marker;
    }"""
    FastMarkerCluster(data, callback=callback, name="项目 sites").add_to(m)
    legend = "".join(f'<div><span style="display:inline-block;width:12px;height:12px;background:{c};'
                     f'margin-right:6px"></span>{LABELS[k]}</div>' for k, c in COLOURS.items())
    notice = html.escape(ctx.manifest.notice) if ctx.manifest.demo else ""
    page_root(m).html.add_child(folium.Element(
        '<div id="zoning-legend" style="position:fixed;bottom:24px;left:12px;z-index:9999;background:white;'
        'padding:8px 10px;border:1px solid #999;font:13px sans-serif">'
        f'<b>结论 Verdict</b>{legend}'
        + (f'<div style="max-width:320px;margin-top:6px;color:#a00">{notice}</div>' if notice else "") + "</div>"))
    folium.LayerControl().add_to(m)
    from ..atomic import write_text
    from ..render.site_map import map_html
    return write_text(path, map_html(m))
