"""The register: the list of checks, each check's report as first shown (with its map in a sandbox), a
reviewer's override, and the downloads of a check."""
from __future__ import annotations

import html as html_lib
import json
import re
import tempfile
from pathlib import Path

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from ...errors import InputError
from ...render.report import html_to_pdf
from .. import pages
from ..access import need, page, svc
from ..accounts import allowed
from ..engine_pool import docx_job
from ..errors import NotFound
from ..filed_report import filed_html, override_lines, report_number
from ..security import MAP_CSP
from ..services import result_from_record
from ...messages import error

router = APIRouter()
SRCDOC = re.compile(r'srcdoc="([^"]*)"')
WORD = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _attachment(name: str) -> dict:
    return {"Content-Disposition": f'attachment; filename="{name}"'}


@router.get("/checks", response_class=HTMLResponse)
def checks(request: Request, q: str = "", verdict: str = "", date_from: str = "", date_to: str = ""):
    s = svc(request)
    rows = s.register.search(q=q or None, verdict=verdict or None, date_from=date_from or None,
                             date_to=date_to or None)
    names = {c.code: f"{c.name} {c.code}" for c in s.categories}     # 商业服务 commercial, not a bare code
    return page(request, pages.CHECKS, title="登记册 Register", rows=rows, q=q, verdict=verdict,
                date_from=date_from, date_to=date_to, category_names=names)


@router.get("/checks/{check_id}", response_class=HTMLResponse)
async def show_check(check_id: int, request: Request):
    s = svc(request)
    rec = s.record(check_id)
    html = await s.report(rec)
    findings = [(i, f"{f['layer']} {f['zone_name']} {f['type']} {f['verdict'] or ''}")
                for i, f in enumerate(rec["result"]["findings"]) if f["type"] != "nearest"]
    labels = dict(findings)
    bar = page(request, pages.RESULT_BAR, rec=rec, findings=findings,
               finding_label=lambda i: labels.get(i, ""), may_override=allowed(request.state.user, "reviewer"))
    # the interactive map from its own sandboxed address: its scripts never run in this page's origin
    html = SRCDOC.sub(f'src="/checks/{check_id}/map.html" sandbox="allow-scripts allow-popups"', html, count=1)
    return html.replace("<body>", "<body>" + bar, 1)


@router.get("/checks/{check_id}/map.html", response_class=HTMLResponse)
async def check_map(check_id: int, request: Request):
    """The report's interactive map, alone: self-contained, served in a sandbox (an opaque origin) under a
    policy of its own, since its map controls compile templates at run time."""
    s = svc(request)
    found = SRCDOC.search(await s.report(s.record(check_id)))
    if found is None:
        raise NotFound(f"check #{check_id} has no interactive map", source="/checks")
    return HTMLResponse(html_lib.unescape(found.group(1)), headers={"Content-Security-Policy": MAP_CSP})


@router.post("/checks/{check_id}/override")
def override(request: Request, check_id: int, finding: int = Form(...), reviewer: str = Form(""),
             reason: str = Form(...), decision: str = Form(...), csrf: str = Form("")):
    user = need(request, "reviewer", csrf, form=True)
    s = svc(request)
    if s.auth:
        reviewer = user["name"]               # the account that is logged in, never a typed name
    rec = s.record(check_id)
    if not 0 <= finding < len(rec["result"]["findings"]):
        raise InputError(error("no_finding", finding=finding), source=f"check #{check_id}",
                         expected=f"0-{len(rec['result']['findings']) - 1}")
    if decision not in ("no_conflict", "conflict_confirmed", "other") or not reviewer.strip() or not reason.strip():
        raise InputError(error("override_fields"), source="override form")
    s.register.override(check_id, finding, reviewer.strip(), reason.strip(), decision)
    return RedirectResponse(f"/checks/{check_id}", status_code=303)


@router.get("/checks/{check_id}/report.html")
async def report_download(check_id: int, request: Request):
    s = svc(request)
    rec = s.record(check_id)
    html = filed_html(await s.report(rec), rec)
    return Response(html, media_type="text/html; charset=utf-8", headers=_attachment(f"check-{check_id}.html"))


@router.get("/checks/{check_id}/report.pdf")
async def report_pdf(check_id: int, request: Request):
    s = svc(request)
    rec = s.record(check_id)
    html = filed_html(await s.report(rec), rec)
    with tempfile.TemporaryDirectory(prefix="zoning-pdf-") as tmp:     # removed once the bytes are read
        pdf = Path(tmp) / f"check-{check_id}.pdf"
        await run_in_threadpool(html_to_pdf, html, pdf)
        data = pdf.read_bytes()
    return Response(data, media_type="application/pdf", headers=_attachment(f"check-{check_id}.pdf"))


@router.get("/checks/{check_id}/report.docx")
async def report_word(check_id: int, request: Request):
    s = svc(request)
    rec = s.record(check_id)
    data = await s.engine.call(docx_job, result_from_record(rec), rec["app_date"], report_number(rec),
                               override_lines(rec))
    return Response(data, media_type=WORD, headers=_attachment(f"check-{check_id}.docx"))


@router.get("/checks/{check_id}/result.json")
def result_json(check_id: int, request: Request):
    return JSONResponse(svc(request).record(check_id)["result"])


@router.get("/checks/{check_id}/site.geojson")
def site_geojson(check_id: int, request: Request):
    rec = svc(request).record(check_id)
    feature = {"type": "Feature", "properties": {"check": check_id, "name": rec["project_name"],
                                                 "verdict": rec["verdict"]},
               "geometry": json.loads(rec["site_geojson"])}
    return Response(json.dumps(feature, ensure_ascii=False), media_type="application/geo+json",
                    headers=_attachment(f"check-{check_id}.geojson"))
