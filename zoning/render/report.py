"""The report an officer files: verdict banner, site, findings with basis and authority, versions, disclaimers,
the interactive map and a static map image. HTML is self-contained; PDF is printed by headless Chromium."""
from __future__ import annotations

import base64
import datetime as dt
import os
from pathlib import Path

from jinja2 import Environment

from ..units import areas
from .boundary_points import MAX_LISTED, listed_points
from .labels import CONFIDENCE, STATUS, TYPE, VERDICT
from .style import load_style, verdict_style

TEMPLATE = r"""<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8">
<title>准入审查报告 Admission report — {{ site.name or site.id or "未命名 unnamed" }}</title>
<style>
body{font-family:"Noto Sans CJK SC","Noto Sans SC","Microsoft YaHei","PingFang SC",sans-serif;margin:24px;color:#222;font-size:13px}
h1{font-size:20px;margin:0 0 8px} h2{font-size:16px;border-bottom:1px solid #ccc;padding-bottom:3px;margin-top:22px}
.banner{padding:14px 18px;color:#fff;font-size:22px;font-weight:bold;border-radius:4px}
.warn{background:#fff3cd;border:1px solid #e0a800;padding:8px 12px;margin:8px 0}
.demo{background:#fdecea;border:1px solid #c62828;padding:8px 12px;margin:8px 0;color:#8b0000}
table{border-collapse:collapse;width:100%;margin:6px 0} td,th{border:1px solid #ccc;padding:4px 6px;vertical-align:top;text-align:left}
th{background:#f3f3f3;width:22%} .finding{border-left:6px solid #999;padding:4px 12px;margin:12px 0;page-break-inside:avoid}
.small{color:#555;font-size:11px} img.static{width:100%;max-width:820px;border:1px solid #ccc}
iframe.map{width:100%;height:520px;border:1px solid #ccc}
table.coords{width:auto;min-width:60%} table.coords td{text-align:right;font-family:monospace}
thead{display:table-header-group} tr{page-break-inside:avoid}
@media print{.screen-only{display:none} body{margin:10mm}}
</style></head><body>
<div class="banner" id="verdict-banner" style="background:{{ banner_colour }}">结论 VERDICT: {{ verdict_label }}</div>
{% if not complete %}<div class="warn" id="incomplete"><b>⚠ 结论不完整 INCOMPLETE</b><ul>{% for r in reasons %}<li>{{ r }}</li>{% endfor %}</ul></div>{% endif %}
{% if problem_layers %}<div class="warn"><b>未检查或加载失败的图层 Layers not checked or failed:</b>
<ul>{% for l in problem_layers %}<li>{{ l.id }}: {{ l.status_label }}{% if l.error %} — {{ l.error }}{% endif %}</li>{% endfor %}</ul></div>{% endif %}
{% if demo %}<div class="demo" id="demo-notice"><b>演示数据 DEMO DATA.</b> {{ notice }}</div>{% endif %}
<h1>生态绿心及生态红线准入审查报告 Admission screening report</h1>
<h2>项目 Site</h2>
<table>
<tr><th>名称 Name</th><td>{{ site.name or "未命名 unnamed" }}</td></tr><tr><th>编号 Id</th><td>{{ site.id or "—" }}</td></tr>
<tr><th>类别 Category</th><td>{{ site.category_name }} {{ site.category }} — {{ site.category_name_en }}{% if site.national_major %} · 国家重大项目 national major{% endif %}</td></tr>
<tr><th>面积 Area</th><td>{{ area.m2 }} m² = {{ area.ha }} 公顷 = {{ area.mu }} 亩</td></tr>
{% if site.footprint %}<tr><th>范围 Footprint</th><td>{{ site.footprint }}</td></tr>{% endif %}
<tr><th>来源 Source file</th><td>{{ site.source }}</td></tr><tr><th>坐标系 CRS</th><td>{{ site.source_crs }}; 分析 analysis {{ analysis_crs }}</td></tr>
<tr><th>几何哈希 Geometry SHA-256</th><td class="small">{{ site.geometry_sha256 }}</td></tr>
<tr><th>申请日期 Application date</th><td>{{ date }}</td></tr><tr><th>容差 Tolerance</th><td>{{ tolerance }} m</td></tr>
</table>
{% if warnings %}<div class="warn"><b>提示 Warnings</b><ul>{% for w in warnings %}<li>{{ w }}</li>{% endfor %}</ul></div>{% endif %}
<h2>地图 Map</h2>
<img class="static" alt="static map" src="data:image/png;base64,{{ static_png }}">
{% if map_html %}<div class="screen-only"><p class="small">交互地图 Interactive map (图层可切换 toggle layers, 点击查看 click for details):</p>
<iframe class="map" id="interactive-map" srcdoc="{{ map_html }}"></iframe></div>{% endif %}
{% if coords %}<h2 id="boundary-points">界址点成果表 Boundary point coordinates</h2>
<p class="small">{{ coords.label }} · {{ coords.count }} 个界址点 points · 面积 area {{ area_text(coords.area_m2) }}</p>
{% for r in coords_rings %}<p><b>第{{ r.part }}部分 part {{ r.part }} · 圈号 ring {{ r.number }} · {% if r.hole %}内边界（洞）hole{% else %}外边界 exterior{% endif %}</b>
· 面积 area {{ '%.2f'|format(r.area_m2) }} m²</p>
<table class="coords"><thead><tr><th>点号 Point</th><th>X 北坐标 northing (m)</th><th>Y 东坐标 easting (m)</th><th>边长 Edge to next (m)</th></tr></thead><tbody>
{% for p in r.points %}<tr><td>{{ p[0] }}</td><td>{{ '%.3f'|format(p[1]) }}</td><td>{{ '%.3f'|format(p[2]) }}</td><td>{% if not loop.last %}{{ '%.3f'|format(r.edges[loop.index0]) }}{% endif %}</td></tr>{% endfor %}
</tbody></table>{% endfor %}
{% if coords_cut %}<p class="small">仅列出前 {{ coords_limit }} 个界址点；完整成果见 <code>zoning check … --coords-out site.txt</code>. Only the first {{ coords_limit }} points are listed; the full list is written by --coords-out.</p>{% endif %}
{% endif %}
<h2>决定结论的发现 Findings that drive the verdict ({{ driving|length }})</h2>
{% if not driving %}<p>未与任何现行分区重叠 The site overlaps no zone in force.</p>{% endif %}
{% for f in driving %}{{ finding_block(f) }}{% endfor %}
{% if others %}<h2>其他发现（不影响结论）Other findings, not driving the verdict</h2>
<table><tr><th>类型 Type</th><th>分区 Zone</th><th>图层 Layer</th><th>要素 Feature</th><th>面积/距离 Area or distance</th><th>注 Note</th></tr>
{% for f in others %}<tr><td>{{ type_label(f.type) }}</td><td>{{ f.zone_name }} {{ f.zone_name_en }}</td><td>{{ f.layer }}</td><td>{{ f.feature }}</td>
<td>{% if f.type in ('adjacency','nearest') %}{{ '%.1f'|format(f.distance_m) }} m{% else %}{{ area_text(f.overlap_m2) }}{% endif %}</td><td>{{ f.note }}{% if f.rule %} ({{ f.rule }}: {{ verdict_text(f.verdict) }}){% endif %}</td></tr>{% endfor %}
</table>{% endif %}
{% if suggestion %}<h2>建议选址 Suggested location</h2>
{% if suggestion.found %}<p id="suggestion">同一用地形状向 {{ suggestion.direction }} 平移 {{ suggestion.distance_m }} m（方位 {{ suggestion.bearing_deg }}°）
后经完整核查为 {{ verdict_text(suggestion.verdict) }}（规则 {{ suggestion.rules|join(', ') }}）。The same footprint moved
{{ suggestion.distance_m }} m to the {{ suggestion.direction }} would be {{ suggestion.verdict }} (verified by a full check);
it is drawn on the map.</p>{% else %}<p id="suggestion">{{ suggestion.note }}</p>{% endif %}{% endif %}
<h2>数据与规则版本 Data and rule versions</h2>
<table><tr><th>图层 Layer</th><th>状态 Status</th><th>规则集 Rule set</th><th>版本 Version</th><th>SHA-256</th></tr>
{% for l in layers %}<tr><td>{{ l.id }}</td><td>{{ status_label(l.status) }}{% if l.rule_set_status and l.rule_set_status != 'in_force' %} ({{ l.rule_set_status }}){% endif %}</td><td>{{ l.rule_set }}</td><td>{{ l.version }}</td><td class="small">{{ l.sha256 or '' }}</td></tr>{% endfor %}
</table>
<table><tr><th>规则集 Rule set</th><th>版本 Version</th><th>有效期 In force</th><th>SHA-256</th></tr>
{% for r in rule_sets %}<tr><td>{{ r.id }} — {{ r.title }}</td><td>{{ r.version }}</td><td>{{ r.in_force_from or "—" }} – {{ r.in_force_to or '' }}</td><td class="small">{{ r.sha256 }}</td></tr>{% endfor %}
</table>
<p class="small">工具 Tool: zoning {{ tool_version }} · 生成时间 Generated {{ generated }} · 图层清单 Manifest {{ manifest_path }}</p>
<h2>声明 Disclaimers</h2>
<p>{{ disclaimer }}</p>{% if demo %}<p>{{ notice }}</p>{% endif %}
</body></html>"""

FINDING = r"""<div class="finding" style="border-color:{{ colour }}">
<h3>{{ f.zone_name }} {{ f.zone_name_en }} — {{ verdict }}</h3>
<table><tr><th>图层 Layer</th><td>{{ f.layer }} ({{ f.rule_set }})</td></tr><tr><th>要素 Feature</th><td>{{ f.feature }}</td></tr>
<tr><th>重叠 Overlap</th><td>{{ area }} ({{ '%.2f'|format(f.overlap_share * 100) }}% of site 占项目面积)</td></tr>
{% for c in f.corridor %}<tr><th>廊道 Corridor</th><td>{{ c.feature }}: 最小宽度 min width {{ c.min_width_m }} m;
{% if c.severs %}切断廊道 severs the corridor{% elif c.narrows_below_min_width %}窄于最小宽度 narrows it below the minimum{% else %}不切断、不变窄 neither severs nor narrows{% endif %}{% if c.residual_width_m is not none %}; 剩余宽度 residual ≈ {{ c.residual_width_m }} m{% endif %}</td></tr>{% endfor %}
<tr><th>规则 Rule</th><td>{{ f.rule }}</td></tr><tr><th>依据 Legal basis</th><td>{{ f.basis }}</td></tr>
<tr><th>审批机关 Authority</th><td>{{ f.authority or '—' }}</td></tr>
<tr><th>条件 Conditions</th><td>{{ f.conditions }}<br><span class="small">{{ f.conditions_en }}</span></td></tr>
<tr><th>可信度 Confidence</th><td>{{ confidence }}</td></tr></table></div>"""


def _env():
    env = Environment(autoescape=True)
    return env


def _area_text(m2: float) -> str:
    a = areas(m2)
    return f"{a['m2']:,.2f} m² = {a['ha']:,.4f} 公顷 = {a['mu']:,.3f} 亩"


def report_html(result, ctx, *, map_html: str | None = None, static_png: bytes | None = None, style_path=None) -> str:
    from .static_map import static_map_png
    style = load_style(style_path)
    env = _env()
    finding_tpl = env.from_string(FINDING)

    def finding_block(f):
        from markupsafe import Markup
        return Markup(finding_tpl.render(f=f, colour=verdict_style(style, f.verdict).get("colour", "#999"),
                                         verdict=VERDICT[f.verdict], area=_area_text(f.overlap_m2),
                                         confidence=CONFIDENCE.get(f.confidence, f.confidence)))

    png = static_png if static_png is not None else static_map_png(result, ctx, style_path=style_path)
    coords, rings, cut = listed_points(result)
    problem = [dict(id=l.id, status_label=STATUS.get(l.status, l.status), error=l.error) for l in result.layers
               if l.status in ("not_checked", "failed")]
    return env.from_string(TEMPLATE).render(
        site=result.site, area=areas(result.site["area_m2"]), verdict_label=VERDICT[result.verdict],
        banner_colour=verdict_style(style, result.verdict).get("fill", "#555"), complete=result.complete,
        reasons=result.incomplete_reasons, problem_layers=problem, demo=result.manifest.get("demo"),
        notice=result.manifest.get("notice", ""), analysis_crs=result.analysis_crs, date=result.date,
        tolerance=result.tolerance_m, warnings=result.warnings, static_png=base64.b64encode(png).decode(),
        map_html=map_html, driving=[f for f in result.findings if f.drives_verdict],
        others=[f for f in result.findings if not f.drives_verdict], finding_block=finding_block,
        type_label=lambda t: TYPE.get(t, t), verdict_text=lambda v: VERDICT.get(v, v),
        status_label=lambda s: STATUS.get(s, s), area_text=_area_text, layers=result.layers,
        rule_sets=result.rule_sets, tool_version=result.tool_version,
        generated=dt.datetime.now().isoformat(timespec="seconds"), manifest_path=result.manifest.get("path") or " · ".join(
            filter(None, [result.manifest.get("title"), result.manifest.get("version"),
                          "sha256 " + (result.manifest.get("sha256") or "")[:12]])),
        disclaimer=result.disclaimer, suggestion=result.suggestion, coords=coords, coords_rings=rings,
        coords_cut=cut, coords_limit=MAX_LISTED)



def chromium_path() -> str:
    return os.environ.get("ZONING_CHROMIUM", "/usr/bin/chromium")


CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]


def html_to_pdf(html_text: str, pdf_path: Path) -> Path:
    """Print HTML to an A4 PDF with headless Chromium (Debian's chromium, driven by Playwright)."""
    from ..extras import require
    require("pdf", str(pdf_path))
    from playwright.sync_api import Error as PlaywrightError
    from playwright.sync_api import sync_playwright

    from ..errors import InputError
    exe = chromium_path()
    if not Path(exe).exists():
        raise InputError("a PDF report needs Chromium", source=str(pdf_path),
                         expected=f"Chromium at {exe} (apt-get install chromium fonts-noto-cjk, or set ZONING_CHROMIUM)"
                                  ", or write report.html instead")
    tmp_html = pdf_path.with_name(f".{pdf_path.name}.html")
    tmp_html.write_text(html_text, encoding="utf-8")

    def _print():
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=exe, headless=True, args=CHROMIUM_ARGS)
            try:
                page = browser.new_page()
                page.route("**/*", lambda route: route.continue_() if route.request.url.startswith(("file:", "data:"))
                           else route.abort())
                page.goto(tmp_html.resolve().as_uri(), wait_until="load")
                tmp_pdf = pdf_path.with_name(f".{pdf_path.name}.tmp")
                page.pdf(path=str(tmp_pdf), format="A4", print_background=True,
                         margin={"top": "12mm", "bottom": "12mm", "left": "10mm", "right": "10mm"})
                tmp_pdf.replace(pdf_path)
            finally:
                browser.close()

    # its own thread: Playwright's sync API refuses to run where an asyncio loop is running (a web app, a test)
    from concurrent.futures import ThreadPoolExecutor
    try:
        with ThreadPoolExecutor(max_workers=1) as pool:
            pool.submit(_print).result()
    except PlaywrightError as exc:
        raise InputError(f"Chromium could not print the report: {exc}", source=str(pdf_path),
                         expected="a working Chromium (see ZONING_CHROMIUM)") from None
    finally:
        tmp_html.unlink(missing_ok=True)
    return pdf_path


def write_report(result, ctx, path, *, map_html: str | None = None, style_path=None) -> Path:
    """report.html (self-contained, with the interactive and the static map), report.pdf (static map) or
    report.docx (Word, static map)."""
    path = Path(path)
    if path.suffix.lower() == ".docx":
        from .docx_report import write_docx
        return write_docx(result, ctx, path, style_path=style_path)
    if path.suffix.lower() == ".pdf":
        return html_to_pdf(report_html(result, ctx, map_html=None, style_path=style_path), path)
    from .site_map import write_text
    return write_text(path, report_html(result, ctx, map_html=map_html, style_path=style_path))
