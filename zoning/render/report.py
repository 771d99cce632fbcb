"""The report an officer files: verdict banner, site, findings with basis and authority, versions, disclaimers,
the interactive map and a static map image. HTML is self-contained; PDF is printed by headless Chromium."""
from __future__ import annotations

import base64
import datetime as dt
import os
from pathlib import Path, PureWindowsPath

from jinja2 import Environment, PackageLoader, select_autoescape

from ..units import areas
from .boundary_points import MAX_LISTED, listed_points
from .text import period_text, stats_text
from .labels import CONFIDENCE, STATUS, TYPE, VERDICT
from .style import load_style, verdict_style
from .. import messages

def _env():
    """The report's templates (templates/report.html, finding.html): an office may restyle them."""
    env = Environment(loader=PackageLoader("zoning.render", "templates"), autoescape=select_autoescape(default=True))
    env.filters["file_name"] = _file_name       # a filed report names the applicant's file, not this machine's paths
    return env


def _file_name(source) -> str:
    text = str(source or "")
    return text if text.startswith("<") else PureWindowsPath(text).name     # splits on both / and \\


def _area_text(m2: float) -> str:
    a = areas(m2)
    return f"{a['m2']:,.2f} m² = {a['ha']:,.4f} 公顷 = {a['mu']:,.3f} 亩"


def report_html(result, ctx, *, map_html: str | None = None, static_png: bytes | None = None, style_path=None,
                report_no: str | None = None, sheet_png: bytes | None = None) -> str:
    from .static_map import static_map_png
    style = load_style(style_path)
    env = _env()
    finding_tpl = env.get_template("finding.html")

    index = {id(f): i for i, f in enumerate(result.findings)}      # overrides name findings by this index

    def finding_block(f):
        from markupsafe import Markup
        return Markup(finding_tpl.render(f=f, index=index[id(f)],
                                         colour=verdict_style(style, f.verdict).get("colour", "#999"),
                                         verdict=VERDICT[f.verdict], area=_area_text(f.overlap_m2),
                                         confidence=CONFIDENCE.get(f.confidence, f.confidence)))

    png = static_png if static_png is not None else static_map_png(result, ctx, style_path=style_path)
    coords, rings, cut = listed_points(result)
    problem = [dict(id=lr.id, status_label=STATUS.get(lr.status, lr.status), error=lr.error) for lr in result.layers
               if lr.status in ("not_checked", "failed")]
    return env.get_template("report.html").render(
        site=result.site, area=areas(result.site["area_m2"]), verdict_label=VERDICT[result.verdict],
        banner_colour=verdict_style(style, result.verdict).get("fill", "#555"), complete=result.complete,
        reasons=result.incomplete_reasons, problem_layers=problem, demo=result.manifest.get("demo"),
        notice=result.manifest.get("notice", ""), analysis_crs=result.analysis_crs, date=result.date,
        tolerance=result.tolerance_m, warnings=result.warnings, static_png=base64.b64encode(png).decode(),
        map_html=map_html, driving=[f for f in result.findings if f.drives_verdict],
        others=[f for f in result.findings if not f.drives_verdict], finding_block=finding_block,
        finding_index=lambda f: index[id(f)],
        type_label=lambda t: TYPE.get(t, t), verdict_text=lambda v: VERDICT.get(v, v),
        status_label=lambda s: STATUS.get(s, s), area_text=_area_text, layers=result.layers,
        rule_sets=result.rule_sets, tool_version=result.tool_version,
        generated=dt.datetime.now().isoformat(timespec="seconds"), report_no=report_no,
        sheet_png=base64.b64encode(sheet_png).decode() if sheet_png else None,
        manifest_label=" · ".join(filter(None, [result.manifest.get("title"), result.manifest.get("version")])) or "—",
        manifest_sha=result.manifest.get("sha256"), period=period_text, stats_text=stats_text,
        disclaimer=result.disclaimer, suggestion=result.suggestion, coords=coords, coords_rings=rings,
        coords_cut=cut, coords_limit=MAX_LISTED)




def chromium_path() -> str:
    return os.environ.get("ZONING_CHROMIUM", "/usr/bin/chromium")


PAGE_FOOTER = ('<div style="font-size:9px;width:100%;text-align:center;font-family:\'Noto Sans CJK SC\',sans-serif">'
               '第 <span class="pageNumber"></span> 页 / 共 <span class="totalPages"></span> 页</div>')
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
        raise InputError(messages.error("pdf_needs_chromium"), source=str(pdf_path),
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
                page.pdf(path=str(tmp_pdf), format="A4", print_background=True, display_header_footer=True,
                         header_template="<div></div>", footer_template=PAGE_FOOTER,
                         margin={"top": "12mm", "bottom": "16mm", "left": "10mm", "right": "10mm"})
                tmp_pdf.replace(pdf_path)
            finally:
                browser.close()

    # its own thread: Playwright's sync API refuses to run where an asyncio loop is running (a web app, a test)
    from concurrent.futures import ThreadPoolExecutor
    try:
        with ThreadPoolExecutor(max_workers=1) as pool:
            pool.submit(_print).result()
    except PlaywrightError as exc:
        raise InputError(messages.error("chromium_failed", why=exc), source=str(pdf_path),
                         expected="a working Chromium (see ZONING_CHROMIUM)") from None
    finally:
        tmp_html.unlink(missing_ok=True)
    return pdf_path


def write_report(result, ctx, path, *, map_html: str | None = None, style_path=None,
                 report_no: str | None = None) -> Path:
    """report.html (self-contained, with the interactive and the static map), report.pdf (static map) or
    report.docx (Word, static map)."""
    path = Path(path)
    if path.suffix.lower() == ".docx":
        from .docx_report import write_docx
        return write_docx(result, ctx, path, style_path=style_path, report_no=report_no)
    if path.suffix.lower() == ".pdf":
        from .map_sheet import map_sheet_png
        sheet = map_sheet_png(result, ctx, paper="A4", orientation="portrait", style_path=style_path)
        return html_to_pdf(report_html(result, ctx, map_html=None, style_path=style_path, report_no=report_no,
                                       sheet_png=sheet), path)
    from .site_map import write_text
    return write_text(path, report_html(result, ctx, map_html=map_html, style_path=style_path, report_no=report_no))
