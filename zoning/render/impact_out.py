"""The impact of a layer update as people read it: a table in the terminal, a workbook to file, a web map of the
sites whose verdict changes."""
from __future__ import annotations

import html
import io
from pathlib import Path

from .labels import VERDICT
from .folium_typed import popup as popup_of
from .folium_typed import root as page_root

COLUMNS = ["record", "case_ref", "name", "category", "date", "old_verdict", "new_verdict", "old_complete",
           "new_complete", "zones", "driving_old", "driving_new"]
HEADER = ["记录 Record", "案号 Case ref", "名称 Name", "类别 Category", "申请日期 Date", "原结论 Old verdict",
          "新结论 New verdict", "原完整 Old complete", "新完整 New complete", "变化的分区与重叠面积 Zones changed (m²)",
          "原决定性发现 Old driving findings", "新决定性发现 New driving findings"]


def zones_text(c) -> str:
    return "; ".join(f"{layer} {zone} {feature}: {old:,.2f} → {new:,.2f}" for layer, zone, feature, old, new in c.zones)


def _driving(items) -> str:
    return "; ".join(f"{layer}/{zone}/{rule}" for layer, zone, rule in items)


def _row(c) -> list:
    r = c.ref
    return [c.key, r.get("case_ref") or "", r.get("name") or "", r.get("category") or "", str(r.get("date") or ""),
            c.old_verdict, c.new_verdict, c.old_complete, c.new_complete, zones_text(c), _driving(c.driving_old),
            _driving(c.driving_new)]


def impact_text(imp) -> str:
    out = [f"更新影响 Impact of {imp.old} → {imp.new} on {imp.source}",
           f"{imp.total:,} 条记录 records: {len(imp.changes):,} 变化 change, {imp.unchanged:,} 不变 unchanged"]
    for c in imp.changes:
        ref = " · ".join(str(v) for v in (c.ref.get("case_ref"), c.ref.get("name")) if v)
        line = f" - {c.key}{f' ({ref})' if ref else ''}: {VERDICT.get(c.old_verdict, c.old_verdict)} → " \
               f"{VERDICT.get(c.new_verdict, c.new_verdict)}"
        if c.old_complete != c.new_complete:
            line += f" · complete {c.old_complete} → {c.new_complete}"
        out.append(line)
        if c.zones:
            out.append("     " + zones_text(c))
    return "\n".join(out)


def impact_xlsx(imp) -> bytes:
    import openpyxl

    from .workbook import Sheet
    wb = openpyxl.Workbook(write_only=True)
    sheet = Sheet(wb, "影响 impact", COLUMNS, labels=HEADER)     # verdicts coloured, text never a formula
    for c in imp.changes:
        sheet.append(_row(c))
    summary = Sheet(wb, "摘要 summary", ["item", "value"], labels=["项目 Item", "值 Value"])
    for k, v in (("原图层 Old manifest", imp.old), ("新图层 New manifest", imp.new), ("记录来源 Records", imp.source),
                 ("记录数 Records", imp.total), ("变化 Changed", len(imp.changes)), ("不变 Unchanged", imp.unchanged)):
        summary.append([k, v])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def write_impact_xlsx(imp, path) -> Path:
    from ..atomic import write_bytes
    return write_bytes(Path(path), impact_xlsx(imp))


COLOURS = {"prohibited": "#d7191c", "conditional": "#fdae61", "permitted": "#1a9641", None: "#555555"}


def write_impact_map(imp, sites: list[dict], path) -> Path:
    import folium
    import shapely

    from ..atomic import write_text
    from .site_map import map_html
    geoms = {(f"check {s['check']}" if "check" in s else f"row {s['row']}"): s["geometry"] for s in sites}
    m = folium.Map(location=[28.0, 113.05], zoom_start=10, tiles="OpenStreetMap")
    shown = []
    for c in imp.changes:
        g = geoms.get(c.key)
        if g is None:
            continue
        shown.append(shapely.geometry.shape(g))
        colour = COLOURS.get(c.new_verdict, "#555555")
        popup = (f"<b>{html.escape(c.key)}</b> {html.escape(str(c.ref.get('name') or ''))}<br>"
                 f"{html.escape(VERDICT.get(c.old_verdict, str(c.old_verdict)))} → "
                 f"{html.escape(VERDICT.get(c.new_verdict, str(c.new_verdict)))}<br>{html.escape(zones_text(c))}")
        folium.GeoJson(g, popup=popup_of(popup, max_width=420),
                       style_function=lambda _f, col=colour: {"color": col, "fillColor": col, "fillOpacity": 0.5,
                                                              "weight": 3}).add_to(m)
    if shown:
        b = shapely.total_bounds(shown)
        m.fit_bounds([[b[1], b[0]], [b[3], b[2]]])
    legend = "".join(f'<div><span style="display:inline-block;width:12px;height:12px;background:{COLOURS[k]};'
                     f'margin-right:6px"></span>新结论 {VERDICT[k]}</div>' for k in ("prohibited", "conditional",
                                                                                 "permitted"))
    page_root(m).html.add_child(folium.Element(
        '<div id="zoning-legend" style="position:fixed;bottom:24px;left:12px;z-index:9999;background:white;'
        f'padding:8px 10px;border:1px solid #999;font:13px sans-serif"><b>更新影响 Impact</b>'
        f"<div>{len(imp.changes):,} 变化 changed · {imp.unchanged:,} 不变 unchanged</div>{legend}</div>"))
    return write_text(path, map_html(m))
