"""The report as a Word document (.docx) that an office edits, signs and files: the same content as the HTML and
PDF reports, verdict first, with the 界址点成果表. Made with python-docx; an office restyles it by putting a
`report-template.docx` (its own styles, fonts, letterhead) beside the map style in `maps/` or naming one."""
from __future__ import annotations

import io
from pathlib import Path

from ..atomic import write_bytes
from ..units import areas
from .boundary_points import MAX_LISTED, listed_points
from .labels import CONFIDENCE, STATUS, TYPE, VERDICT
from .style import load_style, verdict_style

CJK_FONT = "宋体"          # SimSun: on every office PC; elsewhere the viewer substitutes its CJK font
TEMPLATE_NAME = "report-template.docx"


def _area_text(m2: float) -> str:
    a = areas(m2)
    return f"{a['m2']:,.2f} m² = {a['ha']:,.4f} 公顷 = {a['mu']:,.3f} 亩"


def _template(path) -> Path | None:
    if path:
        return Path(path)
    from ..resources import data_file
    p = data_file("maps", TEMPLATE_NAME)
    return p if p.exists() else None


def _set_cjk(style_or_run, size=None):
    from docx.oxml.ns import qn
    from docx.shared import Pt
    font = style_or_run.font
    if size:
        font.size = Pt(size)
    rpr = style_or_run.element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = rpr.makeelement(qn("w:rFonts"), {})
        rpr.append(fonts)
    fonts.set(qn("w:eastAsia"), CJK_FONT)


def _table(doc, header, rows, widths=None, repeat_header=True):
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    t = doc.add_table(rows=1, cols=len(header))
    t.style = "Table Grid"
    for cell, text in zip(t.rows[0].cells, header, strict=False):
        cell.text = ""
        cell.paragraphs[0].add_run(str(text)).bold = True
    if repeat_header:            # a long table repeats its header on every page
        trpr = t.rows[0]._tr.get_or_add_trPr()
        el = OxmlElement("w:tblHeader")
        el.set(qn("w:val"), "true")
        trpr.append(el)
    for row in rows:
        cells = t.add_row().cells
        for cell, text in zip(cells, row, strict=False):
            cell.text = "" if text is None else str(text)
    return t


def _pairs(doc, pairs):
    t = doc.add_table(rows=0, cols=2)
    t.style = "Table Grid"
    for k, v in pairs:
        cells = t.add_row().cells
        cells[0].text = ""
        cells[0].paragraphs[0].add_run(k).bold = True
        cells[1].text = "" if v is None else str(v)
    return t


def report_docx(result, ctx, *, static_png: bytes | None = None, style_path=None, template=None,
                report_no: str | None = None, overrides=()) -> bytes:
    from docx import Document

    from .static_map import static_map_png
    style = load_style(style_path)
    tpl = _template(template)
    doc = Document(str(tpl)) if tpl else Document()
    for name in ("Normal", "Heading 1", "Heading 2", "Heading 3", "Title"):
        _set_cjk(doc.styles[name], 10.5 if name == "Normal" else None)
    doc.add_heading("生态绿心及生态红线准入审查报告 Admission screening report", level=0)
    if report_no:
        doc.add_paragraph(f"报告编号 Report no. {report_no}")
    _verdict(doc, result, style)
    if overrides:
        p = doc.add_paragraph()
        p.add_run("复核意见 Reviewer overrides (原结论保持不变 the original result below is unchanged)").bold = True
        for line in overrides:
            doc.add_paragraph(line, style="List Bullet")
    _site(doc, result)
    doc.add_heading("地图 Map", level=1)
    png = static_png if static_png is not None else static_map_png(result, ctx, style_path=style_path)
    _picture(doc, png)
    _findings(doc, result)
    _boundary_points(doc, result)
    _versions(doc, result)
    doc.add_heading("声明 Disclaimers", level=1)
    doc.add_paragraph(result.disclaimer)
    if result.manifest.get("demo"):
        doc.add_paragraph(result.manifest.get("notice", ""))
    _sign_off(doc, report_no)
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def _verdict(doc, result, style) -> None:
    """The verdict first, as a coloured banner; then what makes it incomplete, and the demo notice."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import RGBColor
    banner = doc.add_paragraph()
    run = banner.add_run(f"结论 VERDICT: {VERDICT[result.verdict]}")
    run.bold = True
    _set_cjk(run, 16)
    run.font.color.rgb = RGBColor(0xFF, 0xFF, 0xFF)
    shade = OxmlElement("w:shd")
    fill = verdict_style(style, result.verdict).get("fill", "#555555").lstrip("#")
    shade.set(qn("w:val"), "clear")
    shade.set(qn("w:fill"), fill.upper() if len(fill) == 6 else "555555")
    banner._p.get_or_add_pPr().append(shade)
    if not result.complete:
        p = doc.add_paragraph()
        p.add_run("⚠ 结论不完整 INCOMPLETE: ").bold = True
        p.add_run("; ".join(result.incomplete_reasons))
    for layer in result.layers:
        if layer.status in ("not_checked", "failed"):
            doc.add_paragraph(f"{layer.id}: {STATUS.get(layer.status, layer.status)}"
                              + (f" — {layer.error}" if layer.error else ""), style="List Bullet")
    if result.manifest.get("demo"):
        p = doc.add_paragraph()
        p.add_run("演示数据 DEMO DATA. ").bold = True
        p.add_run(result.manifest.get("notice", ""))


def _site(doc, result) -> None:
    s = result.site
    doc.add_heading("项目 Site", level=1)
    a = areas(s["area_m2"])
    pairs = [("名称 Name", s.get("name") or "未命名 unnamed"), ("编号 Id", s.get("id") or "—"),
             ("类别 Category", f"{s['category_name']} {s['category']} — {s['category_name_en']}"
                              + (" · 国家重大项目 national major" if s.get("national_major") else "")),
             ("面积 Area", f"{a['m2']} m² = {a['ha']} 公顷 = {a['mu']} 亩")]
    if s.get("footprint"):
        pairs.append(("范围 Footprint", s["footprint"]))
    pairs += [("来源 Source file", s.get("source")),
              ("坐标系 CRS", f"{s.get('source_crs')}; 分析 analysis {result.analysis_crs}"),
              ("申请日期 Application date", result.date), ("容差 Tolerance", f"{result.tolerance_m:g} m")]
    _pairs(doc, pairs)
    if result.warnings:
        doc.add_paragraph().add_run("提示 Warnings").bold = True
        for w in result.warnings:
            doc.add_paragraph(w, style="List Bullet")


def _picture(doc, png: bytes) -> None:
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Cm
    doc.add_picture(io.BytesIO(png), width=Cm(16))
    doc.paragraphs[-1].alignment = WD_ALIGN_PARAGRAPH.CENTER


def _finding_rows(f) -> list:
    from .text import stats_text
    rows = [("图层 Layer", f"{f.layer} ({f.rule_set})"), ("要素 Feature", f.feature),
            ("重叠 Overlap", f"{_area_text(f.overlap_m2)} ({f.overlap_share * 100:.2f}% of site 占项目面积)")]
    for c in f.corridor:
        state = ("切断廊道 severs the corridor" if c.get("severs") else "窄于最小宽度 narrows it below the minimum"
                 if c.get("narrows_below_min_width") else "不切断、不变窄 neither severs nor narrows")
        rows.append(("廊道 Corridor", f"{c.get('feature')}: 最小宽度 min width {c.get('min_width_m')} m; {state}"))
    if f.stats:
        rows.append(("统计 Statistics", stats_text(f.stats)))
    return rows + [("规则 Rule", f.rule), ("依据 Legal basis", f.basis), ("审批机关 Authority", f.authority or "—"),
                   ("条件 Conditions", f"{f.conditions}\n{f.conditions_en}"),
                   ("可信度 Confidence", CONFIDENCE.get(f.confidence, f.confidence))]


def _findings(doc, result) -> None:
    from .text import stats_text
    driving = [f for f in result.findings if f.drives_verdict]
    doc.add_heading(f"决定结论的发现 Findings that drive the verdict ({len(driving)})", level=1)
    if not driving:
        doc.add_paragraph("未与任何现行分区重叠 The site overlaps no zone in force.")
    for f in driving:
        doc.add_heading(f"{f.zone_name} {f.zone_name_en} — {VERDICT[f.verdict]}", level=2)
        _pairs(doc, _finding_rows(f))
    others = [f for f in result.findings if not f.drives_verdict]
    if others:
        doc.add_heading("其他发现（不影响结论）Other findings, not driving the verdict", level=1)
        rows = []
        for f in others:
            size = (f"{f.distance_m:,.1f} m" if f.type in ("adjacency", "nearest") and f.distance_m is not None
                    else stats_text(f.stats) if f.type == "raster_stats" else _area_text(f.overlap_m2))
            rows.append((TYPE.get(f.type, f.type), f"{f.zone_name} {f.zone_name_en}", f.layer, f.feature, size,
                         f.note + (f" ({f.rule}: {VERDICT.get(f.verdict, f.verdict)})" if f.rule else "")))
        _table(doc, ["类型 Type", "分区 Zone", "图层 Layer", "要素 Feature", "面积/距离 Area or distance", "注 Note"],
               rows)
    sg = result.suggestion
    if sg:
        doc.add_heading("建议选址 Suggested location", level=1)
        verdict = VERDICT.get(sg.get("verdict"), sg.get("verdict"))
        doc.add_paragraph(f"同一用地形状向 {sg['direction']} 平移 {sg['distance_m']} m（方位 {sg['bearing_deg']}°）"
                          f"后经完整核查为 {verdict}。" if sg.get("found") else sg.get("note", ""))


def _boundary_points(doc, result) -> None:
    coords, rings, cut = listed_points(result)
    if coords is None:
        return
    doc.add_heading("界址点成果表 Boundary point coordinates", level=1)
    doc.add_paragraph(f"{coords.label} · {coords.count} 个界址点 points · 面积 area {_area_text(coords.area_m2)}")
    for r in rings:
        doc.add_paragraph().add_run(f"第{r.part}部分 part {r.part} · 圈号 ring {r.number} · "
                                    f"{'内边界（洞）hole' if r.hole else '外边界 exterior'} · 面积 area "
                                    f"{r.area_m2:,.2f} m²").bold = True
        rows = [(label, f"{x:.3f}", f"{y:.3f}", f"{r.edges[k]:.3f}" if k < len(r.edges) else "")
                for k, (label, x, y) in enumerate(r.points)]
        _table(doc, ["点号 Point", "X 北坐标 northing (m)", "Y 东坐标 easting (m)", "边长 Edge to next (m)"], rows)
    if cut:
        doc.add_paragraph(f"仅列出前 {MAX_LISTED} 个界址点；完整成果见 zoning check … --coords-out site.txt. "
                          f"Only the first {MAX_LISTED} points are listed; the full list is written by --coords-out.")


def _sign_off(doc, report_no) -> None:
    """报告编号 and the lines an office signs: 经办人, 审核人, 日期."""
    import datetime as dt
    t = doc.add_table(rows=2, cols=4)
    t.style = "Table Grid"
    for cell, text in zip(t.rows[0].cells, ["报告编号 Report no.", report_no or "—", "日期 Date",
                                            dt.date.today().isoformat()], strict=True):
        cell.text = text
    for cell, text in zip(t.rows[1].cells, ["经办人 Prepared by", "", "审核人 Reviewed by", ""], strict=True):
        cell.text = text


def _versions(doc, result) -> None:
    from .text import period_text
    s, m = result.site, result.manifest
    doc.add_heading("数据与规则版本 Data and rule versions", level=1)
    _table(doc, ["图层 Layer", "状态 Status", "规则集 Rule set", "版本 Version", "SHA-256"],
           [(lr.id, STATUS.get(lr.status, lr.status), lr.rule_set, lr.version, lr.sha256 or "")
            for lr in result.layers])
    doc.add_paragraph()
    _table(doc, ["规则集 Rule set", "版本 Version", "有效期 In force", "SHA-256"],
           [(f"{r['id']} — {r.get('title', '')}", r.get("version"),
             period_text(r), r.get("sha256"))
            for r in result.rule_sets])
    doc.add_paragraph(f"工具 Tool: zoning {result.tool_version} · 图层清单 Manifest "
                      + " · ".join(filter(None, [m.get("title"), m.get("version"),
                                                 "sha256 " + (m.get("sha256") or "")[:12]]))
                      + f" · 几何哈希 geometry SHA-256 {s.get('geometry_sha256')}")


def write_docx(result, ctx, path, *, style_path=None, template=None, report_no: str | None = None) -> Path:
    return write_bytes(Path(path), report_docx(result, ctx, style_path=style_path, template=template,
                                               report_no=report_no))
