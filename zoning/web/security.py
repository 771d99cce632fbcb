"""What every response carries: a content security policy (a map, the atlas and the rest each their own), no
framing, no sniffing; and a request size limit checked before the body is read."""
from __future__ import annotations

from fastapi import FastAPI, Request
from ..messages import error

# Scripts and styles only from this server (the maps' inline Leaflet code included); tiles are images from the
# basemap servers; nothing may frame these pages, and forms post only here.
CSP = ("default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
       "img-src 'self' data: blob: https:; font-src 'self' data:; connect-src 'self'; frame-src 'self'; "
       "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'")
# the map document (see routes/register.py): everything inline, nothing from this server, no access to its origin
MAP_CSP = ("sandbox allow-scripts allow-popups; default-src 'none'; script-src 'unsafe-inline' 'unsafe-eval'; "
           "style-src 'unsafe-inline'; img-src data: blob: https:; font-src data:; frame-ancestors 'self'")
# a published atlas (our own renderer's page and tiles, for logged-in users): its measure control compiles a
# template with eval, and it fetches its tiles and name index from this server with the session
ATLAS_CSP = ("default-src 'self'; script-src 'self' 'unsafe-inline' 'unsafe-eval'; style-src 'self' 'unsafe-inline'; "
             "img-src 'self' data: blob: https:; font-src 'self' data:; connect-src 'self'; object-src 'none'; "
             "base-uri 'self'; form-action 'self'; frame-ancestors 'self'")
SECURITY_HEADERS = {"Content-Security-Policy": CSP, "X-Frame-Options": "DENY", "X-Content-Type-Options": "nosniff",
                    "Referrer-Policy": "strict-origin-when-cross-origin",
                    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()"}


def add_security_headers(app: FastAPI) -> None:
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


def add_size_limit(app: FastAPI, limit: int) -> None:
    """Added last, so outermost: a request too large is refused before anything reads it."""
    from .errors import error_response

    @app.middleware("http")
    async def size_limit(request: Request, call_next):
        length = request.headers.get("content-length")
        if length and length.isdigit() and int(length) > limit + 1_000_000:
            return error_response(request, 413, "文件过大 Upload too large",
                                  error("upload_too_large", size=int(length) / 1e6, limit=limit / 1e6))
        return await call_next(request)
