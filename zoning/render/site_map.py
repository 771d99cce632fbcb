"""The interactive map of one checked site (folium): the site, each overlap in its verdict's colour, every layer
as a toggle, a categorical legend, popups, and the measure, fullscreen, minimap, scale and mouse-position controls."""
from __future__ import annotations

import html
from pathlib import Path

import numpy as np
import shapely

from ..geometry.offsets import from_wgs84
from ..geometry.project import reproject
from ..overlay.display import features_in, overlap_piece
from ..units import areas
from .basemaps import AMAP_NOTE, add_basemaps
from .labels import STATUS, VERDICT
from .style import load_style, verdict_style, zone_style
from .folium_typed import popup as popup_of
from .folium_typed import root as page_root

WINDOW_M = 3000.0     # how far around the site the layers are drawn
SIMPLIFY_M = 2.0      # display only
RASTER_AROUND_M = 500.0   # raster cells behind a finding are drawn this far around the site (context, not clutter)


def _e(v) -> str:
    return html.escape("" if v is None else str(v))


def _area_html(m2: float) -> str:
    a = areas(m2)
    return f"{a['m2']:,.2f} m² · {a['ha']:,.4f} 公顷 · {a['mu']:,.3f} 亩"


def _geojson(geom, epsg: int, shift: str | None) -> dict:
    ll = reproject(geom, f"EPSG:{epsg}", "EPSG:4490")
    if shift:
        ll = from_wgs84(ll, shift)
    ll = shapely.set_precision(ll, 1e-7)
    return shapely.geometry.mapping(ll)


def legend_html(style: dict, zone_codes, title="图例 Legend", extra=()) -> str:
    """The legend: zones, verdict colours, `extra` (fill, outline, label) entries such as raster cells, the site."""
    rows = []
    for code in zone_codes:
        z = zone_style(style, code)
        rows.append(f'<div class="zl-row"><span class="zl-swatch" style="background:{_e(z.get("fill"))};'
                    f'border:2px solid {_e(z.get("colour"))}"></span>{_e(z.get("label", code))}</div>')
    for v in ("prohibited", "conditional", "permitted"):
        s = verdict_style(style, v)
        rows.append(f'<div class="zl-row"><span class="zl-swatch" style="background:{_e(s.get("fill"))}"></span>'
                    f'{_e(s.get("label", v))}</div>')
    for fill, outline, label in extra:
        rows.append(f'<div class="zl-row"><span class="zl-swatch" style="background:{_e(fill)};'
                    f'border:2px solid {_e(outline)}"></span>{_e(label)}</div>')
    site = style.get("site", {})
    rows.append(f'<div class="zl-row"><span class="zl-swatch" style="background:transparent;border:2px dashed '
                f'{_e(site.get("colour", "#111"))}"></span>{_e(site.get("label", "site"))}</div>')
    return ('<div id="zoning-legend" style="position:fixed;bottom:60px;left:10px;z-index:900;background:#fff;'
            'padding:8px 10px;border:1px solid #888;border-radius:4px;font:12px/1.5 sans-serif;max-width:330px;'
            'max-height:45vh;overflow:auto">'
            f'<b>{_e(title)}</b>{"".join(rows)}</div>'
            '<style>.zl-swatch{display:inline-block;width:14px;height:14px;margin-right:6px;vertical-align:middle;'
            'opacity:.85}</style>')


def add_controls(m, style: dict, zone_codes, extra=()):
    """The controls every map carries, placed so that none covers another or a popup: zoom, fullscreen and
    measure top left; the layer list top right, collapsed (it opens on hover or tap); minimap and the coordinate
    readout bottom right; the scale bar and the legend bottom left."""
    import folium
    from folium.plugins import Fullscreen, MeasureControl, MiniMap, MousePosition
    MeasureControl(position="topleft", primary_length_unit="meters", primary_area_unit="sqmeters").add_to(m)
    Fullscreen(position="topleft").add_to(m)
    MiniMap(toggle_display=True, position="bottomright").add_to(m)
    MousePosition(prefix="lon/lat", position="bottomright").add_to(m)
    folium.LayerControl(collapsed=True, position="topright").add_to(m)
    page = page_root(m)
    page.html.add_child(folium.Element(legend_html(style, dict.fromkeys(zone_codes), extra=extra)))
    return page


def notice_html(text: str) -> str:
    return ('<div id="zoning-notice" style="position:fixed;top:58px;left:50%;transform:translateX(-50%);z-index:900;'
            'background:#fff8e1;border:1px solid #e0a800;padding:4px 10px;font:11px sans-serif;max-width:46vw">'
            f'{_e(text)}</div>')


def verdict_banner_html(result, style: dict) -> str:
    """The verdict, top centre of the map, in its colour: the first thing anyone sees."""
    v = verdict_style(style, result.verdict)
    incomplete = "" if result.complete else ' <span style="font-weight:normal">· 结论不完整 INCOMPLETE</span>'
    return ('<div id="zoning-verdict" style="position:fixed;top:10px;left:50%;transform:translateX(-50%);'
            f'z-index:900;background:{_e(v.get("fill", "#555"))};color:#fff;padding:6px 16px;border-radius:4px;'
            'font:bold 15px sans-serif;box-shadow:0 1px 4px rgba(0,0,0,.4);max-width:46vw;text-align:center">'
            f'结论 {_e(VERDICT[result.verdict])}{incomplete}</div>')


def build_site_map(result, ctx, *, basemap: str = "osm", tianditu_key: str | None = None, style_path=None,
                   overlay=None):
    """A folium.Map of one CheckResult, using the run's context (the same loaded layers as the check)."""
    import folium
    style = load_style(style_path)
    epsg = int(result.analysis_crs.split()[0].split(":")[1])
    site = reproject(result.site_geometry, "EPSG:4490", f"EPSG:{epsg}")
    b = result.site_geometry.bounds
    m = folium.Map(location=[(b[1] + b[3]) / 2, (b[0] + b[2]) / 2], zoom_start=14, tiles=None, control_scale=True)
    shift = add_basemaps(m, basemap, tianditu_key)
    if overlay:
        from .basemaps import add_overlay
        add_overlay(m, overlay)
    window = shapely.box(*site.bounds).buffer(WINDOW_M)
    codes = _add_zone_layers(m, result, ctx, style, window, epsg, shift)
    extra = _add_raster_cells(m, result, ctx, style, site.buffer(RASTER_AROUND_M), epsg, shift)
    pieces = folium.FeatureGroup(name="重叠部分 Overlaps (verdict colour)", show=True)
    for finding in result.findings:
        if finding.type not in ("overlap", "boundary_contact"):
            continue      # raster findings have no piece to draw
        layer, rs, _ = ctx.layer(next(s for s in ctx.manifest.layers if s.id == finding.layer))
        geom = overlap_piece(layer.window(epsg, np.array([site]), grow=0.0, nearest=False), site, finding.zone)
        if geom.is_empty:
            continue
        v = verdict_style(style, finding.verdict)
        popup = (f"<b>{_e(finding.zone_name)} {_e(finding.zone_name_en)}</b> · {_e(finding.layer)}<br>"
                 f"要素 Feature: {_e(finding.feature)}<br>重叠 Overlap: {_area_html(finding.overlap_m2)} "
                 f"({finding.overlap_share:.2%})<br>结论 Verdict: {_e(VERDICT[finding.verdict])}"
                 f"{'' if finding.drives_verdict else ' (不影响结论 not driving)'}<br>规则 Rule: {_e(finding.rule)}")
        folium.GeoJson(_geojson(geom, epsg, shift), style_function=lambda _, v=v: {
            "color": v.get("colour"), "fillColor": v.get("fill"), "fillOpacity": 0.7, "weight": 2,
            "className": "zoning-overlap"}, popup=popup_of(popup, max_width=360)).add_to(pieces)
    pieces.add_to(m)
    sg = result.suggestion
    if sg and sg.get("found"):
        geom = reproject(shapely.geometry.shape(sg["geometry"]), "EPSG:4490", f"EPSG:{epsg}")
        v = verdict_style(style, sg["verdict"])
        group = folium.FeatureGroup(name="建议选址 Suggested location", show=True)
        folium.GeoJson(_geojson(geom, epsg, shift), style_function=lambda _, v=v: {
            "color": "#2166ac", "weight": 3, "dashArray": "2 6", "fillColor": v.get("fill"), "fillOpacity": 0.35,
            "className": "zoning-suggestion"},
            popup=popup_of(f"建议选址 Suggested: {_e(sg['direction'])} {sg['distance_m']:,.0f} m → "
                               f"{_e(VERDICT[sg['verdict']])}", max_width=300)).add_to(group)
        group.add_to(m)
    s_style = style.get("site", {})
    site_popup = (f"<b>{_e(result.site['name'])}</b> [{_e(result.site['id'])}]<br>{_e(result.site['category_name'])} "
                  f"{_e(result.site['category'])}<br>{_area_html(result.site['area_m2'])}<br>"
                  f"结论 Verdict: {_e(VERDICT[result.verdict])}")
    site_group = folium.FeatureGroup(name="项目 Site", show=True)
    folium.GeoJson(_geojson(site, epsg, shift), style_function=lambda _: {
        "color": s_style.get("colour", "#111"), "weight": s_style.get("weight", 3), "fill": False,
        "dashArray": s_style.get("dash", "6 4"), "className": "zoning-site"},
        popup=popup_of(site_popup, max_width=360)).add_to(site_group)
    site_group.add_to(m)
    shown = [result.site_geometry]
    if sg and sg.get("found"):            # the view holds the site and the suggested place alike
        shown.append(shapely.geometry.shape(sg["geometry"]))
    sb = shapely.total_bounds(shown)
    pad = max(sb[2] - sb[0], sb[3] - sb[1]) * 0.6 + 0.002
    m.fit_bounds([[sb[1] - pad, sb[0] - pad], [sb[3] + pad, sb[2] + pad]])
    root = add_controls(m, style, codes, extra)
    root.html.add_child(folium.Element(verdict_banner_html(result, style)))
    notes = []
    if result.manifest.get("demo"):
        notes.append(result.manifest.get("notice", ""))
    if shift:
        notes.append(AMAP_NOTE)
    if notes:
        root.html.add_child(folium.Element(notice_html(" ".join(notes))))
    title = f"{result.site['name'] or ''} — {VERDICT[result.verdict]}"
    root.header.add_child(folium.Element(f"<title>{_e(title)}</title>"))
    return m


def _add_zone_layers(m, result, ctx, style, window, epsg: int, shift) -> list:
    """Every vector layer inside the window, a toggle each (on when in force), zones filled and outlined; the
    window's own edge is not outlined, so a clipped zone does not seem to end there. Returns the zone codes drawn."""
    import folium
    status = {lr.id: lr for lr in result.layers}
    codes = []
    for spec in ctx.manifest.layers:
        if spec.is_raster:
            continue      # the cells behind raster findings are drawn by _add_raster_cells
        layer, rs, error = ctx.layer(spec)
        report = status.get(spec.id)
        in_force = report is not None and report.rule_set_status == "in_force"
        label = f"{spec.id} · {rs.title if rs else spec.rule_set}"
        if report is not None and report.status != "hit":
            label += f" [{STATUS.get(report.status, report.status)}]"
        group = folium.FeatureGroup(name=_e(label), show=in_force)
        if layer is not None:
            indexed = layer.window(epsg, np.array([window]), grow=0.0, nearest=False)
            edge = window.exterior.buffer(0.05)     # the clipping window's edge is never drawn as a boundary
            for f, zone, geom in features_in(indexed, window, SIMPLIFY_M):
                z = zone_style(style, zone)
                codes.append(zone)
                zone_obj = rs.zones[zone]
                rule = rs.rule_for(zone, result.site["category"], result.site["national_major"])
                popup = (f"<b>{_e(zone_obj.name)} {_e(zone_obj.name_en)}</b><br>要素 Feature: "
                         f"{_e(indexed.layer.names[f])}<br>图层 Layer: {_e(spec.id)} ({_e(rs.id)})<br>"
                         f"面积 Area: {_area_html(float(indexed.features[f].area))}<br>"
                         f"本类项目 This category: {_e(VERDICT[rule.verdict])} · {_e(rule.id)}")
                folium.GeoJson(_geojson(geom, epsg, shift), name=_e(zone_obj.name),
                               style_function=lambda _, z=z, zone=zone: {
                                   "stroke": False, "fillColor": z.get("fill"),
                                   "fillOpacity": z.get("fill_opacity", 0.4), "className": f"zoning-zone zone-{zone}"},
                               popup=popup_of(popup, max_width=360),
                               tooltip=folium.Tooltip(_e(f"{zone_obj.name} {indexed.layer.names[f]}"))).add_to(group)
                outline = shapely.difference(shapely.boundary(geom), edge)
                if not outline.is_empty:
                    folium.GeoJson(_geojson(outline, epsg, shift), style_function=lambda _, z=z: {
                        "color": z.get("colour"), "weight": z.get("weight", 1), "interactive": False,
                        "className": "zoning-zone-edge"}).add_to(group)
        group.add_to(m)
    return codes


def _add_raster_cells(m, result, ctx, style, around, epsg: int, shift) -> list:
    """The cells behind each raster finding (steeper than the threshold, or of the forest classes) as a layer of
    their own, with a legend entry; returns the legend entries."""
    import folium

    from ..overlay.raster_cells import cells_over
    extra, seen = [], set()
    specs = {s.id: s for s in ctx.manifest.layers if s.is_raster}
    for finding in result.findings:
        if finding.type != "raster" or finding.layer not in specs or (finding.layer, finding.rule) in seen:
            continue
        seen.add((finding.layer, finding.rule))
        layer, rs, _ = ctx.layer(specs[finding.layer])
        rule = next((r for r in (rs.rules if rs else []) if r.id == finding.rule), None)
        if layer is None or rule is None:
            continue
        cells = cells_over(layer, rule, around, epsg)
        if cells is None or cells.is_empty:
            continue
        look = {"colour": "#555", "fill": "#999", "fill_opacity": 0.5, **style.get("raster", {}).get(rs.measure, {})}
        label = f"{finding.zone_name} · {finding.rule}"
        group = folium.FeatureGroup(name=_e(f"{finding.layer}: {label}"), show=True)
        folium.GeoJson(_geojson(cells, epsg, shift), style_function=lambda _, s=look, c=f"raster-{rs.measure}": {
            "color": s["colour"], "weight": 0.5, "fillColor": s["fill"], "fillOpacity": s["fill_opacity"],
            "interactive": False, "className": f"zoning-raster {c}"}).add_to(group)
        group.add_to(m)
        extra.append((look["fill"], look["colour"], f"{label} — {look.get('label', '')}".rstrip(" —")))
    return extra


def map_html(m) -> str:
    """Self-contained HTML of a folium map: every script and stylesheet inlined."""
    from .selfcontained import inline_assets
    return inline_assets(m.get_root().render())


def write_text(path, text: str) -> Path:
    """Write a page whole or not at all."""
    from ..atomic import write_text as atomic_text
    return atomic_text(path, text)


def write_site_map(result, ctx, path, **kw) -> Path:
    return write_text(path, map_html(build_site_map(result, ctx, **kw)))
