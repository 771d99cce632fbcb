"""A layer diff as people read it: a table in the terminal, the added and removed areas as a GeoPackage and as a
web map."""
from __future__ import annotations

import html
from pathlib import Path
from .folium_typed import popup as popup_of
from .folium_typed import root as page_root

COLOURS = {"added": "#1a9641", "removed": "#d7191c"}
LABELS = {"added": "新增 added", "removed": "移除 removed", "changed": "修改 changed", "unchanged": "未变 unchanged",
          "failed": "加载失败 failed"}


def diff_text(diffs) -> str:
    out = []
    for d in diffs:
        head = f"{d.id}: {LABELS.get(d.status, d.status)}"
        if d.old_version or d.new_version:
            head += f" · version {d.old_version or '—'} → {d.new_version or '—'}"
        if d.rule_set_old != d.rule_set_new:
            head += f" · 规则集 rule set {d.rule_set_old or '—'} → {d.rule_set_new or '—'}"
        out.append(head)
        if d.error:
            out.append(f"    {d.error}")
        if d.counts:
            out.append("    要素 features: " + ", ".join(f"{LABELS.get(k, k)} {v:,}" for k, v in d.counts.items())
                       + (f" (matched by {d.matched_by})" if d.matched_by else ""))
        for zone, (gained, lost) in sorted(d.zone_area.items()):
            out.append(f"    {zone}: +{gained:,.1f} m² ({gained / 1e4:,.4f} 公顷) / -{lost:,.1f} m² "
                       f"({lost / 1e4:,.4f} 公顷)")
        for c in d.changes[:50]:
            zones = c.zone_old if c.zone_old == c.zone_new else f"{c.zone_old or '—'} → {c.zone_new or '—'}"
            out.append(f"    {LABELS[c.change]}: {c.key} [{zones}] {c.area_old_m2:,.1f} → {c.area_new_m2:,.1f} m²")
        if len(d.changes) > 50:
            out.append(f"    … {len(d.changes) - 50:,} more (see --out)")
    return "\n".join(out)


def write_diff_gpkg(diffs, path) -> Path:
    """Tables `areas` (the added and removed area per layer and zone, polygons) and `features` (one row per
    feature added, removed or changed)."""
    import geopandas as gpd
    import pandas as pd
    import pyogrio

    from ..atomic import replacing
    path = Path(path)
    pieces = [{"layer": d.id, "zone": z, "change": what, "area_m2": round(a, 2), "geometry": g}
              for d in diffs for z, what, g, a in d.pieces]
    areas = gpd.GeoDataFrame(pieces or None, columns=["layer", "zone", "change", "area_m2", "geometry"],
                             geometry="geometry", crs="EPSG:4490")
    feats = pd.DataFrame([{"layer": d.id, "change": c.change, "key": c.key, "zone_old": c.zone_old,
                           "zone_new": c.zone_new, "area_old_m2": round(c.area_old_m2, 2),
                           "area_new_m2": round(c.area_new_m2, 2)} for d in diffs for c in d.changes],
                         columns=["layer", "change", "key", "zone_old", "zone_new", "area_old_m2", "area_new_m2"])
    with replacing(path, suffix=True) as tmp:
        areas.to_file(tmp, layer="areas", driver="GPKG")
        pyogrio.write_dataframe(feats, tmp, layer="features", driver="GPKG")
    return path


def write_diff_map(diffs, path, *, title: str = "图层变更 Layer changes") -> Path:
    import folium

    from ..atomic import write_text
    from .site_map import map_html
    pieces = [(d.id, z, what, g, a) for d in diffs for z, what, g, a in d.pieces]
    m = folium.Map(location=[28.0, 113.05], zoom_start=10, tiles="OpenStreetMap")
    for what in ("removed", "added"):
        group = folium.FeatureGroup(name=LABELS[what])
        for lid, zone, kind, g, a in pieces:
            if kind != what:
                continue
            popup = (f"<b>{html.escape(lid)}</b> · {html.escape(str(zone))}<br>{LABELS[what]} "
                     f"{a:,.1f} m² = {a / 1e4:,.4f} 公顷")
            folium.GeoJson(g.__geo_interface__, popup=popup_of(popup),
                           style_function=lambda _f, c=COLOURS[what]: {"color": c, "fillColor": c,
                                                                       "fillOpacity": 0.5, "weight": 2}).add_to(group)
        group.add_to(m)
    if pieces:
        import shapely
        b = shapely.total_bounds([p[3] for p in pieces])
        m.fit_bounds([[b[1], b[0]], [b[3], b[2]]])
    legend = "".join(f'<div><span style="display:inline-block;width:12px;height:12px;background:{c};'
                     f'margin-right:6px"></span>{LABELS[k]}</div>' for k, c in COLOURS.items())
    summary = "".join(f"<div>{html.escape(d.id)}: {LABELS.get(d.status, d.status)}</div>" for d in diffs)
    page_root(m).html.add_child(folium.Element(
        '<div id="zoning-legend" style="position:fixed;bottom:24px;left:12px;z-index:9999;background:white;'
        f'padding:8px 10px;border:1px solid #999;font:13px sans-serif"><b>{html.escape(title)}</b>{legend}'
        f'<hr style="margin:4px 0">{summary}</div>'))
    folium.LayerControl(collapsed=True).add_to(m)
    return write_text(path, map_html(m))
