"""Lists screened in the browser: the upload form, its result table, and the kept downloads."""
from __future__ import annotations

import datetime as dt

from fastapi import APIRouter, Form, Request, UploadFile
from fastapi.responses import FileResponse, HTMLResponse

from .. import pages
from ..access import need, page, svc

router = APIRouter()
COLUMNS = ["row", "id", "name", "category", "verdict", "complete", "site_area_mu", "rules", "error"]
SHOWN_ROWS = 500


def _page(request: Request, **kw) -> str:
    s = svc(request)
    return page(request, pages.SCREEN, title="批量 Lists", categories=s.categories, max_rows=s.max_list_rows,
                today=dt.date.today().isoformat(), **kw)


@router.get("/screen", response_class=HTMLResponse)
def screen_page(request: Request):
    return _page(request, summary=None)


@router.post("/screen", response_class=HTMLResponse)
async def screen_form(request: Request, file: UploadFile, category: str = Form(""), date: str = Form(""),
                      csrf: str = Form("")):
    need(request, "checker", csrf, form=True)
    token, summary, rows = await svc(request).screen_upload(file, category, date)
    return _page(request, summary=summary, rows=rows[:SHOWN_ROWS], columns=COLUMNS, token=token)


@router.get("/screen/{token}/{name}")
def screen_download(token: str, name: str, request: Request):
    return FileResponse(svc(request).results.path(token, name), filename=name)
