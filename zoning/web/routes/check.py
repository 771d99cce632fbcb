"""The check form: a site dropped, pasted or drawn, its category and date; and the zones around for the map."""
from __future__ import annotations

import datetime as dt
import math
import secrets
from pathlib import Path

from fastapi import APIRouter, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse
from starlette.concurrency import run_in_threadpool

from ... import values
from ...errors import InputError
from .. import pages
from ..access import need, page, svc
from ..services import distance
from ..uploads import new_workdir
from ...messages import error

router = APIRouter()
CRS_OPTIONS = [("cgcs2000", "CGCS2000 经纬度 lon/lat"), ("wgs84", "WGS84 经纬度 (GPS)"),
               ("gcj02", "GCJ-02 高德/腾讯 AMap/Tencent"), ("bd09", "BD-09 百度 Baidu"),
               ("cgcs2000-gk3", "CGCS2000 3度带 (带号取自Y坐标 zone from the easting prefix)"),
               ("cgcs2000-gk3:38", "CGCS2000 3度带 38带 (带带号)"), ("cgcs2000-gk3:114", "CGCS2000 3度带 中央经线114°"),
               ("xian80-gk3", "西安80 3度带 Xian 1980"), ("beijing54-gk3", "北京54 3度带 Beijing 1954")]


@router.get("/", response_class=HTMLResponse)
def index(request: Request):
    s = svc(request)
    return page(request, pages.INDEX, title="核查 Check", categories=s.categories, crs_options=CRS_OPTIONS,
                today=dt.date.today().isoformat(), demo=s.ctx.manifest.demo, notice=s.ctx.manifest.notice,
                submission=secrets.token_urlsafe(16))


@router.post("/check")
async def check_form(request: Request, category: str = Form(...), file: UploadFile | None = None,
                     coords: str = Form(""), drawn: str = Form(""), crs: str = Form(""), site_id: str = Form(""),
                     national_major: str = Form(""), date: str = Form(""), case_ref: str = Form(""),
                     name: str = Form(""), radius: str = Form(""), width: str = Form(""),
                     submission: str = Form(""), csrf: str = Form("")):
    user = need(request, "checker", csrf, form=True)
    s = svc(request)
    key = f"form:{submission}" if submission else None      # the page's one-time token: a resent form files once
    if key and (known := await run_in_threadpool(s.register.by_key, key)) is not None:
        return RedirectResponse(f"/checks/{known['id']}", status_code=303)
    with new_workdir() as tmp:
        site, input_name, data = await s.site_from_form(file, coords, drawn, site_id, Path(tmp))
        check_id, _ = await s.check(
            site, category=category, national_major=values.flag(national_major, source="national_major"),
            date=date, crs=crs, radius=distance(radius), width=distance(width), name=name, case_ref=case_ref,
            input_name=input_name, input_bytes=data, with_report=True, key=key, user=user["name"])
    return RedirectResponse(f"/checks/{check_id}", status_code=303)


@router.get("/api/zones", include_in_schema=False)
def zones(request: Request, bbox: str):
    """The zones inside a lon/lat box, for the draw map (so that staff do not draw blind)."""
    need(request, "checker")
    try:
        box = [float(v) for v in bbox.split(",")]
        if len(box) != 4 or not all(math.isfinite(v) for v in box):
            raise ValueError
    except ValueError:
        raise InputError(error("bad_bbox", bbox=bbox[:80]), source="/api/zones",
                         expected="minlon,minlat,maxlon,maxlat in degrees") from None
    from ...overlay.display import zones_geojson
    from ...render.style import load_style
    return JSONResponse(zones_geojson(svc(request).ctx, box, load_style()))
