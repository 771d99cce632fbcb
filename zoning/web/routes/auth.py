"""Signing in and out, and the accounts page of admins."""
from __future__ import annotations

from fastapi import APIRouter, Form, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, RedirectResponse

from .. import pages
from ..access import COOKIE, local, need, page, svc
from ..accounts import SESSION_HOURS, AuthError

router = APIRouter(include_in_schema=False)


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, next: str = "/"):
    return page(request, pages.LOGIN, title="登录 Log in", next=local(next), message=None)


@router.post("/login")
def login(request: Request, name: str = Form(""), password: str = Form(""), next: str = Form("/")):
    try:
        cookie, _ = svc(request).accounts.login(name, password)
    except AuthError as exc:
        return HTMLResponse(page(request, pages.LOGIN, title="登录 Log in", next=local(next),
                                 message=exc.message + ("" if not exc.expected else f" ({exc.expected})")),
                            status_code=401)
    response = RedirectResponse(local(next), status_code=303)
    response.set_cookie(COOKIE, cookie, max_age=SESSION_HOURS * 3600, httponly=True, samesite="strict",
                        secure=request.url.scheme == "https", path="/")
    return response


@router.post("/logout")
def logout(request: Request, csrf: str = Form("")):
    need(request, "checker", csrf, form=True)
    svc(request).accounts.logout(request.cookies.get(COOKIE))
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(COOKIE, path="/")
    return response


@router.get("/users", response_class=HTMLResponse)
def users_page(request: Request):
    need(request, "admin")
    return page(request, pages.USERS, title="用户 Users", users=svc(request).accounts.list())


@router.post("/users")
def users_add(request: Request, name: str = Form(...), role: str = Form(...), password: str = Form(...),
              csrf: str = Form("")):
    user = need(request, "admin", csrf, form=True)
    svc(request).accounts.add(name, role, password, actor=user["name"])
    return RedirectResponse("/users", status_code=303)


@router.post("/users/disable")
def users_disable(request: Request, name: str = Form(...), csrf: str = Form("")):
    user = need(request, "admin", csrf, form=True)
    svc(request).accounts.disable(name, actor=user["name"])
    return RedirectResponse("/users", status_code=303)


@router.get("/docs")
def docs():
    """The API documentation, from vendored Swagger UI: it works on an intranet without internet."""
    return get_swagger_ui_html(openapi_url="/openapi.json", title="zoning API",
                               swagger_js_url="/static/swagger-ui/swagger-ui-bundle.js",
                               swagger_css_url="/static/swagger-ui/swagger-ui.css", swagger_favicon_url="data:,")


@router.get("/healthz")
def healthz():
    return {"ok": True}
