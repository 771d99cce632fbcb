"""Who is asking and what they may do: the session or Bearer token of each request, the role a route needs and
the CSRF token of a form; and the pages rendered for that user."""
from __future__ import annotations

import secrets
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, RedirectResponse

from . import pages
from .accounts import Forbidden, allowed

COOKIE = "zoning_session"


def svc(request: Request):
    """The app's Services (services.py)."""
    return request.app.state.svc


def wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def local(path: str) -> str:
    """A path on this server to go to after login (never another site)."""
    return path if path.startswith("/") and not path.startswith("//") and "\\" not in path else "/"


def page(request: Request, template: str, **kw) -> str:
    user = getattr(request.state, "user", None)
    return pages.render(template, user=user, csrf=(user or {}).get("csrf"), open_mode=not svc(request).auth, **kw)


def need(request: Request, role: str, csrf: str | None = None, form: bool = False) -> dict:
    """The request's user if its role allows `role`; a form must carry the session's CSRF token."""
    user = request.state.user
    if not svc(request).auth:
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


def add_authentication(app: FastAPI) -> None:
    @app.middleware("http")
    async def authenticate(request: Request, call_next):
        """Who is asking: a Bearer token (API) or a signed session cookie; everything but the login page, static
        assets and the health probe needs one."""
        services = svc(request)
        if not services.auth:
            request.state.user = {"name": None, "role": "admin", "csrf": None}
            return await call_next(request)
        header = request.headers.get("authorization", "")
        user = (services.accounts.bearer(header[7:].strip()) if header.lower().startswith("bearer ")
                else services.accounts.session(request.cookies.get(COOKIE)))
        request.state.user = user
        path = request.url.path
        if user is None and not (path in ("/login", "/healthz") or path.startswith("/static/")):
            if wants_json(request) or path == "/openapi.json" or header:
                return JSONResponse({"error": "登录后使用 log in first: a Bearer token or a session"},
                                    status_code=401)
            return RedirectResponse(f"/login?next={quote(path)}", status_code=303)
        return await call_next(request)
