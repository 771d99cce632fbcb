"""What a layer update changes for the register's checks (reviewers and admins)."""
from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse

from .. import pages
from ..access import need, page, svc

router = APIRouter()


def _page(request: Request, **kw) -> str:
    from ...render.impact_out import zones_text
    from ...render.labels import VERDICT
    s = svc(request)
    here = Path(s.ctx.manifest.path)
    root = here.parent.parent
    return page(request, pages.IMPACT, title="更新影响 Impact", current=str(here.relative_to(root)),
                candidates=[str(p.relative_to(root)) for p in s.update_manifests()],
                verdict=lambda v: VERDICT.get(v, v), zones=zones_text, **kw)


@router.get("/impact", response_class=HTMLResponse)
def impact_form(request: Request):
    need(request, "reviewer")
    return _page(request, impact=None)


@router.post("/impact", response_class=HTMLResponse)
async def impact_run(request: Request, manifest: int = Form(...), csrf: str = Form("")):
    need(request, "reviewer", csrf, form=True)
    result, token = await svc(request).impact(manifest)
    return _page(request, impact=result, token=token)
