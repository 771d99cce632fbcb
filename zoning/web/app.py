"""`zoning serve`: the check, its report and a register of every check, as pages and as a JSON API (FastAPI).

Every verdict comes from `zoning.check` / `zoning.screen` on one shared context: the web app never judges.
"""
from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import datetime as dt
import errno
import html as html_lib
import json
import logging
import math
import re
import secrets
import sqlite3
import tempfile
import threading
from importlib import resources
from pathlib import Path
from urllib.parse import quote

from fastapi import FastAPI, Form, Request, UploadFile
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.concurrency import run_in_threadpool

from .. import values
from .._version import __version__
from ..engine import make_context
from ..errors import InputError, ZoningError
from ..render.report import html_to_pdf
from . import pages
from .accounts import SESSION_HOURS, Accounts, AuthError, Forbidden, allowed
from .downloads import Expired, ResultStore
from .engine_pool import WorkerDied, check_job, docx_job, make_engine, report_job, screen_job
from .register import Register
from .validate import check_fields, parse_body
from .uploads import (TooLarge, check_vertices, for_the_web, list_from_upload, new_workdir, site_from_drawn,
                      site_from_text, site_from_upload, web_text)

log = logging.getLogger("zoning.web")
CRS_OPTIONS = [("cgcs2000", "CGCS2000 经纬度 lon/lat"), ("wgs84", "WGS84 经纬度 (GPS)"),
               ("gcj02", "GCJ-02 高德/腾讯 AMap/Tencent"), ("bd09", "BD-09 百度 Baidu"),
               ("cgcs2000-gk3", "CGCS2000 3度带 (带号取自Y坐标 zone from the easting prefix)"),
               ("cgcs2000-gk3:38", "CGCS2000 3度带 38带 (带带号)"), ("cgcs2000-gk3:114", "CGCS2000 3度带 中央经线114°"),
               ("xian80-gk3", "西安80 3度带 Xian 1980"), ("beijing54-gk3", "北京54 3度带 Beijing 1954")]


# Scripts and styles only from this server (the maps' inline Leaflet code included); tiles are images from the
# basemap servers; nothing may frame these pages, and forms post only here.
CSP = ("default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
       "img-src 'self' data: blob: https:; font-src 'self' data:; connect-src 'self'; frame-src 'self'; "
       "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'")
# the map document (see check_map): everything inline, nothing from this server, no access to its origin
MAP_CSP = ("sandbox allow-scripts allow-popups; default-src 'none'; script-src 'unsafe-inline' 'unsafe-eval'; "
           "style-src 'unsafe-inline'; img-src data: blob: https:; font-src data:; frame-ancestors 'self'")
# a published atlas (our own renderer's page and tiles, for logged-in users): its measure control compiles a
# template with eval, and it fetches its tiles and name index from this server with the session
ATLAS_CSP = ("default-src 'self'; script-src 'self' 'unsafe-inline' 'unsafe-eval'; style-src 'self' 'unsafe-inline'; "
             "img-src 'self' data: blob: https:; font-src 'self' data:; connect-src 'self'; object-src 'none'; "
             "base-uri 'self'; form-action 'self'; frame-ancestors 'self'")
COOKIE = "zoning_session"
SRCDOC = re.compile(r'srcdoc="([^"]*)"')
SECURITY_HEADERS = {"Content-Security-Policy": CSP, "X-Frame-Options": "DENY", "X-Content-Type-Options": "nosniff",
                    "Referrer-Policy": "strict-origin-when-cross-origin",
                    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()"}
DISK_FULL_TITLE = "磁盘已满 Disk full"
DISK_FULL = "磁盘已满 the server's disk is full; nothing was filed. Tell the administrator, then try again."


def _local(path: str) -> str:
    """A path on this server to go to after login (never another site)."""
    return path if path.startswith("/") and not path.startswith("//") and "\\" not in path else "/"


def _disk_full(exc: BaseException) -> bool:
    if isinstance(exc, OSError) and exc.errno == errno.ENOSPC:
        return True
    return isinstance(exc, sqlite3.OperationalError) and "full" in str(exc).lower()


class NotFound(InputError):
    """A check id that the register does not hold."""


def _float(v):
    """A radius or width from a form: empty is none given."""
    return None if v in (None, "") else values.metres(v, source="form", top=100_000)


async def _read_limited(upload: UploadFile, limit: int) -> bytes:
    data = await upload.read(limit + 1)
    if len(data) > limit:
        raise TooLarge(f"the upload is larger than {limit / 1e6:.0f} MB", source=upload.filename or "upload",
                       expected=f"at most {limit / 1e6:.0f} MB")
    return data


def create_app(layers=None, db=None, *, max_upload_mb: float = 20, max_vertices: int = 200_000,
               max_list_rows: int = 10_000, workers: int = 0, auth: bool = True, atlas=None) -> FastAPI:
    """The app. `workers` > 0 runs checks, reports and screens in that many worker processes (see engine_pool);
    0 runs them in this process, one at a time. `auth` False is open mode: nobody logs in (one person's machine)."""
    ctx = make_context(layers=layers)            # the manifest and categories; layers load in the engine
    engine = make_engine(ctx.manifest, workers)  # layers loaded and indexed at start-up, not on the first request
    register = Register(db)
    accounts = Accounts(register)
    limit = int(max_upload_mb * 1e6)
    inflight: dict = {}          # Idempotency-Key -> the future of the request that is filing it
    inflight_lock = threading.Lock()

    @contextlib.asynccontextmanager
    async def lifespan(_app):
        yield
        engine.close()

    app = FastAPI(title="zoning", version=__version__, lifespan=lifespan, docs_url=None, redoc_url=None,
                  form_limits={"max_part_size": limit, "max_files": 2, "max_fields": 100},
                  description="长株潭生态绿心、生态保护红线与生态廊道准入核查 API — admission checks of project sites. "
                              "Every call needs `Authorization: Bearer TOKEN`, a token from "
                              "`zoning users token NAME` (unless the server runs with --no-auth).")
    app.state.register, app.state.ctx, app.state.engine, app.state.accounts = register, ctx, engine, accounts
    assets = Path(str(resources.files("zoning.render") / "assets"))
    app.mount("/static", StaticFiles(directory=assets), name="static")
    if atlas:                    # a published atlas folder (page and vector tiles), behind the same login
        app.mount("/atlas", StaticFiles(directory=atlas, html=True), name="atlas")
    results = ResultStore(register.path.parent / "screen-results")
    categories = list(ctx.catalogue.categories)

    def wants_json(request: Request) -> bool:
        return request.url.path.startswith("/api/")

    def error_response(request: Request, status: int, heading: str, message: str):
        if wants_json(request):
            return JSONResponse({"error": message}, status_code=status)
        return HTMLResponse(page(request, pages.ERROR, title=heading, heading=heading, message=message),
                            status_code=status)

    def page(request: Request, template: str, **kw) -> str:
        user = getattr(request.state, "user", None)
        return pages.render(template, user=user, csrf=(user or {}).get("csrf"), open_mode=not auth, **kw)

    def need(request: Request, role: str, csrf: str | None = None, form: bool = False) -> dict:
        """The request's user if its role allows `role`; a form must carry the session's CSRF token."""
        user = request.state.user
        if not auth:
            return user
        if not allowed(user, role):
            raise Forbidden(f"the {user['role']} role may not do this", source=request.url.path,
                            expected=f"a {role} account")
        if user.get("csrf") is not None and request.method not in ("GET", "HEAD"):
            # a browser session changing something: forms and API calls carry the session's token
            sent = csrf if form else request.headers.get("x-csrf-token")
            if not sent or not secrets.compare_digest(sent, user["csrf"]):
                raise Forbidden("the form's security token is missing or stale", source=request.url.path,
                                expected="the form as the page gave it (reload the page)")
        return user

    @app.middleware("http")
    async def security_headers(request: Request, call_next):
        response = await call_next(request)
        if request.url.path.startswith("/atlas/"):
            response.headers.setdefault("Content-Security-Policy", ATLAS_CSP)
        if "Content-Security-Policy" in response.headers:     # a policy of its own: the map, framed by its page
            response.headers.setdefault("X-Frame-Options", "SAMEORIGIN")
        for k, v in SECURITY_HEADERS.items():
            response.headers.setdefault(k, v)
        return response

    @app.middleware("http")
    async def authenticate(request: Request, call_next):
        """Who is asking: a Bearer token (API) or a signed session cookie; everything but the login page, static
        assets and the health probe needs one."""
        if not auth:
            request.state.user = {"name": None, "role": "admin", "csrf": None}
            return await call_next(request)
        header = request.headers.get("authorization", "")
        user = (accounts.bearer(header[7:].strip()) if header.lower().startswith("bearer ")
                else accounts.session(request.cookies.get(COOKIE)))
        request.state.user = user
        path = request.url.path
        if user is None and not (path in ("/login", "/healthz") or path.startswith("/static/")):
            if wants_json(request) or path == "/openapi.json" or header:
                return JSONResponse({"error": "登录后使用 log in first: a Bearer token or a session"},
                                    status_code=401)
            return RedirectResponse(f"/login?next={quote(path)}", status_code=303)
        return await call_next(request)

    @app.get("/login", response_class=HTMLResponse, include_in_schema=False)
    def login_page(request: Request, next: str = "/"):
        return page(request, pages.LOGIN, title="登录 Log in", next=_local(next), message=None)

    @app.post("/login", include_in_schema=False)
    def login(request: Request, name: str = Form(""), password: str = Form(""), next: str = Form("/")):
        try:
            cookie, _ = accounts.login(name, password)
        except AuthError as exc:
            return HTMLResponse(page(request, pages.LOGIN, title="登录 Log in", next=_local(next),
                                     message=exc.message + ("" if not exc.expected else f" ({exc.expected})")),
                                status_code=401)
        response = RedirectResponse(_local(next), status_code=303)
        response.set_cookie(COOKIE, cookie, max_age=SESSION_HOURS * 3600, httponly=True, samesite="strict",
                            secure=request.url.scheme == "https", path="/")
        return response

    @app.post("/logout", include_in_schema=False)
    def logout(request: Request, csrf: str = Form("")):
        need(request, "checker", csrf, form=True)
        accounts.logout(request.cookies.get(COOKIE))
        response = RedirectResponse("/login", status_code=303)
        response.delete_cookie(COOKIE, path="/")
        return response

    @app.get("/users", response_class=HTMLResponse, include_in_schema=False)
    def users_page(request: Request):
        need(request, "admin")
        return page(request, pages.USERS, title="用户 Users", users=accounts.list())

    @app.post("/users", include_in_schema=False)
    def users_add(request: Request, name: str = Form(...), role: str = Form(...), password: str = Form(...),
                  csrf: str = Form("")):
        user = need(request, "admin", csrf, form=True)
        accounts.add(name, role, password, actor=user["name"])
        return RedirectResponse("/users", status_code=303)

    @app.post("/users/disable", include_in_schema=False)
    def users_disable(request: Request, name: str = Form(...), csrf: str = Form("")):
        user = need(request, "admin", csrf, form=True)
        accounts.disable(name, actor=user["name"])
        return RedirectResponse("/users", status_code=303)

    @app.get("/docs", include_in_schema=False)
    def docs():
        """The API documentation, from vendored Swagger UI: it works on an intranet without internet."""
        return get_swagger_ui_html(openapi_url="/openapi.json", title="zoning API",
                                   swagger_js_url="/static/swagger-ui/swagger-ui-bundle.js",
                                   swagger_css_url="/static/swagger-ui/swagger-ui.css",
                                   swagger_favicon_url="data:,")

    @app.middleware("http")
    async def size_limit(request: Request, call_next):
        length = request.headers.get("content-length")
        if length and length.isdigit() and int(length) > limit + 1_000_000:
            return error_response(request, 413, "文件过大 Upload too large",
                                  f"the request is {int(length) / 1e6:.1f} MB; at most {limit / 1e6:.0f} MB")
        return await call_next(request)

    def answer(status: int, heading: str):
        async def handler(request: Request, exc: ZoningError):
            return error_response(request, status, heading, str(exc))
        return handler

    for exc_type, status, heading in ((TooLarge, 413, "文件过大 Too large"), (NotFound, 404, "未找到 Not found"),
                                      (AuthError, 401, "请登录 Log in"), (Forbidden, 403, "无权限 Forbidden"),
                                      (Expired, 410, "已过期 Expired")):
        app.add_exception_handler(exc_type, answer(status, heading))

    @app.exception_handler(sqlite3.OperationalError)
    async def register_fault(request: Request, exc: sqlite3.OperationalError):
        if _disk_full(exc):
            return error_response(request, 507, DISK_FULL_TITLE, DISK_FULL)
        log.exception("register error on %s", request.url.path)
        return error_response(request, 503, "登记册忙 Register busy",
                              "the register could not be written just now (locked or unavailable); nothing was "
                              "filed; try again in a moment")

    @app.exception_handler(OSError)
    async def os_fault(request: Request, exc: OSError):
        if _disk_full(exc):
            return error_response(request, 507, DISK_FULL_TITLE, DISK_FULL)
        log.exception("system error on %s", request.url.path)
        return error_response(request, 500, "内部错误 Internal error",
                              "the server could not complete this request; it has been logged")

    @app.exception_handler(WorkerDied)
    async def worker_died(request: Request, exc: WorkerDied):
        return error_response(request, 503, "请重试 Please retry", str(exc))

    @app.exception_handler(ZoningError)
    async def user_error(request: Request, exc: ZoningError):
        return error_response(request, 400, "输入有误 Input error", str(exc))

    @app.exception_handler(RequestValidationError)
    async def bad_request(request: Request, exc: RequestValidationError):
        fields = ", ".join(".".join(str(p) for p in e.get("loc", [])) + ": " + e.get("msg", "") for e in exc.errors())
        return error_response(request, 422, "请求不完整 Incomplete request", fields)

    @app.exception_handler(Exception)
    async def internal(request: Request, exc: Exception):
        log.exception("internal error on %s", request.url.path)
        return error_response(request, 500, "内部错误 Internal error",
                              "the server could not complete this request; it has been logged")

    async def do_check(site, *, category, national_major, date, crs, radius, width, name, case_ref, input_name,
                       input_bytes, with_report: bool, key: str | None = None, user: str | None = None):
        """(check id, result dict) of one site, filed once per Idempotency-Key: a request repeating a key gets the
        check filed first, and requests with one key at the same time wait for the first."""
        first = True
        if key:
            known = await run_in_threadpool(register.by_key, key)
            if known is not None:
                return known["id"], known["result"]
            with inflight_lock:      # a thread-safe future: requests may be served on more than one event loop
                first = key not in inflight
                fut = inflight.setdefault(key, concurrent.futures.Future())
            if not first:
                return await asyncio.wrap_future(fut)
        try:
            check_vertices(site, max_vertices)
            options = dict(category=category or None, national_major=national_major, crs=crs or None,
                           radius_m=radius, width_m=width, name=name or None)
            try:
                result, html = await engine.call(check_job, site, options, date, with_report)
            except ZoningError as exc:
                raise for_the_web(exc, None, input_name or "") from None
            check_id = await run_in_threadpool(register.add, result, case_ref=case_ref, input_name=input_name,
                                               input_bytes=input_bytes, report_html=html, key=key, user=user)
            out = check_id, result.to_dict()
        except BaseException as exc:
            if key:
                with inflight_lock:
                    inflight.pop(key).set_exception(exc)
            raise
        if key:
            with inflight_lock:
                inflight.pop(key).set_result(out)
        return out

    async def site_from_form(file, coords, drawn, site_id, tmp):
        if file is not None and file.filename:
            data = await _read_limited(file, limit)
            return site_from_upload(data, file.filename, tmp, site_id=site_id or None), file.filename, data
        if drawn:
            return site_from_drawn(drawn), "drawn.geojson", drawn.encode("utf-8")
        if coords and coords.strip():
            if len(coords.encode("utf-8")) > limit:
                raise TooLarge("the pasted text is too large", source="pasted coordinates",
                               expected=f"at most {limit / 1e6:.0f} MB")
            return site_from_text(coords, tmp, site_id=site_id or None), "pasted.txt", coords.encode("utf-8")
        raise InputError("no site given", source="form", expected="a file, pasted coordinates or a drawn polygon")

    @app.get("/api/zones", include_in_schema=False)
    def zones(request: Request, bbox: str):
        """The zones inside a lon/lat box, for the draw map (so that staff do not draw blind)."""
        need(request, "checker")
        try:
            box = [float(v) for v in bbox.split(",")]
            if len(box) != 4 or not all(math.isfinite(v) for v in box):
                raise ValueError
        except ValueError:
            raise InputError(f"bbox '{bbox[:80]}'", source="/api/zones",
                             expected="minlon,minlat,maxlon,maxlat in degrees") from None
        from ..overlay.display import zones_geojson
        from ..render.style import load_style
        return JSONResponse(zones_geojson(ctx, box, load_style()))

    @app.get("/healthz", include_in_schema=False)
    def healthz():
        return {"ok": True}

    @app.get("/", response_class=HTMLResponse)
    def index(request: Request):
        return page(request, pages.INDEX, title="核查 Check", categories=categories, crs_options=CRS_OPTIONS,
                            today=dt.date.today().isoformat(), demo=ctx.manifest.demo, notice=ctx.manifest.notice,
                            submission=secrets.token_urlsafe(16))

    @app.post("/check")
    async def check_form(request: Request, category: str = Form(...), file: UploadFile | None = None, coords: str = Form(""),
                         drawn: str = Form(""), crs: str = Form(""), site_id: str = Form(""),
                         national_major: str = Form(""), date: str = Form(""), case_ref: str = Form(""),
                         name: str = Form(""), radius: str = Form(""), width: str = Form(""),
                         submission: str = Form(""), csrf: str = Form("")):
        user = need(request, "checker", csrf, form=True)
        key = f"form:{submission}" if submission else None      # the page's one-time token: a resent form files once
        if key and (known := await run_in_threadpool(register.by_key, key)) is not None:
            return RedirectResponse(f"/checks/{known['id']}", status_code=303)
        with new_workdir() as tmp:
            site, input_name, data = await site_from_form(file, coords, drawn, site_id, Path(tmp))
            check_id, _ = await do_check(
                site, category=category, national_major=values.flag(national_major, source="national_major"),
                date=date, crs=crs,
                radius=_float(radius), width=_float(width), name=name, case_ref=case_ref, input_name=input_name,
                input_bytes=data, with_report=True, key=key, user=user["name"])
        return RedirectResponse(f"/checks/{check_id}", status_code=303)

    def _record(check_id: int) -> dict:
        rec = register.get(check_id) if 0 < check_id < 2 ** 63 else None
        if rec is None:
            raise NotFound(f"no check #{check_id} in the register", source="/checks",
                           expected="an id listed at /checks")
        return rec

    async def _report(rec) -> str:
        """The report as first shown; a check made through the API gets its report rendered once, then kept."""
        if rec["report_html"] is None:
            html = await engine.call(report_job, _result_from_record(rec), rec["app_date"])
            await run_in_threadpool(register.set_report, rec["id"], html)
            rec = await run_in_threadpool(register.get, rec["id"])
        return rec["report_html"]

    @app.get("/checks", response_class=HTMLResponse)
    def checks(request: Request, q: str = "", verdict: str = "", date_from: str = "", date_to: str = ""):
        rows = register.search(q=q or None, verdict=verdict or None, date_from=date_from or None,
                               date_to=date_to or None)
        return page(request, pages.CHECKS, title="登记册 Register", rows=rows, q=q, verdict=verdict,
                            date_from=date_from, date_to=date_to)

    @app.get("/checks/{check_id}", response_class=HTMLResponse)
    async def show_check(check_id: int, request: Request):
        rec = _record(check_id)
        html = await _report(rec)
        findings = [(i, f"{f['layer']} {f['zone_name']} {f['type']} {f['verdict'] or ''}")
                    for i, f in enumerate(rec["result"]["findings"]) if f["type"] != "nearest"]
        labels = dict(findings)
        bar = page(request, pages.RESULT_BAR, rec=rec, findings=findings,
                   finding_label=lambda i: labels.get(i, ""), may_override=allowed(request.state.user, "reviewer"))
        # the interactive map from its own sandboxed address: its scripts never run in this page's origin
        html = SRCDOC.sub(f'src="/checks/{check_id}/map.html" sandbox="allow-scripts allow-popups"', html, count=1)
        return html.replace("<body>", "<body>" + bar, 1)

    @app.get("/checks/{check_id}/map.html", response_class=HTMLResponse)
    async def check_map(check_id: int):
        """The report's interactive map, alone: self-contained, served in a sandbox (an opaque origin) under a
        policy of its own, since its map controls compile templates at run time."""
        found = SRCDOC.search(await _report(_record(check_id)))
        if found is None:
            raise NotFound(f"check #{check_id} has no interactive map", source="/checks")
        return HTMLResponse(html_lib.unescape(found.group(1)), headers={"Content-Security-Policy": MAP_CSP})

    @app.post("/checks/{check_id}/override")
    def override(request: Request, check_id: int, finding: int = Form(...), reviewer: str = Form(""),
                 reason: str = Form(...), decision: str = Form(...), csrf: str = Form("")):
        user = need(request, "reviewer", csrf, form=True)
        if auth:
            reviewer = user["name"]               # the account that is logged in, never a typed name
        rec = _record(check_id)
        if not 0 <= finding < len(rec["result"]["findings"]):
            raise InputError(f"no finding {finding}", source=f"check #{check_id}",
                             expected=f"0-{len(rec['result']['findings']) - 1}")
        if decision not in ("no_conflict", "conflict_confirmed", "other") or not reviewer.strip() or not reason.strip():
            raise InputError("an override needs a decision, a reviewer and a reason", source="override form")
        register.override(check_id, finding, reviewer.strip(), reason.strip(), decision)
        return RedirectResponse(f"/checks/{check_id}", status_code=303)

    @app.get("/checks/{check_id}/report.html")
    async def report_download(check_id: int):
        html = await _report(_record(check_id))
        return Response(html, media_type="text/html; charset=utf-8",
                        headers={"Content-Disposition": f'attachment; filename="check-{check_id}.html"'})

    @app.get("/checks/{check_id}/report.pdf")
    async def report_pdf(check_id: int):
        html = await _report(_record(check_id))
        with tempfile.TemporaryDirectory(prefix="zoning-pdf-") as tmp:     # removed once the bytes are read
            pdf = Path(tmp) / f"check-{check_id}.pdf"
            await run_in_threadpool(html_to_pdf, html, pdf)
            data = pdf.read_bytes()
        return Response(data, media_type="application/pdf",
                        headers={"Content-Disposition": f'attachment; filename="check-{check_id}.pdf"'})

    @app.get("/checks/{check_id}/report.docx")
    async def report_word(check_id: int):
        rec = _record(check_id)
        data = await engine.call(docx_job, _result_from_record(rec), rec["app_date"])
        return Response(data, media_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                        headers={"Content-Disposition": f'attachment; filename="check-{check_id}.docx"'})

    @app.get("/checks/{check_id}/result.json")
    def result_json(check_id: int):
        return JSONResponse(_record(check_id)["result"])

    @app.get("/checks/{check_id}/site.geojson")
    def site_geojson(check_id: int):
        rec = _record(check_id)
        feature = {"type": "Feature", "properties": {"check": check_id, "name": rec["project_name"],
                                                     "verdict": rec["verdict"]},
                   "geometry": json.loads(rec["site_geojson"])}
        return Response(json.dumps(feature, ensure_ascii=False), media_type="application/geo+json",
                        headers={"Content-Disposition": f'attachment; filename="check-{check_id}.geojson"'})

    @app.get("/screen", response_class=HTMLResponse)
    def screen_page(request: Request):
        return page(request, pages.SCREEN, title="批量 Lists", categories=categories, max_rows=max_list_rows,
                            today=dt.date.today().isoformat(), summary=None)

    async def _screen_upload(file, category, date):
        data = await _read_limited(file, limit)
        filename = file.filename or "list"
        with tempfile.TemporaryDirectory(prefix="zoning-screen-") as tmp:       # removed when the answer is made
            out_dir = Path(tmp)
            path = list_from_upload(data, filename, out_dir, max_list_rows)
            out = out_dir / "result.csv"
            try:
                summary = await engine.call(screen_job, path, out, category, date)
            except ZoningError as exc:
                raise for_the_web(exc, path, filename) from None
            rows = await run_in_threadpool(_publish, out, out_dir / "result.xlsx", path, filename)
            token = await run_in_threadpool(results.keep, out_dir)
        kept = {k: v for k, v in summary.items() if k not in ("input", "output", "outputs")}
        return token, kept | {"input": filename}, rows

    @app.post("/screen", response_class=HTMLResponse)
    async def screen_form(request: Request, file: UploadFile, category: str = Form(""), date: str = Form(""),
                          csrf: str = Form("")):
        need(request, "checker", csrf, form=True)
        token, summary, rows = await _screen_upload(file, category, date)
        rows = rows[:500]
        columns = ["row", "id", "name", "category", "verdict", "complete", "site_area_mu", "rules", "error"]
        return page(request, pages.SCREEN, title="批量 Lists", categories=categories, max_rows=max_list_rows,
                            today=dt.date.today().isoformat(), summary=summary, rows=rows, columns=columns,
                            token=token)

    def update_manifests() -> list[Path]:
        """Manifests an update may be compared from: *.toml with [[layers]] beside the folder in use (a fixed list:
        the page never takes a path, so it cannot be made to read other files)."""
        here = Path(ctx.manifest.path)
        root = here.parent.parent
        found = []
        for p in sorted(set(root.glob("*.toml")) | set(root.glob("*/*.toml"))):
            try:
                if p.resolve() != here.resolve() and "[[layers]]" in p.read_text(encoding="utf-8", errors="ignore"):
                    found.append(p)
            except OSError:
                continue
        return found

    def impact_page(request, **kw):
        from ..render.impact_out import zones_text
        from ..render.labels import VERDICT
        root = Path(ctx.manifest.path).parent.parent
        return page(request, pages.IMPACT, title="更新影响 Impact",
                    current=str(Path(ctx.manifest.path).relative_to(root)),
                    candidates=[str(p.relative_to(root)) for p in update_manifests()],
                    verdict=lambda v: VERDICT.get(v, v), zones=zones_text, **kw)

    @app.get("/impact", response_class=HTMLResponse)
    def impact_form(request: Request):
        need(request, "reviewer")
        return impact_page(request, impact=None)

    @app.post("/impact", response_class=HTMLResponse)
    async def impact_run(request: Request, manifest: int = Form(...), csrf: str = Form("")):
        need(request, "reviewer", csrf, form=True)
        from ..render.impact_out import write_impact_xlsx
        from ..screen.impact import impact
        choices = update_manifests()
        if not 0 <= manifest < len(choices):
            raise InputError("no such manifest", source="/impact", expected="one of the listed manifests")
        sites = await run_in_threadpool(register.sites)
        result = await run_in_threadpool(impact, ctx.manifest.path, choices[manifest], sites, "register")
        with tempfile.TemporaryDirectory(prefix="zoning-web-") as tmp:
            await run_in_threadpool(write_impact_xlsx, result, Path(tmp) / "impact.xlsx")
            token = await run_in_threadpool(results.keep, Path(tmp))
        return impact_page(request, impact=result, token=token)

    @app.get("/screen/{token}/{name}")
    def screen_download(token: str, name: str):
        return FileResponse(results.path(token, name), filename=name)

    @app.post("/api/check")
    async def api_check(request: Request):
        """Check one site. Send JSON {"site": GeoJSON, "category": ..., "date", "national_major", "crs", "case_ref",
        "name", "radius_m", "width_m"} or multipart/form-data with `file` and the same fields. Returns the JSON
        result of `zoning check --format json`, with `check_id`, the register's id."""
        user = need(request, "checker")
        kind = request.headers.get("content-type", "")
        key = request.headers.get("idempotency-key")
        if key is not None and not (0 < len(key) <= 200 and key.isprintable()):
            raise InputError("Idempotency-Key must be 1-200 printable characters", source="/api/check")
        key = f"api:{key}" if key else None
        if key and (known := await run_in_threadpool(register.by_key, key)) is not None:
            return {"check_id": known["id"], **known["result"]}
        with new_workdir() as tmp:
            if kind.startswith("application/json"):
                body = await request.body()
                if len(body) > limit:
                    raise TooLarge("the request body is too large", source="/api/check",
                                   expected=f"at most {limit / 1e6:.0f} MB")
                payload = parse_body(body)
                site_json = json.dumps(payload["site"])
                site = site_from_text(site_json, Path(tmp))
                input_name, data, fields = "api.geojson", site_json.encode("utf-8"), payload
            elif kind.startswith("multipart/form-data"):
                form = await request.form(max_part_size=limit, max_files=2, max_fields=100)
                fields = check_fields({k: v for k, v in form.items() if isinstance(v, str)})
                upload = form.get("file")
                if upload is None or isinstance(upload, str):
                    raise InputError("no `file` in the form", source="/api/check", expected="a multipart file field")
                data = await _read_limited(upload, limit)
                site = site_from_upload(data, upload.filename or "upload", Path(tmp), site_id=fields.get("site_id"))
                input_name = upload.filename
            else:
                raise InputError(f"content type '{kind}'", source="/api/check",
                                 expected="application/json or multipart/form-data")
            major = fields.get("national_major")
            check_id, result = await do_check(
                site, category=fields.get("category"),
                national_major=None if major in (None, "") else values.flag(major, source="/api/check",
                                                                            field="national_major"),
                date=fields.get("date"), crs=fields.get("crs"), radius=_float(fields.get("radius_m")),
                width=_float(fields.get("width_m")), name=fields.get("name"), case_ref=fields.get("case_ref"),
                input_name=input_name, input_bytes=data, with_report=False, key=key, user=user["name"])
        return {"check_id": check_id, **result}

    @app.post("/api/screen")
    async def api_screen(request: Request, file: UploadFile, category: str = Form(""), date: str = Form("")):
        """Screen a list (at most max_list_rows rows): the summary and one JSON row per input row."""
        need(request, "checker")
        token, summary, rows = await _screen_upload(file, category, date)
        return {"summary": summary | {"outputs": [f"/screen/{token}/result.csv", f"/screen/{token}/result.xlsx"]},
                "rows": rows}

    @app.get("/api/checks/{check_id}")
    def api_get(check_id: int):
        rec = _record(check_id)
        rec.pop("input_bytes", None)
        rec.pop("report_html", None)
        rec["site"] = json.loads(rec.pop("site_geojson"))
        for k in ("layer_versions", "rule_versions"):
            rec[k] = json.loads(rec[k])
        return rec

    return app


def _publish(csv_path: Path, xlsx_path: Path, list_path: Path, filename: str) -> list[dict]:
    """The screening table as the user gets it: messages in the web's words (naming the file as uploaded), the CSV
    rewritten so, and the same table as Excel text cells; returns the rows."""
    import csv

    import openpyxl

    from ..atomic import replacing
    from ..render.spreadsheet import csv_text, xlsx_row
    with open(csv_path, encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        header = list(reader.fieldnames or [])
        rows = [{k: web_text(v, list_path, filename) if k in ("error", "warnings") else v for k, v in r.items()}
                for r in reader]
    with replacing(csv_path) as tmp, open(tmp, "w", encoding="utf-8-sig", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=header)
        w.writeheader()
        w.writerows({k: csv_text(v) for k, v in r.items()} for r in rows)
    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet("screen")
    ws.append(xlsx_row(ws, header))
    for r in rows:
        ws.append(xlsx_row(ws, [r[h] for h in header]))
    wb.save(xlsx_path)
    return rows


def _result_from_record(rec):
    """A CheckResult rebuilt from the register (the stored JSON is the result; nothing is recomputed)."""
    import shapely

    from ..verdict.result import CheckResult, Finding, LayerReport
    d = rec["result"]
    findings = [Finding.from_dict(f) for f in d["findings"]]
    layers = [LayerReport(**l) for l in d["layers"]]
    return CheckResult(verdict=d["verdict"], complete=d["complete"], date=d["date"], site=d["site"], layers=layers,
                       findings=findings, rule_sets=d["rule_sets"], tool_version=d["tool_version"],
                       analysis_crs=d["analysis_crs"], tolerance_m=d["tolerance_m"], manifest=d["manifest"],
                       warnings=d["warnings"], incomplete_reasons=d["incomplete_reasons"], disclaimer=d["disclaimer"],
                       site_geometry=shapely.geometry.shape(json.loads(rec["site_geojson"])))
